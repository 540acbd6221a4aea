//! The fetching verifier when the endpoint fails (feature `fetch`): down, answering garbage, slowly or
//! too much, or never answering with keys; against a JWKS server of the test's own on 127.0.0.1
//! that can be switched to failing modes (`common/jwks_server.rs`).
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
static CLOCK_DOWN: AtomicU64 = AtomicU64::new(NOW);
static CLOCK_GARBAGE: AtomicU64 = AtomicU64::new(NOW);
fn clock_down() -> u64 {
    CLOCK_DOWN.load(Ordering::SeqCst)
}
fn clock_garbage() -> u64 {
    CLOCK_GARBAGE.load(Ordering::SeqCst)
}

#[test]
fn endpoint_down_keeps_cached_keys() {
    run(async {
        let server = JwksServer::start(Mode::Serve(jwks("valid_id", &["kA", "kB"]))).await;
        let v = verifier(&server.url, clock_down);
        let far = token("valid_exp_far_future");
        v.verify(&far).await.unwrap();
        server.stop().await;
        // Past the maximum key age every refresh fails (connection refused, with back-off):
        // the old keys stay in use.
        for step in 1..=5 {
            CLOCK_DOWN.store(NOW + step * REFRESH.max_key_age, Ordering::SeqCst);
            v.verify(&far).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let stats = v.jwks_stats(0);
        assert!(stats.failures >= 1, "{stats:?}");
        assert!(
            stats.last_error.as_deref().unwrap().contains("connect"),
            "{stats:?}"
        );
        assert_eq!(stats.keys, 2);
        // An unknown kid while down: still a token error, not an outage.
        let e = v.verify(&with_kid("nope")).await.unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::UnknownKid));
        v.verify(&far).await.unwrap();
    });
}

#[test]
fn endpoint_down_before_expiry_still_verifies() {
    run(async {
        let server = JwksServer::start(Mode::Serve(jwks("valid_id", &["kA", "kB"]))).await;
        let v = verifier(&server.url, fixed);
        v.verify(&token("valid_id")).await.unwrap();
        server.stop().await;
        for _ in 0..20 {
            v.verify(&token("valid_id")).await.unwrap();
            v.verify(&token("valid_second_key")).await.unwrap();
        }
        assert_eq!(fetches(&v), 1);
    });
}

#[test]
fn garbage_slow_and_oversized_answers_keep_old_keys() {
    run(async {
        let good = jwks("valid_id", &["kA"]);
        let server = JwksServer::start(Mode::Serve(good)).await;
        let v = verifier(&server.url, clock_garbage);
        let far = token("valid_exp_far_future");
        v.verify(&far).await.unwrap();
        let bad = [
            (
                "garbage",
                Mode::Serve("this is not json".into()),
                "unusable key set",
            ),
            (
                "empty",
                Mode::Serve(r#"{"keys":[]}"#.into()),
                "unusable key set",
            ),
            ("500", Mode::Status(500), "HTTP 500"),
            ("404", Mode::Status(404), "HTTP 404"),
            (
                "declared too large",
                Mode::Serve(format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(100_000))),
                "larger than",
            ),
            ("endless", Mode::Endless(10_000_000), "larger than"),
            (
                "slow",
                Mode::Slow(Duration::from_secs(3), jwks("valid_id", &["kB"])),
                "timed out",
            ),
        ];
        let mut t = NOW;
        for (i, (name, mode, why)) in bad.into_iter().enumerate() {
            server.set(mode);
            // Age the keys (and pass any back-off) so the policy asks for a refresh.
            t += REFRESH.max_key_age + REFRESH.retry_max;
            CLOCK_GARBAGE.store(t, Ordering::SeqCst);
            // The stale keys answer at once, the refresh running behind.
            let started = std::time::Instant::now();
            v.verify(&far).await.unwrap();
            assert!(started.elapsed() < Duration::from_millis(500), "{name}");
            // Wait for the background refresh to fail.
            for _ in 0..50 {
                if v.jwks_stats(0).failures == i as u64 + 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let stats = v.jwks_stats(0);
            assert_eq!(stats.failures, i as u64 + 1, "{name}: {stats:?}");
            let err = stats.last_error.unwrap();
            assert!(err.contains(why), "{name}: {err}");
            assert!(holds(&v, "kA") && !holds(&v, "kB"), "{name}");
            assert_eq!(stats.keys, 1, "{name}");
        }
        // And a good answer afterwards is taken.
        server.set(Mode::Serve(jwks("valid_id", &["kA", "kB"])));
        t += REFRESH.max_key_age + REFRESH.retry_max;
        CLOCK_GARBAGE.store(t, Ordering::SeqCst);
        v.verify(&far).await.unwrap();
        for _ in 0..50 {
            if holds(&v, "kB") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(holds(&v, "kB"));
        assert_eq!(
            v.jwks_stats(0).last_error,
            None,
            "a good fetch clears the last error"
        );
    });
}

#[test]
fn no_keys_ever_is_unavailable_not_invalid() {
    run(async {
        let server = JwksServer::start(Mode::Status(503)).await;
        let v = verifier(&server.url, fixed);
        let e = v.verify(&token("valid_id")).await.unwrap_err();
        assert!(matches!(e, VerifyError::KeysUnavailable { .. }), "{e:?}");
        assert_eq!(e.code(), "jwks_unavailable");
        // Back-off: an immediate retry does not hit the endpoint again.
        let _ = v.verify(&token("valid_id")).await;
        assert_eq!(server.hits(), 1);
    });
}

/// Structure before keys: while no keys can be had, a token that is not a JWS, or not of a
/// configured pool, is still the caller's fault (401), answered at once; only a token of the
/// pool, which needs its keys, is unavailable (503).
#[test]
fn a_token_needing_no_keys_is_refused_while_keys_are_unavailable() {
    run(async {
        // A loopback port nothing listens on: every fetch is refused.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let v = verifier(&format!("http://127.0.0.1:{port}/jwks.json"), fixed);
        let none = cognito_verify::Requirements::NONE;
        let at_once = |t: &str| v.try_verify_for(t, &none).map(|r| r.map(|_| ()));
        assert_eq!(
            at_once("abc.def.ghi"),
            Some(Err(VerifyError::Token(Error::MalformedToken)))
        );
        assert_eq!(
            at_once(&token("wrong_issuer_other_pool")),
            Some(Err(VerifyError::Token(Error::WrongIssuer)))
        );
        assert_eq!(at_once(&token("valid_id")), None, "needs keys");
        let e = v.verify(&token("valid_id")).await.unwrap_err();
        assert!(matches!(e, VerifyError::KeysUnavailable { .. }), "{e:?}");
        let e = v.verify("abc.def.ghi").await.unwrap_err();
        assert_eq!(e.code(), "malformed_token");
    });
}
