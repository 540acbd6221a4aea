"""The shared vectors of testdata/ through the installed package: the same verdicts and codes
as Rust (core/tests/vectors.rs, conformance.rs, revocation.rs), C and JS."""

from __future__ import annotations

import json
from typing import Any

from conftest import CLIENT, claims_of, jsonl, kwargs_of, same_verdict

import cognito_verify
from cognito_verify import CognitoJwtVerifier, CognitoVerifyError, JwtVerificationError
from cognito_verify.testing import frozen_time


def run_token_case(c: dict[str, Any]) -> dict[str, Any]:
    with frozen_time(c["now"]):
        v = CognitoJwtVerifier(**kwargs_of(c["config"]))
        try:
            v.cache_jwks(c["jwks"])
            return {"valid": True, "claims": claims_of(v.verify(c["token"]))}
        except JwtVerificationError as e:
            assert isinstance(e, cognito_verify.errors.CLASS_OF_CODE[e.code]), (c["name"], e)
            return {"valid": False, "error": e.code}


def check_table(path: str, count: int) -> None:
    cases = jsonl(path)
    assert len(cases) == count, f"{path}: case count"
    failures = []
    for c in cases:
        got = run_token_case(c)
        if not same_verdict(got, c["expect"]):
            failures.append(f"{c['name']}: want {c['expect']}, got {got}")
    assert failures == [], f"{len(failures)} of {len(cases)} failed:\n" + "\n".join(failures)
    print(f"{path}: {len(cases)} cases passed")


def test_token_vectors() -> None:
    check_table("tokens.jsonl", 164)


def test_real_world_cognito_tokens() -> None:
    check_table("real-world/cases.jsonl", 55)


def test_jwks_vectors() -> None:
    cases = jsonl("jwks.jsonl")
    assert len(cases) == 33
    for c in cases:
        v = CognitoJwtVerifier("us-east-1_x", client_id="c", offline=True)
        try:
            v.cache_jwks(c["jwks"])
            got = {"ok": True, "keys": v.jwks_stats()["keys"]}
        except JwtVerificationError as e:
            got = {"ok": False, "error": e.code}
        want = {k: c["expect"][k] for k in got}
        assert got == want, c["name"]
    print(f"jwks.jsonl: {len(cases)} cases passed")


def test_conformance_pools_and_clients() -> None:
    cases = jsonl("conformance.jsonl")
    assert len(cases) == 42
    for c in cases:
        pools = [
            {"user_pool_id": p["user_pool_id"]} if "user_pool_id" in p else {"issuer": p["issuer"]}
            for p in c["pools"]
        ]
        with frozen_time(c["now"]):
            v = CognitoJwtVerifier(
                pools=pools, client_id=c["client_ids"], token_use=c.get("token_use"), offline=True
            )
            for i, p in enumerate(c["pools"]):
                v.cache_jwks(json.dumps(p["jwks"]), pool=i)
            try:
                v.verify(c["token"])
                got = {"valid": True}
            except JwtVerificationError as e:
                got = {"valid": False, "error": e.code}
        assert got == c["expect"], c["name"]
    print(f"conformance.jsonl: {len(cases)} cases passed")


def pool_kwargs(p: dict[str, Any]) -> dict[str, Any]:
    """One pool of pools.jsonl as a dict of `pools=[...]`."""
    pool: dict[str, Any] = {}
    for ours, theirs in (
        ("user_pool_id", "user_pool_id"),
        ("issuer", "issuer"),
        ("jwks_uri", "jwks_url"),
        ("client_id", "client_ids"),
        ("token_use", "token_use"),
        ("groups", "groups"),
        ("scope", "scopes"),
    ):
        if theirs in p:
            pool[ours] = p[theirs]
    if p.get("also_issuers"):
        pool["issuer"] = p["also_issuers"]
    return pool


def test_each_pools_own_rules() -> None:
    """testdata/pools.jsonl: the several-pool form, each pool with its own clients and rules
    (a rule a pool does not set is the verifier's), over the conformance tokens."""
    tokens = {c["name"]: c for c in jsonl("conformance.jsonl")}
    cases = jsonl("pools.jsonl")
    verdicts = refused = 0
    for c in cases:
        config = c["config"]
        shared: dict[str, Any] = {}
        for ours, theirs in (
            ("client_id", "client_ids"),
            ("token_use", "token_use"),
            ("groups", "groups"),
            ("scope", "scopes"),
        ):
            if theirs in config:
                shared[ours] = config[theirs]
        pools = [pool_kwargs(p) for p in config["pools"]]
        try:
            v = CognitoJwtVerifier(pools=pools, offline=True, **shared)
        except CognitoVerifyError as e:
            assert c.get("error"), f"{c['name']}: refused: {e}"
            assert (e.code, str(e)) == ("invalid_configuration", c["error"]), c["name"]
            refused += 1
            continue
        assert not c.get("error"), f"{c['name']}: accepted, want {c['error']}"
        for name, want in c["verdicts"]:
            t = tokens[name]
            with frozen_time(t["now"]):
                fresh = CognitoJwtVerifier(pools=pools, offline=True, **shared)
                for i, p in enumerate(t["pools"]):
                    fresh.cache_jwks(p["jwks"], pool=i)
                try:
                    fresh.verify(t["token"])
                    got = "valid"
                except JwtVerificationError as e:
                    got = e.code
            assert got == want, f"{c['name']} / {name}"
            verdicts += 1
        assert v.pool_count == len(pools)
    assert (len(cases), verdicts, refused) == (19, 28, 7)
    print(f"pools.jsonl: {len(cases)} configurations, {verdicts} verdicts, {refused} refused")


def test_revocation_table() -> None:
    cases = jsonl("revocation.jsonl")
    assert len(cases) == 23
    for c in cases:
        with frozen_time(c["now"]):
            v = CognitoJwtVerifier(c["user_pool_id"], client_id=c["client_ids"], offline=True)
            v.cache_jwks(c["jwks"])
            for r in c["revocations"]:
                v.revoke(**r)
            try:
                v.verify(c["token"])
                got = {"valid": True}
            except JwtVerificationError as e:
                got = {"valid": False, "error": e.code}
        assert same_verdict(got, c["expect"]), f"{c['name']}: want {c['expect']}, got {got}"
    print(f"revocation.jsonl: {len(cases)} cases passed")


def test_every_code_has_a_class() -> None:
    codes = cognito_verify.error_codes()
    assert len(codes) == 28 and codes[0] == "malformed_token"
    for code in codes:
        cls = cognito_verify.errors.CLASS_OF_CODE[code]
        assert issubclass(cls, CognitoVerifyError), code
    for path in ("tokens.jsonl", "real-world/cases.jsonl", "jwks.jsonl", "conformance.jsonl"):
        for c in jsonl(path):
            code = c["expect"].get("error")
            assert code is None or code in codes, (path, code)
    assert CLIENT
