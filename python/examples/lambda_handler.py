"""An AWS Lambda handler behind API Gateway (REST or HTTP API) or a function URL that verifies
the bearer token with cognito_verify. The verifier is made once per execution environment
(at cold start), so its keys, verdict memo and signature cache serve every invocation."""

from __future__ import annotations

import json
from typing import Any

from cognito_verify import JwtVerificationError
from goblitz import TOKEN_NOT_FOUND, bearer_token, pong, refusal, verifier_from_env

verifier = verifier_from_env()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    token = bearer_token(headers.get("authorization"))
    if token is None:
        a = TOKEN_NOT_FOUND
    else:
        try:
            claims = verifier.verify(token)
        except JwtVerificationError as e:
            a = refusal(e)
        else:
            body = json.dumps(pong(claims))
            return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}
    return {"statusCode": a.status, "headers": {"Content-Type": "application/json", **a.headers}, "body": a.body}
