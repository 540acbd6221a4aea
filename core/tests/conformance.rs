//! `testdata/conformance.jsonl`: configurations of one and several pools and clients x tokens ->
//! expected code, the table the C and JS tests read too. The pool rule: the token's `iss` picks
//! one pool, whose keys alone may verify it; no configured issuer matching is `wrong_issuer`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use cognito_verify::{payload_buffer_len, ConfigBuilder, Error, VerifierConfig};
use serde_json::{json, Value};

const CASES: usize = 42;

/// The settings of a case: its pools in order, then its clients.
fn builder(case: &Value, jwks_url: Option<&str>) -> ConfigBuilder {
    let mut b = VerifierConfig::builder();
    for pool in case["pools"].as_array().unwrap() {
        b = match (pool["user_pool_id"].as_str(), pool["issuer"].as_str()) {
            (Some(id), _) => b.user_pool(id),
            (None, Some(url)) => b.issuer(url),
            _ => panic!("pool without id or issuer"),
        };
        if let Some(u) = jwks_url {
            b = b.jwks_url(u);
        }
    }
    for c in case["client_ids"].as_array().unwrap() {
        b = b.client_id(c.as_str().unwrap());
    }
    b
}

fn config(case: &Value) -> VerifierConfig {
    builder(case, None)
        .build()
        .expect("conformance configurations are valid")
}

fn outcome(r: Result<(), Error>) -> Value {
    match r {
        Ok(()) => json!({"valid": true}),
        Err(e) => json!({"valid": false, "error": e.code()}),
    }
}

/// The core, synchronously: one key set per pool, and the core asks for the one it needs.
#[test]
fn core_picks_the_pool_by_iss() {
    let cases = common::jsonl("conformance.jsonl");
    assert_eq!(cases.len(), CASES);
    for case in &cases {
        let core = cognito_verify::VerifierCore::new(config(case));
        let now = case["now"].as_u64().unwrap();
        for (pool, p) in case["pools"].as_array().unwrap().iter().enumerate() {
            let doc = serde_json::to_vec(&p["jwks"]).unwrap();
            core.load_jwks(Some(pool), &doc, now).unwrap();
        }
        let token = case["token"].as_str().unwrap();
        let mut buf = vec![0u8; payload_buffer_len(token.len())];
        // Parsed once: the pool comes from the parsed token, before any key is looked at.
        let got = core.parse(token, &mut buf).and_then(|parsed| {
            let keys = core.keys(core.pool_of(&parsed));
            core.verify_token(
                &parsed,
                keys.as_deref(),
                now,
                &mut cognito_verify::CoreCrypto,
            )
            .map(|_| ())
        });
        let got = outcome(got);
        assert_eq!(got, case["expect"], "{}", case["name"]);
    }
    println!("conformance.jsonl: {} cases passed (core)", cases.len());
}

/// The Rust verifier with a key cache per pool: the same codes.
#[cfg(feature = "fetch")]
#[test]
fn cognito_jwt_verifier_agrees() {
    use cognito_verify::CognitoJwtVerifier;
    fn fixed() -> u64 {
        1_700_000_000
    }
    let cases = common::jsonl("conformance.jsonl");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for case in &cases {
        assert_eq!(fixed(), case["now"].as_u64().unwrap());
        // Keys are installed below; a refetch (after an unknown kid) finds a closed port.
        let v = CognitoJwtVerifier::builder()
            .config(|_| builder(case, Some("http://127.0.0.1:9/jwks.json")))
            .clock(fixed)
            .build()
            .unwrap();
        for (i, pool) in case["pools"].as_array().unwrap().iter().enumerate() {
            v.cache_jwks(Some(i), &serde_json::to_vec(&pool["jwks"]).unwrap())
                .unwrap();
        }
        let got = rt.block_on(v.verify(case["token"].as_str().unwrap()));
        let got = outcome(got.map(|_| ()).map_err(|e| e.token_error().unwrap()));
        assert_eq!(got, case["expect"], "{}", case["name"]);
    }
    println!(
        "conformance.jsonl: {} cases passed (CognitoJwtVerifier)",
        cases.len()
    );
}
