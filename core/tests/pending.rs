//! A token set aside for platform crypto that answers later (`VerifierCore::signature_pending`)
//! and finished with the answer (`VerifierCore::finish`) gets exactly the verdict of a
//! verification in one go; the answer counts only under the key set it was asked under.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use cognito_verify::{payload_buffer_len, CoreCrypto, PendingToken, SignatureCheck, VerifierCore};
use serde_json::Value;

fn core_of(case: &Value) -> VerifierCore {
    let core = VerifierCore::new(common::builder(&case["config"]).build().unwrap());
    let jwks = serde_json::to_vec(&case["jwks"]).unwrap();
    // Vectors with an unusable key set verify nothing either way.
    let _ = core.load_jwks(None, &jwks, case["now"].as_u64().unwrap());
    core
}

/// "valid <payload>" or the code.
fn verdict<T: AsRef<str>>(r: Result<T, cognito_verify::Error>) -> String {
    match r {
        Ok(p) => format!("valid {}", p.as_ref()),
        Err(e) => e.code().to_owned(),
    }
}

/// What platform crypto checked and said.
struct Answer {
    key: usize,
    signature: Vec<u8>,
    valid: bool,
}

fn finish(
    core: &VerifierCore,
    pending: &PendingToken,
    a: &Answer,
    now: u64,
) -> Option<Result<String, String>> {
    let r = core.finish(pending, a.key, &a.signature, a.valid, now)?;
    Some(
        r.map(|c| c.payload_json().to_owned())
            .map_err(|e| e.code().to_owned()),
    )
}

/// The first step: the token set aside and the right answer about its signature, or the verdict
/// when there is nothing to ask.
fn set_aside(core: &VerifierCore, token: &str) -> Result<(PendingToken, Answer), String> {
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    let parsed = core
        .parse(token, &mut buf)
        .map_err(|e| e.code().to_owned())?;
    let keys = core.keys(core.pool_of(&parsed));
    match core.signature_pending(&parsed, keys.as_deref()) {
        Ok(Some((signed, pending))) => {
            let answer = Answer {
                key: signed.key_index,
                signature: signed.signature.to_vec(),
                valid: CoreCrypto.check(&signed),
            };
            Ok((pending, answer))
        }
        Ok(None) => Err("cached".to_owned()),
        Err(e) => Err(e.code().to_owned()),
    }
}

#[test]
fn every_vector_gets_the_same_verdict_when_finished_later() {
    let mut cases = common::jsonl("tokens.jsonl");
    cases.extend(common::jsonl("real-world/cases.jsonl"));
    let mut finished = 0;
    for case in &cases {
        let token = case["token"].as_str().unwrap();
        let now = case["now"].as_u64().unwrap();
        let plain = core_of(case);
        let mut buf = vec![0u8; payload_buffer_len(token.len())];
        let want = verdict(plain.verify(token, now, &mut buf).map(|c| c.payload_json()));
        let core = core_of(case);
        let got = match set_aside(&core, token) {
            Ok((pending, answer)) => {
                finished += 1;
                match finish(&core, &pending, &answer, now).expect("same keys") {
                    Ok(p) => format!("valid {p}"),
                    Err(code) => code,
                }
            }
            Err(code) => code,
        };
        assert_eq!(got, want, "{}", case["name"]);
        if want.starts_with("valid") {
            // Remembered, under the keys that verified it, and its signature cached.
            let mut buf = vec![0u8; payload_buffer_len(token.len())];
            assert!(core.verify(token, now, &mut buf).is_ok());
            assert_eq!(core.verdict_memo_stats().hits, 1, "{}", case["name"]);
            assert_eq!(core.signature_cache_stats().misses, 1, "{}", case["name"]);
        }
    }
    assert!(finished > 10);
}

fn valid_id() -> (Value, String, u64) {
    let case = common::jsonl("tokens.jsonl")
        .into_iter()
        .find(|c| c["name"] == "valid_id")
        .unwrap();
    let token = case["token"].as_str().unwrap().to_owned();
    let now = case["now"].as_u64().unwrap();
    (case, token, now)
}

#[test]
fn a_no_is_invalid_signature_and_a_claim_failure_is_its_own_code() {
    let (case, token, now) = valid_id();
    let core = core_of(&case);
    let (pending, answer) = set_aside(&core, &token).unwrap();
    assert!(answer.valid);
    let no = Answer {
        valid: false,
        ..answer
    };
    assert_eq!(
        finish(&core, &pending, &no, now).unwrap().unwrap_err(),
        "invalid_signature"
    );
    // A yes about another key or another signature does not count.
    let mut other = Answer { valid: true, ..no };
    other.key += 1;
    assert_eq!(
        finish(&core, &pending, &other, now).unwrap().unwrap_err(),
        "invalid_signature"
    );
    other.key -= 1;
    other.signature[0] ^= 1;
    assert_eq!(
        finish(&core, &pending, &other, now).unwrap().unwrap_err(),
        "invalid_signature"
    );
    other.signature[0] ^= 1;
    // The clock is read at the finish: a day later, the token has expired.
    let late = finish(&core, &pending, &other, now + 86_400).unwrap();
    assert_eq!(late.unwrap_err(), "expired");
    assert!(finish(&core, &pending, &other, now).unwrap().is_ok());
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    assert!(core.verify(&token, now, &mut buf).is_ok());
    assert_eq!(
        core.verdict_memo_stats().hits,
        1,
        "remembered once it passed"
    );
}

#[test]
fn keys_replaced_meanwhile_make_the_answer_void() {
    let (case, token, now) = valid_id();
    let jwks = serde_json::to_vec(&case["jwks"]).unwrap();
    let core = core_of(&case);
    let (pending, answer) = set_aside(&core, &token).unwrap();
    assert!(answer.valid);
    // Even the same document: a replacement, so the answer about the old set does not count.
    core.load_jwks(None, &jwks, now).unwrap();
    assert!(finish(&core, &pending, &answer, now).is_none());
    assert_eq!(core.verdict_memo_stats().bytes, 0);
    // Set aside again under the new keys: finished, and remembered under them.
    let (pending, answer) = set_aside(&core, &token).unwrap();
    assert!(finish(&core, &pending, &answer, now).unwrap().is_ok());
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    assert!(core.verify(&token, now, &mut buf).is_ok());
    assert_eq!(core.verdict_memo_stats().hits, 1);
}
