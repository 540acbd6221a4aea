//! The P-256 public key an ALB publishes per `kid`: PEM or DER SubjectPublicKeyInfo, read without
//! a heap through RustCrypto's `spki` (via `p256`) and `pem-rfc7468`.

use core::fmt;
use p256::elliptic_curve;
use p256::pkcs8::der::Decode;
use p256::pkcs8::spki::SubjectPublicKeyInfoRef;
use p256::pkcs8::AssociatedOid;
use p256::NistP256;

/// An ALB's public key (ECDSA P-256).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlbKey(p256::ecdsa::VerifyingKey);

/// Why a published key could not be read. `Display` says what was wrong.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlbKeyError {
    /// Not a PEM document labelled `PUBLIC KEY` (RFC 7468 section 13).
    NotPem,
    /// Not a DER SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7).
    NotSubjectPublicKeyInfo,
    /// A SubjectPublicKeyInfo of another algorithm or curve than EC P-256.
    NotP256,
    /// The point is not on the curve, or not an uncompressed or compressed SEC1 point.
    InvalidPoint,
}

impl fmt::Display for AlbKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AlbKeyError::NotPem => "key is not a PEM document labelled PUBLIC KEY",
            AlbKeyError::NotSubjectPublicKeyInfo => "key is not a DER SubjectPublicKeyInfo",
            AlbKeyError::NotP256 => "key is not an EC P-256 public key",
            AlbKeyError::InvalidPoint => "key's point is not on the P-256 curve",
        })
    }
}

impl core::error::Error for AlbKeyError {}

impl From<AlbKeyError> for crate::Error {
    fn from(_: AlbKeyError) -> Self {
        crate::Error::UnsupportedKey
    }
}

/// Bytes a P-256 SubjectPublicKeyInfo takes at most (91 uncompressed; room for slack).
const MAX_SPKI: usize = 128;

impl AlbKey {
    /// The key of a DER SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// [`AlbKeyError`]: what the bytes are not.
    pub fn from_der(spki: &[u8]) -> Result<Self, AlbKeyError> {
        // Read in steps, so each failure says which part is wrong (`from_public_key_der`
        // reports an off-curve point as a DER error).
        let info = SubjectPublicKeyInfoRef::from_der(spki)
            .map_err(|_| AlbKeyError::NotSubjectPublicKeyInfo)?;
        let curve = info.algorithm.parameters_oid().ok();
        if info.algorithm.oid != elliptic_curve::ALGORITHM_OID || curve != Some(NistP256::OID) {
            return Err(AlbKeyError::NotP256);
        }
        let point = info
            .subject_public_key
            .as_bytes()
            .ok_or(AlbKeyError::InvalidPoint)?;
        p256::PublicKey::from_sec1_bytes(point)
            .map(|k| AlbKey(k.into()))
            .map_err(|_| AlbKeyError::InvalidPoint)
    }

    /// The key of a PEM document (`-----BEGIN PUBLIC KEY-----`), as the ALB serves it.
    ///
    /// # Errors
    /// [`AlbKeyError`]: what the text is not.
    pub fn from_pem(pem: &str) -> Result<Self, AlbKeyError> {
        let mut der = [0u8; MAX_SPKI];
        match pem_rfc7468::decode(pem.trim().as_bytes(), &mut der) {
            Ok(("PUBLIC KEY", spki)) => Self::from_der(spki),
            // A document too long for a P-256 key is not one.
            Err(pem_rfc7468::Error::Length) => Err(AlbKeyError::NotP256),
            _ => Err(AlbKeyError::NotPem),
        }
    }

    /// The key's point, uncompressed SEC1 (65 bytes): what a cache entry binds the key by.
    #[cfg(all(
        feature = "alloc",
        feature = "signature-cache",
        target_has_atomic = "32"
    ))]
    pub(crate) fn fingerprint(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        let point = self.0.to_encoded_point(false);
        if let Some(dst) = out.get_mut(..point.len()) {
            dst.copy_from_slice(point.as_bytes());
        }
        out
    }

    /// Whether `signature` (raw `r||s`) is this key's over the SHA-256 `digest`.
    pub(crate) fn verifies(&self, digest: &[u8; 32], signature: &[u8; 64]) -> bool {
        crate::ecdsa::verify_prehash(&self.0, digest, signature)
    }
}
