//! Revocation for the JS package: the one revocation list of the verifier
//! ([`VerifierCore::revoke`], [`VerifierCore::revocation_stats`]), whatever its number of pools.
//!
//! [`VerifierCore::revoke`]: cognito_verify::VerifierCore::revoke
//! [`VerifierCore::revocation_stats`]: cognito_verify::VerifierCore::revocation_stats
//! [`VerifierCore::sign_out`]: cognito_verify::VerifierCore::sign_out
//!
//! [`WasmVerifier::sign_out`] is the core's [`VerifierCore::sign_out`]: the core decides whether
//! a sign-out records the session or the user; JS reports what was recorded.
//!
//! The list is checked by the core in the same wasm call that verifies a token, after the
//! signature: a revocation recorded while a
//! verification awaits a JWKS fetch or WebCrypto is seen by the call that finishes it. JS only
//! converts the arguments and reports the result; what a revocation covers, for how long, and
//! what happens when the list is full are the core's rules.
//!
//! Results are status numbers, as elsewhere in this crate: 0 for success, otherwise `1 +` the
//! index of the [`RevokeError`] in `REVOKE_ERRORS` ([`WasmVerifier::revoke_error_code`] names
//! it).

use cognito_verify::{Revocation, RevokeError, SignOut};
use wasm_bindgen::prelude::*;

use crate::{to_f64, to_u64, WasmVerifier};

/// The errors a revocation may end in, in the order of their status numbers (status 1 first).
const REVOKE_ERRORS: [RevokeError; 4] = [
    RevokeError::Full,
    RevokeError::EmptyValue,
    RevokeError::Disabled,
    RevokeError::TooLong,
];

/// The status number of a revocation's outcome.
fn revoke_status(r: Result<(), RevokeError>) -> u32 {
    match r {
        Ok(()) => 0,
        Err(e) => REVOKE_ERRORS
            .iter()
            .position(|x| *x == e)
            .and_then(|i| u32::try_from(i).ok())
            .map_or(u32::MAX, |i| i.saturating_add(1)),
    }
}

fn revoke_error(status: u32) -> Option<RevokeError> {
    usize::try_from(status)
        .ok()
        .and_then(|s| s.checked_sub(1))
        .and_then(|i| REVOKE_ERRORS.get(i))
        .copied()
}

/// What [`WasmVerifier::sign_out`] reports as recorded: a session.
const RECORDED_SESSION: f64 = 1.0;
/// What [`WasmVerifier::sign_out`] reports as recorded: the user.
const RECORDED_SUBJECT: f64 = 2.0;

impl WasmVerifier {
    /// Records `r` at `now` in the list.
    fn revoke(&self, r: Revocation<'_>, now: f64) -> u32 {
        revoke_status(self.core.revoke(r, to_u64(now)))
    }
}

#[wasm_bindgen]
impl WasmVerifier {
    /// The stable code of a revocation's error status (`revocation_list_full`, `empty_value`,
    /// `revocation_disabled`); empty for 0 or an unknown status.
    #[wasm_bindgen(js_name = revokeErrorCode)]
    #[must_use]
    pub fn revoke_error_code(status: u32) -> String {
        revoke_error(status).map_or_else(String::new, |e| e.code().to_owned())
    }

    /// The human-readable message of a revocation's error status (empty for 0 or unknown).
    #[wasm_bindgen(js_name = revokeErrorMessage)]
    #[must_use]
    pub fn revoke_error_message(status: u32) -> String {
        revoke_error(status).map_or_else(String::new, |e| e.message().to_owned())
    }

    /// Denies every token whose `origin_jti` is `origin_jti` (the session of one refresh
    /// token, after Cognito's `RevokeToken`), recorded at `now` (unix seconds). Returns 0 or a
    /// revocation error status ([`revoke_error_code`](Self::revoke_error_code)).
    #[wasm_bindgen(js_name = revokeOriginJti)]
    #[must_use]
    pub fn revoke_origin_jti(&self, origin_jti: &str, now: f64) -> u32 {
        self.revoke(Revocation::OriginJti(origin_jti), now)
    }

    /// Denies the token whose `jti` is `jti`, held until its `exp` (unix seconds). Returns 0
    /// or a revocation error status.
    #[wasm_bindgen(js_name = revokeJti)]
    #[must_use]
    pub fn revoke_jti(&self, jti: &str, exp: f64, now: f64) -> u32 {
        self.revoke(
            Revocation::Jti {
                jti,
                exp: to_u64(exp),
            },
            now,
        )
    }

    /// Denies every token of the user `sub` issued at or before `issued_at_or_before` (unix
    /// seconds; after Cognito's `GlobalSignOut`). Returns 0 or a revocation error status.
    #[wasm_bindgen(js_name = revokeSubject)]
    #[must_use]
    pub fn revoke_subject(&self, sub: &str, issued_at_or_before: f64, now: f64) -> u32 {
        self.revoke(
            Revocation::Subject {
                sub,
                issued_at_or_before: to_u64(issued_at_or_before),
            },
            now,
        )
    }

    /// Denies every token whose `origin_jti` is `origin_jti`, counted against the user `sub`
    /// ([`Revocation::Session`]): what a replica applies for a sign-out another server recorded
    /// as a session. Records the session whatever the user holds (the choice was made by
    /// [`sign_out`](Self::sign_out) where the user signed out). Returns 0 or a revocation error
    /// status.
    #[wasm_bindgen(js_name = revokeSession)]
    #[must_use]
    pub fn revoke_session(&self, origin_jti: &str, sub: &str, now: f64) -> u32 {
        self.revoke(Revocation::Session { origin_jti, sub }, now)
    }

    /// A user's sign-out from one session at `now` (unix seconds), as the core decides it
    /// ([`VerifierCore::sign_out`](cognito_verify::VerifierCore::sign_out)): `[status, recorded, issued_at_or_before]`, where status is
    /// 0 or a revocation error status; on success `recorded` is 1 for the session, 2 for the
    /// user, with `issued_at_or_before` the time recorded (0 for a session).
    #[wasm_bindgen(js_name = signOut)]
    #[must_use]
    pub fn sign_out(&self, sub: &str, origin_jti: &str, now: f64) -> Vec<f64> {
        match self.core.sign_out(sub, origin_jti, to_u64(now)) {
            Ok(SignOut::Session) => vec![0.0, RECORDED_SESSION, 0.0],
            Ok(SignOut::Subject {
                issued_at_or_before,
            }) => vec![0.0, RECORDED_SUBJECT, to_f64(issued_at_or_before)],
            // An outcome added to the core later: status 0 with nothing JS knows, which JS
            // reports as a bug rather than guess.
            Ok(_) => vec![0.0, 0.0, 0.0],
            Err(e) => vec![f64::from(revoke_status(Err(e))), 0.0, 0.0],
        }
    }

    /// `[held, capacity, contended]`: live revocations at `now` (unix seconds), how many the
    /// list can hold (0: revocation off), and checks answered "revoked" because an entry stayed
    /// mid-write (0 in normal operation).
    #[wasm_bindgen(js_name = revocationStats)]
    #[must_use]
    pub fn revocation_stats(&self, now: f64) -> Vec<f64> {
        let s = self.core.revocation_stats(to_u64(now));
        let count = |n: usize| to_f64(u64::try_from(n).unwrap_or(u64::MAX));
        vec![count(s.held), count(s.capacity), count(s.contended)]
    }
}
