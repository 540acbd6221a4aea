//! Helpers of the examples' end-to-end tests: the `server` example as a process and requests to
//! it, moto (Cognito stand-in), `fetch_jwt`, and redis-server, each stopped on drop.
#![allow(dead_code, unreachable_pub, missing_docs)]

use core::time::Duration;
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::common::*;

// ------------------------------------------------------------------ the server under test

pub struct Server {
    pub proc: Proc,
    pub base: String,
    pub client: reqwest::Client,
}

pub fn start_server(vars: &[(&str, &str)]) -> Server {
    start_server_with(vars, Stdio::null())
}

/// [`start_server`] with its log (standard output, `RUST_LOG=warn`) sent to `log`.
pub fn start_server_with(vars: &[(&str, &str)], log: Stdio) -> Server {
    let port = free_port();
    let mut cmd = Command::new(example("server"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("APP_HOST", "127.0.0.1")
        .env("APP_PORT", port.to_string())
        .current_dir(std::env::temp_dir())
        .stdout(log)
        .stderr(Stdio::inherit());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let proc = Proc::spawn("server", &mut cmd);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    wait_for_port(port, "server", Duration::from_secs(20));
    Server { proc, base, client }
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

impl Server {
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        send(self.client.get(format!("{}{path}", self.base)), headers).await
    }

    pub async fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .body(body.to_string());
        send(r, headers).await
    }

    /// Polls `GET {API_PATH}ping` with `token` until it is refused with code `revoked`; the time
    /// it took, or a panic after `limit`.
    pub async fn until_revoked(&self, token: &str, limit: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let a = self.bearer("/api/v1/ping", token).await;
            if a.status == 401 && a.body.contains(r#""code": "revoked""#) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < limit,
                "not revoked after {limit:?}: {} {}",
                a.status,
                a.body
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn bearer(&self, path: &str, token: &str) -> Answer {
        self.get(path, &[("authorization", &format!("Bearer {token}"))])
            .await
    }

    /// The 401 for an invalid token, with its code checked.
    pub async fn expect_invalid(&self, token: &str, code: &str, message: &str) {
        let a = self.bearer("/api/v1/ping", token).await;
        assert_eq!(a.status, 401, "{code}: {}", a.body);
        assert_eq!(
            a.body,
            format!(r#"{{"error": "401 Unauthorized Error. {message}", "code": "{code}"}}"#)
        );
        assert_eq!(
            a.header("www-authenticate"),
            r#"Bearer error="invalid_token""#
        );
    }
}

// ------------------------------------------------------------------ moto

pub fn moto_server_path() -> Option<std::path::PathBuf> {
    let p = repo().join(".venv/bin/moto_server");
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("E2E_REQUIRE_MOTO").is_err(),
        "E2E_REQUIRE_MOTO is set but {} is missing: run scripts/ensure_venv.sh",
        p.display()
    );
    eprintln!(
        "SKIPPED: {} missing; run scripts/ensure_venv.sh",
        p.display()
    );
    None
}

pub struct Moto {
    pub _proc: Proc,
    pub endpoint: String,
}

pub fn start_moto(bin: &std::path::Path) -> Moto {
    let port = free_port();
    let proc = Proc::spawn(
        "moto_server",
        Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let endpoint = format!("http://127.0.0.1:{port}");
    let ok = moto_script(&["wait", "--endpoint", &endpoint, "--timeout", "60"]);
    assert!(ok.status.success(), "moto did not start");
    Moto {
        _proc: proc,
        endpoint,
    }
}

pub fn moto_script(args: &[&str]) -> std::process::Output {
    Command::new(repo().join(".venv/bin/python"))
        .arg(repo().join("scripts/moto_cognito.py"))
        .args(args)
        .output()
        .unwrap()
}

/// `provision` output as a map (values are shell-quoted only when needed).
pub fn provision(endpoint: &str, region: &str) -> HashMap<String, String> {
    provision_user(endpoint, region, None)
}

/// [`provision`], with the user `email` (another user of the same pool) when given.
pub fn provision_user(
    endpoint: &str,
    region: &str,
    email: Option<&str>,
) -> HashMap<String, String> {
    let mut args = vec!["provision", "--endpoint", endpoint, "--region", region];
    if let Some(e) = email {
        args.extend(["--email", e]);
    }
    let out = moto_script(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

pub fn fetch_jwt(env: &HashMap<String, String>, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(example("fetch_jwt"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir())
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

// ------------------------------------------------------------------ redis-server

/// Debian's `redis-server` (`scripts/ensure_redis.sh`); `None` (the test skips) when missing,
/// unless `E2E_REQUIRE_MOTO` is set (what `make test` does), which makes that a failure.
pub fn redis_server_path() -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("redis-server"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("E2E_REQUIRE_MOTO").is_err(),
            "E2E_REQUIRE_MOTO is set but redis-server is missing: run scripts/ensure_redis.sh"
        );
        eprintln!("SKIPPED: redis-server missing; run scripts/ensure_redis.sh");
    }
    found
}

/// A redis-server on 127.0.0.1 without persistence, stopped (by its PID) on drop.
pub struct Redis {
    pub proc: Proc,
    pub port: u16,
}

impl Redis {
    pub fn start(bin: &std::path::Path, port: u16) -> Redis {
        let proc = Proc::spawn(
            "redis-server",
            Command::new(bin)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .current_dir(std::env::temp_dir())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        wait_for_port(port, "redis-server", Duration::from_secs(10));
        Redis { proc, port }
    }

    /// A redis-server that only speaks TLS on `port`, with a certificate for 127.0.0.1 signed by
    /// a CA made here (`openssl`): the CA's PEM file is `dir/ca.pem`.
    pub fn start_tls(bin: &std::path::Path, port: u16, dir: &std::path::Path) -> Redis {
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .expect("openssl");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=cognito-verify test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
        let proc = Proc::spawn(
            "redis-server",
            Command::new(bin)
                .args(["--port", "0", "--tls-port", &port.to_string()])
                .args(["--bind", "127.0.0.1"])
                .args(["--tls-cert-file", &path("server.pem")])
                .args(["--tls-key-file", &path("server.key")])
                .args(["--tls-ca-cert-file", &path("ca.pem")])
                .args(["--tls-auth-clients", "no"])
                .args(["--save", "", "--appendonly", "no"])
                .current_dir(dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        wait_for_port(port, "redis-server (TLS)", Duration::from_secs(10));
        Redis { proc, port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn tls_url(&self) -> String {
        format!("rediss://127.0.0.1:{}/", self.port)
    }
}

/// Sends a request with these extra headers and reads the whole answer.
async fn send(mut r: reqwest::RequestBuilder, headers: &[(&str, &str)]) -> Answer {
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let resp = r.send().await.unwrap();
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}
