"""GoBlitz's API in Flask: a decorator verifies the bearer token with cognito_verify and puts
the claims in `flask.g.claims`.

    AWS_COGNITO_USER_POOL_ID=... AWS_COGNITO_APP_CLIENT_ID=... flask --app flask_app run"""

from __future__ import annotations

import functools
import os
from typing import Any, Callable, Optional

from flask import Flask, Response, g, request

from cognito_verify import CognitoJwtVerifier, JwtVerificationError
from goblitz import TOKEN_NOT_FOUND, Answer, bearer_token, pong, refusal, verifier_from_env


def answer(a: Answer) -> Response:
    return Response(a.body, status=a.status, headers=a.headers, mimetype="application/json")


def cognito_required(
    verifier: CognitoJwtVerifier, *, groups: Optional[Any] = None, scope: Optional[Any] = None
) -> Callable:
    """Refuses the request unless it bears a valid token (and the route's groups or scopes)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = bearer_token(request.headers.get("Authorization"))
            if token is None:
                return answer(TOKEN_NOT_FOUND)
            try:
                # The GIL is released while the signature is checked: other threads serve.
                g.claims = verifier.verify(token, groups=groups, scope=scope)
            except JwtVerificationError as e:
                return answer(refusal(e))
            return view(*args, **kwargs)

        return wrapper

    return decorate


def create_app(verifier: CognitoJwtVerifier) -> Flask:
    app = Flask(__name__)

    @app.get("/api/v1/ping")
    @cognito_required(verifier)
    def ping() -> dict:
        return pong(g.claims)

    @app.get("/api/v1/admin")
    @cognito_required(verifier, groups="admin")
    def admin() -> dict:
        return {"message": "hello admin", "sub": g.claims.get("sub")}

    return app


if "AWS_COGNITO_USER_POOL_ID" in os.environ:
    app = create_app(verifier_from_env())
