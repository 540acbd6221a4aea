//! Arbitrary bytes as an ALB token (`x-amzn-oidc-data`) and as a published key: the padded
//! base64url reader, the strict JSON reader over header and payload, the checks, and the PEM /
//! SubjectPublicKeyInfo reader never panic.
#![no_main]
use cognito_verify::alb::{alb_buffer_len, AlbKey, AlbRules, AlbToken};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkReb3OEk8r4rXhbPxHI3X+FB381S
2PrCz9DabpC+hzLOKWZdAu+FsY2KiW7X+k72T1yPCXvBe5TGxRIXa11hTA==
-----END PUBLIC KEY-----
";
const SIGNERS: [&str; 1] =
    ["arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188"];
const CLIENTS: [&str; 1] = ["4f1bnaod2d6s7s0hslnsrm4spc"];

fuzz_target!(|data: &[u8]| {
    let _ = AlbKey::from_der(data);
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let _ = AlbKey::from_pem(text);
    let key = AlbKey::from_pem(KEY).expect("the fuzz key");
    let rules = AlbRules::new(&SIGNERS, &CLIENTS).leeway(60);
    let mut buf = vec![0u8; alb_buffer_len(text.len())];
    if let Ok(token) = AlbToken::parse(text, &mut buf) {
        let _ = (token.kid(), token.signer());
        if let Ok(claims) = token.verify(&rules, &key, 1_700_000_000) {
            let _ = (claims.sub(), claims.email(), claims.username(), claims.payload_json());
        }
    }
});
