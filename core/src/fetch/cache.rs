//! [`JwksCache`]: the keys of one JWKS URL, fetched over reqwest when the refresh policy of
//! [`JwksRefresh`] asks.
//!
//! The cache only does what the policy asks: fetch at start, when the keys pass their maximum
//! age, on an unknown `kid` at most once per cooldown window, and with back-off after failures.
//! One fetch is in flight at a time; other callers wait for it. A failed, slow, oversized or
//! garbage answer, or one with no usable key, never replaces the last good keys. Keys come over
//! `https`, or plain `http` to loopback only (see [`check_jwks_url`]), and redirects are held to
//! the same rule.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use std::format;
use std::string::String;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::vec::Vec;

use tokio::sync::Notify;

use crate::{
    check_jwks_url, user_pool_jwks_url, Action, Error, JwksOptions, JwksRefresh, KeySet, Need,
    RefreshConfig, DEFAULT_MAX_JWKS_BYTES, HEAP_KEY_CAPACITY,
};

/// The key set a cache holds: room for [`HEAP_KEY_CAPACITY`] keys.
pub type Keys = KeySet<HEAP_KEY_CAPACITY>;

/// Default time allowed to open a connection to the JWKS endpoint.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default time allowed for a whole JWKS request, body included.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values stay consistent whatever panicked while holding them.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why [`CognitoJwtVerifier::verify`](crate::CognitoJwtVerifier::verify) refused a token.
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
    keys: RwLock<Option<Arc<Keys>>>,
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
    allow_insecure_http: bool,
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
    /// Allow a plain `http` URL to a host other than loopback (see [`check_jwks_url`]).
    #[must_use]
    pub fn allow_insecure_http(mut self, yes: bool) -> Self {
        self.allow_insecure_http = yes;
        self
    }
    /// Takes the URL and key-set settings of pool `pool` of an owned configuration.
    #[must_use]
    pub(crate) fn for_pool(mut self, config: &crate::VerifierConfig, pool: usize) -> Self {
        self.url = config.jwks_url(pool).unwrap_or_default().into();
        self.max_bytes = config.jwks_options().max_bytes_limit();
        self.allow_any_rsa_exponent = config.jwks_options().allows_any_rsa_exponent();
        self.allow_insecure_http = config.allows_insecure_http();
        self
    }
    pub(crate) fn clock_fn(&self) -> fn() -> u64 {
        self.clock
    }
    /// The clock, unix seconds (default [`crate::now`]); tests set their own.
    #[must_use]
    pub fn clock(mut self, clock: fn() -> u64) -> Self {
        self.clock = clock;
        self
    }
    /// Use this client instead of building one; its own timeouts and redirect policy then apply.
    #[must_use]
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Builds the cache. Nothing is fetched until keys are first needed (or [`JwksCache::hydrate`]).
    ///
    /// # Errors
    /// [`Error::InvalidConfiguration`] when the URL may not be fetched ([`check_jwks_url`]) or
    /// the HTTP client cannot be built (no TLS roots).
    pub fn build(self) -> Result<JwksCache, Error> {
        check_jwks_url(&self.url, self.allow_insecure_http)
            .map_err(|_| Error::InvalidConfiguration)?;
        let allow_http = self.allow_insecure_http;
        // Up to 3 redirects, each to a URL the same rule allows, and never from https to http.
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let downgrade = attempt.url().scheme() != "https"
                && attempt.previous().iter().any(|u| u.scheme() == "https");
            if attempt.previous().len() > 3 {
                attempt.error("too many redirects")
            } else if downgrade || check_jwks_url(attempt.url().as_str(), allow_http).is_err() {
                attempt.error("redirect to a URL keys may not come from")
            } else {
                attempt.follow()
            }
        });
        let client = match self.client {
            Some(c) => c,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .redirect(redirects)
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
            allow_insecure_http: false,
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
    pub fn current(&self) -> Option<Arc<Keys>> {
        self.shared.current()
    }

    /// Installs keys obtained by other means (a copy saved on disk, a test), as if just fetched.
    ///
    /// # Errors
    /// As [`KeySet::replacement`]: a set with no usable key is an error. The cached keys are
    /// unchanged on error.
    pub fn hydrate(&self, jwks: &[u8]) -> Result<(), Error> {
        let set = self.shared.parse(jwks)?;
        *self
            .shared
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::from(set));
        lock(&self.shared.policy).keys_loaded((self.shared.clock)());
        Ok(())
    }

    /// Usable keys for verifying a token now, fetching first when the policy asks for it.
    ///
    /// # Errors
    /// [`VerifyError::KeysUnavailable`] when no keys were ever obtained and fetching fails.
    pub async fn keys(&self) -> Result<Arc<Keys>, VerifyError> {
        self.keys_for(Need::Keys).await
    }

    /// Keys after a token named a `kid` the cached keys lack: refetches when the cooldown
    /// allows (and waits for that fetch), else returns the cached keys unchanged.
    ///
    /// # Errors
    /// As [`keys`](Self::keys).
    pub async fn keys_after_unknown_kid(&self) -> Result<Arc<Keys>, VerifyError> {
        self.keys_for(Need::UnknownKid).await
    }

    async fn keys_for(&self, need: Need) -> Result<Arc<Keys>, VerifyError> {
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
    fn current(&self) -> Option<Arc<Keys>> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn parse(&self, body: &[u8]) -> Result<std::boxed::Box<Keys>, Error> {
        KeySet::replacement(body, &self.options)
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
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::from(set));
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
            } else if e.is_redirect() {
                "redirect refused"
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
