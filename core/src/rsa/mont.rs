//! Variable-time Montgomery arithmetic over an odd modulus, on the first
//! `len` limbs of fixed-capacity buffers. All slices passed between these
//! functions have exactly `len` limbs (`2 * len` for the wide buffer); the
//! loops iterate with `zip` so there is no per-limb bounds check.

use super::limb::Limb;

/// Odd modulus `n` with `n0 = -n^-1 mod 2^w` and `rr = R^2 mod n`,
/// `R = 2^(w * len)`, computed once at key load.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Modulus<L: Limb> {
    n: L::Buf,
    rr: L::Buf,
    n0: L,
    len: usize,
}

impl<L: Limb> Modulus<L> {
    /// `n` is big-endian without leading zeros, odd, and at most 4096 bits
    /// (the caller checks); returns `None` otherwise rather than panicking.
    pub(crate) fn new(n_be: &[u8]) -> Option<Self> {
        let top = *n_be.first()?;
        let low = *n_be.last()?;
        if top == 0 || low & 1 == 0 {
            return None;
        }
        let len = n_be.len().div_ceil(L::BYTES);
        let mut n = L::ZERO_BUF;
        load_be(n_be, n.as_mut().get_mut(..len)?);
        let bits = n_be.len() * 8 - top.leading_zeros() as usize;
        let mut m = Self {
            n,
            rr: L::ZERO_BUF,
            n0: neg_inv(n.as_ref().first().copied()?),
            len,
        };
        m.rr = m.compute_rr(bits)?;
        Some(m)
    }

    /// Limbs in use.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// `s < n` (`s` has `len` limbs).
    pub(crate) fn is_reduced(&self, s: &[L]) -> bool {
        s.len() == self.len && !ge(s, self.n())
    }

    fn n(&self) -> &[L] {
        self.n.as_ref().get(..self.len).unwrap_or(&[])
    }

    /// R^2 mod n: double 2^(bits-1) (< n) up to R mod n, which is 2^0 in
    /// Montgomery form, then build 2^(w*len) in Montgomery form by
    /// square-and-double over the bits of w*len. ~12 squarings instead of
    /// thousands of modular doublings.
    fn compute_rr(&self, bits: usize) -> Option<L::Buf> {
        let len = self.len;
        let n = self.n();
        let r_bits = len.checked_mul(L::BITS as usize)?;
        let mut x = L::ZERO_BUF;
        let xs = x.as_mut().get_mut(..len)?;
        let top = bits.checked_sub(1)?;
        let bits_per_limb = L::BITS as usize;
        let shift = u32::try_from(top % bits_per_limb).ok()?;
        *xs.get_mut(top / bits_per_limb)? = L::ONE << shift;
        for _ in 0..(r_bits - top) {
            double_mod(xs, n);
        }
        // xs = R mod n = Mont(2^0). Now exponent t: 2^t R mod n.
        let mut wide = L::ZERO_WIDE;
        let mut tmp = L::ZERO_BUF;
        let hi_bit = usize::BITS - 1 - r_bits.leading_zeros();
        double_mod(xs, n); // t = 1 (top bit of r_bits)
        for bit in (0..hi_bit).rev() {
            let ts = tmp.as_mut().get_mut(..len)?;
            mont_sqr(ts, xs, n, self.n0, wide.as_mut());
            xs.copy_from_slice(ts);
            if (r_bits >> bit) & 1 == 1 {
                double_mod(xs, n);
            }
        }
        Some(x)
    }

    /// `s^e mod n` for odd `e >= 3`, `s < n`, written to `out` (all `len`
    /// limbs). Left-to-right square-and-multiply; the final multiply uses
    /// the plain `s`, so `Mont(x R, s) = x s` lands in normal form with no
    /// separate conversion out. For e = 65537 that is 1 mul (into
    /// Montgomery form) + 16 squarings + 1 mul.
    pub(crate) fn pow_odd(&self, out: &mut [L], s: &[L], e: u32) {
        let len = self.len;
        let n = self.n();
        let (Some(rr), Some(s)) = (self.rr.as_ref().get(..len), s.get(..len)) else {
            return;
        };
        if e & 1 == 0 || e < 3 || out.len() != len {
            return;
        }
        let mut wide = L::ZERO_WIDE;
        let mut a_buf = L::ZERO_BUF; // s R mod n
        let mut b1 = L::ZERO_BUF;
        let mut b2 = L::ZERO_BUF;
        let (Some(a), Some(mut cur), Some(mut nxt)) = (
            a_buf.as_mut().get_mut(..len),
            b1.as_mut().get_mut(..len),
            b2.as_mut().get_mut(..len),
        ) else {
            return;
        };
        mont_mul(a, s, rr, n, self.n0);
        cur.copy_from_slice(a);
        let top = 31 - e.leading_zeros();
        for bit in (1..top).rev() {
            mont_sqr(nxt, cur, n, self.n0, wide.as_mut());
            core::mem::swap(&mut cur, &mut nxt);
            if (e >> bit) & 1 == 1 {
                mont_mul(nxt, cur, a, n, self.n0);
                core::mem::swap(&mut cur, &mut nxt);
            }
        }
        mont_sqr(nxt, cur, n, self.n0, wide.as_mut());
        mont_mul(out, nxt, s, n, self.n0);
    }
}

/// `-n0^-1 mod 2^w` by Newton iteration (n0 odd: n0 * n0 = 1 mod 8, and each
/// step doubles the correct low bits: 3, 6, 12, 24, 48, 96).
fn neg_inv<L: Limb>(n0: L) -> L {
    let two = L::ONE << 1;
    let mut inv = n0;
    for _ in 0..5 {
        inv = inv.wrapping_mul(two.wrapping_sub(n0.wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

/// Little-endian limbs from big-endian bytes; `out` must be zeroed and
/// long enough (extra bytes are ignored, never a panic).
pub(crate) fn load_be<L: Limb>(bytes: &[u8], out: &mut [L]) {
    for (l, chunk) in out.iter_mut().zip(bytes.rchunks(L::BYTES)) {
        *l = L::from_be_chunk(chunk);
    }
}

/// Big-endian bytes (exactly `out.len()`) from little-endian limbs; limbs
/// beyond `out` are dropped, missing ones leave `out` untouched.
pub(crate) fn store_be<L: Limb>(limbs: &[L], out: &mut [u8]) {
    for (chunk, &l) in out.rchunks_mut(L::BYTES).zip(limbs) {
        l.write_be(chunk);
    }
}

/// `a >= b` for equal-length slices.
#[inline]
pub(crate) fn ge<L: Limb>(a: &[L], b: &[L]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x > y;
        }
    }
    true
}

#[inline]
fn sub_assign<L: Limb>(a: &mut [L], b: &[L]) -> L {
    let mut borrow = L::ZERO;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d, br) = L::sbb(*x, y, borrow);
        *x = d;
        borrow = br;
    }
    borrow
}

/// Final step of every reduction: value is `top:r < 2n`, bring it below n.
#[inline]
fn reduce_once<L: Limb>(r: &mut [L], top: L, n: &[L]) {
    if top != L::ZERO || ge(r, n) {
        sub_assign(r, n);
    }
}

/// `x = 2x mod n` for `x < n`.
fn double_mod<L: Limb>(x: &mut [L], n: &[L]) {
    let mut carry = L::ZERO;
    for v in x.iter_mut() {
        let next = *v >> (L::BITS - 1);
        *v = (*v << 1) | carry;
        carry = next;
    }
    reduce_once(x, carry, n);
}

/// CIOS Montgomery product `r = a b / R mod n` for `a, b < n`. The
/// multiply and reduce carry chains are interleaved in one pass over the
/// limbs, which gives the CPU two independent dependency chains.
pub(crate) fn mont_mul<L: Limb>(r: &mut [L], a: &[L], b: &[L], n: &[L], n0: L) {
    r.fill(L::ZERO);
    let mut top = L::ZERO;
    let (Some((&b0, b_rest)), Some((&n_first, n_rest))) = (b.split_first(), n.split_first()) else {
        return;
    };
    for &ai in a {
        let Some((r0, r_rest)) = r.split_first_mut() else {
            return;
        };
        let (t0, mut c1) = L::mac(*r0, ai, b0, L::ZERO);
        let m = t0.wrapping_mul(n0);
        let (_, mut c2) = L::mac(t0, m, n_first, L::ZERO);
        // Result limb j-1 is written from input limb j (the division by 2^w).
        let mut prev = r0;
        for ((rj, &bj), &nj) in r_rest.iter_mut().zip(b_rest).zip(n_rest) {
            let (x, c) = L::mac(*rj, ai, bj, c1);
            c1 = c;
            let (y, c) = L::mac(x, m, nj, c2);
            c2 = c;
            *prev = y;
            prev = rj;
        }
        let (x, c) = L::adc(top, c1, L::ZERO);
        let (y, c_) = L::adc(x, c2, L::ZERO);
        *prev = y;
        // Running value stays < 2n < 2R, so the top word is 0 or 1.
        top = c | c_;
    }
    reduce_once(r, top, n);
}

/// Montgomery square `r = a^2 / R mod n`: full square computing each cross
/// product once (doubled by a shift, then the diagonal added), followed by
/// a separate word-by-word reduction. `wide` is scratch of >= 2 len limbs.
pub(crate) fn mont_sqr<L: Limb>(r: &mut [L], a: &[L], n: &[L], n0: L, wide: &mut [L]) {
    let len = a.len();
    let Some(t) = wide.get_mut(..2 * len) else {
        return;
    };
    t.fill(L::ZERO);
    // Cross products a_i a_j, i < j, into t[i + j].
    for (i, &ai) in a.iter().enumerate() {
        let (Some(row), Some(rest_a)) = (t.get_mut(2 * i + 1..=i + len), a.get(i + 1..)) else {
            return;
        };
        let Some((top, row)) = row.split_last_mut() else {
            return;
        };
        let mut c = L::ZERO;
        for (tk, &aj) in row.iter_mut().zip(rest_a) {
            let (lo, hi) = L::mac(*tk, ai, aj, c);
            *tk = lo;
            c = hi;
        }
        *top = c;
    }
    // Double and add the squares a_i^2 at t[2i].
    let mut shift = L::ZERO;
    let mut c = L::ZERO;
    for (pair, &ai) in t.chunks_exact_mut(2).zip(a) {
        let (lo, hi) = L::mac(L::ZERO, ai, ai, L::ZERO);
        if let [t0, t1] = pair {
            let d0 = (*t0 << 1) | shift;
            let d1 = (*t1 << 1) | (*t0 >> (L::BITS - 1));
            shift = *t1 >> (L::BITS - 1);
            let (s0, c0) = L::adc(d0, lo, c);
            let (s1, c1) = L::adc(d1, hi, c0);
            *t0 = s0;
            *t1 = s1;
            c = c1;
        }
    }
    // Reduction: one limb of t cleared per row; the row's carry goes into
    // t[i + len] together with the carry left over from the previous row.
    let mut top = L::ZERO;
    for i in 0..len {
        let Some(win) = t.get_mut(i..i + len + 1) else {
            return;
        };
        let Some((last, row)) = win.split_last_mut() else {
            return;
        };
        let Some(&ti) = row.first() else {
            return;
        };
        let m = ti.wrapping_mul(n0);
        let mut c = L::ZERO;
        for (tk, &nk) in row.iter_mut().zip(n) {
            let (lo, hi) = L::mac(*tk, m, nk, c);
            *tk = lo;
            c = hi;
        }
        let (s, c2) = L::adc(*last, c, top);
        *last = s;
        top = c2;
    }
    if let Some(hi) = t.get(len..) {
        for (d, &v) in r.iter_mut().zip(hi) {
            *d = v;
        }
    }
    reduce_once(r, top, n);
}
