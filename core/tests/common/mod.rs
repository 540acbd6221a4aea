//! Reading the shared vectors of `testdata/` into verifier inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]
#![allow(dead_code, reason = "each test crate uses a subset")]

use cognito_verify::{AcceptedTokenUse, Config, Issuer, Requirement};
use serde_json::Value;

pub(crate) fn testdata(path: &str) -> String {
    let p = format!("{}/../testdata/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub(crate) fn jsonl(path: &str) -> Vec<Value> {
    testdata(path)
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn strs(v: &Value) -> Vec<&'static str> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| leak(x.as_str().expect("string")))
                .collect()
        })
        .unwrap_or_default()
}

fn requirement(v: &Value) -> Option<Requirement<'static>> {
    let o = v.as_object()?;
    if let Some(l) = o.get("any_of") {
        return Some(Requirement::AnyOf(Box::leak(strs(l).into_boxed_slice())));
    }
    o.get("all_of")
        .map(|l| Requirement::AllOf(Box::leak(strs(l).into_boxed_slice())))
}

pub(crate) fn config(c: &Value) -> Config<'static> {
    let mut issuers: Vec<Issuer<'static>> = strs(&c["user_pool_ids"])
        .into_iter()
        .map(Issuer::UserPool)
        .collect();
    issuers.extend(strs(&c["issuers"]).into_iter().map(Issuer::Url));
    let issuers: &'static [Issuer<'static>] = Box::leak(issuers.into_boxed_slice());
    let clients: &'static [&'static str] = Box::leak(strs(&c["client_ids"]).into_boxed_slice());
    let mut cfg = Config::new(issuers, clients)
        .token_use(match c["token_use"].as_str() {
            Some("id") => AcceptedTokenUse::Id,
            Some("access") => AcceptedTokenUse::Access,
            _ => AcceptedTokenUse::Any,
        })
        .leeway(c["leeway"].as_u64().unwrap_or(0))
        .allow_es256(c["allow_es256"].as_bool().unwrap_or(false));
    if let Some(m) = c["max_age"].as_u64() {
        cfg = cfg.max_age(m);
    }
    if let Some(r) = requirement(&c["groups"]) {
        cfg = cfg.groups(r);
    }
    if let Some(r) = requirement(&c["scopes"]) {
        cfg = cfg.scopes(r);
    }
    cfg
}
