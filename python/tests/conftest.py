"""Shared helpers of the pytest suite: the tables of testdata/ (read by the Rust, C and JS tests
too) and verifiers built from their configurations. The suite runs against the installed wheel."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "testdata"
POOL = "us-east-1_TestPool1"
CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"


def jsonl(path: str) -> list[dict[str, Any]]:
    with open(TESTDATA / path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def kwargs_of(config: dict[str, Any]) -> dict[str, Any]:
    """A vector's `config` (testdata/generate.py) as CognitoJwtVerifier keyword arguments:
    pools are user pool ids first, then issuer URLs, as core/tests/common does."""
    pools = [{"user_pool_id": p} for p in config.get("user_pool_ids") or []]
    pools += [{"issuer": i} for i in config.get("issuers") or []]
    kw: dict[str, Any] = {
        "pools": pools,
        "client_id": config["client_ids"],
        "token_use": config.get("token_use") or "any",
        "leeway": config.get("leeway") or 0,
        "allow_es256": bool(config.get("allow_es256")),
        # The vectors' keys are given, never fetched: an unknown kid stays unknown.
        "offline": True,
    }
    if config.get("max_age") is not None:
        kw["max_age"] = config["max_age"]
    if config.get("groups"):
        kw["groups"] = config["groups"]
    if config.get("scopes"):
        kw["scope"] = config["scopes"]
    return kw


def claims_of(p: dict[str, Any]) -> dict[str, Any]:
    """A verified payload in the vectors' `claims` shape (as core/tests/vectors.rs)."""
    return {
        "sub": p.get("sub"),
        "username": p.get("username", p.get("cognito:username")),
        "token_use": p["token_use"],
        "client_id": p["aud"] if p["token_use"] == "id" else p["client_id"],
        "exp": p["exp"],
    }


def same_verdict(got: dict[str, Any], want: dict[str, Any]) -> bool:
    if got["valid"] != want["valid"]:
        return False
    if "error" in want and got.get("error") != want["error"]:
        return False
    if "claims" in want and got.get("claims") != want["claims"]:
        return False
    return True


@pytest.fixture(scope="session")
def require_moto() -> bool:
    return os.environ.get("E2E_REQUIRE_MOTO") == "1"


def jwks() -> dict[str, Any]:
    """The testdata JWKS with the keys kA and kB."""
    return next(c for c in jsonl("tokens.jsonl") if c["name"] == "valid_id")["jwks"]


def sign(claims: dict[str, Any], kid: str = "kA", key: str = "rsa2048_a.pem") -> str:
    """An RS256 token signed with a testdata key (PyJWT)."""
    import jwt

    pem = (TESTDATA / "keys" / key).read_bytes()
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})


def id_token(**claims: Any) -> str:
    """A Cognito-shaped ID token of the test pool, valid for an hour from now."""
    import time

    now = int(time.time())
    base = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["users"],
        "iss": ISSUER,
        "cognito:username": "alice",
        "aud": CLIENT,
        "token_use": "id",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "email": "alice@example.com",
    }
    base.update(claims)
    return sign({k: v for k, v in base.items() if v is not None})


def access_token(**claims: Any) -> str:
    import time

    now = int(time.time())
    base = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "iss": ISSUER,
        "client_id": CLIENT,
        "token_use": "access",
        "scope": "openid email",
        "username": "alice",
        "iat": now,
        "exp": now + 3600,
    }
    base.update(claims)
    return sign(base)
