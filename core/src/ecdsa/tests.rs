//! The hand-written verification against p256's own, decision for decision, with and without
//! the table of multiples of G. (Wycheproof runs through `verifier::signature`.)

use super::point::{Affine, G};
use super::scalar::{self, Words};
use super::{affine_of, lincomb_small, verify_point, Lincomb};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::bigint::U256;
use p256::elliptic_curve::ff::{Field, PrimeField};
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use p256::{AffinePoint, EncodedPoint, FieldBytes, FieldElement, ProjectivePoint, Scalar};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::vec::Vec;

fn lincombs() -> Vec<(&'static str, Lincomb)> {
    let mut v: Vec<(&'static str, Lincomb)> = std::vec![("small", lincomb_small as Lincomb)];
    #[cfg(feature = "es256-table")]
    v.push(("table", super::lincomb_table as Lincomb));
    v
}

/// p256's verdict.
fn reference(key: &VerifyingKey, digest: &[u8; 32], sig: &[u8; 64]) -> bool {
    Signature::from_slice(sig).is_ok_and(|s| key.verify_prehash(digest, &s).is_ok())
}

/// Both verdicts must agree; returns the verdict.
fn agree(key: &VerifyingKey, digest: &[u8; 32], sig: &[u8; 64], what: &str) -> bool {
    let expected = reference(key, digest, sig);
    let q = affine_of(key).expect("key point");
    for (name, lincomb) in lincombs() {
        assert_eq!(
            verify_point(&q, digest, sig, lincomb),
            expected,
            "{what} ({name}): key {:?} digest {digest:02x?} sig {sig:02x?}",
            key.to_encoded_point(false)
        );
    }
    expected
}

fn scalar_from(bytes: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*bytes))
}

fn sig_bytes(r: &Scalar, s: &Scalar) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&r.to_bytes());
    out[32..].copy_from_slice(&s.to_bytes());
    out
}

/// ECDSA by hand with a chosen nonce: `r = x(kG) mod n`, `s = k^-1 (e + r d)`.
fn sign(d: &Scalar, k: &Scalar, digest: &[u8; 32]) -> [u8; 64] {
    let rp = (ProjectivePoint::GENERATOR * k).to_affine();
    let r = scalar_from(&rp.x().into());
    let s = k.invert().unwrap() * (scalar_from(digest) + r * d);
    sig_bytes(&r, &s)
}

fn key_of(d: &Scalar) -> VerifyingKey {
    VerifyingKey::from_affine((ProjectivePoint::GENERATOR * d).to_affine()).unwrap()
}

fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
    Scalar::random(&mut *rng)
}

const N_MINUS_1: [u8; 32] = {
    let mut b = [0u8; 32];
    let n = scalar::N;
    let mut i = 0;
    while i < 4 {
        let w = if i == 0 { n[0] - 1 } else { n[i] };
        let bytes = w.to_be_bytes();
        let mut j = 0;
        while j < 8 {
            b[32 - 8 * (i + 1) + j] = bytes[j];
            j += 1;
        }
        i += 1;
    }
    b
};

#[test]
fn inverse_matches_p256() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut cases: Vec<[u8; 32]> = std::vec![N_MINUS_1];
    let mut one = [0u8; 32];
    one[31] = 1;
    cases.push(one);
    one[31] = 2;
    cases.push(one);
    for _ in 0..2000 {
        cases.push(random_scalar(&mut rng).to_bytes().into());
    }
    for c in &cases {
        let inv = scalar::invert_vartime(&scalar::from_be_bytes(c)).expect("invertible");
        let expected: [u8; 32] = Scalar::from_repr((*c).into())
            .unwrap()
            .invert()
            .unwrap()
            .to_bytes()
            .into();
        assert_eq!(scalar::to_be_bytes(&inv), expected);
    }
    assert!(scalar::invert_vartime(&[0; 4]).is_none());
    assert!(scalar::invert_vartime(&scalar::N).is_none());
}

/// The digits sum back to the scalar, are odd and small, and at least W apart.
fn check_naf<const W: usize>(k: &Words) {
    let naf = scalar::wnaf::<W>(k);
    let mut sum = Scalar::ZERO;
    let mut last: Option<usize> = None;
    for (i, &d) in naf.iter().enumerate().rev() {
        sum = sum.double();
        if d != 0 {
            assert!(d % 2 != 0 && i32::from(d).abs() < 1 << (W - 1), "digit {d}");
            if let Some(l) = last {
                assert!(l - i >= W, "digits {l} and {i} too close");
            }
            last = Some(i);
            let m = Scalar::from(u64::from(d.unsigned_abs()));
            sum = if d < 0 { sum - m } else { sum + m };
        }
    }
    let expected = Scalar::from_repr(scalar::to_be_bytes(k).into()).unwrap();
    assert_eq!(sum, expected);
}

#[test]
fn naf_digits() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let mut cases: Vec<Words> = std::vec![[0; 4], [1, 0, 0, 0], scalar::from_be_bytes(&N_MINUS_1)];
    cases.push([u64::MAX, u64::MAX, u64::MAX, 0xffff_ffff_0000_0000]);
    for _ in 0..1000 {
        cases.push(scalar::from_be_bytes(
            &random_scalar(&mut rng).to_bytes().into(),
        ));
    }
    for k in cases.iter().filter(|k| scalar::to_be_bytes(k) <= N_MINUS_1) {
        check_naf::<5>(k);
        check_naf::<7>(k);
    }
}

#[cfg(feature = "es256-table")]
#[test]
fn table_holds_odd_multiples_of_g() {
    for (i, entry) in super::table::G_TABLE.iter().enumerate() {
        let k = Scalar::from(2 * i as u64 + 1);
        let p = (ProjectivePoint::GENERATOR * k).to_encoded_point(false);
        assert_eq!(entry.x.to_bytes(), *p.x().unwrap(), "x of {}G", 2 * i + 1);
        assert_eq!(entry.y.to_bytes(), *p.y().unwrap(), "y of {}G", 2 * i + 1);
    }
    let g = ProjectivePoint::GENERATOR.to_encoded_point(false);
    let Affine { x, y } = G;
    assert_eq!(
        (x.to_bytes(), y.to_bytes()),
        (*g.x().unwrap(), *g.y().unwrap())
    );
}

/// Random keys and messages: valid signatures, then each altered.
#[test]
fn differential_random() {
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    let (mut cases, mut accepted) = (0usize, 0usize);
    for round in 0..300 {
        let d = random_scalar(&mut rng);
        let key = key_of(&d);
        let mut digest = [0u8; 32];
        rng.fill_bytes(&mut digest);
        let k = random_scalar(&mut rng);
        let sig = sign(&d, &k, &digest);
        assert!(
            agree(&key, &digest, &sig, "valid"),
            "valid signature refused"
        );
        let r = Scalar::from_repr(<[u8; 32]>::try_from(&sig[..32]).unwrap().into()).unwrap();
        let s = Scalar::from_repr(<[u8; 32]>::try_from(&sig[32..]).unwrap().into()).unwrap();
        // High s is as valid as low s for ECDSA (JWS does not normalise).
        assert!(agree(&key, &digest, &sig_bytes(&r, &-s), "high s"));
        accepted += 2;
        let mut variants: Vec<([u8; 32], [u8; 64], &str)> = Vec::new();
        let mut wrong = digest;
        wrong[rng.gen_range(0..32)] ^= 1 << rng.gen_range(0..8);
        variants.push((wrong, sig, "wrong message"));
        let mut flipped = sig;
        flipped[rng.gen_range(0..64)] ^= 1 << rng.gen_range(0..8);
        variants.push((digest, flipped, "bit flip"));
        variants.push((digest, sig_bytes(&(r + Scalar::ONE), &s), "r + 1"));
        variants.push((digest, sig_bytes(&r, &(s + Scalar::ONE)), "s + 1"));
        variants.push((digest, sig_bytes(&-r, &s), "-r"));
        let n_minus_1 = Scalar::from_repr(N_MINUS_1.into()).unwrap();
        variants.push((digest, sig_bytes(&r, &n_minus_1), "s = n - 1"));
        variants.push((digest, sig_bytes(&n_minus_1, &s), "r = n - 1"));
        variants.push((digest, sig_bytes(&Scalar::ONE, &Scalar::ONE), "r = s = 1"));
        let mut zero_r = sig;
        zero_r[..32].fill(0);
        variants.push((digest, zero_r, "r = 0"));
        let mut zero_s = sig;
        zero_s[32..].fill(0);
        variants.push((digest, zero_s, "s = 0"));
        let mut big = sig;
        big[..4].fill(0xff);
        variants.push((digest, big, "r >= n"));
        let mut big = sig;
        big[32..36].fill(0xff);
        variants.push((digest, big, "s >= n"));
        // r + n: the same x before reduction, out of range as a scalar.
        let mut unreduced = sig;
        let (plus_n, carry) = {
            let (w, c) = add_n(&scalar::from_be_bytes(&r.to_bytes().into()));
            (scalar::to_be_bytes(&w), c)
        };
        if !carry {
            unreduced[..32].copy_from_slice(&plus_n);
            variants.push((digest, unreduced, "r + n"));
        }
        if round % 2 == 0 {
            let mut random_sig = [0u8; 64];
            rng.fill_bytes(&mut random_sig);
            variants.push((digest, random_sig, "random"));
        }
        for (dg, sg, what) in &variants {
            if agree(&key, dg, sg, what) {
                accepted += 1;
            }
        }
        cases += 2 + variants.len();
    }
    std::println!("ecdsa differential_random: {cases} cases, {accepted} accepted");
    assert_eq!(accepted, 600);
    assert!(cases >= 4000, "{cases}");
}

fn add_n(a: &Words) -> (Words, bool) {
    let mut out = [0u64; 4];
    let mut carry = false;
    for ((o, x), y) in out.iter_mut().zip(a).zip(&scalar::N) {
        let (t, c1) = x.overflowing_add(*y);
        let (t, c2) = t.overflowing_add(u64::from(carry));
        *o = t;
        carry = c1 | c2;
    }
    (out, carry)
}

/// Keys and messages that drive the interleaving into its exceptions: Q a small multiple of G
/// (or its negation), `e = ±r` and `e = ±2r`, so that `u1 G` and `u2 Q` share digits, double
/// or cancel.
#[test]
fn differential_exceptional() {
    let mut rng = ChaCha20Rng::seed_from_u64(22);
    let (mut cases, mut accepted) = (0usize, 0usize);
    let small: [u64; 6] = [1, 2, 3, 5, 7, 64];
    for &m in &small {
        for neg in [false, true] {
            let d = if neg {
                -Scalar::from(m)
            } else {
                Scalar::from(m)
            };
            let key = key_of(&d);
            for _ in 0..20 {
                let k = random_scalar(&mut rng);
                let rp = (ProjectivePoint::GENERATOR * k).to_affine();
                let r = scalar_from(&rp.x().into());
                for f in [
                    Scalar::ONE,
                    -Scalar::ONE,
                    Scalar::from(2u64),
                    d,
                    -d,
                    -(d * Scalar::from(3u64)),
                ] {
                    // e = f r: u1 = f r / s and u2 = r / s, so u1 G + u2 Q = (f + d) (r / s) G.
                    let digest: [u8; 32] = (r * f).to_bytes().into();
                    let sig = sign(&d, &k, &digest);
                    if agree(&key, &digest, &sig, "exceptional") {
                        accepted += 1;
                    }
                    // Any s: R may be infinity or land on the table.
                    let s = random_scalar(&mut rng);
                    if agree(&key, &digest, &sig_bytes(&r, &s), "exceptional, random s") {
                        accepted += 1;
                    }
                    cases += 2;
                }
            }
        }
    }
    std::println!("ecdsa differential_exceptional: {cases} cases, {accepted} accepted");
    assert!(cases >= 1000);
}

/// `x(R)` in `[n, p)`: `r = x(R) - n` only matches through the `r + n` comparison. Such an R
/// has no known discrete log, so the key is solved for: `Q = u2^-1 (R - u1 G)`.
#[test]
fn differential_x_above_n() {
    let mut rng = ChaCha20Rng::seed_from_u64(23);
    let mut found = 0;
    let mut t = 1u64;
    let b = FieldElement::from_bytes(
        &hex32("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b").into(),
    )
    .unwrap();
    while found < 40 {
        t += 1;
        // x = n + t, which is below p for t < p - n.
        let x_words = add_n(&[t, 0, 0, 0]).0;
        let x = FieldElement::from_bytes(&scalar::to_be_bytes(&x_words).into()).unwrap();
        let rhs = x.square().multiply(&x) - x.double() - x + b;
        let Some(y) = Option::<FieldElement>::from(rhs.sqrt()) else {
            continue;
        };
        let point = EncodedPoint::from_affine_coordinates(&x.to_bytes(), &y.to_bytes(), false);
        let rp = ProjectivePoint::from(AffinePoint::from_encoded_point(&point).unwrap());
        let r = Scalar::from(t);
        let mut digest = [0u8; 32];
        rng.fill_bytes(&mut digest);
        let s = random_scalar(&mut rng);
        let sinv = s.invert().unwrap();
        let (u1, u2) = (scalar_from(&digest) * sinv, r * sinv);
        let q = (rp - ProjectivePoint::GENERATOR * u1) * u2.invert().unwrap();
        let key = VerifyingKey::from_affine(q.to_affine()).unwrap();
        let sig = sig_bytes(&r, &s);
        assert!(agree(&key, &digest, &sig, "x(R) >= n"), "x(R) >= n refused");
        // The unreduced x is no scalar; a neighbouring r is wrong.
        assert!(!agree(
            &key,
            &digest,
            &sig_bytes(&(r + Scalar::ONE), &s),
            "r + 1"
        ));
        found += 1;
    }
    std::println!("ecdsa differential_x_above_n: {found} keys");
}

fn hex32(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks(2)) {
        *o = u8::from_str_radix(core::str::from_utf8(pair).unwrap(), 16).unwrap();
    }
    out
}

#[test]
fn affine_of_key_is_its_point() {
    let key = key_of(&Scalar::from(5u64));
    let a = affine_of(&key).unwrap();
    let p = key.to_encoded_point(false);
    assert_eq!(a.x.to_bytes(), *p.x().unwrap());
    assert_eq!(a.y.to_bytes(), *p.y().unwrap());
}
