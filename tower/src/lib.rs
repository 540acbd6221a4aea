#![cfg_attr(feature = "axum", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "axum"),
    doc = "A tower layer that verifies Amazon Cognito bearer tokens; see the README (built with the `axum` feature)."
)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// The repository's README: its Rust snippets (the layer in axum, the core, the testing kit) are
/// doctests of this crate, which has every dependency they use.
#[cfg(all(doctest, feature = "axum"))]
#[doc = include_str!("../../README.md")]
struct RepositoryReadme;

mod alb;
mod body;
mod cognito;
#[cfg(feature = "axum")]
mod extract;
mod layer;
mod refusal;
mod token;

pub use alb::{AlbAuth, AlbAuthLayer, ALB_TOKEN_HEADER};
pub use body::ResponseBody;
pub use cognito_verify::{
    AcceptedTokenUse, AlbJwtVerifier, AlbOwnedClaims, CognitoJwtVerifier, OwnedClaims, VerifyError,
};
#[cfg(feature = "axum")]
pub use extract::CognitoClaims;
pub use layer::{CognitoAuth, CognitoAuthLayer, ResponseFuture};
pub use refusal::Refusal;
