//! Result codes: the core's error codes in the core's order, plus the C ABI's own.

use core::ffi::{c_char, CStr};

use cognito_verify_core::{Error, RevokeError};

use crate::boundary;

/// The outcome of every fallible function of this library.
///
/// `COGNITO_RESULT_OK` is 0. Codes 1 to 99 are the verifier's errors, in the order and with the
/// names of the Rust `cognito_verify::Error` (ARCHITECTURE.md, "Error codes"): a code's name, from
/// `cognito_result_code_name`, is the same snake_case word in Rust, C, JS and the example server's
/// JSON. Codes from 100 belong to the C ABI. Values are stable: new codes are added, none is
/// renumbered or reused.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_result {
    /// Success.
    Ok = 0,
    /// `malformed_token`: not a compact JWS, non-canonical base64url, bad JSON, duplicate names.
    MalformedToken = 1,
    /// `token_too_large`: longer than the configured maximum, or its payload does not fit.
    TokenTooLarge = 2,
    /// `unsupported_algorithm`: the header's `alg` is not the key's algorithm, or not enabled.
    UnsupportedAlgorithm = 3,
    /// `missing_kid`: the header has no `kid`.
    MissingKid = 4,
    /// `unknown_kid`: the token's pool has keys, none with the token's `kid`.
    UnknownKid = 5,
    /// `invalid_signature`: the signature does not verify.
    InvalidSignature = 6,
    /// `unsupported_critical_header`: the header lists a `crit` extension.
    UnsupportedCriticalHeader = 7,
    /// `expired`: `exp` is not after now minus leeway.
    Expired = 8,
    /// `not_yet_valid`: `nbf` is after now plus leeway.
    NotYetValid = 9,
    /// `issued_in_future`: `iat` is after now plus leeway.
    IssuedInFuture = 10,
    /// `token_too_old`: `iat` is older than the configured maximum age.
    TokenTooOld = 11,
    /// `wrong_issuer`: `iss` is not a configured pool or issuer.
    WrongIssuer = 12,
    /// `wrong_token_use`: `token_use` is not the configured one.
    WrongTokenUse = 13,
    /// `wrong_client`: `aud` (ID token) or `client_id` (access token) is not configured.
    WrongClient = 14,
    /// `missing_claim`: `exp`, `iss`, `token_use` or the client claim is absent.
    MissingClaim = 15,
    /// `invalid_claim`: a claim has the wrong JSON type or an impossible value.
    InvalidClaim = 16,
    /// `group_not_allowed`: `cognito:groups` does not satisfy the requirement.
    GroupNotAllowed = 17,
    /// `scope_not_allowed`: `scope` does not satisfy the requirement.
    ScopeNotAllowed = 18,
    /// `custom_check_failed`: a custom check rejected the token (not reachable from C yet).
    CustomCheckFailed = 19,
    /// `malformed_jwks`: the key set is not a JSON object with a `keys` array of objects.
    MalformedJwks = 20,
    /// `jwks_too_large`: the key set document is larger than the configured maximum.
    JwksTooLarge = 21,
    /// `too_many_keys`: more usable keys than the verifier's key set holds (64, `HEAP_KEY_CAPACITY`).
    TooManyKeys = 22,
    /// `weak_key`: an RSA modulus under 2048 bits or a small exponent.
    WeakKey = 23,
    /// `unsupported_key`: a key type, curve, size, exponent or `use` that is not accepted.
    UnsupportedKey = 24,
    /// `invalid_configuration`: no issuer or client, a malformed pool id, an empty requirement.
    InvalidConfiguration = 25,
    /// `revoked`: the token's session (`origin_jti`), the token (`jti`) or its user (`sub`,
    /// signed out after `iat`) was revoked.
    Revoked = 26,
    /// `jwks_unavailable`: the token's pool never had keys (none fetched or cached yet, or every
    /// fetch failed): not the token's fault; poll the verifier (`cognito_verifier_poll`).
    JwksUnavailable = 27,
    /// `wrong_signer`: an ALB token's `signer` is not one of the configured load balancers.
    WrongSigner = 28,
    /// `null_parameter`: a required pointer argument was NULL.
    NullParameter = 100,
    /// `panic`: a bug in this library was caught at the boundary; the call had no effect.
    Panic = 101,
    /// `buffer_too_small`: the output buffer is too small; `*out_len` holds the size needed.
    BufferTooSmall = 102,
    /// `invalid_utf8`: a text argument (pool id, claim name, ...) is not UTF-8.
    InvalidUtf8 = 103,
    /// `invalid_argument`: an enum value out of range, a length above `PTRDIFF_MAX`, a capacity
    /// out of bounds.
    InvalidArgument = 104,
    /// `claim_not_found`: the token has no such claim (or no group at that index).
    ClaimNotFound = 105,
    /// `no_claims`: the claims handle holds no verified token yet.
    NoClaims = 106,
    /// `revocation_list_full`: every entry of the verifier's revocation list holds a live
    /// revocation; the new one was not recorded and none was dropped.
    RevocationListFull = 107,
    /// `revocation_disabled`: the verifier's revocation capacity is 0 (revocation is off).
    RevocationDisabled = 108,
}

/// The core's errors in the order of `Error::ALL`, with their C codes 1, 2, 3, ...
const CORE: [cognito_result; 28] = [
    cognito_result::MalformedToken,
    cognito_result::TokenTooLarge,
    cognito_result::UnsupportedAlgorithm,
    cognito_result::MissingKid,
    cognito_result::UnknownKid,
    cognito_result::InvalidSignature,
    cognito_result::UnsupportedCriticalHeader,
    cognito_result::Expired,
    cognito_result::NotYetValid,
    cognito_result::IssuedInFuture,
    cognito_result::TokenTooOld,
    cognito_result::WrongIssuer,
    cognito_result::WrongTokenUse,
    cognito_result::WrongClient,
    cognito_result::MissingClaim,
    cognito_result::InvalidClaim,
    cognito_result::GroupNotAllowed,
    cognito_result::ScopeNotAllowed,
    cognito_result::CustomCheckFailed,
    cognito_result::MalformedJwks,
    cognito_result::JwksTooLarge,
    cognito_result::TooManyKeys,
    cognito_result::WeakKey,
    cognito_result::UnsupportedKey,
    cognito_result::InvalidConfiguration,
    cognito_result::Revoked,
    cognito_result::JwksUnavailable,
    cognito_result::WrongSigner,
];

// A new core error must get its C code here before this crate builds again.
const _: () = assert!(Error::ALL.len() == CORE.len());

/// The C ABI's own codes.
const OWN: [cognito_result; 10] = [
    cognito_result::Ok,
    cognito_result::NullParameter,
    cognito_result::Panic,
    cognito_result::BufferTooSmall,
    cognito_result::InvalidUtf8,
    cognito_result::InvalidArgument,
    cognito_result::ClaimNotFound,
    cognito_result::NoClaims,
    cognito_result::RevocationListFull,
    cognito_result::RevocationDisabled,
];

impl From<Error> for cognito_result {
    fn from(e: Error) -> Self {
        Error::ALL
            .iter()
            .position(|x| *x == e)
            .and_then(|i| CORE.get(i).copied())
            .unwrap_or(cognito_result::Panic)
    }
}

impl From<RevokeError> for cognito_result {
    /// `Full` and `Disabled` have codes of their own, named by `RevokeError::code`; an empty
    /// value, or one longer than 256 bytes, is an invalid argument like any other.
    fn from(e: RevokeError) -> Self {
        match e {
            RevokeError::Full => cognito_result::RevocationListFull,
            RevokeError::Disabled => cognito_result::RevocationDisabled,
            RevokeError::EmptyValue | RevokeError::TooLong => cognito_result::InvalidArgument,
            // A reason added to the core later: reported as a bug until it gets a code here.
            _ => cognito_result::Panic,
        }
    }
}

impl cognito_result {
    /// Every code, core ones first (tests and bindings).
    pub fn all() -> impl Iterator<Item = cognito_result> {
        CORE.into_iter().chain(OWN)
    }

    /// The code with this number, if any.
    #[must_use]
    pub fn from_u32(n: u32) -> Option<cognito_result> {
        Self::all().find(|r| *r as u32 == n)
    }

    /// The core error this code mirrors.
    #[must_use]
    pub fn core_error(self) -> Option<Error> {
        let i = CORE.iter().position(|r| *r == self)?;
        Error::ALL.get(i).copied()
    }

    /// `(code name, message)` as NUL-terminated strings.
    fn texts(self) -> (&'static CStr, &'static CStr) {
        use cognito_result as R;
        match self {
            R::Ok => (c"ok", c"success"),
            R::MalformedToken => (
                c"malformed_token",
                c"token is not a well-formed compact JWS",
            ),
            R::TokenTooLarge => (c"token_too_large", c"token is too large"),
            R::UnsupportedAlgorithm => (
                c"unsupported_algorithm",
                c"token algorithm is not allowed for its key",
            ),
            R::MissingKid => (c"missing_kid", c"token header has no kid"),
            R::UnknownKid => (c"unknown_kid", c"no usable key has the token's kid"),
            R::InvalidSignature => (c"invalid_signature", c"signature does not verify"),
            R::UnsupportedCriticalHeader => (
                c"unsupported_critical_header",
                c"token has an unsupported critical header",
            ),
            R::Expired => (c"expired", c"token has expired"),
            R::NotYetValid => (c"not_yet_valid", c"token is not valid yet"),
            R::IssuedInFuture => (c"issued_in_future", c"token was issued in the future"),
            R::TokenTooOld => (c"token_too_old", c"token is older than the maximum age"),
            R::WrongIssuer => (c"wrong_issuer", c"token issuer is not allowed"),
            R::WrongTokenUse => (c"wrong_token_use", c"token use is not allowed"),
            R::WrongClient => (c"wrong_client", c"token client is not allowed"),
            R::MissingClaim => (c"missing_claim", c"a required claim is missing"),
            R::InvalidClaim => (c"invalid_claim", c"a claim has an invalid type or value"),
            R::GroupNotAllowed => (
                c"group_not_allowed",
                c"token groups do not satisfy the requirement",
            ),
            R::ScopeNotAllowed => (
                c"scope_not_allowed",
                c"token scopes do not satisfy the requirement",
            ),
            R::CustomCheckFailed => (c"custom_check_failed", c"custom check rejected the token"),
            R::MalformedJwks => (c"malformed_jwks", c"key set is not a well-formed JWKS"),
            R::JwksTooLarge => (c"jwks_too_large", c"key set is too large"),
            R::TooManyKeys => (
                c"too_many_keys",
                c"key set has more usable keys than its capacity",
            ),
            R::WeakKey => (c"weak_key", c"key is too weak"),
            R::UnsupportedKey => (c"unsupported_key", c"key is not supported"),
            R::InvalidConfiguration => (
                c"invalid_configuration",
                c"verifier configuration is invalid",
            ),
            R::Revoked => (c"revoked", c"token has been revoked"),
            R::JwksUnavailable => (c"jwks_unavailable", c"the key set cannot be fetched"),
            R::WrongSigner => (
                c"wrong_signer",
                c"token signer is not an allowed load balancer",
            ),
            R::NullParameter => (c"null_parameter", c"a required pointer argument is NULL"),
            R::Panic => (c"panic", c"internal error: a panic was caught"),
            R::BufferTooSmall => (c"buffer_too_small", c"output buffer is too small"),
            R::InvalidUtf8 => (c"invalid_utf8", c"text argument is not valid UTF-8"),
            R::InvalidArgument => (c"invalid_argument", c"argument is out of range"),
            R::ClaimNotFound => (c"claim_not_found", c"the token has no such claim"),
            R::NoClaims => (c"no_claims", c"no verified token in this claims handle"),
            R::RevocationListFull => (
                c"revocation_list_full",
                c"the revocation list is full of live entries; nothing was replaced",
            ),
            R::RevocationDisabled => (
                c"revocation_disabled",
                c"revocation is turned off (capacity 0)",
            ),
        }
    }

    /// The stable snake_case name, e.g. `expired`.
    #[must_use]
    pub fn code_name(self) -> &'static CStr {
        self.texts().0
    }

    /// A short lower-case description with no trailing period.
    #[must_use]
    pub fn message(self) -> &'static CStr {
        self.texts().1
    }
}

/// The stable snake_case name of a result code (`"expired"`, `"null_parameter"`, ...), the same
/// word as the Rust `Error::code()` and the JS `.code`. Unknown numbers give `"unknown"`.
/// The string is static: never free it.
#[no_mangle]
pub extern "C" fn cognito_result_code_name(result: u32) -> *const c_char {
    boundary::static_str(|| {
        cognito_result::from_u32(result).map_or(c"unknown", cognito_result::code_name)
    })
}

/// A short lower-case English description of a result code (the Rust `Error::message()`).
/// Unknown numbers give `"unknown result code"`. The string is static: never free it.
#[no_mangle]
pub extern "C" fn cognito_result_message(result: u32) -> *const c_char {
    boundary::static_str(|| {
        cognito_result::from_u32(result).map_or(c"unknown result code", cognito_result::message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_codes_mirror_the_core_in_order() {
        for (i, e) in Error::ALL.iter().enumerate() {
            let r = cognito_result::from(*e);
            assert_eq!(r as usize, i + 1);
            assert_eq!(r.code_name().to_str().unwrap(), e.code());
            assert_eq!(r.message().to_str().unwrap(), e.message());
            assert_eq!(r.core_error(), Some(*e));
        }
    }

    #[test]
    fn codes_are_distinct_and_round_trip() {
        let all: Vec<_> = cognito_result::all().collect();
        for r in &all {
            assert_eq!(cognito_result::from_u32(*r as u32), Some(*r));
            assert_eq!(
                all.iter()
                    .filter(|x| x.code_name() == r.code_name())
                    .count(),
                1
            );
        }
        assert_eq!(all.len(), 38);
        assert_eq!(cognito_result::from_u32(29), None);
        assert_eq!(cognito_result::from_u32(109), None);
    }

    #[test]
    fn revocation_codes_are_the_cores_words() {
        for (e, code) in [(RevokeError::Full, 107), (RevokeError::Disabled, 108)] {
            let r = cognito_result::from(e);
            assert_eq!(r as u32, code);
            assert_eq!(r.code_name().to_str().unwrap(), e.code());
            assert_eq!(r.message().to_str().unwrap(), e.to_string());
        }
        assert_eq!(
            cognito_result::from(RevokeError::EmptyValue),
            cognito_result::InvalidArgument
        );
    }
}
