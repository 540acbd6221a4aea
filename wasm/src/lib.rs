//! WebAssembly bindings of `cognito-verify`: the low-level layer under the JS API.
//!
//! JavaScript users do not call these directly: `wasm/js/` (`api.mjs` and the modules behind it)
//! builds the aws-jwt-verify-shaped `CognitoJwtVerifier` on top of three small objects:
//! - [`Keys`]: the usable keys of one JWKS ([`KeySet`]);
//! - [`WasmVerifier`]: the core's owned [`VerifierConfig`] of one pool, built and checked once,
//!   lending its verifier per call (no allocation);
//! - [`PoolRouter`]: the core's pool rule over several pools (the token's `iss` picks one);
//! - [`Signatures`]: the core's verified-signature cache ([`SignatureCache`]) of one JS verifier,
//!   shared by its pools;
//! - [`Refresh`]: the IO-free key refresh policy ([`JwksRefresh`]), whose fetches JS carries out.
//!
//! Results cross the boundary as numbers (0 for success, otherwise `1 +` the index of the error in
//! [`Error::ALL`]) so that no call throws through wasm: a JS exception raised while a Rust method
//! holds `&mut self` would leave the object borrowed for good. Nothing here panics on any input;
//! the JS layer checks argument types before calling in.
//!
//! [`WasmVerifier::verify_to`] checks signatures in wasm; [`WasmVerifier::verify_external`]
//! asks JS in the middle of the core's checks (`Sink::check`): `node:crypto` answers at once;
//! for WebCrypto, which answers later, JS makes two calls: the first records what the core asks to
//! verify and answers "not now", the second gives WebCrypto's answer for exactly that signature.
//! Neither keeps state between calls, so any number of verifications may be in flight. Both take
//! the verifier's [`Signatures`]: a signature found there is not checked again (the first call of
//! a WebCrypto verification then finishes it, and WebCrypto is not asked), and every other check
//! runs; the core counts one lookup per token and stores only tokens that passed every check.

use cognito_verify::{
    check_jwks_url, payload_buffer_len, user_pool_jwks_url, AcceptedTokenUse, Action, Algorithm,
    CacheSlot, ConfigBuilder, ConfigError, Error, Issuer, JwksRefresh, KeySet, Match, Need,
    RefreshConfig, SignatureCache, SignedData, UserPoolId, VerifierConfig, DEFAULT_MAX_JWKS_BYTES,
    DEFAULT_MAX_TOKEN_LEN, DEFAULT_SIGNATURE_CACHE_CAPACITY, HEAP_KEY_CAPACITY,
};
use wasm_bindgen::prelude::*;

mod revocation;

/// The module's allocator: talc, smaller than the standard library's dlmalloc (wasm/Cargo.toml).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen]
extern "C" {
    /// The JS object a verification reports to, so that one wasm call does the whole token: the
    /// payload comes back as a `&str` view (decoded by the glue straight from wasm memory, no
    /// Rust `String`), and the signature check, when JS does it (`node:crypto`), reads the signing
    /// input and the signature as views of wasm memory, never copies.
    pub type Sink;

    /// Verifies `signature` over `data` with the key at `key` (its index in the key set, see
    /// [`Keys::kid`]) of `algorithm` (1 RS256, 2 ES256): [`VALID`], [`INVALID`], or anything
    /// else when JS cannot answer now (WebCrypto answers later; an engine that cannot use the key
    /// leaves the token to the wasm arithmetic). Must not throw: JS catches and cannot answer.
    #[wasm_bindgen(method, js_name = check)]
    fn check(this: &Sink, key: u32, algorithm: u8, data: &[u8], signature: &[u8]) -> u8;

    /// Receives the payload JSON of a token that passed every check. Must not throw.
    #[wasm_bindgen(method, js_name = payload)]
    fn payload(this: &Sink, json: &str);
}

/// What `Sink::check` answers for a valid signature.
const VALID: u8 = 1;
/// What `Sink::check` answers for an invalid signature.
const INVALID: u8 = 0;

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

/// Defaults of the JS layer: the limits it checks before copying a string into wasm memory
/// (token bytes, JWKS bytes, keys a set), then the entries of the verified-signature cache.
#[wasm_bindgen(js_name = limits)]
#[must_use]
pub fn limits() -> Vec<u32> {
    [
        DEFAULT_MAX_TOKEN_LEN,
        DEFAULT_MAX_JWKS_BYTES,
        HEAP_KEY_CAPACITY,
        DEFAULT_SIGNATURE_CACHE_CAPACITY,
    ]
    .iter()
    .map(|n| u32::try_from(*n).unwrap_or(u32::MAX))
    .collect()
}

/// Whether keys may be fetched from `url` (the core's rule: `https`, or `http` to a loopback
/// host, or anywhere when `allow_insecure_http`): for the URL a redirect ended at.
#[wasm_bindgen(js_name = jwksUrlAllowed)]
#[must_use]
pub fn jwks_url_allowed(url: &str, allow_insecure_http: bool) -> bool {
    check_jwks_url(url, allow_insecure_http).is_ok()
}

/// The usable keys of one JWKS, up to [`HEAP_KEY_CAPACITY`] (64 slots, about 100 KiB of wasm
/// memory).
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

    /// Replaces the keys with those of `jwks` (JSON, UTF-8 bytes) under the core's key-set rules
    /// and `verifier`'s options (size limit in bytes, RSA exponents): a document with no usable
    /// key never replaces keys. Returns 0, or an error status and keeps the previous keys.
    pub fn load(&mut self, verifier: &WasmVerifier, jwks: &[u8]) -> u32 {
        let loaded = match &verifier.config {
            Ok(c) => c.load_keys(jwks),
            Err(_) => Err(Error::InvalidConfiguration),
        };
        match loaded {
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

    /// The `kid` of the usable key at `index` (the order `Sink::check` numbers keys in).
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

fn requirement_of(mode: u8) -> Option<Match> {
    match mode {
        1 => Some(Match::AnyOf),
        2 => Some(Match::AllOf),
        _ => None,
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

/// The core's pools of one JS pool: a user pool id, or issuer URLs (emulators) instead of the
/// pool's, whose keys then still come from the pool's JWKS URL unless `jwks_url` says otherwise.
fn add_pools(
    mut b: ConfigBuilder,
    user_pool_id: Option<String>,
    issuer_urls: Vec<String>,
    jwks_url: Option<String>,
) -> Result<ConfigBuilder, ConfigError> {
    if issuer_urls.is_empty() {
        if let Some(id) = user_pool_id {
            b = b.user_pool(id);
            if let Some(u) = jwks_url {
                b = b.jwks_url(u);
            }
        }
        return Ok(b);
    }
    let pool_url = match (jwks_url, &user_pool_id) {
        (Some(u), _) => Some(u),
        (None, Some(id)) => {
            UserPoolId::parse(id).map_err(ConfigError::PoolId)?;
            user_pool_jwks_url(id).ok()
        }
        (None, None) => None,
    };
    for url in issuer_urls {
        b = b.issuer(url);
        if let Some(u) = &pool_url {
            b = b.jwks_url(u.clone());
        }
    }
    Ok(b)
}

/// One pool's verifier: the core's owned configuration, built and checked once; each call
/// borrows its verifier (no copy, no allocation).
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmVerifier {
    config: Result<VerifierConfig, ConfigError>,
    buf: Vec<u8>,
}

#[wasm_bindgen]
impl WasmVerifier {
    /// A verifier of one pool: `user_pool_id`, or `issuer_urls` instead of its issuer (keys still
    /// from the pool's JWKS URL, or from `jwks_url`). `token_use`: 0 any, 1 id, 2 access.
    /// `max_age` below 0: none. `groups_mode` / `scopes_mode`: 0 none, 1 any of, 2 all of.
    /// `revocation_capacity` (0: off) and `max_token_lifetime`: see `revocation.rs`.
    /// Call [`check`](Self::check) next.
    #[wasm_bindgen(constructor)]
    #[expect(
        clippy::too_many_arguments,
        reason = "a flat constructor is the cheapest binding"
    )]
    #[must_use]
    pub fn new(
        user_pool_id: Option<String>,
        issuer_urls: Vec<String>,
        jwks_url: Option<String>,
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
        max_jwks_bytes: f64,
        allow_any_rsa_exponent: bool,
        allow_insecure_http: bool,
        revocation_capacity: f64,
        max_token_lifetime: f64,
    ) -> WasmVerifier {
        let mut b = VerifierConfig::builder()
            .token_use(match token_use {
                1 => AcceptedTokenUse::Id,
                2 => AcceptedTokenUse::Access,
                _ => AcceptedTokenUse::Any,
            })
            .leeway(to_u64(leeway))
            .allow_es256(allow_es256)
            .max_token_len(usize::try_from(to_u64(max_token_len)).unwrap_or(usize::MAX))
            .max_jwks_bytes(usize::try_from(to_u64(max_jwks_bytes)).unwrap_or(usize::MAX))
            .allow_any_rsa_exponent(allow_any_rsa_exponent)
            .allow_insecure_http(allow_insecure_http);
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
        b = revocation::configure(b, revocation_capacity, max_token_lifetime);
        WasmVerifier {
            config: add_pools(b, user_pool_id, issuer_urls, jwks_url)
                .and_then(ConfigBuilder::build),
            buf: Vec::new(),
        }
    }

    /// 0 if the configuration is usable, else the status of `invalid_configuration`
    /// ([`config_message`](Self::config_message) says why).
    #[must_use]
    pub fn check(&self) -> u32 {
        match &self.config {
            Ok(_) => 0,
            Err(e) => status(Error::from(*e)),
        }
    }

    /// What is wrong with the configuration (empty if nothing).
    #[wasm_bindgen(js_name = configMessage)]
    #[must_use]
    pub fn config_message(&self) -> String {
        self.config
            .as_ref()
            .err()
            .map_or_else(String::new, |e| e.message().to_owned())
    }

    /// The JWKS URL of the pool (the core's: given, or derived from the pool id or issuer).
    #[wasm_bindgen(js_name = jwksUrl)]
    #[must_use]
    pub fn jwks_url(&self) -> Option<String> {
        self.config
            .as_ref()
            .ok()
            .and_then(|c| c.jwks_url(0))
            .map(str::to_owned)
    }

    /// The configuration and the payload buffer sized for `token`, or the configuration's error.
    fn parts(&mut self, token: &str) -> Result<(&VerifierConfig, &mut Vec<u8>), Error> {
        let config = self.config.as_ref().map_err(|e| Error::from(*e))?;
        let needed = payload_buffer_len(token.len().min(config.max_token_len()));
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        Ok((config, &mut self.buf))
    }

    /// Verifies `token` at `now` (unix seconds), the signature in wasm unless `signatures`
    /// holds it. Returns 0 (the payload JSON was handed to `sink.payload`; no `String` is built)
    /// or an error status.
    #[wasm_bindgen(js_name = verifyTo)]
    pub fn verify_to(
        &mut self,
        keys: &Keys,
        token: &str,
        now: f64,
        sink: &Sink,
        signatures: &Signatures,
    ) -> u32 {
        let result = self.parts(token).and_then(|(c, buf)| {
            let (v, now) = (c.verifier(), to_u64(now));
            match &signatures.cache {
                Some(cache) => v.verify_cached(&*keys.set, cache, token, now, buf),
                None => v.verify(&*keys.set, token, now, buf),
            }
            .map(|claims| sink.payload(claims.payload_json()))
        });
        result.map_or_else(status, |()| 0)
    }

    /// As [`verify_to`](Self::verify_to), the signature checked by `sink.check` (JS) in the
    /// middle of the core's checks unless `signatures` holds it: one call per token with
    /// `node:crypto`, two with WebCrypto (the first one's check cannot answer yet).
    #[wasm_bindgen(js_name = verifyExternal)]
    pub fn verify_external(
        &mut self,
        keys: &Keys,
        token: &str,
        now: f64,
        sink: &Sink,
        signatures: &Signatures,
    ) -> u32 {
        let mut answer = |signed: &SignedData<'_>| {
            let Some(i) = keys.index_of(signed.kid) else {
                return Some(false);
            };
            let algorithm = algorithm_number(signed.algorithm);
            match sink.check(i, algorithm, signed.signing_input, signed.signature) {
                VALID => Some(true),
                INVALID => Some(false),
                _ => None,
            }
        };
        let result = self.parts(token).and_then(|(c, buf)| {
            let (v, now) = (c.verifier(), to_u64(now));
            match &signatures.cache {
                Some(cache) => v.verify_pools_cached_with_signature_check(
                    &|_| Some(&*keys.set),
                    cache,
                    token,
                    now,
                    buf,
                    &mut answer,
                ),
                None => v.verify_with_signature_check(&*keys.set, token, now, buf, &mut |s| {
                    answer(s) == Some(true)
                }),
            }
            .map(|claims| sink.payload(claims.payload_json()))
        });
        result.map_or_else(status, |()| 0)
    }
}

/// The verified-signature cache of one JS verifier (ARCHITECTURE.md, "Verified-signature
/// cache"): the core's [`SignatureCache`], shared by the verifier's pools (an entry is bound to
/// the key that verified it), or nothing when its capacity is 0.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Signatures {
    cache: Option<SignatureCache<Box<[CacheSlot]>>>,
}

#[wasm_bindgen]
impl Signatures {
    /// A cache of `capacity` entries (28 bytes each, allocated here; rounded down to a multiple
    /// of 8 when at least 8), off when 0; `undefined` when that much memory cannot be had.
    #[must_use]
    pub fn create(capacity: f64) -> Option<Signatures> {
        let capacity = usize::try_from(to_u64(capacity)).ok()?;
        if capacity == 0 {
            return Some(Signatures { cache: None });
        }
        // An allocation that fails aborts the module: ask first, without aborting.
        Vec::<CacheSlot>::new().try_reserve_exact(capacity).ok()?;
        Some(Signatures {
            cache: Some(SignatureCache::with_capacity(capacity)),
        })
    }

    /// Hits, misses and capacity (0: off, and the counters stay 0).
    #[must_use]
    #[expect(
        clippy::cast_precision_loss,
        reason = "counts below 2^53 are exact in f64; beyond, a counter may round"
    )]
    pub fn stats(&self) -> Vec<f64> {
        let s = self
            .cache
            .as_ref()
            .map(SignatureCache::stats)
            .unwrap_or_default();
        vec![s.hits as f64, s.misses as f64, s.capacity as f64]
    }
}

/// The core's pool rule for a verifier of several pools: the token's unverified `iss` picks the
/// one pool whose keys may verify it; none matching is `wrong_issuer`, and no key is tried.
#[wasm_bindgen]
#[derive(Debug)]
pub struct PoolRouter {
    config: Result<VerifierConfig, ConfigError>,
    issuers: Vec<Issuer<String>>,
    /// The JS pool of each of the core's pools (a JS pool with several issuers has several).
    owner: Vec<i32>,
    next: i32,
    buf: Vec<u8>,
}

#[wasm_bindgen]
impl PoolRouter {
    /// An empty rule: [`add`](Self::add) each JS pool in order, then [`build`](Self::build).
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> PoolRouter {
        PoolRouter {
            config: Err(ConfigError::NoIssuer),
            issuers: Vec::new(),
            owner: Vec::new(),
            next: 0,
            buf: Vec::new(),
        }
    }

    /// Adds the issuers of the next JS pool (`verifier`'s).
    pub fn add(&mut self, verifier: &WasmVerifier) {
        if let Ok(c) = &verifier.config {
            for p in 0..c.pool_count() {
                let issuer = match c.issuer(p) {
                    Some(Issuer::UserPool(id)) => Issuer::UserPool(id.to_owned()),
                    Some(Issuer::Url(url)) => Issuer::Url(url.to_owned()),
                    None => continue,
                };
                self.issuers.push(issuer);
                self.owner.push(self.next);
            }
        }
        self.next = self.next.saturating_add(1);
    }

    /// Builds the rule over the pools added; 0, or the status of `invalid_configuration`.
    pub fn build(&mut self) -> u32 {
        // Only the issuers matter here; the builder wants a client id. No revocation list: the
        // router verifies nothing (each pool's verifier holds one).
        let mut b = VerifierConfig::builder()
            .client_id("pool-router")
            .allow_insecure_http(true)
            .revocation_capacity(0);
        for issuer in &self.issuers {
            b = match issuer {
                Issuer::UserPool(id) => b.user_pool(id.clone()),
                Issuer::Url(url) => b.issuer(url.clone()),
            };
        }
        self.config = b.build();
        match &self.config {
            Ok(_) => 0,
            Err(e) => status(Error::from(*e)),
        }
    }

    /// The JS pool `token` belongs to (`0..`), or `-status` of the error that rules it out
    /// (`wrong_issuer` when no pool's issuer matches; structure and payload errors first).
    #[wasm_bindgen(js_name = selectPool)]
    pub fn select_pool(&mut self, token: &str) -> i32 {
        let negative = |e: Error| i32::try_from(status(e)).map_or(i32::MIN, |s| -s);
        let Ok(c) = &self.config else {
            return negative(Error::InvalidConfiguration);
        };
        let needed = payload_buffer_len(token.len().min(c.max_token_len()));
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        match c.verifier().select_pool(token, &mut self.buf) {
            Ok(p) => self
                .owner
                .get(p)
                .copied()
                .unwrap_or_else(|| negative(Error::InvalidConfiguration)),
            Err(e) => negative(e),
        }
    }
}

impl Default for PoolRouter {
    fn default() -> Self {
        Self::new()
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
