//! A token waiting for platform crypto that answers later (WebCrypto): [`PendingToken`], owned,
//! so that a binding can keep it over an `await` and finish the token with the answer
//! ([`VerifierCore::finish`]) without parsing or decoding it again (ARCHITECTURE.md, "One
//! verifier").
//!
//! It holds what the finish reads: the decoded payload and where each claim sits in it (as the
//! verdict memo does), the pool, the key's index and the generation of the key set that was
//! asked about, the signature (an answer counts only for it) and its signature-cache tag. Not
//! the key set itself: a
//! binding may hold many pending tokens, some abandoned, and each must not keep an old key set
//! (about 100 KiB) alive.

use alloc::boxed::Box;
use core::sync::atomic::Ordering;

use super::{Keys, VerifierCore};
use crate::claims::{Claims, ClaimsIndex};
use crate::verifier::{SignedData, Token};
use crate::Error;

/// A parsed token whose signature platform crypto is checking: see the module documentation.
/// Made by [`VerifierCore::signature_pending`], consumed by [`VerifierCore::finish`].
pub struct PendingToken {
    /// The token as received, for the verdict memo (empty when the memo is off).
    token: Box<str>,
    payload: Box<str>,
    index: ClaimsIndex,
    pool: usize,
    key_index: usize,
    /// The decoded signature: an answer counts only when it is about exactly these bytes.
    signature: Box<[u8]>,
    /// The generation of the pool's key set the signature was asked under; `None` when it was
    /// replaced before the token was even set aside (the answer can never count).
    generation: Option<u64>,
    #[cfg(feature = "signature-cache")]
    tag: [u8; 32],
}

impl PendingToken {
    /// The pool whose keys were asked.
    #[must_use]
    pub fn pool(&self) -> usize {
        self.pool
    }

    /// The index, in that pool's key set, of the key the signature is checked with.
    #[must_use]
    pub fn key_index(&self) -> usize {
        self.key_index
    }

    /// The token as received (empty when the verifier has no verdict memo).
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Bytes it holds: what a binding bounds the pending tokens it keeps by.
    #[must_use]
    pub fn cost(&self) -> usize {
        self.token.len() + self.payload.len() + self.signature.len() + core::mem::size_of::<Self>()
    }
}

impl core::fmt::Debug for PendingToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingToken")
            .field("pool", &self.pool)
            .field("key_index", &self.key_index)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl VerifierCore {
    /// [`signature_needed`](Self::signature_needed), and the token set aside for
    /// [`finish`](Self::finish): what platform crypto must check, with the owned pending token;
    /// `None` when the signature cache holds the signature (then finish the token at once with
    /// [`verify_token`](Self::verify_token), no check asked). `keys` must be the token's pool's,
    /// as [`keys`](Self::keys) gave them.
    ///
    /// # Errors
    /// As [`signature_needed`](Self::signature_needed).
    pub fn signature_pending<'t>(
        &self,
        token: &'t Token<'_, '_>,
        keys: Option<&'t Keys>,
    ) -> Result<Option<(SignedData<'t>, PendingToken)>, Error> {
        let Some(signed) = self.signature_needed(token, keys)? else {
            return Ok(None);
        };
        let pool = self.pool_of(token);
        let claims = token.unverified_claims();
        // A payload beyond 4 GiB cannot be indexed; no token this crate reads is one.
        let index = ClaimsIndex::of(claims).ok_or(Error::TokenTooLarge)?;
        let pending = PendingToken {
            token: if self.memo.is_on() {
                token.as_str().into()
            } else {
                Box::default()
            },
            payload: claims.payload_json().into(),
            index,
            pool,
            key_index: signed.key_index,
            signature: signed.signature.into(),
            generation: keys.and_then(|k| self.generation_if_current(pool, k)),
            #[cfg(feature = "signature-cache")]
            tag: signed.cache_tag(),
        };
        Ok(Some((signed, pending)))
    }

    /// Finishes a token set aside by [`signature_pending`](Self::signature_pending) at `now`,
    /// with platform crypto's answer (`signature_valid`), which counts only when it is about the
    /// key and signature asked (`key_index` and `signature`: what platform crypto checked, as
    /// [`SignedData`] gave them): through the signature cache, then every claim check, as
    /// [`verify_token`](Self::verify_token) does; a token that passes is remembered in the
    /// verdict memo under the generation of the key set that verified it. Nothing of the token
    /// is parsed or decoded again. The claims are over the pending token's payload.
    ///
    /// `None` when the pool's key set was replaced since the signature was asked: the answer is
    /// about a key that may no longer be there, so verify the token again in full.
    ///
    /// # Errors
    /// [`Error::InvalidSignature`] when the answer is no (and the cache does not hold the
    /// signature), and every claim error.
    pub fn finish<'p>(
        &self,
        pending: &'p PendingToken,
        key_index: usize,
        signature: &[u8],
        signature_valid: bool,
        now: u64,
    ) -> Option<Result<Claims<'p>, Error>> {
        let pool = self.pools.get(pending.pool)?;
        let generation = pending.generation?;
        if pool.generation.load(Ordering::Acquire) != generation {
            return None;
        }
        let valid =
            signature_valid && key_index == pending.key_index && *signature == *pending.signature;
        Some(self.finish_current(pending, valid, generation, now))
    }

    /// [`finish`](Self::finish) once the key set is known to be the one asked.
    fn finish_current<'p>(
        &self,
        pending: &'p PendingToken,
        signature_valid: bool,
        generation: u64,
        now: u64,
    ) -> Result<Claims<'p>, Error> {
        #[cfg(feature = "signature-cache")]
        let lookup =
            (self.config.signature_cache() > 0).then(|| self.signatures.lookup(&pending.tag));
        #[cfg(feature = "signature-cache")]
        let cached = lookup.as_ref().is_some_and(|l| l.hit());
        #[cfg(not(feature = "signature-cache"))]
        let cached = false;
        if !(cached || signature_valid) {
            return Err(Error::InvalidSignature);
        }
        let claims = pending.index.claims(&pending.payload);
        self.config
            .verifier_for(pending.pool)
            .check_claims(&claims, now)?;
        #[cfg(feature = "signature-cache")]
        if let Some(lookup) = lookup {
            self.signatures.record_success(&lookup, now);
        }
        // Still the key set that verified it (`verify_token` reads it after the checks too).
        let current = self
            .pools
            .get(pending.pool)
            .is_some_and(|p| p.generation.load(Ordering::Acquire) == generation);
        if self.memo.is_on() && current {
            let leeway = self.config.leeway();
            self.memo.remember(
                pending.token.as_bytes(),
                &claims,
                pending.pool,
                generation,
                leeway,
                now,
            );
        }
        Ok(claims)
    }
}
