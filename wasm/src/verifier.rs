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
//! - WebCrypto, which answers later: see [`finish`](WasmVerifier::finish).
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
    payload_buffer_len, Action, Algorithm, Claims, CoreCrypto, Error, Keys, Need, Remembered,
    SignatureCheck, SignedData, Token, VerifierCore,
};
use wasm_bindgen::prelude::*;

use crate::memo::Kept;
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
/// Status: `Sink::check` received what WebCrypto must verify; call [`WasmVerifier::finish`].
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

    /// Hands the payload of an accepted token to `sink` with its pool, the index of its key and
    /// the handle of its memo entry; the status.
    fn report(
        &self,
        result: Result<Claims<'_>, Error>,
        token: &Token<'_, '_>,
        keys: Option<&Keys>,
        pool: usize,
        sink: &Sink,
        how: u8,
    ) -> u32 {
        match result {
            Ok(claims) => {
                let key = key_index(keys, token);
                let (handle, stamp) = if how & KEEP == 0 {
                    (NO_HANDLE, 0)
                } else {
                    self.keep_verified(token.as_str())
                };
                sink.payload(claims.payload_json(), js_index(pool), key, handle, stamp);
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
                WEBCRYPTO => match self.core.signature_needed(&parsed, keys) {
                    Ok(Some(s)) => {
                        let (key, alg) = (js_index(s.key_index), algorithm_number(s.algorithm));
                        sink.check(js_index(pool), key, alg, s.signing_input, s.signature);
                        return outcome(SIGNATURE_NEEDED, action, pool);
                    }
                    // In the cache: finished here, no check asked for.
                    Ok(None) => {
                        self.core
                            .verify_token(&parsed, keys, now, &mut |_: &SignedData<'_>| false)
                    }
                    Err(e) => Err(e),
                },
                _ => Err(Error::InvalidConfiguration),
            };
            outcome(
                self.report(result, &parsed, keys, pool, sink, how),
                action,
                pool,
            )
        })
    }

    /// [`finish`](Self::finish) of `token`.
    fn finish_text(
        &self,
        token: &str,
        now: f64,
        sink: &Sink,
        key: u32,
        signature: &[u8],
        how: u8,
    ) -> u32 {
        let now = to_u64(now);
        let valid = how & VALID_ANSWER != 0;
        self.with_buffer(token, |buf| {
            let parsed = match self.core.parse(token, buf) {
                Ok(t) => t,
                Err(e) => return status(e),
            };
            let pool = self.core.pool_of(&parsed);
            let keys = self.core.keys(pool);
            let keys = keys.as_deref();
            let mut answer = |s: &SignedData<'_>| {
                valid && js_index(s.key_index) == key && s.signature == signature
            };
            let result = self.core.verify_token(&parsed, keys, now, &mut answer);
            outcome(self.report(result, &parsed, keys, pool, sink, how), 0, pool)
        })
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

    /// The second call of a WebCrypto verification: the token verified again with WebCrypto's
    /// answer (`how`: `VALID_ANSWER` (1) when it said valid, plus `KEEP` (16) as for
    /// [`verify`](Self::verify)), which counts only for the signature it verified (`key`'s index
    /// in the pool's key set, the same `signature` bytes). Every check runs again, so a key set
    /// replaced, a revocation recorded or the clock moved meanwhile all count.
    ///
    /// This path crosses into wasm twice and re-reads the token: the parsed token borrows wasm
    /// memory for the length of one call, and WebCrypto answers after an `await`, so it cannot be
    /// kept between the calls. The cost is one more parse of the token, not of the signature.
    pub fn finish(
        &self,
        len: usize,
        now: f64,
        sink: &Sink,
        key: u32,
        signature: &[u8],
        how: u8,
    ) -> u32 {
        self.with_input(len, |token| {
            self.finish_text(token, now, sink, key, signature, how)
        })
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
