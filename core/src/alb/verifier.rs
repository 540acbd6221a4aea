//! [`AlbVerifierCore`]: the ALB verifier every runtime with a heap drives (features `alb` and
//! `alloc`, no IO), as [`VerifierCore`](crate::VerifierCore) is for Cognito tokens.
//!
//! It holds the validated [`AlbConfig`], each load balancer's keys (at most [`KEYS_PER_ALB`],
//! by `kid`) and when a key was last fetched for it, the verified-signature cache and the
//! verdict memo. It never fetches: [`verify`](AlbVerifierCore::verify) says which key it needs,
//! [`request_key`](AlbVerifierCore::request_key) says whether a fetch may start now (the refresh
//! policy's `unknown_kid_cooldown`, per load balancer, so a flood of invented kids costs one
//! fetch per cooldown) and where from, and the runtime reports what it got. The Rust
//! [`AlbJwtVerifier`](crate::AlbJwtVerifier), the JS `AlbJwtVerifier` and Python's carry out
//! the fetches, coalescing concurrent ones for one key, and decide nothing.
//!
//! ```
//! use cognito_verify::alb::{AlbConfig, AlbStep, AlbVerifierCore, KeyAction};
//! # use cognito_verify::testing::alb as kit;
//! # let token = kit::token(kit::SIGNER, kit::CLIENT, 1_700_000_000);
//! let core = AlbVerifierCore::new(
//!     AlbConfig::builder().alb_arn(kit::SIGNER).client_id(kit::CLIENT).build()?,
//! );
//! let now = 1_700_000_000 - 60;
//! let AlbStep::NeedKey(request) = core.verify(&token, now)? else { unreachable!() };
//! let KeyAction::Fetch { url } = core.request_key(&request, now) else { unreachable!() };
//! assert!(url.starts_with("https://public-keys.auth.elb.us-east-2.amazonaws.com/"));
//! // ... GET it, then:
//! core.key_fetched(&request, kit::PUBLIC_KEY_PEM.as_bytes())?;
//! let AlbStep::Verified(claims) = core.verify(&token, now)? else { unreachable!() };
//! assert_eq!(claims.sub(), Some("b1c2d3e4-0000-4000-8000-000000000001"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::{Mutex, RwLock};

use super::{
    alb_buffer_len, alb_key_url, is_uuid, AlbArn, AlbClaims, AlbKey, AlbKeyError, AlbRules,
};
use super::{AlbToken, ALB_KEY_URL_MAX};
use crate::memo::{self, Entry, VerdictMemo, VerdictMemoStats};
#[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
use crate::sigcache::{CacheSlot, SignatureCache, SignatureCacheStats};
use crate::Error;

mod config;
pub use config::{AlbConfig, AlbConfigBuilder};

/// Keys kept per load balancer (an ALB signs with one key at a time, and rotates).
pub const KEYS_PER_ALB: usize = 4;
/// Largest key document read (a P-256 PEM is 178 bytes).
pub const MAX_ALB_KEY_BYTES: usize = 4096;

/// What [`AlbVerifierCore::verify`] got to.
#[derive(Clone, Debug)]
pub enum AlbStep {
    /// Every check passed: the token's claims.
    Verified(AlbOwnedClaims),
    /// The token is well formed and of a configured load balancer, whose key for its `kid` is
    /// not held: ask [`request_key`](AlbVerifierCore::request_key), then verify again.
    NeedKey(KeyRequest),
}

/// A key to get: load balancer `alb`'s `kid` (a UUID, checked).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyRequest {
    alb: usize,
    kid: String,
}

impl KeyRequest {
    /// The load balancer, by its place among the configured ARNs.
    #[must_use]
    pub fn alb(&self) -> usize {
        self.alb
    }

    /// The key's id, a UUID.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// What to do about a [`KeyRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyAction {
    /// GET `url` (at most [`MAX_ALB_KEY_BYTES`], no redirects), then report with
    /// [`key_fetched`](AlbVerifierCore::key_fetched) or
    /// [`key_failed`](AlbVerifierCore::key_failed). The cooldown started now.
    Fetch {
        /// Where the load balancer publishes the key.
        url: String,
    },
    /// No fetch now (one started for this load balancer within the cooldown): the token gets
    /// this code (`unknown_kid`: the load balancer has keys, so the kid is likely invented).
    Refused(Error),
    /// No fetch now and no key at all for this load balancer: keys are unavailable until
    /// `retry_at` (Unix seconds).
    Unavailable {
        /// When a fetch may start again.
        retry_at: u64,
    },
}

/// The claims of a verified ALB token: its payload, shared with the verdict memo (a hit copies
/// nothing), and where `sub`, `email` and `username` sit in it.
#[derive(Clone, Debug)]
pub struct AlbOwnedClaims {
    payload: Arc<str>,
    index: AlbIndex,
}

/// Where the claims a caller reads sit in the payload.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AlbIndex {
    exp: i64,
    sub: Option<(u32, u32)>,
    email: Option<(u32, u32)>,
    username: Option<(u32, u32)>,
}

impl AlbIndex {
    /// The index of `claims`, or `None` for a payload longer than 4 GiB.
    fn of(claims: &AlbClaims<'_>) -> Option<Self> {
        let base = claims.payload_json().as_ptr() as usize;
        let span = |s: Option<&str>| -> Option<Option<(u32, u32)>> {
            let Some(s) = s else { return Some(None) };
            let start = u32::try_from((s.as_ptr() as usize).checked_sub(base)?).ok()?;
            Some(Some((start, u32::try_from(s.len()).ok()?)))
        };
        Some(AlbIndex {
            exp: claims.exp(),
            sub: span(claims.sub())?,
            email: span(claims.email())?,
            username: span(claims.username())?,
        })
    }
}

/// Equal when of the same payload and `exp` (the rest is read from the payload).
impl PartialEq for AlbOwnedClaims {
    fn eq(&self, other: &Self) -> bool {
        self.payload == other.payload && self.index.exp == other.index.exp
    }
}

impl Eq for AlbOwnedClaims {}

impl AlbOwnedClaims {
    fn at(&self, span: Option<(u32, u32)>) -> Option<&str> {
        let (start, len) = span?;
        let start = start as usize;
        self.payload.get(start..start.saturating_add(len as usize))
    }

    /// `sub`, the user's id at the identity provider, when written without escapes.
    #[must_use]
    pub fn sub(&self) -> Option<&str> {
        self.at(self.index.sub)
    }

    /// `email`, when present and written without escapes.
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        self.at(self.index.email)
    }

    /// `username`, when present and written without escapes.
    #[must_use]
    pub fn username(&self) -> Option<&str> {
        self.at(self.index.username)
    }

    /// The header's `exp` (Unix seconds), as checked.
    #[must_use]
    pub fn exp(&self) -> i64 {
        self.index.exp
    }

    /// The whole payload, a JSON object.
    #[must_use]
    pub fn payload_json(&self) -> &str {
        &self.payload
    }
}

/// Counters of an [`AlbVerifierCore`]'s keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlbKeyStats {
    /// Key fetches the policy allowed.
    pub fetches: u64,
    /// Fetches reported failed (network, status, size, not a P-256 key).
    pub failures: u64,
    /// Keys held, over every load balancer.
    pub keys: usize,
}

/// One load balancer's keys.
#[derive(Default)]
struct AlbKeys {
    /// (kid, key), oldest first.
    keys: RwLock<Vec<(String, AlbKey)>>,
    /// Bumped by every key installed, so the memo's entries of this load balancer turn misses.
    generation: AtomicU64,
    /// When the policy last allowed a fetch (Unix seconds).
    last_fetch: Mutex<Option<u64>>,
}

/// The ALB verifier: configuration, keys, caches. `Send + Sync`; every method takes `&self`.
pub struct AlbVerifierCore {
    config: AlbConfig,
    albs: Box<[AlbKeys]>,
    memo: VerdictMemo<AlbIndex>,
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    signatures: SignatureCache<Box<[CacheSlot]>>,
    fetches: AtomicU64,
    failures: AtomicU64,
}

impl core::fmt::Debug for AlbVerifierCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AlbVerifierCore")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AlbVerifierCore {
    /// A verifier of this configuration, with no keys yet. Allocates the caches once.
    #[must_use]
    pub fn new(config: AlbConfig) -> Self {
        let (entries, bytes) = config.verdict_memo();
        AlbVerifierCore {
            albs: config.arns().iter().map(|_| AlbKeys::default()).collect(),
            memo: VerdictMemo::new(entries, bytes),
            #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
            signatures: SignatureCache::with_capacity(config.signature_cache()),
            config,
            fetches: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &AlbConfig {
        &self.config
    }

    /// Verifies `token` (the `x-amzn-oidc-data` header's value) at `now` (Unix seconds) with
    /// the keys held: from the verdict memo when it verified before under the same keys (only
    /// the expiry is checked again: nothing else a verdict depends on can change), else in full
    /// (signer, signature through the signature cache, client, issuer, expiry).
    ///
    /// # Errors
    /// The token's code (module [`alb`](crate::alb)); a key not held is not an error but
    /// [`AlbStep::NeedKey`].
    pub fn verify(&self, token: &str, now: u64) -> Result<AlbStep, Error> {
        if token.len() > self.config.max_token_bytes() {
            return Err(Error::TokenTooLarge);
        }
        if let Some(hit) = self.recall(token.as_bytes(), now) {
            return hit.map(AlbStep::Verified);
        }
        let mut buf = alloc::vec![0u8; alb_buffer_len(token.len())];
        let parsed = AlbToken::parse(token, &mut buf)?;
        let rules = self.rules();
        let alb = rules
            .signer_index(parsed.signer())
            .ok_or(Error::WrongSigner)?;
        let slot = self.albs.get(alb).ok_or(Error::WrongSigner)?;
        // The generation before the key is read: a key installed meanwhile makes the entry
        // stale at once, never current under keys it was not verified by.
        let generation = slot.generation.load(Ordering::Acquire);
        let held = slot
            .keys
            .read()
            .iter()
            .find(|(kid, _)| kid == parsed.kid())
            .map(|(_, key)| *key);
        let Some(key) = held else {
            return Ok(AlbStep::NeedKey(KeyRequest {
                alb,
                kid: parsed.kid().into(),
            }));
        };
        let claims = self.check(&parsed, &rules, &key, now)?;
        let index = AlbIndex::of(&claims).ok_or(Error::TokenTooLarge)?;
        let payload: Arc<str> = claims.payload_json().into();
        if self.memo.is_on() {
            let until = i128::from(index.exp) + i128::from(self.config.leeway());
            let entry = Entry::new(
                token.as_bytes(),
                Arc::clone(&payload),
                index,
                (alb, generation),
                until,
            );
            self.memo.store(entry, now);
        }
        Ok(AlbStep::Verified(AlbOwnedClaims { payload, index }))
    }

    /// The memo's verdict on `token`, when it holds it under the keys held now.
    fn recall(&self, token: &[u8], now: u64) -> Option<Result<AlbOwnedClaims, Error>> {
        if !self.memo.is_on() {
            return None;
        }
        let h = memo::hash(token);
        let entry = self.memo.find(token, h).filter(|e| {
            self.albs
                .get(e.pool)
                .is_some_and(|a| a.generation.load(Ordering::Acquire) == e.generation)
        });
        self.memo.count(h, entry.is_some());
        let entry = entry?;
        // As for a full verification: expired once `now` reaches `exp` plus the leeway.
        let until = i128::from(entry.meta.exp) + i128::from(self.config.leeway());
        if i128::from(now) >= until {
            return Some(Err(Error::Expired));
        }
        Some(Ok(AlbOwnedClaims {
            payload: Arc::clone(entry.shared_payload()),
            index: entry.meta,
        }))
    }

    fn rules(&self) -> AlbRules<'_, String> {
        let c = &self.config;
        let rules = AlbRules::new(c.arns(), c.clients()).leeway(c.leeway());
        match c.issuer() {
            Some(issuer) => rules.issuer(issuer),
            None => rules,
        }
    }

    /// The full checks, the signature through the signature cache (when built with it).
    fn check<'b>(
        &self,
        parsed: &AlbToken<'_, 'b>,
        rules: &AlbRules<'_, String>,
        key: &AlbKey,
        now: u64,
    ) -> Result<AlbClaims<'b>, Error> {
        #[cfg(not(all(feature = "signature-cache", target_has_atomic = "32")))]
        return parsed.verify(rules, key, now);
        #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
        {
            use sha2::{Digest, Sha256};
            let mut lookup = None;
            let claims = parsed.verify_with(rules, now, |digest, signature| {
                let tag: [u8; 32] = Sha256::new()
                    .chain_update(digest)
                    .chain_update(key.fingerprint())
                    .chain_update(signature)
                    .finalize()
                    .into();
                let found = self.signatures.lookup(&tag);
                lookup = Some(found);
                found.hit() || key.verifies(digest, signature)
            })?;
            if let Some(found) = lookup {
                self.signatures.record_success(&found, now);
            }
            Ok(claims)
        }
    }

    /// The request for load balancer `alb`'s (its place among the configured ARNs) key `kid`,
    /// for a runtime that reports fetches by these two (JS); `None` when there is no such load
    /// balancer or the `kid` is not a UUID.
    #[must_use]
    pub fn key_request(&self, alb: usize, kid: &str) -> Option<KeyRequest> {
        (alb < self.albs.len() && is_uuid(kid)).then(|| KeyRequest {
            alb,
            kid: kid.into(),
        })
    }

    /// Whether the key of `request` may be fetched now, and from where. A fetch allowed starts
    /// the load balancer's cooldown; the runtime shares it with every verification needing the
    /// same key meanwhile (it asks only when none is under way).
    #[must_use]
    pub fn request_key(&self, request: &KeyRequest, now: u64) -> KeyAction {
        let Some(slot) = self.albs.get(request.alb) else {
            return KeyAction::Refused(Error::WrongSigner);
        };
        let url = match self.key_url(request) {
            Ok(url) => url,
            Err(e) => return KeyAction::Refused(e),
        };
        let cooldown = self.config.refresh().unknown_kid_cooldown;
        let mut last = slot.last_fetch.lock();
        if last.is_some_and(|at| now < at.saturating_add(cooldown)) {
            drop(last);
            return self.without_key(request);
        }
        *last = Some(now);
        self.fetches.fetch_add(1, Ordering::Relaxed);
        KeyAction::Fetch { url }
    }

    /// What a token gets whose key is not held and will not be fetched now (one fetch for its
    /// load balancer started within the cooldown, or the fetch just made did not give it):
    /// `unknown_kid` when the load balancer has keys (the kid is likely invented), else keys
    /// unavailable until the cooldown ends. Never [`KeyAction::Fetch`].
    #[must_use]
    pub fn without_key(&self, request: &KeyRequest) -> KeyAction {
        let Some(slot) = self.albs.get(request.alb) else {
            return KeyAction::Refused(Error::WrongSigner);
        };
        if !slot.keys.read().is_empty() {
            return KeyAction::Refused(Error::UnknownKid);
        }
        let cooldown = self.config.refresh().unknown_kid_cooldown;
        let at = slot.last_fetch.lock().unwrap_or(0);
        KeyAction::Unavailable {
            retry_at: at.saturating_add(cooldown),
        }
    }

    /// Where the key of `request` is published: the configured key URL base, else the host of
    /// the configured ARN's partition and region (never the token's).
    fn key_url(&self, request: &KeyRequest) -> Result<String, Error> {
        if !is_uuid(&request.kid) {
            return Err(Error::MalformedToken);
        }
        if let Some(base) = self.config.key_url_base() {
            return Ok(alloc::format!(
                "{}/{}",
                base.trim_end_matches('/'),
                request.kid
            ));
        }
        let arn = self
            .config
            .arns()
            .get(request.alb)
            .ok_or(Error::WrongSigner)?;
        let mut out = [0u8; ALB_KEY_URL_MAX];
        Ok(alb_key_url(&AlbArn::parse(arn)?, &request.kid, &mut out)?.into())
    }

    /// Reports the document fetched for `request` (the PEM the load balancer serves).
    ///
    /// # Errors
    /// [`AlbKeyError`] when it is not a P-256 public key (counted as a failure; nothing kept).
    pub fn key_fetched(&self, request: &KeyRequest, body: &[u8]) -> Result<(), AlbKeyError> {
        let key = core::str::from_utf8(body)
            .ok()
            .filter(|_| body.len() <= MAX_ALB_KEY_BYTES)
            .ok_or(AlbKeyError::NotPem)
            .and_then(AlbKey::from_pem);
        match key {
            Ok(key) => {
                self.keep(request, key);
                Ok(())
            }
            Err(e) => {
                self.key_failed(request);
                Err(e)
            }
        }
    }

    /// Reports that the fetch for `request` failed (network, status, size, timeout). The keys
    /// held stay; the next fetch for its load balancer waits for the cooldown.
    pub fn key_failed(&self, _request: &KeyRequest) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Installs the key (PEM) load balancer `alb_arn` publishes under `kid`, as if fetched.
    ///
    /// # Errors
    /// `invalid_configuration` for an ARN not configured, `malformed_token` for a `kid` that is
    /// not a UUID, `unsupported_key` for a document that is not a P-256 public key.
    pub fn cache_key(&self, alb_arn: &str, kid: &str, pem: &str) -> Result<(), Error> {
        let alb = self
            .config
            .arns()
            .iter()
            .position(|a| a == alb_arn)
            .ok_or(Error::InvalidConfiguration)?;
        if !is_uuid(kid) {
            return Err(Error::MalformedToken);
        }
        let request = KeyRequest {
            alb,
            kid: kid.into(),
        };
        self.keep(&request, AlbKey::from_pem(pem)?);
        Ok(())
    }

    /// Keeps `key` as the key of `request`, dropping its load balancer's oldest beyond
    /// [`KEYS_PER_ALB`].
    fn keep(&self, request: &KeyRequest, key: AlbKey) {
        let Some(slot) = self.albs.get(request.alb) else {
            return;
        };
        let mut keys = slot.keys.write();
        keys.retain(|(kid, _)| *kid != request.kid);
        if keys.len() >= KEYS_PER_ALB {
            keys.remove(0);
        }
        keys.push((request.kid.clone(), key));
        slot.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether load balancer `alb` has a key.
    #[must_use]
    pub fn has_keys(&self, alb: usize) -> bool {
        self.albs
            .get(alb)
            .is_some_and(|a| !a.keys.read().is_empty())
    }

    /// The keys' counters.
    #[must_use]
    pub fn key_stats(&self) -> AlbKeyStats {
        AlbKeyStats {
            fetches: self.fetches.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            keys: self.albs.iter().map(|a| a.keys.read().len()).sum(),
        }
    }

    /// The verdict memo's counters.
    #[must_use]
    pub fn verdict_memo_stats(&self) -> VerdictMemoStats {
        self.memo.stats()
    }

    /// The signature cache's counters.
    #[cfg(all(feature = "signature-cache", target_has_atomic = "32"))]
    #[must_use]
    pub fn signature_cache_stats(&self) -> SignatureCacheStats {
        self.signatures.stats()
    }
}
