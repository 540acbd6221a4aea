//! [`WasmVerifier`]: the one verifier of a JS `CognitoJwtVerifier`, the core's
//! [`VerifierCore`], and its verification calls.
//!
//! JS writes the token of each call (UTF-8) at the address [`input`](WasmVerifier::input) gives,
//! straight into wasm memory, then calls with its length: no allocation, no copy by the bindings.
//!
//! A token is parsed once per call ([`VerifierCore::parse`]) and finished by
//! [`VerifierCore::verify_token`], which asks for the signature through a [`SignatureCheck`]:
//! - the wasm arithmetic ([`CoreCrypto`]);
//! - JS in the middle of the call (`Sink::check`, `node:crypto`), which answers at once; when it
//!   cannot (a key it cannot import, an exception), the wasm arithmetic answers instead, in the
//!   same call;
//! - WebCrypto, which answers later: the first call sets the parsed token aside as the core's
//!   owned [`PendingToken`] (`pending.rs`) and hands JS what to check; the second,
//!   [`finish`](WasmVerifier::finish), gives the core the answer, which finishes the token
//!   without parsing it again ([`VerifierCore::finish`]).
//!
//! With [`POLL`], the call first asks the core's refresh policy about the token's pool
//! ([`VerifierCore::poll`]): when keys must be fetched first it verifies nothing and says so
//! ([`NEED_KEYS`] and the action); otherwise it verifies with the keys held (`Refresh`: JS fetches
//! newer ones meanwhile).
//!
//! Unless [`NO_MEMO`], the call first looks the token up in the core's verdict memo
//! (`memo.rs`): a token that fully verified before is answered by the core's re-check of its
//! claims, without its signature, and kept for the glue's own index of tokens, whose handle comes
//! with the payload.
//!
//! Each verification call returns one number: its status (0, an error status, [`NEED_KEYS`] or
//! [`SIGNATURE_NEEDED`]) in bits 0..8, the refresh action it was told (0: none asked; see
//! [`action_number`]) in bits 8..16, and the token's pool from bit 16.

use core::cell::{Cell, RefCell};

use cognito_verify::{
    payload_buffer_len, Action, Algorithm, Claims, CoreCrypto, Error, Keys, Need, PendingToken,
    Remembered, SignatureCheck, SignedData, Token, VerifierCore,
};
use wasm_bindgen::prelude::*;

use crate::memo::{Kept, STALE};
use crate::pending::Pending;
use crate::{status, to_u64, Sink, INVALID, VALID};

/// `how` of [`WasmVerifier::verify`]: the signature by the wasm arithmetic.
const WASM: u8 = 0;
/// `how`: the signature by `Sink::check` (`node:crypto`), the wasm arithmetic when it cannot answer.
const SINK: u8 = 1;
/// `how`: the signature handed to `Sink::check` for WebCrypto, unless the cache holds it.
const WEBCRYPTO: u8 = 2;
/// `how` flag: poll the refresh policy before verifying.
const POLL: u8 = 4;
/// `how` flag: do not look the token up in the verdict memo (a retry of a call that did).
const NO_MEMO: u8 = 8;
/// `how` flag: the glue saw this token before; keep its memo entry for the glue whatever the
/// path (`memo.rs`).
const KEEP: u8 = 16;
/// `how` of [`WasmVerifier::finish`]: WebCrypto said the signature is valid.
const VALID_ANSWER: u8 = 1;

/// `Sink::payload`'s key or handle when there is none.
const NO_HANDLE: u32 = u32::MAX;

/// Status: keys must be had first (the action says how); nothing was verified.
pub(crate) const NEED_KEYS: u32 = 0xfe;
/// Status: `Sink::check` received what WebCrypto must verify, and `Sink::pending` the handle
/// of the token set aside; call [`WasmVerifier::finish`] with it.
const SIGNATURE_NEEDED: u32 = 0xfd;

/// The verifier: the core's, plus the payload buffer its calls decode into and the memo entries
/// the glue holds handles to.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmVerifier {
    pub(crate) core: VerifierCore,
    /// Sized once for the longest token seen; never zeroed again (the decoder writes first).
    buf: RefCell<Vec<u8>>,
    /// The token of the next verification call, written there by JS.
    input: RefCell<Vec<u8>>,
    /// The time of the last `Unavailable` answer of the refresh policy.
    pub(crate) retry_at: Cell<u64>,
    /// The verdict memo's entries the glue holds handles to (`memo.rs`).
    pub(crate) kept: RefCell<Kept>,
    /// The tokens awaiting WebCrypto's answer (`pending.rs`).
    pending: RefCell<Pending>,
}

/// The number JS sees for an action: 1 use the keys held, 2 fetch and wait, 3 wait for the
/// fetch under way, 4 unavailable (until [`WasmVerifier::retry_at`]), 5 fetch and meanwhile use
/// the keys held.
pub(crate) fn action_number(v: &WasmVerifier, a: Action) -> u32 {
    match a {
        Action::UseCached => 1,
        Action::Fetch => 2,
        Action::Wait => 3,
        Action::Unavailable { retry_at } => {
            v.retry_at.set(retry_at);
            4
        }
        Action::Refresh => 5,
    }
}

/// The number JS sees for an algorithm: 1 RS256, 2 ES256 (0 unknown).
fn algorithm_number(a: Algorithm) -> u8 {
    match a {
        Algorithm::Rs256 => 1,
        Algorithm::Es256 => 2,
        _ => 0,
    }
}

/// An index or a pool as JS sees it.
fn js_index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// One verification call's number (see the module documentation).
pub(crate) fn outcome(status: u32, action: u32, pool: usize) -> u32 {
    (status & 0xff) | (action & 0xff) << 8 | js_index(pool).min(0xffff) << 16
}

/// `node:crypto` through `Sink::check`, the wasm arithmetic when it cannot answer.
struct SinkCheck<'s> {
    sink: &'s Sink,
    pool: u32,
}

impl SignatureCheck for SinkCheck<'_> {
    fn check(&mut self, s: &SignedData<'_>) -> bool {
        let (key, alg) = (js_index(s.key_index), algorithm_number(s.algorithm));
        match self
            .sink
            .check(self.pool, key, alg, s.signing_input, s.signature)
        {
            VALID => true,
            INVALID => false,
            _ => CoreCrypto.check(s),
        }
    }
}

impl WasmVerifier {
    pub(crate) fn new(core: VerifierCore) -> WasmVerifier {
        let memo = core.verdict_memo_stats();
        WasmVerifier {
            kept: RefCell::new(Kept::new(memo.capacity, memo.max_bytes)),
            core,
            buf: RefCell::new(Vec::new()),
            input: RefCell::new(Vec::new()),
            retry_at: Cell::new(0),
            pending: RefCell::new(Pending::default()),
        }
    }

    /// Runs `f` with the token JS wrote for this call (its first `len` bytes); a status of its own
    /// when there is none (`malformed_token`).
    fn with_input(&self, len: usize, f: impl FnOnce(&str) -> u32) -> u32 {
        let Ok(input) = self.input.try_borrow() else {
            return status(Error::MalformedToken);
        };
        match input.get(..len).map(core::str::from_utf8) {
            Some(Ok(token)) => f(token),
            _ => status(Error::MalformedToken),
        }
    }

    /// Runs `f` with a payload buffer for `token`: the verifier's, or a fresh one should a sink
    /// call back into a verification.
    fn with_buffer(&self, token: &str, f: impl FnOnce(&mut [u8]) -> u32) -> u32 {
        let max = self.core.config().max_token_bytes();
        let needed = payload_buffer_len(token.len().min(max));
        match self.buf.try_borrow_mut() {
            Ok(mut b) => {
                if b.len() < needed {
                    b.resize(needed, 0);
                }
                f(b.get_mut(..needed).unwrap_or(&mut []))
            }
            Err(_) => f(&mut vec![0; needed]),
        }
    }

    /// Hands the payload of an accepted token to `sink` with its pool, the index of its key
    /// (`key`, read only then) and the handle of its memo entry; the status.
    fn report(
        &self,
        result: Result<Claims<'_>, Error>,
        token: &str,
        key: impl FnOnce() -> u32,
        pool: usize,
        sink: &Sink,
        how: u8,
    ) -> u32 {
        match result {
            Ok(claims) => {
                let (handle, stamp) = if how & KEEP == 0 {
                    (NO_HANDLE, 0)
                } else {
                    self.keep_verified(token)
                };
                sink.payload(claims.payload_json(), js_index(pool), key(), handle, stamp);
                0
            }
            Err(e) => status(e),
        }
    }

    /// The verdict on a token the verdict memo remembered, polling the refresh policy first with
    /// [`POLL`]; `None` when it cannot be used (verify in full).
    fn answer(
        &self,
        token: &str,
        remembered: Remembered,
        now: u64,
        sink: &Sink,
        how: u8,
    ) -> Option<u32> {
        let pool = remembered.pool();
        let mut action = 0;
        if how & POLL != 0 {
            let a = self.core.poll(pool, now, Need::Keys);
            action = action_number(self, a);
            if !matches!(a, Action::UseCached | Action::Refresh) {
                self.not_a_verification();
                return Some(outcome(NEED_KEYS, action, pool));
            }
        }
        let code = self.verdict_of(&remembered, now)?;
        if code == 0 {
            // The key is not read here (that would take parsing the token): the glue finds it by
            // the header's kid when `customJwtCheck` wants it.
            let json = remembered.payload_json();
            let (handle, stamp) = self.keep(token, remembered.clone());
            sink.payload(json, js_index(pool), NO_HANDLE, handle, stamp);
        }
        Some(outcome(code, action, pool))
    }
}

/// The index of the key the core took for `token` in `keys`: the one with the token's kid (kids
/// are unique in a set).
fn key_index(keys: Option<&Keys>, token: &Token<'_, '_>) -> u32 {
    keys.and_then(|k| k.iter().position(|(kid, _)| kid.as_bytes() == token.kid()))
        .map_or(u32::MAX, js_index)
}

impl WasmVerifier {
    /// [`verify`](Self::verify) of `token`.
    fn verify_text(&self, token: &str, now: f64, sink: &Sink, how: u8) -> u32 {
        let now = to_u64(now);
        if how & NO_MEMO == 0 {
            if let Some(found) = self.look_up(token) {
                if let Some(n) = self.answer(token, found, now, sink, how) {
                    return n;
                }
            }
        }
        self.with_buffer(token, |buf| {
            let parsed = match self.core.parse(token, buf) {
                Ok(t) => t,
                Err(e) => return status(e),
            };
            let pool = self.core.pool_of(&parsed);
            let mut action = 0;
            if how & POLL != 0 {
                let a = self.core.poll(pool, now, Need::Keys);
                action = action_number(self, a);
                if !matches!(a, Action::UseCached | Action::Refresh) {
                    return outcome(NEED_KEYS, action, pool);
                }
            }
            let keys = self.core.keys(pool);
            let keys = keys.as_deref();
            let result = match how & 3 {
                WASM => self.core.verify_token(&parsed, keys, now, &mut CoreCrypto),
                SINK => {
                    let mut check = SinkCheck {
                        sink,
                        pool: js_index(pool),
                    };
                    self.core.verify_token(&parsed, keys, now, &mut check)
                }
                WEBCRYPTO => match self.core.signature_pending(&parsed, keys) {
                    Ok(Some((s, pending))) => match self.set_aside(pending) {
                        Some((handle, stamp)) => {
                            let (key, alg) = (js_index(s.key_index), algorithm_number(s.algorithm));
                            sink.check(js_index(pool), key, alg, s.signing_input, s.signature);
                            sink.pending(handle, stamp);
                            return outcome(SIGNATURE_NEEDED, action, pool);
                        }
                        // No room for it: the wasm arithmetic, in this call.
                        None => self.core.verify_token(&parsed, keys, now, &mut CoreCrypto),
                    },
                    // In the cache: finished here, no check asked for.
                    Ok(None) => {
                        self.core
                            .verify_token(&parsed, keys, now, &mut |_: &SignedData<'_>| false)
                    }
                    Err(e) => Err(e),
                },
                _ => Err(Error::InvalidConfiguration),
            };
            let key = || key_index(keys, &parsed);
            let reported = self.report(result, token, key, pool, sink, how);
            outcome(reported, action, pool)
        })
    }

    /// Keeps `pending` until WebCrypto answers: its handle and stamp, `None` when it cannot be.
    fn set_aside(&self, pending: PendingToken) -> Option<(u32, u32)> {
        self.pending.try_borrow_mut().ok()?.insert(pending)
    }
}

#[wasm_bindgen]
impl WasmVerifier {
    /// The address at which JS writes the token of the next call, `len` bytes of UTF-8 (then
    /// [`verify`](Self::verify) or [`finish`](Self::finish) with `len`); 0 when that is more
    /// than any token this verifier accepts may take, or during a call.
    #[must_use]
    pub fn input(&self, len: usize) -> usize {
        let most = self.core.config().max_token_bytes().saturating_mul(3);
        match self.input.try_borrow_mut() {
            Ok(mut b) if len <= most => {
                // An allocation that fails aborts the module: ask first, without aborting.
                let held = b.len();
                if held < len {
                    if b.try_reserve(len - held).is_err() {
                        return 0;
                    }
                    b.resize(len, 0);
                }
                b.as_ptr() as usize
            }
            _ => 0,
        }
    }

    /// Verifies the token JS wrote (`len` bytes, see [`input`](Self::input)) at `now` (unix
    /// seconds) in one call, the token parsed once: `how` is
    /// `WASM` (0), `SINK` (1) or `WEBCRYPTO` (2), plus `POLL` (4) to ask the refresh
    /// policy first, plus `NO_MEMO` (8) not to look it up in the verdict memo, plus `KEEP` (16)
    /// when the glue saw the token before (a token that passes is then kept for its index
    /// whatever the path). The payload of an accepted token goes to `sink.payload`. Returns the
    /// call's number (module documentation).
    pub fn verify(&self, len: usize, now: f64, sink: &Sink, how: u8) -> u32 {
        self.with_input(len, |token| self.verify_text(token, now, sink, how))
    }

    /// The second call of a WebCrypto verification: the token the first call set aside
    /// (`handle`, `stamp`, given to `Sink::pending`) finished with WebCrypto's answer (`how`:
    /// `VALID_ANSWER` (1) when it said valid, plus `KEEP` (16) as for [`verify`](Self::verify)),
    /// which counts only for the key (`key`, its index) and `signature` it was asked about, finished
    /// by the core ([`VerifierCore::finish`]): the signature cache, then every claim check at
    /// `now`, so a revocation recorded or the clock moved meanwhile count. Returns a verification
    /// call's number; status `STALE` (0xfc) when the token must be verified again in full: the
    /// pool's keys were replaced since it was set aside (the answer is about a key that may be
    /// gone), or its slot was reused.
    ///
    /// The token is parsed once, by the first call: what the finish needs (the decoded payload
    /// and where its claims sit, the key, the key set's generation) is kept here in between as
    /// an owned [`PendingToken`], since a parsed `Token` borrows wasm memory for one call only
    /// and WebCrypto answers after an `await`. No token text crosses for this call.
    #[expect(
        clippy::too_many_arguments,
        reason = "the boundary takes numbers and views, not structs"
    )]
    pub fn finish(
        &self,
        handle: u32,
        stamp: u32,
        now: f64,
        sink: &Sink,
        key: u32,
        signature: &[u8],
        how: u8,
    ) -> u32 {
        let Some(pending) = self
            .pending
            .try_borrow_mut()
            .ok()
            .and_then(|mut p| p.take(handle, stamp))
        else {
            return STALE;
        };
        let key = usize::try_from(key).unwrap_or(usize::MAX);
        let valid = how & VALID_ANSWER != 0;
        let pool = pending.pool();
        let Some(result) = self
            .core
            .finish(&pending, key, signature, valid, to_u64(now))
        else {
            return outcome(STALE, 0, pool);
        };
        let key = || js_index(pending.key_index());
        let reported = self.report(result, pending.token(), key, pool, sink, how);
        outcome(reported, 0, pool)
    }

    /// Frees the token set aside as `handle`, `stamp`, when the glue verifies it in wasm instead
    /// (no key WebCrypto can use, WebCrypto threw, keys replaced). A handle no longer held is
    /// ignored.
    pub fn release(&self, handle: u32, stamp: u32) {
        if let Ok(mut p) = self.pending.try_borrow_mut() {
            drop(p.take(handle, stamp));
        }
    }

    /// Tokens set aside awaiting WebCrypto now (at most 1,024), for tests.
    #[wasm_bindgen(js_name = pendingHeld)]
    #[must_use]
    pub fn pending_held(&self) -> usize {
        self.pending.try_borrow().map_or(0, |p| p.held())
    }

    /// `[hits, misses, capacity]` of the verified-signature cache (capacity 0: off).
    #[wasm_bindgen(js_name = signatureCacheStats)]
    #[must_use]
    pub fn signature_cache_stats(&self) -> Vec<f64> {
        let s = self.core.signature_cache_stats();
        [
            s.hits,
            s.misses,
            u64::try_from(s.capacity).unwrap_or(u64::MAX),
        ]
        .map(crate::to_f64)
        .to_vec()
    }
}
