//! ALB tokens (`x-amzn-oidc-data`): every case of `testdata/alb.jsonl` (the load balancer's wire
//! format: padded segments, raw signatures, UUID kids, ARNs of three partitions), which the C and
//! JS tests read too, and the key formats an ALB publishes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation is a test failure"
)]

mod common;

use cognito_verify::alb::{alb_buffer_len, AlbKey, AlbKeyError, AlbRules, AlbToken};
use cognito_verify::Error;
use serde_json::Value;

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

/// The verdict on one case, and the claims of a valid token as the table writes them.
fn run(case: &Value) -> Result<Value, Error> {
    let token = case["token"].as_str().unwrap();
    let key = AlbKey::from_pem(case["key_pem"].as_str().unwrap()).unwrap();
    let (signers, clients) = (strings(&case["signers"]), strings(&case["clients"]));
    let mut rules = AlbRules::new(&signers, &clients).leeway(case["leeway"].as_u64().unwrap());
    if let Some(issuer) = case["issuer"].as_str() {
        rules = rules.issuer(issuer);
    }
    let mut buf = vec![0u8; alb_buffer_len(token.len())];
    let parsed = AlbToken::parse(token, &mut buf)?;
    let claims = parsed.verify(&rules, &key, case["now"].as_u64().unwrap())?;
    Ok(serde_json::json!({
        "sub": claims.sub(), "email": claims.email(), "username": claims.username(), "exp": claims.exp(),
    }))
}

#[test]
fn every_case_of_the_alb_table() {
    let cases = common::jsonl("alb.jsonl");
    let mut valid = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let expect = case["expect"].as_str().unwrap();
        match run(case) {
            Ok(claims) => {
                assert_eq!(expect, "valid", "{name}: accepted");
                assert_eq!(claims, case["claims"], "{name}: claims");
                valid += 1;
            }
            Err(e) => assert_eq!(e.code(), expect, "{name}"),
        }
    }
    assert!(cases.len() >= 50, "{} cases", cases.len());
    println!("alb.jsonl: {} cases, {valid} valid (Rust)", cases.len());
}

#[test]
fn a_buffer_too_small_is_token_too_large_not_a_panic() {
    let cases = common::jsonl("alb.jsonl");
    let token = cases[0]["token"].as_str().unwrap();
    for len in [0, 1, 16, 64, alb_buffer_len(token.len()) / 2] {
        let mut buf = vec![0u8; len];
        assert_eq!(
            AlbToken::parse(token, &mut buf).err(),
            Some(Error::TokenTooLarge),
            "{len}"
        );
    }
}

#[test]
fn the_kid_and_signer_are_read_before_any_key() {
    let cases = common::jsonl("alb.jsonl");
    let token = cases[0]["token"].as_str().unwrap();
    let mut buf = vec![0u8; alb_buffer_len(token.len())];
    let parsed = AlbToken::parse(token, &mut buf).unwrap();
    assert_eq!(parsed.kid(), "6a2f3b1c-9d4e-4f5a-8b7c-0d1e2f3a4b5c");
    assert!(parsed
        .signer()
        .starts_with("arn:aws:elasticloadbalancing:us-east-2:"));
}

#[test]
fn published_keys_read_with_clear_errors() {
    let pem = common::jsonl("alb.jsonl")[0]["key_pem"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(AlbKey::from_pem(&pem).is_ok());
    assert!(
        AlbKey::from_pem(pem.trim()).is_ok(),
        "without the final newline"
    );
    let der = {
        use base64::Engine as _;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    };
    assert!(AlbKey::from_der(&der).is_ok());
    assert_eq!(AlbKey::from_pem("not a key"), Err(AlbKeyError::NotPem));
    assert_eq!(
        AlbKey::from_pem(&pem.replace("PUBLIC KEY", "PRIVATE KEY")),
        Err(AlbKeyError::NotPem)
    );
    assert_eq!(
        AlbKey::from_der(&der[..40]),
        Err(AlbKeyError::NotSubjectPublicKeyInfo)
    );
    assert_eq!(
        AlbKey::from_der(b""),
        Err(AlbKeyError::NotSubjectPublicKeyInfo)
    );
    // The last byte of the point changed: off the curve.
    let mut off_curve = der.clone();
    *off_curve.last_mut().unwrap() ^= 1;
    assert_eq!(AlbKey::from_der(&off_curve), Err(AlbKeyError::InvalidPoint));
    // A P-384 key and an RSA key: a SubjectPublicKeyInfo, not of P-256.
    for other in [P384_SPKI, RSA_SPKI] {
        assert_eq!(AlbKey::from_pem(other), Err(AlbKeyError::NotP256));
    }
    assert_eq!(
        AlbKeyError::InvalidPoint.to_string(),
        "key's point is not on the P-256 curve"
    );
}

/// The public half of `testdata/keys/p384.pem`.
const P384_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE4caSwfqegUG2JmOBPyD4ePOPXJGVPQhq
9Cl8VfOUhX64IKvncw69DnD8b+OIlXdw0dbiRnX90I404a452gzVtoOD/gU6UK2c
NbAs5hLJP5RvRIZQbeiyNTCoLBTcauSD
-----END PUBLIC KEY-----
";

/// The public half of `testdata/keys/rsa2048_a.pem`.
const RSA_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqm3IkwqUnC8TKhrvmq32
SPlzLAqJigyqIaDuMDzdIaiXzuCte8/GLAOvVf7C24TQBCd0bCgG1pcAz+ggCNm4
ioCtKg1jVNtD/mogW+71cVhkhJAFEfZb2ONHmgDIVMqUqp1rob6CWwxhCV0hbcO6
TkFA59OZAUP53eRwnX8T+MBova/Q4geg0Mj1LaIZ2Ix+9JQEavUweNYAhI+ZpioS
+I/CfgszuAvY+vvf2zin1NO0V/08BOop6Jityr7VNH1FOhlA6M30l+BbpDZ0LQmF
NMOXBGAUTXdIKl87GZb0IkrO+XKFo22uOMAgQ/8f0GjCaVUq7c/++Wdm64V+j+0t
ewIDAQAB
-----END PUBLIC KEY-----
";
