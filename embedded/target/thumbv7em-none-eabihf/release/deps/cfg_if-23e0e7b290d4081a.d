/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/cfg_if-23e0e7b290d4081a.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/libcfg_if-23e0e7b290d4081a.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/libcfg_if-23e0e7b290d4081a.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs:
