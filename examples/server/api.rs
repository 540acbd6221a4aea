//! The API routes' handler behind `cognito-verify-tower`'s layer: `200 {"message", "sub",
//! "username", "token_use"}` for a caller the layer let through, written straight from the
//! claims; and the route that calls the layer without boxing or `Oneshot`, since a repeat token
//! is decided at once (the verdict memo) and that path is the server's busiest.

use core::convert::Infallible;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use bytes::Bytes;
use cognito_verify::OwnedClaims;
use cognito_verify_tower::{CognitoAuth, CognitoAuthLayer, ResponseBody, ResponseFuture};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::json;
use tower::{Layer as _, Service as _};

use super::{full, Body};

/// The answer of an API route to a caller the layer let through.
#[derive(Clone, Copy, Debug)]
pub(super) struct ApiHandler {
    pub(super) message: &'static str,
}

impl ApiHandler {
    /// The layer puts the claims in the request; without them (never behind the layer) the
    /// answer is a 500, not an anonymous 200.
    fn answer(self, claims: Option<&OwnedClaims>) -> Response<Full<Bytes>> {
        let Some(c) = claims else {
            return internal_error();
        };
        let mut out = Vec::with_capacity(256);
        // Written straight from the claims into one allocation, the body itself: every value
        // of a Cognito token (UUIDs, plain names) needs no escaping, and one that does goes
        // through serde_json.
        out.extend_from_slice(b"{\"message\":");
        let ok = json_str(&mut out, self.message)
            && json_member(&mut out, b",\"sub\":", c.sub())
            && json_member(
                &mut out,
                b",\"username\":",
                c.username().unwrap_or_default(),
            )
            && json_member(&mut out, b",\"token_use\":", c.token_use().as_str());
        out.push(b'}');
        if ok {
            full(StatusCode::OK, "application/json", out)
        } else {
            internal_error()
        }
    }
}

/// Appends `,"name":` and `value` as a JSON string.
fn json_member(out: &mut Vec<u8>, name: &[u8], value: &str) -> bool {
    out.extend_from_slice(name);
    json_str(out, value)
}

/// Appends `value` as a JSON string: as it is when nothing in it needs an escape, else by
/// serde_json.
fn json_str(out: &mut Vec<u8>, value: &str) -> bool {
    // A fold rather than `all`: no early exit, so it runs 16 bytes at a time.
    let plain = !value.bytes().fold(false, |escape, b| {
        escape | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
        true
    } else {
        serde_json::to_writer(out, value).is_ok()
    }
}

fn internal_error() -> Response<Full<Bytes>> {
    full(
        StatusCode::INTERNAL_SERVER_ERROR,
        "application/json",
        json!({ "error": "500 Internal Server Error." }).to_string(),
    )
}

impl tower::Service<Request<Incoming>> for ApiHandler {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = HandlerFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Incoming>) -> Self::Future {
        core::future::ready(Ok(self.answer(req.extensions().get::<OwnedClaims>())))
    }
}

/// An API route: its handler behind the layer.
#[derive(Clone, Debug)]
pub(super) struct ApiRoute(CognitoAuth<ApiHandler>);

impl ApiRoute {
    pub(super) fn new(auth: CognitoAuthLayer, handler: ApiHandler) -> Self {
        ApiRoute(auth.layer(handler))
    }

    /// The route's answer: the handler's own future when the token is decided at once (nothing
    /// boxed, no `Oneshot` around it), the layer's when keys must be fetched first.
    pub(super) fn call(&self, req: Request<Incoming>) -> ApiFuture {
        let mut route = self.0.clone();
        // `poll_ready` as tower requires, without a waker: the handler is always ready, and the
        // layer is as ready as its handler.
        match route.poll_ready(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Ok(())) => ApiFuture::Route(route.call(req)),
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => ApiFuture::Answer(Some(internal_error().map(ResponseBody::new))),
        }
    }
}

/// What an [`ApiHandler`] answers, as its future.
type HandlerFuture = core::future::Ready<Result<Response<Full<Bytes>>, Infallible>>;

/// The future of [`ApiRoute::call`].
pub(super) enum ApiFuture {
    Route(ResponseFuture<HandlerFuture, Full<Bytes>, Infallible>),
    Answer(Option<Response<Body>>),
}

impl Future for ApiFuture {
    type Output = Response<Body>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response<Body>> {
        match self.get_mut() {
            ApiFuture::Route(f) => Pin::new(f).poll(cx).map(|r| match r {
                Ok(r) => r,
                Err(never) => match never {},
            }),
            ApiFuture::Answer(r) => Poll::Ready(
                r.take()
                    .unwrap_or_else(|| internal_error().map(ResponseBody::new)),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::json_str;

    #[test]
    fn json_strings_are_what_serde_json_writes() {
        for s in [
            "",
            "pong",
            "a\"b",
            "back\\slash",
            "tab\tnew\nline",
            "\u{1}",
            "é ü \u{7f} 🙂",
            "</script>",
        ] {
            let mut ours = Vec::new();
            assert!(json_str(&mut ours, s));
            assert_eq!(ours, serde_json::to_vec(s).expect("serializes"), "{s:?}");
        }
    }
}
