//! server — the GoBlitz HTTP server in Rust: API paths and web pages protected by Cognito tokens.
//!
//! ```text
//! cargo run --example server          # configuration from the environment or ./.env
//! ```
//!
//! - `GET {API_PATH}ping`  any valid ID or access token: `200 {"message": "pong", "sub", "username", "token_use"}`
//! - `GET {API_PATH}admin` also requires the group `admin` (`403 insufficient_scope` otherwise)
//! - `GET /` welcome page; `/login` to the Hosted UI; `/callback` code exchange at
//!   `AWS_COGNITO_TOKEN_URL`, token kept in an `HttpOnly; Secure; SameSite=Lax` cookie; `/me`
//!   signed-in page (redirects to `/login` without a valid cookie); `/logout`; `/healthz`.
//!
//! Without a token: `401 {"error": "401 Unauthorized Error. Token Not Found."}` and
//! `WWW-Authenticate: Bearer`. An invalid token: `401` with a message per error code, the code
//! itself, and `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750). Every variable is
//! listed in `.env.example`. `INSECURE_DISABLE_AUTH=1` turns verification off (load
//! comparisons only; logged as a warning at start and on every API call's log line).

use core::convert::Infallible;
use core::future::Future;
use core::net::SocketAddr;
use core::pin::Pin;
use core::time::Duration;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use cognito_verify::{
    pool_region, AcceptedTokenUse, CognitoJwtVerifier, Error, Requirement, Requirements,
    VerifyError,
};
use cognito_verify_examples::{escape_html, Env, MissingVar};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::service::Service;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rand::RngCore as _;
use reqwest::Url;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tracing::{error, info, warn};

const PROG: &str = "server";
const SESSION_COOKIE: &str = "cv_session";
const STATE_COOKIE: &str = "cv_oauth_state";
/// Largest request head served; larger heads get `431`. hyper's `max_buf_size` alone is not a
/// precise limit (its read buffer grows in steps, so a head a little over the limit can arrive in
/// one read and parse), hence the same limit is checked again on the parsed headers in `route`.
const MAX_HEAD_BYTES: usize = 16 * 1024;
const ADMIN_GROUP: &str = "admin";

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// Hosted UI (authorization code flow) settings; absent when `AWS_COGNITO_TOKEN_URL` is unset.
#[derive(Debug, Clone)]
struct WebLogin {
    authorize_url: Url,
    token_url: Url,
    logout_url: Option<Url>,
    redirect_uri: String,
    client_secret: Option<String>,
    scopes: String,
}

#[derive(Debug, Clone)]
struct Settings {
    addr_host: String,
    port: u16,
    api_path: String,
    pool_id: String,
    client_id: String,
    jwks_url: Option<String>,
    issuer: Option<String>,
    web: Option<WebLogin>,
    auth_disabled: bool,
}

fn config_error(msg: impl Into<String>) -> String {
    msg.into()
}

impl Settings {
    fn from_env(env: &Env) -> Result<Self, String> {
        let missing = |e: MissingVar| e.to_string();
        let addr_host = env.get("APP_HOST").unwrap_or_else(|| "localhost".into());
        let port = match env.get("APP_PORT") {
            None => 8000,
            Some(p) => p
                .parse()
                .map_err(|_| config_error(format!("APP_PORT must be a port number, not {p:?}")))?,
        };
        let mut api_path = env.get("API_PATH").unwrap_or_else(|| "/api/v1/".into());
        if !api_path.starts_with('/') {
            api_path.insert(0, '/');
        }
        if !api_path.ends_with('/') {
            api_path.push('/');
        }
        let pool_id = env
            .require(
                "AWS_COGNITO_USER_POOL_ID",
                "the Cognito user pool id, e.g. us-east-1_AbC123",
            )
            .map_err(missing)?;
        let region = pool_region(&pool_id).ok_or_else(|| {
            config_error(format!(
                "AWS_COGNITO_USER_POOL_ID {pool_id:?} is not a user pool id (region_id)"
            ))
        })?;
        let aws_region = env
            .get("AWS_REGION")
            .or_else(|| env.get("AWS_DEFAULT_REGION"))
            .ok_or_else(|| {
                missing(MissingVar {
                    name: "AWS_REGION".into(),
                    why: format!("the pool's region, {region} for this pool"),
                })
            })?;
        if aws_region != region {
            return Err(config_error(format!(
                "AWS_REGION is {aws_region} but AWS_COGNITO_USER_POOL_ID {pool_id} is in {region}"
            )));
        }
        let client_id = env
            .require(
                "AWS_COGNITO_APP_CLIENT_ID",
                "the app client id tokens must carry",
            )
            .map_err(missing)?;
        let web = match env.get("AWS_COGNITO_TOKEN_URL") {
            None => None,
            Some(t) => Some(web_login(env, &t, &addr_host, port)?),
        };
        Ok(Settings {
            addr_host,
            port,
            api_path,
            pool_id,
            client_id,
            jwks_url: env.get("AWS_COGNITO_JWKS_URL"),
            issuer: env.get("AWS_COGNITO_ISSUER"),
            web,
            auth_disabled: env.flag("INSECURE_DISABLE_AUTH"),
        })
    }
}

fn web_login(env: &Env, token_url: &str, host: &str, port: u16) -> Result<WebLogin, String> {
    let parse = |name: &str, v: &str| {
        Url::parse(v).map_err(|e| config_error(format!("{name} {v:?} is not a URL: {e}")))
    };
    let token_url = parse("AWS_COGNITO_TOKEN_URL", token_url)?;
    // https://<domain>/oauth2/token -> https://<domain>/oauth2/authorize and /logout.
    let sibling = |path: &str| {
        let mut u = token_url.clone();
        u.set_path(path);
        u.set_query(None);
        u
    };
    let authorize_url = match env.get("AWS_COGNITO_AUTHORIZE_URL") {
        Some(a) => parse("AWS_COGNITO_AUTHORIZE_URL", &a)?,
        None => sibling("/oauth2/authorize"),
    };
    let logout_url = match env.get("AWS_COGNITO_LOGOUT_URL") {
        Some(l) => Some(parse("AWS_COGNITO_LOGOUT_URL", &l)?),
        None => Some(sibling("/logout")),
    };
    Ok(WebLogin {
        authorize_url,
        token_url,
        logout_url,
        redirect_uri: env
            .get("AWS_COGNITO_REDIRECT_URI")
            .unwrap_or_else(|| format!("http://{host}:{port}/callback")),
        client_secret: env.get("AWS_COGNITO_APP_CLIENT_SECRET"),
        scopes: env
            .get("AWS_COGNITO_SCOPES")
            .unwrap_or_else(|| "openid email profile".into()),
    })
}

fn build_verifier(s: &Settings) -> Result<CognitoJwtVerifier, String> {
    let mut b = CognitoJwtVerifier::builder();
    b = match &s.issuer {
        Some(iss) => b.issuer(iss.clone()),
        None => b.user_pool(s.pool_id.clone()),
    };
    let jwks = s.jwks_url.clone().or_else(|| {
        // An issuer override keeps the pool's JWKS unless the JWKS URL is overridden too.
        s.issuer
            .as_ref()
            .and_then(|_| cognito_verify::user_pool_jwks_url(&s.pool_id).ok())
    });
    if let Some(url) = jwks {
        b = b.jwks_url(url);
    }
    b.client_id(s.client_id.clone())
        .token_use(AcceptedTokenUse::Any)
        .leeway(5)
        .build()
        .map_err(|e| config_error(format!("unusable Cognito configuration: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

type Body = Full<Bytes>;

fn with_security_headers(mut r: Response<Body>) -> Response<Body> {
    let h = r.headers_mut();
    let mut set = |k: &'static str, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "no-referrer");
    set(
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    set("cross-origin-opener-policy", "same-origin");
    set("cross-origin-resource-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    set(
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    );
    set("cache-control", "no-store");
    r
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn json_response(status: StatusCode, body: String) -> Response<Body> {
    response(status, "application/json", body)
}

fn html(status: StatusCode, title: &str, body_html: &str) -> Response<Body> {
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title></head>\n<body>\n<h1>{}</h1>\n{body_html}\n</body></html>\n",
        escape_html(title),
        escape_html(title)
    );
    response(status, "text/html; charset=utf-8", page)
}

fn redirect(status: StatusCode, location: &str) -> Response<Body> {
    let mut r = response(status, "text/plain; charset=utf-8", "");
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn add_cookie(r: &mut Response<Body>, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
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
        _ => "Token Invalid.",
    }
}

fn unauthorized_no_token() -> Response<Body> {
    let mut r = json_response(
        StatusCode::UNAUTHORIZED,
        r#"{"error": "401 Unauthorized Error. Token Not Found."}"#.into(),
    );
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

fn rejected(e: VerifyError) -> Response<Body> {
    // Messages and codes are fixed ASCII without quotes: no JSON escaping needed.
    let (status, body, challenge) = match e {
        VerifyError::Token(err @ (Error::GroupNotAllowed | Error::ScopeNotAllowed)) => (
            StatusCode::FORBIDDEN,
            format!(
                r#"{{"error": "403 Forbidden Error. Insufficient Scope.", "code": "{}"}}"#,
                err.code()
            ),
            Some(r#"Bearer error="insufficient_scope""#),
        ),
        VerifyError::Token(err) => (
            StatusCode::UNAUTHORIZED,
            format!(
                r#"{{"error": "401 Unauthorized Error. {}", "code": "{}"}}"#,
                token_message(err),
                err.code()
            ),
            Some(r#"Bearer error="invalid_token""#),
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                r#"{{"error": "503 Service Unavailable Error. Signing Keys Unavailable.", "code": "{}"}}"#,
                e.code()
            ),
            None,
        ),
    };
    let mut r = json_response(status, body);
    if let Some(c) = challenge {
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
    }
    if let VerifyError::KeysUnavailable { retry_at } = e {
        let secs = retry_at.saturating_sub(cognito_verify::now()).max(1);
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    r
}

fn error_json(status: StatusCode, text: &str) -> Response<Body> {
    json_response(status, json!({ "error": text }).to_string())
}

// ---------------------------------------------------------------------------------------------
// Request helpers
// ---------------------------------------------------------------------------------------------

enum Bearer<'a> {
    Missing,
    Token(&'a str),
    /// More than one `Authorization` header.
    Ambiguous,
}

fn bearer(headers: &HeaderMap) -> Bearer<'_> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(v) = values.next() else {
        return Bearer::Missing;
    };
    if values.next().is_some() {
        return Bearer::Ambiguous;
    }
    // Not visible ASCII: not a token we could have issued; the core says why.
    let Ok(v) = v.to_str() else {
        return Bearer::Token("\u{fffd}");
    };
    let v = v.trim();
    match v.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => {
            let t = rest.trim();
            if t.is_empty() {
                Bearer::Missing
            } else {
                Bearer::Token(t)
            }
        }
        // Another scheme (Basic, ...) or a bare word: no bearer token was presented.
        _ => Bearer::Missing,
    }
}

/// The value of a cookie; at most 64 cookies of the first 4 `Cookie` headers are looked at.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .take(4)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';').take(64))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn query_param(uri: &hyper::Uri, name: &str) -> Option<String> {
    let q = uri.query()?;
    Url::parse(&format!("http://x/?{q}"))
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn random_state() -> String {
    let mut b = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Constant-time comparison of two short strings.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

struct State {
    settings: Settings,
    /// `None` when verification is turned off (`INSECURE_DISABLE_AUTH`).
    verifier: Option<CognitoJwtVerifier>,
    http: reqwest::Client,
}

/// One per connection; all share the `Arc` state.
#[derive(Clone)]
struct App {
    state: Arc<State>,
}

#[derive(Debug)]
struct Caller {
    sub: String,
    username: String,
    token_use: &'static str,
}

impl App {
    async fn authenticate(
        &self,
        token: &str,
        req: Requirements<'_>,
    ) -> Result<Caller, VerifyError> {
        let Some(v) = &self.state.verifier else {
            return Ok(Caller {
                sub: "anonymous".into(),
                username: "anonymous".into(),
                token_use: "none",
            });
        };
        v.verify_with(token, req, |c| Caller {
            sub: c.sub().map(|s| s.to_string()).unwrap_or_default(),
            username: c.username().map(|s| s.to_string()).unwrap_or_default(),
            token_use: c.token_use().as_str(),
        })
        .await
    }

    async fn api(&self, req: &Request<Incoming>, route: &str) -> Response<Body> {
        let requirements = match route {
            "ping" => Requirements::NONE,
            "admin" => Requirements::NONE.groups(Requirement::AnyOf(&[ADMIN_GROUP])),
            _ => return error_json(StatusCode::NOT_FOUND, "404 Not Found Error."),
        };
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let mut r = error_json(
                StatusCode::METHOD_NOT_ALLOWED,
                "405 Method Not Allowed Error.",
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return r;
        }
        let token = match bearer(req.headers()) {
            Bearer::Missing if self.state.verifier.is_some() => return unauthorized_no_token(),
            Bearer::Missing => "",
            Bearer::Ambiguous => {
                return error_json(
                    StatusCode::BAD_REQUEST,
                    "400 Bad Request Error. Several Authorization Headers.",
                )
            }
            Bearer::Token(t) => t,
        };
        match self.authenticate(token, requirements).await {
            Ok(c) => json_response(
                StatusCode::OK,
                json!({
                    "message": if route == "admin" { "hello, admin" } else { "pong" },
                    "sub": c.sub,
                    "username": c.username,
                    "token_use": c.token_use,
                })
                .to_string(),
            ),
            Err(e) => rejected(e),
        }
    }

    fn web_not_configured() -> Response<Body> {
        html(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in is not configured",
            "<p>Set <code>AWS_COGNITO_TOKEN_URL</code> (https://&lt;domain&gt;/oauth2/token) \
             to enable the Hosted UI sign-in; see <code>.env.example</code>.</p>",
        )
    }

    fn login(&self) -> Response<Body> {
        let Some(web) = &self.state.settings.web else {
            return Self::web_not_configured();
        };
        let state = random_state();
        let mut url = web.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.state.settings.client_id)
            .append_pair("redirect_uri", &web.redirect_uri)
            .append_pair("scope", &web.scopes)
            .append_pair("state", &state);
        let mut r = redirect(StatusCode::FOUND, url.as_str());
        add_cookie(
            &mut r,
            &format!(
                "{STATE_COOKIE}={state}; Path=/callback; Max-Age=600; HttpOnly; Secure; SameSite=Lax"
            ),
        );
        r
    }

    async fn callback(&self, req: &Request<Incoming>) -> Response<Body> {
        let Some(web) = &self.state.settings.web else {
            return Self::web_not_configured();
        };
        let bad = |why: &str| {
            html(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                &format!(
                    "<p>{}</p><p><a href=\"/login\">Try again</a></p>",
                    escape_html(why)
                ),
            )
        };
        if let Some(err) = query_param(req.uri(), "error") {
            return bad(&format!("The identity provider answered: {err}"));
        }
        let (Some(code), Some(state)) = (
            query_param(req.uri(), "code"),
            query_param(req.uri(), "state"),
        ) else {
            return bad("The callback lacks the code or the state.");
        };
        match cookie(req.headers(), STATE_COOKIE) {
            Some(expected) if same(expected, &state) => {}
            _ => return bad("The sign-in state does not match; start again."),
        }
        let s = &self.state.settings;
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", s.client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", web.redirect_uri.as_str()),
        ];
        let mut post = self.state.http.post(web.token_url.clone()).form(&form);
        if let Some(secret) = &web.client_secret {
            post = post.basic_auth(&s.client_id, Some(secret));
        }
        let answer = async {
            let resp = post
                .send()
                .await
                .map_err(|e| format!("token endpoint unreachable: {e}"))?;
            let status = resp.status();
            let body: Value = resp
                .json()
                .await
                .map_err(|_| format!("token endpoint answered {status} without JSON"))?;
            if !status.is_success() {
                let err = body.get("error").and_then(Value::as_str).unwrap_or("?");
                return Err(format!("token endpoint refused the code: {status} {err}"));
            }
            body.get("id_token")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| "token endpoint answered without an id_token".to_string())
        };
        let id_token = match answer.await {
            Ok(t) => t,
            Err(why) => {
                warn!("callback: {why}");
                return html(
                    StatusCode::BAD_GATEWAY,
                    "Sign-in failed",
                    &format!("<p>{}</p>", escape_html(&why)),
                );
            }
        };
        // Only a token that verifies is kept.
        let max_age = match &self.state.verifier {
            Some(v) => match v.verify(&id_token).await {
                Ok(c) => u64::try_from(c.exp)
                    .unwrap_or(0)
                    .saturating_sub(cognito_verify::now()),
                Err(e) => {
                    warn!(code = e.code(), "callback: the id_token does not verify");
                    return bad(&format!("The ID token does not verify ({}).", e.code()));
                }
            },
            None => 3600,
        };
        let mut r = redirect(StatusCode::SEE_OTHER, "/me");
        add_cookie(
            &mut r,
            &format!(
                "{SESSION_COOKIE}={id_token}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax"
            ),
        );
        add_cookie(
            &mut r,
            &format!("{STATE_COOKIE}=; Path=/callback; Max-Age=0; HttpOnly; Secure; SameSite=Lax"),
        );
        r
    }

    async fn me(&self, req: &Request<Incoming>) -> Response<Body> {
        let Some(token) = cookie(req.headers(), SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return redirect(StatusCode::SEE_OTHER, "/login");
        };
        match self.authenticate(token, Requirements::NONE).await {
            Ok(c) => html(
                StatusCode::OK,
                "Signed in",
                &format!(
                    "<p>Signed in as <strong>{}</strong> (sub <code>{}</code>).</p>\n\
                     <form method=\"post\" action=\"/logout\"><button>Sign out</button></form>",
                    escape_html(&c.username),
                    escape_html(&c.sub)
                ),
            ),
            Err(VerifyError::KeysUnavailable { .. }) => html(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again later",
                "<p>The signing keys cannot be fetched right now.</p>",
            ),
            Err(_) => {
                let mut r = redirect(StatusCode::SEE_OTHER, "/login");
                add_cookie(&mut r, &clear_session());
                r
            }
        }
    }

    fn logout(&self) -> Response<Body> {
        let s = &self.state.settings;
        let target = match s.web.as_ref().and_then(|w| w.logout_url.clone()) {
            Some(mut u) => {
                let home = Url::parse(s.web.as_ref().map_or("", |w| w.redirect_uri.as_str()))
                    .map(|mut h| {
                        h.set_path("/");
                        h.set_query(None);
                        h.to_string()
                    })
                    .unwrap_or_else(|_| "/".into());
                u.query_pairs_mut()
                    .append_pair("client_id", &s.client_id)
                    .append_pair("logout_uri", &home);
                u.to_string()
            }
            None => "/".into(),
        };
        let mut r = redirect(StatusCode::SEE_OTHER, &target);
        add_cookie(&mut r, &clear_session());
        r
    }

    fn welcome(&self) -> Response<Body> {
        let api = escape_html(&self.state.settings.api_path);
        html(
            StatusCode::OK,
            "cognito-verify example server",
            &format!(
                "<p>Pages: <a href=\"/login\">sign in</a> (Cognito Hosted UI), \
                 <a href=\"/me\">who am I</a>, <a href=\"/logout\">sign out</a>.</p>\n\
                 <p>API: <code>GET {api}ping</code> and <code>GET {api}admin</code> \
                 (group <code>{ADMIN_GROUP}</code>) with <code>Authorization: Bearer &lt;token&gt;</code>.</p>"
            ),
        )
    }

    async fn route(&self, req: Request<Incoming>) -> Response<Body> {
        if head_len(&req) > MAX_HEAD_BYTES {
            return html(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "Request header fields too large",
                "",
            );
        }
        let path = req.uri().path();
        if let Some(route) = path.strip_prefix(self.state.settings.api_path.as_str()) {
            let route = route.to_string();
            return self.api(&req, &route).await;
        }
        let get = req.method() == Method::GET || req.method() == Method::HEAD;
        match (path, get) {
            ("/", true) => self.welcome(),
            ("/healthz", true) => response(StatusCode::OK, "text/plain; charset=utf-8", "ok\n"),
            ("/login", true) => self.login(),
            ("/callback", true) => self.callback(&req).await,
            ("/me", true) => self.me(&req).await,
            ("/logout", _) if get || req.method() == Method::POST => self.logout(),
            ("/" | "/healthz" | "/login" | "/callback" | "/me", false) => {
                let mut r = html(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed", "");
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
                r
            }
            _ => html(
                StatusCode::NOT_FOUND,
                "Not found",
                "<p><a href=\"/\">Home</a></p>",
            ),
        }
    }
}

/// Size of the request head as sent over HTTP/1.1 (request line left out: hyper bounds the URI).
fn head_len<B>(req: &Request<B>) -> usize {
    req.headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

fn clear_session() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

impl Service<Request<Incoming>> for App {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let app = self.clone();
        Box::pin(async move {
            let start = Instant::now();
            let method = req.method().clone();
            let path = req.uri().path().to_string();
            let resp = with_security_headers(app.route(req).await);
            info!(
                %method,
                path = %path,
                status = resp.status().as_u16(),
                latency_us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
                auth = if app.state.verifier.is_some() { "on" } else { "OFF" },
                "request"
            );
            Ok(resp)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => core::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = core::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

async fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("APP_HOST {host:?} does not resolve: {e}"))?
        .collect();
    // Prefer IPv4 so that `localhost` means 127.0.0.1, as curl tries first.
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| format!("APP_HOST {host:?} has no address"))
}

async fn serve(settings: Settings) -> Result<(), String> {
    let verifier = if settings.auth_disabled {
        warn!(
            "!!! INSECURE_DISABLE_AUTH is set: tokens are NOT verified, every API call is \
             accepted. For load comparisons only; never in production. !!!"
        );
        None
    } else {
        let v = build_verifier(&settings)?;
        let url = v
            .caches()
            .next()
            .map(|c| c.url().to_string())
            .unwrap_or_default();
        match v.hydrate().await {
            Ok(()) => info!(jwks = %url, "signing keys fetched"),
            Err(e) => {
                warn!(jwks = %url, code = e.code(), "signing keys not fetched yet; retrying on demand")
            }
        }
        Some(v)
    };
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let addr = resolve(&settings.addr_host, settings.port).await?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    info!(
        "listening on http://{local} (API under {}, pool {})",
        settings.api_path, settings.pool_id
    );
    let app = App {
        state: Arc::new(State {
            settings,
            verifier,
            http,
        }),
    };

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .max_buf_size(MAX_HEAD_BYTES)
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10));
    builder
        .http2()
        .max_header_list_size(u32::try_from(MAX_HEAD_BYTES).unwrap_or(u32::MAX))
        .max_concurrent_streams(128);
    let graceful = GracefulShutdown::new();
    let mut signal = core::pin::pin!(shutdown_signal());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // EMFILE and friends: log, breathe, go on.
                        error!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let conn = builder.serve_connection(TokioIo::new(stream), app.clone());
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        info!("connection ended: {e}");
                    }
                });
            }
            () = &mut signal => {
                info!("shutting down: no new connections, waiting for open ones (10 s at most)");
                break;
            }
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => info!("all connections closed"),
        () = tokio::time::sleep(Duration::from_secs(10)) => warn!("timed out waiting for connections"),
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    if std::env::args().skip(1).any(|a| a == "-h" || a == "--help") {
        println!("{}", include_str!("../.env.example"));
        return ExitCode::SUCCESS;
    }
    let env = Env::load();
    let settings = match Settings::from_env(&env) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("{PROG}: {msg}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{PROG}: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(serve(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{PROG}: {msg}");
            ExitCode::from(1)
        }
    }
}
