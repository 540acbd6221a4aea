//! The ALB verifier under JS's `AlbJwtVerifier` (`js/alb.mjs`): [`AlbSettings`], checked once by
//! the core's [`AlbConfig`] builder, and [`WasmAlbVerifier`], the core's [`AlbVerifierCore`]
//! (keys by `kid` per load balancer, the fetch policy, the signature cache, the verdict memo).
//! JS carries out the key fetches the core allows, sharing one between the verifications that
//! need the same key, and decides nothing.

use core::cell::{Cell, RefCell};

use cognito_verify::alb::{
    AlbConfig, AlbConfigBuilder, AlbOwnedClaims, AlbStep, AlbVerifierCore, KeyAction, KeyRequest,
};
use cognito_verify::{CacheSlot, Error, RefreshConfig};
use wasm_bindgen::prelude::*;

use crate::{status, to_f64, to_u64};

/// [`WasmAlbVerifier::verify`]'s status when the token's key must be fetched first
/// ([`WasmAlbVerifier::request_key`]).
const NEED_KEY: u32 = 0xfe;
/// [`WasmAlbVerifier::request_key`]'s status when the fetch may start
/// ([`WasmAlbVerifier::url`]).
const FETCH: u32 = 0;
/// [`WasmAlbVerifier::request_key`]'s status when keys are unavailable until
/// [`WasmAlbVerifier::retry_at`].
const UNAVAILABLE: u32 = 0xfd;

/// The settings of one ALB verifier being built, by the JS option names.
#[wasm_bindgen]
#[derive(Debug)]
pub struct AlbSettings {
    builder: Option<AlbConfigBuilder>,
    refresh: RefreshConfig,
    error: &'static str,
}

#[wasm_bindgen]
impl AlbSettings {
    /// Nothing configured yet, every setting the core's default.
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> AlbSettings {
        AlbSettings {
            builder: Some(AlbConfig::builder()),
            refresh: RefreshConfig::DEFAULT,
            error: "",
        }
    }

    /// The load balancers whose tokens are accepted (`albArn`).
    #[wasm_bindgen(js_name = albArns)]
    pub fn alb_arns(&mut self, arns: Vec<String>) {
        self.with(|b| arns.into_iter().fold(b, AlbConfigBuilder::alb_arn));
    }

    /// The app clients (`clientId`).
    #[wasm_bindgen(js_name = clientIds)]
    pub fn client_ids(&mut self, ids: Vec<String>) {
        self.with(|b| ids.into_iter().fold(b, AlbConfigBuilder::client_id));
    }

    /// The issuer tokens must carry (`issuer`).
    pub fn issuer(&mut self, issuer: String) {
        self.with(|b| b.issuer(issuer));
    }

    /// Where keys are fetched from instead of the partition's host (`keyUrlBase`).
    #[wasm_bindgen(js_name = keyUrlBase)]
    pub fn key_url_base(&mut self, base: String) {
        self.with(|b| b.key_url_base(base));
    }

    /// Sets the numeric setting `name` (its JS option name) to `value`. Returns false for a name
    /// it does not know.
    pub fn number(&mut self, name: &str, value: f64) -> bool {
        let n = to_u64(value);
        let size = usize::try_from(n).unwrap_or(usize::MAX);
        match name {
            "graceSeconds" => self.with(|b| b.leeway(n)),
            "maxTokenBytes" => self.with(|b| b.max_token_bytes(size)),
            "signatureCache" => self.with(|b| b.signature_cache(size)),
            "verdictMemo" => self.with(|b| b.verdict_memo(size)),
            "verdictMemoBytes" => self.with(|b| b.verdict_memo_bytes(size)),
            "unknownKidCooldownSeconds" => self.refresh.unknown_kid_cooldown = n,
            "requestTimeoutSeconds" => self.refresh.request_timeout = n,
            _ => return false,
        }
        true
    }

    /// The verifier, or `undefined` when the settings are unusable ([`error`](Self::error) says
    /// why). Settings build once.
    pub fn build(&mut self) -> Option<WasmAlbVerifier> {
        let refresh = self.refresh;
        let config = match self.builder.take().map(|b| b.refresh(refresh).build()) {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                self.error = e.message();
                return None;
            }
            None => {
                self.error = "settings build once";
                return None;
            }
        };
        // The caches are allocated by the core, and an allocation that fails aborts the
        // module: ask first, without aborting.
        let (memo, _) = config.verdict_memo();
        if Vec::<CacheSlot>::new()
            .try_reserve_exact(config.signature_cache())
            .is_err()
            || Vec::<[usize; 2]>::new().try_reserve_exact(memo).is_err()
        {
            self.error = "signatureCache / verdictMemo: that many entries cannot be allocated";
            return None;
        }
        Some(WasmAlbVerifier {
            core: AlbVerifierCore::new(config),
            last: RefCell::new(None),
            request: RefCell::new(None),
            url: RefCell::new(String::new()),
            retry_at: Cell::new(0),
        })
    }

    /// Why the last [`build`](Self::build) failed (empty if it did not).
    #[must_use]
    pub fn error(&self) -> String {
        self.error.to_owned()
    }
}

impl AlbSettings {
    fn with(&mut self, f: impl FnOnce(AlbConfigBuilder) -> AlbConfigBuilder) {
        self.builder = self.builder.take().map(f);
    }
}

impl WasmAlbVerifier {
    fn request_of(&self, alb: u32, kid: &str) -> Option<KeyRequest> {
        self.core.key_request(usize::try_from(alb).ok()?, kid)
    }
}

impl Default for AlbSettings {
    fn default() -> Self {
        Self::new()
    }
}

/// The ALB verifier JS drives. Every method returns a status number (0 success, else `1 +` the
/// error's index in [`Error::ALL`], or one of the module's own) and never throws.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmAlbVerifier {
    core: AlbVerifierCore,
    /// The claims of the last token verified ([`payload`](Self::payload)).
    last: RefCell<Option<AlbOwnedClaims>>,
    /// The key the last [`verify`](Self::verify) needed ([`key_alb`](Self::key_alb),
    /// [`key_id`](Self::key_id)).
    request: RefCell<Option<KeyRequest>>,
    /// Where the fetch [`request_key`](Self::request_key) allowed goes.
    url: RefCell<String>,
    retry_at: Cell<u64>,
}

#[wasm_bindgen]
impl WasmAlbVerifier {
    /// Verifies `token` at `now` (Unix seconds) with the keys held: 0 (claims in
    /// [`payload`](Self::payload)), an error's status, or `NEED_KEY` (the key is named by
    /// [`key_alb`](Self::key_alb) and [`key_id`](Self::key_id)).
    pub fn verify(&self, token: &str, now: f64) -> u32 {
        match self.core.verify(token, to_u64(now)) {
            Ok(AlbStep::Verified(claims)) => {
                self.last.replace(Some(claims));
                0
            }
            Ok(AlbStep::NeedKey(request)) => {
                self.request.replace(Some(request));
                NEED_KEY
            }
            Err(e) => status(e),
        }
    }

    /// The payload (the user's claims, JSON) of the token [`verify`](Self::verify) last passed.
    #[must_use]
    pub fn payload(&self) -> String {
        self.last
            .borrow()
            .as_ref()
            .map(|c| c.payload_json().to_owned())
            .unwrap_or_default()
    }

    /// The load balancer (its place among the ARNs) whose key the last verification needed.
    #[wasm_bindgen(js_name = keyAlb)]
    #[must_use]
    pub fn key_alb(&self) -> u32 {
        self.request
            .borrow()
            .as_ref()
            .and_then(|r| u32::try_from(r.alb()).ok())
            .unwrap_or(u32::MAX)
    }

    /// The `kid` the last verification needed (a UUID).
    #[wasm_bindgen(js_name = keyId)]
    #[must_use]
    pub fn key_id(&self) -> String {
        self.request
            .borrow()
            .as_ref()
            .map(|r| r.kid().to_owned())
            .unwrap_or_default()
    }

    /// May load balancer `alb`'s key `kid` (what the last verification needed) be fetched now?
    /// `FETCH` (GET [`url`](Self::url), then report), `UNAVAILABLE` (until
    /// [`retry_at`](Self::retry_at)), or the status of the code the token gets
    /// (`unknown_kid`). `without` true: only what a token gets without its key, never starting a
    /// fetch (after a fetch that did not give it).
    #[wasm_bindgen(js_name = requestKey)]
    pub fn request_key(&self, alb: u32, kid: &str, now: f64, without: bool) -> u32 {
        let Some(request) = self.request_of(alb, kid) else {
            return status(Error::UnknownKid);
        };
        let action = if without {
            self.core.without_key(&request)
        } else {
            self.core.request_key(&request, to_u64(now))
        };
        match action {
            KeyAction::Fetch { url } => {
                self.url.replace(url);
                FETCH
            }
            KeyAction::Refused(e) => status(e),
            KeyAction::Unavailable { retry_at } => {
                self.retry_at.set(retry_at);
                UNAVAILABLE
            }
        }
    }

    /// Where the fetch [`request_key`](Self::request_key) allowed goes.
    #[must_use]
    pub fn url(&self) -> String {
        self.url.borrow().clone()
    }

    /// Seconds a key fetch may take (the refresh policy's `request_timeout`).
    #[wasm_bindgen(js_name = requestTimeout)]
    #[must_use]
    pub fn request_timeout(&self) -> f64 {
        to_f64(self.core.config().refresh().request_timeout)
    }

    /// When keys may be fetched again, after `UNAVAILABLE` (Unix seconds).
    #[wasm_bindgen(js_name = retryAt)]
    #[must_use]
    pub fn retry_at(&self) -> f64 {
        to_f64(self.retry_at.get())
    }

    /// Reports the document fetched for load balancer `alb`'s `kid` (`body` of `null`: the fetch
    /// failed). 0, or the status of `unsupported_key` for a document that is not a P-256 key.
    #[wasm_bindgen(js_name = keyFetched)]
    pub fn key_fetched(&self, alb: u32, kid: &str, body: Option<Vec<u8>>) -> u32 {
        let Some(request) = self.request_of(alb, kid) else {
            return status(Error::UnknownKid);
        };
        match body {
            None => {
                self.core.key_failed(&request);
                0
            }
            Some(body) => match self.core.key_fetched(&request, &body) {
                Ok(()) => 0,
                Err(e) => status(e.into()),
            },
        }
    }

    /// Installs the key (PEM) load balancer `alb_arn` publishes under `kid`, as if fetched.
    #[wasm_bindgen(js_name = cacheKey)]
    pub fn cache_key(&self, alb_arn: &str, kid: &str, pem: &str) -> u32 {
        match self.core.cache_key(alb_arn, kid, pem) {
            Ok(()) => 0,
            Err(e) => status(e),
        }
    }

    /// The counters: [key fetches, failures, keys, memo hits, memo misses, memo capacity
    /// (entries), memo bytes held, signature-cache hits, misses, capacity, memo bytes allowed].
    #[must_use]
    pub fn stats(&self) -> Vec<f64> {
        let k = self.core.key_stats();
        let m = self.core.verdict_memo_stats();
        let s = self.core.signature_cache_stats();
        [
            k.fetches,
            k.failures,
            k.keys as u64,
            m.hits,
            m.misses,
            m.capacity as u64,
            m.bytes as u64,
            s.hits,
            s.misses,
            s.capacity as u64,
            m.max_bytes as u64,
        ]
        .into_iter()
        .map(to_f64)
        .collect()
    }
}
