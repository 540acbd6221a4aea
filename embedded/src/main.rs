//! Firmware for an emulated Cortex-M4F (QEMU `mps2-an386`) that proves the verifier runs on a
//! microcontroller with no heap, and measures what it costs there.
//!
//! There is no global allocator in this binary: anything on the verification path that needed
//! `alloc` would fail to build. The firmware
//! 1. loads a real JWKS (two RSA-2048 keys) into a `KeySet<2>`,
//! 2. verifies a real Cognito-shaped ID token (must be `Ok`) and a copy with one payload character
//!    changed (must be `invalid_signature`),
//! 3. measures the stack peak of loading the keys and of one verification by stack painting,
//! 4. prints the results over semihosting and exits with status 0 only if both verdicts are right.
//!
//! With feature `es256` it does the same for an ES256 token (the same claims, a P-256 key), so
//! the ECDSA path runs on the 32-bit field arithmetic too.
//!
//! Any panic prints its message and exits with failure.
#![no_std]
#![no_main]

use core::ptr::{addr_of, addr_of_mut};

use cognito_verify::{
    payload_buffer_len, AcceptedTokenUse, Config, Error, Issuer, JwksOptions, KeySet, Verifier,
};
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};

/// The JWKS and token documented in `testdata/doc/` (copied to `fixtures/`).
static JWKS: &[u8] = include_bytes!("../fixtures/jwks.json");
static TOKEN: &[u8] = include_bytes!("../fixtures/token.txt");
/// The same claims signed with ES256 (`fixtures/es256.py`).
#[cfg(feature = "es256")]
static ES256_JWKS: &[u8] = include_bytes!("../fixtures/es256_jwks.json");
#[cfg(feature = "es256")]
static ES256_TOKEN: &[u8] = include_bytes!("../fixtures/es256_token.txt");

const ISSUERS: [Issuer<&'static str>; 1] = [Issuer::UserPool("us-east-1_Example1")];
const CLIENTS: [&str; 1] = ["3n4b5urk1ft4fl3mg5e62d9ado"];
/// A moment at which the fixture token is valid.
const NOW: u64 = 1_700_000_100;
/// Longest token this firmware accepts; sizes the payload buffer.
const MAX_TOKEN: usize = 1536;
const PAYLOAD_BUF: usize = payload_buffer_len(MAX_TOKEN);

/// Word written over the free stack before a measurement.
const PAINT: u32 = 0xA5C3_5A3C;
/// Bytes just below the measuring function's stack pointer left unpainted (its own spills).
const PAINT_MARGIN: usize = 64;

extern "C" {
    /// Lowest address of the stack (cortex-m-rt: the end of `.bss`/`.uninit`; no heap here).
    static mut _stack_end: u32;
}

/// Ends the emulation with `status` (QEMU exits with 0 for success, 1 for failure).
fn exit(status: debug::ExitStatus) -> ! {
    debug::exit(status);
    loop {
        cortex_m::asm::bkpt();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    hprintln!("embedded: PANIC: {}", info);
    exit(debug::EXIT_FAILURE)
}

/// Runs `f` and returns its result and the deepest stack use below this function's own frame,
/// in bytes, found by painting the free stack and scanning for the lowest overwritten word.
#[inline(never)]
fn stack_peak<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let sp = cortex_m::register::msp::read() as usize;
    let bottom = addr_of_mut!(_stack_end) as usize;
    let top = sp - PAINT_MARGIN;
    let mut p = bottom;
    while p < top {
        // SAFETY: [bottom, top) is the free part of the stack, below every live frame (the stack
        // grows down from `sp`), word aligned (cortex-m-rt asserts `_stack_end % 4 == 0`), and
        // nothing else (no interrupts are enabled) uses it.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    let r = core::hint::black_box(f)();
    let mut p = bottom;
    // SAFETY: as above; reading plain words of RAM inside the stack region.
    while p < top && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    (r, sp - p)
}

/// Loads the fixture JWKS into `keys`. Not inlined, so that its frame is below the measuring
/// function's stack pointer and counted.
#[inline(never)]
fn load_keys<const N: usize>(keys: &mut KeySet<N>, jwks: &[u8]) -> Result<(), Error> {
    keys.load(jwks, &JwksOptions::default())
}

/// One verification; not inlined, as [`load_keys`].
#[inline(never)]
fn verify_once<const N: usize>(
    verifier: &Verifier<'_>,
    keys: &KeySet<N>,
    token: &str,
    buf: &mut [u8],
) -> Result<(), Error> {
    verifier.verify(keys, token, NOW, buf).map(drop)
}

fn code(r: Result<(), Error>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(e) => e.code(),
    }
}

/// `token` with one payload character changed (a valid base64url character, so the token stays
/// well-formed and only the signature can catch it), in `out`.
fn tamper<'a>(token: &str, out: &'a mut [u8; MAX_TOKEN]) -> &'a str {
    let out = &mut out[..token.len()];
    out.copy_from_slice(token.as_bytes());
    let i = token.find('.').unwrap_or(0) + 20;
    out[i] = if out[i] == b'A' { b'B' } else { b'A' };
    core::str::from_utf8(out).unwrap_or("")
}

/// The ES256 token verifies and its tampered copy does not; prints both and the stack peak.
#[cfg(feature = "es256")]
fn check_es256(buf: &mut [u8]) -> bool {
    let config = Config::new(&ISSUERS, &CLIENTS)
        .token_use(AcceptedTokenUse::Id)
        .allow_es256(true);
    let Ok(verifier) = Verifier::new(config) else {
        hprintln!("embedded: FAIL configuring the ES256 verifier");
        return false;
    };
    let verifier = &verifier;
    let mut keys = KeySet::<1>::new();
    if let Err(e) = load_keys(&mut keys, ES256_JWKS) {
        hprintln!("embedded: FAIL loading the ES256 JWKS: {}", e.code());
        return false;
    }
    let token = core::str::from_utf8(ES256_TOKEN).unwrap_or("").trim_end();
    let (good, peak) = stack_peak(|| verify_once(verifier, &keys, token, buf));
    let mut tampered = [0u8; MAX_TOKEN];
    let tampered = tamper(token, &mut tampered);
    let (bad, _) = stack_peak(|| verify_once(verifier, &keys, tampered, buf));
    let ok = good.is_ok() && bad == Err(Error::InvalidSignature);
    hprintln!(
        "embedded: ES256 token: {}, tampered: {} ({})",
        code(good),
        code(bad),
        if ok {
            "as expected"
        } else {
            "WRONG, expected ok and invalid_signature"
        }
    );
    hprintln!("embedded: stack peak: ES256 verify {} bytes", peak);
    ok
}

#[entry]
fn main() -> ! {
    let bottom = addr_of!(_stack_end) as usize;
    let sp = cortex_m::register::msp::read() as usize;
    hprintln!(
        "embedded: cognito-verify on {} (RS256{}), free stack at entry {} bytes",
        "Cortex-M4F (QEMU mps2-an386)",
        if cfg!(feature = "es256") {
            " + ES256"
        } else {
            " only"
        },
        sp - bottom
    );

    // The key set lives in this frame (not measured below); its size is reported on its own.
    let mut keys = KeySet::<2>::new();
    let (loaded, load_peak) = stack_peak(|| load_keys(&mut keys, JWKS));
    if let Err(e) = loaded {
        hprintln!("embedded: FAIL loading the JWKS: {}", e.code());
        exit(debug::EXIT_FAILURE);
    }
    hprintln!("embedded: JWKS loaded: {} keys", keys.len());

    let verifier =
        match Verifier::new(Config::new(&ISSUERS, &CLIENTS).token_use(AcceptedTokenUse::Id)) {
            Ok(v) => v,
            Err(e) => {
                hprintln!("embedded: FAIL configuring the verifier: {}", e.code());
                exit(debug::EXIT_FAILURE)
            }
        };
    let token = core::str::from_utf8(TOKEN).unwrap_or("").trim_end();
    assert!(
        token.len() <= MAX_TOKEN,
        "fixture token longer than MAX_TOKEN"
    );
    let mut buf = [0u8; PAYLOAD_BUF];

    let (good, verify_peak) = stack_peak(|| verify_once(&verifier, &keys, token, &mut buf));

    let mut tampered = [0u8; MAX_TOKEN];
    let tampered = tamper(token, &mut tampered);
    let (bad, tampered_peak) = stack_peak(|| verify_once(&verifier, &keys, tampered, &mut buf));

    let good_ok = good.is_ok();
    let bad_ok = bad == Err(Error::InvalidSignature);
    hprintln!(
        "embedded: real token: {} ({})",
        code(good),
        if good_ok {
            "as expected"
        } else {
            "WRONG, expected ok"
        }
    );
    hprintln!(
        "embedded: tampered token: {} ({})",
        code(bad),
        if bad_ok {
            "as expected"
        } else {
            "WRONG, expected invalid_signature"
        }
    );
    hprintln!(
        "embedded: stack peak: verify {} bytes (tampered token {}), JWKS load {} bytes (plus KeySet<2> {} bytes and payload buffer {} bytes, owned by the caller)",
        verify_peak,
        tampered_peak,
        load_peak,
        core::mem::size_of::<KeySet<2>>(),
        PAYLOAD_BUF
    );

    #[cfg(feature = "es256")]
    let es256_ok = check_es256(&mut buf);
    #[cfg(not(feature = "es256"))]
    let es256_ok = true;

    if good_ok && bad_ok && es256_ok {
        hprintln!("embedded: PASS");
        exit(debug::EXIT_SUCCESS)
    } else {
        hprintln!("embedded: FAIL");
        exit(debug::EXIT_FAILURE)
    }
}
