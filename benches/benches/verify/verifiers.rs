//! The verifiers timed: ours, and each peer doing what an application does per request.

use std::collections::HashSet;
use std::hint::black_box;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use cognito_verify::{
    AcceptedTokenUse, CacheSlot, Config, CoreCrypto, Issuer, KeySet, RevocationList,
    RevocationSlot, SignatureCache, Verifier, VerifierConfig, VerifierCore,
};
use serde::Deserialize;
use sha2::Sha256;

use crate::fixtures::{Fixtures, CLIENT, ISS, POOL};

/// The JWKS's members as the peers take them: (kid, kty, n, e, x, y), base64url.
#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}
#[derive(Deserialize)]
struct Jwk {
    kid: String,
    #[serde(default)]
    n: String,
    #[serde(default)]
    e: String,
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
}

fn jwks_members(jwks: &str) -> Vec<Jwk> {
    serde_json::from_str::<Jwks>(jwks).unwrap().keys
}

/// Ours: a key set and three verifiers, as firmware holds them; and the one verifier of every
/// runtime with a heap (`VerifierCore`: keys, signature cache and revocation list inside), as
/// the fetching verifier and the C and wasm bindings run it per token.
pub(crate) struct Ours {
    pub(crate) keys: KeySet,
    keys_ec: KeySet,
    id: Verifier<'static>,
    access: Verifier<'static>,
    es256: Verifier<'static>,
    core: VerifierCore,
}

pub(crate) static ISSUERS: [Issuer<&str>; 1] = [Issuer::UserPool(POOL)];
pub(crate) static REVOKED: RevocationList<[RevocationSlot; 4096]> = RevocationList::new();
pub(crate) static REVOKED_NONE: RevocationList<[RevocationSlot; 4096]> = RevocationList::new();
pub(crate) static REVOKED_ONCE_FULL: RevocationList<[RevocationSlot; 4096]> = RevocationList::new();
pub(crate) static CLIENTS: [&str; 1] = [CLIENT];

impl Ours {
    pub(crate) fn new(fx: &Fixtures) -> Self {
        let cfg = Config::new(&ISSUERS, &CLIENTS);
        Ours {
            keys: KeySet::from_jwks(fx.jwks.as_bytes()).unwrap(),
            keys_ec: KeySet::from_jwks(fx.jwks_ec.as_bytes()).unwrap(),
            id: Verifier::new(cfg.token_use(AcceptedTokenUse::Id)).unwrap(),
            access: Verifier::new(cfg.token_use(AcceptedTokenUse::Access)).unwrap(),
            es256: Verifier::new(cfg.token_use(AcceptedTokenUse::Id).allow_es256(true)).unwrap(),
            core: {
                let config = VerifierConfig::builder()
                    .user_pool(POOL)
                    .client_id(CLIENT)
                    .token_use(AcceptedTokenUse::Id)
                    .build()
                    .unwrap();
                let core = VerifierCore::new(config);
                core.load_jwks(None, fx.jwks.as_bytes(), cognito_verify::now())
                    .unwrap();
                core
            },
        }
    }
    fn run(v: &Verifier<'_>, keys: &KeySet, token: &str) -> bool {
        let mut buf = [0u8; 2048];
        match v.verify(keys, token, cognito_verify::now(), &mut buf) {
            Ok(c) => black_box(c.sub()).is_some(),
            Err(_) => false,
        }
    }
    pub(crate) fn verify_id(&self, t: &str) -> bool {
        Self::run(&self.id, &self.keys, t)
    }
    pub(crate) fn verify_access(&self, t: &str) -> bool {
        Self::run(&self.access, &self.keys, t)
    }
    pub(crate) fn verify_es256(&self, t: &str) -> bool {
        Self::run(&self.es256, &self.keys_ec, t)
    }
    /// With a verified-signature cache: a hit once `t` is stored.
    pub(crate) fn verify_id_cached<const N: usize>(
        &self,
        cache: &SignatureCache<[CacheSlot; N]>,
        t: &str,
    ) -> bool {
        cached(&self.id, &self.keys, cache, t, cognito_verify::now())
    }
    /// Through `VerifierCore` (its verdict memo answers once `t` was verified).
    pub(crate) fn verify_id_core(&self, t: &str) -> bool {
        let mut buf = [0u8; 2048];
        match self.core.verify(t, cognito_verify::now(), &mut buf) {
            Ok(c) => black_box(c.sub()).is_some(),
            Err(_) => false,
        }
    }
}

/// `t` parsed once and verified by `v` through `cache`.
pub(crate) fn cached<const N: usize>(
    v: &Verifier<'_>,
    keys: &KeySet,
    cache: &SignatureCache<[CacheSlot; N]>,
    t: &str,
    now: u64,
) -> bool {
    let mut buf = [0u8; 2048];
    let verified = v
        .parse(t, &mut buf)
        .and_then(|token| v.verify_token_cached(&token, Some(keys), cache, now, &mut CoreCrypto));
    match verified {
        Ok(c) => black_box(c.sub()).is_some(),
        Err(_) => false,
    }
}

/// The claims a Cognito check reads, as a serde user would declare them.
#[derive(Deserialize)]
#[allow(dead_code)]
struct CognitoClaims {
    sub: String,
    iss: String,
    token_use: String,
    exp: u64,
    #[serde(default)]
    aud: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
}

/// jsonwebtoken with its `aws_lc_rs` provider: header, kid lookup, decode with iss/aud/exp
/// validation, then token_use (and client_id for access tokens).
pub(crate) struct Jsonwebtoken {
    keys: Vec<(String, jsonwebtoken::DecodingKey)>,
    keys_ec: Vec<(String, jsonwebtoken::DecodingKey)>,
    id: jsonwebtoken::Validation,
    access: jsonwebtoken::Validation,
    es256: jsonwebtoken::Validation,
}

impl Jsonwebtoken {
    pub(crate) fn parse_jwks(jwks: &str) -> Vec<(String, jsonwebtoken::DecodingKey)> {
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(jwks).unwrap();
        set.keys
            .iter()
            .map(|k| {
                let kid = k.common.key_id.clone().unwrap();
                (kid, jsonwebtoken::DecodingKey::from_jwk(k).unwrap())
            })
            .collect()
    }
    pub(crate) fn new(fx: &Fixtures) -> Self {
        use jsonwebtoken::{Algorithm, Validation};
        let v = |alg, aud: bool| {
            let mut v = Validation::new(alg);
            v.set_issuer(&[ISS]);
            if aud {
                v.set_audience(&[CLIENT]);
            } else {
                v.validate_aud = false;
            }
            v.set_required_spec_claims(&["exp", "iss"]);
            v
        };
        Jsonwebtoken {
            keys: Self::parse_jwks(&fx.jwks),
            keys_ec: Self::parse_jwks(&fx.jwks_ec),
            id: v(Algorithm::RS256, true),
            access: v(Algorithm::RS256, false),
            es256: v(Algorithm::ES256, true),
        }
    }
    fn run(
        keys: &[(String, jsonwebtoken::DecodingKey)],
        v: &jsonwebtoken::Validation,
        t: &str,
    ) -> Option<CognitoClaims> {
        let header = jsonwebtoken::decode_header(t).ok()?;
        let kid = header.kid?;
        let (_, key) = keys.iter().find(|(k, _)| *k == kid)?;
        Some(
            jsonwebtoken::decode::<CognitoClaims>(t, key, v)
                .ok()?
                .claims,
        )
    }
    pub(crate) fn verify_id(&self, t: &str) -> bool {
        Self::run(&self.keys, &self.id, t).is_some_and(|c| c.token_use == "id")
    }
    pub(crate) fn verify_access(&self, t: &str) -> bool {
        Self::run(&self.keys, &self.access, t)
            .is_some_and(|c| c.token_use == "access" && c.client_id.as_deref() == Some(CLIENT))
    }
    pub(crate) fn verify_es256(&self, t: &str) -> bool {
        Self::run(&self.keys_ec, &self.es256, t).is_some_and(|c| c.token_use == "id")
    }
}

/// jwt-simple's custom claims (iss, aud, exp are its own).
#[derive(Deserialize, serde::Serialize)]
struct SimpleCustom {
    token_use: String,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
}

/// jwt-simple, default features (RS256 through BoringSSL; ES256 through RustCrypto `p256`).
pub(crate) struct JwtSimple {
    keys: Vec<(String, jwt_simple::algorithms::RS256PublicKey)>,
    key_ec: (String, jwt_simple::algorithms::ES256PublicKey),
    options: jwt_simple::common::VerificationOptions,
}

impl JwtSimple {
    pub(crate) fn new(fx: &Fixtures) -> Self {
        use jwt_simple::algorithms::{ES256PublicKey, RS256PublicKey};
        let d = |s: &str| B64.decode(s).unwrap();
        let keys = jwks_members(&fx.jwks)
            .into_iter()
            .map(|k| {
                (
                    k.kid,
                    RS256PublicKey::from_components(&d(&k.n), &d(&k.e)).unwrap(),
                )
            })
            .collect();
        let ec = jwks_members(&fx.jwks_ec).into_iter().nth(1).unwrap();
        let mut sec1 = vec![4u8];
        sec1.extend(d(&ec.x));
        sec1.extend(d(&ec.y));
        let options = jwt_simple::common::VerificationOptions {
            allowed_issuers: Some(HashSet::from([ISS.to_owned()])),
            allowed_audiences: Some(HashSet::from([CLIENT.to_owned()])),
            ..Default::default()
        };
        JwtSimple {
            keys,
            key_ec: (ec.kid, ES256PublicKey::from_bytes(&sec1).unwrap()),
            options,
        }
    }
    pub(crate) fn verify_id(&self, t: &str) -> bool {
        use jwt_simple::algorithms::RSAPublicKeyLike as _;
        let Ok(meta) = jwt_simple::token::Token::decode_metadata(t) else {
            return false;
        };
        let Some((_, key)) = self
            .keys
            .iter()
            .find(|(k, _)| Some(k.as_str()) == meta.key_id())
        else {
            return false;
        };
        key.verify_token::<SimpleCustom>(t, Some(self.options.clone()))
            .is_ok_and(|c| c.custom.token_use == "id")
    }
    pub(crate) fn verify_es256(&self, t: &str) -> bool {
        use jwt_simple::algorithms::ECDSAP256PublicKeyLike as _;
        let Ok(meta) = jwt_simple::token::Token::decode_metadata(t) else {
            return false;
        };
        if meta.key_id() != Some(self.key_ec.0.as_str()) {
            return false;
        }
        self.key_ec
            .1
            .verify_token::<SimpleCustom>(t, Some(self.options.clone()))
            .is_ok_and(|c| c.custom.token_use == "id")
    }
}

/// jwt-compact's custom claims (exp is its own).
#[derive(Deserialize)]
#[allow(dead_code)]
struct CompactCustom {
    sub: String,
    iss: String,
    aud: String,
    token_use: String,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
}

/// jwt-compact with `rsa` (the RustCrypto `rsa` crate).
pub(crate) struct JwtCompact {
    keys: Vec<(String, jwt_compact::alg::RsaPublicKey)>,
}

impl JwtCompact {
    pub(crate) fn new(fx: &Fixtures) -> Self {
        let d = |s: &str| rsa::BigUint::from_bytes_be(&B64.decode(s).unwrap());
        let keys = jwks_members(&fx.jwks)
            .into_iter()
            .map(|k| (k.kid, rsa::RsaPublicKey::new(d(&k.n), d(&k.e)).unwrap()))
            .collect();
        JwtCompact { keys }
    }
    pub(crate) fn verify_id(&self, t: &str) -> bool {
        use jwt_compact::AlgorithmExt as _;
        let Ok(untrusted) = jwt_compact::UntrustedToken::new(t) else {
            return false;
        };
        let kid = untrusted.header().key_id.as_deref();
        let Some((_, key)) = self.keys.iter().find(|(k, _)| Some(k.as_str()) == kid) else {
            return false;
        };
        let Ok(token) = jwt_compact::alg::Rsa::rs256()
            .validator::<CompactCustom>(key)
            .validate(&untrusted)
        else {
            return false;
        };
        let claims = token.claims();
        claims
            .validate_expiration(&jwt_compact::TimeOptions::default())
            .is_ok()
            && claims.custom.iss == ISS
            && claims.custom.aud == CLIENT
            && claims.custom.token_use == "id"
    }
}

/// The `rsa` crate's PKCS#1 v1.5 check of the ID token's signature over a precomputed digest:
/// no base64, no SHA-256, no JSON. A floor for what RSA alone costs in that crate.
pub(crate) fn rsa_raw(fx: &Fixtures) -> bool {
    fx.rsa_a
        .verify(
            rsa::Pkcs1v15Sign::new::<Sha256>(),
            &fx.id_digest,
            &fx.id_sig,
        )
        .is_ok()
}
