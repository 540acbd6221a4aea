//! The one error type of the crate, with stable codes shared by every binding.

use core::fmt;

/// Why a token or a key set was rejected.
///
/// Every variant has a stable snake_case [`code`](Error::code), identical in Rust, C, JS and the
/// example server's JSON. Codes are never renamed or reused; new ones may be added.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// Not a compact JWS (RFC 7515 section 7.1): wrong segment count, non-canonical base64url
    /// (RFC 7515 section 2), header or payload not a JSON object (RFC 7519 section 7.2), duplicate
    /// member names, excessive nesting.
    MalformedToken,
    /// The token is longer than the configured maximum, or its payload does not fit the buffer.
    TokenTooLarge,
    /// The header's `alg` is not the algorithm of the selected key, or is not enabled
    /// (RFC 8725 section 3.1: `none`, HMAC and unknown algorithms are never accepted).
    UnsupportedAlgorithm,
    /// The header has no `kid`; Cognito always sends one.
    MissingKid,
    /// No usable key in the key set has the token's `kid`.
    UnknownKid,
    /// The signature does not verify. Deliberately carries no detail.
    InvalidSignature,
    /// The header lists a `crit` extension this library does not implement (RFC 7515 section 4.1.11).
    UnsupportedCriticalHeader,
    /// `exp` is not after the current time minus leeway (RFC 7519 section 4.1.4).
    Expired,
    /// `nbf` is after the current time plus leeway (RFC 7519 section 4.1.5).
    NotYetValid,
    /// `iat` is after the current time plus leeway.
    IssuedInFuture,
    /// `iat` is older than the configured maximum age.
    TokenTooOld,
    /// `iss` is not one of the configured issuers (Cognito: the user pool's URL).
    WrongIssuer,
    /// `token_use` is not the configured one (`id` or `access`).
    WrongTokenUse,
    /// The client (`aud` of an ID token, `client_id` of an access token) is not configured.
    WrongClient,
    /// A required claim (`exp`, `iss`, `token_use`, `aud`/`client_id`) is absent.
    MissingClaim,
    /// A claim has the wrong JSON type or an impossible value (`exp` as a string, float or negative).
    InvalidClaim,
    /// `cognito:groups` does not satisfy the configured group requirement.
    GroupNotAllowed,
    /// `scope` does not satisfy the configured scope requirement.
    ScopeNotAllowed,
    /// The caller's custom check rejected the token.
    CustomCheckFailed,
    /// The key set is not a JSON object with a `keys` array of objects (RFC 7517 section 5).
    MalformedJwks,
    /// The key set document is larger than the configured maximum.
    JwksTooLarge,
    /// The key set has more usable keys than the key set's capacity.
    TooManyKeys,
    /// An RSA modulus under 2048 bits, or an exponent below 3.
    WeakKey,
    /// A key of a type, curve, size, exponent or `use` this library does not accept.
    UnsupportedKey,
    /// The verifier's configuration is unusable (no issuer or client, a malformed user pool id).
    InvalidConfiguration,
    /// The token is covered by a revocation: its session (`origin_jti`), itself (`jti`), or
    /// its user signed out after it was issued (`sub`, `iat`).
    Revoked,
    /// The token's pool has never had keys (every fetch so far failed): a server-side problem,
    /// not the token's (HTTP 503, not 401).
    JwksUnavailable,
    /// An ALB token's `signer` is not one of the configured load balancers' ARNs.
    WrongSigner,
}

impl Error {
    /// Every error, in declaration order (for bindings and tests).
    pub const ALL: [Error; 28] = [
        Error::MalformedToken,
        Error::TokenTooLarge,
        Error::UnsupportedAlgorithm,
        Error::MissingKid,
        Error::UnknownKid,
        Error::InvalidSignature,
        Error::UnsupportedCriticalHeader,
        Error::Expired,
        Error::NotYetValid,
        Error::IssuedInFuture,
        Error::TokenTooOld,
        Error::WrongIssuer,
        Error::WrongTokenUse,
        Error::WrongClient,
        Error::MissingClaim,
        Error::InvalidClaim,
        Error::GroupNotAllowed,
        Error::ScopeNotAllowed,
        Error::CustomCheckFailed,
        Error::MalformedJwks,
        Error::JwksTooLarge,
        Error::TooManyKeys,
        Error::WeakKey,
        Error::UnsupportedKey,
        Error::InvalidConfiguration,
        Error::Revoked,
        Error::JwksUnavailable,
        Error::WrongSigner,
    ];

    /// The stable snake_case code, the same in every binding.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Error::MalformedToken => "malformed_token",
            Error::TokenTooLarge => "token_too_large",
            Error::UnsupportedAlgorithm => "unsupported_algorithm",
            Error::MissingKid => "missing_kid",
            Error::UnknownKid => "unknown_kid",
            Error::InvalidSignature => "invalid_signature",
            Error::UnsupportedCriticalHeader => "unsupported_critical_header",
            Error::Expired => "expired",
            Error::NotYetValid => "not_yet_valid",
            Error::IssuedInFuture => "issued_in_future",
            Error::TokenTooOld => "token_too_old",
            Error::WrongIssuer => "wrong_issuer",
            Error::WrongTokenUse => "wrong_token_use",
            Error::WrongClient => "wrong_client",
            Error::MissingClaim => "missing_claim",
            Error::InvalidClaim => "invalid_claim",
            Error::GroupNotAllowed => "group_not_allowed",
            Error::ScopeNotAllowed => "scope_not_allowed",
            Error::CustomCheckFailed => "custom_check_failed",
            Error::MalformedJwks => "malformed_jwks",
            Error::JwksTooLarge => "jwks_too_large",
            Error::TooManyKeys => "too_many_keys",
            Error::WeakKey => "weak_key",
            Error::UnsupportedKey => "unsupported_key",
            Error::InvalidConfiguration => "invalid_configuration",
            Error::Revoked => "revoked",
            Error::JwksUnavailable => "jwks_unavailable",
            Error::WrongSigner => "wrong_signer",
        }
    }

    /// The error with this code, if any.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Error> {
        Error::ALL.iter().copied().find(|e| e.code() == code)
    }

    /// The HTTP status of a request refused with this error: the one table every server of this
    /// project answers by (the tower layer, its axum extractors, the example servers).
    ///
    /// | status | errors | RFC 6750 |
    /// |---|---|---|
    /// | 403 | [`GroupNotAllowed`](Error::GroupNotAllowed), [`ScopeNotAllowed`](Error::ScopeNotAllowed): a valid token without the route's group or scope | `insufficient_scope` |
    /// | 503 | [`JwksUnavailable`](Error::JwksUnavailable): no keys could be had, the server's problem, not the token's | |
    /// | 401 | every other error, [`Revoked`](Error::Revoked) included: the token is not accepted | `invalid_token` |
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            Error::GroupNotAllowed | Error::ScopeNotAllowed => 403,
            Error::JwksUnavailable => 503,
            _ => 401,
        }
    }

    /// Whether a verification gives this error only after the token's signature verified: the
    /// checks of its claims (token use, client, time, revocation, groups, scopes, the custom
    /// check). The claims of a token refused so are the issuer's, so its `sub` may be logged;
    /// for every other error they are whatever the sender wrote.
    #[must_use]
    pub const fn after_signature(self) -> bool {
        matches!(
            self,
            Error::WrongTokenUse
                | Error::WrongClient
                | Error::Expired
                | Error::NotYetValid
                | Error::IssuedInFuture
                | Error::TokenTooOld
                | Error::Revoked
                | Error::GroupNotAllowed
                | Error::ScopeNotAllowed
                | Error::CustomCheckFailed
        )
    }

    /// A short human-readable description (lower case, no trailing period).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Error::MalformedToken => "token is not a well-formed compact JWS",
            Error::TokenTooLarge => "token is too large",
            Error::UnsupportedAlgorithm => "token algorithm is not allowed for its key",
            Error::MissingKid => "token header has no kid",
            Error::UnknownKid => "no usable key has the token's kid",
            Error::InvalidSignature => "signature does not verify",
            Error::UnsupportedCriticalHeader => "token has an unsupported critical header",
            Error::Expired => "token has expired",
            Error::NotYetValid => "token is not valid yet",
            Error::IssuedInFuture => "token was issued in the future",
            Error::TokenTooOld => "token is older than the maximum age",
            Error::WrongIssuer => "token issuer is not allowed",
            Error::WrongTokenUse => "token use is not allowed",
            Error::WrongClient => "token client is not allowed",
            Error::MissingClaim => "a required claim is missing",
            Error::InvalidClaim => "a claim has an invalid type or value",
            Error::GroupNotAllowed => "token groups do not satisfy the requirement",
            Error::ScopeNotAllowed => "token scopes do not satisfy the requirement",
            Error::CustomCheckFailed => "custom check rejected the token",
            Error::MalformedJwks => "key set is not a well-formed JWKS",
            Error::JwksTooLarge => "key set is too large",
            Error::TooManyKeys => "key set has more usable keys than its capacity",
            Error::WeakKey => "key is too weak",
            Error::UnsupportedKey => "key is not supported",
            Error::InvalidConfiguration => "verifier configuration is invalid",
            Error::Revoked => "token has been revoked",
            Error::JwksUnavailable => "the key set cannot be fetched",
            Error::WrongSigner => "token signer is not an allowed load balancer",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for Error {}
