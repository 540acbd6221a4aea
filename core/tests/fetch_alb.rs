//! `AlbJwtVerifier` against a key server on 127.0.0.1 that serves PEM keys by `kid`, as the
//! ALB's key host does: one fetch for many tokens and for concurrent first calls, a flood of
//! invented kids bounded by the cooldown, no fetch for a token of another load balancer, and
//! `jwks_unavailable` while no key can be had.
#![cfg(all(feature = "fetch", feature = "alb"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation is a test failure"
)]

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use cognito_verify::testing::alb::{self as kit, CLIENT, ISSUER, KID, PUBLIC_KEY_PEM, SIGNER};
use cognito_verify::{AlbJwtVerifier, ConfigError, Error, VerifyError};
use serde_json::json;

const NOW: u64 = 1_700_000_000;

fn run<F: core::future::Future<Output = ()>>(f: F) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f);
}

/// Serves `PUBLIC_KEY_PEM` at `/{KID}`, 404 elsewhere; records each path asked for.
struct KeyServer {
    base: String,
    paths: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl KeyServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let paths = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, st) = (paths.clone(), stop.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((sock, _)) => {
                        let p = p.clone();
                        std::thread::spawn(move || serve(sock, &p));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        KeyServer { base, paths, stop }
    }

    fn fetches(&self) -> usize {
        self.paths.lock().unwrap().len()
    }
}

impl Drop for KeyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(mut sock: TcpStream, paths: &Mutex<Vec<String>>) {
    sock.set_nonblocking(false).unwrap();
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&req)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    let path = line.split(' ').nth(1).unwrap_or("").to_owned();
    paths.lock().unwrap().push(path.clone());
    // Slow enough that concurrent first calls overlap.
    std::thread::sleep(Duration::from_millis(100));
    let (status, body) = if path == format!("/{KID}") {
        ("200 OK", PUBLIC_KEY_PEM)
    } else {
        ("404 Not Found", "")
    };
    let _ = write!(
        sock,
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn verifier(base: &str) -> AlbJwtVerifier {
    AlbJwtVerifier::builder()
        .alb_arn(SIGNER)
        .client_id(CLIENT)
        .issuer(ISSUER)
        .key_url_base(base)
        .build()
        .unwrap()
}

fn token_with_kid(kid: &str) -> String {
    let header = json!({"typ": "JWT", "kid": kid, "alg": "ES256", "iss": ISSUER, "client": CLIENT,
                        "signer": SIGNER, "exp": NOW + 600});
    kit::sign(
        &header,
        &json!({"sub": "u-1", "email": "u@example.com", "exp": NOW + 600}),
    )
}

#[test]
fn one_fetch_for_many_tokens_and_for_concurrent_first_calls() {
    run(async {
        let server = KeyServer::start();
        let v = verifier(&server.base);
        let calls = (0..50).map(|i| {
            let v = v.clone();
            let t = kit::token(SIGNER, CLIENT, i64::try_from(NOW).unwrap() + 600 + i);
            tokio::spawn(async move { v.verify_at(&t, NOW).await })
        });
        for call in calls.collect::<Vec<_>>() {
            let claims = call.await.unwrap().unwrap();
            assert_eq!(claims.sub(), Some("b1c2d3e4-0000-4000-8000-000000000001"));
        }
        assert_eq!(
            server.fetches(),
            1,
            "50 concurrent first calls share one fetch"
        );
        assert_eq!(server.paths.lock().unwrap()[0], format!("/{KID}"));
        for _ in 0..20 {
            v.verify_at(&kit::token(SIGNER, CLIENT, 1_700_000_600), NOW)
                .await
                .unwrap();
        }
        assert_eq!(server.fetches(), 1);
        assert_eq!(v.stats().keys, 1);
        // Expired, forged and foreign tokens: refused, no further fetch.
        let late = v
            .verify_at(&kit::token(SIGNER, CLIENT, 1_700_000_600), NOW + 600)
            .await;
        assert_eq!(late, Err(VerifyError::Token(Error::Expired)));
        let other = "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/other/0a1b2c3d4e5f6a7b";
        let foreign = v
            .verify_at(&kit::token(other, CLIENT, 1_700_000_600), NOW)
            .await;
        assert_eq!(foreign, Err(VerifyError::Token(Error::WrongSigner)));
        assert_eq!(server.fetches(), 1);
    });
}

#[test]
fn a_flood_of_invented_kids_costs_one_fetch_per_cooldown() {
    run(async {
        let server = KeyServer::start();
        let v = verifier(&server.base);
        v.verify_at(&token_with_kid(KID), NOW).await.unwrap();
        let invented = AtomicUsize::new(0);
        for i in 0..200 {
            let kid = format!("{i:08x}-0000-4000-8000-000000000000");
            let r = v.verify_at(&token_with_kid(&kid), NOW).await;
            assert_eq!(r, Err(VerifyError::Token(Error::UnknownKid)), "{kid}");
            invented.fetch_add(1, Ordering::Relaxed);
        }
        // The first key's fetch started the cooldown: no invented kid was fetched.
        assert_eq!(server.fetches(), 1, "{:?}", server.paths.lock().unwrap());
        // Kids that are not UUIDs never reach a URL.
        for kid in ["../", "%2f", ""] {
            let r = v.verify_at(&token_with_kid(kid), NOW).await;
            assert_eq!(r, Err(VerifyError::Token(Error::MalformedToken)), "{kid:?}");
        }
        assert_eq!(server.fetches(), 1);
        println!(
            "alb keys: {} invented kids, 1 fetch",
            invented.load(Ordering::Relaxed)
        );
    });
}

#[test]
fn no_key_to_be_had_is_keys_unavailable_then_recovers() {
    run(async {
        // A port nothing listens on.
        let closed = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", l.local_addr().unwrap())
        };
        let v = verifier(&closed);
        let r = v
            .verify_at(&kit::token(SIGNER, CLIENT, 1_700_000_600), NOW)
            .await;
        assert!(
            matches!(r, Err(VerifyError::KeysUnavailable { .. })),
            "{r:?}"
        );
        assert_eq!(r.unwrap_err().code(), "jwks_unavailable");
        // Keys installed by hand: verified without a fetch.
        v.cache_key(SIGNER, KID, PUBLIC_KEY_PEM).unwrap();
        assert!(v
            .verify_sync(&kit::token(SIGNER, CLIENT, 1_700_000_600), NOW)
            .is_ok());
        assert_eq!(
            v.cache_key(SIGNER, "../", PUBLIC_KEY_PEM),
            Err(Error::MalformedToken)
        );
        assert_eq!(v.cache_key(SIGNER, KID, "nope"), Err(Error::UnsupportedKey));
    });
}

#[test]
fn configuration_errors_say_what_to_fix() {
    let msg = |b: cognito_verify::AlbJwtVerifierBuilder| b.build().unwrap_err().to_string();
    assert_eq!(
        msg(AlbJwtVerifier::builder().client_id(CLIENT)),
        ConfigError::NoAlbArn.to_string()
    );
    assert_eq!(
        msg(AlbJwtVerifier::builder().alb_arn(SIGNER)),
        "no app client id configured"
    );
    assert!(msg(AlbJwtVerifier::builder()
        .alb_arn("arn:aws:s3:::bucket")
        .client_id(CLIENT))
    .starts_with("an ALB ARN is arn:"));
    let insecure = AlbJwtVerifier::builder()
        .alb_arn(SIGNER)
        .client_id(CLIENT)
        .key_url_base("http://keys.example.com");
    assert!(
        msg(insecure).contains("http"),
        "http to a non-loopback host is refused"
    );
}
