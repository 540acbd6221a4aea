/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/cognito_verify_embedded-b8f31797db070d24.d: src/lib.rs

/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/libcognito_verify_embedded-b8f31797db070d24.a: src/lib.rs

src/lib.rs:
