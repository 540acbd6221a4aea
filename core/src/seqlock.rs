//! A seqlock over a few 32-bit words: the slot of the verified-signature cache and of the
//! revocation list. 32-bit atomics are the widest every target with atomics has, down to
//! Cortex-M4; the sequence number is odd while a writer is in the slot and 0 for a slot never
//! written, so a reader that races a writer sees it changed and tries again (or gives up: the
//! caller says how many times), and nothing here can block.

use core::sync::atomic::{fence, AtomicU32, Ordering};

/// `N` words under one sequence number.
#[derive(Debug)]
pub(crate) struct SeqWords<const N: usize> {
    seq: AtomicU32,
    words: [AtomicU32; N],
}

/// A slot as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Read<const N: usize> {
    /// Never written.
    Empty,
    /// Its words, read consistently.
    Words([u32; N]),
    /// A writer was in the slot at every try.
    Busy,
    /// Not the words looked for ([`SeqWords::read_if`]): the first word differs.
    Other,
}

impl<const N: usize> SeqWords<N> {
    /// A slot never written.
    pub(crate) const fn new() -> Self {
        SeqWords {
            seq: AtomicU32::new(0),
            words: [const { AtomicU32::new(0) }; N],
        }
    }

    /// The words, read consistently, in at most `tries` attempts; but [`Read::Other`] at once
    /// when `first` is given and the first word is not it:
    /// a lookup passes most slots after one load of the sequence and one of the word, without
    /// the second check (a slot being rewritten as it is passed did not hold the entry when the
    /// lookup began, or held it only while it was being replaced).
    pub(crate) fn read_if(&self, first: Option<u32>, tries: u32) -> Read<N> {
        for _ in 0..tries {
            let s1 = self.seq.load(Ordering::Acquire);
            if s1 == 0 {
                return Read::Empty;
            }
            if s1 & 1 == 1 {
                core::hint::spin_loop();
                continue;
            }
            if let (Some(first), Some(w)) = (first, self.words.first()) {
                if w.load(Ordering::Relaxed) != first {
                    return Read::Other;
                }
            }
            let words: [u32; N] = core::array::from_fn(|i| {
                self.words.get(i).map_or(0, |w| w.load(Ordering::Relaxed))
            });
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == s1 {
                return Read::Words(words);
            }
        }
        Read::Busy
    }

    /// Whether the slot was never written.
    #[cfg_attr(
        not(any(test, feature = "signature-cache")),
        expect(dead_code, reason = "the signature cache's question")
    )]
    pub(crate) fn is_empty(&self) -> bool {
        self.seq.load(Ordering::Relaxed) == 0
    }

    /// Writes `words`, and whatever `also` stores, unless another writer is in the slot (then
    /// nothing is written and the answer is `false`). Under a lock that excludes other writers
    /// it always writes.
    pub(crate) fn write_with(&self, words: &[u32; N], also: impl FnOnce()) -> bool {
        let s = self.seq.load(Ordering::Relaxed);
        if s & 1 == 1
            || self
                .seq
                .compare_exchange(s, s.wrapping_add(1), Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return false;
        }
        fence(Ordering::Release);
        for (w, v) in self.words.iter().zip(words) {
            w.store(*v, Ordering::Relaxed);
        }
        also();
        // Even, and never 0 again (0 is "never written"), even after the counter wraps.
        let next = s.wrapping_add(2);
        self.seq
            .store(if next == 0 { 2 } else { next }, Ordering::Release);
        true
    }

    /// Leaves the slot as if a writer stopped in the middle (tests of what readers then do).
    #[cfg(test)]
    pub(crate) fn stall(&self) -> u32 {
        let s = self.seq.load(Ordering::Relaxed);
        self.seq.store(s | 1, Ordering::Relaxed);
        s
    }

    /// Undoes [`SeqWords::stall`].
    #[cfg(test)]
    pub(crate) fn resume(&self, s: u32) {
        self.seq.store(s, Ordering::Relaxed);
    }
}
