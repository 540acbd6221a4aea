//! `cognito_alb_verifier`: the core's `AlbVerifierCore` for C (ARCHITECTURE.md section 15), the
//! one ALB verifier every runtime drives: keys held by `kid` per load balancer, the fetch policy
//! (one fetch per load balancer per cooldown), the signature cache and the verdict memo. The
//! caller's HTTP client carries out the fetches it allows.

use cognito_verify_core::alb::{AlbConfig, AlbStep, AlbVerifierCore, KeyAction, KeyRequest};

use crate::alb::cognito_alb_rules;
use crate::boundary;
use crate::cast::{self, try_bytes, try_out, try_ref, try_str};
use crate::claims::TextOut;
use crate::cognito_result;

/// An ALB verifier (`cognito_alb_verifier_new`). Opaque; free with `cognito_alb_verifier_free`.
/// Thread-safe: any number of threads may verify, report fetches and read counters at once.
#[allow(non_camel_case_types, reason = "C naming: cognito_<type>")]
pub struct cognito_alb_verifier {
    core: AlbVerifierCore,
}

/// A verifier of `rules` (copied: the rules may be freed after), with no keys yet and the
/// core's default caches (4,096 signatures, a memo of 2,048 tokens and 4 MiB) and cooldown
/// (30 s). On success `*verifier_out` receives a handle to free with
/// `cognito_alb_verifier_free`. Errors: `COGNITO_RESULT_INVALID_CONFIGURATION` for rules with
/// no signer or no client; `COGNITO_RESULT_NULL_PARAMETER`.
#[no_mangle]
pub extern "C" fn cognito_alb_verifier_new(
    rules: *const cognito_alb_rules,
    verifier_out: *mut *mut cognito_alb_verifier,
) -> cognito_result {
    boundary::call(|| {
        let r = try_ref(rules)?;
        let out = try_out(verifier_out)?;
        let mut b = AlbConfig::builder().leeway(r.leeway);
        for arn in &r.signers {
            b = b.alb_arn(arn.as_str());
        }
        for client in &r.clients {
            b = b.client_id(client.as_str());
        }
        if let Some(issuer) = &r.issuer {
            b = b.issuer(issuer.as_str());
        }
        let config = b
            .build()
            .map_err(|_| cognito_result::InvalidConfiguration)?;
        out.set(cast::to_boxed_ptr(cognito_alb_verifier {
            core: AlbVerifierCore::new(config),
        }));
        Ok(())
    })
}

/// Frees a verifier. NULL is ignored.
#[no_mangle]
pub extern "C" fn cognito_alb_verifier_free(verifier: *mut cognito_alb_verifier) {
    boundary::call_void(|| cast::free_boxed(verifier));
}

/// Verifies `token` (the `x-amzn-oidc-data` header's value) at `now` (Unix seconds) with the
/// keys held: from the verdict memo when it verified before under the same keys, else in full.
/// On success copies the payload (the user's claims, JSON) and a NUL into `payload_buf` and its
/// length to `*payload_len` (a buffer of `token_len` bytes always suffices;
/// `COGNITO_RESULT_BUFFER_TOO_SMALL` sets `*payload_len` to the size needed). Returns the
/// token's code; `COGNITO_RESULT_UNKNOWN_KID` when its load balancer's key for its `kid` is not
/// held: ask `cognito_alb_verifier_key_request` whether to fetch it. Also
/// `COGNITO_RESULT_NULL_PARAMETER`, `COGNITO_RESULT_INVALID_UTF8`.
#[no_mangle]
pub extern "C" fn cognito_alb_verifier_verify(
    verifier: *const cognito_alb_verifier,
    token: *const u8,
    token_len: usize,
    now: u64,
    payload_buf: *mut u8,
    payload_buf_len: usize,
    payload_len: *mut usize,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let token = try_str(token, token_len)?;
        let out = TextOut::new(payload_buf, payload_buf_len, payload_len)?;
        match v.core.verify(token, now)? {
            AlbStep::Verified(claims) => out.bytes(claims.payload_json().as_bytes()),
            AlbStep::NeedKey(_) => Err(cognito_result::UnknownKid),
        }
    })
}

/// The key `token` needs, when it is well formed, of a configured load balancer, and its key is
/// not held; else the token's code (`COGNITO_RESULT_INVALID_ARGUMENT` when it needs no key:
/// verify it).
fn request_of(
    v: &cognito_alb_verifier,
    token: &str,
    now: u64,
) -> Result<KeyRequest, cognito_result> {
    match v.core.verify(token, now)? {
        AlbStep::NeedKey(request) => Ok(request),
        AlbStep::Verified(_) => Err(cognito_result::InvalidArgument),
    }
}

/// Whether the key `token` needs may be fetched now (the core's policy: one fetch per load
/// balancer per cooldown). `COGNITO_RESULT_OK`: GET the URL copied (with a NUL) into `url_buf`
/// (its length to `*url_len`; `COGNITO_RESULT_BUFFER_TOO_SMALL` sets the size needed, 256 bytes
/// always suffice), at most 4,096 bytes, no redirects, then report with
/// `cognito_alb_verifier_key_fetched`. Otherwise the code the token gets without its key:
/// `COGNITO_RESULT_UNKNOWN_KID` (its load balancer has keys: the kid is likely invented),
/// `COGNITO_RESULT_JWKS_UNAVAILABLE` (no key at all; `*retry_at` receives when a fetch may start
/// again, Unix seconds; NULL: not wanted), the token's own code when it cannot be verified, or
/// `COGNITO_RESULT_INVALID_ARGUMENT` when it needs no key.
#[no_mangle]
pub extern "C" fn cognito_alb_verifier_key_request(
    verifier: *const cognito_alb_verifier,
    token: *const u8,
    token_len: usize,
    now: u64,
    url_buf: *mut u8,
    url_buf_len: usize,
    url_len: *mut usize,
    retry_at: *mut u64,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let token = try_str(token, token_len)?;
        let out = TextOut::new(url_buf, url_buf_len, url_len)?;
        let request = request_of(v, token, now)?;
        match v.core.request_key(&request, now) {
            KeyAction::Fetch { url } => out.bytes(url.as_bytes()),
            KeyAction::Refused(e) => Err(e.into()),
            KeyAction::Unavailable { retry_at: at } => {
                if let Ok(slot) = try_out(retry_at) {
                    slot.set(at);
                }
                Err(cognito_result::JwksUnavailable)
            }
        }
    })
}

/// Reports the fetch `cognito_alb_verifier_key_request` allowed for `token`: `body` (`body_len`
/// bytes, the PEM the load balancer served), or NULL when the fetch failed (network, status,
/// size, timeout). Errors: `COGNITO_RESULT_UNSUPPORTED_KEY` for a document that is not a P-256
/// public key (counted as a failure, nothing kept); the token's code when it cannot be
/// verified, `COGNITO_RESULT_INVALID_ARGUMENT` when it needs no key;
/// `COGNITO_RESULT_NULL_PARAMETER`, `COGNITO_RESULT_INVALID_UTF8`.
#[no_mangle]
pub extern "C" fn cognito_alb_verifier_key_fetched(
    verifier: *const cognito_alb_verifier,
    token: *const u8,
    token_len: usize,
    now: u64,
    body: *const u8,
    body_len: usize,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let token = try_str(token, token_len)?;
        let request = request_of(v, token, now)?;
        if body.is_null() {
            v.core.key_failed(&request);
            return Ok(());
        }
        v.core
            .key_fetched(&request, try_bytes(body, body_len)?)
            .map_err(|e| cognito_result::from(cognito_verify_core::Error::from(e)))
    })
}

/// The verifier's counters (each out-parameter may be NULL): key fetches allowed, fetches
/// reported failed, keys held; verdict-memo hits and misses; signature-cache hits and misses.
#[no_mangle]
pub extern "C" fn cognito_alb_verifier_stats(
    verifier: *const cognito_alb_verifier,
    fetches_out: *mut u64,
    failures_out: *mut u64,
    keys_out: *mut usize,
    memo_hits_out: *mut u64,
    memo_misses_out: *mut u64,
    signature_hits_out: *mut u64,
    signature_misses_out: *mut u64,
) -> cognito_result {
    boundary::call(|| {
        let v = try_ref(verifier)?;
        let (k, m, s) = (
            v.core.key_stats(),
            v.core.verdict_memo_stats(),
            v.core.signature_cache_stats(),
        );
        let report = |out: *mut u64, value: u64| {
            if let Ok(out) = try_out(out) {
                out.set(value);
            }
        };
        report(fetches_out, k.fetches);
        report(failures_out, k.failures);
        if let Ok(out) = try_out(keys_out) {
            out.set(k.keys);
        }
        report(memo_hits_out, m.hits);
        report(memo_misses_out, m.misses);
        report(signature_hits_out, s.hits);
        report(signature_misses_out, s.misses);
        Ok(())
    })
}
