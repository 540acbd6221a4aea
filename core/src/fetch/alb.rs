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
//! println!("{:?} {:?}", claims.sub, claims.email);
//! # Ok(()) }
//! ```
//!
//! Keys: at most [`KEYS_PER_ALB`] per load balancer are kept (an ALB signs with one key at a
//! time, and rotates). Concurrent verifications needing one `kid` share one fetch. A `kid` not
//! held is fetched only when no fetch for that load balancer started within the cooldown (the
//! refresh policy's `unknown_kid_cooldown`, 30 s by default), so a flood of invented kids costs
//! one fetch per cooldown; meanwhile such tokens get `unknown_kid`, or `jwks_unavailable` while
//! the load balancer has no key at all.

use core::time::Duration;
use std::collections::HashMap;
use std::string::{String, ToString};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use std::vec::Vec;

use tokio::sync::OnceCell;

use super::cache::{BuildError, VerifyError};
use crate::alb::{
    alb_buffer_len, alb_key_url, AlbArn, AlbKey, AlbRules, AlbToken, ALB_KEY_URL_MAX,
};
use crate::{check_jwks_url, ConfigError, Error, RefreshConfig};

/// Keys kept per load balancer.
pub const KEYS_PER_ALB: usize = 4;
/// Largest key document read (a P-256 PEM is 178 bytes).
const MAX_KEY_BYTES: usize = 4096;

/// The claims of a verified ALB token, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlbOwnedClaims {
    /// `sub`, the user at the identity provider.
    pub sub: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `username`.
    pub username: Option<String>,
    /// The header's `exp` (Unix seconds).
    pub exp: i64,
    /// The whole payload, a JSON object.
    pub payload_json: String,
}

/// Counters of an [`AlbJwtVerifier`]'s keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlbKeyStats {
    /// Key fetches started.
    pub fetches: u64,
    /// Keys held.
    pub keys: usize,
}

/// Builds an [`AlbJwtVerifier`].
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct AlbJwtVerifierBuilder {
    arns: Vec<String>,
    clients: Vec<String>,
    issuer: Option<String>,
    leeway: u64,
    key_url_base: Option<String>,
    refresh: Option<RefreshConfig>,
    offline: bool,
}

impl AlbJwtVerifierBuilder {
    /// A load balancer whose tokens are accepted (its ARN); repeat for several.
    pub fn alb_arn(mut self, arn: impl Into<String>) -> Self {
        self.arns.push(arn.into());
        self
    }

    /// An app client the load balancer signs users in with; repeat for several.
    pub fn client_id(mut self, client: impl Into<String>) -> Self {
        self.clients.push(client.into());
        self
    }

    /// The `iss` the tokens must carry (the identity provider's issuer). Unchecked when unset.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Seconds of clock skew allowed on `exp` (default 0).
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Fetch keys from `{base}/{kid}` instead of the partition's host (a test's loopback server:
    /// `https`, or `http` to a loopback address only).
    pub fn key_url_base(mut self, base: impl Into<String>) -> Self {
        self.key_url_base = Some(base.into());
        self
    }

    /// Timeouts and the cooldown for unknown kids (`request_timeout`, `unknown_kid_cooldown`).
    pub fn refresh(mut self, refresh: RefreshConfig) -> Self {
        self.refresh = Some(refresh);
        self
    }

    /// Never fetch: keys only from [`AlbJwtVerifier::cache_key`] (tests).
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    /// The verifier.
    ///
    /// # Errors
    /// [`BuildError::Config`] for no ARN, no client, an ARN that is not an Application Load
    /// Balancer's, or a key URL base that keys may not come from; [`BuildError::Client`] when
    /// the HTTP client cannot be made.
    pub fn build(self) -> Result<AlbJwtVerifier, BuildError> {
        if self.arns.is_empty() {
            return Err(ConfigError::NoAlbArn.into());
        }
        if self.clients.is_empty() {
            return Err(ConfigError::NoClientId.into());
        }
        if self.clients.iter().any(String::is_empty) {
            return Err(ConfigError::EmptyClientId.into());
        }
        if self.arns.iter().any(|arn| AlbArn::parse(arn).is_err()) {
            return Err(ConfigError::AlbArn.into());
        }
        if let Some(base) = &self.key_url_base {
            check_jwks_url(base, false).map_err(ConfigError::JwksUrl)?;
        }
        let refresh = self.refresh.unwrap_or_default();
        let timeout = Duration::from_secs(refresh.request_timeout.max(1));
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
        let albs = self.arns.len();
        Ok(AlbJwtVerifier {
            inner: Arc::new(Inner {
                arns: self.arns,
                clients: self.clients,
                issuer: self.issuer,
                leeway: self.leeway,
                key_url_base: self.key_url_base,
                cooldown: Duration::from_secs(refresh.unknown_kid_cooldown),
                client,
                keys: Mutex::new(Vec::new()),
                inflight: Mutex::new(HashMap::new()),
                last_fetch: Mutex::new(std::vec![None; albs]),
                fetches: Mutex::new(0),
            }),
        })
    }
}

/// Verifies ALB tokens, fetching each load balancer's keys by `kid`. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct AlbJwtVerifier {
    inner: Arc<Inner>,
}

type Fetch = Arc<OnceCell<Result<AlbKey, String>>>;

#[derive(Debug)]
struct Inner {
    arns: Vec<String>,
    clients: Vec<String>,
    issuer: Option<String>,
    leeway: u64,
    key_url_base: Option<String>,
    cooldown: Duration,
    client: Option<reqwest::Client>,
    /// (load balancer, kid, key), oldest first.
    keys: Mutex<Vec<(usize, String, AlbKey)>>,
    inflight: Mutex<HashMap<(usize, String), Fetch>>,
    /// When a key fetch for each load balancer last started.
    last_fetch: Mutex<Vec<Option<Instant>>>,
    fetches: Mutex<u64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
        let mut buf = std::vec![0u8; alb_buffer_len(token.len())];
        let parsed = AlbToken::parse(token, &mut buf)?;
        let alb = self.alb_of(&parsed)?;
        let key = match self.held(alb, parsed.kid()) {
            Some(k) => k,
            None => self.fetch(alb, parsed.kid()).await?,
        };
        self.check(&parsed, &key, now)
    }

    /// Verifies `token` with the keys already held, never fetching.
    ///
    /// # Errors
    /// As [`verify`](Self::verify); a `kid` not held is `unknown_kid`.
    pub fn verify_sync(&self, token: &str, now: u64) -> Result<AlbOwnedClaims, VerifyError> {
        let mut buf = std::vec![0u8; alb_buffer_len(token.len())];
        let parsed = AlbToken::parse(token, &mut buf)?;
        let alb = self.alb_of(&parsed)?;
        let key = self.held(alb, parsed.kid()).ok_or(Error::UnknownKid)?;
        self.check(&parsed, &key, now)
    }

    /// Installs the key (PEM) load balancer `alb_arn` publishes under `kid`, as if fetched.
    ///
    /// # Errors
    /// `invalid_configuration` for an ARN not configured, `malformed_token` for a `kid` that is
    /// not a UUID, `unsupported_key` for a document that is not a P-256 public key.
    pub fn cache_key(&self, alb_arn: &str, kid: &str, pem: &str) -> Result<(), Error> {
        let alb = self
            .inner
            .arns
            .iter()
            .position(|a| a == alb_arn)
            .ok_or(Error::InvalidConfiguration)?;
        if !crate::alb::is_uuid(kid) {
            return Err(Error::MalformedToken);
        }
        self.inner.keep(alb, kid, AlbKey::from_pem(pem)?);
        Ok(())
    }

    /// The keys' counters.
    #[must_use]
    pub fn stats(&self) -> AlbKeyStats {
        AlbKeyStats {
            fetches: *lock(&self.inner.fetches),
            keys: lock(&self.inner.keys).len(),
        }
    }

    /// The configured load balancer that signed `token`, by its `signer`.
    fn alb_of(&self, token: &AlbToken<'_, '_>) -> Result<usize, Error> {
        let signer = token.signer();
        self.inner
            .arns
            .iter()
            .position(|a| a == signer)
            .ok_or(Error::WrongSigner)
    }

    fn held(&self, alb: usize, kid: &str) -> Option<AlbKey> {
        lock(&self.inner.keys)
            .iter()
            .find(|(a, k, _)| *a == alb && k == kid)
            .map(|(_, _, key)| *key)
    }

    fn check(
        &self,
        token: &AlbToken<'_, '_>,
        key: &AlbKey,
        now: u64,
    ) -> Result<AlbOwnedClaims, VerifyError> {
        let i = &self.inner;
        let arns: Vec<&str> = i.arns.iter().map(String::as_str).collect();
        let clients: Vec<&str> = i.clients.iter().map(String::as_str).collect();
        let mut rules = AlbRules::new(&arns, &clients).leeway(i.leeway);
        if let Some(issuer) = &i.issuer {
            rules = rules.issuer(issuer);
        }
        let c = token.verify(&rules, key, now)?;
        Ok(AlbOwnedClaims {
            sub: c.sub().map(String::from),
            email: c.email().map(String::from),
            username: c.username().map(String::from),
            exp: c.exp(),
            payload_json: c.payload_json().into(),
        })
    }

    /// The key `kid` of load balancer `alb`, fetched (or waited for, when another call fetches
    /// it already).
    async fn fetch(&self, alb: usize, kid: &str) -> Result<AlbKey, VerifyError> {
        let i = &self.inner;
        let cell = {
            let mut inflight = lock(&i.inflight);
            match inflight.get(&(alb, kid.to_string())) {
                Some(cell) => Arc::clone(cell),
                None => {
                    // A new fetch for this load balancer: only once per cooldown.
                    let mut last = lock(&i.last_fetch);
                    let slot = last.get_mut(alb).ok_or(Error::WrongSigner)?;
                    if slot.is_some_and(|t| t.elapsed() < i.cooldown) {
                        return Err(self.not_now(alb));
                    }
                    *slot = Some(Instant::now());
                    let cell: Fetch = Arc::new(OnceCell::new());
                    inflight.insert((alb, kid.to_string()), Arc::clone(&cell));
                    cell
                }
            }
        };
        let result = cell
            .get_or_init(|| async {
                *lock(&i.fetches) += 1;
                let got = self.download(alb, kid).await;
                if let Ok(key) = &got {
                    i.keep(alb, kid, *key);
                }
                lock(&i.inflight).remove(&(alb, kid.to_string()));
                got
            })
            .await;
        match result {
            Ok(key) => Ok(*key),
            Err(_) => Err(self.not_now(alb)),
        }
    }

    /// What a token whose key cannot be had now gets: `unknown_kid` when the load balancer has
    /// keys (the kid is likely invented), else keys unavailable.
    fn not_now(&self, alb: usize) -> VerifyError {
        let has_keys = lock(&self.inner.keys).iter().any(|(a, _, _)| *a == alb);
        if has_keys {
            VerifyError::Token(Error::UnknownKid)
        } else {
            let since = lock(&self.inner.last_fetch)
                .get(alb)
                .copied()
                .flatten()
                .map_or(Duration::ZERO, |t| t.elapsed());
            VerifyError::KeysUnavailable {
                retry_at: now_unix() + self.inner.cooldown.saturating_sub(since).as_secs(),
            }
        }
    }

    async fn download(&self, alb: usize, kid: &str) -> Result<AlbKey, String> {
        let i = &self.inner;
        let client = i.client.as_ref().ok_or("offline")?;
        let url = match &i.key_url_base {
            Some(base) if crate::alb::is_uuid(kid) => {
                std::format!("{}/{kid}", base.trim_end_matches('/'))
            }
            Some(_) => return Err("kid is not a UUID".into()),
            None => {
                let arn = AlbArn::parse(i.arns.get(alb).ok_or("no such load balancer")?)
                    .map_err(|e| e.to_string())?;
                let mut out = [0u8; ALB_KEY_URL_MAX];
                alb_key_url(&arn, kid, &mut out)
                    .map_err(|e| e.to_string())?
                    .to_string()
            }
        };
        let resp = client
            .get(&url)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if !resp.status().is_success() {
            return Err(std::format!("HTTP {}", resp.status()));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_KEY_BYTES as u64)
        {
            return Err("key document too large".into());
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if body.len() > MAX_KEY_BYTES {
            return Err("key document too large".into());
        }
        let pem = core::str::from_utf8(&body).map_err(|_| "key document is not text")?;
        AlbKey::from_pem(pem).map_err(|e| e.to_string())
    }
}

impl Inner {
    /// Keeps `key` as load balancer `alb`'s `kid`, dropping that load balancer's oldest beyond
    /// [`KEYS_PER_ALB`].
    fn keep(&self, alb: usize, kid: &str, key: AlbKey) {
        let mut keys = lock(&self.keys);
        keys.retain(|(a, k, _)| !(*a == alb && k == kid));
        if keys.iter().filter(|(a, _, _)| *a == alb).count() >= KEYS_PER_ALB {
            if let Some(oldest) = keys.iter().position(|(a, _, _)| *a == alb) {
                keys.remove(oldest);
            }
        }
        keys.push((alb, kid.to_string(), key));
    }
}
