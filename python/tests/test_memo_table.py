"""testdata/memo.jsonl: a token verified once is answered again by the core's verdict memo (its
claims checked again, no signature), and every answer is the one a fresh verifier without a
memo gives, through key changes, revocations and the clock; as core/tests/memo_table.rs."""

from __future__ import annotations

from typing import Any

from conftest import jsonl, kwargs_of

from cognito_verify import CognitoJwtVerifier, JwtVerificationError
from cognito_verify.testing import frozen_time


def verdict(v: CognitoJwtVerifier, token: str) -> str:
    try:
        v.verify(token)
        return "valid"
    except JwtVerificationError as e:
        return e.code


def test_every_memo_case() -> None:
    cases = jsonl("memo.jsonl")
    assert len(cases) == 20
    ran = steps = hits = 0
    for case in cases:
        if any(c.get("custom_check") for c in case["configs"].values()):
            continue  # a custom check is not exposed to Python
        ran += 1
        configs = {name: kwargs_of(c) for name, c in case["configs"].items()}
        token = case["token"]
        with frozen_time(case["base"]):
            verifiers = {n: CognitoJwtVerifier(verdict_memo=64, **kw) for n, kw in configs.items()}
        world: list[tuple[str, Any, int]] = []
        for i, step in enumerate(case["steps"]):
            at = case["base"] + step["at"]
            what = f"{case['name']}, step {i}: {step}"
            with frozen_time(at):
                if "load" in step:
                    for v in verifiers.values():
                        v.cache_jwks(case["jwks"][step["load"]])
                    world.append(("load", step["load"], at))
                elif "revoke" in step:
                    for v in verifiers.values():
                        v.revoke(**step["revoke"])
                    world.append(("revoke", step["revoke"], at))
                else:
                    v = verifiers[step["verify"]]
                    before = v.verdict_memo_stats()["hits"]
                    got = verdict(v, token)
                    hit = v.verdict_memo_stats()["hits"] - before
                    assert got == step["expect"], what
                    if "hit" in step:
                        assert hit == int(step["hit"]), f"{what}: memo hits"
                        hits += hit
                    fresh = CognitoJwtVerifier(verdict_memo=0, **configs[step["verify"]])
                    for kind, arg, when in world:
                        with frozen_time(when):
                            if kind == "load":
                                fresh.cache_jwks(case["jwks"][arg])
                            else:
                                fresh.revoke(**arg)
                    assert verdict(fresh, token) == got, f"{what}: a fresh verifier without a memo"
            steps += 1
    assert ran == 18
    print(f"memo.jsonl: {ran} of {len(cases)} cases (the 2 with a custom check left out), {steps} steps, {hits} hits passed")
