//! Helpers of the sign-out and replica tests: the test's own `/oauth2/revoke` and JWKS, the
//! server's environment without moto, a replica with its log in a file, sessions and sign-outs.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::process::Stdio;

use serde_json::json;

use crate::common::*;
use crate::servers::*;

/// `/oauth2/revoke` of the test: accepts the refresh tokens the test says, refuses others.
pub fn revoke_endpoint(accept: bool) -> TestHttp {
    TestHttp::start(move |req| {
        if req.method == "POST"
            && req.path == "/oauth2/revoke"
            && req.body.contains("token=")
            && accept
        {
            (200, String::new())
        } else {
            (400, r#"{"error":"unsupported_token_type"}"#.into())
        }
    })
}

pub async fn api_logout(srv: &Server, bearer: &str, body: &str) -> Answer {
    srv.post(
        "/api/v1/logout",
        &[
            ("authorization", &format!("Bearer {bearer}")),
            ("content-type", "application/json"),
        ],
        body,
    )
    .await
}

pub fn own_server_env(
    jwks: &TestHttp,
    revoke: &TestHttp,
    redis: Option<&str>,
) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = [
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_COGNITO_USER_POOL_ID", POOL.to_string()),
        ("AWS_COGNITO_APP_CLIENT_ID", CLIENT.to_string()),
        (
            "AWS_COGNITO_JWKS_URL",
            format!("{}/{POOL}/.well-known/jwks.json", jwks.base),
        ),
        (
            "AWS_COGNITO_REVOKE_URL",
            format!("{}/oauth2/revoke", revoke.base),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(url) = redis {
        vars.push(("REVOCATION_REDIS_URL".into(), url.into()));
    }
    vars
}

pub fn jwks_endpoint() -> TestHttp {
    TestHttp::start(|_| {
        (
            200,
            std::fs::read_to_string(repo().join("testdata/doc/jwks.json")).unwrap(),
        )
    })
}

/// A server of the replica test, its log in a file.
pub fn replica(vars: &[(String, String)], log: &std::path::Path) -> Server {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let file = std::fs::File::create(log).unwrap();
    start_server_with(&vars, Stdio::from(file))
}

/// A session of its own: an ID token with its `origin_jti`.
pub fn session(ka: &Signer256, name: &str) -> String {
    let mut c = id_claims(now() + 3600);
    c["origin_jti"] = json!(format!("origin-{name}"));
    c["jti"] = json!(format!("jti-{name}"));
    ka.sign(&c)
}

pub async fn sign_out(srv: &Server, token: &str) {
    let a = api_logout(srv, token, r#"{"refresh_token": "a-refresh-token"}"#).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["revoked"], "origin_jti");
    srv.expect_invalid(token, "revoked", "Token Revoked.").await;
}

pub fn outages_logged(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap()
        .matches("Redis unreachable")
        .count()
}
