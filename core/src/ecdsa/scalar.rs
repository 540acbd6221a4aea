//! Scalars as plain integers (little-endian `u64` words): the inverse of `s` modulo the group
//! order by binary extended Euclid, and the width-`w` non-adjacent form of `u1` and `u2`.
//!
//! Both run in variable time, which is fine for a signature check (every input is public);
//! p256's `Scalar::invert` is a constant-time exponentiation, about ten times slower here.

/// Four 64-bit words, least significant first.
pub(super) type Words = [u64; 4];

/// The group order n.
pub(super) const N: Words = [
    0xf3b9_cac2_fc63_2551,
    0xbce6_faad_a717_9e84,
    0xffff_ffff_ffff_ffff,
    0xffff_ffff_0000_0000,
];

/// Big-endian bytes to words.
pub(super) fn from_be_bytes(b: &[u8; 32]) -> Words {
    let mut w = [0u64; 4];
    for (word, chunk) in w.iter_mut().zip(b.rchunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        *word = u64::from_be_bytes(bytes);
    }
    w
}

/// Words to big-endian bytes.
pub(super) fn to_be_bytes(w: &Words) -> [u8; 32] {
    let mut b = [0u8; 32];
    for (chunk, word) in b.rchunks_exact_mut(8).zip(w) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    b
}

fn is_one(a: &Words) -> bool {
    *a == [1, 0, 0, 0]
}

fn is_even(a: &Words) -> bool {
    a[0] & 1 == 0
}

/// `a >= b`.
fn geq(a: &Words, b: &Words) -> bool {
    for (x, y) in a.iter().zip(b).rev() {
        if x != y {
            return x > y;
        }
    }
    true
}

/// `a - b` and the borrow out.
fn sub(a: &Words, b: &Words) -> (Words, bool) {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        let (d, b1) = x.overflowing_sub(*y);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *o = d;
        borrow = b1 | b2;
    }
    (out, borrow)
}

/// `a + b` and the carry out.
fn add(a: &Words, b: &Words) -> (Words, bool) {
    let mut out = [0u64; 4];
    let mut carry = false;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        let (t, c1) = x.overflowing_add(*y);
        let (t, c2) = t.overflowing_add(u64::from(carry));
        *o = t;
        carry = c1 | c2;
    }
    (out, carry)
}

/// `a >> 1`, `top` shifted in as bit 255.
fn shr1(a: &Words, top: bool) -> Words {
    [
        a[0] >> 1 | a[1] << 63,
        a[1] >> 1 | a[2] << 63,
        a[2] >> 1 | a[3] << 63,
        a[3] >> 1 | u64::from(top) << 63,
    ]
}

/// `a / 2 mod n` for `a < n`.
fn half_mod(a: &Words) -> Words {
    if is_even(a) {
        shr1(a, false)
    } else {
        let (t, carry) = add(a, &N);
        shr1(&t, carry)
    }
}

/// `a - b mod n` for `a, b < n`.
fn sub_mod(a: &Words, b: &Words) -> Words {
    let (d, borrow) = sub(a, b);
    if borrow {
        add(&d, &N).0
    } else {
        d
    }
}

/// `s^-1 mod n` for `0 < s < n`; `None` for zero (which has no inverse).
///
/// Invariants: `x1 s = u` and `x2 s = v (mod n)`, with `u = s`, `v = n` at the start; `u` and
/// `v` shrink to their gcd, 1 since n is prime.
pub(super) fn invert_vartime(s: &Words) -> Option<Words> {
    if *s == [0; 4] || !geq(&N, s) || *s == N {
        return None;
    }
    let (mut u, mut v) = (*s, N);
    let (mut x1, mut x2): (Words, Words) = ([1, 0, 0, 0], [0; 4]);
    while !is_one(&u) && !is_one(&v) {
        while is_even(&u) {
            u = shr1(&u, false);
            x1 = half_mod(&x1);
        }
        while is_even(&v) {
            v = shr1(&v, false);
            x2 = half_mod(&x2);
        }
        if geq(&u, &v) {
            u = sub(&u, &v).0;
            x1 = sub_mod(&x1, &x2);
        } else {
            v = sub(&v, &u).0;
            x2 = sub_mod(&x2, &x1);
        }
    }
    Some(if is_one(&u) { x1 } else { x2 })
}

/// Digits of a width-`W` NAF: position `i` weighs `2^i`, each digit zero or odd with
/// `|d| < 2^(W-1)`, nonzero digits at least `W` apart. One more position than the scalar has
/// bits, for the last carry.
pub(super) type Naf = [i8; 257];

/// The width-`W` NAF of `k` (curve25519-dalek's carry formulation, over 256 bits).
pub(super) fn wnaf<const W: usize>(k: &Words) -> Naf {
    let width = 1u64 << W;
    let mask = width - 1;
    let mut naf = [0i8; 257];
    let mut pos = 0usize;
    let mut carry = 0u64;
    while pos < naf.len() {
        let (idx, bit) = (pos / 64, pos % 64);
        let lo = k.get(idx).copied().unwrap_or(0) >> bit;
        let hi = match bit {
            0 => 0,
            _ => k.get(idx + 1).copied().unwrap_or(0) << (64 - bit),
        };
        let window = carry + ((lo | hi) & mask);
        if window & 1 == 0 {
            // An even window: a zero digit, the carry kept for the next position.
            pos += 1;
            continue;
        }
        // `window < 2^W`, so it or `window - 2^W` fits an i8 for W <= 8.
        let window = i32::try_from(window).unwrap_or(0);
        let digit = if window < 1 << (W - 1) {
            carry = 0;
            window
        } else {
            carry = 1;
            window - (1 << W)
        };
        let digit = i8::try_from(digit).unwrap_or(0);
        if let Some(d) = naf.get_mut(pos) {
            *d = digit;
        }
        pos += W;
    }
    naf
}
