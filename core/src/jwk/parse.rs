//! One JWK: its members read, checked, and the key built in place in a [`KeySet`]'s next slot.

use super::{JwksOptions, Key, KeyMaterial, KeySet, MAX_KID_LEN};
use crate::base64url;
use crate::json::{self, JsonStr, Value};
use crate::rsa::RsaKeyError;
use crate::Error;

#[derive(Default)]
struct RawKey<'a> {
    kty: Option<JsonStr<'a>>,
    kid: Option<JsonStr<'a>>,
    use_: Option<JsonStr<'a>>,
    alg: Option<JsonStr<'a>>,
    crv: Option<JsonStr<'a>>,
    n: Option<JsonStr<'a>>,
    e: Option<JsonStr<'a>>,
    x: Option<JsonStr<'a>>,
    y: Option<JsonStr<'a>>,
    key_ops: Option<&'a str>,
}

/// What [`add_key`] did with a usable key.
pub(super) enum Added {
    /// Stored in the next free slot.
    Stored,
    /// Not stored: a key with the same `kid` is already in the set.
    Duplicate,
    /// Not stored: the set is full.
    NoRoom,
}

fn rsa_key_error(err: RsaKeyError) -> Error {
    match err {
        RsaKeyError::Weak => Error::WeakKey,
        RsaKeyError::Unsupported => Error::UnsupportedKey,
        RsaKeyError::Malformed => Error::MalformedJwks,
    }
}

/// Parses one JWK and, when it is usable, has a new `kid` and there is room, builds it in
/// place in the next free slot: an RSA key is over 1 KB, and moving it by value through the
/// parser once cost ~12 KB of stack. `Err` is the reason the key is unusable.
pub(super) fn add_key<const N: usize>(
    set: &mut KeySet<N>,
    obj: &str,
    options: &JwksOptions,
) -> Result<Added, Error> {
    let mut raw = RawKey::default();
    json::object_members(obj, Error::MalformedJwks, |name, value| {
        let slot = match name.name(&mut [0; 32]) {
            "kty" => &mut raw.kty,
            "kid" => &mut raw.kid,
            "use" => &mut raw.use_,
            "alg" => &mut raw.alg,
            "crv" => &mut raw.crv,
            "n" => &mut raw.n,
            "e" => &mut raw.e,
            "x" => &mut raw.x,
            "y" => &mut raw.y,
            "key_ops" => {
                raw.key_ops = match value {
                    Value::Array(a) => Some(a),
                    _ => return Err(Error::MalformedJwks),
                };
                return Ok(());
            }
            _ => return Ok(()),
        };
        match value {
            Value::Str(s) => *slot = Some(s),
            _ => return Err(Error::MalformedJwks),
        }
        Ok(())
    })?;

    if raw.use_.is_some_and(|u| u != "sig") {
        return Err(Error::UnsupportedKey);
    }
    if let Some(ops) = raw.key_ops {
        if !json::StrArray::new(ops).any(|op| op == "verify") {
            return Err(Error::UnsupportedKey);
        }
    }
    let kid = raw.kid.ok_or(Error::UnsupportedKey)?;
    let mut kid_buf = [0u8; MAX_KID_LEN];
    let kid_len = kid
        .decode_into(&mut kid_buf)
        .ok_or(Error::UnsupportedKey)?
        .len();
    let kid_len = u8::try_from(kid_len).map_err(|_| Error::UnsupportedKey)?;

    let duplicate = set.find(kid_buf.get(..usize::from(kid_len)).unwrap_or(&[]));
    let (slot, not_stored) = if duplicate.is_some() {
        (None, Added::Duplicate)
    } else {
        (set.keys.get_mut(set.len), Added::NoRoom)
    };

    match raw.kty.ok_or(Error::MalformedJwks)? {
        k if k == "RSA" => {
            if raw.alg.is_some_and(|a| a != "RS256") {
                return Err(Error::UnsupportedKey);
            }
            let mut n = [0u8; 513];
            let mut e = [0u8; 8];
            let n = b64_field(raw.n, &mut n)?;
            let e = b64_field(raw.e, &mut e)?;
            let allow = options.allow_any_rsa_exponent;
            let Some(slot) = slot else {
                crate::rsa::check_be_bytes(n, e, allow).map_err(rsa_key_error)?;
                return Ok(not_stored);
            };
            *slot = Some(Key::EMPTY);
            let built = match slot {
                Some(Key {
                    kid: slot_kid,
                    kid_len: slot_kid_len,
                    material: KeyMaterial::Rsa(rsa),
                    ..
                }) => {
                    *slot_kid = kid_buf;
                    *slot_kid_len = kid_len;
                    rsa.init_from_be_bytes(n, e, allow).map_err(rsa_key_error)
                }
                _ => Err(Error::MalformedJwks),
            };
            if let Err(reason) = built {
                *slot = None;
                return Err(reason);
            }
        }
        k if k == "EC" => {
            let ec = ec_key(&raw)?;
            let Some(slot) = slot else {
                return Ok(not_stored);
            };
            store_ec(slot, kid_buf, kid_len, ec);
        }
        _ => return Err(Error::UnsupportedKey),
    }
    #[cfg(feature = "signature-cache")]
    if let Some(Some(key)) = set.keys.get_mut(set.len) {
        key.fingerprint = fingerprint(key.kid(), &raw);
    }
    set.len += 1;
    Ok(Added::Stored)
}

#[cfg(feature = "signature-cache")]
/// SHA-256 over the `kid` and the key fields as received, each with its length. Base64url
/// decoding is a function, so keys of different material always have different fields and
/// different fingerprints (the converse need not hold: that only costs a cache miss).
fn fingerprint(kid: &[u8], raw: &RawKey<'_>) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update(u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_be_bytes());
        h.update(bytes);
    };
    field(kid);
    for f in [raw.kty, raw.crv, raw.n, raw.e, raw.x, raw.y] {
        // Fields with escapes were refused before a key is stored; absent ones hash as empty.
        field(f.and_then(|s| s.as_str()).unwrap_or("").as_bytes());
    }
    let digest: [u8; 32] = h.finalize().into();
    let mut out = [0u8; 16];
    out.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    out
}

/// Decodes a base64url key field; a field too long for `buf` is a key we do not support.
fn b64_field<'o>(field: Option<JsonStr<'_>>, buf: &'o mut [u8]) -> Result<&'o [u8], Error> {
    let s = field.ok_or(Error::MalformedJwks)?;
    // Escapes have no place in base64url; as_str() is None when there are any.
    let s = s.as_str().ok_or(Error::MalformedJwks)?;
    base64url::decode(s.as_bytes(), buf).map_err(|e| match e {
        base64url::DecodeError::Invalid => Error::MalformedJwks,
        base64url::DecodeError::TooLong => Error::UnsupportedKey,
    })
}

#[cfg(feature = "es256")]
type EcKey = p256::ecdsa::VerifyingKey;
#[cfg(not(feature = "es256"))]
type EcKey = core::convert::Infallible;

#[cfg(feature = "es256")]
fn store_ec(slot: &mut Option<Key>, kid: [u8; MAX_KID_LEN], kid_len: u8, ec: EcKey) {
    *slot = Some(Key::EMPTY);
    if let Some(key) = slot {
        key.kid = kid;
        key.kid_len = kid_len;
        key.material = KeyMaterial::Ec(ec);
    }
}

#[cfg(not(feature = "es256"))]
fn store_ec(_slot: &mut Option<Key>, _kid: [u8; MAX_KID_LEN], _kid_len: u8, ec: EcKey) {
    match ec {}
}

#[cfg(feature = "es256")]
fn ec_key(raw: &RawKey<'_>) -> Result<EcKey, Error> {
    if raw.crv.ok_or(Error::MalformedJwks)? != "P-256" {
        return Err(Error::UnsupportedKey);
    }
    if raw.alg.is_some_and(|a| a != "ES256") {
        return Err(Error::UnsupportedKey);
    }
    let mut x = [0u8; 33];
    let mut y = [0u8; 33];
    let x = b64_field(raw.x, &mut x)?;
    let y = b64_field(raw.y, &mut y)?;
    let (Ok(x), Ok(y)) = (<&[u8; 32]>::try_from(x), <&[u8; 32]>::try_from(y)) else {
        return Err(Error::MalformedJwks);
    };
    let point = p256::EncodedPoint::from_affine_coordinates(x.into(), y.into(), false);
    // from_encoded_point checks that the point is on the curve and not the identity.
    let key =
        p256::ecdsa::VerifyingKey::from_encoded_point(&point).map_err(|_| Error::MalformedJwks)?;
    Ok(key)
}

#[cfg(not(feature = "es256"))]
fn ec_key(_raw: &RawKey<'_>) -> Result<EcKey, Error> {
    Err(Error::UnsupportedKey)
}
