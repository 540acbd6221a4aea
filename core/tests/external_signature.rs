//! `Verifier::verify_token` with a `SignatureCheck`: an independent implementation (the `rsa` and `p256`
//! crates) gives every shared vector the same verdict as `verify`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use cognito_verify::{payload_buffer_len, Algorithm, KeySet, SignedData};
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn independent_check(jwks: &Value, signed: &SignedData<'_>) -> bool {
    let kid = core::str::from_utf8(signed.kid).unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap();
    let field = |name: &str| B64.decode(jwk[name].as_str().unwrap()).unwrap();
    let digest = Sha256::digest(signed.signing_input);
    match signed.algorithm {
        Algorithm::Rs256 => {
            let key = RsaPublicKey::new(
                BigUint::from_bytes_be(&field("n")),
                BigUint::from_bytes_be(&field("e")),
            )
            .unwrap();
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signed.signature)
                .is_ok()
        }
        Algorithm::Es256 => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let mut sec1 = vec![4u8];
            sec1.extend(field("x"));
            sec1.extend(field("y"));
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
            p256::ecdsa::Signature::from_slice(signed.signature)
                .is_ok_and(|sig| key.verify_prehash(&digest, &sig).is_ok())
        }
        _ => false,
    }
}

#[test]
fn same_verdicts_as_builtin_crypto() {
    let mut cases = common::jsonl("tokens.jsonl");
    cases.extend(common::jsonl("real-world/cases.jsonl"));
    let mut checked = 0;
    for case in &cases {
        let jwks_bytes = serde_json::to_vec(&case["jwks"]).unwrap();
        let Ok(keys) = KeySet::<4>::from_jwks(&jwks_bytes) else {
            continue;
        };
        let config = common::config(&case["config"]);
        let verifier = config.verifier();
        let token = case["token"].as_str().unwrap();
        let now = case["now"].as_u64().unwrap();
        let mut b1 = vec![0u8; payload_buffer_len(token.len())];
        let mut b2 = b1.clone();
        let builtin = verifier.verify(&keys, token, now, &mut b1).map(|c| c.exp());
        let mut calls = 0;
        let external = verifier
            .parse(token, &mut b2)
            .and_then(|t| {
                verifier.verify_token(&t, Some(&keys), now, &mut |signed: &SignedData<'_>| {
                    calls += 1;
                    assert!(token.as_bytes().starts_with(signed.signing_input));
                    independent_check(&case["jwks"], signed)
                })
            })
            .map(|c| c.exp());
        assert_eq!(builtin, external, "{}", case["name"]);
        assert!(calls <= 1);
        checked += 1;
    }
    assert_eq!(checked, 219);
}

#[test]
fn a_check_saying_no_is_invalid_signature() {
    let case = &common::jsonl("tokens.jsonl")[0];
    let keys = KeySet::<4>::from_jwks(&serde_json::to_vec(&case["jwks"]).unwrap()).unwrap();
    let config = common::config(&case["config"]);
    let verifier = config.verifier();
    let mut buf = vec![0u8; 4096];
    let r = verifier
        .parse(case["token"].as_str().unwrap(), &mut buf)
        .and_then(|t| {
            let now = case["now"].as_u64().unwrap();
            verifier.verify_token(&t, Some(&keys), now, &mut |_: &SignedData<'_>| false)
        });
    assert_eq!(r.err(), Some(cognito_verify::Error::InvalidSignature));
}

/// The core checks the signature's shape before platform crypto sees it, so an engine that is
/// lax about it (here: one that accepts everything) cannot be led to accept a malformed one.
#[test]
fn the_signature_shape_is_checked_before_an_external_check() {
    let cases = common::jsonl("tokens.jsonl");
    let mut checked = 0;
    for name in [
        "empty_signature",
        "signature_one_byte_short",
        "signature_one_byte_long",
        "signature_equal_to_modulus",
        "signature_above_modulus",
        "signature_too_long_for_any_key",
        "es256_der_signature",
    ] {
        let case = cases.iter().find(|c| c["name"] == name).expect(name);
        let jwks_bytes = serde_json::to_vec(&case["jwks"]).unwrap();
        let keys = KeySet::<4>::from_jwks(&jwks_bytes).unwrap();
        let config = common::config(&case["config"]);
        let token = case["token"].as_str().unwrap();
        let mut buf = vec![0u8; payload_buffer_len(token.len())];
        let mut calls = 0;
        let verifier = config.verifier();
        let r = verifier.parse(token, &mut buf).and_then(|t| {
            let now = case["now"].as_u64().unwrap();
            verifier.verify_token(&t, Some(&keys), now, &mut |_: &SignedData<'_>| {
                calls += 1;
                true
            })
        });
        assert_eq!(
            r.err(),
            Some(cognito_verify::Error::InvalidSignature),
            "{name}"
        );
        assert_eq!(calls, 0, "{name}: the external check was not asked");
        checked += 1;
    }
    assert_eq!(checked, 7);
}
