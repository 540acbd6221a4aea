//! Keyword arguments of `CognitoJwtVerifier(...)` to the core's builder: each name is the core's
//! builder method's (`jwks_uri`, `client_id`, `scope`: aws-jwt-verify's), each default the core's.

use cognito_verify::{
    AcceptedTokenUse, CognitoJwtVerifierBuilder, ConfigBuilder, Match, Pool, RefreshConfig,
    VerifierConfig,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

/// The names a pool takes, at the top level (one pool) or in each of `pools=[{...}]`.
const POOL_NAMES: [&str; 7] = [
    "user_pool_id",
    "issuer",
    "jwks_uri",
    "client_id",
    "token_use",
    "groups",
    "scope",
];

/// One string or a list of them.
pub(crate) fn strings(v: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<String>> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(vec![s.to_cow()?.into_owned()]);
    }
    v.extract::<Vec<String>>()
        .map_err(|_| PyTypeError::new_err(format!("{name}: a string or a list of strings")))
}

/// `groups` / `scope`: a string or a list (any of), or `{"any_of": [...]}` / `{"all_of": [...]}`.
pub(crate) fn requirement(v: &Bound<'_, PyAny>, name: &str) -> PyResult<(Match, Vec<String>)> {
    if let Ok(d) = v.cast::<PyDict>() {
        let (kind, list) = match (d.get_item("any_of")?, d.get_item("all_of")?) {
            (Some(l), None) if d.len() == 1 => (Match::AnyOf, l),
            (None, Some(l)) if d.len() == 1 => (Match::AllOf, l),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "{name}: {{\"any_of\": [...]}} or {{\"all_of\": [...]}}"
                )))
            }
        };
        return Ok((kind, strings(&list, name)?));
    }
    Ok((Match::AnyOf, strings(v, name)?))
}

pub(crate) fn token_use(v: &Bound<'_, PyAny>) -> PyResult<AcceptedTokenUse> {
    if v.is_none() {
        return Ok(AcceptedTokenUse::Any);
    }
    match v.extract::<String>().as_deref() {
        Ok("id") => Ok(AcceptedTokenUse::Id),
        Ok("access") => Ok(AcceptedTokenUse::Access),
        Ok("any") => Ok(AcceptedTokenUse::Any),
        _ => Err(PyValueError::new_err(
            "token_use: \"id\", \"access\" or None (any)",
        )),
    }
}

/// The pool named by `user_pool_id` and/or `issuer` in `d`, with its JWKS URL; `None` when `d`
/// names none.
fn pool_of(d: &Bound<'_, PyDict>) -> PyResult<Option<Pool>> {
    let id = d.get_item("user_pool_id")?.filter(|v| !v.is_none());
    let issuers = match d.get_item("issuer")?.filter(|v| !v.is_none()) {
        Some(v) => strings(&v, "issuer")?,
        None => Vec::new(),
    };
    let mut issuers = issuers.into_iter();
    let mut pool = match (id, issuers.next()) {
        // With both, the issuers replace the pool's own (emulators); keys from the pool's URL.
        (Some(id), first) => first
            .into_iter()
            .fold(Pool::user_pool(id.extract::<String>()?), Pool::also_issuer),
        (None, Some(first)) => Pool::issuer(first),
        (None, None) => return Ok(None),
    };
    pool = issuers.fold(pool, Pool::also_issuer);
    if let Some(url) = d.get_item("jwks_uri")?.filter(|v| !v.is_none()) {
        pool = pool.jwks_url(url.extract::<String>()?);
    }
    Ok(Some(pool))
}

/// A pool's own rules, from one of `pools=[{...}]`.
fn pool_rules(mut pool: Pool, d: &Bound<'_, PyDict>) -> PyResult<Pool> {
    for (k, v) in d.iter() {
        let k: String = k.extract()?;
        if !POOL_NAMES.contains(&k.as_str()) {
            return Err(PyTypeError::new_err(format!(
                "pools: unknown setting {k:?}"
            )));
        }
        if v.is_none() && k != "token_use" {
            continue;
        }
        pool = match k.as_str() {
            "client_id" => strings(&v, "client_id")?
                .into_iter()
                .fold(pool, Pool::client_id),
            "token_use" => pool.token_use(token_use(&v)?),
            "groups" => {
                let (kind, l) = requirement(&v, "groups")?;
                pool.groups(kind, l)
            }
            "scope" => {
                let (kind, l) = requirement(&v, "scope")?;
                pool.scopes(kind, l)
            }
            _ => pool,
        };
    }
    Ok(pool)
}

fn size(v: &Bound<'_, PyAny>, name: &str) -> PyResult<usize> {
    v.extract::<usize>()
        .map_err(|_| PyValueError::new_err(format!("{name}: a count of at least 0")))
}

pub(crate) fn seconds(v: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    v.extract::<u64>()
        .map_err(|_| PyValueError::new_err(format!("{name}: whole seconds, at least 0")))
}

/// `jwks_cache={...}`: the refresh policy's tunables, seconds, the core's default for each one
/// not given.
pub(crate) fn refresh(v: &Bound<'_, PyAny>) -> PyResult<RefreshConfig> {
    let d = v
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err("jwks_cache: a dict of seconds"))?;
    let mut r = RefreshConfig::DEFAULT;
    for (k, v) in d.iter() {
        let k: String = k.extract()?;
        let slot = match k.as_str() {
            "unknown_kid_cooldown" => &mut r.unknown_kid_cooldown,
            "max_key_age" => &mut r.max_key_age,
            "retry_base" => &mut r.retry_base,
            "retry_max" => &mut r.retry_max,
            "fetch_timeout" => &mut r.fetch_timeout,
            "request_timeout" => &mut r.request_timeout,
            _ => return Err(PyTypeError::new_err(format!("jwks_cache: unknown {k:?}"))),
        };
        *slot = seconds(&v, &k)?;
    }
    Ok(r)
}

/// The verifier-wide setting `name`: applied to `b`, or `None` for a name that is not one.
fn setting(b: ConfigBuilder, name: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<ConfigBuilder>> {
    Ok(Some(match name {
        "client_id" => strings(v, name)?
            .into_iter()
            .fold(b, ConfigBuilder::client_id),
        "token_use" => b.token_use(token_use(v)?),
        "groups" => {
            let (kind, l) = requirement(v, name)?;
            b.groups(kind, l)
        }
        "scope" => {
            let (kind, l) = requirement(v, name)?;
            b.scopes(kind, l)
        }
        "leeway" => b.leeway(seconds(v, name)?),
        "max_age" => b.max_age(seconds(v, name)?),
        "max_token_lifetime" => b.max_token_lifetime(seconds(v, name)?),
        "max_token_bytes" => b.max_token_bytes(size(v, name)?),
        "max_jwks_bytes" => b.max_jwks_bytes(size(v, name)?),
        "signature_cache" => b.signature_cache(size(v, name)?),
        "verdict_memo" => b.verdict_memo(size(v, name)?),
        "verdict_memo_bytes" => b.verdict_memo_bytes(size(v, name)?),
        "revocation_capacity" => b.revocation_capacity(size(v, name)?),
        "allow_es256" => b.allow_es256(v.extract()?),
        "allow_any_rsa_exponent" => b.allow_any_rsa_exponent(v.extract()?),
        "allow_insecure_http" => b.allow_insecure_http(v.extract()?),
        "jwks_cache" => b.refresh(refresh(v)?),
        _ => return Ok(None),
    }))
}

/// The core's builder for these keyword arguments (not yet checked: the core's `build` does).
pub(crate) fn builder<'py>(
    py: Python<'py>,
    user_pool_id: Option<&Bound<'py, PyAny>>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(CognitoJwtVerifierBuilder, Vec<Vec<String>>)> {
    let py_kwargs = match kwargs {
        Some(k) => k.copy()?,
        None => PyDict::new(py),
    };
    let mut names = Vec::new();
    if let Some(id) = user_pool_id {
        py_kwargs.set_item("user_pool_id", id)?;
    }
    let mut b = VerifierConfig::builder();
    if let Some(pool) = pool_of(&py_kwargs)? {
        names.push(names_of(&py_kwargs)?);
        b = b.pool(pool);
    }
    if let Some(pools) = py_kwargs.get_item("pools")?.filter(|v| !v.is_none()) {
        for p in pools.try_iter()? {
            let p = p?;
            let d = p
                .cast::<PyDict>()
                .map_err(|_| PyTypeError::new_err("pools: a list of dicts"))?;
            let Some(pool) = pool_of(d)? else {
                return Err(PyValueError::new_err(
                    "pools: each needs a user_pool_id or an issuer",
                ));
            };
            names.push(names_of(d)?);
            b = b.pool(pool_rules(pool, d)?);
        }
    }
    let mut offline = false;
    for (k, v) in py_kwargs.iter() {
        let k: String = k.extract()?;
        if matches!(k.as_str(), "user_pool_id" | "issuer" | "jwks_uri" | "pools") {
            continue;
        }
        if k == "offline" {
            offline = v.extract()?;
            continue;
        }
        if v.is_none() && k != "token_use" {
            continue;
        }
        b = match setting(b, &k, &v)? {
            Some(b) => b,
            None => {
                return Err(PyTypeError::new_err(format!(
                    "CognitoJwtVerifier() got an unexpected keyword argument '{k}'"
                )))
            }
        };
    }
    let v = cognito_verify::CognitoJwtVerifier::builder()
        .config(|_| b)
        .clock(crate::clock);
    Ok((if offline { v.offline() } else { v }, names))
}

/// What a pool is called by (`cache_jwks(jwks, pool=...)`): its user pool id and issuers.
fn names_of(d: &Bound<'_, PyDict>) -> PyResult<Vec<String>> {
    let mut names = Vec::new();
    if let Some(id) = d.get_item("user_pool_id")?.filter(|v| !v.is_none()) {
        names.push(id.extract()?);
    }
    if let Some(v) = d.get_item("issuer")?.filter(|v| !v.is_none()) {
        names.extend(strings(&v, "issuer")?);
    }
    Ok(names)
}
