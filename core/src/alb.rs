//! Tokens of an Application Load Balancer: the `x-amzn-oidc-data` header an ALB adds to each
//! request it has signed a user in for (ARCHITECTURE.md, "Load balancer tokens").
//!
//! ```
//! use cognito_verify::alb::{AlbKey, AlbRules, AlbToken, alb_buffer_len};
//! # use cognito_verify::testing::alb as kit;
//! # let (pem, token) = (kit::PUBLIC_KEY_PEM, kit::token(kit::SIGNER, kit::CLIENT, 1_700_000_000));
//! // The key the ALB publishes for the token's `kid` (fetched by the caller, or `AlbJwtVerifier`).
//! let key = AlbKey::from_pem(pem)?;
//! let signers = ["arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188"];
//! let clients = ["4f1bnaod2d6s7s0hslnsrm4spc"];
//! let rules = AlbRules::new(&signers, &clients);
//!
//! let mut buf = vec![0u8; alb_buffer_len(token.len())];
//! let parsed = AlbToken::parse(&token, &mut buf)?;
//! let claims = parsed.verify(&rules, &key, 1_700_000_000 - 60)?;
//! assert_eq!(claims.sub(), Some("b1c2d3e4-0000-4000-8000-000000000001"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! An ALB token is not a JWT a strict library accepts, and this module reads it on its own terms:
//! - each segment is base64url **with** canonical padding, and the signature covers the padded
//!   text as received; everywhere else the core stays strict (no padding);
//! - the header carries what is checked: `alg` (ES256 only), `kid` (a UUID: the key is fetched by
//!   it, so nothing else is ever put in a URL), `signer` (the ALB's ARN), `client`, `iss`, `exp`;
//! - the signature is raw `r||s` (64 bytes); DER, or any other length, is `invalid_signature`;
//! - the key is one P-256 public key per `kid`, as PEM (or DER) SubjectPublicKeyInfo, at a URL
//!   made from the **configured** ARN's partition and region ([`alb_key_url`]), never the token's.
//!
//! Only `x-amzn-oidc-data` is signed: `x-amzn-oidc-identity` and `x-amzn-oidc-accesstoken` are
//! plain headers anyone who can reach the service can set.

mod arn;
mod key;
#[cfg(all(feature = "alloc", target_has_atomic = "32"))]
mod verifier;

pub use arn::{alb_key_url, AlbArn, ALB_KEY_URL_MAX};
pub use key::{AlbKey, AlbKeyError};
#[cfg(all(feature = "alloc", target_has_atomic = "32"))]
pub use verifier::{
    AlbConfig, AlbConfigBuilder, AlbKeyStats, AlbOwnedClaims, AlbStep, AlbVerifierCore, KeyAction,
    KeyRequest, KEYS_PER_ALB, MAX_ALB_KEY_BYTES,
};

use crate::base64url::{self, DecodeError};
use crate::json::{self, JsonStr, Value};
use crate::Error;
use sha2::{Digest, Sha256};

/// Bytes of the buffer [`AlbToken::parse`] needs for a token of `token_len` bytes: its header and
/// payload decoded.
#[must_use]
pub const fn alb_buffer_len(token_len: usize) -> usize {
    token_len / 4 * 3 + 8
}

/// What an ALB token must satisfy: signed by one of `signers` (ALB ARNs), for one of `clients`,
/// from `issuer` when one is given, and not expired (with `leeway`). The lists are borrowed as
/// they are held: `&str`s, or `String`s (`S`).
#[derive(Clone, Copy, Debug)]
pub struct AlbRules<'a, S = &'a str> {
    signers: &'a [S],
    clients: &'a [S],
    issuer: Option<&'a str>,
    leeway: u64,
}

impl<'a, S: AsRef<str>> AlbRules<'a, S> {
    /// Tokens of these load balancers (their ARNs) for these app clients; no issuer check and no
    /// leeway until set.
    #[must_use]
    pub const fn new(signers: &'a [S], clients: &'a [S]) -> Self {
        AlbRules {
            signers,
            clients,
            issuer: None,
            leeway: 0,
        }
    }

    /// The `iss` the ALB's identity provider puts in the header (a user pool's URL).
    #[must_use]
    pub const fn issuer(mut self, issuer: &'a str) -> Self {
        self.issuer = Some(issuer);
        self
    }

    /// Seconds of clock skew allowed on `exp`.
    #[must_use]
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Whether `signer` is one of the configured load balancers.
    #[must_use]
    pub fn allows_signer(&self, signer: &str) -> bool {
        self.signer_index(signer).is_some()
    }

    /// Which of the configured load balancers `signer` is.
    #[must_use]
    pub fn signer_index(&self, signer: &str) -> Option<usize> {
        self.signers.iter().position(|s| s.as_ref() == signer)
    }
}

/// A parsed ALB token, not yet verified: its header read, its payload decoded into the caller's
/// buffer. [`kid`](Self::kid) and [`signer`](Self::signer) say which key to get.
#[derive(Clone, Copy, Debug)]
pub struct AlbToken<'t, 'b> {
    signing_input: &'t [u8],
    signature: [u8; 64],
    signature_ok: bool,
    kid: &'b str,
    signer: JsonStr<'b>,
    client: Option<JsonStr<'b>>,
    iss: Option<JsonStr<'b>>,
    exp: Option<Value<'b>>,
    /// The payload's claims, read in the one walk that checks it (exp filled in by `verify`);
    /// a claim of the wrong type is reported only after every check before it, as if read then.
    claims: Result<AlbClaims<'b>, Error>,
}

impl<'t, 'b> AlbToken<'t, 'b> {
    /// Parses `token` (the `x-amzn-oidc-data` header's value), decoding into `buf`
    /// ([`alb_buffer_len`] bytes).
    ///
    /// # Errors
    /// `malformed_token` (not three canonically padded base64url segments, header or payload not
    /// a strict JSON object, `kid` not a UUID), `token_too_large` (`buf` too small),
    /// `unsupported_algorithm` (`alg` not ES256), `missing_kid`, `unsupported_critical_header`,
    /// `missing_claim` (no `signer`), `invalid_claim` (a header member of the wrong type).
    pub fn parse(token: &'t str, buf: &'b mut [u8]) -> Result<Self, Error> {
        let bytes = token.as_bytes();
        let mut parts = bytes.split(|&b| b == b'.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::MalformedToken);
        };
        let signing_input = bytes
            .get(..h.len() + 1 + p.len())
            .ok_or(Error::MalformedToken)?;
        let (hbuf, pbuf) = buf.split_at_mut(buf.len().min(h.len() / 4 * 3 + 3));
        let header = text(padded(h, hbuf)?)?;
        let payload = text(padded(p, pbuf)?)?;
        // Every segment's encoding is checked before anything else, as for a JWT.
        let mut sig_buf = [0u8; 80];
        let signature = match base64url::decode_padded(s, &mut sig_buf) {
            Ok(sig) => sig,
            Err(DecodeError::TooLong) => &[][..],
            Err(DecodeError::Invalid) => return Err(Error::MalformedToken),
        };
        let mut token = AlbToken {
            signing_input,
            signature: [0; 64],
            signature_ok: false,
            kid: "",
            signer: JsonStr::EMPTY,
            client: None,
            iss: None,
            exp: None,
            claims: Err(Error::MalformedToken),
        };
        if let Ok(raw) = <[u8; 64]>::try_from(signature) {
            token.signature = raw;
            token.signature_ok = true;
        }
        token.read_header(header)?;
        token.claims = AlbClaims::read(payload)?;
        Ok(token)
    }

    fn read_header(&mut self, header: &'b str) -> Result<(), Error> {
        let (mut alg, mut kid, mut signer) = (None, None, None);
        json::object_members(header, Error::MalformedToken, |name, value| {
            let string = |v: Value<'b>| match v {
                Value::Str(s) => Ok(s),
                _ => Err(Error::InvalidClaim),
            };
            match name.as_str() {
                Some("alg") => alg = Some(value),
                Some("kid") => kid = Some(value),
                Some("signer") => signer = Some(string(value)?),
                Some("client") => self.client = Some(string(value)?),
                Some("iss") => self.iss = Some(string(value)?),
                Some("exp") => self.exp = Some(value),
                Some("crit") => return Err(Error::UnsupportedCriticalHeader),
                _ => {}
            }
            Ok(())
        })?;
        match alg {
            Some(Value::Str(a)) if a == "ES256" => {}
            _ => return Err(Error::UnsupportedAlgorithm),
        }
        self.kid = match kid {
            None => return Err(Error::MissingKid),
            Some(Value::Str(k)) => k
                .as_str()
                .filter(|k| is_uuid(k))
                .ok_or(Error::MalformedToken)?,
            Some(_) => return Err(Error::MalformedToken),
        };
        self.signer = signer.ok_or(Error::MissingClaim)?;
        Ok(())
    }

    /// The header's `kid`: a UUID (checked), safe to put in a URL.
    #[must_use]
    pub fn kid(&self) -> &'b str {
        self.kid
    }

    /// The header's `signer` (an ALB ARN) as written, escapes and all; compare it with
    /// [`AlbRules::allows_signer`] before fetching a key for it.
    #[must_use]
    pub fn signer(&self) -> &'b str {
        self.signer.as_str().unwrap_or_default()
    }

    /// The payload's claims **before any verification**: for logs of a token refused after its
    /// signature held (never for a decision).
    ///
    /// # Errors
    /// `invalid_claim` for a `sub`, `email` or `username` that is not a string.
    pub fn unverified_claims(&self) -> Result<AlbClaims<'b>, Error> {
        let exp = self.exp.and_then(|e| e.as_i64()).unwrap_or(0);
        self.claims.map(|c| AlbClaims { exp, ..c })
    }

    /// Verifies the token with `key` (the one published for its `kid`) at `now` (Unix seconds):
    /// signer, signature, client, issuer, expiry, in that order.
    ///
    /// # Errors
    /// `wrong_signer`, `invalid_signature`, `wrong_client`, `wrong_issuer`, `expired`,
    /// `missing_claim` (no `client`, `exp`, or `iss` when one is required), `invalid_claim`
    /// (`exp` not an integer).
    pub fn verify<S: AsRef<str>>(
        &self,
        rules: &AlbRules<'_, S>,
        key: &AlbKey,
        now: u64,
    ) -> Result<AlbClaims<'b>, Error> {
        self.verify_with(rules, now, |digest, signature| {
            key.verifies(digest, signature)
        })
    }

    /// [`verify`](Self::verify), with `valid` answering whether a 64-byte signature is the
    /// key's over the SHA-256 digest of the signing input (the ALB verifier asks its signature
    /// cache first).
    pub(crate) fn verify_with<S: AsRef<str>>(
        &self,
        rules: &AlbRules<'_, S>,
        now: u64,
        valid: impl FnOnce(&[u8; 32], &[u8; 64]) -> bool,
    ) -> Result<AlbClaims<'b>, Error> {
        if !self.signer.as_str().is_some_and(|s| rules.allows_signer(s)) {
            return Err(Error::WrongSigner);
        }
        let digest: [u8; 32] = Sha256::digest(self.signing_input).into();
        if !self.signature_ok || !valid(&digest, &self.signature) {
            return Err(Error::InvalidSignature);
        }
        let client = self.client.ok_or(Error::MissingClaim)?;
        if !rules.clients.iter().any(|c| client == c.as_ref()) {
            return Err(Error::WrongClient);
        }
        if let Some(expected) = rules.issuer {
            if self.iss.ok_or(Error::MissingClaim)? != expected {
                return Err(Error::WrongIssuer);
            }
        }
        let exp = self.exp.ok_or(Error::MissingClaim)?;
        let exp = exp
            .as_i64()
            .filter(|e| *e >= 0)
            .ok_or(Error::InvalidClaim)?;
        // As for a JWT: expired once `now` reaches `exp` plus the leeway.
        if i128::from(now) >= i128::from(exp) + i128::from(rules.leeway) {
            return Err(Error::Expired);
        }
        self.claims.map(|c| AlbClaims { exp, ..c })
    }
}

/// The user's claims of a verified ALB token (its payload), borrowed from the parse buffer.
#[derive(Clone, Copy, Debug)]
pub struct AlbClaims<'b> {
    payload: &'b str,
    exp: i64,
    sub: Option<JsonStr<'b>>,
    email: Option<JsonStr<'b>>,
    username: Option<JsonStr<'b>>,
}

impl<'b> AlbClaims<'b> {
    /// Walks the payload once: a strict JSON object (else `Err`, the token is malformed), its
    /// claims read; `Ok(Err(invalid_claim))` when one the caller reads is not a string.
    fn read(payload: &'b str) -> Result<Result<Self, Error>, Error> {
        let mut c = AlbClaims {
            payload,
            exp: 0,
            sub: None,
            email: None,
            username: None,
        };
        let mut wrong_type = false;
        json::object_members(payload, Error::MalformedToken, |name, value| {
            let slot = match name.as_str() {
                Some("sub") => &mut c.sub,
                Some("email") => &mut c.email,
                Some("username") => &mut c.username,
                _ => return Ok(()),
            };
            match value {
                Value::Str(s) => *slot = Some(s),
                _ => wrong_type = true,
            }
            Ok(())
        })?;
        Ok(if wrong_type {
            Err(Error::InvalidClaim)
        } else {
            Ok(c)
        })
    }

    /// `sub`, the user's id at the identity provider, when written without escapes.
    #[must_use]
    pub fn sub(&self) -> Option<&'b str> {
        self.sub.and_then(|s| s.as_str())
    }

    /// `email`, when present and written without escapes.
    #[must_use]
    pub fn email(&self) -> Option<&'b str> {
        self.email.and_then(|s| s.as_str())
    }

    /// `username`, when present and written without escapes.
    #[must_use]
    pub fn username(&self) -> Option<&'b str> {
        self.username.and_then(|s| s.as_str())
    }

    /// The header's `exp` (Unix seconds), as checked.
    #[must_use]
    pub fn exp(&self) -> i64 {
        self.exp
    }

    /// The whole payload, a JSON object.
    #[must_use]
    pub fn payload_json(&self) -> &'b str {
        self.payload
    }
}

fn padded<'o>(segment: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], Error> {
    base64url::decode_padded(segment, out).map_err(|e| match e {
        DecodeError::Invalid => Error::MalformedToken,
        DecodeError::TooLong => Error::TokenTooLarge,
    })
}

fn text(bytes: &[u8]) -> Result<&str, Error> {
    core::str::from_utf8(bytes).map_err(|_| Error::MalformedToken)
}

/// `8-4-4-4-12` hex digits (either case), as ALBs name their keys.
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}
