//! The JWKS cache (feature `fetch`) against a JWKS server of the test's own on 127.0.0.1 that
//! counts requests and can be switched to failing modes.
#![cfg(feature = "fetch")]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use cognito_verify::{
    user_pool_jwks_url, CognitoJwtVerifier, Error, JwksCache, OwnedClaims, RefreshConfig,
    Requirement, Requirements, VerifyError,
};
use serde_json::Value;

const NOW: u64 = 1_700_000_000;
const POOL: &str = "us-east-1_TestPool1";
const POOL2: &str = "eu-west-1_SecondPool";
const CLIENT: &str = "3n4b5urk1ft4fl3mg5e62d9ado";

// ------------------------------------------------------------------ vectors

fn case(name: &str) -> Value {
    common::jsonl("tokens.jsonl")
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

fn token(name: &str) -> String {
    case(name)["token"].as_str().unwrap().to_string()
}

/// The JWKS of a case, keeping only the listed kids.
fn jwks(name: &str, kids: &[&str]) -> String {
    let mut j = case(name)["jwks"].clone();
    let keys = j["keys"].as_array_mut().unwrap();
    keys.retain(|k| kids.contains(&k["kid"].as_str().unwrap()));
    assert_eq!(keys.len(), kids.len());
    j.to_string()
}

/// `valid_id` re-headed with another kid (signature no longer matters: the kid is unknown).
fn with_kid(kid: &str) -> String {
    let t = token("valid_id");
    let (_, rest) = t.split_once('.').unwrap();
    let header = B64.encode(format!(r#"{{"kid":"{kid}","alg":"RS256"}}"#));
    format!("{header}.{rest}")
}

// ------------------------------------------------------------------ test JWKS server

#[derive(Clone)]
enum Mode {
    Serve(String),
    Status(u16),
    /// 200 with this body after a delay.
    Slow(Duration, String),
    /// 200, this many bytes, no Content-Length (the client must stop reading itself).
    Endless(usize),
    /// 302 to this URL.
    Redirect(String),
}

/// A JWKS server on 127.0.0.1 (std threads, one per connection) counting requests.
struct JwksServer {
    url: String,
    hits: Arc<AtomicUsize>,
    mode: Arc<Mutex<Mode>>,
    stop: Arc<AtomicBool>,
}

impl JwksServer {
    async fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!(
            "http://{}/{POOL}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let hits = Arc::new(AtomicUsize::new(0));
        let mode = Arc::new(Mutex::new(mode));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, m, st) = (hits.clone(), mode.clone(), stop.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((sock, _)) => {
                        let (h, m) = (h.clone(), m.clone());
                        std::thread::spawn(move || serve(sock, &h, &m));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            // Dropping the listener closes the port: connections are refused from now on.
        });
        JwksServer {
            url,
            hits,
            mode,
            stop,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Stops listening.
    async fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(mut sock: TcpStream, hits: &AtomicUsize, mode: &Mutex<Mode>) {
    sock.set_nonblocking(false).unwrap();
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 16384 {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    hits.fetch_add(1, Ordering::SeqCst);
    let mode = mode.lock().unwrap().clone();
    let (status, body) = match mode {
        Mode::Serve(b) => (200, b),
        Mode::Status(s) => (s, "{}".to_string()),
        Mode::Slow(d, b) => {
            std::thread::sleep(d);
            (200, b)
        }
        Mode::Redirect(to) => {
            let resp = format!(
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            );
            let _ = sock.write_all(resp.as_bytes());
            return;
        }
        Mode::Endless(n) => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                        Connection: close\r\n\r\n{\"keys\":[";
            let _ = sock.write_all(head.as_bytes());
            let chunk = vec![b' '; 4096];
            let mut sent = 0;
            while sent < n {
                if sock.write_all(&chunk).is_err() {
                    return;
                }
                sent += chunk.len();
            }
            let _ = sock.write_all(b"]}");
            return;
        }
    };
    let resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(resp.as_bytes());
}

fn run<F: core::future::Future<Output = ()>>(f: F) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f);
}

const REFRESH: RefreshConfig = RefreshConfig {
    unknown_kid_cooldown: 30,
    max_key_age: 3600,
    retry_base: 1,
    retry_max: 60,
    fetch_timeout: 30,
};

fn verifier(url: &str, clock: fn() -> u64) -> CognitoJwtVerifier {
    CognitoJwtVerifier::builder()
        .user_pool(POOL)
        .jwks_url(url)
        .client_id(CLIENT)
        .cache(|c| {
            c.refresh(REFRESH)
                .clock(clock)
                .timeout(Duration::from_millis(500))
        })
        .build()
        .unwrap()
}

fn fetches(v: &CognitoJwtVerifier) -> u64 {
    v.caches().next().unwrap().stats().fetches
}

// Each test has its own clock (tests run in parallel threads).
static CLOCK_FLOOD: AtomicU64 = AtomicU64::new(NOW);
static CLOCK_DOWN: AtomicU64 = AtomicU64::new(NOW);
static CLOCK_GARBAGE: AtomicU64 = AtomicU64::new(NOW);
static CLOCK_ROTATE: AtomicU64 = AtomicU64::new(NOW);
fn clock_flood() -> u64 {
    CLOCK_FLOOD.load(Ordering::SeqCst)
}
fn clock_down() -> u64 {
    CLOCK_DOWN.load(Ordering::SeqCst)
}
fn clock_garbage() -> u64 {
    CLOCK_GARBAGE.load(Ordering::SeqCst)
}
fn clock_rotate() -> u64 {
    CLOCK_ROTATE.load(Ordering::SeqCst)
}
fn fixed() -> u64 {
    NOW
}

// ------------------------------------------------------------------ tests

#[test]
fn configuration() {
    assert_eq!(
        user_pool_jwks_url(POOL).unwrap(),
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1/.well-known/jwks.json"
    );
    assert_eq!(
        user_pool_jwks_url("nope").unwrap_err(),
        Error::InvalidConfiguration
    );
    let c = JwksCache::for_user_pool(POOL).unwrap();
    assert!(c
        .url()
        .ends_with("/us-east-1_TestPool1/.well-known/jwks.json"));
    assert!(JwksCache::new("ftp://x").is_err());
    let no_client = CognitoJwtVerifier::builder().user_pool(POOL).build();
    assert_eq!(no_client.unwrap_err(), Error::InvalidConfiguration);
    let no_pool = CognitoJwtVerifier::builder().client_id(CLIENT).build();
    assert_eq!(no_pool.unwrap_err(), Error::InvalidConfiguration);
    let issuer = CognitoJwtVerifier::builder()
        .issuer("http://127.0.0.1:5000/us-east-1_abc/")
        .client_id(CLIENT)
        .build()
        .unwrap();
    assert_eq!(
        issuer.caches().next().unwrap().url(),
        "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json"
    );
    assert_eq!(
        VerifyError::KeysUnavailable { retry_at: 1 }.code(),
        "jwks_unavailable"
    );
    assert_eq!(VerifyError::Token(Error::Expired).code(), "expired");
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
            assert_eq!(claims.username.as_deref(), Some("alice"));
            assert_eq!(claims.sub, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
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
        assert_eq!(c.username.as_deref(), Some("alice"));
        assert_eq!(server.hits(), 2);
        // Maximum key age: the next use triggers one refresh, the stale keys answering meanwhile.
        CLOCK_ROTATE.fetch_add(REFRESH.max_key_age, Ordering::SeqCst);
        server.set(Mode::Serve(jwks("valid_id", &["kB"])));
        let far = token("valid_exp_far_future");
        v.verify(&far).await.unwrap();
        for _ in 0..50 {
            if !v
                .caches()
                .next()
                .unwrap()
                .current()
                .unwrap()
                .contains_kid("kA")
            {
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
        let cache = v.caches().next().unwrap();
        let stats = cache.stats();
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
        v.verify(&token("valid_id")).await.unwrap();
        let cache = v.caches().next().unwrap().clone();
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
            let keys = cache.keys().await.unwrap(); // stale keys answer at once
            assert!(keys.contains_kid("kA"), "{name}");
            // Wait for the background refresh to fail.
            for _ in 0..50 {
                if cache.stats().failures == i as u64 + 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let stats = cache.stats();
            assert_eq!(stats.failures, i as u64 + 1, "{name}: {stats:?}");
            let err = stats.last_error.unwrap();
            assert!(err.contains(why), "{name}: {err}");
            let keys = cache.current().unwrap();
            assert!(
                keys.contains_kid("kA") && !keys.contains_kid("kB"),
                "{name}"
            );
        }
        // And a good answer afterwards is taken.
        server.set(Mode::Serve(jwks("valid_id", &["kA", "kB"])));
        t += REFRESH.max_key_age + REFRESH.retry_max;
        CLOCK_GARBAGE.store(t, Ordering::SeqCst);
        let _ = cache.keys().await.unwrap();
        for _ in 0..50 {
            if cache.current().unwrap().contains_kid("kB") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(cache.current().unwrap().contains_kid("kB"));
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

#[test]
fn claims_errors_and_requirements() {
    run(async {
        let server = JwksServer::start(Mode::Serve(jwks("valid_id", &["kA", "kB"]))).await;
        let v = verifier(&server.url, fixed);
        let id = token("valid_id");
        let c = v.verify(&id).await.unwrap();
        assert_eq!(c.groups, ["admin", "users"]);
        assert_eq!(c.client_id, CLIENT);
        let admin = Requirements::NONE.groups(Requirement::AnyOf(&["admin"]));
        let name = v.verify_with(&id, admin, |c| c.username().map(|u| u.to_string()));
        assert_eq!(name.await.unwrap().as_deref(), Some("alice"));
        let nobody = Requirements::NONE.groups(Requirement::AnyOf(&["nobody"]));
        let e = v.verify_with(&id, nobody, |_| ()).await.unwrap_err();
        assert_eq!(e, VerifyError::Token(Error::GroupNotAllowed));
        let scope = Requirements::NONE.scopes(Requirement::AllOf(&["openid", "email"]));
        v.verify_with(&token("valid_access"), scope, |_| ())
            .await
            .unwrap();
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
            .cache(|c| c.refresh(REFRESH).clock(fixed))
            .build()
            .unwrap();
        v.hydrate().await.unwrap();
        assert_eq!((s1.hits(), s2.hits()), (1, 1));
        let c = v.verify(&token("valid_second_pool")).await.unwrap();
        assert_eq!(
            c.issuer,
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

#[test]
fn keys_come_over_https_or_loopback_http() {
    // Plain http beyond loopback is refused at build time, unless allowed by name.
    for url in [
        "http://keys.example.com/jwks.json",
        "http://localhost.example.com/j",
    ] {
        assert_eq!(
            JwksCache::new(url).unwrap_err(),
            Error::InvalidConfiguration
        );
        let v = CognitoJwtVerifier::builder()
            .user_pool(POOL)
            .jwks_url(url)
            .client_id(CLIENT)
            .build();
        assert_eq!(v.unwrap_err(), Error::InvalidConfiguration, "{url}");
        let allowed = CognitoJwtVerifier::builder()
            .user_pool(POOL)
            .jwks_url(url)
            .client_id(CLIENT)
            .config(|c| c.allow_insecure_http(true))
            .build();
        assert!(allowed.is_ok(), "{url}");
    }
    for url in [
        "https://keys.example.com/jwks.json",
        "http://127.0.0.1:9229/local_3lyPxVaO/.well-known/jwks.json",
        "http://localhost:9229/x",
        "http://[::1]:9229/x",
    ] {
        assert!(JwksCache::new(url).is_ok(), "{url}");
    }
}

#[test]
fn redirects_are_held_to_the_same_rule() {
    run(async {
        let target = JwksServer::start(Mode::Serve(jwks("valid_id", &["kA"]))).await;
        let hop = JwksServer::start(Mode::Redirect(target.url.clone())).await;
        let v = verifier(&hop.url, fixed);
        v.verify(&token("valid_id")).await.unwrap();
        assert_eq!(
            (hop.hits(), target.hits()),
            (1, 1),
            "loopback to loopback is followed"
        );

        // A redirect to plain http beyond loopback is never followed (`.invalid` never resolves,
        // and the policy refuses before any lookup).
        let away = JwksServer::start(Mode::Redirect("http://keys.invalid/jwks.json".into())).await;
        let v = verifier(&away.url, fixed);
        let e = v.verify(&token("valid_id")).await.unwrap_err();
        assert!(matches!(e, VerifyError::KeysUnavailable { .. }), "{e:?}");
        let stats = v.caches().next().unwrap().stats();
        assert_eq!(stats.failures, 1);
        let why = stats.last_error.unwrap_or_default();
        assert!(why.contains("redirect refused"), "{why}");
    });
}

#[test]
fn a_raised_size_limit_reaches_the_key_set() {
    run(async {
        // 100 KiB of whitespace around a valid key set.
        let big = format!("{}{}", " ".repeat(100 * 1024), jwks("valid_id", &["kA"]));
        let server = JwksServer::start(Mode::Serve(big)).await;
        let default = verifier(&server.url, fixed);
        let e = default.verify(&token("valid_id")).await.unwrap_err();
        assert!(matches!(e, VerifyError::KeysUnavailable { .. }), "{e:?}");
        let why = default.caches().next().unwrap().stats().last_error;
        assert!(why.unwrap_or_default().contains("larger than"));

        let raised = CognitoJwtVerifier::builder()
            .user_pool(POOL)
            .jwks_url(&server.url)
            .client_id(CLIENT)
            .config(|c| c.max_jwks_bytes(200 * 1024))
            .cache(|c| c.refresh(REFRESH).clock(fixed))
            .build()
            .unwrap();
        raised.verify(&token("valid_id")).await.unwrap();
    });
}

/// The verified-signature cache is on by default, counts, can be turned off, and threads
/// sharing one verifier agree with one thread without a cache over the vectors of its
/// configuration.
#[test]
fn signature_cache_counts_and_threads_agree() {
    let build = |capacity: Option<usize>| {
        let b = CognitoJwtVerifier::builder()
            .user_pool(POOL)
            .jwks_url("https://example.invalid/jwks.json")
            .client_id(CLIENT)
            .cache(|c| c.refresh(REFRESH).clock(fixed));
        let v = match capacity {
            Some(n) => b.signature_cache(n),
            None => b,
        }
        .build()
        .unwrap();
        let doc = case("valid_id")["jwks"].to_string();
        v.caches().next().unwrap().hydrate(doc.as_bytes()).unwrap();
        v
    };
    let on = build(None);
    let off = build(Some(0));
    assert_eq!(
        on.stats().capacity,
        cognito_verify::DEFAULT_SIGNATURE_CACHE_CAPACITY
    );
    assert_eq!(off.stats().capacity, 0);

    let reference = case("valid_id");
    let tokens: Vec<String> = common::jsonl("tokens.jsonl")
        .into_iter()
        .filter(|c| {
            c["config"] == reference["config"] && c["jwks"] == reference["jwks"] && c["now"] == NOW
        })
        .map(|c| c["token"].as_str().unwrap().to_string())
        .collect();
    assert!(tokens.len() > 50, "{} vectors", tokens.len());
    let code =
        |r: Result<OwnedClaims, VerifyError>| r.map(|c| c.payload_json).map_err(|e| e.code());
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
        for _ in 0..4 {
            s.spawn(|| {
                run(async {
                    for _ in 0..10 {
                        for (t, w) in tokens.iter().zip(&want) {
                            assert_eq!(&code(on.verify(t).await), w, "{t}");
                        }
                    }
                });
            });
        }
    });
    let s = on.stats();
    // Every valid token misses at most once per thread, then hits.
    assert!(s.hits >= (40 - 4) * valid as u64, "{s:?}");
    assert_eq!((off.stats().hits, off.stats().misses), (0, 0));

    // One by one: a miss, then a hit.
    let v = build(None);
    let id = token("valid_id");
    run(async {
        v.verify(&id).await.unwrap();
        assert_eq!((v.stats().hits, v.stats().misses), (0, 1));
        v.verify(&id).await.unwrap();
        assert_eq!((v.stats().hits, v.stats().misses), (1, 1));
    });
}
