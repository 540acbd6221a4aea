//! The testing kit (feature `test-util`): its JWKS is `testdata/doc/jwks.json`'s key `kA`, its
//! tokens verify with the claims asked for, and its verifiers never fetch, even for an unknown
//! `kid` or with a JWKS URL that answers.
#![cfg(feature = "test-util")]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[cfg(feature = "fetch")]
#[path = "common/jwks_server.rs"]
mod jwks_server;

use cognito_verify::testing::{self, TestPool, TEST_NOW, TEST_SUB};
use cognito_verify::{payload_buffer_len, AcceptedTokenUse, Error, TokenUse};
use serde_json::{json, Value};

const POOL: &str = "us-east-1_Example1";
const CLIENT: &str = "my-app-client-id";

#[test]
fn jwks_is_the_repos_test_key_a() {
    let kit: Value = serde_json::from_str(&testing::jwks()).unwrap();
    let doc: Value = serde_json::from_str(&common::testdata("doc/jwks.json")).unwrap();
    let ka = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "kA");
    assert_eq!(kit["keys"].as_array().unwrap().len(), 1);
    assert_eq!(Some(&kit["keys"][0]), ka);
}

#[test]
fn tokens_carry_the_claims_asked_for() {
    let pool = TestPool::new(POOL, CLIENT);
    let core = pool.verifier_core(|b| b);
    let mut buf = vec![0u8; payload_buffer_len(4096)];
    let id = pool
        .id_token()
        .groups(["admin", "ops"])
        .claim("custom:tier", "gold")
        .sign();
    let c = core.verify(&id, TEST_NOW, &mut buf).unwrap();
    assert_eq!(c.token_use(), TokenUse::Id);
    assert!(c.sub().unwrap() == TEST_SUB && c.username().unwrap() == "alice");
    assert!(c.in_group("ops"));
    assert_eq!(c.exp(), i64::try_from(TEST_NOW + 3600).unwrap());

    let access = pool
        .access_token()
        .sub("0c5d3f4e-1a2b-4c3d-8e9f-a0b1c2d3e4f5")
        .username("bob")
        .scope("orders/read openid")
        .expires_in(60)
        .sign();
    let c = core.verify(&access, TEST_NOW, &mut buf).unwrap();
    assert_eq!(c.token_use(), TokenUse::Access);
    assert!(c.username().unwrap() == "bob");
    assert!(c.has_scope("orders/read"));
    assert_eq!(c.exp(), i64::try_from(TEST_NOW + 60).unwrap());

    let old = pool.id_token().issued_at(TEST_NOW - 7200).sign();
    assert_eq!(
        core.verify(&old, TEST_NOW, &mut buf).unwrap_err(),
        Error::Expired
    );
    let unknown = pool.id_token().kid("kZ").sign();
    assert_eq!(
        core.verify(&unknown, TEST_NOW, &mut buf).unwrap_err(),
        Error::UnknownKid
    );
    let no_sub = pool.id_token().without("token_use").sign();
    assert_eq!(
        core.verify(&no_sub, TEST_NOW, &mut buf).unwrap_err(),
        Error::MissingClaim
    );
    let other = TestPool::new("eu-west-1_Other", CLIENT).id_token().sign();
    assert_eq!(
        core.verify(&other, TEST_NOW, &mut buf).unwrap_err(),
        Error::WrongIssuer
    );
    let claims = pool.access_token().claims();
    assert_eq!(
        claims["iss"],
        json!(format!(
            "https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
        ))
    );
    assert_eq!(claims["client_id"], json!(CLIENT));
    assert_ne!(
        pool.id_token().claims()["jti"],
        pool.id_token().claims()["jti"]
    );
}

#[test]
fn a_pool_on_the_real_clock() {
    let pool = TestPool::new(POOL, CLIENT).clock(cognito_verify::now);
    let core = pool.verifier_core(|b| b.token_use(AcceptedTokenUse::Access));
    let mut buf = vec![0u8; payload_buffer_len(4096)];
    let token = pool.access_token().sign();
    assert!(core.verify(&token, cognito_verify::now(), &mut buf).is_ok());
}

/// The README's "Testing your service" shows the doctest of `testing/example.md`, hidden lines
/// left out: the two stay the same.
#[test]
fn readme_shows_the_doctested_example() {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/testing/example.md"
    ))
    .unwrap();
    let shown: String = example
        .lines()
        .filter(|l| !l.starts_with("# "))
        .map(|l| format!("{l}\n"))
        .collect();
    // The README's own hidden lines (it is doctested too) are left out the same way.
    let readme: String = common::testdata("../README.md")
        .lines()
        .filter(|l| !l.starts_with("# "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(readme.contains(&shown), "README.md lacks:\n{shown}");
}

#[cfg(feature = "fetch")]
mod fetch {
    use super::*;
    use crate::jwks_server::{run, JwksServer, Mode};

    #[test]
    fn the_verifier_never_fetches() {
        run(async {
            let pool = TestPool::new(POOL, CLIENT);
            let v = pool.verifier_with(|b| b.token_use(AcceptedTokenUse::Access));
            let token = pool.access_token().scope("orders/read").sign();
            assert_eq!(v.verify(&token).await.unwrap().scope(), Some("orders/read"));
            let id = pool.id_token().sign();
            assert_eq!(v.verify(&id).await.unwrap_err().code(), "wrong_token_use");
            let foreign = pool.access_token().kid("kZ").sign();
            assert_eq!(v.verify(&foreign).await.unwrap_err().code(), "unknown_kid");
            let stats = v.jwks_stats(0);
            assert_eq!((stats.fetches, stats.failures, stats.keys), (1, 1, 1));
            assert!(stats.last_error.unwrap().starts_with("offline"));
        });
    }

    /// `offline` with a JWKS URL that would answer: neither a first load nor an unknown `kid`
    /// reaches it.
    #[test]
    fn offline_never_connects() {
        run(async {
            let server = JwksServer::start(Mode::Serve(testing::jwks())).await;
            let pool = TestPool::new(POOL, CLIENT);
            let empty = pool
                .verifier_builder()
                .jwks_url(server.url.clone())
                .build()
                .unwrap();
            let token = pool.id_token().sign();
            assert_eq!(
                empty.verify(&token).await.unwrap_err().code(),
                "jwks_unavailable"
            );
            empty.cache_jwks(None, testing::jwks().as_bytes()).unwrap();
            assert!(empty.verify(&token).await.is_ok());
            let foreign = pool.id_token().kid("kZ").sign();
            assert_eq!(
                empty.verify(&foreign).await.unwrap_err().code(),
                "unknown_kid"
            );
            assert_eq!(server.hits(), 0);
        });
    }
}
