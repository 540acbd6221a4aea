//! Sign-out that signs out, end to end: the `server` example as processes against moto
//! (`GlobalSignOut`, tokens, refresh) with the test's own `/oauth2/revoke` (moto has none), and
//! one user signing in and out 10,000 times without filling the list. The replicas are in
//! `replicas.rs`.
//!
//! Skipped with a message without `.venv/bin/moto_server` or `redis-server`, unless
//! `E2E_REQUIRE_MOTO=1` (what `make test` sets), which turns that into a failure.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/servers.rs"]
mod servers;
#[path = "common/sign_out.rs"]
mod sign_out;

use std::collections::HashMap;
use std::time::Instant;

use common::*;
use serde_json::{json, Value};
use servers::*;
use sign_out::*;

fn all_tokens(env: &HashMap<String, String>) -> (String, String, String) {
    let out = fetch_jwt(env, &["--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = |k: &str| all[k].as_str().unwrap().to_string();
    (s("id_token"), s("access_token"), s("refresh_token"))
}

/// Against moto: sign in, 200; sign out (GlobalSignOut with the access token), the same tokens get
/// 401 `revoked` on the very next request, moto no longer refreshes, another user still gets 200.
/// Then RevokeToken with a refresh token: every token of that refresh token is `revoked`, even one
/// minted from it afterwards, and a new sign-in is not. Cognito refusing: 502, revoked all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_sign_out_revokes() {
    let Some(bin) = moto_server_path() else {
        return;
    };
    let moto = start_moto(&bin);
    let alice = provision_user(&moto.endpoint, "us-east-1", Some("alice@example.com"));
    let bob = provision_user(&moto.endpoint, "us-east-1", Some("bob@example.com"));
    assert_eq!(
        alice["AWS_COGNITO_USER_POOL_ID"],
        bob["AWS_COGNITO_USER_POOL_ID"]
    );
    let revoke = revoke_endpoint(true);
    let revoke_url = format!("{}/oauth2/revoke", revoke.base);
    let mut vars: Vec<(&str, &str)> = [
        "AWS_REGION",
        "AWS_COGNITO_USER_POOL_ID",
        "AWS_COGNITO_APP_CLIENT_ID",
        "AWS_COGNITO_JWKS_URL",
        "AWS_COGNITO_ISSUER",
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    ]
    .iter()
    .map(|k| (*k, alice[*k].as_str()))
    .collect();
    vars.push(("AWS_COGNITO_REVOKE_URL", &revoke_url));
    let srv = start_server(&vars);

    let (a_id, a_access, a_refresh) = all_tokens(&alice);
    let (b_id, b_access, b_refresh) = all_tokens(&bob);
    for t in [&a_id, &a_access, &b_id, &b_access] {
        let a = srv.bearer("/api/v1/ping", t).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }

    // GET is not a sign-out; an ID token alone cannot say what to revoke in Cognito.
    let a = srv.bearer("/api/v1/logout", &a_access).await;
    assert_eq!((a.status, a.header("allow")), (405, "POST"));
    let a = api_logout(&srv, &a_id, "").await;
    assert_eq!(a.status, 400, "{}", a.body);
    // Alice signs out with her access token: GlobalSignOut at moto.
    let a = api_logout(&srv, &a_access, "").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.json(),
        json!({"message": "signed out", "cognito": "GlobalSignOut", "revoked": "subject"})
    );
    srv.expect_invalid(&a_access, "revoked", "Token Revoked.")
        .await;
    srv.expect_invalid(&a_id, "revoked", "Token Revoked.").await;
    let a = api_logout(&srv, &a_access, "").await;
    assert_eq!(a.status, 401, "a revoked token cannot sign out again");
    // Moto did sign her out: her refresh token no longer works there.
    let out = fetch_jwt(&alice, &["--refresh-token", &a_refresh]);
    assert!(
        !out.status.success(),
        "moto still refreshes after GlobalSignOut"
    );
    // Bob is untouched.
    for t in [&b_id, &b_access] {
        assert_eq!(srv.bearer("/api/v1/ping", t).await.status, 200);
    }

    // Bob signs out with his ID token and refresh token: RevokeToken, then his origin_jti.
    let a = api_logout(
        &srv,
        &b_id,
        &json!({ "refresh_token": b_refresh }).to_string(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.json(),
        json!({"message": "signed out", "cognito": "RevokeToken", "revoked": "origin_jti"})
    );
    assert_eq!(revoke.hits(), 1);
    let last = revoke.last.lock().unwrap().clone().unwrap();
    assert!(last
        .body
        .contains(&format!("client_id={}", bob["AWS_COGNITO_APP_CLIENT_ID"])));
    srv.expect_invalid(&b_id, "revoked", "Token Revoked.").await;
    srv.expect_invalid(&b_access, "revoked", "Token Revoked.")
        .await;
    // Moto has no RevokeToken and still refreshes: the new token shares the origin_jti.
    let out = fetch_jwt(&bob, &["--refresh-token", &b_refresh, "--access"]);
    assert!(out.status.success());
    let minted = String::from_utf8(out.stdout).unwrap().trim().to_string();
    srv.expect_invalid(&minted, "revoked", "Token Revoked.")
        .await;
    // A new sign-in is a new session.
    let (b2_id, _, b2_refresh) = all_tokens(&bob);
    assert_eq!(srv.bearer("/api/v1/ping", &b2_id).await.status, 200);

    // Cognito refuses: 502 that says so, and the token is refused here all the same.
    revoke.set(|_| (400, r#"{"error":"unauthorized_client"}"#.into()));
    let a = api_logout(
        &srv,
        &b2_id,
        &json!({ "refresh_token": b2_refresh }).to_string(),
    )
    .await;
    assert_eq!(a.status, 502, "{}", a.body);
    assert_eq!(a.json()["revoked"], "origin_jti");
    assert!(a.json()["detail"]
        .as_str()
        .unwrap()
        .contains("unauthorized_client"));
    srv.expect_invalid(&b2_id, "revoked", "Token Revoked.")
        .await;
}

/// One user signs in and out 10,000 times, each time a new session of its own (`origin_jti`)
/// with a token that verifies: the list keeps a few entries of that user (its sessions, then the
/// user), never fills, and another user's sign-out is recorded and refused on the next request.
/// Cognito is asked only for sign-outs whose session verified; a web sign-out without a session
/// that verifies calls nothing, and one while no keys can be had is `503`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_cannot_fill_the_list() {
    const ROUNDS: usize = 10_000;
    let jwks = jwks_endpoint();
    let revoke = revoke_endpoint(true);
    let vars = own_server_env(&jwks, &revoke, None);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let srv = start_server(&vars);
    // Tokens are signed on two threads (RSA signing is the slow part of a round) and sent as they
    // come, one at a time on one keep-alive connection.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(512);
    let start = Instant::now();
    for half in 0..2 {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let ka = Signer256::new("rsa2048_a.pem", "kA");
            for i in (half..ROUNDS).step_by(2) {
                let mut c = id_claims(now() + 3600);
                c["iat"] = json!(now());
                c["origin_jti"] = json!(format!("flood-{i}"));
                c["jti"] = json!(format!("flood-jti-{i}"));
                if tx.blocking_send(ka.sign(&c)).is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);
    let body = json!({ "refresh_token": "a-refresh-token" }).to_string();
    let (mut session, mut subject, mut revoked) = (0usize, 0usize, 0usize);
    while let Some(t) = rx.recv().await {
        let a = api_logout(&srv, &t, &body).await;
        match (a.status, a.body.as_str()) {
            (200, _) if a.json()["revoked"] == "origin_jti" => session += 1,
            (200, _) if a.json()["revoked"] == "subject" => subject += 1,
            // A session signed in within the second of the user's last sign-out: refused.
            (401, b) if b.contains(r#""code": "revoked""#) => revoked += 1,
            (s, b) => panic!("round {}: {s} {b}", session + subject + revoked),
        }
    }
    eprintln!(
        "one user, {ROUNDS} rounds in {:?}: {session} sessions and {subject} whole-user sign-outs recorded, {revoked} tokens already refused",
        start.elapsed()
    );
    assert_eq!(session + subject + revoked, ROUNDS);
    assert_eq!(session, cognito_verify::MAX_SESSIONS_PER_SUBJECT);
    assert!(subject >= 1);
    let m = srv.get("/metrics", &[]).await.body;
    let held: usize = m
        .lines()
        .find_map(|l| l.strip_prefix("cognito_revocations_held "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(held <= cognito_verify::MAX_SESSIONS_PER_SUBJECT + 1, "{m}");
    // Cognito was asked once per sign-out recorded, never for a token that did not verify.
    assert_eq!(revoke.hits(), session + subject);

    // Another user signs out: recorded, and refused on the next request.
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let mut c = id_claims(now() + 3600);
    c["sub"] = json!("bbbbbbbb-cccc-dddd-eeee-ffffffffffff");
    c["origin_jti"] = json!("origin-bob");
    let bob = ka.sign(&c);
    assert_eq!(srv.bearer("/api/v1/ping", &bob).await.status, 200);
    sign_out(&srv, &bob).await;
    let hits = revoke.hits();

    // The web form without a session that verifies (a script that set the CSRF cookie and
    // field itself, with some refresh token): nothing revoked, Cognito not called.
    let form = |session: &str| {
        let cookies = format!(
            "__Host-cv_csrf=c; __Host-cv_refresh=a-refresh-token{}",
            if session.is_empty() {
                String::new()
            } else {
                format!("; __Host-cv_session={session}")
            }
        );
        [
            ("cookie", cookies),
            (
                "content-type",
                "application/x-www-form-urlencoded".to_string(),
            ),
        ]
    };
    for session in ["", "not-a-token", bob.as_str()] {
        let h = form(session);
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = srv.post("/logout", &h, "csrf=c").await;
        assert!(a.status < 500, "{} {}", a.status, a.body);
    }
    assert_eq!(revoke.hits(), hits, "Cognito called without a session");

    // No keys can be had: a web sign-out is 503, nothing cleared, Cognito not called.
    let down = TestHttp::start(|_| (500, String::new()));
    let vars = own_server_env(&down, &revoke, None);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let keyless = start_server(&vars);
    let mut c = id_claims(now() + 3600);
    c["origin_jti"] = json!("origin-keyless");
    let h = form(&ka.sign(&c));
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = keyless.post("/logout", &h, "csrf=c").await;
    assert_eq!(a.status, 503, "{}", a.body);
    assert!(!a.header("retry-after").is_empty());
    assert!(a.headers.get("set-cookie").is_none(), "cookies cleared");
    assert_eq!(revoke.hits(), hits, "Cognito called without keys");
}
