//! Verification allocates nothing: a counting global allocator watches ID and access tokens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::std_instead_of_core,
    reason = "test code: a failed expectation is a test failure"
)]
#![expect(
    unsafe_code,
    reason = "a counting global allocator must implement the unsafe GlobalAlloc trait; test only"
)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use cognito_verify::{payload_buffer_len, CacheSlot, CoreCrypto, KeySet, SignatureCache};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn verifying_allocates_nothing() {
    let cases = common::jsonl("tokens.jsonl");
    let mut checked = 0;
    for name in [
        "valid_id",
        "valid_access",
        "valid_rsa4096",
        "valid_es256_enabled",
        "kid_unknown",
        "payload_duplicate_exp",
        "signature_bit_flipped",
        "expired_at_exp",
    ] {
        let case = cases.iter().find(|c| c["name"] == name).expect(name);
        let jwks = serde_json::to_vec(&case["jwks"]).unwrap();
        let config = common::config(&case["config"]);
        let token = case["token"].as_str().unwrap().to_owned();
        let now = case["now"].as_u64().unwrap();
        let mut buf = vec![0u8; payload_buffer_len(token.len())];

        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let keys: KeySet = KeySet::from_jwks(&jwks).unwrap();
        let verifier = config.verifier();
        let result = verifier.verify(&keys, &token, now, &mut buf).map(|c| {
            // Accessors too.
            (
                c.sub().is_some(),
                c.groups().count(),
                c.has_scope("openid"),
                c.get("email").is_some(),
            )
        });
        // With the verified-signature cache too: a miss (stored) and then a hit.
        let cache: SignatureCache<[CacheSlot; 64]> = SignatureCache::new();
        for _ in 0..2 {
            let cached = verifier.parse(&token, &mut buf).and_then(|t| {
                verifier.verify_token_cached(&t, Some(&keys), &cache, now, &mut CoreCrypto)
            });
            assert_eq!(cached.is_ok(), result.is_ok(), "{name}");
        }
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        assert_eq!(after - before, 0, "{name} allocated ({result:?})");
        assert_eq!(result.is_ok(), case["expect"]["valid"] == true, "{name}");
        if result.is_ok() {
            assert_eq!(cache.stats().hits, 1, "{name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 8);
}
