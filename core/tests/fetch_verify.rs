//! Verifying through the fetching verifier (feature `fetch`): claims, errors and requirements, several
//! pools each with its keys, the verified-signature cache across threads; against a JWKS server
//! of the test's own on 127.0.0.1 (`common/jwks_server.rs`).
#![cfg(feature = "fetch")]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/jwks_server.rs"]
mod jwks_server;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use cognito_verify::{CognitoJwtVerifier, Error, Match, OwnedClaims, Requirements, VerifyError};
use jwks_server::*;

#[test]
fn claims_errors_and_requirements() {
    run(async {
        let server = JwksServer::start(Mode::Serve(jwks("valid_id", &["kA", "kB"]))).await;
        let v = verifier(&server.url, fixed);
        let id = token("valid_id");
        let c = v.verify(&id).await.unwrap();
        let groups: Vec<String> = c.groups().map(|g| g.to_string()).collect();
        assert_eq!(groups, ["admin", "users"]);
        assert!(c.in_group("admin") && !c.in_group("nobody"));
        assert_eq!(c.client_id(), CLIENT);
        let payload = B64.decode(id.split('.').nth(1).unwrap()).unwrap();
        assert_eq!(c.payload_json().as_bytes(), payload);
        let admin = Requirements::NONE.groups(Match::AnyOf, ["admin"]);
        let name = v.verify_with(&id, &admin, |c| c.username().map(|u| u.to_string()));
        assert_eq!(name.await.unwrap().as_deref(), Some("alice"));
        // Known now (keys held): the same answers without awaiting.
        let name = v.try_verify_with(&id, &admin, |c| c.username().map(|u| u.to_string()));
        assert_eq!(name.unwrap().unwrap().as_deref(), Some("alice"));
        let nobody = Requirements::NONE.groups(Match::AnyOf, ["nobody"]);
        let e = v.verify_with(&id, &nobody, |_| ()).await.unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::GroupNotAllowed));
        let e = v
            .try_verify_with(&id, &nobody, |_| ())
            .unwrap()
            .unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::GroupNotAllowed));
        let scope = Requirements::NONE.scopes(Match::AllOf, ["openid", "email"]);
        v.verify_with(&token("valid_access"), &scope, |_| ())
            .await
            .unwrap();
        let access_only = Requirements::NONE.token_use(cognito_verify::AcceptedTokenUse::Access);
        let e = v.verify_with(&id, &access_only, |_| ()).await.unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::WrongTokenUse));
        // An unknown kid is not known now: the caller must await (the refetch it may cause).
        assert!(v
            .try_verify_with(&with_kid("other"), &admin, |_| ())
            .is_none());
        let e = v.verify("not.a.token!").await.unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::MalformedToken));
        // Tampered payload: signature fails.
        let mut parts: Vec<String> = id.split('.').map(str::to_string).collect();
        let payload = String::from_utf8(B64.decode(&parts[1]).unwrap()).unwrap();
        parts[1] = B64.encode(payload.replace("alice", "mallory"));
        let e = v.verify(&parts.join(".")).await.unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::InvalidSignature));
        assert_eq!(fetches(&v), 1);
    });
}

#[test]
fn several_pools_each_with_its_keys() {
    run(async {
        let s1 = JwksServer::start(Mode::Serve(jwks("valid_id", &["kA", "kB"]))).await;
        let s2 = JwksServer::start(Mode::Serve(jwks("valid_second_pool", &["kP2"]))).await;
        let v = CognitoJwtVerifier::builder()
            .user_pool(POOL)
            .jwks_url(&s1.url)
            .user_pool(POOL2)
            .jwks_url(&s2.url)
            .client_id(CLIENT)
            .refresh(REFRESH)
            .clock(fixed)
            .build()
            .unwrap();
        v.hydrate().await.unwrap();
        assert_eq!((s1.hits(), s2.hits()), (1, 1));
        let c = v.verify(&token("valid_second_pool")).await.unwrap();
        assert_eq!(
            c.issuer(),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_SecondPool"
        );
        v.verify(&token("valid_id")).await.unwrap();
        // Pool 2's key does not vouch for pool 1's issuer: the token's `iss` picks pool 1, whose
        // keys lack kP2 (one refetch of pool 1 to be sure, none of pool 2).
        let e = v.verify(&with_kid("kP2")).await.unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::UnknownKid));
        assert_eq!(s2.hits(), 1, "pool 2 is never asked for pool 1's token");
        // A pool neither configured: `wrong_issuer`, and no pool's keys are fetched for it.
        let hits = (s1.hits(), s2.hits());
        let e = v
            .verify(&token("wrong_issuer_other_region"))
            .await
            .unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::WrongIssuer));
        assert_eq!((s1.hits(), s2.hits()), hits);
    });
}

/// The verified-signature cache is on by default, counts, can be turned off; so does the verdict
/// memo in front of it; and threads sharing one verifier agree with one thread with neither over
/// the vectors of its configuration.
#[test]
fn signature_cache_counts_and_threads_agree() {
    let build = |capacity: Option<usize>, memo: usize| {
        let b = CognitoJwtVerifier::builder()
            .user_pool(POOL)
            .jwks_url("https://example.invalid/jwks.json")
            .client_id(CLIENT)
            .refresh(REFRESH)
            .clock(fixed)
            .verdict_memo(memo);
        let v = match capacity {
            Some(n) => b.signature_cache(n),
            None => b,
        }
        .build()
        .unwrap();
        let doc = case("valid_id")["jwks"].to_string();
        v.cache_jwks(Some(0), doc.as_bytes()).unwrap();
        v
    };
    let memo = cognito_verify::DEFAULT_VERDICT_MEMO_ENTRIES;
    let on = build(None, 0);
    let off = build(Some(0), 0);
    let both = build(None, memo);
    assert_eq!(
        on.signature_cache_stats().capacity,
        cognito_verify::DEFAULT_SIGNATURE_CACHE_CAPACITY
    );
    assert_eq!(off.signature_cache_stats().capacity, 0);
    assert_eq!(both.verdict_memo_stats().capacity, memo);
    assert_eq!(on.verdict_memo_stats().capacity, 0);

    let reference = case("valid_id");
    let tokens: Vec<String> = common::jsonl("tokens.jsonl")
        .into_iter()
        .filter(|c| {
            c["config"] == reference["config"] && c["jwks"] == reference["jwks"] && c["now"] == NOW
        })
        .map(|c| c["token"].as_str().unwrap().to_string())
        .collect();
    assert!(tokens.len() > 50, "{} vectors", tokens.len());
    let code = |r: Result<OwnedClaims, VerifyError>| {
        r.map(|c| c.payload_json().to_string())
            .map_err(|e| e.code())
    };
    let want: Vec<_> = tokens
        .iter()
        .map(|t| {
            let mut r = None;
            run(async { r = Some(code(off.verify(t).await)) });
            r.unwrap()
        })
        .collect();
    let valid = want.iter().filter(|r| r.is_ok()).count();
    assert!(valid > 5);
    std::thread::scope(|s| {
        for v in [&on, &both, &on, &both] {
            s.spawn(|| {
                run(async {
                    for _ in 0..20 {
                        for (t, w) in tokens.iter().zip(&want) {
                            assert_eq!(&code(v.verify(t).await), w, "{t}");
                        }
                    }
                });
            });
        }
    });
    // Every valid token misses at most once per thread, then hits.
    let s = on.signature_cache_stats();
    assert!(s.hits >= (40 - 2) * valid as u64, "{s:?}");
    let m = both.verdict_memo_stats();
    assert!(m.hits >= (40 - 2) * valid as u64, "{m:?}");
    let s = off.signature_cache_stats();
    assert_eq!((s.hits, s.misses), (0, 0));

    // One by one: a miss, then a hit; with the memo, the memo answers the repeat.
    let v = build(None, 0);
    let remembering = build(None, memo);
    let id = token("valid_id");
    run(async {
        let stats = |v: &CognitoJwtVerifier| {
            let s = v.signature_cache_stats();
            let m = v.verdict_memo_stats();
            (s.hits, s.misses, m.hits, m.misses)
        };
        v.verify(&id).await.unwrap();
        assert_eq!(stats(&v), (0, 1, 0, 0));
        v.verify(&id).await.unwrap();
        assert_eq!(stats(&v), (1, 1, 0, 0));
        remembering.verify(&id).await.unwrap();
        assert_eq!(stats(&remembering), (0, 1, 0, 1));
        remembering.verify(&id).await.unwrap();
        assert_eq!(stats(&remembering), (0, 1, 1, 1));
        assert_eq!(
            fetches(&v),
            0,
            "keys installed by cache_jwks: nothing fetched"
        );
    });
}
