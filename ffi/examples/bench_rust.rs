//! Verifications per second through the Rust API, on the token `tests/c/bench.c` uses, for
//! `tests/c/bench.sh` to print side by side (a measurement, not a test).
//!
//! `cargo run --release -p cognito-verify-ffi --example bench_rust -- JWKS TOKEN [SECONDS]`

use std::time::Instant;

use cognito_verify_core::{payload_buffer_len, Config, Issuer, KeySet, Verifier};

fn main() -> Result<(), Box<dyn core::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(jwks), Some(token)) = (args.get(1), args.get(2)) else {
        return Err("usage: bench_rust JWKS TOKEN [SECONDS]".into());
    };
    let budget: f64 = args.get(3).map_or(Ok(2.0), |s| s.parse())?;
    let keys: KeySet = KeySet::from_jwks(&std::fs::read(jwks)?)?;
    let token = std::fs::read_to_string(token)?;
    let token = token.trim();
    let issuers = [Issuer::UserPool("us-east-1_Example1")];
    let verifier = Verifier::new(Config::new(&issuers, &["3n4b5urk1ft4fl3mg5e62d9ado"]))?;
    let mut buf = vec![0u8; payload_buffer_len(token.len())];
    for _ in 0..200 {
        verifier.verify(&keys, token, 1_700_000_100, &mut buf)?;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < budget {
        for _ in 0..500 {
            verifier.verify(&keys, token, 1_700_000_100, &mut buf)?;
        }
        n += 500;
    }
    let secs = start.elapsed().as_secs_f64();
    #[expect(
        clippy::cast_precision_loss,
        reason = "a count of verifications, for display"
    )]
    let rate = n as f64 / secs;
    println!("Rust API: {rate:8.0} verifications/s ({n} in {secs:.2} s, same token, one thread)");
    Ok(())
}
