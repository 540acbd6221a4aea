//! Everything this crate asks of `cognito_verify`: one verification per request with the
//! route's requirements, and the wording of each refusal.

use cognito_verify::{
    AcceptedTokenUse, CognitoJwtVerifier, Error, OwnedClaims, Requirement, Requirements, TokenUse,
    VerifyError,
};

use crate::refusal::Refusal;

/// Any-of or all-of, over owned names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    AnyOf(Vec<String>),
    AllOf(Vec<String>),
}

impl Rule {
    fn names(&self) -> Vec<&str> {
        match self {
            Rule::AnyOf(v) | Rule::AllOf(v) => v.iter().map(String::as_str).collect(),
        }
    }

    fn borrow<'a>(&self, names: &'a [&'a str]) -> Requirement<'a> {
        match self {
            Rule::AnyOf(_) => Requirement::AnyOf(names),
            Rule::AllOf(_) => Requirement::AllOf(names),
        }
    }
}

/// What one route asks beyond the verifier's own configuration.
#[derive(Clone, Debug)]
pub(crate) struct RouteRules {
    pub(crate) groups: Option<Rule>,
    pub(crate) scopes: Option<Rule>,
    pub(crate) token_use: AcceptedTokenUse,
}

impl Default for RouteRules {
    fn default() -> Self {
        RouteRules {
            groups: None,
            scopes: None,
            token_use: AcceptedTokenUse::Any,
        }
    }
}

fn accepts(wanted: AcceptedTokenUse, got: TokenUse) -> bool {
    matches!(
        (wanted, got),
        (AcceptedTokenUse::Any, _)
            | (AcceptedTokenUse::Id, TokenUse::Id)
            | (AcceptedTokenUse::Access, TokenUse::Access)
    )
}

/// Verifies `token` under the route's rules: the claims, or the refusal to send.
///
/// Groups and scopes are the verifier's own checks (passed as [`Requirements`]); the route's
/// token use is checked on the verified claims. When a token misses a group or scope on a route
/// that also restricts the token use, the token is verified once more without requirements to
/// tell `wrong_token_use` (the core's order) from `group_not_allowed` / `scope_not_allowed`:
/// a second signature check on that refusal path only.
pub(crate) async fn verify(
    verifier: &CognitoJwtVerifier,
    token: &str,
    rules: &RouteRules,
) -> Result<OwnedClaims, Refusal> {
    let groups = rules.groups.as_ref().map(Rule::names).unwrap_or_default();
    let scopes = rules.scopes.as_ref().map(Rule::names).unwrap_or_default();
    let mut req = Requirements::NONE;
    if let Some(g) = &rules.groups {
        req = req.groups(g.borrow(&groups));
    }
    if let Some(s) = &rules.scopes {
        req = req.scopes(s.borrow(&scopes));
    }
    let result = if rules.groups.is_none() && rules.scopes.is_none() {
        verifier.verify(token).await
    } else {
        verifier
            .verify_with(token, req, OwnedClaims::from_claims)
            .await
    };
    let restricted = rules.token_use != AcceptedTokenUse::Any;
    match result {
        Ok(c) if accepts(rules.token_use, c.token_use) => Ok(c),
        Ok(_) => Err(refusal(VerifyError::Token(Error::WrongTokenUse))),
        Err(e @ VerifyError::Token(Error::GroupNotAllowed | Error::ScopeNotAllowed))
            if restricted =>
        {
            match verifier.verify(token).await {
                Ok(c) if !accepts(rules.token_use, c.token_use) => {
                    Err(refusal(VerifyError::Token(Error::WrongTokenUse)))
                }
                _ => Err(refusal(e)),
            }
        }
        Err(e) => Err(refusal(e)),
    }
}

fn refusal(e: VerifyError) -> Refusal {
    match e {
        VerifyError::Token(err @ (Error::GroupNotAllowed | Error::ScopeNotAllowed)) => {
            Refusal::insufficient_scope(err.code())
        }
        VerifyError::Token(err) => Refusal::invalid_token(token_message(err), err.code()),
        VerifyError::KeysUnavailable { retry_at } => Refusal::keys_unavailable(
            e.code(),
            retry_at.saturating_sub(cognito_verify::now()).max(1),
        ),
        // A kind of failure added later: the server's side, like missing keys.
        _ => Refusal::keys_unavailable(e.code(), 1),
    }
}

/// The end of `"401 Unauthorized Error. Token ..."` for each error code.
fn token_message(e: Error) -> &'static str {
    match e {
        Error::Expired => "Token Expired.",
        Error::MalformedToken | Error::TokenTooLarge => "Token Malformed.",
        Error::InvalidSignature => "Token Signature Invalid.",
        Error::UnknownKid | Error::MissingKid => "Token Signing Key Unknown.",
        Error::UnsupportedAlgorithm => "Token Algorithm Not Allowed.",
        Error::UnsupportedCriticalHeader => "Token Header Not Supported.",
        Error::NotYetValid | Error::IssuedInFuture => "Token Not Yet Valid.",
        Error::TokenTooOld => "Token Too Old.",
        Error::WrongIssuer => "Token Issuer Invalid.",
        Error::WrongTokenUse => "Token Use Invalid.",
        Error::WrongClient => "Token Client Invalid.",
        Error::MissingClaim | Error::InvalidClaim => "Token Claims Invalid.",
        _ => "Token Invalid.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_use_of_a_route() {
        assert!(accepts(AcceptedTokenUse::Any, TokenUse::Id));
        assert!(accepts(AcceptedTokenUse::Access, TokenUse::Access));
        assert!(!accepts(AcceptedTokenUse::Access, TokenUse::Id));
        assert!(!accepts(AcceptedTokenUse::Id, TokenUse::Access));
    }

    #[test]
    fn refusals_name_the_code() {
        let r = refusal(VerifyError::Token(Error::Expired));
        assert_eq!(
            r.body,
            r#"{"error": "401 Unauthorized Error. Token Expired.", "code": "expired"}"#
        );
        let r = refusal(VerifyError::Token(Error::ScopeNotAllowed));
        assert_eq!(r.status, http::StatusCode::FORBIDDEN);
        assert!(r.body.ends_with(r#""code": "scope_not_allowed"}"#));
        let r = refusal(VerifyError::KeysUnavailable { retry_at: 0 });
        assert_eq!(r.retry_after, Some(1));
    }
}
