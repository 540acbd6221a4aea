"""The examples (python/examples/) answer GoBlitz's API: 401 with the JSON error body, 200,
403, 503; FastAPI through its test client, Flask through its own, Lambda by calling the handler."""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from conftest import CLIENT, POOL, access_token, id_token, jwks

from cognito_verify import CognitoJwtVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

NOT_FOUND = '{"error": "401 Unauthorized Error. Token Not Found."}'
EXPIRED = '{"error": "401 Unauthorized Error. Token Expired.", "code": "expired"}'
WRONG_CLIENT = '{"error": "401 Unauthorized Error. Token Client Invalid.", "code": "wrong_client"}'
FORBIDDEN = '{"error": "403 Forbidden Error. Insufficient Scope.", "code": "group_not_allowed"}'
UNAVAILABLE = (
    '{"error": "503 Service Unavailable Error. Signing Keys Unavailable.", "code": "jwks_unavailable"}'
)


def verifier(with_keys: bool = True) -> CognitoJwtVerifier:
    v = CognitoJwtVerifier(POOL, client_id=CLIENT, offline=True)
    if with_keys:
        v.cache_jwks(jwks())
    return v


def expired() -> str:
    now = int(time.time())
    return id_token(iat=now - 7200, auth_time=now - 7200, exp=now - 3600)


def check(get: Any) -> None:
    """`get(path, headers) -> (status, headers, body)` against one app."""
    status, headers, body = get("/api/v1/ping", {})
    assert (status, body, headers["WWW-Authenticate"]) == (401, NOT_FOUND, "Bearer")
    status, headers, body = get("/api/v1/ping", {"Authorization": "Basic abc"})
    assert (status, body) == (401, NOT_FOUND)
    status, headers, body = get("/api/v1/ping", {"Authorization": f"Bearer {expired()}"})
    assert (status, body) == (401, EXPIRED)
    assert headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    status, _, body = get("/api/v1/ping", {"Authorization": f"Bearer {id_token(aud='other')}"})
    assert (status, body) == (401, WRONG_CLIENT)
    for token in (id_token(), access_token()):
        status, headers, body = get("/api/v1/ping", {"Authorization": f"Bearer {token}"})
        assert status == 200, body
        want_use = json.loads(body)["token_use"]
        assert json.loads(body) == {
            "message": "pong",
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "username": "alice",
            "token_use": want_use,
        }
    status, headers, body = get("/api/v1/admin", {"Authorization": f"Bearer {id_token()}"})
    assert (status, body) == (403, FORBIDDEN)
    assert headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    admin = id_token(**{"cognito:groups": ["admin"]})
    status, _, body = get("/api/v1/admin", {"Authorization": f"Bearer {admin}"})
    assert status == 200 and json.loads(body)["message"] == "hello admin"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_COGNITO_USER_POOL_ID", raising=False)
    yield


def test_fastapi_dependency(env: None) -> None:
    from fastapi.testclient import TestClient

    fastapi_app = importlib.import_module("fastapi_app")
    client = TestClient(fastapi_app.create_app(verifier()))

    def get(path: str, headers: dict[str, str]) -> tuple[int, Any, str]:
        r = client.get(path, headers=headers)
        return r.status_code, r.headers, r.text

    check(get)
    # No keys can be had (offline, none given): 503 with Retry-After, not 401.
    client = TestClient(fastapi_app.create_app(verifier(with_keys=False)))
    r = client.get("/api/v1/ping", headers={"Authorization": f"Bearer {id_token()}"})
    assert (r.status_code, r.text) == (503, UNAVAILABLE)
    assert int(r.headers["Retry-After"]) >= 1


def test_flask_decorator(env: None) -> None:
    flask_app = importlib.import_module("flask_app")
    client = flask_app.create_app(verifier()).test_client()

    def get(path: str, headers: dict[str, str]) -> tuple[int, Any, str]:
        r = client.get(path, headers=headers)
        return r.status_code, r.headers, r.get_data(as_text=True).strip()

    check(get)


def test_lambda_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_COGNITO_USER_POOL_ID", POOL)
    monkeypatch.setenv("AWS_COGNITO_APP_CLIENT_ID", CLIENT)
    sys.modules.pop("lambda_handler", None)
    mod = importlib.import_module("lambda_handler")
    # Its keys as if fetched (the tests reach no Cognito).
    mod.verifier.cache_jwks(jwks())

    def get(path: str, headers: dict[str, str]) -> tuple[int, Any, str]:
        r = mod.handler({"headers": headers, "rawPath": path}, None)
        return r["statusCode"], r["headers"], r["body"]

    status, headers, body = get("/api/v1/ping", {})
    assert (status, body, headers["WWW-Authenticate"]) == (401, NOT_FOUND, "Bearer")
    status, _, body = get("/api/v1/ping", {"authorization": f"Bearer {expired()}"})
    assert (status, body) == (401, EXPIRED)
    status, _, body = get("/api/v1/ping", {"Authorization": f"Bearer {id_token()}"})
    assert status == 200 and json.loads(body)["username"] == "alice"
