//! `cognito_verifier`: the core's `VerifierCore` behind a C handle, shared by threads.

use cognito_verify_core::{Revocation, SignOut, VerifierCore};

use crate::boundary;
use crate::cast::{self, try_bytes, try_mut, try_out, try_ref, try_str};
use crate::claims::cognito_claims;
use crate::cognito_result;
use crate::config::cognito_config;

/// Verifies tokens: the one verifier of the core (its configuration, each pool's keys and
/// refresh state, the verified-signature cache, the revocation list), and nothing of its own.
/// Its configuration never changes after `cognito_verifier_new`; each pool's keys are replaced
/// by `cognito_verifier_fetch_succeeded` and `cognito_verifier_cache_jwks` /
/// `cognito_verifier_cache_pool_jwks`. Every function taking a `const cognito_verifier *` may be
/// called from any number of threads at once.
pub struct cognito_verifier {
    pub(crate) core: VerifierCore,
}

impl cognito_verifier {
    /// Verifies into `claims`; see `cognito_verifier_verify`.
    fn verify(
        &self,
        token: *const u8,
        token_len: usize,
        now: u64,
        claims: &mut cognito_claims,
    ) -> Result<(), cognito_result> {
        // Longer than allowed: rejected before the bytes are read, so any length is safe here.
        if token_len > self.core.config().max_token_bytes() {
            return Err(cognito_result::TokenTooLarge);
        }
        let token = try_bytes(token, token_len)?;
        // Tokens are ASCII; anything else is not a compact JWS.
        let token = core::str::from_utf8(token).map_err(|_| cognito_result::MalformedToken)?;
        claims
            .store
            .fill(|buf| self.core.verify(token, now, buf))
            .map_err(cognito_result::from)
    }

    /// The `jwks_len` bytes at `jwks`, once the length is known to be within the configured
    /// maximum: a longer document is refused before a byte is read, so any length is safe.
    pub(crate) fn jwks_bytes<'a>(
        &self,
        jwks: *const u8,
        jwks_len: usize,
    ) -> Result<&'a [u8], cognito_result> {
        if jwks.is_null() {
            return Err(cognito_result::NullParameter);
        }
        if jwks_len > self.core.config().max_jwks_bytes() {
            return Err(cognito_result::JwksTooLarge);
        }
        try_bytes(jwks, jwks_len)
    }

    /// Installs `jwks` in pool `pool`, or every pool for `None`, as fetched at `now`.
    fn cache_jwks(
        &self,
        pool: Option<usize>,
        jwks: *const u8,
        jwks_len: usize,
        now: u64,
    ) -> Result<(), cognito_result> {
        if pool.is_some_and(|p| p >= self.core.pool_count()) {
            return Err(cognito_result::InvalidArgument);
        }
        let bytes = self.jwks_bytes(jwks, jwks_len)?;
        Ok(self.core.load_jwks(pool, bytes, now)?)
    }
}

/// Creates a verifier from a configuration, which is copied: the configuration may be changed
/// or freed afterwards. The verifier has no keys yet: until a pool gets its first keys
/// (`cognito_verifier_poll` asks for a fetch; or `cognito_verifier_cache_jwks`) its tokens are
/// `COGNITO_RESULT_JWKS_UNAVAILABLE`. Allocates the signature cache and the revocation list
/// once, here.
///
/// Returns `COGNITO_RESULT_INVALID_CONFIGURATION` when there is no issuer (user pool id or issuer
/// URL) or a pool without a client id, a user pool id is malformed, an issuer or client id is
/// empty, a group or scope requirement lists nothing, a JWKS URL may not be fetched, or the
/// revocation capacity is too large (`cognito_config_error_message` then says which, in the
/// core's words); `COGNITO_RESULT_NULL_PARAMETER`. On success `*verifier_out` receives a handle to free with
/// `cognito_verifier_free`. Thread-safe for the configuration as long as nobody changes it
/// meanwhile.
#[no_mangle]
pub extern "C" fn cognito_verifier_new(
    config: *const cognito_config,
    verifier_out: *mut *mut cognito_verifier,
) -> cognito_result {
    boundary::call(|| {
        let c = try_ref(config)?;
        let out = try_out(verifier_out)?;
        let core = VerifierCore::new(c.build()?);
        out.set(cast::to_boxed_ptr(cognito_verifier { core }));
        Ok(())
    })
}

/// Frees a verifier. NULL is ignored. No other thread may be using it.
#[no_mangle]
pub extern "C" fn cognito_verifier_free(verifier: *mut cognito_verifier) {
    boundary::call_void(|| cast::free_boxed(verifier));
}

/// Installs keys obtained by other means (a copy saved on disk, keys shipped with the program,
/// a test) in every pool of the verifier (the usual case: one pool), as if just fetched at `now`
/// (unix seconds): the refresh policy counts them fresh from then. For a verifier of several
/// pools, give each its own keys with `cognito_verifier_cache_pool_jwks`. Fetched keys are
/// reported with `cognito_verifier_fetch_succeeded` instead.
///
/// Thread-safe: other threads may verify with this verifier meanwhile. Each verification uses
/// either the old or the new key set, whole, never a mix. The document is parsed before the swap;
/// the old set is freed when the last verification using it ends.
///
/// On error (`COGNITO_RESULT_MALFORMED_JWKS`, `_JWKS_TOO_LARGE`, `_TOO_MANY_KEYS`, `_WEAK_KEY`,
/// `_UNSUPPORTED_KEY`, `_NULL_PARAMETER`, also for a NULL `jwks` with length 0) the previous keys
/// and the refresh state stay as they were. A document with no usable key (such as `{"keys":[]}`
/// from a proxy or an outage page) is an error too, so it never replaces keys that work.
/// Unusable keys next to usable ones are skipped, not an error (see `cognito_verifier_key_count`).
/// Up to 64 keys; documents longer than the configured maximum are rejected before they are read.
#[no_mangle]
pub extern "C" fn cognito_verifier_cache_jwks(
    verifier: *const cognito_verifier,
    jwks: *const u8,
    jwks_len: usize,
    now: u64,
) -> cognito_result {
    boundary::call(|| try_ref(verifier)?.cache_jwks(None, jwks, jwks_len, now))
}

/// Installs keys for pool `pool` only: pools are numbered from 0 in the order their user pool
/// ids and issuers were added to the configuration. A token's `iss` picks its pool, and only
/// that pool's keys may verify it. Otherwise as `cognito_verifier_cache_jwks`;
/// `COGNITO_RESULT_INVALID_ARGUMENT` for a pool number the verifier does not have.
#[no_mangle]
pub extern "C" fn cognito_verifier_cache_pool_jwks(
    verifier: *const cognito_verifier,
    pool: usize,
    jwks: *const u8,
    jwks_len: usize,
    now: u64,
) -> cognito_result {
    boundary::call(|| try_ref(verifier)?.cache_jwks(Some(pool), jwks, jwks_len, now))
}

/// The number of usable keys held by the first pool (0 before its first keys), and of keys the
/// document listed but that were skipped as unusable (wrong `use`, unknown type, weak, ...).
/// Errors: `COGNITO_RESULT_NULL_PARAMETER`. Thread-safe.
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
        let (keys, skipped) = v.core.keys(0).map_or((0, 0), |k| (k.len(), k.skipped()));
        keys_out.set(keys);
        skipped_out.set(skipped);
        Ok(())
    })
}

/// Verifies `token` (`token_len` bytes, no NUL terminator needed) at time `now` (unix seconds)
/// with the keys its pool holds now. No key is fetched here: poll first
/// (`cognito_verifier_poll`, ffi/README.md "Key refresh").
///
/// On success returns `COGNITO_RESULT_OK` and `claims` holds the token's claims, until the next
/// successful verification into the same handle. On failure returns the reason and `claims` is
/// unchanged (it keeps what it held before). `COGNITO_RESULT_JWKS_UNAVAILABLE` means the token's
/// pool never had keys (not the token's fault: fetch them); `COGNITO_RESULT_UNKNOWN_KID` means
/// it has keys, none with the token's `kid` (poll with `COGNITO_REFRESH_NEED_UNKNOWN_KID`).
///
/// After the signature, the token is checked against the verifier's revocation list
/// (`COGNITO_RESULT_REVOKED`), before its claims are handed out.
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

/// The verified-signature cache's counters since `cognito_verifier_new`: `hits_out` receives the
/// number of signatures found (their arithmetic skipped), `misses_out` the number looked up and
/// not found (checked with the arithmetic, valid or not), `capacity_out` the entries it holds
/// (0: the cache is off, and both counters stay 0). Any out-parameter may be NULL. Errors:
/// `COGNITO_RESULT_NULL_PARAMETER` for a NULL verifier. Thread-safe.
#[no_mangle]
pub extern "C" fn cognito_verifier_signature_cache_stats(
    verifier: *const cognito_verifier,
    hits_out: *mut u64,
    misses_out: *mut u64,
    capacity_out: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let stats = try_ref(verifier)?.core.signature_cache_stats();
        report(hits_out, stats.hits);
        report(misses_out, stats.misses);
        report(capacity_out, stats.capacity);
        Ok(())
    })
}

/// The verdict memo's counters since `cognito_verifier_new`: `hits_out` receives the tokens
/// answered from the memo, `misses_out` those looked up and not found (or found under keys since
/// replaced), `capacity_out` the entries it can hold (0: off), `bytes_out` the bytes it holds
/// now. Any out-parameter may be NULL. Errors: `COGNITO_RESULT_NULL_PARAMETER` for a NULL
/// verifier. Thread-safe.
#[no_mangle]
pub extern "C" fn cognito_verifier_verdict_memo_stats(
    verifier: *const cognito_verifier,
    hits_out: *mut u64,
    misses_out: *mut u64,
    capacity_out: *mut usize,
    bytes_out: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let stats = try_ref(verifier)?.core.verdict_memo_stats();
        report(hits_out, stats.hits);
        report(misses_out, stats.misses);
        report(capacity_out, stats.capacity);
        report(bytes_out, stats.bytes);
        Ok(())
    })
}

/// Writes `value` to an optional out-parameter (NULL: not wanted).
fn report<T: Copy>(out: *mut T, value: T) {
    if let Ok(out) = try_out(out) {
        out.set(value);
    }
}

/// Records the revocation `revocation` makes of the text at `value`, at `now`.
fn revoke(
    verifier: *const cognito_verifier,
    value: *const u8,
    value_len: usize,
    now: u64,
    revocation: impl FnOnce(&str) -> Revocation<'_>,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let value = try_str(value, value_len)?;
        v.core.revoke(revocation(value), now)?;
        Ok(())
    })
}

/// Revokes a session at `now` (unix seconds): every token whose `origin_jti` is `origin_jti`
/// (`origin_jti_len` bytes of UTF-8), that is every ID and access token issued from one refresh
/// token, what Cognito's `RevokeToken` revokes. From the next verification on they fail with
/// `COGNITO_RESULT_REVOKED`. The entry is held for the configuration's `max_token_lifetime`
/// after `now` (no token of a revoked refresh token can be issued later).
///
/// Thread-safe: any thread may revoke while others verify with this verifier; a verification
/// that starts after this call returned sees the revocation. Adding takes a short spin lock
/// (adds are rare); verifying takes no lock. Allocates nothing.
///
/// Returns `COGNITO_RESULT_REVOCATION_LIST_FULL` when every entry of the list holds a live
/// revocation (nothing is recorded, nothing is dropped: size the list with
/// `cognito_config_set_revocation_capacity`), `COGNITO_RESULT_REVOCATION_DISABLED` when that
/// capacity is 0 (whatever the value), `COGNITO_RESULT_INVALID_ARGUMENT` for an empty value or one over 256 bytes,
/// `COGNITO_RESULT_INVALID_UTF8`, `COGNITO_RESULT_NULL_PARAMETER`. Revoking what is already
/// held succeeds, also when the list is full, and extends the entry.
#[no_mangle]
pub extern "C" fn cognito_verifier_revoke_origin_jti(
    verifier: *const cognito_verifier,
    origin_jti: *const u8,
    origin_jti_len: usize,
    now: u64,
) -> cognito_result {
    revoke(verifier, origin_jti, origin_jti_len, now, |o| {
        Revocation::OriginJti(o)
    })
}

/// Revokes one token at `now` (unix seconds): the token whose `jti` is `jti` (`jti_len` bytes
/// of UTF-8); `exp` is that token's `exp`, until which the entry is held. Otherwise as
/// `cognito_verifier_revoke_origin_jti`.
#[no_mangle]
pub extern "C" fn cognito_verifier_revoke_jti(
    verifier: *const cognito_verifier,
    jti: *const u8,
    jti_len: usize,
    exp: u64,
    now: u64,
) -> cognito_result {
    revoke(verifier, jti, jti_len, now, |jti| Revocation::Jti {
        jti,
        exp,
    })
}

/// Revokes a user at `now` (unix seconds): every token whose `sub` is `sub` (`sub_len` bytes of
/// UTF-8) and whose `iat` is at or before `issued_at_or_before`, what Cognito's `GlobalSignOut`
/// revokes (pass the time of the sign-out). A token of that user without `iat` is denied too,
/// and one issued in the same second as the sign-out. Tokens issued later are accepted. The
/// entry is held for `max_token_lifetime` after `issued_at_or_before`; revoking the same user
/// again keeps the later time. Otherwise as `cognito_verifier_revoke_origin_jti`.
#[no_mangle]
pub extern "C" fn cognito_verifier_revoke_sub(
    verifier: *const cognito_verifier,
    sub: *const u8,
    sub_len: usize,
    issued_at_or_before: u64,
    now: u64,
) -> cognito_result {
    revoke(verifier, sub, sub_len, now, |sub| Revocation::Subject {
        sub,
        issued_at_or_before,
    })
}

/// Records a session at `now` (unix seconds) for a replica: every token whose `origin_jti` is
/// `origin_jti` (`origin_jti_len` bytes of UTF-8), counted against the user `sub` (`sub_len`
/// bytes) as `cognito_verifier_sign_out` counts it. Use it to apply, in this verifier, a
/// sign-out another server recorded as `COGNITO_SIGN_OUT_KIND_SESSION` (and
/// `cognito_verifier_revoke_sub` for `COGNITO_SIGN_OUT_KIND_SUBJECT`, with its
/// `issued_at_or_before`). This records the session whatever the user holds: it does not choose
/// between session and user, the server that signed the user out did. Either value empty or
/// over 256 bytes is `COGNITO_RESULT_INVALID_ARGUMENT`. Otherwise as
/// `cognito_verifier_revoke_origin_jti`.
#[no_mangle]
pub extern "C" fn cognito_verifier_revoke_session(
    verifier: *const cognito_verifier,
    origin_jti: *const u8,
    origin_jti_len: usize,
    sub: *const u8,
    sub_len: usize,
    now: u64,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let origin_jti = try_str(origin_jti, origin_jti_len)?;
        let sub = try_str(sub, sub_len)?;
        v.core
            .revoke(Revocation::Session { origin_jti, sub }, now)?;
        Ok(())
    })
}

/// What `cognito_verifier_sign_out` recorded.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_sign_out_kind {
    /// The session (its `origin_jti`, counted against its user): the user's other sessions stay
    /// signed in. The word `session`, as in Rust (`SignOut::Session`) and JS
    /// (`{ recorded: "session" }`).
    Session = 0,
    /// The user: every token of the user issued at or before `issued_at_or_before` is denied, on
    /// every device. The word `subject`, as in Rust (`SignOut::Subject`) and JS
    /// (`{ recorded: "subject" }`).
    Subject = 1,
}

/// What `cognito_verifier_sign_out` recorded: `recorded`, and for
/// `COGNITO_SIGN_OUT_KIND_SUBJECT` the time recorded (the `now` of the sign-out; 0 for a
/// session). A replica applies the same with `cognito_verifier_revoke_session` or
/// `cognito_verifier_revoke_sub`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct cognito_sign_out {
    /// Session or user.
    pub recorded: cognito_sign_out_kind,
    /// For a user: tokens whose `iat` is at or before this (unix seconds) are denied. 0 for a
    /// session.
    pub issued_at_or_before: u64,
}

impl cognito_sign_out {
    /// The C form of the core's outcome.
    fn from_core(s: SignOut) -> Result<Self, cognito_result> {
        match s {
            SignOut::Session => Ok(cognito_sign_out {
                recorded: cognito_sign_out_kind::Session,
                issued_at_or_before: 0,
            }),
            SignOut::Subject {
                issued_at_or_before,
            } => Ok(cognito_sign_out {
                recorded: cognito_sign_out_kind::Subject,
                issued_at_or_before,
            }),
            // An outcome added to the core later: reported as a bug until it gets a kind here
            // (as `RevokeError`s without a code).
            _ => Err(cognito_result::Panic),
        }
    }
}

/// Records a user's sign-out from one session at `now` (unix seconds): `sub` (`sub_len` bytes
/// of UTF-8) is the user, `origin_jti` (`origin_jti_len` bytes) the session's, both read from the
/// claims of the token the user signed out with. The core decides what is recorded
/// (ARCHITECTURE.md, "Revocation"): the session, unless the user already holds 4 live sessions,
/// the list is 7/8 full, or the session's place in the list is full; then the user, every token
/// issued until `now`. So one user signing in and out all day holds at most 5 entries, and the
/// list stays usable for everyone else. On success `*out` receives what was recorded
/// (`cognito_sign_out`): pass it on to replicas (`cognito_verifier_revoke_session`,
/// `cognito_verifier_revoke_sub`).
///
/// Reads every entry of the list once under the revocation spin lock (4,096 for the default
/// list); verifications do not wait for it. Allocates nothing. Thread-safe as the `revoke_*`
/// functions.
///
/// Returns `COGNITO_RESULT_REVOCATION_LIST_FULL` only when the user's own entry has no room
/// either (nothing recorded, nothing dropped), `COGNITO_RESULT_REVOCATION_DISABLED` for capacity
/// 0, `COGNITO_RESULT_INVALID_ARGUMENT` for an empty value or one over 256 bytes,
/// `COGNITO_RESULT_INVALID_UTF8`, `COGNITO_RESULT_NULL_PARAMETER` (also for a NULL `out`, checked
/// before anything is recorded). `*out` is written only on success.
#[no_mangle]
pub extern "C" fn cognito_verifier_sign_out(
    verifier: *const cognito_verifier,
    sub: *const u8,
    sub_len: usize,
    origin_jti: *const u8,
    origin_jti_len: usize,
    now: u64,
    out: *mut cognito_sign_out,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let sub = try_str(sub, sub_len)?;
        let origin_jti = try_str(origin_jti, origin_jti_len)?;
        let out = try_out(out)?;
        let recorded = v.core.sign_out(sub, origin_jti, now)?;
        out.set(cognito_sign_out::from_core(recorded)?);
        Ok(())
    })
}

/// The verifier's revocation list at `now` (unix seconds): `held_out` receives the number of
/// live revocations (entries that still cover a token that could be accepted; entries past
/// their lifetime are not counted and their slots are reused), `capacity_out` the entries it
/// can hold (0: revocation is off). Either out-parameter may be NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn cognito_verifier_revocation_stats(
    verifier: *const cognito_verifier,
    now: u64,
    held_out: *mut usize,
    capacity_out: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let stats = try_ref(verifier)?.core.revocation_stats(now);
        report(held_out, stats.held);
        report(capacity_out, stats.capacity);
        Ok(())
    })
}

/// How many verifications the revocation list answered `COGNITO_RESULT_REVOKED` because an
/// entry they had to read stayed mid-write too long (a thread preempted while recording a
/// revocation; the safe answer), since `cognito_verifier_new`: `contended_out` receives it. 0 in
/// normal operation; a count that grows means revocations are recorded from a thread that is
/// often preempted mid-write, such as an interrupt or signal handler. Thread-safe.
///
/// A function of its own, beside `cognito_verifier_revocation_stats`, so that programs built
/// against that function's two out-parameters keep working unchanged.
#[no_mangle]
pub extern "C" fn cognito_verifier_revocation_contended(
    verifier: *const cognito_verifier,
    contended_out: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let out = try_out(contended_out)?;
        // `contended` does not depend on the time.
        out.set(v.core.revocation_stats(0).contended);
        Ok(())
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
