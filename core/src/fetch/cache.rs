//! The fetches [`VerifierCore`] asks for, over reqwest: one GET per fetch, the body read up to
//! the size limit, the outcome reported back to the core, waiters woken.
//!
//! Keys come over `https`, or plain `http` to loopback only (see [`check_jwks_url`]), and
//! redirects are held to the same rule. A failed, slow, oversized or garbage answer, or one with
//! no usable key, never replaces the last good keys (the core's rule).

use core::fmt;
use core::time::Duration;
use std::format;
use std::string::{String, ToString};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

use tokio::sync::Notify;

use super::verifier::Inner;
use crate::{check_jwks_url, ConfigError, Error, VerifierCore};

/// Default time allowed to open a connection to a JWKS endpoint (the whole request is bounded by
/// the refresh policy's `request_timeout`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

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

    /// The HTTP status of a request refused so: [`Error::http_status`] (503 for
    /// [`KeysUnavailable`](VerifyError::KeysUnavailable)).
    #[must_use]
    pub const fn http_status(&self) -> u16 {
        match self {
            VerifyError::Token(e) => e.http_status(),
            VerifyError::KeysUnavailable { .. } => Error::JwksUnavailable.http_status(),
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
        match e {
            // The core's word for "no keys ever": a server-side problem.
            Error::JwksUnavailable => VerifyError::KeysUnavailable { retry_at: 0 },
            e => VerifyError::Token(e),
        }
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

/// Why [`CognitoJwtVerifierBuilder::build`](crate::CognitoJwtVerifierBuilder::build) failed.
/// Its message says what to fix, so `?` into `Box<dyn Error>` (or `anyhow`) keeps it.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildError {
    /// The core's configuration check ([`ConfigBuilder::build`](crate::ConfigBuilder::build)).
    Config(ConfigError),
    /// The HTTP client could not be built (e.g. no TLS roots); reqwest's reason.
    Client(String),
}

impl BuildError {
    /// The stable code, as every other runtime reports a bad configuration:
    /// `invalid_configuration`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        crate::Error::InvalidConfiguration.code()
    }

    /// The configuration error, if this is one.
    #[must_use]
    pub const fn config_error(&self) -> Option<ConfigError> {
        match self {
            BuildError::Config(e) => Some(*e),
            BuildError::Client(_) => None,
        }
    }
}

impl From<ConfigError> for BuildError {
    fn from(e: ConfigError) -> Self {
        BuildError::Config(e)
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Config(e) => fmt::Display::fmt(e, f),
            BuildError::Client(why) => write!(f, "the HTTP client cannot be built: {why}"),
        }
    }
}

// No `source`: the message already is the configuration error's.
impl core::error::Error for BuildError {}

// ---------------------------------------------------------------------------------------------
// Fetcher
// ---------------------------------------------------------------------------------------------

/// Counters of one pool's keys ([`CognitoJwtVerifier::jwks_stats`](crate::CognitoJwtVerifier::jwks_stats)), for logs and tests.
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

/// The HTTP side of a [`CognitoJwtVerifier`](crate::CognitoJwtVerifier): the client, and per
/// pool the waiters of a fetch and why the last one failed.
pub(super) struct Fetcher {
    /// `None`: offline, keys only from `cache_jwks`.
    client: Option<reqwest::Client>,
    max_bytes: usize,
    wait_limit: Duration,
    waiters: Vec<Notify>,
    last_errors: Vec<Mutex<Option<String>>>,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("max_bytes", &self.max_bytes)
            .field("wait_limit", &self.wait_limit)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// A client for `core`'s pools: timeouts from its refresh policy, redirects held to the
    /// JWKS URL rule; none when `offline`.
    pub(super) fn new(
        core: &VerifierCore,
        connect_timeout: Duration,
        client: Option<reqwest::Client>,
        offline: bool,
    ) -> Result<Self, BuildError> {
        let config = core.config();
        let allow_http = config.allows_insecure_http();
        let timeout = Duration::from_secs(config.refresh().request_timeout);
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
        let client = match client {
            _ if offline => None,
            Some(c) => Some(c),
            None => reqwest::Client::builder()
                .connect_timeout(connect_timeout.min(timeout))
                .timeout(timeout)
                .redirect(redirects)
                .user_agent(concat!("cognito-verify/", env!("CARGO_PKG_VERSION")))
                .build()
                .map(Some)
                .map_err(|e| BuildError::Client(e.to_string()))?,
        };
        let pools = core.pool_count();
        Ok(Fetcher {
            client,
            max_bytes: config.max_jwks_bytes(),
            // Waiters give up a little after the fetch itself must have ended.
            wait_limit: timeout.saturating_add(Duration::from_secs(1)),
            waiters: (0..pools).map(|_| Notify::new()).collect(),
            last_errors: (0..pools).map(|_| Mutex::new(None)).collect(),
        })
    }

    /// What waits for pool `pool`'s fetch.
    pub(super) fn waiter(&self, pool: usize) -> &Notify {
        // Pools are numbered by the core, which made as many waiters.
        &self.waiters[pool.min(self.waiters.len().saturating_sub(1))]
    }

    pub(super) fn wait_limit(&self) -> Duration {
        self.wait_limit
    }

    /// Why pool `pool`'s last fetch failed, locked: the outcome of a fetch is reported to the
    /// core under this lock, so counters read while holding it agree with the message.
    pub(super) fn last_error(&self, pool: usize) -> Option<MutexGuard<'_, Option<String>>> {
        self.last_errors.get(pool).map(lock)
    }

    /// Carries out the fetch the core asked for in a detached task: it completes and is
    /// reported even if the caller goes away (a dropped request must not wedge the pool).
    /// Outside a tokio runtime nothing can be fetched: the fetch is reported failed at once
    /// rather than panicking; so is every fetch of an offline verifier.
    pub(super) fn spawn(inner: &Arc<Inner>, pool: usize) {
        if inner.fetcher.client.is_none() {
            inner.report(pool, Err("offline: keys only from cache_jwks".into()));
            return;
        }
        let task = Arc::clone(inner);
        let fetch = async move {
            let result = match task.core.jwks_url(pool) {
                Some(url) => task.fetcher.download(url).await,
                None => Err("no such pool".into()),
            };
            task.report(pool, result);
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(fetch)),
            Err(_) => inner.report(pool, Err("no tokio runtime to fetch in".into())),
        }
    }

    /// GETs the JWKS, reading at most `max_bytes` of body.
    async fn download(&self, url: &str) -> Result<Vec<u8>, String> {
        let client = self.client.as_ref().ok_or("offline")?;
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
        let mut resp = client
            .get(url)
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

impl Inner {
    /// Reports a fetch's outcome to the core and wakes its waiters.
    fn report(&self, pool: usize, result: Result<Vec<u8>, String>) {
        let now = (self.clock)();
        let mut why = self.fetcher.last_error(pool);
        let outcome = match result {
            Ok(body) => self
                .core
                .fetch_succeeded(pool, now, &body)
                .map_err(|e| format!("unusable key set: {}", e.code())),
            Err(why) => {
                self.core.fetch_failed(pool, now);
                Err(why)
            }
        };
        if let Some(slot) = why.as_mut() {
            **slot = outcome.err();
        }
        drop(why);
        self.fetcher.waiter(pool).notify_waiters();
    }
}
