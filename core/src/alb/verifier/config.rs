//! [`AlbConfig`]: what an ALB verifier accepts, owned and validated once.

use alloc::string::String;
use alloc::vec::Vec;

use crate::alb::AlbArn;
use crate::memo::{DEFAULT_VERDICT_MEMO_BYTES, DEFAULT_VERDICT_MEMO_ENTRIES};
use crate::{check_jwks_url, ConfigError, RefreshConfig, DEFAULT_MAX_TOKEN_BYTES};

#[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
use crate::sigcache::DEFAULT_SIGNATURE_CACHE_CAPACITY;
/// Without the `signature-cache` feature there is no cache to size.
#[cfg(not(all(feature = "signature-cache", target_has_atomic = "32")))]
const DEFAULT_SIGNATURE_CACHE_CAPACITY: usize = 0;

/// The configuration of an [`AlbVerifierCore`](super::AlbVerifierCore): the load balancers
/// (ARNs) whose tokens are accepted, the app clients, the issuer when one is required, the
/// leeway on `exp`, and the sizes of the caches. Built by [`AlbConfig::builder`].
#[derive(Clone, Debug)]
pub struct AlbConfig {
    arns: Vec<String>,
    clients: Vec<String>,
    issuer: Option<String>,
    leeway: u64,
    refresh: RefreshConfig,
    key_url_base: Option<String>,
    max_token_bytes: usize,
    signature_cache: usize,
    verdict_memo: usize,
    verdict_memo_bytes: usize,
}

/// Builds an [`AlbConfig`]; the same names as the Cognito verifier's builder where a setting is
/// shared.
#[derive(Clone, Debug)]
#[must_use]
pub struct AlbConfigBuilder {
    config: AlbConfig,
}

impl AlbConfig {
    /// A builder: at least one ALB ARN and one client id.
    pub fn builder() -> AlbConfigBuilder {
        AlbConfigBuilder {
            config: AlbConfig {
                arns: Vec::new(),
                clients: Vec::new(),
                issuer: None,
                leeway: 0,
                refresh: RefreshConfig::DEFAULT,
                key_url_base: None,
                max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
                signature_cache: DEFAULT_SIGNATURE_CACHE_CAPACITY,
                verdict_memo: DEFAULT_VERDICT_MEMO_ENTRIES,
                verdict_memo_bytes: DEFAULT_VERDICT_MEMO_BYTES,
            },
        }
    }

    /// The load balancers' ARNs, in the order configured (a load balancer's number).
    #[must_use]
    pub fn arns(&self) -> &[String] {
        &self.arns
    }

    /// The app clients.
    #[must_use]
    pub fn clients(&self) -> &[String] {
        &self.clients
    }

    /// The issuer tokens must carry, when one is required.
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// Seconds of clock skew allowed on `exp`.
    #[must_use]
    pub fn leeway(&self) -> u64 {
        self.leeway
    }

    /// Timeouts and the cooldown between key fetches of one load balancer.
    #[must_use]
    pub fn refresh(&self) -> RefreshConfig {
        self.refresh
    }

    /// Where keys are fetched from instead of the partition's host, when set.
    #[must_use]
    pub fn key_url_base(&self) -> Option<&str> {
        self.key_url_base.as_deref()
    }

    /// Largest token accepted.
    #[must_use]
    pub fn max_token_bytes(&self) -> usize {
        self.max_token_bytes
    }

    /// Entries of the verified-signature cache.
    #[must_use]
    pub fn signature_cache(&self) -> usize {
        self.signature_cache
    }

    /// The verdict memo's bounds: (entries, bytes).
    #[must_use]
    pub fn verdict_memo(&self) -> (usize, usize) {
        (self.verdict_memo, self.verdict_memo_bytes)
    }
}

impl AlbConfigBuilder {
    /// A load balancer whose tokens are accepted (its ARN); repeat for several.
    pub fn alb_arn(mut self, arn: impl Into<String>) -> Self {
        self.config.arns.push(arn.into());
        self
    }

    /// An app client the load balancer signs users in with; repeat for several.
    pub fn client_id(mut self, client: impl Into<String>) -> Self {
        self.config.clients.push(client.into());
        self
    }

    /// The `iss` the tokens must carry (the identity provider's issuer). Unchecked when unset.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.config.issuer = Some(issuer.into());
        self
    }

    /// Seconds of clock skew allowed on `exp` (default 0).
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.config.leeway = seconds;
        self
    }

    /// Timeouts and the cooldown between key fetches of one load balancer
    /// (`request_timeout`, `unknown_kid_cooldown`; default [`RefreshConfig::DEFAULT`]).
    pub fn refresh(mut self, refresh: RefreshConfig) -> Self {
        self.config.refresh = refresh;
        self
    }

    /// Fetch keys from `{base}/{kid}` instead of the partition's host (a test's loopback server:
    /// `https`, or `http` to a loopback address only).
    pub fn key_url_base(mut self, base: impl Into<String>) -> Self {
        self.config.key_url_base = Some(base.into());
        self
    }

    /// Largest token accepted (default 16 KiB).
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.config.max_token_bytes = bytes;
        self
    }

    /// Entries of the verified-signature cache (default 4,096; 0: off).
    pub fn signature_cache(mut self, entries: usize) -> Self {
        self.config.signature_cache = entries;
        self
    }

    /// Entries of the verdict memo (default 2,048; 0: off).
    pub fn verdict_memo(mut self, entries: usize) -> Self {
        self.config.verdict_memo = entries;
        self
    }

    /// Bytes the verdict memo may hold (default 4 MiB).
    pub fn verdict_memo_bytes(mut self, bytes: usize) -> Self {
        self.config.verdict_memo_bytes = bytes;
        self
    }

    /// The configuration, checked.
    ///
    /// # Errors
    /// [`ConfigError`]: no ARN, no client, an empty client, an ARN that is not an Application
    /// Load Balancer's, or a key URL base that keys may not come from.
    pub fn build(self) -> Result<AlbConfig, ConfigError> {
        let c = self.config;
        if c.arns.is_empty() {
            return Err(ConfigError::NoAlbArn);
        }
        if c.clients.is_empty() {
            return Err(ConfigError::NoClientId);
        }
        if c.clients.iter().any(String::is_empty) {
            return Err(ConfigError::EmptyClientId);
        }
        if c.arns.iter().any(|arn| AlbArn::parse(arn).is_err()) {
            return Err(ConfigError::AlbArn);
        }
        if let Some(base) = &c.key_url_base {
            check_jwks_url(base, false).map_err(ConfigError::JwksUrl)?;
        }
        Ok(c)
    }
}
