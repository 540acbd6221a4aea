//! `cargo bench -p cognito-verify-benches`: cognito-verify beside the Rust JWT crates people
//! would pick instead, on the same Cognito-shaped tokens, in one run.
//!
//! Fixtures are made at start-up, deterministically, from the committed `testdata/keys/*.pem`
//! (RS256 is deterministic; ES256 uses RFC 6979 nonces). After criterion's groups the bench
//! counts heap allocations per verification, measures multi-threaded throughput, and prints a
//! summary of tokens/s and ours/peer ratios read back from criterion's `estimates.json`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use cognito_verify::{
    AcceptedTokenUse, CacheSlot, Config, Issuer, KeySet, Revocation, RevocationList,
    RevocationSlot, SignatureCache, Verifier,
};
use criterion::{BenchmarkId, Criterion};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

// ------------------------------------------------------------------ allocation counting

/// The system allocator, counting every allocation (realloc counts as one).
struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call unchanged to `System`, which upholds `GlobalAlloc`'s contract.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations (C allocations inside aws-lc/BoringSSL are not seen) per call of `f`.
fn allocs_per_call(mut f: impl FnMut() -> bool) -> f64 {
    assert!(f());
    const N: u64 = 200;
    let before = ALLOCS.load(Relaxed);
    for _ in 0..N {
        black_box(f());
    }
    (ALLOCS.load(Relaxed) - before) as f64 / N as f64
}

// ------------------------------------------------------------------ fixtures

const POOL: &str = "us-east-1_TestPool1";
const CLIENT: &str = "3n4b5urk1ft4fl3mg5e62d9ado";
const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";
const IAT: u64 = 1_700_000_000;
/// Far in the future: the peers read the system clock, so `iat + 3600` (Cognito's lifetime)
/// would have expired. Same digit count, so the same token size.
const EXP: u64 = 4_102_444_800;

const PEM_A: &str = include_str!("../../testdata/keys/rsa2048_a.pem");
const PEM_B: &str = include_str!("../../testdata/keys/rsa2048_b.pem");
const PEM_EC: &str = include_str!("../../testdata/keys/p256.pem");

struct Fixtures {
    /// `{"keys":[kA, kB]}`, both RSA-2048, e = 65537, as Cognito publishes them.
    jwks: String,
    /// `{"keys":[kA, kEC]}`.
    jwks_ec: String,
    /// RS256 (kA) ID token, RS256 (kA) access token, ES256 (kEC) ID token.
    id: String,
    access: String,
    es256: String,
    /// For the raw RSA check: kA's public key, SHA-256 of the ID token's signing input, signature.
    rsa_a: rsa::RsaPublicKey,
    id_digest: [u8; 32],
    id_sig: Vec<u8>,
}

fn b64(b: &[u8]) -> String {
    B64.encode(b)
}

fn rsa_jwk(k: &rsa::RsaPrivateKey, kid: &str) -> String {
    use rsa::traits::PublicKeyParts as _;
    format!(
        r#"{{"alg":"RS256","e":"{}","kid":"{kid}","kty":"RSA","n":"{}","use":"sig"}}"#,
        b64(&k.e().to_bytes_be()),
        b64(&k.n().to_bytes_be())
    )
}

/// The claims of `testdata/generate.py`'s `id_claims()`, in its order, with EXP.
fn id_claims() -> String {
    format!(
        r#"{{"sub":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","cognito:groups":["admin","users"],"email_verified":true,"iss":"{ISS}","cognito:username":"alice","origin_jti":"11111111-2222-3333-4444-555555555555","aud":"{CLIENT}","event_id":"66666666-7777-8888-9999-000000000000","token_use":"id","auth_time":{IAT},"exp":{EXP},"iat":{IAT},"jti":"abcdefab-1234-5678-9abc-def012345678","email":"alice@example.com"}}"#
    )
}

/// `access_claims()` of `generate.py`.
fn access_claims() -> String {
    format!(
        r#"{{"sub":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","cognito:groups":["admin","users"],"iss":"{ISS}","client_id":"{CLIENT}","origin_jti":"11111111-2222-3333-4444-555555555555","event_id":"66666666-7777-8888-9999-000000000000","token_use":"access","scope":"aws.cognito.signin.user.admin openid email","auth_time":{IAT},"exp":{EXP},"iat":{IAT},"jti":"fedcba98-1234-5678-9abc-def012345678","username":"alice","version":2}}"#
    )
}

fn signing_input(kid: &str, alg: &str, claims: &str) -> String {
    let header = format!(r#"{{"kid":"{kid}","alg":"{alg}"}}"#);
    format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()))
}

impl Fixtures {
    fn new() -> Self {
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        use p256::pkcs8::DecodePrivateKey as _;
        use rsa::signature::{SignatureEncoding as _, Signer as _};
        let ka = rsa::RsaPrivateKey::from_pkcs8_pem(PEM_A).unwrap();
        let kb = rsa::RsaPrivateKey::from_pkcs8_pem(PEM_B).unwrap();
        let kec = p256::SecretKey::from_pkcs8_pem(PEM_EC).unwrap();

        let rs256 = |k: &rsa::RsaPrivateKey, kid: &str, claims: &str| {
            let si = signing_input(kid, "RS256", claims);
            let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(k.clone());
            let sig = signer.sign(si.as_bytes()).to_vec();
            (format!("{si}.{}", b64(&sig)), si, sig)
        };
        let (id, id_si, id_sig) = rs256(&ka, "kA", &id_claims());
        let (access, _, _) = rs256(&ka, "kA", &access_claims());

        let si = signing_input("kEC", "ES256", &id_claims());
        let ec_signer = p256::ecdsa::SigningKey::from(&kec);
        let sig: p256::ecdsa::Signature = ec_signer.sign(si.as_bytes()); // RFC 6979
        let es256 = format!("{si}.{}", b64(&sig.to_bytes()));

        let point = kec.public_key().to_encoded_point(false);
        let ec_jwk = format!(
            r#"{{"kty":"EC","crv":"P-256","kid":"kEC","alg":"ES256","use":"sig","x":"{}","y":"{}"}}"#,
            b64(point.x().unwrap()),
            b64(point.y().unwrap())
        );
        Fixtures {
            jwks: format!(
                r#"{{"keys":[{},{}]}}"#,
                rsa_jwk(&ka, "kA"),
                rsa_jwk(&kb, "kB")
            ),
            jwks_ec: format!(r#"{{"keys":[{},{ec_jwk}]}}"#, rsa_jwk(&ka, "kA")),
            id,
            access,
            es256,
            rsa_a: ka.to_public_key(),
            id_digest: Sha256::digest(id_si.as_bytes()).into(),
            id_sig,
        }
    }

    /// The same token with one payload character changed: every verifier must reject it.
    fn tampered(token: &str) -> String {
        let mut t = token.as_bytes().to_vec();
        let i = token.find('.').unwrap() + 20;
        t[i] = if t[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(t).unwrap()
    }
}

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

// ------------------------------------------------------------------ the verifiers

/// Ours: a key set and three verifiers, as an application holds them.
struct Ours {
    keys: KeySet,
    keys_ec: KeySet,
    id: Verifier<'static>,
    access: Verifier<'static>,
    es256: Verifier<'static>,
}

static ISSUERS: [Issuer<&str>; 1] = [Issuer::UserPool(POOL)];
static REVOKED: RevocationList<[RevocationSlot; 4096]> = RevocationList::new();
static REVOKED_NONE: RevocationList<[RevocationSlot; 4096]> = RevocationList::new();
static REVOKED_ONCE_FULL: RevocationList<[RevocationSlot; 4096]> = RevocationList::new();
static CLIENTS: [&str; 1] = [CLIENT];

impl Ours {
    fn new(fx: &Fixtures) -> Self {
        let cfg = Config::new(&ISSUERS, &CLIENTS);
        Ours {
            keys: KeySet::from_jwks(fx.jwks.as_bytes()).unwrap(),
            keys_ec: KeySet::from_jwks(fx.jwks_ec.as_bytes()).unwrap(),
            id: Verifier::new(cfg.token_use(AcceptedTokenUse::Id)).unwrap(),
            access: Verifier::new(cfg.token_use(AcceptedTokenUse::Access)).unwrap(),
            es256: Verifier::new(cfg.token_use(AcceptedTokenUse::Id).allow_es256(true)).unwrap(),
        }
    }
    fn run(v: &Verifier<'_>, keys: &KeySet, token: &str) -> bool {
        let mut buf = [0u8; 2048];
        match v.verify(keys, token, cognito_verify::now(), &mut buf) {
            Ok(c) => black_box(c.sub()).is_some(),
            Err(_) => false,
        }
    }
    fn verify_id(&self, t: &str) -> bool {
        Self::run(&self.id, &self.keys, t)
    }
    fn verify_access(&self, t: &str) -> bool {
        Self::run(&self.access, &self.keys, t)
    }
    fn verify_es256(&self, t: &str) -> bool {
        Self::run(&self.es256, &self.keys_ec, t)
    }
    /// With a verified-signature cache: a hit once `t` is stored.
    fn verify_id_cached<const N: usize>(
        &self,
        cache: &SignatureCache<[CacheSlot; N]>,
        t: &str,
    ) -> bool {
        let mut buf = [0u8; 2048];
        match self
            .id
            .verify_cached(&self.keys, cache, t, cognito_verify::now(), &mut buf)
        {
            Ok(c) => black_box(c.sub()).is_some(),
            Err(_) => false,
        }
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
struct Jsonwebtoken {
    keys: Vec<(String, jsonwebtoken::DecodingKey)>,
    keys_ec: Vec<(String, jsonwebtoken::DecodingKey)>,
    id: jsonwebtoken::Validation,
    access: jsonwebtoken::Validation,
    es256: jsonwebtoken::Validation,
}

impl Jsonwebtoken {
    fn parse_jwks(jwks: &str) -> Vec<(String, jsonwebtoken::DecodingKey)> {
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(jwks).unwrap();
        set.keys
            .iter()
            .map(|k| {
                let kid = k.common.key_id.clone().unwrap();
                (kid, jsonwebtoken::DecodingKey::from_jwk(k).unwrap())
            })
            .collect()
    }
    fn new(fx: &Fixtures) -> Self {
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
    fn verify_id(&self, t: &str) -> bool {
        Self::run(&self.keys, &self.id, t).is_some_and(|c| c.token_use == "id")
    }
    fn verify_access(&self, t: &str) -> bool {
        Self::run(&self.keys, &self.access, t)
            .is_some_and(|c| c.token_use == "access" && c.client_id.as_deref() == Some(CLIENT))
    }
    fn verify_es256(&self, t: &str) -> bool {
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
struct JwtSimple {
    keys: Vec<(String, jwt_simple::algorithms::RS256PublicKey)>,
    key_ec: (String, jwt_simple::algorithms::ES256PublicKey),
    options: jwt_simple::common::VerificationOptions,
}

impl JwtSimple {
    fn new(fx: &Fixtures) -> Self {
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
    fn verify_id(&self, t: &str) -> bool {
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
    fn verify_es256(&self, t: &str) -> bool {
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
struct JwtCompact {
    keys: Vec<(String, jwt_compact::alg::RsaPublicKey)>,
}

impl JwtCompact {
    fn new(fx: &Fixtures) -> Self {
        let d = |s: &str| rsa::BigUint::from_bytes_be(&B64.decode(s).unwrap());
        let keys = jwks_members(&fx.jwks)
            .into_iter()
            .map(|k| (k.kid, rsa::RsaPublicKey::new(d(&k.n), d(&k.e)).unwrap()))
            .collect();
        JwtCompact { keys }
    }
    fn verify_id(&self, t: &str) -> bool {
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
fn rsa_raw(fx: &Fixtures) -> bool {
    fx.rsa_a
        .verify(
            rsa::Pkcs1v15Sign::new::<Sha256>(),
            &fx.id_digest,
            &fx.id_sig,
        )
        .is_ok()
}

// ------------------------------------------------------------------ criterion

struct All {
    fx: Fixtures,
    ours: Ours,
    jwt: Jsonwebtoken,
    simple: JwtSimple,
    compact: JwtCompact,
}

/// (group, function, label for the summary).
const RS256_ID: &str = "rs256_id";
const RS256_ACCESS: &str = "rs256_access";
const ES256_ID: &str = "es256_id";
const JWKS_PARSE: &str = "jwks_parse";
const CACHE: &str = "rs256_id_cache";

fn bench(c: &mut Criterion, a: &All) {
    let fx = &a.fx;
    let mut g = c.benchmark_group(RS256_ID);
    g.bench_function("ours", |b| b.iter(|| a.ours.verify_id(black_box(&fx.id))));
    g.bench_function("jsonwebtoken_aws_lc_rs", |b| {
        b.iter(|| a.jwt.verify_id(black_box(&fx.id)))
    });
    g.bench_function("jwt_simple_boring", |b| {
        b.iter(|| a.simple.verify_id(black_box(&fx.id)))
    });
    g.bench_function("jwt_compact_rsa", |b| {
        b.iter(|| a.compact.verify_id(black_box(&fx.id)))
    });
    g.bench_function("rsa_crate_signature_only", |b| {
        b.iter(|| rsa_raw(black_box(fx)))
    });
    g.finish();

    let mut g = c.benchmark_group(RS256_ACCESS);
    g.bench_function("ours", |b| {
        b.iter(|| a.ours.verify_access(black_box(&fx.access)))
    });
    g.bench_function("jsonwebtoken_aws_lc_rs", |b| {
        b.iter(|| a.jwt.verify_access(black_box(&fx.access)))
    });
    g.finish();

    let mut g = c.benchmark_group(ES256_ID);
    g.bench_function("ours", |b| {
        b.iter(|| a.ours.verify_es256(black_box(&fx.es256)))
    });
    g.bench_function("jsonwebtoken_aws_lc_rs", |b| {
        b.iter(|| a.jwt.verify_es256(black_box(&fx.es256)))
    });
    g.bench_function("jwt_simple_p256", |b| {
        b.iter(|| a.simple.verify_es256(black_box(&fx.es256)))
    });
    g.finish();

    // The verified-signature cache: no cache (the `ours` row again, in the same group), a hit,
    // and a miss (the cache emptied before each call, so every call runs the arithmetic, looks
    // the signature up and stores it).
    let mut g = c.benchmark_group(CACHE);
    g.bench_function("no_cache", |b| {
        b.iter(|| a.ours.verify_id(black_box(&fx.id)))
    });
    let warm: SignatureCache<[CacheSlot; 64]> = SignatureCache::new();
    assert!(a.ours.verify_id_cached(&warm, &fx.id));
    g.bench_function("hit", |b| {
        b.iter(|| a.ours.verify_id_cached(&warm, black_box(&fx.id)))
    });
    let cold: SignatureCache<[CacheSlot; 8]> = SignatureCache::new();
    g.bench_function("miss", |b| {
        b.iter(|| {
            cold.clear();
            a.ours.verify_id_cached(&cold, black_box(&fx.id))
        })
    });
    // A hit with revocation on: 1,000 sign-outs held (none covering this token), so the check
    // hashes the token's `origin_jti`, `jti` and `sub` and looks each up.
    let now = cognito_verify::now();
    for i in 0..1000 {
        let id = format!("{i:08}-0000-4000-8000-000000000000");
        REVOKED.revoke(Revocation::OriginJti(&id), now).unwrap();
    }
    let revoking = Verifier::new(
        Config::new(&ISSUERS, &CLIENTS)
            .token_use(AcceptedTokenUse::Id)
            .revocations(&REVOKED),
    )
    .unwrap();
    g.bench_function("hit_1000_revoked", |b| {
        b.iter(|| {
            let mut buf = [0u8; 2048];
            revoking
                .verify_cached(&a.ours.keys, &warm, black_box(&fx.id), now, &mut buf)
                .is_ok()
        })
    });
    // The same hit beside an empty list, and beside one that was filled until it refused and
    // whose entries have all expired since (the attack of filling the list must not slow every
    // later verification: a lookup reads two buckets whatever happened before).
    let mut some = 0u64;
    let long_ago = now - 3 * 86_400;
    for i in 0.. {
        let id = format!("{i:08}-full-4000-8000-000000000000");
        if REVOKED_ONCE_FULL
            .revoke(Revocation::OriginJti(&id), long_ago)
            .is_err()
        {
            some += 1;
            if some == 100 {
                break;
            }
        }
    }
    assert_eq!(REVOKED_ONCE_FULL.stats(now).held, 0);
    // A token-less entry keeps the list from looking empty (an empty list skips hashing).
    REVOKED_NONE
        .revoke(Revocation::OriginJti("keeps-the-list-non-empty"), now)
        .unwrap();
    REVOKED_ONCE_FULL
        .revoke(Revocation::OriginJti("keeps-the-list-non-empty"), now)
        .unwrap();
    for (name, list) in [
        ("hit_revocations_one", &REVOKED_NONE),
        ("hit_revocations_once_full", &REVOKED_ONCE_FULL),
    ] {
        let v = Verifier::new(
            Config::new(&ISSUERS, &CLIENTS)
                .token_use(AcceptedTokenUse::Id)
                .revocations(list),
        )
        .unwrap();
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut buf = [0u8; 2048];
                v.verify_cached(&a.ours.keys, &warm, black_box(&fx.id), now, &mut buf)
                    .is_ok()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group(JWKS_PARSE);
    g.bench_with_input(BenchmarkId::new("ours", "2xRSA2048"), &fx.jwks, |b, j| {
        b.iter(|| KeySet::<4>::from_jwks(black_box(j.as_bytes())).is_ok())
    });
    g.bench_with_input(
        BenchmarkId::new("jsonwebtoken_aws_lc_rs", "2xRSA2048"),
        &fx.jwks,
        |b, j| b.iter(|| Jsonwebtoken::parse_jwks(black_box(j)).len()),
    );
    g.finish();
}

/// Criterion's time per iteration in ns (`slope`, else `mean`) for `group/function[/param]`.
fn estimate_ns(dir: &std::path::Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    ["slope", "mean"]
        .iter()
        .find_map(|k| v.get(k)?.get("point_estimate")?.as_f64())
}

/// Where criterion writes: `$CRITERION_HOME`, else `<target dir>/criterion`; the bench binary
/// lives in `<target dir>/<profile>/deps/`.
fn criterion_dir() -> PathBuf {
    if let Some(h) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(h);
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t).join("criterion");
    }
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().join("criterion")
}

// ------------------------------------------------------------------ threads

/// Tokens/s over `threads` threads each verifying for `d`.
fn throughput(threads: usize, d: Duration, f: &(dyn Fn() -> bool + Sync)) -> f64 {
    let start = Instant::now();
    let total: u64 = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0u64;
                    while start.elapsed() < d {
                        for _ in 0..16 {
                            assert!(f());
                        }
                        n += 16;
                    }
                    n
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

/// Interleaved rounds of ours and jsonwebtoken, `rounds` each; total tokens/s per side.
fn interleaved(threads: usize, rounds: usize, d: Duration, a: &All) -> (f64, f64) {
    let (mut ours, mut jwt) = (0.0, 0.0);
    for r in 0..rounds {
        // Alternate who goes first so drift in the machine's load favours neither.
        let o = || a.ours.verify_id(&a.fx.id);
        let j = || a.jwt.verify_id(&a.fx.id);
        if r % 2 == 0 {
            ours += throughput(threads, d, &o);
            jwt += throughput(threads, d, &j);
        } else {
            jwt += throughput(threads, d, &j);
            ours += throughput(threads, d, &o);
        }
    }
    (ours / rounds as f64, jwt / rounds as f64)
}

// ------------------------------------------------------------------ main

fn main() {
    let fx = Fixtures::new();
    let a = All {
        ours: Ours::new(&fx),
        jwt: Jsonwebtoken::new(&fx),
        simple: JwtSimple::new(&fx),
        compact: JwtCompact::new(&fx),
        fx,
    };
    let fx = &a.fx;

    // Every verifier accepts the fixtures and rejects them tampered, so none is timed on a
    // short-cut error path.
    type Check<'x> = (&'x str, &'x dyn Fn(&str) -> bool, &'x str);
    let checks: [Check<'_>; 8] = [
        ("ours id", &|t| a.ours.verify_id(t), &fx.id),
        ("ours access", &|t| a.ours.verify_access(t), &fx.access),
        ("ours es256", &|t| a.ours.verify_es256(t), &fx.es256),
        ("jsonwebtoken id", &|t| a.jwt.verify_id(t), &fx.id),
        (
            "jsonwebtoken access",
            &|t| a.jwt.verify_access(t),
            &fx.access,
        ),
        ("jsonwebtoken es256", &|t| a.jwt.verify_es256(t), &fx.es256),
        ("jwt-simple id", &|t| a.simple.verify_id(t), &fx.id),
        ("jwt-compact id", &|t| a.compact.verify_id(t), &fx.id),
    ];
    for (name, f, t) in checks {
        assert!(f(t), "{name} rejects its fixture");
        assert!(
            !f(&Fixtures::tampered(t)),
            "{name} accepts a tampered token"
        );
    }
    assert!(a.simple.verify_es256(&fx.es256), "jwt-simple es256");
    assert!(!a.simple.verify_es256(&Fixtures::tampered(&fx.es256)));
    assert!(rsa_raw(fx), "rsa crate");
    assert!(!a.ours.verify_access(&fx.id), "ours: ID token as access");
    assert!(
        !a.jwt.verify_access(&fx.id),
        "jsonwebtoken: ID token as access"
    );

    let full = std::env::args().any(|x| x == "--bench");
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench(&mut c, &a);
    c.final_summary();
    if !full {
        return; // `cargo test --benches`: each function ran once.
    }

    // Allocations per verification (Rust heap only: aws-lc and BoringSSL allocate in C).
    println!("\n== allocations per verification (Rust global allocator) ==");
    let allocs: Vec<(&str, f64)> = vec![
        (
            "ours rs256_id",
            allocs_per_call(|| a.ours.verify_id(&fx.id)),
        ),
        (
            "ours rs256_access",
            allocs_per_call(|| a.ours.verify_access(&fx.access)),
        ),
        (
            "ours es256_id",
            allocs_per_call(|| a.ours.verify_es256(&fx.es256)),
        ),
        (
            "ours jwks_parse",
            allocs_per_call(|| KeySet::<4>::from_jwks(fx.jwks.as_bytes()).is_ok()),
        ),
        (
            "jsonwebtoken_aws_lc_rs jwks_parse",
            allocs_per_call(|| Jsonwebtoken::parse_jwks(&fx.jwks).len() == 2),
        ),
        (
            "jsonwebtoken_aws_lc_rs rs256_id",
            allocs_per_call(|| a.jwt.verify_id(&fx.id)),
        ),
        (
            "jsonwebtoken_aws_lc_rs rs256_access",
            allocs_per_call(|| a.jwt.verify_access(&fx.access)),
        ),
        (
            "jsonwebtoken_aws_lc_rs es256_id",
            allocs_per_call(|| a.jwt.verify_es256(&fx.es256)),
        ),
        (
            "jwt_simple_boring rs256_id",
            allocs_per_call(|| a.simple.verify_id(&fx.id)),
        ),
        (
            "jwt_simple_p256 es256_id",
            allocs_per_call(|| a.simple.verify_es256(&fx.es256)),
        ),
        (
            "jwt_compact_rsa rs256_id",
            allocs_per_call(|| a.compact.verify_id(&fx.id)),
        ),
        (
            "rsa_crate_signature_only rs256_id",
            allocs_per_call(|| rsa_raw(fx)),
        ),
    ];
    for (name, n) in &allocs {
        println!("{name:<40} {n:>8.1}");
    }

    // Multi-threaded throughput, ours and jsonwebtoken interleaved.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("\n== throughput, RS256 ID token, interleaved rounds (3 x 1 s each side) ==");
    let (o1, j1) = interleaved(1, 3, Duration::from_secs(1), &a);
    let (on, jn) = interleaved(threads, 3, Duration::from_secs(1), &a);
    println!(
        "1 thread:    ours {o1:>9.0}/s  jsonwebtoken {j1:>9.0}/s  ratio {:.2}x",
        o1 / j1
    );
    println!(
        "{threads} threads:   ours {on:>9.0}/s  jsonwebtoken {jn:>9.0}/s  ratio {:.2}x",
        on / jn
    );

    // Summary from criterion's estimates.
    let dir = criterion_dir();
    let rate = |id: &str| estimate_ns(&dir, id).map(|ns| 1e9 / ns);
    let fmt = |r: Option<f64>| r.map_or("-".to_owned(), |r| format!("{r:.0}"));
    let ratio = |o: Option<f64>, p: Option<f64>| match (o, p) {
        (Some(o), Some(p)) => format!("{:.2}x", o / p),
        _ => "-".to_owned(),
    };
    let alloc_of = |name: &str| {
        allocs
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("-".to_owned(), |(_, v)| format!("{v:.0}"))
    };
    println!("\n== summary (criterion, one core; {}) ==", dir.display());
    println!(
        "| {:<14} | {:<28} | {:>10} | {:>10} | {:>11} |",
        "benchmark", "implementation", "tokens/s", "ours/peer", "allocations"
    );
    println!(
        "|{:-<16}|{:-<30}|{:->12}|{:->12}|{:->13}|",
        "", "", "", "", ""
    );
    let rows: [(&str, &[&str]); 5] = [
        (
            RS256_ID,
            &[
                "ours",
                "jsonwebtoken_aws_lc_rs",
                "jwt_simple_boring",
                "jwt_compact_rsa",
                "rsa_crate_signature_only",
            ],
        ),
        (RS256_ACCESS, &["ours", "jsonwebtoken_aws_lc_rs"]),
        (
            ES256_ID,
            &["ours", "jsonwebtoken_aws_lc_rs", "jwt_simple_p256"],
        ),
        (
            JWKS_PARSE,
            &["ours/2xRSA2048", "jsonwebtoken_aws_lc_rs/2xRSA2048"],
        ),
        (
            CACHE,
            &[
                "no_cache",
                "hit",
                "miss",
                "hit_1000_revoked",
                "hit_revocations_one",
                "hit_revocations_once_full",
            ],
        ),
    ];
    for (group, impls) in rows {
        let ours = rate(&format!("{group}/{}", impls[0]));
        for imp in impls {
            let r = rate(&format!("{group}/{imp}"));
            let name = imp.split('/').next().unwrap_or(imp);
            let is_ours = name == "ours";
            let unit_ratio = if is_ours {
                String::new()
            } else {
                ratio(ours, r)
            };
            println!(
                "| {:<14} | {:<28} | {:>10} | {:>10} | {:>11} |",
                group,
                name,
                fmt(r),
                unit_ratio,
                alloc_of(&format!("{name} {group}"))
            );
        }
    }
    if let (Some(none), Some(hit), Some(miss)) = (
        rate("rs256_id_cache/no_cache"),
        rate("rs256_id_cache/hit"),
        rate("rs256_id_cache/miss"),
    ) {
        println!(
            "\nsignature cache: hit {hit:.0}/s (target 500,000/s: {}), {:.1}x no cache; \
             a miss {:+.1}% time against no cache (target at most +3%: {})",
            if hit >= 500_000.0 { "met" } else { "not met" },
            hit / none,
            (none / miss - 1.0) * 100.0,
            if none / miss - 1.0 <= 0.03 {
                "met"
            } else {
                "not met"
            }
        );
    }
    let target = match (
        rate("rs256_id/ours"),
        rate("rs256_id/jsonwebtoken_aws_lc_rs"),
    ) {
        (Some(o), Some(j)) => o / j,
        _ => f64::NAN,
    };
    println!(
        "\nproject target, ours / jsonwebtoken (aws-lc-rs), RS256 ID: {target:.2}x \
         (criterion), {:.2}x (interleaved, 1 thread), {:.2}x ({threads} threads): {}",
        o1 / j1,
        on / jn,
        if target >= 1.0 { "met" } else { "not met" }
    );
}
