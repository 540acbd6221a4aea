//! [`CognitoJwtVerifier`]: tokens of one or several pools, verified against keys each pool's
//! [`JwksCache`] fetches. The pool is the one the token's `iss` names (the core's rule), so a
//! token costs one signature check whatever the number of pools.

use std::boxed::Box;
use std::string::{String, ToString};
use std::sync::Arc;
use std::vec;
use std::vec::Vec;

use super::cache::{JwksCache, JwksCacheBuilder, Keys, VerifyError};
use crate::{
    payload_buffer_len, AcceptedTokenUse, CacheSlot, Claims, ConfigBuilder, Error, Requirement,
    Revocation, RevocationStats, RevokeError, SignOut, SignatureCache, SignatureCacheStats,
    TokenUse, VerifierConfig, DEFAULT_MAX_TOKEN_LEN, DEFAULT_SIGNATURE_CACHE_CAPACITY,
};

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

/// Token use, group and scope requirements for one call of
/// [`CognitoJwtVerifier::verify_with`] (one route of a service), checked after everything the
/// verifier's configuration requires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requirements<'a> {
    token_use: Option<AcceptedTokenUse>,
    groups: Option<Requirement<'a>>,
    scopes: Option<Requirement<'a>>,
}

impl<'a> Requirements<'a> {
    /// Nothing beyond the verifier's configuration.
    pub const NONE: Requirements<'static> = Requirements {
        token_use: None,
        groups: None,
        scopes: None,
    };
    /// Accept only this token use ([`Error::WrongTokenUse`] otherwise).
    #[must_use]
    pub const fn token_use(mut self, t: AcceptedTokenUse) -> Self {
        self.token_use = Some(t);
        self
    }
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

    fn check(&self, claims: &Claims<'_>) -> Result<(), Error> {
        match (self.token_use, claims.token_use()) {
            (None | Some(AcceptedTokenUse::Any), _)
            | (Some(AcceptedTokenUse::Id), TokenUse::Id)
            | (Some(AcceptedTokenUse::Access), TokenUse::Access) => {}
            _ => return Err(Error::WrongTokenUse),
        }
        if let Some(g) = self.groups {
            g.check_groups(claims)?;
        }
        if let Some(s) = self.scopes {
            s.check_scopes(claims)?;
        }
        Ok(())
    }
}

/// Settings of a [`CognitoJwtVerifier`]: the core's [`ConfigBuilder`] plus the cache settings.
#[derive(Clone, Debug)]
pub struct CognitoJwtVerifierBuilder {
    config: ConfigBuilder,
    cache: JwksCacheBuilder,
    signature_cache: usize,
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
    /// Any other setting of the core's configuration (groups, scopes, ES256, limits, a custom
    /// check...).
    #[must_use]
    pub fn config(self, f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Self {
        self.map(f)
    }
    /// Settings of each pool's [`JwksCache`] (URL and key-set rules come from the configuration).
    #[must_use]
    pub fn cache(mut self, f: impl FnOnce(JwksCacheBuilder) -> JwksCacheBuilder) -> Self {
        self.cache = f(self.cache);
        self
    }

    /// Capacity of the verified-signature cache ([`SignatureCache`]): tokens whose signature was
    /// verified before skip the RSA or ECDSA arithmetic (every other check still runs). On by
    /// default with [`DEFAULT_SIGNATURE_CACHE_CAPACITY`] entries (28 bytes each); 0 turns it off.
    #[must_use]
    pub fn signature_cache(mut self, capacity: usize) -> Self {
        self.signature_cache = capacity;
        self
    }

    /// Revocations held at most (default
    /// [`DEFAULT_REVOCATION_CAPACITY`](crate::DEFAULT_REVOCATION_CAPACITY), 32 bytes each; 0
    /// turns revocation off). See [`CognitoJwtVerifier::revoke`].
    #[must_use]
    pub fn revocation_capacity(self, entries: usize) -> Self {
        self.map(|c| c.revocation_capacity(entries))
    }
    /// The longest validity of the pool's ID and access tokens, in seconds (default one day,
    /// Cognito's maximum): how long a revoked session or user is held.
    #[must_use]
    pub fn max_token_lifetime(self, seconds: u64) -> Self {
        self.map(|c| c.max_token_lifetime(seconds))
    }

    /// Checks the configuration and creates one cache per pool. Nothing is fetched yet.
    ///
    /// # Errors
    /// [`Error::InvalidConfiguration`]: see [`ConfigBuilder::build`] (no pool, no client id, a
    /// malformed pool id, an empty issuer, a JWKS URL that may not be fetched).
    pub fn build(self) -> Result<CognitoJwtVerifier, Error> {
        let config = self.config.build()?;
        let caches = (0..config.pool_count())
            .map(|pool| self.cache.clone().for_pool(&config, pool).build())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CognitoJwtVerifier {
            inner: Arc::new(Inner {
                config,
                caches,
                clock: self.cache.clock_fn(),
                signatures: SignatureCache::with_capacity(self.signature_cache),
            }),
        })
    }
}

/// Verifies Cognito tokens, fetching and caching each pool's JWKS. Cheap to clone (`Arc`).
#[derive(Clone, Debug)]
pub struct CognitoJwtVerifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: VerifierConfig,
    caches: Vec<JwksCache>,
    clock: fn() -> u64,
    /// Shared by every pool and every task: an entry is bound to the key that verified it.
    signatures: SignatureCache<Box<[CacheSlot]>>,
}

/// Runs `f` with a payload buffer for `token`: on the stack for tokens up to the default size.
fn with_buffer<R>(token: &str, f: impl FnOnce(&mut [u8]) -> R) -> R {
    const STACK: usize = payload_buffer_len(DEFAULT_MAX_TOKEN_LEN);
    let needed = payload_buffer_len(token.len());
    if needed <= STACK {
        f(&mut [0u8; STACK])
    } else {
        f(&mut vec![0u8; needed])
    }
}

impl Inner {
    /// The core's verification with one pool's keys; `f` back when it was not called.
    fn verify_one<T, F: FnOnce(&Claims<'_>) -> T>(
        &self,
        pool: usize,
        keys: &Keys,
        token: &str,
        req: Requirements<'_>,
        f: F,
    ) -> Result<T, (Error, F)> {
        let now = (self.clock)();
        let verifier = self.config.verifier();
        with_buffer(token, |buf| {
            let keys_of = |p: usize| (p == pool).then_some(keys);
            let verified = if self.signatures.stats().capacity == 0 {
                verifier.verify_pools(&keys_of, token, now, buf)
            } else {
                verifier.verify_pools_cached(&keys_of, &self.signatures, token, now, buf)
            };
            match verified.and_then(|c| req.check(&c).map(|()| c)) {
                Ok(claims) => Ok(f(&claims)),
                Err(e) => Err((e, f)),
            }
        })
    }
}

impl CognitoJwtVerifier {
    /// Settings: add at least one pool (or issuer) and one client id.
    #[must_use]
    pub fn builder() -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder {
            config: VerifierConfig::builder(),
            cache: JwksCache::builder(""),
            signature_cache: DEFAULT_SIGNATURE_CACHE_CAPACITY,
        }
    }

    /// The configuration every token is checked against.
    #[must_use]
    pub fn config(&self) -> &VerifierConfig {
        &self.inner.config
    }

    /// Hits and misses of the verified-signature cache, and its capacity (0: off).
    #[must_use]
    pub fn stats(&self) -> SignatureCacheStats {
        self.inner.signatures.stats()
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
        self.inner.config.revoke(revocation, (self.inner.clock)())
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
            .config
            .sign_out(sub, origin_jti, (self.inner.clock)())
    }

    /// Live revocations held now, and the capacity.
    #[must_use]
    pub fn revocation_stats(&self) -> RevocationStats {
        self.inner.config.revocation_stats((self.inner.clock)())
    }

    /// The key cache of each pool, in the order they were added.
    pub fn caches(&self) -> impl Iterator<Item = &JwksCache> + '_ {
        self.inner.caches.iter()
    }

    /// Fetches every pool's keys now (at start-up), so the first request does not wait.
    ///
    /// # Errors
    /// The first pool whose keys cannot be obtained.
    pub async fn hydrate(&self) -> Result<(), VerifyError> {
        for cache in &self.inner.caches {
            cache.keys().await?;
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
    /// As [`verify`](Self::verify); [`Error::WrongTokenUse`], [`Error::GroupNotAllowed`] or
    /// [`Error::ScopeNotAllowed`] for a valid token that misses a requirement.
    pub async fn verify_with<T, F: FnOnce(&Claims<'_>) -> T>(
        &self,
        token: &str,
        req: Requirements<'_>,
        f: F,
    ) -> Result<T, VerifyError> {
        let inner = &*self.inner;
        // The token's `iss` picks the pool (and a token of none is refused before any fetch).
        let pool = if inner.caches.len() == 1 {
            0
        } else {
            let verifier = inner.config.verifier();
            with_buffer(token, |buf| verifier.select_pool(token, buf))?
        };
        let Some(cache) = inner.caches.get(pool) else {
            return Err(VerifyError::Token(Error::WrongIssuer));
        };
        let keys = cache.keys().await?;
        match inner.verify_one(pool, &keys, token, req, f) {
            Ok(t) => Ok(t),
            // A kid the cached keys lack: refetch if the policy allows, then try once more.
            Err((Error::UnknownKid, f)) => {
                let fresh = cache.keys_after_unknown_kid().await?;
                if Arc::ptr_eq(&fresh, &keys) {
                    return Err(VerifyError::Token(Error::UnknownKid));
                }
                inner
                    .verify_one(pool, &fresh, token, req, f)
                    .map_err(|(e, _)| VerifyError::Token(e))
            }
            Err((e, _)) => Err(VerifyError::Token(e)),
        }
    }
}

// Compile-time check that the shared types can cross tasks.
const _: fn() = || {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<JwksCache>();
    send_sync::<CognitoJwtVerifier>();
};
