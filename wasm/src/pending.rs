//! The tokens set aside between the two calls of a WebCrypto verification: the core's
//! [`PendingToken`]s, each behind a handle the glue passes back with WebCrypto's answer
//! ([`WasmVerifier::finish`](crate::WasmVerifier::finish)), so the token is parsed once.
//!
//! Bounded, whatever the glue does: at most [`SLOTS`] tokens and [`MAX_BYTES`] bytes. A
//! verification that never finishes (a promise abandoned, WebCrypto that never answers) keeps
//! its slot only until the table needs it; the glue frees a slot at once when it verifies in
//! wasm instead ([`WasmVerifier::release`](crate::WasmVerifier::release)). A handle carries a
//! stamp, unique to the token set aside, so a slot reused since is refused (`STALE`) and the
//! glue verifies that token in full: a verdict is never read from another token's slot.

use cognito_verify::PendingToken;

/// Tokens set aside at once: more than a `Promise.all` of 1,000 tokens; beyond, the oldest make
/// room and are verified again in full when their answer comes.
pub(crate) const SLOTS: usize = 1024;
/// Bytes they may hold (token, payload, bookkeeping: about 2 KiB a Cognito token).
pub(crate) const MAX_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Default)]
struct Slot {
    pending: Option<PendingToken>,
    stamp: u32,
}

/// The slots, reused through a free list, else in turn (the oldest set aside first).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    slots: Vec<Slot>,
    free: Vec<usize>,
    /// The next slot to reuse when none is free.
    next: usize,
    bytes: usize,
    stamp: u32,
}

impl Pending {
    /// Sets `pending` aside: its handle and stamp, or `None` when it is larger than the table.
    pub(crate) fn insert(&mut self, pending: PendingToken) -> Option<(u32, u32)> {
        let cost = pending.cost();
        if cost > MAX_BYTES {
            return None;
        }
        let i = match self.free.pop() {
            Some(i) => i,
            None if self.slots.len() < SLOTS => {
                self.slots.push(Slot::default());
                self.slots.len() - 1
            }
            None => self.turn(),
        };
        self.clear(i);
        // Over the byte bound: the oldest others make room (a slot emptied here is not on the
        // free list, so the turn reaches it again).
        for _ in 0..self.slots.len() {
            if self.bytes.saturating_add(cost) <= MAX_BYTES {
                break;
            }
            let j = self.turn();
            if j != i {
                self.clear(j);
            }
        }
        self.stamp = self.stamp.wrapping_add(1);
        let slot = self.slots.get_mut(i)?;
        *slot = Slot {
            pending: Some(pending),
            stamp: self.stamp,
        };
        self.bytes = self.bytes.saturating_add(cost);
        Some((u32::try_from(i).ok()?, self.stamp))
    }

    /// The pending token of a handle, freeing its slot; `None` when the slot holds another.
    pub(crate) fn take(&mut self, handle: u32, stamp: u32) -> Option<PendingToken> {
        let i = usize::try_from(handle).ok()?;
        let slot = self.slots.get_mut(i)?;
        if slot.stamp != stamp || slot.pending.is_none() {
            return None;
        }
        let pending = slot.pending.take()?;
        self.bytes = self.bytes.saturating_sub(pending.cost());
        self.free.push(i);
        Some(pending)
    }

    /// Tokens set aside now.
    pub(crate) fn held(&self) -> usize {
        self.slots.iter().filter(|s| s.pending.is_some()).count()
    }

    /// The slot whose turn it is to be reused.
    fn turn(&mut self) -> usize {
        let i = self.next;
        self.next = if i + 1 >= self.slots.len() { 0 } else { i + 1 };
        i
    }

    /// Empties slot `i` (its handle is then refused).
    fn clear(&mut self, i: usize) {
        if let Some(p) = self.slots.get_mut(i).and_then(|s| s.pending.take()) {
            self.bytes = self.bytes.saturating_sub(p.cost());
        }
    }
}
