//! When the fetching verifier fetches (feature `fetch`): once for concurrent first uses, a
//! bounded number of times for a flood of unknown kids, again for a rotated key or at the
//! maximum key age (the old keys answering meanwhile, the core's `Action::Refresh`); against a
//! JWKS server of the test's own on 127.0.0.1 (`common/jwks_server.rs`).
#![cfg(feature = "fetch")]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/jwks_server.rs"]
mod jwks_server;

use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

use cognito_verify::{Error, VerifyError};
use jwks_server::*;

// Each test has its own clock (tests run in parallel threads).
static CLOCK_FLOOD: AtomicU64 = AtomicU64::new(NOW);
static CLOCK_ROTATE: AtomicU64 = AtomicU64::new(NOW);
fn clock_flood() -> u64 {
    CLOCK_FLOOD.load(Ordering::SeqCst)
}
fn clock_rotate() -> u64 {
    CLOCK_ROTATE.load(Ordering::SeqCst)
}

#[test]
fn concurrent_first_use_fetches_once() {
    run(async {
        let body = jwks("valid_id", &["kA", "kB"]);
        let server = JwksServer::start(Mode::Slow(Duration::from_millis(200), body)).await;
        let v = verifier(&server.url, fixed);
        let t = token("valid_id");
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (v, t) = (v.clone(), t.clone());
                tokio::spawn(async move { v.verify(&t).await })
            })
            .collect();
        for task in tasks {
            let claims = task.await.unwrap().unwrap();
            assert_eq!(claims.username(), Some("alice"));
            assert_eq!(claims.sub(), "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
        }
        assert_eq!(server.hits(), 1, "50 concurrent first uses, one fetch");
        assert_eq!(fetches(&v), 1);
    });
}

#[test]
fn unknown_kid_flood_is_bounded() {
    run(async {
        let server = JwksServer::start(Mode::Serve(jwks("valid_id", &["kA"]))).await;
        let v = verifier(&server.url, clock_flood);
        v.verify(&token("valid_id")).await.unwrap();
        assert_eq!(server.hits(), 1);
        // Sequential and concurrent floods of invented kids within one cooldown window.
        for i in 0..200 {
            let e = v.verify(&with_kid(&format!("rnd-{i}"))).await.unwrap_err();
            assert_eq!(e, VerifyError::Token(Error::UnknownKid));
        }
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let v = v.clone();
                tokio::spawn(async move { v.verify(&with_kid(&format!("par-{i}"))).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(
                task.await.unwrap().unwrap_err(),
                VerifyError::Token(Error::UnknownKid)
            );
        }
        assert_eq!(
            server.hits(),
            2,
            "start + one unknown-kid refetch per window"
        );
        // The next window allows exactly one more.
        CLOCK_FLOOD.fetch_add(REFRESH.unknown_kid_cooldown, Ordering::SeqCst);
        for i in 0..100 {
            let _ = v.verify(&with_kid(&format!("late-{i}"))).await;
        }
        assert_eq!(server.hits(), 3);
        // Known kids never cause fetches.
        for _ in 0..100 {
            v.verify(&token("valid_id")).await.unwrap();
        }
        assert_eq!(server.hits(), 3);
    });
}

#[test]
fn rotated_key_is_found_by_refetch() {
    run(async {
        let server = JwksServer::start(Mode::Serve(jwks("valid_id", &["kA"]))).await;
        let v = verifier(&server.url, clock_rotate);
        v.verify(&token("valid_id")).await.unwrap();
        server.set(Mode::Serve(jwks("valid_id", &["kA", "kB"])));
        let c = v.verify(&token("valid_second_key")).await.unwrap();
        assert_eq!(c.username(), Some("alice"));
        assert_eq!(server.hits(), 2);
        // Maximum key age: the next use triggers one refresh, the stale keys answering meanwhile
        // (a slow endpoint: the token does not wait for it).
        CLOCK_ROTATE.fetch_add(REFRESH.max_key_age, Ordering::SeqCst);
        server.set(Mode::Slow(
            Duration::from_millis(500),
            jwks("valid_id", &["kB"]),
        ));
        let far = token("valid_exp_far_future");
        let started = std::time::Instant::now();
        v.verify(&far).await.unwrap();
        assert!(
            started.elapsed() < Duration::from_millis(400),
            "waited for the refresh"
        );
        assert!(holds(&v, "kA"), "the stale keys are still held");
        for _ in 0..50 {
            if !holds(&v, "kA") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(server.hits(), 3, "max key age reached: one refresh");
        // The refreshed set no longer has kA: the token is refused after the refresh.
        let e = v.verify(&far).await.unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::UnknownKid));
    });
}
