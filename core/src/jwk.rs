//! JSON Web Key Sets (RFC 7517) parsed into a fixed-capacity set of verification keys.

use crate::json::{self, Value};
use crate::rsa::RsaPublicKey;
use crate::Error;

mod parse;

use parse::{add_key, Added};

/// Longest `kid` kept, in bytes (Cognito's are 44).
pub const MAX_KID_LEN: usize = 128;
/// Default limit on the size of a JWKS document.
pub const DEFAULT_MAX_JWKS_BYTES: usize = 64 * 1024;
/// Default capacity of a [`KeySet`]: Cognito publishes two keys, more during a rotation.
pub const DEFAULT_KEY_CAPACITY: usize = 4;
/// Capacity of the key sets of runtimes with a heap (the Rust cache, the C ABI, the wasm
/// package, the CLI): room for any real JWKS, at about 1.6 KiB a slot on 64-bit targets.
pub const HEAP_KEY_CAPACITY: usize = 64;

/// A signature algorithm this library implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 section 3.3): every Cognito user pool.
    Rs256,
    /// ECDSA P-256 with SHA-256 (RFC 7518 section 3.4): ALB and other issuers; off unless enabled.
    Es256,
}

impl Algorithm {
    /// The JOSE name, e.g. `"RS256"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Es256 => "ES256",
        }
    }
}

/// Options for reading a key set.
#[derive(Clone, Copy, Debug)]
pub struct JwksOptions {
    max_bytes: usize,
    allow_any_rsa_exponent: bool,
}

impl Default for JwksOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl JwksOptions {
    /// Defaults: [`DEFAULT_MAX_JWKS_BYTES`], RSA exponent 65537 only.
    #[must_use]
    pub const fn new() -> Self {
        JwksOptions {
            max_bytes: DEFAULT_MAX_JWKS_BYTES,
            allow_any_rsa_exponent: false,
        }
    }

    /// Maximum JWKS document size in bytes.
    #[must_use]
    pub const fn with_max_jwks_bytes(mut self, n: usize) -> Self {
        self.max_bytes = n;
        self
    }

    /// Accept RSA keys with any odd exponent of at least 3, not only 65537.
    #[must_use]
    pub const fn allow_any_rsa_exponent(mut self, yes: bool) -> Self {
        self.allow_any_rsa_exponent = yes;
        self
    }

    /// The maximum JWKS document size in bytes.
    #[must_use]
    pub const fn max_jwks_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Whether RSA exponents other than 65537 are accepted.
    #[must_use]
    pub const fn allows_any_rsa_exponent(&self) -> bool {
        self.allow_any_rsa_exponent
    }
}

#[derive(Clone, Debug)]
#[cfg_attr(
    feature = "es256",
    expect(
        clippy::large_enum_variant,
        reason = "keys live in a fixed array; boxing the RSA key would need a heap"
    )
)]
pub(crate) enum KeyMaterial {
    Rsa(RsaPublicKey),
    #[cfg(feature = "es256")]
    Ec(p256::ecdsa::VerifyingKey),
}

/// One usable verification key.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    kid: [u8; MAX_KID_LEN],
    kid_len: u8,
    /// A digest of the `kid` and the key's JWK fields (see `fingerprint` in [`parse`]): two keys
    /// with different material never share it, so a cached signature is bound to the key itself.
    #[cfg(feature = "signature-cache")]
    fingerprint: [u8; 16],
    pub(crate) material: KeyMaterial,
}

impl Key {
    /// No key (empty `kid`, an RSA key that verifies nothing): the value a slot is set to before
    /// a key is built in it, in place.
    const EMPTY: Key = Key {
        kid: [0; MAX_KID_LEN],
        kid_len: 0,
        #[cfg(feature = "signature-cache")]
        fingerprint: [0; 16],
        material: KeyMaterial::Rsa(RsaPublicKey::EMPTY),
    };

    pub(crate) fn kid(&self) -> &[u8] {
        self.kid.get(..usize::from(self.kid_len)).unwrap_or(&[])
    }

    #[cfg(feature = "signature-cache")]
    pub(crate) fn fingerprint(&self) -> &[u8; 16] {
        &self.fingerprint
    }

    pub(crate) fn algorithm(&self) -> Algorithm {
        match self.material {
            KeyMaterial::Rsa(_) => Algorithm::Rs256,
            #[cfg(feature = "es256")]
            KeyMaterial::Ec(_) => Algorithm::Es256,
        }
    }
}

/// The usable keys of a JWKS, at most `N` of them, with no heap.
///
/// Keys that cannot be used (wrong `use`, unknown `kty`, RSA under 2048 bits, an exponent other
/// than 65537, a curve other than P-256, no `kid`) are skipped and counted, never trusted.
/// `jku`, `x5u`, `x5c` and certificate chains are ignored.
///
/// ```
/// use cognito_verify::KeySet;
/// let keys: KeySet = KeySet::from_jwks(br#"{"keys":[]}"#).unwrap();
/// assert_eq!(keys.len(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct KeySet<const N: usize = DEFAULT_KEY_CAPACITY> {
    keys: [Option<Key>; N],
    len: usize,
    skipped: usize,
    first_skip_reason: Option<Error>,
}

impl<const N: usize> Default for KeySet<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> KeySet<N> {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        KeySet {
            keys: core::array::from_fn(|_| None),
            len: 0,
            skipped: 0,
            first_skip_reason: None,
        }
    }

    /// Parses a JWKS document with default [`JwksOptions`].
    ///
    /// # Errors
    /// [`Error::JwksTooLarge`], [`Error::MalformedJwks`] for a document that is not a JSON object
    /// with a `keys` array of objects, [`Error::TooManyKeys`] for more than `N` usable keys, and,
    /// when keys were listed but none is usable, the reason the first one was skipped
    /// ([`Error::WeakKey`], [`Error::UnsupportedKey`] or [`Error::MalformedJwks`]).
    pub fn from_jwks(jwks: &[u8]) -> Result<Self, Error> {
        Self::from_jwks_with(jwks, &JwksOptions::new())
    }

    /// Parses a JWKS document.
    ///
    /// # Errors
    /// As [`KeySet::from_jwks`].
    pub fn from_jwks_with(jwks: &[u8], options: &JwksOptions) -> Result<Self, Error> {
        let mut set = Self::new();
        set.load(jwks, options)?;
        Ok(set)
    }

    /// Replaces the contents with the keys of `jwks`. On error the set is left empty.
    ///
    /// # Errors
    /// As [`KeySet::from_jwks`].
    pub fn load(&mut self, jwks: &[u8], options: &JwksOptions) -> Result<(), Error> {
        self.clear();
        let r = self.load_inner(jwks, options);
        if r.is_err() {
            self.clear();
        }
        r
    }

    /// Whether this set may replace keys in use: it has at least one usable key. A document
    /// with none (`{"keys":[]}` from a proxy or an outage page) never replaces keys that work.
    ///
    /// # Errors
    /// Why its first listed key was skipped, or [`Error::MalformedJwks`] when it listed none.
    pub fn check_usable(&self) -> Result<(), Error> {
        if self.len == 0 {
            Err(self.first_skip_reason.unwrap_or(Error::MalformedJwks))
        } else {
            Ok(())
        }
    }

    /// Reads a fetched or supplied JWKS document into a set that may replace the keys in use,
    /// on the heap (64 keys take about 100 KiB, too much for small thread stacks). The rule
    /// every runtime shares: the document must fit `options`' size limit and hold at least one
    /// usable key, so `{"keys":[]}` from a proxy or an outage page never replaces keys that work.
    ///
    /// # Errors
    /// As [`KeySet::from_jwks`], and [`KeySet::check_usable`]'s error for a set with no usable key.
    #[cfg(feature = "alloc")]
    pub fn replacement(
        jwks: &[u8],
        options: &JwksOptions,
    ) -> Result<alloc::boxed::Box<Self>, Error> {
        let mut set = alloc::boxed::Box::new(Self::new());
        set.load(jwks, options)?;
        set.check_usable()?;
        Ok(set)
    }

    fn clear(&mut self) {
        self.keys.iter_mut().for_each(|k| *k = None);
        self.len = 0;
        self.skipped = 0;
        self.first_skip_reason = None;
    }

    fn load_inner(&mut self, jwks: &[u8], options: &JwksOptions) -> Result<(), Error> {
        if jwks.len() > options.max_bytes {
            return Err(Error::JwksTooLarge);
        }
        let doc = core::str::from_utf8(jwks).map_err(|_| Error::MalformedJwks)?;
        let mut keys_array = None;
        json::object_members(doc, Error::MalformedJwks, |name, value| {
            if name == "keys" {
                keys_array = Some(value);
            }
            Ok(())
        })?;
        let Some(Value::Array(raw)) = keys_array else {
            return Err(Error::MalformedJwks);
        };
        let mut listed = 0usize;
        let mut result = Ok(());
        json::array_elements(raw, |v| {
            listed += 1;
            let Value::Object(obj) = v else {
                result = Err(Error::MalformedJwks);
                return Err(json::Malformed);
            };
            match add_key(self, obj, options) {
                Ok(Added::Stored) => {}
                // A repeated kid: the first one wins, as in verification.
                Ok(Added::Duplicate) => self.skip(Error::MalformedJwks),
                Ok(Added::NoRoom) => {
                    result = Err(Error::TooManyKeys);
                    return Err(json::Malformed);
                }
                Err(reason) => self.skip(reason),
            }
            Ok(())
        })
        .map_err(|_| Error::MalformedJwks)
        .or(result)?;
        result?;
        if self.len == 0 && listed > 0 {
            return Err(self.first_skip_reason.unwrap_or(Error::MalformedJwks));
        }
        Ok(())
    }

    fn skip(&mut self, reason: Error) {
        self.skipped += 1;
        self.first_skip_reason.get_or_insert(reason);
    }

    /// The key with this `kid`.
    pub(crate) fn find(&self, kid: &[u8]) -> Option<&Key> {
        self.find_indexed(kid).map(|(_, k)| k)
    }

    /// The key with this `kid` and its place in [`iter`](Self::iter)'s order: the one lookup
    /// every runtime uses (the first usable key with the `kid`).
    pub(crate) fn find_indexed(&self, kid: &[u8]) -> Option<(usize, &Key)> {
        self.keys
            .iter()
            .take(self.len)
            .flatten()
            .enumerate()
            .find(|(_, k)| k.kid() == kid)
    }

    /// Number of usable keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set has no usable key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of keys listed in the document but skipped as unusable.
    #[must_use]
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Why the first skipped key was skipped.
    #[must_use]
    pub fn first_skip_reason(&self) -> Option<Error> {
        self.first_skip_reason
    }

    /// Whether a usable key has this `kid`.
    #[must_use]
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.find(kid.as_bytes()).is_some()
    }

    /// The `kid`s and algorithms of the usable keys.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Algorithm)> + '_ {
        self.keys
            .iter()
            .take(self.len)
            .flatten()
            .map(|k| (core::str::from_utf8(k.kid()).unwrap_or(""), k.algorithm()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::String;

    const N_A: &str = "qm3IkwqUnC8TKhrvmq32SPlzLAqJigyqIaDuMDzdIaiXzuCte8_GLAOvVf7C24TQBCd0bCgG1pcAz-ggCNm4ioCtKg1jVNtD_mogW-71cVhkhJAFEfZb2ONHmgDIVMqUqp1rob6CWwxhCV0hbcO6TkFA59OZAUP53eRwnX8T-MBova_Q4geg0Mj1LaIZ2Ix-9JQEavUweNYAhI-ZpioS-I_CfgszuAvY-vvf2zin1NO0V_08BOop6Jityr7VNH1FOhlA6M30l-BbpDZ0LQmFNMOXBGAUTXdIKl87GZb0IkrO-XKFo22uOMAgQ_8f0GjCaVUq7c_--Wdm64V-j-0tew";

    fn rsa(kid: &str, e: &str) -> String {
        format!(r#"{{"kty":"RSA","kid":"{kid}","e":"{e}","n":"{N_A}"}}"#)
    }

    fn load<const N: usize>(keys: &[String]) -> Result<KeySet<N>, Error> {
        KeySet::from_jwks(format!(r#"{{"keys":[{}]}}"#, keys.join(",")).as_bytes())
    }

    /// Keys are built in place; what happens once the set is full, or a build fails, must be
    /// what it was when keys were built by value and then pushed.
    #[test]
    fn in_place_build_keeps_load_semantics() {
        // Full set: a duplicate or unusable key is skipped, a new usable one is too many.
        let set = load::<1>(&[rsa("a", "AQAB"), rsa("a", "AQAB")]).unwrap();
        assert_eq!((set.len(), set.skipped()), (1, 1));
        assert_eq!(set.first_skip_reason(), Some(Error::MalformedJwks));
        let set = load::<1>(&[rsa("a", "AQAB"), rsa("b", "Aw")]).unwrap();
        assert_eq!((set.len(), set.skipped()), (1, 1));
        assert_eq!(set.first_skip_reason(), Some(Error::UnsupportedKey));
        let err = load::<1>(&[rsa("a", "AQAB"), rsa("b", "AQAB")]).unwrap_err();
        assert_eq!(err, Error::TooManyKeys);
        // A key that fails to build leaves its slot free for the next one.
        let set = load::<1>(&[rsa("a", "AA"), rsa("b", "AQAB")]).unwrap();
        assert_eq!((set.len(), set.skipped()), (1, 1));
        assert_eq!(set.first_skip_reason(), Some(Error::WeakKey));
        assert!(set.contains_kid("b") && !set.contains_kid("a"));
        assert_eq!(set.keys.iter().flatten().count(), 1);
        // A skipped kid does not block a later key with that kid.
        let set = load::<2>(&[rsa("a", "Aw"), rsa("a", "AQAB")]).unwrap();
        assert_eq!((set.len(), set.skipped()), (1, 1));
        let key = set.find(b"a").unwrap();
        assert_eq!(key.algorithm(), Algorithm::Rs256);
    }
}
