//! The verdict memo of `VerifierCore`: a hit gets exactly the code a full verification gives, at
//! any time, after revocations, key replacements, and with a custom check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cognito_verify::{payload_buffer_len, ConfigBuilder, Revocation, VerifierCore};
use serde_json::Value;

/// "valid <payload>" or the code.
fn verdict(core: &VerifierCore, token: &str, now: u64) -> String {
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    match core.verify(token, now, &mut buf) {
        Ok(c) => format!("valid {}", c.payload_json()),
        Err(e) => e.code().to_owned(),
    }
}

fn core_of(
    case: &Value,
    memo: bool,
    more: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
) -> VerifierCore {
    let b = common::builder(&case["config"]).verdict_memo(if memo { 64 } else { 0 });
    let core = VerifierCore::new(more(b).build().unwrap());
    let jwks = serde_json::to_vec(&case["jwks"]).unwrap();
    // Vectors with an unusable key set verify nothing either way.
    let _ = core.load_jwks(None, &jwks, case["now"].as_u64().unwrap());
    core
}

#[test]
fn every_vector_gets_the_same_verdict_from_the_memo_at_every_time() {
    let mut cases = common::jsonl("tokens.jsonl");
    cases.extend(common::jsonl("real-world/cases.jsonl"));
    let (mut compared, mut hits) = (0, 0);
    for case in &cases {
        let token = case["token"].as_str().unwrap();
        let now = case["now"].as_u64().unwrap();
        let memo = core_of(case, true, |b| b);
        let plain = core_of(case, false, |b| b);
        let first = verdict(&memo, token, now);
        assert_eq!(first, verdict(&plain, token, now), "{}", case["name"]);
        let mut ever_valid = first.starts_with("valid");
        // Again, and at times around every edge a claim can have: the memo answers what a
        // full verification answers then.
        for dt in [
            0i64, -86_400, -3_601, -301, -1, 1, 299, 300, 3_539, 3_540, 3_541, 7_200, 86_400,
        ] {
            let at = now.saturating_add_signed(dt);
            let full = verdict(&plain, token, at);
            assert_eq!(
                verdict(&memo, token, at),
                full,
                "{} at {dt:+}",
                case["name"]
            );
            ever_valid |= full.starts_with("valid");
            compared += 1;
        }
        hits += memo.verdict_memo_stats().hits;
        if first.starts_with("valid") {
            assert!(
                memo.verdict_memo_stats().hits >= 13,
                "{}: {:?}",
                case["name"],
                memo.verdict_memo_stats()
            );
        } else if !ever_valid {
            assert_eq!(
                memo.verdict_memo_stats().hits,
                0,
                "{}: a refused token is never stored",
                case["name"]
            );
        }
    }
    assert!(hits > 0);
    println!(
        "memo: {} tokens, {compared} verdicts compared, {hits} hits",
        cases.len()
    );
}

fn valid_id() -> Value {
    common::jsonl("tokens.jsonl")
        .into_iter()
        .find(|c| c["name"] == "valid_id")
        .unwrap()
}

#[test]
fn a_revocation_covers_a_remembered_token() {
    let case = valid_id();
    let (token, now) = (
        case["token"].as_str().unwrap(),
        case["now"].as_u64().unwrap(),
    );
    let core = core_of(&case, true, |b| b);
    assert!(verdict(&core, token, now).starts_with("valid"));
    assert!(verdict(&core, token, now).starts_with("valid"));
    core.revoke(
        Revocation::OriginJti("11111111-2222-3333-4444-555555555555"),
        now,
    )
    .unwrap();
    assert_eq!(verdict(&core, token, now), "revoked");
    assert!(core.verdict_memo_stats().hits >= 2);
}

#[test]
fn a_replaced_key_set_is_a_miss() {
    let case = valid_id();
    let (token, now) = (
        case["token"].as_str().unwrap(),
        case["now"].as_u64().unwrap(),
    );
    let core = core_of(&case, true, |b| b);
    assert!(verdict(&core, token, now).starts_with("valid"));
    assert!(verdict(&core, token, now).starts_with("valid"));
    assert_eq!(core.verdict_memo_stats().hits, 1);
    // The same keys again: still a replacement, so a miss, verified in full and remembered anew.
    core.load_jwks(None, &serde_json::to_vec(&case["jwks"]).unwrap(), now)
        .unwrap();
    assert!(verdict(&core, token, now).starts_with("valid"));
    assert_eq!(core.verdict_memo_stats().hits, 1);
    assert!(verdict(&core, token, now).starts_with("valid"));
    assert_eq!(core.verdict_memo_stats().hits, 2);
    // Keys without the token's key: its `kid` is unknown now, memo or not.
    let mut rotated = case["jwks"].clone();
    for k in rotated["keys"].as_array_mut().unwrap() {
        k["kid"] = format!("new-{}", k["kid"].as_str().unwrap()).into();
    }
    core.load_jwks(None, &serde_json::to_vec(&rotated).unwrap(), now)
        .unwrap();
    assert_eq!(verdict(&core, token, now), "unknown_kid");
}

#[test]
fn the_custom_check_runs_on_every_hit() {
    let case = valid_id();
    let (token, now) = (
        case["token"].as_str().unwrap(),
        case["now"].as_u64().unwrap(),
    );
    let calls = Arc::new(AtomicUsize::new(0));
    let refuse = Arc::new(AtomicUsize::new(0));
    let (c, r) = (Arc::clone(&calls), Arc::clone(&refuse));
    let core = core_of(&case, true, move |b| {
        b.custom_check(move |_| {
            c.fetch_add(1, Ordering::Relaxed);
            r.load(Ordering::Relaxed) == 0
        })
    });
    for _ in 0..3 {
        assert!(verdict(&core, token, now).starts_with("valid"));
    }
    assert_eq!(calls.load(Ordering::Relaxed), 3);
    refuse.store(1, Ordering::Relaxed);
    assert_eq!(verdict(&core, token, now), "custom_check_failed");
    assert_eq!(core.verdict_memo_stats().hits, 3);
}

#[test]
fn the_memo_keeps_to_its_bounds() {
    let cases = common::jsonl("tokens.jsonl");
    let valid: Vec<&Value> = cases
        .iter()
        .filter(|c| c["expect"]["valid"] == true)
        .collect();
    assert!(valid.len() > 8);
    // Off: nothing is remembered.
    let off = core_of(valid[0], false, |b| b);
    let (token, now) = (
        valid[0]["token"].as_str().unwrap(),
        valid[0]["now"].as_u64().unwrap(),
    );
    verdict(&off, token, now);
    verdict(&off, token, now);
    assert_eq!(off.verdict_memo_stats().hits, 0);
    assert_eq!(off.verdict_memo_stats().capacity, 0);
    // A byte bound smaller than one entry: nothing is stored.
    let tiny = core_of(valid[0], true, |b| b.verdict_memo_bytes(100));
    verdict(&tiny, token, now);
    verdict(&tiny, token, now);
    assert_eq!(
        (
            tiny.verdict_memo_stats().hits,
            tiny.verdict_memo_stats().bytes
        ),
        (0, 0)
    );
    // A byte bound of about two entries is never exceeded.
    let bound = 2 * (token.len() + 1200);
    let small = core_of(valid[0], true, |b| b.verdict_memo_bytes(bound));
    for case in &valid {
        let mut buf = vec![0u8; 16 * 1024];
        let _ = small.verify(case["token"].as_str().unwrap(), now, &mut buf);
        assert!(small.verdict_memo_stats().bytes <= bound);
    }
    assert!(small.verdict_memo_stats().bytes > 0);
}

#[test]
fn a_kept_entry_is_rechecked_like_a_hit() {
    let case = valid_id();
    let (token, now) = (
        case["token"].as_str().unwrap(),
        case["now"].as_u64().unwrap(),
    );
    let core = core_of(&case, true, |b| b);
    assert!(core.remembered(token).is_none(), "not verified yet");
    assert!(verdict(&core, token, now).starts_with("valid"));
    let kept = core.remembered(token).unwrap();
    assert_eq!(kept.pool(), 0);
    let claims = core.recheck(&kept, now).unwrap().unwrap();
    assert_eq!(claims.payload_json(), kept.payload_json());
    assert_eq!(
        core.recheck(&kept, 1_700_003_540)
            .unwrap()
            .unwrap_err()
            .code(),
        "expired"
    );
    core.revoke(
        Revocation::OriginJti("11111111-2222-3333-4444-555555555555"),
        now,
    )
    .unwrap();
    assert_eq!(
        core.recheck(&kept, now).unwrap().unwrap_err().code(),
        "revoked"
    );
    core.load_jwks(None, &serde_json::to_vec(&case["jwks"]).unwrap(), now)
        .unwrap();
    assert!(
        core.recheck(&kept, now).is_none(),
        "keys replaced: verify in full"
    );
}
