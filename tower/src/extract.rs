//! axum extractors (feature `axum`).

use core::convert::Infallible;
use core::ops::Deref;

use axum_core::body::Body;
use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::Response;
use cognito_verify::OwnedClaims;
use http::request::Parts;

use crate::cognito;
use crate::refusal::{is_grpc, Refusal};

/// The verified claims, as a handler argument. The [`CognitoAuthLayer`](crate::CognitoAuthLayer)
/// must run before the handler; where it did not put claims (an [`optional`] route reached
/// without a token, or a route without the layer) the handler is not called and the client gets
/// the layer's `401` for a missing token. `Option<CognitoClaims>` is `None` there instead.
///
/// The claims the layer stored stay in the request for any other extractor or middleware:
/// an [`OwnedClaims`] is one shared copy of the payload, so taking it is a reference count,
/// never a copy or an allocation.
///
/// [`optional`]: crate::CognitoAuthLayer::optional
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CognitoClaims(pub OwnedClaims);

impl Deref for CognitoClaims {
    type Target = OwnedClaims;

    fn deref(&self) -> &OwnedClaims {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CognitoClaims {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        match parts.extensions.get::<OwnedClaims>() {
            // A reference count: the payload is shared, not copied.
            Some(c) => Ok(CognitoClaims(c.clone())),
            None => Err(cognito::refused(Refusal::NoToken, None)
                .into_response(is_grpc(&parts.headers), Body::from)),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CognitoClaims {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Infallible> {
        Ok(parts
            .extensions
            .get::<OwnedClaims>()
            .cloned()
            .map(CognitoClaims))
    }
}
