//! The Cognito rules of URLs: user pool ids, the two issuer forms, the JWKS URL of a pool, and
//! which JWKS URLs may be fetched. Heap-free: URLs are written through [`core::fmt::Display`].

use core::fmt;

use crate::json::JsonStr;

/// A well-formed user pool id, `{region}_{suffix}`: `us-east-1_AbC123`, or an emulator's
/// `local_3lyPxVaO` (cognito-local) or `us-east-1_` + 32 hex digits (moto).
///
/// ```
/// use cognito_verify::UserPoolId;
/// let pool = UserPoolId::parse("us-east-1_AbC123").unwrap();
/// assert_eq!(pool.region(), "us-east-1");
/// assert_eq!(
///     pool.jwks_url().to_string(),
///     "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123/.well-known/jwks.json"
/// );
/// assert!(UserPoolId::parse("us-east-1AbC123").is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserPoolId<'a> {
    id: &'a str,
    region_len: usize,
}

/// Why a user pool id is malformed. Every variant is [`Error::InvalidConfiguration`]
/// (`invalid_configuration`); the message says what to fix.
///
/// [`Error::InvalidConfiguration`]: crate::Error::InvalidConfiguration
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PoolIdError {
    /// No `_` between the region and the rest.
    MissingUnderscore,
    /// The region is not lower-case letters, digits and dashes starting with a letter
    /// (`us-east-1`, `local`).
    BadRegion,
    /// The part after `_` is empty, longer than 55 characters, or not letters and digits.
    BadSuffix,
}

impl PoolIdError {
    /// What to fix, as [`Display`](fmt::Display) writes it (without `core::fmt`).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            PoolIdError::MissingUnderscore => {
                "a user pool id is REGION_ID, such as us-east-1_AbC123: no `_` found"
            }
            PoolIdError::BadRegion => {
                "the region of a user pool id (before `_`) must be lower-case letters, digits \
                 and dashes, such as us-east-1"
            }
            PoolIdError::BadSuffix => {
                "the part of a user pool id after `_` must be 1 to 55 letters and digits"
            }
        }
    }
}

impl fmt::Display for PoolIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for PoolIdError {}

/// The two forms of a Cognito issuer; tokens of one pool may carry either.
const ISSUER_HOSTS: [&str; 2] = ["https://cognito-idp.", "https://issuer-cognito-idp."];

impl<'a> UserPoolId<'a> {
    /// Checks `id`.
    ///
    /// # Errors
    /// A [`PoolIdError`] saying which part is malformed.
    pub fn parse(id: &'a str) -> Result<Self, PoolIdError> {
        // The first `_` (as `split_once('_')`, without the generic char searcher).
        let underscore = id
            .bytes()
            .position(|b| b == b'_')
            .ok_or(PoolIdError::MissingUnderscore)?;
        let region = id.get(..underscore).unwrap_or_default();
        let suffix = id.get(underscore + 1..).unwrap_or_default();
        let region_ok = (2..=32).contains(&region.len())
            && region
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase())
            && !region.ends_with('-')
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_ok {
            return Err(PoolIdError::BadRegion);
        }
        if !(1..=55).contains(&suffix.len()) || !suffix.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(PoolIdError::BadSuffix);
        }
        Ok(UserPoolId {
            id,
            region_len: region.len(),
        })
    }

    /// The id as given.
    #[must_use]
    pub fn as_str(&self) -> &'a str {
        self.id
    }

    /// The region, the part before `_` (`us-east-1`, or `local` for cognito-local).
    #[must_use]
    pub fn region(&self) -> &'a str {
        self.id.get(..self.region_len).unwrap_or("")
    }

    /// The issuer Cognito writes into `iss`: `https://cognito-idp.{region}.amazonaws.com/{id}`.
    /// Tokens may also carry the `https://issuer-cognito-idp.` form; both are accepted.
    #[must_use]
    pub fn issuer(&self) -> impl fmt::Display + 'a {
        PoolUrl {
            pool: *self,
            host: 0,
            path: "",
        }
    }

    /// The pool's key set: `https://cognito-idp.{region}.amazonaws.com/{id}/.well-known/jwks.json`.
    #[must_use]
    pub fn jwks_url(&self) -> impl fmt::Display + 'a {
        PoolUrl {
            pool: *self,
            host: 0,
            path: "/.well-known/jwks.json",
        }
    }

    /// Both issuer forms, as written into `iss`: `https://cognito-idp.` and
    /// `https://issuer-cognito-idp.`.
    #[cfg(feature = "alloc")]
    pub(crate) fn issuer_urls(&self) -> (alloc::string::String, alloc::string::String) {
        let url = |host| {
            display_string(&PoolUrl {
                pool: *self,
                host,
                path: "",
            })
        };
        (url(0), url(1))
    }

    /// Whether `iss` is this pool's issuer, in either form.
    pub(crate) fn is_issuer(&self, iss: &JsonStr<'_>) -> bool {
        ISSUER_HOSTS
            .iter()
            .any(|host| iss.eq_concat(&[host, self.region(), ".amazonaws.com/", self.id]))
    }
}

struct PoolUrl<'a> {
    pool: UserPoolId<'a>,
    host: usize,
    path: &'static str,
}

impl fmt::Display for PoolUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `write_str` pieces, not `write!` with `{}` arguments: less formatting code in the wasm
        // module, for URLs that are never padded.
        let host = ISSUER_HOSTS.get(self.host).copied().unwrap_or_default();
        [
            host,
            self.pool.region(),
            ".amazonaws.com/",
            self.pool.id,
            self.path,
        ]
        .iter()
        .try_for_each(|part| f.write_str(part))
    }
}

/// The JWKS URL of a pool known by its issuer URL: `{issuer}/.well-known/jwks.json`, the OpenID
/// Connect discovery location Cognito and its emulators serve.
#[must_use]
pub fn issuer_jwks_url(issuer: &str) -> impl fmt::Display + '_ {
    struct Url<'a>(&'a str);
    impl fmt::Display for Url<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            // `trim_end_matches('/')` over bytes.
            let end = self.0.bytes().rposition(|b| b != b'/').map_or(0, |i| i + 1);
            f.write_str(self.0.get(..end).unwrap_or_default())?;
            f.write_str("/.well-known/jwks.json")
        }
    }
    Url(issuer)
}

/// The JWKS URL of a Cognito user pool:
/// `https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json`
/// (shorthand for [`UserPoolId::jwks_url`]).
///
/// # Errors
/// [`Error::InvalidConfiguration`](crate::Error::InvalidConfiguration) for a malformed pool id.
#[cfg(feature = "alloc")]
pub fn user_pool_jwks_url(pool_id: &str) -> Result<alloc::string::String, crate::Error> {
    UserPoolId::parse(pool_id)
        .map(|p| display_string(&p.jwks_url()))
        .map_err(|_| crate::Error::InvalidConfiguration)
}

/// `d` written into a new `String`: `to_string` without its panic path (writing into a `String`
/// cannot fail), which would link the panic message formatting into the wasm module.
#[cfg(feature = "alloc")]
pub(crate) fn display_string(d: &dyn fmt::Display) -> alloc::string::String {
    let mut s = alloc::string::String::new();
    let _ = fmt::write(&mut s, format_args!("{d}"));
    s
}

/// Why a JWKS URL may not be fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwksUrlError {
    /// Neither `https://` nor `http://`.
    NotHttp,
    /// Plain `http://` to a host that is not a loopback address, without the caller's leave.
    InsecureHttp,
}

impl JwksUrlError {
    /// What to fix, as [`Display`](fmt::Display) writes it (without `core::fmt`).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            JwksUrlError::NotHttp => "a JWKS URL must start with https://",
            JwksUrlError::InsecureHttp => {
                "a JWKS URL must use https://; plain http:// is allowed only to a loopback \
                 address (an emulator) or when the caller allows it by name"
            }
        }
    }
}

impl fmt::Display for JwksUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for JwksUrlError {}

/// Whether keys may be fetched from `url`: over `https`, or over plain `http` only to a loopback
/// host (`localhost`, `127.0.0.0/8`, `[::1]`: an emulator on this machine) or when
/// `allow_insecure_http` says so. Keys fetched in clear text can be replaced by anyone on the
/// path, which turns every forged token valid. Redirects are held to the same rule, so an
/// `https` URL never leads to `http`.
///
/// ```
/// use cognito_verify::check_jwks_url;
/// assert!(check_jwks_url("https://cognito-idp.us-east-1.amazonaws.com/x/.well-known/jwks.json", false).is_ok());
/// assert!(check_jwks_url("http://127.0.0.1:9229/local_abc/.well-known/jwks.json", false).is_ok());
/// assert!(check_jwks_url("http://keys.example.com/jwks.json", false).is_err());
/// ```
///
/// # Errors
/// [`JwksUrlError`].
pub fn check_jwks_url(url: &str, allow_insecure_http: bool) -> Result<(), JwksUrlError> {
    if starts_with_ignore_case(url, "https://") {
        return Ok(());
    }
    if !starts_with_ignore_case(url, "http://") {
        return Err(JwksUrlError::NotHttp);
    }
    // Byte slices split by closures: the same rule as `str::split` with char patterns, without
    // the generic string searchers (a few KB of the wasm module). "http://" is ASCII, so the
    // host and its parts are cut at ASCII bytes only.
    let rest = url.as_bytes().get("http://".len()..).unwrap_or_default();
    let authority = rest
        .split(|b| matches!(b, b'/' | b'?' | b'#'))
        .next()
        .unwrap_or_default();
    // Userinfo (`user@host`) would let `http://localhost@evil.example/` pass a naive check.
    let host_port = authority.rsplit(|b| *b == b'@').next().unwrap_or_default();
    let host = if let Some(v6) = host_port.strip_prefix(b"[") {
        v6.split(|b| *b == b']').next().unwrap_or_default()
    } else {
        host_port.split(|b| *b == b':').next().unwrap_or_default()
    };
    if allow_insecure_http || is_loopback(host) {
        Ok(())
    } else {
        Err(JwksUrlError::InsecureHttp)
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

fn is_loopback(host: &[u8]) -> bool {
    if host.eq_ignore_ascii_case(b"localhost") || host == b"::1" {
        return true;
    }
    // 127.0.0.0/8 in dotted decimal: "127" and three octets, each as `u8::from_str` reads one
    // (an optional `+`, then digits, at most 255) of 1 to 3 bytes.
    let octet = |p: &[u8]| {
        let digits = p.strip_prefix(b"+").unwrap_or(p);
        (1..=3).contains(&p.len())
            && !digits.is_empty()
            && digits.iter().all(u8::is_ascii_digit)
            && digits
                .iter()
                .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
                <= 255
    };
    let mut parts = host.split(|b| *b == b'.');
    parts.next() == Some(b"127".as_slice())
        && (0..3).all(|_| parts.next().is_some_and(octet))
        && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn pool_ids() {
        for ok in [
            "us-east-1_AbC123",
            "us-gov-west-1_x",
            "local_3lyPxVaO",
            "eu-west-1_0123456789abcdef0123456789abcdef",
        ] {
            assert!(UserPoolId::parse(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("us-east-1AbC123", PoolIdError::MissingUnderscore),
            ("", PoolIdError::MissingUnderscore),
            ("_abc", PoolIdError::BadRegion),
            ("US-EAST-1_abc", PoolIdError::BadRegion),
            ("us-east-_abc", PoolIdError::BadRegion),
            ("1us_abc", PoolIdError::BadRegion),
            ("us-east-1_", PoolIdError::BadSuffix),
            ("us-east-1_a-b", PoolIdError::BadSuffix),
            ("us-east-1_a_b", PoolIdError::BadSuffix),
        ] {
            assert_eq!(UserPoolId::parse(bad), Err(why), "{bad}");
        }
        let local = UserPoolId::parse("local_3lyPxVaO").unwrap();
        assert_eq!(local.region(), "local");
        assert_eq!(
            local.issuer().to_string(),
            "https://cognito-idp.local.amazonaws.com/local_3lyPxVaO"
        );
    }

    #[test]
    fn jwks_urls() {
        for ok in [
            "https://x",
            "HTTPS://x",
            "http://localhost:9229/p/.well-known/jwks.json",
            "http://127.0.0.1/",
            "http://127.1.2.3:80",
            "http://[::1]:8080/x",
        ] {
            assert_eq!(check_jwks_url(ok, false), Ok(()), "{ok}");
        }
        for bad in [
            "http://example.com/",
            "http://127.0.0.1.evil.example/",
            "http://localhost@evil.example/",
            "http://128.0.0.1/",
            "http://[::2]/",
        ] {
            assert_eq!(
                check_jwks_url(bad, false),
                Err(JwksUrlError::InsecureHttp),
                "{bad}"
            );
            assert_eq!(check_jwks_url(bad, true), Ok(()), "{bad}");
        }
        assert_eq!(check_jwks_url("ftp://x", true), Err(JwksUrlError::NotHttp));
        assert_eq!(
            issuer_jwks_url("http://127.0.0.1:9229/local_x/").to_string(),
            "http://127.0.0.1:9229/local_x/.well-known/jwks.json"
        );
    }
}
