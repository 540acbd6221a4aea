//! What a verifier accepts: the borrowed [`Config`] every verification reads, and (feature
//! `alloc`) the owned [`VerifierConfig`] that every binding holds and lends it from.
//!
//! `Config` is generic over how its strings are stored (`S: AsRef<str>`): firmware lends
//! `&'static str`s, bindings with a heap lend the `String`s of a `VerifierConfig`, and neither
//! copies anything per token.

use core::fmt;

use crate::claims::Claims;
use crate::json::JsonStr;
use crate::pool::{JwksUrlError, PoolIdError, UserPoolId};

/// Default limit on a token's length in bytes. Cognito ID tokens with many groups stay well below.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;

/// An accepted issuer: one user pool, whose keys are one key set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Issuer<S> {
    /// A Cognito user pool by id (`us-east-1_AbC123`): accepts
    /// `https://cognito-idp.{region}.amazonaws.com/{id}` and
    /// `https://issuer-cognito-idp.{region}.amazonaws.com/{id}`, the region taken from the id
    /// (see [`UserPoolId`]).
    UserPool(S),
    /// An exact issuer URL (emulators, other partitions).
    Url(S),
}

impl<S: AsRef<str>> Issuer<S> {
    /// Whether `iss` names this issuer. A malformed pool id (refused by validation) matches
    /// nothing.
    pub(crate) fn matches(&self, iss: &JsonStr<'_>) -> bool {
        match self {
            Issuer::Url(u) => *iss == u.as_ref(),
            Issuer::UserPool(id) => {
                UserPoolId::parse(id.as_ref()).is_ok_and(|pool| pool.is_issuer(iss))
            }
        }
    }

    /// The same issuer, borrowing its string.
    #[must_use]
    pub fn as_ref(&self) -> Issuer<&str> {
        match self {
            Issuer::UserPool(s) => Issuer::UserPool(s.as_ref()),
            Issuer::Url(s) => Issuer::Url(s.as_ref()),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Issuer::UserPool(id) => UserPoolId::parse(id.as_ref())
                .map(|_| ())
                .map_err(ConfigError::PoolId),
            Issuer::Url(u) if u.as_ref().is_empty() => Err(ConfigError::EmptyIssuer),
            Issuer::Url(_) => Ok(()),
        }
    }
}

/// Which token uses are accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AcceptedTokenUse {
    /// ID tokens only.
    Id,
    /// Access tokens only.
    Access,
    /// Both.
    Any,
}

/// How a list of required groups or scopes is matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Match {
    /// At least one of the listed values.
    AnyOf,
    /// Every listed value.
    AllOf,
}

/// A group or scope requirement.
#[derive(Debug, PartialEq, Eq)]
pub enum Requirement<'a, S = &'a str> {
    /// At least one of these.
    AnyOf(&'a [S]),
    /// Every one of these.
    AllOf(&'a [S]),
}

impl<S> Clone for Requirement<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Requirement<'_, S> {}

impl<'a, S: AsRef<str>> Requirement<'a, S> {
    /// A requirement of this kind over `list`.
    #[must_use]
    pub const fn new(kind: Match, list: &'a [S]) -> Self {
        match kind {
            Match::AnyOf => Requirement::AnyOf(list),
            Match::AllOf => Requirement::AllOf(list),
        }
    }

    fn satisfied_by(&self, has: impl Fn(&str) -> bool) -> bool {
        match *self {
            Requirement::AnyOf(list) => list.iter().any(|x| has(x.as_ref())),
            Requirement::AllOf(list) => list.iter().all(|x| has(x.as_ref())),
        }
    }

    fn is_empty(&self) -> bool {
        match *self {
            Requirement::AnyOf(l) | Requirement::AllOf(l) => l.is_empty(),
        }
    }

    /// Checks the token's `cognito:groups` against this requirement.
    ///
    /// # Errors
    /// [`Error::GroupNotAllowed`](crate::Error::GroupNotAllowed).
    pub fn check_groups(&self, claims: &Claims<'_>) -> Result<(), crate::Error> {
        if self.satisfied_by(|g| claims.in_group(g)) {
            Ok(())
        } else {
            Err(crate::Error::GroupNotAllowed)
        }
    }

    /// Checks the token's `scope` against this requirement.
    ///
    /// # Errors
    /// [`Error::ScopeNotAllowed`](crate::Error::ScopeNotAllowed).
    pub fn check_scopes(&self, claims: &Claims<'_>) -> Result<(), crate::Error> {
        if self.satisfied_by(|s| claims.has_scope(s)) {
            Ok(())
        } else {
            Err(crate::Error::ScopeNotAllowed)
        }
    }
}

/// A caller-supplied check run last, on tokens that passed every other check.
pub type CustomCheck = dyn Fn(&Claims<'_>) -> bool + Send + Sync;

/// Why a configuration is unusable. Every variant is
/// [`Error::InvalidConfiguration`](crate::Error::InvalidConfiguration) (`invalid_configuration`);
/// the message says what to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigError {
    /// No user pool id and no issuer URL.
    NoIssuer,
    /// No app client id.
    NoClientId,
    /// A malformed user pool id.
    PoolId(PoolIdError),
    /// An empty issuer URL.
    EmptyIssuer,
    /// An empty app client id.
    EmptyClientId,
    /// A group or scope requirement that lists nothing.
    EmptyRequirement,
    /// A JWKS URL that may not be fetched.
    JwksUrl(JwksUrlError),
    /// A JWKS URL given before any pool or issuer it could belong to.
    JwksUrlWithoutPool,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoIssuer => f.write_str("no user pool id or issuer configured"),
            ConfigError::NoClientId => f.write_str("no app client id configured"),
            ConfigError::PoolId(e) => fmt::Display::fmt(e, f),
            ConfigError::EmptyIssuer => f.write_str("an issuer URL is empty"),
            ConfigError::EmptyClientId => f.write_str("an app client id is empty"),
            ConfigError::EmptyRequirement => {
                f.write_str("a group or scope requirement lists nothing")
            }
            ConfigError::JwksUrl(e) => fmt::Display::fmt(e, f),
            ConfigError::JwksUrlWithoutPool => {
                f.write_str("a JWKS URL must follow the user pool or issuer it belongs to")
            }
        }
    }
}

impl core::error::Error for ConfigError {}

impl From<ConfigError> for crate::Error {
    fn from(_: ConfigError) -> Self {
        crate::Error::InvalidConfiguration
    }
}

/// The configuration of a [`Verifier`](crate::Verifier), borrowed: strict defaults, each
/// relaxation explicit. `S` is how strings are stored (`&str`, `String`, ...).
pub struct Config<'a, S = &'a str> {
    pub(crate) issuers: &'a [Issuer<S>],
    pub(crate) client_ids: &'a [S],
    pub(crate) token_use: AcceptedTokenUse,
    pub(crate) leeway: u64,
    pub(crate) max_age: Option<u64>,
    pub(crate) groups: Option<Requirement<'a, S>>,
    pub(crate) scopes: Option<Requirement<'a, S>>,
    pub(crate) custom: Option<&'a CustomCheck>,
    pub(crate) max_token_len: usize,
    pub(crate) allow_es256: bool,
}

impl<S> Clone for Config<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Config<'_, S> {}

impl<S: fmt::Debug> fmt::Debug for Config<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("issuers", &self.issuers)
            .field("client_ids", &self.client_ids)
            .field("token_use", &self.token_use)
            .field("leeway", &self.leeway)
            .field("max_age", &self.max_age)
            .field("groups", &self.groups)
            .field("scopes", &self.scopes)
            .field("custom", &self.custom.is_some())
            .field("max_token_len", &self.max_token_len)
            .field("allow_es256", &self.allow_es256)
            .finish()
    }
}

impl<'a, S: AsRef<str>> Config<'a, S> {
    /// Accept tokens of these issuers for these app clients; any token use, no leeway, RS256 only.
    #[must_use]
    pub const fn new(issuers: &'a [Issuer<S>], client_ids: &'a [S]) -> Self {
        Config {
            issuers,
            client_ids,
            token_use: AcceptedTokenUse::Any,
            leeway: 0,
            max_age: None,
            groups: None,
            scopes: None,
            custom: None,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            allow_es256: false,
        }
    }
    /// Accept only this token use.
    #[must_use]
    pub const fn token_use(mut self, token_use: AcceptedTokenUse) -> Self {
        self.token_use = token_use;
        self
    }
    /// Clock skew tolerated for `exp`, `nbf`, `iat`, in seconds.
    #[must_use]
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }
    /// Reject tokens whose `iat` is more than this many seconds ago (requires `iat`).
    #[must_use]
    pub const fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }
    /// Require `cognito:groups` to satisfy this.
    #[must_use]
    pub const fn groups(mut self, r: Requirement<'a, S>) -> Self {
        self.groups = Some(r);
        self
    }
    /// Require `scope` to satisfy this.
    #[must_use]
    pub const fn scopes(mut self, r: Requirement<'a, S>) -> Self {
        self.scopes = Some(r);
        self
    }
    /// Run this check last; `false` rejects with [`Error::CustomCheckFailed`](crate::Error::CustomCheckFailed).
    #[must_use]
    pub const fn custom_check(mut self, check: &'a CustomCheck) -> Self {
        self.custom = Some(check);
        self
    }
    /// Longest token accepted, in bytes.
    #[must_use]
    pub const fn max_token_len(mut self, bytes: usize) -> Self {
        self.max_token_len = bytes;
        self
    }
    /// Also accept ES256 tokens signed by P-256 keys of the key set.
    #[must_use]
    pub const fn allow_es256(mut self, yes: bool) -> Self {
        self.allow_es256 = yes;
        self
    }

    /// The accepted issuers, one per pool, in the order given.
    #[must_use]
    pub fn issuers(&self) -> &'a [Issuer<S>] {
        self.issuers
    }

    /// Longest token accepted, in bytes.
    #[must_use]
    pub fn max_token_length(&self) -> usize {
        self.max_token_len
    }

    /// Checks the configuration, saying what is wrong.
    ///
    /// # Errors
    /// [`ConfigError`]: no issuer or no client id, a malformed user pool id, an empty issuer
    /// URL or client id, a requirement that lists nothing.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.issuers.is_empty() {
            return Err(ConfigError::NoIssuer);
        }
        self.issuers.iter().try_for_each(Issuer::validate)?;
        if self.client_ids.is_empty() {
            return Err(ConfigError::NoClientId);
        }
        if self.client_ids.iter().any(|c| c.as_ref().is_empty()) {
            return Err(ConfigError::EmptyClientId);
        }
        if [self.groups, self.scopes]
            .iter()
            .flatten()
            .any(Requirement::is_empty)
        {
            return Err(ConfigError::EmptyRequirement);
        }
        Ok(())
    }
}

#[cfg(feature = "alloc")]
pub use owned::{ConfigBuilder, VerifierConfig};

#[cfg(feature = "alloc")]
mod owned {
    use alloc::boxed::Box;
    use alloc::string::{String, ToString};
    use alloc::sync::Arc;
    use alloc::vec::Vec;
    use core::fmt;

    use super::{
        AcceptedTokenUse, Config, ConfigError, CustomCheck, Issuer, Match, Requirement,
        DEFAULT_MAX_TOKEN_LEN,
    };
    use crate::jwk::{JwksOptions, KeySet, HEAP_KEY_CAPACITY};
    use crate::pool::{check_jwks_url, issuer_jwks_url, UserPoolId};
    use crate::{Error, Verifier};

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
    }

    impl fmt::Debug for VerifierConfig {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("VerifierConfig")
                .field("config", &self.verifier().config())
                .field("jwks_urls", &self.jwks_urls)
                .field("jwks", &self.jwks)
                .field("allow_insecure_http", &self.allow_insecure_http)
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
            Verifier::validated(c)
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
                    (None, Issuer::UserPool(id)) => UserPoolId::parse(id)
                        .map_err(ConfigError::PoolId)?
                        .jwks_url()
                        .to_string(),
                    (None, Issuer::Url(u)) => issuer_jwks_url(u).to_string(),
                };
                check_jwks_url(&url, config.allow_insecure_http).map_err(ConfigError::JwksUrl)?;
                urls.push(url);
            }
            config.jwks_urls = urls;
            Ok(config)
        }
    }
}
