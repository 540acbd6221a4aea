//! A verified-signature cache: fixed capacity, no heap, no lock.
//!
//! It remembers one fact per entry: "this signature over these exact bytes was valid under this
//! key". The entry's tag is a SHA-256 over the digest of the signing input, a fingerprint of the
//! key (its `kid` and its material, so a key removed and re-added with another modulus under the
//! same `kid` never matches), and the signature. A hit lets [`Verifier`](crate::Verifier) skip
//! the signature arithmetic and nothing else.
//!
//! Layout: slots grouped in buckets of [`WAYS`] (set-associative); a tag picks one bucket and
//! may live in any of its ways. Eviction protects what is in use: each entry records when it
//! was stored or last verified a token again (the `now` of that verification). A new entry
//! takes, in this order, an empty way, the way idle longest if it has been idle at least
//! [`IDLE_SECONDS`], or the oldest way whose entry was never used again since it was stored;
//! when every way of the bucket was used again within [`IDLE_SECONDS`], the newcomer is not
//! stored. So a burst of new valid tokens, however long, only replaces entries nobody is using:
//! it cannot flush a working set, and one insertion evicts at most one entry of one bucket.
//! Entries of expired tokens stop being used and make room after [`IDLE_SECONDS`].
//!
//! Each slot's tag is under a seqlock (`seqlock.rs`): a reader that races a writer treats the
//! slot as a miss; a writer that finds another writer in the slot gives up (a cache may forget).

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use crate::seqlock::{Read, SeqWords};

/// Ways per bucket: the entries one bucket can hold and that a burst into it can touch.
pub const WAYS: usize = 8;

/// Entries of the verified-signature cache of the runtimes with a heap (the Rust
/// `CognitoJwtVerifier`, the C `cognito_verifier`, the example server) unless configured
/// otherwise: 4,096 tokens in 112 KiB.
pub const DEFAULT_SIGNATURE_CACHE_CAPACITY: usize = 4096;

/// An entry used again within this many seconds is never evicted.
pub const IDLE_SECONDS: u32 = 60;

/// Number of 32-bit words of a stored tag (128 bits; the bucket index comes from other bits of
/// the same digest).
const TAG_WORDS: usize = 4;

/// One entry of a [`SignatureCache`]: 28 bytes.
#[derive(Debug)]
pub struct CacheSlot {
    /// The tag, under the slot's seqlock.
    tag: SeqWords<TAG_WORDS>,
    /// When it was stored or last verified a token again (unix seconds, truncated).
    last_used: AtomicU32,
    /// Whether it verified a token again since it was stored.
    used_again: AtomicBool,
}

impl CacheSlot {
    /// An empty slot.
    #[expect(
        clippy::declare_interior_mutable_const,
        reason = "only used to initialise arrays, each element its own slot"
    )]
    pub const EMPTY: CacheSlot = CacheSlot {
        tag: SeqWords::new(),
        last_used: AtomicU32::new(0),
        used_again: AtomicBool::new(false),
    };

    /// Whether the slot holds `tag`, read consistently (a slot being written is a miss).
    fn holds(&self, tag: &[u32; TAG_WORDS]) -> bool {
        self.tag.read_if(tag.first().copied(), 1) == Read::Words(*tag)
    }

    /// Writes `tag` at time `now`, unless another writer holds the slot.
    fn store(&self, tag: &[u32; TAG_WORDS], now: u32) {
        self.tag.write_with(tag, || {
            self.last_used.store(now, Ordering::Relaxed);
            self.used_again.store(false, Ordering::Relaxed);
        });
    }

    fn is_empty(&self) -> bool {
        self.tag.is_empty()
    }

    fn last_used(&self) -> u32 {
        self.last_used.load(Ordering::Relaxed)
    }

    fn touch(&self, now: u32) {
        // A load first: threads verifying the same token within a second write nothing, so
        // they do not fight over the cache line.
        if self.last_used.load(Ordering::Relaxed) != now {
            self.last_used.store(now, Ordering::Relaxed);
        }
        if !self.used_again.load(Ordering::Relaxed) {
            self.used_again.store(true, Ordering::Relaxed);
        }
    }
}

/// Hit and miss counters of a [`SignatureCache`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignatureCacheStats {
    /// Signatures found in the cache: their arithmetic was skipped.
    pub hits: u64,
    /// Signatures looked up and not found: their arithmetic ran (whatever its outcome).
    pub misses: u64,
    /// Entries the cache can hold (0: disabled).
    pub capacity: usize,
}

/// A fixed-capacity cache of verified signatures, shared by reference between threads (`Sync`,
/// no lock). `S` holds the slots: `[CacheSlot; N]` with no heap ([`SignatureCache::new`]), or a
/// boxed slice sized at run time ([`SignatureCache::with_capacity`], feature `alloc`).
///
/// Capacity is rounded down to a multiple of [`WAYS`] (8) when it is at least 8; a cache of 0
/// slots never hits. Pass it to
/// [`Verifier::verify_token_cached`](crate::Verifier::verify_token_cached). One cache may serve
/// several verifiers and key sets: an entry only says a signature is valid under a key, which no
/// configuration changes.
///
/// ```
/// use cognito_verify::{CacheSlot, SignatureCache};
/// static CACHE: SignatureCache<[CacheSlot; 64]> = SignatureCache::new();
/// assert_eq!(CACHE.stats().capacity, 64);
/// ```
#[derive(Debug)]
pub struct SignatureCache<S> {
    slots: S,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl<const N: usize> SignatureCache<[CacheSlot; N]> {
    /// An empty cache of `N` slots, with no heap (usable in a `static`).
    #[must_use]
    pub const fn new() -> Self {
        SignatureCache {
            slots: [CacheSlot::EMPTY; N],
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        }
    }
}

impl<const N: usize> Default for SignatureCache<[CacheSlot; N]> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "alloc")]
impl SignatureCache<alloc::boxed::Box<[CacheSlot]>> {
    /// An empty cache of `capacity` slots on the heap (28 bytes each), allocated once here.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        SignatureCache {
            slots: (0..capacity).map(|_| CacheSlot::EMPTY).collect(),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        }
    }
}

/// The tag of an entry: "`signature` over the signing input whose SHA-256 is `digest` is valid
/// under `key`". It binds the exact signed bytes (through their digest), the key (its `kid` and
/// material) and the exact signature; the digest has a fixed length, so the concatenation is
/// unambiguous.
pub(crate) fn tag(digest: &[u8; 32], key: &crate::jwk::Key, signature: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::new()
        .chain_update(digest)
        .chain_update(key.fingerprint())
        .chain_update(signature)
        .finalize()
        .into()
}

/// Where a lookup found its tag, or what to store when it did not.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lookup {
    bucket: usize,
    tag: [u32; TAG_WORDS],
    /// The way that holds the tag.
    found: Option<usize>,
}

impl Lookup {
    pub(crate) fn hit(&self) -> bool {
        self.found.is_some()
    }
}

impl<S: AsRef<[CacheSlot]>> SignatureCache<S> {
    /// The counters and the capacity.
    #[must_use]
    pub fn stats(&self) -> SignatureCacheStats {
        SignatureCacheStats {
            hits: u64::try_from(self.hits.load(Ordering::Relaxed)).unwrap_or(u64::MAX),
            misses: u64::try_from(self.misses.load(Ordering::Relaxed)).unwrap_or(u64::MAX),
            capacity: self.buckets().0 * self.buckets().1,
        }
    }

    /// Forgets every entry (the counters stay).
    pub fn clear(&self) {
        // An all-zero tag stands for "empty": a digest has it with probability 2^-128.
        for slot in self.slots.as_ref() {
            slot.store(&[0; TAG_WORDS], 0);
        }
    }

    /// (number of buckets, ways per bucket).
    fn buckets(&self) -> (usize, usize) {
        let n = self.slots.as_ref().len();
        if n < WAYS {
            (usize::from(n > 0), n)
        } else {
            (n / WAYS, WAYS)
        }
    }

    fn bucket(&self, index: usize) -> &[CacheSlot] {
        let (_, ways) = self.buckets();
        let start = index.saturating_mul(ways);
        self.slots
            .as_ref()
            .get(start..start.saturating_add(ways))
            .unwrap_or(&[])
    }

    /// Looks up a 32-byte tag digest, counting a hit or a miss.
    pub(crate) fn lookup(&self, digest: &[u8; 32]) -> Lookup {
        let lookup = self.find(digest);
        self.count(lookup.hit());
        lookup
    }

    /// Counts a hit or a miss (a [`find`](Self::find) whose outcome was used).
    pub(crate) fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Looks up a 32-byte tag digest without counting it.
    pub(crate) fn find(&self, digest: &[u8; 32]) -> Lookup {
        let word = |i: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(digest.get(i * 4..i * 4 + 4).unwrap_or(&[0; 4]));
            u32::from_le_bytes(w)
        };
        let tag = [word(0), word(1), word(2), word(3)];
        let (count, _) = self.buckets();
        // Bits of the digest apart from the stored ones pick the bucket, so they are matched too.
        let pick = u64::from(word(4)) << 32 | u64::from(word(5));
        let count = u64::try_from(count.max(1)).unwrap_or(1);
        let bucket = usize::try_from(pick % count).unwrap_or(0);
        let found = self.bucket(bucket).iter().position(|s| s.holds(&tag));
        Lookup { bucket, tag, found }
    }

    /// After a whole verification succeeded at `now`: mark a hit's entry as used, or store a
    /// miss's (see the module documentation for which entry it replaces, if any).
    pub(crate) fn record_success(&self, lookup: &Lookup, now: u64) {
        // Seconds since 1970 fit in 32 bits until 2106.
        let now = u32::try_from(now).unwrap_or(u32::MAX);
        let bucket = self.bucket(lookup.bucket);
        if let Some(way) = lookup.found {
            if let Some(slot) = bucket.get(way) {
                slot.touch(now);
            }
            return;
        }
        if bucket.is_empty() || bucket.iter().any(|s| s.holds(&lookup.tag)) {
            return; // disabled, or another thread stored it meanwhile
        }
        // Start the search at a place the tag picks, so concurrent inserts spread over the ways.
        let start = usize::try_from(lookup.tag[1]).unwrap_or(0) % bucket.len();
        let ways = || bucket.iter().cycle().skip(start).take(bucket.len());
        let victim = ways()
            .find(|s| s.is_empty())
            .or_else(|| {
                ways()
                    .min_by_key(|s| s.last_used())
                    .filter(|s| now.saturating_sub(s.last_used()) >= IDLE_SECONDS)
            })
            .or_else(|| {
                ways()
                    .filter(|s| !s.used_again.load(Ordering::Relaxed))
                    .min_by_key(|s| s.last_used())
            });
        if let Some(slot) = victim {
            slot.store(&lookup.tag, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_28_bytes() {
        assert_eq!(core::mem::size_of::<CacheSlot>(), 28);
    }

    fn digest(i: u32) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(i.to_le_bytes()).into()
    }

    #[test]
    fn stores_only_what_is_recorded() {
        let c: SignatureCache<[CacheSlot; 64]> = SignatureCache::new();
        let l = c.lookup(&digest(1));
        assert!(!l.hit());
        assert!(!c.lookup(&digest(1)).hit());
        c.record_success(&l, 1000);
        assert!(c.lookup(&digest(1)).hit());
        assert!(!c.lookup(&digest(2)).hit());
        let s = c.stats();
        assert_eq!((s.hits, s.misses, s.capacity), (1, 3, 64));
        c.clear();
        assert!(!c.lookup(&digest(1)).hit());
    }

    #[test]
    fn disabled_never_hits() {
        let c: SignatureCache<[CacheSlot; 0]> = SignatureCache::new();
        let l = c.lookup(&digest(1));
        c.record_success(&l, 1000);
        assert!(!c.lookup(&digest(1)).hit());
        assert_eq!(c.stats().capacity, 0);
    }

    /// `verify_pools_cached_with_signature_check`: a hit skips the external check, a check that
    /// cannot answer counts and stores nothing, and entries are shared with `verify_cached`.
    #[cfg(feature = "alloc")]
    #[test]
    fn external_check_shares_the_cache() {
        use crate::{payload_buffer_len, Error, KeySet, VerifierConfig};
        let line = include_str!("../../testdata/tokens.jsonl")
            .lines()
            .find(|l| l.starts_with(r#"{"name":"valid_id","#))
            .expect("valid_id vector");
        let case: serde_json::Value = serde_json::from_str(line).expect("json");
        let token = case["token"].as_str().expect("token");
        let now = case["now"].as_u64().expect("now");
        let jwks = serde_json::to_vec(&case["jwks"]).expect("jwks");
        let keys: KeySet<4> = KeySet::from_jwks(&jwks).expect("keys");
        let config = VerifierConfig::builder()
            .user_pool("us-east-1_TestPool1")
            .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
            .build()
            .expect("config");
        let v = config.verifier();
        let c: SignatureCache<[CacheSlot; 64]> = SignatureCache::new();
        let mut buf = std::vec![0u8; payload_buffer_len(token.len())];
        let mut asked = 0;
        // Phase 1 of an asynchronous check (`signature_needed`), then phase 2 with `answer`.
        let mut external = |answer: Option<bool>, at: u64, buf: &mut [u8]| {
            let parsed = v.parse(token, buf)?;
            match answer {
                None => v.signature_needed(&parsed, Some(&keys), &c).map(|needed| {
                    if needed.is_some() {
                        Err(Error::InvalidSignature)
                    } else {
                        Ok(())
                    }
                })?,
                Some(ok) => v
                    .verify_token_cached(
                        &parsed,
                        Some(&keys),
                        &c,
                        at,
                        &mut |_: &crate::SignedData<'_>| {
                            asked += 1;
                            ok
                        },
                    )
                    .map(|_| ()),
            }
        };
        let counts = |c: &SignatureCache<[CacheSlot; 64]>| (c.stats().hits, c.stats().misses);
        // Not answered yet (phase 1): nothing counted or stored.
        assert_eq!(external(None, now, &mut buf), Err(Error::InvalidSignature));
        assert_eq!(counts(&c), (0, 0));
        // Refused: one miss, nothing stored.
        assert_eq!(
            external(Some(false), now, &mut buf),
            Err(Error::InvalidSignature)
        );
        assert_eq!(counts(&c), (0, 1));
        // Accepted (phase 2): one miss, stored.
        assert_eq!(external(Some(true), now, &mut buf), Ok(()));
        assert_eq!(counts(&c), (0, 2));
        // A hit: phase 1 says nothing is needed; the check is not asked, even one that would
        // refuse; the clock still applies.
        assert_eq!(external(None, now, &mut buf), Ok(()));
        assert_eq!(external(Some(false), now, &mut buf), Ok(()));
        assert_eq!(
            external(Some(false), now + 7200, &mut buf),
            Err(Error::Expired)
        );
        assert_eq!(counts(&c), (2, 2));
        assert_eq!(asked, 2);
        // The same entries for this crate's arithmetic.
        let parsed = v.parse(token, &mut buf).expect("parses");
        assert!(v
            .verify_token_cached(&parsed, Some(&keys), &c, now, &mut crate::CoreCrypto)
            .is_ok());
        assert_eq!(counts(&c), (3, 2));
    }

    /// A burst of tokens seen once never evicts entries in use.
    #[test]
    fn burst_of_new_entries_spares_the_working_set() {
        let c: SignatureCache<[CacheSlot; 1024]> = SignatureCache::new();
        // A working set of half the capacity, stored and used again (referenced).
        for i in 0..512 {
            c.record_success(&c.lookup(&digest(i)), 1000);
        }
        let mut kept = 0;
        for i in 0..512 {
            let l = c.lookup(&digest(i));
            if l.hit() {
                c.record_success(&l, 1000);
                kept += 1;
            }
        }
        // A few buckets overflowed; nearly all are there.
        assert!(kept > 490, "{kept}");
        // 100,000 new valid tokens, each seen once, or each seen twice: none evicts an entry
        // used within the last minute.
        for i in 1_000_000..1_100_000 {
            let l = c.lookup(&digest(i));
            c.record_success(&l, 1010);
            if i % 2 == 0 {
                let again = c.lookup(&digest(i));
                c.record_success(&again, 1010);
            }
        }
        let survived = (0..512).filter(|&i| c.lookup(&digest(i)).hit()).count();
        assert_eq!(survived, kept);
        // A minute later, unused, they make room.
        for i in 2_000_000..2_100_000 {
            c.record_success(&c.lookup(&digest(i)), 1000 + 2 * IDLE_SECONDS as u64);
        }
        let survived = (0..512).filter(|&i| c.lookup(&digest(i)).hit()).count();
        assert!(survived < 10, "{survived}");
    }
}
