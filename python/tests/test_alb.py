"""ALB tokens (x-amzn-oidc-data): testdata/alb.jsonl, which the Rust, C and JS tests read too,
through cognito_verify.AlbJwtVerifier; and keys fetched over HTTP from a loopback server, many
tokens costing one fetch."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.server
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import pytest
from conftest import jsonl

from cognito_verify import (
    AlbJwtInvalidSignerError,
    AlbJwtVerifier,
    CognitoVerifyError,
    JwtExpiredError,
    ParameterValidationError,
)
from cognito_verify.testing import frozen_time

ARN = "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
CLIENT = "4f1bnaod2d6s7s0hslnsrm4spc"
ISSUER = "https://cognito-idp.us-east-2.amazonaws.com/us-east-2_AbC123dEf"
KID = "0b7a7c1e-3f0d-4c55-9a1e-5d2b8e6f4a10"


def header_of(token: str) -> dict[str, Any]:
    """The token's header, or {} when it is not readable JSON (the core says why)."""
    try:
        return dict(json.loads(base64.urlsafe_b64decode(token.split(".")[0])))
    except Exception:
        return {}


def verdict(case: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    v = AlbJwtVerifier(
        alb_arn=case["signers"], client_id=case["clients"], issuer=case["issuer"], leeway=case["leeway"], offline=True
    )
    kid = header_of(case["token"]).get("kid")
    # The case's key under the token's kid, for every configured load balancer (as if fetched);
    # a kid the core refuses is refused again when the token is read.
    for arn in case["signers"]:
        try:
            v.cache_key(arn, kid, case["key_pem"])
        except (CognitoVerifyError, TypeError):
            pass
    with frozen_time(case["now"]):
        try:
            return "valid", v.verify(case["token"])
        except CognitoVerifyError as e:
            return e.code, {}


def test_alb_table() -> None:
    cases = jsonl("alb.jsonl")
    valid = 0
    for case in cases:
        got, claims = verdict(case)
        assert got == case["expect"], case["name"]
        if got == "valid":
            want = case["claims"]
            assert {k: claims.get(k) for k in ("sub", "email", "username")} == {
                k: want[k] for k in ("sub", "email", "username")
            }, case["name"]
            valid += 1
    assert (len(cases), valid) == (52, 10)
    print(f"alb.jsonl: {len(cases)} cases, {valid} valid (Python)")


def test_settings_and_errors() -> None:
    with pytest.raises(ParameterValidationError) as e:
        AlbJwtVerifier(client_id=CLIENT)
    assert e.value.code == "invalid_configuration"
    with pytest.raises(ParameterValidationError):
        AlbJwtVerifier(alb_arn="arn:aws:s3:::bucket", client_id=CLIENT)
    with pytest.raises(ParameterValidationError):
        AlbJwtVerifier(alb_arn=ARN, client_id=CLIENT, key_url_base="http://example.com/keys")
    v = AlbJwtVerifier(alb_arn=ARN, client_id=CLIENT, offline=True)
    with pytest.raises(CognitoVerifyError) as e2:
        v.cache_key(ARN, "not-a-uuid", "")
    assert e2.value.code == "malformed_token"
    with pytest.raises(CognitoVerifyError) as e3:
        v.cache_key(ARN, KID, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    assert e3.value.code == "unsupported_key"
    assert v.stats() == {"fetches": 0, "failures": 0, "keys": 0}
    assert repr(v) == "<AlbJwtVerifier>"


# ------------------------------------------------------------------------- end to end, over HTTP


def alb_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.derive_private_key(int.from_bytes(hashlib.sha256(b"python e2e ALB").digest(), "big") >> 8, ec.SECP256R1())


def pem_of(key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def alb_token(key: Any, sub: str, exp: int, signer: str = ARN) -> str:
    """A token as an ALB writes it: padded base64url segments, a raw r||s ES256 signature."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    def seg(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode()

    h = {"typ": "JWT", "kid": KID, "alg": "ES256", "iss": ISSUER, "client": CLIENT, "signer": signer, "exp": exp}
    p = {"sub": sub, "email": f"{sub}@example.com", "username": sub, "exp": exp, "iss": ISSUER}
    signed = f"{seg(h)}.{seg(p)}"
    r, s = utils.decode_dss_signature(key.sign(signed.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signed}.{base64.urlsafe_b64encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big')).decode()}"


@pytest.fixture
def key_server() -> Iterator[tuple[str, list[str], Any]]:
    """A loopback HTTP server publishing one ALB key at /{kid}, counting requests."""
    key = alb_key()
    body = pem_of(key).encode()
    paths: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            paths.append(self.path)
            time.sleep(0.05)  # so that concurrent verifications overlap the fetch
            ok = self.path == f"/{KID}"
            self.send_response(200 if ok else 404)
            self.send_header("Content-Length", str(len(body) if ok else 0))
            self.end_headers()
            if ok:
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", paths, key
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_many_tokens_one_fetch(key_server: tuple[str, list[str], Any]) -> None:
    base, paths, key = key_server
    v = AlbJwtVerifier(alb_arn=ARN, client_id=CLIENT, issuer=ISSUER, key_url_base=base)
    exp = int(time.time()) + 120
    tokens = [alb_token(key, f"user{i}", exp) for i in range(64)]
    # 8 threads at once while the key is fetched, then every token again, then asyncio.
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(v.verify, tokens))
    assert [c["sub"] for c in got] == [f"user{i}" for i in range(64)]
    assert all(v.verify(t)["email"] == f"user{i}@example.com" for i, t in enumerate(tokens))

    async def verify_all() -> list[dict[str, Any]]:
        return await asyncio.gather(*(v.verify_async(t) for t in tokens))

    assert len(asyncio.run(verify_all())) == 64
    assert paths == [f"/{KID}"], paths
    assert v.stats() == {"fetches": 1, "failures": 0, "keys": 1}
    # Each token verified again came from the verdict memo (the core's, as for Cognito tokens).
    assert v.verdict_memo_stats()["hits"] >= 128
    assert v.signature_cache_stats()["capacity"] > 0
    # The core's verdicts, from the fetched key.
    with pytest.raises(JwtExpiredError):
        v.verify(alb_token(key, "late", int(time.time()) - 1))
    other = ARN.replace("/web/", "/other/")
    with pytest.raises(AlbJwtInvalidSignerError) as e:
        v.verify(alb_token(key, "x", exp, signer=other))
    assert e.value.code == "wrong_signer"
    print(f"ALB over HTTP: {3 * len(tokens)} verifications, {len(paths)} key fetch")
