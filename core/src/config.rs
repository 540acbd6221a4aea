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
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

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

/// Whether a verified token is revoked: asked after the signature, the token use, the client
/// and the clock checks, before groups, scopes and the custom check. `RevocationList` (on
/// targets with 32-bit atomics) is the one this crate provides; a caller may supply its own.
pub trait RevocationCheck: Sync {
    /// `true` denies the token with [`Error::Revoked`](crate::Error::Revoked).
    fn is_revoked(&self, claims: &Claims<'_>) -> bool;
}

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
    /// A revocation capacity above `MAX_REVOCATION_CAPACITY`.
    RevocationCapacityTooLarge,
    /// No load balancer ARN (an ALB verifier).
    NoAlbArn,
    /// An ARN that is not an Application Load Balancer's in a known partition.
    AlbArn,
}

impl ConfigError {
    /// What to fix, as [`Display`](fmt::Display) writes it (without `core::fmt`).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            ConfigError::NoIssuer => "no user pool id or issuer configured",
            ConfigError::NoClientId => "no app client id configured",
            ConfigError::PoolId(e) => e.message(),
            ConfigError::EmptyIssuer => "an issuer URL is empty",
            ConfigError::EmptyClientId => "an app client id is empty",
            ConfigError::EmptyRequirement => "a group or scope requirement lists nothing",
            ConfigError::JwksUrl(e) => e.message(),
            ConfigError::JwksUrlWithoutPool => {
                "a JWKS URL must follow the user pool or issuer it belongs to"
            }
            ConfigError::RevocationCapacityTooLarge => {
                "the revocation capacity is above 4,194,304 entries"
            }
            ConfigError::NoAlbArn => "no load balancer ARN configured",
            ConfigError::AlbArn => {
                "an ALB ARN is arn:{aws|aws-us-gov|aws-cn}:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{id}"
            }
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
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
    pub(crate) revocations: Option<&'a dyn RevocationCheck>,
    pub(crate) max_token_bytes: usize,
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
            .field("revocations", &self.revocations.is_some())
            .field("max_token_bytes", &self.max_token_bytes)
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
            revocations: None,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
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
    /// Deny tokens this list says are revoked ([`Error::Revoked`](crate::Error::Revoked)).
    #[must_use]
    pub const fn revocations(mut self, list: &'a dyn RevocationCheck) -> Self {
        self.revocations = Some(list);
        self
    }
    /// Longest token accepted, in bytes.
    #[must_use]
    pub const fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = bytes;
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
pub use owned::{ConfigBuilder, Pool, VerifierConfig};

#[cfg(feature = "alloc")]
mod owned;
#[cfg(feature = "alloc")]
pub(crate) use owned::match_list;
