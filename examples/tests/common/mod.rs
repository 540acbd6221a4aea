//! Helpers of the end-to-end tests: child processes killed on drop, a tiny HTTP server on
//! 127.0.0.1 that counts requests, RS256 tokens signed with `testdata/keys/`. The tower layer's
//! tests include this file too (`tower/tests/common/mod.rs`).
#![allow(dead_code, unreachable_pub, missing_docs)]

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha2::Sha256;

pub const POOL: &str = "us-east-1_TestPool1";
pub const CLIENT: &str = "3n4b5urk1ft4fl3mg5e62d9ado";
pub const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A built example: `cargo test` builds every example beside the test binaries, but
/// `cargo test --test NAME` does not, and would leave an old build in place: refuse one older than
/// the sources it is built from rather than test yesterday's server.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(name);
    let hint = "run through `cargo test -p cognito-verify-examples` (builds the examples), \
                or `cargo build -p cognito-verify-examples --examples` first";
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| panic!("{} missing: {hint}", path.display()));
    // Its own source (and its modules in `examples/{name}/`), the package's library, the core
    // (less its test-only `tests.rs` files) and the tower layer: cargo relinks the example when
    // any of them changes, not when another example does.
    let mut sources = vec![
        repo().join(format!("examples/{name}.rs")),
        repo().join("examples/lib.rs"),
    ];
    let mut dirs = vec![repo().join("core/src"), repo().join("tower/src")];
    let modules = repo().join(format!("examples/{name}"));
    if modules.is_dir() {
        dirs.push(modules);
    }
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("tests.rs") {
                sources.push(p);
            }
        }
    }
    for src in sources {
        let changed = std::fs::metadata(&src).unwrap().modified().unwrap();
        assert!(
            changed <= built,
            "{} is older than {}: {hint}",
            path.display(),
            src.display()
        );
    }
    path
}

/// Waits until something listens on `port` of 127.0.0.1 (a process the test started), failing
/// the test with `what` after `limit`.
pub fn wait_for_port(port: u16, what: &str, limit: Duration) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < limit, "{what} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process, killed (and reaped) when dropped.
pub struct Proc {
    pub child: Child,
    pub name: &'static str,
}

impl Proc {
    pub fn spawn(name: &'static str, cmd: &mut Command) -> Self {
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc { child, name }
    }

    /// SIGTERM and wait up to `limit` for a clean exit; returns the exit status.
    pub fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a [`TestHttp`] handler sees.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Handler = Arc<dyn Fn(&Req) -> (u16, String) + Send + Sync>;

/// An HTTP/1.1 server on 127.0.0.1 (std threads), counting requests, stoppable.
pub struct TestHttp {
    pub base: String,
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    handler: Arc<Mutex<Handler>>,
    pub last: Arc<Mutex<Option<Req>>>,
}

impl TestHttp {
    pub fn start(handler: impl Fn(&Req) -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Mutex<Handler>> = Arc::new(Mutex::new(Arc::new(handler)));
        let last = Arc::new(Mutex::new(None));
        let (h, s, hd, l) = (hits.clone(), stop.clone(), handler.clone(), last.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((sock, _)) => {
                        let (h, hd, l) = (h.clone(), hd.lock().unwrap().clone(), l.clone());
                        std::thread::spawn(move || serve(sock, &h, &*hd, &l));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        TestHttp {
            base,
            hits,
            stop,
            handler,
            last,
        }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn set(&self, handler: impl Fn(&Req) -> (u16, String) + Send + Sync + 'static) {
        *self.handler.lock().unwrap() = Arc::new(handler);
    }

    /// Closes the port: connections are refused from now on.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for TestHttp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(
    mut sock: TcpStream,
    hits: &AtomicUsize,
    handler: &(dyn Fn(&Req) -> (u16, String) + Send + Sync),
    last: &Mutex<Option<Req>>,
) {
    sock.set_nonblocking(false).unwrap();
    let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + len {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let body = String::from_utf8_lossy(&data[head_end..]).to_string();
    let req = Req {
        method,
        path,
        headers,
        body,
    };
    hits.fetch_add(1, Ordering::SeqCst);
    let (status, body) = handler(&req);
    *last.lock().unwrap() = Some(req);
    let resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(resp.as_bytes());
}

/// Signs RS256 tokens with a PEM key of `testdata/keys/`.
pub struct Signer256 {
    key: SigningKey<Sha256>,
    pub kid: String,
}

impl Signer256 {
    pub fn new(pem_file: &str, kid: &str) -> Self {
        let pem = std::fs::read_to_string(repo().join("testdata/keys").join(pem_file)).unwrap();
        let key = RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
        Signer256 {
            key: SigningKey::<Sha256>::new(key),
            kid: kid.to_string(),
        }
    }

    pub fn sign(&self, claims: &serde_json::Value) -> String {
        self.sign_with_kid(&self.kid, claims)
    }

    pub fn sign_with_kid(&self, kid: &str, claims: &serde_json::Value) -> String {
        let header = B64.encode(format!(r#"{{"kid":"{kid}","alg":"RS256"}}"#));
        let payload = B64.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        let sig = self.key.sign(input.as_bytes()).to_vec();
        format!("{input}.{}", B64.encode(sig))
    }
}

pub fn now() -> i64 {
    i64::try_from(cognito_verify::now()).unwrap()
}

/// Cognito-shaped ID token claims for the test pool.
pub fn id_claims(exp: i64) -> serde_json::Value {
    serde_json::json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["users"],
        "email_verified": true,
        "iss": ISSUER,
        "cognito:username": "alice",
        "aud": CLIENT,
        "token_use": "id",
        "auth_time": now() - 10,
        "exp": exp,
        "iat": now() - 10,
        "jti": "abcdefab-1234-5678-9abc-def012345678",
        "email": "alice@example.com"
    })
}
