//! The owned configuration (feature `alloc`): what every runtime with a heap holds.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use super::{AcceptedTokenUse, Config, ConfigError, CustomCheck, Issuer, Match, Requirement};
use crate::jwk::{JwksOptions, KeySet, HEAP_KEY_CAPACITY};
use crate::memo::{DEFAULT_VERDICT_MEMO_BYTES, DEFAULT_VERDICT_MEMO_ENTRIES};
use crate::refresh::RefreshConfig;
use crate::revocation::{
    Revocation, RevocationList, RevocationSlot, RevocationStats, RevokeError, SignOut,
    DEFAULT_MAX_TOKEN_LIFETIME, DEFAULT_REVOCATION_CAPACITY, MAX_REVOCATION_CAPACITY,
};
use crate::{Error, Verifier};

mod pool;

pub(crate) use pool::match_list;
pub use pool::Pool;
use pool::{PoolConfig, PoolRules};

#[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
use crate::sigcache::DEFAULT_SIGNATURE_CACHE_CAPACITY;
/// Without the `signature-cache` feature there is no cache to size.
#[cfg(not(all(feature = "signature-cache", target_has_atomic = "32")))]
const DEFAULT_SIGNATURE_CACHE_CAPACITY: usize = 0;

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
    /// Every accepted issuer, matched in order; a user pool's two issuer URLs are both here, so
    /// a token's `iss` is found by comparing strings only.
    issuers: Vec<Issuer<String>>,
    /// The pool of each issuer.
    issuer_pool: Vec<usize>,
    pools: Vec<PoolConfig>,
    leeway: u64,
    max_age: Option<u64>,
    custom: Option<Arc<CustomCheck>>,
    max_token_bytes: usize,
    allow_es256: bool,
    jwks: JwksOptions,
    allow_insecure_http: bool,
    revocation_capacity: usize,
    max_token_lifetime: u64,
    signature_cache: usize,
    verdict_memo: usize,
    verdict_memo_bytes: usize,
    refresh: RefreshConfig,
    /// Made by `build`; shared by clones.
    revocations: Option<Arc<Revocations>>,
}

impl fmt::Debug for VerifierConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierConfig")
            .field("issuers", &self.issuers)
            .field("issuer_pool", &self.issuer_pool)
            .field("pools", &self.pools)
            .field("leeway", &self.leeway)
            .field("max_age", &self.max_age)
            .field("custom", &self.custom.is_some())
            .field("max_token_bytes", &self.max_token_bytes)
            .field("allow_es256", &self.allow_es256)
            .field("jwks", &self.jwks)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("revocation_capacity", &self.revocation_capacity)
            .field("max_token_lifetime", &self.max_token_lifetime)
            .field("signature_cache", &self.signature_cache)
            .field("verdict_memo", &self.verdict_memo)
            .field("verdict_memo_bytes", &self.verdict_memo_bytes)
            .field("refresh", &self.refresh)
            .finish()
    }
}

/// Settings of a [`VerifierConfig`], checked by [`build`](Self::build). Each setting has one
/// name in every runtime (ARCHITECTURE.md, "Settings").
#[derive(Clone, Debug)]
pub struct ConfigBuilder {
    config: VerifierConfig,
    pools: Vec<Pool>,
    /// The verifier's rules, which pools take where they set none.
    rules: PoolRules,
    misplaced_url: bool,
}

impl VerifierConfig {
    /// Settings: add at least one pool (or issuer) and one client id. Every default is here,
    /// once.
    #[must_use]
    pub fn builder() -> ConfigBuilder {
        // The checks' defaults are the borrowed configuration's, stated once in `Config::new`.
        let checks = Config::<String>::new(&[], &[]);
        ConfigBuilder {
            config: VerifierConfig {
                issuers: Vec::new(),
                issuer_pool: Vec::new(),
                pools: Vec::new(),
                leeway: checks.leeway,
                max_age: checks.max_age,
                custom: None,
                max_token_bytes: checks.max_token_bytes,
                allow_es256: checks.allow_es256,
                jwks: JwksOptions::new(),
                allow_insecure_http: false,
                revocation_capacity: DEFAULT_REVOCATION_CAPACITY,
                max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME,
                signature_cache: DEFAULT_SIGNATURE_CACHE_CAPACITY,
                verdict_memo: DEFAULT_VERDICT_MEMO_ENTRIES,
                verdict_memo_bytes: DEFAULT_VERDICT_MEMO_BYTES,
                refresh: RefreshConfig::DEFAULT,
                revocations: None,
            },
            pools: Vec::new(),
            rules: PoolRules {
                token_use: Some(checks.token_use),
                ..PoolRules::default()
            },
            misplaced_url: false,
        }
    }

    /// The verifier of the first pool's rules, borrowing this configuration (no copy, no
    /// allocation): with one pool, or pools that share their rules, the verifier of every token.
    #[must_use]
    pub fn verifier(&self) -> Verifier<'_, String> {
        self.verifier_for(0)
    }

    /// The verifier of pool `pool`'s rules (its clients, token use, groups and scopes), which a
    /// token of that pool is checked with; no copy, no allocation.
    #[must_use]
    pub fn verifier_for(&self, pool: usize) -> Verifier<'_, String> {
        fn req(r: &Option<(Match, Vec<String>)>) -> Option<Requirement<'_, String>> {
            r.as_ref().map(|(kind, list)| Requirement::new(*kind, list))
        }
        let rules = self.pools.get(pool).map(|p| &p.rules);
        let mut c = Config::new(&self.issuers, rules.map_or(&[][..], |r| &r.client_ids))
            .token_use(
                rules
                    .and_then(|r| r.token_use)
                    .unwrap_or(AcceptedTokenUse::Any),
            )
            .leeway(self.leeway)
            .max_token_bytes(self.max_token_bytes)
            .allow_es256(self.allow_es256);
        c.max_age = self.max_age;
        c.groups = rules.and_then(|r| req(&r.groups));
        c.scopes = rules.and_then(|r| req(&r.scopes));
        c.custom = self.custom.as_deref();
        if let Some(list) = &self.revocations {
            c = c.revocations(&**list);
        }
        Verifier::validated(c)
    }

    /// The pool of a token whose `iss` is configured issuer `issuer` ([`Token::issuer`](crate::Token::issuer)).
    #[must_use]
    pub fn pool_of_issuer(&self, issuer: usize) -> Option<usize> {
        self.issuer_pool.get(issuer).copied()
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

    /// Number of pools, each with its own key set.
    #[must_use]
    pub fn pool_count(&self) -> usize {
        self.pools.len()
    }

    /// The JWKS URL of pool `pool`: as given, or the Cognito URL of a user pool id, or
    /// `{issuer}/.well-known/jwks.json`.
    #[must_use]
    pub fn jwks_url(&self, pool: usize) -> Option<&str> {
        self.pools.get(pool).map(|p| p.jwks_url.as_str())
    }

    /// How key sets are read: size limit in bytes, RSA exponents.
    #[must_use]
    pub fn jwks_options(&self) -> &JwksOptions {
        &self.jwks
    }

    /// Longest token accepted, in bytes.
    #[must_use]
    pub fn max_token_bytes(&self) -> usize {
        self.max_token_bytes
    }

    /// Largest JWKS document read, in bytes.
    #[must_use]
    pub fn max_jwks_bytes(&self) -> usize {
        self.jwks.max_jwks_bytes()
    }

    /// Whether plain `http` JWKS URLs beyond loopback were allowed.
    #[must_use]
    pub fn allows_insecure_http(&self) -> bool {
        self.allow_insecure_http
    }

    /// Entries of the verified-signature cache (0: off).
    #[must_use]
    pub fn signature_cache(&self) -> usize {
        self.signature_cache
    }

    /// Entries and bytes the verdict memo holds at most (entries 0: off).
    #[must_use]
    pub fn verdict_memo(&self) -> (usize, usize) {
        (self.verdict_memo, self.verdict_memo_bytes)
    }

    /// Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds.
    #[must_use]
    pub fn leeway(&self) -> u64 {
        self.leeway
    }

    /// The key refresh policy's tunables, the same for every pool.
    #[must_use]
    pub fn refresh(&self) -> RefreshConfig {
        self.refresh
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
    /// Accept tokens of this user pool (both Cognito issuer forms); keys from
    /// [`UserPoolId::jwks_url`](crate::UserPoolId::jwks_url) unless [`jwks_url`](Self::jwks_url) follows.
    #[must_use]
    pub fn user_pool(self, pool_id: impl Into<String>) -> Self {
        self.pool(Pool::user_pool(pool_id))
    }
    /// Accept tokens whose `iss` is exactly this URL (emulators, other partitions); keys
    /// from `{issuer}/.well-known/jwks.json` unless [`jwks_url`](Self::jwks_url) follows.
    #[must_use]
    pub fn issuer(self, url: impl Into<String>) -> Self {
        self.pool(Pool::issuer(url))
    }
    /// A pool with settings of its own ([`Pool`]).
    #[must_use]
    pub fn pool(mut self, pool: Pool) -> Self {
        self.pools.push(pool);
        self
    }
    /// The JWKS URL of the pool or issuer added last.
    #[must_use]
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        match self.pools.last_mut() {
            Some(pool) => pool.jwks_url = Some(url.into()),
            None => self.misplaced_url = true,
        }
        self
    }
    /// Accept this app client (repeatable), in every pool that names none of its own.
    #[must_use]
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.rules.client_ids.push(id.into());
        self
    }
    /// Accept only this token use (default: any), in every pool that sets none of its own.
    #[must_use]
    pub fn token_use(mut self, t: AcceptedTokenUse) -> Self {
        self.rules.token_use = Some(t);
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
    /// Require `cognito:groups` to match these groups, in every pool that sets none of its own.
    #[must_use]
    pub fn groups<I: IntoIterator<Item = T>, T: Into<String>>(
        mut self,
        kind: Match,
        groups: I,
    ) -> Self {
        self.rules.groups = pool::match_list(kind, groups);
        self
    }
    /// Require `scope` to match these scopes, in every pool that sets none of its own.
    #[must_use]
    pub fn scopes<I: IntoIterator<Item = T>, T: Into<String>>(
        mut self,
        kind: Match,
        scopes: I,
    ) -> Self {
        self.rules.scopes = pool::match_list(kind, scopes);
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
    /// Longest token accepted, in bytes (default
    /// [`DEFAULT_MAX_TOKEN_BYTES`](crate::DEFAULT_MAX_TOKEN_BYTES)).
    #[must_use]
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.config.max_token_bytes = bytes;
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
        self.config.jwks = self.config.jwks.with_max_jwks_bytes(bytes);
        self
    }
    /// Accept RSA exponents other than 65537.
    #[must_use]
    pub fn allow_any_rsa_exponent(mut self, yes: bool) -> Self {
        self.config.jwks = self.config.jwks.allow_any_rsa_exponent(yes);
        self
    }
    /// Allow JWKS URLs over plain `http` to hosts other than loopback (never needed for
    /// Cognito; see [`check_jwks_url`](crate::check_jwks_url)).
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
    /// Entries of the verified-signature cache (default 4,096 with the `signature-cache`
    /// feature, 28 bytes each; 0 turns it off): tokens whose
    /// signature was verified before skip the RSA or ECDSA arithmetic, every other check runs.
    #[must_use]
    pub fn signature_cache(mut self, entries: usize) -> Self {
        self.config.signature_cache = entries;
        self
    }
    /// Entries of the verdict memo (default [`DEFAULT_VERDICT_MEMO_ENTRIES`], rounded down to a
    /// multiple of 4; 0 turns it off): a token that fully verified before is answered by
    /// checking its claims again, without its signature, decoding or parsing.
    #[must_use]
    pub fn verdict_memo(mut self, entries: usize) -> Self {
        self.config.verdict_memo = entries;
        self
    }
    /// Bytes the verdict memo holds at most, counting each entry's token, decoded payload and
    /// bookkeeping (default [`DEFAULT_VERDICT_MEMO_BYTES`], 4 MiB: about 2,000 Cognito tokens).
    #[must_use]
    pub fn verdict_memo_bytes(mut self, bytes: usize) -> Self {
        self.config.verdict_memo_bytes = bytes;
        self
    }
    /// The key refresh policy's tunables (default [`RefreshConfig::DEFAULT`]).
    #[must_use]
    pub fn refresh(mut self, refresh: RefreshConfig) -> Self {
        self.config.refresh = refresh;
        self
    }

    /// Checks everything once and derives each pool's issuers and JWKS URL.
    ///
    /// # Errors
    /// [`ConfigError`] saying what to fix.
    pub fn build(self) -> Result<VerifierConfig, ConfigError> {
        let ConfigBuilder {
            mut config,
            pools,
            rules,
            misplaced_url,
        } = self;
        if misplaced_url {
            return Err(ConfigError::JwksUrlWithoutPool);
        }
        if pools.is_empty() {
            return Err(ConfigError::NoIssuer);
        }
        for (index, pool) in pools.iter().enumerate() {
            let (issuers, jwks_url) = pool.resolve(config.allow_insecure_http)?;
            config.issuer_pool.extend(issuers.iter().map(|_| index));
            config.issuers.extend(issuers);
            config.pools.push(PoolConfig {
                jwks_url,
                rules: pool.rules.clone().or(&rules),
            });
        }
        for pool in 0..config.pools.len() {
            config.verifier_for(pool).config().validate()?;
        }
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
