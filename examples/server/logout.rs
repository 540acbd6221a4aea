//! Sign-out that signs out: `POST /logout` (the web session) and `POST {API_PATH}logout` (a
//! client holding tokens) revoke in Cognito, then record the revocation in the verifier at once
//! (and in Redis for the other replicas, `replicas.rs`), so the signed-out tokens get `401` with
//! code `revoked` on the very next request.
//!
//! - Only a session that verifies is signed out, and only then is Cognito called: the API route
//!   is behind the layer (`401`, `503` without keys); the web route verifies the session cookie
//!   first, and without one that verifies revokes nothing and calls nothing (the cookies are
//!   cleared), or answers `503` while no keys can be had.
//! - With a refresh token: Cognito `RevokeToken` (`POST https://<domain>/oauth2/revoke`), then
//!   the verifier's per-user policy (`CognitoJwtVerifier::sign_out`): `origin_jti` of the
//!   caller's token (every ID and access token issued from that refresh token, and only those),
//!   or the whole user once it holds a few sessions revoked or the list is nearly full, so one
//!   user cannot fill the list.
//! - Without one, with an access token: `GlobalSignOut`, then the user (`sub`) is revoked here for
//!   every token issued at or before now (a token issued later in the same second is refused
//!   too; signing in again a second later works).
//! - Cognito fails or refuses: the revocation is recorded here all the same (the user asked to be
//!   signed out; refusing the tokens this site can refuse is the safe side), and the answer is
//!   `502` saying Cognito did not confirm it: the refresh token may still work at Cognito, so the
//!   web page offers to sign out again, and keeps the refresh token's cookie for that. It says
//!   the tokens are refused here only when that was recorded.
//!
//! Cross-site requests: `POST /logout` is refused (`403`) when `Origin` is present and is not this
//! server's origin (`APP_ORIGIN`, by default the origin of `AWS_COGNITO_REDIRECT_URI` or
//! `http://APP_HOST:APP_PORT`) or when `Sec-Fetch-Site` is present and neither `same-origin` nor
//! `none`; and it must carry a `csrf` form field equal to the `__Host-cv_csrf` cookie, a random
//! value set at sign-in with `SameSite=Lax` (double submit: another site can neither read the
//! cookie nor set it, and no cross-site POST carries it; `web.rs` says why not `Strict`). The page's
//! own form sends its real `Origin` because the pages' `Referrer-Policy` is `same-origin` (under
//! `no-referrer` a browser sends `Origin: null`, refused here like any other origin). After the
//! sign-out the browser goes on to the Hosted UI's `/logout`, which the pages' CSP `form-action`
//! allows, and back to `/`, which says "signed out". `GET /logout` signs nobody out: it shows the form.
//! The API route needs `Authorization: Bearer`, which a browser never adds by itself.

use core::convert::Infallible;
use core::future::Future;
use core::pin::Pin;

use bytes::Bytes;
use cognito_verify::{ClaimValue, CognitoJwtVerifier, OwnedClaims, TokenUse, VerifyError};
use cognito_verify_examples::{escape_html, idp, Env};
use cognito_verify_tower::Refusal;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use reqwest::Url;
use serde_json::{json, Value};
use tracing::{info, warn};

use super::replicas::{Revocations, Revoked};
use super::web::{
    add_cookie, cookie, expired, logout_form, redirect, same, WebLogin, ACCESS_COOKIE, CSRF_COOKIE,
    REFRESH_COOKIE, SESSION_COOKIE,
};
use super::{html, response, Body};

/// Largest body of a sign-out request (a form or JSON with a refresh token).
const MAX_BODY: usize = 8 * 1024;

/// Where and how to sign out.
pub(super) struct Logout {
    pub(super) verifier: CognitoJwtVerifier,
    pub(super) http: reqwest::Client,
    pub(super) client_id: String,
    pub(super) client_secret: Option<String>,
    /// `AWS_COGNITO_REVOKE_URL`, by default `/oauth2/revoke` beside `AWS_COGNITO_TOKEN_URL`.
    pub(super) revoke_url: Option<Url>,
    /// The `cognito-idp` endpoint (`GlobalSignOut`).
    pub(super) idp_endpoint: String,
    /// This server's origin, as browsers send it in `Origin`.
    pub(super) origin: String,
    /// Where the browser goes after signing out: the Hosted UI's `/logout`, or `/`.
    pub(super) after: String,
    pub(super) revocations: Revocations,
}

/// Where sign-out goes, read once from the environment.
#[derive(Debug, Clone)]
pub(super) struct LogoutSettings {
    /// `AWS_COGNITO_REVOKE_URL`, by default `/oauth2/revoke` beside `AWS_COGNITO_TOKEN_URL`.
    pub(super) revoke_url: Option<Url>,
    /// The `cognito-idp` endpoint (`GlobalSignOut`).
    pub(super) idp_endpoint: String,
    /// This server's origin, as browsers send it in `Origin`.
    pub(super) origin: String,
    /// Where the browser goes after signing out: the Hosted UI's `/logout`, or `/`.
    pub(super) after: String,
}

/// What signing out did.
struct Outcome {
    /// `RevokeToken` or `GlobalSignOut`.
    cognito: &'static str,
    /// Cognito's failure, if it failed.
    cognito_error: Option<String>,
    /// The kind recorded here (`origin_jti`, `subject`), if any.
    revoked: Option<&'static str>,
    /// The local list refused it (full).
    local_error: Option<String>,
}

impl Logout {
    /// Reads `AWS_COGNITO_REVOKE_URL`, `APP_ORIGIN` and what the Cognito endpoints derive from.
    pub(super) fn settings(
        env: &Env,
        host: &str,
        port: u16,
        web: Option<&WebLogin>,
    ) -> Result<LogoutSettings, String> {
        let parse = |name: &str, v: &str| {
            Url::parse(v).map_err(|e| format!("{name} {v:?} is not a URL: {e}"))
        };
        let revoke_url = match (
            env.get("AWS_COGNITO_REVOKE_URL"),
            env.get("AWS_COGNITO_TOKEN_URL"),
        ) {
            (Some(r), _) => Some(parse("AWS_COGNITO_REVOKE_URL", &r)?),
            (None, Some(t)) => {
                let mut u = parse("AWS_COGNITO_TOKEN_URL", &t)?;
                u.set_path("/oauth2/revoke");
                u.set_query(None);
                Some(u)
            }
            (None, None) => None,
        };
        let idp_endpoint = idp::endpoint(env)?;
        let origin = match (env.get("APP_ORIGIN"), env.get("AWS_COGNITO_REDIRECT_URI")) {
            (Some(o), _) => parse("APP_ORIGIN", &o)?.origin().ascii_serialization(),
            (None, Some(r)) => parse("AWS_COGNITO_REDIRECT_URI", &r)?
                .origin()
                .ascii_serialization(),
            (None, None) => format!("http://{host}:{port}"),
        };
        let after = match web.and_then(|w| w.logout_url.clone()) {
            Some(mut u) => {
                u.query_pairs_mut()
                    .append_pair(
                        "client_id",
                        &env.get("AWS_COGNITO_APP_CLIENT_ID").unwrap_or_default(),
                    )
                    .append_pair("logout_uri", &format!("{origin}/"));
                u.to_string()
            }
            None => "/".into(),
        };
        Ok(LogoutSettings {
            revoke_url,
            idp_endpoint,
            origin,
            after,
        })
    }

    /// Revokes in Cognito, then here, for the caller whose token verified (`claims`): with a
    /// refresh token and an `origin_jti`, that session under the verifier's per-user policy (the
    /// whole user when it holds too many sessions or the list is nearly full); otherwise the
    /// user. `None` when there is nothing to revoke in Cognito with.
    async fn sign_out(
        &self,
        claims: &OwnedClaims,
        refresh: Option<&str>,
        access: Option<&str>,
    ) -> Option<Outcome> {
        let (cognito, result) = match (refresh, access, &self.revoke_url) {
            (Some(r), _, Some(url)) => (
                "RevokeToken",
                idp::revoke_token(
                    &self.http,
                    url.as_str(),
                    &self.client_id,
                    self.client_secret.as_deref(),
                    r,
                )
                .await
                .map_err(|e| e.to_string()),
            ),
            (_, Some(a), _) => (
                "GlobalSignOut",
                idp::global_sign_out(&self.http, &self.idp_endpoint, a)
                    .await
                    .map_err(|e| e.to_string()),
            ),
            (Some(_), None, None) => (
                "RevokeToken",
                Err(
                    "no revocation endpoint: set AWS_COGNITO_TOKEN_URL or AWS_COGNITO_REVOKE_URL"
                        .to_string(),
                ),
            ),
            (None, None, _) => return None,
        };
        if let Err(e) = &result {
            warn!(cognito, "sign-out: Cognito did not confirm it: {e}");
        }
        let origin_jti = match claims.get("origin_jti") {
            Some(ClaimValue::Str(o)) => Some(o.to_string()),
            _ => None,
        }
        .filter(|o| !o.is_empty());
        let iat = claims
            .iat()
            .and_then(|i| u64::try_from(i).ok())
            .unwrap_or(0);
        let recorded = match (cognito, origin_jti) {
            ("RevokeToken", Some(o)) => self.revocations.sign_out(claims.sub(), &o, iat),
            // GlobalSignOut, or a token without `origin_jti`: every token of the user until now,
            // the caller's own included even if its `iat` is a little ahead of this clock.
            _ => {
                let r = Revoked::Subject {
                    sub: claims.sub().to_string(),
                    at: cognito_verify::now().max(iat),
                };
                self.revocations.record(r.clone()).map(|()| r)
            }
        };
        let (revoked, local_error) = match recorded {
            Ok(r) => (Some(r.kind()), None),
            Err(e) => {
                warn!("sign-out: the revocation could not be recorded: {e}");
                (None, Some(e.to_string()))
            }
        };
        info!(
            cognito,
            revoked = revoked.unwrap_or("nothing"),
            ok = result.is_ok(),
            "sign-out"
        );
        Some(Outcome {
            cognito,
            cognito_error: result.err(),
            revoked,
            local_error,
        })
    }

    /// `/logout` (every method).
    pub(super) async fn web(&self, req: Request<Incoming>) -> Response<Body> {
        let csrf_cookie = cookie(req.headers(), CSRF_COOKIE)
            .unwrap_or_default()
            .to_string();
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let body = if csrf_cookie.is_empty() {
                "<p>You are not signed in. <a href=\"/\">Home</a></p>".to_string()
            } else {
                logout_form(&csrf_cookie)
            };
            return html(StatusCode::OK, "Sign out", &body);
        }
        if req.method() != Method::POST {
            let mut r = html(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed", "");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
            return r;
        }
        if let Some(why) = self.cross_site(&req) {
            warn!("sign-out refused: {why}");
            return html(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "<p>Cross-site sign-out refused.</p>",
            );
        }
        let session = cookie(req.headers(), SESSION_COOKIE)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let refresh = cookie(req.headers(), REFRESH_COOKIE)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let access = cookie(req.headers(), ACCESS_COOKIE)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let form = read_body(req.into_body()).await.unwrap_or_default();
        let sent = url_form(&form, "csrf").unwrap_or_default();
        if csrf_cookie.is_empty() || !same(&sent, &csrf_cookie) {
            warn!("sign-out refused: the CSRF token does not match");
            return html(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "<p>The sign-out form is stale; <a href=\"/logout\">try again</a>.</p>",
            );
        }
        // Only a session that verifies is signed out, and only then is Cognito called: a request
        // without one (expired, revoked, or a script that set the CSRF cookie and field itself)
        // revokes nothing and costs nothing of the app client's quota at Cognito. No keys to
        // check it with: 503, nothing cleared, nothing called.
        let claims = match &session {
            Some(t) => match self.verifier.verify(t).await {
                Ok(c) => Some(c),
                // The layer's status for the same error: a 5xx checks nothing, so signs out nobody.
                Err(e) if Refusal::from(e).status().is_server_error() => {
                    warn!("sign-out: the session cannot be checked, no signing keys");
                    let retry_at = match e {
                        VerifyError::KeysUnavailable { retry_at } => retry_at,
                        _ => 0,
                    };
                    let mut r = html(
                        Refusal::from(e).status(),
                        "Sign-out unavailable",
                        &format!(
                            "<p>Your session cannot be checked right now, so nothing was signed \
                             out; try again in a moment.</p>{}",
                            logout_form(&csrf_cookie)
                        ),
                    );
                    let wait = retry_at.saturating_sub(cognito_verify::now()).max(1);
                    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                        r.headers_mut().insert(header::RETRY_AFTER, v);
                    }
                    return r;
                }
                Err(_) => None,
            },
            None => None,
        };
        let outcome = match &claims {
            Some(c) => {
                self.sign_out(c, refresh.as_deref(), access.as_deref())
                    .await
            }
            None => None,
        };
        let clear_all = |r: &mut Response<Body>| {
            for name in [SESSION_COOKIE, REFRESH_COOKIE, ACCESS_COOKIE, CSRF_COOKIE] {
                add_cookie(r, &expired(name));
            }
        };
        match outcome {
            Some(Outcome {
                local_error: Some(e),
                ..
            }) => html(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign-out failed",
                &format!(
                    "<p>The sign-out could not be recorded ({}); try again.</p>{}",
                    escape_html(&e),
                    logout_form(&csrf_cookie)
                ),
            ),
            Some(Outcome {
                cognito,
                cognito_error: Some(e),
                revoked,
                ..
            }) => {
                let (title, here) = if revoked.is_some() {
                    (
                        "Signed out here, not confirmed by Cognito",
                        "This site refuses your tokens from now on, but Cognito",
                    )
                } else {
                    ("Not signed out", "Nothing was recorded here, and Cognito")
                };
                let mut r = html(
                    StatusCode::BAD_GATEWAY,
                    title,
                    &format!(
                        "<p>{here} did not confirm {cognito} ({}): your refresh token may still \
                         work there.</p>{}",
                        escape_html(&e),
                        logout_form(&csrf_cookie)
                    ),
                );
                add_cookie(&mut r, &expired(SESSION_COOKIE));
                r
            }
            _ => {
                let mut r = redirect(StatusCode::SEE_OTHER, &self.after);
                clear_all(&mut r);
                r
            }
        }
    }

    /// Why a request is cross-site, if it is. Only the configured origin is accepted, never one
    /// derived from `Host` (DNS rebinding); `Origin: null` (a sandboxed or `no-referrer` page) is
    /// refused like any other.
    fn cross_site<B>(&self, req: &Request<B>) -> Option<String> {
        let h = req.headers();
        if let Some(origin) = h.get(header::ORIGIN) {
            let o = origin.to_str().unwrap_or("");
            if o != self.origin {
                return Some(format!("Origin {o:?} is not {:?}", self.origin));
            }
        }
        if let Some(site) = h.get("sec-fetch-site") {
            let s = site.to_str().unwrap_or("");
            if s != "same-origin" && s != "none" {
                return Some(format!("Sec-Fetch-Site {s:?}"));
            }
        }
        None
    }

    /// `POST {API_PATH}logout`, behind the layer (`claims` of the bearer token).
    async fn api(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let answer = |status: StatusCode, body: Value| {
            let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
            *r.status_mut() = status;
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        };
        let Some(claims) = req.extensions().get::<OwnedClaims>().cloned() else {
            return answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "error": "500 Internal Server Error." }),
            );
        };
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.get(7..))
            .map(|t| t.trim().to_string())
            .unwrap_or_default();
        let body = read_body(req.into_body()).await.unwrap_or_default();
        let refresh = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|j| {
                j.get("refresh_token")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .or_else(|| url_form(&body, "refresh_token"))
            .filter(|r| !r.is_empty());
        let access = (claims.token_use() == TokenUse::Access).then_some(bearer.as_str());
        let Some(o) = self.sign_out(&claims, refresh.as_deref(), access).await else {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({ "error": "400 Bad Request Error. An Access Token Or A Refresh Token Is Needed." }),
            );
        };
        match o {
            Outcome {
                local_error: Some(e),
                ..
            } => answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "error": "503 Service Unavailable Error. Revocation Not Recorded.", "detail": e }),
            ),
            Outcome {
                cognito,
                cognito_error: Some(e),
                revoked,
                ..
            } => answer(
                StatusCode::BAD_GATEWAY,
                json!({ "error": "502 Bad Gateway Error. Cognito Did Not Confirm The Sign-Out.",
                        "cognito": cognito, "detail": e, "revoked": revoked }),
            ),
            Outcome {
                cognito, revoked, ..
            } => answer(
                StatusCode::OK,
                json!({ "message": "signed out", "cognito": cognito, "revoked": revoked }),
            ),
        }
    }
}

/// The API route's handler, a service behind the layer.
#[derive(Clone)]
pub(super) struct LogoutApi(pub(super) std::sync::Arc<Logout>);

impl tower::Service<Request<Incoming>> for LogoutApi {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Result<(), Infallible>> {
        core::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Incoming>) -> Self::Future {
        let logout = self.0.clone();
        Box::pin(async move { Ok(logout.api(req).await) })
    }
}

/// The body as text, at most [`MAX_BODY`] bytes.
async fn read_body(body: Incoming) -> Option<String> {
    let bytes = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .ok()?
        .to_bytes();
    String::from_utf8(bytes.to_vec()).ok()
}

/// A field of an `application/x-www-form-urlencoded` body.
fn url_form(body: &str, name: &str) -> Option<String> {
    Url::parse(&format!("http://x/?{body}"))
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `405` for the API route's other methods.
pub(super) fn api_method_not_allowed() -> Response<Body> {
    let mut r = response(
        StatusCode::METHOD_NOT_ALLOWED,
        "application/json",
        json!({ "error": "405 Method Not Allowed Error." }).to_string(),
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    r
}
