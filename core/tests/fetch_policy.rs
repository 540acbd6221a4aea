//! The fetching verifier's configuration and what it may fetch (feature `fetch`): the URLs it
//! takes, the redirects it follows, the size of a key set; against a JWKS server of the test's
//! own on 127.0.0.1 (`common/jwks_server.rs`).
#![cfg(feature = "fetch")]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/jwks_server.rs"]
mod jwks_server;

use cognito_verify::{
    check_jwks_url, user_pool_jwks_url, BuildError, CognitoJwtVerifier, ConfigError, Error,
    JwksUrlError, PoolIdError, VerifyError,
};
use jwks_server::*;

/// A verifier of the test pool with its keys from `url`.
fn with_jwks_url(url: &str) -> Result<CognitoJwtVerifier, BuildError> {
    CognitoJwtVerifier::builder()
        .user_pool(POOL)
        .jwks_url(url)
        .client_id(CLIENT)
        .build()
}

#[test]
fn configuration() {
    assert_eq!(
        user_pool_jwks_url(POOL).unwrap(),
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1/.well-known/jwks.json"
    );
    assert_eq!(
        user_pool_jwks_url("nope").unwrap_err(),
        Error::InvalidConfiguration
    );
    let pool = CognitoJwtVerifier::builder()
        .user_pool(POOL)
        .client_id(CLIENT)
        .build()
        .unwrap();
    assert!(pool
        .core()
        .jwks_url(0)
        .unwrap()
        .ends_with("/us-east-1_TestPool1/.well-known/jwks.json"));
    assert_eq!(check_jwks_url("ftp://x", false), Err(JwksUrlError::NotHttp));
    assert_eq!(
        with_jwks_url("ftp://x").unwrap_err(),
        BuildError::Config(ConfigError::JwksUrl(JwksUrlError::NotHttp))
    );
    let no_client = CognitoJwtVerifier::builder().user_pool(POOL).build();
    assert_eq!(no_client.unwrap_err(), ConfigError::NoClientId.into());
    let no_pool = CognitoJwtVerifier::builder().client_id(CLIENT).build();
    assert_eq!(no_pool.unwrap_err(), ConfigError::NoIssuer.into());
    let issuer = CognitoJwtVerifier::builder()
        .issuer("http://127.0.0.1:5000/us-east-1_abc/")
        .client_id(CLIENT)
        .build()
        .unwrap();
    assert_eq!(
        issuer.config().jwks_url(0),
        Some("http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json")
    );
    assert_eq!(
        VerifyError::KeysUnavailable { retry_at: 1 }.code(),
        "jwks_unavailable"
    );
    assert_eq!(VerifyError::Token(Error::Expired).code(), "expired");
    assert_eq!(
        VerifyError::from(Error::JwksUnavailable),
        VerifyError::KeysUnavailable { retry_at: 0 }
    );
}

/// What `?` hands a `main` returning `Box<dyn Error>`: the core's words on what to fix, not
/// just "invalid configuration".
#[test]
fn a_build_error_says_what_to_fix() {
    let bad_pool = CognitoJwtVerifier::builder()
        .user_pool("us-east-1AbC123")
        .client_id(CLIENT)
        .build()
        .unwrap_err();
    assert_eq!(
        bad_pool.config_error(),
        Some(ConfigError::PoolId(PoolIdError::MissingUnderscore))
    );
    assert_eq!(bad_pool.code(), "invalid_configuration");
    let boxed: Box<dyn core::error::Error> = bad_pool.into();
    assert_eq!(
        boxed.to_string(),
        "a user pool id is REGION_ID, such as us-east-1_AbC123: no `_` found"
    );
}

#[test]
fn keys_come_over_https_or_loopback_http() {
    // Plain http beyond loopback is refused at build time, unless allowed by name.
    for url in [
        "http://keys.example.com/jwks.json",
        "http://localhost.example.com/j",
    ] {
        assert_eq!(
            check_jwks_url(url, false),
            Err(JwksUrlError::InsecureHttp),
            "{url}"
        );
        assert_eq!(
            with_jwks_url(url).unwrap_err(),
            BuildError::Config(ConfigError::JwksUrl(JwksUrlError::InsecureHttp)),
            "{url}"
        );
        let allowed = CognitoJwtVerifier::builder()
            .user_pool(POOL)
            .jwks_url(url)
            .client_id(CLIENT)
            .config(|c| c.allow_insecure_http(true))
            .build();
        assert!(allowed.is_ok(), "{url}");
    }
    for url in [
        "https://keys.example.com/jwks.json",
        "http://127.0.0.1:9229/local_3lyPxVaO/.well-known/jwks.json",
        "http://localhost:9229/x",
        "http://[::1]:9229/x",
    ] {
        assert_eq!(check_jwks_url(url, false), Ok(()), "{url}");
        assert!(with_jwks_url(url).is_ok(), "{url}");
    }
}

#[test]
fn redirects_are_held_to_the_same_rule() {
    run(async {
        let target = JwksServer::start(Mode::Serve(jwks("valid_id", &["kA"]))).await;
        let hop = JwksServer::start(Mode::Redirect(target.url.clone())).await;
        let v = verifier(&hop.url, fixed);
        v.verify(&token("valid_id")).await.unwrap();
        assert_eq!(
            (hop.hits(), target.hits()),
            (1, 1),
            "loopback to loopback is followed"
        );

        // A redirect to plain http beyond loopback is never followed (`.invalid` never resolves,
        // and the policy refuses before any lookup).
        let away = JwksServer::start(Mode::Redirect("http://keys.invalid/jwks.json".into())).await;
        let v = verifier(&away.url, fixed);
        let e = v.verify(&token("valid_id")).await.unwrap_err();
        assert!(matches!(e, VerifyError::KeysUnavailable { .. }), "{e:?}");
        let stats = v.jwks_stats(0);
        assert_eq!(stats.failures, 1);
        let why = stats.last_error.unwrap_or_default();
        assert!(why.contains("redirect refused"), "{why}");
    });
}

#[test]
fn a_raised_size_limit_reaches_the_key_set() {
    run(async {
        // 100 KiB of whitespace around a valid key set.
        let big = format!("{}{}", " ".repeat(100 * 1024), jwks("valid_id", &["kA"]));
        let server = JwksServer::start(Mode::Serve(big)).await;
        let default = verifier(&server.url, fixed);
        let e = default.verify(&token("valid_id")).await.unwrap_err();
        assert!(matches!(e, VerifyError::KeysUnavailable { .. }), "{e:?}");
        let why = default.jwks_stats(0).last_error;
        assert!(why.unwrap_or_default().contains("larger than"));

        let raised = CognitoJwtVerifier::builder()
            .user_pool(POOL)
            .jwks_url(&server.url)
            .client_id(CLIENT)
            .config(|c| c.max_jwks_bytes(200 * 1024))
            .refresh(REFRESH)
            .clock(fixed)
            .build()
            .unwrap();
        raised.verify(&token("valid_id")).await.unwrap();
    });
}
