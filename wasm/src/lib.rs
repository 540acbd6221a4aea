//! WebAssembly bindings of `cognito-verify`: the low-level layer under the JS API.
//!
//! JavaScript users do not call these directly: `wasm/js/` (`api.mjs` and the modules behind it)
//! builds the aws-jwt-verify-shaped `CognitoJwtVerifier` on two objects:
//! - [`Settings`] (`settings.rs`): every setting of one verifier, its pools with their own
//!   clients, token use, groups and scopes, given by setters named after the core's builder;
//!   [`Settings::build`] checks them once (the core's [`ConfigBuilder`](cognito_verify::ConfigBuilder)).
//! - [`WasmVerifier`] (`verifier.rs`): the one verifier, the core's [`VerifierCore`]
//!   (configuration, each pool's keys and refresh state, the verified-signature cache, the
//!   revocation list of `revocation.rs`, the verdict memo with the handles of `memo.rs`, the
//!   tokens awaiting WebCrypto of `pending.rs`). JS asks it what to do about keys (`poll`),
//!   carries out the fetches, reports them (`keys.rs`), and verifies through it.
//!
//! Results cross the boundary as numbers (0 for success, otherwise `1 +` the index of the error in
//! [`Error::ALL`]) so that no call throws through wasm: a JS exception raised while a Rust method
//! holds a borrow would leave the object borrowed for good. Nothing here panics on any input;
//! the JS layer checks argument types before calling in.
//!
//! [`VerifierCore`]: cognito_verify::VerifierCore

use cognito_verify::Error;
use wasm_bindgen::prelude::*;

#[cfg(feature = "es256")]
mod alb;
mod keys;
mod memo;
mod pending;
mod revocation;
mod settings;
mod verifier;

#[cfg(feature = "es256")]
pub use alb::{AlbSettings, WasmAlbVerifier};
pub use settings::Settings;
pub use verifier::WasmVerifier;

/// The module's allocator: talc, smaller than the standard library's dlmalloc (wasm/Cargo.toml).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen]
extern "C" {
    /// The JS object a verification reports to, so that one wasm call does the whole token: the
    /// payload comes back as a `&str` view (decoded by the glue straight from wasm memory, no
    /// Rust `String`), and the signature check, when JS does it, reads the signing input and the
    /// signature as views of wasm memory, never copies.
    pub type Sink;

    /// Verifies `signature` over `data` with the key at index `key` of pool `pool`'s key set
    /// (the core's choice, [`SignedData::key_index`](cognito_verify::SignedData::key_index)) of
    /// `algorithm` (1 RS256, 2 ES256): [`VALID`], [`INVALID`], or anything else when JS cannot
    /// answer now (an engine that cannot use the key, or WebCrypto, which answers later). Must
    /// not throw: JS catches and cannot answer.
    #[wasm_bindgen(method, js_name = check)]
    fn check(this: &Sink, pool: u32, key: u32, algorithm: u8, data: &[u8], signature: &[u8]) -> u8;

    /// Receives the payload JSON of a token that passed every check, its pool, the index of the
    /// key that verified it (`u32::MAX`: not read, the verdict memo answered), and the handle and
    /// stamp of its verdict-memo entry for [`WasmVerifier::recheck`] (`u32::MAX`: none). Must not
    /// throw.
    #[wasm_bindgen(method, js_name = payload)]
    fn payload(this: &Sink, json: &str, pool: u32, key: u32, handle: u32, stamp: u32);

    /// Receives the handle and stamp of the token a WebCrypto verification set aside, right
    /// after `check` received what WebCrypto must verify: pass them to
    /// [`WasmVerifier::finish`] with its answer. Must not throw.
    #[wasm_bindgen(method, js_name = pending)]
    fn pending(this: &Sink, handle: u32, stamp: u32);
}

/// What `Sink::check` answers for a valid signature.
const VALID: u8 = 1;
/// What `Sink::check` answers for an invalid signature.
const INVALID: u8 = 0;

/// The status number of an error: `1 +` its index in [`Error::ALL`] (below 256).
fn status(e: Error) -> u32 {
    Error::ALL
        .iter()
        .position(|x| *x == e)
        .and_then(|i| u32::try_from(i).ok())
        .map_or(0xff, |i| i.saturating_add(1))
}

/// A JS number (unix seconds, a count) as `u64`: negative, NaN and infinities become 0 or the maximum.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "f64 to u64 `as` saturates and maps NaN to 0, which is the intent"
)]
fn to_u64(x: f64) -> u64 {
    x.floor() as u64
}

/// A count or a time as a JS number.
#[expect(
    clippy::cast_precision_loss,
    reason = "counts and unix seconds are far below 2^53"
)]
fn to_f64(x: u64) -> f64 {
    x as f64
}

/// The stable error codes, separated by `,`, in the order of the status numbers (status 1 first).
#[wasm_bindgen(js_name = errorCodes)]
#[must_use]
pub fn error_codes() -> String {
    let mut s = String::new();
    for (i, e) in Error::ALL.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(e.code());
    }
    s
}

/// The human-readable message of the error with this status number (empty if unknown).
#[wasm_bindgen(js_name = errorMessage)]
#[must_use]
pub fn error_message(status: u32) -> String {
    usize::try_from(status)
        .ok()
        .and_then(|s| s.checked_sub(1))
        .and_then(|i| Error::ALL.get(i))
        .map_or_else(String::new, |e| e.message().to_owned())
}
