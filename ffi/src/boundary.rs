//! The one panic boundary every export goes through.

use core::ffi::{c_char, CStr};
use core::panic::AssertUnwindSafe;
use std::panic::catch_unwind;

use crate::cognito_result;

/// Runs `f`, turning its error into the returned code and a panic into
/// [`cognito_result::Panic`].
pub(crate) fn call(f: impl FnOnce() -> Result<(), cognito_result>) -> cognito_result {
    // AssertUnwindSafe: after a panic the caller gets a code and no out-parameter is written;
    // handles are left as they were before the call or in a consistent state of their own.
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => cognito_result::Ok,
        Ok(Err(code)) => code,
        Err(_) => cognito_result::Panic,
    }
}

/// For functions that return nothing (`_free`): a panic is swallowed.
pub(crate) fn call_void(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// For functions that return a static string; a panic gives `"panic"`.
pub(crate) fn static_str(f: impl FnOnce() -> &'static CStr) -> *const c_char {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or(c"panic")
        .as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_a_code() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r = call(|| panic!("boom"));
        call_void(|| panic!("boom"));
        let s = static_str(|| panic!("boom"));
        std::panic::set_hook(prev);
        assert_eq!(r, cognito_result::Panic);
        assert_eq!(crate::cast::static_c_str(s), c"panic");
        assert_eq!(
            call(|| Err(cognito_result::Expired)),
            cognito_result::Expired
        );
        assert_eq!(call(|| Ok(())), cognito_result::Ok);
    }
}
