//! [`AlbJwtVerifier`]: ALB tokens (`x-amzn-oidc-data`, module [`alb`](crate::alb)) with the
//! load balancers' keys fetched over HTTP, cached by `kid`.
//!
//! ```no_run
//! # async fn demo(header_value: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use cognito_verify::AlbJwtVerifier;
//! let verifier = AlbJwtVerifier::builder()
//!     .alb_arn("arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188")
//!     .client_id("4f1bnaod2d6s7s0hslnsrm4spc")
//!     .issuer("https://cognito-idp.us-east-2.amazonaws.com/us-east-2_AbC123dEf")
//!     .build()?;
//! let claims = verifier.verify(header_value).await?;
//! println!("{:?} {:?}", claims.sub(), claims.email());
//! # Ok(()) }
//! ```
//!
//! It drives the core's [`AlbVerifierCore`], which decides everything: at most
//! [`KEYS_PER_ALB`](crate::alb::KEYS_PER_ALB) keys per load balancer, a `kid` not held fetched
//! only when no fetch for that load balancer started within the cooldown (the refresh policy's
//! `unknown_kid_cooldown`, 30 s by default: a flood of invented kids costs one fetch per
//! cooldown; meanwhile such tokens get `unknown_kid`, or `jwks_unavailable` while the load
//! balancer has no key at all), the signature cache and the verdict memo. This type carries out
//! the fetches, one for all the verifications that need the same key at once.

use core::time::Duration;
use std::collections::HashMap;
use std::string::{String, ToString};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::OnceCell;

use super::cache::{BuildError, VerifyError};
use crate::alb::{
    AlbConfig, AlbConfigBuilder, AlbKeyStats, AlbOwnedClaims, AlbStep, AlbVerifierCore, KeyAction,
    KeyRequest, MAX_ALB_KEY_BYTES,
};
use crate::{Error, RefreshConfig, SignatureCacheStats, VerdictMemoStats};

/// Builds an [`AlbJwtVerifier`]: the core's [`AlbConfigBuilder`] and how keys are fetched.
#[derive(Clone, Debug)]
#[must_use]
pub struct AlbJwtVerifierBuilder {
    config: AlbConfigBuilder,
    offline: bool,
}

impl Default for AlbJwtVerifierBuilder {
    fn default() -> Self {
        AlbJwtVerifierBuilder {
            config: AlbConfig::builder(),
            offline: false,
        }
    }
}

impl AlbJwtVerifierBuilder {
    /// A load balancer whose tokens are accepted (its ARN); repeat for several.
    pub fn alb_arn(self, arn: impl Into<String>) -> Self {
        self.with(|c| c.alb_arn(arn))
    }

    /// An app client the load balancer signs users in with; repeat for several.
    pub fn client_id(self, client: impl Into<String>) -> Self {
        self.with(|c| c.client_id(client))
    }

    /// The `iss` the tokens must carry (the identity provider's issuer). Unchecked when unset.
    pub fn issuer(self, issuer: impl Into<String>) -> Self {
        self.with(|c| c.issuer(issuer))
    }

    /// Seconds of clock skew allowed on `exp` (default 0).
    pub fn leeway(self, seconds: u64) -> Self {
        self.with(|c| c.leeway(seconds))
    }

    /// Fetch keys from `{base}/{kid}` instead of the partition's host (a test's loopback server:
    /// `https`, or `http` to a loopback address only).
    pub fn key_url_base(self, base: impl Into<String>) -> Self {
        self.with(|c| c.key_url_base(base))
    }

    /// Timeouts and the cooldown for unknown kids (`request_timeout`, `unknown_kid_cooldown`).
    pub fn refresh(self, refresh: RefreshConfig) -> Self {
        self.with(|c| c.refresh(refresh))
    }

    /// Entries of the verified-signature cache (default 4,096; 0: off).
    pub fn signature_cache(self, entries: usize) -> Self {
        self.with(|c| c.signature_cache(entries))
    }

    /// Entries of the verdict memo (default 2,048; 0: off).
    pub fn verdict_memo(self, entries: usize) -> Self {
        self.with(|c| c.verdict_memo(entries))
    }

    /// Never fetch: keys only from [`AlbJwtVerifier::cache_key`] (tests).
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    fn with(mut self, f: impl FnOnce(AlbConfigBuilder) -> AlbConfigBuilder) -> Self {
        self.config = f(self.config);
        self
    }

    /// The verifier.
    ///
    /// # Errors
    /// [`BuildError::Config`] for no ARN, no client, an ARN that is not an Application Load
    /// Balancer's, or a key URL base that keys may not come from; [`BuildError::Client`] when
    /// the HTTP client cannot be made.
    pub fn build(self) -> Result<AlbJwtVerifier, BuildError> {
        let config = self.config.build()?;
        let timeout = Duration::from_secs(config.refresh().request_timeout.max(1));
        let client = if self.offline {
            None
        } else {
            Some(
                reqwest::Client::builder()
                    .connect_timeout(timeout)
                    .timeout(timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(concat!("cognito-verify/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| BuildError::Client(e.to_string()))?,
            )
        };
        Ok(AlbJwtVerifier {
            inner: Arc::new(Inner {
                core: AlbVerifierCore::new(config),
                client,
                inflight: Mutex::new(HashMap::new()),
            }),
        })
    }
}

/// Verifies ALB tokens, fetching each load balancer's keys by `kid`. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct AlbJwtVerifier {
    inner: Arc<Inner>,
}

/// A fetch under way (done once, and the URL the core gave), shared by every verification
/// needing its key.
type Fetch = Arc<(OnceCell<()>, String)>;

#[derive(Debug)]
struct Inner {
    core: AlbVerifierCore,
    client: Option<reqwest::Client>,
    inflight: Mutex<HashMap<KeyRequest, Fetch>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The error of a key the core did not allow a fetch of.
fn refusal(action: KeyAction, now: u64) -> VerifyError {
    match action {
        KeyAction::Refused(e) => e.into(),
        KeyAction::Unavailable { retry_at } => VerifyError::KeysUnavailable { retry_at },
        KeyAction::Fetch { .. } => VerifyError::KeysUnavailable { retry_at: now },
    }
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl AlbJwtVerifier {
    /// A builder: at least one ALB ARN and one client id.
    pub fn builder() -> AlbJwtVerifierBuilder {
        AlbJwtVerifierBuilder::default()
    }

    /// Verifies `token` (the `x-amzn-oidc-data` header's value) now, fetching its key first when
    /// it is not held (see the module docs for when a fetch may start).
    ///
    /// # Errors
    /// [`VerifyError::Token`] with the token's code; [`VerifyError::KeysUnavailable`] when the
    /// token's load balancer has no key and none could be fetched.
    pub async fn verify(&self, token: &str) -> Result<AlbOwnedClaims, VerifyError> {
        self.verify_at(token, now_unix()).await
    }

    /// [`verify`](Self::verify) at `now` (Unix seconds).
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub async fn verify_at(&self, token: &str, now: u64) -> Result<AlbOwnedClaims, VerifyError> {
        let core = &self.inner.core;
        let request = match core.verify(token, now)? {
            AlbStep::Verified(claims) => return Ok(claims),
            AlbStep::NeedKey(request) => request,
        };
        let fetched = self.fetch(&request, now).await;
        // Again, whatever the fetch gave: a fetch refused by the cooldown may be one that just
        // brought this very key (it ended between the two looks).
        match core.verify(token, now)? {
            AlbStep::Verified(claims) => Ok(claims),
            // The fetch gave another key, or failed: the policy says what the token gets.
            AlbStep::NeedKey(_) => Err(fetched.err().unwrap_or_else(|| self.not_now(&request))),
        }
    }

    /// Verifies `token` now when that needs no fetch: the verdict, or `None` when its key must
    /// be fetched first ([`verify`](Self::verify) does). What a tower layer calls per request.
    #[must_use]
    pub fn try_verify(&self, token: &str) -> Option<Result<AlbOwnedClaims, VerifyError>> {
        self.try_verify_at(token, now_unix())
    }

    /// [`try_verify`](Self::try_verify) at `now` (Unix seconds).
    #[must_use]
    pub fn try_verify_at(
        &self,
        token: &str,
        now: u64,
    ) -> Option<Result<AlbOwnedClaims, VerifyError>> {
        match self.inner.core.verify(token, now) {
            Ok(AlbStep::Verified(claims)) => Some(Ok(claims)),
            Ok(AlbStep::NeedKey(_)) => None,
            Err(e) => Some(Err(e.into())),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &AlbConfig {
        self.inner.core.config()
    }

    /// Verifies `token` with the keys already held, never fetching.
    ///
    /// # Errors
    /// As [`verify`](Self::verify); a `kid` not held is `unknown_kid`.
    pub fn verify_sync(&self, token: &str, now: u64) -> Result<AlbOwnedClaims, VerifyError> {
        match self.inner.core.verify(token, now)? {
            AlbStep::Verified(claims) => Ok(claims),
            AlbStep::NeedKey(_) => Err(Error::UnknownKid.into()),
        }
    }

    /// Installs the key (PEM) load balancer `alb_arn` publishes under `kid`, as if fetched.
    ///
    /// # Errors
    /// `invalid_configuration` for an ARN not configured, `malformed_token` for a `kid` that is
    /// not a UUID, `unsupported_key` for a document that is not a P-256 public key.
    pub fn cache_key(&self, alb_arn: &str, kid: &str, pem: &str) -> Result<(), Error> {
        self.inner.core.cache_key(alb_arn, kid, pem)
    }

    /// The keys' counters.
    #[must_use]
    pub fn stats(&self) -> AlbKeyStats {
        self.inner.core.key_stats()
    }

    /// The verdict memo's counters.
    #[must_use]
    pub fn verdict_memo_stats(&self) -> VerdictMemoStats {
        self.inner.core.verdict_memo_stats()
    }

    /// The signature cache's counters.
    #[must_use]
    pub fn signature_cache_stats(&self) -> SignatureCacheStats {
        self.inner.core.signature_cache_stats()
    }

    /// The key of `request`: fetched when the core allows it, or waited for when another
    /// verification fetches it already. Returns once the fetch is over, whatever its outcome.
    async fn fetch(&self, request: &KeyRequest, now: u64) -> Result<(), VerifyError> {
        let i = &self.inner;
        let fetch = {
            let mut inflight = lock(&i.inflight);
            match inflight.get(request) {
                Some(fetch) => Arc::clone(fetch),
                None => match i.core.request_key(request, now) {
                    KeyAction::Fetch { url } => {
                        let fetch: Fetch = Arc::new((OnceCell::new(), url));
                        inflight.insert(request.clone(), Arc::clone(&fetch));
                        fetch
                    }
                    refused => return Err(refusal(refused, now)),
                },
            }
        };
        let (cell, url) = &*fetch;
        // Whichever verification comes first carries out the one fetch the core allowed.
        cell.get_or_init(|| async {
            match self.download(url).await {
                Ok(body) => {
                    let _ = i.core.key_fetched(request, &body);
                }
                Err(_) => i.core.key_failed(request),
            }
            lock(&i.inflight).remove(request);
        })
        .await;
        Ok(())
    }

    /// What a token whose key could not be had gets, as the core's policy says.
    fn not_now(&self, request: &KeyRequest) -> VerifyError {
        refusal(self.inner.core.without_key(request), now_unix())
    }

    async fn download(&self, url: &str) -> Result<std::vec::Vec<u8>, String> {
        let client = self.inner.client.as_ref().ok_or("offline")?;
        let resp = client
            .get(url)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if !resp.status().is_success() {
            return Err(std::format!("HTTP {}", resp.status()));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_ALB_KEY_BYTES as u64)
        {
            return Err("key document too large".into());
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if body.len() > MAX_ALB_KEY_BYTES {
            return Err("key document too large".into());
        }
        Ok(body.to_vec())
    }
}
