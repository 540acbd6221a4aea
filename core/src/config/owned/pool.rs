//! One pool of an owned configuration ([`Pool`]): its issuers, where its keys come from, and
//! what it accepts where that differs from the rest of the verifier.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::config::{AcceptedTokenUse, ConfigError, Issuer, Match};
use crate::pool::{check_jwks_url, display_string, issuer_jwks_url, UserPoolId};

/// One pool of an owned configuration: where its keys come from and what it accepts.
#[derive(Clone, Debug)]
pub(super) struct PoolConfig {
    pub(super) jwks_url: String,
    pub(super) rules: PoolRules,
}

/// What a pool accepts beyond its issuer; each unset rule is the verifier's.
#[derive(Clone, Debug, Default)]
pub(super) struct PoolRules {
    pub(super) client_ids: Vec<String>,
    pub(super) token_use: Option<AcceptedTokenUse>,
    pub(super) groups: Option<(Match, Vec<String>)>,
    pub(super) scopes: Option<(Match, Vec<String>)>,
}

/// A group or scope list as a pool's rules (and a route's [`Requirements`](crate::Requirements))
/// keep it.
pub(crate) fn match_list<I: IntoIterator<Item = T>, T: Into<String>>(
    kind: Match,
    values: I,
) -> Option<(Match, Vec<String>)> {
    Some((kind, values.into_iter().map(Into::into).collect()))
}

impl PoolRules {
    /// These rules, each unset one taken from `all`.
    pub(super) fn or(mut self, all: &PoolRules) -> PoolRules {
        if self.client_ids.is_empty() {
            self.client_ids.clone_from(&all.client_ids);
        }
        self.token_use = self.token_use.or(all.token_use);
        if self.groups.is_none() {
            self.groups.clone_from(&all.groups);
        }
        if self.scopes.is_none() {
            self.scopes.clone_from(&all.scopes);
        }
        self
    }
}

/// One pool's settings, for [`ConfigBuilder::pool`](crate::ConfigBuilder::pool): the issuers whose tokens its keys sign, and
/// what it accepts where that differs from the rest of the verifier (aws-jwt-verify's
/// several-pool form).
///
/// ```
/// use cognito_verify::{AcceptedTokenUse, Pool, VerifierConfig};
/// let config = VerifierConfig::builder()
///     .pool(Pool::user_pool("us-east-1_Example1").client_id("web").token_use(AcceptedTokenUse::Id))
///     .pool(Pool::user_pool("eu-west-1_Example2").client_id("api").token_use(AcceptedTokenUse::Access))
///     .build()
///     .unwrap();
/// assert_eq!(config.pool_count(), 2);
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct Pool {
    user_pool: Option<String>,
    issuers: Vec<String>,
    pub(super) jwks_url: Option<String>,
    pub(super) rules: PoolRules,
}

impl Pool {
    /// A Cognito user pool by id: both of its issuer URLs, keys from its JWKS URL.
    pub fn user_pool(pool_id: impl Into<String>) -> Self {
        Pool {
            user_pool: Some(pool_id.into()),
            ..Pool::default()
        }
    }
    /// An exact issuer URL (emulators, other partitions); keys from
    /// `{issuer}/.well-known/jwks.json` unless [`jwks_url`](Self::jwks_url) says otherwise.
    pub fn issuer(url: impl Into<String>) -> Self {
        Pool {
            issuers: vec![url.into()],
            ..Pool::default()
        }
    }
    /// Another issuer URL signed by the same keys. With a user pool id, the issuer URLs given
    /// replace the pool's own (an emulator that names the pool by its own URL) and the keys
    /// still come from the pool's JWKS URL.
    pub fn also_issuer(mut self, url: impl Into<String>) -> Self {
        self.issuers.push(url.into());
        self
    }
    /// Where the keys come from, instead of the URL derived from the pool id or issuer.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }
    /// Accept this app client for this pool (repeatable; then the verifier's do not apply).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.rules.client_ids.push(id.into());
        self
    }
    /// Accept only this token use from this pool.
    pub fn token_use(mut self, t: AcceptedTokenUse) -> Self {
        self.rules.token_use = Some(t);
        self
    }
    /// Require `cognito:groups` of this pool's tokens to match these groups.
    pub fn groups<I: IntoIterator<Item = T>, T: Into<String>>(
        mut self,
        kind: Match,
        groups: I,
    ) -> Self {
        self.rules.groups = match_list(kind, groups);
        self
    }
    /// Require `scope` of this pool's tokens to match these scopes.
    pub fn scopes<I: IntoIterator<Item = T>, T: Into<String>>(
        mut self,
        kind: Match,
        scopes: I,
    ) -> Self {
        self.rules.scopes = match_list(kind, scopes);
        self
    }

    /// The pool's issuers and its JWKS URL, under the core's rules.
    pub(super) fn resolve(
        &self,
        allow_insecure_http: bool,
    ) -> Result<(Vec<Issuer<String>>, String), ConfigError> {
        let mut issuers = Vec::new();
        let derived = match &self.user_pool {
            Some(id) => {
                let pool = UserPoolId::parse(id).map_err(ConfigError::PoolId)?;
                if self.issuers.is_empty() {
                    let (a, b) = pool.issuer_urls();
                    issuers.push(Issuer::Url(a));
                    issuers.push(Issuer::Url(b));
                }
                Some(display_string(&pool.jwks_url()))
            }
            None => None,
        };
        for url in &self.issuers {
            if url.is_empty() {
                return Err(ConfigError::EmptyIssuer);
            }
            issuers.push(Issuer::Url(url.clone()));
        }
        let url = match (&self.jwks_url, derived, self.issuers.first()) {
            (Some(u), _, _) => u.clone(),
            (None, Some(u), _) => u,
            (None, None, Some(issuer)) => display_string(&issuer_jwks_url(issuer)),
            (None, None, None) => return Err(ConfigError::NoIssuer),
        };
        check_jwks_url(&url, allow_insecure_http).map_err(ConfigError::JwksUrl)?;
        Ok((issuers, url))
    }
}
