#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

#[cfg(feature = "alb")]
#[cfg_attr(docsrs, doc(cfg(feature = "alb")))]
pub mod alb;
mod base64url;
mod claims;
mod config;
#[cfg(feature = "es256")]
mod ecdsa;
mod error;
#[cfg(feature = "fetch")]
mod fetch;
mod json;
mod jwk;
#[cfg(all(feature = "alloc", target_has_atomic = "32"))]
mod memo;
#[cfg(feature = "alloc")]
mod owned_claims;
mod pool;
mod refresh;
#[cfg(target_has_atomic = "32")]
mod revocation;
mod rsa;
#[cfg(target_has_atomic = "32")]
mod seqlock;
#[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
mod sigcache;
#[cfg(all(feature = "test-util", target_has_atomic = "32"))]
pub mod testing;
mod verifier;
#[cfg(all(feature = "alloc", target_has_atomic = "32"))]
mod verifier_core;

#[cfg(all(feature = "fetch", feature = "alb"))]
pub use alb::{AlbKeyStats, AlbOwnedClaims, KEYS_PER_ALB};
pub use claims::{ClaimValue, Claims, TokenUse};
pub use config::{
    AcceptedTokenUse, Config, ConfigError, CustomCheck, Issuer, Match, Requirement,
    RevocationCheck, DEFAULT_MAX_TOKEN_BYTES,
};
#[cfg(feature = "alloc")]
pub use config::{ConfigBuilder, Pool, VerifierConfig};
pub use error::Error;
#[cfg(all(feature = "fetch", feature = "alb"))]
pub use fetch::{AlbJwtVerifier, AlbJwtVerifierBuilder};
#[cfg(feature = "fetch")]
pub use fetch::{
    BuildError, CacheStats, CognitoJwtVerifier, CognitoJwtVerifierBuilder, VerifyError,
    DEFAULT_CONNECT_TIMEOUT,
};
pub use json::{DecodedChars, JsonStr, StrArray};
pub use jwk::{
    Algorithm, JwksOptions, KeySet, DEFAULT_KEY_CAPACITY, DEFAULT_MAX_JWKS_BYTES,
    HEAP_KEY_CAPACITY, MAX_KID_LEN,
};
#[cfg(all(feature = "alloc", target_has_atomic = "32"))]
pub use memo::{VerdictMemoStats, DEFAULT_VERDICT_MEMO_BYTES, DEFAULT_VERDICT_MEMO_ENTRIES};
#[cfg(feature = "alloc")]
pub use owned_claims::{OwnedClaims, Requirements};
#[cfg(feature = "alloc")]
pub use pool::user_pool_jwks_url;
pub use pool::{check_jwks_url, issuer_jwks_url, JwksUrlError, PoolIdError, UserPoolId};
pub use refresh::{Action, JwksRefresh, Need, RefreshConfig};
#[cfg(target_has_atomic = "32")]
pub use revocation::{
    Revocation, RevocationList, RevocationSlot, RevocationStats, RevokeError, SignOut,
    DEFAULT_MAX_TOKEN_LIFETIME, DEFAULT_REVOCATION_CAPACITY, DEFAULT_REVOCATION_LEEWAY,
    MAX_READ_RETRIES, MAX_REVOCATION_CAPACITY, MAX_REVOKED_VALUE_LEN, MAX_SESSIONS_PER_SUBJECT,
    MAX_SLOTS_EXAMINED, REVOCATION_WAYS,
};
#[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
pub use sigcache::{
    CacheSlot, SignatureCache, SignatureCacheStats, DEFAULT_SIGNATURE_CACHE_CAPACITY,
    IDLE_SECONDS as SIGNATURE_CACHE_IDLE_SECONDS, WAYS as SIGNATURE_CACHE_WAYS,
};
pub use verifier::{
    payload_buffer_len, pool_region, CoreCrypto, SignatureCheck, SignedData, Token, Verifier,
};
#[cfg(all(feature = "alloc", target_has_atomic = "32"))]
pub use verifier_core::{Keys, PendingToken, PoolStats, Remembered, VerifierCore};

/// Entry points for `cargo fuzz` only (built with `--cfg fuzzing`).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// Revocations, sign-outs, checks and clock steps spelled by `data`, against a reference
    /// model (panics on any disagreement).
    #[cfg(feature = "alloc")]
    pub fn revocation(data: &[u8]) {
        let _ = crate::revocation::model::run(data);
    }

    /// Parses `payload` as claims and calls every accessor.
    pub fn claims(payload: &[u8]) {
        let Ok(s) = core::str::from_utf8(payload) else {
            return;
        };
        if let Ok(c) = crate::claims::parse(s) {
            let _ = (
                c.sub(),
                c.username(),
                c.exp(),
                c.iat(),
                c.scope(),
                c.email(),
            );
            let _ = c.groups().count();
            let _ = (
                c.in_group("admin"),
                c.has_scope("openid"),
                c.get("custom:x"),
            );
            let _ = c.issuer().chars().count();
            let mut buf = [0u8; 64];
            let _ = c.client_id().decode_into(&mut buf);
        }
    }
}

/// The current time in unix seconds, for [`Verifier::verify`]. The core itself has no clock.
#[cfg(feature = "std")]
#[must_use]
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
