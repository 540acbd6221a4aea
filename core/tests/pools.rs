//! Pools with rules of their own (`Pool`): a token is checked against the clients, token use,
//! groups and scopes of the pool its `iss` names, and no other's; an unset rule is the
//! verifier's. The cases are `testdata/pools.jsonl`, which `tests/c/pools.c` runs through the C
//! API too, so both give the same verdicts and the same words for a refused configuration.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use cognito_verify::{
    payload_buffer_len, AcceptedTokenUse, ConfigError, Pool, VerifierConfig, VerifierCore,
};
use serde_json::Value;

/// The verdict on conformance case `name` (its token, time and keys per pool) under `config`.
fn verdict(config: VerifierConfig, name: &str) -> String {
    let cases = common::jsonl("conformance.jsonl");
    let case: &Value = cases.iter().find(|c| c["name"] == name).expect(name);
    let now = case["now"].as_u64().unwrap();
    let core = VerifierCore::new(config);
    for (pool, p) in case["pools"].as_array().unwrap().iter().enumerate() {
        core.load_jwks(Some(pool), &serde_json::to_vec(&p["jwks"]).unwrap(), now)
            .unwrap();
    }
    let token = case["token"].as_str().unwrap();
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    match core.verify(token, now, &mut buf) {
        Ok(_) => "valid".into(),
        Err(e) => e.code().into(),
    }
}

/// One pool of a row's `config.pools`: only what the row sets.
fn pool(p: &Value) -> Pool {
    let mut pool = match p["user_pool_id"].as_str() {
        Some(id) => Pool::user_pool(id),
        None => Pool::issuer(p["issuer"].as_str().unwrap()),
    };
    for url in common::strs(&p["also_issuers"]) {
        pool = pool.also_issuer(url);
    }
    if let Some(url) = p["jwks_url"].as_str() {
        pool = pool.jwks_url(url);
    }
    for id in common::strs(&p["client_ids"]) {
        pool = pool.client_id(id);
    }
    match p["token_use"].as_str() {
        Some("id") => pool = pool.token_use(AcceptedTokenUse::Id),
        Some("access") => pool = pool.token_use(AcceptedTokenUse::Access),
        Some("any") => pool = pool.token_use(AcceptedTokenUse::Any),
        _ => {}
    }
    if let Some((kind, list)) = common::requirement(&p["groups"]) {
        pool = pool.groups(kind, list);
    }
    if let Some((kind, list)) = common::requirement(&p["scopes"]) {
        pool = pool.scopes(kind, list);
    }
    pool
}

/// A row's configuration: the verifier's rules (the vectors' `config` shape), then its pools.
fn config(row: &Value) -> Result<VerifierConfig, ConfigError> {
    let c = &row["config"];
    let mut b = common::builder(c);
    for p in c["pools"].as_array().unwrap() {
        b = b.pool(pool(p));
    }
    b.build()
}

#[test]
fn pools_table() {
    let rows = common::jsonl("pools.jsonl");
    let (mut verdicts, mut errors) = (0, 0);
    for row in &rows {
        let name = row["name"].as_str().unwrap();
        match (config(row), row["error"].as_str()) {
            (Err(e), Some(want)) => {
                assert_eq!(e.message(), want, "{name}");
                errors += 1;
            }
            (Ok(config), None) => {
                for (i, url) in common::strs(&row["jwks_urls"]).into_iter().enumerate() {
                    assert_eq!(config.jwks_url(i), Some(url), "{name}: pool {i}");
                }
                for v in row["verdicts"].as_array().unwrap() {
                    let (case, want) = (v[0].as_str().unwrap(), v[1].as_str().unwrap());
                    assert_eq!(verdict(config.clone(), case), want, "{name}: {case}");
                    verdicts += 1;
                }
            }
            (got, want) => panic!("{name}: built {got:?}, want error {want:?}"),
        }
    }
    assert_eq!((rows.len(), verdicts, errors), (19, 28, 7));
    println!(
        "pools.jsonl: {} configurations, {verdicts} verdicts, {errors} refused",
        rows.len()
    );
}
