//! Random sequences of revocations, sign-outs, checks and clock steps on a small revocation list,
//! each answer held to a reference model: no live revocation lost, nothing revoked that was never
//! recorded, `Full` only when full, the sign-out policy, and at most two buckets a lookup.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cognito_verify::fuzzing::revocation(data);
});
