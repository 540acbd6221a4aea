"""End to end against moto (the repo's Cognito stand-in, started here on 127.0.0.1 and stopped
after): keys fetched over HTTP by the core's refresh policy, tokens from InitiateAuth verified,
and the FastAPI example answering 401 then 200."""

from __future__ import annotations

import asyncio
import importlib
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from conftest import REPO

from cognito_verify import CognitoJwtVerifier, KidNotFoundInJwksError

MOTO = REPO / ".venv" / "bin" / "moto_server"
SCRIPT = [str(REPO / ".venv" / "bin" / "python"), str(REPO / "scripts" / "moto_cognito.py")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto(require_moto: bool) -> Iterator[dict[str, str]]:
    if not MOTO.exists():
        if require_moto:
            pytest.fail(f"E2E_REQUIRE_MOTO is set but {MOTO} is missing: run scripts/ensure_venv.sh")
        pytest.skip(f"{MOTO} missing; run scripts/ensure_venv.sh")
    port = free_port()
    proc = subprocess.Popen(
        [str(MOTO), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        subprocess.run([*SCRIPT, "wait", "--endpoint", endpoint, "--timeout", "60"], check=True)
        out = subprocess.run(
            [*SCRIPT, "provision", "--endpoint", endpoint],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        env = {}
        for line in out.splitlines():
            k, _, v = line.partition("=")
            env[k] = shlex.split(v)[0] if v else ""
        env["endpoint"] = endpoint
        yield env
    finally:
        # Only the process this fixture started, by its handle.
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def sign_in(env: dict[str, str]) -> dict[str, str]:
    import boto3

    idp = boto3.client(
        "cognito-idp",
        endpoint_url=env["endpoint"],
        region_name=env["AWS_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    r = idp.initiate_auth(
        ClientId=env["AWS_COGNITO_APP_CLIENT_ID"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": env["AWS_COGNITO_API_USER_EMAIL"],
            "PASSWORD": env["AWS_COGNITO_API_USER_PASSWORD"],
        },
    )
    return r["AuthenticationResult"]


def test_tokens_from_initiate_auth(moto: dict[str, str]) -> None:
    tokens = sign_in(moto)
    v = CognitoJwtVerifier(
        moto["AWS_COGNITO_USER_POOL_ID"],
        client_id=moto["AWS_COGNITO_APP_CLIENT_ID"],
        jwks_uri=moto["AWS_COGNITO_JWKS_URL"],
    )
    assert v.jwks_stats()["fetches"] == 0
    claims = v.verify(tokens["IdToken"])  # keys fetched over HTTP, then verified
    assert claims["token_use"] == "id" and claims["iss"] == moto["AWS_COGNITO_ISSUER"]
    assert claims["email"] == moto["AWS_COGNITO_API_USER_EMAIL"]
    assert v.verify(tokens["AccessToken"], token_use="access")["client_id"] == moto["AWS_COGNITO_APP_CLIENT_ID"]
    stats = v.jwks_stats()
    assert stats["fetches"] == 1 and stats["keys"] >= 1 and stats["failures"] == 0, stats
    # An unknown kid: one more fetch (the policy's), and the kid stays unknown.
    h, p, s = tokens["IdToken"].split(".")
    import base64
    import json

    other = base64.urlsafe_b64encode(json.dumps({"kid": "other", "alg": "RS256"}).encode()).rstrip(b"=")
    with pytest.raises(KidNotFoundInJwksError):
        v.verify(f"{other.decode()}.{p}.{s}")
    assert v.jwks_stats()["fetches"] == 2
    # A second unknown kid within the cooldown fetches nothing.
    with pytest.raises(KidNotFoundInJwksError):
        v.verify(f"{other.decode()}.{p}.{s}")
    assert v.jwks_stats()["fetches"] == 2
    print(f"moto: ID and access tokens from InitiateAuth verified, keys fetched from {moto['AWS_COGNITO_JWKS_URL']}")


def test_hydrate_and_verify_async(moto: dict[str, str]) -> None:
    tokens = sign_in(moto)
    v = CognitoJwtVerifier(
        moto["AWS_COGNITO_USER_POOL_ID"],
        client_id=moto["AWS_COGNITO_APP_CLIENT_ID"],
        jwks_uri=moto["AWS_COGNITO_JWKS_URL"],
    )
    # The first verification waits for the fetch off the event loop.
    claims = asyncio.run(v.verify_async(tokens["IdToken"]))
    assert claims["token_use"] == "id"
    w = CognitoJwtVerifier(
        moto["AWS_COGNITO_USER_POOL_ID"],
        client_id=moto["AWS_COGNITO_APP_CLIENT_ID"],
        jwks_uri=moto["AWS_COGNITO_JWKS_URL"],
    )
    w.hydrate()
    assert w.jwks_stats()["keys"] >= 1
    bad = CognitoJwtVerifier(
        moto["AWS_COGNITO_USER_POOL_ID"],
        client_id=moto["AWS_COGNITO_APP_CLIENT_ID"],
        jwks_uri=f"{moto['endpoint']}/nowhere/jwks.json",
    )
    with pytest.raises(Exception) as e:
        bad.hydrate()
    assert getattr(e.value, "code", None) == "jwks_unavailable"
    assert "HTTP 404" in (bad.jwks_stats()["last_error"] or ""), bad.jwks_stats()


def test_fastapi_example_401_then_200(moto: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    for k in ("AWS_COGNITO_USER_POOL_ID", "AWS_COGNITO_APP_CLIENT_ID", "AWS_COGNITO_JWKS_URL", "AWS_COGNITO_ISSUER"):
        monkeypatch.setenv(k, moto[k])
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
    sys.modules.pop("fastapi_app", None)
    app = importlib.import_module("fastapi_app").app
    assert app is not None
    client = TestClient(app)
    r = client.get("/api/v1/ping")
    assert r.status_code == 401
    assert r.text == '{"error": "401 Unauthorized Error. Token Not Found."}'
    assert r.headers["WWW-Authenticate"] == "Bearer"
    token = sign_in(moto)["IdToken"]
    r = client.get("/api/v1/ping", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["message"] == "pong" and body["token_use"] == "id" and body["sub"]
    print("moto: the FastAPI example answered 401 without a token, then 200 with InitiateAuth's")
    assert os.environ["AWS_COGNITO_JWKS_URL"].startswith("http://127.0.0.1:")
