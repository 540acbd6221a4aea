"""python/README.md opens with a working example: run it."""

from __future__ import annotations

import re
from typing import Any

from conftest import REPO, jwks, sign


def test_the_readmes_first_example_runs() -> None:
    text = (REPO / "python" / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```python\n(.*?)```", text, re.S)
    assert first and text.index("```python") < text.index("## "), "the README opens with it"
    ns: dict[str, Any] = {}
    exec(compile(first.group(1), "README.md", "exec"), ns)
    # Its pool's keys as if fetched (the tests reach no Cognito): the testdata JWKS.
    ns["verifier"].cache_jwks(jwks())
    import time

    now = int(time.time())
    token = sign(
        {
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123",
            "client_id": "3n4b5urk1ft4fl3mg5e62d9ado",
            "token_use": "access",
            "scope": "openid",
            "username": "alice",
            "iat": now,
            "exp": now + 3600,
        }
    )
    assert ns["handle"](f"Bearer {token}") == "200 hello alice"
    assert ns["handle"]("Bearer abc.def.ghi") == "401 malformed_token"
    h, p, s = token.split(".")
    assert ns["handle"](f"Bearer {h}.{p}.{s[:-4]}AAAA") == "401 invalid_signature"


def test_the_readmes_alb_example_runs() -> None:
    from cognito_verify.testing import frozen_time
    from conftest import jsonl

    text = (REPO / "python" / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Load balancer tokens") :]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block
    ns: dict[str, Any] = {}
    exec(compile(block.group(1), "README.md", "exec"), ns)
    # The table's valid token, its key as if fetched (the tests reach no AWS), at its time.
    case = next(c for c in jsonl("alb.jsonl") if c["name"] == "valid")
    ns["alb"].cache_key(case["signers"][0], "6a2f3b1c-9d4e-4f5a-8b7c-0d1e2f3a4b5c", case["key_pem"])
    token = case["token"]
    with frozen_time(case["now"]):
        assert ns["user_of"]({"x-amzn-oidc-data": token}) == "200 alice@example.com"
        assert ns["user_of"]({}) == "401 no token"
        assert ns["user_of"]({"x-amzn-oidc-data": token[:-8] + "AAAAAA=="}) == "401 invalid_signature"
    with frozen_time(case["now"] + 120):
        assert ns["user_of"]({"x-amzn-oidc-data": token}) == "401 expired"
