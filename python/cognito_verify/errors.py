"""The exceptions cognito_verify raises: one hierarchy, each carrying the core's stable ``code``
(the same word as in Rust, C and JS). Class names follow aws-jwt-verify's, as the JS package's do."""

from __future__ import annotations


class CognitoVerifyError(Exception):
    """Base class of every error of this package; ``code`` is a stable snake_case code."""

    code: str

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


class JwtVerificationError(CognitoVerifyError):
    """The token is refused (HTTP 401), or no keys can be had (``JwksNotAvailableError``, 503)."""


class ParameterValidationError(CognitoVerifyError, ValueError):
    """The verifier's settings are unusable (``invalid_configuration``)."""


class JwtParseError(JwtVerificationError):
    """Not a well-formed compact JWS, too large, or an unsupported critical header."""


class JwtInvalidSignatureAlgorithmError(JwtVerificationError):
    """The header's ``alg`` is not the key's algorithm, or is not enabled."""


class JwtWithoutValidKidError(JwtVerificationError):
    """The header has no ``kid``."""


class KidNotFoundInJwksError(JwtVerificationError):
    """No usable key of the pool has the token's ``kid``."""


class JwtInvalidSignatureError(JwtVerificationError):
    """The signature does not verify."""


class JwtInvalidClaimError(JwtVerificationError):
    """A claim is missing, of the wrong type, or not accepted."""


class JwtExpiredError(JwtInvalidClaimError):
    """``exp`` has passed."""


class JwtNotBeforeError(JwtInvalidClaimError):
    """``nbf`` is in the future."""


class JwtInvalidIssuerError(JwtInvalidClaimError):
    """``iss`` is not a configured pool or issuer."""


class JwtInvalidScopeError(JwtInvalidClaimError):
    """``scope`` does not satisfy the requirement."""


class CognitoJwtInvalidTokenUseError(JwtInvalidClaimError):
    """``token_use`` is not the one accepted."""


class CognitoJwtInvalidClientIdError(JwtInvalidClaimError):
    """``aud`` (ID token) or ``client_id`` (access token) is not a configured client."""


class CognitoJwtInvalidGroupError(JwtInvalidClaimError):
    """``cognito:groups`` does not satisfy the requirement."""


class JwtCustomCheckError(JwtVerificationError):
    """A custom check refused the token."""


class AlbJwtInvalidSignerError(JwtInvalidClaimError):
    """An ALB token's ``signer`` is not one of the configured load balancers (``wrong_signer``)."""


class JwtRevokedError(JwtVerificationError):
    """The token is covered by a revocation (``CognitoJwtVerifier.revoke``)."""


class JwksValidationError(JwtVerificationError):
    """A key set is unusable (malformed, too large, too many keys)."""


class JwkValidationError(JwksValidationError):
    """A key is too weak or not supported."""


class JwksNotAvailableError(JwtVerificationError):
    """No keys could ever be had for the token's pool: a server-side problem (HTTP 503).
    ``retry_at``: unix seconds when a fetch is tried again."""

    retry_at: int = 0


class RevokeError(CognitoVerifyError):
    """A revocation was not recorded (``revocation_list_full``, ``revocation_disabled``,
    ``empty_value``, ``value_too_long``)."""


CLASS_OF_CODE: dict[str, type[CognitoVerifyError]] = {
    "malformed_token": JwtParseError,
    "token_too_large": JwtParseError,
    "unsupported_algorithm": JwtInvalidSignatureAlgorithmError,
    "missing_kid": JwtWithoutValidKidError,
    "unknown_kid": KidNotFoundInJwksError,
    "invalid_signature": JwtInvalidSignatureError,
    "unsupported_critical_header": JwtParseError,
    "expired": JwtExpiredError,
    "not_yet_valid": JwtNotBeforeError,
    "issued_in_future": JwtInvalidClaimError,
    "token_too_old": JwtInvalidClaimError,
    "wrong_issuer": JwtInvalidIssuerError,
    "wrong_token_use": CognitoJwtInvalidTokenUseError,
    "wrong_client": CognitoJwtInvalidClientIdError,
    "missing_claim": JwtInvalidClaimError,
    "invalid_claim": JwtInvalidClaimError,
    "group_not_allowed": CognitoJwtInvalidGroupError,
    "scope_not_allowed": JwtInvalidScopeError,
    "custom_check_failed": JwtCustomCheckError,
    "malformed_jwks": JwksValidationError,
    "jwks_too_large": JwksValidationError,
    "too_many_keys": JwksValidationError,
    "weak_key": JwkValidationError,
    "unsupported_key": JwkValidationError,
    "invalid_configuration": ParameterValidationError,
    "revoked": JwtRevokedError,
    "jwks_unavailable": JwksNotAvailableError,
    "wrong_signer": AlbJwtInvalidSignerError,
    "revocation_list_full": RevokeError,
    "revocation_disabled": RevokeError,
    "empty_value": RevokeError,
    "value_too_long": RevokeError,
    # A code added to the core later, before a class is given to it here.
    "": JwtVerificationError,
}
