//! TEMPORARY stub; replaced by the Montgomery implementation.
#![allow(missing_docs, dead_code)]

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RsaKeyError {
    Weak,
    Unsupported,
    Malformed,
}

#[derive(Clone, Debug)]
pub(crate) struct RsaPublicKey {
    len: usize,
}

impl RsaPublicKey {
    pub(crate) fn from_be_bytes(n: &[u8], e: &[u8], _any: bool) -> Result<Self, RsaKeyError> {
        if n.is_empty() || e.is_empty() {
            return Err(RsaKeyError::Malformed);
        }
        Ok(Self { len: n.len() })
    }
    pub(crate) fn modulus_len(&self) -> usize {
        self.len
    }
    pub(crate) fn verify_pkcs1v15_sha256(&self, _d: &[u8; 32], _s: &[u8]) -> bool {
        false
    }
}
