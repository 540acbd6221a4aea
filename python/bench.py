"""Benchmark (not a test): tokens/s of cognito_verify beside PyJWT 2.x (with `cryptography`, i.e.
OpenSSL) and joserfc, over the same 1,000 Cognito-shaped RS256-2048 ID tokens as wasm/bench.mjs
(signed here with testdata/keys/rsa2048_a.pem, valid for an hour from now). Every library does
the Cognito checks: signature by the key the `kid` names, `iss`, `exp`, `aud` (the app client)
and `token_use`, as users write them around PyJWT (keys prepared once from the JWKS).

Rows of one comparison run in alternating short rounds (the machine may be shared, so a burst
of load elsewhere hits every row alike); each reports its median round.

    make test-python        # builds target/python-test/venv with the wheel and PyJWT
    make bench-python       # or: target/python-test/venv/bin/python -I python/bench.py [seconds]
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import jwt  # PyJWT
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

import cognito_verify
from cognito_verify import CognitoJwtVerifier

REPO = Path(__file__).resolve().parents[1]
POOL = "us-east-1_TestPool1"
CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
N = 1000
ROUNDS = 7
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0  # per row, over all rounds


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_jwks() -> dict[str, Any]:
    with open(REPO / "testdata" / "tokens.jsonl", encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            if c["name"] == "valid_id":
                return c["jwks"]
    raise SystemExit("testdata/tokens.jsonl: no valid_id")


def make_tokens() -> list[str]:
    key = serialization.load_pem_private_key((REPO / "testdata/keys/rsa2048_a.pem").read_bytes(), None)
    now = int(time.time())
    head = b64(json.dumps({"kid": "kA", "alg": "RS256"}).encode())
    out = []
    for i in range(N):
        claims = {
            "sub": f"{i:08d}-bbbb-cccc-dddd-eeeeeeeeeeee",
            "cognito:groups": ["admin", "users", "billing"],
            "iss": ISSUER,
            "cognito:username": f"user{i}",
            "custom:tenant": "acme-corporation",
            "aud": CLIENT,
            "token_use": "id",
            "auth_time": now,
            "exp": now + 3600,
            "iat": now,
            "jti": f"j-{i}-{os.urandom(6).hex()}",
            "email": "alice@example.com",
        }
        body = b64(json.dumps(claims).encode())
        sig = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
        out.append(f"{head}.{body}.{b64(sig)}")
    return out


JWKS = load_jwks()
TOKENS = make_tokens()

# PyJWT as its users write a Cognito check: keys from the JWKS once (PyJWKSet, what PyJWKClient
# caches), the key by the header's kid, decode with iss / aud / exp required, then token_use.
PYJWT_KEYS = jwt.PyJWKSet.from_dict(JWKS)


def pyjwt_verify(token: str) -> dict[str, Any]:
    kid = jwt.get_unverified_header(token)["kid"]
    key = PYJWT_KEYS[kid]
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=CLIENT,
        issuer=ISSUER,
        options={"require": ["exp", "iss", "aud", "token_use"]},
    )
    if claims["token_use"] != "id":
        raise jwt.InvalidTokenError("token_use")
    return claims


def joserfc_row() -> Any:
    """joserfc, when installed: the same checks with its claims registry."""
    try:
        from joserfc import jwt as jose_jwt
        from joserfc.jwk import KeySet
    except ImportError:
        return None
    keys = KeySet.import_key_set(JWKS)
    registry = jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": CLIENT},
        exp={"essential": True},
        token_use={"essential": True, "value": "id"},
    )

    def verify(token: str) -> dict[str, Any]:
        t = jose_jwt.decode(token, keys, algorithms=["RS256"])
        registry.validate(t.claims)
        return t.claims

    return verify


def ours(**settings: Any) -> Callable[[str], dict[str, Any]]:
    v = CognitoJwtVerifier(POOL, client_id=CLIENT, token_use="id", offline=True, **settings)
    v.cache_jwks(JWKS)
    return v.verify


def run_for(f: Callable[[str], Any], seconds: float, start: int) -> int:
    n = 0
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        for i in range(50):
            f(TOKENS[(start + n + i) % N])
        n += 50
    return n


def measure(f: Callable[[str], Any], threads: int, seconds: float) -> tuple[float, float]:
    """Tokens per second of wall time, over `threads` threads each verifying for `seconds`, and
    the cores the process kept busy meanwhile (its CPU time over the wall time: about 2 when two
    threads really run at once, about 1 when they take turns holding the GIL)."""
    cpu0 = time.process_time()
    if threads == 1:
        t0 = time.perf_counter()
        n = run_for(f, seconds, 0)
        wall = time.perf_counter() - t0
        return n / wall, (time.process_time() - cpu0) / wall
    counts = [0] * threads
    barrier = threading.Barrier(threads + 1)

    def work(k: int) -> None:
        barrier.wait()
        counts[k] = run_for(f, seconds, k * (N // threads))

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    return sum(counts) / wall, (time.process_time() - cpu0) / wall


def group(rows: list[tuple[str, str, Callable[[str], Any], int]]) -> dict[str, float]:
    for _, _, f, threads in rows:
        measure(f, threads, 0.2)  # warm-up
    rates: list[list[tuple[float, float]]] = [[] for _ in rows]
    for _ in range(ROUNDS):
        for i, (_, _, f, threads) in enumerate(rows):
            rates[i].append(measure(f, threads, SECONDS / ROUNDS))
    out = {}
    for i, (key, name, _, _) in enumerate(rows):
        rate, busy = sorted(rates[i])[ROUNDS // 2]
        out[key] = rate
        print(f"{name:<64} {rate:>10,.0f} tokens/s  {busy:4.2f} cores busy")
    return out


def main() -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}, Python {platform.python_version()}, "
        f"cognito_verify {cognito_verify.__version__}, PyJWT {jwt.__version__}, "
        f"{platform.processor() or platform.machine()} x{os.cpu_count()}, load average {load}"
    )
    print(f"{N} ID tokens of {len(TOKENS[0])} bytes, RS256-2048; {SECONDS:g} s a row in {ROUNDS} rounds\n")
    no_cache = ours(signature_cache=0, verdict_memo=0)
    for t in TOKENS[:3]:
        assert no_cache(t)["sub"] == pyjwt_verify(t)["sub"], "the verifiers disagree"
    h, p, s = TOKENS[0].split(".")
    tampered = f"{h}.{p[:-2]}{'A' if p[-2] != 'A' else 'B'}{p[-1]}.{s}"
    for f in (no_cache, pyjwt_verify):
        try:
            f(tampered)
        except Exception:
            pass
        else:
            raise SystemExit("a tampered token passed")
    jose = joserfc_row()
    # The floor under PyJWT: OpenSSL's RSA check alone, through cryptography (no JWT work).
    rsa_key = PYJWT_KEYS["kA"].key
    signed = {t: (t.rsplit(".", 1)[0].encode(), base64.urlsafe_b64decode(t.rsplit(".", 1)[1] + "==")) for t in TOKENS}

    def rsa_only(token: str) -> None:
        data, sig = signed[token]
        rsa_key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())

    print("One thread; every call verifies the signature (no cache, no memo):")
    r = group(
        [
            ("pyjwt", "PyJWT 2 (cryptography / OpenSSL)", pyjwt_verify, 1),
            ("ours", "cognito_verify, signature_cache=0, verdict_memo=0", no_cache, 1),
        ]
        + ([("jose", "joserfc 1.8 (cryptography / OpenSSL)", jose, 1)] if jose else [])
        + [("rsa", "cryptography's RSA verify alone (no JWT work)", rsa_only, 1)]
    )
    print(f"  cognito_verify / PyJWT: {r['ours'] / r['pyjwt']:.2f}x\n")
    print("One thread; the 1,000 tokens seen again (what the caches are for):")
    r2 = group(
        [
            ("memo", "cognito_verify, signature_cache=0, verdict memo on (default)", ours(signature_cache=0), 1),
            ("defaults", "cognito_verify, defaults (memo and signature cache on)", ours(), 1),
        ]
    )
    print(f"  memo / PyJWT: {r2['memo'] / r['pyjwt']:.2f}x, defaults / PyJWT: {r2['defaults'] / r['pyjwt']:.2f}x\n")
    print("Two threads (the GIL is released while cognito_verify verifies):")
    r3 = group(
        [
            ("ours1", "cognito_verify, no cache, no memo, 1 thread", no_cache, 1),
            ("ours2", "cognito_verify, no cache, no memo, 2 threads", no_cache, 2),
            ("pyjwt2", "PyJWT, 2 threads", pyjwt_verify, 2),
        ]
    )
    print(f"  cognito_verify 2 threads / 1 thread: {r3['ours2'] / r3['ours1']:.2f}x")
    # What two threads can get from this machine now: hashlib releases the GIL over 1 MiB, so on
    # two free cores its 2-thread row is about 2x its 1-thread row.
    mib = os.urandom(1 << 20)
    hashes_ = {t: mib for t in TOKENS}

    def sha(token: str) -> None:
        hashlib.sha256(hashes_[token]).digest()

    print("Control, what 2 threads get from this machine now (hashlib over 1 MiB, GIL released):")
    r4 = group([("sha1", "hashlib.sha256, 1 thread", sha, 1), ("sha2", "hashlib.sha256, 2 threads", sha, 2)])
    print(f"  hashlib 2 threads / 1 thread: {r4['sha2'] / r4['sha1']:.2f}x")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at the end: {load}")


if __name__ == "__main__":
    main()
