"""GoBlitz's API in FastAPI: a dependency verifies the bearer token with cognito_verify.

    AWS_COGNITO_USER_POOL_ID=... AWS_COGNITO_APP_CLIENT_ID=... uvicorn fastapi_app:app

GET /api/v1/ping: any valid ID or access token (200 naming the caller); GET /api/v1/admin: also
the group `admin` (403 otherwise); no token or a bad one: 401 with the JSON error body."""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from cognito_verify import CognitoJwtVerifier, JwtVerificationError
from goblitz import TOKEN_NOT_FOUND, Answer, bearer_token, pong, refusal, verifier_from_env


class Refused(Exception):
    def __init__(self, answer: Answer) -> None:
        self.answer = answer


def create_app(verifier: CognitoJwtVerifier) -> FastAPI:
    app = FastAPI()

    @app.exception_handler(Refused)
    async def refused(_: Request, e: Refused) -> Response:
        a = e.answer
        return Response(a.body, status_code=a.status, headers=a.headers, media_type="application/json")

    def cognito(groups: Optional[Any] = None, scope: Optional[Any] = None) -> Callable:
        """A dependency giving the verified claims; `groups` / `scope`: the route's own."""

        async def claims(request: Request) -> dict[str, Any]:
            token = bearer_token(request.headers.get("authorization"))
            if token is None:
                raise Refused(TOKEN_NOT_FOUND)
            try:
                # Keys are fetched, when needed, without blocking the event loop.
                return await verifier.verify_async(token, groups=groups, scope=scope)
            except JwtVerificationError as e:
                raise Refused(refusal(e)) from None

        return claims

    @app.get("/api/v1/ping")
    async def ping(claims: dict = Depends(cognito())) -> dict:
        return pong(claims)

    @app.get("/api/v1/admin")
    async def admin(claims: dict = Depends(cognito(groups="admin"))) -> dict:
        return {"message": "hello admin", "sub": claims.get("sub")}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    return app


# `uvicorn fastapi_app:app`, configured by the environment like the Rust server.
app = create_app(verifier_from_env()) if "AWS_COGNITO_USER_POOL_ID" in os.environ else None
