//! Criterion's groups (their ids are the names in `target/criterion`), and reading its
//! estimates back for the summary.

use std::hint::black_box;
use std::path::PathBuf;

use cognito_verify::{
    AcceptedTokenUse, CacheSlot, Config, KeySet, Revocation, SignatureCache, Verifier,
};
use criterion::{BenchmarkId, Criterion};

use crate::verifiers::{
    cached, rsa_raw, Jsonwebtoken, CLIENTS, ISSUERS, REVOKED, REVOKED_NONE, REVOKED_ONCE_FULL,
};
use crate::All;

/// (group, function, label for the summary).
pub(crate) const RS256_ID: &str = "rs256_id";
pub(crate) const RS256_ACCESS: &str = "rs256_access";
pub(crate) const ES256_ID: &str = "es256_id";
pub(crate) const JWKS_PARSE: &str = "jwks_parse";
pub(crate) const CACHE: &str = "rs256_id_cache";

pub(crate) fn bench(c: &mut Criterion, a: &All) {
    let fx = &a.fx;
    let mut g = c.benchmark_group(RS256_ID);
    g.bench_function("ours", |b| b.iter(|| a.ours.verify_id(black_box(&fx.id))));
    g.bench_function("jsonwebtoken_aws_lc_rs", |b| {
        b.iter(|| a.jwt.verify_id(black_box(&fx.id)))
    });
    g.bench_function("jwt_simple_boring", |b| {
        b.iter(|| a.simple.verify_id(black_box(&fx.id)))
    });
    g.bench_function("jwt_compact_rsa", |b| {
        b.iter(|| a.compact.verify_id(black_box(&fx.id)))
    });
    g.bench_function("rsa_crate_signature_only", |b| {
        b.iter(|| rsa_raw(black_box(fx)))
    });
    g.finish();

    let mut g = c.benchmark_group(RS256_ACCESS);
    g.bench_function("ours", |b| {
        b.iter(|| a.ours.verify_access(black_box(&fx.access)))
    });
    g.bench_function("jsonwebtoken_aws_lc_rs", |b| {
        b.iter(|| a.jwt.verify_access(black_box(&fx.access)))
    });
    g.finish();

    let mut g = c.benchmark_group(ES256_ID);
    g.bench_function("ours", |b| {
        b.iter(|| a.ours.verify_es256(black_box(&fx.es256)))
    });
    g.bench_function("jsonwebtoken_aws_lc_rs", |b| {
        b.iter(|| a.jwt.verify_es256(black_box(&fx.es256)))
    });
    g.bench_function("jwt_simple_p256", |b| {
        b.iter(|| a.simple.verify_es256(black_box(&fx.es256)))
    });
    g.finish();

    // The verified-signature cache: no cache (the `ours` row again, in the same group), a hit,
    // and a miss (the cache emptied before each call, so every call runs the arithmetic, looks
    // the signature up and stores it).
    let mut g = c.benchmark_group(CACHE);
    g.bench_function("no_cache", |b| {
        b.iter(|| a.ours.verify_id(black_box(&fx.id)))
    });
    let warm: SignatureCache<[CacheSlot; 64]> = SignatureCache::new();
    assert!(a.ours.verify_id_cached(&warm, &fx.id));
    g.bench_function("hit", |b| {
        b.iter(|| a.ours.verify_id_cached(&warm, black_box(&fx.id)))
    });
    // A repeat through `VerifierCore`, the one verifier of the fetching verifier and the
    // bindings: its verdict memo answers (the claims checked again, nothing decoded).
    assert!(a.ours.verify_id_core(&fx.id));
    g.bench_function("hit_verifier_core", |b| {
        b.iter(|| a.ours.verify_id_core(black_box(&fx.id)))
    });
    // The same over 1,000 distinct tokens in turn, a server's working set: each lookup finds
    // its entry among others, cold in cache.
    for t in &fx.working_set {
        assert!(a.ours.verify_id_core(t));
    }
    let mut next = fx.working_set.iter().cycle();
    g.bench_function("hit_verifier_core_1000", |b| {
        b.iter(|| a.ours.verify_id_core(black_box(next.next().unwrap())))
    });
    let cold: SignatureCache<[CacheSlot; 8]> = SignatureCache::new();
    g.bench_function("miss", |b| {
        b.iter(|| {
            cold.clear();
            a.ours.verify_id_cached(&cold, black_box(&fx.id))
        })
    });
    // A hit with revocation on: 1,000 sign-outs held (none covering this token), so the check
    // hashes the token's `origin_jti`, `jti` and `sub` and looks each up.
    let now = cognito_verify::now();
    for i in 0..1000 {
        let id = format!("{i:08}-0000-4000-8000-000000000000");
        REVOKED.revoke(Revocation::OriginJti(&id), now).unwrap();
    }
    let revoking = Verifier::new(
        Config::new(&ISSUERS, &CLIENTS)
            .token_use(AcceptedTokenUse::Id)
            .revocations(&REVOKED),
    )
    .unwrap();
    g.bench_function("hit_1000_revoked", |b| {
        b.iter(|| cached(&revoking, &a.ours.keys, &warm, black_box(&fx.id), now))
    });
    // The same hit beside an empty list, and beside one that was filled until it refused and
    // whose entries have all expired since (the attack of filling the list must not slow every
    // later verification: a lookup reads two buckets whatever happened before).
    let mut some = 0u64;
    let long_ago = now - 3 * 86_400;
    for i in 0.. {
        let id = format!("{i:08}-full-4000-8000-000000000000");
        if REVOKED_ONCE_FULL
            .revoke(Revocation::OriginJti(&id), long_ago)
            .is_err()
        {
            some += 1;
            if some == 100 {
                break;
            }
        }
    }
    assert_eq!(REVOKED_ONCE_FULL.stats(now).held, 0);
    // A token-less entry keeps the list from looking empty (an empty list skips hashing).
    REVOKED_NONE
        .revoke(Revocation::OriginJti("keeps-the-list-non-empty"), now)
        .unwrap();
    REVOKED_ONCE_FULL
        .revoke(Revocation::OriginJti("keeps-the-list-non-empty"), now)
        .unwrap();
    for (name, list) in [
        ("hit_revocations_one", &REVOKED_NONE),
        ("hit_revocations_once_full", &REVOKED_ONCE_FULL),
    ] {
        let v = Verifier::new(
            Config::new(&ISSUERS, &CLIENTS)
                .token_use(AcceptedTokenUse::Id)
                .revocations(list),
        )
        .unwrap();
        g.bench_function(name, |b| {
            b.iter(|| cached(&v, &a.ours.keys, &warm, black_box(&fx.id), now))
        });
    }
    g.finish();

    let mut g = c.benchmark_group(JWKS_PARSE);
    g.bench_with_input(BenchmarkId::new("ours", "2xRSA2048"), &fx.jwks, |b, j| {
        b.iter(|| KeySet::<4>::from_jwks(black_box(j.as_bytes())).is_ok())
    });
    g.bench_with_input(
        BenchmarkId::new("jsonwebtoken_aws_lc_rs", "2xRSA2048"),
        &fx.jwks,
        |b, j| b.iter(|| Jsonwebtoken::parse_jwks(black_box(j)).len()),
    );
    g.finish();
}

/// Criterion's time per iteration in ns (`slope`, else `mean`) for `group/function[/param]`.
pub(crate) fn estimate_ns(dir: &std::path::Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    ["slope", "mean"]
        .iter()
        .find_map(|k| v.get(k)?.get("point_estimate")?.as_f64())
}

/// Where criterion writes: `$CRITERION_HOME`, else `<target dir>/criterion`; the bench binary
/// lives in `<target dir>/<profile>/deps/`.
pub(crate) fn criterion_dir() -> PathBuf {
    if let Some(h) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(h);
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t).join("criterion");
    }
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().join("criterion")
}
