//! End to end: `fetch_jwt` and the `server` example as processes against moto (Cognito
//! stand-in, `.venv/bin/moto_server`, see `scripts/ensure_venv.sh`): ID, access and refreshed
//! tokens, a wrong password's message, the server accepting moto's tokens and refusing tampered
//! ones and another pool's.
//!
//! Skipped with a message when `.venv/bin/moto_server` is missing, unless `E2E_REQUIRE_MOTO=1`
//! (what `make` sets after `scripts/ensure_venv.sh`), which turns that into a failure. Every
//! process and server started here is stopped on drop.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/own_jwks.rs"]
mod own_jwks;
#[path = "common/servers.rs"]
mod servers;

use core::time::Duration;
use std::time::Instant;

use own_jwks::*;
use serde_json::Value;
use servers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_fetch_jwt_and_server() {
    let Some(bin) = moto_server_path() else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    let moto = start_moto(&bin);
    let env = provision(&moto.endpoint, "us-east-1");
    let pool = &env["AWS_COGNITO_USER_POOL_ID"];

    // fetch_jwt: ID, access, refresh.
    let out = fetch_jwt(&env, &["--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = all["id_token"].as_str().unwrap().to_string();
    let access = all["access_token"].as_str().unwrap().to_string();
    let refresh = all["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(id.split('.').count(), 3);
    assert_eq!(access.split('.').count(), 3);
    assert!(!refresh.is_empty());
    let out = fetch_jwt(&env, &[]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .split('.')
            .count(),
        3
    );
    let out = fetch_jwt(&env, &["--refresh-token", &refresh, "--access"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let refreshed = String::from_utf8(out.stdout).unwrap().trim().to_string();

    // Wrong password: a clear message, exit 1, the password never shown.
    let mut wrong = env.clone();
    wrong.insert(
        "AWS_COGNITO_API_USER_PASSWORD".into(),
        "Wrong-Passw0rd-xyz!".into(),
    );
    let out = fetch_jwt(&wrong, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Cognito refused USER_PASSWORD_AUTH"), "{err}");
    assert!(err.contains("NotAuthorized"), "{err}");
    assert!(!err.contains("Wrong-Passw0rd-xyz!"));
    assert!(out.stdout.is_empty());

    // The server against moto (JWKS and issuer overrides, as `make demo` does).
    let vars: Vec<(&str, &str)> = [
        "AWS_REGION",
        "AWS_COGNITO_USER_POOL_ID",
        "AWS_COGNITO_APP_CLIENT_ID",
        "AWS_COGNITO_JWKS_URL",
        "AWS_COGNITO_ISSUER",
    ]
    .iter()
    .map(|k| (*k, env[*k].as_str()))
    .collect();
    let srv = start_server(&vars);
    let a = srv.get("/api/v1/ping", &[]).await;
    assert_eq!((a.status, a.body.as_str()), (401, NOT_FOUND_BODY));
    assert_eq!(a.header("www-authenticate"), "Bearer");
    for (what, t) in [
        ("id", &id),
        ("access", &access),
        ("refreshed access", &refreshed),
    ] {
        let a = srv.bearer("/api/v1/ping", t).await;
        assert_eq!(a.status, 200, "{what}: {}", a.body);
        assert!(!a.json()["sub"].as_str().unwrap().is_empty());
        assert!(!a.json()["username"].as_str().unwrap().is_empty());
    }
    // Tampered.
    let mut parts: Vec<String> = id.split('.').map(str::to_string).collect();
    let payload = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &parts[1])
            .unwrap(),
    )
    .unwrap();
    // Changed bytes break the signature (here the issuer's `:` as a JSON escape: the same
    // issuer once decoded, so the pool rule passes); a changed issuer names no configured pool
    // and is refused before any key is tried.
    let mut signed_claim = parts.clone();
    signed_claim[1] = base64_url(&payload.replacen("https:", r"https\u003a", 1));
    srv.expect_invalid(
        &signed_claim.join("."),
        "invalid_signature",
        "Token Signature Invalid.",
    )
    .await;
    parts[1] = base64_url(&payload.replace(pool.as_str(), "us-east-1_Tampered1"));
    srv.expect_invalid(&parts.join("."), "wrong_issuer", "Token Issuer Invalid.")
        .await;
    // A token of another pool (moto signs every pool with one key: the issuer tells them apart).
    let other = provision(&moto.endpoint, "eu-west-1");
    assert_ne!(other["AWS_COGNITO_USER_POOL_ID"], *pool);
    let out = fetch_jwt(&other, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let foreign = String::from_utf8(out.stdout).unwrap().trim().to_string();
    srv.expect_invalid(&foreign, "wrong_issuer", "Token Issuer Invalid.")
        .await;
    assert!(Instant::now() < deadline, "took too long");
}
