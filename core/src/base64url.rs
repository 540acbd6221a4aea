//! Canonical unpadded base64url (RFC 4648 section 5, as RFC 7515 section 2 requires).
//!
//! Hand-written rather than taken from a crate because the hot path wants a table decode into a
//! caller buffer with strict canonical checks (no padding, no `+`/`/`, zero trailing bits) and
//! no constant-time overhead: every input here is public.

/// 0xFF marks a byte outside the alphabet.
const INVALID: u8 = 0xFF;

const DECODE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        #[expect(clippy::cast_possible_truncation, reason = "i < 64")]
        let v = i as u8;
        t[alphabet[i] as usize] = v;
        i += 1;
    }
    t
};

/// Number of bytes `len` base64url characters decode to, or `None` if no canonical encoding
/// has that length.
pub(crate) const fn decoded_len(len: usize) -> Option<usize> {
    match len % 4 {
        1 => None,
        r => Some(len / 4 * 3 + if r == 0 { 0 } else { r - 1 }),
    }
}

/// Decodes `input`, base64url **with** canonical padding (RFC 4648 section 5: a multiple of four
/// characters, `=` exactly where the last group is short): the encoding of ALB tokens only.
///
/// `Err(DecodeError::Invalid)` for missing, extra or misplaced padding or non-canonical bits.
#[cfg(feature = "alb")]
pub(crate) fn decode_padded<'o>(input: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], DecodeError> {
    let pad = input.iter().rev().take_while(|&&c| c == b'=').count();
    let body = input.get(..input.len() - pad).ok_or(DecodeError::Invalid)?;
    if input.len() % 4 != 0 || pad != (4 - body.len() % 4) % 4 {
        return Err(DecodeError::Invalid);
    }
    decode(body, out)
}

/// Decodes `input` into the start of `out`, returning the written prefix.
///
/// `Err(DecodeError::Invalid)` for anything but the canonical unpadded encoding;
/// `Err(DecodeError::TooLong)` when `out` is too small.
pub(crate) fn decode<'o>(input: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], DecodeError> {
    let n = decoded_len(input.len()).ok_or(DecodeError::Invalid)?;
    let decoded = out.get_mut(..n).ok_or(DecodeError::TooLong)?;
    let mut bad = 0u8;
    // Eight characters into six bytes per step while the input lasts (a quarter fewer stores
    // and loop turns than four-into-three), then at most one step of four, then the tail.
    let mut wide = input.chunks_exact(8);
    let mut wide_out = decoded.chunks_exact_mut(6);
    for (c, o) in (&mut wide).zip(&mut wide_out) {
        decode_chunk(c, o, &mut bad);
    }
    let mut chunks = wide.remainder().chunks_exact(4);
    let mut outs = wide_out.into_remainder().chunks_exact_mut(3);
    for (c, o) in (&mut chunks).zip(&mut outs) {
        decode_chunk(c, o, &mut bad);
    }
    let rest = chunks.remainder();
    let tail = outs.into_remainder();
    let mut v = 0u32;
    for &c in rest {
        let x = DECODE[usize::from(c)];
        bad |= x & 0x80;
        v = v << 6 | u32::from(x & 0x3F);
    }
    if bad & 0x80 != 0 {
        return Err(DecodeError::Invalid);
    }
    match (rest.len(), tail) {
        (0, []) => {}
        (2, [t0]) => {
            // 12 bits carry 8: the low 4 must be zero for the encoding to be canonical.
            if v & 0xF != 0 {
                return Err(DecodeError::Invalid);
            }
            *t0 = (v >> 4).to_be_bytes()[3];
        }
        (3, [t0, t1]) => {
            if v & 0x3 != 0 {
                return Err(DecodeError::Invalid);
            }
            let b = (v >> 2).to_be_bytes();
            *t0 = b[2];
            *t1 = b[3];
        }
        _ => return Err(DecodeError::Invalid),
    }
    Ok(decoded)
}

/// Decodes a whole group (`c` 4 or 8 characters into `o` 3 or 6 bytes); a character outside the
/// alphabet sets bit 7 of `bad`.
#[inline(always)]
fn decode_chunk(c: &[u8], o: &mut [u8], bad: &mut u8) {
    let mut v = 0u64;
    for &ch in c {
        let x = DECODE[usize::from(ch)];
        *bad |= x; // only bit 7 counts: it is set for INVALID alone
        v = v << 6 | u64::from(x);
    }
    let bytes = v.to_be_bytes();
    o.copy_from_slice(bytes.get(8 - o.len()..).unwrap_or(&[]));
}

/// Why a base64url string was not decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// Not canonical unpadded base64url.
    Invalid,
    /// The output buffer is too small.
    TooLong,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Result<([u8; 64], usize), DecodeError> {
        let mut b = [0u8; 64];
        let n = decode(s.as_bytes(), &mut b)?.len();
        Ok((b, n))
    }

    #[test]
    fn round_trips_known_values() {
        for (enc, raw) in [
            ("", &b""[..]),
            ("Zg", b"f"),
            ("Zm8", b"fo"),
            ("Zm9v", b"foo"),
            ("Zm9vYg", b"foob"),
            ("Zm9vYmE", b"fooba"),
            ("Zm9vYmFy", b"foobar"),
            ("-_8", &[0xfb, 0xff]),
        ] {
            let (b, n) = dec(enc).unwrap();
            assert_eq!(&b[..n], raw, "{enc}");
        }
    }

    /// Every length from 0 to 100 bytes against the `base64` crate, and one character outside
    /// the alphabet at every position of every encoding (each code path: 8-wide, 4-wide, tail).
    #[test]
    fn agrees_with_base64_crate_at_every_length() {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut out = [0u8; 128];
        let mut cases = 0;
        for len in 0..=100u8 {
            let raw: std::vec::Vec<u8> = (0..len).map(|i| i.wrapping_mul(151) ^ len).collect();
            let enc = engine.encode(&raw);
            assert_eq!(decode(enc.as_bytes(), &mut out), Ok(&raw[..]), "{enc}");
            for pos in 0..enc.len() {
                for bad in [b'=', b'+', b'.', 0x80] {
                    let mut e = enc.clone().into_bytes();
                    e[pos] = bad;
                    assert_eq!(decode(&e, &mut out), Err(DecodeError::Invalid));
                    cases += 1;
                }
            }
        }
        assert_eq!(
            cases,
            4 * (0..=100).map(|n: usize| (n * 4).div_ceil(3)).sum::<usize>()
        );
    }

    #[test]
    fn rejects_non_canonical() {
        for bad in [
            "Zg==",
            "Zh",
            "Zm9=",
            "Zm+v",
            "Zm/v",
            "Z",
            "Zm9vY",
            "Zm9 ",
            "Zm9\u{e9}",
        ] {
            assert_eq!(dec(bad).map(|_| ()), Err(DecodeError::Invalid), "{bad}");
        }
    }

    #[test]
    fn reports_short_buffer() {
        let mut b = [0u8; 2];
        assert_eq!(decode(b"Zm9v", &mut b), Err(DecodeError::TooLong));
    }
}
