//! The fetcher's side of [`WasmVerifier`]: what the core's refresh policy says to do about a
//! pool's keys ([`poll`](WasmVerifier::poll)), the outcome of the fetches JS carries out, keys
//! installed directly, and what the signature engines need to know about a key set.
//!
//! JS does exactly what `poll` says (ARCHITECTURE.md, "Key refresh"); the rules about a fetched
//! document (size, usable keys, never replacing keys that work with none) are the core's.

use cognito_verify::{check_jwks_url, Need};
use wasm_bindgen::prelude::*;

use crate::verifier::action_number;
use crate::{status, to_f64, to_u64, WasmVerifier};

/// A JS pool number as the core's.
fn pool_index(pool: u32) -> usize {
    usize::try_from(pool).unwrap_or(usize::MAX)
}

/// A status as `Result` for `?`-free mapping.
fn status_of(r: Result<(), cognito_verify::Error>) -> u32 {
    r.map_or_else(status, |()| 0)
}

#[wasm_bindgen]
impl WasmVerifier {
    /// Number of pools, each with its own key set (numbered from 0 in the order given).
    #[wasm_bindgen(js_name = poolCount)]
    #[must_use]
    pub fn pool_count(&self) -> usize {
        self.core.pool_count()
    }

    /// Where pool `pool`'s keys are fetched from (the core's: given, or derived).
    #[wasm_bindgen(js_name = jwksUrl)]
    #[must_use]
    pub fn jwks_url(&self, pool: u32) -> Option<String> {
        self.core.jwks_url(pool_index(pool)).map(str::to_owned)
    }

    /// `[max_token_bytes, max_jwks_bytes, request_timeout]`: the limits JS applies before
    /// copying a string into wasm memory or while reading a body, and the seconds a JWKS request
    /// may take (the core's settings, defaults included).
    #[must_use]
    pub fn limits(&self) -> Vec<f64> {
        let c = self.core.config();
        let bytes = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        [
            bytes(c.max_token_bytes()),
            bytes(c.max_jwks_bytes()),
            c.refresh().request_timeout,
        ]
        .map(to_f64)
        .to_vec()
    }

    /// Whether keys may be fetched from `url` under the core's URL rule and this verifier's
    /// `allow_insecure_http`: for the URL a redirect ended at.
    #[wasm_bindgen(js_name = urlAllowed)]
    #[must_use]
    pub fn url_allowed(&self, url: &str) -> bool {
        check_jwks_url(url, self.core.config().allows_insecure_http()).is_ok()
    }

    /// What to do about pool `pool`'s keys at `now` (unix seconds), for a verification
    /// (`unknown_kid` false) or after an unknown `kid`: 1 use the keys held, 2 fetch and wait,
    /// 3 wait for the fetch under way, 4 unavailable until [`retry_at`](Self::retry_at), 5 fetch
    /// and meanwhile use the keys held. After 2 or 5, report the fetch's outcome.
    pub fn poll(&self, pool: u32, now: f64, unknown_kid: bool) -> u32 {
        let need = if unknown_kid {
            Need::UnknownKid
        } else {
            Need::Keys
        };
        action_number(self, self.core.poll(pool_index(pool), to_u64(now), need))
    }

    /// Unix seconds before which no fetch will be tried, as of the last "unavailable" answer.
    #[wasm_bindgen(js_name = retryAt)]
    #[must_use]
    pub fn retry_at(&self) -> f64 {
        to_f64(self.retry_at.get())
    }

    /// The fetch of pool `pool`'s keys returned `jwks`: 0 when its keys replaced the pool's, or
    /// the key-set error status (the fetch then counts as failed and the keys held stay).
    #[wasm_bindgen(js_name = fetchSucceeded)]
    #[must_use]
    pub fn fetch_succeeded(&self, pool: u32, now: f64, jwks: &[u8]) -> u32 {
        status_of(
            self.core
                .fetch_succeeded(pool_index(pool), to_u64(now), jwks),
        )
    }

    /// The fetch of pool `pool`'s keys failed (network, status, size, timeout).
    #[wasm_bindgen(js_name = fetchFailed)]
    pub fn fetch_failed(&self, pool: u32, now: f64) {
        self.core.fetch_failed(pool_index(pool), to_u64(now));
    }

    /// Installs `jwks` in pool `pool` (every pool when below 0) as if just fetched at `now`: 0
    /// or the key-set error status (the keys held stay).
    #[wasm_bindgen(js_name = loadJwks)]
    #[must_use]
    pub fn load_jwks(&self, pool: i32, jwks: &[u8], now: f64) -> u32 {
        let pool = usize::try_from(pool).ok();
        status_of(self.core.load_jwks(pool, jwks, to_u64(now)))
    }

    /// Whether the key set `jwks` would have a usable key under this verifier's rules: how JS
    /// tells which of several JWKs naming one `kid` the core took (the first usable one).
    #[wasm_bindgen(js_name = keyUsable)]
    #[must_use]
    pub fn key_usable(&self, jwks: &[u8]) -> bool {
        self.core.config().load_keys(jwks).is_ok()
    }

    /// `[keys, skipped, generation, fetches, failures]` of pool `pool`: usable keys held, keys of
    /// the last document loaded that were skipped as unusable, replacements of the key set so
    /// far (platform keys imported from an earlier set are stale once it moves), fetches asked
    /// for, and fetches failed.
    #[wasm_bindgen(js_name = keyStats)]
    #[must_use]
    pub fn key_stats(&self, pool: u32) -> Vec<f64> {
        let p = pool_index(pool);
        let s = self.core.pool_stats(p);
        let skipped = self.core.keys(p).map_or(0, |k| k.skipped());
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        [
            count(s.keys),
            count(skipped),
            s.generation,
            s.fetches,
            s.failures,
        ]
        .map(to_f64)
        .to_vec()
    }

    /// Whether pool `pool` ever had keys.
    #[wasm_bindgen(js_name = hasKeys)]
    #[must_use]
    pub fn has_keys(&self, pool: u32) -> bool {
        self.core.has_keys(pool_index(pool))
    }

    /// Replacements of pool `pool`'s key set so far (see [`key_stats`](Self::key_stats)).
    #[must_use]
    pub fn generation(&self, pool: u32) -> f64 {
        to_f64(self.core.pool_stats(pool_index(pool)).generation)
    }

    /// The `kid` of the key at `index` of pool `pool`'s key set (the index `Sink::check` and
    /// `Sink::payload` give).
    #[must_use]
    pub fn kid(&self, pool: u32, index: u32) -> Option<String> {
        let keys = self.core.keys(pool_index(pool))?;
        let (kid, _) = keys.iter().nth(usize::try_from(index).ok()?)?;
        Some(kid.to_owned())
    }
}
