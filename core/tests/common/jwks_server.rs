//! The fetching verifier's tests' own JWKS server on 127.0.0.1, which counts requests and can
//! be switched to failing modes, the vectors it serves, and a verifier configured for it: shared
//! by the `fetch_*` test files, each of which includes this file.
#![allow(dead_code, reason = "each test file uses a subset")]

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use cognito_verify::{CognitoJwtVerifier, RefreshConfig};
use serde_json::Value;

use crate::common;

pub(crate) const NOW: u64 = 1_700_000_000;
pub(crate) const POOL: &str = "us-east-1_TestPool1";
pub(crate) const POOL2: &str = "eu-west-1_SecondPool";
pub(crate) const CLIENT: &str = "3n4b5urk1ft4fl3mg5e62d9ado";

// ------------------------------------------------------------------ vectors

pub(crate) fn case(name: &str) -> Value {
    common::jsonl("tokens.jsonl")
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

pub(crate) fn token(name: &str) -> String {
    case(name)["token"].as_str().unwrap().to_string()
}

/// The JWKS of a case, keeping only the listed kids.
pub(crate) fn jwks(name: &str, kids: &[&str]) -> String {
    let mut j = case(name)["jwks"].clone();
    let keys = j["keys"].as_array_mut().unwrap();
    keys.retain(|k| kids.contains(&k["kid"].as_str().unwrap()));
    assert_eq!(keys.len(), kids.len());
    j.to_string()
}

/// `valid_id` re-headed with another kid (signature no longer matters: the kid is unknown).
pub(crate) fn with_kid(kid: &str) -> String {
    let t = token("valid_id");
    let (_, rest) = t.split_once('.').unwrap();
    let header = B64.encode(format!(r#"{{"kid":"{kid}","alg":"RS256"}}"#));
    format!("{header}.{rest}")
}

// ------------------------------------------------------------------ test JWKS server

#[derive(Clone)]
pub(crate) enum Mode {
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
pub(crate) struct JwksServer {
    pub(crate) url: String,
    hits: Arc<AtomicUsize>,
    mode: Arc<Mutex<Mode>>,
    stop: Arc<AtomicBool>,
}

impl JwksServer {
    pub(crate) async fn start(mode: Mode) -> Self {
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

    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub(crate) fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Stops listening.
    pub(crate) async fn stop(&self) {
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

pub(crate) fn run<F: core::future::Future<Output = ()>>(f: F) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f);
}

/// The default policy with a shorter retry ceiling and a 1 s request timeout (the slow mode
/// answers after 3 s).
pub(crate) const REFRESH: RefreshConfig = RefreshConfig {
    unknown_kid_cooldown: 30,
    max_key_age: 3600,
    retry_base: 1,
    retry_max: 60,
    fetch_timeout: 30,
    request_timeout: 1,
};

pub(crate) fn verifier(url: &str, clock: fn() -> u64) -> CognitoJwtVerifier {
    CognitoJwtVerifier::builder()
        .user_pool(POOL)
        .jwks_url(url)
        .client_id(CLIENT)
        .refresh(REFRESH)
        .clock(clock)
        .build()
        .unwrap()
}

/// Fetches of the (first) pool's keys so far.
pub(crate) fn fetches(v: &CognitoJwtVerifier) -> u64 {
    v.jwks_stats(0).fetches
}

/// Whether the pool's keys held now have `kid`.
pub(crate) fn holds(v: &CognitoJwtVerifier, kid: &str) -> bool {
    v.core().keys(0).is_some_and(|k| k.contains_kid(kid))
}

pub(crate) fn fixed() -> u64 {
    NOW
}
