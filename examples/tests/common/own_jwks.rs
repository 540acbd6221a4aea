//! Helpers of the server's end-to-end tests against the test's own JWKS: the JWKS endpoint
//! serving `testdata/doc/jwks.json`, the server configured for it, the 401 body without a token,
//! base64url.
#![allow(dead_code, unreachable_pub, missing_docs)]

use crate::common::*;
use crate::servers::*;

pub const NOT_FOUND_BODY: &str = r#"{"error": "401 Unauthorized Error. Token Not Found."}"#;

pub fn jwks_doc() -> String {
    std::fs::read_to_string(repo().join("testdata/doc/jwks.json")).unwrap()
}

pub fn own_jwks() -> TestHttp {
    let doc = jwks_doc();
    TestHttp::start(move |_| (200, doc.clone()))
}

pub fn own_server(jwks: &TestHttp, extra: &[(&str, &str)]) -> Server {
    let url = format!("{}/{POOL}/.well-known/jwks.json", jwks.base);
    let mut vars = vec![
        ("AWS_REGION", "us-east-1"),
        ("AWS_COGNITO_USER_POOL_ID", POOL),
        ("AWS_COGNITO_APP_CLIENT_ID", CLIENT),
        ("AWS_COGNITO_JWKS_URL", url.as_str()),
    ];
    vars.extend_from_slice(extra);
    start_server(&vars)
}

pub fn base64_url(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}
