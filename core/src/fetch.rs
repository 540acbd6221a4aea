//! Fetching key sets over HTTP (feature `fetch`): [`CognitoJwtVerifier`], the core's
//! [`VerifierCore`](crate::VerifierCore) with the fetches its refresh policy asks for carried
//! out over reqwest.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cognito_verify::{AcceptedTokenUse, CognitoJwtVerifier};
//! let verifier = CognitoJwtVerifier::builder()
//!     .user_pool("us-east-1_Example1")
//!     .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
//!     .token_use(AcceptedTokenUse::Id)
//!     .build()?;
//! let claims = verifier.verify("eyJ...").await?;
//! println!("{} {:?}", claims.sub(), claims.username());
//! # Ok(()) }
//! ```

#[cfg(feature = "alb")]
mod alb;
mod cache;
mod verifier;

#[cfg(feature = "alb")]
pub use alb::{AlbJwtVerifier, AlbJwtVerifierBuilder};
pub use cache::{BuildError, CacheStats, VerifyError, DEFAULT_CONNECT_TIMEOUT};
pub use verifier::{CognitoJwtVerifier, CognitoJwtVerifierBuilder};
