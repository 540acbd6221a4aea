//! What a refusal tells a server: the HTTP status of each error (one table), and which errors
//! come only after the signature verified (so the refused token's claims are the issuer's).
#![cfg(feature = "test-util")]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use cognito_verify::testing::{TestPool, TEST_SUB};
use cognito_verify::{
    payload_buffer_len, AcceptedTokenUse, ConfigBuilder, Error, Match, Revocation, VerifierCore,
};

#[test]
fn http_status_of_every_error() {
    for e in Error::ALL {
        let want = match e {
            Error::GroupNotAllowed | Error::ScopeNotAllowed => 403,
            Error::JwksUnavailable => 503,
            _ => 401,
        };
        assert_eq!(e.http_status(), want, "{}", e.code());
    }
}

type Settings = fn(ConfigBuilder) -> ConfigBuilder;

/// A token refused with each error that comes after the signature, and the settings that refuse it.
fn claim_refusals(pool: &TestPool) -> Vec<(Error, Settings, String)> {
    let now = pool.now();
    let id = || pool.id_token();
    let same: Settings = |b| b;
    vec![
        (
            Error::WrongTokenUse,
            |b| b.token_use(AcceptedTokenUse::Access),
            id().sign(),
        ),
        (
            Error::WrongClient,
            same,
            id().claim("aud", "another-client").sign(),
        ),
        (Error::Expired, same, id().issued_at(now - 7200).sign()),
        (
            Error::NotYetValid,
            same,
            id().claim("nbf", now + 600).sign(),
        ),
        (
            Error::IssuedInFuture,
            same,
            id().issued_at(now + 600).sign(),
        ),
        (
            Error::TokenTooOld,
            |b| b.max_age(60),
            id().issued_at(now - 600).sign(),
        ),
        // Revoked below, before the token is verified.
        (Error::Revoked, same, id().issued_at(now - 10).sign()),
        (
            Error::GroupNotAllowed,
            |b| b.groups(Match::AnyOf, ["admin"]),
            id().groups(["users"]).sign(),
        ),
        (
            Error::ScopeNotAllowed,
            |b| b.scopes(Match::AnyOf, ["orders/write"]),
            pool.access_token().scope("orders/read").sign(),
        ),
        (
            Error::CustomCheckFailed,
            |b| b.custom_check(|c| c.get("custom:tier").is_some()),
            id().sign(),
        ),
    ]
}

/// The same token with another signature of the same length.
fn tampered(token: &str) -> String {
    let (signed, sig) = token.rsplit_once('.').unwrap();
    let first = if sig.starts_with('A') { 'B' } else { 'A' };
    format!("{signed}.{first}{}", &sig[1..])
}

fn verify(core: &VerifierCore, token: &str, now: u64) -> Result<(), Error> {
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    core.verify(token, now, &mut buf).map(|_| ())
}

#[test]
fn errors_after_the_signature_are_only_given_to_signed_tokens() {
    let pool = TestPool::new("us-east-1_Example1", "my-app-client-id");
    let cases = claim_refusals(&pool);
    let mut covered: Vec<&str> = cases.iter().map(|(e, _, _)| e.code()).collect();
    let mut after: Vec<&str> = Error::ALL
        .into_iter()
        .filter(|e| e.after_signature())
        .map(Error::code)
        .collect();
    covered.sort_unstable();
    after.sort_unstable();
    assert_eq!(covered, after, "one case per error after the signature");
    for (want, settings, token) in &cases {
        let core = pool.verifier_core(*settings);
        if *want == Error::Revoked {
            let revocation = Revocation::Subject {
                sub: TEST_SUB,
                issued_at_or_before: pool.now(),
            };
            core.revoke(revocation, pool.now()).unwrap();
        }
        assert_eq!(verify(&core, token, pool.now()), Err(*want));
        // Signed by someone else, the same claims never reach the check that refused them.
        assert_eq!(
            verify(&core, &tampered(token), pool.now()),
            Err(Error::InvalidSignature),
            "{}",
            want.code()
        );
    }
    assert_eq!(cases.len(), 10);
}
