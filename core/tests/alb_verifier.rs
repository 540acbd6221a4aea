//! The core's ALB verifier (`AlbVerifierCore`), which every runtime with a heap drives: the shared
//! table through it with its caches on and off, each token a second time (from the verdict memo
//! when it verified), what a memo hit re-checks when the world changed, and the key-fetch policy.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use cognito_verify::alb::{AlbConfig, AlbStep, AlbVerifierCore, KeyAction, KeyRequest};
use cognito_verify::testing::alb as kit;
use cognito_verify::{Error, RefreshConfig};
use p256::pkcs8::EncodePublicKey;
use serde_json::Value;

const NOW: u64 = 1_700_000_000;

/// The verifier of a case of `alb.jsonl`, holding the case's key under the token's `kid` for
/// the token's load balancer when that is one of the configured (else no key: the token must be
/// refused before one is needed).
fn verifier_of(case: &Value, memo: usize, signatures: usize) -> AlbVerifierCore {
    let mut b = AlbConfig::builder()
        .leeway(case["leeway"].as_u64().unwrap())
        .verdict_memo(memo)
        .signature_cache(signatures);
    for s in common::strs(&case["signers"]) {
        b = b.alb_arn(s);
    }
    for c in common::strs(&case["clients"]) {
        b = b.client_id(c);
    }
    if let Some(issuer) = case["issuer"].as_str() {
        b = b.issuer(issuer);
    }
    let core = AlbVerifierCore::new(b.build().unwrap());
    let header = case["token"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .and_then(|h| URL_SAFE.decode(h).ok())
        .and_then(|h| serde_json::from_slice::<Value>(&h).ok());
    if let Some(h) = header {
        if let (Some(signer), Some(kid)) = (h["signer"].as_str(), h["kid"].as_str()) {
            let _ = core.cache_key(signer, kid, case["key_pem"].as_str().unwrap());
        }
    }
    core
}

fn verdict(core: &AlbVerifierCore, token: &str, now: u64) -> Result<Value, Error> {
    match core.verify(token, now)? {
        AlbStep::Verified(c) => Ok(serde_json::json!({
            "sub": c.sub(), "email": c.email(), "username": c.username(), "exp": c.exp(),
        })),
        AlbStep::NeedKey(r) => panic!("key {} of load balancer {} not held", r.kid(), r.alb()),
    }
}

#[test]
fn every_case_twice_through_the_verifier_with_and_without_caches() {
    let cases = common::jsonl("alb.jsonl");
    for (memo, signatures) in [(2048, 4096), (0, 4096), (2048, 0), (0, 0)] {
        let mut hits = 0;
        for case in &cases {
            let name = case["name"].as_str().unwrap();
            let core = verifier_of(case, memo, signatures);
            let (token, now) = (
                case["token"].as_str().unwrap(),
                case["now"].as_u64().unwrap(),
            );
            for round in 0..2 {
                match verdict(&core, token, now) {
                    Ok(claims) => {
                        assert_eq!(case["expect"], "valid", "{name} (round {round})");
                        assert_eq!(claims, case["claims"], "{name}: claims");
                    }
                    Err(e) => assert_eq!(case["expect"], e.code(), "{name} (round {round})"),
                }
            }
            let valid = case["expect"] == "valid";
            let stats = core.verdict_memo_stats();
            // A valid token's second verification is the memo's, when there is one.
            assert_eq!(
                stats.hits,
                u64::from(valid && memo > 0),
                "{name}: memo hits"
            );
            hits += stats.hits;
            let sig = core.signature_cache_stats();
            if valid && memo == 0 && signatures > 0 {
                assert_eq!((sig.hits, sig.misses), (1, 1), "{name}: signature cache");
            }
        }
        println!(
            "alb.jsonl through AlbVerifierCore (memo {memo}, signature cache {signatures}): {} cases, {hits} memo hits",
            cases.len()
        );
    }
}

fn core(refresh: RefreshConfig) -> AlbVerifierCore {
    AlbVerifierCore::new(
        AlbConfig::builder()
            .alb_arn(kit::SIGNER)
            .client_id(kit::CLIENT)
            .leeway(30)
            .refresh(refresh)
            .build()
            .unwrap(),
    )
}

fn other_key_pem() -> String {
    let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    key.verifying_key()
        .to_public_key_pem(p256::pkcs8::LineEnding::LF)
        .unwrap()
}

fn code(r: Result<AlbStep, Error>) -> &'static str {
    match r {
        Ok(AlbStep::Verified(_)) => "valid",
        Ok(AlbStep::NeedKey(_)) => "need_key",
        Err(e) => e.code(),
    }
}

#[test]
fn a_memo_hit_gets_what_a_full_verification_gets_after_the_world_changed() {
    let c = core(RefreshConfig::DEFAULT);
    c.cache_key(kit::SIGNER, kit::KID, kit::PUBLIC_KEY_PEM)
        .unwrap();
    let exp = NOW + 600;
    let token = kit::token(kit::SIGNER, kit::CLIENT, i64::try_from(exp).unwrap());
    assert_eq!(code(c.verify(&token, NOW)), "valid");
    // The window's edges, with the leeway of 30 s: from the memo.
    assert_eq!(code(c.verify(&token, exp + 29)), "valid");
    assert_eq!(code(c.verify(&token, exp + 30)), "expired");
    assert_eq!(c.verdict_memo_stats().hits, 2);
    // Another key installed for the load balancer: entries verified before are misses,
    // verified in full again (and still valid under the key they name).
    c.cache_key(
        kit::SIGNER,
        "0b0b0b0b-0000-4000-8000-000000000000",
        &other_key_pem(),
    )
    .unwrap();
    assert_eq!(code(c.verify(&token, NOW)), "valid");
    assert_eq!(
        c.verdict_memo_stats().hits,
        2,
        "a miss after the keys changed"
    );
    assert_eq!(code(c.verify(&token, NOW)), "valid");
    assert_eq!(c.verdict_memo_stats().hits, 3);
    // The key replaced under the same kid: the memo and the signature cache both miss.
    c.cache_key(kit::SIGNER, kit::KID, &other_key_pem())
        .unwrap();
    assert_eq!(code(c.verify(&token, NOW)), "invalid_signature");
    assert_eq!(code(c.verify(&token, NOW)), "invalid_signature");
}

#[test]
fn a_key_fetch_per_load_balancer_per_cooldown() {
    let refresh = RefreshConfig {
        unknown_kid_cooldown: 30,
        ..RefreshConfig::DEFAULT
    };
    let c = core(refresh);
    let token = kit::token(kit::SIGNER, kit::CLIENT, 1_700_000_600);
    let Ok(AlbStep::NeedKey(request)) = c.verify(&token, NOW) else {
        panic!("a key to fetch")
    };
    assert_eq!(request.kid(), kit::KID);
    let KeyAction::Fetch { url } = c.request_key(&request, NOW) else {
        panic!("the first fetch is allowed")
    };
    assert_eq!(
        url,
        format!(
            "https://public-keys.auth.elb.us-east-2.amazonaws.com/{}",
            kit::KID
        )
    );
    // Failed: no key at all, so the token's load balancer has keys unavailable until the
    // cooldown ends, and no second fetch before.
    c.key_failed(&request);
    let retry = KeyAction::Unavailable { retry_at: NOW + 30 };
    assert_eq!(c.request_key(&request, NOW + 29), retry);
    assert!(matches!(
        c.request_key(&request, NOW + 30),
        KeyAction::Fetch { .. }
    ));
    c.key_fetched(&request, kit::PUBLIC_KEY_PEM.as_bytes())
        .unwrap();
    assert_eq!(code(c.verify(&token, NOW + 30)), "valid");
    // An invented kid: a fetch only once per cooldown; meanwhile `unknown_kid`.
    let invented = |i: u32| request_for(&c, &format!("{i:08x}-0000-4000-8000-000000000000"));
    assert!(matches!(
        c.request_key(&invented(1), NOW + 31),
        KeyAction::Refused(Error::UnknownKid)
    ));
    assert!(matches!(
        c.request_key(&invented(2), NOW + 60),
        KeyAction::Fetch { .. }
    ));
    for i in 3..100 {
        assert_eq!(
            c.request_key(&invented(i), NOW + 61),
            KeyAction::Refused(Error::UnknownKid)
        );
    }
    assert_eq!(c.key_stats().fetches, 3);
    // A document that is not a P-256 key: a failure, nothing kept.
    assert!(c.key_fetched(&invented(2), b"not a key").is_err());
    assert_eq!((c.key_stats().keys, c.key_stats().failures), (1, 2));
}

/// The key request of a token of the kit's load balancer naming `kid`.
fn request_for(c: &AlbVerifierCore, kid: &str) -> KeyRequest {
    let header = serde_json::json!({
        "typ": "JWT", "kid": kid, "alg": "ES256", "iss": kit::ISSUER,
        "client": kit::CLIENT, "signer": kit::SIGNER, "exp": 1_700_000_600,
    });
    let token = kit::sign(&header, &serde_json::json!({ "sub": "x" }));
    match c.verify(&token, NOW) {
        Ok(AlbStep::NeedKey(r)) => r,
        other => panic!("{kid}: {:?}", other.map(|_| ())),
    }
}
