//! `cognito_verifier`: an immutable configuration plus a replaceable key set, shared by threads.

use std::sync::{Arc, PoisonError, RwLock};

use cognito_verify_core::{JwksOptions, KeySet};

use crate::boundary;
use crate::cast::{self, try_bytes, try_mut, try_out, try_ref, ConfigParts, OwnedVerifier};
use crate::claims::cognito_claims;
use crate::cognito_result;
use crate::config::cognito_config;

/// Verifies tokens. Its configuration never changes after `cognito_verifier_new`; its key set is
/// replaced with `cognito_verifier_set_jwks`. Every function taking a `const cognito_verifier *`
/// may be called from any number of threads at once, including `cognito_verifier_set_jwks`.
pub struct cognito_verifier {
    verifier: OwnedVerifier,
    /// Replaced whole by `set_jwks`; a verification clones the `Arc` (no allocation) and works
    /// on the set it got, so a replacement never waits for verifications nor disturbs them.
    keys: RwLock<Arc<KeySet>>,
    jwks_options: JwksOptions,
    max_jwks_len: usize,
    max_token_len: usize,
}

impl cognito_verifier {
    fn keys(&self) -> Arc<KeySet> {
        // A panic cannot happen while the lock is held (it only guards a pointer swap), but
        // a poisoned lock still holds a valid key set.
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Verifies into `claims`; see `cognito_verifier_verify`.
    pub(crate) fn verify(
        &self,
        token: *const u8,
        token_len: usize,
        now: u64,
        claims: &mut cognito_claims,
    ) -> Result<(), cognito_result> {
        // Longer than allowed: rejected before the bytes are read, so any length is safe here.
        if token_len > self.max_token_len {
            return Err(cognito_result::TokenTooLarge);
        }
        let token = try_bytes(token, token_len)?;
        // Tokens are ASCII; anything else is not a compact JWS.
        let token = core::str::from_utf8(token).map_err(|_| cognito_result::MalformedToken)?;
        let keys = self.keys();
        let verifier = self.verifier.get();
        claims
            .store
            .fill(|buf| verifier.verify(&keys, token, now, buf))
            .map_err(cognito_result::from)
    }
}

/// Creates a verifier from a configuration, which is copied: the configuration may be changed
/// or freed afterwards. The verifier has no keys until `cognito_verifier_set_jwks`; until then
/// every token is `COGNITO_RESULT_UNKNOWN_KID`.
///
/// Returns `COGNITO_RESULT_INVALID_CONFIGURATION` when there is no issuer (user pool id or issuer
/// URL) or no client id, a user pool id is not of the form `region_id`, an issuer or client id is
/// empty, or a group or scope requirement lists nothing. On success `*verifier_out` receives a
/// handle to free with `cognito_verifier_free`.
#[no_mangle]
pub extern "C" fn cognito_verifier_new(
    config: *const cognito_config,
    verifier_out: *mut *mut cognito_verifier,
) -> cognito_result {
    boundary::call(|| {
        let c = try_ref(config)?;
        let out = try_out(verifier_out)?;
        let scalars = |cfg| c.scalars(cfg);
        let verifier = OwnedVerifier::new(&ConfigParts {
            user_pool_ids: &c.user_pool_ids,
            issuer_urls: &c.issuer_urls,
            client_ids: &c.client_ids,
            groups: c.groups.as_ref().map(|(all, l)| (*all, l.as_slice())),
            scopes: c.scopes.as_ref().map(|(all, l)| (*all, l.as_slice())),
            scalars: &scalars,
        })?;
        let jwks_options = JwksOptions::new()
            .max_bytes(c.max_jwks_len)
            .allow_any_rsa_exponent(c.allow_any_rsa_exponent);
        out.set(cast::to_boxed_ptr(cognito_verifier {
            verifier,
            keys: RwLock::new(Arc::new(KeySet::new())),
            jwks_options,
            max_jwks_len: c.max_jwks_len,
            max_token_len: c.max_token_len,
        }));
        Ok(())
    })
}

/// Frees a verifier. NULL is ignored. No other thread may be using it.
#[no_mangle]
pub extern "C" fn cognito_verifier_free(verifier: *mut cognito_verifier) {
    boundary::call_void(|| cast::free_boxed(verifier));
}

/// Loads a JWKS document (the bytes of `https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json`),
/// replacing the verifier's keys.
///
/// Thread-safe: other threads may verify with this verifier meanwhile. Each verification uses
/// either the old or the new key set, whole, never a mix. The document is parsed before the swap;
/// the old set is freed when the last verification using it ends.
///
/// On error (`COGNITO_RESULT_MALFORMED_JWKS`, `_JWKS_TOO_LARGE`, `_TOO_MANY_KEYS`, `_WEAK_KEY`,
/// `_UNSUPPORTED_KEY`) the previous keys stay in use. Unusable keys next to usable ones are
/// skipped, not an error (see `cognito_verifier_key_count`). Documents longer than the configured
/// maximum are rejected before they are read.
#[no_mangle]
pub extern "C" fn cognito_verifier_set_jwks(
    verifier: *const cognito_verifier,
    jwks: *const u8,
    jwks_len: usize,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        if jwks.is_null() {
            return Err(cognito_result::NullParameter);
        }
        if jwks_len > v.max_jwks_len {
            return Err(cognito_result::JwksTooLarge);
        }
        let bytes = try_bytes(jwks, jwks_len)?;
        let keys = Arc::new(KeySet::from_jwks_with(bytes, &v.jwks_options)?);
        let old = core::mem::replace(
            &mut *v.keys.write().unwrap_or_else(PoisonError::into_inner),
            keys,
        );
        // Dropped outside the lock.
        drop(old);
        Ok(())
    })
}

/// The number of usable keys loaded, and of keys the document listed but that were skipped as
/// unusable (wrong `use`, unknown type, weak, ...).
#[no_mangle]
pub extern "C" fn cognito_verifier_key_count(
    verifier: *const cognito_verifier,
    keys_out: *mut usize,
    skipped_out: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let keys_out = try_out(keys_out)?;
        let skipped_out = try_out(skipped_out)?;
        let keys = v.keys();
        keys_out.set(keys.len());
        skipped_out.set(keys.skipped());
        Ok(())
    })
}

/// Verifies `token` (`token_len` bytes, no NUL terminator needed) at time `now` (unix seconds).
///
/// On success returns `COGNITO_RESULT_OK` and `claims` holds the token's claims, until the next
/// successful verification into the same handle. On failure returns the reason and `claims` is
/// unchanged (it keeps what it held before).
///
/// Allocates nothing. Thread-safe for the verifier; each thread needs its own `claims`.
#[no_mangle]
pub extern "C" fn cognito_verifier_verify(
    verifier: *const cognito_verifier,
    token: *const u8,
    token_len: usize,
    now: u64,
    claims: *mut cognito_claims,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let c = try_mut(claims)?;
        if token.is_null() {
            return Err(cognito_result::NullParameter);
        }
        v.verify(token, token_len, now, c)
    })
}

/// `cognito_verifier_verify` at the current time of the system clock.
#[no_mangle]
pub extern "C" fn cognito_verifier_verify_now(
    verifier: *const cognito_verifier,
    token: *const u8,
    token_len: usize,
    claims: *mut cognito_claims,
) -> cognito_result {
    cognito_verifier_verify(
        verifier,
        token,
        token_len,
        cognito_verify_core::now(),
        claims,
    )
}
