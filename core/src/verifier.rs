//! What a verifier accepts, and the verification itself.

use crate::base64url::{self, DecodeError};
use crate::claims::{self, Claims, TokenUse};
use crate::config::{AcceptedTokenUse, Config};
use crate::json::{self, StrArray, Value};
use crate::jwk::{Algorithm, KeySet};

mod signature;
#[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
use crate::sigcache::{CacheSlot, SignatureCache};
use crate::Error;
pub use signature::{CoreCrypto, SignatureCheck, SignedData};

/// Largest decoded header accepted (Cognito's are under 100 bytes); small, because it lives on
/// the stack of microcontrollers too.
const MAX_HEADER_LEN: usize = 512;
/// Largest signature: RSA-4096.
const MAX_SIGNATURE_LEN: usize = 512;

/// Bytes of payload buffer enough for any token of `token_len` bytes.
#[must_use]
pub const fn payload_buffer_len(token_len: usize) -> usize {
    token_len / 4 * 3 + 3
}

/// The region of a user pool id (`us-east-1` of `us-east-1_AbC123`), if the id is well formed
/// (see [`UserPoolId::parse`](crate::UserPoolId::parse)).
#[must_use]
pub fn pool_region(pool_id: &str) -> Option<&str> {
    crate::UserPoolId::parse(pool_id).ok().map(|p| p.region())
}

/// Verifies Cognito tokens against a [`KeySet`] per pool. Immutable, `Send + Sync`, cheap to
/// copy. `S` is how the configuration's strings are stored (see [`Config`]).
pub struct Verifier<'a, S = &'a str> {
    config: Config<'a, S>,
}

impl<S> Clone for Verifier<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Verifier<'_, S> {}

impl<S: core::fmt::Debug> core::fmt::Debug for Verifier<'_, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Verifier")
            .field("config", &self.config)
            .finish()
    }
}

/// A token read up to its key by [`Verifier::parse`]: its segments decoded, its header and
/// payload parsed, the issuer its `iss` names found. Nothing about it is verified yet.
pub struct Token<'t, 'b> {
    raw: &'t str,
    alg: &'static str,
    kid: Kid,
    signing_input: &'t [u8],
    sig_buf: [u8; MAX_SIGNATURE_LEN],
    sig_len: usize,
    claims: Claims<'b>,
    issuer: usize,
}

impl<'t, 'b> Token<'t, 'b> {
    /// The token as received.
    #[must_use]
    pub fn as_str(&self) -> &'t str {
        self.raw
    }

    /// The index of the configured issuer the token's `iss` names (which key set must verify it).
    #[must_use]
    pub fn issuer(&self) -> usize {
        self.issuer
    }

    /// The `kid` of the header, decoded.
    #[must_use]
    pub fn kid(&self) -> &[u8] {
        kid_bytes(&self.kid)
    }

    /// The claims, **not verified**: for routing and logs only, never for a decision.
    #[must_use]
    pub fn unverified_claims(&self) -> &Claims<'b> {
        &self.claims
    }
}

impl core::fmt::Debug for Token<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Token")
            .field("alg", &self.alg)
            .field("kid", &self.kid())
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl<'a, S: AsRef<str>> Verifier<'a, S> {
    /// Checks the configuration.
    ///
    /// # Errors
    /// [`Error::InvalidConfiguration`] when [`Config::validate`] finds a problem (it says which).
    pub fn new(config: Config<'a, S>) -> Result<Self, Error> {
        config.validate()?;
        Ok(Verifier { config })
    }

    /// A verifier over a configuration already validated (an owned configuration's).
    #[cfg(feature = "alloc")]
    pub(crate) fn validated(config: Config<'a, S>) -> Self {
        Verifier { config }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config<'a, S> {
        &self.config
    }

    /// Reads `token` up to its key: structure, header, payload (decoded into `buf`;
    /// [`payload_buffer_len`] of the token's length is always enough) and the issuer its `iss`
    /// names. Nothing is verified yet: pass the [`Token`] to [`verify_token`](Self::verify_token).
    /// A token is parsed once, whatever happens next (a key fetch, platform crypto).
    ///
    /// # Errors
    /// Structure, header and payload errors; [`Error::WrongIssuer`] when no configured issuer
    /// matches (no key need be looked at).
    pub fn parse<'t, 'b>(&self, token: &'t str, buf: &'b mut [u8]) -> Result<Token<'t, 'b>, Error> {
        self.parse_token(token, buf)
    }

    /// Verifies `token` at time `now` (unix seconds) against `keys`, one key set for every
    /// configured issuer, decoding the payload into `buf`, the signature with this crate's
    /// arithmetic: [`parse`](Self::parse) then [`verify_token`](Self::verify_token).
    ///
    /// # Errors
    /// Any [`Error`] about tokens; see the crate documentation for the order of the checks.
    pub fn verify<'b, const N: usize>(
        &self,
        keys: &KeySet<N>,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Claims<'b>, Error> {
        let token = self.parse_token(token, buf)?;
        self.verify_token(&token, Some(keys), now, &mut CoreCrypto)
    }

    /// The rest of the verification of a parsed token, with `keys` (`None`: no keys yet,
    /// [`Error::UnknownKid`]) the key set of the token's issuer: the key by `kid`, the algorithm,
    /// the signature's shape, the signature through `check` (this crate's arithmetic is
    /// [`CoreCrypto`]; platform crypto, an HSM, implement [`SignatureCheck`]), then the claims.
    ///
    /// # Errors
    /// As [`verify`](Self::verify); [`Error::InvalidSignature`] when `check` says `false`.
    pub fn verify_token<'b, const N: usize>(
        &self,
        token: &Token<'_, 'b>,
        keys: Option<&KeySet<N>>,
        now: u64,
        check: &mut dyn SignatureCheck,
    ) -> Result<Claims<'b>, Error> {
        let signed = self.signed_data(token, keys)?;
        if !((check.checks_shape() || signed.shape_ok()) && check.check(&signed)) {
            return Err(Error::InvalidSignature);
        }
        self.check_claims(&token.claims, now)?;
        Ok(token.claims.clone())
    }

    /// [`verify_token`](Self::verify_token) with a [`SignatureCache`]: a signature this cache
    /// saw verified under the same key skips `check`; every other check runs, so the result
    /// (claims or error) is the same with or without the cache. A token is stored after its whole
    /// verification succeeded, never before. One lookup is counted per call.
    ///
    /// # Errors
    /// As [`verify_token`](Self::verify_token).
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    pub fn verify_token_cached<'b, const N: usize, C: AsRef<[CacheSlot]>>(
        &self,
        token: &Token<'_, 'b>,
        keys: Option<&KeySet<N>>,
        cache: &SignatureCache<C>,
        now: u64,
        check: &mut dyn SignatureCheck,
    ) -> Result<Claims<'b>, Error> {
        let mut signed = self.signed_data(token, keys)?;
        let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(signed.signing_input).into();
        signed.digest = Some(digest);
        let lookup = cache.lookup(&crate::sigcache::tag(&digest, signed.key, signed.signature));
        if !(lookup.hit() || ((check.checks_shape() || signed.shape_ok()) && check.check(&signed)))
        {
            return Err(Error::InvalidSignature);
        }
        self.check_claims(&token.claims, now)?;
        cache.record_success(&lookup, now);
        Ok(token.claims.clone())
    }

    /// What platform crypto that answers later (WebCrypto) must check for `token`, or `None`
    /// when `cache` already holds its signature (then [`verify_token_cached`] finishes it with no
    /// check). Nothing is counted: the call of `verify_token_cached` with the answer counts the
    /// lookup.
    ///
    /// # Errors
    /// Every error [`verify_token`](Self::verify_token) finds before the signature, and
    /// [`Error::InvalidSignature`] for a signature of the wrong shape.
    ///
    /// [`verify_token_cached`]: Self::verify_token_cached
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    pub fn signature_needed<'t, const N: usize, C: AsRef<[CacheSlot]>>(
        &self,
        token: &'t Token<'_, '_>,
        keys: Option<&'t KeySet<N>>,
        cache: &SignatureCache<C>,
    ) -> Result<Option<SignedData<'t>>, Error> {
        let mut signed = self.signed_data(token, keys)?;
        let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(signed.signing_input).into();
        if cache
            .find(&crate::sigcache::tag(&digest, signed.key, signed.signature))
            .hit()
        {
            return Ok(None);
        }
        // Kept, so that a token set aside for the answer is not hashed again.
        signed.digest = Some(digest);
        if !signed.shape_ok() {
            return Err(Error::InvalidSignature);
        }
        Ok(Some(signed))
    }

    /// What a signature check of `token` reads: its key in `keys` by `kid`, the algorithm
    /// matched, the signature's shape checked (for platform crypto that answers later).
    ///
    /// # Errors
    /// As [`signature_needed`](Self::signature_needed).
    pub fn signature_request<'t, const N: usize>(
        &self,
        token: &'t Token<'_, '_>,
        keys: Option<&'t KeySet<N>>,
    ) -> Result<SignedData<'t>, Error> {
        let signed = self.signed_data(token, keys)?;
        if !signed.shape_ok() {
            return Err(Error::InvalidSignature);
        }
        Ok(signed)
    }

    /// The key of `token` in `keys` and what a signature check reads.
    fn signed_data<'t, const N: usize>(
        &self,
        token: &'t Token<'_, '_>,
        keys: Option<&'t KeySet<N>>,
    ) -> Result<SignedData<'t>, Error> {
        let (index, key) = keys
            .and_then(|keys| keys.find_indexed(kid_bytes(&token.kid)))
            .ok_or(Error::UnknownKid)?;
        let key_alg = key.algorithm();
        if token.alg != key_alg.name() || (key_alg == Algorithm::Es256 && !self.config.allow_es256)
        {
            return Err(Error::UnsupportedAlgorithm);
        }
        Ok(SignedData {
            signing_input: token.signing_input,
            signature: token.sig_buf.get(..token.sig_len).unwrap_or(&[]),
            kid: key.kid(),
            algorithm: key_alg,
            key_index: index,
            key,
            digest: None,
        })
    }

    /// Structure, header, payload and issuer: everything read before a key is used.
    // Not inlined into wasm: every entry point shares one copy (a few KB of module each).
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn parse_token<'t, 'b>(
        &self,
        token: &'t str,
        buf: &'b mut [u8],
    ) -> Result<Token<'t, 'b>, Error> {
        let c = &self.config;
        let raw = token;
        let token = token.as_bytes();
        if token.len() > c.max_token_bytes {
            return Err(Error::TokenTooLarge);
        }
        let (header_b64, payload_b64, sig_b64) = split(token)?;

        let mut header_buf = [0u8; MAX_HEADER_LEN];
        let header = decode(header_b64, &mut header_buf)?;
        let header = core::str::from_utf8(header).map_err(|_| Error::MalformedToken)?;
        let (alg, kid) = parse_header(header)?;
        // The header's text lives in `header_buf`; `alg` is compared with short names only, so
        // keep it as one of them (or an empty name that matches no key).
        let alg = ["RS256", "ES256"]
            .into_iter()
            .find(|name| *name == alg)
            .unwrap_or("");

        // Every segment's encoding is checked before any key is used, so a malformed token is
        // reported as such whatever its signature.
        let payload = match base64url::decode(payload_b64, buf) {
            Ok(p) => p,
            Err(DecodeError::Invalid) => return Err(Error::MalformedToken),
            Err(DecodeError::TooLong) => return Err(Error::TokenTooLarge),
        };
        let mut sig_buf = [0u8; MAX_SIGNATURE_LEN];
        let sig_len = match base64url::decode(sig_b64, &mut sig_buf) {
            Ok(s) => s.len(),
            Err(DecodeError::Invalid) => return Err(Error::MalformedToken),
            Err(DecodeError::TooLong) => return Err(Error::InvalidSignature),
        };
        let payload = core::str::from_utf8(payload).map_err(|_| Error::MalformedToken)?;
        let claims = claims::parse(payload)?;
        // The token's `iss` picks the one pool whose keys are tried; none matching is
        // `wrong_issuer` before any key is looked at.
        let issuer = c
            .issuers
            .iter()
            .position(|i| i.matches(&claims.iss))
            .ok_or(Error::WrongIssuer)?;
        let signed_len = header_b64.len() + 1 + payload_b64.len();
        Ok(Token {
            raw,
            alg,
            kid,
            signing_input: token.get(..signed_len).unwrap_or(&[]),
            sig_buf,
            sig_len,
            claims,
            issuer,
        })
    }

    /// Every claim check after the signature (`iss` already picked the pool).
    pub(crate) fn check_claims(&self, t: &Claims<'_>, now: u64) -> Result<(), Error> {
        let c = &self.config;
        match (c.token_use, t.token_use) {
            (AcceptedTokenUse::Any, _)
            | (AcceptedTokenUse::Id, TokenUse::Id)
            | (AcceptedTokenUse::Access, TokenUse::Access) => {}
            _ => return Err(Error::WrongTokenUse),
        }
        if !c.client_ids.iter().any(|id| t.client == id.as_ref()) {
            return Err(Error::WrongClient);
        }
        // i128: no overflow whatever the claims and leeway.
        let now = i128::from(now);
        let leeway = i128::from(c.leeway);
        if now >= i128::from(t.exp) + leeway {
            return Err(Error::Expired);
        }
        if t.nbf.is_some_and(|nbf| now + leeway < i128::from(nbf)) {
            return Err(Error::NotYetValid);
        }
        if t.iat.is_some_and(|iat| now + leeway < i128::from(iat)) {
            return Err(Error::IssuedInFuture);
        }
        if let Some(max_age) = c.max_age {
            let iat = t.iat.ok_or(Error::MissingClaim)?;
            if now - i128::from(iat) > i128::from(max_age) + leeway {
                return Err(Error::TokenTooOld);
            }
        }
        if c.revocations.is_some_and(|r| r.is_revoked(t)) {
            return Err(Error::Revoked);
        }
        if let Some(r) = c.groups {
            r.check_groups(t)?;
        }
        if let Some(r) = c.scopes {
            r.check_scopes(t)?;
        }
        if let Some(check) = c.custom {
            if !check(t) {
                return Err(Error::CustomCheckFailed);
            }
        }
        Ok(())
    }
}

/// Header, payload and signature segments.
type Segments<'t> = (&'t [u8], &'t [u8], &'t [u8]);

/// Splits a compact JWS into its three segments.
fn split(token: &[u8]) -> Result<Segments<'_>, Error> {
    // memchr scans a word or a vector at a time: a kilobyte token is split in a few dozen steps.
    let mut dots = memchr::memchr_iter(b'.', token);
    let (Some(d1), Some(d2), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(Error::MalformedToken);
    };
    let h = token.get(..d1).unwrap_or(&[]);
    let p = token.get(d1 + 1..d2).unwrap_or(&[]);
    let s = token.get(d2 + 1..).unwrap_or(&[]);
    // An empty signature is well formed (unsecured JWS, RFC 7515 appendix A.5); it fails the
    // signature check like any other wrong signature.
    if h.is_empty() || p.is_empty() {
        return Err(Error::MalformedToken);
    }
    Ok((h, p, s))
}

fn decode<'o>(b64: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], Error> {
    base64url::decode(b64, out).map_err(|e| match e {
        DecodeError::Invalid => Error::MalformedToken,
        DecodeError::TooLong => Error::TokenTooLarge,
    })
}

/// A `kid` in a form that can be compared with stored ones: decoded into a fixed buffer.
struct Kid {
    buf: [u8; crate::jwk::MAX_KID_LEN],
    len: usize,
}

fn kid_bytes(kid: &Kid) -> &[u8] {
    kid.buf.get(..kid.len).unwrap_or(&[])
}

/// Reads the JOSE header: `alg` (required), `kid` (required), `crit` (nothing we implement).
/// `typ` is ignored (real Cognito tokens have none, emulators send `JWT`); `jku`, `x5u`, `jwk`
/// and `x5c` are never used.
fn parse_header(header: &str) -> Result<(&str, Kid), Error> {
    let mut alg = None;
    let mut kid = None;
    let mut crit = None;
    json::object_members(header, Error::MalformedToken, |name, v| {
        match name.name(&mut [0; 32]) {
            "alg" => alg = Some(v),
            "kid" => kid = Some(v),
            "crit" => crit = Some(v),
            _ => {}
        }
        Ok(())
    })?;
    if let Some(crit) = crit {
        // RFC 7515 4.1.11: an array of at least one name; we understand none of them.
        return Err(match crit {
            Value::Array(a) if StrArray::new(a).next().is_some() => {
                Error::UnsupportedCriticalHeader
            }
            _ => Error::MalformedToken,
        });
    }
    let alg = match alg {
        Some(Value::Str(s)) => s.as_str().ok_or(Error::UnsupportedAlgorithm)?,
        Some(_) => return Err(Error::MalformedToken),
        None => return Err(Error::MalformedToken),
    };
    let kid = match kid {
        Some(Value::Str(s)) => s,
        Some(_) => return Err(Error::MalformedToken),
        None => return Err(Error::MissingKid),
    };
    let mut out = Kid {
        buf: [0; crate::jwk::MAX_KID_LEN],
        len: 0,
    };
    // A kid longer than any stored one cannot match.
    out.len = kid
        .decode_into(&mut out.buf)
        .ok_or(Error::UnknownKid)?
        .len();
    Ok((alg, out))
}
