//! Fetching key sets over HTTP (feature `fetch`): [`JwksCache`], which carries out the refresh
//! policy of [`JwksRefresh`](crate::JwksRefresh) for one JWKS URL, and [`CognitoJwtVerifier`],
//! which verifies tokens of one or several pools with one cache per pool.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cognito_verify::VerifyError> {
//! use cognito_verify::{AcceptedTokenUse, CognitoJwtVerifier};
//! let verifier = CognitoJwtVerifier::builder()
//!     .user_pool("us-east-1_Example1")
//!     .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
//!     .token_use(AcceptedTokenUse::Id)
//!     .build()?;
//! let claims = verifier.verify("eyJ...").await?;
//! println!("{} {:?}", claims.sub, claims.username);
//! # Ok(()) }
//! ```

mod cache;
mod verifier;

pub use cache::{
    CacheStats, JwksCache, JwksCacheBuilder, Keys, VerifyError, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_FETCH_TIMEOUT,
};
pub use verifier::{CognitoJwtVerifier, CognitoJwtVerifierBuilder, OwnedClaims, Requirements};
