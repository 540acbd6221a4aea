/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/cognito_verify-4b7b62b7465b4161.d: /work/main/core/src/lib.rs /work/main/core/src/base64url.rs /work/main/core/src/claims.rs /work/main/core/src/error.rs /work/main/core/src/json.rs /work/main/core/src/jwk.rs /work/main/core/src/rsa.rs /work/main/core/src/verifier.rs /work/main/core/src/../README.md

/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/libcognito_verify-4b7b62b7465b4161.rlib: /work/main/core/src/lib.rs /work/main/core/src/base64url.rs /work/main/core/src/claims.rs /work/main/core/src/error.rs /work/main/core/src/json.rs /work/main/core/src/jwk.rs /work/main/core/src/rsa.rs /work/main/core/src/verifier.rs /work/main/core/src/../README.md

/work/main/embedded/target/thumbv7em-none-eabihf/release/deps/libcognito_verify-4b7b62b7465b4161.rmeta: /work/main/core/src/lib.rs /work/main/core/src/base64url.rs /work/main/core/src/claims.rs /work/main/core/src/error.rs /work/main/core/src/json.rs /work/main/core/src/jwk.rs /work/main/core/src/rsa.rs /work/main/core/src/verifier.rs /work/main/core/src/../README.md

/work/main/core/src/lib.rs:
/work/main/core/src/base64url.rs:
/work/main/core/src/claims.rs:
/work/main/core/src/error.rs:
/work/main/core/src/json.rs:
/work/main/core/src/jwk.rs:
/work/main/core/src/rsa.rs:
/work/main/core/src/verifier.rs:
/work/main/core/src/../README.md:
