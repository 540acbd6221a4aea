//! A pool's own rules (`cognito_config_pool_*`): the core's `Pool`, set after the pool was
//! added, addressed by its index (pools are numbered from 0 in the order added, as everywhere
//! in this API). An unset rule is the verifier's: the core decides that (`PoolRules::or`).

use cognito_verify_core::Pool;

use crate::boundary;
use crate::cast::{try_out, try_ref, try_str};
use crate::cognito_result;
use crate::config::{
    add_required, cognito_config, configure, parse_token_use, require, Fault, Requirement,
};

/// One pool as C builds it: the core's `Pool`, and its group and scope lists, which C adds one
/// by one and the core takes whole.
#[derive(Clone)]
pub(crate) struct PoolEntry {
    pool: Pool,
    groups: Requirement,
    scopes: Requirement,
}

impl PoolEntry {
    pub(crate) fn new(pool: Pool) -> Self {
        PoolEntry {
            pool,
            groups: None,
            scopes: None,
        }
    }

    /// The core's `Pool`, whole.
    pub(crate) fn to_core(&self) -> Pool {
        let mut pool = self.pool.clone();
        if let Some((kind, list)) = &self.groups {
            pool = pool.groups(*kind, list.iter().cloned());
        }
        if let Some((kind, list)) = &self.scopes {
            pool = pool.scopes(*kind, list.iter().cloned());
        }
        pool
    }

    fn update(&mut self, f: impl FnOnce(Pool) -> Pool) {
        self.pool = f(core::mem::take(&mut self.pool));
    }
}

/// The pool `pool` of the configuration, or what to fix.
fn entry(c: &mut cognito_config, pool: usize) -> Result<&mut PoolEntry, Fault> {
    if c.pools.is_empty() {
        return Err(Fault::new(
            cognito_result::InvalidArgument,
            "no pool added yet: add it with cognito_config_add_user_pool_id or \
             cognito_config_add_issuer before setting its rules",
        ));
    }
    c.pools.get_mut(pool).ok_or(Fault::new(
        cognito_result::InvalidArgument,
        "no pool has this index: pools are numbered from 0 in the order added \
         (cognito_config_pool_count)",
    ))
}

/// Applies a text setting to pool `pool`.
fn set_str(
    config: *mut cognito_config,
    pool: usize,
    value: *const u8,
    value_len: usize,
    f: impl FnOnce(Pool, String) -> Pool,
) -> cognito_result {
    configure(config, |c| {
        let v = try_str(value, value_len)?.to_owned();
        entry(c, pool)?.update(|p| f(p, v));
        Ok(())
    })
}

/// The number of pools added so far: the next pool added gets this index. Errors:
/// `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_config_pool_count(
    config: *const cognito_config,
    count_out: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let c = try_ref(config)?;
        try_out(count_out)?.set(c.pools.len());
        Ok(())
    })
}

/// Accepts this app client for pool `pool` (repeatable). A pool with clients of its own accepts
/// only those; one with none accepts the verifier's (`cognito_config_add_client_id`). An empty
/// id is `COGNITO_RESULT_INVALID_CONFIGURATION` at `cognito_verifier_new`. Errors (here):
/// `COGNITO_RESULT_INVALID_ARGUMENT` for a pool not added yet, `COGNITO_RESULT_INVALID_UTF8`,
/// `COGNITO_RESULT_NULL_PARAMETER`; `cognito_config_error_message` says what to fix.
#[no_mangle]
pub extern "C" fn cognito_config_pool_add_client_id(
    config: *mut cognito_config,
    pool: usize,
    client_id: *const u8,
    client_id_len: usize,
) -> cognito_result {
    set_str(config, pool, client_id, client_id_len, Pool::client_id)
}

/// Accepts only this token use from pool `pool` (a `cognito_token_use`); unset, the verifier's
/// (`cognito_config_set_token_use`). Errors as `cognito_config_pool_add_client_id`, and
/// `COGNITO_RESULT_INVALID_ARGUMENT` for a value that is not a `cognito_token_use`.
#[no_mangle]
pub extern "C" fn cognito_config_pool_set_token_use(
    config: *mut cognito_config,
    pool: usize,
    token_use: u32,
) -> cognito_result {
    configure(config, |c| {
        let t = parse_token_use(token_use)?;
        entry(c, pool)?.update(|p| p.token_use(t));
        Ok(())
    })
}

/// Requires `cognito:groups` of pool `pool`'s tokens to match the groups added with
/// `cognito_config_pool_add_group` (`mode`: a `cognito_match`). A pool with a group requirement
/// of its own uses it instead of the verifier's (`cognito_config_require_groups`); one with none
/// uses the verifier's. A requirement with no group is `COGNITO_RESULT_INVALID_CONFIGURATION` at
/// `cognito_verifier_new`. Errors as `cognito_config_pool_set_token_use`.
#[no_mangle]
pub extern "C" fn cognito_config_pool_require_groups(
    config: *mut cognito_config,
    pool: usize,
    mode: u32,
) -> cognito_result {
    require(config, mode, |c| Ok(&mut entry(c, pool)?.groups))
}

/// Adds a group to pool `pool`'s group requirement (creating it, any-of, if needed). Errors as
/// `cognito_config_pool_add_client_id`.
#[no_mangle]
pub extern "C" fn cognito_config_pool_add_group(
    config: *mut cognito_config,
    pool: usize,
    group: *const u8,
    group_len: usize,
) -> cognito_result {
    add_required(
        config,
        group,
        group_len,
        |c| Ok(&mut entry(c, pool)?.groups),
    )
}

/// Requires `scope` of pool `pool`'s tokens to match the scopes added with
/// `cognito_config_pool_add_scope`; as `cognito_config_pool_require_groups`.
#[no_mangle]
pub extern "C" fn cognito_config_pool_require_scopes(
    config: *mut cognito_config,
    pool: usize,
    mode: u32,
) -> cognito_result {
    require(config, mode, |c| Ok(&mut entry(c, pool)?.scopes))
}

/// Adds a scope to pool `pool`'s scope requirement (creating it, any-of, if needed). Errors as
/// `cognito_config_pool_add_client_id`.
#[no_mangle]
pub extern "C" fn cognito_config_pool_add_scope(
    config: *mut cognito_config,
    pool: usize,
    scope: *const u8,
    scope_len: usize,
) -> cognito_result {
    add_required(
        config,
        scope,
        scope_len,
        |c| Ok(&mut entry(c, pool)?.scopes),
    )
}

/// Also accepts tokens whose `iss` is exactly this URL for pool `pool`, verified with the same
/// keys (repeatable). For a user pool id, the URLs given replace the pool's own two issuers and
/// the keys still come from the pool's JWKS URL: an emulator that names the pool by its own URL.
/// An empty URL is `COGNITO_RESULT_INVALID_CONFIGURATION` at `cognito_verifier_new`. Errors as
/// `cognito_config_pool_add_client_id`.
#[no_mangle]
pub extern "C" fn cognito_config_pool_add_issuer(
    config: *mut cognito_config,
    pool: usize,
    issuer: *const u8,
    issuer_len: usize,
) -> cognito_result {
    set_str(config, pool, issuer, issuer_len, Pool::also_issuer)
}

/// Fetches pool `pool`'s keys from this URL instead of the one derived from its pool id or
/// issuer (`cognito_verifier_jwks_url` then gives this one). It must be `https`, or `http` to a
/// loopback host; any other is `COGNITO_RESULT_INVALID_CONFIGURATION` at `cognito_verifier_new`.
/// Errors as `cognito_config_pool_add_client_id`.
#[no_mangle]
pub extern "C" fn cognito_config_pool_set_jwks_url(
    config: *mut cognito_config,
    pool: usize,
    url: *const u8,
    url_len: usize,
) -> cognito_result {
    set_str(config, pool, url, url_len, Pool::jwks_url)
}
