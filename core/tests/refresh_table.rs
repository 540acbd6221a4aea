//! `testdata/refresh.jsonl`: timelines of refresh decisions, fetch outcomes and tokens, driven
//! through the core's verifier. The C and JS tests read the same table.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use cognito_verify::{payload_buffer_len, Action, Need, VerifierConfig, VerifierCore};
use serde_json::Value;

/// A key-set document of the scenario, as bytes (a string is sent as it is).
fn jwks(case: &Value, name: &str) -> Vec<u8> {
    match &case["jwks"][name] {
        Value::String(s) => s.as_bytes().to_vec(),
        doc => serde_json::to_vec(doc).unwrap(),
    }
}

fn action_name(a: Action) -> (&'static str, Option<u64>) {
    match a {
        Action::UseCached => ("use_cached", None),
        Action::Fetch => ("fetch", None),
        Action::Refresh => ("refresh", None),
        Action::Wait => ("wait", None),
        Action::Unavailable { retry_at } => ("unavailable", Some(retry_at)),
    }
}

#[test]
fn every_refresh_scenario() {
    let cases = common::jsonl("refresh.jsonl");
    let mut steps = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let base = case["base"].as_u64().unwrap();
        let core = VerifierCore::new(
            VerifierConfig::builder()
                .user_pool(case["user_pool_id"].as_str().unwrap())
                .client_id(case["client_id"].as_str().unwrap())
                .build()
                .unwrap(),
        );
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            let at = base
                .checked_add_signed(step["at"].as_i64().unwrap())
                .unwrap();
            let what = format!("{name}, step {i}: {step}");
            if let Some(need) = step["poll"].as_str() {
                let need = if need == "keys" {
                    Need::Keys
                } else {
                    Need::UnknownKid
                };
                let (got, retry_at) = action_name(core.poll(0, at, need));
                assert_eq!(got, step["action"], "{what}");
                let want_retry = step["retry_at"]
                    .as_i64()
                    .map(|r| base.checked_add_signed(r).unwrap());
                assert_eq!(retry_at, want_retry, "{what}");
            } else if let Some(outcome) = step["fetched"].as_str() {
                if outcome == "fail" {
                    core.fetch_failed(0, at);
                } else {
                    let loaded = core.fetch_succeeded(0, at, &jwks(case, outcome));
                    assert_eq!(
                        loaded.is_ok(),
                        ["ok", "rotated"].contains(&outcome),
                        "{what}"
                    );
                }
            } else if let Some(doc) = step["load"].as_str() {
                core.load_jwks(None, &jwks(case, doc), at).unwrap();
            } else if let Some(token) = step["verify"].as_str() {
                let token = case["tokens"][token].as_str().unwrap();
                let mut buf = vec![0u8; payload_buffer_len(token.len())];
                let got = match core.verify(token, at, &mut buf) {
                    Ok(_) => "valid",
                    Err(e) => e.code(),
                };
                assert_eq!(got, step["expect"], "{what}");
            } else {
                panic!("{what}: unknown step");
            }
            steps += 1;
        }
    }
    assert_eq!((cases.len(), steps), (9, 76));
    println!(
        "refresh.jsonl: {} scenarios, {steps} steps passed (Rust)",
        cases.len()
    );
}
