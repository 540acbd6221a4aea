//! The verified-signature cache changes no answer: every vector gives the same result with and
//! without it, from one thread or many, and a cached signature never vouches for a token that
//! has expired, whose key left the key set, that a stricter configuration refuses, or whose
//! payload differs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]
#![cfg(feature = "signature-cache")]

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cognito_verify::{
    payload_buffer_len, CacheSlot, CoreCrypto, Error, KeySet, SignatureCache, VerifierConfig,
};
use serde_json::Value;

type Cache = SignatureCache<[CacheSlot; 256]>;

struct Case {
    name: String,
    token: String,
    keys: KeySet,
    config: VerifierConfig,
    now: u64,
    jwks: Value,
}

fn cases() -> Vec<Case> {
    common::jsonl("tokens.jsonl")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_owned(),
            token: c["token"].as_str().unwrap().to_owned(),
            keys: KeySet::from_jwks(&serde_json::to_vec(&c["jwks"]).unwrap()).unwrap_or_default(),
            config: common::config(&c["config"]),
            now: c["now"].as_u64().unwrap(),
            jwks: c["jwks"].clone(),
        })
        .collect()
}

fn case(name: &str) -> Case {
    cases().into_iter().find(|c| c.name == name).expect(name)
}

/// The verification's outcome as comparable data: the `sub` or the error.
fn plain(config: &VerifierConfig, keys: &KeySet, token: &str, now: u64) -> Result<String, Error> {
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    config
        .verifier()
        .verify(keys, token, now, &mut buf)
        .map(|c| c.payload_json().to_owned())
}

fn cached<const N: usize>(
    config: &VerifierConfig,
    keys: &KeySet,
    cache: &SignatureCache<[CacheSlot; N]>,
    token: &str,
    now: u64,
) -> Result<String, Error> {
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    let v = config.verifier();
    let parsed = v.parse(token, &mut buf)?;
    v.verify_token_cached(&parsed, Some(keys), cache, now, &mut CoreCrypto)
        .map(|c| c.payload_json().to_owned())
}

#[test]
fn every_vector_agrees_with_and_without_the_cache() {
    let cache = Cache::new();
    let cases = cases();
    for round in 0..3 {
        for c in &cases {
            let want = plain(&c.config, &c.keys, &c.token, c.now);
            let got = cached(&c.config, &c.keys, &cache, &c.token, c.now);
            assert_eq!(got, want, "{} round {round}", c.name);
        }
    }
    let valid = cases
        .iter()
        .filter(|c| plain(&c.config, &c.keys, &c.token, c.now).is_ok())
        .count();
    let s = cache.stats();
    // Every valid token hit in rounds 2 and 3 (tokens shared by several vectors hit sooner).
    assert!(s.hits >= 2 * valid as u64, "{s:?} {valid}");
    assert!(cases.len() > 100, "{} vectors", cases.len());
}

#[test]
fn threads_sharing_a_cache_agree_with_one_thread() {
    let cases = cases();
    let want: Vec<_> = cases
        .iter()
        .map(|c| plain(&c.config, &c.keys, &c.token, c.now))
        .collect();
    // A small cache, so threads also race on eviction.
    let cache: SignatureCache<[CacheSlot; 16]> = SignatureCache::new();
    std::thread::scope(|s| {
        for t in 0..4 {
            let (cases, want, cache) = (&cases, &want, &cache);
            s.spawn(move || {
                for round in 0..20 {
                    for (i, c) in cases.iter().enumerate() {
                        // Each thread walks the vectors from a different place.
                        let i = (i + t * 37 + round) % cases.len();
                        let c2 = &cases[i];
                        let got = cached(&c2.config, &c2.keys, cache, &c2.token, c2.now);
                        assert_eq!(got, want[i], "{} thread {t}", c.name);
                    }
                }
            });
        }
    });
    assert!(cache.stats().hits > 0);
}

#[test]
fn an_expired_token_is_refused_after_a_hit() {
    let c = case("valid_id");
    let cache = Cache::new();
    assert!(cached(&c.config, &c.keys, &cache, &c.token, c.now).is_ok());
    let later = 1_700_003_540;
    assert_eq!(
        cached(&c.config, &c.keys, &cache, &c.token, later),
        Err(Error::Expired)
    );
    assert_eq!(
        plain(&c.config, &c.keys, &c.token, later),
        Err(Error::Expired)
    );
    assert_eq!(
        cache.stats().hits,
        1,
        "the signature was found, the clock refused it"
    );
}

fn jwks_where(jwks: &Value, f: impl Fn(&mut Vec<Value>)) -> KeySet {
    let mut doc = jwks.clone();
    f(doc["keys"].as_array_mut().unwrap());
    KeySet::from_jwks(&serde_json::to_vec(&doc).unwrap()).unwrap()
}

#[test]
fn a_key_that_left_the_set_or_changed_is_not_trusted() {
    let c = case("valid_id");
    let cache = Cache::new();
    assert!(cached(&c.config, &c.keys, &cache, &c.token, c.now).is_ok());
    assert!(cached(&c.config, &c.keys, &cache, &c.token, c.now).is_ok());
    assert_eq!(cache.stats().hits, 1);

    // kA removed.
    let without = jwks_where(&c.jwks, |k| k.retain(|k| k["kid"] != "kA"));
    assert!(!without.is_empty());
    assert_eq!(
        cached(&c.config, &without, &cache, &c.token, c.now),
        Err(Error::UnknownKid)
    );
    assert_eq!(
        plain(&c.config, &without, &c.token, c.now),
        Err(Error::UnknownKid)
    );

    // kA re-added under the same kid with another key's modulus.
    let swapped = jwks_where(&c.jwks, |k| {
        let other = k
            .iter()
            .find(|k| k["kid"] != "kA" && k["kty"] == "RSA")
            .unwrap()
            .clone();
        k.retain(|k| k["kid"] != "kA");
        let mut moved = other;
        moved["kid"] = "kA".into();
        k.push(moved);
    });
    assert_eq!(
        cached(&c.config, &swapped, &cache, &c.token, c.now),
        Err(Error::InvalidSignature)
    );
    assert_eq!(
        plain(&c.config, &swapped, &c.token, c.now),
        Err(Error::InvalidSignature)
    );
    // The original key again: the entry still holds.
    let hits = cache.stats().hits;
    assert!(cached(&c.config, &c.keys, &cache, &c.token, c.now).is_ok());
    assert_eq!(cache.stats().hits, hits + 1);
}

#[test]
fn a_stricter_configuration_refuses_a_cached_token() {
    let c = case("valid_id");
    let cache = Cache::new();
    assert!(cached(&c.config, &c.keys, &cache, &c.token, c.now).is_ok());
    let strict = [
        (
            VerifierConfig::builder()
                .user_pool("us-east-1_TestPool1")
                .client_id("someotherclient")
                .build()
                .unwrap(),
            Error::WrongClient,
        ),
        (
            VerifierConfig::builder()
                .user_pool("us-east-1_TestPool1")
                .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
                .token_use(cognito_verify::AcceptedTokenUse::Access)
                .build()
                .unwrap(),
            Error::WrongTokenUse,
        ),
        (
            VerifierConfig::builder()
                .user_pool("us-east-1_TestPool1")
                .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
                .groups(cognito_verify::Match::AnyOf, ["auditors"])
                .build()
                .unwrap(),
            Error::GroupNotAllowed,
        ),
        (
            VerifierConfig::builder()
                .user_pool("eu-west-1_OtherPool")
                .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
                .build()
                .unwrap(),
            Error::WrongIssuer,
        ),
    ];
    let hits = cache.stats().hits;
    for (config, code) in &strict {
        assert_eq!(cached(config, &c.keys, &cache, &c.token, c.now), Err(*code));
        assert_eq!(plain(config, &c.keys, &c.token, c.now), Err(*code));
    }
    // The signature was found for the three configurations of the same pool.
    assert_eq!(cache.stats().hits, hits + 3);
}

#[test]
fn a_payload_one_byte_off_is_refused() {
    let c = case("valid_id");
    let cache = Cache::new();
    assert!(cached(&c.config, &c.keys, &cache, &c.token, c.now).is_ok());
    let parts: Vec<&str> = c.token.split('.').collect();
    let mut payload = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
    // "alice" becomes "alicf": still a valid payload, differently signed bytes.
    let at = payload.windows(5).position(|w| w == b"alice").unwrap() + 4;
    payload[at] += 1;
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(&payload),
        parts[2]
    );
    assert_eq!(
        plain(&c.config, &c.keys, &forged, c.now),
        Err(Error::InvalidSignature)
    );
    let before = cache.stats();
    for _ in 0..3 {
        assert_eq!(
            cached(&c.config, &c.keys, &cache, &forged, c.now),
            Err(Error::InvalidSignature)
        );
    }
    let after = cache.stats();
    // Never a hit, never stored: each attempt ran the arithmetic.
    assert_eq!((after.hits, after.misses), (before.hits, before.misses + 3));
}

#[test]
fn counters_move_as_expected() {
    let c = case("valid_id");
    let cache = Cache::new();
    let counts = || (cache.stats().hits, cache.stats().misses);
    assert_eq!(counts(), (0, 0));
    // The same token, once its clock has passed `exp`: the signature is valid but the token is
    // refused, so it is not stored and misses again.
    let e = case("expired_at_exp");
    assert_eq!(e.token, c.token);
    for misses in [1, 2] {
        assert_eq!(
            cached(&e.config, &e.keys, &cache, &e.token, e.now),
            Err(Error::Expired)
        );
        assert_eq!(counts(), (0, misses));
    }
    cached(&c.config, &c.keys, &cache, &c.token, c.now).unwrap();
    assert_eq!(counts(), (0, 3));
    cached(&c.config, &c.keys, &cache, &c.token, c.now).unwrap();
    assert_eq!(counts(), (1, 3));
    // Refused before the signature: not looked up at all.
    let k = case("kid_unknown");
    let _ = cached(&k.config, &k.keys, &cache, &k.token, k.now);
    assert_eq!(counts(), (1, 3));
    cache.clear();
    cached(&c.config, &c.keys, &cache, &c.token, c.now).unwrap();
    assert_eq!(counts(), (1, 4));
    assert_eq!(cache.stats().capacity, 256);
}
