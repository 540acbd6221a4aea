//! Differential tests against jwt-compact: tokens it mints verify here, and tampered ones fail
//! here whenever they fail there (and whenever their encoding is not canonical).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use cognito_verify::{Config, Issuer, KeySet, Verifier};
use jwt_compact::alg::{Rsa, RsaPrivateKey, RsaPublicKey};
use jwt_compact::prelude::*;
use jwt_compact::Algorithm;
use rand::{Rng, SeedableRng};
use rsa::traits::PublicKeyParts;

const POOL: &str = "us-east-1_Differ3nt";
const CLIENT: &str = "diffclient0123456789abcdef";
const NOW: u64 = 1_750_000_000;

fn cognito_claims(rng: &mut impl Rng, access: bool) -> serde_json::Value {
    let user: String = (0..rng.gen_range(1..20))
        .map(|_| char::from(rng.gen_range(b'a'..=b'z')))
        .collect();
    let mut c = serde_json::json!({
        "sub": format!("{:08x}-0000-4000-8000-{:012x}", rng.gen::<u32>(), rng.gen::<u64>() >> 16),
        "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
        "token_use": if access { "access" } else { "id" },
        "exp": NOW + rng.gen_range(1..100_000),
        "iat": NOW - rng.gen_range(0..1000),
        "cognito:groups": ["g1", "emoji \u{1F600}", "quote \" and \\ slash /"],
        "jti": "j",
    });
    let o = c.as_object_mut().unwrap();
    if access {
        o.insert("client_id".into(), CLIENT.into());
        o.insert("username".into(), user.into());
        o.insert("scope".into(), "openid email".into());
    } else {
        o.insert("aud".into(), CLIENT.into());
        o.insert("cognito:username".into(), user.into());
        o.insert("email".into(), "ünïcödé@example.com".into());
    }
    c
}

fn canonical(token: &str) -> bool {
    token
        .split('.')
        .all(|seg| B64.decode(seg).is_ok_and(|b| B64.encode(b) == seg))
}

fn tamper(rng: &mut impl Rng, token: &str) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut b = token.as_bytes().to_vec();
    loop {
        let i = rng.gen_range(0..b.len());
        if b[i] == b'.' {
            continue;
        }
        let c = ALPHA[rng.gen_range(0..64)];
        if c != b[i] {
            b[i] = c;
            return String::from_utf8(b).unwrap();
        }
    }
}

struct Outcome {
    accepted: usize,
    tampered: usize,
    noncanonical: usize,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one generic body for both algorithms"
)]
fn compare<A: Algorithm>(
    rng: &mut rand::rngs::StdRng,
    alg: &A,
    signing: &A::SigningKey,
    verifying: &A::VerifyingKey,
    jwks: &str,
    kid: &str,
    tokens: usize,
    out: &mut Outcome,
) {
    let keys: KeySet = KeySet::from_jwks(jwks.as_bytes()).unwrap();
    let issuers = [Issuer::UserPool(POOL)];
    let verifier = Verifier::new(Config::new(&issuers, &[CLIENT]).allow_es256(true)).unwrap();
    let mut buf = vec![0u8; 8192];
    for i in 0..tokens {
        let claims = Claims::new(cognito_claims(rng, i % 2 == 0));
        let token = alg
            .token(&Header::empty().with_key_id(kid), &claims, signing)
            .unwrap();
        let ours = verifier
            .verify(&keys, &token, NOW, &mut buf)
            .map(|c| c.sub().map(|s| s.to_string()));
        assert!(
            ours.is_ok(),
            "jwt-compact token rejected: {ours:?}\n{token}"
        );
        assert_eq!(ours.unwrap().as_deref(), claims.custom["sub"].as_str());
        out.accepted += 1;

        for _ in 0..8 {
            let bad = tamper(rng, &token);
            let theirs = UntrustedToken::new(&bad)
                .ok()
                .and_then(|t| {
                    alg.validator::<serde_json::Value>(verifying)
                        .validate(&t)
                        .ok()
                })
                .is_some();
            let ours = verifier.verify(&keys, &bad, NOW, &mut buf).is_ok();
            if canonical(&bad) {
                assert_eq!(ours, theirs, "disagree on {bad}");
            } else {
                assert!(!ours, "accepted non-canonical {bad}");
                out.noncanonical += 1;
            }
            out.tampered += 1;
        }
    }
}

#[test]
fn rs256_tokens_minted_by_jwt_compact() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut out = Outcome {
        accepted: 0,
        tampered: 0,
        noncanonical: 0,
    };
    for (bits, n) in [(2048, 3), (3072, 1), (4096, 1)] {
        for _ in 0..n {
            let sk = RsaPrivateKey::new(&mut rng, bits).unwrap();
            let pk = RsaPublicKey::from(&sk);
            let jwks = serde_json::json!({"keys": [{"kty": "RSA", "kid": "rk", "alg": "RS256", "use": "sig",
                "n": B64.encode(pk.n().to_bytes_be()), "e": B64.encode(pk.e().to_bytes_be())}]});
            compare(
                &mut rng,
                &Rsa::rs256(),
                &sk,
                &pk,
                &jwks.to_string(),
                "rk",
                20,
                &mut out,
            );
        }
    }
    assert_eq!(out.accepted, 100);
    assert_eq!(out.tampered, 800);
    println!(
        "rs256: {} minted, {} tampered ({} non-canonical)",
        out.accepted, out.tampered, out.noncanonical
    );
}

#[test]
#[cfg(feature = "es256")]
fn es256_tokens_minted_by_jwt_compact() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut out = Outcome {
        accepted: 0,
        tampered: 0,
        noncanonical: 0,
    };
    for _ in 0..5 {
        let sk = p256::ecdsa::SigningKey::random(&mut rng);
        let vk = *sk.verifying_key();
        let point = vk.to_encoded_point(false);
        let jwks = serde_json::json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "ek", "alg": "ES256",
            "x": B64.encode(point.x().unwrap()), "y": B64.encode(point.y().unwrap())}]});
        compare(
            &mut rng,
            &jwt_compact::alg::Es256,
            &sk,
            &vk,
            &jwks.to_string(),
            "ek",
            20,
            &mut out,
        );
    }
    assert_eq!(out.accepted, 100);
    assert_eq!(out.tampered, 800);
    println!(
        "es256: {} minted, {} tampered ({} non-canonical)",
        out.accepted, out.tampered, out.noncanonical
    );
}
