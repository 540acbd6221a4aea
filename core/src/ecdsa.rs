//! ECDSA P-256 verification (ES256) with a variable-time double-scalar multiplication.
//!
//! Why hand-written over the `p256` crate's `VerifyingKey::verify_prehash`: that generic path
//! is built for secrets too, so it is constant-time throughout (complete addition formulas,
//! fixed 4-bit windows, `s^-1` by exponentiation) and ran at a quarter of aws-lc-rs. A
//! signature check only ever sees public values (key, message, signature), so it may branch
//! on them:
//!
//! - `s^-1 mod n` by binary extended Euclid ([`scalar`]);
//! - `u1 G + u2 Q` by Straus/Shamir interleaving over width-w NAFs: one chain of 256
//!   doublings shared by both scalars, an addition every ~`w + 1` bits for each. `Q` changes
//!   per key, so its odd multiples (`w = 5`, 8 points) are computed per call on the stack; G's
//!   (`w = 7`, 32 affine points) are computed by the compiler with feature `es256-table`, else
//!   per call like Q's;
//! - Jacobian coordinates with the short `a = -3` formulas ([`point`]), their exceptions
//!   (equal or opposite points, infinity) tested for rather than avoided;
//! - no inversion at the end: `x(R) mod n = r` is checked as `r Z^2 = X`, or
//!   `(r + n) Z^2 = X` when `r + n < p` (x(R) may lie in `[n, p)`).
//!
//! The field and scalar arithmetic is still p256's (`FieldElement` with feature
//! `expose-field`, `Scalar`): fiat-crypto-derived Montgomery code, not duplicated here. No
//! heap, no `unsafe`: everything lives in a few kilobytes of stack.

mod point;
mod scalar;
#[cfg(feature = "es256-table")]
mod table;
#[cfg(test)]
mod tests;

use p256::elliptic_curve::bigint::U256;
use p256::elliptic_curve::ff::{Field, PrimeField};
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{FieldBytes, FieldElement, Scalar};

use point::{Affine, Jacobian};
use scalar::{Naf, Words};

/// The NAF width of `u2` (and of `u1` without the table): 8 multiples of Q per call.
const W_Q: usize = 5;
const Q_LEN: usize = 1 << (W_Q - 2);

/// `p - n` big-endian: `r + n < p` exactly when `r < p - n`.
const P_MINUS_N: [u8; 32] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, //
    0x43, 0x19, 0x05, 0x53, 0x58, 0xe8, 0x61, 0x7b, //
    0x0c, 0x46, 0x35, 0x3d, 0x03, 0x9c, 0xda, 0xae,
];

/// Whether `sig` (raw `r || s`, 64 bytes) is a valid ECDSA signature of the SHA-256 `digest`
/// by `key`, deciding exactly as p256's `verify_prehash` does.
///
/// Never inlined: its ~2 KB of tables and digits stay out of the RS256 path's stack frame.
#[inline(never)]
pub(crate) fn verify_prehash(
    key: &p256::ecdsa::VerifyingKey,
    digest: &[u8; 32],
    sig: &[u8],
) -> bool {
    let Some(q) = affine_of(key) else {
        return false;
    };
    verify_point(&q, digest, sig, LINCOMB)
}

/// The key's point in p256's field representation (the key was checked on the curve and not
/// the identity when it was built).
fn affine_of(key: &p256::ecdsa::VerifyingKey) -> Option<Affine> {
    let encoded = key.as_affine().to_encoded_point(false);
    let x = Option::from(FieldElement::from_bytes(encoded.x()?))?;
    let y = Option::from(FieldElement::from_bytes(encoded.y()?))?;
    Some(Affine { x, y })
}

fn verify_point(q: &Affine, digest: &[u8; 32], sig: &[u8], lincomb: Lincomb) -> bool {
    // JWS ES256 signatures are raw r||s (RFC 7518 section 3.4), never DER.
    let Some((r_bytes, s_bytes)) = split_signature(sig) else {
        return false;
    };
    // 0 < r, s < n.
    let (Some(r), Some(_)) = (scalar_of(&r_bytes), scalar_of(&s_bytes)) else {
        return false;
    };
    let Some(s_inv) = scalar::invert_vartime(&scalar::from_be_bytes(&s_bytes)) else {
        return false;
    };
    let Some(s_inv) = scalar_of(&scalar::to_be_bytes(&s_inv)) else {
        return false;
    };
    // bits2field is the identity for a 256-bit digest and a 256-bit order; then reduce mod n.
    let e = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*digest));
    let u1 = scalar::from_be_bytes(&(e * s_inv).to_bytes().into());
    let u2 = scalar::from_be_bytes(&(r * s_inv).to_bytes().into());
    let point = lincomb(&u1, &u2, q);
    x_matches(&point, &r_bytes)
}

/// `r` and `s`, big-endian, from exactly 64 bytes.
fn split_signature(sig: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let sig = <&[u8; 64]>::try_from(sig).ok()?;
    let (r, s) = sig.split_at(32);
    Some((r.try_into().ok()?, s.try_into().ok()?))
}

/// A scalar in `1..n`, else `None`.
fn scalar_of(bytes: &[u8; 32]) -> Option<Scalar> {
    let k: Scalar = Option::from(Scalar::from_repr(FieldBytes::from(*bytes)))?;
    (!bool::from(k.is_zero())).then_some(k)
}

/// Whether `x(R) mod n = r`, without converting `R` to affine.
fn x_matches(point: &Jacobian, r_bytes: &[u8; 32]) -> bool {
    if point.is_infinity() {
        return false;
    }
    // r < n < p: a canonical field element.
    let Some(r) =
        Option::<FieldElement>::from(FieldElement::from_bytes(&FieldBytes::from(*r_bytes)))
    else {
        return false;
    };
    let z2 = point.z.square();
    if r.multiply(&z2) == point.x {
        return true;
    }
    // x(R) in [n, p) reduces to x(R) - n: then x(R) = r + n, possible only when r + n < p.
    if *r_bytes < P_MINUS_N {
        let n = point::fe_from_words([scalar::N[3], scalar::N[2], scalar::N[1], scalar::N[0]]);
        return r.add(&n).multiply(&z2) == point.x;
    }
    false
}

/// The odd multiples `P, 3P, ..., (2 len - 1) P` of a finite point, in Jacobian coordinates.
fn odd_multiples<const LEN: usize>(p: &Affine) -> [Jacobian; LEN] {
    let p = p.to_jacobian();
    let p2 = p.double();
    let mut table = [p; LEN];
    let mut prev = p;
    for slot in table.iter_mut().skip(1) {
        // Exceptions handled: Q may be any point, and for small multiples of a point of
        // prime order n they never occur, but `add` costs nothing more for checking.
        prev = prev.add(&p2);
        *slot = prev;
    }
    table
}

/// The table entry for NAF digit `d` (odd, nonzero): `|d| P` at `|d| / 2`, negated for `d < 0`.
fn lookup<T: Copy>(table: &[T], d: i8, neg: impl Fn(T) -> T) -> Option<T> {
    let entry = *table.get(usize::from(d.unsigned_abs() / 2))?;
    Some(if d < 0 { neg(entry) } else { entry })
}

/// A way to compute `u1 G + u2 Q` (with or without the table; tests run both).
type Lincomb = fn(&Words, &Words, &Affine) -> Jacobian;

/// With feature `es256-table`: G's multiples from the compiler's table, wider NAF for `u1`.
#[cfg(feature = "es256-table")]
const LINCOMB: Lincomb = lincomb_table;
#[cfg(not(feature = "es256-table"))]
const LINCOMB: Lincomb = lincomb_small;

#[cfg(feature = "es256-table")]
fn lincomb_table(u1: &Words, u2: &Words, q: &Affine) -> Jacobian {
    let naf_g = scalar::wnaf::<{ table::W_G }>(u1);
    let add_g = |acc: &Jacobian, d: i8| match lookup(&table::G_TABLE, d, Affine::neg) {
        Some(g) => acc.add_affine(&g),
        None => *acc,
    };
    interleave(&naf_g, u2, q, add_g)
}

/// Without the table (and in tests, to check both): G's multiples computed per call, as Q's.
#[cfg(any(test, not(feature = "es256-table")))]
fn lincomb_small(u1: &Words, u2: &Words, q: &Affine) -> Jacobian {
    let g_table = odd_multiples::<Q_LEN>(&point::G);
    let naf_g = scalar::wnaf::<W_Q>(u1);
    let add_g = |acc: &Jacobian, d: i8| match lookup(&g_table, d, Jacobian::neg) {
        Some(g) => acc.add(&g),
        None => *acc,
    };
    interleave(&naf_g, u2, q, add_g)
}

/// `u1 G + u2 Q`, Straus interleaving of the two NAFs from the top digit down: one chain of
/// doublings for both, `add_g` adding G's multiples.
fn interleave(
    naf_g: &Naf,
    u2: &Words,
    q: &Affine,
    add_g: impl Fn(&Jacobian, i8) -> Jacobian,
) -> Jacobian {
    let q_table = odd_multiples::<Q_LEN>(q);
    let naf_q = scalar::wnaf::<W_Q>(u2);
    let mut acc = Jacobian::INFINITY;
    let mut started = false;
    for (&dg, &dq) in naf_g.iter().zip(&naf_q).rev() {
        if started {
            acc = acc.double();
        }
        if dg != 0 {
            acc = add_g(&acc, dg);
            started = true;
        }
        if dq != 0 {
            if let Some(qp) = lookup(&q_table, dq, Jacobian::neg) {
                acc = acc.add(&qp);
            }
            started = true;
        }
    }
    acc
}
