//! Everything this crate asks of `cognito_verify`: one verification per request with the
//! route's requirements, and what a refusal may tell the logs.

use cognito_verify::{
    payload_buffer_len, CognitoJwtVerifier, Error, Issuer, OwnedClaims, Requirements,
};
use tracing::Level;

use crate::refusal::Refusal;

/// The target of the refusal events, whatever module emits them.
const TARGET: &str = "cognito_verify_tower";

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
        .map(|r| r.map_err(|e| refused(Refusal::Verify(e), Some((verifier, token)))))
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
        .map_err(|e| refused(Refusal::Verify(e), Some((verifier, token))))
}

/// Reports `refusal` of `token` (with the verifier that refused it) as a `tracing` event
/// (target `cognito_verify_tower`; `warn` for a `5xx`, `info` otherwise) and hands it back.
/// Fields: `status`, `code`, and where the token says them, `pool` (the configured issuer its
/// `iss` matched: configured text, never the token's) and `sub` (only after the signature
/// verified: [`Error::after_signature`]). The token is read again for them only when a
/// subscriber wants the event.
pub(crate) fn refused(refusal: Refusal, token: Option<(&CognitoJwtVerifier, &str)>) -> Refusal {
    report(refusal, || context(refusal, token))
}

/// Emits the refusal event (see [`refused`]), calling `context` for its `pool` and `sub` only
/// when a subscriber wants it; the ALB layer gives its own.
pub(crate) fn report(
    refusal: Refusal,
    context: impl FnOnce() -> (Option<String>, Option<String>),
) -> Refusal {
    let status = refusal.status().as_u16();
    let code = refusal.code();
    if refusal.status().is_server_error() {
        if tracing::enabled!(target: TARGET, Level::WARN) {
            let (pool, sub) = context();
            let (pool, sub) = (pool.as_deref(), sub.as_deref());
            tracing::warn!(target: TARGET, status, code, pool, sub, "request refused");
        }
    } else if tracing::enabled!(target: TARGET, Level::INFO) {
        let (pool, sub) = context();
        let (pool, sub) = (pool.as_deref(), sub.as_deref());
        tracing::info!(target: TARGET, status, code, pool, sub, "request refused");
    }
    refusal
}

/// The pool a refused token belongs to, and its `sub` when its signature verified.
fn context(
    refusal: Refusal,
    token: Option<(&CognitoJwtVerifier, &str)>,
) -> (Option<String>, Option<String>) {
    let Some((verifier, token)) = token else {
        return (None, None);
    };
    let config = verifier.config();
    // A token longer than the limit is refused by `parse` before the buffer is used.
    let mut buf = vec![0u8; payload_buffer_len(token.len().min(config.max_token_bytes()))];
    // Structure, header, payload and a configured `iss`; nothing here is trusted but the pool
    // it picked, which is a name from the configuration.
    let Ok(parsed) = verifier.core().parse(token, &mut buf) else {
        return (None, None);
    };
    let pool = config
        .verifier()
        .config()
        .issuers()
        .get(parsed.issuer())
        .map(|i| match i.as_ref() {
            Issuer::UserPool(name) | Issuer::Url(name) => name.to_owned(),
        });
    // The verifier refused these claims only after the signature held: they are the issuer's.
    let signed = refusal
        .error()
        .and_then(|e| e.token_error())
        .is_some_and(Error::after_signature);
    let sub = signed
        .then(|| parsed.unverified_claims().sub().map(|s| s.to_string()))
        .flatten();
    (pool, sub)
}
