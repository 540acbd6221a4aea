//! One slot of a [`RevocationList`](super::RevocationList): an entry under a seqlock, and the
//! user a session entry counts against.

use core::sync::atomic::{AtomicU32, Ordering};

#[cfg(doc)]
use super::{RevocationList, ALL};
use super::{MAX_READ_RETRIES, NO_OWNER, TAG_WORDS};
use crate::seqlock::{Read, SeqWords};

/// One entry of a [`RevocationList`]: 32 bytes.
#[derive(Debug)]
pub struct RevocationSlot {
    /// Under the slot's seqlock: the tag, the time after which the slot may be reused (unix
    /// seconds), and `issued_before`: tokens with `iat` at or before it are covered ([`ALL`]:
    /// every matching token).
    pub(super) entry: SeqWords<ENTRY_WORDS>,
    /// For a session, 32 bits of its user's digest ([`NO_OWNER`] otherwise): what
    /// [`RevocationList::sign_out`] counts. Only read and written under the writer lock.
    pub(super) owner: AtomicU32,
}

/// Words of an entry: the tag, `until`, `issued_before`.
const ENTRY_WORDS: usize = TAG_WORDS + 2;

/// An entry as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// Never filled.
    Empty,
    /// (tag, until, issued_before), read consistently.
    Entry([u32; TAG_WORDS], u32, u32),
    /// Still mid-write after [`MAX_READ_RETRIES`] reads.
    Busy,
}

impl RevocationSlot {
    /// An empty slot.
    #[expect(
        clippy::declare_interior_mutable_const,
        reason = "only used to initialise arrays, each element its own slot"
    )]
    pub const EMPTY: RevocationSlot = RevocationSlot {
        entry: SeqWords::new(),
        owner: AtomicU32::new(NO_OWNER),
    };

    /// The slot, read consistently: at most [`MAX_READ_RETRIES`] tries.
    pub(super) fn read(&self) -> Slot {
        self.read_if(None)
    }

    /// [`RevocationSlot::read`], answering [`Slot::Empty`] for an entry whose tag does not
    /// start with `first` (read no further).
    pub(super) fn read_if(&self, first: Option<u32>) -> Slot {
        match self.entry.read_if(first, MAX_READ_RETRIES) {
            Read::Empty | Read::Other => Slot::Empty,
            Read::Busy => Slot::Busy,
            Read::Words([t0, t1, t2, t3, until, issued_before]) => {
                Slot::Entry([t0, t1, t2, t3], until, issued_before)
            }
        }
    }

    /// The entry, read under the writer lock (no writer can be mid-write).
    pub(super) fn read_locked(&self) -> Option<([u32; TAG_WORDS], u32, u32)> {
        match self.read() {
            Slot::Entry(t, u, ib) => Some((t, u, ib)),
            Slot::Empty | Slot::Busy => None,
        }
    }

    /// Whether the slot may take a new entry at `now`: never filled, or its entry covers no
    /// token that could still be accepted.
    pub(super) fn is_free(&self, now: u32) -> bool {
        self.read_locked().is_none_or(|(_, u, _)| u < now)
    }

    /// Writes an entry; only under the list's writer lock (so no other writer is in the slot).
    pub(super) fn write(&self, tag: &[u32; TAG_WORDS], until: u32, issued_before: u32, owner: u32) {
        let [t0, t1, t2, t3] = *tag;
        self.entry
            .write_with(&[t0, t1, t2, t3, until, issued_before], || {
                self.owner.store(owner, Ordering::Relaxed);
            });
    }
}
