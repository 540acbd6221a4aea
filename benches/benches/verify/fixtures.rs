//! The fixtures, made at start-up from the committed `testdata/keys/*.pem`: Cognito-shaped
//! tokens signed RS256 and ES256, and the JWKS that holds their keys.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

pub(crate) const POOL: &str = "us-east-1_TestPool1";
pub(crate) const CLIENT: &str = "3n4b5urk1ft4fl3mg5e62d9ado";
pub(crate) const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";
const IAT: u64 = 1_700_000_000;
/// Far in the future: the peers read the system clock, so `iat + 3600` (Cognito's lifetime)
/// would have expired. Same digit count, so the same token size.
const EXP: u64 = 4_102_444_800;

const PEM_A: &str = include_str!("../../../testdata/keys/rsa2048_a.pem");
const PEM_B: &str = include_str!("../../../testdata/keys/rsa2048_b.pem");
const PEM_EC: &str = include_str!("../../../testdata/keys/p256.pem");

pub(crate) struct Fixtures {
    /// `{"keys":[kA, kB]}`, both RSA-2048, e = 65537, as Cognito publishes them.
    pub(crate) jwks: String,
    /// `{"keys":[kA, kEC]}`.
    pub(crate) jwks_ec: String,
    /// RS256 (kA) ID token, RS256 (kA) access token, ES256 (kEC) ID token.
    pub(crate) id: String,
    pub(crate) access: String,
    pub(crate) es256: String,
    /// 1,000 RS256 (kA) ID tokens of distinct `jti`: a server's working set of repeat tokens.
    pub(crate) working_set: Vec<String>,
    /// For the raw RSA check: kA's public key, SHA-256 of the ID token's signing input, signature.
    pub(crate) rsa_a: rsa::RsaPublicKey,
    pub(crate) id_digest: [u8; 32],
    pub(crate) id_sig: Vec<u8>,
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
    pub(crate) fn new() -> Self {
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
        let working_set = (0..1000)
            .map(|i| {
                let claims = id_claims().replace("abcdefab-", &format!("{i:08x}-"));
                rs256(&ka, "kA", &claims).0
            })
            .collect();

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
            working_set,
            rsa_a: ka.to_public_key(),
            id_digest: Sha256::digest(id_si.as_bytes()).into(),
            id_sig,
        }
    }

    /// The same token with one payload character changed: every verifier must reject it.
    pub(crate) fn tampered(token: &str) -> String {
        let mut t = token.as_bytes().to_vec();
        let i = token.find('.').unwrap() + 20;
        t[i] = if t[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(t).unwrap()
    }
}
