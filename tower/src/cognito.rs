//! Everything this crate asks of `cognito_verify`: one verification per request with the
//! route's requirements, and the wording of each refusal.

use cognito_verify::{CognitoJwtVerifier, Error, OwnedClaims, Requirements, VerifyError};

use crate::refusal::Refusal;

/// Verifies `token` under the route's requirements (built once per layer; the core checks them
/// after its own, token use first) when that needs no wait: the claims or the refusal to send,
/// or `None` when keys must be fetched first ([`verify`]). One signature check per request, and
/// for a token seen before none and no allocation (the claims share the verdict memo's payload).
pub(crate) fn verify_now(
    verifier: &CognitoJwtVerifier,
    token: &str,
    requirements: &Requirements,
) -> Option<Result<OwnedClaims, Refusal>> {
    verifier
        .try_verify_for(token, requirements)
        .map(|r| r.map_err(refusal))
}

/// [`verify_now`], waiting for the keys a fetch brings.
pub(crate) async fn verify(
    verifier: &CognitoJwtVerifier,
    token: &str,
    requirements: &Requirements,
) -> Result<OwnedClaims, Refusal> {
    verifier
        .verify_for(token, requirements)
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
