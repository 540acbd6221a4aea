//! The layer's own answers: RFC 6750 challenges with a JSON body for HTTP, the same body as the
//! status message for gRPC.

use bytes::Bytes;
use cognito_verify::{Error, VerifyError};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};

/// Why the layer answered a request itself rather than calling the inner service.
///
/// Every response the layer (or the axum extractor) refuses with carries it in its
/// extensions, so a middleware (axum's `middleware::map_response`, say) can read the code and
/// status without parsing the JSON body: `response.extensions().get::<Refusal>()`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No bearer token in `Authorization` (nor in the layer's cookie): `401` with
    /// `WWW-Authenticate: Bearer`.
    NoToken,
    /// More than one `Authorization` header: `400` (RFC 6750 section 3.1, `invalid_request`).
    SeveralAuthorizationHeaders,
    /// No `x-amzn-oidc-data` ([`AlbAuthLayer`](crate::AlbAuthLayer)): the request did not come
    /// through the load balancer's sign-in. `401`, with no Bearer challenge (no bearer token
    /// would do).
    NoAlbToken,
    /// The token was refused, or could not be checked for want of keys: the status is the
    /// core's [`VerifyError::http_status`] (`401`, `403` for a missing group or scope, `503`).
    Verify(VerifyError),
}

impl Refusal {
    /// The HTTP status of the answer (a gRPC call gets the matching `grpc-status`). For a
    /// token it is the core's one table, [`Error::http_status`].
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::NoToken | Refusal::NoAlbToken => StatusCode::UNAUTHORIZED,
            Refusal::SeveralAuthorizationHeaders => StatusCode::BAD_REQUEST,
            Refusal::Verify(e) => {
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::UNAUTHORIZED)
            }
        }
    }

    /// The error code (`expired`, `group_not_allowed`, `jwks_unavailable`...), the same words
    /// as in the body; `None` when no token was looked at.
    #[must_use]
    pub fn code(&self) -> Option<&'static str> {
        self.error().map(|e| e.code())
    }

    /// The verifier's error, when a token was verified (or could not be for want of keys).
    #[must_use]
    pub fn error(&self) -> Option<VerifyError> {
        match self {
            Refusal::Verify(e) => Some(*e),
            Refusal::NoToken | Refusal::SeveralAuthorizationHeaders | Refusal::NoAlbToken => None,
        }
    }

    /// The JSON body, `WWW-Authenticate` and `Retry-After` (seconds) of the answer; the status
    /// decides which shape.
    fn wording(&self) -> (String, Option<&'static str>, Option<u64>) {
        let e = match self {
            Refusal::NoToken => {
                let body = r#"{"error": "401 Unauthorized Error. Token Not Found."}"#;
                return (body.into(), Some("Bearer"), None);
            }
            Refusal::NoAlbToken => {
                let body = r#"{"error": "401 Unauthorized Error. Token Not Found."}"#;
                return (body.into(), None, None);
            }
            Refusal::SeveralAuthorizationHeaders => {
                let body = r#"{"error":"400 Bad Request Error. Several Authorization Headers."}"#;
                // RFC 6750 section 3.1: more than one method of presenting a token.
                return (body.into(), Some(r#"Bearer error="invalid_request""#), None);
            }
            Refusal::Verify(e) => e,
        };
        let code = e.code();
        match self.status() {
            StatusCode::FORBIDDEN => (
                format!(
                    r#"{{"error": "403 Forbidden Error. Insufficient Scope.", "code": "{code}"}}"#
                ),
                Some(r#"Bearer error="insufficient_scope""#),
                None,
            ),
            StatusCode::SERVICE_UNAVAILABLE => {
                let retry_at = match e {
                    VerifyError::KeysUnavailable { retry_at } => *retry_at,
                    _ => 0,
                };
                (
                    format!(
                        r#"{{"error": "503 Service Unavailable Error. Signing Keys Unavailable.", "code": "{code}"}}"#
                    ),
                    None,
                    Some(retry_at.saturating_sub(cognito_verify::now()).max(1)),
                )
            }
            _ => {
                let message = e.token_error().map_or("Token Invalid.", token_message);
                (
                    format!(
                        r#"{{"error": "401 Unauthorized Error. {message}", "code": "{code}"}}"#
                    ),
                    Some(r#"Bearer error="invalid_token""#),
                    None,
                )
            }
        }
    }

    /// The response, carrying `self` in its extensions; `grpc` when the request was a gRPC
    /// call, which expects HTTP 200 with a `grpc-status` (a Trailers-Only response) rather than
    /// an HTTP error status.
    pub(crate) fn into_response<B>(self, grpc: bool, body: impl FnOnce(Bytes) -> B) -> Response<B> {
        let (text, challenge, retry_after) = self.wording();
        let mut headers = HeaderMap::new();
        if let Some(c) = challenge {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
        }
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        let (status, data) = if grpc {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/grpc"),
            );
            headers.insert("grpc-status", HeaderValue::from(grpc_code(self.status())));
            // The body is printable ASCII without '%', which needs no percent-encoding here.
            if let Ok(v) = HeaderValue::from_str(&text) {
                headers.insert("grpc-message", v);
            }
            (StatusCode::OK, Bytes::new())
        } else {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            (self.status(), Bytes::from(text))
        };
        let mut r = Response::new(body(data));
        *r.status_mut() = status;
        *r.headers_mut() = headers;
        r.extensions_mut().insert(self);
        r
    }
}

impl From<VerifyError> for Refusal {
    fn from(e: VerifyError) -> Self {
        Refusal::Verify(e)
    }
}

/// The end of `"401 Unauthorized Error. Token ..."` for each error code.
fn token_message(e: Error) -> &'static str {
    match e {
        Error::Expired => "Token Expired.",
        Error::MalformedToken | Error::TokenTooLarge => "Token Malformed.",
        Error::InvalidSignature => "Token Signature Invalid.",
        Error::UnknownKid | Error::MissingKid => "Token Signing Key Unknown.",
        Error::UnsupportedAlgorithm => "Token Algorithm Not Allowed.",
        Error::UnsupportedCriticalHeader => "Token Header Not Supported.",
        Error::NotYetValid | Error::IssuedInFuture => "Token Not Yet Valid.",
        Error::TokenTooOld => "Token Too Old.",
        Error::WrongIssuer => "Token Issuer Invalid.",
        Error::WrongTokenUse => "Token Use Invalid.",
        Error::WrongClient => "Token Client Invalid.",
        Error::MissingClaim | Error::InvalidClaim => "Token Claims Invalid.",
        Error::Revoked => "Token Revoked.",
        _ => "Token Invalid.",
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
        let r =
            Refusal::Verify(VerifyError::Token(Error::GroupNotAllowed)).into_response(true, |b| b);
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.body().is_empty());
        assert_eq!(r.headers()["grpc-status"], "7");
        assert_eq!(
            r.headers()["grpc-message"],
            r#"{"error": "403 Forbidden Error. Insufficient Scope.", "code": "group_not_allowed"}"#
        );
        let unavailable = Refusal::Verify(VerifyError::KeysUnavailable {
            retry_at: cognito_verify::now() + 30,
        });
        let r = unavailable.into_response(false, |b| b);
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(matches!(
            r.headers()[header::RETRY_AFTER].to_str(),
            Ok("30" | "29")
        ));
        assert!(r.headers().get(header::WWW_AUTHENTICATE).is_none());
        assert_eq!(r.extensions().get::<Refusal>(), Some(&unavailable));
    }

    #[test]
    fn refusals_name_the_code() {
        let expired = Refusal::Verify(VerifyError::Token(Error::Expired));
        assert_eq!(
            expired.wording().0,
            r#"{"error": "401 Unauthorized Error. Token Expired.", "code": "expired"}"#
        );
        let scope = Refusal::Verify(VerifyError::Token(Error::ScopeNotAllowed));
        assert_eq!(scope.status(), StatusCode::FORBIDDEN);
        assert!(scope
            .wording()
            .0
            .ends_with(r#""code": "scope_not_allowed"}"#));
        let keys = Refusal::Verify(VerifyError::KeysUnavailable { retry_at: 0 });
        assert_eq!(keys.wording().2, Some(1));
        assert_eq!(Refusal::NoToken.code(), None);
    }

    /// The layer's statuses are the core's table for every error.
    #[test]
    fn statuses_are_the_cores() {
        for e in Error::ALL {
            let r = Refusal::Verify(VerifyError::from(e));
            assert_eq!(r.status().as_u16(), e.http_status(), "{}", e.code());
            let want = match e.http_status() {
                403 => Some(r#"Bearer error="insufficient_scope""#),
                503 => None,
                _ => Some(r#"Bearer error="invalid_token""#),
            };
            assert_eq!(r.wording().1, want, "{}", e.code());
        }
    }
}
