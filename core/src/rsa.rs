//! RSASSA-PKCS1-v1_5 / SHA-256 signature verification (RFC 8017 8.2.2) for
//! public keys of 2048..=4096 bits, without heap and without `unsafe`.
//!
//! Why hand-written: the `rsa` crate allocates ~30 times per verification
//! (num-bigint-dig temporaries), and crypto-bigint's `pow_vartime` is both
//! slower and heavy on the stack for 4096-bit capacity. A public-key
//! operation only needs Montgomery multiplication and squaring, which are
//! short enough to own.
//!
//! The 65537 trick: the check is `s^e = EM (mod n)` for the one encoding
//! `EM = 00 01 FF..FF 00 || DigestInfo || h`, so nothing needs `s^e` itself.
//! Sixteen Montgomery squarings of the *plain* `s` and one Montgomery
//! product with `s` give `s^65537 K` with `K = R^-65536 mod n`, a constant of
//! the key (`R = 2^(w * limbs)`); no multiplication by `R^2 mod n` to enter
//! Montgomery form, one full multiplication in eighteen saved. The other
//! side is scaled by the same `K` at little cost because `EM = c0 + h`
//! with `c0` fixed per key and `h` only 256 bits: with `d1 = c0 K` and
//! `d2 = K 2^256` computed at load, `EM K = d1 + h d2 / 2^256 (mod n)`, a
//! 4-by-32-limb product with four reduction steps. Comparing the two
//! residues is comparing `s^e mod n` with `EM` (`K` is invertible mod n,
//! both sides are fully reduced). Other odd exponents (opt-in) use the same
//! chain left-to-right.
//!
//! Multiplication and squaring are product scanning with the reduction
//! interleaved column by column (FIPS): each column of `a b + m n` is summed
//! in a three-limb accumulator, so a product costs a multiply and three
//! additions without the limb-to-limb carry chain of operand scanning
//! (CIOS), whose latency bound it was. Squaring sums each column's cross
//! products once and doubles them. The column dot products are unrolled by
//! four by hand, and the 2048/3072/4096-bit sizes run on const-generic
//! arrays (compile-time bounds); for u64 those keep the second operand
//! reversed and sum each column in two accumulators (pairs of products),
//! ~15% faster again at 2048 bits. Against the previous CIOS/SOS code this is
//! ~15-20% faster for u64 and ~25% for u32 on x86_64.
//!
//! Limbs are `u64` on 64-bit targets and `u32` elsewhere (wasm32 and
//! Cortex-M emulate 64x64->128 multiplication badly); the arithmetic is
//! generic over [`Limb`] so both widths are built and tested everywhere.
//! On wasm32 the u32 columns are summed as separate low and high halves of
//! the products, four products a step with SIMD's widening multiply when
//! built with `simd128` (1.6x the previous wasm32 code in Node). 2048 bits
//! (every Cognito key) run on whole aligned vectors of four limbs, the
//! second factor and the modulus kept as shifted reversed copies
//! (`rsa/quad.rs`: 1.25x the pure-wasm tokens/s in Node); other sizes on the
//! runtime-length body (module bytes).
//! Everything is variable time: modulus, exponent and signature are public.

mod limb;
mod mont;
#[cfg(any(test, target_arch = "wasm32"))]
mod quad;

pub(crate) use self::limb::Limb;
use self::mont::Modulus;

#[cfg(target_pointer_width = "64")]
type NativeLimb = u64;
#[cfg(not(target_pointer_width = "64"))]
type NativeLimb = u32;

/// Why a public key was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RsaKeyError {
    /// Modulus below 2048 bits, or exponent below 3.
    Weak,
    /// Modulus above 4096 bits or even; exponent even, longer than 4 bytes,
    /// not below n, or not 65537 when other exponents are not allowed.
    Unsupported,
    /// Empty `n` or `e`.
    Malformed,
}

const MIN_BITS: usize = 2048;
const MAX_BITS: usize = 4096;
/// SHA-256 digest length.
const DIGEST_LEN: usize = 32;

/// DER of `DigestInfo { AlgorithmIdentifier { id-sha256, NULL }, OCTET STRING (32) }`
/// (RFC 8017 9.2 note 1), to which the digest is appended.
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// RSA public key generic over the limb width. [`RsaPublicKey`] is this with
/// the target's native limb; the generic form lets tests exercise both.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RsaPublicKeyWith<L: Limb> {
    modulus: Modulus<L>,
    /// `c0 K mod n`, `c0` the expected encoding with a zero digest (see the module docs).
    em_base: L::Buf,
    /// `K 2^256 mod n`, what a digest is multiplied by.
    digest_factor: L::Buf,
    e: u32,
    bits: usize,
}

impl<L: Limb> RsaPublicKeyWith<L> {
    /// No key: the placeholder [`Self::init_from_be_bytes`] builds over. It
    /// verifies nothing (its modulus length is 0).
    pub(crate) const EMPTY: Self = Self {
        modulus: Modulus::EMPTY,
        em_base: L::ZERO_BUF,
        digest_factor: L::ZERO_BUF,
        e: 0,
        bits: 0,
    };

    /// A key built from `n` and `e`, as [`Self::init_from_be_bytes`].
    #[cfg(test)]
    pub(crate) fn from_be_bytes(
        n: &[u8],
        e: &[u8],
        allow_any_exponent: bool,
    ) -> Result<Self, RsaKeyError> {
        let mut key = Self::EMPTY;
        key.init_from_be_bytes(n, e, allow_any_exponent)?;
        Ok(key)
    }

    /// See [`RsaPublicKey::init_from_be_bytes`].
    pub(crate) fn init_from_be_bytes(
        &mut self,
        n: &[u8],
        e: &[u8],
        allow_any_exponent: bool,
    ) -> Result<(), RsaKeyError> {
        *self = Self::EMPTY;
        let (n, e, bits) = check_be_bytes(n, e, allow_any_exponent)?;
        self.modulus.init(n).ok_or(RsaKeyError::Unsupported)?;
        self.e = e;
        self.bits = bits;
        if self.init_constants().is_none() {
            *self = Self::EMPTY;
            return Err(RsaKeyError::Unsupported);
        }
        Ok(())
    }

    /// `em_base` and `digest_factor` for the key just loaded.
    fn init_constants(&mut self) -> Option<()> {
        let len = self.modulus.len();
        let k = self.modulus_len();
        let ps_len = k.checked_sub(3 + SHA256_DIGEST_INFO_PREFIX.len() + DIGEST_LEN)?;
        // c0 = 00 01 FF..FF 00 || DigestInfo prefix || 32 zero bytes, written byte by byte
        // (big-endian index i) straight into the limbs of `em_base`.
        let d1 = self.em_base.as_mut().get_mut(..len)?;
        let prefix_at = 3 + ps_len;
        for i in 1..prefix_at + SHA256_DIGEST_INFO_PREFIX.len() {
            let byte = match i {
                1 => 0x01,
                _ if i < 2 + ps_len => 0xff,
                _ if i == 2 + ps_len => 0x00,
                _ => *SHA256_DIGEST_INFO_PREFIX.get(i - prefix_at)?,
            };
            let from_end = k - 1 - i;
            let limb = d1.get_mut(from_end / L::BYTES)?;
            #[expect(
                clippy::cast_possible_truncation,
                reason = "a byte offset within a limb"
            )]
            let shift = (8 * (from_end % L::BYTES)) as u32;
            *limb = *limb | (L::from_be_chunk(&[byte]) << shift);
        }
        let d2 = self.digest_factor.as_mut().get_mut(..len)?;
        self.modulus
            .scaled_constants(self.e, DIGEST_LEN / L::BYTES, d1, d2)
    }

    /// Modulus length in bytes.
    pub(crate) fn modulus_len(&self) -> usize {
        self.bits.div_ceil(8)
    }

    /// Modulus length in bits.
    #[cfg(test)]
    pub(crate) fn modulus_bits(&self) -> usize {
        self.bits
    }

    /// See [`RsaPublicKey::verify_pkcs1v15_sha256`].
    pub(crate) fn verify_pkcs1v15_sha256(&self, digest: &[u8; 32], sig: &[u8]) -> bool {
        let mut got = L::ZERO_BUF;
        let mut want = L::ZERO_BUF;
        let len = self.modulus.len();
        let (Some(got), Some(want)) = (got.as_mut().get_mut(..len), want.as_mut().get_mut(..len))
        else {
            return false;
        };
        if !self.pow_scaled(sig, got) {
            return false;
        }
        // The digest as limbs: 4 of 64 bits or 8 of 32.
        let mut h = [L::ZERO; 8];
        let (Some(h), Some(d1), Some(d2)) = (
            h.get_mut(..DIGEST_LEN / L::BYTES),
            self.em_base.as_ref().get(..len),
            self.digest_factor.as_ref().get(..len),
        ) else {
            return false;
        };
        mont::load_be(digest, h);
        self.modulus.scaled_target(want, d1, d2, h);
        got == want
    }

    /// Whether `sig` has the modulus length and is below the modulus: what
    /// RFC 8017 section 8.2.2 requires before any arithmetic, checked here
    /// even when platform crypto does the arithmetic.
    pub(crate) fn signature_shape_ok(&self, sig: &[u8]) -> bool {
        let mut s_buf = L::ZERO_BUF;
        self.load_signature(sig, &mut s_buf).is_some()
    }

    /// `sig` as limbs in `s_buf`, if it has the modulus length and is below
    /// the modulus.
    fn load_signature<'s>(&self, sig: &[u8], s_buf: &'s mut L::Buf) -> Option<&'s mut [L]> {
        let len = self.modulus.len();
        if sig.len() != self.modulus_len() || len == 0 {
            return None;
        }
        let s = s_buf.as_mut().get_mut(..len)?;
        mont::load_be(sig, s);
        self.modulus.is_reduced(s).then_some(s)
    }

    /// `got = s^e K mod n` (see the module docs) for the signature `sig`;
    /// false if `sig` has the wrong length or is not below n.
    fn pow_scaled(&self, sig: &[u8], got: &mut [L]) -> bool {
        let mut s_buf = L::ZERO_BUF;
        let Some(s) = self.load_signature(sig, &mut s_buf) else {
            return false;
        };
        self.modulus.pow_scaled(got, s, self.e);
        true
    }

    /// The scaled expected encoding for `digest` (what a valid signature's
    /// [`Self::pow_scaled`] must equal), with the exponent `c` of its `R^-c`.
    #[cfg(test)]
    pub(crate) fn scaled_expected(&self, digest: &[u8; 32]) -> (std::vec::Vec<L>, u64) {
        let len = self.modulus.len();
        let mut want = std::vec![L::ZERO; len];
        let mut h = std::vec![L::ZERO; DIGEST_LEN / L::BYTES];
        mont::load_be(digest, &mut h);
        self.modulus.scaled_target(
            &mut want,
            self.em_base.as_ref().get(..len).unwrap_or(&[]),
            self.digest_factor.as_ref().get(..len).unwrap_or(&[]),
            &h,
        );
        (want, mont::scale_exponent(self.e))
    }

    /// `s^e mod n` as big-endian bytes, undoing the scaling with big-integer
    /// arithmetic from the test's side (`K` is `R^-c`).
    #[cfg(test)]
    pub(crate) fn scaled_power(&self, sig: &[u8]) -> Option<(std::vec::Vec<L>, u64)> {
        let mut got = std::vec![L::ZERO; self.modulus.len()];
        self.pow_scaled(sig, &mut got)
            .then(|| (got, mont::scale_exponent(self.e)))
    }
}

/// The checks of [`RsaPublicKey::init_from_be_bytes`], without building
/// anything: `n` without leading zeros, `e` as a number, and the bit length
/// of `n`.
pub(crate) fn check_be_bytes<'n>(
    n: &'n [u8],
    e: &[u8],
    allow_any_exponent: bool,
) -> Result<(&'n [u8], u32, usize), RsaKeyError> {
    if n.is_empty() || e.is_empty() {
        return Err(RsaKeyError::Malformed);
    }
    let n = strip_leading_zeros(n);
    let e = strip_leading_zeros(e);
    let bits = match n.first() {
        Some(&top) => n.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    };
    if bits < MIN_BITS {
        return Err(RsaKeyError::Weak);
    }
    if bits > MAX_BITS {
        return Err(RsaKeyError::Unsupported);
    }
    if n.last().is_none_or(|&b| b & 1 == 0) {
        return Err(RsaKeyError::Unsupported);
    }
    if e.len() > 4 {
        return Err(RsaKeyError::Unsupported);
    }
    let e = e.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    if e < 3 {
        return Err(RsaKeyError::Weak);
    }
    if e & 1 == 0 || (e != 65537 && !allow_any_exponent) {
        return Err(RsaKeyError::Unsupported);
    }
    // e < 2^32 <= n is implied by the size checks above: no `e >= n` case.
    Ok((n, e, bits))
}

fn strip_leading_zeros(mut b: &[u8]) -> &[u8] {
    while let Some((&0, rest)) = b.split_first() {
        b = rest;
    }
    b
}

/// Public RSA key with Montgomery constants precomputed once at load.
/// Fixed size (capacity 4096 bits), `Clone`, no heap.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RsaPublicKey(RsaPublicKeyWith<NativeLimb>);

impl RsaPublicKey {
    /// No key: the placeholder [`Self::init_from_be_bytes`] builds over. It
    /// verifies nothing.
    pub(crate) const EMPTY: Self = Self(RsaPublicKeyWith::EMPTY);

    /// A key built from `n` and `e`, as [`Self::init_from_be_bytes`]
    /// (tests; the key set builds its keys in place).
    #[cfg(test)]
    pub(crate) fn from_be_bytes(
        n: &[u8],
        e: &[u8],
        allow_any_exponent: bool,
    ) -> Result<Self, RsaKeyError> {
        RsaPublicKeyWith::from_be_bytes(n, e, allow_any_exponent).map(Self)
    }

    /// Makes this the key `(n, e)`, in place: the key is over 1 KB, and
    /// building it where it will live keeps it off the stack. `n` and `e`
    /// are unsigned big-endian (from a JWK after base64url decoding).
    /// Leading zero bytes are stripped before measuring the bit length. On
    /// error the key is left unusable (it verifies nothing).
    pub(crate) fn init_from_be_bytes(
        &mut self,
        n: &[u8],
        e: &[u8],
        allow_any_exponent: bool,
    ) -> Result<(), RsaKeyError> {
        self.0.init_from_be_bytes(n, e, allow_any_exponent)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 8.2.2): `sig.len()` must equal
    /// `modulus_len`, `sig` as an integer must be below n, and
    /// `EM = s^e mod n` must equal exactly `00 01 FF..FF 00 || DigestInfo(SHA-256) || digest`
    /// (the full encoding compared, never parsed). Returns false on any
    /// failure, with no detail.
    pub(crate) fn verify_pkcs1v15_sha256(&self, digest: &[u8; 32], sig: &[u8]) -> bool {
        self.0.verify_pkcs1v15_sha256(digest, sig)
    }

    /// Whether `sig` has the modulus length and is below the modulus.
    pub(crate) fn signature_shape_ok(&self, sig: &[u8]) -> bool {
        self.0.signature_shape_ok(sig)
    }
}

#[cfg(test)]
mod tests;
