//! Tokens of an Application Load Balancer (`x-amzn-oidc-data`, ARCHITECTURE.md section 15): the
//! core's `alb` module. The caller fetches the key (`cognito_alb_key_url` says where), reads it
//! (`cognito_alb_key_from_pem`) and verifies against it (`cognito_alb_verify`); every rule is the
//! core's.

use cognito_verify_core::alb::{
    alb_buffer_len, alb_key_url, AlbArn, AlbKey, AlbRules, AlbToken, ALB_KEY_URL_MAX,
};
use cognito_verify_core::Error;

use crate::boundary;
use crate::cast::{self, try_bytes, try_mut, try_out, try_ref, try_str};
use crate::claims::TextOut;
use crate::cognito_result;

/// What an ALB token must satisfy (`cognito_alb_rules_*`): the load balancers' ARNs, the app
/// clients, the issuer, the leeway. Opaque; free with `cognito_alb_rules_free`. Read by any
/// number of threads at once; not changed while in use.
#[allow(non_camel_case_types, reason = "C naming: cognito_<type>")]
pub struct cognito_alb_rules {
    pub(crate) signers: Vec<String>,
    pub(crate) clients: Vec<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) leeway: u64,
}

/// The P-256 public key an ALB publishes for one `kid`. Opaque; free with
/// `cognito_alb_key_free`. Immutable: any number of threads may use it at once.
#[allow(non_camel_case_types, reason = "C naming: cognito_<type>")]
pub struct cognito_alb_key(AlbKey);

/// New, empty rules: add at least one signer and one client before verifying. On success
/// `*rules_out` receives a handle to free with `cognito_alb_rules_free`. Errors:
/// `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_alb_rules_new(rules_out: *mut *mut cognito_alb_rules) -> cognito_result {
    boundary::call(|| {
        let out = try_out(rules_out)?;
        out.set(cast::to_boxed_ptr(cognito_alb_rules {
            signers: Vec::new(),
            clients: Vec::new(),
            issuer: None,
            leeway: 0,
        }));
        Ok(())
    })
}

/// Frees rules. NULL is ignored.
#[no_mangle]
pub extern "C" fn cognito_alb_rules_free(rules: *mut cognito_alb_rules) {
    boundary::call_void(|| cast::free_boxed(rules));
}

/// Accepts tokens signed by the load balancer `arn` (UTF-8, `arn_len` bytes), such as
/// `arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188`.
/// Errors: `COGNITO_RESULT_INVALID_CONFIGURATION` for anything but an Application Load
/// Balancer's ARN in the `aws`, `aws-us-gov` or `aws-cn` partition (nothing is added);
/// `COGNITO_RESULT_INVALID_UTF8`, `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_alb_rules_add_signer(
    rules: *mut cognito_alb_rules,
    arn: *const u8,
    arn_len: usize,
) -> cognito_result {
    boundary::call(|| {
        let r = try_mut(rules)?;
        let arn = try_str(arn, arn_len)?;
        AlbArn::parse(arn).map_err(cognito_result::from)?;
        r.signers.push(arn.to_owned());
        Ok(())
    })
}

/// Accepts tokens for the app client `client_id` (the header's `client`). Errors:
/// `COGNITO_RESULT_INVALID_CONFIGURATION` for an empty id; `COGNITO_RESULT_INVALID_UTF8`,
/// `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_alb_rules_add_client_id(
    rules: *mut cognito_alb_rules,
    client_id: *const u8,
    client_id_len: usize,
) -> cognito_result {
    boundary::call(|| {
        let r = try_mut(rules)?;
        let id = try_str(client_id, client_id_len)?;
        if id.is_empty() {
            return Err(cognito_result::InvalidConfiguration);
        }
        r.clients.push(id.to_owned());
        Ok(())
    })
}

/// Requires the header's `iss` to be `issuer` (the identity provider's, e.g. a user pool's URL);
/// unchecked until set. Errors: `COGNITO_RESULT_INVALID_UTF8`, `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_alb_rules_set_issuer(
    rules: *mut cognito_alb_rules,
    issuer: *const u8,
    issuer_len: usize,
) -> cognito_result {
    boundary::call(|| {
        let r = try_mut(rules)?;
        r.issuer = Some(try_str(issuer, issuer_len)?.to_owned());
        Ok(())
    })
}

/// Seconds of clock skew allowed on `exp` (default 0). Errors: `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_alb_rules_set_leeway(
    rules: *mut cognito_alb_rules,
    seconds: u64,
) -> cognito_result {
    boundary::call(|| {
        try_mut(rules)?.leeway = seconds;
        Ok(())
    })
}

/// Reads the key document an ALB serves (PEM `PUBLIC KEY`, a P-256 SubjectPublicKeyInfo). On
/// success `*key_out` receives a handle to free with `cognito_alb_key_free`. Errors:
/// `COGNITO_RESULT_UNSUPPORTED_KEY` (not PEM, not a SubjectPublicKeyInfo, not P-256, or a point
/// off the curve); `COGNITO_RESULT_INVALID_UTF8`, `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_alb_key_from_pem(
    pem: *const u8,
    pem_len: usize,
    key_out: *mut *mut cognito_alb_key,
) -> cognito_result {
    boundary::call(|| {
        let pem = try_str(pem, pem_len)?;
        let out = try_out(key_out)?;
        let key = AlbKey::from_pem(pem).map_err(|e| cognito_result::from(Error::from(e)))?;
        out.set(cast::to_boxed_ptr(cognito_alb_key(key)));
        Ok(())
    })
}

/// As `cognito_alb_key_from_pem`, from the DER SubjectPublicKeyInfo.
#[no_mangle]
pub extern "C" fn cognito_alb_key_from_der(
    der: *const u8,
    der_len: usize,
    key_out: *mut *mut cognito_alb_key,
) -> cognito_result {
    boundary::call(|| {
        let der = try_bytes(der, der_len)?;
        let out = try_out(key_out)?;
        let key = AlbKey::from_der(der).map_err(|e| cognito_result::from(Error::from(e)))?;
        out.set(cast::to_boxed_ptr(cognito_alb_key(key)));
        Ok(())
    })
}

/// Frees a key. NULL is ignored.
#[no_mangle]
pub extern "C" fn cognito_alb_key_free(key: *mut cognito_alb_key) {
    boundary::call_void(|| cast::free_boxed(key));
}

/// The URL of the key that verifies `token`: made from the configured ARN its `signer` names
/// (its partition and region; never the token's own text) and its `kid`, once that is checked to
/// be a UUID. Copies the URL and a NUL into `buf`, its length (without the NUL) to `*out_len`;
/// `COGNITO_RESULT_BUFFER_TOO_SMALL` sets `*out_len` to the size needed (`buf` may be NULL when
/// `buf_len` is 0). Errors: the token's code when it cannot be read (`MALFORMED_TOKEN` for a
/// `kid` that is not a UUID, `MISSING_KID`, `UNSUPPORTED_ALGORITHM`, ...), `WRONG_SIGNER` when
/// no configured ARN signed it; `COGNITO_RESULT_NULL_PARAMETER`, `COGNITO_RESULT_INVALID_UTF8`.
#[no_mangle]
pub extern "C" fn cognito_alb_key_url(
    rules: *const cognito_alb_rules,
    token: *const u8,
    token_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let r = try_ref(rules)?;
        let token = try_str(token, token_len)?;
        let out = TextOut::new(buf, buf_len, out_len)?;
        let mut decoded = vec![0u8; alb_buffer_len(token.len())];
        let parsed = AlbToken::parse(token, &mut decoded)?;
        let arn = r
            .signers
            .iter()
            .find(|a| **a == parsed.signer())
            .ok_or(cognito_result::WrongSigner)?;
        let arn = AlbArn::parse(arn)?;
        let mut url = [0u8; ALB_KEY_URL_MAX];
        out.bytes(alb_key_url(&arn, parsed.kid(), &mut url)?.as_bytes())
    })
}

/// Verifies `token` (the `x-amzn-oidc-data` header's value) with `key` at `now` (Unix seconds):
/// signer, signature, client, issuer, expiry. On success copies the payload (the user's claims,
/// a JSON object) and a NUL into `payload_buf` and its length to `*payload_len`; a buffer of
/// `token_len` bytes always suffices. Returns the token's code (`COGNITO_RESULT_EXPIRED`,
/// `COGNITO_RESULT_WRONG_SIGNER`, ...); `COGNITO_RESULT_INVALID_CONFIGURATION` for rules with no
/// signer or no client; `COGNITO_RESULT_BUFFER_TOO_SMALL` (`*payload_len` = the size needed)
/// after a successful verification whose payload does not fit; `COGNITO_RESULT_NULL_PARAMETER`,
/// `COGNITO_RESULT_INVALID_UTF8`. Thread-safe.
#[no_mangle]
pub extern "C" fn cognito_alb_verify(
    rules: *const cognito_alb_rules,
    key: *const cognito_alb_key,
    token: *const u8,
    token_len: usize,
    now: u64,
    payload_buf: *mut u8,
    payload_buf_len: usize,
    payload_len: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let r = try_ref(rules)?;
        let key = try_ref(key)?;
        let token = try_str(token, token_len)?;
        let out = TextOut::new(payload_buf, payload_buf_len, payload_len)?;
        if r.signers.is_empty() || r.clients.is_empty() {
            return Err(cognito_result::InvalidConfiguration);
        }
        let mut rules = AlbRules::new(&r.signers, &r.clients).leeway(r.leeway);
        if let Some(issuer) = &r.issuer {
            rules = rules.issuer(issuer);
        }
        let mut decoded = vec![0u8; alb_buffer_len(token.len())];
        let claims = AlbToken::parse(token, &mut decoded)?.verify(&rules, &key.0, now)?;
        out.bytes(claims.payload_json().as_bytes())
    })
}
