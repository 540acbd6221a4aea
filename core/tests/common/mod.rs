//! Reading the shared vectors of `testdata/` into verifier inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]
#![allow(dead_code, reason = "each test crate uses a subset")]

use cognito_verify::{AcceptedTokenUse, ConfigBuilder, Match, Revocation, VerifierConfig};
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

pub(crate) fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_str().expect("string")).collect())
        .unwrap_or_default()
}

pub(crate) fn requirement(v: &Value) -> Option<(Match, Vec<&str>)> {
    let o = v.as_object()?;
    if let Some(l) = o.get("any_of") {
        return Some((Match::AnyOf, strs(l)));
    }
    o.get("all_of").map(|l| (Match::AllOf, strs(l)))
}

/// The owned configuration of a vector's `config` object (the shape documented in
/// `testdata/generate.py`). Pools are user pool ids first, then issuer URLs.
pub(crate) fn config(c: &Value) -> VerifierConfig {
    builder(c).build().expect("vector configurations are valid")
}

/// The settings of a vector's `config` object, to add more to.
pub(crate) fn builder(c: &Value) -> ConfigBuilder {
    let mut b = VerifierConfig::builder();
    for id in strs(&c["user_pool_ids"]) {
        b = b.user_pool(id);
    }
    for url in strs(&c["issuers"]) {
        b = b.issuer(url);
    }
    for id in strs(&c["client_ids"]) {
        b = b.client_id(id);
    }
    b = b
        .token_use(match c["token_use"].as_str() {
            Some("id") => AcceptedTokenUse::Id,
            Some("access") => AcceptedTokenUse::Access,
            _ => AcceptedTokenUse::Any,
        })
        .leeway(c["leeway"].as_u64().unwrap_or(0))
        .allow_es256(c["allow_es256"].as_bool().unwrap_or(false));
    if let Some(m) = c["max_age"].as_u64() {
        b = b.max_age(m);
    }
    if let Some((kind, l)) = requirement(&c["groups"]) {
        b = b.groups(kind, l);
    }
    if let Some((kind, l)) = requirement(&c["scopes"]) {
        b = b.scopes(kind, l);
    }
    b
}

/// A case's revocation (revocation.jsonl, memo.jsonl), as the core's type.
pub(crate) fn revocation(r: &Value) -> Revocation<'_> {
    if let Some(o) = r["origin_jti"].as_str() {
        Revocation::OriginJti(o)
    } else if let Some(j) = r["jti"].as_str() {
        Revocation::Jti {
            jti: j,
            exp: r["exp"].as_u64().unwrap(),
        }
    } else {
        Revocation::Subject {
            sub: r["sub"].as_str().unwrap(),
            issued_at_or_before: r["issued_at_or_before"].as_u64().unwrap(),
        }
    }
}
