//! `cognito_verify._native`: the core's [`CognitoJwtVerifier`] for Python. It converts arguments
//! and reports errors; every rule (the checks, the codes, the key refresh policy, the signature
//! cache, the verdict memo, revocation) is the core's. The package `cognito_verify`
//! (`python/cognito_verify/`) adds the exception classes, `verify_async` and the type stubs.
//!
//! The GIL is released while a token is verified and while keys are fetched, so Python threads
//! verify in parallel. Fetches run on one tokio worker thread started on first use.
//!
//! [`CognitoJwtVerifier`]: cognito_verify::CognitoJwtVerifier

use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

mod alb;
mod claims;
mod settings;
mod verifier;

/// The clock the tests freeze (0: the system's). One for the process, as `Date.now` is for the
/// JS tests: the core takes a plain `fn` as its clock.
static FROZEN_NOW: AtomicU64 = AtomicU64::new(0);

/// The clock of every verifier this module builds.
fn clock() -> u64 {
    match FROZEN_NOW.load(Ordering::Relaxed) {
        0 => cognito_verify::now(),
        frozen => frozen,
    }
}

/// The runtime the core's key fetches run on, started on first use (not at import, so that a
/// process that forks after importing, a pre-forking server, starts its threads in each child).
fn runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("cognito-verify-fetch")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the fetch runtime: {e}")))
}

/// The exception class of each code, given by the package at import (`_register_errors`).
static ERRORS: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// The package's exception for `code`, carrying the code and the core's message.
fn error(py: Python<'_>, code: &str, message: &str) -> PyErr {
    let raised = ERRORS.get(py).and_then(|map| {
        let map = map.bind(py);
        let class = map
            .get_item(code)
            .ok()
            .flatten()
            .or_else(|| map.get_item("").ok().flatten())?;
        class.call1((message, code)).ok()
    });
    match raised {
        Some(e) => PyErr::from_value(e),
        None => PyRuntimeError::new_err(format!("{code}: {message}")),
    }
}

/// Registers the exception class of each code (`""`: the base class, for a code not listed).
#[pyfunction]
fn _register_errors(py: Python<'_>, classes: Bound<'_, PyDict>) {
    let _ = ERRORS.set(py, classes.unbind());
}

/// Freezes the clock of every verifier at `now` unix seconds; 0 goes back to the system clock.
/// For tests (`cognito_verify.testing.frozen_time`).
#[pyfunction]
fn _freeze_time(now: u64) {
    FROZEN_NOW.store(now, Ordering::Relaxed);
}

/// Every error code of the core, in its order.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    cognito_verify::Error::ALL
        .iter()
        .map(|e| e.code())
        .collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<verifier::Verifier>()?;
    m.add_class::<alb::Alb>()?;
    m.add_function(wrap_pyfunction!(_register_errors, m)?)?;
    m.add_function(wrap_pyfunction!(_freeze_time, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
