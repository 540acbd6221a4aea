//! The layer and its service.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use cognito_verify::{AcceptedTokenUse, CognitoJwtVerifier, Match, OwnedClaims, Requirements};
use http::{HeaderMap, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::ResponseBody;
use crate::cognito;
use crate::refusal::{is_grpc, Refusal};
use crate::token::{presented, Presented};

/// A tower [`Layer`] that lets a request through only with a valid Cognito token, and puts the
/// token's [`OwnedClaims`] into the request's extensions.
///
/// [`Layer`]: https://docs.rs/tower-layer/0.3/tower_layer/trait.Layer.html
///
/// Cloning is cheap: the verifier (and its key caches) is shared, so per-route variants made with
/// [`any_group`](Self::any_group), [`token_use`](Self::token_use), [`optional`](Self::optional)
/// and the like all use the one verifier.
#[derive(Clone, Debug)]
pub struct CognitoAuthLayer {
    policy: Arc<Policy>,
}

/// What every request of a route is verified with, behind one `Arc`: a service clone (axum and
/// `oneshot` clone one per request) touches one shared reference count, not one per part.
#[derive(Clone, Debug)]
struct Policy {
    verifier: CognitoJwtVerifier,
    cookie: Option<String>,
    optional: bool,
    /// Built with the layer, lent to every request's verification.
    requirements: Requirements,
}

impl CognitoAuthLayer {
    /// Requires a valid bearer token in `Authorization`, with no route-specific requirement.
    #[must_use]
    pub fn new(verifier: CognitoJwtVerifier) -> Self {
        CognitoAuthLayer {
            policy: Arc::new(Policy {
                verifier,
                cookie: None,
                optional: false,
                requirements: Requirements::default(),
            }),
        }
    }

    /// The verifier, for checks the layer does not make (a sign-in callback, say).
    #[must_use]
    pub fn verifier(&self) -> &CognitoJwtVerifier {
        &self.policy.verifier
    }

    fn with(mut self, f: impl FnOnce(&mut Policy)) -> Self {
        f(Arc::make_mut(&mut self.policy));
        self
    }

    /// Also takes the token from this cookie when there is no bearer token in `Authorization`
    /// (which wins when both are present).
    #[must_use]
    pub fn cookie(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.with(|p| p.cookie = Some(name))
    }

    /// Lets requests without a token through, without claims. A token that is presented must
    /// still be valid and meet the requirements: a bad token is refused (401), never taken for
    /// an anonymous request, so that a client learns its token no longer works.
    #[must_use]
    pub fn optional(self) -> Self {
        self.with(|p| p.optional = true)
    }

    fn require(self, f: impl FnOnce(Requirements) -> Requirements) -> Self {
        self.with(|p| p.requirements = f(core::mem::take(&mut p.requirements)))
    }

    /// Requires at least one of these groups (`cognito:groups`); `403 insufficient_scope` with
    /// `group_not_allowed` otherwise.
    #[must_use]
    pub fn any_group<I: IntoIterator<Item = S>, S: Into<String>>(self, groups: I) -> Self {
        self.require(|r| r.groups(Match::AnyOf, groups))
    }

    /// Requires every one of these groups.
    #[must_use]
    pub fn all_groups<I: IntoIterator<Item = S>, S: Into<String>>(self, groups: I) -> Self {
        self.require(|r| r.groups(Match::AllOf, groups))
    }

    /// Requires at least one of these scopes (`scope` of access tokens); `403
    /// insufficient_scope` with `scope_not_allowed` otherwise.
    #[must_use]
    pub fn any_scope<I: IntoIterator<Item = S>, S: Into<String>>(self, scopes: I) -> Self {
        self.require(|r| r.scopes(Match::AnyOf, scopes))
    }

    /// Requires every one of these scopes.
    #[must_use]
    pub fn all_scopes<I: IntoIterator<Item = S>, S: Into<String>>(self, scopes: I) -> Self {
        self.require(|r| r.scopes(Match::AllOf, scopes))
    }

    /// Accepts only this token use on the route (`401 invalid_token` with `wrong_token_use`
    /// otherwise), within what the verifier itself accepts. Checked once the token is otherwise
    /// valid: an expired ID token on an access-only route is `expired`.
    #[must_use]
    pub fn token_use(self, token_use: AcceptedTokenUse) -> Self {
        self.require(|r| r.token_use(token_use))
    }
}

impl<S> Layer<S> for CognitoAuthLayer {
    type Service = CognitoAuth<S>;

    fn layer(&self, inner: S) -> CognitoAuth<S> {
        CognitoAuth {
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// The service made by [`CognitoAuthLayer`].
#[derive(Clone, Debug)]
pub struct CognitoAuth<S> {
    inner: S,
    policy: Arc<Policy>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

pin_project! {
    /// The future of [`CognitoAuth`]: the inner service's, when the token was verified without
    /// waiting (keys held: nothing boxed); the layer's own answer; or, when keys had to be
    /// fetched first, the verification and the inner call together, boxed.
    pub struct ResponseFuture<F, B, E> {
        #[pin]
        state: State<F, B, E>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B, E> {
        Inner { #[pin] future: F },
        Refused { response: Option<Response<ResponseBody<B>>> },
        Waiting { future: BoxFuture<Result<Response<ResponseBody<B>>, E>> },
    }
}

impl<F, B, E> Future for ResponseFuture<F, B, E>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner { future } => future.poll(cx).map_ok(|r| r.map(ResponseBody::new)),
            StateProj::Refused { response } => match response.take() {
                Some(r) => Poll::Ready(Ok(r)),
                None => panic!("ResponseFuture polled after completion"),
            },
            StateProj::Waiting { future } => future.as_mut().poll(cx),
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CognitoAuth<S>
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
        let policy = &*self.policy;
        // The common case is decided here, with no future boxed: a token whose pool's keys are
        // held, a missing token. Only a token that must wait for keys is verified in a future.
        let verdict = match presented(req.headers(), policy.cookie.as_deref()) {
            Presented::Token(token) => {
                match cognito::verify_now(&policy.verifier, token, &policy.requirements) {
                    Some(verdict) => verdict.map(Some),
                    None => {
                        let (policy, headers) = (self.policy.clone(), req.headers().clone());
                        let verdict = async move { check(&policy, &headers).await };
                        return ResponseFuture::after_keys(&mut self.inner, req, verdict);
                    }
                }
            }
            Presented::Nothing if policy.optional => Ok(None),
            Presented::Nothing => Err(cognito::refused(Refusal::NoToken, None)),
            Presented::Ambiguous => {
                Err(cognito::refused(Refusal::SeveralAuthorizationHeaders, None))
            }
        };
        ResponseFuture::decided(&mut self.inner, req, grpc, verdict)
    }
}

impl<F, B, E> ResponseFuture<F, B, E> {
    /// The future of a request decided without waiting: the inner call with the claims (if any)
    /// in its extensions, or the refusal's answer.
    pub(crate) fn decided<S, ReqBody, T>(
        inner: &mut S,
        mut req: Request<ReqBody>,
        grpc: bool,
        verdict: Result<Option<T>, Refusal>,
    ) -> Self
    where
        S: Service<Request<ReqBody>, Response = Response<B>, Error = E, Future = F>,
        T: Clone + Send + Sync + 'static,
    {
        let state = match verdict {
            Ok(claims) => {
                if let Some(claims) = claims {
                    req.extensions_mut().insert(claims);
                }
                State::Inner {
                    future: inner.call(req),
                }
            }
            Err(refusal) => State::Refused {
                response: Some(refusal.into_response(grpc, ResponseBody::refusal)),
            },
        };
        ResponseFuture { state }
    }

    /// The future of a request whose token must wait for keys: `verdict` (which owns what it
    /// needs: this path is rare, once per pool or key) and then the inner call, or the
    /// refusal's answer, in one boxed future. The service polled ready moves into it; a clone
    /// stays for the next call (tower's documented pattern).
    pub(crate) fn after_keys<S, ReqBody, T, V>(
        inner: &mut S,
        mut req: Request<ReqBody>,
        verdict: V,
    ) -> Self
    where
        S: Service<Request<ReqBody>, Response = Response<B>, Error = E, Future = F>
            + Clone
            + Send
            + 'static,
        F: Future<Output = Result<Response<B>, E>> + Send,
        ReqBody: Send + 'static,
        T: Clone + Send + Sync + 'static,
        V: Future<Output = Result<Option<T>, Refusal>> + Send + 'static,
    {
        let clone = inner.clone();
        let mut inner = core::mem::replace(inner, clone);
        let grpc = is_grpc(req.headers());
        let future = Box::pin(async move {
            match verdict.await {
                Ok(claims) => {
                    if let Some(claims) = claims {
                        req.extensions_mut().insert(claims);
                    }
                    Ok(inner.call(req).await?.map(ResponseBody::new))
                }
                Err(refusal) => Ok(refusal.into_response(grpc, ResponseBody::refusal)),
            }
        });
        ResponseFuture {
            state: State::Waiting { future },
        }
    }
}

/// The claims to hand on (`None`: no token on an optional route), or the refusal.
async fn check(policy: &Policy, headers: &HeaderMap) -> Result<Option<OwnedClaims>, Refusal> {
    match presented(headers, policy.cookie.as_deref()) {
        Presented::Token(token) => cognito::verify(&policy.verifier, token, &policy.requirements)
            .await
            .map(Some),
        Presented::Nothing if policy.optional => Ok(None),
        Presented::Nothing => Err(cognito::refused(Refusal::NoToken, None)),
        Presented::Ambiguous => Err(cognito::refused(Refusal::SeveralAuthorizationHeaders, None)),
    }
}
