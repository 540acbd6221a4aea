//! WebAssembly bindings of `cognito-verify`: the low-level layer under the JS API.
//!
//! JavaScript users do not call these directly: `wasm/js/api.mjs` builds the aws-jwt-verify-shaped
//! `CognitoJwtVerifier` on top of three small objects:
//! - [`Keys`]: the usable keys of one JWKS ([`KeySet`]);
//! - [`WasmVerifier`]: the core's owned [`VerifierConfig`], built and checked once;
//! - [`Refresh`]: the IO-free key refresh policy ([`JwksRefresh`]), whose fetches JS carries out.
//!
//! Results cross the boundary as numbers (0 for success, otherwise `1 +` the index of the error in
//! [`Error::ALL`]) so that no call throws through wasm: a JS exception raised while a Rust method
//! holds `&mut self` would leave the object borrowed for good. Nothing here panics on any input;
//! the JS layer checks argument types before calling in.
//!
//! `verify` checks signatures in wasm. The async JS API can check them with WebCrypto instead, in
//! two calls around it: [`WasmVerifier::prepare`] runs every check up to the signature and hands
//! JS what to verify; [`WasmVerifier::finish`] runs the same checks again, accepts exactly the
//! signature JS verified, and checks the claims. Neither keeps state between the two calls, so
//! any number of verifications may be in flight.

use cognito_verify::{
    payload_buffer_len, AcceptedTokenUse, Action, Algorithm, Error, JwksOptions, JwksRefresh,
    KeySet, Match, Need, RefreshConfig, VerifierConfig, DEFAULT_MAX_JWKS_BYTES,
    DEFAULT_MAX_TOKEN_LEN, HEAP_KEY_CAPACITY,
};
use wasm_bindgen::prelude::*;

/// The status [`WasmVerifier::prepare`] returns when the token passed every check before the
/// signature, whose details are then available. Not an error status (those are `1..=Error::ALL.len()`).
pub const SIGNATURE_NEEDED: u32 = 0x7fff_ffff;

/// The status number of an error: `1 +` its index in [`Error::ALL`].
fn status(e: Error) -> u32 {
    Error::ALL
        .iter()
        .position(|x| *x == e)
        .and_then(|i| u32::try_from(i).ok())
        .map_or(u32::MAX, |i| i.saturating_add(1))
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

/// [`SIGNATURE_NEEDED`], for JS.
#[wasm_bindgen(js_name = signatureNeeded)]
#[must_use]
pub fn signature_needed() -> u32 {
    SIGNATURE_NEEDED
}

/// Default limits the JS layer checks before copying a string into wasm memory.
#[wasm_bindgen(js_name = limits)]
#[must_use]
pub fn limits() -> Vec<u32> {
    [
        DEFAULT_MAX_TOKEN_LEN,
        DEFAULT_MAX_JWKS_BYTES,
        HEAP_KEY_CAPACITY,
    ]
    .iter()
    .map(|n| u32::try_from(*n).unwrap_or(u32::MAX))
    .collect()
}

/// Whether `id` is a well-formed user pool id (`region_id`).
#[wasm_bindgen(js_name = isUserPoolId)]
#[must_use]
pub fn is_user_pool_id(id: &str) -> bool {
    cognito_verify::pool_region(id).is_some()
}

/// The usable keys of one JWKS.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Keys {
    set: Box<KeySet<HEAP_KEY_CAPACITY>>,
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            set: Box::new(KeySet::new()),
        }
    }
}

#[wasm_bindgen]
impl Keys {
    /// An empty key set.
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> Keys {
        Keys::default()
    }

    /// Replaces the keys with those of `jwks` (JSON text). Returns 0, or an error status and keeps
    /// the previous keys.
    pub fn load(&mut self, jwks: &str, allow_any_rsa_exponent: bool) -> u32 {
        let options = JwksOptions::new().allow_any_rsa_exponent(allow_any_rsa_exponent);
        match KeySet::replacement(jwks.as_bytes(), &options) {
            Ok(set) => {
                self.set = set;
                0
            }
            Err(e) => status(e),
        }
    }

    /// Number of usable keys.
    #[must_use]
    pub fn count(&self) -> usize {
        self.set.len()
    }

    /// Number of listed keys skipped as unusable.
    #[must_use]
    pub fn skipped(&self) -> usize {
        self.set.skipped()
    }
}

fn requirement_of(mode: u8) -> Option<Match> {
    match mode {
        1 => Some(Match::AnyOf),
        2 => Some(Match::AllOf),
        _ => None,
    }
}

/// One verifier: the core's owned configuration, built and checked once.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmVerifier {
    config: Result<VerifierConfig, Error>,
    buf: Vec<u8>,
    payload: String,
    /// What the last [`prepare`](WasmVerifier::prepare) found to verify.
    signed_len: usize,
    signature: Vec<u8>,
    kid: Vec<u8>,
    algorithm: u8,
}

/// The number JS sees for an algorithm: 1 RS256, 2 ES256 (0 unknown).
fn algorithm_number(a: Algorithm) -> u8 {
    match a {
        Algorithm::Rs256 => 1,
        Algorithm::Es256 => 2,
        _ => 0,
    }
}

#[wasm_bindgen]
impl WasmVerifier {
    /// A verifier. `token_use`: 0 any, 1 id, 2 access. `max_age` below 0: none.
    /// `groups_mode` / `scopes_mode`: 0 none, 1 any of, 2 all of. Call [`check`](Self::check) next.
    #[wasm_bindgen(constructor)]
    #[expect(
        clippy::too_many_arguments,
        reason = "a flat constructor is the cheapest binding"
    )]
    #[must_use]
    pub fn new(
        user_pool_ids: Vec<String>,
        issuer_urls: Vec<String>,
        client_ids: Vec<String>,
        token_use: u8,
        leeway: f64,
        max_age: f64,
        groups_mode: u8,
        groups: Vec<String>,
        scopes_mode: u8,
        scopes: Vec<String>,
        allow_es256: bool,
        max_token_len: f64,
    ) -> WasmVerifier {
        let mut b = VerifierConfig::builder()
            .token_use(match token_use {
                1 => AcceptedTokenUse::Id,
                2 => AcceptedTokenUse::Access,
                _ => AcceptedTokenUse::Any,
            })
            .leeway(to_u64(leeway))
            .allow_es256(allow_es256)
            .max_token_len(usize::try_from(to_u64(max_token_len)).unwrap_or(usize::MAX));
        for id in user_pool_ids {
            b = b.user_pool(id);
        }
        for url in issuer_urls {
            b = b.issuer(url);
        }
        for id in client_ids {
            b = b.client_id(id);
        }
        if max_age >= 0.0 {
            b = b.max_age(to_u64(max_age));
        }
        if let Some(kind) = requirement_of(groups_mode) {
            b = b.groups(kind, groups);
        }
        if let Some(kind) = requirement_of(scopes_mode) {
            b = b.scopes(kind, scopes);
        }
        WasmVerifier {
            config: b.build().map_err(Error::from),
            buf: Vec::new(),
            payload: String::new(),
            signed_len: 0,
            signature: Vec::new(),
            kid: Vec::new(),
            algorithm: 0,
        }
    }

    fn max_token_len(&self) -> usize {
        self.config
            .as_ref()
            .map_or(DEFAULT_MAX_TOKEN_LEN, VerifierConfig::max_token_len)
    }

    /// 0 if the configuration is usable, else the status of `invalid_configuration`.
    #[must_use]
    pub fn check(&self) -> u32 {
        match &self.config {
            Ok(_) => 0,
            Err(e) => status(*e),
        }
    }

    /// Verifies `token` at `now` (unix seconds). Returns 0 (the payload JSON is then available
    /// from [`payload`](Self::payload)) or an error status.
    pub fn verify(&mut self, keys: &Keys, token: &str, now: f64) -> u32 {
        let needed = payload_buffer_len(token.len().min(self.max_token_len()));
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        let mut buf = core::mem::take(&mut self.buf);
        let result = self.config.as_ref().map_err(|e| *e).and_then(|c| {
            let v = c.verifier();
            v.verify(&keys.set, token, to_u64(now), &mut buf)
                .map(|claims| claims.payload_json().to_owned())
        });
        self.buf = buf;
        match result {
            Ok(p) => {
                self.payload = p;
                0
            }
            Err(e) => status(e),
        }
    }

    /// Phase 1 of a verification whose signature the caller checks (WebCrypto): every check up to
    /// the signature, in the order of [`verify`](Self::verify). Returns an error status (what
    /// `verify` would return: structure, header, key lookup and algorithm errors come first), or
    /// [`SIGNATURE_NEEDED`]: the token names a usable key with a matching algorithm, and
    /// [`signed_length`](Self::signed_length), [`signature`](Self::signature),
    /// [`kid`](Self::kid) and [`algorithm`](Self::algorithm) say what to verify. Read them before
    /// the next call on this object.
    pub fn prepare(&mut self, keys: &Keys, token: &str, now: f64) -> u32 {
        let needed = payload_buffer_len(token.len().min(self.max_token_len()));
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        let mut buf = core::mem::take(&mut self.buf);
        let mut signature = core::mem::take(&mut self.signature);
        let mut kid = core::mem::take(&mut self.kid);
        let mut signed_len = 0;
        let mut algorithm = 0;
        let mut called = false;
        let result = self.config.as_ref().map_err(|e| *e).and_then(|c| {
            let v = c.verifier();
            v.verify_with_signature_check(&keys.set, token, to_u64(now), &mut buf, &mut |signed| {
                called = true;
                signed_len = signed.signing_input.len();
                signature.clear();
                signature.extend_from_slice(signed.signature);
                kid.clear();
                kid.extend_from_slice(signed.kid);
                algorithm = algorithm_number(signed.algorithm);
                false
            })
            .map(|_| ())
        });
        self.buf = buf;
        self.signature = signature;
        self.kid = kid;
        self.signed_len = signed_len;
        self.algorithm = algorithm;
        match result {
            // The check refused it: everything before the signature passed.
            Err(Error::InvalidSignature) if called => SIGNATURE_NEEDED,
            Err(e) => status(e),
            // Unreachable (the check said no), but never a success without a signature check.
            Ok(()) => status(Error::InvalidSignature),
        }
    }

    /// Length of the signing input found by [`prepare`](Self::prepare): the token's first
    /// `signed_length` bytes (ASCII, so also its first UTF-16 units).
    #[wasm_bindgen(js_name = signedLength)]
    #[must_use]
    pub fn signed_length(&self) -> usize {
        self.signed_len
    }

    /// The decoded signature found by [`prepare`](Self::prepare) (RSA: big-endian; ES256: `r||s`).
    #[must_use]
    pub fn signature(&self) -> Vec<u8> {
        self.signature.clone()
    }

    /// The `kid` of the key found by [`prepare`](Self::prepare); `undefined` if not UTF-8.
    #[must_use]
    pub fn kid(&self) -> Option<String> {
        String::from_utf8(self.kid.clone()).ok()
    }

    /// The algorithm of the key found by [`prepare`](Self::prepare): 1 RS256, 2 ES256.
    #[must_use]
    pub fn algorithm(&self) -> u8 {
        self.algorithm
    }

    /// Phase 2, after the caller verified `signature` over the token's first `signed_len` bytes
    /// with the key `kid` of algorithm `algorithm` (as [`prepare`](Self::prepare) reported them):
    /// verifies `token` again, accepting as signature exactly that one and nothing else, and checks
    /// the claims. Returns 0 (the payload JSON is then available from [`payload`](Self::payload))
    /// or an error status (`invalid_signature` if anything differs from what was verified).
    #[expect(
        clippy::too_many_arguments,
        reason = "flat arguments are the cheapest binding"
    )]
    pub fn finish(
        &mut self,
        keys: &Keys,
        token: &str,
        now: f64,
        signed_len: usize,
        signature: &[u8],
        kid: &str,
        algorithm: u8,
    ) -> u32 {
        let needed = payload_buffer_len(token.len().min(self.max_token_len()));
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        let mut buf = core::mem::take(&mut self.buf);
        let result = self.config.as_ref().map_err(|e| *e).and_then(|c| {
            let v = c.verifier();
            v.verify_with_signature_check(&keys.set, token, to_u64(now), &mut buf, &mut |signed| {
                signed.signing_input.len() == signed_len
                    && signed.signature == signature
                    && signed.kid == kid.as_bytes()
                    && algorithm_number(signed.algorithm) == algorithm
            })
            .map(|claims| claims.payload_json().to_owned())
        });
        self.buf = buf;
        match result {
            Ok(p) => {
                self.payload = p;
                0
            }
            Err(e) => status(e),
        }
    }

    /// The payload JSON of the last successful verification (moved out).
    #[must_use]
    pub fn payload(&mut self) -> String {
        core::mem::take(&mut self.payload)
    }
}

/// The refresh policy of one pool's JWKS (ARCHITECTURE.md, "Key refresh").
#[wasm_bindgen]
#[derive(Debug)]
pub struct Refresh {
    state: JwksRefresh,
    retry_at: u64,
}

#[wasm_bindgen]
impl Refresh {
    /// A policy with these tunables (seconds); values below 0 take the default.
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new(
        unknown_kid_cooldown: f64,
        max_key_age: f64,
        retry_base: f64,
        retry_max: f64,
        fetch_timeout: f64,
    ) -> Refresh {
        let d = RefreshConfig::DEFAULT;
        let pick = |x: f64, default: u64| if x >= 0.0 { to_u64(x) } else { default };
        Refresh {
            state: JwksRefresh::new(RefreshConfig {
                unknown_kid_cooldown: pick(unknown_kid_cooldown, d.unknown_kid_cooldown),
                max_key_age: pick(max_key_age, d.max_key_age),
                retry_base: pick(retry_base, d.retry_base),
                retry_max: pick(retry_max, d.retry_max),
                fetch_timeout: pick(fetch_timeout, d.fetch_timeout),
            }),
            retry_at: 0,
        }
    }

    /// What to do: 0 use the cached keys, 1 fetch now (then call [`fetched`](Self::fetched)),
    /// 2 wait for the fetch under way, 3 unavailable until [`retry_at`](Self::retry_at).
    pub fn poll(&mut self, now: f64, unknown_kid: bool) -> u8 {
        let need = if unknown_kid {
            Need::UnknownKid
        } else {
            Need::Keys
        };
        match self.state.poll(to_u64(now), need) {
            Action::Fetch => 1,
            Action::Wait => 2,
            Action::Unavailable { retry_at } => {
                self.retry_at = retry_at;
                3
            }
            _ => 0,
        }
    }

    /// Reports the outcome of a fetch that [`poll`](Self::poll) asked for.
    pub fn fetched(&mut self, now: f64, ok: bool) {
        self.state.fetched(to_u64(now), ok);
    }

    /// Keys were supplied directly (`cacheJwks`).
    #[wasm_bindgen(js_name = keysLoaded)]
    pub fn keys_loaded(&mut self, now: f64) {
        self.state.keys_loaded(to_u64(now));
    }

    /// Whether keys were ever loaded.
    #[wasm_bindgen(js_name = hasKeys)]
    #[must_use]
    pub fn has_keys(&self) -> bool {
        self.state.has_keys()
    }

    /// Unix seconds before which no fetch will be tried, after the last `Unavailable` answer.
    #[wasm_bindgen(js_name = retryAt)]
    #[must_use]
    pub fn retry_at(&self) -> f64 {
        #[expect(
            clippy::cast_precision_loss,
            reason = "unix seconds fit in f64 exactly"
        )]
        let r = self.retry_at as f64;
        r
    }
}
