//! [`VerifierCore`]: the one verifier every runtime with a heap drives (feature `alloc`, no IO).
//!
//! It holds the validated [`VerifierConfig`], each pool's current key set and [`JwksRefresh`]
//! state, the verified-signature cache and the revocation list. The Rust
//! [`CognitoJwtVerifier`](crate::CognitoJwtVerifier), the C `cognito_verifier` and the wasm
//! verifier each hold one and only carry out the fetches it asks for
//! (ARCHITECTURE.md, "One verifier").

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::{Mutex, RwLock};

use crate::jwk::{KeySet, HEAP_KEY_CAPACITY};
use crate::memo::{self, Entry, VerdictMemo, VerdictMemoStats};
use crate::refresh::{Action, JwksRefresh, Need};
use crate::revocation::{Revocation, RevocationStats, RevokeError, SignOut};
#[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
use crate::sigcache::{CacheSlot, SignatureCache, SignatureCacheStats};
use crate::verifier::{SignatureCheck, SignedData, Token};
use crate::{Claims, CoreCrypto, Error, VerifierConfig};

mod pending;
pub use pending::PendingToken;

/// A key set as runtimes with a heap hold it: room for [`HEAP_KEY_CAPACITY`] keys.
pub type Keys = KeySet<HEAP_KEY_CAPACITY>;

/// The keys and refresh state of one pool.
struct PoolKeys {
    /// Replaced whole; a reader clones the `Arc` (the lock guards a pointer copy, never work),
    /// and keeps the set it got for its whole verification.
    keys: RwLock<Option<Arc<Keys>>>,
    refresh: Mutex<JwksRefresh>,
    /// `refresh`'s [`JwksRefresh::quiet_until`], stored under its lock after every change:
    /// before it, a token's poll answers "use the keys held" without the lock, which every
    /// verification of every thread would otherwise take.
    quiet_until: AtomicU64,
    /// Bumped by every replacement, so platform crypto that caches imported keys can tell.
    generation: AtomicU64,
    fetches: AtomicU64,
    failures: AtomicU64,
}

impl PoolKeys {
    /// Changes the refresh state under its lock, and publishes until when polls need not take it.
    fn update<T>(&self, f: impl FnOnce(&mut JwksRefresh) -> T) -> T {
        let mut refresh = self.refresh.lock();
        let out = f(&mut refresh);
        self.quiet_until
            .store(refresh.quiet_until(), Ordering::Release);
        out
    }
}

/// Counters of one pool's keys, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Fetches the refresh policy asked for.
    pub fetches: u64,
    /// Fetches reported failed (network, status, size, timeout or an unusable key set).
    pub failures: u64,
    /// Usable keys held now.
    pub keys: usize,
    /// Replacements of the key set so far.
    pub generation: u64,
}

/// The verifier: configuration, each pool's keys and refresh state, the verified-signature
/// cache and the revocation list. `Send + Sync`; every method takes `&self`, so one value
/// serves every thread: it holds each pool's keys and only asks for fetches, which the runtime
/// carries out ([`poll`](Self::poll), [`fetch_succeeded`](Self::fetch_succeeded)).
///
/// ```
/// use cognito_verify::{Action, CoreCrypto, Need, VerifierConfig, VerifierCore};
/// let core = VerifierCore::new(
///     VerifierConfig::builder()
///         .user_pool("us-east-1_Example1")
///         .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
///         .build()
///         .unwrap(),
/// );
/// // No keys yet: the core asks for a fetch of pool 0's JWKS URL, and waits for it.
/// assert_eq!(core.poll(0, 1_700_000_000, Need::Keys), Action::Fetch);
/// assert!(core.jwks_url(0).unwrap().ends_with("/.well-known/jwks.json"));
/// // ... GET it, then: core.fetch_succeeded(0, now, &body) or core.fetch_failed(0, now)
/// # let _ = CoreCrypto;
/// ```
pub struct VerifierCore {
    config: VerifierConfig,
    pools: Box<[PoolKeys]>,
    memo: VerdictMemo,
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    signatures: SignatureCache<Box<[CacheSlot]>>,
}

impl core::fmt::Debug for VerifierCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifierCore")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl VerifierCore {
    /// A verifier of this configuration, with no keys yet: each pool's first
    /// [`poll`](Self::poll) asks for a fetch. Allocates the signature cache and the
    /// per-pool state once.
    #[must_use]
    pub fn new(config: VerifierConfig) -> Self {
        let refresh = config.refresh();
        let pools = (0..config.pool_count())
            .map(|_| PoolKeys {
                keys: RwLock::new(None),
                refresh: Mutex::new(JwksRefresh::new(refresh)),
                quiet_until: AtomicU64::new(0),
                generation: AtomicU64::new(0),
                fetches: AtomicU64::new(0),
                failures: AtomicU64::new(0),
            })
            .collect();
        let (memo_entries, memo_bytes) = config.verdict_memo();
        VerifierCore {
            memo: VerdictMemo::new(memo_entries, memo_bytes),
            #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
            signatures: SignatureCache::with_capacity(config.signature_cache()),
            config,
            pools,
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// Number of pools, each with its own key set.
    #[must_use]
    pub fn pool_count(&self) -> usize {
        self.pools.len()
    }

    /// Where pool `pool`'s keys are fetched from.
    #[must_use]
    pub fn jwks_url(&self, pool: usize) -> Option<&str> {
        self.config.jwks_url(pool)
    }

    // -----------------------------------------------------------------------------------------
    // Keys: the fetcher's side
    // -----------------------------------------------------------------------------------------

    /// The keys pool `pool` holds now (`None` before the first load).
    #[must_use]
    pub fn keys(&self, pool: usize) -> Option<Arc<Keys>> {
        self.pools.get(pool).and_then(|p| p.keys.read().clone())
    }

    /// What to do about pool `pool`'s keys at `now`: [`Action::UseCached`], [`Action::Fetch`]
    /// (fetch and wait), [`Action::Refresh`] (fetch, and verify with the keys held meanwhile),
    /// [`Action::Wait`] or [`Action::Unavailable`]. Every runtime does what it says. After
    /// `Fetch` or `Refresh`, report with [`fetch_succeeded`](Self::fetch_succeeded) or
    /// [`fetch_failed`](Self::fetch_failed). A pool that does not exist is `Unavailable`.
    pub fn poll(&self, pool: usize, now: u64, need: Need) -> Action {
        let Some(p) = self.pools.get(pool) else {
            return Action::Unavailable { retry_at: u64::MAX };
        };
        if need == Need::Keys && now < p.quiet_until.load(Ordering::Acquire) {
            return Action::UseCached;
        }
        let action = p.update(|r| r.poll(now, need));
        if matches!(action, Action::Fetch | Action::Refresh) {
            p.fetches.fetch_add(1, Ordering::Relaxed);
        }
        action
    }

    /// The fetch [`poll`](Self::poll) asked for returned `jwks`: its keys replace the pool's
    /// under the key-set rules (ARCHITECTURE.md, "Key-set rules").
    ///
    /// # Errors
    /// The key-set error when `jwks` is unusable (the fetch then counts as failed and the
    /// previous keys stay); [`Error::InvalidConfiguration`] for a pool that does not exist.
    pub fn fetch_succeeded(&self, pool: usize, now: u64, jwks: &[u8]) -> Result<(), Error> {
        let p = self.pools.get(pool).ok_or(Error::InvalidConfiguration)?;
        match self.config.load_keys(jwks) {
            Ok(keys) => {
                install(p, Arc::from(keys));
                p.update(|r| r.fetched(now, true));
                Ok(())
            }
            Err(e) => {
                self.fetch_failed(pool, now);
                Err(e)
            }
        }
    }

    /// The fetch [`poll`](Self::poll) asked for failed (network, status, size, timeout): the
    /// previous keys stay, and fetching backs off.
    pub fn fetch_failed(&self, pool: usize, now: u64) {
        if let Some(p) = self.pools.get(pool) {
            p.failures.fetch_add(1, Ordering::Relaxed);
            p.update(|r| r.fetched(now, false));
        }
    }

    /// Installs keys obtained by other means (a copy saved on disk, `cacheJwks`, a test) in pool
    /// `pool`, or in every pool for `None`, as if just fetched at `now`.
    ///
    /// # Errors
    /// The key-set error; the keys held are unchanged on error. [`Error::InvalidConfiguration`]
    /// for a pool that does not exist.
    pub fn load_jwks(&self, pool: Option<usize>, jwks: &[u8], now: u64) -> Result<(), Error> {
        if pool.is_some_and(|p| p >= self.pools.len()) {
            return Err(Error::InvalidConfiguration);
        }
        let keys: Arc<Keys> = Arc::from(self.config.load_keys(jwks)?);
        for (_, p) in self
            .pools
            .iter()
            .enumerate()
            .filter(|(i, _)| pool.is_none_or(|p| p == *i))
        {
            install(p, Arc::clone(&keys));
            p.update(|r| r.keys_loaded(now));
        }
        Ok(())
    }

    /// Counters of pool `pool`'s keys.
    #[must_use]
    pub fn pool_stats(&self, pool: usize) -> PoolStats {
        self.pools
            .get(pool)
            .map_or_else(PoolStats::default, |p| PoolStats {
                fetches: p.fetches.load(Ordering::Relaxed),
                failures: p.failures.load(Ordering::Relaxed),
                keys: p.keys.read().as_ref().map_or(0, |k| k.len()),
                generation: p.generation.load(Ordering::Relaxed),
            })
    }

    /// Whether pool `pool` ever had keys: before, a token naming a `kid` the pool lacks is a
    /// server-side problem (`jwks_unavailable`), not the token's.
    #[must_use]
    pub fn has_keys(&self, pool: usize) -> bool {
        self.pools
            .get(pool)
            .is_some_and(|p| p.refresh.lock().has_keys())
    }

    // -----------------------------------------------------------------------------------------
    // Verification
    // -----------------------------------------------------------------------------------------

    /// Reads `token` up to its key, once ([`Verifier::parse`](crate::Verifier::parse)); its
    /// pool is [`pool_of`](Self::pool_of).
    ///
    /// # Errors
    /// Structure, header and payload errors; [`Error::WrongIssuer`].
    pub fn parse<'t, 'b>(&self, token: &'t str, buf: &'b mut [u8]) -> Result<Token<'t, 'b>, Error> {
        self.config.verifier().parse(token, buf)
    }

    /// The pool whose keys must verify `token`.
    #[must_use]
    pub fn pool_of(&self, token: &Token<'_, '_>) -> usize {
        self.config.pool_of_issuer(token.issuer()).unwrap_or(0)
    }

    /// The verdict on a token verified before, from the verdict memo, or `Err(f)` back when
    /// it is not there (then parse and verify it in full, which remembers it). A hit re-checks
    /// every claim at `now` (time, maximum age, revocation, groups, scopes, the custom check)
    /// and gets exactly the code a full verification gives; it is not used once the pool's keys
    /// were replaced. `f` gets the token's pool (poll its refresh policy as on a full
    /// verification), the verdict with the claims over the memo's copy of the payload, and that
    /// copy itself, shared (claims kept beyond `f` take a reference to it instead of a copy:
    /// [`OwnedClaims::from_shared`](crate::OwnedClaims::from_shared)). Allocates nothing.
    ///
    /// # Errors
    /// `f` back on a miss.
    pub fn recall<T, F: FnOnce(usize, Result<&Claims<'_>, Error>, &Arc<str>) -> T>(
        &self,
        token: &str,
        now: u64,
        f: F,
    ) -> Result<T, F> {
        let Some(entry) = self.recall_entry(token) else {
            return Err(f);
        };
        let claims = entry.claims();
        let verdict = self
            .config
            .verifier_for(entry.pool)
            .check_claims(&claims, now)
            .map(|()| &claims);
        Ok(f(entry.pool, verdict, entry.shared_payload()))
    }

    /// The memo's entry of `token`, for a binding that keeps its own index of the tokens it saw
    /// (the JS glue, keyed by the token string, so a repeat token does not cross into wasm as
    /// text): pass it to [`recheck`](Self::recheck) at each use. Counted as a lookup.
    #[must_use]
    pub fn remembered(&self, token: &str) -> Option<Remembered> {
        self.recall_entry(token).map(Remembered)
    }

    /// The verdict at `now` on a token the memo remembered, exactly as [`recall`](Self::recall)
    /// gives it; `None` when its pool's keys were replaced since (verify it in full). Counted as
    /// a hit, or a miss for `None`. Allocates nothing.
    #[must_use]
    pub fn recheck<'r>(
        &self,
        remembered: &'r Remembered,
        now: u64,
    ) -> Option<Result<Claims<'r>, Error>> {
        let entry = &remembered.0;
        let current = self.is_current(entry);
        self.memo.count(entry.hash(), current);
        if !current {
            return None;
        }
        let claims = entry.claims();
        Some(
            self.config
                .verifier_for(entry.pool)
                .check_claims(&claims, now)
                .map(|()| claims),
        )
    }

    /// The memo's entry of `token`, if it is there and its pool's keys are still the ones that
    /// verified it.
    fn recall_entry(&self, token: &str) -> Option<Arc<Entry>> {
        if !self.memo.is_on() {
            return None;
        }
        let h = memo::hash(token.as_bytes());
        let entry = self
            .memo
            .find(token.as_bytes(), h)
            .filter(|e| self.is_current(e));
        self.memo.count(h, entry.is_some());
        entry
    }

    /// Whether a memo entry's pool still holds the key set that verified it.
    fn is_current(&self, entry: &Entry) -> bool {
        self.pools
            .get(entry.pool)
            .is_some_and(|p| p.generation.load(Ordering::Acquire) == entry.generation)
    }

    /// Finishes the verification of a parsed token at `now` with `keys` (the pool's, as
    /// [`keys`](Self::keys) gave them) and `check` for the signature, under its pool's rules,
    /// through the signature cache; a token that passes is remembered in the verdict memo.
    ///
    /// # Errors
    /// Any [`Error`] about tokens; [`Error::JwksUnavailable`] when the token's pool has never
    /// had keys (the same answer in every runtime: not the token's fault).
    pub fn verify_token<'b>(
        &self,
        token: &Token<'_, 'b>,
        keys: Option<&Keys>,
        now: u64,
        check: &mut dyn SignatureCheck,
    ) -> Result<Claims<'b>, Error> {
        let pool = self.pool_of(token);
        if keys.is_none() && !self.has_keys(pool) {
            return Err(Error::JwksUnavailable);
        }
        let verifier = self.config.verifier_for(pool);
        #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
        let claims = if self.config.signature_cache() > 0 {
            verifier.verify_token_cached(token, keys, &self.signatures, now, check)
        } else {
            verifier.verify_token(token, keys, now, check)
        }?;
        #[cfg(not(all(feature = "signature-cache", target_has_atomic = "32")))]
        let claims = verifier.verify_token(token, keys, now, check)?;
        if self.memo.is_on() {
            if let Some(generation) = keys.and_then(|k| self.generation_if_current(pool, k)) {
                let leeway = self.config.leeway();
                let raw = token.as_str().as_bytes();
                self.memo
                    .remember(raw, &claims, pool, generation, leeway, now);
            }
        }
        Ok(claims)
    }

    /// Verifies `token` at `now` with the keys held now and this crate's arithmetic, the
    /// payload decoded into `buf` ([`payload_buffer_len`](crate::payload_buffer_len)), through
    /// the verdict memo. No key is fetched: the caller polls the refresh policy.
    ///
    /// # Errors
    /// Any [`Error`] about tokens.
    pub fn verify<'b>(
        &self,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Claims<'b>, Error> {
        if let Some(entry) = self.recall_entry(token) {
            self.config
                .verifier_for(entry.pool)
                .check_claims(&entry.claims(), now)?;
            // The memo's payload, copied into `buf`, its claims located without reading it.
            let src = entry.payload().as_bytes();
            let dst = buf.get_mut(..src.len()).ok_or(Error::TokenTooLarge)?;
            dst.copy_from_slice(src);
            let payload = core::str::from_utf8(dst).map_err(|_| Error::MalformedToken)?;
            return Ok(entry.claims_over(payload));
        }
        let token = self.parse(token, buf)?;
        let keys = self.keys(self.pool_of(&token));
        self.verify_token(&token, keys.as_deref(), now, &mut CoreCrypto)
    }

    /// The key-set generation of pool `pool` when `keys` are its current keys (they verified a
    /// token that the memo may then remember), read under the same lock as the keys.
    fn generation_if_current(&self, pool: usize, keys: &Keys) -> Option<u64> {
        let p = self.pools.get(pool)?;
        let current = p.keys.read();
        let same = current.as_deref().is_some_and(|c| core::ptr::eq(c, keys));
        same.then(|| p.generation.load(Ordering::Acquire))
    }

    /// Hits and misses of the verdict memo, its capacity and the bytes it holds.
    #[must_use]
    pub fn verdict_memo_stats(&self) -> VerdictMemoStats {
        self.memo.stats()
    }

    /// What platform crypto that answers later (WebCrypto) must check for `token`, or `None`
    /// when the signature cache holds it: see
    /// [`Verifier::signature_needed`](crate::Verifier::signature_needed). Then
    /// [`verify_token`](Self::verify_token) with the answer.
    ///
    /// # Errors
    /// As [`verify_token`](Self::verify_token), for what comes before the signature.
    pub fn signature_needed<'t>(
        &self,
        token: &'t Token<'_, '_>,
        keys: Option<&'t Keys>,
    ) -> Result<Option<SignedData<'t>>, Error> {
        let pool = self.pool_of(token);
        if keys.is_none() && !self.has_keys(pool) {
            return Err(Error::JwksUnavailable);
        }
        let verifier = self.config.verifier_for(pool);
        #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
        return verifier.signature_needed(token, keys, &self.signatures);
        #[cfg(not(all(feature = "signature-cache", target_has_atomic = "32")))]
        verifier.signature_request(token, keys).map(Some)
    }

    /// Hits and misses of the verified-signature cache, and its capacity (0: off).
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    #[must_use]
    pub fn signature_cache_stats(&self) -> SignatureCacheStats {
        self.signatures.stats()
    }

    // -----------------------------------------------------------------------------------------
    // Revocation
    // -----------------------------------------------------------------------------------------

    /// See [`VerifierConfig::revoke`].
    ///
    /// # Errors
    /// As [`VerifierConfig::revoke`].
    pub fn revoke(&self, revocation: Revocation<'_>, now: u64) -> Result<(), RevokeError> {
        self.config.revoke(revocation, now)
    }

    /// See [`VerifierConfig::sign_out`].
    ///
    /// # Errors
    /// As [`VerifierConfig::revoke`].
    pub fn sign_out(&self, sub: &str, origin_jti: &str, now: u64) -> Result<SignOut, RevokeError> {
        self.config.sign_out(sub, origin_jti, now)
    }

    /// Live revocations held at `now`, the capacity, and contended checks.
    #[must_use]
    pub fn revocation_stats(&self, now: u64) -> RevocationStats {
        self.config.revocation_stats(now)
    }
}

/// A token the verdict memo remembered ([`VerifierCore::remembered`]), shared with the memo:
/// what a binding keeps beside its own index of tokens.
#[derive(Clone, Debug)]
pub struct Remembered(Arc<Entry>);

impl Remembered {
    /// The pool that verified it (poll its refresh policy as for a full verification).
    #[must_use]
    pub fn pool(&self) -> usize {
        self.0.pool
    }

    /// The decoded payload, a JSON object.
    #[must_use]
    pub fn payload_json(&self) -> &str {
        self.0.payload()
    }
}

/// Replaces a pool's keys; the old set is dropped outside the lock.
fn install(p: &PoolKeys, keys: Arc<Keys>) {
    let old = p.keys.write().replace(keys);
    p.generation.fetch_add(1, Ordering::Relaxed);
    drop(old);
}

// The one verifier crosses threads in every runtime.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<VerifierCore>();
};
