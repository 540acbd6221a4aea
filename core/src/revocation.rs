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
//! **Full.** Each entry may live in one of two buckets of [`REVOCATION_WAYS`] slots, picked by its
//! digest. When both hold live entries, [`RevocationList::revoke`] returns [`RevokeError::Full`]
//! and stores nothing: a live revocation is never dropped to make room, and the caller knows the
//! new one was not recorded. A list of one or two buckets (up to 16 slots) takes exactly its
//! capacity; a larger one starts to refuse from about 90% of it (the two buckets of a new entry
//! are full before the whole list is). Size the list for the sign-outs of one
//! `max_token_lifetime` with that margin (32 bytes an entry).
//!
//! **Bounded lookups.** A check examines at most [`MAX_SLOTS_EXAMINED`] slots (two buckets) for
//! each of `origin_jti`, `jti` and `sub`, whatever happened before: a full list, entries all
//! expired, slots reused. Nothing is remembered about overflows, so nothing can go stale.
//!
//! **One user cannot fill it.** [`RevocationList::sign_out`] records a session against its user:
//! past [`MAX_SESSIONS_PER_SUBJECT`] held sessions of one user, or when the list is 7/8 full, it
//! revokes the user instead (every token issued until now, one merged entry a user). A user who
//! signs out ten thousand times holds at most five entries.
//!
//! **Layout and threads.** Entries are identified by 128 bits of SHA-256 over their kind and
//! value. Adding takes a small spin lock (adds are rare and short); checking takes no lock: each
//! slot is a seqlock over 32-bit atomics and a reader that races a writer reads it again, at most
//! [`MAX_READ_RETRIES`] times; past that (a writer preempted mid-write, say by the interrupt that
//! is verifying) the check answers "revoked", the safe side, and counts it
//! ([`RevocationStats::contended`]). So revocations may be added from any thread while others
//! verify, and a verification that starts after `revoke` returned sees it. `revoke` itself must
//! not be called from an interrupt that may preempt another `revoke` (the lock would never be
//! released).

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::claims::Claims;
use crate::config::RevocationCheck;
use crate::json::JsonStr;

mod kinds;
mod slot;

pub use kinds::{Revocation, RevocationStats, RevokeError, SignOut};
pub use slot::RevocationSlot;
use slot::Slot;

/// Slots per bucket.
pub const REVOCATION_WAYS: usize = 8;

/// The most slots one lookup examines (one value of one kind: two buckets), whatever the list
/// went through. A verification makes at most three lookups (`origin_jti`, `jti`, `sub`).
pub const MAX_SLOTS_EXAMINED: usize = 2 * REVOCATION_WAYS;

/// How many times a check reads a slot that is being written before it answers "revoked".
/// A write takes a few stores, so only a writer that was preempted mid-write reaches it.
pub const MAX_READ_RETRIES: u32 = 1024;

/// Sessions ([`Revocation::Session`]) one user may hold before [`RevocationList::sign_out`]
/// revokes the user instead.
pub const MAX_SESSIONS_PER_SUBJECT: usize = 4;

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
/// `owner` of an entry that counts against no user.
const NO_OWNER: u32 = 0;

const KIND_ORIGIN: u8 = b'o';
const KIND_JTI: u8 = b'j';
const KIND_SUBJECT: u8 = b's';

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
    /// Checks answered "revoked" on a slot that stayed mid-write.
    contended: AtomicUsize,
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
            contended: AtomicUsize::new(0),
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
            contended: AtomicUsize::new(0),
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

/// An entry's identity: 128 bits of tag and the two words that pick its buckets. Not inlined:
/// one copy of the hashing serves every caller (bytes count in the wasm module).
#[inline(never)]
fn digest(kind: u8, value: &[u8]) -> ([u32; TAG_WORDS], [u32; 2]) {
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
    ([word(0), word(1), word(2), word(3)], [word(4), word(5)])
}

/// The `owner` word of a user's sessions: never [`NO_OWNER`].
fn owner_of(sub: &str) -> u32 {
    let (tag, _) = digest(KIND_SUBJECT, sub.as_bytes());
    tag[0] | 1
}

fn seconds(t: u64) -> u32 {
    // Unix seconds fit in 32 bits until 2106.
    u32::try_from(t).unwrap_or(u32::MAX)
}

fn index(word: u32, count: usize) -> usize {
    usize::try_from(word).unwrap_or(0) % count.max(1)
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

    /// The two buckets an entry may live in (the second is empty when the list has one bucket):
    /// distinct, so a list of two buckets is used whole.
    fn buckets(&self, pick: [u32; 2]) -> [&[RevocationSlot]; 2] {
        let (count, _) = self.shape();
        let first = index(pick[0], count);
        if count < 2 {
            return [self.bucket(first), &[]];
        }
        let step = 1 + index(pick[1], count - 1);
        [self.bucket(first), self.bucket((first + step) % count)]
    }

    /// The slots an entry may live in, in order: at most [`MAX_SLOTS_EXAMINED`].
    fn candidates(&self, pick: [u32; 2]) -> impl Iterator<Item = &RevocationSlot> {
        self.buckets(pick).into_iter().flatten()
    }

    /// Records a revocation at time `now` (unix seconds). Revoking again what is already held
    /// extends it (a later `issued_at_or_before`, a later expiry).
    ///
    /// # Errors
    /// [`RevokeError::Disabled`] for a list of no slots, whatever the value;
    /// [`RevokeError::EmptyValue`], [`RevokeError::TooLong`]; [`RevokeError::Full`] when the
    /// entry's two buckets hold live entries (nothing is replaced).
    pub fn revoke(&self, r: Revocation<'_>, now: u64) -> Result<(), RevokeError> {
        if self.slots().is_empty() {
            return Err(RevokeError::Disabled);
        }
        r.check()?;
        let owner = match r {
            Revocation::Session { sub, .. } => owner_of(sub),
            _ => NO_OWNER,
        };
        self.locked(|| self.revoke_locked(r, owner, now))
    }

    /// Records a user's sign-out from one session at `now`: [`Revocation::Session`], unless the
    /// user already holds [`MAX_SESSIONS_PER_SUBJECT`] sessions, the list is 7/8 full, or the
    /// session's buckets are full; then [`Revocation::Subject`] with `issued_at_or_before: now`
    /// (merged with the user's entry if there is one). So one user holds at most
    /// `MAX_SESSIONS_PER_SUBJECT + 1` entries however often they sign in and out, and sign-outs
    /// keep working for everyone else. Reads every slot once (a few microseconds for the
    /// default 4,096); checks are not held up.
    ///
    /// # Errors
    /// As [`RevocationList::revoke`]: [`RevokeError::Full`] only when the user's own entry has no
    /// room either.
    pub fn sign_out(&self, sub: &str, origin_jti: &str, now: u64) -> Result<SignOut, RevokeError> {
        if self.slots().is_empty() {
            return Err(RevokeError::Disabled);
        }
        let session = Revocation::Session { origin_jti, sub };
        session.check()?;
        let owner = owner_of(sub);
        let subject = Revocation::Subject {
            sub,
            issued_at_or_before: now,
        };
        self.locked(|| {
            let t = seconds(now);
            let (mut live, mut sessions) = (0usize, 0usize);
            for s in self.slots() {
                if let Some((_, u, _)) = s.read_locked() {
                    if u >= t {
                        live += 1;
                        if s.owner.load(Ordering::Relaxed) == owner {
                            sessions += 1;
                        }
                    }
                }
            }
            let (buckets, ways) = self.shape();
            let nearly_full = live.saturating_mul(8) >= buckets.saturating_mul(ways) * 7;
            if sessions < MAX_SESSIONS_PER_SUBJECT && !nearly_full {
                match self.revoke_locked(session, owner, now) {
                    Err(RevokeError::Full) => {}
                    other => return other.map(|()| SignOut::Session),
                }
            }
            self.revoke_locked(subject, NO_OWNER, now)
                .map(|()| SignOut::Subject {
                    issued_at_or_before: now,
                })
        })
    }

    /// Runs `f` under the writer lock.
    fn locked<T>(&self, f: impl FnOnce() -> T) -> T {
        while self
            .writer
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        let result = f();
        self.writer.store(false, Ordering::Release);
        result
    }

    fn revoke_locked(&self, r: Revocation<'_>, owner: u32, now: u64) -> Result<(), RevokeError> {
        let (last_expiry, issued_before) = match r {
            Revocation::OriginJti(_) | Revocation::Session { .. } => {
                (now.saturating_add(self.max_token_lifetime), ALL)
            }
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
        // Already held: extend it in place (an entry past its lifetime is simply replaced).
        for slot in self.candidates(pick) {
            if let Some((t, u, ib)) = slot.read_locked() {
                if t == tag {
                    if u < now {
                        slot.write(&tag, until, issued_before, owner);
                        return Ok(());
                    }
                    let ib = if ib == ALL || issued_before == ALL {
                        ALL
                    } else {
                        ib.max(issued_before)
                    };
                    let owner = if owner == NO_OWNER {
                        slot.owner.load(Ordering::Relaxed)
                    } else {
                        owner
                    };
                    slot.write(&tag, u.max(until), ib, owner);
                    return Ok(());
                }
            }
        }
        // A free slot in the emptier of the two buckets (both stay short of full longer).
        let free = |b: &[RevocationSlot]| b.iter().filter(|s| s.is_free(now)).count();
        let [a, b] = self.buckets(pick);
        let bucket = if free(b) > free(a) { b } else { a };
        let slot = bucket
            .iter()
            .find(|s| s.is_free(now))
            .ok_or(RevokeError::Full)?;
        if slot.read_locked().is_none() {
            self.filled.fetch_add(1, Ordering::Release);
        }
        slot.write(&tag, until, issued_before, owner);
        Ok(())
    }

    /// Looks up the entry of `kind` and `value`: its `issued_before`, or `Err` when a slot it may
    /// be in stayed mid-write (then the caller answers "revoked"). `examined` counts the slots
    /// read.
    fn find(&self, kind: u8, value: &[u8], examined: &mut usize) -> Result<Option<u32>, ()> {
        let (tag, pick) = digest(kind, value);
        let mut busy = false;
        for slot in self.candidates(pick) {
            *examined += 1;
            match slot.read_if(tag.first().copied()) {
                Slot::Entry(t, _, ib) if t == tag => return Ok(Some(ib)),
                Slot::Busy => busy = true,
                Slot::Entry(..) | Slot::Empty => {}
            }
        }
        if busy {
            self.contended.fetch_add(1, Ordering::Relaxed);
            return Err(());
        }
        Ok(None)
    }

    /// Whether `claims` are covered by a held revocation (whatever the time: an entry past its
    /// lifetime covers only tokens that have expired anyway). Examines at most
    /// [`MAX_SLOTS_EXAMINED`] slots for each of `origin_jti`, `jti` and `sub`.
    #[must_use]
    pub fn is_revoked(&self, claims: &Claims<'_>) -> bool {
        self.check_claims(claims, &mut 0)
    }

    fn check_claims(&self, claims: &Claims<'_>, examined: &mut usize) -> bool {
        if self.filled.load(Ordering::Acquire) == 0 {
            return false;
        }
        let mut find = |kind: u8, value: &JsonStr<'_>| {
            // A value longer than any revocable one cannot be revoked.
            let mut buf = [0u8; MAX_VALUE_LEN];
            match value.decode_into(&mut buf) {
                Some(v) => self.find(kind, v.as_bytes(), examined),
                None => Ok(None),
            }
        };
        if let Some(v) = claims.origin_jti {
            match find(KIND_ORIGIN, &v) {
                Ok(None) => {}
                Ok(Some(_)) | Err(()) => return true,
            }
        }
        if let Some(v) = claims.jti {
            match find(KIND_JTI, &v) {
                Ok(None) => {}
                Ok(Some(_)) | Err(()) => return true,
            }
        }
        if let Some(sub) = claims.sub {
            match find(KIND_SUBJECT, &sub) {
                Ok(None) => {}
                Err(()) => return true,
                // No `iat`: covered (Cognito always sends it, so this fails closed).
                Ok(Some(issued_before)) => {
                    return claims.iat.is_none_or(|iat| iat <= i64::from(issued_before))
                }
            }
        }
        false
    }

    /// [`RevocationList::is_revoked`], and how many slots it examined (tests and fuzzing hold
    /// it to [`MAX_SLOTS_EXAMINED`] a lookup).
    #[doc(hidden)]
    #[must_use]
    pub fn is_revoked_counting(&self, claims: &Claims<'_>) -> (bool, usize) {
        let mut examined = 0;
        let revoked = self.check_claims(claims, &mut examined);
        (revoked, examined)
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
                .filter(|s| matches!(s.read(), Slot::Entry(_, u, _) if u >= now))
                .count()
        };
        let (buckets, ways) = self.shape();
        RevocationStats {
            held,
            capacity: buckets * ways,
            contended: self.contended.load(Ordering::Relaxed),
        }
    }
}

impl<S: AsRef<[RevocationSlot]> + Sync> RevocationCheck for RevocationList<S> {
    fn is_revoked(&self, claims: &Claims<'_>) -> bool {
        RevocationList::is_revoked(self, claims)
    }
}

#[cfg(any(test, all(fuzzing, feature = "alloc")))]
pub(crate) mod model;
#[cfg(test)]
mod tests;
