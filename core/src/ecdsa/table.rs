//! The odd multiples of G, `G, 3G, ..., (2^(W_G-1) - 1) G`, in affine coordinates, computed
//! by the compiler (feature `es256-table`): 32 points of 64 bytes, 2 KiB of flash.

use super::point::{Affine, Jacobian, G};

/// The NAF width of `u1` with the table.
pub(super) const W_G: usize = 7;

const LEN: usize = 1 << (W_G - 2);

/// `(2i + 1) G` at index `i`.
pub(super) static G_TABLE: [Affine; LEN] = build();

const fn build() -> [Affine; LEN] {
    let g = G.to_jacobian();
    let g2 = g.double();
    let mut jac = [Jacobian::INFINITY; LEN];
    jac[0] = g;
    let mut i = 1;
    while i < LEN {
        // (2i + 1) G and 2G are distinct, finite and not opposite: n is far larger than LEN.
        jac[i] = jac[i - 1].add_distinct(&g2);
        i += 1;
    }
    let mut out = [G; LEN];
    let mut i = 0;
    while i < LEN {
        out[i] = jac[i].to_affine();
        i += 1;
    }
    out
}
