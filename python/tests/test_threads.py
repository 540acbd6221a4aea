"""8 threads verifying at once give the same verdicts as one thread (the GIL is released while
the core verifies, so they really run at once)."""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt

from conftest import CLIENT, POOL, access_token, id_token, jwks, sign

from cognito_verify import CognitoJwtVerifier, JwtVerificationError


def tokens() -> list[str]:
    now = int(time.time())
    out = []
    for i in range(40):
        sub = f"{i:08d}-bbbb-cccc-dddd-eeeeeeeeeeee"
        good = id_token(sub=sub)
        h, p, s = good.split(".")
        out += [
            good,
            access_token(sub=sub),
            id_token(sub=sub, exp=now - 10, iat=now - 3610),
            id_token(sub=sub, aud="someone-else"),
            id_token(sub=sub, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
            f"{h}.{p}.{s[:-4]}AAAA",
            sign(jwt.decode(good, options={"verify_signature": False}), kid="nope"),
            f"{h}.{p}",
        ]
    return out


def verdict(v: CognitoJwtVerifier, token: str) -> Any:
    try:
        return ("valid", v.verify(token)["sub"])
    except JwtVerificationError as e:
        return e.code


def test_eight_threads_agree_with_one() -> None:
    all_tokens = tokens()
    settings: list[dict[str, Any]] = [{}, {"signature_cache": 0, "verdict_memo": 0}]
    for extra in settings:
        v = CognitoJwtVerifier(POOL, client_id=CLIENT, offline=True, **extra)
        v.cache_jwks(jwks())
        one = [verdict(v, t) for t in all_tokens]
        codes = {c if isinstance(c, str) else c[0] for c in one}
        assert codes == {
            "valid",
            "expired",
            "wrong_client",
            "wrong_issuer",
            "invalid_signature",
            "unknown_kid",
            "malformed_token",
        }, codes
        results: list[Any] = [None] * 8
        start = threading.Barrier(8)

        def run(k: int) -> None:
            start.wait()
            got = []
            # Each thread in its own order, three rounds, so that threads meet on every token.
            order = all_tokens[k * 37 % len(all_tokens) :] + all_tokens[: k * 37 % len(all_tokens)]
            for _ in range(3):
                got.append([verdict(v, t) for t in order])
            results[k] = (order, got)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        want = dict(zip(all_tokens, one))
        for k, (order, rounds) in enumerate(results):
            for r in rounds:
                assert r == [want[t] for t in order], f"thread {k} ({extra}) disagrees"
        print(f"8 threads x 3 rounds x {len(all_tokens)} tokens ({extra or 'defaults'}): same verdicts as one thread")
