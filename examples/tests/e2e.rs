//! End to end: the `server` and `fetch_jwt` examples as processes, against a JWKS server and an
//! OAuth token endpoint of the test's own on 127.0.0.1, and against moto (Cognito stand-in,
//! `.venv/bin/moto_server`, see `scripts/ensure_venv.sh`).
//!
//! The moto tests are skipped with a message when `.venv/bin/moto_server` is missing, unless
//! `E2E_REQUIRE_MOTO=1` (what `make` sets after `scripts/ensure_venv.sh`), which turns that
//! into a failure. Every process and server started here is stopped on drop.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/servers.rs"]
mod servers;

use core::time::Duration;
use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use common::*;
use serde_json::{json, Value};
use servers::*;

const NOT_FOUND_BODY: &str = r#"{"error": "401 Unauthorized Error. Token Not Found."}"#;

fn jwks_doc() -> String {
    std::fs::read_to_string(repo().join("testdata/doc/jwks.json")).unwrap()
}

fn own_jwks() -> TestHttp {
    let doc = jwks_doc();
    TestHttp::start(move |_| (200, doc.clone()))
}

fn own_server(jwks: &TestHttp, extra: &[(&str, &str)]) -> Server {
    let url = format!("{}/{POOL}/.well-known/jwks.json", jwks.base);
    let mut vars = vec![
        ("AWS_REGION", "us-east-1"),
        ("AWS_COGNITO_USER_POOL_ID", POOL),
        ("AWS_COGNITO_APP_CLIENT_ID", CLIENT),
        ("AWS_COGNITO_JWKS_URL", url.as_str()),
    ];
    vars.extend_from_slice(extra);
    start_server(&vars)
}

// ------------------------------------------------------------------ own JWKS: the API

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_answers_with_own_keys() {
    let jwks = own_jwks();
    let srv = own_server(&jwks, &[]);
    let ka = Signer256::new("rsa2048_a.pem", "kA");

    // No token, and things that are not bearer tokens.
    for headers in [
        vec![],
        vec![("authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l")],
        vec![("authorization", "Bearer")],
        vec![("authorization", "Bearer    ")],
        vec![("authorization", "garbage")],
    ] {
        let a = srv.get("/api/v1/ping", &headers).await;
        assert_eq!(a.status, 401, "{headers:?}");
        assert_eq!(a.body, NOT_FOUND_BODY);
        assert_eq!(a.header("www-authenticate"), "Bearer");
        assert_eq!(a.header("content-type"), "application/json");
    }

    // Valid ID and access tokens.
    let good = ka.sign(&id_claims(now() + 3600));
    let a = srv.bearer("/api/v1/ping", &good).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let j = a.json();
    assert_eq!(j["sub"], "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(j["username"], "alice");
    let mut access = id_claims(now() + 3600);
    let o = access.as_object_mut().unwrap();
    o.remove("aud");
    o.insert("token_use".into(), json!("access"));
    o.insert("client_id".into(), json!(CLIENT));
    o.insert("username".into(), json!("alice"));
    o.insert("scope".into(), json!("openid email"));
    let a = srv.bearer("/api/v1/ping", &ka.sign(&access)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["token_use"], "access");

    // Security headers.
    for h in [
        "x-content-type-options",
        "x-frame-options",
        "content-security-policy",
        "referrer-policy",
        "cache-control",
    ] {
        assert!(!a.header(h).is_empty(), "{h}");
    }

    // Invalid tokens, each with its code and message.
    srv.expect_invalid(
        &ka.sign(&id_claims(now() - 60)),
        "expired",
        "Token Expired.",
    )
    .await;
    let mut parts: Vec<&str> = good.split('.').collect();
    let mut forged = id_claims(now() + 3600);
    forged["cognito:username"] = json!("mallory");
    let forged_payload = base64_url(&forged.to_string());
    parts[1] = &forged_payload;
    srv.expect_invalid(
        &parts.join("."),
        "invalid_signature",
        "Token Signature Invalid.",
    )
    .await;
    let mut foreign = id_claims(now() + 3600);
    foreign["iss"] = json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool");
    srv.expect_invalid(&ka.sign(&foreign), "wrong_issuer", "Token Issuer Invalid.")
        .await;
    let mut other_client = id_claims(now() + 3600);
    other_client["aud"] = json!("someotherclient");
    srv.expect_invalid(
        &ka.sign(&other_client),
        "wrong_client",
        "Token Client Invalid.",
    )
    .await;
    let stranger = Signer256::new("rsa2048_foreign.pem", "kF");
    srv.expect_invalid(
        &stranger.sign(&id_claims(now() + 3600)),
        "unknown_kid",
        "Token Signing Key Unknown.",
    )
    .await;
    // A foreign key under a known kid.
    srv.expect_invalid(
        &stranger.sign_with_kid("kA", &id_claims(now() + 3600)),
        "invalid_signature",
        "Token Signature Invalid.",
    )
    .await;
    for garbage in ["x", "a.b.c", "....", "eyJ.eyJ.sig", &"A".repeat(7000)] {
        srv.expect_invalid(garbage, "malformed_token", "Token Malformed.")
            .await;
    }

    // Group requirement: 403 insufficient_scope without it, 200 with it.
    let a = srv.bearer("/api/v1/admin", &good).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(
        a.body,
        r#"{"error": "403 Forbidden Error. Insufficient Scope.", "code": "group_not_allowed"}"#
    );
    assert_eq!(
        a.header("www-authenticate"),
        r#"Bearer error="insufficient_scope""#
    );
    let mut admin = id_claims(now() + 3600);
    admin["cognito:groups"] = json!(["users", "admin"]);
    let a = srv.bearer("/api/v1/admin", &ka.sign(&admin)).await;
    assert_eq!(a.status, 200, "{}", a.body);

    // Hostile requests: 4xx, and the server stays up.
    let huge = "x".repeat(64 * 1024);
    let a = srv.get("/api/v1/ping", &[("authorization", &huge)]).await;
    assert_eq!(a.status, 431);
    let flood: String = (0..2000).map(|i| format!("c{i}=v{i}; ")).collect();
    let a = srv.get("/me", &[("cookie", &flood)]).await;
    assert_eq!(a.status, 431);
    // Just over the limit is refused whichever of hyper's buffer or the server's own check sees it
    // first (that depends on how the head arrives); just under it is served.
    let a = srv.get("/me", &[("cookie", &"c".repeat(17 * 1024))]).await;
    assert_eq!(a.status, 431);
    let a = srv.get("/me", &[("cookie", &"c".repeat(15 * 1024))]).await;
    assert_eq!(a.status, 200, "served: signed out");
    let mut r = srv.client.get(format!("{}/me", srv.base));
    for i in 0..150 {
        r = r.header("cookie", format!("c{i}=v"));
    }
    let status = r.send().await.unwrap().status().as_u16();
    assert!((400..500).contains(&status), "{status}");
    let a = srv
        .get(
            "/api/v1/ping",
            &[("authorization", "Bearer a"), ("Authorization", "Bearer b")],
        )
        .await;
    assert_eq!(a.status, 400);
    let a = srv.get("/api/v1/nope", &[]).await;
    assert_eq!(a.status, 404);
    let a = srv.bearer("/api/v1/ping", &good).await;
    assert_eq!(a.status, 200, "still up after hostile requests");
    assert_eq!(
        jwks.hits(),
        2,
        "start-up + one refetch for the unknown kid, nothing else"
    );
}

/// The value of one metric of `/metrics` (Prometheus text format).
fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from {text}"))
}

/// The signature cache: a token seen before is a hit, `/metrics` says so without a token, a
/// cached signature over a payload one character off is refused, capacity 0 turns
/// the cache off, and the old `INSECURE_DISABLE_AUTH` switch turns nothing off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_cache_and_metrics() {
    let jwks = own_jwks();
    let srv = own_server(&jwks, &[("INSECURE_DISABLE_AUTH", "1")]);
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let a = srv.get("/api/v1/ping", &[]).await;
    assert_eq!(a.status, 401, "no switch turns authentication off");

    let good = ka.sign(&id_claims(now() + 3600));
    for _ in 0..3 {
        assert_eq!(srv.bearer("/api/v1/ping", &good).await.status, 200);
    }
    let m = srv.get("/metrics", &[]).await;
    assert_eq!(m.status, 200);
    assert!(m
        .header("content-type")
        .starts_with("text/plain; version=0.0.4"));
    assert!(m
        .body
        .contains("# TYPE cognito_signature_cache_hits_total counter"));
    assert_eq!(metric(&m.body, "cognito_signature_cache_hits_total"), 2);
    assert_eq!(metric(&m.body, "cognito_signature_cache_misses_total"), 1);
    assert_eq!(metric(&m.body, "cognito_signature_cache_capacity"), 4096);

    // The same signature over a payload one character off: refused.
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let payload = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &parts[1])
            .unwrap(),
    )
    .unwrap();
    parts[1] = base64_url(&payload.replace("alice", "alicf"));
    srv.expect_invalid(
        &parts.join("."),
        "invalid_signature",
        "Token Signature Invalid.",
    )
    .await;
    let m = srv.get("/metrics", &[]).await;
    assert_eq!(metric(&m.body, "cognito_signature_cache_hits_total"), 2);

    let off = own_server(&jwks, &[("SIGNATURE_CACHE_CAPACITY", "0")]);
    assert_eq!(off.bearer("/api/v1/ping", &good).await.status, 200);
    let m = off.get("/metrics", &[]).await;
    assert_eq!(metric(&m.body, "cognito_signature_cache_capacity"), 0);
    assert_eq!(metric(&m.body, "cognito_signature_cache_hits_total"), 0);
}

fn base64_url(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

// ------------------------------------------------------------------ own JWKS: resilience

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_flood_and_outage() {
    let jwks = own_jwks();
    let mut srv = own_server(&jwks, &[]);
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let good = ka.sign(&id_claims(now() + 3600));
    assert_eq!(srv.bearer("/api/v1/ping", &good).await.status, 200);
    let before = jwks.hits();
    assert_eq!(before, 1);

    // 300 tokens with invented kids, 30 at a time: at most one refetch per 30 s window.
    let stranger = Signer256::new("rsa2048_foreign.pem", "x");
    for batch in 0..10 {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..30 {
            let t = stranger.sign_with_kid(&format!("rnd-{batch}-{i}"), &id_claims(now() + 3600));
            let (client, url) = (srv.client.clone(), format!("{}/api/v1/ping", srv.base));
            set.spawn(async move {
                let r = client.get(url).bearer_auth(t).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            });
        }
        while let Some(r) = set.join_next().await {
            let (status, body) = r.unwrap();
            assert_eq!(status, 401);
            assert!(body.contains(r#""code": "unknown_kid""#), "{body}");
        }
    }
    let refetches = jwks.hits() - before;
    assert!(
        refetches <= 2,
        "unknown-kid flood caused {refetches} JWKS fetches"
    );

    // JWKS endpoint stopped mid-test: cached keys keep verifying.
    jwks.stop();
    for _ in 0..20 {
        assert_eq!(srv.bearer("/api/v1/ping", &good).await.status, 200);
    }
    let a = srv
        .bearer("/api/v1/ping", &stranger.sign(&id_claims(now() + 3600)))
        .await;
    assert_eq!(a.status, 401);

    // Graceful shutdown on SIGTERM: exit 0.
    let status = srv
        .proc
        .terminate(Duration::from_secs(15))
        .expect("server exits on SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_unreachable_from_start_is_503() {
    let jwks = TestHttp::start(|_| (500, "{}".into()));
    let srv = own_server(&jwks, &[]);
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let a = srv
        .bearer("/api/v1/ping", &ka.sign(&id_claims(now() + 3600)))
        .await;
    assert_eq!(a.status, 503, "{}", a.body);
    assert_eq!(a.json()["code"], "jwks_unavailable");
    assert!(!a.header("retry-after").is_empty());
    // The endpoint recovers: after the back-off the keys are fetched.
    jwks.set(move |_| (200, jwks_doc()));
    let start = Instant::now();
    loop {
        let a = srv
            .bearer("/api/v1/ping", &ka.sign(&id_claims(now() + 3600)))
            .await;
        if a.status == 200 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{}", a.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// ------------------------------------------------------------------ own OAuth endpoint: web

/// The `Set-Cookie` headers of an answer starting with `name=`.
fn set_cookie(a: &Answer, name: &str) -> String {
    a.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no cookie {name} in {:?}", a.headers))
}

/// `__Host-` cookies: Secure, Path=/, no Domain (and HttpOnly: scripts never read ours).
fn assert_host_cookie(c: &str) {
    assert!(c.starts_with("__Host-"), "{c}");
    for attr in ["; Secure", "; Path=/;", "; HttpOnly"] {
        assert!(c.contains(attr), "{attr} in {c}");
    }
    assert!(!c.to_ascii_lowercase().contains("domain="), "{c}");
}

fn b64url_sha256(s: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(s.as_bytes()))
}

/// The Hosted UI sign-in with PKCE and a nonce, `__Host-` cookies, `/me`, and the sign-out:
/// `GET /logout` signs nobody out, a cross-site or token-less `POST /logout` is refused, the real
/// one calls `RevokeToken` and the session's token is `revoked` at once, another user's is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_login_callback_me_logout() {
    let jwks = own_jwks();
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let oauth = TestHttp::start(|_| (400, r#"{"error":"invalid_grant"}"#.into()));
    let token_url = format!("{}/oauth2/token", oauth.base);
    let srv = own_server(
        &jwks,
        &[
            ("AWS_COGNITO_TOKEN_URL", &token_url),
            ("AWS_COGNITO_APP_CLIENT_SECRET", "s3cret"),
            ("AWS_COGNITO_REDIRECT_URI", "http://localhost:8000/callback"),
        ],
    );
    let own_origin = "http://localhost:8000";

    let a = srv.get("/", &[]).await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("You are signed out") && a.body.contains("/login"));
    // The security headers of a site served over http: the real Origin on its own POSTs, the
    // Hosted UI allowed as the sign-out form's redirect target, no HSTS.
    assert_eq!(a.header("referrer-policy"), "same-origin");
    assert_eq!(
        a.header("content-security-policy"),
        format!(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self' {}",
            oauth.base
        )
    );
    assert!(a.headers.get("strict-transport-security").is_none());
    // The account page without a cookie says so, with a way to sign in and home (no redirect).
    let a = srv.get("/me", &[]).await;
    assert_eq!(a.status, 200);
    for s in ["You are signed out", "href=\"/login\"", "href=\"/\""] {
        assert!(a.body.contains(s), "{s} in {}", a.body);
    }

    // /login: to the Hosted UI with a state, a PKCE challenge and a nonce, remembered in a cookie.
    let a = srv.get("/login", &[]).await;
    assert_eq!(a.status, 302);
    let location = reqwest::Url::parse(a.header("location")).unwrap();
    assert_eq!(location.path(), "/oauth2/authorize");
    let q: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT);
    assert_eq!(q["redirect_uri"], "http://localhost:8000/callback");
    assert_eq!(q["code_challenge_method"], "S256");
    let state = q["state"].clone();
    let nonce = q["nonce"].clone();
    assert!(state.len() >= 32 && nonce.len() >= 32);
    let login = set_cookie(&a, "__Host-cv_login");
    assert_host_cookie(&login);
    let value = login
        .strip_prefix("__Host-cv_login=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let parts: Vec<&str> = value.split('.').collect();
    assert_eq!((parts[0], parts[2]), (state.as_str(), nonce.as_str()));
    let verifier = parts[1].to_string();
    assert!((43..=128).contains(&verifier.len()), "{verifier}");
    assert_eq!(q["code_challenge"], b64url_sha256(&verifier), "S256");
    let login_cookie = format!("__Host-cv_login={value}");

    // The token endpoint: the code, the client's secret and the PKCE verifier, or no tokens.
    let serve_tokens = |nonce: String, origin: &str, revoke_ok: bool| {
        let (verifier, ka) = (verifier.clone(), Signer256::new("rsa2048_a.pem", "kA"));
        let origin = origin.to_string();
        move |req: &Req| {
            let ok = req.method == "POST"
                && req.path == "/oauth2/token"
                && req.body.contains("grant_type=authorization_code")
                && req.body.contains("code=the-code")
                && req.body.contains(&format!("code_verifier={verifier}"))
                && req
                    .header("authorization")
                    .is_some_and(|a| a.starts_with("Basic "));
            if req.path == "/oauth2/revoke" {
                let ok = req.body.contains("token=the-refresh-token")
                    && req.body.contains(&format!("client_id={CLIENT}"))
                    && req
                        .header("authorization")
                        .is_some_and(|a| a.starts_with("Basic "));
                return if ok && revoke_ok {
                    (200, String::new())
                } else {
                    (400, r#"{"error":"invalid_request"}"#.into())
                };
            }
            if !ok {
                return (400, r#"{"error":"invalid_grant"}"#.into());
            }
            let mut claims = id_claims(now() + 3600);
            claims["nonce"] = json!(nonce);
            claims["origin_jti"] = json!(origin);
            let id = ka.sign(&claims);
            let body = json!({"id_token": id, "access_token": id,
                "refresh_token": "the-refresh-token", "token_type": "Bearer", "expires_in": 3600});
            (200, body.to_string())
        }
    };
    oauth.set(serve_tokens(nonce.clone(), "origin-1", true));

    // /callback without a state, with an empty one, with a wrong one: 400, no exchange.
    for query in [
        "code=the-code",
        "code=the-code&state=",
        "code=the-code&state=forged",
    ] {
        let a = srv
            .get(&format!("/callback?{query}"), &[("cookie", &login_cookie)])
            .await;
        assert_eq!(a.status, 400, "{query}");
    }
    // The right state without the sign-in's cookie: 400.
    let a = srv
        .get(&format!("/callback?code=the-code&state={state}"), &[])
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(oauth.hits(), 0);
    // A code the endpoint refuses.
    let a = srv
        .get(
            &format!("/callback?code=bad&state={state}"),
            &[("cookie", &login_cookie)],
        )
        .await;
    assert_eq!(a.status, 502);
    // An ID token whose nonce is another sign-in's: refused.
    oauth.set(serve_tokens("another-sign-in".into(), "origin-1", true));
    let a = srv
        .get(
            &format!("/callback?code=the-code&state={state}"),
            &[("cookie", &login_cookie)],
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("nonce"), "{}", a.body);
    // The real exchange.
    oauth.set(serve_tokens(nonce.clone(), "origin-1", true));
    let a = srv
        .get(
            &format!("/callback?code=the-code&state={state}"),
            &[("cookie", &login_cookie)],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.header("location"), "/me");
    let last = oauth.last.lock().unwrap().clone().unwrap();
    assert!(last
        .body
        .contains("redirect_uri=http%3A%2F%2Flocalhost%3A8000%2Fcallback"));
    let session = set_cookie(&a, "__Host-cv_session");
    let refresh = set_cookie(&a, "__Host-cv_refresh");
    let csrf = set_cookie(&a, "__Host-cv_csrf");
    for c in [&session, &refresh, &csrf] {
        assert_host_cookie(c);
    }
    assert!(session.contains("SameSite=Lax"));
    // The CSRF token is Lax: the page reached through the Hosted UI's redirects must see it.
    assert!(refresh.contains("SameSite=Strict") && csrf.contains("SameSite=Lax"));
    assert!(set_cookie(&a, "__Host-cv_login").contains("Max-Age=0"));
    let value_of = |c: &str| c.split(';').next().unwrap().to_string();
    let id_token = value_of(&session)
        .strip_prefix("__Host-cv_session=")
        .unwrap()
        .to_string();
    let csrf_token = value_of(&csrf)
        .strip_prefix("__Host-cv_csrf=")
        .unwrap()
        .to_string();
    let cookies = format!(
        "{}; {}; {}",
        value_of(&session),
        value_of(&refresh),
        value_of(&csrf)
    );

    // The protected page with the cookies, and its sign-out form.
    let a = srv.get("/me", &[("cookie", &cookies)]).await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("alice"));
    assert!(
        a.body.contains(&format!("value=\"{csrf_token}\"")),
        "{}",
        a.body
    );
    assert!(a.body.contains("method=\"post\" action=\"/logout\""));
    // The home page of the signed-in user: who, the account page, the sign-out button.
    let a = srv.get("/", &[("cookie", &cookies)]).await;
    assert!(a.body.contains("Signed in as <strong>alice</strong>"));
    assert!(a.body.contains(&format!("value=\"{csrf_token}\"")));
    // With an invalid cookie: signed out, and why; the cookie cleared.
    let expired = ka.sign(&id_claims(now() - 10));
    let a = srv
        .get(
            "/me",
            &[("cookie", &format!("__Host-cv_session={expired}"))],
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("You are signed out") && a.body.contains("expired"));
    assert!(set_cookie(&a, "__Host-cv_session").contains("Max-Age=0"));

    // GET /logout signs nobody out: a page with the form.
    let a = srv.get("/logout", &[("cookie", &cookies)]).await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("method=\"post\""));
    assert!(a.headers.get("set-cookie").is_none());
    // Cross-site POSTs and one without the CSRF token: 403, nothing revoked.
    let form = format!("csrf={csrf_token}");
    let ct = ("content-type", "application/x-www-form-urlencoded");
    for (headers, body) in [
        (vec![("origin", "https://evil.example")], form.as_str()),
        (vec![("origin", "null")], form.as_str()),
        (vec![("sec-fetch-site", "cross-site")], form.as_str()),
        (vec![("sec-fetch-site", "same-site")], form.as_str()),
        (vec![("origin", own_origin)], ""),
        (vec![("origin", own_origin)], "csrf=forged"),
    ] {
        let mut h = headers.clone();
        h.extend([("cookie", cookies.as_str()), ct]);
        let a = srv.post("/logout", &h, body).await;
        assert_eq!(a.status, 403, "{headers:?} {body}");
    }
    assert_eq!(srv.get("/me", &[("cookie", &cookies)]).await.status, 200);
    assert_eq!(srv.bearer("/api/v1/ping", &id_token).await.status, 200);
    let hits = oauth.hits();
    // Another user's session (another refresh token): stays signed in.
    let mut bob = id_claims(now() + 3600);
    bob["sub"] = json!("bbbbbbbb-0000-0000-0000-000000000000");
    bob["cognito:username"] = json!("bob");
    bob["origin_jti"] = json!("origin-of-bobs-session");
    let bob = ka.sign(&bob);

    // The sign-out: RevokeToken with the refresh token, cookies cleared, on to the Hosted UI.
    let a = srv
        .post(
            "/logout",
            &[
                ("cookie", &cookies),
                ct,
                ("origin", own_origin),
                ("sec-fetch-site", "same-origin"),
            ],
            &form,
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.header("location").contains("/logout?client_id="));
    for name in ["__Host-cv_session", "__Host-cv_refresh", "__Host-cv_csrf"] {
        let c = set_cookie(&a, name);
        assert!(c.contains("Max-Age=0"), "{c}");
        assert_host_cookie(&c);
    }
    assert_eq!(oauth.hits(), hits + 1);
    let last = oauth.last.lock().unwrap().clone().unwrap();
    assert_eq!(last.path, "/oauth2/revoke");
    // The session's token: revoked on the very next request, on the page and on the API.
    srv.expect_invalid(&id_token, "revoked", "Token Revoked.")
        .await;
    let a = srv.get("/me", &[("cookie", &cookies)]).await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("You are signed out") && a.body.contains("revoked"));
    assert_eq!(srv.bearer("/api/v1/ping", &bob).await.status, 200);

    // Signed in again; this time Cognito refuses to revoke: 502 that says so, the session's
    // token refused here all the same, the refresh token's cookie kept to sign out again.
    oauth.set(serve_tokens(nonce.clone(), "origin-2", false));
    let a = srv
        .get(
            &format!("/callback?code=the-code&state={state}"),
            &[("cookie", &login_cookie)],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let cookies = ["__Host-cv_session", "__Host-cv_refresh", "__Host-cv_csrf"]
        .map(|n| value_of(&set_cookie(&a, n)))
        .join("; ");
    let second = cookies
        .split("; ")
        .next()
        .unwrap()
        .strip_prefix("__Host-cv_session=")
        .unwrap()
        .to_string();
    let csrf_token = cookies
        .rsplit("__Host-cv_csrf=")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(srv.bearer("/api/v1/ping", &second).await.status, 200);
    let a = srv
        .post(
            "/logout",
            &[("cookie", &cookies), ct, ("origin", own_origin)],
            &format!("csrf={csrf_token}"),
        )
        .await;
    assert_eq!(a.status, 502, "{}", a.body);
    assert!(a.body.contains("Cognito did not confirm"), "{}", a.body);
    assert!(a.body.contains("invalid_request"), "{}", a.body);
    assert!(set_cookie(&a, "__Host-cv_session").contains("Max-Age=0"));
    assert!(a
        .headers
        .get_all("set-cookie")
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("__Host-cv_refresh=")));
    srv.expect_invalid(&second, "revoked", "Token Revoked.")
        .await;
    assert_eq!(srv.bearer("/api/v1/ping", &bob).await.status, 200);
    // Other methods.
    let a = srv
        .client
        .put(format!("{}/logout", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status().as_u16(), 405);
}

/// HSTS only for an https origin that is not loopback, without `includeSubDomains`; `/login`
/// reached under another loopback name of the redirect URI's port goes there first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_fit_the_scheme_and_login_stays_on_one_host() {
    let jwks = own_jwks();
    let token_url = format!("{}/oauth2/token", jwks.base);
    for (origin, hsts) in [
        ("https://app.example.com", "max-age=63072000"),
        ("https://localhost:8443", ""),
        ("http://app.example.com", ""),
    ] {
        let srv = own_server(&jwks, &[("APP_ORIGIN", origin)]);
        let a = srv.get("/", &[]).await;
        assert_eq!(a.header("strict-transport-security"), hsts, "{origin}");
        // No Hosted UI configured: forms go to this site only.
        assert!(a
            .header("content-security-policy")
            .ends_with("form-action 'self'"));
    }
    let srv = own_server(
        &jwks,
        &[
            ("AWS_COGNITO_TOKEN_URL", &token_url),
            ("AWS_COGNITO_REDIRECT_URI", "http://localhost:8000/callback"),
        ],
    );
    for (host, to) in [
        ("127.0.0.1:8000", "http://localhost:8000/login"),
        ("[::1]:8000", "http://localhost:8000/login"),
        ("localhost:8000", ""),
        ("127.0.0.1:3000", ""),
        ("evil.example:8000", ""),
    ] {
        let a = srv.get("/login", &[("host", host)]).await;
        assert_eq!(a.status, 302, "{host}");
        let location = a.header("location");
        if to.is_empty() {
            assert!(
                location.contains("/oauth2/authorize?"),
                "{host}: {location}"
            );
        } else {
            assert_eq!(location, to, "{host}");
            assert!(a.headers.get("set-cookie").is_none(), "{host}");
        }
    }
}

// ------------------------------------------------------------------ configuration

#[test]
fn missing_configuration_names_the_variable() {
    for (vars, missing) in [
        (vec![], "AWS_COGNITO_USER_POOL_ID"),
        (vec![("AWS_COGNITO_USER_POOL_ID", POOL)], "AWS_REGION"),
        (
            vec![
                ("AWS_COGNITO_USER_POOL_ID", POOL),
                ("AWS_REGION", "us-east-1"),
            ],
            "AWS_COGNITO_APP_CLIENT_ID",
        ),
    ] {
        let mut cmd = Command::new(example("server"));
        cmd.env_clear().current_dir(std::env::temp_dir());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("missing environment variable {missing}")),
            "{err}"
        );
    }
}

// ------------------------------------------------------------------ against moto

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_fetch_jwt_and_server() {
    let Some(bin) = moto_server_path() else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    let moto = start_moto(&bin);
    let env = provision(&moto.endpoint, "us-east-1");
    let pool = &env["AWS_COGNITO_USER_POOL_ID"];

    // fetch_jwt: ID, access, refresh.
    let out = fetch_jwt(&env, &["--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = all["id_token"].as_str().unwrap().to_string();
    let access = all["access_token"].as_str().unwrap().to_string();
    let refresh = all["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(id.split('.').count(), 3);
    assert_eq!(access.split('.').count(), 3);
    assert!(!refresh.is_empty());
    let out = fetch_jwt(&env, &[]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .split('.')
            .count(),
        3
    );
    let out = fetch_jwt(&env, &["--refresh-token", &refresh, "--access"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let refreshed = String::from_utf8(out.stdout).unwrap().trim().to_string();

    // Wrong password: a clear message, exit 1, the password never shown.
    let mut wrong = env.clone();
    wrong.insert(
        "AWS_COGNITO_API_USER_PASSWORD".into(),
        "Wrong-Passw0rd-xyz!".into(),
    );
    let out = fetch_jwt(&wrong, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Cognito refused USER_PASSWORD_AUTH"), "{err}");
    assert!(err.contains("NotAuthorized"), "{err}");
    assert!(!err.contains("Wrong-Passw0rd-xyz!"));
    assert!(out.stdout.is_empty());

    // The server against moto (JWKS and issuer overrides, as `make demo` does).
    let vars: Vec<(&str, &str)> = [
        "AWS_REGION",
        "AWS_COGNITO_USER_POOL_ID",
        "AWS_COGNITO_APP_CLIENT_ID",
        "AWS_COGNITO_JWKS_URL",
        "AWS_COGNITO_ISSUER",
    ]
    .iter()
    .map(|k| (*k, env[*k].as_str()))
    .collect();
    let srv = start_server(&vars);
    let a = srv.get("/api/v1/ping", &[]).await;
    assert_eq!((a.status, a.body.as_str()), (401, NOT_FOUND_BODY));
    assert_eq!(a.header("www-authenticate"), "Bearer");
    for (what, t) in [
        ("id", &id),
        ("access", &access),
        ("refreshed access", &refreshed),
    ] {
        let a = srv.bearer("/api/v1/ping", t).await;
        assert_eq!(a.status, 200, "{what}: {}", a.body);
        assert!(!a.json()["sub"].as_str().unwrap().is_empty());
        assert!(!a.json()["username"].as_str().unwrap().is_empty());
    }
    // Tampered.
    let mut parts: Vec<String> = id.split('.').map(str::to_string).collect();
    let payload = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &parts[1])
            .unwrap(),
    )
    .unwrap();
    // Changed bytes break the signature (here the issuer's `:` as a JSON escape: the same
    // issuer once decoded, so the pool rule passes); a changed issuer names no configured pool
    // and is refused before any key is tried.
    let mut signed_claim = parts.clone();
    signed_claim[1] = base64_url(&payload.replacen("https:", r"https\u003a", 1));
    srv.expect_invalid(
        &signed_claim.join("."),
        "invalid_signature",
        "Token Signature Invalid.",
    )
    .await;
    parts[1] = base64_url(&payload.replace(pool.as_str(), "us-east-1_Tampered1"));
    srv.expect_invalid(&parts.join("."), "wrong_issuer", "Token Issuer Invalid.")
        .await;
    // A token of another pool (moto signs every pool with one key: the issuer tells them apart).
    let other = provision(&moto.endpoint, "eu-west-1");
    assert_ne!(other["AWS_COGNITO_USER_POOL_ID"], *pool);
    let out = fetch_jwt(&other, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let foreign = String::from_utf8(out.stdout).unwrap().trim().to_string();
    srv.expect_invalid(&foreign, "wrong_issuer", "Token Issuer Invalid.")
        .await;
    assert!(Instant::now() < deadline, "took too long");
}
