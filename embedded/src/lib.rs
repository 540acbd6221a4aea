//! A `#![no_std]` library with no global allocator that calls the verifier: if anything on the
//! verification path needed `alloc`, this would not build for `thumbv7em-none-eabihf`.
#![no_std]

use cognito_verify::{AcceptedTokenUse, Config, Issuer, KeySet, Verifier};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

const ISSUERS: [Issuer<'static>; 1] = [Issuer::UserPool("us-east-1_Example1")];
const CLIENTS: [&str; 1] = ["3n4b5urk1ft4fl3mg5e62d9ado"];

/// Verifies `token` against `jwks` at `now`; 0 when valid, else 1 + the error's index.
#[no_mangle]
pub fn cv_check(jwks: &[u8], token: &str, now: u64) -> u32 {
    let Ok(keys) = KeySet::<2>::from_jwks(jwks) else {
        return 100;
    };
    let Ok(verifier) = Verifier::new(Config::new(&ISSUERS, &CLIENTS).token_use(AcceptedTokenUse::Id))
    else {
        return 101;
    };
    let mut buf = [0u8; 2048];
    match verifier.verify(&keys, token, now, &mut buf) {
        Ok(_) => 0,
        Err(e) => 1 + cognito_verify::Error::ALL.iter().position(|x| *x == e).unwrap_or(99) as u32,
    }
}
