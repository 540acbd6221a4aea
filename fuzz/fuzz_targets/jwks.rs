//! Any bytes as a key set: an error or a key set, never a panic.
#![no_main]
use cognito_verify::{JwksOptions, KeySet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = JwksOptions::new().allow_any_rsa_exponent(data.first() == Some(&b'!'));
    if let Ok(keys) = KeySet::<4>::from_jwks_with(data, &opts) {
        for (kid, _alg) in keys.iter() {
            assert!(keys.contains_kid(kid));
        }
    }
});
