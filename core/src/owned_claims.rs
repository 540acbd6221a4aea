//! What a verifier with a heap hands out and takes per route (feature `alloc`, no IO):
//! [`OwnedClaims`], the claims of a verified token kept in one copy of its payload, and
//! [`Requirements`], a route's extra rules, built once.

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use crate::json::{JsonStr, StrArray};
use crate::{AcceptedTokenUse, ClaimValue, Claims, Error, Match, Requirement, TokenUse};

/// Where a claim's decoded text lies in [`OwnedClaims`]'s text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

/// The claims of a verified token, outliving the verification: one copy of the decoded payload
/// (shared by clones, so cloning is a reference count, never a copy) and where each standard
/// claim lies in it.
///
/// A claim written with JSON escapes (rare: Cognito writes UTF-8 as is) is decoded once, into
/// the same text after the payload.
#[derive(Clone, PartialEq, Eq)]
pub struct OwnedClaims {
    /// The payload, then the decoded text of claims written with escapes.
    text: Arc<str>,
    payload_len: usize,
    token_use: TokenUse,
    exp: i64,
    iat: Option<i64>,
    sub: Option<Span>,
    username: Option<Span>,
    client_id: Span,
    issuer: Span,
    email: Option<Span>,
    scope: Option<Span>,
    /// The JSON text of `cognito:groups` (an array of strings, validated).
    groups: Option<Span>,
}

/// Where `part`, a slice of `whole`, starts in it; `None` for text from elsewhere.
fn offset(whole: &str, part: &str) -> Option<usize> {
    // Addresses, not a search: a claim's text is a slice of the payload it was read from (the
    // content check below keeps the answer right whatever `part` is).
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (whole.get(start..end) == Some(part)).then_some(start)
}

impl OwnedClaims {
    /// Keeps the claims: one allocation, the payload copied once (plus the decoded text of any
    /// claim written with escapes).
    ///
    /// Claims that outlive the buffer they were read into, for a function to return (feature
    /// `alloc`, no `fetch` needed):
    ///
    /// ```
    /// use cognito_verify::{Config, Error, Issuer, KeySet, OwnedClaims, Verifier};
    ///
    /// fn verified(keys: &KeySet, token: &str, now: u64) -> Result<OwnedClaims, Error> {
    ///     let issuers = [Issuer::UserPool("us-east-1_Example1")];
    ///     let verifier = Verifier::new(Config::new(&issuers, &["3n4b5urk1ft4fl3mg5e62d9ado"]))?;
    ///     let mut buf = vec![0u8; cognito_verify::payload_buffer_len(token.len())];
    ///     let claims = verifier.verify(keys, token, now, &mut buf)?;
    ///     Ok(OwnedClaims::from_claims(&claims)) // `buf` may go now
    /// }
    /// # let jwks = include_bytes!("../../testdata/doc/jwks.json");
    /// # let token = include_str!("../../testdata/doc/token.txt").trim();
    /// let claims = verified(&KeySet::from_jwks(jwks)?, token, 1_700_000_100)?;
    /// assert_eq!(claims.username(), Some("alice"));
    /// # Ok::<(), Error>(())
    /// ```
    #[must_use]
    pub fn from_claims(c: &Claims<'_>) -> Self {
        Self::keep(c, None)
    }

    /// Keeps the claims read from `payload`, taking a reference to it instead of a copy (no
    /// allocation) when `c` lies in it and no claim is written with escapes: the claims of a
    /// verdict-memo hit ([`VerifierCore::recall`](crate::VerifierCore::recall)). Otherwise as
    /// [`from_claims`](Self::from_claims).
    #[must_use]
    pub fn from_shared(c: &Claims<'_>, payload: &Arc<str>) -> Self {
        Self::keep(c, Some(payload))
    }

    fn keep(c: &Claims<'_>, shared: Option<&Arc<str>>) -> Self {
        let payload = c.payload_json();
        let mut extra = String::new();
        let mut locate = |s: JsonStr<'_>| {
            if s.as_str().is_some() {
                if let Some(start) = offset(payload, s.raw_json()) {
                    let end = start + s.raw_json().len();
                    return Span { start, end };
                }
            }
            let start = payload.len() + extra.len();
            let _ = write!(extra, "{s}"); // writing into a String cannot fail
            Span {
                start,
                end: payload.len() + extra.len(),
            }
        };
        let sub = c.sub().map(&mut locate);
        let username = c.username().map(&mut locate);
        let client_id = locate(c.client_id());
        let issuer = locate(c.issuer());
        let email = c.email().map(&mut locate);
        let scope = c.scope().map(&mut locate);
        let groups = c.groups.map(|raw| match offset(payload, raw) {
            Some(start) => Span {
                start,
                end: start + raw.len(),
            },
            None => {
                let start = payload.len() + extra.len();
                extra.push_str(raw);
                Span {
                    start,
                    end: start + raw.len(),
                }
            }
        });
        let text: Arc<str> = match shared {
            // The same text, not merely equal text: the spans above are offsets into it.
            Some(p)
                if extra.is_empty()
                    && core::ptr::eq(p.as_ptr(), payload.as_ptr())
                    && p.len() == payload.len() =>
            {
                Arc::clone(p)
            }
            _ if extra.is_empty() => Arc::from(payload),
            _ => Arc::from(payload.to_string() + &extra),
        };
        OwnedClaims {
            text,
            payload_len: payload.len(),
            token_use: c.token_use(),
            exp: c.exp(),
            iat: c.iat(),
            sub,
            username,
            client_id,
            issuer,
            email,
            scope,
            groups,
        }
    }

    fn at(&self, s: Span) -> &str {
        self.text.get(s.start..s.end).unwrap_or_default()
    }

    /// `token_use`.
    #[must_use]
    pub fn token_use(&self) -> TokenUse {
        self.token_use
    }
    /// `sub`, the user's stable id (empty when absent).
    #[must_use]
    pub fn sub(&self) -> &str {
        self.sub.map_or("", |s| self.at(s))
    }
    /// `username` (access tokens) or `cognito:username` (ID tokens).
    #[must_use]
    pub fn username(&self) -> Option<&str> {
        self.username.map(|s| self.at(s))
    }
    /// `aud` of an ID token, `client_id` of an access token.
    #[must_use]
    pub fn client_id(&self) -> &str {
        self.at(self.client_id)
    }
    /// `iss`.
    #[must_use]
    pub fn issuer(&self) -> &str {
        self.at(self.issuer)
    }
    /// `exp`, unix seconds.
    #[must_use]
    pub fn exp(&self) -> i64 {
        self.exp
    }
    /// `iat`, unix seconds.
    #[must_use]
    pub fn iat(&self) -> Option<i64> {
        self.iat
    }
    /// `email`.
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        self.email.map(|s| self.at(s))
    }
    /// `scope`, space separated.
    #[must_use]
    pub fn scope(&self) -> Option<&str> {
        self.scope.map(|s| self.at(s))
    }
    /// Whether `scope` lists this scope.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        !scope.is_empty()
            && self
                .scope()
                .is_some_and(|s| s.split(' ').any(|w| w == scope))
    }
    /// The entries of `cognito:groups` (none when absent), read from the payload on each call.
    #[must_use]
    pub fn groups(&self) -> StrArray<'_> {
        StrArray::new(self.groups.map_or("[]", |s| self.at(s)))
    }
    /// Whether `cognito:groups` lists this group.
    #[must_use]
    pub fn in_group(&self, group: &str) -> bool {
        self.groups().any(|g| g == group)
    }
    /// The whole payload, as JSON text.
    #[must_use]
    pub fn payload_json(&self) -> &str {
        self.text.get(..self.payload_len).unwrap_or_default()
    }
    /// Any claim by name (names compared after decoding escapes), read from the payload.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<ClaimValue<'_>> {
        crate::claims::parse(self.payload_json()).ok()?.get(name)
    }
}

impl fmt::Debug for OwnedClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Groups<'a>(&'a OwnedClaims);
        impl fmt::Debug for Groups<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.groups().map(|g| g.to_string()))
                    .finish()
            }
        }
        f.debug_struct("OwnedClaims")
            .field("token_use", &self.token_use)
            .field("sub", &self.sub())
            .field("username", &self.username())
            .field("client_id", &self.client_id())
            .field("issuer", &self.issuer())
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("email", &self.email())
            .field("scope", &self.scope())
            .field("groups", &Groups(self))
            .finish_non_exhaustive()
    }
}

/// Token use, group and scope requirements of one route of a service, checked after
/// everything the verifier's configuration requires. Built once (its lists are owned) and
/// lent to each [`CognitoJwtVerifier::verify_with`](crate::CognitoJwtVerifier::verify_with).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirements {
    token_use: Option<AcceptedTokenUse>,
    groups: Option<(Match, Vec<String>)>,
    scopes: Option<(Match, Vec<String>)>,
}

impl Requirements {
    /// Nothing beyond the verifier's configuration.
    pub const NONE: Requirements = Requirements {
        token_use: None,
        groups: None,
        scopes: None,
    };
    /// Accept only this token use ([`Error::WrongTokenUse`] otherwise).
    #[must_use]
    pub fn token_use(mut self, t: AcceptedTokenUse) -> Self {
        self.token_use = Some(t);
        self
    }
    /// Require `cognito:groups` to match these groups ([`Error::GroupNotAllowed`] otherwise).
    #[must_use]
    pub fn groups<I: IntoIterator<Item = T>, T: Into<String>>(
        mut self,
        kind: Match,
        groups: I,
    ) -> Self {
        self.groups = crate::config::match_list(kind, groups);
        self
    }
    /// Require `scope` to match these scopes ([`Error::ScopeNotAllowed`] otherwise).
    #[must_use]
    pub fn scopes<I: IntoIterator<Item = T>, T: Into<String>>(
        mut self,
        kind: Match,
        scopes: I,
    ) -> Self {
        self.scopes = crate::config::match_list(kind, scopes);
        self
    }

    /// Checks `claims` (verified by a [`Verifier`](crate::Verifier) or a
    /// [`VerifierCore`](crate::VerifierCore)) against these requirements, allocating nothing.
    ///
    /// # Errors
    /// [`Error::WrongTokenUse`], [`Error::GroupNotAllowed`] or [`Error::ScopeNotAllowed`].
    pub fn check(&self, claims: &Claims<'_>) -> Result<(), Error> {
        match (self.token_use, claims.token_use()) {
            (None | Some(AcceptedTokenUse::Any), _)
            | (Some(AcceptedTokenUse::Id), TokenUse::Id)
            | (Some(AcceptedTokenUse::Access), TokenUse::Access) => {}
            _ => return Err(Error::WrongTokenUse),
        }
        if let Some((kind, list)) = &self.groups {
            Requirement::new(*kind, list).check_groups(claims)?;
        }
        if let Some((kind, list)) = &self.scopes {
            Requirement::new(*kind, list).check_scopes(claims)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_copy_and_escapes_decoded() {
        let payload = r#"{"sub":"s-1","iss":"https://i","token_use":"access","client_id":"c\u0041","exp":9,"scope":"a b","cognito:groups":["x","y\"z"],"email":"e@x","custom":7}"#;
        let claims = crate::claims::parse(payload).unwrap();
        let c = OwnedClaims::from_claims(&claims);
        assert_eq!(c.payload_json(), payload);
        assert_eq!(
            (c.sub(), c.issuer(), c.client_id()),
            ("s-1", "https://i", "cA")
        );
        assert_eq!(
            (c.email(), c.scope(), c.username()),
            (Some("e@x"), Some("a b"), None)
        );
        assert!(c.has_scope("b") && !c.has_scope("") && !c.has_scope("a b"));
        let groups: std::vec::Vec<String> = c.groups().map(|g| g.to_string()).collect();
        assert_eq!(groups, ["x", "y\"z"]);
        assert!(c.in_group("y\"z") && !c.in_group("y"));
        assert!(matches!(c.get("custom"), Some(ClaimValue::Int(7))));
        assert_eq!(c.clone(), c);
        // Only the escaped claim is decoded after the payload.
        assert_eq!(c.text.len(), payload.len() + 2);
    }
}
