//! The server's web pages: the Hosted UI sign-in (`/login`, `/callback`), the account page
//! (`/me`, token kept in a `__Host-` `HttpOnly; Secure; SameSite=Lax` cookie), and `/`. Both `/`
//! and `/me` say whether the visitor is signed in (never a silent redirect), and what they can do.
//! Sign-out (`POST /logout`) is in `logout.rs`.
//!
//! The sign-in is the authorization code flow with PKCE (S256) and a nonce: `/login` makes a
//! `state`, a code verifier and a nonce, keeps them in one short-lived `__Host-cv_login` cookie and
//! sends the state, `code_challenge = base64url(SHA-256(verifier))` and the nonce to the Hosted UI;
//! `/callback` refuses a missing or empty `state` and one that is not the cookie's, sends the
//! verifier with the code, verifies the ID token and compares its `nonce` claim with the cookie's
//! in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use cognito_verify::{ClaimValue, CognitoJwtVerifier};
use cognito_verify_examples::{escape_html, Env};
use cognito_verify_tower::Refusal;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use rand::RngCore as _;
use reqwest::Url;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use tracing::warn;

use super::{html, response, Body, ADMIN_GROUP};

/// The ID token of the signed-in user.
pub(super) const SESSION_COOKIE: &str = "__Host-cv_session";
/// The refresh token (or, when Cognito gave none, the access token), for `POST /logout` only.
pub(super) const REFRESH_COOKIE: &str = "__Host-cv_refresh";
pub(super) const ACCESS_COOKIE: &str = "__Host-cv_access";
/// The token `POST /logout` must echo (double submit), `SameSite=Lax`: the page that shows the
/// sign-out form is often reached from another site (the Hosted UI's redirect to `/callback` and
/// on to `/me`), where a `Strict` cookie is withheld and the form would be empty. What protects
/// the token is that another site can neither read it (`HttpOnly`, no framing, no CORS) nor set
/// it (`__Host-`); `Lax` still keeps it off every cross-site POST.
pub(super) const CSRF_COOKIE: &str = "__Host-cv_csrf";
/// `state.verifier.nonce` of a sign-in under way.
const LOGIN_COOKIE: &str = "__Host-cv_login";

/// Hosted UI (authorization code flow) settings; absent when `AWS_COGNITO_TOKEN_URL` is unset.
#[derive(Debug, Clone)]
pub(super) struct WebLogin {
    authorize_url: Url,
    token_url: Url,
    pub(super) logout_url: Option<Url>,
    pub(super) redirect_uri: String,
    pub(super) client_secret: Option<String>,
    scopes: String,
}

impl WebLogin {
    /// `None` without `AWS_COGNITO_TOKEN_URL`.
    pub(super) fn from_env(env: &Env, host: &str, port: u16) -> Result<Option<Self>, String> {
        let Some(token_url) = env.get("AWS_COGNITO_TOKEN_URL") else {
            return Ok(None);
        };
        let parse = |name: &str, v: &str| {
            Url::parse(v).map_err(|e| format!("{name} {v:?} is not a URL: {e}"))
        };
        let token_url = parse("AWS_COGNITO_TOKEN_URL", &token_url)?;
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
        Ok(Some(WebLogin {
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
        }))
    }
}

/// The pages and what they need.
pub(super) struct Web {
    pub(super) login: Option<WebLogin>,
    pub(super) client_id: String,
    pub(super) api_path: String,
    /// The verifier the API routes share (one key cache, one signature cache).
    pub(super) verifier: CognitoJwtVerifier,
    pub(super) http: reqwest::Client,
}

impl Web {
    /// The page at `path`, or `None` when `path` is not one of the web pages.
    pub(super) async fn route(&self, req: &Request<Incoming>) -> Option<Response<Body>> {
        let get = req.method() == Method::GET || req.method() == Method::HEAD;
        // The pages' futures (a token verified, a code exchanged) are boxed: they are large, and
        // unboxed they would make every request's future (the API's, `/healthz`'s) as large.
        Some(match (req.uri().path(), get) {
            ("/", true) => Box::pin(self.welcome(req)).await,
            ("/login", true) => self.login(req),
            ("/callback", true) => Box::pin(self.callback(req)).await,
            ("/me", true) => Box::pin(self.me(req)).await,
            ("/" | "/login" | "/callback" | "/me", false) => super::method_not_allowed(),
            _ => return None,
        })
    }

    fn web_not_configured() -> Response<Body> {
        html(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in is not configured",
            "<p>Set <code>AWS_COGNITO_TOKEN_URL</code> (https://&lt;domain&gt;/oauth2/token) \
             to enable the Hosted UI sign-in; see <code>.env.example</code>.</p>",
        )
    }

    fn login(&self, req: &Request<Incoming>) -> Response<Body> {
        let Some(web) = &self.login else {
            return Self::web_not_configured();
        };
        if let Some(there) = loopback_alias(req, &web.redirect_uri) {
            // The sign-in's cookie must be set where `/callback` will read it.
            return redirect(StatusCode::FOUND, &there);
        }
        let (state, verifier, nonce) = (random_token(), random_token(), random_token());
        let mut url = web.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &web.redirect_uri)
            .append_pair("scope", &web.scopes)
            .append_pair("state", &state)
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", &pkce_challenge(&verifier))
            .append_pair("nonce", &nonce);
        let mut r = redirect(StatusCode::FOUND, url.as_str());
        // SameSite=Lax: the Hosted UI sends the browser back with a top-level GET from its own site.
        add_cookie(
            &mut r,
            &format!(
                "{LOGIN_COOKIE}={state}.{verifier}.{nonce}; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax"
            ),
        );
        r
    }

    async fn callback(&self, req: &Request<Incoming>) -> Response<Body> {
        let Some(web) = &self.login else {
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
            query_param(req.uri(), "code").filter(|c| !c.is_empty()),
            query_param(req.uri(), "state").filter(|s| !s.is_empty()),
        ) else {
            return bad("The callback lacks the code or the state.");
        };
        let login = cookie(req.headers(), LOGIN_COOKIE).unwrap_or_default();
        let mut parts = login.split('.');
        let (Some(expected), Some(verifier), Some(nonce), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return bad("No sign-in is under way in this browser; start again.");
        };
        if expected.is_empty() || verifier.is_empty() || nonce.is_empty() || !same(expected, &state)
        {
            return bad("The sign-in state does not match; start again.");
        }
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", self.client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", web.redirect_uri.as_str()),
            ("code_verifier", verifier),
        ];
        let mut post = self.http.post(web.token_url.clone()).form(&form);
        if let Some(secret) = &web.client_secret {
            post = post.basic_auth(&self.client_id, Some(secret));
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
            let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
            let id_token = s("id_token")
                .ok_or_else(|| "token endpoint answered without an id_token".to_string())?;
            Ok((id_token, s("access_token"), s("refresh_token")))
        };
        let (id_token, access_token, refresh_token) = match answer.await {
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
        // Only a token that verifies and carries this sign-in's nonce is kept.
        let claims = match self.verifier.verify(&id_token).await {
            Ok(c) => c,
            Err(e) => {
                warn!(code = e.code(), "callback: the id_token does not verify");
                return bad(&format!("The ID token does not verify ({}).", e.code()));
            }
        };
        let token_nonce = match claims.get("nonce") {
            Some(ClaimValue::Str(n)) => n.to_string(),
            _ => String::new(),
        };
        if !same(&token_nonce, nonce) {
            warn!("callback: the id_token's nonce is not this sign-in's");
            return bad("The ID token was not issued for this sign-in (nonce).");
        }
        let max_age = u64::try_from(claims.exp())
            .unwrap_or(0)
            .saturating_sub(cognito_verify::now());
        let mut r = redirect(StatusCode::SEE_OTHER, "/me");
        add_cookie(
            &mut r,
            &format!(
                "{SESSION_COOKIE}={id_token}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax"
            ),
        );
        // What `POST /logout` needs to revoke in Cognito: never sent cross-site.
        let (name, token) = match (refresh_token, access_token) {
            (Some(r), _) => (REFRESH_COOKIE, r),
            (None, Some(a)) => (ACCESS_COOKIE, a),
            (None, None) => ("", String::new()),
        };
        if !name.is_empty() {
            add_cookie(
                &mut r,
                &format!(
                    "{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"
                ),
            );
        }
        add_cookie(
            &mut r,
            &format!(
                "{CSRF_COOKIE}={}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax",
                random_token()
            ),
        );
        add_cookie(&mut r, &expired(LOGIN_COOKIE));
        r
    }

    /// Who the session cookie says is signed in.
    async fn session(&self, req: &Request<Incoming>) -> Session {
        let Some(token) = cookie(req.headers(), SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return Session::None;
        };
        match self.verifier.verify(token).await {
            Ok(c) => Session::SignedIn {
                username: c.username().unwrap_or_default().to_string(),
                sub: c.sub().to_string(),
            },
            // The status is the layer's for the same error: a 5xx is nobody's answer yet.
            Err(e) => match Refusal::from(e).status() {
                status if status.is_server_error() => Session::Unavailable(status),
                _ => Session::Ended(e.code()),
            },
        }
    }

    async fn me(&self, req: &Request<Incoming>) -> Response<Body> {
        let csrf = cookie(req.headers(), CSRF_COOKIE).unwrap_or_default();
        match self.session(req).await {
            Session::SignedIn { username, sub } => html(
                StatusCode::OK,
                "Signed in",
                &format!(
                    "<p>Signed in as <strong>{}</strong> (sub <code>{}</code>).</p>\n{}",
                    escape_html(&username),
                    escape_html(&sub),
                    logout_form(csrf)
                ),
            ),
            Session::Unavailable(status) => keys_unavailable(status),
            Session::None => signed_out_page(""),
            Session::Ended(code) => {
                let mut r = signed_out_page(&format!(
                    " (this browser's session token is no longer accepted: <code>{code}</code>)"
                ));
                add_cookie(&mut r, &clear_session());
                r
            }
        }
    }

    async fn welcome(&self, req: &Request<Incoming>) -> Response<Body> {
        let api = escape_html(&self.api_path);
        let you = match self.session(req).await {
            Session::SignedIn { username, .. } => format!(
                "<p>Signed in as <strong>{}</strong>.</p>\n\
                 <ul><li><a href=\"/me\">Your account</a>: who you are to this site.</li>\n\
                 <li>Sign out: your tokens are revoked at Cognito and refused here at once.</li></ul>\n{}",
                escape_html(&username),
                logout_form(cookie(req.headers(), CSRF_COOKIE).unwrap_or_default())
            ),
            Session::Unavailable(_) => {
                "<p>Who is signed in cannot be checked right now (no signing keys); \
                 try again later.</p>"
                    .to_string()
            }
            Session::None | Session::Ended(_) => "<p>You are signed out.</p>\n\
                 <p><a href=\"/login\">Sign in</a> with the Cognito Hosted UI to see your account \
                 (<a href=\"/me\">/me</a>) and to sign out, which revokes your tokens.</p>"
                .to_string(),
        };
        html(
            StatusCode::OK,
            "cognito-verify example server",
            &format!(
                "{you}\n<h2>For programs</h2>\n\
                 <p>The API takes <code>Authorization: Bearer &lt;token&gt;</code>, which a browser \
                 does not send from these pages: <code>GET {api}ping</code>, <code>GET {api}admin</code> \
                 (group <code>{ADMIN_GROUP}</code>), <code>POST {api}logout</code>.</p>"
            ),
        )
    }
}

/// The session cookie's state.
enum Session {
    None,
    SignedIn {
        username: String,
        sub: String,
    },
    /// Refused with this code (expired, revoked, ...).
    Ended(&'static str),
    /// No signing keys could be had: nobody can be told either way (the status to answer).
    Unavailable(StatusCode),
}

fn keys_unavailable(status: StatusCode) -> Response<Body> {
    html(
        status,
        "Try again later",
        "<p>The signing keys cannot be fetched right now.</p>",
    )
}

/// `/me` without a session: says so, and how to sign in (no silent redirect).
fn signed_out_page(why: &str) -> Response<Body> {
    html(
        StatusCode::OK,
        "Signed out",
        &format!("<p>You are signed out{why}.</p>\n<p><a href=\"/login\">Sign in</a></p>"),
    )
}

/// Where `/login` must go first when the browser reached this server under another loopback name
/// than the redirect URI's, on the same port (`127.0.0.1:8000` for `localhost:8000`): cookies
/// belong to one host, so a sign-in started on the other would find no cookie at `/callback`.
/// Only between loopback names on the redirect URI's own port, and only ever to the configured
/// URI: the `Host` header picks nothing else (DNS rebinding), and a proxy in front (another port)
/// that rewrites `Host` gets no redirect loop.
fn loopback_alias(req: &Request<Incoming>, redirect_uri: &str) -> Option<String> {
    let target = Url::parse(redirect_uri).ok()?;
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| {
            req.uri()
                .authority()
                .map(hyper::http::uri::Authority::as_str)
        })?;
    let here = Url::parse(&format!("{}://{host}/", target.scheme())).ok()?;
    let alias = here.host_str() != target.host_str()
        && here.port_or_known_default() == target.port_or_known_default();
    (alias && is_loopback(&here) && is_loopback(&target)).then(|| {
        let mut u = target;
        u.set_path("/login");
        u.set_query(None);
        u.to_string()
    })
}

/// `localhost` (and its subdomains) or a loopback address.
pub(super) fn is_loopback(u: &Url) -> bool {
    let Some(host) = u.host_str() else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.ends_with(".localhost")
        || ip
            .parse::<core::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
}

/// The sign-out button: a POST form carrying the CSRF token.
pub(super) fn logout_form(csrf: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/logout\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button>Sign out</button></form>",
        escape_html(csrf)
    )
}

pub(super) fn redirect(status: StatusCode, location: &str) -> Response<Body> {
    let mut r = response(status, "text/plain; charset=utf-8", "");
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

pub(super) fn add_cookie(r: &mut Response<Body>, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn clear_session() -> String {
    expired(SESSION_COOKIE)
}

/// A `Set-Cookie` that removes the `__Host-` cookie `name`.
pub(super) fn expired(name: &str) -> String {
    format!("{name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
}

/// The value of a cookie; at most 64 cookies of the first 4 `Cookie` headers are looked at.
pub(super) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
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

/// 32 random bytes, base64url: 43 characters (a PKCE code verifier is 43 to 128 of them).
fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    B64URL.encode(b)
}

/// PKCE S256 (RFC 7636 section 4.2): base64url(SHA-256(verifier)).
fn pkce_challenge(verifier: &str) -> String {
    B64URL.encode(Sha256::digest(verifier.as_bytes()))
}

/// Constant-time comparison of two short strings (the length is not secret).
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
