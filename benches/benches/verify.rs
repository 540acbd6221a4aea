//! `cargo bench -p cognito-verify-benches`: cognito-verify beside the Rust JWT crates people
//! would pick instead, on the same Cognito-shaped tokens, in one run.
//!
//! Fixtures are made at start-up, deterministically, from the committed `testdata/keys/*.pem`
//! (RS256 is deterministic; ES256 uses RFC 6979 nonces). After criterion's groups the bench
//! counts heap allocations per verification, measures multi-threaded throughput, and prints a
//! summary of tokens/s and ours/peer ratios read back from criterion's `estimates.json`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

// One concern a module, beside this `main`: `#[path]` because files next to a bench's root
// would each be taken for a bench target of their own.
#[path = "verify/alloc_count.rs"]
mod alloc_count;
#[path = "verify/fixtures.rs"]
mod fixtures;
#[path = "verify/groups.rs"]
mod groups;
#[path = "verify/threads.rs"]
mod threads;
#[path = "verify/verifiers.rs"]
mod verifiers;

use std::time::Duration;

use cognito_verify::KeySet;
use criterion::Criterion;

use alloc_count::allocs_per_call;
use fixtures::Fixtures;
use groups::{
    bench, criterion_dir, estimate_ns, CACHE, ES256_ID, JWKS_PARSE, RS256_ACCESS, RS256_ID,
};
use threads::interleaved;
use verifiers::{rsa_raw, Jsonwebtoken, JwtCompact, JwtSimple, Ours};

struct All {
    fx: Fixtures,
    ours: Ours,
    jwt: Jsonwebtoken,
    simple: JwtSimple,
    compact: JwtCompact,
}

// ------------------------------------------------------------------ main
fn main() {
    let fx = Fixtures::new();
    let a = All {
        ours: Ours::new(&fx),
        jwt: Jsonwebtoken::new(&fx),
        simple: JwtSimple::new(&fx),
        compact: JwtCompact::new(&fx),
        fx,
    };
    let fx = &a.fx;

    // Every verifier accepts the fixtures and rejects them tampered, so none is timed on a
    // short-cut error path.
    type Check<'x> = (&'x str, &'x dyn Fn(&str) -> bool, &'x str);
    let checks: [Check<'_>; 8] = [
        ("ours id", &|t| a.ours.verify_id(t), &fx.id),
        ("ours access", &|t| a.ours.verify_access(t), &fx.access),
        ("ours es256", &|t| a.ours.verify_es256(t), &fx.es256),
        ("jsonwebtoken id", &|t| a.jwt.verify_id(t), &fx.id),
        (
            "jsonwebtoken access",
            &|t| a.jwt.verify_access(t),
            &fx.access,
        ),
        ("jsonwebtoken es256", &|t| a.jwt.verify_es256(t), &fx.es256),
        ("jwt-simple id", &|t| a.simple.verify_id(t), &fx.id),
        ("jwt-compact id", &|t| a.compact.verify_id(t), &fx.id),
    ];
    for (name, f, t) in checks {
        assert!(f(t), "{name} rejects its fixture");
        assert!(
            !f(&Fixtures::tampered(t)),
            "{name} accepts a tampered token"
        );
    }
    assert!(a.simple.verify_es256(&fx.es256), "jwt-simple es256");
    assert!(!a.simple.verify_es256(&Fixtures::tampered(&fx.es256)));
    assert!(rsa_raw(fx), "rsa crate");
    assert!(!a.ours.verify_access(&fx.id), "ours: ID token as access");
    assert!(
        !a.jwt.verify_access(&fx.id),
        "jsonwebtoken: ID token as access"
    );

    let full = std::env::args().any(|x| x == "--bench");
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench(&mut c, &a);
    c.final_summary();
    if !full {
        return; // `cargo test --benches`: each function ran once.
    }

    // Allocations per verification (Rust heap only: aws-lc and BoringSSL allocate in C).
    println!("\n== allocations per verification (Rust global allocator) ==");
    let allocs: Vec<(&str, f64)> = vec![
        (
            "ours rs256_id",
            allocs_per_call(|| a.ours.verify_id(&fx.id)),
        ),
        (
            "ours rs256_access",
            allocs_per_call(|| a.ours.verify_access(&fx.access)),
        ),
        (
            "ours es256_id",
            allocs_per_call(|| a.ours.verify_es256(&fx.es256)),
        ),
        (
            "ours jwks_parse",
            allocs_per_call(|| KeySet::<4>::from_jwks(fx.jwks.as_bytes()).is_ok()),
        ),
        (
            "jsonwebtoken_aws_lc_rs jwks_parse",
            allocs_per_call(|| Jsonwebtoken::parse_jwks(&fx.jwks).len() == 2),
        ),
        (
            "jsonwebtoken_aws_lc_rs rs256_id",
            allocs_per_call(|| a.jwt.verify_id(&fx.id)),
        ),
        (
            "jsonwebtoken_aws_lc_rs rs256_access",
            allocs_per_call(|| a.jwt.verify_access(&fx.access)),
        ),
        (
            "jsonwebtoken_aws_lc_rs es256_id",
            allocs_per_call(|| a.jwt.verify_es256(&fx.es256)),
        ),
        (
            "jwt_simple_boring rs256_id",
            allocs_per_call(|| a.simple.verify_id(&fx.id)),
        ),
        (
            "jwt_simple_p256 es256_id",
            allocs_per_call(|| a.simple.verify_es256(&fx.es256)),
        ),
        (
            "jwt_compact_rsa rs256_id",
            allocs_per_call(|| a.compact.verify_id(&fx.id)),
        ),
        (
            "rsa_crate_signature_only rs256_id",
            allocs_per_call(|| rsa_raw(fx)),
        ),
        // A repeat token through `VerifierCore`: its verdict memo answers (the working set's
        // tokens were verified, and remembered, by the criterion rows above).
        (
            "hit_verifier_core rs256_id_cache",
            allocs_per_call(|| a.ours.verify_id_core(&fx.id)),
        ),
        (
            "hit_verifier_core_1000 rs256_id_cache",
            allocs_per_call({
                let (ours, mut next) = (&a.ours, fx.working_set.iter().cycle());
                move || next.next().is_some_and(|t| ours.verify_id_core(t))
            }),
        ),
    ];
    for (name, n) in &allocs {
        println!("{name:<40} {n:>8.1}");
    }

    // Multi-threaded throughput, ours and jsonwebtoken interleaved.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("\n== throughput, RS256 ID token, interleaved rounds (3 x 1 s each side) ==");
    let (o1, j1) = interleaved(1, 3, Duration::from_secs(1), &a);
    let (on, jn) = interleaved(threads, 3, Duration::from_secs(1), &a);
    println!(
        "1 thread:    ours {o1:>9.0}/s  jsonwebtoken {j1:>9.0}/s  ratio {:.2}x",
        o1 / j1
    );
    println!(
        "{threads} threads:   ours {on:>9.0}/s  jsonwebtoken {jn:>9.0}/s  ratio {:.2}x",
        on / jn
    );

    // Summary from criterion's estimates.
    let dir = criterion_dir();
    let rate = |id: &str| estimate_ns(&dir, id).map(|ns| 1e9 / ns);
    let fmt = |r: Option<f64>| r.map_or("-".to_owned(), |r| format!("{r:.0}"));
    let ratio = |o: Option<f64>, p: Option<f64>| match (o, p) {
        (Some(o), Some(p)) => format!("{:.2}x", o / p),
        _ => "-".to_owned(),
    };
    let alloc_of = |name: &str| {
        allocs
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("-".to_owned(), |(_, v)| format!("{v:.0}"))
    };
    println!("\n== summary (criterion, one core; {}) ==", dir.display());
    println!(
        "| {:<14} | {:<28} | {:>10} | {:>10} | {:>11} |",
        "benchmark", "implementation", "tokens/s", "ours/peer", "allocations"
    );
    println!(
        "|{:-<16}|{:-<30}|{:->12}|{:->12}|{:->13}|",
        "", "", "", "", ""
    );
    let rows: [(&str, &[&str]); 5] = [
        (
            RS256_ID,
            &[
                "ours",
                "jsonwebtoken_aws_lc_rs",
                "jwt_simple_boring",
                "jwt_compact_rsa",
                "rsa_crate_signature_only",
            ],
        ),
        (RS256_ACCESS, &["ours", "jsonwebtoken_aws_lc_rs"]),
        (
            ES256_ID,
            &["ours", "jsonwebtoken_aws_lc_rs", "jwt_simple_p256"],
        ),
        (
            JWKS_PARSE,
            &["ours/2xRSA2048", "jsonwebtoken_aws_lc_rs/2xRSA2048"],
        ),
        (
            CACHE,
            &[
                "no_cache",
                "hit",
                "hit_verifier_core",
                "hit_verifier_core_1000",
                "miss",
                "hit_1000_revoked",
                "hit_revocations_one",
                "hit_revocations_once_full",
            ],
        ),
    ];
    for (group, impls) in rows {
        let ours = rate(&format!("{group}/{}", impls[0]));
        for imp in impls {
            let r = rate(&format!("{group}/{imp}"));
            let name = imp.split('/').next().unwrap_or(imp);
            let is_ours = name == "ours";
            let unit_ratio = if is_ours {
                String::new()
            } else {
                ratio(ours, r)
            };
            println!(
                "| {:<14} | {:<28} | {:>10} | {:>10} | {:>11} |",
                group,
                name,
                fmt(r),
                unit_ratio,
                alloc_of(&format!("{name} {group}"))
            );
        }
    }
    if let (Some(none), Some(hit), Some(miss)) = (
        rate("rs256_id_cache/no_cache"),
        rate("rs256_id_cache/hit"),
        rate("rs256_id_cache/miss"),
    ) {
        println!(
            "\nsignature cache: hit {hit:.0}/s (target 500,000/s: {}), {:.1}x no cache; \
             a miss {:+.1}% time against no cache (target at most +3%: {})",
            if hit >= 500_000.0 { "met" } else { "not met" },
            hit / none,
            (none / miss - 1.0) * 100.0,
            if none / miss - 1.0 <= 0.03 {
                "met"
            } else {
                "not met"
            }
        );
    }
    let target = match (
        rate("rs256_id/ours"),
        rate("rs256_id/jsonwebtoken_aws_lc_rs"),
    ) {
        (Some(o), Some(j)) => o / j,
        _ => f64::NAN,
    };
    println!(
        "\nproject target, ours / jsonwebtoken (aws-lc-rs), RS256 ID: {target:.2}x \
         (criterion), {:.2}x (interleaved, 1 thread), {:.2}x ({threads} threads): {}",
        o1 / j1,
        on / jn,
        if target >= 1.0 { "met" } else { "not met" }
    );
}
