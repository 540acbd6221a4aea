//! Any string as a token against a real key set: an error or claims, never a panic; and the same
//! answer from the one verifier every runtime with a heap holds (`VerifierCore`: the pool by
//! `iss`, its keys, the signature cache) as from the borrowed firmware path.
//! Tokens are built from a valid one by libFuzzer's mutations (seed corpus: testdata).
#![no_main]
use std::sync::OnceLock;

use cognito_verify::{
    Config, Issuer, KeySet, Match, Requirement, Verifier, VerifierConfig, VerifierCore,
};
use libfuzzer_sys::fuzz_target;

static JWKS: &[u8] = include_bytes!("../../testdata/doc/jwks.json");
const POOLS: [&str; 2] = ["us-east-1_Example1", "us-east-1_TestPool1"];
const ISSUERS: [Issuer<&str>; 2] = [Issuer::UserPool(POOLS[0]), Issuer::UserPool(POOLS[1])];
const CLIENT: &str = "3n4b5urk1ft4fl3mg5e62d9ado";

/// Built once: the signature cache then carries over from input to input, as in a server.
fn core() -> &'static VerifierCore {
    static CORE: OnceLock<VerifierCore> = OnceLock::new();
    CORE.get_or_init(|| {
        let config = VerifierConfig::builder()
            .user_pool(POOLS[0])
            .user_pool(POOLS[1])
            .client_id(CLIENT)
            .groups(Match::AnyOf, ["admin"])
            .leeway(u64::MAX)
            .max_age(u64::MAX)
            .build()
            .expect("config");
        let core = VerifierCore::new(config);
        core.load_jwks(None, JWKS, 1_700_000_000).expect("fixture");
        core
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = core::str::from_utf8(data) else { return };
    let keys: KeySet = KeySet::from_jwks(JWKS).expect("fixture");
    let v = Verifier::new(
        Config::new(&ISSUERS, &[CLIENT])
            .groups(Requirement::AnyOf(&["admin"]))
            .leeway(u64::MAX)
            .max_age(u64::MAX),
    )
    .expect("config");
    let mut buf = [0u8; 512];
    let mut big = vec![0u8; token.len()];
    let mut core_buf = vec![0u8; cognito_verify::payload_buffer_len(token.len())];
    for now in [1_700_000_100, u64::MAX] {
        let borrowed = v.verify(&keys, token, now, &mut big).map(|c| c.payload_json().len());
        let one = core().verify(token, now, &mut core_buf).map(|c| c.payload_json().len());
        assert_eq!(borrowed, one, "VerifierCore disagrees at {now}");
    }
    let _ = v.verify(&keys, token, 1_700_000_100, &mut buf);
});
