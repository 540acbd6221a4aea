//! [`Alb`]: the native base of `cognito_verify.AlbJwtVerifier`, the core's [`AlbJwtVerifier`]
//! (tokens an Application Load Balancer signs, `x-amzn-oidc-data`; ARCHITECTURE.md, "Load
//! balancer tokens"). Keyword arguments go to its builder, claims come back as a dict, codes as
//! the package's exceptions; which keys are fetched, and when, is the core's.

use cognito_verify::{AlbJwtVerifier, AlbOwnedClaims, VerifyError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyDict;

use crate::verifier::{signature_cache_dict, verdict_memo_dict, verify_error};
use crate::{claims, clock, error, runtime, settings};

#[pyclass(
    subclass,
    frozen,
    module = "cognito_verify._native",
    name = "AlbVerifier"
)]
pub(crate) struct Alb {
    inner: AlbJwtVerifier,
}

/// Verified claims with their payload read for Python, both while the GIL is released.
type Read = (AlbOwnedClaims, claims::Tape);

fn read(c: AlbOwnedClaims) -> Read {
    let tape = claims::Tape::read(c.payload_json());
    (c, tape)
}

fn claims_or_error(py: Python<'_>, r: Result<Read, VerifyError>) -> PyResult<Bound<'_, PyAny>> {
    match r {
        Ok((c, tape)) => tape.to_python(py, c.payload_json()),
        Err(e) => Err(verify_error(py, e)),
    }
}

impl Alb {
    /// The verdict with the keys held, the GIL released; `None` when the token's key is not held
    /// (then `verify` fetches it, as the core decides).
    fn attempt(&self, py: Python<'_>, token: &PyBackedStr) -> Option<Result<Read, VerifyError>> {
        py.detach(|| {
            self.inner
                .try_verify_at(token, clock())
                .map(|r| r.map(read))
        })
    }
}

#[pymethods]
impl Alb {
    /// A verifier of the tokens of the load balancers `alb_arn` (one ARN or a list) signing users
    /// in with the app clients `client_id`; `issuer` the `iss` required (unchecked when not
    /// given), `leeway` seconds of clock skew on `exp`; `key_url_base` where keys are fetched
    /// instead of the partition's host (a test's loopback server), `jwks_cache` the cooldown and
    /// timeouts, `offline` never fetching (keys from `cache_key` only).
    #[new]
    #[pyo3(signature = (alb_arn=None, *, client_id=None, issuer=None, leeway=None, key_url_base=None, jwks_cache=None, offline=false))]
    #[expect(
        clippy::too_many_arguments,
        reason = "Python keyword arguments, one per setting"
    )]
    fn new(
        py: Python<'_>,
        alb_arn: Option<Bound<'_, PyAny>>,
        client_id: Option<Bound<'_, PyAny>>,
        issuer: Option<String>,
        leeway: Option<Bound<'_, PyAny>>,
        key_url_base: Option<String>,
        jwks_cache: Option<Bound<'_, PyAny>>,
        offline: bool,
    ) -> PyResult<Self> {
        let mut b = AlbJwtVerifier::builder();
        for arn in alb_arn.map_or(Ok(Vec::new()), |v| settings::strings(&v, "alb_arn"))? {
            b = b.alb_arn(arn);
        }
        for c in client_id.map_or(Ok(Vec::new()), |v| settings::strings(&v, "client_id"))? {
            b = b.client_id(c);
        }
        if let Some(i) = issuer {
            b = b.issuer(i);
        }
        if let Some(l) = leeway.filter(|l| !l.is_none()) {
            b = b.leeway(settings::seconds(&l, "leeway")?);
        }
        if let Some(u) = key_url_base {
            b = b.key_url_base(u);
        }
        if let Some(r) = jwks_cache.filter(|r| !r.is_none()) {
            b = b.refresh(settings::refresh(&r)?);
        }
        if offline {
            b = b.offline();
        }
        let inner = b.build().map_err(|e| error(py, e.code(), &e.to_string()))?;
        Ok(Alb { inner })
    }

    /// Verifies `token` (the `x-amzn-oidc-data` header's value) and returns its payload as a
    /// dict; fetches the load balancer's key first when it is not held, the GIL released.
    fn verify<'py>(&self, py: Python<'py>, token: PyBackedStr) -> PyResult<Bound<'py, PyAny>> {
        let r = match self.attempt(py, &token) {
            Some(r) => r,
            None => {
                let rt = runtime()?;
                py.detach(|| rt.block_on(self.inner.verify_at(&token, clock())).map(read))
            }
        };
        claims_or_error(py, r)
    }

    /// The payload when the token's key is held, else `None` (then `verify`, in a thread,
    /// fetches it): what `verify_async` runs on the event loop.
    fn _try_verify<'py>(
        &self,
        py: Python<'py>,
        token: PyBackedStr,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.attempt(py, &token)
            .map(|r| claims_or_error(py, r))
            .transpose()
    }

    /// Installs the key (PEM) that load balancer `alb_arn` publishes under `kid`, as if fetched.
    fn cache_key(&self, py: Python<'_>, alb_arn: &str, kid: &str, pem: &str) -> PyResult<()> {
        self.inner
            .cache_key(alb_arn, kid, pem)
            .map_err(|e| error(py, e.code(), &e.to_string()))
    }

    /// Key fetches started, fetches failed, and keys held.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("fetches", s.fetches)?;
        d.set_item("failures", s.failures)?;
        d.set_item("keys", s.keys)?;
        Ok(d)
    }

    /// Hits and misses of the verdict memo (ALB tokens verified before), its capacity and bytes.
    fn verdict_memo_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        verdict_memo_dict(py, self.inner.verdict_memo_stats())
    }

    /// Hits and misses of the verified-signature cache, and its capacity.
    fn signature_cache_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        signature_cache_dict(py, self.inner.signature_cache_stats())
    }
}
