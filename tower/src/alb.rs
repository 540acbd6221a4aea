//! [`AlbAuthLayer`]: for a service behind an Application Load Balancer that signs users in. It
//! reads `x-amzn-oidc-data`, the one header the ALB signs, and never `x-amzn-oidc-identity` or
//! `x-amzn-oidc-accesstoken`, which anyone who can reach the service can set. A verified request
//! carries [`AlbOwnedClaims`] in its extensions; a refused one gets the same answers as
//! [`CognitoAuthLayer`](crate::CognitoAuthLayer)'s ([`Refusal`] in its extensions, statuses
//! from the core's table).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use cognito_verify::{AlbJwtVerifier, AlbOwnedClaims};
use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::body::ResponseBody;
use crate::refusal::{is_grpc, Refusal};

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

/// The future of [`AlbAuth`]: the verification (which may fetch a key) and the inner call.
pub type AlbResponseFuture<B, E> =
    Pin<Box<dyn Future<Output = Result<Response<ResponseBody<B>>, E>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AlbAuth<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
    ResBody: 'static,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = AlbResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        // The service polled ready goes into the future; a clone stays for the next call.
        let clone = self.inner.clone();
        let mut inner = core::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        Box::pin(async move {
            let grpc = is_grpc(req.headers());
            let token = {
                let mut values = req.headers().get_all(ALB_TOKEN_HEADER).iter();
                match (values.next(), values.next()) {
                    (Some(v), None) => Some(v.to_str().unwrap_or("\u{fffd}").to_owned()),
                    // Two tokens: not what an ALB sends; refused as malformed, not picked from.
                    (Some(_), Some(_)) => Some(String::new()),
                    (None, _) => None,
                }
            };
            let verdict = match token {
                None => Err(Refusal::NoToken),
                Some(t) => verifier.verify(&t).await.map_err(Refusal::Verify),
            };
            match verdict {
                Ok(claims) => {
                    req.extensions_mut().insert::<AlbOwnedClaims>(claims);
                    Ok(inner.call(req).await?.map(ResponseBody::new))
                }
                Err(refusal) => {
                    tracing::event!(
                        target: "cognito_verify_tower",
                        tracing::Level::INFO,
                        status = refusal.status().as_u16(),
                        code = refusal.code().unwrap_or("no_token"),
                        "ALB token refused"
                    );
                    Ok(refusal.into_response(grpc, ResponseBody::refusal))
                }
            }
        })
    }
}
