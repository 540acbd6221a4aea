//! P-256 points in Jacobian coordinates `(X, Y, Z)` for `(X/Z^2, Y/Z^3)`, `Z = 0` the point at
//! infinity, with the short (incomplete) formulas for `a = -3` from the Explicit-Formulas
//! Database. They are cheaper than the complete formulas p256 uses (which must be
//! constant-time and exception-free for secrets) and the exceptions (equal or opposite points,
//! infinity) are tested for on the way, which is fine on public inputs.
//!
//! The formulas are `const fn` so that the table of multiples of G (feature `es256-table`) is
//! computed by the compiler with the same code that runs at verification.

use p256::FieldElement;

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Debug)]
pub(super) struct Jacobian {
    pub(super) x: FieldElement,
    pub(super) y: FieldElement,
    pub(super) z: FieldElement,
}

/// A finite point in affine coordinates (`Z = 1`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Affine {
    pub(super) x: FieldElement,
    pub(super) y: FieldElement,
}

/// A field element from its big-endian 64-bit words, at compile time (p256 keeps its
/// Montgomery-form constructor private; `from_u64` and products reach the same value).
pub(super) const fn fe_from_words(w: [u64; 4]) -> FieldElement {
    let two32 = FieldElement::from_u64(1 << 32);
    let two64 = two32.multiply(&two32);
    let mut acc = FieldElement::from_u64(w[0]);
    let mut i = 1;
    while i < 4 {
        acc = acc.multiply(&two64).add(&FieldElement::from_u64(w[i]));
        i += 1;
    }
    acc
}

/// The base point G.
pub(super) const G: Affine = Affine {
    x: fe_from_words([
        0x6b17_d1f2_e12c_4247,
        0xf8bc_e6e5_63a4_40f2,
        0x7703_7d81_2deb_33a0,
        0xf4a1_3945_d898_c296,
    ]),
    y: fe_from_words([
        0x4fe3_42e2_fe1a_7f9b,
        0x8ee7_eb4a_7c0f_9e16,
        0x2bce_3357_6b31_5ece,
        0xcbb6_4068_37bf_51f5,
    ]),
};

impl Affine {
    pub(super) const fn to_jacobian(self) -> Jacobian {
        Jacobian {
            x: self.x,
            y: self.y,
            z: FieldElement::ONE,
        }
    }

    #[cfg(feature = "es256-table")]
    pub(super) const fn neg(self) -> Affine {
        Affine {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

impl Jacobian {
    pub(super) const INFINITY: Jacobian = Jacobian {
        x: FieldElement::ONE,
        y: FieldElement::ONE,
        z: FieldElement::ZERO,
    };

    pub(super) fn is_infinity(&self) -> bool {
        bool::from(self.z.is_zero())
    }

    pub(super) const fn neg(self) -> Jacobian {
        Jacobian {
            x: self.x,
            y: self.y.neg(),
            z: self.z,
        }
    }

    /// `2P`, dbl-2001-b (3M + 5S) with `Z3 = 2 Y Z` and `8 gamma^2 = 2 (2 gamma)^2`: p256's
    /// squaring costs a multiplication, its additions a third of one, so fewer additions win.
    /// Infinity stays infinity (`Z3 = 2 Y Z = 0`); no point of P-256 has `Y = 0`, its order
    /// being odd.
    pub(super) const fn double(&self) -> Jacobian {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.multiply(&gamma);
        let t = self.x.sub(&delta).multiply(&self.x.add(&delta));
        let alpha = t.double().add(&t);
        let beta4 = beta.double().double();
        let x3 = alpha.square().sub(&beta4.double());
        let z3 = self.y.multiply(&self.z).double();
        let y3 = alpha
            .multiply(&beta4.sub(&x3))
            .sub(&gamma.double().square().double());
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `P + Q`, add-2007-bl (11M + 5S), for points known to be finite, distinct and not
    /// opposite: the table of multiples of G, built by the compiler.
    #[cfg(feature = "es256-table")]
    pub(super) const fn add_distinct(&self, q: &Jacobian) -> Jacobian {
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.multiply(&z2z2);
        let u2 = q.x.multiply(&z1z1);
        let s1 = self.y.multiply(&q.z).multiply(&z2z2);
        let s2 = q.y.multiply(&self.z).multiply(&z1z1);
        let h = u2.sub(&u1);
        let rr = s2.sub(&s1).double();
        self.add_tail(q, z1z1, z2z2, u1, s1, h, rr)
    }

    /// `P + Q` for any points (add-2007-bl with its exceptions handled).
    pub(super) fn add(&self, q: &Jacobian) -> Jacobian {
        if self.is_infinity() {
            return *q;
        }
        if q.is_infinity() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.multiply(&z2z2);
        let u2 = q.x.multiply(&z1z1);
        let s1 = self.y.multiply(&q.z).multiply(&z2z2);
        let s2 = q.y.multiply(&self.z).multiply(&z1z1);
        let h = u2.sub(&u1);
        let rr = s2.sub(&s1).double();
        if bool::from(h.is_zero()) {
            // Same x: P = Q or P = -Q.
            return if bool::from(rr.is_zero()) {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        self.add_tail(q, z1z1, z2z2, u1, s1, h, rr)
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the shared second half of add-2007-bl, fed the first half's values"
    )]
    const fn add_tail(
        &self,
        q: &Jacobian,
        z1z1: FieldElement,
        z2z2: FieldElement,
        u1: FieldElement,
        s1: FieldElement,
        h: FieldElement,
        rr: FieldElement,
    ) -> Jacobian {
        let i = h.double().square();
        let j = h.multiply(&i);
        let v = u1.multiply(&i);
        let x3 = rr.square().sub(&j).sub(&v.double());
        let y3 = rr.multiply(&v.sub(&x3)).sub(&s1.multiply(&j).double());
        let z3 = self.z.add(&q.z).square().sub(&z1z1).sub(&z2z2).multiply(&h);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `P + Q` with `Q` affine, madd-2007-bl (7M + 4S), exceptions handled.
    #[cfg(feature = "es256-table")]
    pub(super) fn add_affine(&self, q: &Affine) -> Jacobian {
        if self.is_infinity() {
            return q.to_jacobian();
        }
        let z1z1 = self.z.square();
        let u2 = q.x.multiply(&z1z1);
        let s2 = q.y.multiply(&self.z).multiply(&z1z1);
        let h = u2.sub(&self.x);
        let rr = s2.sub(&self.y).double();
        if bool::from(h.is_zero()) {
            return if bool::from(rr.is_zero()) {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.multiply(&i);
        let v = self.x.multiply(&i);
        let x3 = rr.square().sub(&j).sub(&v.double());
        let y3 = rr.multiply(&v.sub(&x3)).sub(&self.y.multiply(&j).double());
        let z3 = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// The affine point, for a finite point, at compile time (`Z^-1` by Fermat, the chain p256
    /// uses; p256's own `invert` is not `const`).
    #[cfg(feature = "es256-table")]
    pub(super) const fn to_affine(self) -> Affine {
        let zi = invert(&self.z);
        let zi2 = zi.square();
        Affine {
            x: self.x.multiply(&zi2),
            y: self.y.multiply(&zi2.multiply(&zi)),
        }
    }
}

/// `a^(p-2)`, p256's addition chain for it.
#[cfg(feature = "es256-table")]
const fn invert(a: &FieldElement) -> FieldElement {
    let t111 = a.multiply(&a.multiply(&a.square()).square());
    let t111111 = t111.multiply(&sqn(&t111, 3));
    let x15 = sqn(&sqn(&t111111, 6).multiply(&t111111), 3).multiply(&t111);
    let x16 = x15.square().multiply(a);
    let i53 = sqn(&sqn(&x16, 16).multiply(&x16), 15);
    let x47 = x15.multiply(&i53);
    let t = sqn(&sqn(&i53, 17).multiply(a), 143).multiply(&x47);
    sqn(&x47.multiply(&sqn(&t, 47)), 2).multiply(a)
}

/// `a^(2^n)`.
#[cfg(feature = "es256-table")]
const fn sqn(a: &FieldElement, n: usize) -> FieldElement {
    let mut x = *a;
    let mut i = 0;
    while i < n {
        x = x.square();
        i += 1;
    }
    x
}
