#!/usr/bin/env python3
"""Provision a local Amazon Cognito stand-in (moto server) for tests and `make demo`.

Real Cognito is unreachable from the dev/CI machines, so moto's server mode plays it.

Setup (once; the venv may be shared with other requirements files):

    python3 -m venv .venv
    .venv/bin/pip install -r scripts/requirements.txt

Start moto (listens on loopback only; stop it by its PID when done):

    .venv/bin/moto_server -H 127.0.0.1 -p PORT &  MOTO_PID=$!
    .venv/bin/python scripts/moto_cognito.py wait --endpoint http://127.0.0.1:PORT
    .venv/bin/python scripts/moto_cognito.py provision --endpoint http://127.0.0.1:PORT > moto.env
    ...
    kill "$MOTO_PID"

Subcommands:

    provision --endpoint URL [--region us-east-1] [--email E] [--password P]
        Create (or reuse, matched by name) the user pool `GoBlitzPool` (email is the
        username), the app clients `GoBlitzClient` (no secret) and `GoBlitzSecretClient`
        (with a secret), both with ALLOW_USER_PASSWORD_AUTH + ALLOW_REFRESH_TOKEN_AUTH, and
        a confirmed user with a permanent password. Prints shell-style KEY=value lines
        (values shell-quoted when needed; fine for `set -a; . moto.env` and for .env files):
        AWS_REGION, AWS_COGNITO_USER_POOL_ID, AWS_COGNITO_APP_CLIENT_ID,
        AWS_COGNITO_SECRET_CLIENT_ID, AWS_COGNITO_SECRET_CLIENT_SECRET,
        AWS_COGNITO_API_USER_EMAIL, AWS_COGNITO_API_USER_PASSWORD, AWS_COGNITO_JWKS_URL,
        AWS_COGNITO_ISSUER, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER.
        AWS_COGNITO_ISSUER is read from the `iss` claim of a token moto really issues
        (it is `https://cognito-idp.<region>.amazonaws.com/<pool id>`, i.e. the AWS form,
        NOT the moto endpoint; the JWKS is however served at the moto endpoint).

    wait --endpoint URL [--timeout 30]
        Poll until the moto server answers (exit 1 on timeout).

    inspect --endpoint URL --pool-id ID TOKEN
        Print the JWT's header and payload as JSON and check its RS256 signature against
        the pool's JWKS served by moto (exit 1 if it does not verify).

Notes on moto (5.2.x) as a Cognito stand-in:
  * All pools share one static RSA key (kid "dummy"), shipped inside the moto package.
  * Tokens last 3600 s whatever the client's token validity settings say.
  * USER_PASSWORD_AUTH does not check SECRET_HASH; REFRESH_TOKEN_AUTH does, computed over
    the name the user logged in with (the email here), whereas real Cognito wants the
    internal username (the `sub` UUID when email is the username attribute).
  * There is no /oauth2/token endpoint, so the client_credentials grant can't be tested.
"""

from __future__ import annotations

import argparse
import base64
import json
import shlex
import sys
import time
import urllib.error
import urllib.request

POOL_NAME = "GoBlitzPool"
CLIENT_NAME = "GoBlitzClient"
SECRET_CLIENT_NAME = "GoBlitzSecretClient"
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
DEFAULT_EMAIL = "api-user@example.com"
DEFAULT_PASSWORD = "GoBlitz-Demo-Passw0rd!"


def _client(endpoint: str, region: str):
    import boto3  # imported here so `wait`/`--help` work without boto3

    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


def _b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _find_pool(idp, name: str) -> str | None:
    for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return pool["Id"]
    return None


def _ensure_client(idp, pool_id: str, name: str, secret: bool) -> dict:
    for page in idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=pool_id, MaxResults=60
    ):
        for c in page["UserPoolClients"]:
            if c["ClientName"] == name:
                return idp.describe_user_pool_client(
                    UserPoolId=pool_id, ClientId=c["ClientId"]
                )["UserPoolClient"]
    return idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=name,
        GenerateSecret=secret,
        ExplicitAuthFlows=AUTH_FLOWS,
    )["UserPoolClient"]


def provision(args: argparse.Namespace) -> int:
    endpoint = args.endpoint.rstrip("/")
    idp = _client(endpoint, args.region)

    pool_id = _find_pool(idp, POOL_NAME)
    if pool_id is None:
        pool_id = idp.create_user_pool(
            PoolName=POOL_NAME,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
        )["UserPool"]["Id"]

    client = _ensure_client(idp, pool_id, CLIENT_NAME, secret=False)
    secret_client = _ensure_client(idp, pool_id, SECRET_CLIENT_NAME, secret=True)

    try:
        idp.admin_get_user(UserPoolId=pool_id, Username=args.email)
    except idp.exceptions.UserNotFoundException:
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=args.email,
            UserAttributes=[
                {"Name": "email", "Value": args.email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=args.email, Password=args.password, Permanent=True
    )

    # Read the issuer from a token moto really issues rather than guessing it.
    auth = idp.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": args.email, "PASSWORD": args.password},
    )
    issuer = _b64url_json(auth["AuthenticationResult"]["IdToken"].split(".")[1])["iss"]

    values = {
        "AWS_REGION": args.region,
        "AWS_COGNITO_USER_POOL_ID": pool_id,
        "AWS_COGNITO_APP_CLIENT_ID": client["ClientId"],
        "AWS_COGNITO_SECRET_CLIENT_ID": secret_client["ClientId"],
        "AWS_COGNITO_SECRET_CLIENT_SECRET": secret_client["ClientSecret"],
        "AWS_COGNITO_API_USER_EMAIL": args.email,
        "AWS_COGNITO_API_USER_PASSWORD": args.password,
        "AWS_COGNITO_JWKS_URL": f"{endpoint}/{pool_id}/.well-known/jwks.json",
        "AWS_COGNITO_ISSUER": issuer,
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": endpoint,
    }
    for key, value in values.items():
        print(f"{key}={shlex.quote(value)}")
    return 0


def tokens(args: argparse.Namespace) -> int:
    """Signs in again and again (USER_PASSWORD_AUTH) and prints distinct ID and access tokens, one
    a line, until there are --count of them: a working set of real tokens for load tests."""
    idp = _client(args.endpoint.rstrip("/"), args.region)
    seen: set[str] = set()
    while len(seen) < args.count:
        auth = idp.initiate_auth(
            ClientId=args.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": args.email, "PASSWORD": args.password},
        )["AuthenticationResult"]
        for t in (auth["IdToken"], auth["AccessToken"]):
            if t not in seen and len(seen) < args.count:
                seen.add(t)
                print(t)
    return 0


def wait(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.timeout
    url = args.endpoint.rstrip("/") + "/moto-api/"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return 0
        except urllib.error.HTTPError:
            return 0  # it answered
        except OSError as e:
            if time.monotonic() > deadline:
                print(f"moto_cognito: no moto server at {args.endpoint}: {e}", file=sys.stderr)
                return 1
            time.sleep(0.2)


def inspect(args: argparse.Namespace) -> int:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    header_b64, payload_b64, sig_b64 = args.token.strip().split(".")
    header, payload = _b64url_json(header_b64), _b64url_json(payload_b64)
    url = f"{args.endpoint.rstrip('/')}/{args.pool_id}/.well-known/jwks.json"
    with urllib.request.urlopen(url, timeout=10) as resp:
        jwks = json.load(resp)

    def b64int(s: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)), "big")

    verified = False
    for key in jwks.get("keys", []):
        if key.get("kid") != header.get("kid") or key.get("kty") != "RSA":
            continue
        pub = rsa.RSAPublicNumbers(b64int(key["e"]), b64int(key["n"])).public_key()
        sig = base64.urlsafe_b64decode(sig_b64 + "=" * (-len(sig_b64) % 4))
        try:
            pub.verify(
                sig,
                f"{header_b64}.{payload_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            verified = True
        except InvalidSignature:
            pass
    print(json.dumps({"header": header, "payload": payload, "verified": verified}, indent=2))
    return 0 if verified else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the module docstring for how to start moto.",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("provision", help="create pool, clients and user; print KEY=value")
    p.add_argument("--endpoint", required=True, help="moto URL, e.g. http://127.0.0.1:5000")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--email", default=DEFAULT_EMAIL)
    p.add_argument("--password", default=DEFAULT_PASSWORD)
    p.set_defaults(func=provision)

    p = sub.add_parser("tokens", help="print COUNT distinct valid tokens, one a line")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--client-id", required=True)
    p.add_argument("--email", default=DEFAULT_EMAIL)
    p.add_argument("--password", default=DEFAULT_PASSWORD)
    p.add_argument("--count", type=int, default=1000)
    p.set_defaults(func=tokens)

    p = sub.add_parser("wait", help="wait until moto answers")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--timeout", type=float, default=30.0)
    p.set_defaults(func=wait)

    p = sub.add_parser("inspect", help="decode a JWT and verify it against moto's JWKS")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--pool-id", required=True)
    p.add_argument("token")
    p.set_defaults(func=inspect)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
