//! The `axum` example: its router in process with the testing kit's offline verifier (no
//! connection may be attempted: the pool's JWKS URL is a listener the test owns and asserts
//! untouched), and the example as a process, configured like the server, against a JWKS server
//! of the test's own on 127.0.0.1 serving the kit's keys; stopped on drop.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
// The example's own file, so the test calls the very router it serves (its `main` goes unused).
#[allow(dead_code, unreachable_pub)]
#[path = "../axum.rs"]
mod axum_example;

use core::time::Duration;
use std::net::TcpListener;
use std::process::{Command, Stdio};

use axum::body::Body;
use cognito_verify::testing::{self, TestPool, TEST_SUB};
use cognito_verify_tower::CognitoAuthLayer;
use common::*;
use serde_json::{json, Value};
use tower::ServiceExt as _;

const NOT_FOUND_BODY: &str = r#"{"error": "401 Unauthorized Error. Token Not Found."}"#;

fn start_axum(vars: &[(&str, &str)]) -> (Proc, String) {
    let port = free_port();
    let mut cmd = Command::new(example("axum"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_HOST", "127.0.0.1")
        .env("APP_PORT", port.to_string())
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let proc = Proc::spawn("axum", &mut cmd);
    wait_for_port(port, "axum", Duration::from_secs(20));
    (proc, format!("http://127.0.0.1:{port}"))
}

async fn get(url: &str, token: Option<&str>) -> (u16, String, String) {
    let mut r = reqwest::Client::new().get(url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let resp = r.send().await.unwrap();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        resp.status().as_u16(),
        challenge,
        resp.text().await.unwrap(),
    )
}

/// A router's answer to `GET path` with this bearer token: status, challenge, body.
async fn call(app: &axum::Router, path: &str, token: Option<&str>) -> (u16, String, String) {
    let mut req = axum::http::Request::builder().uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let status = resp.status().as_u16();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, challenge, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn axum_example_routes_with_the_testing_kit_and_no_network() {
    // The pool's keys would be fetched from this listener: it is never accepted from, and a
    // connection attempt would wait in its backlog, where the end of the test looks.
    let trap = TcpListener::bind("127.0.0.1:0").unwrap();
    let jwks_url = format!("http://{}/jwks.json", trap.local_addr().unwrap());
    let pool = TestPool::new(POOL, CLIENT);
    let verifier = pool.verifier_with(|b| b.jwks_url(jwks_url));
    let app = axum_example::app(&CognitoAuthLayer::new(verifier), "/api/v1/");

    assert_eq!(
        call(&app, "/api/v1/ping", None).await,
        (401, "Bearer".into(), NOT_FOUND_BODY.into())
    );
    let (status, _, body) = call(&app, "/api/v1/ping", Some(&pool.id_token().sign())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"message": "pong", "sub": TEST_SUB, "username": "alice", "token_use": "id"})
    );
    let access = pool.access_token().username("bob").sign();
    let (status, _, body) = call(&app, "/api/v1/ping", Some(&access)).await;
    assert_eq!(
        (status, body.contains(r#""token_use":"access""#)),
        (200, true),
        "{body}"
    );
    let expired = pool.id_token().issued_at(pool.now() - 7200).sign();
    assert_eq!(
        call(&app, "/api/v1/ping", Some(&expired)).await,
        (
            401,
            r#"Bearer error="invalid_token""#.into(),
            r#"{"error": "401 Unauthorized Error. Token Expired.", "code": "expired"}"#.into()
        )
    );
    // A kid the keys lack would make a fetching verifier go to the JWKS URL; this one answers
    // at once.
    let (status, _, body) = call(
        &app,
        "/api/v1/ping",
        Some(&pool.id_token().kid("kZ").sign()),
    )
    .await;
    assert_eq!(status, 401);
    assert!(body.contains(r#""code": "unknown_kid""#), "{body}");

    let (status, challenge, _) = call(&app, "/api/v1/admin", Some(&pool.id_token().sign())).await;
    assert_eq!(
        (status, challenge.as_str()),
        (403, r#"Bearer error="insufficient_scope""#)
    );
    let admin = pool.id_token().groups(["admin"]).sign();
    let (status, _, body) = call(&app, "/api/v1/admin", Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""message":"hello, admin""#), "{body}");
    assert_eq!(call(&app, "/api/v1/nope", None).await.0, 404);

    trap.set_nonblocking(true).unwrap();
    let attempt = trap.accept().map(|(_, from)| from);
    assert_eq!(
        attempt.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::WouldBlock),
        "the verifier tried to fetch its keys"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_example_serves_the_api() {
    let jwks = TestHttp::start(move |_| (200, testing::jwks()));
    let url = format!("{}/{POOL}/.well-known/jwks.json", jwks.base);
    let (_proc, base) = start_axum(&[
        ("AWS_REGION", "us-east-1"),
        ("AWS_COGNITO_USER_POOL_ID", POOL),
        ("AWS_COGNITO_APP_CLIENT_ID", CLIENT),
        ("AWS_COGNITO_JWKS_URL", &url),
        ("API_PATH", "/api/v1"),
    ]);
    // The process runs on the real clock: so do the kit's tokens.
    let pool = TestPool::new(POOL, CLIENT).clock(cognito_verify::now);
    let ping = format!("{base}/api/v1/ping");
    let admin = format!("{base}/api/v1/admin");

    assert_eq!(
        get(&ping, None).await,
        (401, "Bearer".into(), NOT_FOUND_BODY.into())
    );
    let (status, _, body) = get(&ping, Some(&pool.id_token().sign())).await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body,
        json!({"message": "pong", "sub": TEST_SUB, "username": "alice", "token_use": "id"})
    );
    assert_eq!(
        get(
            &ping,
            Some(&pool.id_token().issued_at(pool.now() - 3660).sign())
        )
        .await,
        (
            401,
            r#"Bearer error="invalid_token""#.into(),
            r#"{"error": "401 Unauthorized Error. Token Expired.", "code": "expired"}"#.into()
        )
    );
    // The admin route: the group, or 403.
    assert_eq!(
        get(&admin, Some(&pool.id_token().sign())).await,
        (
            403,
            r#"Bearer error="insufficient_scope""#.into(),
            r#"{"error": "403 Forbidden Error. Insufficient Scope.", "code": "group_not_allowed"}"#
                .into()
        )
    );
    let (status, _, body) = get(&admin, Some(&pool.id_token().groups(["admin"]).sign())).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""message":"hello, admin""#), "{body}");
    // Unknown routes are not behind the layer.
    assert_eq!(get(&format!("{base}/api/v1/nope"), None).await.0, 404);
    assert_eq!(jwks.hits(), 1, "one fetch for every call");
}

#[test]
fn axum_example_names_a_missing_variable() {
    let out = Command::new(example("axum"))
        .env_clear()
        .env("AWS_COGNITO_USER_POOL_ID", POOL)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing environment variable AWS_REGION"),
        "{err}"
    );
}
