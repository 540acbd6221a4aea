//! [`CognitoJwtVerifier`]: the core's [`VerifierCore`] with its fetches carried out over
//! reqwest. The pool is the one the token's `iss` names (the core's rule), so a token costs one
//! signature check whatever the number of pools.

use core::cell::RefCell;
use core::time::Duration;
use std::string::String;
use std::sync::Arc;
use std::vec::Vec;

use super::cache::{BuildError, CacheStats, Fetcher, VerifyError, DEFAULT_CONNECT_TIMEOUT};
use crate::{
    payload_buffer_len, AcceptedTokenUse, Action, Claims, ConfigBuilder, CoreCrypto, Error, Keys,
    Need, OwnedClaims, RefreshConfig, Requirements, Revocation, RevocationStats, RevokeError,
    SignOut, SignatureCacheStats, VerdictMemoStats, VerifierConfig, VerifierCore,
};

/// Settings of a [`CognitoJwtVerifier`]: the core's [`ConfigBuilder`] plus how keys are fetched.
#[derive(Clone, Debug)]
pub struct CognitoJwtVerifierBuilder {
    config: ConfigBuilder,
    connect_timeout: Duration,
    clock: fn() -> u64,
    client: Option<reqwest::Client>,
    offline: bool,
}

impl CognitoJwtVerifierBuilder {
    fn map(mut self, f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Self {
        self.config = f(self.config);
        self
    }
    /// Accept tokens of this user pool (both Cognito issuer forms); keys from the pool's JWKS
    /// URL unless [`jwks_url`](Self::jwks_url) follows.
    #[must_use]
    pub fn user_pool(self, pool_id: impl Into<String>) -> Self {
        self.map(|c| c.user_pool(pool_id))
    }
    /// Accept tokens whose `iss` is exactly this URL (emulators, other partitions); keys from
    /// `{issuer}/.well-known/jwks.json` unless [`jwks_url`](Self::jwks_url) follows.
    #[must_use]
    pub fn issuer(self, url: impl Into<String>) -> Self {
        self.map(|c| c.issuer(url))
    }
    /// A pool with settings of its own ([`crate::Pool`]).
    #[must_use]
    pub fn pool(self, pool: crate::Pool) -> Self {
        self.map(|c| c.pool(pool))
    }
    /// The JWKS URL of the pool or issuer added last.
    #[must_use]
    pub fn jwks_url(self, url: impl Into<String>) -> Self {
        self.map(|c| c.jwks_url(url))
    }
    /// Accept this app client (repeatable).
    #[must_use]
    pub fn client_id(self, id: impl Into<String>) -> Self {
        self.map(|c| c.client_id(id))
    }
    /// Accept only this token use (default: any).
    #[must_use]
    pub fn token_use(self, t: AcceptedTokenUse) -> Self {
        self.map(|c| c.token_use(t))
    }
    /// Clock skew tolerated, seconds (default 0).
    #[must_use]
    pub fn leeway(self, seconds: u64) -> Self {
        self.map(|c| c.leeway(seconds))
    }
    /// Reject tokens issued longer ago than this.
    #[must_use]
    pub fn max_age(self, seconds: u64) -> Self {
        self.map(|c| c.max_age(seconds))
    }
    /// Any other setting of the core's configuration (groups, scopes, ES256, limits, the
    /// signature cache, revocation, the refresh policy, a custom check...).
    #[must_use]
    pub fn config(self, f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Self {
        self.map(f)
    }
    /// Entries of the verified-signature cache ([`ConfigBuilder::signature_cache`]).
    #[must_use]
    pub fn signature_cache(self, entries: usize) -> Self {
        self.map(|c| c.signature_cache(entries))
    }
    /// Entries of the verdict memo ([`ConfigBuilder::verdict_memo`]; 0 turns it off).
    #[must_use]
    pub fn verdict_memo(self, entries: usize) -> Self {
        self.map(|c| c.verdict_memo(entries))
    }
    /// Revocations held at most ([`ConfigBuilder::revocation_capacity`]).
    #[must_use]
    pub fn revocation_capacity(self, entries: usize) -> Self {
        self.map(|c| c.revocation_capacity(entries))
    }
    /// The longest validity of the pool's tokens ([`ConfigBuilder::max_token_lifetime`]).
    #[must_use]
    pub fn max_token_lifetime(self, seconds: u64) -> Self {
        self.map(|c| c.max_token_lifetime(seconds))
    }
    /// The key refresh policy's tunables (default [`RefreshConfig::DEFAULT`], the same in
    /// every runtime; `request_timeout` bounds each JWKS request).
    #[must_use]
    pub fn refresh(self, refresh: RefreshConfig) -> Self {
        self.map(|c| c.refresh(refresh))
    }
    /// Time allowed to open a connection to a JWKS endpoint (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]), within the refresh policy's `request_timeout`.
    #[must_use]
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// The clock, unix seconds (default [`crate::now`]): what tokens are checked against and
    /// what the refresh policy counts in. Tests set a fixed one to use fixed test tokens.
    #[must_use]
    pub fn clock(mut self, clock: fn() -> u64) -> Self {
        self.clock = clock;
        self
    }
    /// Fetch with this client instead of building one (its timeouts and redirects apply).
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Never fetch, build no HTTP client: keys only from [`CognitoJwtVerifier::cache_jwks`].
    #[must_use]
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    /// Checks the configuration. Nothing is fetched yet (see [`CognitoJwtVerifier::hydrate`]).
    ///
    /// # Errors
    /// [`BuildError::Config`] with the [`ConfigError`](crate::ConfigError) saying what to fix
    /// (see [`ConfigBuilder::build`]: no pool, no client id, a malformed pool id, an empty
    /// issuer, a JWKS URL that may not be fetched); [`BuildError::Client`] when the HTTP client
    /// cannot be built (no TLS roots).
    pub fn build(self) -> Result<CognitoJwtVerifier, BuildError> {
        let core = VerifierCore::new(self.config.build()?);
        let fetcher = Fetcher::new(&core, self.connect_timeout, self.client, self.offline)?;
        Ok(CognitoJwtVerifier {
            inner: Arc::new(Inner {
                core,
                fetcher,
                clock: self.clock,
            }),
        })
    }
}

/// Verifies Cognito tokens, fetching and caching each pool's JWKS as the core's refresh policy
/// asks. Cheap to clone (`Arc`).
#[derive(Clone, Debug)]
pub struct CognitoJwtVerifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(super) struct Inner {
    pub(super) core: VerifierCore,
    pub(super) fetcher: Fetcher,
    pub(super) clock: fn() -> u64,
}

std::thread_local! {
    /// The payload buffer of this thread's verifications: sized once for the longest token seen,
    /// never zeroed again (the decoder writes before it reads).
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with a payload buffer for `token`: this thread's, or a fresh one when `f` itself
/// verifies (a custom check that verifies another token). Sized for at most `max_token_bytes`:
/// a longer token is refused before the buffer is touched, and must not grow it for good.
fn with_buffer<R>(token: &str, max_token_bytes: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    let needed = payload_buffer_len(token.len().min(max_token_bytes));
    let mut f = Some(f);
    let reused = BUFFER.with(|b| {
        let mut b = b.try_borrow_mut().ok()?;
        if b.len() < needed {
            b.resize(needed, 0);
        }
        let run = f.take()?;
        Some(run(b.get_mut(..needed).unwrap_or(&mut [])))
    });
    match (reused, f) {
        (Some(r), _) => r,
        (None, Some(f)) => f(&mut std::vec![0u8; needed]),
        (None, None) => unreachable!("the closure ran or is still here"),
    }
}

/// What a verification hands back, made from the borrowed claims: a caller's closure over
/// them ([`Lend`]), or [`OwnedClaims`] that share a memo hit's payload ([`Own`]).
trait Keep {
    type Out;
    /// `shared`: the memo's payload the claims were read from, on a hit.
    fn keep(self, claims: &Claims<'_>, shared: Option<&Arc<str>>) -> Self::Out;
}

struct Lend<F>(F);

impl<T, F: FnOnce(&Claims<'_>) -> T> Keep for Lend<F> {
    type Out = T;
    fn keep(self, claims: &Claims<'_>, _: Option<&Arc<str>>) -> T {
        (self.0)(claims)
    }
}

struct Own;

impl Keep for Own {
    type Out = OwnedClaims;
    fn keep(self, claims: &Claims<'_>, shared: Option<&Arc<str>>) -> OwnedClaims {
        match shared {
            // A reference to the memo's payload: a repeat token allocates nothing.
            Some(payload) => OwnedClaims::from_shared(claims, payload),
            None => OwnedClaims::from_claims(claims),
        }
    }
}

enum Attempt<T, F> {
    Done(Result<T, Error>),
    /// Keys are needed first (none yet, or an unknown `kid`): `f` back, and the keys the
    /// attempt had (so that a set replaced meanwhile is told from the same set).
    NeedKeys(Need, F, Option<Arc<Keys>>),
}

impl Inner {
    /// Parses `token` once and, when its pool's keys can be used now, verifies it to the end,
    /// allocating nothing. `after`: the fetch already waited for, if any.
    fn attempt<K: Keep>(
        self: &Arc<Self>,
        token: &str,
        req: &Requirements,
        after: Option<Need>,
        f: K,
    ) -> (usize, Attempt<K::Out, K>) {
        let now = (self.clock)();
        let mut once = Some(f);
        if after.is_none() {
            // A token that fully verified before, under the pool's current keys: the verdict
            // memo checks its claims again, and nothing else (no decoding, no signature).
            let hit = self.core.recall(token, now, |pool, verdict, payload| {
                // Keys are held (the memo answers only under them); old ones are refreshed.
                if matches!(
                    self.core.poll(pool, now, Need::Keys),
                    Action::Fetch | Action::Refresh
                ) {
                    Fetcher::spawn(self, pool);
                }
                let Some(f) = once.take() else {
                    unreachable!("recall calls this once")
                };
                (
                    pool,
                    verdict.and_then(|claims| {
                        req.check(claims).map(|()| f.keep(claims, Some(payload)))
                    }),
                )
            });
            if let Ok((pool, verdict)) = hit {
                return (pool, Attempt::Done(verdict));
            }
        }
        let Some(f) = once else {
            unreachable!("only a memo hit takes it, and that returned")
        };
        let max = self.core.config().max_token_bytes();
        with_buffer(token, max, |buf| {
            let parsed = match self.core.parse(token, buf) {
                Ok(p) => p,
                Err(e) => return (0, Attempt::Done(Err(e))),
            };
            let pool = self.core.pool_of(&parsed);
            if after.is_none() {
                match self.core.poll(pool, now, Need::Keys) {
                    Action::UseCached => {}
                    // Old keys: verify with them while they are fetched again.
                    Action::Refresh => Fetcher::spawn(self, pool),
                    Action::Fetch => {
                        Fetcher::spawn(self, pool);
                        return (pool, Attempt::NeedKeys(Need::Keys, f, None));
                    }
                    Action::Wait | Action::Unavailable { .. } => {
                        return (pool, Attempt::NeedKeys(Need::Keys, f, None))
                    }
                }
            }
            let keys = self.core.keys(pool);
            match self
                .core
                .verify_token(&parsed, keys.as_deref(), now, &mut CoreCrypto)
            {
                Err(Error::UnknownKid) if after != Some(Need::UnknownKid) => {
                    (pool, Attempt::NeedKeys(Need::UnknownKid, f, keys))
                }
                Ok(claims) => (
                    pool,
                    Attempt::Done(req.check(&claims).map(|()| f.keep(&claims, None))),
                ),
                Err(e) => (pool, Attempt::Done(Err(e))),
            }
        })
    }

    /// Keys for a verification now, as the refresh policy says: fetch (and wait) or use what
    /// is held (and refresh in the background).
    async fn keys(self: &Arc<Self>, pool: usize, need: Need) -> Result<Arc<Keys>, VerifyError> {
        let core = &self.core;
        // Each round either returns or waits for a fetch to end; a few rounds always suffice.
        for _ in 0..4 {
            let waiter = self.fetcher.waiter(pool);
            let mut notified = core::pin::pin!(waiter.notified());
            // Registered before polling, so a fetch that ends in between still wakes us.
            notified.as_mut().enable();
            let now = (self.clock)();
            match core.poll(pool, now, need) {
                Action::UseCached => {
                    return core
                        .keys(pool)
                        .ok_or(VerifyError::KeysUnavailable { retry_at: now })
                }
                Action::Unavailable { retry_at } => {
                    return Err(VerifyError::KeysUnavailable { retry_at })
                }
                Action::Refresh => {
                    Fetcher::spawn(self, pool);
                    return core
                        .keys(pool)
                        .ok_or(VerifyError::KeysUnavailable { retry_at: now });
                }
                Action::Fetch => Fetcher::spawn(self, pool),
                Action::Wait => {}
            }
            if tokio::time::timeout(self.fetcher.wait_limit(), notified)
                .await
                .is_err()
            {
                break;
            }
        }
        let now = (self.clock)();
        core.keys(pool)
            .ok_or(VerifyError::KeysUnavailable { retry_at: now })
    }
}

impl CognitoJwtVerifier {
    /// Settings: add at least one pool (or issuer) and one client id.
    #[must_use]
    pub fn builder() -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder {
            config: VerifierConfig::builder(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            clock: crate::now,
            client: None,
            offline: false,
        }
    }

    /// The configuration every token is checked against.
    #[must_use]
    pub fn config(&self) -> &VerifierConfig {
        self.inner.core.config()
    }

    /// The core verifier this one drives.
    #[must_use]
    pub fn core(&self) -> &VerifierCore {
        &self.inner.core
    }

    /// Hits and misses of the verified-signature cache, and its capacity (0: off).
    #[must_use]
    pub fn signature_cache_stats(&self) -> SignatureCacheStats {
        self.inner.core.signature_cache_stats()
    }

    /// Hits and misses of the verdict memo (tokens answered again without their signature),
    /// its capacity (0: off) and the bytes it holds.
    #[must_use]
    pub fn verdict_memo_stats(&self) -> VerdictMemoStats {
        self.inner.core.verdict_memo_stats()
    }

    /// Fetches and failures of pool `pool`'s keys, why the last failure failed, and the keys
    /// held now.
    #[must_use]
    pub fn jwks_stats(&self, pool: usize) -> CacheStats {
        // Under the lock outcomes are reported with: counters and message of the same fetch.
        let why = self.inner.fetcher.last_error(pool);
        let s = self.inner.core.pool_stats(pool);
        CacheStats {
            fetches: s.fetches,
            failures: s.failures,
            last_error: why.and_then(|w| w.clone()),
            keys: s.keys,
        }
    }

    /// Installs a JWKS document obtained by other means (a copy saved on disk, a test) as pool
    /// `pool`'s keys, or every pool's for `None`, as if just fetched.
    ///
    /// # Errors
    /// The key-set error ([`VerifierConfig::load_keys`]); the keys held are unchanged on error.
    pub fn cache_jwks(&self, pool: Option<usize>, jwks: &[u8]) -> Result<(), Error> {
        self.inner.core.load_jwks(pool, jwks, (self.inner.clock)())
    }

    /// Denies, from the next verification on, the tokens this revocation covers (code
    /// `revoked`): after Cognito's `RevokeToken`, [`Revocation::OriginJti`] with the revoked
    /// session's `origin_jti`; after `GlobalSignOut`, [`Revocation::Subject`] with the user's
    /// `sub` and the time of the sign-out. Callable from any thread or task while others verify;
    /// clones of this verifier share the list. Verified signatures stay cached: a hit runs the
    /// revocation check like a miss.
    ///
    /// ```
    /// use cognito_verify::{CognitoJwtVerifier, Revocation};
    /// let verifier = CognitoJwtVerifier::builder()
    ///     .user_pool("us-east-1_Example1")
    ///     .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
    ///     .build()
    ///     .unwrap();
    /// verifier.revoke(Revocation::OriginJti("3b7e2f0c-5c1d-4d8e-9f6a-1b2c3d4e5f60")).unwrap();
    /// assert_eq!(verifier.revocation_stats().held, 1);
    /// ```
    ///
    /// # Errors
    /// [`RevokeError::Full`] when the list is full of live entries (nothing is dropped to make
    /// room: size it with [`revocation_capacity`](CognitoJwtVerifierBuilder::revocation_capacity));
    /// [`RevokeError::Disabled`] when its capacity is 0; [`RevokeError::EmptyValue`].
    pub fn revoke(&self, revocation: Revocation<'_>) -> Result<(), RevokeError> {
        self.inner.core.revoke(revocation, (self.inner.clock)())
    }

    /// Records a user's sign-out from one session (after Cognito's `RevokeToken`), bounded per
    /// user: the session ([`Revocation::Session`]), or, once the user holds
    /// [`MAX_SESSIONS_PER_SUBJECT`](crate::MAX_SESSIONS_PER_SUBJECT) sessions or the list is
    /// 7/8 full, the user for every token issued until now ([`SignOut::Subject`]). So one user
    /// signing in and out all day cannot fill the list for everyone else.
    ///
    /// ```
    /// use cognito_verify::{CognitoJwtVerifier, SignOut};
    /// let verifier = CognitoJwtVerifier::builder()
    ///     .user_pool("us-east-1_Example1")
    ///     .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
    ///     .build()
    ///     .unwrap();
    /// let sub = "0c5d3f4e-1a2b-4c3d-8e9f-a0b1c2d3e4f5";
    /// for i in 0..10_000 {
    ///     let recorded = verifier.sign_out(sub, &format!("session-{i}")).unwrap();
    ///     assert_eq!(matches!(recorded, SignOut::Session), i < 4);
    /// }
    /// assert_eq!(verifier.revocation_stats().held, 5);
    /// ```
    ///
    /// # Errors
    /// As [`CognitoJwtVerifier::revoke`].
    pub fn sign_out(&self, sub: &str, origin_jti: &str) -> Result<SignOut, RevokeError> {
        self.inner
            .core
            .sign_out(sub, origin_jti, (self.inner.clock)())
    }

    /// Live revocations held now, and the capacity.
    #[must_use]
    pub fn revocation_stats(&self) -> RevocationStats {
        self.inner.core.revocation_stats((self.inner.clock)())
    }

    /// Fetches every pool's keys now (at start-up), so the first request does not wait.
    ///
    /// # Errors
    /// The first pool whose keys cannot be obtained.
    pub async fn hydrate(&self) -> Result<(), VerifyError> {
        for pool in 0..self.inner.core.pool_count() {
            self.inner.keys(pool, Need::Keys).await?;
        }
        Ok(())
    }

    /// Verifies `token` and keeps its claims (one copy of the payload; a token answered by the
    /// verdict memo shares the memo's copy, so a repeat token allocates nothing).
    ///
    /// # Errors
    /// [`VerifyError::Token`] with the reason the token is invalid, or
    /// [`VerifyError::KeysUnavailable`].
    pub async fn verify(&self, token: &str) -> Result<OwnedClaims, VerifyError> {
        self.verify_for(token, &Requirements::NONE).await
    }

    /// [`verify`](Self::verify) under a route's extra requirements.
    ///
    /// # Errors
    /// As [`verify`](Self::verify); [`Error::WrongTokenUse`], [`Error::GroupNotAllowed`] or
    /// [`Error::ScopeNotAllowed`] for a valid token that misses a requirement.
    pub async fn verify_for(
        &self,
        token: &str,
        req: &Requirements,
    ) -> Result<OwnedClaims, VerifyError> {
        self.verify_kept(token, req, Own).await
    }

    /// Verifies `token` under extra requirements and hands the borrowed claims to `f`; the
    /// claims are never copied unless `f` copies them. A token whose pool's keys are held is
    /// parsed once and verified without waiting; one that needs a fetch first (no keys yet, an
    /// unknown `kid`) is read again after it.
    ///
    /// # Errors
    /// As [`verify_for`](Self::verify_for).
    pub async fn verify_with<T, F: FnOnce(&Claims<'_>) -> T>(
        &self,
        token: &str,
        req: &Requirements,
        f: F,
    ) -> Result<T, VerifyError> {
        self.verify_kept(token, req, Lend(f)).await
    }

    async fn verify_kept<K: Keep>(
        &self,
        token: &str,
        req: &Requirements,
        f: K,
    ) -> Result<K::Out, VerifyError> {
        let inner = &self.inner;
        let mut after = None;
        let mut f = f;
        // At most: keys for a first load, then an unknown kid's fetch; the common case (keys
        // held) returns from the first attempt, with no await.
        loop {
            let (pool, need, g, held) = match inner.attempt(token, req, after, f) {
                (_, Attempt::Done(r)) => return r.map_err(VerifyError::from),
                (pool, Attempt::NeedKeys(need, g, held)) => (pool, need, g, held),
            };
            if after == Some(need) || after == Some(Need::UnknownKid) {
                return Err(VerifyError::Token(Error::UnknownKid));
            }
            let fresh = inner.keys(pool, need).await?;
            if need == Need::UnknownKid && held.is_some_and(|h| Arc::ptr_eq(&h, &fresh)) {
                // The set the kid was missing from is still the one held (cooldown): it stays
                // unknown. A set replaced since (by any fetch) is tried.
                return Err(VerifyError::Token(Error::UnknownKid));
            }
            after = Some(need);
            f = g;
        }
    }

    /// [`verify_for`](Self::verify_for) without waiting: `Some` with the outcome when it is
    /// known now (the token's pool holds keys, or the token is refused before any key is
    /// needed), `None` when keys must be fetched first (no keys yet, a fetch under way, a `kid`
    /// the keys lack): then call `verify_for`, which waits for them. A refresh the policy asks
    /// for runs in the background. Allocates nothing for a token the verdict memo answers.
    ///
    /// For callers that should not box a future per request when nothing needs awaiting (a
    /// tower layer).
    pub fn try_verify_for(
        &self,
        token: &str,
        req: &Requirements,
    ) -> Option<Result<OwnedClaims, VerifyError>> {
        self.try_verify_kept(token, req, Own)
    }

    /// [`verify_with`](Self::verify_with) without waiting, as [`try_verify_for`](Self::try_verify_for);
    /// allocates nothing beyond what `f` does.
    pub fn try_verify_with<T, F: FnOnce(&Claims<'_>) -> T>(
        &self,
        token: &str,
        req: &Requirements,
        f: F,
    ) -> Option<Result<T, VerifyError>> {
        self.try_verify_kept(token, req, Lend(f))
    }

    fn try_verify_kept<K: Keep>(
        &self,
        token: &str,
        req: &Requirements,
        f: K,
    ) -> Option<Result<K::Out, VerifyError>> {
        match self.inner.attempt(token, req, None, f) {
            (_, Attempt::Done(r)) => Some(r.map_err(VerifyError::from)),
            (_, Attempt::NeedKeys(..)) => None,
        }
    }
}

// Compile-time check that the shared types can cross tasks.
const _: fn() = || {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<CognitoJwtVerifier>();
};
