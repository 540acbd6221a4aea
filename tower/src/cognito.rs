//! Everything this crate asks of `cognito_verify`: one verification per request with the
//! route's requirements, and the wording of each refusal.

use cognito_verify::{
    AcceptedTokenUse, CognitoJwtVerifier, Error, Match, OwnedClaims, Requirement, Requirements,
    VerifyError,
};

use crate::refusal::Refusal;

/// Any-of or all-of, over owned names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) kind: Match,
    pub(crate) names: Vec<String>,
}

impl Rule {
    fn names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
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

/// Verifies `token` under the route's rules (the core checks them after its own, token use
/// first): the claims, or the refusal to send. One signature check per request.
pub(crate) async fn verify(
    verifier: &CognitoJwtVerifier,
    token: &str,
    rules: &RouteRules,
) -> Result<OwnedClaims, Refusal> {
    let groups = rules.groups.as_ref().map(Rule::names).unwrap_or_default();
    let scopes = rules.scopes.as_ref().map(Rule::names).unwrap_or_default();
    let mut req = Requirements::NONE.token_use(rules.token_use);
    if let Some(g) = &rules.groups {
        req = req.groups(Requirement::new(g.kind, &groups));
    }
    if let Some(s) = &rules.scopes {
        req = req.scopes(Requirement::new(s.kind, &scopes));
    }
    verifier
        .verify_with(token, req, OwnedClaims::from_claims)
        .await
        .map_err(refusal)
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
        Error::Revoked => "Token Revoked.",
        _ => "Token Invalid.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
