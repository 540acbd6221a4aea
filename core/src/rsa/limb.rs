//! Limb abstraction: the Montgomery code is written once against this trait
//! and instantiated for `u64` (u128 products) and `u32` (u64 products).

use core::fmt::Debug;
use core::ops::{BitOr, Shl, Shr};

/// A machine word used as a big-integer digit, plus the fixed-capacity
/// buffer (4096 bits) of that word.
pub(crate) trait Limb:
    Copy + Debug + Eq + Ord + BitOr<Output = Self> + Shl<u32, Output = Self> + Shr<u32, Output = Self>
{
    const BITS: u32;
    const BYTES: usize;
    const ZERO: Self;
    const ONE: Self;
    /// Capacity-sized buffer: 4096 bits.
    type Buf: Copy + Debug + AsRef<[Self]> + AsMut<[Self]>;
    const ZERO_BUF: Self::Buf;

    /// Column accumulator of product scanning: a double word plus an
    /// overflow limb (three limbs in all).
    type Acc: Copy;
    const ACC_ZERO: Self::Acc;
    /// `acc + a * b`.
    fn acc_mac(acc: Self::Acc, a: Self, b: Self) -> Self::Acc;
    /// `acc + x`.
    fn acc_add(acc: Self::Acc, x: Self::Acc) -> Self::Acc;
    /// `acc + 2 * x`.
    fn acc_add_twice(acc: Self::Acc, x: Self::Acc) -> Self::Acc;
    /// Lowest limb.
    fn acc_low(acc: Self::Acc) -> Self;
    /// `acc >> w`.
    fn acc_shift(acc: Self::Acc) -> Self::Acc;
    /// `acc + sum x_t y_(len-1-t)` over equal-length slices whose length is a multiple of 4: the
    /// body of [`dot`](super::mont::dot).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn acc_dot_rev4(mut acc: Self::Acc, x: &[Self], y: &[Self]) -> Self::Acc {
        for (xs, ys) in x.chunks_exact(4).zip(y.rchunks_exact(4)) {
            if let ([x0, x1, x2, x3], [y0, y1, y2, y3]) = (xs, ys) {
                acc = Self::acc_mac(acc, *x0, *y3);
                acc = Self::acc_mac(acc, *x1, *y2);
                acc = Self::acc_mac(acc, *x2, *y1);
                acc = Self::acc_mac(acc, *x3, *y0);
            }
        }
        acc
    }
    /// Adds `sum x_t y_t` over equal-length slices whose length is a multiple of 4 to a pair of
    /// accumulators ([`dot_pairs`](super::mont::dot_pairs) unless a target has better).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn acc_dot4(acc: (Self::Acc, Self::Acc), x: &[Self], y: &[Self]) -> (Self::Acc, Self::Acc) {
        super::mont::dot_pairs::<Self>(acc, x, y)
    }

    /// Whether [`Self::pow_2048`] is this width's exponentiation at 2048 bits.
    const POW_2048: bool = false;
    /// [`Modulus::pow_scaled`](super::mont::Modulus::pow_scaled) at 2048 bits by a kernel of this
    /// width's own; `None` if it has none or a slice is not 2048 bits.
    fn pow_2048(_out: &mut [Self], _s: &[Self], _n: &[Self], _n0: Self, _e: u32) -> Option<()> {
        None
    }

    /// `a - b - borrow` (borrow is 0 or 1) as (difference, borrow out).
    fn sbb(a: Self, b: Self, borrow: Self) -> (Self, Self);
    /// `a + b + carry` (carry is 0 or 1) as (sum, carry out).
    fn adc(a: Self, b: Self, carry: Self) -> (Self, Self);
    /// Leading zero bits.
    fn leading_zeros(self) -> u32;
    fn wrapping_mul(self, rhs: Self) -> Self;
    fn wrapping_neg(self) -> Self;
    fn wrapping_sub(self, rhs: Self) -> Self;
    /// Big-endian bytes, at most `BYTES` of them.
    fn from_be_chunk(chunk: &[u8]) -> Self;
    /// Writes the low `out.len()` bytes big-endian (`out.len() <= BYTES`).
    #[cfg(test)]
    fn write_be(self, out: &mut [u8]);
}

/// The product-scanning accumulator, in the form that compiles best for
/// each width (measured on x86_64): three limbs with an explicit
/// add/adc/adc chain for `u64` (the double-word-plus-overflow form below
/// gets its carries recomputed with SSE shuffles by LLVM once the column
/// loop is unrolled), and double word plus overflow limb for `u32` (where
/// the three-limb chain measured 1.5x slower).
macro_rules! impl_acc {
    (chain, $t:ty, $wide:ty) => {
        type Acc = ($t, $t, $t);
        const ACC_ZERO: Self::Acc = (0, 0, 0);

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_mac(acc: Self::Acc, a: Self, b: Self) -> Self::Acc {
            // Written as an explicit add/adc/adc chain: LLVM turns the
            // equivalent `overflowing_add` on the double word into
            // vectorised carry recomputation once unrolled.
            let p = (a as $wide) * (b as $wide);
            let t = (acc.0 as $wide) + (p as $t as $wide);
            let t2 = (acc.1 as $wide) + (p >> <$t>::BITS) + (t >> <$t>::BITS);
            // At most 2 * limbs products per column: cannot wrap.
            (
                t as $t,
                t2 as $t,
                acc.2.wrapping_add((t2 >> <$t>::BITS) as $t),
            )
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_add(acc: Self::Acc, x: Self::Acc) -> Self::Acc {
            let t = (acc.0 as $wide) + (x.0 as $wide);
            let t2 = (acc.1 as $wide) + (x.1 as $wide) + (t >> <$t>::BITS);
            (
                t as $t,
                t2 as $t,
                acc.2
                    .wrapping_add(x.2)
                    .wrapping_add((t2 >> <$t>::BITS) as $t),
            )
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_add_twice(acc: Self::Acc, x: Self::Acc) -> Self::Acc {
            let d0 = x.0 << 1;
            let d1 = (x.1 << 1) | (x.0 >> (<$t>::BITS - 1));
            let d2 = (x.2 << 1) | (x.1 >> (<$t>::BITS - 1));
            let t = (acc.0 as $wide) + (d0 as $wide);
            let t2 = (acc.1 as $wide) + (d1 as $wide) + (t >> <$t>::BITS);
            (
                t as $t,
                t2 as $t,
                acc.2
                    .wrapping_add(d2)
                    .wrapping_add((t2 >> <$t>::BITS) as $t),
            )
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_low(acc: Self::Acc) -> Self {
            acc.0
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_shift(acc: Self::Acc) -> Self::Acc {
            (acc.1, acc.2, 0)
        }
    };
    (wide, $t:ty, $wide:ty) => {
        type Acc = ($wide, $t);
        const ACC_ZERO: Self::Acc = (0, 0);

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_mac(acc: Self::Acc, a: Self, b: Self) -> Self::Acc {
            let (s, c) = acc.0.overflowing_add((a as $wide) * (b as $wide));
            // At most 2 * limbs products per column: cannot wrap.
            (s, acc.1.wrapping_add(<$t>::from(c)))
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_add(acc: Self::Acc, x: Self::Acc) -> Self::Acc {
            let (s, c) = acc.0.overflowing_add(x.0);
            (s, acc.1.wrapping_add(x.1).wrapping_add(<$t>::from(c)))
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_add_twice(acc: Self::Acc, x: Self::Acc) -> Self::Acc {
            let lo = x.0 << 1;
            let hi = (x.1 << 1) | ((x.0 >> (2 * <$t>::BITS - 1)) as $t);
            let (s, c) = acc.0.overflowing_add(lo);
            (s, acc.1.wrapping_add(hi).wrapping_add(<$t>::from(c)))
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_low(acc: Self::Acc) -> Self {
            acc.0 as $t
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_shift(acc: Self::Acc) -> Self::Acc {
            ((acc.0 >> <$t>::BITS) | ((acc.1 as $wide) << <$t>::BITS), 0)
        }
    };
    (split, $t:ty, $wide:ty) => {
        /// `(lo, hi)` for the value `lo + hi * 2^w`: each product's low half goes to `lo`, its
        /// high half to `hi`, so an accumulation is two additions with no carry to detect, and
        /// the halves of several products add lane by lane (wasm SIMD). Both stay far below
        /// `2^(2w)`: a column has at most `4 * limbs` products.
        type Acc = ($wide, $wide);
        const ACC_ZERO: Self::Acc = (0, 0);

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_mac(acc: Self::Acc, a: Self, b: Self) -> Self::Acc {
            let p = (a as $wide) * (b as $wide);
            (
                acc.0 + (p & (<$t>::MAX as $wide)),
                acc.1 + (p >> <$t>::BITS),
            )
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_add(acc: Self::Acc, x: Self::Acc) -> Self::Acc {
            (acc.0 + x.0, acc.1 + x.1)
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_add_twice(acc: Self::Acc, x: Self::Acc) -> Self::Acc {
            (acc.0 + 2 * x.0, acc.1 + 2 * x.1)
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_low(acc: Self::Acc) -> Self {
            acc.0 as $t
        }

        #[cfg_attr(not(target_os = "none"), inline(always))]
        fn acc_shift(acc: Self::Acc) -> Self::Acc {
            ((acc.0 >> <$t>::BITS) + acc.1, 0)
        }

        const POW_2048: bool = true;

        /// Whole vectors of four limbs ([`super::quad`]).
        fn pow_2048(out: &mut [Self], s: &[Self], n: &[Self], n0: Self, e: u32) -> Option<()> {
            super::quad::pow(
                out.try_into().ok()?,
                s.try_into().ok()?,
                n.try_into().ok()?,
                n0,
                e,
            );
            Some(())
        }

        /// Four products a step with wasm SIMD's widening multiply (`i64x2.extmul_*_i32x4_u`),
        /// their halves summed in two `i64x2` lanes each.
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        #[inline(always)]
        fn acc_dot4(acc: (Self::Acc, Self::Acc), x: &[Self], y: &[Self]) -> (Self::Acc, Self::Acc) {
            use core::arch::wasm32::{
                u32x4, u64x2_add, u64x2_extmul_high_u32x4, u64x2_extmul_low_u32x4,
                u64x2_extract_lane, u64x2_shr, u64x2_splat, v128_and,
            };
            let mask = u64x2_splat(0xffff_ffff);
            let mut lo = u64x2_splat(0);
            let mut hi = u64x2_splat(0);
            for (xs, ys) in x.chunks_exact(4).zip(y.chunks_exact(4)) {
                if let ([x0, x1, x2, x3], [y0, y1, y2, y3]) = (xs, ys) {
                    let a = u32x4(*x0, *x1, *x2, *x3);
                    let b = u32x4(*y0, *y1, *y2, *y3);
                    let p0 = u64x2_extmul_low_u32x4(a, b);
                    let p1 = u64x2_extmul_high_u32x4(a, b);
                    lo = u64x2_add(lo, u64x2_add(v128_and(p0, mask), v128_and(p1, mask)));
                    hi = u64x2_add(hi, u64x2_add(u64x2_shr(p0, 32), u64x2_shr(p1, 32)));
                }
            }
            let l = u64x2_extract_lane::<0>(lo) + u64x2_extract_lane::<1>(lo);
            let h = u64x2_extract_lane::<0>(hi) + u64x2_extract_lane::<1>(hi);
            ((acc.0 .0 + l, acc.0 .1 + h), acc.1)
        }

        /// As `acc_dot4`, `y` reversed (a lane shuffle per four limbs).
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        #[inline(always)]
        fn acc_dot_rev4(acc: Self::Acc, x: &[Self], y: &[Self]) -> Self::Acc {
            use core::arch::wasm32::{
                u32x4, u64x2_add, u64x2_extmul_high_u32x4, u64x2_extmul_low_u32x4,
                u64x2_extract_lane, u64x2_shr, u64x2_splat, v128_and,
            };
            let mask = u64x2_splat(0xffff_ffff);
            let mut lo = u64x2_splat(0);
            let mut hi = u64x2_splat(0);
            for (xs, ys) in x.chunks_exact(4).zip(y.rchunks_exact(4)) {
                if let ([x0, x1, x2, x3], [y0, y1, y2, y3]) = (xs, ys) {
                    let a = u32x4(*x0, *x1, *x2, *x3);
                    let b = u32x4(*y3, *y2, *y1, *y0);
                    let p0 = u64x2_extmul_low_u32x4(a, b);
                    let p1 = u64x2_extmul_high_u32x4(a, b);
                    lo = u64x2_add(lo, u64x2_add(v128_and(p0, mask), v128_and(p1, mask)));
                    hi = u64x2_add(hi, u64x2_add(u64x2_shr(p0, 32), u64x2_shr(p1, 32)));
                }
            }
            let l = u64x2_extract_lane::<0>(lo) + u64x2_extract_lane::<1>(lo);
            let h = u64x2_extract_lane::<0>(hi) + u64x2_extract_lane::<1>(hi);
            (acc.0 + l, acc.1 + h)
        }
    };
}

macro_rules! impl_limb {
    ($t:ty, $wide:ty, $cap:expr, $acc:ident) => {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "splitting a double-width value into its low and high limbs"
        )]
        impl Limb for $t {
            const BITS: u32 = <$t>::BITS;
            const BYTES: usize = core::mem::size_of::<$t>();
            const ZERO: Self = 0;
            const ONE: Self = 1;
            type Buf = [$t; $cap];
            const ZERO_BUF: Self::Buf = [0; $cap];

            impl_acc!($acc, $t, $wide);

            #[cfg_attr(not(target_os = "none"), inline(always))]
            fn sbb(a: Self, b: Self, borrow: Self) -> (Self, Self) {
                let t = (a as $wide)
                    .wrapping_sub(b as $wide)
                    .wrapping_sub(borrow as $wide);
                (t as $t, ((t >> <$t>::BITS) as $t) & 1)
            }

            #[cfg_attr(not(target_os = "none"), inline(always))]
            fn adc(a: Self, b: Self, carry: Self) -> (Self, Self) {
                let t = (a as $wide) + (b as $wide) + (carry as $wide);
                (t as $t, (t >> <$t>::BITS) as $t)
            }

            #[inline]
            fn leading_zeros(self) -> u32 {
                <$t>::leading_zeros(self)
            }

            #[cfg_attr(not(target_os = "none"), inline(always))]
            fn wrapping_mul(self, rhs: Self) -> Self {
                <$t>::wrapping_mul(self, rhs)
            }

            #[cfg_attr(not(target_os = "none"), inline(always))]
            fn wrapping_neg(self) -> Self {
                <$t>::wrapping_neg(self)
            }

            #[cfg_attr(not(target_os = "none"), inline(always))]
            fn wrapping_sub(self, rhs: Self) -> Self {
                <$t>::wrapping_sub(self, rhs)
            }

            #[inline]
            fn from_be_chunk(chunk: &[u8]) -> Self {
                chunk.iter().fold(0, |acc, &b| (acc << 8) | Self::from(b))
            }

            #[cfg(test)]
            fn write_be(self, out: &mut [u8]) {
                let bytes = self.to_be_bytes();
                for (o, b) in out.iter_mut().rev().zip(bytes.iter().rev()) {
                    *o = *b;
                }
            }
        }
    };
}

// 4096-bit capacity in both widths. The u32 accumulator: the split form on wasm32 (measured 1.2x
// faster there without SIMD, and the form SIMD lanes can sum) and in the host's tests, which
// therefore run what wasm runs; double word plus overflow limb on Cortex-M (UMULL/ADDS/ADC), which
// the firmware's own vectors check (embedded/run.sh).
impl_limb!(u64, u128, 64, chain);
#[cfg(any(test, target_arch = "wasm32"))]
impl_limb!(u32, u64, 128, split);
#[cfg(not(any(test, target_arch = "wasm32")))]
impl_limb!(u32, u64, 128, wide);
