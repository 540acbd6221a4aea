//! `cognito_config`: what a verifier accepts, built up call by call.

use std::sync::{Mutex, PoisonError};

use cognito_verify_core::{
    AcceptedTokenUse, ConfigBuilder, ConfigError, Match, Pool, VerifierConfig,
    DEFAULT_MAX_JWKS_BYTES, DEFAULT_MAX_TOKEN_BYTES, DEFAULT_MAX_TOKEN_LIFETIME,
    DEFAULT_REVOCATION_CAPACITY, DEFAULT_SIGNATURE_CACHE_CAPACITY, DEFAULT_VERDICT_MEMO_BYTES,
    DEFAULT_VERDICT_MEMO_ENTRIES,
};

use crate::boundary;
use crate::cast::{self, try_mut, try_out, try_ref, try_str};
use crate::claims::TextOut;
use crate::cognito_result;
use crate::pools::PoolEntry;
use crate::refresh::cognito_refresh_config;

/// Which token uses a verifier accepts (`cognito_config_set_token_use`), and which one a verified
/// token has (`cognito_claims_token_use`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_token_use {
    /// ID and access tokens (the default of a new configuration).
    Any = 0,
    /// ID tokens (`token_use` `id`): identity claims, `aud` is the app client id.
    Id = 1,
    /// Access tokens (`token_use` `access`): `scope`, `client_id`.
    Access = 2,
}

/// How a list of required groups or scopes is matched.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_match {
    /// The token must have at least one of the listed values.
    AnyOf = 0,
    /// The token must have every listed value.
    AllOf = 1,
}

// The C header needs each default as a literal (cbindgen cannot evaluate the core's constants);
// the assertions below stop the build if one ever differs from the core's. The library itself
// never reads them: a new configuration takes every default from `VerifierConfig::builder()`.

/// Longest token a verifier accepts unless `cognito_config_set_max_token_bytes` says otherwise
/// (the core's `DEFAULT_MAX_TOKEN_BYTES`).
pub const COGNITO_DEFAULT_MAX_TOKEN_BYTES: usize = 16384;
/// Largest JWKS document accepted unless `cognito_config_set_max_jwks_bytes` says otherwise (the
/// core's `DEFAULT_MAX_JWKS_BYTES`).
pub const COGNITO_DEFAULT_MAX_JWKS_BYTES: usize = 65536;
/// Entries of a verifier's verified-signature cache unless `cognito_config_set_signature_cache`
/// says otherwise (the core's `DEFAULT_SIGNATURE_CACHE_CAPACITY`).
pub const COGNITO_DEFAULT_SIGNATURE_CACHE_CAPACITY: usize = 4096;
/// Entries of a verifier's verdict memo unless `cognito_config_set_verdict_memo` says otherwise
/// (the core's `DEFAULT_VERDICT_MEMO_ENTRIES`).
pub const COGNITO_DEFAULT_VERDICT_MEMO_ENTRIES: usize = 2048;
/// Bytes a verifier's verdict memo holds at most unless `cognito_config_set_verdict_memo_bytes`
/// says otherwise (the core's `DEFAULT_VERDICT_MEMO_BYTES`, 4 MiB).
pub const COGNITO_DEFAULT_VERDICT_MEMO_BYTES: usize = 4_194_304;
/// Entries of a verifier's revocation list unless `cognito_config_set_revocation_capacity` says
/// otherwise (32 bytes each; the core's `DEFAULT_REVOCATION_CAPACITY`).
pub const COGNITO_DEFAULT_REVOCATION_CAPACITY: usize = 4096;
/// How long a revoked session or user is held unless `cognito_config_set_max_token_lifetime`
/// says otherwise, in seconds: one day, the longest ID or access token validity of a Cognito app
/// client (the core's `DEFAULT_MAX_TOKEN_LIFETIME`).
pub const COGNITO_DEFAULT_MAX_TOKEN_LIFETIME: u64 = 86_400;
/// Largest `max_token_bytes` accepted (a verifier, and a claims handle, hold buffers of about
/// this size). A limit of the C ABI only.
pub const COGNITO_MAX_TOKEN_BYTES_LIMIT: usize = 16_777_216;

const _: () = assert!(COGNITO_DEFAULT_MAX_TOKEN_BYTES == DEFAULT_MAX_TOKEN_BYTES);
const _: () = assert!(COGNITO_DEFAULT_MAX_JWKS_BYTES == DEFAULT_MAX_JWKS_BYTES);
const _: () = assert!(COGNITO_DEFAULT_SIGNATURE_CACHE_CAPACITY == DEFAULT_SIGNATURE_CACHE_CAPACITY);
const _: () = assert!(COGNITO_DEFAULT_REVOCATION_CAPACITY == DEFAULT_REVOCATION_CAPACITY);
const _: () = assert!(COGNITO_DEFAULT_VERDICT_MEMO_ENTRIES == DEFAULT_VERDICT_MEMO_ENTRIES);
const _: () = assert!(COGNITO_DEFAULT_VERDICT_MEMO_BYTES == DEFAULT_VERDICT_MEMO_BYTES);
const _: () = assert!(COGNITO_DEFAULT_MAX_TOKEN_LIFETIME == DEFAULT_MAX_TOKEN_LIFETIME);

/// A verifier configuration under construction. Create with `cognito_config_new`, fill in, pass
/// to `cognito_verifier_new` (which copies it), free with `cognito_config_free`. Not thread-safe:
/// one thread at a time.
pub struct cognito_config {
    /// The core's builder: every setting but the pools, and every default; it judges the whole.
    builder: ConfigBuilder,
    /// C adds groups and scopes one by one; the core takes each list whole.
    groups: Requirement,
    scopes: Requirement,
    /// The pools in the order added, handed to the builder by `build` (C sets a pool's rules
    /// after adding it; the core's `Pool` is built whole).
    pub(crate) pools: Vec<PoolEntry>,
    /// What to fix after the last call with this configuration, "" when it succeeded
    /// (`cognito_config_error_message`). A lock: `cognito_verifier_new` may be called from
    /// several threads with one configuration.
    error: Mutex<&'static str>,
}

/// A failed configuration call: the code returned, and what to fix.
pub(crate) struct Fault {
    pub(crate) code: cognito_result,
    pub(crate) message: &'static str,
}

impl Fault {
    pub(crate) const fn new(code: cognito_result, message: &'static str) -> Self {
        Fault { code, message }
    }
}

impl From<cognito_result> for Fault {
    /// A code of the C ABI says what to fix in its own words (`cognito_result_message`).
    fn from(code: cognito_result) -> Self {
        Fault::new(code, code.message().to_str().unwrap_or(""))
    }
}

impl From<ConfigError> for Fault {
    /// The core's words, the same as Rust's and JS's.
    fn from(e: ConfigError) -> Self {
        let code = cognito_result::from(cognito_verify_core::Error::from(e));
        Fault::new(code, e.message())
    }
}

impl cognito_config {
    fn update(&mut self, f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) {
        self.builder = f(core::mem::replace(
            &mut self.builder,
            VerifierConfig::builder(),
        ));
    }

    /// Keeps the outcome of a call for `cognito_config_error_message`.
    fn note(&self, outcome: Result<(), Fault>) -> Result<(), cognito_result> {
        let message = outcome.as_ref().err().map_or("", |f| f.message);
        *self.error.lock().unwrap_or_else(PoisonError::into_inner) = message;
        outcome.map_err(|f| f.code)
    }

    /// The core's configuration, checked; what to fix is kept for
    /// `cognito_config_error_message`.
    pub(crate) fn build(&self) -> Result<VerifierConfig, cognito_result> {
        let mut b = self.builder.clone();
        for pool in &self.pools {
            b = b.pool(pool.to_core());
        }
        if let Some((kind, list)) = &self.groups {
            b = b.groups(*kind, list.iter().cloned());
        }
        if let Some((kind, list)) = &self.scopes {
            b = b.scopes(*kind, list.iter().cloned());
        }
        let built = b.build();
        self.note(built.as_ref().map(|_| ()).map_err(|e| Fault::from(*e)))?;
        built.map_err(|e| Fault::from(e).code)
    }
}

/// Runs a call that changes the configuration, and keeps its outcome for
/// `cognito_config_error_message`.
pub(crate) fn configure(
    config: *mut cognito_config,
    f: impl FnOnce(&mut cognito_config) -> Result<(), Fault>,
) -> cognito_result {
    boundary::call(|| {
        let c = try_mut(config)?;
        let outcome = f(c);
        c.note(outcome)
    })
}

/// Creates an empty configuration with the core's defaults: no issuer, no client (both must be
/// added), any token use, leeway 0, no maximum age, no group or scope requirement, RS256 only,
/// tokens up to `COGNITO_DEFAULT_MAX_TOKEN_BYTES` bytes, key sets up to
/// `COGNITO_DEFAULT_MAX_JWKS_BYTES` bytes, a signature cache of
/// `COGNITO_DEFAULT_SIGNATURE_CACHE_CAPACITY` entries, a revocation list of
/// `COGNITO_DEFAULT_REVOCATION_CAPACITY` entries, the refresh tunables of
/// `cognito_refresh_config_default`. On success `*config_out` receives a handle to free with
/// `cognito_config_free`. Errors: `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_config_new(config_out: *mut *mut cognito_config) -> cognito_result {
    boundary::call(|| {
        let out = try_out(config_out)?;
        out.set(cast::to_boxed_ptr(cognito_config {
            builder: VerifierConfig::builder(),
            groups: None,
            scopes: None,
            pools: Vec::new(),
            error: Mutex::new(""),
        }));
        Ok(())
    })
}

/// Frees a configuration. NULL is ignored. Verifiers made from it are not affected.
#[no_mangle]
pub extern "C" fn cognito_config_free(config: *mut cognito_config) {
    boundary::call_void(|| cast::free_boxed(config));
}

/// Applies a setting to the configuration.
fn set(
    config: *mut cognito_config,
    f: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
) -> cognito_result {
    configure(config, |c| {
        c.update(f);
        Ok(())
    })
}

/// Applies a text setting to the configuration.
fn set_str(
    config: *mut cognito_config,
    value: *const u8,
    value_len: usize,
    f: impl FnOnce(ConfigBuilder, String) -> ConfigBuilder,
) -> cognito_result {
    configure(config, |c| {
        let v = try_str(value, value_len)?.to_owned();
        c.update(|b| f(b, v));
        Ok(())
    })
}

/// Adds a pool (a user pool id or an issuer URL), numbered by the order added.
fn add_pool(
    config: *mut cognito_config,
    value: *const u8,
    value_len: usize,
    pool: fn(String) -> Pool,
) -> cognito_result {
    configure(config, |c| {
        let v = try_str(value, value_len)?.to_owned();
        c.pools.push(PoolEntry::new(pool(v)));
        Ok(())
    })
}

/// Accepts tokens of this Cognito user pool (`us-east-1_AbC123`): both issuer forms,
/// `https://cognito-idp.{region}.amazonaws.com/{id}` and
/// `https://issuer-cognito-idp.{region}.amazonaws.com/{id}`. May be called several times.
/// A malformed id is reported by `cognito_verifier_new` (`COGNITO_RESULT_INVALID_CONFIGURATION`).
/// Emulator pools (`local_3lyPxVaO` of cognito-local) are accepted. Each pool or issuer added is
/// one pool, numbered from 0 in the order added (the `pool` argument of `cognito_verifier_poll`,
/// `cognito_verifier_cache_pool_jwks`, ...); its keys are fetched from
/// `https://cognito-idp.{region}.amazonaws.com/{id}/.well-known/jwks.json`
/// (`cognito_verifier_jwks_url`). Its own rules, by that number: `cognito_config_pool_*`.
#[no_mangle]
pub extern "C" fn cognito_config_add_user_pool_id(
    config: *mut cognito_config,
    pool_id: *const u8,
    pool_id_len: usize,
) -> cognito_result {
    add_pool(config, pool_id, pool_id_len, Pool::user_pool)
}

/// Accepts tokens whose `iss` is exactly this URL (emulators, other partitions). May be called
/// several times, and mixed with user pool ids; each is one pool, whose keys are fetched from
/// `{issuer}/.well-known/jwks.json`.
#[no_mangle]
pub extern "C" fn cognito_config_add_issuer(
    config: *mut cognito_config,
    issuer: *const u8,
    issuer_len: usize,
) -> cognito_result {
    add_pool(config, issuer, issuer_len, Pool::issuer)
}

/// Accepts tokens of this app client (`aud` of ID tokens, `client_id` of access tokens), in every
/// pool that names none of its own (`cognito_config_pool_add_client_id`). Each pool needs one at
/// least, its own or these; may be called several times.
#[no_mangle]
pub extern "C" fn cognito_config_add_client_id(
    config: *mut cognito_config,
    client_id: *const u8,
    client_id_len: usize,
) -> cognito_result {
    set_str(config, client_id, client_id_len, ConfigBuilder::client_id)
}

/// Accepts only this token use: a `cognito_token_use` value (`COGNITO_TOKEN_USE_ANY`, `_ID` or
/// `_ACCESS`); anything else is `COGNITO_RESULT_INVALID_ARGUMENT`. Pools that set their own
/// (`cognito_config_pool_set_token_use`) use theirs.
#[no_mangle]
pub extern "C" fn cognito_config_set_token_use(
    config: *mut cognito_config,
    token_use: u32,
) -> cognito_result {
    configure(config, |c| {
        let t = parse_token_use(token_use)?;
        c.update(|b| b.token_use(t));
        Ok(())
    })
}

/// Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds (default 0).
#[no_mangle]
pub extern "C" fn cognito_config_set_leeway(
    config: *mut cognito_config,
    seconds: u64,
) -> cognito_result {
    set(config, |b| b.leeway(seconds))
}

/// Rejects tokens whose `iat` is more than this many seconds ago (tokens then need `iat`).
#[no_mangle]
pub extern "C" fn cognito_config_set_max_age(
    config: *mut cognito_config,
    seconds: u64,
) -> cognito_result {
    set(config, |b| b.max_age(seconds))
}

/// Also accepts ES256 tokens signed by P-256 keys of the key set (off by default: every Cognito
/// user pool signs with RS256).
#[no_mangle]
pub extern "C" fn cognito_config_set_allow_es256(
    config: *mut cognito_config,
    allow: bool,
) -> cognito_result {
    set(config, |b| b.allow_es256(allow))
}

/// Longest token accepted, in bytes (1 to `COGNITO_MAX_TOKEN_BYTES_LIMIT`; default
/// `COGNITO_DEFAULT_MAX_TOKEN_BYTES`); longer tokens are `COGNITO_RESULT_TOKEN_TOO_LARGE` before
/// a byte is read. Claims handles must be created with at least this capacity to hold the
/// payload of the longest tokens. Errors: `COGNITO_RESULT_INVALID_ARGUMENT` out of that range.
#[no_mangle]
pub extern "C" fn cognito_config_set_max_token_bytes(
    config: *mut cognito_config,
    max_token_bytes: usize,
) -> cognito_result {
    configure(config, |c| {
        if !(1..=COGNITO_MAX_TOKEN_BYTES_LIMIT).contains(&max_token_bytes) {
            return Err(cognito_result::InvalidArgument.into());
        }
        c.update(|b| b.max_token_bytes(max_token_bytes));
        Ok(())
    })
}

/// Largest JWKS document accepted, in bytes (default `COGNITO_DEFAULT_MAX_JWKS_BYTES`), by
/// `cognito_verifier_fetch_succeeded` and `cognito_verifier_cache_jwks`: a longer one is
/// `COGNITO_RESULT_JWKS_TOO_LARGE` before a byte is read. Tell your HTTP client to stop reading
/// there too.
#[no_mangle]
pub extern "C" fn cognito_config_set_max_jwks_bytes(
    config: *mut cognito_config,
    max_jwks_bytes: usize,
) -> cognito_result {
    set(config, |b| b.max_jwks_bytes(max_jwks_bytes))
}

/// Entries of the verifier's verified-signature cache (default
/// `COGNITO_DEFAULT_SIGNATURE_CACHE_CAPACITY`, 4096, about 112 KiB allocated by
/// `cognito_verifier_new`; rounded down to a multiple of 8). A token whose signature the verifier
/// checked before under the same key skips the RSA or ECDSA arithmetic; every other check runs
/// as without the cache, so the result is the same. 0 turns the cache off.
#[no_mangle]
pub extern "C" fn cognito_config_set_signature_cache(
    config: *mut cognito_config,
    entries: usize,
) -> cognito_result {
    set(config, |b| b.signature_cache(entries))
}

/// Entries of the verifier's verdict memo (default `COGNITO_DEFAULT_VERDICT_MEMO_ENTRIES`, 2048;
/// rounded down to a multiple of 4; 0 turns it off): a token that fully verified before is
/// answered by checking its claims again at the new time (expiry, revocation, groups, scopes),
/// without its signature, decoding or parsing, and gets the same result as a full verification.
/// An entry is not used once its pool's keys were replaced. Storing a token allocates (the
/// first verification of a token); a hit allocates nothing.
#[no_mangle]
pub extern "C" fn cognito_config_set_verdict_memo(
    config: *mut cognito_config,
    entries: usize,
) -> cognito_result {
    set(config, |b| b.verdict_memo(entries))
}

/// Bytes the verdict memo holds at most, counting each entry's token, decoded payload and about
/// 200 bytes of bookkeeping (default `COGNITO_DEFAULT_VERDICT_MEMO_BYTES`, 4 MiB: about 2,000
/// Cognito tokens). A token that would pass the bound is not stored.
#[no_mangle]
pub extern "C" fn cognito_config_set_verdict_memo_bytes(
    config: *mut cognito_config,
    bytes: usize,
) -> cognito_result {
    set(config, |b| b.verdict_memo_bytes(bytes))
}

/// The key refresh policy's tunables (ffi/README.md, "Key refresh"), the same for every pool:
/// `*refresh` is copied. Start from `cognito_refresh_config_default` and change what you need.
/// Errors: `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_config_set_refresh(
    config: *mut cognito_config,
    refresh: *const cognito_refresh_config,
) -> cognito_result {
    configure(config, |c| {
        let refresh = *try_ref(refresh)?;
        c.update(|b| b.refresh(refresh.into()));
        Ok(())
    })
}

/// Entries of the verifier's revocation list (default `COGNITO_DEFAULT_REVOCATION_CAPACITY`,
/// 4096; 32 bytes an entry, allocated once by `cognito_verifier_new`, 128 KiB by default; from 8
/// up, rounded down to a multiple of 8, as `cognito_verifier_revocation_stats` reports).
/// 0 turns revocation off: the `cognito_verifier_revoke_*` functions then return
/// `COGNITO_RESULT_REVOCATION_DISABLED` and no token is ever `COGNITO_RESULT_REVOKED`. Size it
/// for the sign-outs of one `max_token_lifetime`: an entry is held only while a token it covers
/// could still be accepted, and a full list refuses new revocations rather than dropping one it
/// holds (`COGNITO_RESULT_REVOCATION_LIST_FULL`). Each verifier made from this configuration has
/// its own list. Above 4,194,304 entries (128 MiB), `cognito_verifier_new` returns
/// `COGNITO_RESULT_INVALID_CONFIGURATION`.
#[no_mangle]
pub extern "C" fn cognito_config_set_revocation_capacity(
    config: *mut cognito_config,
    entries: usize,
) -> cognito_result {
    set(config, |b| b.revocation_capacity(entries))
}

/// The longest validity of the pool's ID and access tokens, in seconds (default
/// `COGNITO_DEFAULT_MAX_TOKEN_LIFETIME`, 86400, Cognito's maximum): how long a revoked session
/// (`cognito_verifier_revoke_origin_jti`) or user (`cognito_verifier_revoke_sub`) is held. Set
/// it to your app client's token validity to free entries sooner; never set it lower, or a
/// revoked token still valid by its `exp` may be accepted again once its entry is reused.
#[no_mangle]
pub extern "C" fn cognito_config_set_max_token_lifetime(
    config: *mut cognito_config,
    seconds: u64,
) -> cognito_result {
    set(config, |b| b.max_token_lifetime(seconds))
}

/// Accepts RSA keys with any odd exponent of at least 3, not only 65537.
#[no_mangle]
pub extern "C" fn cognito_config_set_allow_any_rsa_exponent(
    config: *mut cognito_config,
    allow: bool,
) -> cognito_result {
    set(config, |b| b.allow_any_rsa_exponent(allow))
}

pub(crate) fn match_mode(m: u32) -> Result<Match, Fault> {
    match m {
        0 => Ok(Match::AnyOf),
        1 => Ok(Match::AllOf),
        _ => Err(Fault::new(
            cognito_result::InvalidArgument,
            "mode is not a cognito_match (COGNITO_MATCH_ANY_OF or COGNITO_MATCH_ALL_OF)",
        )),
    }
}

pub(crate) fn parse_token_use(t: u32) -> Result<AcceptedTokenUse, Fault> {
    match t {
        0 => Ok(AcceptedTokenUse::Any),
        1 => Ok(AcceptedTokenUse::Id),
        2 => Ok(AcceptedTokenUse::Access),
        _ => Err(Fault::new(
            cognito_result::InvalidArgument,
            "token_use is not a cognito_token_use (COGNITO_TOKEN_USE_ANY, _ID or _ACCESS)",
        )),
    }
}

/// A group or scope requirement of the verifier or of one pool.
pub(crate) type Requirement = Option<(Match, Vec<String>)>;

/// Sets how the requirement `field` picks is matched.
pub(crate) fn require(
    config: *mut cognito_config,
    mode: u32,
    field: impl FnOnce(&mut cognito_config) -> Result<&mut Requirement, Fault>,
) -> cognito_result {
    configure(config, |c| {
        let kind = match_mode(mode)?;
        let slot = field(c)?;
        match slot {
            Some((k, _)) => *k = kind,
            None => *slot = Some((kind, Vec::new())),
        }
        Ok(())
    })
}

/// Adds a value to the requirement `field` picks (creating it, any-of, if needed).
pub(crate) fn add_required(
    config: *mut cognito_config,
    value: *const u8,
    value_len: usize,
    field: impl FnOnce(&mut cognito_config) -> Result<&mut Requirement, Fault>,
) -> cognito_result {
    configure(config, |c| {
        let v = try_str(value, value_len)?.to_owned();
        field(c)?
            .get_or_insert_with(|| (Match::AnyOf, Vec::new()))
            .1
            .push(v);
        Ok(())
    })
}

/// Requires `cognito:groups` to match the groups added with `cognito_config_add_group`:
/// `mode` is a `cognito_match` (`COGNITO_MATCH_ANY_OF`, the default, or `COGNITO_MATCH_ALL_OF`).
/// A requirement with no group is `COGNITO_RESULT_INVALID_CONFIGURATION` at `cognito_verifier_new`.
#[no_mangle]
pub extern "C" fn cognito_config_require_groups(
    config: *mut cognito_config,
    mode: u32,
) -> cognito_result {
    require(config, mode, |c| Ok(&mut c.groups))
}

/// Adds a group to the group requirement (creating it, any-of, if needed).
#[no_mangle]
pub extern "C" fn cognito_config_add_group(
    config: *mut cognito_config,
    group: *const u8,
    group_len: usize,
) -> cognito_result {
    add_required(config, group, group_len, |c| Ok(&mut c.groups))
}

/// Requires `scope` to match the scopes added with `cognito_config_add_scope`; as
/// `cognito_config_require_groups`.
#[no_mangle]
pub extern "C" fn cognito_config_require_scopes(
    config: *mut cognito_config,
    mode: u32,
) -> cognito_result {
    require(config, mode, |c| Ok(&mut c.scopes))
}

/// Adds a scope to the scope requirement (creating it, any-of, if needed).
#[no_mangle]
pub extern "C" fn cognito_config_add_scope(
    config: *mut cognito_config,
    scope: *const u8,
    scope_len: usize,
) -> cognito_result {
    add_required(config, scope, scope_len, |c| Ok(&mut c.scopes))
}

/// What to fix after the last call with this configuration that took it (a setter, or
/// `cognito_verifier_new`): the words of the Rust core's `ConfigError` for a configuration it
/// refuses ("an app client id is empty", "the user pool id has no '_' ..."), or this library's
/// for an argument it refuses ("no pool has this index ..."). Empty (`*out_len` 0) when that
/// call succeeded. Text out as for claims: copied with a NUL, `COGNITO_RESULT_BUFFER_TOO_SMALL`
/// with the size needed in `*out_len`. Errors: `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_config_error_message(
    config: *const cognito_config,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let c = try_ref(config)?;
        let out = TextOut::new(buf, buf_len, out_len)?;
        let message = *c.error.lock().unwrap_or_else(PoisonError::into_inner);
        out.bytes(message.as_bytes())
    })
}
