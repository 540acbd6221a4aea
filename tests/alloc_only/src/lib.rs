//! Claims returned from a function with the `alloc` feature alone.

use cognito_verify::{Config, Error, Issuer, KeySet, OwnedClaims, Verifier};

/// The claims of `token`, verified with `keys` at `now`, kept beyond the decode buffer.
///
/// # Errors
/// Why the token or the configuration was refused.
pub fn verified(keys: &KeySet, token: &str, now: u64) -> Result<OwnedClaims, Error> {
    let issuers = [Issuer::UserPool("us-east-1_Example1")];
    let verifier = Verifier::new(Config::new(&issuers, &["3n4b5urk1ft4fl3mg5e62d9ado"]))?;
    let mut buf = vec![0u8; cognito_verify::payload_buffer_len(token.len())];
    let claims = verifier.verify(keys, token, now, &mut buf)?;
    Ok(OwnedClaims::from_claims(&claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_claims_leave_the_function() {
        let jwks = include_bytes!("../../../testdata/doc/jwks.json");
        let token = include_str!("../../../testdata/doc/token.txt").trim();
        let keys = KeySet::from_jwks(jwks).unwrap();
        let claims = verified(&keys, token, 1_700_000_100).unwrap();
        assert_eq!(claims.username(), Some("alice"));
        assert_eq!(claims.sub(), "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
        assert_eq!(verified(&keys, token, 1_800_000_000).unwrap_err(), Error::Expired);
    }
}
