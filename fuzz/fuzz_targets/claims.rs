//! Arbitrary bytes as a token payload, straight into the claim parser (the signature would
//! otherwise stop them first): never a panic, and every accessor of parsed claims works.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cognito_verify::fuzzing::claims(data);
});
