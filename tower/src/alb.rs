//! [`AlbAuthLayer`]: for a service behind an Application Load Balancer that signs users in. It
//! reads `x-amzn-oidc-data`, the one header the ALB signs, and never `x-amzn-oidc-identity` or
//! `x-amzn-oidc-accesstoken`, which anyone who can reach the service can set. A verified request
//! carries [`AlbOwnedClaims`] in its extensions; a refused one gets the same answers as
//! [`CognitoAuthLayer`](crate::CognitoAuthLayer)'s ([`Refusal`] in its extensions, statuses
//! from the core's table).

use core::task::{Context, Poll};

use cognito_verify::alb::{alb_buffer_len, AlbToken};
use cognito_verify::{AlbJwtVerifier, AlbOwnedClaims, Error};
use http::{HeaderMap, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::body::ResponseBody;
use crate::cognito::report;
use crate::layer::ResponseFuture;
use crate::refusal::{is_grpc, Refusal};
use crate::token::ascii;

/// The header an ALB signs: its token of the signed-in user.
pub const ALB_TOKEN_HEADER: &str = "x-amzn-oidc-data";

/// A tower [`Layer`] that verifies each request's `x-amzn-oidc-data` with an
/// [`AlbJwtVerifier`] (keys fetched by `kid` from the load balancer's key host).
#[derive(Clone, Debug)]
pub struct AlbAuthLayer {
    verifier: AlbJwtVerifier,
}

impl AlbAuthLayer {
    /// Requests must carry an ALB token this verifier accepts.
    #[must_use]
    pub fn new(verifier: AlbJwtVerifier) -> Self {
        AlbAuthLayer { verifier }
    }
}

impl<S> Layer<S> for AlbAuthLayer {
    type Service = AlbAuth<S>;

    fn layer(&self, inner: S) -> AlbAuth<S> {
        AlbAuth {
            inner,
            verifier: self.verifier.clone(),
        }
    }
}

/// The service made by [`AlbAuthLayer`].
#[derive(Clone, Debug)]
pub struct AlbAuth<S> {
    inner: S,
    verifier: AlbJwtVerifier,
}

/// The request's ALB token: `Ok(None)` without one; two are not what an ALB sends, refused as
/// malformed rather than picked from.
fn token(headers: &HeaderMap) -> Result<Option<&str>, Refusal> {
    let mut values = headers.get_all(ALB_TOKEN_HEADER).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(v), None) => ascii(v)
            .map(Some)
            .ok_or(Refusal::Verify(Error::MalformedToken.into())),
        (Some(_), Some(_)) => Err(Refusal::Verify(Error::MalformedToken.into())),
    }
}

/// Reports a refusal of `token` with the load balancer it names (a configured ARN, never the
/// token's text) and, for a refusal after the signature held, its `sub`.
fn refused(refusal: Refusal, verifier: &AlbJwtVerifier, token: Option<&str>) -> Refusal {
    report(refusal, || {
        let Some(token) = token else {
            return (None, None);
        };
        let mut buf =
            vec![0u8; alb_buffer_len(token.len().min(verifier.config().max_token_bytes()))];
        let Ok(parsed) = AlbToken::parse(token, &mut buf) else {
            return (None, None);
        };
        let pool = verifier
            .config()
            .arns()
            .iter()
            .find(|a| a.as_str() == parsed.signer())
            .cloned();
        // The checks after the signature (module `alb`): these claims are the load balancer's.
        let signed = matches!(
            refusal.error().and_then(|e| e.token_error()),
            Some(Error::WrongClient | Error::WrongIssuer | Error::Expired)
        );
        let sub = signed
            .then(|| parsed.unverified_claims().ok()?.sub().map(str::to_owned))
            .flatten();
        (pool, sub)
    })
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AlbAuth<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let grpc = is_grpc(req.headers());
        // Decided here, nothing boxed, whenever the token's key is held (or there is no token).
        let verdict = match token(req.headers()) {
            Ok(None) => Err(refused(Refusal::NoAlbToken, &self.verifier, None)),
            Err(refusal) => Err(refused(refusal, &self.verifier, None)),
            Ok(Some(t)) => match self.verifier.try_verify(t) {
                Some(v) => v.map_err(|e| refused(Refusal::Verify(e), &self.verifier, Some(t))),
                None => {
                    let (verifier, token) = (self.verifier.clone(), t.to_owned());
                    let verdict = async move {
                        match verifier.verify(&token).await {
                            Ok(claims) => Ok(Some(claims)),
                            Err(e) => Err(refused(Refusal::Verify(e), &verifier, Some(&token))),
                        }
                    };
                    return ResponseFuture::after_keys(&mut self.inner, req, verdict);
                }
            },
        };
        ResponseFuture::decided(
            &mut self.inner,
            req,
            grpc,
            verdict.map(Some::<AlbOwnedClaims>),
        )
    }
}
