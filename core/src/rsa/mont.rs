//! Variable-time Montgomery arithmetic over an odd modulus, on the first
//! `len` limbs of fixed-capacity buffers (or of `[L; N]` arrays for the
//! common sizes). All slices passed between these functions have exactly
//! `len` limbs; each column takes checked sub-slices once (`get`) and the
//! products iterate with `zip`, so there is no per-limb bounds check.

use super::limb::Limb;

mod padded;

use padded::pow_padded;

/// Odd modulus `n` with `n0 = -n^-1 mod 2^w`, `R = 2^(w * len)`, computed
/// once at key load.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Modulus<L: Limb> {
    n: L::Buf,
    n0: L,
    len: usize,
}

impl<L: Limb> Modulus<L> {
    /// No modulus (`len` 0): the placeholder a key is built over in place.
    pub(crate) const EMPTY: Self = Modulus {
        n: L::ZERO_BUF,
        n0: L::ZERO,
        len: 0,
    };

    /// Sets this modulus to `n`, in place (a key is over 1 KB with its
    /// constants; building it in place keeps it off the stack). `n` is
    /// big-endian without leading zeros, odd, and at most 4096 bits (the
    /// caller checks); returns `None` otherwise rather than panicking, and
    /// leaves `self` empty.
    pub(crate) fn init(&mut self, n_be: &[u8]) -> Option<()> {
        *self = Self::EMPTY;
        let top = *n_be.first()?;
        let low = *n_be.last()?;
        if top == 0 || low & 1 == 0 {
            return None;
        }
        let len = n_be.len().div_ceil(L::BYTES);
        let n = self.n.as_mut().get_mut(..len)?;
        load_be(n_be, n);
        self.n0 = neg_inv(n.first().copied()?);
        self.len = len;
        Some(())
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

    /// `s^e K_e mod n` for odd `e >= 3` and `s < n`, written to `out` (all
    /// `len` limbs), where `K_e = R^-c(e)` ([`scale_exponent`]) depends only
    /// on `e` and `n`: the square-and-multiply chain runs on the plain `s`,
    /// never converted into Montgomery form, and every Montgomery step
    /// leaves its `1/R` in the result. That saves the conversion, one full
    /// multiplication in eighteen for e = 65537; the caller compares with
    /// an expected value scaled by the same `K_e` ([`Self::scaled_constants`]).
    ///
    /// The common sizes (2048, 3072 and 4096 bits in whole limbs) run on
    /// fixed-length arrays so that every loop bound and slice range is a
    /// compile-time function of the column index: that removes most
    /// bounds checks and loop set-up (~12% at 2048 bits for u64). For u64
    /// limbs they run [`pow_padded`] (reversed operands, two accumulators;
    /// another ~15%). Other lengths use the same code on runtime-length
    /// slices.
    pub(crate) fn pow_scaled(&self, out: &mut [L], s: &[L], e: u32) {
        let len = self.len;
        let n = self.n();
        let Some(s) = s.get(..len) else {
            return;
        };
        if e & 1 == 0 || e < 3 || out.len() != len {
            return;
        }
        // Firmware counts flash in kilobytes: there, one runtime-length body serves every size.
        let fixed = if cfg!(target_os = "none") {
            None
        } else {
            match (L::BITS, len) {
                (64, 32) => pow_padded::<L, 32, 36>(out, s, n, self.n0, e),
                (64, 48) => pow_padded::<L, 48, 52>(out, s, n, self.n0, e),
                (64, 64) => pow_padded::<L, 64, 68>(out, s, n, self.n0, e),
                (32, 64) if L::POW_2048 => L::pow_2048(out, s, n, self.n0, e),
                (32, 64) => pow_fixed::<L, 64>(out, s, n, self.n0, e),
                // wasm32: 2048 bits (every Cognito key) on fixed arrays, other sizes on the
                // runtime-length body: a module counts its bytes.
                _ if cfg!(target_arch = "wasm32") => None,
                (32, 96) => pow_fixed::<L, 96>(out, s, n, self.n0, e),
                (32, 128) => pow_fixed::<L, 128>(out, s, n, self.n0, e),
                _ => None,
            }
        };
        if fixed.is_some() {
            return;
        }
        let mut b1 = L::ZERO_BUF;
        let mut b2 = L::ZERO_BUF;
        if let (Some(b1), Some(b2)) = (b1.as_mut().get_mut(..len), b2.as_mut().get_mut(..len)) {
            pow_body::<L, true>(out, s, n, self.n0, e, b1, b2);
        }
    }

    /// Load-time constants for checking `s^e = c0 + h (mod n)` with
    /// [`Self::pow_scaled`], where `c0` is fixed and `h` is short (`h_len`
    /// limbs): `d1` holds `c0` (below n) on entry and `c0 K_e mod n` on
    /// return, `d2` gets `K_e 2^(w h_len) mod n`, so that
    /// [`Self::scaled_target`] gives `(c0 + h) K_e mod n` for the cost of a
    /// `h_len`-by-`len` product. All slices `len` limbs; two scratch
    /// buffers, because this runs on microcontrollers too.
    pub(crate) fn scaled_constants(
        &self,
        e: u32,
        h_len: usize,
        d1: &mut [L],
        d2: &mut [L],
    ) -> Option<()> {
        let len = self.len;
        let n = self.n();
        if d1.len() != len || d2.len() != len || h_len >= len {
            return None;
        }
        let mut a = L::ZERO_BUF;
        let mut b = L::ZERO_BUF;
        let (a, b) = (a.as_mut().get_mut(..len)?, b.as_mut().get_mut(..len)?);
        // K_e is the scaled power of 1; it waits in d2.
        *a.first_mut()? = L::ONE;
        self.pow_scaled(d2, a, e);
        a.fill(L::ZERO);
        compute_rr(a, n, self.n0)?;
        // Mont(Mont(c0, K), R^2) = c0 K.
        mont_mul_once(b, d1, d2, n, self.n0);
        mont_mul_once(d1, b, a, n, self.n0);
        // Mont(Mont(K, R^2), 2^(w h_len)) = K 2^(w h_len); the power of two is below n.
        mont_mul_once(b, d2, a, n, self.n0);
        a.fill(L::ZERO);
        *a.get_mut(h_len)? = L::ONE;
        mont_mul_once(d2, b, a, n, self.n0);
        Some(())
    }

    /// `(d1 + h d2 / 2^(w h.len())) mod n` into `out`: with the constants
    /// of [`Self::scaled_constants`], `(c0 + h) K_e mod n`. Product scanning
    /// of `h d2 + m n` with only `h.len()` reduction steps (`m` has that many
    /// limbs), then one modular addition.
    pub(crate) fn scaled_target(&self, out: &mut [L], d1: &[L], d2: &[L], h: &[L]) {
        const MAX_H: usize = 8;
        let len = self.len;
        let n = self.n();
        let hl = h.len();
        if out.len() != len || d1.len() != len || d2.len() != len || hl > MAX_H || hl >= len {
            return;
        }
        let Some(&n_first) = n.first() else {
            return;
        };
        let mut m = [L::ZERO; MAX_H];
        let mut acc = L::ACC_ZERO;
        for k in 0..len + hl {
            // Column k: h_i d2_(k-i) and m_i n_(k-i) for the i that exist.
            for (i, &hi) in h.iter().enumerate().take(k + 1) {
                if let Some(&d) = d2.get(k - i) {
                    acc = L::acc_mac(acc, hi, d);
                }
            }
            for (i, &mi) in m.iter().enumerate().take(k.min(hl)) {
                if let Some(&nk) = n.get(k - i) {
                    acc = L::acc_mac(acc, mi, nk);
                }
            }
            if k < hl {
                let mk = L::acc_low(acc).wrapping_mul(self.n0);
                acc = L::acc_mac(acc, mk, n_first);
                if let Some(slot) = m.get_mut(k) {
                    *slot = mk;
                }
            } else if let Some(slot) = out.get_mut(k - hl) {
                *slot = L::acc_low(acc);
            }
            acc = L::acc_shift(acc);
        }
        reduce_once(out, L::acc_low(acc), n);
        let carry = add_assign(out, d1);
        reduce_once(out, carry, n);
    }
}

/// The `c` of [`Modulus::pow_scaled`]'s `K_e = R^-c`: each Montgomery
/// squaring doubles it and adds one, each multiplication by `s` adds one
/// (65537 gives 65536).
#[cfg(test)]
pub(crate) fn scale_exponent(e: u32) -> u64 {
    let top = 31 - e.leading_zeros();
    let mut c = 0u64;
    for bit in (1..top).rev() {
        c = 2 * c + 1;
        if (e >> bit) & 1 == 1 {
            c += 1;
        }
    }
    2 * c + 1 + 1
}

/// `xs = R^2 mod n` (`xs` zeroed, as long as `n`): double 2^(bits-1)
/// (< n) up to R mod n, which is 2^0 in Montgomery form, then build
/// 2^(w*len) in Montgomery form by square-and-double over the bits of
/// w*len. ~12 squarings instead of thousands of modular doublings.
fn compute_rr<L: Limb>(xs: &mut [L], n: &[L], n0: L) -> Option<()> {
    let len = n.len();
    if xs.len() != len {
        return None;
    }
    let r_bits = len.checked_mul(L::BITS as usize)?;
    let bits = r_bits.checked_sub(n.last()?.leading_zeros() as usize)?;
    let top = bits.checked_sub(1)?;
    let bits_per_limb = L::BITS as usize;
    let shift = u32::try_from(top % bits_per_limb).ok()?;
    *xs.get_mut(top / bits_per_limb)? = L::ONE << shift;
    for _ in 0..r_bits.checked_sub(top)? {
        double_mod(xs, n);
    }
    // xs = R mod n = Mont(2^0). Now exponent t: 2^t R mod n.
    let mut tmp = L::ZERO_BUF;
    let ts = tmp.as_mut().get_mut(..len)?;
    let hi_bit = usize::BITS - 1 - r_bits.leading_zeros();
    double_mod(xs, n); // t = 1 (top bit of r_bits)
    for bit in (0..hi_bit).rev() {
        mont_sqr_once(ts, xs, n, n0);
        xs.copy_from_slice(ts);
        if (r_bits >> bit) & 1 == 1 {
            double_mod(xs, n);
        }
    }
    Some(())
}

/// [`Modulus::pow_scaled`] with `N` limbs known at compile time; `None` if a
/// slice does not have exactly `N` limbs.
#[inline(never)]
fn pow_fixed<L: Limb, const N: usize>(
    out: &mut [L],
    s: &[L],
    n: &[L],
    n0: L,
    e: u32,
) -> Option<()> {
    let out: &mut [L; N] = out.try_into().ok()?;
    let s: &[L; N] = s.try_into().ok()?;
    let n: &[L; N] = n.try_into().ok()?;
    let mut b1 = [L::ZERO; N];
    let mut b2 = [L::ZERO; N];
    pow_body::<L, false>(out, s, n, n0, e, &mut b1, &mut b2);
    Some(())
}

/// Adds `sum x_t y_t` over equal-length slices of even length to a pair
/// of accumulators, even products to the first and odd to the second:
/// two independent add/adc chains run ~15% faster than one on x86_64.
/// (Four products per iteration measured slower: LLVM then copies the
/// accumulators around instead of adding in place, and spills.)
#[cfg_attr(not(target_os = "none"), inline(always))]
pub(super) fn dot_pairs<L: Limb>(acc: (L::Acc, L::Acc), x: &[L], y: &[L]) -> (L::Acc, L::Acc) {
    let (mut acc0, mut acc1) = acc;
    for (xs, ys) in x.chunks_exact(2).zip(y.chunks_exact(2)) {
        if let ([x0, x1], [y0, y1]) = (xs, ys) {
            acc0 = L::acc_mac(acc0, *x0, *y0);
            acc1 = L::acc_mac(acc1, *x1, *y1);
        }
    }
    (acc0, acc1)
}

/// Left-to-right square-and-multiply over equal-length slices on the plain
/// `s` (`cur`, `nxt` are scratch): every Montgomery step divides by `R`, so
/// the result is `s^e R^-c(e)` ([`Modulus::pow_scaled`]). For e = 65537
/// that is 16 squarings and 1 multiplication. `SHARED`: call the one shared
/// copy of each step instead of inlining them (runtime lengths).
#[cfg_attr(not(target_os = "none"), inline(always))]
fn pow_body<'a, L: Limb, const SHARED: bool>(
    out: &mut [L],
    s: &[L],
    n: &[L],
    n0: L,
    e: u32,
    mut cur: &'a mut [L],
    mut nxt: &'a mut [L],
) {
    for (c, &x) in cur.iter_mut().zip(s.iter()) {
        *c = x;
    }
    let top = 31 - e.leading_zeros();
    // Inlined bodies where the length is a constant (pow_fixed), shared ones elsewhere.
    let sqr = |r: &mut [L], a: &[L]| {
        if SHARED {
            mont_sqr_once(r, a, n, n0);
        } else {
            mont_sqr(r, a, n, n0);
        }
    };
    let mul = |r: &mut [L], a: &[L]| {
        if SHARED {
            mont_mul_once(r, a, s, n, n0);
        } else {
            mont_mul(r, a, s, n, n0);
        }
    };
    for bit in (1..top).rev() {
        sqr(nxt, cur);
        core::mem::swap(&mut cur, &mut nxt);
        if (e >> bit) & 1 == 1 {
            mul(nxt, cur);
            core::mem::swap(&mut cur, &mut nxt);
        }
    }
    sqr(nxt, cur);
    mul(out, nxt);
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
#[cfg(test)]
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

/// `a += b` over equal-length slices; returns the carry out.
#[inline]
fn add_assign<L: Limb>(a: &mut [L], b: &[L]) -> L {
    let mut carry = L::ZERO;
    for (x, &y) in a.iter_mut().zip(b) {
        (*x, carry) = L::adc(*x, y, carry);
    }
    carry
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
pub(super) fn reduce_once<L: Limb>(r: &mut [L], top: L, n: &[L]) {
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

/// Adds column `k` of `a²`: the cross products `ai · aj` twice, and the diagonal `a[k/2]²` when
/// `k` is even.
#[cfg_attr(not(target_os = "none"), inline(always))]
fn square_column<L: Limb>(acc: L::Acc, a: &[L], k: usize, ai: &[L], aj: &[L]) -> L::Acc {
    let mut acc = L::acc_add_twice(acc, dot(L::ACC_ZERO, ai, aj));
    if k & 1 == 0 {
        if let Some(&d) = a.get(k / 2) {
            acc = L::acc_mac(acc, d, d);
        }
    }
    acc
}

/// `acc + sum x_i y_(len-1-i)` over equal-length slices: one column of a
/// product. Unrolled by four by hand (LLVM does not unroll loops with a
/// runtime trip count on x86).
#[cfg_attr(not(target_os = "none"), inline(always))]
pub(super) fn dot<L: Limb>(acc: L::Acc, x: &[L], y: &[L]) -> L::Acc {
    let body = x.len() - x.len() % 4;
    let (Some((xb, xr)), Some((yr, yb))) =
        (x.split_at_checked(body), y.split_at_checked(y.len() - body))
    else {
        return acc;
    };
    let mut acc = L::acc_dot_rev4(acc, xb, yb);
    for (&a, &b) in xr.iter().zip(yr.iter().rev()) {
        acc = L::acc_mac(acc, a, b);
    }
    acc
}

/// [`mont_mul`] as one shared function: key loading needs it a few times, and
/// its bytes matter more there (a wasm module, firmware flash) than a call.
#[inline(never)]
fn mont_mul_once<L: Limb>(r: &mut [L], a: &[L], b: &[L], n: &[L], n0: L) {
    mont_mul(r, a, b, n, n0);
}

/// [`mont_sqr`] as one shared function (see [`mont_mul_once`]).
#[inline(never)]
fn mont_sqr_once<L: Limb>(r: &mut [L], a: &[L], n: &[L], n0: L) {
    mont_sqr(r, a, n, n0);
}

/// Montgomery product `r = a b / R mod n` for `a, b < n`, by product
/// scanning (FIPS): column `k` of `a b + m n` is summed in a three-limb
/// accumulator, `m_k` is chosen to clear the column's low limb (k < len),
/// and the upper columns give the result. Each product costs one multiply
/// and three additions with no carry chain between limbs, which is what
/// lets the CPU overlap them. The quotient digits `m_k` live in `r` until
/// overwritten by result limbs they are no longer needed for.
#[cfg_attr(not(target_os = "none"), inline(always))]
pub(crate) fn mont_mul<L: Limb>(r: &mut [L], a: &[L], b: &[L], n: &[L], n0: L) {
    let len = n.len();
    if a.len() != len || b.len() != len || r.len() != len {
        return;
    }
    let (Some(&n_first), Some(&b_first)) = (n.first(), b.first()) else {
        return;
    };
    let mut acc = L::ACC_ZERO;
    for k in 0..len {
        // a_i b_{k-i} for i < k, m_i n_{k-i} for i < k, then a_k b_0.
        let (Some(ai), Some(bj), Some(mi), Some(nj), Some(&ak)) =
            (a.get(..k), b.get(1..=k), r.get(..k), n.get(1..=k), a.get(k))
        else {
            return;
        };
        acc = dot(dot(acc, ai, bj), mi, nj);
        acc = L::acc_mac(acc, ak, b_first);
        let m = L::acc_low(acc).wrapping_mul(n0);
        acc = L::acc_shift(L::acc_mac(acc, m, n_first));
        if let Some(slot) = r.get_mut(k) {
            *slot = m;
        }
    }
    for lo in 1..len {
        // Column len - 1 + lo: i from lo to len - 1.
        let (Some(ai), Some(bj), Some(mi), Some(nj)) =
            (a.get(lo..), b.get(lo..), r.get(lo..), n.get(lo..))
        else {
            return;
        };
        acc = dot(dot(acc, ai, bj), mi, nj);
        if let Some(slot) = r.get_mut(lo - 1) {
            *slot = L::acc_low(acc);
        }
        acc = L::acc_shift(acc);
    }
    let top = L::acc_low(L::acc_shift(acc));
    if let Some(slot) = r.last_mut() {
        *slot = L::acc_low(acc);
    }
    reduce_once(r, top, n);
}

/// Montgomery square `r = a^2 / R mod n`, product scanning like
/// [`mont_mul`]; each column's cross products `a_i a_j` (i < j) are summed
/// once and doubled.
#[cfg_attr(not(target_os = "none"), inline(always))]
pub(crate) fn mont_sqr<L: Limb>(r: &mut [L], a: &[L], n: &[L], n0: L) {
    let len = n.len();
    if a.len() != len || r.len() != len {
        return;
    }
    let Some(&n_first) = n.first() else {
        return;
    };
    let mut acc = L::ACC_ZERO;
    for k in 0..len {
        let h = k.div_ceil(2);
        let (Some(ai), Some(aj), Some(mi), Some(nj)) =
            (a.get(..h), a.get(k + 1 - h..=k), r.get(..k), n.get(1..=k))
        else {
            return;
        };
        acc = square_column(acc, a, k, ai, aj);
        acc = dot(acc, mi, nj);
        let m = L::acc_low(acc).wrapping_mul(n0);
        acc = L::acc_shift(L::acc_mac(acc, m, n_first));
        if let Some(slot) = r.get_mut(k) {
            *slot = m;
        }
    }
    for lo in 1..len {
        let k = len - 1 + lo;
        // Cross terms i from lo while i < k - i.
        let h = k.div_ceil(2).saturating_sub(lo);
        let (Some(ai), Some(aj), Some(mi), Some(nj)) = (
            a.get(lo..lo + h),
            a.get(k + 1 - lo - h..=k - lo),
            r.get(lo..),
            n.get(lo..),
        ) else {
            return;
        };
        acc = square_column(acc, a, k, ai, aj);
        acc = dot(acc, mi, nj);
        if let Some(slot) = r.get_mut(lo - 1) {
            *slot = L::acc_low(acc);
        }
        acc = L::acc_shift(acc);
    }
    let top = L::acc_low(L::acc_shift(acc));
    if let Some(slot) = r.last_mut() {
        *slot = L::acc_low(acc);
    }
    reduce_once(r, top, n);
}
