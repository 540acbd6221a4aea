//! Pools with rules of their own (`Pool`): a token is checked against the clients, token use,
//! groups and scopes of the pool its `iss` names, and no other's.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use cognito_verify::{
    payload_buffer_len, AcceptedTokenUse, Match, Pool, VerifierConfig, VerifierCore,
};
use serde_json::Value;

const POOL1: &str = "us-east-1_TestPool1";
const POOL2: &str = "eu-west-1_SecondPool";
const CLIENT1: &str = "3n4b5urk1ft4fl3mg5e62d9ado";
const CLIENT2: &str = "7q1lo2mfbqg5r0e8u4q8p3g6c2";

/// The verdict on conformance case `name` under `config`, with the case's keys per pool.
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

fn own_clients() -> VerifierConfig {
    VerifierConfig::builder()
        .pool(Pool::user_pool(POOL1).client_id(CLIENT1))
        .pool(Pool::user_pool(POOL2).client_id(CLIENT2))
        .build()
        .unwrap()
}

#[test]
fn each_pool_accepts_its_own_clients_only() {
    assert_eq!(
        verdict(own_clients(), "two_pools_two_clients/pool1"),
        "valid"
    );
    assert_eq!(
        verdict(own_clients(), "two_pools_two_clients/pool2"),
        "valid"
    );
    // Pool 2's token for pool 1's client: valid for the verifier as a whole, not for its pool.
    assert_eq!(
        verdict(own_clients(), "two_pools_two_clients/pool2_client1"),
        "wrong_client"
    );
}

#[test]
fn a_pool_without_rules_of_its_own_takes_the_verifiers() {
    let config = VerifierConfig::builder()
        .pool(Pool::user_pool(POOL1))
        .pool(Pool::user_pool(POOL2).client_id(CLIENT2))
        .client_id(CLIENT1)
        .build()
        .unwrap();
    assert_eq!(
        verdict(config.clone(), "two_pools_two_clients/pool1"),
        "valid"
    );
    assert_eq!(
        verdict(config, "two_pools_two_clients/pool2_client1"),
        "wrong_client"
    );
}

#[test]
fn token_use_groups_and_scopes_are_per_pool() {
    let config = |pool2: Pool| {
        VerifierConfig::builder()
            .pool(Pool::user_pool(POOL1))
            .pool(pool2)
            .client_id(CLIENT1)
            .client_id(CLIENT2)
            .build()
            .unwrap()
    };
    let name = "two_pools_two_clients/pool2";
    let pool2 = || Pool::user_pool(POOL2);
    assert_eq!(
        verdict(config(pool2().token_use(AcceptedTokenUse::Access)), name),
        "wrong_token_use"
    );
    assert_eq!(
        verdict(config(pool2().groups(Match::AnyOf, ["nobody"])), name),
        "group_not_allowed"
    );
    assert_eq!(
        verdict(config(pool2().scopes(Match::AllOf, ["x/y"])), name),
        "scope_not_allowed"
    );
    // Pool 1's tokens are untouched by pool 2's rules.
    let strict = config(pool2().token_use(AcceptedTokenUse::Access));
    assert_eq!(verdict(strict, "two_pools_two_clients/pool1"), "valid");
}

#[test]
fn an_emulator_issuer_keeps_the_pools_keys() {
    let config = VerifierConfig::builder()
        .pool(Pool::user_pool("local_3lyPxVaO").also_issuer("http://127.0.0.1:9229/local_3lyPxVaO"))
        .client_id(CLIENT1)
        .build()
        .unwrap();
    assert_eq!(config.pool_count(), 1);
    assert_eq!(
        config.jwks_url(0),
        Some("https://cognito-idp.local.amazonaws.com/local_3lyPxVaO/.well-known/jwks.json")
    );
    // The issuer URL replaces the pool's own issuers.
    assert_eq!(
        verdict(config.clone(), "emulator_issuer/emulator_issuer"),
        "valid"
    );
    assert_eq!(
        verdict(config, "emulator_issuer/local_pool"),
        "wrong_issuer"
    );
}

#[test]
fn a_pool_is_checked_when_built() {
    let err = VerifierConfig::builder()
        .pool(Pool::user_pool("us-east-1"))
        .client_id(CLIENT1)
        .build()
        .unwrap_err();
    assert!(err.message().contains('_'), "{err}");
    let no_client = VerifierConfig::builder()
        .pool(Pool::user_pool(POOL1).client_id(CLIENT1))
        .pool(Pool::user_pool(POOL2))
        .build()
        .unwrap_err();
    assert_eq!(no_client, cognito_verify::ConfigError::NoClientId);
}
