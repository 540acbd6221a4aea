//! [`Modulus::pow_scaled`] at 2048, 3072 and 4096 bits on u64 limbs: arrays of a length known at
//! compile time, each operand behind `PAD` unused limbs, the second factor of every product and
//! the modulus kept reversed, so that every column is a forward zip summed in two accumulators.
//! Kept apart from the runtime-length arithmetic of [`super`], which it calls only to reduce.

#[cfg(doc)]
use super::{dot_pairs, mont_mul, mont_sqr, Modulus};
use super::{reduce_once, Limb};

/// Unused limbs in front of each operand of [`pow_padded`] (`P = N + PAD`);
/// the offset measured ~0.5-4% faster than none on x86_64 (code and data
/// layout), nothing reads them.
const PAD: usize = 4;

/// [`Modulus::pow_scaled`] for `N` limbs (a multiple of 8) on arrays of
/// `P = N + PAD` limbs, limb `i` at `PAD + i`. The second operand of every
/// product and the modulus are kept reversed, so each column's dot
/// products are forward zips of two contiguous slices, summed in two
/// accumulators ([`dot_pairs`]). `None` if a slice does not have exactly
/// `N` limbs, `P != N + PAD` or `N % 8 != 0`.
#[inline(never)]
pub(super) fn pow_padded<L: Limb, const N: usize, const P: usize>(
    out: &mut [L],
    s: &[L],
    n: &[L],
    n0: L,
    e: u32,
) -> Option<()> {
    if P != N + PAD || N % 8 != 0 {
        return None;
    }
    let out: &mut [L; N] = out.try_into().ok()?;
    let s: &[L; N] = s.try_into().ok()?;
    let n: &[L; N] = n.try_into().ok()?;
    let mut nrev = [L::ZERO; P];
    let mut srev = [L::ZERO; P];
    for ((d, &x), (ds, &y)) in nrev
        .iter_mut()
        .skip(PAD)
        .zip(n.iter().rev())
        .zip(srev.iter_mut().skip(PAD).zip(s.iter().rev()))
    {
        *d = x;
        *ds = y;
    }
    let mut cur = [L::ZERO; P];
    for (d, &x) in cur.iter_mut().skip(PAD).zip(s.iter()) {
        *d = x;
    }
    let mut nxt = [L::ZERO; P];
    let mut tmp = [L::ZERO; P];
    let top = 31 - e.leading_zeros();
    for bit in (1..top).rev() {
        mont_sqr_padded::<L, N, P>(&mut nxt, &cur, &mut tmp, &nrev, n, n0);
        core::mem::swap(&mut cur, &mut nxt);
        if (e >> bit) & 1 == 1 {
            mont_mul_padded::<L, N, P>(&mut nxt, &cur, &srev, &nrev, n, n0);
            core::mem::swap(&mut cur, &mut nxt);
        }
    }
    mont_sqr_padded::<L, N, P>(&mut nxt, &cur, &mut tmp, &nrev, n, n0);
    mont_mul_padded::<L, N, P>(&mut cur, &nxt, &srev, &nrev, n, n0);
    for (d, &x) in out.iter_mut().zip(cur.iter().skip(PAD)) {
        *d = x;
    }
    Some(())
}

/// `rev[PAD + j] = x[PAD + N - 1 - j]` (padding untouched).
#[cfg_attr(not(target_os = "none"), inline(always))]
fn reverse_into<L: Limb, const N: usize, const P: usize>(rev: &mut [L; P], x: &[L; P]) {
    for (d, &v) in rev.iter_mut().skip(PAD).zip(x.iter().skip(PAD).rev()) {
        *d = v;
    }
}

/// `acc + sum x_t y_t` over `x[xe - cnt..xe]` and `y[ye - cnt..ye]`: the
/// first `cnt % 4` products one by one, then by pairs. The callers unroll
/// their column loops by four so that `cnt % 4` is a compile-time
/// constant (no remainder loop). Out-of-range slices add nothing (they do
/// not occur).
#[cfg_attr(not(target_os = "none"), inline(always))]
fn dot_col<L: Limb>(
    acc: (L::Acc, L::Acc),
    x: &[L],
    xe: usize,
    y: &[L],
    ye: usize,
    cnt: usize,
) -> (L::Acc, L::Acc) {
    let rem = cnt % 4;
    let (Some(xs), Some(ys)) = (
        x.get(xe.wrapping_sub(cnt)..xe),
        y.get(ye.wrapping_sub(cnt)..ye),
    ) else {
        return acc;
    };
    let (Some((xh, xb)), Some((yh, yb))) = (xs.split_at_checked(rem), ys.split_at_checked(rem))
    else {
        return acc;
    };
    let (mut a0, mut a1) = acc;
    for (i, (&a, &b)) in xh.iter().zip(yh).enumerate() {
        if i & 1 == 0 {
            a0 = L::acc_mac(a0, a, b);
        } else {
            a1 = L::acc_mac(a1, a, b);
        }
    }
    L::acc_dot4((a0, a1), xb, yb)
}

/// [`mont_mul`] on the arrays of [`pow_padded`]: `r = a b / R mod n`,
/// with `brev` and `nrev` holding `b` and `n` reversed; `n` is the plain
/// modulus. `N` is a multiple of 4.
#[cfg_attr(not(target_os = "none"), inline(always))]
fn mont_mul_padded<L: Limb, const N: usize, const P: usize>(
    r: &mut [L; P],
    a: &[L; P],
    brev: &[L; P],
    nrev: &[L; P],
    n: &[L; N],
    n0: L,
) {
    let n_first = n.first().copied().unwrap_or(L::ZERO);
    let mut acc = L::ACC_ZERO;
    macro_rules! lower {
        ($k:expr) => {{
            let k = $k;
            // a_i b_{k-i} for i <= k: brev[N-1-k+i]; m_i n_{k-i} for i < k.
            let d = dot_col((acc, L::ACC_ZERO), a, PAD + k + 1, brev, PAD + N, k + 1);
            let d = dot_col(d, r, PAD + k, nrev, PAD + N - 1, k);
            acc = L::acc_add(d.0, d.1);
            let m = L::acc_low(acc).wrapping_mul(n0);
            acc = L::acc_shift(L::acc_mac(acc, m, n_first));
            if let Some(slot) = r.get_mut(PAD + k) {
                *slot = m;
            }
        }};
    }
    macro_rules! upper {
        ($lo:expr) => {{
            let lo = $lo;
            // Column N-1+lo: i from lo to N-1, reversed index i-lo.
            let d = dot_col((acc, L::ACC_ZERO), a, PAD + N, brev, PAD + N - lo, N - lo);
            let d = dot_col(d, r, PAD + N, nrev, PAD + N - lo, N - lo);
            acc = L::acc_add(d.0, d.1);
            if let Some(slot) = r.get_mut(PAD + lo - 1) {
                *slot = L::acc_low(acc);
            }
            acc = L::acc_shift(acc);
        }};
    }
    for q in 0..N / 4 {
        lower!(4 * q);
        lower!(4 * q + 1);
        lower!(4 * q + 2);
        lower!(4 * q + 3);
    }
    for q in 0..N / 4 {
        if q > 0 {
            upper!(4 * q);
        }
        upper!(4 * q + 1);
        upper!(4 * q + 2);
        upper!(4 * q + 3);
    }
    let top = L::acc_low(L::acc_shift(acc));
    if let Some(slot) = r.get_mut(PAD + N - 1) {
        *slot = L::acc_low(acc);
    }
    if let Some(rs) = r.get_mut(PAD..) {
        reduce_once(rs, top, n);
    }
}

/// [`mont_sqr`] on the arrays of [`pow_padded`] (`N` a multiple of 4);
/// `arev` is scratch for `a` reversed.
#[cfg_attr(not(target_os = "none"), inline(always))]
fn mont_sqr_padded<L: Limb, const N: usize, const P: usize>(
    r: &mut [L; P],
    a: &[L; P],
    arev: &mut [L; P],
    nrev: &[L; P],
    n: &[L; N],
    n0: L,
) {
    reverse_into::<L, N, P>(arev, a);
    let arev = &*arev;
    let n_first = n.first().copied().unwrap_or(L::ZERO);
    let mut acc = L::ACC_ZERO;
    macro_rules! lower {
        ($k:expr, $even:expr) => {{
            let k = $k;
            // Cross terms a_i a_{k-i}, i < h: arev[N-1-k+i].
            let h = k.div_ceil(2);
            acc = L::acc_add_twice(acc, {
                let d = dot_col(
                    (L::ACC_ZERO, L::ACC_ZERO),
                    a,
                    PAD + h,
                    arev,
                    PAD + N - 1 - k + h,
                    h,
                );
                L::acc_add(d.0, d.1)
            });
            if $even {
                if let Some(&d) = a.get(PAD + k / 2) {
                    acc = L::acc_mac(acc, d, d);
                }
            }
            let d = dot_col((acc, L::ACC_ZERO), r, PAD + k, nrev, PAD + N - 1, k);
            acc = L::acc_add(d.0, d.1);
            let m = L::acc_low(acc).wrapping_mul(n0);
            acc = L::acc_shift(L::acc_mac(acc, m, n_first));
            if let Some(slot) = r.get_mut(PAD + k) {
                *slot = m;
            }
        }};
    }
    macro_rules! upper {
        ($lo:expr, $even:expr) => {{
            let lo = $lo;
            let k = N - 1 + lo;
            // Cross terms i from lo while i < k - i; reversed index i-lo.
            let h = k.div_ceil(2) - lo;
            acc = L::acc_add_twice(acc, {
                let d = dot_col(
                    (L::ACC_ZERO, L::ACC_ZERO),
                    a,
                    PAD + lo + h,
                    arev,
                    PAD + h,
                    h,
                );
                L::acc_add(d.0, d.1)
            });
            if $even {
                if let Some(&d) = a.get(PAD + k / 2) {
                    acc = L::acc_mac(acc, d, d);
                }
            }
            let d = dot_col((acc, L::ACC_ZERO), r, PAD + N, nrev, PAD + N - lo, N - lo);
            acc = L::acc_add(d.0, d.1);
            if let Some(slot) = r.get_mut(PAD + lo - 1) {
                *slot = L::acc_low(acc);
            }
            acc = L::acc_shift(acc);
        }};
    }
    for q in 0..N / 8 {
        let k = 8 * q;
        lower!(k, true);
        lower!(k + 1, false);
        lower!(k + 2, true);
        lower!(k + 3, false);
        lower!(k + 4, true);
        lower!(k + 5, false);
        lower!(k + 6, true);
        lower!(k + 7, false);
    }
    // N even: column N-1+lo is even for odd lo.
    for q in 0..N / 8 {
        let lo = 8 * q;
        if q > 0 {
            upper!(lo, false);
        }
        upper!(lo + 1, true);
        upper!(lo + 2, false);
        upper!(lo + 3, true);
        upper!(lo + 4, false);
        upper!(lo + 5, true);
        upper!(lo + 6, false);
        upper!(lo + 7, true);
    }
    let top = L::acc_low(L::acc_shift(acc));
    if let Some(slot) = r.get_mut(PAD + N - 1) {
        *slot = L::acc_low(acc);
    }
    if let Some(rs) = r.get_mut(PAD..) {
        reduce_once(rs, top, n);
    }
}
