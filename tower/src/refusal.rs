//! The layer's own answers: RFC 6750 challenges with a JSON body for HTTP, the same body as the
//! status message for gRPC.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};

/// Why a request does not reach the inner service, already worded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    /// JSON text of a fixed shape; messages and codes are ASCII without quotes.
    pub(crate) body: String,
    /// `WWW-Authenticate`.
    pub(crate) challenge: Option<&'static str>,
    /// `Retry-After`, seconds.
    pub(crate) retry_after: Option<u64>,
}

impl Refusal {
    pub(crate) fn no_token() -> Self {
        Refusal {
            status: StatusCode::UNAUTHORIZED,
            body: r#"{"error": "401 Unauthorized Error. Token Not Found."}"#.into(),
            challenge: Some("Bearer"),
            retry_after: None,
        }
    }

    pub(crate) fn several_authorization_headers() -> Self {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            body: r#"{"error":"400 Bad Request Error. Several Authorization Headers."}"#.into(),
            // RFC 6750 section 3.1: more than one method of presenting a token.
            challenge: Some(r#"Bearer error="invalid_request""#),
            retry_after: None,
        }
    }

    pub(crate) fn invalid_token(message: &str, code: &str) -> Self {
        Refusal {
            status: StatusCode::UNAUTHORIZED,
            body: format!(r#"{{"error": "401 Unauthorized Error. {message}", "code": "{code}"}}"#),
            challenge: Some(r#"Bearer error="invalid_token""#),
            retry_after: None,
        }
    }

    pub(crate) fn insufficient_scope(code: &str) -> Self {
        Refusal {
            status: StatusCode::FORBIDDEN,
            body: format!(
                r#"{{"error": "403 Forbidden Error. Insufficient Scope.", "code": "{code}"}}"#
            ),
            challenge: Some(r#"Bearer error="insufficient_scope""#),
            retry_after: None,
        }
    }

    pub(crate) fn keys_unavailable(code: &str, retry_after: u64) -> Self {
        Refusal {
            status: StatusCode::SERVICE_UNAVAILABLE,
            body: format!(
                r#"{{"error": "503 Service Unavailable Error. Signing Keys Unavailable.", "code": "{code}"}}"#
            ),
            challenge: None,
            retry_after: Some(retry_after),
        }
    }

    /// The response; `grpc` when the request was a gRPC call, which expects HTTP 200 with a
    /// `grpc-status` (a Trailers-Only response) rather than an HTTP error status.
    pub(crate) fn into_response<B>(self, grpc: bool, body: impl FnOnce(Bytes) -> B) -> Response<B> {
        let mut headers = HeaderMap::new();
        if let Some(c) = self.challenge {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        let (status, data) = if grpc {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/grpc"),
            );
            headers.insert("grpc-status", HeaderValue::from(grpc_code(self.status)));
            // The body is printable ASCII without '%', which needs no percent-encoding here.
            if let Ok(v) = HeaderValue::from_str(&self.body) {
                headers.insert("grpc-message", v);
            }
            (StatusCode::OK, Bytes::new())
        } else {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            (self.status, Bytes::from(self.body))
        };
        let mut r = Response::new(body(data));
        *r.status_mut() = status;
        *r.headers_mut() = headers;
        r
    }
}

/// gRPC status codes (grpc/doc/statuscodes.md) for the layer's HTTP statuses.
fn grpc_code(status: StatusCode) -> u16 {
    match status {
        StatusCode::UNAUTHORIZED => 16,        // UNAUTHENTICATED
        StatusCode::FORBIDDEN => 7,            // PERMISSION_DENIED
        StatusCode::SERVICE_UNAVAILABLE => 14, // UNAVAILABLE
        StatusCode::BAD_REQUEST => 3,          // INVALID_ARGUMENT
        _ => 2,                                // UNKNOWN
    }
}

/// A gRPC call: `content-type: application/grpc` or `application/grpc+proto` and the like.
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.strip_prefix("application/grpc")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['+', ';']))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_requests_by_content_type() {
        for (ct, grpc) in [
            ("application/grpc", true),
            ("application/grpc+proto", true),
            ("application/grpc;charset=utf-8", true),
            ("application/grpc-web", false),
            ("application/json", false),
        ] {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            assert_eq!(is_grpc(&h), grpc, "{ct}");
        }
        assert!(!is_grpc(&HeaderMap::new()));
    }

    #[test]
    fn grpc_refusals_are_trailers_only() {
        let r = Refusal::insufficient_scope("group_not_allowed").into_response(true, |b| b);
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.body().is_empty());
        assert_eq!(r.headers()["grpc-status"], "7");
        assert_eq!(
            r.headers()["grpc-message"],
            r#"{"error": "403 Forbidden Error. Insufficient Scope.", "code": "group_not_allowed"}"#
        );
        let r = Refusal::keys_unavailable("jwks_unavailable", 30).into_response(false, |b| b);
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "30");
        assert!(r.headers().get(header::WWW_AUTHENTICATE).is_none());
    }
}
