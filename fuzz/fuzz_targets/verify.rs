//! Any string as a token against a real key set: an error or claims, never a panic.
//! Tokens are built from a valid one by libFuzzer's mutations (seed corpus: testdata).
#![no_main]
use cognito_verify::{Config, Issuer, KeySet, Requirement, Verifier};
use libfuzzer_sys::fuzz_target;

static JWKS: &[u8] = include_bytes!("../../testdata/doc/jwks.json");
const ISSUERS: [Issuer<&str>; 2] = [
    Issuer::UserPool("us-east-1_Example1"),
    Issuer::UserPool("us-east-1_TestPool1"),
];

fuzz_target!(|data: &[u8]| {
    let Ok(token) = core::str::from_utf8(data) else { return };
    let keys: KeySet = KeySet::from_jwks(JWKS).expect("fixture");
    let v = Verifier::new(
        Config::new(&ISSUERS, &["3n4b5urk1ft4fl3mg5e62d9ado"])
            .groups(Requirement::AnyOf(&["admin"]))
            .leeway(u64::MAX)
            .max_age(u64::MAX),
    )
    .expect("config");
    let mut buf = [0u8; 512];
    let _ = v.verify(&keys, token, 1_700_000_100, &mut buf);
    let mut big = vec![0u8; token.len()];
    let _ = v.verify(&keys, token, u64::MAX, &mut big);
});
