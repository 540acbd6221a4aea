//! [`Modulus::pow_scaled`](super::mont::Modulus::pow_scaled) at 2048 bits on 32-bit limbs in
//! vectors of four: wasm SIMD on wasm32 with `simd128`, the same arithmetic on plain arrays
//! elsewhere (the host's tests run every index of this file).
//!
//! Why a layout of its own: a column of product scanning starts at any limb, so the slice-based
//! columns of [`super::mont`] have LLVM gather each vector from scalar lane loads (eight a step of
//! four products, more than the multiplies). Here every operand is whole vectors: the first factor
//! (and the quotient digits `m`) in order, `[x0 x1 x2 x3] [x4 ..] ..`; the second factor and the
//! modulus as a [`Table`]: four copies reversed and shifted by 0..=3 limbs, with zeros beyond both
//! ends. Column `k` is then a run of aligned vectors times aligned vectors, whatever `k`, and the
//! zeros cancel the products outside the column. Otherwise the same steps as
//! [`super::mont::mont_mul`] and [`super::mont::mont_sqr`], so the same result limb for limb.

use super::mont::reduce_once;
use lanes::{Quad, Sums};

/// Limbs (2048 bits).
const N: usize = 64;
/// Vectors of four limbs.
const V: usize = N / 4;

/// `t[r][j]` = `[x(c), x(c-1), x(c-2), x(c-3)]` with `c = 4 (V - j) + r` and `x(i) = 0` outside
/// `0..N`. Column `k = 4 u + r` pairs vector `q` of the first factor (limbs `4q..4q+4`) with
/// `t[r][V - u + q]`: limbs `k - 4q`, `k - 4q - 1`, ... of the second.
type Table = [[Quad; V + 1]; 4];

/// Scalar column accumulator, the value `lo + hi 2^32` (both far below 2^64).
#[derive(Clone, Copy)]
struct Acc {
    lo: u64,
    hi: u64,
}

impl Acc {
    const ZERO: Self = Self { lo: 0, hi: 0 };

    #[inline(always)]
    fn mac(self, a: u32, b: u32) -> Self {
        let p = u64::from(a) * u64::from(b);
        Self {
            lo: self.lo + (p & 0xffff_ffff),
            hi: self.hi + (p >> 32),
        }
    }

    #[inline(always)]
    fn add(self, (lo, hi): (u64, u64)) -> Self {
        Self {
            lo: self.lo + lo,
            hi: self.hi + hi,
        }
    }

    #[expect(clippy::cast_possible_truncation, reason = "the low limb")]
    #[inline(always)]
    fn low(self) -> u32 {
        self.lo as u32
    }

    /// `self >> 32`.
    #[inline(always)]
    fn shift(self) -> Self {
        Self {
            lo: (self.lo >> 32) + self.hi,
            hi: 0,
        }
    }
}

/// `s^e R^-c(e) mod n` into `out`, as [`super::mont::Modulus::pow_scaled`], for odd `e >= 3`.
pub(super) fn pow(out: &mut [u32; N], s: &[u32; N], n: &[u32; N], n0: u32, e: u32) {
    let mut tn = [[Quad::ZERO; V + 1]; 4];
    let mut ts = [[Quad::ZERO; V + 1]; 4];
    table(n, &mut tn);
    table(s, &mut ts);
    let mut scratch = Scratch {
        a: [Quad::ZERO; V],
        ta: [[Quad::ZERO; V + 1]; 4],
        m: [0; N],
        mv: [Quad::ZERO; V],
    };
    let mut cur = *s;
    let mut nxt = [0; N];
    let top = 31 - e.leading_zeros();
    for bit in (1..top).rev() {
        sqr(&mut nxt, &cur, &tn, n, n0, &mut scratch);
        core::mem::swap(&mut cur, &mut nxt);
        if (e >> bit) & 1 == 1 {
            mul(&mut nxt, &cur, &ts, &tn, n, n0, &mut scratch);
            core::mem::swap(&mut cur, &mut nxt);
        }
    }
    sqr(&mut nxt, &cur, &tn, n, n0, &mut scratch);
    mul(out, &nxt, &ts, &tn, n, n0, &mut scratch);
}

/// Working space of a product, kept across products (a table is 1 KB).
struct Scratch {
    /// The first factor as vectors.
    a: [Quad; V],
    /// The factor being squared, as a [`Table`].
    ta: Table,
    /// Quotient digits, and as vectors (lanes not yet computed are zero).
    m: [u32; N],
    mv: [Quad; V],
}

impl Scratch {
    /// Column k meets n(0) in digit lane k before `m_k` is known: digits not yet computed must
    /// read zero, not the previous product's.
    fn clear_m(&mut self) {
        self.m = [0; N];
        self.mv = [Quad::ZERO; V];
    }
}

/// `x` as a [`Table`].
fn table(x: &[u32; N], t: &mut Table) {
    // x at offset 4, so that x(-3)..x(N + 3) are all in range.
    let mut p = [0u32; N + 8];
    for (d, &v) in p.iter_mut().skip(4).zip(x) {
        *d = v;
    }
    for (r, row) in t.iter_mut().enumerate() {
        for (j, q) in row.iter_mut().enumerate() {
            // p[c + 4] is x(c).
            let c = 4 * (V - j) + r;
            if let Some(&[x3, x2, x1, x0]) = p.get(c + 1..c + 5) {
                *q = Quad::new(x0, x1, x2, x3);
            }
        }
    }
}

/// `x` as vectors in order.
fn vectors(x: &[u32; N], v: &mut [Quad; V]) {
    for (q, c) in v.iter_mut().zip(x.chunks_exact(4)) {
        if let &[x0, x1, x2, x3] = c {
            *q = Quad::new(x0, x1, x2, x3);
        }
    }
}

/// `sum x_q y_q + u_q v_q` in one pass.
#[inline(always)]
fn dot2(x: &[Quad], y: &[Quad], u: &[Quad], v: &[Quad]) -> (u64, u64) {
    let mut s = Sums::ZERO;
    for ((&a, &b), (&c, &d)) in x.iter().zip(y).zip(u.iter().zip(v)) {
        s = s.mac(a, b).mac(c, d);
    }
    s.halves()
}

/// `2 sum x_q y_q + sum u_q v_q`: a squaring's column, its cross products and its share of
/// `m n`, with one sum of lanes.
#[inline(always)]
fn sqr_dot(x: &[Quad], y: &[Quad], u: &[Quad], v: &[Quad]) -> (u64, u64) {
    let mut c = Sums::ZERO;
    for (&a, &b) in x.iter().zip(y) {
        c = c.mac(a, b);
    }
    let mut s = Sums::ZERO;
    for (&p, &q) in u.iter().zip(v) {
        s = s.mac(p, q);
    }
    s.add_twice(c).halves()
}

/// Column `k < N` sets quotient digit `k`: stored as a limb and in its vector.
#[inline(always)]
fn set_m(scratch: &mut Scratch, k: usize, m: u32) {
    if let Some(slot) = scratch.m.get_mut(k) {
        *slot = m;
    }
    let q = k / 4;
    if let (Some(&[x0, x1, x2, x3]), Some(v)) =
        (scratch.m.get(4 * q..4 * q + 4), scratch.mv.get_mut(q))
    {
        *v = Quad::new(x0, x1, x2, x3);
    }
}

/// Montgomery product `r = a s / R mod n` (`a, s < n`), `s` and `n` as tables; see
/// [`super::mont::mont_mul`].
#[inline(never)]
fn mul(
    r: &mut [u32; N],
    a: &[u32; N],
    ts: &Table,
    tn: &Table,
    n: &[u32; N],
    n0: u32,
    scratch: &mut Scratch,
) {
    vectors(a, &mut scratch.a);
    scratch.clear_m();
    let n_first = n[0];
    let mut acc = Acc::ZERO;
    for k in 0..N {
        let (u, row) = (k / 4, k % 4);
        // Vectors 0..=u; the lanes past k meet zeros of the tables.
        let (Some(x), Some(y), Some(mv), Some(nv)) = (
            scratch.a.get(..=u),
            ts.get(row).and_then(|t| t.get(V - u..)),
            scratch.mv.get(..=u),
            tn.get(row).and_then(|t| t.get(V - u..)),
        ) else {
            return;
        };
        acc = acc.add(dot2(x, y, mv, nv));
        let m = acc.low().wrapping_mul(n0);
        acc = acc.mac(m, n_first).shift();
        set_m(scratch, k, m);
    }
    for lo in 1..N {
        // Column N - 1 + lo: limbs lo..N of the first factor; those below lo meet zeros.
        let k = N - 1 + lo;
        let (u, row, q0) = (k / 4, k % 4, lo / 4);
        let (Some(x), Some(y), Some(mv), Some(nv)) = (
            scratch.a.get(q0..),
            ts.get(row).and_then(|t| t.get(V + q0 - u..)),
            scratch.mv.get(q0..),
            tn.get(row).and_then(|t| t.get(V + q0 - u..)),
        ) else {
            return;
        };
        acc = acc.add(dot2(x, y, mv, nv));
        if let Some(slot) = r.get_mut(lo - 1) {
            *slot = acc.low();
        }
        acc = acc.shift();
    }
    let top = acc.shift().low();
    r[N - 1] = acc.low();
    reduce_once(r, top, n);
}

/// Montgomery square `r = a^2 / R mod n` (`a < n`); see [`super::mont::mont_sqr`]. The cross
/// products `a_i a_(k-i)`, `i < k - i`, are summed once in whole vectors and up to three single
/// products, then doubled.
#[inline(never)]
fn sqr(r: &mut [u32; N], a: &[u32; N], tn: &Table, n: &[u32; N], n0: u32, scratch: &mut Scratch) {
    vectors(a, &mut scratch.a);
    table(a, &mut scratch.ta);
    scratch.clear_m();
    let n_first = n[0];
    let mut acc = Acc::ZERO;
    for k in 0..2 * N - 1 {
        let (u, row) = (k / 4, k % 4);
        // Cross products i in lo..h.
        let lo = k.saturating_sub(N - 1);
        let h = k.div_ceil(2);
        let (q0, q1) = (lo / 4, h / 4);
        // Vectors q0..q1 of cross products and q0.. of m n (for k < N, the lanes past k meet
        // zeros); the vectors before q1 also hold the i below lo, which meet zeros.
        let start = V + q0 - u;
        let (Some(x), Some(y), Some(mv), Some(nv)) = (
            scratch.a.get(q0..q1.max(q0)),
            scratch.ta.get(row).and_then(|t| t.get(start..)),
            scratch.mv.get(q0..=u.min(V - 1)),
            tn.get(row).and_then(|t| t.get(start..)),
        ) else {
            return;
        };
        acc = acc.add(sqr_dot(x, y, mv, nv));
        for i in lo.max(4 * q1)..h {
            if let (Some(&x), Some(&y)) = (a.get(i), a.get(k - i)) {
                acc = acc.mac(x, y).mac(x, y);
            }
        }
        if k % 2 == 0 {
            if let Some(&d) = a.get(k / 2) {
                acc = acc.mac(d, d);
            }
        }
        if k < N {
            let m = acc.low().wrapping_mul(n0);
            acc = acc.mac(m, n_first).shift();
            set_m(scratch, k, m);
        } else {
            if let Some(slot) = r.get_mut(lo - 1) {
                *slot = acc.low();
            }
            acc = acc.shift();
        }
    }
    let top = acc.shift().low();
    r[N - 1] = acc.low();
    reduce_once(r, top, n);
}

/// Four 32-bit lanes and the sums of their products, on wasm SIMD.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::{
        u32x4, u64x2_add, u64x2_extmul_high_u32x4, u64x2_extmul_low_u32x4, u64x2_extract_lane,
        u64x2_shl, u64x2_shr, v128,
    };

    /// Four limbs.
    #[derive(Clone, Copy, Debug)]
    pub(super) struct Quad(v128);

    impl Quad {
        pub(super) const ZERO: Self = Self(u32x4(0, 0, 0, 0));

        #[inline(always)]
        pub(super) fn new(x0: u32, x1: u32, x2: u32, x3: u32) -> Self {
            Self(u32x4(x0, x1, x2, x3))
        }
    }

    /// Sums of products in two 64-bit lanes: `lo` wraps, `hi` sums their high halves.
    #[derive(Clone, Copy)]
    pub(super) struct Sums {
        lo: v128,
        hi: v128,
    }

    impl Sums {
        pub(super) const ZERO: Self = Self {
            lo: u32x4(0, 0, 0, 0),
            hi: u32x4(0, 0, 0, 0),
        };

        /// Adds the four products `a_i b_i` (two widening multiplies).
        #[inline(always)]
        pub(super) fn mac(self, a: Quad, b: Quad) -> Self {
            let p0 = u64x2_extmul_low_u32x4(a.0, b.0);
            let p1 = u64x2_extmul_high_u32x4(a.0, b.0);
            Self {
                lo: u64x2_add(self.lo, u64x2_add(p0, p1)),
                hi: u64x2_add(self.hi, u64x2_add(u64x2_shr(p0, 32), u64x2_shr(p1, 32))),
            }
        }

        /// `self + 2 x` (still exact: see [`super::split`]).
        #[inline(always)]
        pub(super) fn add_twice(self, x: Self) -> Self {
            Self {
                lo: u64x2_add(self.lo, u64x2_shl(x.lo, 1)),
                hi: u64x2_add(self.hi, u64x2_shl(x.hi, 1)),
            }
        }

        /// The total as (sum of the products' low halves, sum of their high halves).
        #[inline(always)]
        pub(super) fn halves(self) -> (u64, u64) {
            let lo =
                u64x2_extract_lane::<0>(self.lo).wrapping_add(u64x2_extract_lane::<1>(self.lo));
            let hi = u64x2_extract_lane::<0>(self.hi) + u64x2_extract_lane::<1>(self.hi);
            super::split(lo, hi)
        }
    }
}

/// [`lanes`] without SIMD: the same lanes and the same sums.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    /// Four limbs.
    #[derive(Clone, Copy, Debug)]
    pub(super) struct Quad([u32; 4]);

    impl Quad {
        pub(super) const ZERO: Self = Self([0; 4]);

        #[inline(always)]
        pub(super) fn new(x0: u32, x1: u32, x2: u32, x3: u32) -> Self {
            Self([x0, x1, x2, x3])
        }
    }

    /// Sums of products in two 64-bit lanes: `lo` wraps, `hi` sums their high halves.
    #[derive(Clone, Copy)]
    pub(super) struct Sums {
        lo: [u64; 2],
        hi: [u64; 2],
    }

    impl Sums {
        pub(super) const ZERO: Self = Self {
            lo: [0; 2],
            hi: [0; 2],
        };

        /// Adds the four products `a_i b_i`: lanes 0 and 2 into lane 0, 1 and 3 into lane 1,
        /// as wasm's widening multiplies pair them.
        #[inline(always)]
        pub(super) fn mac(mut self, a: Quad, b: Quad) -> Self {
            let [a0, a1, a2, a3] = a.0;
            let [b0, b1, b2, b3] = b.0;
            let p = |x: u32, y: u32| u64::from(x) * u64::from(y);
            for (lane, (x, y)) in [(p(a0, b0), p(a2, b2)), (p(a1, b1), p(a3, b3))]
                .into_iter()
                .enumerate()
            {
                if let (Some(lo), Some(hi)) = (self.lo.get_mut(lane), self.hi.get_mut(lane)) {
                    *lo = lo.wrapping_add(x.wrapping_add(y));
                    *hi += (x >> 32) + (y >> 32);
                }
            }
            self
        }

        /// `self + 2 x` (still exact: see [`super::split`]).
        #[inline(always)]
        pub(super) fn add_twice(mut self, x: Self) -> Self {
            for (d, v) in self
                .lo
                .iter_mut()
                .zip(x.lo)
                .chain(self.hi.iter_mut().zip(x.hi))
            {
                *d = d.wrapping_add(v << 1);
            }
            self
        }

        /// The total as (sum of the products' low halves, sum of their high halves).
        #[inline(always)]
        pub(super) fn halves(self) -> (u64, u64) {
            let [l0, l1] = self.lo;
            let [h0, h1] = self.hi;
            super::split(l0.wrapping_add(l1), h0 + h1)
        }
    }
}

/// From the wrapping sum of products `lo` and the sum of their high halves `hi`, the sum of their
/// low halves and `hi`: that sum is below 2^64 (a column has about 2N halves below 2^32, doubled
/// cross products counted twice), so the wrapped difference is it exactly. One addition a product
/// instead of masking each.
#[inline(always)]
fn split(lo: u64, hi: u64) -> (u64, u64) {
    (lo.wrapping_sub(hi << 32), hi)
}
