"""testdata/refresh.jsonl (timelines of refresh decisions, fetch outcomes and tokens, read by the
Rust, C and JS tests too) driven through the package's verifier: the core's refresh policy at
each step's time, through cognito_verify.testing.RefreshDriver."""

from __future__ import annotations

import json
from typing import Any

from conftest import jsonl

from cognito_verify import CognitoJwtVerifier, CognitoVerifyError
from cognito_verify.testing import RefreshDriver


def document(case: dict[str, Any], name: str) -> str:
    """A scenario's key-set document as a fetch returns it (a string is sent as it is)."""
    doc = case["jwks"][name]
    return doc if isinstance(doc, str) else json.dumps(doc)


def test_refresh_table() -> None:
    cases = jsonl("refresh.jsonl")
    steps = 0
    for case in cases:
        v = CognitoJwtVerifier(case["user_pool_id"], client_id=case["client_id"])
        drive = RefreshDriver(v)
        for i, step in enumerate(case["steps"]):
            now = case["base"] + step["at"]
            what = f"{case['name']}, step {i}: {step}"
            if "poll" in step:
                action, retry_at = drive.poll(now, unknown_kid=step["poll"] == "unknown_kid")
                assert action == step["action"], what
                want_retry = case["base"] + step["retry_at"] if "retry_at" in step else None
                assert retry_at == want_retry, what
            elif "fetched" in step:
                outcome = step["fetched"]
                try:
                    drive.fetched(now, None if outcome == "fail" else document(case, outcome))
                    loaded = outcome != "fail"
                except CognitoVerifyError:
                    loaded = False
                assert loaded == (outcome in ("ok", "rotated")), what
            elif "load" in step:
                drive.load(now, document(case, step["load"]))
            elif "verify" in step:
                try:
                    drive.verify(case["tokens"][step["verify"]], now)
                    got = "valid"
                except CognitoVerifyError as e:
                    got = e.code
                assert got == step["expect"], what
            else:
                raise AssertionError(f"{what}: unknown step")
            steps += 1
    assert (len(cases), steps) == (9, 76)
    print(f"refresh.jsonl: {len(cases)} scenarios, {steps} steps passed (Python)")
