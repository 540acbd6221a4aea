//! ALB tokens to order (features `test-util` and `alb`): a fixed P-256 key with its PEM, and
//! tokens in the load balancer's wire format (padded base64url segments, raw `r||s`), for tests of
//! a service that sits behind an Application Load Balancer.

use std::string::{String, ToString};

use base64::engine::general_purpose::URL_SAFE as B64_PADDED;
use base64::Engine as _;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};

/// The test key's `kid` (ALBs name keys by UUID).
pub const KID: &str = "6a2f3b1c-9d4e-4f5a-8b7c-0d1e2f3a4b5c";
/// An ALB's ARN (us-east-2), the signer of [`token`]'s tokens.
pub const SIGNER: &str =
    "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
/// The app client the ALB signs users in with.
pub const CLIENT: &str = "4f1bnaod2d6s7s0hslnsrm4spc";
/// The identity provider's issuer (a user pool's URL).
pub const ISSUER: &str = "https://cognito-idp.us-east-2.amazonaws.com/us-east-2_AbC123dEf";
/// The public key, as the ALB serves it at its key URL.
pub const PUBLIC_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkReb3OEk8r4rXhbPxHI3X+FB381S
2PrCz9DabpC+hzLOKWZdAu+FsY2KiW7X+k72T1yPCXvBe5TGxRIXa11hTA==
-----END PUBLIC KEY-----
";
/// The test key's private scalar: published here, so only ever for tests.
const SECRET: [u8; 32] = [
    0xd5, 0x40, 0x0a, 0xea, 0x0d, 0x32, 0x05, 0x20, 0x64, 0x9d, 0x6d, 0x23, 0x41, 0x87, 0x25, 0x47,
    0xf5, 0x91, 0x33, 0x78, 0xb0, 0x4c, 0x5c, 0xcb, 0x8e, 0x0a, 0x35, 0x8d, 0x14, 0x43, 0x20, 0x5a,
];

/// A token of `signer` for `client` expiring at `exp`, for the user
/// `b1c2d3e4-0000-4000-8000-000000000001` (`alice`, `alice@example.com`), issued by [`ISSUER`].
#[must_use]
pub fn token(signer: &str, client: &str, exp: i64) -> String {
    let header = json!({
        "typ": "JWT", "kid": KID, "alg": "ES256", "iss": ISSUER,
        "client": client, "signer": signer, "exp": exp,
    });
    let payload = json!({
        "sub": "b1c2d3e4-0000-4000-8000-000000000001", "email": "alice@example.com",
        "username": "alice", "exp": exp, "iss": ISSUER,
    });
    sign(&header, &payload)
}

/// A token of this `header` and `payload`, signed with the test key as an ALB signs.
///
/// # Panics
/// Never: the fixed key is valid.
#[must_use]
pub fn sign(header: &Value, payload: &Value) -> String {
    let signing_input = std::format!(
        "{}.{}",
        B64_PADDED.encode(header.to_string()),
        B64_PADDED.encode(payload.to_string())
    );
    #[expect(clippy::expect_used, reason = "a fixed, valid scalar")]
    let key = SigningKey::from_slice(&SECRET).expect("the test key");
    let signature: Signature = key.sign(signing_input.as_bytes());
    std::format!(
        "{signing_input}.{}",
        B64_PADDED.encode(signature.to_bytes())
    )
}
