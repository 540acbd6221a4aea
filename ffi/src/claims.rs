//! `cognito_claims`: the caller-owned home of a verified token's claims, reused across
//! verifications so that verifying allocates nothing.

use cognito_verify_core::{payload_buffer_len, ClaimValue, Claims, JsonStr, TokenUse};

use crate::boundary;
use crate::cast::{self, try_buf, try_out, try_ref, try_str, ClaimsStore, Out};
use crate::cognito_result;
use crate::config::{cognito_token_use, COGNITO_MAX_TOKEN_BYTES_LIMIT};

/// The claims of the last token verified into this handle. Create one per thread with
/// `cognito_claims_new`, pass it to every `cognito_verifier_verify`, free it with
/// `cognito_claims_free`. Not thread-safe: one thread at a time (reading from several threads
/// while nobody verifies into it is fine).
pub struct cognito_claims {
    pub(crate) store: ClaimsStore,
}

/// The JSON type of a claim (`cognito_claims_get_kind`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_claim_kind {
    /// A string; `cognito_claims_get` copies it decoded (escapes resolved, UTF-8).
    String = 0,
    /// A number; `cognito_claims_get` copies it as written in the token (integers in decimal).
    Number = 1,
    /// `true` or `false`, copied as that word.
    Bool = 2,
    /// `null`, copied as that word.
    Null = 3,
    /// An array, copied as its JSON text.
    Array = 4,
    /// An object, copied as its JSON text.
    Object = 5,
}

/// Creates a claims handle able to hold the payload of tokens up to `max_token_bytes` bytes (use
/// `COGNITO_DEFAULT_MAX_TOKEN_BYTES`, or the verifier's `cognito_config_set_max_token_bytes`),
/// 1 to `COGNITO_MAX_TOKEN_BYTES_LIMIT` (`COGNITO_RESULT_INVALID_ARGUMENT` otherwise). Longer
/// tokens fail with `COGNITO_RESULT_TOKEN_TOO_LARGE`. The handle allocates about
/// `1.5 * max_token_bytes` bytes once. On success `*claims_out` receives a handle to free with
/// `cognito_claims_free`.
#[no_mangle]
pub extern "C" fn cognito_claims_new(
    max_token_bytes: usize,
    claims_out: *mut *mut cognito_claims,
) -> cognito_result {
    boundary::call(|| {
        let out = try_out(claims_out)?;
        if !(1..=COGNITO_MAX_TOKEN_BYTES_LIMIT).contains(&max_token_bytes) {
            return Err(cognito_result::InvalidArgument);
        }
        out.set(cast::to_boxed_ptr(cognito_claims {
            store: ClaimsStore::new(payload_buffer_len(max_token_bytes)),
        }));
        Ok(())
    })
}

/// Frees a claims handle. NULL is ignored.
#[no_mangle]
pub extern "C" fn cognito_claims_free(claims: *mut cognito_claims) {
    boundary::call_void(|| cast::free_boxed(claims));
}

/// Runs `f` on the verified claims behind the handle.
fn with_claims(
    claims: *const cognito_claims,
    f: impl FnOnce(&Claims<'_>) -> Result<(), cognito_result>,
) -> cognito_result {
    boundary::call(|| {
        let c = try_ref(claims)?;
        f(c.store.get().ok_or(cognito_result::NoClaims)?)
    })
}

/// An output buffer and its length out-parameter, both checked before any work (every text
/// output of the library: claims, JWKS URLs).
pub(crate) struct TextOut<'a> {
    buf: &'a mut [u8],
    len: Out<'a, usize>,
}

impl<'a> TextOut<'a> {
    pub(crate) fn new(
        buf: *mut u8,
        buf_len: usize,
        out_len: *mut usize,
    ) -> Result<Self, cognito_result> {
        Ok(TextOut {
            buf: try_buf(buf, buf_len)?,
            len: try_out(out_len)?,
        })
    }

    /// Copies `n` bytes produced by `write` and a NUL. When the buffer is too small, `*out_len`
    /// gets the size needed (`n + 1`) and nothing else is written.
    fn write(self, n: usize, write: impl FnOnce(&mut [u8])) -> Result<(), cognito_result> {
        let needed = n.checked_add(1).ok_or(cognito_result::BufferTooSmall)?;
        let Some(dst) = self.buf.get_mut(..needed) else {
            self.len.set(needed);
            return Err(cognito_result::BufferTooSmall);
        };
        let (text, nul) = dst.split_at_mut(n);
        write(text);
        if let Some(b) = nul.first_mut() {
            *b = 0;
        }
        self.len.set(n);
        Ok(())
    }

    pub(crate) fn bytes(self, s: &[u8]) -> Result<(), cognito_result> {
        self.write(s.len(), |dst| dst.copy_from_slice(s))
    }

    fn json_str(self, s: JsonStr<'_>) -> Result<(), cognito_result> {
        if let Some(plain) = s.as_str() {
            return self.bytes(plain.as_bytes());
        }
        let n = s.chars().map(char::len_utf8).sum();
        self.write(n, |dst| {
            let _ = s.decode_into(dst);
        })
    }
}

fn string_claim(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    get: impl for<'c> FnOnce(&Claims<'c>) -> Option<JsonStr<'c>>,
) -> cognito_result {
    with_claims(claims, |c| {
        let out = TextOut::new(buf, buf_len, out_len)?;
        out.json_str(get(c).ok_or(cognito_result::ClaimNotFound)?)
    })
}

fn time_claim(
    claims: *const cognito_claims,
    out: *mut i64,
    get: impl FnOnce(&Claims<'_>) -> Option<i64>,
) -> cognito_result {
    with_claims(claims, |c| {
        let out = try_out(out)?;
        out.set(get(c).ok_or(cognito_result::ClaimNotFound)?);
        Ok(())
    })
}

/// `sub`: the user's stable id.
///
/// Copies the decoded value and a terminating NUL into `buf` and sets `*out_len` to the value's
/// length without the NUL. Returns `COGNITO_RESULT_CLAIM_NOT_FOUND` if the token has no such
/// claim, and `COGNITO_RESULT_BUFFER_TOO_SMALL` with `*out_len` set to the size needed
/// (length + 1) if `buf_len` is too small (`buf` may be NULL when `buf_len` is 0, to ask for the
/// size).
#[no_mangle]
pub extern "C" fn cognito_claims_sub(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    string_claim(claims, buf, buf_len, out_len, |c| c.sub())
}

/// The user name: `username` (access tokens) or `cognito:username` (ID tokens).
///
/// Copied like `cognito_claims_sub`.
#[no_mangle]
pub extern "C" fn cognito_claims_username(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    string_claim(claims, buf, buf_len, out_len, |c| c.username())
}

/// The app client: `aud` of an ID token, `client_id` of an access token.
///
/// Copied like `cognito_claims_sub`.
#[no_mangle]
pub extern "C" fn cognito_claims_client_id(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    string_claim(claims, buf, buf_len, out_len, |c| Some(c.client_id()))
}

/// `iss`: the user pool's URL.
///
/// Copied like `cognito_claims_sub`.
#[no_mangle]
pub extern "C" fn cognito_claims_issuer(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    string_claim(claims, buf, buf_len, out_len, |c| Some(c.issuer()))
}

/// `email` (ID tokens).
///
/// Copied like `cognito_claims_sub`.
#[no_mangle]
pub extern "C" fn cognito_claims_email(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    string_claim(claims, buf, buf_len, out_len, |c| c.email())
}

/// `jti`.
///
/// Copied like `cognito_claims_sub`.
#[no_mangle]
pub extern "C" fn cognito_claims_jti(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    string_claim(claims, buf, buf_len, out_len, |c| c.jti())
}

/// `origin_jti`.
///
/// Copied like `cognito_claims_sub`.
#[no_mangle]
pub extern "C" fn cognito_claims_origin_jti(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    string_claim(claims, buf, buf_len, out_len, |c| c.origin_jti())
}

/// `scope`: the space-separated scopes of an access token, as one string.
///
/// Copied like `cognito_claims_sub`.
#[no_mangle]
pub extern "C" fn cognito_claims_scope(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    string_claim(claims, buf, buf_len, out_len, |c| c.scope())
}

/// `exp` in unix seconds (always present in a verified token). `COGNITO_RESULT_CLAIM_NOT_FOUND` if absent.
#[no_mangle]
pub extern "C" fn cognito_claims_exp(
    claims: *const cognito_claims,
    out: *mut i64,
) -> cognito_result {
    time_claim(claims, out, |c| Some(c.exp()))
}

/// `iat` in unix seconds. `COGNITO_RESULT_CLAIM_NOT_FOUND` if absent.
#[no_mangle]
pub extern "C" fn cognito_claims_iat(
    claims: *const cognito_claims,
    out: *mut i64,
) -> cognito_result {
    time_claim(claims, out, |c| c.iat())
}

/// `nbf` in unix seconds. `COGNITO_RESULT_CLAIM_NOT_FOUND` if absent.
#[no_mangle]
pub extern "C" fn cognito_claims_nbf(
    claims: *const cognito_claims,
    out: *mut i64,
) -> cognito_result {
    time_claim(claims, out, |c| c.nbf())
}

/// `auth_time` in unix seconds. `COGNITO_RESULT_CLAIM_NOT_FOUND` if absent.
#[no_mangle]
pub extern "C" fn cognito_claims_auth_time(
    claims: *const cognito_claims,
    out: *mut i64,
) -> cognito_result {
    time_claim(claims, out, |c| c.auth_time())
}

/// The token's use: `COGNITO_TOKEN_USE_ID` or `COGNITO_TOKEN_USE_ACCESS`.
#[no_mangle]
pub extern "C" fn cognito_claims_token_use(
    claims: *const cognito_claims,
    out: *mut cognito_token_use,
) -> cognito_result {
    with_claims(claims, |c| {
        try_out(out)?.set(match c.token_use() {
            TokenUse::Id => cognito_token_use::Id,
            TokenUse::Access => cognito_token_use::Access,
        });
        Ok(())
    })
}

/// The number of entries of `cognito:groups` (0 when absent).
#[no_mangle]
pub extern "C" fn cognito_claims_group_count(
    claims: *const cognito_claims,
    out: *mut usize,
) -> cognito_result {
    with_claims(claims, |c| {
        try_out(out)?.set(c.groups().count());
        Ok(())
    })
}

/// Copies entry `index` of `cognito:groups` like `cognito_claims_sub` does;
/// `COGNITO_RESULT_CLAIM_NOT_FOUND` when `index` is not below `cognito_claims_group_count`.
#[no_mangle]
pub extern "C" fn cognito_claims_group(
    claims: *const cognito_claims,
    index: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    string_claim(claims, buf, buf_len, out_len, |c| c.groups().nth(index))
}

/// Whether `cognito:groups` lists this group (`group_len` bytes of UTF-8).
#[no_mangle]
pub extern "C" fn cognito_claims_in_group(
    claims: *const cognito_claims,
    group: *const u8,
    group_len: usize,
    out: *mut bool,
) -> cognito_result {
    with_claims(claims, |c| {
        let g = try_str(group, group_len)?;
        try_out(out)?.set(c.in_group(g));
        Ok(())
    })
}

/// Whether `scope` lists this scope (`scope_len` bytes of UTF-8).
#[no_mangle]
pub extern "C" fn cognito_claims_has_scope(
    claims: *const cognito_claims,
    scope: *const u8,
    scope_len: usize,
    out: *mut bool,
) -> cognito_result {
    with_claims(claims, |c| {
        let s = try_str(scope, scope_len)?;
        try_out(out)?.set(c.has_scope(s));
        Ok(())
    })
}

/// Writes `i` in decimal into `buf`, returning the digits.
fn decimal(i: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = i.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        if let Some(b) = buf.get_mut(pos) {
            *b = b'0' + u8::try_from(n % 10).unwrap_or(0);
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        pos -= 1;
        if let Some(b) = buf.get_mut(pos) {
            *b = b'-';
        }
    }
    buf.get(pos..).unwrap_or(&[])
}

fn lookup<'c>(
    c: &Claims<'c>,
    name: *const u8,
    name_len: usize,
) -> Result<ClaimValue<'c>, cognito_result> {
    let name = try_str(name, name_len)?;
    c.get(name).ok_or(cognito_result::ClaimNotFound)
}

/// Copies any claim by name (`name_len` bytes of UTF-8, compared with the token's names after
/// decoding escapes), e.g. `"custom:tenant"` or `"cognito:groups"`: strings decoded, numbers as
/// written (integers in decimal), `true`, `false`, `null`, arrays and objects as their JSON text;
/// then a NUL. Size handling as `cognito_claims_sub`; `COGNITO_RESULT_CLAIM_NOT_FOUND` if absent.
#[no_mangle]
pub extern "C" fn cognito_claims_get(
    claims: *const cognito_claims,
    name: *const u8,
    name_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    with_claims(claims, |c| {
        let out = TextOut::new(buf, buf_len, out_len)?;
        let mut digits = [0u8; 20];
        match lookup(c, name, name_len)? {
            ClaimValue::Str(s) => out.json_str(s),
            ClaimValue::Int(i) => out.bytes(decimal(i, &mut digits)),
            ClaimValue::Number(n) | ClaimValue::Array(n) | ClaimValue::Object(n) => {
                out.bytes(n.as_bytes())
            }
            ClaimValue::Bool(true) => out.bytes(b"true"),
            ClaimValue::Bool(false) => out.bytes(b"false"),
            ClaimValue::Null => out.bytes(b"null"),
            _ => Err(cognito_result::ClaimNotFound),
        }
    })
}

/// The JSON type of a claim, as a `cognito_claim_kind`; `COGNITO_RESULT_CLAIM_NOT_FOUND` if absent.
#[no_mangle]
pub extern "C" fn cognito_claims_get_kind(
    claims: *const cognito_claims,
    name: *const u8,
    name_len: usize,
    out: *mut cognito_claim_kind,
) -> cognito_result {
    with_claims(claims, |c| {
        let out = try_out(out)?;
        out.set(match lookup(c, name, name_len)? {
            ClaimValue::Str(_) => cognito_claim_kind::String,
            ClaimValue::Int(_) | ClaimValue::Number(_) => cognito_claim_kind::Number,
            ClaimValue::Bool(_) => cognito_claim_kind::Bool,
            ClaimValue::Null => cognito_claim_kind::Null,
            ClaimValue::Array(_) => cognito_claim_kind::Array,
            ClaimValue::Object(_) => cognito_claim_kind::Object,
            _ => return Err(cognito_result::ClaimNotFound),
        });
        Ok(())
    })
}

/// Copies the whole decoded payload, a JSON object, for callers with their own JSON parser.
/// Size handling as `cognito_claims_sub`.
#[no_mangle]
pub extern "C" fn cognito_claims_payload_json(
    claims: *const cognito_claims,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    with_claims(claims, |c| {
        TextOut::new(buf, buf_len, out_len)?.bytes(c.payload_json().as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimal_formats_every_i64() {
        for i in [0, 7, 10, -1, 1_700_000_000, i64::MAX, i64::MIN] {
            let mut b = [0u8; 20];
            assert_eq!(decimal(i, &mut b), i.to_string().as_bytes());
        }
    }
}
