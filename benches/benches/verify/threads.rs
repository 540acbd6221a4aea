//! Multi-threaded throughput: verifiers run for a fixed time on every thread, tokens/s summed.

use std::time::{Duration, Instant};

use crate::All;

/// Tokens/s over `threads` threads each verifying for `d`.
fn throughput(threads: usize, d: Duration, f: &(dyn Fn() -> bool + Sync)) -> f64 {
    let start = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0u64;
                    while start.elapsed() < d {
                        for _ in 0..16 {
                            assert!(f());
                        }
                        n += 16;
                    }
                    n
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

/// Interleaved rounds of ours and jsonwebtoken, `rounds` each; total tokens/s per side.
pub(crate) fn interleaved(threads: usize, rounds: usize, d: Duration, a: &All) -> (f64, f64) {
    let (mut ours, mut jwt) = (0.0, 0.0);
    for r in 0..rounds {
        // Alternate who goes first so drift in the machine's load favours neither.
        let o = || a.ours.verify_id(&a.fx.id);
        let j = || a.jwt.verify_id(&a.fx.id);
        if r % 2 == 0 {
            ours += throughput(threads, d, &o);
            jwt += throughput(threads, d, &j);
        } else {
            jwt += throughput(threads, d, &j);
            ours += throughput(threads, d, &o);
        }
    }
    (ours / rounds as f64, jwt / rounds as f64)
}
