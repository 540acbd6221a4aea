//! Every raw pointer of the C ABI is turned into a Rust reference here, and nowhere else
//! (the pattern of rustls-ffi's `Castable` helpers).
//!
//! The contract with C callers (see `ffi/README.md`): a pointer argument is either NULL or points
//! to what its type says, for as long as the call lasts; a `(pointer, length)` pair names
//! `length` readable (or, for output buffers, writable) bytes; a handle is used by one thread at a
//! time unless its documentation says it may be shared. NULL is checked here and becomes
//! [`cognito_result::NullParameter`]; everything else cannot be checked and is the caller's
//! promise, exactly as with any C library.
//!
//! One owner lends its heap memory to a sibling field with a `'static` lifetime that never
//! escapes: [`ClaimsStore`] (payload buffers borrowed by the core's `Claims`). The configuration
//! needs no such trick: the core's owned `VerifierConfig` lends its `Verifier` per call.

use core::mem::MaybeUninit;
use core::ptr::NonNull;

use cognito_verify_core::{Claims, Error};

use crate::cognito_result;

/// Longest length accepted for any input: Rust slices cannot be longer than `isize::MAX` bytes.
const MAX_SLICE_LEN: usize = isize::MAX.unsigned_abs();

/// Moves `value` to the heap and hands ownership to C.
pub(crate) fn to_boxed_ptr<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back ownership of a pointer made by [`to_boxed_ptr`] and drops it; NULL does nothing.
pub(crate) fn free_boxed<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: non-NULL pointers given to a `_free` function come from `to_boxed_ptr` for this
        // type and are not used again by the caller (the documented ownership rule).
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// A shared reference to the object behind a handle.
pub(crate) fn try_ref<'a, T>(ptr: *const T) -> Result<&'a T, cognito_result> {
    // SAFETY: NULL or a live handle of this type (the C contract); shared handles are only read
    // through `&`, and their interior mutability is synchronised.
    unsafe { ptr.as_ref() }.ok_or(cognito_result::NullParameter)
}

/// An exclusive reference to the object behind a handle that one thread uses at a time.
pub(crate) fn try_mut<'a, T>(ptr: *mut T) -> Result<&'a mut T, cognito_result> {
    // SAFETY: NULL or a live handle of this type, not used by another thread during the call
    // (the documented rule for configs and claims).
    unsafe { ptr.as_mut() }.ok_or(cognito_result::NullParameter)
}

/// The `len` bytes at `ptr`. NULL with length 0 is the empty slice; NULL otherwise is an error.
pub(crate) fn try_bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], cognito_result> {
    if len > MAX_SLICE_LEN {
        return Err(cognito_result::InvalidArgument);
    }
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(cognito_result::NullParameter)
        };
    }
    // SAFETY: non-NULL, and the caller promises `len` readable bytes that stay unchanged for the
    // call; `len` is at most `isize::MAX`.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// The `len` bytes at `ptr` as UTF-8 text (no NUL terminator needed).
pub(crate) fn try_str<'a>(ptr: *const u8, len: usize) -> Result<&'a str, cognito_result> {
    core::str::from_utf8(try_bytes(ptr, len)?).map_err(|_| cognito_result::InvalidUtf8)
}

/// A writable buffer of `len` bytes. NULL with length 0 is an empty buffer (a size query).
pub(crate) fn try_buf<'a>(ptr: *mut u8, len: usize) -> Result<&'a mut [u8], cognito_result> {
    if len > MAX_SLICE_LEN {
        return Err(cognito_result::InvalidArgument);
    }
    if ptr.is_null() {
        return if len == 0 {
            Ok(&mut [])
        } else {
            Err(cognito_result::NullParameter)
        };
    }
    // SAFETY: non-NULL, and the caller promises `len` writable bytes not accessed by anyone else
    // during the call; `len` is at most `isize::MAX`.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// An out-parameter, checked for NULL before any work is done and written only on success.
pub(crate) struct Out<'a, T>(&'a mut MaybeUninit<T>);

impl<T> Out<'_, T> {
    /// Writes the value (whatever was there before is not read or dropped).
    pub(crate) fn set(self, value: T) {
        self.0.write(value);
    }
}

/// Checks an out-parameter for NULL.
pub(crate) fn try_out<'a, T>(ptr: *mut T) -> Result<Out<'a, T>, cognito_result> {
    // SAFETY: NULL or a pointer to writable, suitably aligned storage for a `T` (the C contract).
    // `MaybeUninit<T>` has the layout of `T` and never reads or drops the old contents.
    unsafe { ptr.cast::<MaybeUninit<T>>().as_mut() }
        .map(Out)
        .ok_or(cognito_result::NullParameter)
}

/// Two payload buffers and the claims of the last successful verification, which borrow one of
/// them. A new verification decodes into the other buffer, so a failure leaves the previous
/// claims untouched (out-parameters are written only on success).
pub(crate) struct ClaimsStore {
    // Borrows `bufs[active]`. Fields drop in declaration order, so this goes first.
    claims: Option<Claims<'static>>,
    bufs: [NonNull<[u8]>; 2],
    active: usize,
}

// SAFETY: the store owns its buffers like a `Box<[u8]>` does, and `Claims` only holds shared
// references into them.
unsafe impl Send for ClaimsStore {}
// SAFETY: `&ClaimsStore` only gives out shared references to the claims.
unsafe impl Sync for ClaimsStore {}

impl ClaimsStore {
    /// Two buffers of `capacity` bytes each.
    pub(crate) fn new(capacity: usize) -> Self {
        let buf = || NonNull::from(Box::leak(vec![0u8; capacity].into_boxed_slice()));
        ClaimsStore {
            claims: None,
            bufs: [buf(), buf()],
            active: 0,
        }
    }

    /// The claims of the last successful [`fill`](Self::fill), borrowed no longer than `self`.
    pub(crate) fn get(&self) -> Option<&Claims<'_>> {
        self.claims.as_ref()
    }

    /// Runs `verify` on the spare buffer; on success its claims replace the current ones.
    pub(crate) fn fill(
        &mut self,
        verify: impl FnOnce(&'static mut [u8]) -> Result<Claims<'static>, Error>,
    ) -> Result<(), Error> {
        let spare = 1 - self.active;
        let ptr = self.bufs.get(spare).copied().ok_or(Error::TokenTooLarge)?;
        // SAFETY: the buffer was leaked in `new` and is freed only in `drop`. Nothing else
        // refers to it: the current claims borrow the other buffer, and whatever borrowed this
        // one (claims replaced by an earlier `fill`, or a failed verification) is gone. The
        // `'static` reference goes only to `verify`, whose claims are kept in `self.claims` and
        // handed out tied to `&self`.
        let buf: &'static mut [u8] = unsafe { &mut *ptr.as_ptr() };
        let claims = verify(buf)?;
        self.claims = Some(claims);
        self.active = spare;
        Ok(())
    }
}

impl Drop for ClaimsStore {
    fn drop(&mut self) {
        self.claims = None;
        for buf in self.bufs {
            // SAFETY: each pointer came from `Box::leak` in `new`, no claims borrow it any more,
            // and it is freed only here, once.
            drop(unsafe { Box::from_raw(buf.as_ptr()) });
        }
    }
}

/// The static string behind a pointer returned by this library (tests only).
#[cfg(test)]
pub(crate) fn static_c_str(ptr: *const core::ffi::c_char) -> &'static core::ffi::CStr {
    assert!(!ptr.is_null());
    // SAFETY: every `*const c_char` this library returns points to a static NUL-terminated string.
    unsafe { core::ffi::CStr::from_ptr(ptr) }
}
