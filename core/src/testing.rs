//! A testing kit (feature `test-util`): a fixed RSA key pair and its JWKS, Cognito-shaped ID
//! and access tokens with the claims a test chooses, and verifiers that hold the kit's keys and a
//! fixed clock and never touch the network. Enable it in `[dev-dependencies]` only: the private
//! key is public (it is `testdata/keys/rsa2048_a.pem` of this repository).
//!
#![cfg_attr(feature = "fetch", doc = include_str!("testing/example.md"))]
//!
//! Tokens are signed when [`TokenBuilder::sign`] is called, issued at the pool's clock
//! ([`TEST_NOW`] unless [`TestPool::clock`] says otherwise) and valid for an hour by default.
//! [`TestPool::verifier`] (feature `fetch`) is a [`CognitoJwtVerifier`] built
//! [`offline`](crate::CognitoJwtVerifierBuilder::offline): a token naming a `kid` the kit's JWKS
//! lacks is `unknown_kid` and nothing is fetched; [`TestPool::verifier_core`] is the same for
//! callers of [`VerifierCore`] without the `fetch` feature.

use core::sync::atomic::{AtomicU64, Ordering};
use std::borrow::ToOwned;
use std::format;
use std::string::{String, ToString};
use std::sync::OnceLock;
use std::vec::Vec;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Map, Value};
use sha2::Sha256;

#[cfg(feature = "alb")]
pub mod alb;

#[cfg(feature = "fetch")]
use crate::{CognitoJwtVerifier, CognitoJwtVerifierBuilder};
use crate::{ConfigBuilder, VerifierConfig, VerifierCore};

/// The kit's private key, RSA 2048 (PKCS#8 PEM). Public knowledge: tests only.
pub const TEST_KEY_PEM: &str = include_str!("testing/rsa2048_a.pem");
/// The `kid` of the kit's key in [`jwks`] and in every token it signs.
pub const TEST_KID: &str = "kA";
/// The fixed time of the kit's clock, unix seconds (2023-11-14T22:13:20Z).
pub const TEST_NOW: u64 = 1_700_000_000;
/// The `sub` of the kit's tokens unless [`TokenBuilder::sub`] sets another.
pub const TEST_SUB: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

/// [`TEST_NOW`], as a clock for [`crate::CognitoJwtVerifierBuilder::clock`].
#[must_use]
pub fn test_now() -> u64 {
    TEST_NOW
}

fn signing_key() -> &'static SigningKey<Sha256> {
    // Parsed once: an RSA key's precomputation is the slow part of signing.
    static KEY: OnceLock<SigningKey<Sha256>> = OnceLock::new();
    KEY.get_or_init(|| {
        #[allow(clippy::expect_used, reason = "the embedded key is known good")]
        let key = RsaPrivateKey::from_pkcs8_pem(TEST_KEY_PEM).expect("embedded test key");
        SigningKey::new(key)
    })
}

/// The JWKS document of the kit's key: `{"keys":[{"kty":"RSA","kid":"kA",...}]}`.
#[must_use]
pub fn jwks() -> String {
    let public = signing_key().as_ref();
    json!({"keys": [{
        "kty": "RSA", "alg": "RS256", "use": "sig", "kid": TEST_KID,
        "n": B64.encode(public.n().to_bytes_be()),
        "e": B64.encode(public.e().to_bytes_be()),
    }]})
    .to_string()
}

/// Signs `claims` as an RS256 token with the kit's key and this `kid`: any payload, for tests of
/// shapes the builders do not make.
#[must_use]
pub fn sign_claims(claims: &Value, kid: &str) -> String {
    let header = B64.encode(json!({"kid": kid, "alg": "RS256"}).to_string());
    let input = format!("{header}.{}", B64.encode(claims.to_string()));
    let signature = signing_key().sign(input.as_bytes()).to_vec();
    format!("{input}.{}", B64.encode(signature))
}

/// A user pool and app client to mint tokens for, and to build verifiers of.
#[derive(Clone, Debug)]
pub struct TestPool {
    pool_id: String,
    client_id: String,
    clock: fn() -> u64,
}

impl TestPool {
    /// A pool such as `us-east-1_Example1` (its region is the part before `_`) and an app
    /// client id; the clock is [`test_now`].
    #[must_use]
    pub fn new(pool_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        TestPool {
            pool_id: pool_id.into(),
            client_id: client_id.into(),
            clock: test_now,
        }
    }

    /// The clock tokens are issued at and verifiers check against: [`crate::now`] for a
    /// service that runs on the real time.
    #[must_use]
    pub fn clock(mut self, clock: fn() -> u64) -> Self {
        self.clock = clock;
        self
    }

    /// The pool id.
    #[must_use]
    pub fn pool_id(&self) -> &str {
        &self.pool_id
    }

    /// The app client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// `https://cognito-idp.{region}.amazonaws.com/{pool id}`, the `iss` of the pool's tokens.
    #[must_use]
    pub fn issuer(&self) -> String {
        let region = self.pool_id.split('_').next().unwrap_or_default();
        format!(
            "https://cognito-idp.{region}.amazonaws.com/{}",
            self.pool_id
        )
    }

    /// The time now on the pool's clock.
    #[must_use]
    pub fn now(&self) -> u64 {
        (self.clock)()
    }

    /// An ID token (`token_use` `id`, `aud` the client), user `alice`, valid for an hour.
    pub fn id_token(&self) -> TokenBuilder {
        self.token(json!({
            "token_use": "id",
            "aud": self.client_id,
            "cognito:username": "alice",
            "email": "alice@example.com",
            "email_verified": true,
        }))
    }

    /// An access token (`token_use` `access`, `client_id` the client, scope
    /// `aws.cognito.signin.user.admin`), user `alice`, valid for an hour.
    pub fn access_token(&self) -> TokenBuilder {
        self.token(json!({
            "token_use": "access",
            "client_id": self.client_id,
            "username": "alice",
            "scope": "aws.cognito.signin.user.admin",
        }))
    }

    fn token(&self, specific: Value) -> TokenBuilder {
        // Distinct `jti`s, so revocation tests can tell tokens apart; the same sequence in
        // every run.
        static SERIAL: AtomicU64 = AtomicU64::new(1);
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let now = self.now();
        let mut claims = Map::new();
        claims.insert("sub".into(), TEST_SUB.into());
        claims.insert("iss".into(), self.issuer().into());
        claims.insert(
            "origin_jti".into(),
            format!("00000000-0000-4000-8000-{n:012x}").into(),
        );
        claims.insert(
            "event_id".into(),
            format!("11111111-0000-4000-8000-{n:012x}").into(),
        );
        claims.insert("auth_time".into(), now.into());
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), now.saturating_add(3600).into());
        claims.insert(
            "jti".into(),
            format!("22222222-0000-4000-8000-{n:012x}").into(),
        );
        if let Value::Object(o) = specific {
            claims.extend(o);
        }
        TokenBuilder {
            claims,
            lifetime: 3600,
            kid: TEST_KID.to_owned(),
        }
    }

    /// The verifier settings of this pool and client, for [`VerifierCore`] or the C-like
    /// [`crate::Verifier`] paths.
    #[must_use]
    pub fn config_builder(&self) -> ConfigBuilder {
        VerifierConfig::builder()
            .user_pool(self.pool_id.clone())
            .client_id(self.client_id.clone())
    }

    /// A [`VerifierCore`] of this pool holding the kit's keys (loaded at the pool's clock).
    /// Verify with [`VerifierCore::verify`] at [`TestPool::now`].
    ///
    /// # Panics
    /// If `settings` make an invalid configuration.
    #[must_use]
    pub fn verifier_core(
        &self,
        settings: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
    ) -> VerifierCore {
        #[allow(
            clippy::expect_used,
            reason = "a test helper: a bad setting fails the test"
        )]
        let core = VerifierCore::new(
            settings(self.config_builder())
                .build()
                .expect("valid settings"),
        );
        #[allow(clippy::expect_used, reason = "the kit's JWKS is known good")]
        core.load_jwks(None, jwks().as_bytes(), self.now())
            .expect("the kit's JWKS");
        core
    }

    /// The settings of [`verifier`](Self::verifier): this pool and client, the pool's clock,
    /// [`offline`](CognitoJwtVerifierBuilder::offline). Build, then load [`jwks`] with
    /// [`CognitoJwtVerifier::cache_jwks`].
    #[cfg(feature = "fetch")]
    #[must_use]
    pub fn verifier_builder(&self) -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifier::builder()
            .user_pool(self.pool_id.clone())
            .client_id(self.client_id.clone())
            .clock(self.clock)
            .offline()
    }

    /// A [`CognitoJwtVerifier`] of this pool and client that holds the kit's keys, runs on the
    /// pool's clock and never fetches.
    #[cfg(feature = "fetch")]
    #[must_use]
    pub fn verifier(&self) -> CognitoJwtVerifier {
        self.verifier_with(|b| b)
    }

    /// [`verifier`](Self::verifier) with more settings (token use, groups, leeway...).
    ///
    /// # Panics
    /// If `settings` make an invalid configuration.
    #[cfg(feature = "fetch")]
    #[must_use]
    pub fn verifier_with(
        &self,
        settings: impl FnOnce(CognitoJwtVerifierBuilder) -> CognitoJwtVerifierBuilder,
    ) -> CognitoJwtVerifier {
        #[allow(
            clippy::expect_used,
            reason = "a test helper: a bad setting fails the test"
        )]
        let verifier = settings(self.verifier_builder())
            .build()
            .expect("valid settings");
        #[allow(clippy::expect_used, reason = "the kit's JWKS is known good")]
        verifier
            .cache_jwks(None, jwks().as_bytes())
            .expect("the kit's JWKS");
        verifier
    }
}

/// The claims of one token to mint ([`TestPool::id_token`], [`TestPool::access_token`]).
#[derive(Clone, Debug)]
#[must_use = "sign() makes the token"]
pub struct TokenBuilder {
    claims: Map<String, Value>,
    lifetime: u64,
    kid: String,
}

impl TokenBuilder {
    /// The user's `sub`.
    #[allow(clippy::should_implement_trait, reason = "the claim's name")]
    pub fn sub(self, sub: &str) -> Self {
        self.claim("sub", sub)
    }

    /// The user name: `cognito:username` of an ID token, `username` of an access token.
    pub fn username(self, name: &str) -> Self {
        let key = if self.claims.contains_key("username") {
            "username"
        } else {
            "cognito:username"
        };
        self.claim(key, name)
    }

    /// `cognito:groups`.
    pub fn groups<I: IntoIterator<Item = T>, T: Into<String>>(self, groups: I) -> Self {
        let list: Vec<Value> = groups
            .into_iter()
            .map(|g| Value::String(g.into()))
            .collect();
        self.claim("cognito:groups", list)
    }

    /// `scope`, space-separated (access tokens).
    pub fn scope(self, scope: &str) -> Self {
        self.claim("scope", scope)
    }

    /// `exp` this many seconds after `iat` (default 3600). Negative lifetimes are spelled with
    /// [`issued_at`](Self::issued_at) in the past: an expired token is
    /// `.issued_at(pool.now() - 7200)`.
    pub fn expires_in(mut self, seconds: u64) -> Self {
        self.lifetime = seconds;
        self.with_exp()
    }

    /// `iat` and `auth_time` (unix seconds); `exp` follows at the lifetime.
    pub fn issued_at(self, unix_seconds: u64) -> Self {
        self.claim("iat", unix_seconds)
            .claim("auth_time", unix_seconds)
            .with_exp()
    }

    /// Any claim, replaced or added (custom attributes, `email`, an `exp` of your own...).
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_string(), value.into());
        self
    }

    /// Leaves a claim out (a token missing `sub`, say).
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// The header's `kid` (default [`TEST_KID`]): another one makes a token the kit's JWKS
    /// cannot verify (`unknown_kid`).
    pub fn kid(mut self, kid: &str) -> Self {
        self.kid = kid.to_string();
        self
    }

    /// The claims as they will be signed.
    #[must_use]
    pub fn claims(&self) -> Value {
        Value::Object(self.claims.clone())
    }

    /// The token: RS256 with the kit's key.
    #[must_use]
    pub fn sign(&self) -> String {
        sign_claims(&self.claims(), &self.kid)
    }

    fn with_exp(self) -> Self {
        let iat = self
            .claims
            .get("iat")
            .and_then(Value::as_u64)
            .unwrap_or(TEST_NOW);
        let exp = iat.saturating_add(self.lifetime);
        self.claim("exp", exp)
    }
}
