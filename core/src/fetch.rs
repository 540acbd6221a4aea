//! A JWKS cache over reqwest that carries out the refresh policy of [`JwksRefresh`], and an
//! async verifier on top of it (feature `fetch`).
//!
//! The cache only does what the policy asks: fetch at start, when the keys pass their maximum
//! age, on an unknown `kid` at most once per cooldown window, and with back-off after failures.
//! One fetch is in flight at a time; other callers wait for it. A failed, slow, oversized or
//! garbage answer never replaces the last good keys. Verification itself is the heap-free
//! [`Verifier::verify`] of the core, run against an `Arc<KeySet>` swapped atomically.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cognito_verify::VerifyError> {
//! use cognito_verify::{AcceptedTokenUse, CognitoJwtVerifier};
//! let verifier = CognitoJwtVerifier::builder()
//!     .user_pool("us-east-1_Example1")
//!     .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
//!     .token_use(AcceptedTokenUse::Id)
//!     .build()?;
//! let claims = verifier.verify("eyJ...").await?;
//! println!("{} {:?}", claims.sub, claims.username);
//! # Ok(()) }
//! ```

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use std::format;
use std::string::{String, ToString};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::vec::Vec;

use tokio::sync::Notify;

use crate::{
    payload_buffer_len, pool_region, AcceptedTokenUse, Action, Claims, Config, Error, Issuer,
    JwksOptions, JwksRefresh, KeySet, Need, RefreshConfig, Requirement, TokenUse, Verifier,
    DEFAULT_MAX_JWKS_BYTES, DEFAULT_MAX_TOKEN_LEN,
};

/// Default time allowed to open a connection to the JWKS endpoint.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default time allowed for a whole JWKS request, body included.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Most client ids one [`CognitoJwtVerifier`] accepts (they are lent to the core on the stack).
pub const MAX_CLIENT_IDS: usize = 16;

/// The JWKS URL of a Cognito user pool:
/// `https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json`.
///
/// # Errors
/// [`Error::InvalidConfiguration`] when `pool_id` is not of the form `region_id`.
pub fn user_pool_jwks_url(pool_id: &str) -> Result<String, Error> {
    let region = pool_region(pool_id).ok_or(Error::InvalidConfiguration)?;
    Ok(format!(
        "https://cognito-idp.{region}.amazonaws.com/{pool_id}/.well-known/jwks.json"
    ))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values stay consistent whatever panicked while holding them.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why [`CognitoJwtVerifier::verify`] refused a token.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerifyError {
    /// The token is invalid; see [`Error`].
    Token(Error),
    /// No keys were ever fetched for the pool and fetching is failing: a server-side problem,
    /// not the caller's (HTTP 503 rather than 401).
    KeysUnavailable {
        /// Unix seconds when a fetch will be tried again.
        retry_at: u64,
    },
}

impl VerifyError {
    /// The stable code: [`Error::code`], or `jwks_unavailable`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            VerifyError::Token(e) => e.code(),
            VerifyError::KeysUnavailable { .. } => "jwks_unavailable",
        }
    }

    /// The token error, if this is one.
    #[must_use]
    pub const fn token_error(&self) -> Option<Error> {
        match self {
            VerifyError::Token(e) => Some(*e),
            VerifyError::KeysUnavailable { .. } => None,
        }
    }
}

impl From<Error> for VerifyError {
    fn from(e: Error) -> Self {
        VerifyError::Token(e)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Token(e) => fmt::Display::fmt(e, f),
            VerifyError::KeysUnavailable { .. } => f.write_str("the key set cannot be fetched"),
        }
    }
}

impl core::error::Error for VerifyError {}

// ---------------------------------------------------------------------------------------------
// JwksCache
// ---------------------------------------------------------------------------------------------

/// Counters of a [`JwksCache`], for logs and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Fetches started.
    pub fetches: u64,
    /// Fetches that failed (network, status, size, timeout or an unusable key set).
    pub failures: u64,
    /// Why the last failed fetch failed.
    pub last_error: Option<String>,
    /// Usable keys now cached.
    pub keys: usize,
}

/// The keys of one JWKS URL, fetched and refreshed as [`JwksRefresh`] decides. Cheap to clone:
/// clones share one cache.
#[derive(Clone)]
pub struct JwksCache {
    shared: Arc<Shared>,
}

struct Shared {
    url: String,
    client: reqwest::Client,
    options: JwksOptions,
    max_bytes: usize,
    wait_limit: Duration,
    clock: fn() -> u64,
    policy: Mutex<JwksRefresh>,
    keys: RwLock<Option<Arc<KeySet>>>,
    done: Notify,
    fetches: AtomicU64,
    failures: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("url", &self.shared.url)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Settings of a [`JwksCache`].
#[derive(Clone, Debug)]
pub struct JwksCacheBuilder {
    url: String,
    refresh: RefreshConfig,
    connect_timeout: Duration,
    timeout: Duration,
    max_bytes: usize,
    allow_any_rsa_exponent: bool,
    clock: fn() -> u64,
    client: Option<reqwest::Client>,
}

impl JwksCacheBuilder {
    /// The refresh policy's tunables (default [`RefreshConfig::DEFAULT`]).
    #[must_use]
    pub fn refresh(mut self, config: RefreshConfig) -> Self {
        self.refresh = config;
        self
    }
    /// Time allowed to connect (default [`DEFAULT_CONNECT_TIMEOUT`]).
    #[must_use]
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Time allowed for the whole request, body included (default [`DEFAULT_FETCH_TIMEOUT`]).
    #[must_use]
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    /// Largest JWKS document read; the body is streamed and dropped past it
    /// (default [`DEFAULT_MAX_JWKS_BYTES`]).
    #[must_use]
    pub fn max_bytes(mut self, n: usize) -> Self {
        self.max_bytes = n;
        self
    }
    /// Accept RSA exponents other than 65537 (see [`JwksOptions::allow_any_rsa_exponent`]).
    #[must_use]
    pub fn allow_any_rsa_exponent(mut self, yes: bool) -> Self {
        self.allow_any_rsa_exponent = yes;
        self
    }
    /// The clock, unix seconds (default [`crate::now`]); tests set their own.
    #[must_use]
    pub fn clock(mut self, clock: fn() -> u64) -> Self {
        self.clock = clock;
        self
    }
    /// Use this client instead of building one; its own timeouts then apply.
    #[must_use]
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Builds the cache. Nothing is fetched until keys are first needed (or [`JwksCache::hydrate`]).
    ///
    /// # Errors
    /// [`Error::InvalidConfiguration`] when the URL is not http(s) or the HTTP client cannot be
    /// built (no TLS roots).
    pub fn build(self) -> Result<JwksCache, Error> {
        if !(self.url.starts_with("https://") || self.url.starts_with("http://")) {
            return Err(Error::InvalidConfiguration);
        }
        let client = match self.client {
            Some(c) => c,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .redirect(reqwest::redirect::Policy::limited(3))
                .user_agent(concat!("cognito-verify/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|_| Error::InvalidConfiguration)?,
        };
        // Waiters give up a little after the fetch itself must have ended.
        let wait_limit = self
            .timeout
            .saturating_add(self.connect_timeout)
            .saturating_add(Duration::from_secs(1));
        Ok(JwksCache {
            shared: Arc::new(Shared {
                url: self.url,
                client,
                options: JwksOptions::new()
                    .max_bytes(self.max_bytes)
                    .allow_any_rsa_exponent(self.allow_any_rsa_exponent),
                max_bytes: self.max_bytes,
                wait_limit,
                clock: self.clock,
                policy: Mutex::new(JwksRefresh::new(self.refresh)),
                keys: RwLock::new(None),
                done: Notify::new(),
                fetches: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                last_error: Mutex::new(None),
            }),
        })
    }
}

impl JwksCache {
    /// Settings for a cache of the key set at `url`.
    #[must_use]
    pub fn builder(url: impl Into<String>) -> JwksCacheBuilder {
        JwksCacheBuilder {
            url: url.into(),
            refresh: RefreshConfig::DEFAULT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_FETCH_TIMEOUT,
            max_bytes: DEFAULT_MAX_JWKS_BYTES,
            allow_any_rsa_exponent: false,
            clock: crate::now,
            client: None,
        }
    }

    /// A cache of the key set at `url`, default settings.
    ///
    /// # Errors
    /// As [`JwksCacheBuilder::build`].
    pub fn new(url: impl Into<String>) -> Result<Self, Error> {
        Self::builder(url).build()
    }

    /// A cache of a Cognito user pool's key set ([`user_pool_jwks_url`]), default settings.
    ///
    /// # Errors
    /// [`Error::InvalidConfiguration`] for a malformed pool id.
    pub fn for_user_pool(pool_id: &str) -> Result<Self, Error> {
        Self::new(user_pool_jwks_url(pool_id)?)
    }

    /// The JWKS URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// Counters and the current key count.
    #[must_use]
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            fetches: self.shared.fetches.load(Ordering::Relaxed),
            failures: self.shared.failures.load(Ordering::Relaxed),
            last_error: lock(&self.shared.last_error).clone(),
            keys: self.current().map_or(0, |k| k.len()),
        }
    }

    /// The keys cached now, without fetching.
    #[must_use]
    pub fn current(&self) -> Option<Arc<KeySet>> {
        self.shared.current()
    }

    /// Installs keys obtained by other means (a copy saved on disk, a test), as if just fetched.
    ///
    /// # Errors
    /// As [`KeySet::from_jwks`]; a set with no usable key is [`Error::MalformedJwks`] (unless
    /// the document names a more precise reason). The cached keys are unchanged on error.
    pub fn hydrate(&self, jwks: &[u8]) -> Result<(), Error> {
        let set = self.shared.parse(jwks)?;
        *self
            .shared
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(set));
        lock(&self.shared.policy).keys_loaded((self.shared.clock)());
        Ok(())
    }

    /// Usable keys for verifying a token now, fetching first when the policy asks for it.
    ///
    /// # Errors
    /// [`VerifyError::KeysUnavailable`] when no keys were ever obtained and fetching fails.
    pub async fn keys(&self) -> Result<Arc<KeySet>, VerifyError> {
        self.keys_for(Need::Keys).await
    }

    /// Keys after a token named a `kid` the cached keys lack: refetches when the cooldown
    /// allows (and waits for that fetch), else returns the cached keys unchanged.
    ///
    /// # Errors
    /// As [`keys`](Self::keys).
    pub async fn keys_after_unknown_kid(&self) -> Result<Arc<KeySet>, VerifyError> {
        self.keys_for(Need::UnknownKid).await
    }

    async fn keys_for(&self, need: Need) -> Result<Arc<KeySet>, VerifyError> {
        let s = &self.shared;
        // Each round either returns or waits for a fetch to end; a few rounds always suffice.
        for _ in 0..4 {
            let mut notified = core::pin::pin!(s.done.notified());
            // Registered before polling, so a fetch that ends in between still wakes us.
            notified.as_mut().enable();
            let now = (s.clock)();
            let action = lock(&s.policy).poll(now, need);
            let current = s.current();
            match action {
                Action::UseCached => {
                    return current.ok_or(VerifyError::KeysUnavailable { retry_at: now })
                }
                Action::Unavailable { retry_at } => {
                    return Err(VerifyError::KeysUnavailable { retry_at })
                }
                Action::Fetch => {
                    // A detached task: the fetch completes and is reported even if this
                    // caller goes away (a dropped request must not wedge the cache).
                    tokio::spawn(Arc::clone(s).fetch());
                }
                Action::Wait => {}
            }
            // Stale keys stay usable while they are refreshed; only a first load or an
            // unknown kid waits for the fetch.
            if need == Need::Keys {
                if let Some(keys) = current.clone() {
                    return Ok(keys);
                }
            }
            if tokio::time::timeout(s.wait_limit, notified).await.is_err() {
                return current.ok_or(VerifyError::KeysUnavailable { retry_at: now });
            }
        }
        let now = (s.clock)();
        s.current()
            .ok_or(VerifyError::KeysUnavailable { retry_at: now })
    }
}

impl Shared {
    fn current(&self) -> Option<Arc<KeySet>> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn parse(&self, body: &[u8]) -> Result<KeySet, Error> {
        let set = KeySet::from_jwks_with(body, &self.options)?;
        if set.is_empty() {
            return Err(set.first_skip_reason().unwrap_or(Error::MalformedJwks));
        }
        Ok(set)
    }

    async fn fetch(self: Arc<Self>) {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = self.download().await.and_then(|body| {
            self.parse(&body)
                .map_err(|e| format!("unusable key set: {}", e.code()))
        });
        let now = (self.clock)();
        match result {
            Ok(set) => {
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(set));
                *lock(&self.last_error) = None;
                lock(&self.policy).fetched(now, true);
            }
            Err(why) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                *lock(&self.last_error) = Some(why);
                lock(&self.policy).fetched(now, false);
            }
        }
        self.done.notify_waiters();
    }

    /// GETs the JWKS, reading at most `max_bytes` of body.
    async fn download(&self) -> Result<Vec<u8>, String> {
        let describe = |e: reqwest::Error| {
            let kind = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "cannot connect"
            } else {
                "request failed"
            };
            format!("{kind}: {}", e.without_url())
        };
        let mut resp = self
            .client
            .get(&self.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(describe)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        let too_large = || format!("key set larger than {} bytes", self.max_bytes);
        let declared = resp.content_length().unwrap_or(0);
        if usize::try_from(declared).map_or(true, |n| n > self.max_bytes) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        while let Some(chunk) = resp.chunk().await.map_err(describe)? {
            if body.len().saturating_add(chunk.len()) > self.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

// ---------------------------------------------------------------------------------------------
// CognitoJwtVerifier
// ---------------------------------------------------------------------------------------------

/// The claims of a verified token, copied out of the verification buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OwnedClaims {
    /// `token_use`.
    pub token_use: TokenUse,
    /// `sub` (empty when absent).
    pub sub: String,
    /// `username` (access tokens) or `cognito:username` (ID tokens).
    pub username: Option<String>,
    /// `aud` of an ID token, `client_id` of an access token.
    pub client_id: String,
    /// `iss`.
    pub issuer: String,
    /// `exp`.
    pub exp: i64,
    /// `iat`.
    pub iat: Option<i64>,
    /// `email`.
    pub email: Option<String>,
    /// `scope`, space separated.
    pub scope: Option<String>,
    /// `cognito:groups`.
    pub groups: Vec<String>,
    /// The whole payload, as JSON text.
    pub payload_json: String,
}

impl OwnedClaims {
    /// Copies the claims.
    #[must_use]
    pub fn from_claims(c: &Claims<'_>) -> Self {
        let s = |v: Option<crate::JsonStr<'_>>| v.map(|v| v.to_string());
        OwnedClaims {
            token_use: c.token_use(),
            sub: s(c.sub()).unwrap_or_default(),
            username: s(c.username()),
            client_id: c.client_id().to_string(),
            issuer: c.issuer().to_string(),
            exp: c.exp(),
            iat: c.iat(),
            email: s(c.email()),
            scope: s(c.scope()),
            groups: c.groups().map(|g| g.to_string()).collect(),
            payload_json: c.payload_json().to_string(),
        }
    }
}

/// Group and scope requirements for one call of [`CognitoJwtVerifier::verify_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requirements<'a> {
    groups: Option<Requirement<'a>>,
    scopes: Option<Requirement<'a>>,
}

impl<'a> Requirements<'a> {
    /// Nothing beyond the verifier's configuration.
    pub const NONE: Requirements<'static> = Requirements {
        groups: None,
        scopes: None,
    };
    /// Require `cognito:groups` to satisfy this ([`Error::GroupNotAllowed`] otherwise).
    #[must_use]
    pub const fn groups(mut self, r: Requirement<'a>) -> Self {
        self.groups = Some(r);
        self
    }
    /// Require `scope` to satisfy this ([`Error::ScopeNotAllowed`] otherwise).
    #[must_use]
    pub const fn scopes(mut self, r: Requirement<'a>) -> Self {
        self.scopes = Some(r);
        self
    }
}

#[derive(Clone, Debug)]
enum PoolIssuer {
    UserPool(String),
    Url(String),
}

impl PoolIssuer {
    fn as_issuer(&self) -> Issuer<'_> {
        match self {
            PoolIssuer::UserPool(id) => Issuer::UserPool(id),
            PoolIssuer::Url(u) => Issuer::Url(u),
        }
    }
}

#[derive(Clone, Debug)]
struct PoolSpec {
    issuer: PoolIssuer,
    jwks_url: Option<String>,
}

#[derive(Debug)]
struct Pool {
    issuer: PoolIssuer,
    cache: JwksCache,
}

/// Settings of a [`CognitoJwtVerifier`].
#[derive(Clone, Debug)]
pub struct CognitoJwtVerifierBuilder {
    pools: Vec<PoolSpec>,
    client_ids: Vec<String>,
    token_use: AcceptedTokenUse,
    leeway: u64,
    max_age: Option<u64>,
    cache: JwksCacheBuilder,
}

impl CognitoJwtVerifierBuilder {
    /// Accept tokens of this user pool (both Cognito issuer forms), keys from
    /// [`user_pool_jwks_url`] unless [`jwks_url`](Self::jwks_url) follows.
    #[must_use]
    pub fn user_pool(mut self, pool_id: impl Into<String>) -> Self {
        self.pools.push(PoolSpec {
            issuer: PoolIssuer::UserPool(pool_id.into()),
            jwks_url: None,
        });
        self
    }
    /// Accept tokens whose `iss` is exactly this URL (emulators, other partitions), keys from
    /// `{issuer}/.well-known/jwks.json` unless [`jwks_url`](Self::jwks_url) follows.
    #[must_use]
    pub fn issuer(mut self, url: impl Into<String>) -> Self {
        self.pools.push(PoolSpec {
            issuer: PoolIssuer::Url(url.into()),
            jwks_url: None,
        });
        self
    }
    /// The JWKS URL of the pool or issuer added last.
    #[must_use]
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        if let Some(p) = self.pools.last_mut() {
            p.jwks_url = Some(url.into());
        }
        self
    }
    /// Accept this app client (repeatable).
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_ids.push(id.into());
        self
    }
    /// Accept only this token use (default: any).
    #[must_use]
    pub fn token_use(mut self, t: AcceptedTokenUse) -> Self {
        self.token_use = t;
        self
    }
    /// Clock skew tolerated, seconds (default 0).
    #[must_use]
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }
    /// Reject tokens issued longer ago than this.
    #[must_use]
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }
    /// Settings of each pool's [`JwksCache`] (the URL given here is ignored).
    #[must_use]
    pub fn cache(mut self, f: impl FnOnce(JwksCacheBuilder) -> JwksCacheBuilder) -> Self {
        self.cache = f(self.cache);
        self
    }

    /// Checks the configuration and creates one cache per pool. Nothing is fetched yet.
    ///
    /// # Errors
    /// [`Error::InvalidConfiguration`]: no pool, no client id, more than [`MAX_CLIENT_IDS`],
    /// a malformed pool id, an empty issuer, a JWKS URL that is not http(s).
    pub fn build(self) -> Result<CognitoJwtVerifier, Error> {
        if self.client_ids.len() > MAX_CLIENT_IDS || self.pools.is_empty() {
            return Err(Error::InvalidConfiguration);
        }
        let mut pools = Vec::with_capacity(self.pools.len());
        for spec in self.pools {
            let url = match (&spec.jwks_url, &spec.issuer) {
                (Some(u), _) => u.clone(),
                (None, PoolIssuer::UserPool(id)) => user_pool_jwks_url(id)?,
                (None, PoolIssuer::Url(u)) => {
                    format!("{}/.well-known/jwks.json", u.trim_end_matches('/'))
                }
            };
            let mut b = self.cache.clone();
            b.url = url;
            pools.push(Pool {
                issuer: spec.issuer,
                cache: b.build()?,
            });
        }
        let v = CognitoJwtVerifier {
            inner: Arc::new(Inner {
                pools,
                client_ids: self.client_ids,
                token_use: self.token_use,
                leeway: self.leeway,
                max_age: self.max_age,
                clock: self.cache.clock,
            }),
        };
        // Let the core judge the configuration, once per pool.
        for pool in &v.inner.pools {
            v.inner.with_verifier(pool, Requirements::NONE, |_| ())?;
        }
        Ok(v)
    }
}

/// Verifies Cognito tokens, fetching and caching each pool's JWKS. Cheap to clone (`Arc`).
#[derive(Clone, Debug)]
pub struct CognitoJwtVerifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pools: Vec<Pool>,
    client_ids: Vec<String>,
    token_use: AcceptedTokenUse,
    leeway: u64,
    max_age: Option<u64>,
    clock: fn() -> u64,
}

/// Whether an error from one pool's keys may be answered by another pool: the token was not
/// signed by this pool's key or is not this pool's. Anything else is definitive.
fn try_next_pool(e: Error) -> bool {
    matches!(
        e,
        Error::UnknownKid
            | Error::InvalidSignature
            | Error::WrongIssuer
            | Error::UnsupportedAlgorithm
    )
}

/// Among errors of different pools, the one that says most.
fn rank(e: Error) -> u8 {
    match e {
        Error::UnknownKid => 0,
        Error::WrongIssuer => 1,
        Error::UnsupportedAlgorithm => 2,
        _ => 3,
    }
}

impl Inner {
    /// Lends the core a [`Verifier`] for one pool, built from the owned configuration on the
    /// stack (no allocation).
    fn with_verifier<R>(
        &self,
        pool: &Pool,
        req: Requirements<'_>,
        f: impl FnOnce(&Verifier<'_>) -> R,
    ) -> Result<R, Error> {
        let issuers = [pool.issuer.as_issuer()];
        let mut ids = [""; MAX_CLIENT_IDS];
        for (slot, id) in ids.iter_mut().zip(&self.client_ids) {
            *slot = id;
        }
        let ids = ids
            .get(..self.client_ids.len())
            .ok_or(Error::InvalidConfiguration)?;
        let mut config = Config::new(&issuers, ids)
            .token_use(self.token_use)
            .leeway(self.leeway);
        if let Some(m) = self.max_age {
            config = config.max_age(m);
        }
        if let Some(g) = req.groups {
            config = config.groups(g);
        }
        if let Some(s) = req.scopes {
            config = config.scopes(s);
        }
        Ok(f(&Verifier::new(config)?))
    }

    /// One pool, one key set: the core's verification. Gives `f` back when it was not called.
    fn verify_one<T, F: FnOnce(&Claims<'_>) -> T>(
        &self,
        pool: &Pool,
        keys: &KeySet,
        token: &str,
        now: u64,
        req: Requirements<'_>,
        f: F,
    ) -> Result<T, (Error, F)> {
        let mut buf = [0u8; payload_buffer_len(DEFAULT_MAX_TOKEN_LEN)];
        let result = self.with_verifier(pool, req, |v| v.verify(keys, token, now, &mut buf));
        match result {
            Ok(Ok(claims)) => Ok(f(&claims)),
            Ok(Err(e)) | Err(e) => Err((e, f)),
        }
    }
}

impl CognitoJwtVerifier {
    /// Settings: add at least one pool (or issuer) and one client id.
    #[must_use]
    pub fn builder() -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder {
            pools: Vec::new(),
            client_ids: Vec::new(),
            token_use: AcceptedTokenUse::Any,
            leeway: 0,
            max_age: None,
            cache: JwksCache::builder(""),
        }
    }

    /// The key cache of each pool, in the order they were added.
    pub fn caches(&self) -> impl Iterator<Item = &JwksCache> + '_ {
        self.inner.pools.iter().map(|p| &p.cache)
    }

    /// Fetches every pool's keys now (at start-up), so the first request does not wait.
    ///
    /// # Errors
    /// The first pool whose keys cannot be obtained.
    pub async fn hydrate(&self) -> Result<(), VerifyError> {
        for p in &self.inner.pools {
            p.cache.keys().await?;
        }
        Ok(())
    }

    /// Verifies `token` and copies its claims out.
    ///
    /// # Errors
    /// [`VerifyError::Token`] with the reason the token is invalid, or
    /// [`VerifyError::KeysUnavailable`].
    pub async fn verify(&self, token: &str) -> Result<OwnedClaims, VerifyError> {
        self.verify_with(token, Requirements::NONE, OwnedClaims::from_claims)
            .await
    }

    /// Verifies `token` under extra requirements and hands the borrowed claims to `f`; the
    /// claims are never copied unless `f` copies them.
    ///
    /// # Errors
    /// As [`verify`](Self::verify); [`Error::GroupNotAllowed`] / [`Error::ScopeNotAllowed`]
    /// for a valid token that misses a requirement.
    pub async fn verify_with<T, F: FnOnce(&Claims<'_>) -> T>(
        &self,
        token: &str,
        req: Requirements<'_>,
        f: F,
    ) -> Result<T, VerifyError> {
        let inner = &*self.inner;
        let mut f = f;
        let mut best: Option<Error> = None;
        let mut unavailable: Option<VerifyError> = None;
        // First round with the cached keys, second (only if every pool lacked the kid) after
        // asking each pool's policy for a refetch.
        for round in 0..2 {
            for pool in &inner.pools {
                let keys = if round == 0 {
                    pool.cache.keys().await
                } else {
                    pool.cache.keys_after_unknown_kid().await
                };
                let keys = match keys {
                    Ok(k) => k,
                    Err(e) => {
                        unavailable = Some(e);
                        continue;
                    }
                };
                let now = (inner.clock)();
                match inner.verify_one(pool, &keys, token, now, req, f) {
                    Ok(t) => return Ok(t),
                    Err((e, back)) => {
                        f = back;
                        if !try_next_pool(e) {
                            return Err(VerifyError::Token(e));
                        }
                        if best.is_none_or(|b| rank(e) > rank(b)) {
                            best = Some(e);
                        }
                    }
                }
            }
            if best.is_some_and(|b| b != Error::UnknownKid) {
                break;
            }
        }
        match (best, unavailable) {
            (Some(Error::UnknownKid) | None, Some(u)) => Err(u),
            (Some(e), _) => Err(VerifyError::Token(e)),
            (None, None) => Err(VerifyError::Token(Error::UnknownKid)),
        }
    }
}

// Compile-time check that the shared types can cross tasks.
const _: fn() = || {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<JwksCache>();
    send_sync::<CognitoJwtVerifier>();
};
