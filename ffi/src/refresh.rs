//! Key refresh through the verifier: the core's `VerifierCore` decides, per pool, when to fetch
//! the JWKS (ARCHITECTURE.md, "Key refresh"); the C caller does the HTTP and reports back. The
//! same state machine as the Rust cache and the JS glue, held by the one verifier.

use cognito_verify_core::{Action, Need, RefreshConfig};

use crate::boundary;
use crate::cast::{try_out, try_ref};
use crate::claims::TextOut;
use crate::cognito_result;
use crate::verifier::cognito_verifier;

/// Tunables of the refresh policy, in seconds, for `cognito_config_set_refresh`.
/// `cognito_refresh_config_default` fills in the core's defaults.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct cognito_refresh_config {
    /// At most one fetch per this many seconds caused by unknown `kid`s.
    pub unknown_kid_cooldown: u64,
    /// Keys older than this are fetched again (`COGNITO_REFRESH_ACTION_REFRESH`); the old ones
    /// stay in use meanwhile, and if that fails.
    pub max_key_age: u64,
    /// First delay after a failed fetch; doubled per further failure.
    pub retry_base: u64,
    /// Longest delay after failures.
    pub retry_max: u64,
    /// A fetch reported neither success nor failure after this long is presumed lost (failed).
    pub fetch_timeout: u64,
    /// Time your HTTP client should allow one JWKS request, connection and body included,
    /// before it gives up and reports `cognito_verifier_fetch_failed`. The library does no IO:
    /// this is for you to apply.
    pub request_timeout: u64,
}

impl From<cognito_refresh_config> for RefreshConfig {
    fn from(c: cognito_refresh_config) -> Self {
        RefreshConfig {
            unknown_kid_cooldown: c.unknown_kid_cooldown,
            max_key_age: c.max_key_age,
            retry_base: c.retry_base,
            retry_max: c.retry_max,
            fetch_timeout: c.fetch_timeout,
            request_timeout: c.request_timeout,
        }
    }
}

/// Why `cognito_verifier_poll` is called.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_refresh_need {
    /// About to verify a token: are the pool's keys usable as they are?
    Keys = 0,
    /// A token named a `kid` the keys do not have (`COGNITO_RESULT_UNKNOWN_KID`).
    UnknownKid = 1,
}

/// What to do now, the answer of `cognito_verifier_poll`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_refresh_action {
    /// Use the keys held (after `_UNKNOWN_KID`: the kid stays unknown, reject the token).
    UseCached = 0,
    /// Fetch the pool's JWKS (`cognito_verifier_jwks_url`) now and wait for it, then report with
    /// `cognito_verifier_fetch_succeeded` or `cognito_verifier_fetch_failed` and poll again.
    Fetch = 1,
    /// Another fetch is under way and there are no keys to use meanwhile: wait for it, then
    /// poll again.
    Wait = 2,
    /// No keys, and no fetch allowed before `*retry_at_out` (after failures): tokens of this
    /// pool are `COGNITO_RESULT_JWKS_UNAVAILABLE` until then.
    Unavailable = 3,
    /// The keys are past their maximum age: fetch the JWKS now and report as for `_FETCH`, but
    /// verify with the keys held meanwhile (a token does not wait for a refresh).
    Refresh = 4,
}

/// Fills `*config_out` with the core's default tunables (cooldown 30, key age 3600, retries
/// from 1 up to 300, a fetch presumed lost after 30, a request given up after 5), to pass,
/// changed or not, to `cognito_config_set_refresh`. Errors: `COGNITO_RESULT_NULL_PARAMETER`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn cognito_refresh_config_default(
    config_out: *mut cognito_refresh_config,
) -> cognito_result {
    boundary::call(|| {
        let RefreshConfig {
            unknown_kid_cooldown,
            max_key_age,
            retry_base,
            retry_max,
            fetch_timeout,
            request_timeout,
        } = RefreshConfig::DEFAULT;
        try_out(config_out)?.set(cognito_refresh_config {
            unknown_kid_cooldown,
            max_key_age,
            retry_base,
            retry_max,
            fetch_timeout,
            request_timeout,
        });
        Ok(())
    })
}

/// The verifier and a pool it has (`COGNITO_RESULT_INVALID_ARGUMENT` otherwise).
fn pool_of<'a>(
    verifier: *const cognito_verifier,
    pool: usize,
) -> Result<&'a cognito_verifier, cognito_result> {
    let v = try_ref(verifier)?;
    if pool >= v.core.pool_count() {
        return Err(cognito_result::InvalidArgument);
    }
    Ok(v)
}

/// Decides what to do about pool `pool`'s keys at time `now` (unix seconds), for a
/// `cognito_refresh_need`: `*action_out` receives a `cognito_refresh_action`, `*retry_at_out`
/// the time of the next allowed fetch for `COGNITO_REFRESH_ACTION_UNAVAILABLE`, else 0. When the
/// answer is `COGNITO_REFRESH_ACTION_FETCH` or `_REFRESH` the fetch is recorded as under way
/// (other threads get `_WAIT` or `_USE_CACHED`): report its outcome with
/// `cognito_verifier_fetch_succeeded` or `cognito_verifier_fetch_failed`; one never reported is
/// presumed failed after the `fetch_timeout` tunable.
///
/// Pools are numbered from 0 in the order their user pool ids and issuers were added.
/// Errors: `COGNITO_RESULT_INVALID_ARGUMENT` for a pool the verifier does not have or a `need`
/// out of range, `COGNITO_RESULT_NULL_PARAMETER`. Thread-safe: any thread may poll while others
/// verify; each pool's decision is taken under a short lock of its own.
#[no_mangle]
pub extern "C" fn cognito_verifier_poll(
    verifier: *const cognito_verifier,
    pool: usize,
    now: u64,
    need: u32,
    action_out: *mut cognito_refresh_action,
    retry_at_out: *mut u64,
) -> cognito_result {
    boundary::call(|| {
        let v = pool_of(verifier, pool)?;
        let action_out = try_out(action_out)?;
        let retry_at_out = try_out(retry_at_out)?;
        let need = match need {
            0 => Need::Keys,
            1 => Need::UnknownKid,
            _ => return Err(cognito_result::InvalidArgument),
        };
        let (action, retry_at) = match v.core.poll(pool, now, need) {
            Action::UseCached => (cognito_refresh_action::UseCached, 0),
            Action::Fetch => (cognito_refresh_action::Fetch, 0),
            Action::Wait => (cognito_refresh_action::Wait, 0),
            Action::Unavailable { retry_at } => (cognito_refresh_action::Unavailable, retry_at),
            Action::Refresh => (cognito_refresh_action::Refresh, 0),
        };
        action_out.set(action);
        retry_at_out.set(retry_at);
        Ok(())
    })
}

/// Reports that the fetch `cognito_verifier_poll` asked for returned `jwks` (`jwks_len` bytes,
/// the HTTP body) at `now`: its keys replace pool `pool`'s, whole, while other threads verify
/// (each verification uses the old or the new set, never a mix).
///
/// An unusable document is a failed fetch: the error is returned (`COGNITO_RESULT_JWKS_TOO_LARGE`,
/// decided before a byte is read; `_MALFORMED_JWKS`, also for a set with no usable key such as
/// `{"keys":[]}` or an HTML error page; `_TOO_MANY_KEYS`, `_WEAK_KEY`, `_UNSUPPORTED_KEY`;
/// `_NULL_PARAMETER` for a NULL `jwks`), the previous keys stay in use, and fetching backs off as
/// after `cognito_verifier_fetch_failed`. `COGNITO_RESULT_INVALID_ARGUMENT` for a pool the
/// verifier does not have and `_NULL_PARAMETER` for a NULL verifier change nothing.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn cognito_verifier_fetch_succeeded(
    verifier: *const cognito_verifier,
    pool: usize,
    now: u64,
    jwks: *const u8,
    jwks_len: usize,
) -> cognito_result {
    boundary::call(|| {
        let v = pool_of(verifier, pool)?;
        match v.jwks_bytes(jwks, jwks_len) {
            // The core counts a document it rejects as a failed fetch itself.
            Ok(bytes) => Ok(v.core.fetch_succeeded(pool, now, bytes)?),
            // Refused before the core saw it: a failed fetch all the same, or the policy would
            // wait for a report that never comes.
            Err(code) => {
                v.core.fetch_failed(pool, now);
                Err(code)
            }
        }
    })
}

/// Reports that the fetch `cognito_verifier_poll` asked for failed at `now` (network error, HTTP
/// status, timeout, a body over the size limit): pool `pool`'s keys stay as they are, and
/// fetching backs off (1 s, doubling up to 300 s by default). Errors:
/// `COGNITO_RESULT_INVALID_ARGUMENT` for a pool the verifier does not have,
/// `COGNITO_RESULT_NULL_PARAMETER`. Thread-safe.
#[no_mangle]
pub extern "C" fn cognito_verifier_fetch_failed(
    verifier: *const cognito_verifier,
    pool: usize,
    now: u64,
) -> cognito_result {
    boundary::call(|| {
        pool_of(verifier, pool)?.core.fetch_failed(pool, now);
        Ok(())
    })
}

/// Where pool `pool`'s keys are fetched from: `https://cognito-idp.{region}.amazonaws.com/{id}/.well-known/jwks.json`
/// for a user pool id, `{issuer}/.well-known/jwks.json` for an issuer URL.
///
/// Copies the URL and a terminating NUL into `buf` and sets `*out_len` to its length without
/// the NUL. Returns `COGNITO_RESULT_BUFFER_TOO_SMALL` with `*out_len` set to the size needed
/// (length + 1) if `buf_len` is too small (`buf` may be NULL when `buf_len` is 0, to ask for the
/// size); `COGNITO_RESULT_INVALID_ARGUMENT` for a pool the verifier does not have;
/// `COGNITO_RESULT_NULL_PARAMETER`. Thread-safe.
#[no_mangle]
pub extern "C" fn cognito_verifier_jwks_url(
    verifier: *const cognito_verifier,
    pool: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let v = pool_of(verifier, pool)?;
        let out = TextOut::new(buf, buf_len, out_len)?;
        let url = v
            .core
            .jwks_url(pool)
            .ok_or(cognito_result::InvalidArgument)?;
        out.bytes(url.as_bytes())
    })
}
