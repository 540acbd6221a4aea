//! [`Settings`]: everything one JS verifier is built from, checked once by the core.
//!
//! JS makes one, adds each pool with [`pool`](Settings::pool) followed by that pool's own
//! settings (clients, token use, groups, scopes), gives the verifier's settings by their JS names
//! ([`number`](Settings::number), [`flag`](Settings::flag)), then calls
//! [`build`](Settings::build). The names are the package's options, each the camelCase of the
//! core's builder method it calls (aws-jwt-verify's `graceSeconds` excepted); every default is
//! the core's, so a setting JS does not give stays the core's default.

use cognito_verify::{
    AcceptedTokenUse, CacheSlot, ConfigBuilder, Match, Pool, RefreshConfig, VerifierConfig,
    VerifierCore,
};
use wasm_bindgen::prelude::*;

use crate::{to_u64, WasmVerifier};

/// The verifier's numeric settings, by their JS names, in the order [`Settings::build`] applies them.
const NUMBERS: [&str; 9] = [
    "graceSeconds",
    "maxAgeSeconds",
    "maxTokenBytes",
    "maxJwksBytes",
    "signatureCache",
    "revocationCapacity",
    "maxTokenLifetime",
    "verdictMemo",
    "verdictMemoBytes",
];
/// The verifier's switches, by their JS names.
const FLAGS: [&str; 3] = ["allowEs256", "allowAnyRsaExponent", "allowInsecureHttp"];

/// The settings of one verifier being built.
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct Settings {
    /// The pools, in order; the pool setters apply to the last one.
    pools: Vec<Pool>,
    /// The numbers given, by their place in [`NUMBERS`].
    numbers: [Option<u64>; NUMBERS.len()],
    /// The switches given, by their place in [`FLAGS`].
    flags: [Option<bool>; FLAGS.len()],
    /// The refresh policy's tunables given (`None`: the core's default).
    refresh: [Option<u64>; 6],
    /// Why the last [`build`](Settings::build) failed.
    error: &'static str,
}

/// `groups` / `scope` mode: 1 any of, 2 all of.
fn requirement_of(mode: u8) -> Match {
    if mode == 2 {
        Match::AllOf
    } else {
        Match::AnyOf
    }
}

/// The place of `name` in `names`.
fn place(names: &[&str], name: &str) -> Option<usize> {
    names.iter().position(|n| *n == name)
}

impl Settings {
    /// Applies `f` to the pool added last.
    fn this_pool(&mut self, f: impl FnOnce(Pool) -> Pool) {
        if let Some(last) = self.pools.last_mut() {
            *last = f(core::mem::take(last));
        }
    }
}

#[wasm_bindgen]
impl Settings {
    /// No pool yet, every setting the core's default.
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> Settings {
        Settings::default()
    }

    /// Adds a pool: a user pool id, or issuer URLs (the first one names the pool); with both,
    /// the issuer URLs replace the pool's own (emulators) and keys still come from the pool's
    /// JWKS URL. `jwks_url` overrides where its keys come from. The setters of the pool's own
    /// rules that follow apply to this pool.
    pub fn pool(
        &mut self,
        user_pool_id: Option<String>,
        issuers: Vec<String>,
        jwks_url: Option<String>,
    ) {
        let mut issuers = issuers.into_iter();
        let mut pool = match (user_pool_id, issuers.next()) {
            (Some(id), first) => first
                .into_iter()
                .fold(Pool::user_pool(id), Pool::also_issuer),
            (None, Some(first)) => Pool::issuer(first),
            (None, None) => Pool::default(),
        };
        pool = issuers.fold(pool, Pool::also_issuer);
        if let Some(url) = jwks_url {
            pool = pool.jwks_url(url);
        }
        self.pools.push(pool);
    }

    /// The app clients of the pool added last.
    #[wasm_bindgen(js_name = clientIds)]
    pub fn client_ids(&mut self, ids: Vec<String>) {
        self.this_pool(|p| ids.into_iter().fold(p, Pool::client_id));
    }

    /// The token use the pool added last accepts: 0 any, 1 id, 2 access.
    #[wasm_bindgen(js_name = tokenUse)]
    pub fn token_use(&mut self, token_use: u8) {
        let t = match token_use {
            1 => AcceptedTokenUse::Id,
            2 => AcceptedTokenUse::Access,
            _ => AcceptedTokenUse::Any,
        };
        self.this_pool(|p| p.token_use(t));
    }

    /// The `cognito:groups` the pool added last requires: `mode` 1 any of, 2 all of.
    pub fn groups(&mut self, mode: u8, groups: Vec<String>) {
        self.this_pool(|p| p.groups(requirement_of(mode), groups));
    }

    /// The scopes the pool added last requires: `mode` 1 any of, 2 all of.
    pub fn scopes(&mut self, mode: u8, scopes: Vec<String>) {
        self.this_pool(|p| p.scopes(requirement_of(mode), scopes));
    }

    /// Sets the verifier's numeric setting `name` (its JS option name; `jwksCache`'s tunables by
    /// their own) to `value` (a count, bytes or seconds, at least 0). Returns false for a name it
    /// does not know.
    pub fn number(&mut self, name: &str, value: f64) -> bool {
        let slot = match name {
            "unknownKidCooldownSeconds" => self.refresh.get_mut(0),
            "maxKeyAgeSeconds" => self.refresh.get_mut(1),
            "retryBaseSeconds" => self.refresh.get_mut(2),
            "retryMaxSeconds" => self.refresh.get_mut(3),
            "fetchTimeoutSeconds" => self.refresh.get_mut(4),
            "requestTimeoutSeconds" => self.refresh.get_mut(5),
            _ => place(&NUMBERS, name).and_then(|i| self.numbers.get_mut(i)),
        };
        slot.map(|s| *s = Some(to_u64(value))).is_some()
    }

    /// Sets the verifier's switch `name` (its JS option name). Returns false for a name it does
    /// not know.
    pub fn flag(&mut self, name: &str, value: bool) -> bool {
        let slot = place(&FLAGS, name).and_then(|i| self.flags.get_mut(i));
        slot.map(|s| *s = Some(value)).is_some()
    }

    /// The verifier, or `undefined` when the settings are unusable
    /// ([`error`](Self::error) says why). The pools are used up: settings build once.
    pub fn build(&mut self) -> Option<WasmVerifier> {
        let mut b = VerifierConfig::builder();
        for p in self.pools.drain(..) {
            b = b.pool(p);
        }
        let [leeway, max_age, token_bytes, jwks_bytes, cache, revocations, lifetime, memo, memo_bytes] =
            self.numbers;
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        b = apply(b, leeway, ConfigBuilder::leeway);
        b = apply(b, max_age, ConfigBuilder::max_age);
        b = apply(b, token_bytes.map(size), ConfigBuilder::max_token_bytes);
        b = apply(b, jwks_bytes.map(size), ConfigBuilder::max_jwks_bytes);
        b = apply(b, cache.map(size), ConfigBuilder::signature_cache);
        b = apply(b, revocations.map(size), ConfigBuilder::revocation_capacity);
        b = apply(b, lifetime, ConfigBuilder::max_token_lifetime);
        b = apply(b, memo.map(size), ConfigBuilder::verdict_memo);
        b = apply(b, memo_bytes.map(size), ConfigBuilder::verdict_memo_bytes);
        let [es256, any_exponent, insecure_http] = self.flags;
        b = apply(b, es256, ConfigBuilder::allow_es256);
        b = apply(b, any_exponent, ConfigBuilder::allow_any_rsa_exponent);
        b = apply(b, insecure_http, ConfigBuilder::allow_insecure_http);
        let d = RefreshConfig::DEFAULT;
        let [cooldown, key_age, retry_base, retry_max, fetch, request] = self.refresh;
        b = b.refresh(RefreshConfig {
            unknown_kid_cooldown: cooldown.unwrap_or(d.unknown_kid_cooldown),
            max_key_age: key_age.unwrap_or(d.max_key_age),
            retry_base: retry_base.unwrap_or(d.retry_base),
            retry_max: retry_max.unwrap_or(d.retry_max),
            fetch_timeout: fetch.unwrap_or(d.fetch_timeout),
            request_timeout: request.unwrap_or(d.request_timeout),
        });
        let config = match b.build() {
            Ok(c) => c,
            Err(e) => {
                self.error = e.message();
                return None;
            }
        };
        // The cache is allocated by the core, and an allocation that fails aborts the module:
        // ask first, without aborting.
        if Vec::<CacheSlot>::new()
            .try_reserve_exact(config.signature_cache())
            .is_err()
        {
            self.error = "signatureCache: that many entries (28 bytes each) cannot be allocated";
            return None;
        }
        // So is the memo's table of entries (a lock and a pointer each), and the handles the
        // glue keeps (`memo.rs`) may grow to as many.
        let (memo_entries, _) = config.verdict_memo();
        if Vec::<[usize; 5]>::new()
            .try_reserve_exact(memo_entries)
            .is_err()
        {
            self.error = "verdictMemo: that many entries cannot be allocated";
            return None;
        }
        Some(WasmVerifier::new(VerifierCore::new(config)))
    }

    /// Why the last [`build`](Self::build) failed (empty if it did not).
    #[must_use]
    pub fn error(&self) -> String {
        self.error.to_owned()
    }
}

/// `set(b, value)` when the value was given; the core's default stays otherwise.
fn apply<T>(
    b: ConfigBuilder,
    value: Option<T>,
    set: fn(ConfigBuilder, T) -> ConfigBuilder,
) -> ConfigBuilder {
    match value {
        Some(v) => set(b, v),
        None => b,
    }
}
