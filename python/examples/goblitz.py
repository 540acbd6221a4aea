"""The GoBlitz API's answers to a refused request, shared by the FastAPI, Flask and Lambda
examples: the same statuses, JSON bodies and WWW-Authenticate headers as the Rust server
(examples/server.rs through cognito-verify-tower)."""

from __future__ import annotations

import json
import os
import time
from typing import Optional

from cognito_verify import (
    CognitoJwtInvalidGroupError,
    CognitoJwtVerifier,
    JwksNotAvailableError,
    JwtInvalidScopeError,
    JwtVerificationError,
)

# The end of "401 Unauthorized Error. Token ..." for each code (tower/src/cognito.rs).
MESSAGES = {
    "expired": "Token Expired.",
    "malformed_token": "Token Malformed.",
    "token_too_large": "Token Malformed.",
    "invalid_signature": "Token Signature Invalid.",
    "unknown_kid": "Token Signing Key Unknown.",
    "missing_kid": "Token Signing Key Unknown.",
    "unsupported_algorithm": "Token Algorithm Not Allowed.",
    "unsupported_critical_header": "Token Header Not Supported.",
    "not_yet_valid": "Token Not Yet Valid.",
    "issued_in_future": "Token Not Yet Valid.",
    "token_too_old": "Token Too Old.",
    "wrong_issuer": "Token Issuer Invalid.",
    "wrong_token_use": "Token Use Invalid.",
    "wrong_client": "Token Client Invalid.",
    "missing_claim": "Token Claims Invalid.",
    "invalid_claim": "Token Claims Invalid.",
    "revoked": "Token Revoked.",
}


class Answer:
    """An HTTP answer: status, JSON body text, headers."""

    def __init__(self, status: int, body: str, headers: dict[str, str]) -> None:
        self.status, self.body, self.headers = status, body, headers


# No token at all: 401 and a bare Bearer challenge (RFC 6750 section 3.1).
TOKEN_NOT_FOUND = Answer(
    401,
    json.dumps({"error": "401 Unauthorized Error. Token Not Found."}),
    {"WWW-Authenticate": "Bearer"},
)


def bearer_token(authorization: Optional[str]) -> Optional[str]:
    """The token of an `Authorization: Bearer ...` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def refusal(e: JwtVerificationError) -> Answer:
    """The answer to a refused token: 403 for a missing group or scope, 503 while no keys can
    be had, 401 with the code otherwise."""
    if isinstance(e, (CognitoJwtInvalidGroupError, JwtInvalidScopeError)):
        body = {"error": "403 Forbidden Error. Insufficient Scope.", "code": e.code}
        return Answer(403, json.dumps(body), {"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
    if isinstance(e, JwksNotAvailableError):
        body = {"error": "503 Service Unavailable Error. Signing Keys Unavailable.", "code": e.code}
        wait = max(1, int(getattr(e, "retry_at", 0)) - int(time.time()))
        return Answer(503, json.dumps(body), {"Retry-After": str(wait)})
    message = MESSAGES.get(e.code, "Token Invalid.")
    body = {"error": f"401 Unauthorized Error. {message}", "code": e.code}
    return Answer(401, json.dumps(body), {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def verifier_from_env() -> CognitoJwtVerifier:
    """The verifier GoBlitz's .env describes: the user pool, the app client, and where its keys
    are when not at Cognito's own URL (AWS_COGNITO_JWKS_URL: moto, cognito-local)."""
    return CognitoJwtVerifier(
        os.environ["AWS_COGNITO_USER_POOL_ID"],
        client_id=os.environ["AWS_COGNITO_APP_CLIENT_ID"],
        jwks_uri=os.environ.get("AWS_COGNITO_JWKS_URL") or None,
        issuer=os.environ.get("AWS_COGNITO_ISSUER") or None,
    )


def pong(claims: dict) -> dict:
    """GET /api/v1/ping's answer for a verified token."""
    return {
        "message": "pong",
        "sub": claims.get("sub"),
        "username": claims.get("username", claims.get("cognito:username")),
        "token_use": claims["token_use"],
    }
