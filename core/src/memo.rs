//! The verdict memo of [`VerifierCore`](crate::VerifierCore): a token that fully verified before
//! is answered again without its signature, decoding or parsing, by re-checking only what can
//! change (ARCHITECTURE.md, "Verdict memo").
//!
//! - Keyed on the exact token: its bytes are stored and compared whole; the hash picks its two
//!   buckets of 4 entries, and is compared first, from an array of the entries' hashes beside
//!   the entries (a lookup reads one line of hashes per bucket and then only the entry whose
//!   hash matches, rather than every entry of both buckets).
//! - Only tokens that passed every check are stored, with their decoded payload and where each
//!   claim sits in it.
//! - A hit is used only while the pool's key set is the one that verified it (any replacement of
//!   the pool's keys makes every entry of that pool a miss); then every claim check runs again
//!   (time with the leeway, maximum age, revocation, groups, scopes, the custom check), so a hit
//!   gets exactly the code a full verification gives. The configuration of a `VerifierCore`
//!   never changes, so no entry outlives the configuration it was verified under.
//! - Bounded in entries and in bytes (token + payload + bookkeeping of each entry); a full
//!   bucket replaces an entry whose token has expired, else one picked by the token's hash.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use spin::RwLock;

use crate::claims::{Claims, ClaimsIndex};

/// Entries a verifier's memo holds by default.
pub const DEFAULT_VERDICT_MEMO_ENTRIES: usize = 2048;
/// Bytes a verifier's memo holds by default (entries of Cognito tokens take about 2 KiB each:
/// the token, its decoded payload and about 200 bytes of bookkeeping).
pub const DEFAULT_VERDICT_MEMO_BYTES: usize = 4 * 1024 * 1024;
/// Entries a bucket holds.
const WAYS: usize = 4;

/// A verified token and what a hit needs: `M` says where its claims sit in the payload
/// ([`ClaimsIndex`] for a Cognito token; the ALB verifier has its own).
#[derive(Debug)]
pub(crate) struct Entry<M = ClaimsIndex> {
    token: Box<[u8]>,
    /// [`hash`] of the token: compared before the token, so a lookup's other ways cost one
    /// comparison of numbers each.
    hash: u64,
    /// Shared with the claims a caller keeps ([`OwnedClaims`](crate::OwnedClaims) on a hit
    /// takes a reference, not a copy).
    payload: Arc<str>,
    pub(crate) meta: M,
    /// The pool that verified it, and the generation of that pool's key set then.
    pub(crate) pool: usize,
    pub(crate) generation: u64,
    /// `exp` plus the leeway: after it the entry can only answer `expired`, so it goes first.
    until: i128,
}

impl Entry {
    /// The claims, over the entry's own payload.
    pub(crate) fn claims(&self) -> Claims<'_> {
        self.meta.claims(&self.payload)
    }

    /// The claims over `payload`, a copy of [`payload`](Self::payload).
    pub(crate) fn claims_over<'p>(&self, payload: &'p str) -> Claims<'p> {
        self.meta.claims(payload)
    }
}

impl<M> Entry<M> {
    /// An entry of `token`, verified by pool `pool`'s keys of generation `generation`, whose
    /// verdict can hold until `until` (`exp` plus the leeway) at most.
    pub(crate) fn new(
        token: &[u8],
        payload: Arc<str>,
        meta: M,
        (pool, generation): (usize, u64),
        until: i128,
    ) -> Self {
        Entry {
            token: token.into(),
            hash: hash(token),
            payload,
            meta,
            pool,
            generation,
            until,
        }
    }

    /// The token's [`hash`].
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }

    /// The decoded payload.
    pub(crate) fn payload(&self) -> &str {
        &self.payload
    }

    /// The decoded payload, for a caller that keeps it beyond the entry.
    pub(crate) fn shared_payload(&self) -> &Arc<str> {
        &self.payload
    }

    /// Whether this is the entry of exactly `token`, of hash `h`: the hash first (which tells
    /// tokens apart at once), then the whole token.
    fn holds(&self, token: &[u8], h: u64) -> bool {
        self.hash == h && *self.token == *token
    }

    fn cost(&self) -> usize {
        self.token.len() + self.payload.len() + core::mem::size_of::<Self>() + 16
    }
}

/// Counters of the verdict memo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerdictMemoStats {
    /// Tokens answered from the memo.
    pub hits: u64,
    /// Tokens looked up and not found (or found under keys since replaced).
    pub misses: u64,
    /// Entries it can hold (0: off).
    pub capacity: usize,
    /// Bytes it may hold.
    pub max_bytes: usize,
    /// Bytes it holds now.
    pub bytes: usize,
}

/// Counters of the lookups of a share of the tokens, on a cache line of their own: threads
/// answering different tokens do not pass one line back and forth on every lookup.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Counts {
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Stripes of [`Counts`], picked by the token's hash.
const STRIPES: usize = 16;

/// One way of a bucket: an entry, shared with the hits that read it.
type Slot<M> = RwLock<Option<Arc<Entry<M>>>>;

/// The memo: buckets of [`WAYS`] entries, each behind a lock held for a pointer copy.
#[derive(Debug)]
pub(crate) struct VerdictMemo<M = ClaimsIndex> {
    slots: Box<[Slot<M>]>,
    /// The [`hash`] of each slot's entry (anything for an empty slot), written under the slot's
    /// write lock. Only a hint: a lookup locks the slots whose hash matches and compares the
    /// token there, so a hash read mid-write costs at most a miss (then a full verification).
    tags: Box<[AtomicU64]>,
    max_bytes: usize,
    bytes: AtomicUsize,
    /// Where the next entry is taken from when the byte bound needs room beyond a token's
    /// buckets.
    hand: AtomicUsize,
    counts: [Counts; STRIPES],
}

/// A bucket-picking hash of the token: its length and its last 32 bytes (the end of the
/// signature, distinct for distinct signed tokens). Matching compares the whole token.
pub(crate) fn hash(token: &[u8]) -> u64 {
    let tail = token.get(token.len().saturating_sub(32)..).unwrap_or(&[]);
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ token.len() as u64;
    for chunk in tail.chunks(8) {
        let mut word = [0u8; 8];
        word.get_mut(..chunk.len())
            .unwrap_or(&mut [])
            .copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(0x0100_0000_01b3);
        h ^= h >> 29;
    }
    h
}

impl<M> VerdictMemo<M> {
    /// A memo of `entries` (rounded down to a multiple of 4; 0: off) and at most `max_bytes`.
    pub(crate) fn new(entries: usize, max_bytes: usize) -> Self {
        let entries = entries / WAYS * WAYS;
        VerdictMemo {
            slots: (0..entries).map(|_| RwLock::new(None)).collect(),
            tags: (0..entries).map(|_| AtomicU64::new(0)).collect(),
            max_bytes,
            bytes: AtomicUsize::new(0),
            hand: AtomicUsize::new(0),
            counts: Default::default(),
        }
    }

    /// The two buckets of a token of hash `h` (two choices: a working set about half the
    /// capacity fits without one full bucket evicting what another has room for); one when the
    /// memo has one bucket.
    fn ways_of(&self, h: u64) -> impl Iterator<Item = (usize, &Slot<M>)> + '_ {
        let buckets = (self.slots.len() / WAYS) as u64;
        let (b1, b2) = if buckets == 0 {
            (0, 0)
        } else {
            (h % buckets, (h >> 32 ^ h.rotate_left(17)) % buckets)
        };
        let first = |b: u64| usize::try_from(b).unwrap_or(0) * WAYS;
        let (b1, b2) = (first(b1), first(b2));
        let second = if b2 == b1 { 0 } else { WAYS };
        (b1..b1 + WAYS)
            .chain(b2..b2 + second)
            .filter_map(|i| Some((i, self.slots.get(i)?)))
    }

    /// Whether the memo is on.
    pub(crate) fn is_on(&self) -> bool {
        !self.slots.is_empty()
    }

    /// The entry of exactly this token, if any. Not counted: the caller counts the lookup
    /// once it knows whether the entry can be used.
    /// `h` is the token's [`hash`], which the caller also counts the lookup by.
    pub(crate) fn find(&self, token: &[u8], h: u64) -> Option<Arc<Entry<M>>> {
        self.ways_of(h)
            .filter(|&(i, _)| {
                self.tags
                    .get(i)
                    .is_some_and(|t| t.load(Ordering::Relaxed) == h)
            })
            .find_map(|(_, slot)| {
                let slot = slot.read();
                slot.as_ref().filter(|e| e.holds(token, h)).map(Arc::clone)
            })
    }

    /// Counts a lookup of the token of [`hash`] `h`: a hit, or a miss (no entry, or one under
    /// keys since replaced).
    pub(crate) fn count(&self, h: u64, hit: bool) {
        let stripe = usize::try_from(h >> 56).unwrap_or(0) % STRIPES;
        let Some(c) = self.counts.get(stripe) else {
            return;
        };
        let counter = if hit { &c.hits } else { &c.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Stores `entry`, a token that passed every check at `now`. Nothing is stored when the
    /// bucket's victim cannot make room within the byte bound.
    pub(crate) fn store(&self, entry: Entry<M>, now: u64) {
        if !self.is_on() {
            return;
        }
        let (token, generation) = (&*entry.token, entry.generation);
        let cost = entry.cost();
        let now = i128::from(now);
        // The way holding this token (remembered under keys since replaced), else an empty way
        // while the byte bound has room for one more entry, else one whose token expired, else
        // an entry of its buckets the hash picks (so a byte-full memo still takes new tokens,
        // in place of old ones). One pass, each way read once: this runs on every miss.
        let room = self.bytes.load(Ordering::Relaxed).saturating_add(cost) <= self.max_bytes;
        let h = entry.hash;
        let from = usize::try_from(h >> 60).unwrap_or(0);
        let (mut same, mut empty, mut expired) = (None, None, None);
        let mut held: [Option<(usize, &Slot<M>)>; 2 * WAYS] = [None; 2 * WAYS];
        let mut n = 0;
        for s in self.ways_of(h) {
            match s.1.read().as_ref() {
                Some(e) if e.holds(token, h) => {
                    same = Some(s);
                    break;
                }
                Some(e) => {
                    if expired.is_none() && e.until <= now {
                        expired = Some(s);
                    }
                    if let Some(w) = held.get_mut(n) {
                        *w = Some(s);
                        n += 1;
                    }
                }
                None => {
                    if room && empty.is_none() {
                        empty = Some(s);
                    }
                }
            }
        }
        let pick = same
            .or(empty)
            .or(expired)
            .or_else(|| {
                (n > 0)
                    .then(|| held.get(from % n).copied().flatten())
                    .flatten()
            })
            .or_else(|| self.ways_of(h).nth(from % WAYS));
        let Some((at, picked)) = pick else {
            return;
        };
        let mut slot = picked.write();
        if slot
            .as_ref()
            .is_some_and(|e| e.holds(token, h) && e.generation == generation)
        {
            return; // another thread stored it meanwhile
        }
        let freed = slot.as_ref().map_or(0, |e| e.cost());
        let over = || {
            let held = self.bytes.load(Ordering::Relaxed);
            held.saturating_sub(freed).saturating_add(cost) > self.max_bytes
        };
        // Byte-full and the victim smaller than the newcomer (or no victim: the bytes are held
        // by other buckets, when the byte bound binds before the entries): room from the
        // token's other ways, then from at most 2 buckets' ways past a clock hand that goes
        // round the memo (`try_write`: never wait for a lock while holding one).
        let hand = (0..2 * WAYS).filter_map(|_| {
            let at = self.hand.fetch_add(1, Ordering::Relaxed) % self.slots.len();
            self.slots.get(at)
        });
        let others = self
            .ways_of(h)
            .map(|(_, s)| s)
            .chain(hand)
            .filter(|o| !core::ptr::eq(*o, picked));
        for other in others {
            if !over() {
                break;
            }
            let taken = other.try_write().and_then(|mut o| o.take());
            if let Some(e) = taken {
                self.bytes.fetch_sub(e.cost(), Ordering::Relaxed);
            }
        }
        if over() {
            return;
        }
        // The victim's allocation is reused when nobody else holds it (a miss then allocates
        // the token and payload only).
        let (mut old, mut old_shared) = (None, None);
        match slot.as_mut().and_then(Arc::get_mut) {
            Some(e) => old = Some(core::mem::replace(e, entry)),
            None => old_shared = slot.replace(Arc::new(entry)),
        }
        if let Some(tag) = self.tags.get(at) {
            tag.store(h, Ordering::Relaxed);
        }
        self.bytes.fetch_add(cost, Ordering::Relaxed);
        self.bytes.fetch_sub(freed, Ordering::Relaxed);
        drop(slot);
        // The old entry is freed outside the lock (or by the last reader holding it).
        drop(old);
        drop(old_shared);
    }

    /// The counters.
    pub(crate) fn stats(&self) -> VerdictMemoStats {
        VerdictMemoStats {
            hits: self
                .counts
                .iter()
                .map(|c| c.hits.load(Ordering::Relaxed))
                .sum(),
            misses: self
                .counts
                .iter()
                .map(|c| c.misses.load(Ordering::Relaxed))
                .sum(),
            capacity: self.slots.len(),
            max_bytes: self.max_bytes,
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

impl VerdictMemo {
    /// Stores a token that passed every check at `now`, verified by pool `pool`'s key set of
    /// generation `generation`. Allocates the entry (the only allocation of the memo).
    pub(crate) fn remember(
        &self,
        token: &[u8],
        claims: &Claims<'_>,
        pool: usize,
        generation: u64,
        leeway: u64,
        now: u64,
    ) {
        if !self.is_on() {
            return;
        }
        let Some(index) = ClaimsIndex::of(claims) else {
            return;
        };
        let until = i128::from(claims.exp()) + i128::from(leeway);
        let payload = claims.payload_json().into();
        self.store(
            Entry::new(token, payload, index, (pool, generation), until),
            now,
        );
    }
}
