//! The server's settings, read from the environment or `.env` (`.env.example` lists them), and
//! its `/metrics` text.

use cognito_verify_examples::{Env, ServerEnv, Sizes};

use super::logout::{Logout, LogoutSettings};
use super::replicas::ReplicaStats;
use super::web::WebLogin;

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub(super) server: ServerEnv,
    pub(super) web: Option<WebLogin>,
    /// `SIGNATURE_CACHE_CAPACITY`, `VERDICT_MEMO_CAPACITY`, `REVOCATION_CAPACITY` (entries; 0:
    /// off) and `MAX_TOKEN_LIFETIME` (the longest validity of the pool's tokens, seconds).
    pub(super) sizes: Sizes,
    /// `REVOCATION_REDIS_URL`: replicas share revocations through this Redis.
    pub(super) redis_url: Option<String>,
    /// `REVOCATION_REDIS_CA_FILE`: PEM certificates a `rediss://` server's must chain to
    /// (instead of the webpki roots).
    pub(super) redis_ca_file: Option<String>,
    /// `REVOCATION_REDIS_KEY`: the stream's key.
    pub(super) redis_key: String,
    /// Where sign-out goes.
    pub(super) logout: LogoutSettings,
    pub(super) client_secret: Option<String>,
}

impl Settings {
    pub(super) fn from_env(env: &Env) -> Result<Self, String> {
        let server = ServerEnv::from_env(env)?;
        let web = WebLogin::from_env(env, &server.host, server.port)?;
        let number = |name: &str, default: u64| match env.get(name) {
            None => Ok(default),
            Some(n) => n
                .parse::<u64>()
                .map_err(|_| format!("{name} must be a whole number, not {n:?}")),
        };
        let size = |name: &str, default: usize| {
            number(name, default as u64)
                .and_then(|n| usize::try_from(n).map_err(|_| format!("{name} is too large")))
        };
        let d = Sizes::default();
        let sizes = Sizes {
            signature_cache: size("SIGNATURE_CACHE_CAPACITY", d.signature_cache)?,
            verdict_memo: size("VERDICT_MEMO_CAPACITY", d.verdict_memo)?,
            revocation_capacity: size("REVOCATION_CAPACITY", d.revocation_capacity)?,
            max_token_lifetime: number("MAX_TOKEN_LIFETIME", d.max_token_lifetime)?,
        };
        let logout = Logout::settings(env, &server.host, server.port, web.as_ref())?;
        Ok(Settings {
            server,
            web,
            sizes,
            redis_url: env.get("REVOCATION_REDIS_URL"),
            redis_ca_file: env.get("REVOCATION_REDIS_CA_FILE"),
            redis_key: env
                .get("REVOCATION_REDIS_KEY")
                .unwrap_or_else(|| "cognito-verify:revocations".into()),
            logout,
            client_secret: env.get("AWS_COGNITO_APP_CLIENT_SECRET"),
        })
    }
}

/// The verdict memo's and the verified-signature cache's counters, the JWKS fetches, the
/// revocation list's size and the Redis stream's counters in the Prometheus text exposition
/// format.
pub(super) fn metrics(
    verifier: &cognito_verify::CognitoJwtVerifier,
    replicas: &ReplicaStats,
) -> String {
    use core::sync::atomic::Ordering::Relaxed;
    let s = verifier.signature_cache_stats();
    let m = verifier.verdict_memo_stats();
    // The server verifies one pool's tokens: pool 0.
    let k = verifier.jwks_stats(0);
    let r = verifier.revocation_stats();
    format!(
        "# HELP cognito_verdict_memo_hits_total Tokens seen before, answered by checking their \
         claims again (no signature, no decoding).\n\
         # TYPE cognito_verdict_memo_hits_total counter\n\
         cognito_verdict_memo_hits_total {}\n\
         # HELP cognito_verdict_memo_misses_total Tokens the memo did not hold, verified in full.\n\
         # TYPE cognito_verdict_memo_misses_total counter\n\
         cognito_verdict_memo_misses_total {}\n\
         # HELP cognito_verdict_memo_capacity Entries the memo holds (0: off).\n\
         # TYPE cognito_verdict_memo_capacity gauge\n\
         cognito_verdict_memo_capacity {}\n\
         # HELP cognito_signature_cache_hits_total Tokens whose signature was found in the cache.\n\
         # TYPE cognito_signature_cache_hits_total counter\n\
         cognito_signature_cache_hits_total {}\n\
         # HELP cognito_signature_cache_misses_total Signatures checked with the arithmetic.\n\
         # TYPE cognito_signature_cache_misses_total counter\n\
         cognito_signature_cache_misses_total {}\n\
         # HELP cognito_signature_cache_capacity Entries the cache holds (0: off).\n\
         # TYPE cognito_signature_cache_capacity gauge\n\
         cognito_signature_cache_capacity {}\n\
         # HELP cognito_jwks_fetches_total Fetches of the pool's JWKS the refresh policy asked for.\n\
         # TYPE cognito_jwks_fetches_total counter\n\
         cognito_jwks_fetches_total {}\n\
         # HELP cognito_jwks_fetch_failures_total JWKS fetches that failed (network, status, size, \
         timeout or no usable key); the last good keys stay in use.\n\
         # TYPE cognito_jwks_fetch_failures_total counter\n\
         cognito_jwks_fetch_failures_total {}\n\
         # HELP cognito_jwks_keys Usable signing keys held.\n\
         # TYPE cognito_jwks_keys gauge\n\
         cognito_jwks_keys {}\n\
         # HELP cognito_revocations_held Live revocations (sign-outs) the verifier holds.\n\
         # TYPE cognito_revocations_held gauge\n\
         cognito_revocations_held {}\n\
         # HELP cognito_revocations_capacity Revocations the list can hold (0: off).\n\
         # TYPE cognito_revocations_capacity gauge\n\
         cognito_revocations_capacity {}\n\
         # HELP cognito_replica_entries_refused_total Entries of the Redis stream refused: out of \
         bounds, not understood, ids ahead of the clock, or not applicable.\n\
         # TYPE cognito_replica_entries_refused_total counter\n\
         cognito_replica_entries_refused_total {}\n\
         # HELP cognito_replica_entries_waiting Entries of the Redis stream waiting for room in the \
         list, retried at every read.\n\
         # TYPE cognito_replica_entries_waiting gauge\n\
         cognito_replica_entries_waiting {}\n",
        m.hits,
        m.misses,
        m.capacity,
        s.hits,
        s.misses,
        s.capacity,
        k.fetches,
        k.failures,
        k.keys,
        r.held,
        r.capacity,
        replicas.refused.load(Relaxed),
        replicas.waiting.load(Relaxed),
    )
}
