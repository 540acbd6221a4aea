"""The claims dict is what json.loads gives for the payload: same objects, types and order, for
every kind of JSON value a payload may hold (the binding converts it itself: src/claims.rs)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from conftest import CLIENT, ISSUER, POOL, TESTDATA, jwks

from cognito_verify import CognitoJwtVerifier


def signed(payload: bytes) -> str:
    """An RS256 token over these exact payload bytes (key kA)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    def b64(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

    key = serialization.load_pem_private_key((TESTDATA / "keys" / "rsa2048_a.pem").read_bytes(), None)
    head = b64(b'{"alg":"RS256","kid":"kA"}') + "." + b64(payload)
    sig = key.sign(head.encode(), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
    return head + "." + b64(sig)


def base(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "s", "iss": ISSUER, "aud": CLIENT, "token_use": "id", "iat": now, "exp": now + 600, **extra}


ODD = {
    "escapes": "quote \" backslash \\ slash / \b\f\n\r\t \u00e9 \u20ac \U0001F600 \u0001",
    "floats": [1.5, -0.0, 1e3, 2.5e-7, 1e308, 0.1],
    "ints": [0, -1, 2**63 - 1, -(2**63)],
    "nested": {"a": [1, {"b": None}, [], {}], "t": True, "f": False, "n": None},
    "empty": "",
}


def check(v: CognitoJwtVerifier, payload: bytes) -> None:
    got = v.verify(signed(payload))
    want = json.loads(payload)
    assert got == want and list(got) == list(want)
    assert repr(got) == repr(want)  # types too: -0.0, 1000.0, ints


def test_claims_match_json_loads() -> None:
    v = CognitoJwtVerifier(POOL, client_id=CLIENT, offline=True, verdict_memo=0)
    v.cache_jwks(jwks())
    n = 0
    for ascii_only in (True, False):
        for name, value in ODD.items():
            check(v, json.dumps(base(**{name: value}), ensure_ascii=ascii_only).encode())
            n += 1
    # Whitespace, a raw UTF-8 member name, an escaped one, a \/ and a 0E0.
    raw = json.dumps(base()).encode()[:-1] + ' , "caf\u00e9" : [ 0E0 , "a\\/b" ] , "k\\u00e9y" : 1 }'.encode()
    check(v, raw)
    # Integers beyond 64 bits: the same ints (json.loads converts these).
    check(v, json.dumps(base(big=2**70, neg=-(2**64), deep=[[2**65]])).encode())
    n += 2
    print(f"claims: {n} payloads as json.loads reads them")


def test_claims_of_recurring_shapes() -> None:
    """Payloads with the member names of recent ones (a dict copied from a per-thread template),
    shapes alternating beyond the templates kept: each call gives fresh, independent objects."""
    v = CognitoJwtVerifier(POOL, client_id=CLIENT, offline=True, verdict_memo=0)
    v.cache_jwks(jwks())
    now = int(time.time())
    payloads = [
        json.dumps(base(**{f"x{k}": [k, now + k, "g"], "n": {"a": k}})).encode() for k in range(6)
    ] + [json.dumps(base(x0=[9])).encode()]
    tokens = [signed(p) for p in payloads]
    for _ in range(3):
        for token, payload in zip(tokens, payloads):
            got = v.verify(token)
            want = json.loads(payload)
            assert got == want and list(got) == list(want) and repr(got) == repr(want)
            got["sub"] = "changed"  # the caller's to change: the next dict is its own
            got["added"] = 1
            got.pop("iss")
            next(x for k, x in got.items() if k.startswith("x")).append("more")
