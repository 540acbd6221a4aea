//! The `axum` example as a process, configured like the server, against a JWKS server of the
//! test's own on 127.0.0.1; stopped on drop.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use core::time::Duration;
use std::process::{Command, Stdio};

use common::*;
use serde_json::{json, Value};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_example_serves_the_api() {
    let doc = std::fs::read_to_string(repo().join("testdata/doc/jwks.json")).unwrap();
    let jwks = TestHttp::start(move |_| (200, doc.clone()));
    let url = format!("{}/{POOL}/.well-known/jwks.json", jwks.base);
    let (_proc, base) = start_axum(&[
        ("AWS_REGION", "us-east-1"),
        ("AWS_COGNITO_USER_POOL_ID", POOL),
        ("AWS_COGNITO_APP_CLIENT_ID", CLIENT),
        ("AWS_COGNITO_JWKS_URL", &url),
        ("API_PATH", "/api/v1"),
    ]);
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let ping = format!("{base}/api/v1/ping");
    let admin = format!("{base}/api/v1/admin");

    assert_eq!(
        get(&ping, None).await,
        (401, "Bearer".into(), NOT_FOUND_BODY.into())
    );
    let (status, _, body) = get(&ping, Some(&ka.sign(&id_claims(now() + 3600)))).await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body,
        json!({"message": "pong", "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
               "username": "alice", "token_use": "id"})
    );
    assert_eq!(
        get(&ping, Some(&ka.sign(&id_claims(now() - 60)))).await,
        (
            401,
            r#"Bearer error="invalid_token""#.into(),
            r#"{"error": "401 Unauthorized Error. Token Expired.", "code": "expired"}"#.into()
        )
    );
    // The admin route: the group, or 403.
    assert_eq!(
        get(&admin, Some(&ka.sign(&id_claims(now() + 3600)))).await,
        (
            403,
            r#"Bearer error="insufficient_scope""#.into(),
            r#"{"error": "403 Forbidden Error. Insufficient Scope.", "code": "group_not_allowed"}"#
                .into()
        )
    );
    let mut claims = id_claims(now() + 3600);
    claims["cognito:groups"] = json!(["admin"]);
    let (status, _, body) = get(&admin, Some(&ka.sign(&claims))).await;
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
