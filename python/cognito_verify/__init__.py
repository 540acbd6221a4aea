"""Verify Amazon Cognito JWTs with the cognito-verify Rust core: the same checks, codes and key
refresh policy as its Rust, C and JS bindings.

    from cognito_verify import CognitoJwtVerifier, JwtVerificationError

    verifier = CognitoJwtVerifier(user_pool_id="us-east-1_AbC123", token_use="access",
                                  client_id="3n4b5urk1ft4fl3mg5e62d9ado")
    claims = verifier.verify(token)          # or: await verifier.verify_async(token)
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Optional

from . import _native
from .errors import (
    CLASS_OF_CODE,
    CognitoJwtInvalidClientIdError,
    CognitoJwtInvalidGroupError,
    CognitoJwtInvalidTokenUseError,
    CognitoVerifyError,
    JwkValidationError,
    JwksNotAvailableError,
    JwksValidationError,
    JwtCustomCheckError,
    JwtExpiredError,
    JwtInvalidClaimError,
    JwtInvalidIssuerError,
    JwtInvalidScopeError,
    JwtInvalidSignatureAlgorithmError,
    JwtInvalidSignatureError,
    JwtNotBeforeError,
    JwtParseError,
    JwtRevokedError,
    AlbJwtInvalidSignerError,
    JwtVerificationError,
    JwtWithoutValidKidError,
    KidNotFoundInJwksError,
    ParameterValidationError,
    RevokeError,
)

_native._register_errors(dict(CLASS_OF_CODE))

__version__: str = _native.__version__
error_codes = _native.error_codes


class CognitoJwtVerifier(_native.Verifier):
    """Verifies Cognito ID and access tokens: signature against the pool's published keys
    (fetched and refreshed by the core's policy), issuer, token use, client, expiry, groups,
    scopes, revocation. Thread-safe; share one per process."""

    # No per-instance dict: everything lives in the native verifier.
    __slots__ = ()

    async def verify_async(
        self,
        token: str,
        *,
        token_use: Optional[str] = None,
        groups: Any = None,
        scope: Any = None,
    ) -> dict[str, Any]:
        """``verify`` for asyncio: a token whose pool holds keys is verified at once; one that
        needs keys fetched first waits in the loop's default executor, so the event loop never
        blocks on the network."""
        req = {"token_use": token_use, "groups": groups, "scope": scope}
        claims = self._try_verify(token, **req)
        if claims is not None:
            return claims
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self.verify, token, **req))

    async def hydrate_async(self) -> None:
        """``hydrate`` without blocking the event loop."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.hydrate)

    def __repr__(self) -> str:
        return f"<CognitoJwtVerifier: {self.pool_count} pool(s)>"


class AlbJwtVerifier(_native.AlbVerifier):
    """Verifies the tokens an Application Load Balancer signs (the ``x-amzn-oidc-data`` header):
    ``signer`` one of the configured ALB ARNs, the ES256 signature by the key the ALB publishes
    under the token's ``kid`` (fetched from the ARN's region, and cached), ``client``, ``iss``
    when configured, ``exp``. Thread-safe; share one per process."""

    __slots__ = ()

    async def verify_async(self, token: str) -> dict[str, Any]:
        """``verify`` for asyncio: a token whose key is held is verified at once; one whose key
        must be fetched first waits in the loop's default executor."""
        claims = self._try_verify(token)
        if claims is not None:
            return claims
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.verify, token)

    def __repr__(self) -> str:
        return "<AlbJwtVerifier>"


__all__ = [
    "CognitoJwtVerifier",
    "AlbJwtVerifier",
    "CognitoVerifyError",
    "JwtVerificationError",
    "ParameterValidationError",
    "JwtParseError",
    "JwtInvalidSignatureAlgorithmError",
    "JwtWithoutValidKidError",
    "KidNotFoundInJwksError",
    "JwtInvalidSignatureError",
    "JwtInvalidClaimError",
    "JwtExpiredError",
    "JwtNotBeforeError",
    "JwtInvalidIssuerError",
    "JwtInvalidScopeError",
    "CognitoJwtInvalidTokenUseError",
    "CognitoJwtInvalidClientIdError",
    "CognitoJwtInvalidGroupError",
    "JwtCustomCheckError",
    "JwtRevokedError",
    "AlbJwtInvalidSignerError",
    "JwksValidationError",
    "JwkValidationError",
    "JwksNotAvailableError",
    "RevokeError",
    "error_codes",
]
