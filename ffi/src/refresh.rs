//! `cognito_refresh`: when to fetch a pool's JWKS (ARCHITECTURE.md, "Key refresh"), for C programs that do
//! the HTTP themselves. The same state machine as the Rust cache and the JS glue.

use std::sync::{Mutex, PoisonError};

use cognito_verify_core::{Action, JwksRefresh, Need, RefreshConfig};

use crate::boundary;
use crate::cast::{self, try_out, try_ref};
use crate::cognito_result;

/// Tunables of the refresh policy, in seconds. `cognito_refresh_config_default` fills in the
/// defaults: cooldown 30, key age 3600, retries from 1 up to 300, fetch timeout 30.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct cognito_refresh_config {
    /// At most one fetch per this many seconds caused by unknown `kid`s.
    pub unknown_kid_cooldown: u64,
    /// Keys older than this are fetched again before use (the old ones stay if that fails).
    pub max_key_age: u64,
    /// First delay after a failed fetch; doubled per further failure.
    pub retry_base: u64,
    /// Longest delay after failures.
    pub retry_max: u64,
    /// A fetch reported neither success nor failure after this long is presumed lost.
    pub fetch_timeout: u64,
}

impl From<cognito_refresh_config> for RefreshConfig {
    fn from(c: cognito_refresh_config) -> Self {
        RefreshConfig {
            unknown_kid_cooldown: c.unknown_kid_cooldown,
            max_key_age: c.max_key_age,
            retry_base: c.retry_base,
            retry_max: c.retry_max,
            fetch_timeout: c.fetch_timeout,
        }
    }
}

/// Why `cognito_refresh_poll` is called.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_refresh_need {
    /// About to verify a token: are the cached keys usable as they are?
    Keys = 0,
    /// A token named a `kid` the keys do not have (`COGNITO_RESULT_UNKNOWN_KID`).
    UnknownKid = 1,
}

/// What to do now, the answer of `cognito_refresh_poll`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_refresh_action {
    /// Use the keys already loaded (after `_UNKNOWN_KID`: the kid stays unknown, reject the
    /// token).
    UseCached = 0,
    /// Fetch the JWKS now, load it with `cognito_verifier_set_jwks`, then report with
    /// `cognito_refresh_fetched`.
    Fetch = 1,
    /// Another fetch is under way: wait for it, then ask again.
    Wait = 2,
    /// No keys, and no fetch allowed before `*retry_at_out` (after failures).
    Unavailable = 3,
}

/// The refresh state of one key set. Thread-safe: every function may be called from any thread.
pub struct cognito_refresh {
    state: Mutex<JwksRefresh>,
}

impl cognito_refresh {
    fn with<T>(&self, f: impl FnOnce(&mut JwksRefresh) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Fills `*config_out` with the default tunables.
#[no_mangle]
pub extern "C" fn cognito_refresh_config_default(
    config_out: *mut cognito_refresh_config,
) -> cognito_result {
    boundary::call(|| {
        let d = RefreshConfig::DEFAULT;
        try_out(config_out)?.set(cognito_refresh_config {
            unknown_kid_cooldown: d.unknown_kid_cooldown,
            max_key_age: d.max_key_age,
            retry_base: d.retry_base,
            retry_max: d.retry_max,
            fetch_timeout: d.fetch_timeout,
        });
        Ok(())
    })
}

/// Creates a refresh policy with these tunables (copied) and no keys: the first poll asks for a
/// fetch. On success `*refresh_out` receives a handle to free with `cognito_refresh_free`.
#[no_mangle]
pub extern "C" fn cognito_refresh_new(
    config: *const cognito_refresh_config,
    refresh_out: *mut *mut cognito_refresh,
) -> cognito_result {
    boundary::call(|| {
        let config = *try_ref(config)?;
        let out = try_out(refresh_out)?;
        out.set(cast::to_boxed_ptr(cognito_refresh {
            state: Mutex::new(JwksRefresh::new(config.into())),
        }));
        Ok(())
    })
}

/// Frees a refresh policy. NULL is ignored.
#[no_mangle]
pub extern "C" fn cognito_refresh_free(refresh: *mut cognito_refresh) {
    boundary::call_void(|| cast::free_boxed(refresh));
}

/// Decides what to do at time `now` (unix seconds) for a `cognito_refresh_need`. When the answer
/// is `COGNITO_REFRESH_ACTION_FETCH` the fetch is recorded as under way: report its outcome with
/// `cognito_refresh_fetched`. `*retry_at_out` is the time of the next allowed fetch for
/// `COGNITO_REFRESH_ACTION_UNAVAILABLE`, else 0.
#[no_mangle]
pub extern "C" fn cognito_refresh_poll(
    refresh: *const cognito_refresh,
    now: u64,
    need: u32,
    action_out: *mut cognito_refresh_action,
    retry_at_out: *mut u64,
) -> cognito_result {
    boundary::call(|| {
        let r = try_ref(refresh)?;
        let action_out = try_out(action_out)?;
        let retry_at_out = try_out(retry_at_out)?;
        let need = match need {
            0 => Need::Keys,
            1 => Need::UnknownKid,
            _ => return Err(cognito_result::InvalidArgument),
        };
        let (action, retry_at) = match r.with(|s| s.poll(now, need)) {
            Action::UseCached => (cognito_refresh_action::UseCached, 0),
            Action::Fetch => (cognito_refresh_action::Fetch, 0),
            Action::Wait => (cognito_refresh_action::Wait, 0),
            Action::Unavailable { retry_at } => (cognito_refresh_action::Unavailable, retry_at),
        };
        action_out.set(action);
        retry_at_out.set(retry_at);
        Ok(())
    })
}

/// Reports the outcome of the fetch `cognito_refresh_poll` asked for: `ok` means a usable key set
/// was received and loaded (`cognito_verifier_set_jwks` returned `COGNITO_RESULT_OK`); on failure
/// the previous keys stay in use and fetching backs off.
#[no_mangle]
pub extern "C" fn cognito_refresh_fetched(
    refresh: *const cognito_refresh,
    now: u64,
    ok: bool,
) -> cognito_result {
    boundary::call(|| {
        try_ref(refresh)?.with(|s| s.fetched(now, ok));
        Ok(())
    })
}

/// Keys were loaded by other means (a cached copy on disk): treat them as fetched at `now`.
#[no_mangle]
pub extern "C" fn cognito_refresh_keys_loaded(
    refresh: *const cognito_refresh,
    now: u64,
) -> cognito_result {
    boundary::call(|| {
        try_ref(refresh)?.with(|s| s.keys_loaded(now));
        Ok(())
    })
}

/// The number of consecutive failed fetches.
#[no_mangle]
pub extern "C" fn cognito_refresh_failures(
    refresh: *const cognito_refresh,
    out: *mut u32,
) -> cognito_result {
    boundary::call(|| {
        let r = try_ref(refresh)?;
        let out = try_out(out)?;
        out.set(r.with(|s| s.failures()));
        Ok(())
    })
}
