//! WebAssembly bindings of `cognito-verify`: the low-level layer under the JS API.
//!
//! JavaScript users do not call these directly: `wasm/js/api.mjs` builds the aws-jwt-verify-shaped
//! `CognitoJwtVerifier` on top of three small objects:
//! - [`Keys`]: the usable keys of one JWKS ([`KeySet`]);
//! - [`WasmVerifier`]: an owned copy of a [`Config`], rebuilt (allocation-light) per call;
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
    payload_buffer_len, AcceptedTokenUse, Action, Algorithm, Config, Error, Issuer, JwksOptions,
    JwksRefresh, KeySet, Need, RefreshConfig, Requirement, Verifier, DEFAULT_KEY_CAPACITY,
    DEFAULT_MAX_JWKS_BYTES, DEFAULT_MAX_TOKEN_LEN,
};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The JS object a verification reports to, so that one wasm call does the whole token: the
    /// payload comes back as a `&str` view (decoded by the glue straight from wasm memory, no
    /// Rust `String`), and the signature check, when JS does it (`node:crypto`), reads the signing
    /// input and the signature as views of wasm memory, never copies.
    pub type Sink;

    /// Verifies `signature` over `data` with the key at `key` (its index in the key set, see
    /// [`Keys::kid`]) of `algorithm` (1 RS256, 2 ES256). Must not throw: JS catches and answers
    /// `false`, recording that the wasm arithmetic should decide instead.
    #[wasm_bindgen(method, js_name = check)]
    fn check(this: &Sink, key: u32, algorithm: u8, data: &[u8], signature: &[u8]) -> bool;

    /// Receives the payload JSON of a token that passed every check. Must not throw.
    #[wasm_bindgen(method, js_name = payload)]
    fn payload(this: &Sink, json: &str);
}

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
        DEFAULT_KEY_CAPACITY,
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
#[derive(Debug, Default)]
pub struct Keys {
    set: KeySet,
}

#[wasm_bindgen]
impl Keys {
    /// An empty key set.
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> Keys {
        Keys::default()
    }

    /// Replaces the keys with those of `jwks` (JSON, UTF-8 bytes), refused above `max_bytes`.
    /// Returns 0, or an error status and keeps the previous keys.
    pub fn load(&mut self, jwks: &[u8], max_bytes: f64, allow_any_rsa_exponent: bool) -> u32 {
        let options = JwksOptions::new()
            .max_bytes(usize::try_from(to_u64(max_bytes)).unwrap_or(usize::MAX))
            .allow_any_rsa_exponent(allow_any_rsa_exponent);
        match KeySet::from_jwks_with(jwks, &options) {
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

    /// The `kid` of the usable key at `index` (the order [`Sink::check`] numbers keys in).
    #[must_use]
    pub fn kid(&self, index: usize) -> Option<String> {
        self.set.iter().nth(index).map(|(kid, _)| kid.to_owned())
    }
}

impl Keys {
    /// The index of the usable key with this `kid`: the first, as the core's lookup takes.
    fn index_of(&self, kid: &[u8]) -> Option<u32> {
        self.set
            .iter()
            .position(|(k, _)| k.as_bytes() == kid)
            .and_then(|i| u32::try_from(i).ok())
    }
}

/// A group or scope requirement, owned.
#[derive(Debug)]
struct OwnedRequirement {
    all: bool,
    items: Vec<String>,
}

fn requirement_of(mode: u8, items: Vec<String>) -> Option<OwnedRequirement> {
    match mode {
        1 => Some(OwnedRequirement { all: false, items }),
        2 => Some(OwnedRequirement { all: true, items }),
        _ => None,
    }
}

/// One verifier configuration with owned strings; the borrowed [`Config`] is rebuilt per call.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmVerifier {
    user_pool_ids: Vec<String>,
    issuer_urls: Vec<String>,
    client_ids: Vec<String>,
    token_use: AcceptedTokenUse,
    leeway: u64,
    max_age: Option<u64>,
    groups: Option<OwnedRequirement>,
    scopes: Option<OwnedRequirement>,
    allow_es256: bool,
    max_token_len: usize,
    buf: Vec<u8>,
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
        WasmVerifier {
            user_pool_ids,
            issuer_urls,
            client_ids,
            token_use: match token_use {
                1 => AcceptedTokenUse::Id,
                2 => AcceptedTokenUse::Access,
                _ => AcceptedTokenUse::Any,
            },
            leeway: to_u64(leeway),
            max_age: (max_age >= 0.0).then(|| to_u64(max_age)),
            groups: requirement_of(groups_mode, groups),
            scopes: requirement_of(scopes_mode, scopes),
            allow_es256,
            max_token_len: usize::try_from(to_u64(max_token_len)).unwrap_or(usize::MAX),
            buf: Vec::new(),
            signed_len: 0,
            signature: Vec::new(),
            kid: Vec::new(),
            algorithm: 0,
        }
    }

    /// Calls `f` with the borrowed configuration.
    fn with_config<R>(&self, f: impl FnOnce(Config<'_>) -> R) -> R {
        let issuers: Vec<Issuer<'_>> = self
            .user_pool_ids
            .iter()
            .map(|s| Issuer::UserPool(s))
            .chain(self.issuer_urls.iter().map(|s| Issuer::Url(s)))
            .collect();
        let clients: Vec<&str> = self.client_ids.iter().map(String::as_str).collect();
        let groups: Vec<&str> = self
            .groups
            .as_ref()
            .map(|r| r.items.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let scopes: Vec<&str> = self
            .scopes
            .as_ref()
            .map(|r| r.items.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let req = |r: &Option<OwnedRequirement>, list| {
            r.as_ref().map(|r| {
                if r.all {
                    Requirement::AllOf(list)
                } else {
                    Requirement::AnyOf(list)
                }
            })
        };
        let mut config = Config::new(&issuers, &clients)
            .token_use(self.token_use)
            .leeway(self.leeway)
            .allow_es256(self.allow_es256)
            .max_token_len(self.max_token_len);
        if let Some(m) = self.max_age {
            config = config.max_age(m);
        }
        if let Some(r) = req(&self.groups, &groups) {
            config = config.groups(r);
        }
        if let Some(r) = req(&self.scopes, &scopes) {
            config = config.scopes(r);
        }
        f(config)
    }

    /// 0 if the configuration is usable, else the status of `invalid_configuration`.
    #[must_use]
    pub fn check(&self) -> u32 {
        self.with_config(|c| match Verifier::new(c) {
            Ok(_) => 0,
            Err(e) => status(e),
        })
    }

    /// Verifies `token` at `now` (unix seconds), the signature in wasm. Returns 0 (the payload
    /// JSON was handed to `sink.payload`; no `String` is built) or an error status.
    #[wasm_bindgen(js_name = verifyTo)]
    pub fn verify_to(&mut self, keys: &Keys, token: &str, now: f64, sink: &Sink) -> u32 {
        let needed = payload_buffer_len(token.len().min(self.max_token_len));
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        let mut buf = core::mem::take(&mut self.buf);
        let result = self.with_config(|c| {
            let v = Verifier::new(c)?;
            v.verify(&keys.set, token, to_u64(now), &mut buf)
                .map(|claims| sink.payload(claims.payload_json()))
        });
        self.buf = buf;
        result.map_or_else(status, |()| 0)
    }

    /// As [`verify_to`](Self::verify_to), the signature checked by `sink.check` (JS,
    /// synchronously: `node:crypto`) in the middle of the core's checks: one call per token.
    #[wasm_bindgen(js_name = verifyExternal)]
    pub fn verify_external(&mut self, keys: &Keys, token: &str, now: f64, sink: &Sink) -> u32 {
        let needed = payload_buffer_len(token.len().min(self.max_token_len));
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        let mut buf = core::mem::take(&mut self.buf);
        let result = self.with_config(|c| {
            let v = Verifier::new(c)?;
            v.verify_with_signature_check(&keys.set, token, to_u64(now), &mut buf, &mut |signed| {
                keys.index_of(signed.kid).is_some_and(|i| {
                    sink.check(
                        i,
                        algorithm_number(signed.algorithm),
                        signed.signing_input,
                        signed.signature,
                    )
                })
            })
            .map(|claims| sink.payload(claims.payload_json()))
        });
        self.buf = buf;
        result.map_or_else(status, |()| 0)
    }

    /// Phase 1 of a verification whose signature the caller checks (WebCrypto): every check up to
    /// the signature, in the order of [`verify_to`](Self::verify_to). Returns an error status (what
    /// `verify_to` would return: structure, header, key lookup and algorithm errors come first), or
    /// [`SIGNATURE_NEEDED`]: the token names a usable key with a matching algorithm, and
    /// [`signed_length`](Self::signed_length), [`signature`](Self::signature),
    /// [`kid`](Self::kid) and [`algorithm`](Self::algorithm) say what to verify. Read them before
    /// the next call on this object.
    pub fn prepare(&mut self, keys: &Keys, token: &str, now: f64) -> u32 {
        let needed = payload_buffer_len(token.len().min(self.max_token_len));
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        let mut buf = core::mem::take(&mut self.buf);
        let mut signature = core::mem::take(&mut self.signature);
        let mut kid = core::mem::take(&mut self.kid);
        let mut signed_len = 0;
        let mut algorithm = 0;
        let mut called = false;
        let result = self.with_config(|c| {
            let v = Verifier::new(c)?;
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
    /// the claims. Returns 0 (the payload JSON handed to `sink.payload`) or an error status
    /// (`invalid_signature` if anything differs from what was verified).
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
        sink: &Sink,
    ) -> u32 {
        let needed = payload_buffer_len(token.len().min(self.max_token_len));
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        let mut buf = core::mem::take(&mut self.buf);
        let result = self.with_config(|c| {
            let v = Verifier::new(c)?;
            v.verify_with_signature_check(&keys.set, token, to_u64(now), &mut buf, &mut |signed| {
                signed.signing_input.len() == signed_len
                    && signed.signature == signature
                    && signed.kid == kid.as_bytes()
                    && algorithm_number(signed.algorithm) == algorithm
            })
            .map(|claims| sink.payload(claims.payload_json()))
        });
        self.buf = buf;
        result.map_or_else(status, |()| 0)
    }
}

/// The refresh policy of one pool's JWKS (the key refresh policy of ARCHITECTURE.md).
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
