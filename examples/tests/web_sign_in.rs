//! End to end: the `server` example's web sign-in pages against a JWKS and an OAuth token
//! endpoint of the test's own: the Hosted UI sign-in with PKCE and a nonce, `/callback`'s
//! refusals, `__Host-` cookies, `/me`, and the sign-out (`POST /logout` with `RevokeToken`,
//! cross-site and token-less POSTs refused, Cognito refusing to revoke).
//!
//! Needs no moto. Every process and server started here is stopped on drop.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/own_jwks.rs"]
mod own_jwks;
#[path = "common/servers.rs"]
mod servers;

use std::collections::HashMap;

use common::*;
use own_jwks::*;
use serde_json::json;
use servers::*;

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
