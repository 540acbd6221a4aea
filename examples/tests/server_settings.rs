//! End to end: the `server` example's settings: the security headers fitted to `APP_ORIGIN`
//! (HSTS only for https and not loopback), `/login` kept on the redirect URI's host, and the
//! start-up refused with exit 2 naming the first missing variable.
//!
//! Needs no moto. Every process and server started here is stopped on drop.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/own_jwks.rs"]
mod own_jwks;
#[path = "common/servers.rs"]
mod servers;

use std::process::Command;

use common::*;
use own_jwks::*;

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

/// A configuration the core refuses stops the start-up with the core's words on what to fix.
#[test]
fn a_refused_configuration_says_what_to_fix() {
    let env = cognito_verify_examples::ServerEnv {
        host: "localhost".into(),
        port: 8000,
        api_path: "/api/v1/".into(),
        pool_id: "us-east-1_AbC123".into(),
        client_id: "client".into(),
        jwks_url: Some("ftp://keys.example.com/jwks.json".into()),
        issuer: None,
    };
    let err = env
        .verifier_with(cognito_verify_examples::Sizes::default())
        .unwrap_err();
    assert_eq!(
        err,
        "unusable Cognito configuration: a JWKS URL must start with https://"
    );
}
