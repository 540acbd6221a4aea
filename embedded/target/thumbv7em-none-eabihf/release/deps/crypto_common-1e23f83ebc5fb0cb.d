/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/crypto_common-1e23f83ebc5fb0cb.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/crypto-common-0.1.7/src/lib.rs

/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/libcrypto_common-1e23f83ebc5fb0cb.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/crypto-common-0.1.7/src/lib.rs

/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/libcrypto_common-1e23f83ebc5fb0cb.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/crypto-common-0.1.7/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/crypto-common-0.1.7/src/lib.rs:
