//! The shared vectors of `testdata/`: every case, every binding, the same verdicts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use cognito_verify::{payload_buffer_len, Error, JwksOptions, KeySet, HEAP_KEY_CAPACITY};
use serde_json::{json, Value};

/// Runs one token case; returns the outcome in the vectors' own shape.
fn run(case: &Value) -> Value {
    let jwks = serde_json::to_vec(&case["jwks"]).unwrap();
    let config = common::config(&case["config"]);
    // The key-set rules every runtime applies (a set with no usable key is refused).
    let keys = match config.load_keys(&jwks) {
        Ok(k) => k,
        Err(e) => return json!({"valid": false, "error": e.code()}),
    };
    let verifier = config.verifier();
    let token = case["token"].as_str().unwrap();
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    match verifier.verify(&keys, token, case["now"].as_u64().unwrap(), &mut buf) {
        Ok(c) => json!({"valid": true, "claims": {
            "sub": c.sub().map(|s| s.to_string()),
            "username": c.username().map(|s| s.to_string()),
            "token_use": c.token_use().as_str(),
            "client_id": c.client_id().to_string(),
            "exp": c.exp(),
        }}),
        Err(e) => json!({"valid": false, "error": e.code()}),
    }
}

fn check_all(path: &str, expected_count: usize) {
    let cases = common::jsonl(path);
    assert_eq!(cases.len(), expected_count, "{path}: case count");
    let mut failures = Vec::new();
    for case in &cases {
        let got = run(case);
        let want = &case["expect"];
        let same = got["valid"] == want["valid"]
            && (want.get("error").is_none() || got["error"] == want["error"])
            && (want.get("claims").is_none() || got["claims"] == want["claims"]);
        if !same {
            failures.push(format!("{}: want {want}, got {got}", case["name"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("{path}: {} cases passed", cases.len());
}

#[test]
fn token_vectors() {
    check_all("tokens.jsonl", 164);
}

#[test]
fn real_world_cognito_tokens() {
    check_all("real-world/cases.jsonl", 55);
}

#[test]
fn jwks_vectors() {
    let cases = common::jsonl("jwks.jsonl");
    assert_eq!(cases.len(), 33);
    let opts = JwksOptions::new();
    for case in &cases {
        let text = case["jwks"].as_str().unwrap();
        let want = &case["expect"];
        let got = match KeySet::<HEAP_KEY_CAPACITY>::replacement(text.as_bytes(), &opts) {
            Ok(k) => json!({"ok": true, "keys": k.len(), "skipped": k.skipped()}),
            Err(e) => json!({"ok": false, "error": e.code()}),
        };
        assert_eq!(&got, want, "{}", case["name"]);
    }
}

#[test]
fn every_expected_code_is_known() {
    for path in ["tokens.jsonl", "jwks.jsonl", "real-world/cases.jsonl"] {
        for case in common::jsonl(path) {
            if let Some(code) = case["expect"]["error"].as_str() {
                assert!(
                    Error::from_code(code).is_some(),
                    "{path}: unknown code {code}"
                );
            }
        }
    }
}
