//! The verdict memo for JS: the core's ([`VerifierCore::remembered`], [`VerifierCore::recheck`]),
//! looked up by the JS glue before it enters wasm (ARCHITECTURE.md, "Verdict memo").
//!
//! The glue keeps a bounded `Map` of the tokens it saw with what it needs on a hit (the token, a
//! handle, its pool, its payload), so that a token seen before does not cross into wasm as text. The handle names a slot of [`Kept`], which holds the core's [`Remembered`] entry of that
//! token; a hit calls [`recheck`](WasmVerifier::recheck) with the handle, and the core re-checks
//! every claim at `now` (time, maximum age, revocation, groups, scopes) and answers only while
//! the pool's keys are the ones that verified the token. JS never answers on its own: each
//! slot has a stamp, so a handle whose slot was reused since is refused, and the glue then
//! verifies in full.
//!
//! A verification call that misses the glue's `Map` looks the token up in the core's memo first.
//! A token seen for the first time is verified in full, which stores it in the memo, and gets no
//! handle: taking one would cost another lookup and compare of the whole token (1.4 us, measured)
//! for every new token, most of which a server sees once or a few times; the glue notes it as seen
//! instead. The next time (`KEEP`), the memo answers it (the core's re-check), or, if the memo
//! dropped it meanwhile (a full bucket), it is verified in full again; either way it is then kept
//! in a slot whose handle the glue receives with the payload (`Sink::payload`), and from then on
//! the glue's `Map` finds it, whatever the memo drops. (A token the memo could not store within
//! its byte bound gets no handle: it stays noted as seen.)
//!
//! Counters: the core counts every lookup. Its re-check of a token it just found counts that use
//! again, and a refusal of the glue's handle (keys replaced) is followed by the full
//! verification's own lookup: these are not verifications of their own and are subtracted, so
//! [`verdict_memo_stats`](WasmVerifier::verdict_memo_stats) counts one lookup per verification,
//! as the core's own `verify` does.
//!
//! [`VerifierCore::remembered`]: cognito_verify::VerifierCore::remembered
//! [`VerifierCore::recheck`]: cognito_verify::VerifierCore::recheck

use cognito_verify::{Action, Need, Remembered};
use wasm_bindgen::prelude::*;

use crate::verifier::{action_number, outcome, NEED_KEYS};
use crate::{status, to_f64, to_u64, WasmVerifier};

/// Status of [`WasmVerifier::recheck`]: the handle is no longer usable (its slot was reused, or
/// the pool's keys were replaced since): verify in full.
pub(crate) const STALE: u32 = 0xfc;

/// Bytes a kept entry counts beyond its token and payload (the core's entry and this slot).
const SLOT_OVERHEAD: usize = 224;

/// One slot: a remembered token, the stamp of its handle, and the bytes it counts.
#[derive(Debug, Default)]
struct Slot {
    remembered: Option<Remembered>,
    stamp: u32,
    cost: usize,
}

/// The entries the glue holds handles to: at most the memo's entries, and its bytes (an entry
/// the memo has replaced stays alive while a slot holds it). Slots are reused in turn, as the
/// glue's `Map` drops its oldest entry.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    slots: Vec<Slot>,
    capacity: usize,
    max_bytes: usize,
    bytes: usize,
    next: usize,
    stamp: u32,
    /// Lookups counted by the core that were not verifications (see the module documentation).
    extra_hits: u64,
    extra_misses: u64,
}

impl Kept {
    /// Room for `capacity` entries of at most `max_bytes` in all (the memo's bounds).
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Kept {
        Kept {
            capacity,
            max_bytes,
            ..Kept::default()
        }
    }

    /// The entry of a handle, if its slot still holds what the handle was given for.
    fn get(&self, handle: u32, stamp: u32) -> Option<&Remembered> {
        let slot = self.slots.get(usize::try_from(handle).ok()?)?;
        slot.remembered.as_ref().filter(|_| slot.stamp == stamp)
    }

    /// Empties slot `i`.
    fn clear(&mut self, i: usize) {
        if let Some(slot) = self.slots.get_mut(i) {
            self.bytes = self.bytes.saturating_sub(slot.cost);
            slot.remembered = None;
            slot.cost = 0;
        }
    }

    /// Keeps `r` (of a token of `token_len` bytes) in the oldest slot: its handle and stamp, or
    /// `None` when it cannot fit.
    fn keep(&mut self, r: Remembered, token_len: usize) -> Option<(u32, u32)> {
        let cost = token_len
            .saturating_add(r.payload_json().len())
            .saturating_add(SLOT_OVERHEAD);
        if self.capacity == 0 || cost > self.max_bytes {
            return None;
        }
        let i = self.next;
        if i >= self.slots.len() {
            self.slots.push(Slot::default());
        }
        self.next = if i + 1 >= self.capacity { 0 } else { i + 1 };
        self.clear(i);
        // Over the byte bound: the next oldest slots make room, in turn.
        let len = self.slots.len();
        let mut j = i;
        while self.bytes.saturating_add(cost) > self.max_bytes {
            j = (j + 1) % len;
            if j == i {
                break;
            }
            self.clear(j);
        }
        self.stamp = self.stamp.wrapping_add(1);
        let slot = self.slots.get_mut(i)?;
        *slot = Slot {
            remembered: Some(r),
            stamp: self.stamp,
            cost,
        };
        self.bytes = self.bytes.saturating_add(cost);
        Some((u32::try_from(i).ok()?, self.stamp))
    }
}

impl WasmVerifier {
    /// Keeps the memo's entry of `token`, which a full verification just stored: its handle and
    /// stamp for the glue, `(u32::MAX, 0)` when there is none. The lookup is not a verification.
    pub(crate) fn keep_verified(&self, token: &str) -> (u32, u32) {
        match self.core.remembered(token) {
            Some(r) => {
                self.not_a_verification();
                self.keep(token, r)
            }
            None => {
                // Not stored (its bucket's victim could not make room within the byte bound):
                // the lookup counted a miss that was not a verification either.
                self.not_a_verification_miss();
                (u32::MAX, 0)
            }
        }
    }

    /// Keeps the memo's entry of `token`, which the memo just answered with success: its
    /// handle and stamp for the glue, `(u32::MAX, 0)` when it does not fit.
    pub(crate) fn keep(&self, token: &str, remembered: Remembered) -> (u32, u32) {
        self.kept
            .try_borrow_mut()
            .ok()
            .and_then(|mut kept| kept.keep(remembered, token.len()))
            .unwrap_or((u32::MAX, 0))
    }

    /// The memo's entry of `token` for a verification that missed the glue's `Map`: counted as
    /// its lookup (`None` when the memo is off, the token is not there, or its pool's keys were
    /// replaced since).
    pub(crate) fn look_up(&self, token: &str) -> Option<Remembered> {
        self.core.remembered(token)
    }

    /// The verdict at `now` on `remembered`, just looked up ([`look_up`](Self::look_up)):
    /// `None` when it cannot be used (verify in full), else the status (0 or an error's).
    pub(crate) fn verdict_of(&self, remembered: &Remembered, now: u64) -> Option<u32> {
        let verdict = self.core.recheck(remembered, now)?;
        // The lookup counted this use already.
        self.not_a_verification();
        Some(verdict.map_or_else(status, |_| 0))
    }

    /// A hit the core counted that was not a verification of its own.
    pub(crate) fn not_a_verification(&self) {
        if let Ok(mut kept) = self.kept.try_borrow_mut() {
            kept.extra_hits += 1;
        }
    }

    /// A miss the core counted that was not a verification of its own.
    fn not_a_verification_miss(&self) {
        if let Ok(mut kept) = self.kept.try_borrow_mut() {
            kept.extra_misses += 1;
        }
    }
}

#[wasm_bindgen]
impl WasmVerifier {
    /// The verdict at `now` (unix seconds) on the token the glue holds handle `handle` (with
    /// `stamp`) for: the core re-checks every claim ([`VerifierCore::recheck`]); nothing of the
    /// token crosses. With `poll`, the refresh policy is then asked about the token's pool, as a
    /// full verification does. Returns a verification call's number (status, action, pool):
    /// status 0 or an error's, `NEED_KEYS` (0xfe: the policy says keys must be had first), or
    /// `STALE` (0xfc: the handle is no longer usable: verify in full).
    ///
    /// [`VerifierCore::recheck`]: cognito_verify::VerifierCore::recheck
    pub fn recheck(&self, handle: u32, stamp: u32, now: f64, poll: bool) -> u32 {
        let now = to_u64(now);
        let Ok(mut kept) = self.kept.try_borrow_mut() else {
            return STALE;
        };
        let Some(remembered) = kept.get(handle, stamp) else {
            return STALE;
        };
        let pool = remembered.pool();
        let Some(verdict) = self.core.recheck(remembered, now) else {
            // Counted a miss; the full verification that follows counts its own lookup.
            kept.extra_misses += 1;
            if let Ok(i) = usize::try_from(handle) {
                kept.clear(i);
            }
            return outcome(STALE, 0, pool);
        };
        let code = verdict.map_or_else(status, |_| 0);
        let mut action = 0;
        if poll {
            let a = self.core.poll(pool, now, Need::Keys);
            action = action_number(self, a);
            if !matches!(a, Action::UseCached | Action::Refresh) {
                // Nothing answered: the verification that follows counts its own lookup.
                kept.extra_hits += 1;
                return outcome(NEED_KEYS, action, pool);
            }
        }
        outcome(code, action, pool)
    }

    /// `[hits, misses, capacity, max_bytes, bytes]` of the verdict memo: the core's counters
    /// (one lookup per verification; see the module documentation), its entries (0: off), the
    /// bytes it may hold and holds.
    #[wasm_bindgen(js_name = verdictMemoStats)]
    #[must_use]
    pub fn verdict_memo_stats(&self) -> Vec<f64> {
        let s = self.core.verdict_memo_stats();
        let (extra_hits, extra_misses) = self
            .kept
            .try_borrow()
            .map_or((0, 0), |k| (k.extra_hits, k.extra_misses));
        let size = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        [
            s.hits.saturating_sub(extra_hits),
            s.misses.saturating_sub(extra_misses),
            size(s.capacity),
            size(s.max_bytes),
            size(s.bytes),
        ]
        .map(to_f64)
        .to_vec()
    }
}
