//! The `verify` CLI (ARCHITECTURE.md, "The verify CLI"): every shared vector whose configuration the flags can
//! express, through the real binary, one JSON line per token; exit codes for bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation is a test failure"
)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;

fn bin() -> Command {
    Command::new(common::example("verify"))
}

fn vectors(path: &str) -> Vec<Value> {
    let p = format!("{}/../testdata/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The flags for a case's configuration, or None if the CLI cannot express it.
fn flags(cfg: &Value) -> Option<Vec<String>> {
    let mut f = Vec::new();
    for p in cfg["user_pool_ids"].as_array()? {
        f.extend(["--user-pool-id".into(), p.as_str()?.to_owned()]);
    }
    for i in cfg["issuers"].as_array()? {
        f.extend(["--issuer".into(), i.as_str()?.to_owned()]);
    }
    for c in cfg["client_ids"].as_array()? {
        f.extend(["--client-id".into(), c.as_str()?.to_owned()]);
    }
    f.extend(["--token-use".into(), cfg["token_use"].as_str()?.to_owned()]);
    f.extend(["--leeway".into(), cfg["leeway"].as_u64()?.to_string()]);
    if let Some(m) = cfg["max_age"].as_u64() {
        f.extend(["--max-age".into(), m.to_string()]);
    }
    if cfg["allow_es256"].as_bool()? {
        f.push("--allow-es256".into());
    }
    for (key, flag) in [("groups", "--group"), ("scopes", "--scope")] {
        match &cfg[key] {
            Value::Null => {}
            v => {
                // Only any-of is expressible; all-of of one item is the same thing.
                let list = v.get("any_of").or_else(|| {
                    v.get("all_of")
                        .filter(|l| l.as_array().is_some_and(|a| a.len() == 1))
                })?;
                for g in list.as_array()? {
                    f.extend([flag.into(), g.as_str()?.to_owned()]);
                }
            }
        }
    }
    Some(f)
}

#[test]
fn every_expressible_vector_through_the_binary() {
    let dir = tempdir();
    let mut run = 0;
    let mut skipped = 0;
    for path in ["tokens.jsonl", "real-world/cases.jsonl"] {
        for case in vectors(path) {
            let Some(args) = flags(&case["config"]) else {
                skipped += 1;
                continue;
            };
            let jwks = dir.join("jwks.json");
            std::fs::write(&jwks, serde_json::to_vec(&case["jwks"]).unwrap()).unwrap();
            let mut child = bin()
                .arg("--jwks")
                .arg(&jwks)
                .args(&args)
                .args(["--now", &case["now"].to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let token = case["token"].as_str().unwrap();
            // Twice: one JSON line per input line, in order.
            // The CLI exits early on an unusable JWKS, so a broken pipe is fine here.
            let _ = writeln!(child.stdin.take().unwrap(), "{token}\n{token}");
            let out = child.wait_with_output().unwrap();
            if case["jwks"]["keys"].as_array().is_some_and(Vec::is_empty) {
                // An empty key set is an unusable JWKS file for the CLI.
                assert_eq!(out.status.code(), Some(2), "{}", case["name"]);
                skipped += 1;
                continue;
            }
            assert!(
                out.status.success(),
                "{}: {}",
                case["name"],
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            let lines: Vec<Value> = text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(lines.len(), 2, "{}", case["name"]);
            assert_eq!(lines[0], lines[1]);
            let want = &case["expect"];
            assert_eq!(
                lines[0]["valid"], want["valid"],
                "{}: {}",
                case["name"], lines[0]
            );
            if let Some(code) = want.get("error") {
                assert_eq!(&lines[0]["error"], code, "{}", case["name"]);
            }
            if let Some(c) = want.get("claims") {
                assert_eq!(lines[0]["sub"], c["sub"], "{}", case["name"]);
                assert_eq!(lines[0]["username"], c["username"], "{}", case["name"]);
                assert_eq!(lines[0]["token_use"], c["token_use"], "{}", case["name"]);
                // Exact output shape of ARCHITECTURE.md, "The verify CLI".
                let keys: Vec<&str> = lines[0]
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                assert_eq!(keys, ["valid", "token_use", "sub", "username"]);
            }
            run += 1;
        }
    }
    assert_eq!(
        (run, skipped),
        (214, 5),
        "cases run, and skipped (4 all-of requirements; an empty key set exits 2)"
    );
}

#[test]
fn bad_arguments_and_unusable_jwks_exit_2() {
    let dir = tempdir();
    let good = format!("{}/../testdata/doc/jwks.json", env!("CARGO_MANIFEST_DIR"));
    let weak = dir.join("weak.json");
    std::fs::write(
        &weak,
        r#"{"keys":[{"kty":"RSA","kid":"w","n":"AQAB","e":"AQAB"}]}"#,
    )
    .unwrap();
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "not json").unwrap();
    let empty = dir.join("empty.json");
    std::fs::write(&empty, r#"{"keys":[]}"#).unwrap();
    let pool = ["--user-pool-id", "us-east-1_Example1", "--client-id", "c"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "--jwks"),
        (vec!["--jwks", &good, "--client-id", "c"], "--user-pool-id"),
        (
            vec!["--jwks", &good, "--user-pool-id", "us-east-1_Example1"],
            "--client-id",
        ),
        (
            vec![
                "--jwks",
                "/nonexistent/jwks.json",
                pool[0],
                pool[1],
                pool[2],
                pool[3],
            ],
            "cannot read",
        ),
        (
            vec![
                "--jwks",
                weak.to_str().unwrap(),
                pool[0],
                pool[1],
                pool[2],
                pool[3],
            ],
            "weak_key",
        ),
        (
            vec![
                "--jwks",
                garbage.to_str().unwrap(),
                pool[0],
                pool[1],
                pool[2],
                pool[3],
            ],
            "malformed_jwks",
        ),
        (
            vec![
                "--jwks",
                empty.to_str().unwrap(),
                pool[0],
                pool[1],
                pool[2],
                pool[3],
            ],
            "at least one usable key",
        ),
        (
            vec![
                "--jwks",
                &good,
                "--user-pool-id",
                "not-a-pool",
                "--client-id",
                "c",
            ],
            "invalid configuration",
        ),
        (
            vec![
                "--jwks",
                &good,
                pool[0],
                pool[1],
                pool[2],
                pool[3],
                "--token-use",
                "refresh",
            ],
            "--token-use",
        ),
        (
            vec![
                "--jwks",
                &good,
                pool[0],
                pool[1],
                pool[2],
                pool[3],
                "--now",
                "yesterday",
            ],
            "--now",
        ),
        (
            vec![
                "--jwks", &good, pool[0], pool[1], pool[2], pool[3], "--leeway",
            ],
            "--leeway needs a value",
        ),
        (
            vec![
                "--jwks",
                &good,
                pool[0],
                pool[1],
                pool[2],
                pool[3],
                "--frobnicate",
            ],
            "unknown argument",
        ),
    ];
    for (args, needle) in &cases {
        let out = bin().args(args).stdin(Stdio::null()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(cases.len(), 12);
}

/// The one-pool cases of the conformance table (the CLI's key file serves every pool it is
/// given, so several pools with their own keys are not expressible): a 61-key set, a
/// cognito-local pool id, an emulator issuer, and the pool rule's codes.
#[test]
fn one_pool_conformance_cases_through_the_binary() {
    let dir = tempdir();
    let mut run = 0;
    for case in vectors("conformance.jsonl") {
        let pools = case["pools"].as_array().unwrap();
        if pools.len() != 1 {
            continue;
        }
        let jwks = dir.join("conformance-jwks.json");
        std::fs::write(&jwks, serde_json::to_vec(&pools[0]["jwks"]).unwrap()).unwrap();
        let mut cmd = bin();
        cmd.arg("--jwks").arg(&jwks);
        match (
            pools[0]["user_pool_id"].as_str(),
            pools[0]["issuer"].as_str(),
        ) {
            (Some(id), _) => cmd.args(["--user-pool-id", id]),
            (None, Some(url)) => cmd.args(["--issuer", url]),
            _ => panic!("pool without id or issuer"),
        };
        for c in case["client_ids"].as_array().unwrap() {
            cmd.args(["--client-id", c.as_str().unwrap()]);
        }
        let mut child = cmd
            .args(["--now", &case["now"].to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let token = case["token"].as_str().unwrap();
        writeln!(child.stdin.take().unwrap(), "{token}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", case["name"]);
        let line: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            line["valid"], case["expect"]["valid"],
            "{}: {line}",
            case["name"]
        );
        assert_eq!(
            line.get("error"),
            case["expect"].get("error"),
            "{}",
            case["name"]
        );
        run += 1;
    }
    assert_eq!(run, 23);
}

#[test]
fn garbage_lines_get_an_answer_each() {
    let good = format!("{}/../testdata/doc/jwks.json", env!("CARGO_MANIFEST_DIR"));
    let mut child = bin()
        .args([
            "--jwks",
            &good,
            "--user-pool-id",
            "us-east-1_Example1",
            "--client-id",
            "c",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = b"\n\r\n...\nabc\n\xff\xfe\n".to_vec();
    input.extend(core::iter::repeat_n(b'a', 100_000));
    input.push(b'\n');
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let codes: Vec<&str> = lines.iter().map(|l| l["error"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "malformed_token",
            "malformed_token",
            "malformed_token",
            "malformed_token",
            "malformed_token",
            "token_too_large"
        ]
    );
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "verify-cli-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}
