//! Revocation: `testdata/revocation.jsonl` (the table the C and JS tests read too) through the
//! core with a heap-free list, the owned configuration and `CognitoJwtVerifier`, with and without
//! the signature cache; and revocations added from another thread while tokens are verified.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use cognito_verify::{
    payload_buffer_len, CacheSlot, Config, CoreCrypto, Error, Issuer, KeySet, Revocation,
    RevocationList, RevocationSlot, SignatureCache, VerifierConfig,
};
use serde_json::{json, Value};

const CASES: usize = 23;

fn outcome<T>(r: Result<T, Error>) -> Value {
    match r {
        Ok(_) => json!({"valid": true}),
        Err(e) => json!({"valid": false, "error": e.code()}),
    }
}

fn cases() -> Vec<Value> {
    let cases = common::jsonl("revocation.jsonl");
    assert_eq!(cases.len(), CASES);
    cases
}

/// The core with no heap: a `static`-style list lent to a borrowed configuration; each case on
/// a fresh list, verified without and with a signature cache (a cached signature still runs the
/// revocation check).
#[test]
fn core_list_agrees_with_the_table() {
    for case in &cases() {
        let list: RevocationList<[RevocationSlot; 64]> = RevocationList::new();
        let now = case["now"].as_u64().unwrap();
        for r in case["revocations"].as_array().unwrap() {
            list.revoke(common::revocation(r), now).unwrap();
        }
        let issuers = [Issuer::UserPool(case["user_pool_id"].as_str().unwrap())];
        let clients: Vec<&str> = case["client_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let verifier =
            cognito_verify::Verifier::new(Config::new(&issuers, &clients).revocations(&list))
                .unwrap();
        let keys: KeySet<4> =
            KeySet::from_jwks(&serde_json::to_vec(&case["jwks"]).unwrap()).unwrap();
        let token = case["token"].as_str().unwrap();
        let mut buf = vec![0u8; payload_buffer_len(token.len())];
        let got = outcome(verifier.verify(&keys, token, now, &mut buf));
        assert_eq!(got, case["expect"], "{}", case["name"]);

        let cache: SignatureCache<[CacheSlot; 16]> = SignatureCache::new();
        // The same token twice through the cache: a miss, then (if it was valid) a hit.
        for _ in 0..2 {
            let got = outcome(verifier.parse(token, &mut buf).and_then(|t| {
                verifier.verify_token_cached(&t, Some(&keys), &cache, now, &mut CoreCrypto)
            }));
            assert_eq!(got, case["expect"], "{} (cached)", case["name"]);
        }
    }
}

/// The owned configuration every binding holds: the same codes, and a revocation recorded after
/// a token was verified (and its signature cached) denies it from then on.
#[cfg(feature = "fetch")]
#[test]
fn owned_configuration_and_cognito_jwt_verifier_agree() {
    use cognito_verify::CognitoJwtVerifier;
    fn fixed() -> u64 {
        1_700_000_000
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for case in &cases() {
        assert_eq!(fixed(), case["now"].as_u64().unwrap());
        let v = CognitoJwtVerifier::builder()
            .user_pool(case["user_pool_id"].as_str().unwrap())
            .jwks_url("http://127.0.0.1:9/jwks.json")
            .client_id(case["client_ids"][0].as_str().unwrap())
            .clock(fixed)
            .build()
            .unwrap();
        v.cache_jwks(None, &serde_json::to_vec(&case["jwks"]).unwrap())
            .unwrap();
        let token = case["token"].as_str().unwrap();
        // Verified (and cached when valid) before anything is revoked.
        let before = rt
            .block_on(v.verify(token))
            .map_err(|e| e.token_error().unwrap());
        let no_revocation = case["expect"]["error"] != "revoked";
        if no_revocation {
            assert_eq!(outcome(before), case["expect"], "{}", case["name"]);
        }
        for r in case["revocations"].as_array().unwrap() {
            v.revoke(common::revocation(r)).unwrap();
        }
        let got = rt
            .block_on(v.verify(token))
            .map_err(|e| e.token_error().unwrap());
        assert_eq!(outcome(got), case["expect"], "{}", case["name"]);
        assert!(v.revocation_stats().held <= case["revocations"].as_array().unwrap().len());
    }
}

/// A thousand revocations added from another thread while this one verifies: the tokens they do
/// not cover stay valid throughout, the one they end with is denied once `revoke` returned, and
/// every one is held.
#[test]
fn revocations_from_another_thread_while_verifying() {
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == "origin_jti/id_token")
        .unwrap();
    let now = case["now"].as_u64().unwrap();
    let config = VerifierConfig::builder()
        .user_pool(case["user_pool_id"].as_str().unwrap())
        .client_id(case["client_ids"][0].as_str().unwrap())
        .revocation_capacity(2048)
        .build()
        .unwrap();
    let keys = config
        .load_keys(&serde_json::to_vec(&case["jwks"]).unwrap())
        .unwrap();
    let token = case["token"].as_str().unwrap();
    let target = case["revocations"][0]["origin_jti"].as_str().unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..1000 {
                let id = format!("{i:08}-0000-4000-8000-000000000000");
                config.revoke(Revocation::OriginJti(&id), now).unwrap();
            }
            config.revoke(Revocation::OriginJti(target), now).unwrap();
            done.store(true, std::sync::atomic::Ordering::Release);
        });
        let mut buf = vec![0u8; payload_buffer_len(token.len())];
        let mut verified = 0;
        loop {
            let finished = done.load(std::sync::atomic::Ordering::Acquire);
            let got = config.verifier().verify(&keys, token, now, &mut buf);
            if finished {
                assert_eq!(got.unwrap_err(), Error::Revoked);
                break;
            }
            // Before the last revocation: valid, or already revoked if it raced ahead.
            match got {
                Ok(_) => verified += 1,
                Err(e) => assert_eq!(e, Error::Revoked),
            }
        }
        println!("{verified} verifications while revoking");
    });
    assert_eq!(config.revocation_stats(now).held, 1001);
    assert_eq!(config.revocation_stats(now).capacity, 2048);
}

/// Capacity 0 turns revocation off and says so; a full list says so and keeps what it holds.
#[test]
fn off_and_full_are_reported() {
    let off = VerifierConfig::builder()
        .user_pool("us-east-1_TestPool1")
        .client_id("c")
        .revocation_capacity(0)
        .build()
        .unwrap();
    assert_eq!(
        off.revoke(Revocation::OriginJti("o"), 0),
        Err(cognito_verify::RevokeError::Disabled)
    );
    assert_eq!(off.revocation_stats(0).capacity, 0);

    let small = VerifierConfig::builder()
        .user_pool("us-east-1_TestPool1")
        .client_id("c")
        .revocation_capacity(8)
        .max_token_lifetime(3600)
        .build()
        .unwrap();
    for i in 0..8 {
        small
            .revoke(Revocation::OriginJti(&format!("o{i}")), 1000)
            .unwrap();
    }
    assert_eq!(
        small.revoke(Revocation::OriginJti("o8"), 1000),
        Err(cognito_verify::RevokeError::Full)
    );
    assert_eq!(small.revocation_stats(1000).held, 8);
    // After the longest token lifetime (and the leeway, 0 here) the slots are free again.
    small.revoke(Revocation::OriginJti("o8"), 4601).unwrap();
    assert_eq!(small.revocation_stats(4601).held, 1);
}

/// A capacity no machine should allocate is a configuration error, not an abort.
#[test]
fn a_huge_capacity_is_refused() {
    for entries in [usize::MAX, cognito_verify::MAX_REVOCATION_CAPACITY + 1] {
        let r = VerifierConfig::builder()
            .user_pool("us-east-1_TestPool1")
            .client_id("c")
            .revocation_capacity(entries)
            .build();
        assert_eq!(
            r.unwrap_err(),
            cognito_verify::ConfigError::RevocationCapacityTooLarge
        );
    }
}
