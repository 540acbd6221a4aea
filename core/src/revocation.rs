//! Revocation: a fixed-capacity, heap-free list of revoked sessions, tokens and users, checked
//! after the signature.
//!
//! Cognito's `RevokeToken` and `GlobalSignOut` stop refresh tokens, but the ID and access tokens
//! already issued stay valid until they expire. This list closes that gap. It denies a token by
//! - `origin_jti` ([`Revocation::OriginJti`]): every token issued from one refresh token, what
//!   `RevokeToken` revokes;
//! - `jti` ([`Revocation::Jti`]): one token;
//! - `sub` and `iat` ([`Revocation::Subject`]): every token of a user issued at or before a
//!   time, what `GlobalSignOut` revokes. A token without `iat` is then denied too (Cognito always
//!   sends it), and one issued in the same second as the sign-out is denied with it.
//!
//! **Lifetime.** An entry is held only while a token it covers could still be accepted: a `jti`
//! until that token's `exp`, an `origin_jti` until `max_token_lifetime` after it was revoked (no
//! token of a revoked refresh token can be issued later), a user until `max_token_lifetime` after
//! `issued_at_or_before`; each plus the list's `leeway`. Past that, its slot may be reused.
//! `max_token_lifetime` defaults to 86,400 s, the longest ID or access token validity a Cognito
//! app client can have; set it to the pool's own to hold entries for less.
//!
//! **Full.** When every slot holds a live entry, [`RevocationList::revoke`] returns
//! [`RevokeError::Full`] and stores nothing: a live revocation is never dropped to make room,
//! and the caller knows the new one was not recorded. Size the list for the sign-outs of one
//! `max_token_lifetime` (32 bytes an entry).
//!
//! **Layout and threads.** Entries are identified by 128 bits of SHA-256 over their kind and
//! value, in buckets of [`REVOCATION_WAYS`] slots picked by other bits of the same digest. A
//! bucket that filled up sends later entries on to the next one and remembers it (a sticky flag),
//! so a lookup follows the chain only where an overflow happened. Adding takes a small spin lock
//! (adds are rare and short); checking takes no lock: each slot is a seqlock over 32-bit atomics
//! and a reader that races a writer reads it again. So revocations may be added from any thread
//! while others verify, and a verification that starts after `revoke` returned sees it.

use core::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::claims::Claims;
use crate::config::RevocationCheck;
use crate::json::JsonStr;

/// Slots per bucket.
pub const REVOCATION_WAYS: usize = 8;

/// Revocation entries of the runtimes with a heap (the Rust `CognitoJwtVerifier`, the C
/// `cognito_verifier`, the JS package, the example server) unless configured otherwise:
/// 4,096 entries in 128 KiB.
pub const DEFAULT_REVOCATION_CAPACITY: usize = 4096;

/// The largest capacity an owned configuration accepts: 4,194,304 entries (128 MiB).
pub const MAX_REVOCATION_CAPACITY: usize = 1 << 22;

/// The longest validity of a Cognito ID or access token (one day): how long an `origin_jti` or
/// user entry is held unless the list is told the pool's own.
pub const DEFAULT_MAX_TOKEN_LIFETIME: u64 = 86_400;

/// Seconds an entry is held past the last moment a token it covers expires, by default: covers
/// a verifier's clock leeway up to this much.
pub const DEFAULT_REVOCATION_LEEWAY: u64 = 300;

const TAG_WORDS: usize = 4;
/// Longest `jti`, `origin_jti` or `sub` that can be revoked, in bytes (Cognito's are 36-byte
/// UUIDs).
pub const MAX_REVOKED_VALUE_LEN: usize = 256;
const MAX_VALUE_LEN: usize = MAX_REVOKED_VALUE_LEN;
/// `issued_before` of an entry that covers every token it matches (`jti`, `origin_jti`).
const ALL: u32 = u32::MAX;

/// What to revoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Revocation<'a> {
    /// Every token issued from one refresh token: tokens whose `origin_jti` is this (after
    /// Cognito's `RevokeToken`).
    OriginJti(&'a str),
    /// One token: the token whose `jti` is this; `exp` is its expiry (unix seconds).
    Jti {
        /// The token's `jti`.
        jti: &'a str,
        /// The token's `exp`.
        exp: u64,
    },
    /// Every token of a user issued at or before a time (after Cognito's `GlobalSignOut`).
    Subject {
        /// The user's `sub`.
        sub: &'a str,
        /// Tokens whose `iat` is at or before this (unix seconds) are denied.
        issued_at_or_before: u64,
    },
}

impl Revocation<'_> {
    fn kind(&self) -> u8 {
        match self {
            Revocation::OriginJti(_) => b'o',
            Revocation::Jti { .. } => b'j',
            Revocation::Subject { .. } => b's',
        }
    }
    fn value(&self) -> &str {
        match self {
            Revocation::OriginJti(v) | Revocation::Jti { jti: v, .. } => v,
            Revocation::Subject { sub, .. } => sub,
        }
    }
}

/// Why a revocation was not recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevokeError {
    /// Every slot holds a live revocation; nothing was replaced.
    Full,
    /// The `jti`, `origin_jti` or `sub` is empty.
    EmptyValue,
    /// The `jti`, `origin_jti` or `sub` is longer than [`MAX_REVOKED_VALUE_LEN`] bytes.
    TooLong,
    /// The list has no slots (revocation turned off).
    Disabled,
}

impl RevokeError {
    /// A stable snake_case word for bindings: `revocation_list_full`, `empty_value`,
    /// `value_too_long`, `revocation_disabled`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            RevokeError::Full => "revocation_list_full",
            RevokeError::EmptyValue => "empty_value",
            RevokeError::TooLong => "value_too_long",
            RevokeError::Disabled => "revocation_disabled",
        }
    }
}

impl RevokeError {
    /// A short human-readable description (lower case, no trailing period).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            RevokeError::Full => {
                "the revocation list is full of live entries; nothing was replaced"
            }
            RevokeError::EmptyValue => "the revoked jti, origin_jti or sub is empty",
            RevokeError::TooLong => "the revoked jti, origin_jti or sub is longer than 256 bytes",
            RevokeError::Disabled => "revocation is turned off (capacity 0)",
        }
    }
}

impl core::fmt::Display for RevokeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for RevokeError {}

/// How many revocations a [`RevocationList`] holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevocationStats {
    /// Live entries: revocations that still cover a token that could be accepted.
    pub held: usize,
    /// Entries the list can hold (0: revocation off).
    pub capacity: usize,
}

/// One entry of a [`RevocationList`]: 32 bytes.
#[derive(Debug)]
pub struct RevocationSlot {
    /// Seqlock: odd while being written; 0 for a slot never filled.
    seq: AtomicU32,
    tag: [AtomicU32; TAG_WORDS],
    /// The slot may be reused after this time (unix seconds).
    until: AtomicU32,
    /// Tokens with `iat` at or before this are covered ([`ALL`]: every matching token).
    issued_before: AtomicU32,
    /// Set when an entry of this bucket had to go on to the next bucket (on the first slot of
    /// a bucket only); never cleared.
    overflowed: AtomicBool,
}

impl RevocationSlot {
    /// An empty slot.
    #[expect(
        clippy::declare_interior_mutable_const,
        reason = "only used to initialise arrays, each element its own slot"
    )]
    pub const EMPTY: RevocationSlot = RevocationSlot {
        seq: AtomicU32::new(0),
        tag: [
            AtomicU32::new(0),
            AtomicU32::new(0),
            AtomicU32::new(0),
            AtomicU32::new(0),
        ],
        until: AtomicU32::new(0),
        issued_before: AtomicU32::new(0),
        overflowed: AtomicBool::new(false),
    };

    /// (tag, until, issued_before), read consistently; `None` for a slot never filled.
    fn read(&self) -> Option<([u32; TAG_WORDS], u32, u32)> {
        loop {
            let s1 = self.seq.load(Ordering::Acquire);
            if s1 == 0 {
                return None;
            }
            if s1 & 1 == 1 {
                core::hint::spin_loop();
                continue;
            }
            let tag: [u32; TAG_WORDS] =
                core::array::from_fn(|i| self.tag.get(i).map_or(0, |w| w.load(Ordering::Relaxed)));
            let until = self.until.load(Ordering::Relaxed);
            let issued_before = self.issued_before.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == s1 {
                return Some((tag, until, issued_before));
            }
        }
    }

    /// Writes an entry; only under the list's writer lock.
    fn write(&self, tag: &[u32; TAG_WORDS], until: u32, issued_before: u32) {
        let s = self.seq.load(Ordering::Relaxed);
        self.seq.store(s.wrapping_add(1) | 1, Ordering::Relaxed);
        fence(Ordering::Release);
        for (w, t) in self.tag.iter().zip(tag) {
            w.store(*t, Ordering::Relaxed);
        }
        self.until.store(until, Ordering::Relaxed);
        self.issued_before.store(issued_before, Ordering::Relaxed);
        // Even, and never 0 again (0 is "never filled").
        let next = (s | 1).wrapping_add(1);
        self.seq
            .store(if next == 0 { 2 } else { next }, Ordering::Release);
    }
}

/// A fixed-capacity list of revocations, shared by reference between threads (`Sync`; adding
/// takes a short spin lock, checking takes none). `S` holds the slots: `[RevocationSlot; N]`
/// with no heap ([`RevocationList::new`]), or a boxed slice sized at run time
/// ([`RevocationList::with_capacity`], feature `alloc`). Capacity is rounded down to a multiple
/// of [`REVOCATION_WAYS`] (8) when it is at least 8. See the module documentation for what is
/// held, for how long, and what happens when it is full.
///
/// ```
/// use cognito_verify::{Revocation, RevocationList, RevocationSlot};
/// static REVOKED: RevocationList<[RevocationSlot; 64]> = RevocationList::new();
/// let now = 1_700_000_000;
/// REVOKED.revoke(Revocation::OriginJti("3b7e2f0c-5c1d-4d8e-9f6a-1b2c3d4e5f60"), now).unwrap();
/// assert_eq!(REVOKED.stats(now).held, 1);
/// ```
#[derive(Debug)]
pub struct RevocationList<S> {
    slots: S,
    writer: AtomicBool,
    /// Entries ever written and not known to be free: 0 lets a check skip hashing.
    filled: AtomicUsize,
    max_token_lifetime: u64,
    leeway: u64,
}

impl<const N: usize> RevocationList<[RevocationSlot; N]> {
    /// An empty list of `N` slots, with no heap (usable in a `static`), holding entries for
    /// [`DEFAULT_MAX_TOKEN_LIFETIME`] and [`DEFAULT_REVOCATION_LEEWAY`].
    #[must_use]
    pub const fn new() -> Self {
        RevocationList {
            slots: [RevocationSlot::EMPTY; N],
            writer: AtomicBool::new(false),
            filled: AtomicUsize::new(0),
            max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME,
            leeway: DEFAULT_REVOCATION_LEEWAY,
        }
    }
}

impl<const N: usize> Default for RevocationList<[RevocationSlot; N]> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "alloc")]
impl RevocationList<alloc::boxed::Box<[RevocationSlot]>> {
    /// An empty list of `capacity` slots on the heap (32 bytes each), allocated once here.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        RevocationList {
            slots: (0..capacity).map(|_| RevocationSlot::EMPTY).collect(),
            writer: AtomicBool::new(false),
            filled: AtomicUsize::new(0),
            max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME,
            leeway: DEFAULT_REVOCATION_LEEWAY,
        }
    }
}

impl<S> RevocationList<S> {
    /// The longest validity of the pool's ID and access tokens, in seconds: how long an
    /// `origin_jti` or user entry is held.
    #[must_use]
    pub const fn max_token_lifetime(mut self, seconds: u64) -> Self {
        self.max_token_lifetime = seconds;
        self
    }
    /// Seconds held past the last expiry an entry covers: at least the verifier's leeway.
    #[must_use]
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }
}

/// 128 bits of the tag, and the bucket-picking word, of an entry of `kind` over `value`. Not
/// inlined: one copy of the hashing serves every caller (bytes count in the wasm module).
#[inline(never)]
fn digest(kind: u8, value: &[u8]) -> ([u32; TAG_WORDS], u64) {
    let d: [u8; 32] = Sha256::new()
        .chain_update([kind])
        .chain_update(value)
        .finalize()
        .into();
    let word = |i: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(d.get(i * 4..i * 4 + 4).unwrap_or(&[0; 4]));
        u32::from_le_bytes(w)
    };
    (
        [word(0), word(1), word(2), word(3)],
        u64::from(word(4)) << 32 | u64::from(word(5)),
    )
}

fn seconds(t: u64) -> u32 {
    // Unix seconds fit in 32 bits until 2106.
    u32::try_from(t).unwrap_or(u32::MAX)
}

impl<S: AsRef<[RevocationSlot]>> RevocationList<S> {
    fn slots(&self) -> &[RevocationSlot] {
        self.slots.as_ref()
    }

    /// (number of buckets, slots per bucket).
    fn shape(&self) -> (usize, usize) {
        let n = self.slots().len();
        if n < REVOCATION_WAYS {
            (usize::from(n > 0), n)
        } else {
            (n / REVOCATION_WAYS, REVOCATION_WAYS)
        }
    }

    fn bucket(&self, index: usize) -> &[RevocationSlot] {
        let (_, ways) = self.shape();
        let start = index.saturating_mul(ways);
        self.slots()
            .get(start..start.saturating_add(ways))
            .unwrap_or(&[])
    }

    /// The buckets a tag may live in, in order: its own, then the next ones while each one it
    /// passes has overflowed.
    fn chain(&self, pick: u64) -> impl Iterator<Item = &[RevocationSlot]> {
        let (count, _) = self.shape();
        let count_u64 = u64::try_from(count.max(1)).unwrap_or(1);
        let home = usize::try_from(pick % count_u64).unwrap_or(0);
        let mut go_on = true;
        (0..count).map_while(move |i| {
            if !go_on {
                return None;
            }
            let b = self.bucket((home + i) % count);
            go_on = b
                .first()
                .is_some_and(|s| s.overflowed.load(Ordering::Acquire));
            Some(b)
        })
    }

    /// Records a revocation at time `now` (unix seconds). Revoking again what is already held
    /// extends it (a later `issued_at_or_before`, a later expiry).
    ///
    /// # Errors
    /// [`RevokeError::Disabled`] for a list of no slots, whatever the value;
    /// [`RevokeError::EmptyValue`], [`RevokeError::TooLong`]; [`RevokeError::Full`] when every
    /// slot holds a live entry (nothing is replaced).
    pub fn revoke(&self, r: Revocation<'_>, now: u64) -> Result<(), RevokeError> {
        if self.slots().is_empty() {
            return Err(RevokeError::Disabled);
        }
        if r.value().is_empty() {
            return Err(RevokeError::EmptyValue);
        }
        if r.value().len() > MAX_VALUE_LEN {
            return Err(RevokeError::TooLong);
        }
        let (last_expiry, issued_before) = match r {
            Revocation::OriginJti(_) => (now.saturating_add(self.max_token_lifetime), ALL),
            Revocation::Jti { exp, .. } => (exp, ALL),
            Revocation::Subject {
                issued_at_or_before,
                ..
            } => (
                issued_at_or_before.saturating_add(self.max_token_lifetime),
                // ALL is reserved for "every token"; a time that large is one anyway.
                seconds(issued_at_or_before).min(ALL - 1),
            ),
        };
        let until = seconds(last_expiry.saturating_add(self.leeway));
        let (tag, pick) = digest(r.kind(), r.value().as_bytes());
        let now = seconds(now);

        while self
            .writer
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        let result = self.revoke_locked(&tag, pick, until, issued_before, now);
        self.writer.store(false, Ordering::Release);
        result
    }

    fn revoke_locked(
        &self,
        tag: &[u32; TAG_WORDS],
        pick: u64,
        until: u32,
        issued_before: u32,
        now: u32,
    ) -> Result<(), RevokeError> {
        // Already held: extend it in place.
        for slot in self.chain(pick).flatten() {
            if let Some((t, u, ib)) = slot.read() {
                if t == *tag {
                    let ib = if ib == ALL || issued_before == ALL {
                        ALL
                    } else {
                        ib.max(issued_before)
                    };
                    slot.write(tag, u.max(until), ib);
                    return Ok(());
                }
            }
        }
        // A free slot: never filled, or holding an entry that covers no acceptable token.
        let (count, _) = self.shape();
        let count_u64 = u64::try_from(count.max(1)).unwrap_or(1);
        let home = usize::try_from(pick % count_u64).unwrap_or(0);
        for i in 0..count {
            let bucket = self.bucket((home + i) % count);
            let free = bucket.iter().find(|s| match s.read() {
                None => true,
                Some((_, u, _)) => u < now,
            });
            if let Some(slot) = free {
                if slot.read().is_none() {
                    self.filled.fetch_add(1, Ordering::Release);
                }
                slot.write(tag, until, issued_before);
                return Ok(());
            }
            if let Some(first) = bucket.first() {
                first.overflowed.store(true, Ordering::Release);
            }
        }
        Err(RevokeError::Full)
    }

    /// Whether `claims` are covered by a held revocation (whatever the time: an entry past its
    /// lifetime covers only tokens that have expired anyway).
    #[must_use]
    pub fn is_revoked(&self, claims: &Claims<'_>) -> bool {
        if self.filled.load(Ordering::Acquire) == 0 {
            return false;
        }
        let find = |kind: u8, value: &JsonStr<'_>| {
            // A value longer than any revocable one cannot be revoked.
            let mut buf = [0u8; MAX_VALUE_LEN];
            let value = value.decode_into(&mut buf)?;
            let (tag, pick) = digest(kind, value.as_bytes());
            self.chain(pick)
                .flatten()
                .find_map(|s| s.read().filter(|(t, _, _)| *t == tag))
                .map(|(_, _, issued_before)| issued_before)
        };
        if claims.origin_jti.is_some_and(|v| find(b'o', &v).is_some()) {
            return true;
        }
        if claims.jti.is_some_and(|v| find(b'j', &v).is_some()) {
            return true;
        }
        if let Some(sub) = claims.sub {
            if let Some(issued_before) = find(b's', &sub) {
                // No `iat`: covered (Cognito always sends it, so this fails closed).
                return claims.iat.is_none_or(|iat| iat <= i64::from(issued_before));
            }
        }
        false
    }

    /// How many live revocations are held at `now`, and the capacity.
    #[must_use]
    pub fn stats(&self, now: u64) -> RevocationStats {
        let now = seconds(now);
        let held = if self.filled.load(Ordering::Acquire) == 0 {
            0
        } else {
            self.slots()
                .iter()
                .filter(|s| s.read().is_some_and(|(_, u, _)| u >= now))
                .count()
        };
        let (buckets, ways) = self.shape();
        RevocationStats {
            held,
            capacity: buckets * ways,
        }
    }
}

impl<S: AsRef<[RevocationSlot]> + Sync> RevocationCheck for RevocationList<S> {
    fn is_revoked(&self, claims: &Claims<'_>) -> bool {
        RevocationList::is_revoked(self, claims)
    }
}

#[cfg(test)]
mod tests;
