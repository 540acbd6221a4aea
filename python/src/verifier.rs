//! [`Verifier`]: the native base of `cognito_verify.CognitoJwtVerifier`, one core
//! [`CognitoJwtVerifier`] and the calls Python makes on it.

use cognito_verify::{
    payload_buffer_len, Action, CognitoJwtVerifier, Need, OwnedClaims, Requirements, Revocation,
    SignOut, SignatureCacheStats, VerdictMemoStats, VerifyError,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::{claims, error, runtime, settings};

/// The verifier: the core's, and what each of its pools is called by.
#[pyclass(subclass, frozen, module = "cognito_verify._native", name = "Verifier")]
pub(crate) struct Verifier {
    inner: CognitoJwtVerifier,
    /// Each pool's user pool id and issuers, by the core's pool number.
    names: Vec<Vec<String>>,
}

/// Verified claims with their payload read for Python ([`claims::Tape`]), both while the GIL is
/// released.
type Read = (OwnedClaims, claims::Tape);

fn read(claims: OwnedClaims) -> Read {
    let tape = claims::Tape::read(claims.payload_json());
    (claims, tape)
}

/// The claims as a dict (the payload's JSON, which the core has checked: no duplicate members,
/// depth bounded), or the package's exception for the error.
fn claims_or_error(py: Python<'_>, r: Result<Read, VerifyError>) -> PyResult<Bound<'_, PyAny>> {
    match r {
        Ok((claims, tape)) => tape.to_python(py, claims.payload_json()),
        Err(e) => Err(verify_error(py, e)),
    }
}

pub(crate) fn verify_error(py: Python<'_>, e: VerifyError) -> PyErr {
    let err = error(py, e.code(), &e.to_string());
    if let VerifyError::KeysUnavailable { retry_at } = e {
        // When a fetch is tried again (unix seconds): an HTTP answer's Retry-After.
        let _ = err.value(py).setattr("retry_at", retry_at);
    }
    err
}

/// Bytes of a JWKS document given as `str`, `bytes` or a dict (serialised as JSON).
fn document(py: Python<'_>, jwks: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = jwks.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = jwks.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if jwks.cast::<PyDict>().is_ok() {
        let dumps = py.import("json")?.getattr("dumps")?;
        let text: String = dumps.call1((jwks,))?.extract()?;
        return Ok(text.into_bytes());
    }
    Err(PyTypeError::new_err("jwks: a str, bytes or dict"))
}

/// A route's requirements (`verify(token, groups=...)`); none given: nothing is allocated.
fn requirements(
    token_use: Option<Bound<'_, PyAny>>,
    groups: Option<Bound<'_, PyAny>>,
    scope: Option<Bound<'_, PyAny>>,
) -> PyResult<Requirements> {
    let mut req = Requirements::NONE;
    if let Some(t) = token_use.filter(|t| !t.is_none()) {
        req = req.token_use(settings::token_use(&t)?);
    }
    if let Some(g) = groups.filter(|g| !g.is_none()) {
        let (kind, list) = settings::requirement(&g, "groups")?;
        req = req.groups(kind, list);
    }
    if let Some(s) = scope.filter(|s| !s.is_none()) {
        let (kind, list) = settings::requirement(&s, "scope")?;
        req = req.scopes(kind, list);
    }
    Ok(req)
}

fn stats<'py>(py: Python<'py>, items: &[(&str, Py<PyAny>)]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in items {
        d.set_item(k, v)?;
    }
    Ok(d)
}

/// The signature cache's counters as Python sees them (`SignatureCacheStats`).
pub(crate) fn signature_cache_dict(
    py: Python<'_>,
    s: SignatureCacheStats,
) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("hits", s.hits)?;
    d.set_item("misses", s.misses)?;
    d.set_item("capacity", s.capacity)?;
    Ok(d)
}

/// The verdict memo's counters as Python sees them (`VerdictMemoStats`).
pub(crate) fn verdict_memo_dict(
    py: Python<'_>,
    s: VerdictMemoStats,
) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("hits", s.hits)?;
    d.set_item("misses", s.misses)?;
    d.set_item("capacity", s.capacity)?;
    d.set_item("max_bytes", s.max_bytes)?;
    d.set_item("bytes", s.bytes)?;
    Ok(d)
}

impl Verifier {
    /// The pool number of `pool`: a number, a user pool id or an issuer; `None` for every pool.
    fn pool_number(&self, pool: Option<&Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
        let Some(pool) = pool.filter(|p| !p.is_none()) else {
            return Ok(None);
        };
        if let Ok(n) = pool.extract::<usize>() {
            if n < self.names.len() {
                return Ok(Some(n));
            }
        } else if let Ok(name) = pool.extract::<String>() {
            if let Some(n) = self.names.iter().position(|p| p.contains(&name)) {
                return Ok(Some(n));
            }
        }
        Err(PyValueError::new_err(format!(
            "pool: no such pool {pool} (a number, a user pool id or an issuer of this verifier)"
        )))
    }

    /// Verifies without waiting when the token's pool holds keys; `None` when keys must be
    /// fetched first. The GIL is released meanwhile.
    fn attempt(
        &self,
        py: Python<'_>,
        token: &PyBackedStr,
        req: &Requirements,
    ) -> PyResult<Option<Read>> {
        let rt = runtime()?;
        let r = py.detach(|| {
            // A refresh the policy asks for is spawned on the runtime.
            let _ctx = rt.enter();
            self.inner.try_verify_for(token, req).map(|r| r.map(read))
        });
        r.transpose().map_err(|e| verify_error(py, e))
    }
}

#[pymethods]
impl Verifier {
    /// A verifier: one pool by `user_pool_id` (or `issuer`), or several by `pools=[{...}]`, and
    /// the settings of the core's builder by name. Nothing is fetched yet.
    #[new]
    #[pyo3(signature = (user_pool_id=None, **settings))]
    fn new(
        py: Python<'_>,
        user_pool_id: Option<Bound<'_, PyAny>>,
        settings: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let (builder, names) = settings::builder(py, user_pool_id.as_ref(), settings.as_ref())?;
        let inner = builder
            .build()
            .map_err(|e| error(py, e.code(), &e.to_string()))?;
        Ok(Verifier { inner, names })
    }

    /// Verifies `token` and returns its claims (the payload as a dict); waits for keys when
    /// its pool has none yet (or lacks its `kid`), with the GIL released. `token_use`,
    /// `groups`, `scope`: a route's own requirements, beyond the verifier's.
    #[pyo3(signature = (token, *, token_use=None, groups=None, scope=None))]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        token: PyBackedStr,
        token_use: Option<Bound<'py, PyAny>>,
        groups: Option<Bound<'py, PyAny>>,
        scope: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = requirements(token_use, groups, scope)?;
        let r = match self.attempt(py, &token, &req)? {
            Some(claims) => Ok(claims),
            None => {
                let rt = runtime()?;
                py.detach(|| rt.block_on(self.inner.verify_for(&token, &req)).map(read))
            }
        };
        claims_or_error(py, r)
    }

    /// The claims when the outcome is known without waiting for keys, else `None` (then
    /// `verify`, in a thread, waits for them): what `verify_async` runs on the event loop.
    #[pyo3(signature = (token, *, token_use=None, groups=None, scope=None))]
    fn _try_verify<'py>(
        &self,
        py: Python<'py>,
        token: PyBackedStr,
        token_use: Option<Bound<'py, PyAny>>,
        groups: Option<Bound<'py, PyAny>>,
        scope: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let req = requirements(token_use, groups, scope)?;
        match self.attempt(py, &token, &req)? {
            Some(claims) => claims_or_error(py, Ok(claims)).map(Some),
            None => Ok(None),
        }
    }

    /// Fetches every pool's keys now (at start-up), so the first request does not wait.
    fn hydrate(&self, py: Python<'_>) -> PyResult<()> {
        let rt = runtime()?;
        py.detach(|| rt.block_on(self.inner.hydrate()))
            .map_err(|e| verify_error(py, e))
    }

    /// Installs a JWKS document (str, bytes or dict) as a pool's keys (`pool`: its number, user
    /// pool id or issuer), or every pool's, as if just fetched.
    #[pyo3(signature = (jwks, pool=None))]
    fn cache_jwks(
        &self,
        py: Python<'_>,
        jwks: Bound<'_, PyAny>,
        pool: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let doc = document(py, &jwks)?;
        let pool = self.pool_number(pool.as_ref())?;
        py.detach(|| self.inner.cache_jwks(pool, &doc))
            .map_err(|e| error(py, e.code(), e.message()))
    }

    /// Denies from now on the tokens of one session (`origin_jti`), one token (`jti` with its
    /// `exp`) or a user's tokens issued at or before a time (`sub`, `issued_at_or_before`).
    #[pyo3(signature = (*, origin_jti=None, jti=None, exp=None, sub=None, issued_at_or_before=None))]
    fn revoke(
        &self,
        py: Python<'_>,
        origin_jti: Option<&str>,
        jti: Option<&str>,
        exp: Option<u64>,
        sub: Option<&str>,
        issued_at_or_before: Option<u64>,
    ) -> PyResult<()> {
        let revocation = match (origin_jti, jti, exp, sub, issued_at_or_before) {
            (Some(o), None, None, None, None) => Revocation::OriginJti(o),
            (None, Some(jti), Some(exp), None, None) => Revocation::Jti { jti, exp },
            (None, None, None, Some(sub), Some(at)) => Revocation::Subject {
                sub,
                issued_at_or_before: at,
            },
            _ => {
                return Err(PyTypeError::new_err(
                    "revoke: origin_jti=, or jti= with exp=, or sub= with issued_at_or_before=",
                ))
            }
        };
        self.inner
            .revoke(revocation)
            .map_err(|e| error(py, e.code(), e.message()))
    }

    /// Records a user's sign-out from one session, bounded per user by the core: `"session"`,
    /// or `"subject"` when the user's every token issued until now was revoked instead.
    fn sign_out(&self, py: Python<'_>, sub: &str, origin_jti: &str) -> PyResult<&'static str> {
        match self.inner.sign_out(sub, origin_jti) {
            Ok(SignOut::Subject { .. }) => Ok("subject"),
            Ok(_) => Ok("session"),
            Err(e) => Err(error(py, e.code(), e.message())),
        }
    }

    /// Hits and misses of the verified-signature cache, and its capacity (0: off).
    fn signature_cache_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        signature_cache_dict(py, self.inner.signature_cache_stats())
    }

    /// Hits and misses of the verdict memo, its capacity (0: off) and the bytes it holds.
    fn verdict_memo_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        verdict_memo_dict(py, self.inner.verdict_memo_stats())
    }

    /// Live revocations held now, and the capacity.
    fn revocation_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.revocation_stats();
        stats(
            py,
            &[
                ("held", s.held.into_pyobject(py)?.into_any().unbind()),
                (
                    "capacity",
                    s.capacity.into_pyobject(py)?.into_any().unbind(),
                ),
            ],
        )
    }

    /// Fetches and failures of a pool's keys, why the last failure failed, and the keys held.
    #[pyo3(signature = (pool=None))]
    fn jwks_stats<'py>(
        &self,
        py: Python<'py>,
        pool: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let s = self
            .inner
            .jwks_stats(self.pool_number(pool.as_ref())?.unwrap_or(0));
        stats(
            py,
            &[
                ("fetches", s.fetches.into_pyobject(py)?.into_any().unbind()),
                (
                    "failures",
                    s.failures.into_pyobject(py)?.into_any().unbind(),
                ),
                (
                    "last_error",
                    s.last_error.into_pyobject(py)?.into_any().unbind(),
                ),
                ("keys", s.keys.into_pyobject(py)?.into_any().unbind()),
            ],
        )
    }

    // Test hooks (`cognito_verify.testing.RefreshDriver`): the core's refresh policy and
    // verification at a given time, as the Rust, C and JS tests drive it with
    // testdata/refresh.jsonl. They only pass the calls through.

    /// The core's decision about pool `pool`'s keys at `now`: the action's name, and when a
    /// fetch is tried again for `"unavailable"`.
    fn _poll(&self, pool: usize, now: u64, unknown_kid: bool) -> (&'static str, Option<u64>) {
        let need = if unknown_kid {
            Need::UnknownKid
        } else {
            Need::Keys
        };
        match self.inner.core().poll(pool, now, need) {
            Action::UseCached => ("use_cached", None),
            Action::Fetch => ("fetch", None),
            Action::Refresh => ("refresh", None),
            Action::Wait => ("wait", None),
            Action::Unavailable { retry_at } => ("unavailable", Some(retry_at)),
        }
    }

    /// Reports the fetch `_poll` asked for: `jwks` fetched (a document), or `None`, failed.
    /// Raises the key-set error for a document the core refuses (then counted as failed).
    #[pyo3(signature = (pool, now, jwks))]
    fn _fetched(
        &self,
        py: Python<'_>,
        pool: usize,
        now: u64,
        jwks: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let core = self.inner.core();
        match jwks {
            Some(doc) => core
                .fetch_succeeded(pool, now, &document(py, &doc)?)
                .map_err(|e| error(py, e.code(), &e.to_string())),
            None => {
                core.fetch_failed(pool, now);
                Ok(())
            }
        }
    }

    /// `cache_jwks` at `now` instead of the clock's time.
    fn _load_jwks(&self, py: Python<'_>, jwks: Bound<'_, PyAny>, now: u64) -> PyResult<()> {
        self.inner
            .core()
            .load_jwks(None, &document(py, &jwks)?, now)
            .map_err(|e| error(py, e.code(), &e.to_string()))
    }

    /// Verifies `token` at `now` with the keys held, fetching nothing and asking the refresh
    /// policy nothing (the core's `VerifierCore::verify`).
    fn _verify_at<'py>(
        &self,
        py: Python<'py>,
        token: &str,
        now: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut buf = vec![0u8; payload_buffer_len(token.len())];
        match self.inner.core().verify(token, now, &mut buf) {
            Ok(c) => claims::to_python(py, c.payload_json()),
            Err(e) => Err(error(py, e.code(), &e.to_string())),
        }
    }

    /// How many pools this verifier has.
    #[getter]
    fn pool_count(&self) -> usize {
        self.inner.core().pool_count()
    }
}
