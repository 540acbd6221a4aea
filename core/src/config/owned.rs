//! The owned configuration (feature `alloc`): what every runtime with a heap holds.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use super::{
    AcceptedTokenUse, Config, ConfigError, CustomCheck, Issuer, Match, Requirement,
    DEFAULT_MAX_TOKEN_LEN,
};
use crate::jwk::{JwksOptions, KeySet, HEAP_KEY_CAPACITY};
use crate::pool::{check_jwks_url, display_string, issuer_jwks_url, UserPoolId};
use crate::revocation::{
    Revocation, RevocationList, RevocationSlot, RevocationStats, RevokeError, SignOut,
    DEFAULT_MAX_TOKEN_LIFETIME, DEFAULT_REVOCATION_CAPACITY, MAX_REVOCATION_CAPACITY,
};
use crate::{Error, Verifier};

/// The revocation list of an owned configuration.
type Revocations = RevocationList<Box<[RevocationSlot]>>;

/// The whole configuration of a verifier, owned and validated once: the pools (issuer and
/// JWKS URL of each), the clients, the checks, and the key-set rules. Every binding (the
/// Rust JWKS cache, the C ABI, the wasm package, the CLI) holds one and lends its
/// [`Verifier`] per token with no copy and no allocation.
///
/// ```
/// use cognito_verify::{AcceptedTokenUse, VerifierConfig};
/// let config = VerifierConfig::builder()
///     .user_pool("us-east-1_Example1")
///     .client_id("3n4b5urk1ft4fl3mg5e62d9ado")
///     .token_use(AcceptedTokenUse::Id)
///     .build()
///     .unwrap();
/// assert_eq!(
///     config.jwks_url(0),
///     Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1/.well-known/jwks.json")
/// );
/// let verifier = config.verifier(); // borrowed, per token
/// # let _ = verifier;
/// ```
#[derive(Clone)]
pub struct VerifierConfig {
    issuers: Vec<Issuer<String>>,
    jwks_urls: Vec<String>,
    client_ids: Vec<String>,
    token_use: AcceptedTokenUse,
    leeway: u64,
    max_age: Option<u64>,
    groups: Option<(Match, Vec<String>)>,
    scopes: Option<(Match, Vec<String>)>,
    custom: Option<Arc<CustomCheck>>,
    max_token_len: usize,
    allow_es256: bool,
    jwks: JwksOptions,
    allow_insecure_http: bool,
    revocation_capacity: usize,
    max_token_lifetime: u64,
    /// Made by `build`; shared by clones.
    revocations: Option<Arc<Revocations>>,
}

impl fmt::Debug for VerifierConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierConfig")
            .field("config", &self.verifier().config())
            .field("jwks_urls", &self.jwks_urls)
            .field("jwks", &self.jwks)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("revocation_capacity", &self.revocation_capacity)
            .field("max_token_lifetime", &self.max_token_lifetime)
            .finish()
    }
}

/// Settings of a [`VerifierConfig`], checked by [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct ConfigBuilder {
    config: VerifierConfig,
    /// JWKS URLs given explicitly, by pool index.
    explicit_urls: Vec<Option<String>>,
    misplaced_url: bool,
}

impl VerifierConfig {
    /// Settings: add at least one pool (or issuer) and one client id.
    #[must_use]
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder {
            config: VerifierConfig {
                issuers: Vec::new(),
                jwks_urls: Vec::new(),
                client_ids: Vec::new(),
                token_use: AcceptedTokenUse::Any,
                leeway: 0,
                max_age: None,
                groups: None,
                scopes: None,
                custom: None,
                max_token_len: DEFAULT_MAX_TOKEN_LEN,
                allow_es256: false,
                jwks: JwksOptions::new(),
                allow_insecure_http: false,
                revocation_capacity: DEFAULT_REVOCATION_CAPACITY,
                max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME,
                revocations: None,
            },
            explicit_urls: Vec::new(),
            misplaced_url: false,
        }
    }

    /// The verifier, borrowing this configuration (no copy, no allocation).
    #[must_use]
    pub fn verifier(&self) -> Verifier<'_, String> {
        fn req(r: &Option<(Match, Vec<String>)>) -> Option<Requirement<'_, String>> {
            r.as_ref().map(|(kind, list)| Requirement::new(*kind, list))
        }
        let mut c = Config::new(&self.issuers, &self.client_ids)
            .token_use(self.token_use)
            .leeway(self.leeway)
            .max_token_len(self.max_token_len)
            .allow_es256(self.allow_es256);
        c.max_age = self.max_age;
        c.groups = req(&self.groups);
        c.scopes = req(&self.scopes);
        c.custom = self.custom.as_deref();
        if let Some(list) = &self.revocations {
            c = c.revocations(&**list);
        }
        Verifier::validated(c)
    }

    /// Records a revocation at `now` (unix seconds): from the next verification on, the tokens
    /// it covers fail with [`Error::Revoked`]. Clones of this configuration share one list, and
    /// any thread may revoke while others verify. See [`RevocationList`] for what each kind
    /// covers and for how long.
    ///
    /// # Errors
    /// [`RevokeError::Full`] when the entry's buckets hold live entries, from about 90% of
    /// [`revocation_capacity`](ConfigBuilder::revocation_capacity) (nothing is dropped to make
    /// room); [`RevokeError::Disabled`] when that capacity is 0;
    /// [`RevokeError::EmptyValue`].
    pub fn revoke(&self, revocation: Revocation<'_>, now: u64) -> Result<(), RevokeError> {
        self.revocations
            .as_ref()
            .ok_or(RevokeError::Disabled)?
            .revoke(revocation, now)
    }

    /// Records a user's sign-out from one session at `now`, bounded per user: see
    /// [`RevocationList::sign_out`] (the session, or past
    /// [`MAX_SESSIONS_PER_SUBJECT`](crate::MAX_SESSIONS_PER_SUBJECT) of them, the user).
    ///
    /// # Errors
    /// As [`VerifierConfig::revoke`].
    pub fn sign_out(&self, sub: &str, origin_jti: &str, now: u64) -> Result<SignOut, RevokeError> {
        self.revocations
            .as_ref()
            .ok_or(RevokeError::Disabled)?
            .sign_out(sub, origin_jti, now)
    }

    /// Live revocations held at `now`, and the capacity.
    #[must_use]
    pub fn revocation_stats(&self, now: u64) -> RevocationStats {
        self.revocations
            .as_ref()
            .map(|l| l.stats(now))
            .unwrap_or_default()
    }

    /// Number of pools (issuers), each with its own key set.
    #[must_use]
    pub fn pool_count(&self) -> usize {
        self.issuers.len()
    }

    /// The issuer of pool `pool`.
    #[must_use]
    pub fn issuer(&self, pool: usize) -> Option<Issuer<&str>> {
        self.issuers.get(pool).map(Issuer::as_ref)
    }

    /// The JWKS URL of pool `pool`: as given, or the Cognito URL of a user pool id, or
    /// `{issuer}/.well-known/jwks.json`.
    #[must_use]
    pub fn jwks_url(&self, pool: usize) -> Option<&str> {
        self.jwks_urls.get(pool).map(String::as_str)
    }

    /// How key sets are read: size limit in bytes, RSA exponents.
    #[must_use]
    pub fn jwks_options(&self) -> &JwksOptions {
        &self.jwks
    }

    /// Longest token accepted, in bytes.
    #[must_use]
    pub fn max_token_len(&self) -> usize {
        self.max_token_len
    }

    /// Whether plain `http` JWKS URLs beyond loopback were allowed.
    #[must_use]
    pub fn allows_insecure_http(&self) -> bool {
        self.allow_insecure_http
    }

    /// Reads a fetched or supplied JWKS document into a key set that may replace the
    /// current one, following the key-set rules every runtime shares: at most
    /// [`max_jwks_bytes`](ConfigBuilder::max_jwks_bytes) bytes, up to
    /// [`HEAP_KEY_CAPACITY`] keys, and at least one usable key: a document with none
    /// (`{"keys":[]}` from a proxy or an outage page) is an error, so it never replaces
    /// keys that work.
    ///
    /// # Errors
    /// As [`KeySet::from_jwks`]; [`Error::MalformedJwks`] for a set with no key at all.
    pub fn load_keys(&self, jwks: &[u8]) -> Result<Box<KeySet<HEAP_KEY_CAPACITY>>, Error> {
        KeySet::replacement(jwks, &self.jwks)
    }
}

impl ConfigBuilder {
    fn push_pool(mut self, issuer: Issuer<String>) -> Self {
        self.config.issuers.push(issuer);
        self.explicit_urls.push(None);
        self
    }
    /// Accept tokens of this user pool (both Cognito issuer forms); keys from
    /// [`UserPoolId::jwks_url`] unless [`jwks_url`](Self::jwks_url) follows.
    #[must_use]
    pub fn user_pool(self, pool_id: impl Into<String>) -> Self {
        self.push_pool(Issuer::UserPool(pool_id.into()))
    }
    /// Accept tokens whose `iss` is exactly this URL (emulators, other partitions); keys
    /// from `{issuer}/.well-known/jwks.json` unless [`jwks_url`](Self::jwks_url) follows.
    #[must_use]
    pub fn issuer(self, url: impl Into<String>) -> Self {
        self.push_pool(Issuer::Url(url.into()))
    }
    /// The JWKS URL of the pool or issuer added last.
    #[must_use]
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        match self.explicit_urls.last_mut() {
            Some(slot) => *slot = Some(url.into()),
            None => self.misplaced_url = true,
        }
        self
    }
    /// Accept this app client (repeatable).
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.config.client_ids.push(id.into());
        self
    }
    /// Accept only this token use (default: any).
    #[must_use]
    pub fn token_use(mut self, t: AcceptedTokenUse) -> Self {
        self.config.token_use = t;
        self
    }
    /// Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds (default 0).
    #[must_use]
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.config.leeway = seconds;
        self
    }
    /// Reject tokens issued longer ago than this (tokens then need `iat`).
    #[must_use]
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.config.max_age = Some(seconds);
        self
    }
    /// Require `cognito:groups` to match these groups.
    #[must_use]
    pub fn groups<I: IntoIterator<Item = T>, T: Into<String>>(
        mut self,
        kind: Match,
        groups: I,
    ) -> Self {
        self.config.groups = Some((kind, groups.into_iter().map(Into::into).collect()));
        self
    }
    /// Require `scope` to match these scopes.
    #[must_use]
    pub fn scopes<I: IntoIterator<Item = T>, T: Into<String>>(
        mut self,
        kind: Match,
        scopes: I,
    ) -> Self {
        self.config.scopes = Some((kind, scopes.into_iter().map(Into::into).collect()));
        self
    }
    /// Run this check last; `false` rejects with [`Error::CustomCheckFailed`].
    #[must_use]
    pub fn custom_check(
        mut self,
        check: impl Fn(&crate::Claims<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.config.custom = Some(Arc::new(check));
        self
    }
    /// Longest token accepted, in bytes (default [`DEFAULT_MAX_TOKEN_LEN`]).
    #[must_use]
    pub fn max_token_len(mut self, bytes: usize) -> Self {
        self.config.max_token_len = bytes;
        self
    }
    /// Also accept ES256 tokens signed by P-256 keys.
    #[must_use]
    pub fn allow_es256(mut self, yes: bool) -> Self {
        self.config.allow_es256 = yes;
        self
    }
    /// Largest JWKS document read, in bytes (default
    /// [`DEFAULT_MAX_JWKS_BYTES`](crate::DEFAULT_MAX_JWKS_BYTES)).
    #[must_use]
    pub fn max_jwks_bytes(mut self, bytes: usize) -> Self {
        self.config.jwks = self.config.jwks.max_bytes(bytes);
        self
    }
    /// Accept RSA exponents other than 65537.
    #[must_use]
    pub fn allow_any_rsa_exponent(mut self, yes: bool) -> Self {
        self.config.jwks = self.config.jwks.allow_any_rsa_exponent(yes);
        self
    }
    /// Allow JWKS URLs over plain `http` to hosts other than loopback (never needed for
    /// Cognito; see [`check_jwks_url`]).
    #[must_use]
    pub fn allow_insecure_http(mut self, yes: bool) -> Self {
        self.config.allow_insecure_http = yes;
        self
    }

    /// Revocations held at most, rounded down to a multiple of 8 from 8 on (default
    /// [`DEFAULT_REVOCATION_CAPACITY`], 32 bytes each, allocated once by
    /// [`build`](Self::build); 0 turns revocation off; above [`MAX_REVOCATION_CAPACITY`],
    /// `build` says [`ConfigError::RevocationCapacityTooLarge`]).
    #[must_use]
    pub fn revocation_capacity(mut self, entries: usize) -> Self {
        self.config.revocation_capacity = entries;
        self
    }
    /// The longest validity of the pool's ID and access tokens, in seconds (default
    /// [`DEFAULT_MAX_TOKEN_LIFETIME`], Cognito's maximum): how long a revoked session or user
    /// is held.
    #[must_use]
    pub fn max_token_lifetime(mut self, seconds: u64) -> Self {
        self.config.max_token_lifetime = seconds;
        self
    }

    /// Checks everything once and derives each pool's JWKS URL.
    ///
    /// # Errors
    /// [`ConfigError`] saying what to fix.
    pub fn build(self) -> Result<VerifierConfig, ConfigError> {
        let ConfigBuilder {
            mut config,
            explicit_urls,
            misplaced_url,
        } = self;
        if misplaced_url {
            return Err(ConfigError::JwksUrlWithoutPool);
        }
        config.verifier().config().validate()?;
        let mut urls = Vec::with_capacity(config.issuers.len());
        for (issuer, explicit) in config.issuers.iter().zip(explicit_urls) {
            let url = match (explicit, issuer) {
                (Some(u), _) => u,
                (None, Issuer::UserPool(id)) => display_string(
                    &UserPoolId::parse(id)
                        .map_err(ConfigError::PoolId)?
                        .jwks_url(),
                ),
                (None, Issuer::Url(u)) => display_string(&issuer_jwks_url(u)),
            };
            check_jwks_url(&url, config.allow_insecure_http).map_err(ConfigError::JwksUrl)?;
            urls.push(url);
        }
        config.jwks_urls = urls;
        if config.revocation_capacity > MAX_REVOCATION_CAPACITY {
            return Err(ConfigError::RevocationCapacityTooLarge);
        }
        if config.revocation_capacity > 0 {
            config.revocations = Some(Arc::new(
                RevocationList::with_capacity(config.revocation_capacity)
                    .max_token_lifetime(config.max_token_lifetime)
                    .leeway(config.leeway),
            ));
        }
        Ok(config)
    }
}
