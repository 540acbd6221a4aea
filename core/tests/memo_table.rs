//! `testdata/memo.jsonl`: a token verified (and remembered), then the world changes (the clock,
//! the keys, revocations, the custom check, another configuration), then the same token again
//! through the memo: the code a fresh verifier without a memo gives in that world, which each
//! step also builds and asks. The C and JS tests read the same table.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cognito_verify::{payload_buffer_len, VerifierCore};
use serde_json::Value;

const CASES: usize = 20;
const STEPS: usize = 102;

/// What has happened to the case so far: the keys last loaded, revocations (with when), and
/// whether the custom checks refuse. A fresh verifier is built from it.
struct World<'c> {
    keys: Option<(&'c str, u64)>,
    revoked: Vec<(&'c Value, u64)>,
    refuse: Arc<AtomicBool>,
}

/// A verifier of `config` (memo of `memo` entries), its custom check asking `refuse`.
fn verifier(config: &Value, memo: usize, refuse: &Arc<AtomicBool>) -> VerifierCore {
    let mut b = common::builder(config).verdict_memo(memo);
    if config["custom_check"] == true {
        let refuse = Arc::clone(refuse);
        b = b.custom_check(move |_| !refuse.load(Ordering::Relaxed));
    }
    VerifierCore::new(b.build().unwrap())
}

fn jwks(case: &Value, name: &str) -> Vec<u8> {
    serde_json::to_vec(&case["jwks"][name]).unwrap()
}

fn verdict(core: &VerifierCore, token: &str, now: u64) -> String {
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    match core.verify(token, now, &mut buf) {
        Ok(_) => "valid".to_owned(),
        Err(e) => e.code().to_owned(),
    }
}

/// A verifier without a memo, built now in `world`: the code a full verification gives.
fn fresh(case: &Value, config: &Value, world: &World<'_>, token: &str, now: u64) -> String {
    let core = verifier(config, 0, &world.refuse);
    if let Some((doc, at)) = world.keys {
        core.load_jwks(None, &jwks(case, doc), at).unwrap();
    }
    for (r, at) in &world.revoked {
        core.revoke(common::revocation(r), *at).unwrap();
    }
    verdict(&core, token, now)
}

#[test]
fn every_memo_case() {
    let cases = common::jsonl("memo.jsonl");
    let (mut steps, mut hits, mut valid_hits) = (0, 0, 0);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let base = case["base"].as_u64().unwrap();
        let token = case["token"].as_str().unwrap();
        let mut world = World {
            keys: None,
            revoked: Vec::new(),
            refuse: Arc::new(AtomicBool::new(false)),
        };
        let configs = case["configs"].as_object().unwrap();
        let cores: BTreeMap<&str, VerifierCore> = configs
            .iter()
            .map(|(n, c)| (n.as_str(), verifier(c, 64, &world.refuse)))
            .collect();
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            let at = base
                .checked_add_signed(step["at"].as_i64().unwrap())
                .unwrap();
            let what = format!("{name}, step {i}: {step}");
            if let Some(doc) = step["load"].as_str() {
                for core in cores.values() {
                    core.load_jwks(None, &jwks(case, doc), at).unwrap();
                }
                world.keys = Some((doc, at));
            } else if step["revoke"].is_object() {
                for core in cores.values() {
                    core.revoke(common::revocation(&step["revoke"]), at)
                        .unwrap();
                }
                world.revoked.push((&step["revoke"], at));
            } else if let Some(answer) = step["custom_check"].as_str() {
                world.refuse.store(answer == "refuse", Ordering::Relaxed);
            } else if let Some(on) = step["verify"].as_str() {
                let core = &cores[on];
                let before = core.verdict_memo_stats().hits;
                let got = verdict(core, token, at);
                let hit = core.verdict_memo_stats().hits - before;
                assert_eq!(got, step["expect"], "{what}: memo");
                assert_eq!(
                    fresh(case, &configs[on], &world, token, at),
                    got,
                    "{what}: a fresh verifier without a memo"
                );
                if let Some(want) = step["hit"].as_bool() {
                    assert_eq!(hit, u64::from(want), "{what}: memo hits");
                    valid_hits += usize::from(want);
                }
                hits += hit;
            } else {
                panic!("{what}: unknown step");
            }
            steps += 1;
        }
    }
    assert_eq!((cases.len(), steps), (CASES, STEPS));
    println!(
        "memo.jsonl: {} cases, {steps} steps, {valid_hits} hits passed ({hits} memo hits in all) (Rust)",
        cases.len()
    );
}

/// tokens.jsonl's ES256 vector: its token, configuration and keys.
fn es256_vector() -> Value {
    let mut cases = common::jsonl("tokens.jsonl");
    cases.retain(|c| c["name"] == "valid_es256_enabled");
    cases.pop().unwrap()
}

/// `n` distinct valid tokens: the ES256 vector's claims, each with its own `jti`, signed with
/// testdata's P-256 key (ES256: RSA signing with the `rsa` crate took 34 s for 10,000 here).
fn mint(vector: &Value, n: usize) -> Vec<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use p256::ecdsa::signature::Signer as _;

    // The private scalar of the PKCS#8 document: the 32 bytes after ECPrivateKey's version 1
    // and its OCTET STRING header (p256 is built here without its PKCS#8 feature).
    let pem = common::testdata("keys/p256.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let at = der.windows(5).position(|w| w == [2, 1, 1, 4, 32]).unwrap() + 5;
    let key = p256::ecdsa::SigningKey::from_slice(&der[at..at + 32]).unwrap();
    let mut parts = vector["token"].as_str().unwrap().split('.');
    let head = parts.next().unwrap();
    let payload = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&payload).unwrap();
    (0..n)
        .map(|i| {
            let mut c = claims.clone();
            c["jti"] = format!("bound-{i}").into();
            let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
            let input = format!("{head}.{body}");
            let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
        })
        .collect()
}

#[test]
fn ten_thousand_distinct_tokens_keep_the_memo_within_its_bounds() {
    const TOKENS: usize = 10_000;
    const ENTRIES: usize = 64;
    // 64 entries and the default bytes: the entry bound binds; 32 KiB: the byte bound binds
    // first (about 23 entries of these tokens).
    const BYTE_BOUNDS: [usize; 2] = [cognito_verify::DEFAULT_VERDICT_MEMO_BYTES, 32 * 1024];
    let vector = es256_vector();
    let now = vector["now"].as_u64().unwrap();
    let started = std::time::Instant::now();
    let tokens = mint(&vector, TOKENS);
    let minted = started.elapsed();
    let cores = BYTE_BOUNDS.map(|bytes| {
        let b = common::builder(&vector["config"]);
        let core = VerifierCore::new(
            b.verdict_memo(ENTRIES)
                .verdict_memo_bytes(bytes)
                .build()
                .unwrap(),
        );
        let keys = serde_json::to_vec(&vector["jwks"]).unwrap();
        core.load_jwks(None, &keys, now).unwrap();
        core
    });
    let mut peak = [(0, 0); 2];
    let mut scanned = [(0, 0); 2];
    for (i, token) in tokens.iter().enumerate() {
        for core in &cores {
            // Twice: a miss remembered, then (if it was kept) a hit.
            assert_eq!(verdict(core, token, now), "valid");
            assert_eq!(verdict(core, token, now), "valid");
        }
        if (i + 1) % 1000 != 0 {
            continue;
        }
        for (k, core) in cores.iter().enumerate() {
            let s = core.verdict_memo_stats();
            // The stats hold no entry count: count the tokens so far that the memo still holds
            // (each look-up counted as one, taken off below).
            let held = tokens[..=i]
                .iter()
                .filter(|t| core.remembered(t).is_some())
                .count();
            let after = core.verdict_memo_stats();
            scanned[k].0 += after.hits - s.hits;
            scanned[k].1 += after.misses - s.misses;
            let bound = BYTE_BOUNDS[k];
            assert_eq!((s.capacity, s.max_bytes), (ENTRIES, bound));
            assert!(
                s.bytes <= bound && s.bytes > 0,
                "after {} tokens: {s:?}",
                i + 1
            );
            assert!(
                held <= ENTRIES && held > 0,
                "after {} tokens: {held} held",
                i + 1
            );
            peak[k] = (peak[k].0.max(held), peak[k].1.max(s.bytes));
        }
    }
    for (k, core) in cores.iter().enumerate() {
        let s = core.verdict_memo_stats();
        let (hits, misses) = (s.hits - scanned[k].0, s.misses - scanned[k].1);
        assert_eq!(hits + misses, 2 * TOKENS as u64, "{s:?}");
        // A full memo takes each new token in place of an old one, under either bound: every
        // second verification (right after the first) is a hit.
        assert_eq!(hits, TOKENS as u64, "{s:?}");
        println!(
            "memo bound: {TOKENS} tokens, memo of {ENTRIES} entries and {} bytes: at most {} entries \
             and {} bytes held, {hits} of {TOKENS} second verifications hits (Rust)",
            BYTE_BOUNDS[k], peak[k].0, peak[k].1
        );
    }
    println!(
        "memo bound: {TOKENS} tokens minted in {minted:.1?}, verified in {:.1?}",
        started.elapsed() - minted
    );
}
