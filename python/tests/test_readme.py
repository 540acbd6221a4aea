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
