//! Limb abstraction: the Montgomery code is written once against this trait
//! and instantiated for `u64` (u128 products) and `u32` (u64 products).

use core::fmt::Debug;
use core::ops::{BitOr, Shl, Shr};

/// A machine word used as a big-integer digit, plus the fixed-capacity
/// buffers (4096 bits, and twice that for a full square) of that word.
pub(crate) trait Limb:
    Copy + Debug + Eq + Ord + BitOr<Output = Self> + Shl<u32, Output = Self> + Shr<u32, Output = Self>
{
    const BITS: u32;
    const BYTES: usize;
    const ZERO: Self;
    const ONE: Self;
    /// Capacity-sized buffer: 4096 bits.
    type Buf: Copy + Debug + AsRef<[Self]> + AsMut<[Self]>;
    /// Double-capacity buffer for an unreduced square.
    type Wide: Copy + Debug + AsRef<[Self]> + AsMut<[Self]>;
    const ZERO_BUF: Self::Buf;
    const ZERO_WIDE: Self::Wide;

    /// `acc + a * b + carry` as (low, high); cannot overflow the double word.
    fn mac(acc: Self, a: Self, b: Self, carry: Self) -> (Self, Self);
    /// `a + b + carry` (carry is 0 or 1) as (sum, carry out).
    fn adc(a: Self, b: Self, carry: Self) -> (Self, Self);
    /// `a - b - borrow` (borrow is 0 or 1) as (difference, borrow out).
    fn sbb(a: Self, b: Self, borrow: Self) -> (Self, Self);
    fn wrapping_mul(self, rhs: Self) -> Self;
    fn wrapping_neg(self) -> Self;
    fn wrapping_sub(self, rhs: Self) -> Self;
    /// Big-endian bytes, at most `BYTES` of them.
    fn from_be_chunk(chunk: &[u8]) -> Self;
    /// Writes the low `out.len()` bytes big-endian (`out.len() <= BYTES`).
    fn write_be(self, out: &mut [u8]);
}

macro_rules! impl_limb {
    ($t:ty, $wide:ty, $cap:expr) => {
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
            type Wide = [$t; 2 * $cap];
            const ZERO_BUF: Self::Buf = [0; $cap];
            const ZERO_WIDE: Self::Wide = [0; 2 * $cap];

            #[inline(always)]
            fn mac(acc: Self, a: Self, b: Self, carry: Self) -> (Self, Self) {
                // (2^w-1)^2 + 2(2^w-1) = 2^2w - 1: never overflows.
                let t = (a as $wide) * (b as $wide) + (acc as $wide) + (carry as $wide);
                (t as $t, (t >> <$t>::BITS) as $t)
            }

            #[inline(always)]
            fn adc(a: Self, b: Self, carry: Self) -> (Self, Self) {
                let t = (a as $wide) + (b as $wide) + (carry as $wide);
                (t as $t, (t >> <$t>::BITS) as $t)
            }

            #[inline(always)]
            fn sbb(a: Self, b: Self, borrow: Self) -> (Self, Self) {
                let t = (a as $wide)
                    .wrapping_sub(b as $wide)
                    .wrapping_sub(borrow as $wide);
                (t as $t, ((t >> <$t>::BITS) as $t) & 1)
            }

            #[inline(always)]
            fn wrapping_mul(self, rhs: Self) -> Self {
                <$t>::wrapping_mul(self, rhs)
            }

            #[inline(always)]
            fn wrapping_neg(self) -> Self {
                <$t>::wrapping_neg(self)
            }

            #[inline(always)]
            fn wrapping_sub(self, rhs: Self) -> Self {
                <$t>::wrapping_sub(self, rhs)
            }

            #[inline]
            fn from_be_chunk(chunk: &[u8]) -> Self {
                chunk.iter().fold(0, |acc, &b| (acc << 8) | Self::from(b))
            }

            #[inline]
            fn write_be(self, out: &mut [u8]) {
                let bytes = self.to_be_bytes();
                for (o, b) in out.iter_mut().rev().zip(bytes.iter().rev()) {
                    *o = *b;
                }
            }
        }
    };
}

// 4096-bit capacity in both widths.
impl_limb!(u64, u128, 64);
impl_limb!(u32, u64, 128);
