//! `verify`: checks tokens read from stdin, one JSON verdict per line (ARCHITECTURE.md, "The
//! verify CLI").
//!
//! ```text
//! cargo run --release --example verify -- --jwks FILE
//!     (--user-pool-id ID | --issuer URL)... --client-id ID... [--token-use id|access|any]
//!     [--now UNIX_SECONDS] [--leeway SECONDS] [--max-age SECONDS] [--group G]... [--scope S]...
//!     [--allow-es256]
//! ```
//! Exit 0 when every line was answered, 2 for bad arguments or an unusable JWKS file.

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use cognito_verify::{payload_buffer_len, AcceptedTokenUse, Match, VerifierConfig, VerifierCore};
use serde_json::json;

const USAGE: &str =
    "usage: verify --jwks FILE (--user-pool-id ID | --issuer URL)... --client-id ID... \
[--token-use id|access|any] [--now UNIX_SECONDS] [--leeway SECONDS] [--max-age SECONDS] \
[--group G]... [--scope S]... [--allow-es256]";

#[derive(Default)]
struct Args {
    jwks: Option<String>,
    pools: Vec<String>,
    issuers: Vec<String>,
    clients: Vec<String>,
    token_use: Option<String>,
    now: Option<u64>,
    leeway: u64,
    max_age: Option<u64>,
    groups: Vec<String>,
    scopes: Vec<String>,
    allow_es256: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        if flag == "--allow-es256" {
            a.allow_es256 = true;
            continue;
        }
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag} wants a non-negative integer, got {v:?}"))
        };
        match flag.as_str() {
            "--jwks" => a.jwks = Some(value()?),
            "--user-pool-id" => a.pools.push(value()?),
            "--issuer" => a.issuers.push(value()?),
            "--client-id" => a.clients.push(value()?),
            "--token-use" => a.token_use = Some(value()?),
            "--now" => a.now = Some(number(value()?)?),
            "--leeway" => a.leeway = number(value()?)?,
            "--max-age" => a.max_age = Some(number(value()?)?),
            "--group" => a.groups.push(value()?),
            "--scope" => a.scopes.push(value()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn run() -> Result<(), String> {
    let a = parse_args()?;
    let jwks_path = a.jwks.as_deref().ok_or("--jwks FILE is required")?;
    if a.pools.is_empty() && a.issuers.is_empty() {
        return Err("give at least one --user-pool-id or --issuer".into());
    }
    if a.clients.is_empty() {
        return Err("give at least one --client-id".into());
    }
    let token_use = match a.token_use.as_deref() {
        None | Some("any") => AcceptedTokenUse::Any,
        Some("id") => AcceptedTokenUse::Id,
        Some("access") => AcceptedTokenUse::Access,
        Some(other) => {
            return Err(format!(
                "--token-use must be id, access or any, not {other:?}"
            ))
        }
    };
    let mut b = VerifierConfig::builder()
        .token_use(token_use)
        .leeway(a.leeway)
        .allow_es256(a.allow_es256);
    for p in &a.pools {
        b = b.user_pool(p);
    }
    for u in &a.issuers {
        b = b.issuer(u);
    }
    for c in &a.clients {
        b = b.client_id(c);
    }
    if let Some(m) = a.max_age {
        b = b.max_age(m);
    }
    if !a.groups.is_empty() {
        b = b.groups(Match::AnyOf, &a.groups);
    }
    if !a.scopes.is_empty() {
        b = b.scopes(Match::AnyOf, &a.scopes);
    }
    let config = b
        .build()
        .map_err(|e| format!("invalid configuration: {e}"))?;
    let jwks = std::fs::read(jwks_path).map_err(|e| format!("cannot read {jwks_path}: {e}"))?;
    // The one verifier every runtime holds: each token checked under its own pool's rules.
    let verifier = VerifierCore::new(config);
    // One key set for every pool given: the file holds the keys of all of them. Nothing is
    // fetched, so the time it counts as loaded at does not matter.
    verifier
        .load_jwks(None, &jwks, a.now.unwrap_or_else(cognito_verify::now))
        .map_err(|e| {
            format!(
                "unusable JWKS {jwks_path}: {} ({e}; a key set must hold at least one usable key)",
                e.code()
            )
        })?;

    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut buf = vec![0u8; payload_buffer_len(verifier.config().max_token_bytes())];
    for line in stdin.split(b'\n') {
        let line = line.map_err(|e| format!("reading stdin: {e}"))?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        let now = a.now.unwrap_or_else(cognito_verify::now);
        let verdict = match core::str::from_utf8(line) {
            Err(_) => {
                json!({"valid": false, "error": cognito_verify::Error::MalformedToken.code()})
            }
            Ok(token) => match verifier.verify(token, now, &mut buf) {
                Ok(c) => json!({
                    "valid": true,
                    "token_use": c.token_use().as_str(),
                    "sub": c.sub().map(|s| s.to_string()),
                    "username": c.username().map(|s| s.to_string()),
                }),
                Err(e) => json!({"valid": false, "error": e.code()}),
            },
        };
        writeln!(out, "{verdict}").map_err(|e| format!("writing stdout: {e}"))?;
    }
    out.flush().map_err(|e| format!("writing stdout: {e}"))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("verify: {msg}");
            ExitCode::from(2)
        }
    }
}
