//! server — the GoBlitz HTTP server in Rust: API paths and web pages protected by Cognito tokens.
//!
//! ```text
//! cargo run --example server          # configuration from the environment or ./.env
//! ```
//!
//! - `GET {API_PATH}ping`  any valid ID or access token: `200 {"message": "pong", "sub", "username", "token_use"}`
//! - `GET {API_PATH}admin` also requires the group `admin` (`403 insufficient_scope` otherwise)
//! - `POST {API_PATH}logout` signs the bearer out: Cognito `RevokeToken` (with a
//!   `refresh_token` in the body) or `GlobalSignOut` (access token), then the verifier's
//!   revocation list, so the token gets `401` `revoked` from the next request on
//!   (`server/logout.rs`); shared with the other replicas through Redis when
//!   `REVOCATION_REDIS_URL` is set (`server/replicas.rs`).
//! - `GET /` home page (signed in or out, and what you can do); `/login` to the Hosted UI (PKCE,
//!   nonce); `/callback` code exchange at `AWS_COGNITO_TOKEN_URL`, tokens kept in `__Host-`
//!   `HttpOnly; Secure` cookies; `/me` the account page (says "signed out" without a valid
//!   cookie); `POST /logout` (refused cross-site; `GET` shows the form); `/healthz` (the pages
//!   are in `server/web.rs`). Every answer carries the security headers of [`SecurityHeaders`].
//! - `GET /metrics` the verdict memo's and the verified-signature cache's counters in the
//!   Prometheus text format (`cognito_verdict_memo_hits_total`,
//!   `cognito_signature_cache_hits_total`, `..._misses_total`, `..._capacity`), the JWKS
//!   fetches (`cognito_jwks_fetches_total`, `..._fetch_failures_total`, `cognito_jwks_keys`) and
//!   the revocation list's size. Unauthenticated, like `/healthz`, so a scraper needs no Cognito
//!   token: it reveals counters and sizes, nothing about any caller. Put it behind the network's own access rules if that matters.
//!
//! The API routes (`server/api.rs`) sit behind `cognito-verify-tower`'s layer, which answers
//! for them: without a token `401 {"error": "401 Unauthorized Error. Token Not Found."}` and
//! `WWW-Authenticate: Bearer`; an invalid token `401` with a message per error code, the code
//! itself, and `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750). Every variable is
//! listed in `.env.example`. There is no switch that turns verification off: load comparisons
//! measure `/healthz` of the same server instead (`make load`). A token seen before is answered
//! by checking its claims again (the verdict memo, `VERDICT_MEMO_CAPACITY`, 2048 by default, 0
//! turns it off); a new token of a signature seen before skips the arithmetic (the signature
//! cache, `SIGNATURE_CACHE_CAPACITY`, 4096 by default, 0 turns it off); the hits and misses of
//! both are logged at shutdown.

#[path = "server/api.rs"]
mod api;
#[path = "server/headers.rs"]
mod headers;
#[path = "server/logout.rs"]
mod logout;
#[path = "server/replicas.rs"]
mod replicas;
#[path = "server/settings.rs"]
mod settings;
#[path = "server/web.rs"]
mod web;

use core::convert::Infallible;
use core::future::Future;
use core::pin::Pin;
use core::time::Duration;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use api::{ApiHandler, ApiRoute};
use bytes::Bytes;
use cognito_verify_examples::{escape_html, Env};
use cognito_verify_tower::{CognitoAuth, CognitoAuthLayer, ResponseBody};
use headers::SecurityHeaders;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::service::Service;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use logout::{Logout, LogoutApi};
use replicas::Revocations;
use serde_json::json;
use settings::{metrics, Settings};
use tokio::net::TcpListener;
use tower::{Layer as _, ServiceExt as _};
use tracing::{error, info, warn};
use web::Web;

const PROG: &str = "server";
/// Largest request head served; larger heads get `431`. hyper's `max_buf_size` alone is not a
/// precise limit (its read buffer grows in steps, so a head a little over the limit can arrive in
/// one read and parse), hence the same limit is checked again on the parsed headers in `route`.
const MAX_HEAD_BYTES: usize = 16 * 1024;
const ADMIN_GROUP: &str = "admin";

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/// One body type for every response: the layer's refusals and the server's own answers.
type Body = ResponseBody<Full<Bytes>>;

fn full(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Body> {
    full(status, content_type, body).map(ResponseBody::new)
}

fn html(status: StatusCode, title: &str, body_html: &str) -> Response<Body> {
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title></head>\n<body>\n<nav><a href=\"/\">Home</a></nav>\n<h1>{}</h1>\n\
         {body_html}\n</body></html>\n",
        escape_html(title),
        escape_html(title)
    );
    response(status, "text/html; charset=utf-8", page)
}

fn method_not_allowed() -> Response<Body> {
    let mut r = html(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed", "");
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    r
}

fn error_json(status: StatusCode, text: &str) -> Response<Body> {
    response(
        status,
        "application/json",
        json!({ "error": text }).to_string(),
    )
}

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

struct State {
    api_path: String,
    ping: ApiRoute,
    admin: ApiRoute,
    logout_api: CognitoAuth<LogoutApi>,
    logout: Arc<Logout>,
    web: Web,
    headers: SecurityHeaders,
}

/// The API route a path names (after `API_PATH`), read before the request moves on.
#[derive(Clone, Copy, Debug)]
enum ApiName {
    Ping,
    Admin,
    Logout,
    Other,
}

impl ApiName {
    fn of(route: &str) -> Self {
        match route {
            "ping" => ApiName::Ping,
            "admin" => ApiName::Admin,
            "logout" => ApiName::Logout,
            _ => ApiName::Other,
        }
    }
}

/// One per connection; all share the `Arc` state.
#[derive(Clone)]
struct App {
    state: Arc<State>,
}

impl App {
    async fn api(&self, req: Request<Incoming>, route: ApiName) -> Response<Body> {
        let handler = match route {
            ApiName::Ping => &self.state.ping,
            ApiName::Admin => &self.state.admin,
            // Boxed, as the pages are (`web.rs`): a call to Cognito is a large future.
            ApiName::Logout if req.method() == Method::POST => {
                return match Box::pin(self.state.logout_api.clone().oneshot(req)).await {
                    Ok(r) => r,
                    Err(never) => match never {},
                };
            }
            ApiName::Logout => return logout::api_method_not_allowed(),
            ApiName::Other => return error_json(StatusCode::NOT_FOUND, "404 Not Found Error."),
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
        handler.call(req).await
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
        if let Some(route) = path.strip_prefix(self.state.api_path.as_str()) {
            let route = ApiName::of(route);
            return self.api(req, route).await;
        }
        if path == "/logout" {
            return Box::pin(self.state.logout.web(req)).await;
        }
        if let Some(page) = self.state.web.route(&req).await {
            return page;
        }
        let get = req.method() == Method::GET || req.method() == Method::HEAD;
        match (path, get) {
            ("/healthz", true) => response(StatusCode::OK, "text/plain; charset=utf-8", "ok\n"),
            ("/healthz", false) => method_not_allowed(),
            ("/metrics", true) => response(
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                metrics(
                    &self.state.web.verifier,
                    self.state.logout.revocations.stats(),
                ),
            ),
            ("/metrics", false) => method_not_allowed(),
            _ => html(StatusCode::NOT_FOUND, "Not found", ""),
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
            let resp = app.state.headers.apply(app.route(req).await);
            info!(
                %method,
                path = %path,
                status = resp.status().as_u16(),
                latency_us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
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

async fn serve(settings: Settings) -> Result<(), String> {
    let verifier = settings.server.verifier_with(settings.sizes)?;
    let url = verifier
        .config()
        .jwks_url(0)
        .unwrap_or_default()
        .to_string();
    match verifier.hydrate().await {
        Ok(()) => info!(jwks = %url, "signing keys fetched"),
        Err(e) => {
            warn!(jwks = %url, code = e.code(), "signing keys not fetched yet; retrying on demand")
        }
    }
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let addr = settings.server.listen_addr().await?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let s = settings.server;
    info!(
        "listening on http://{local} (API under {}, pool {})",
        s.api_path, s.pool_id
    );
    let revocations = match &settings.redis_url {
        None => Revocations::local(verifier.clone(), settings.sizes.max_token_lifetime),
        Some(url) => {
            info!(key = %settings.redis_key, "revocations shared through Redis");
            Revocations::with_redis(
                verifier.clone(),
                settings.sizes.max_token_lifetime,
                url,
                settings.redis_ca_file.as_deref(),
                settings.redis_key.clone(),
            )?
        }
    };
    let headers = SecurityHeaders::new(
        &settings.logout.origin,
        settings.web.as_ref().and_then(|w| w.logout_url.as_ref()),
    );
    let logout::LogoutSettings {
        revoke_url,
        idp_endpoint,
        origin,
        after,
    } = settings.logout;
    let logout = Arc::new(Logout {
        verifier: verifier.clone(),
        http: http.clone(),
        client_id: s.client_id.clone(),
        client_secret: settings.client_secret,
        revoke_url,
        idp_endpoint,
        origin,
        after,
        revocations,
    });
    // One verifier (one key cache) for every route and the pages.
    let auth = CognitoAuthLayer::new(verifier.clone());
    let admin = auth.clone().any_group([ADMIN_GROUP]);
    let logout_api = auth.clone().layer(LogoutApi(logout.clone()));
    let app = App {
        state: Arc::new(State {
            ping: ApiRoute::new(auth, ApiHandler { message: "pong" }),
            logout_api,
            logout,
            admin: ApiRoute::new(
                admin,
                ApiHandler {
                    message: "hello, admin",
                },
            ),
            web: Web {
                login: settings.web,
                client_id: s.client_id,
                api_path: s.api_path.clone(),
                verifier: verifier.clone(),
                http,
            },
            api_path: s.api_path,
            headers,
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
    let m = verifier.verdict_memo_stats();
    info!(
        hits = m.hits,
        misses = m.misses,
        capacity = m.capacity,
        "verdict memo"
    );
    let s = verifier.signature_cache_stats();
    info!(
        hits = s.hits,
        misses = s.misses,
        capacity = s.capacity,
        "signature cache"
    );
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
