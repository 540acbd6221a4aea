//! End to end: the `server` example as a process answering its bearer-token API against a JWKS
//! server of the test's own on 127.0.0.1: no token, valid ID and access tokens, each invalid
//! token with its code and message, the group requirement, hostile requests, the signature
//! cache and `/metrics`, and no switch that turns verification off.
//!
//! Needs no moto. Every process and server started here is stopped on drop.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/own_jwks.rs"]
mod own_jwks;
#[path = "common/servers.rs"]
mod servers;

use common::*;
use own_jwks::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_answers_with_own_keys() {
    let jwks = own_jwks();
    let srv = own_server(&jwks, &[]);
    let ka = Signer256::new("rsa2048_a.pem", "kA");

    // No token, and things that are not bearer tokens.
    for headers in [
        vec![],
        vec![("authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l")],
        vec![("authorization", "Bearer")],
        vec![("authorization", "Bearer    ")],
        vec![("authorization", "garbage")],
    ] {
        let a = srv.get("/api/v1/ping", &headers).await;
        assert_eq!(a.status, 401, "{headers:?}");
        assert_eq!(a.body, NOT_FOUND_BODY);
        assert_eq!(a.header("www-authenticate"), "Bearer");
        assert_eq!(a.header("content-type"), "application/json");
    }

    // Valid ID and access tokens.
    let good = ka.sign(&id_claims(now() + 3600));
    let a = srv.bearer("/api/v1/ping", &good).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let j = a.json();
    assert_eq!(j["sub"], "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_eq!(j["username"], "alice");
    let mut access = id_claims(now() + 3600);
    let o = access.as_object_mut().unwrap();
    o.remove("aud");
    o.insert("token_use".into(), json!("access"));
    o.insert("client_id".into(), json!(CLIENT));
    o.insert("username".into(), json!("alice"));
    o.insert("scope".into(), json!("openid email"));
    let a = srv.bearer("/api/v1/ping", &ka.sign(&access)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["token_use"], "access");

    // Security headers.
    for h in [
        "x-content-type-options",
        "x-frame-options",
        "content-security-policy",
        "referrer-policy",
        "cache-control",
    ] {
        assert!(!a.header(h).is_empty(), "{h}");
    }

    // Invalid tokens, each with its code and message.
    srv.expect_invalid(
        &ka.sign(&id_claims(now() - 60)),
        "expired",
        "Token Expired.",
    )
    .await;
    let mut parts: Vec<&str> = good.split('.').collect();
    let mut forged = id_claims(now() + 3600);
    forged["cognito:username"] = json!("mallory");
    let forged_payload = base64_url(&forged.to_string());
    parts[1] = &forged_payload;
    srv.expect_invalid(
        &parts.join("."),
        "invalid_signature",
        "Token Signature Invalid.",
    )
    .await;
    let mut foreign = id_claims(now() + 3600);
    foreign["iss"] = json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool");
    srv.expect_invalid(&ka.sign(&foreign), "wrong_issuer", "Token Issuer Invalid.")
        .await;
    let mut other_client = id_claims(now() + 3600);
    other_client["aud"] = json!("someotherclient");
    srv.expect_invalid(
        &ka.sign(&other_client),
        "wrong_client",
        "Token Client Invalid.",
    )
    .await;
    let stranger = Signer256::new("rsa2048_foreign.pem", "kF");
    srv.expect_invalid(
        &stranger.sign(&id_claims(now() + 3600)),
        "unknown_kid",
        "Token Signing Key Unknown.",
    )
    .await;
    // A foreign key under a known kid.
    srv.expect_invalid(
        &stranger.sign_with_kid("kA", &id_claims(now() + 3600)),
        "invalid_signature",
        "Token Signature Invalid.",
    )
    .await;
    for garbage in ["x", "a.b.c", "....", "eyJ.eyJ.sig", &"A".repeat(7000)] {
        srv.expect_invalid(garbage, "malformed_token", "Token Malformed.")
            .await;
    }

    // Group requirement: 403 insufficient_scope without it, 200 with it.
    let a = srv.bearer("/api/v1/admin", &good).await;
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(
        a.body,
        r#"{"error": "403 Forbidden Error. Insufficient Scope.", "code": "group_not_allowed"}"#
    );
    assert_eq!(
        a.header("www-authenticate"),
        r#"Bearer error="insufficient_scope""#
    );
    let mut admin = id_claims(now() + 3600);
    admin["cognito:groups"] = json!(["users", "admin"]);
    let a = srv.bearer("/api/v1/admin", &ka.sign(&admin)).await;
    assert_eq!(a.status, 200, "{}", a.body);

    // Hostile requests: 4xx, and the server stays up.
    let huge = "x".repeat(64 * 1024);
    let a = srv.get("/api/v1/ping", &[("authorization", &huge)]).await;
    assert_eq!(a.status, 431);
    let flood: String = (0..2000).map(|i| format!("c{i}=v{i}; ")).collect();
    let a = srv.get("/me", &[("cookie", &flood)]).await;
    assert_eq!(a.status, 431);
    // Just over the limit is refused whichever of hyper's buffer or the server's own check sees it
    // first (that depends on how the head arrives); just under it is served.
    let a = srv.get("/me", &[("cookie", &"c".repeat(17 * 1024))]).await;
    assert_eq!(a.status, 431);
    let a = srv.get("/me", &[("cookie", &"c".repeat(15 * 1024))]).await;
    assert_eq!(a.status, 200, "served: signed out");
    let mut r = srv.client.get(format!("{}/me", srv.base));
    for i in 0..150 {
        r = r.header("cookie", format!("c{i}=v"));
    }
    let status = r.send().await.unwrap().status().as_u16();
    assert!((400..500).contains(&status), "{status}");
    let a = srv
        .get(
            "/api/v1/ping",
            &[("authorization", "Bearer a"), ("Authorization", "Bearer b")],
        )
        .await;
    assert_eq!(a.status, 400);
    let a = srv.get("/api/v1/nope", &[]).await;
    assert_eq!(a.status, 404);
    let a = srv.bearer("/api/v1/ping", &good).await;
    assert_eq!(a.status, 200, "still up after hostile requests");
    assert_eq!(
        jwks.hits(),
        2,
        "start-up + one refetch for the unknown kid, nothing else"
    );
}

/// The value of one metric of `/metrics` (Prometheus text format).
fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from {text}"))
}

/// The verdict memo and the signature cache: a token seen before is a memo hit, `/metrics` says
/// so (and counts the JWKS fetches) without a token; without the memo, a signature cache hit; a
/// cached signature over a payload one character off is refused; capacity 0 turns either off;
/// and the old `INSECURE_DISABLE_AUTH` switch turns nothing off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_cache_and_metrics() {
    let jwks = own_jwks();
    let srv = own_server(&jwks, &[("INSECURE_DISABLE_AUTH", "1")]);
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let a = srv.get("/api/v1/ping", &[]).await;
    assert_eq!(a.status, 401, "no switch turns authentication off");

    let good = ka.sign(&id_claims(now() + 3600));
    for _ in 0..3 {
        assert_eq!(srv.bearer("/api/v1/ping", &good).await.status, 200);
    }
    let m = srv.get("/metrics", &[]).await;
    assert_eq!(m.status, 200);
    assert!(m
        .header("content-type")
        .starts_with("text/plain; version=0.0.4"));
    assert!(m
        .body
        .contains("# TYPE cognito_signature_cache_hits_total counter"));
    // The repeats are memo hits: the signature was checked once, and stored.
    assert_eq!(metric(&m.body, "cognito_verdict_memo_hits_total"), 2);
    assert_eq!(metric(&m.body, "cognito_verdict_memo_misses_total"), 1);
    assert_eq!(metric(&m.body, "cognito_verdict_memo_capacity"), 2048);
    assert_eq!(metric(&m.body, "cognito_signature_cache_hits_total"), 0);
    assert_eq!(metric(&m.body, "cognito_signature_cache_misses_total"), 1);
    assert_eq!(metric(&m.body, "cognito_signature_cache_capacity"), 4096);
    // The pool's keys: fetched once at start-up, two keys held, nothing failed.
    assert_eq!(metric(&m.body, "cognito_jwks_fetches_total"), 1);
    assert_eq!(metric(&m.body, "cognito_jwks_fetch_failures_total"), 0);
    assert_eq!(metric(&m.body, "cognito_jwks_keys"), 2);

    // The same signature over a payload one character off: refused.
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let payload = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &parts[1])
            .unwrap(),
    )
    .unwrap();
    parts[1] = base64_url(&payload.replace("alice", "alicf"));
    srv.expect_invalid(
        &parts.join("."),
        "invalid_signature",
        "Token Signature Invalid.",
    )
    .await;
    let m = srv.get("/metrics", &[]).await;
    assert_eq!(metric(&m.body, "cognito_verdict_memo_hits_total"), 2);
    assert_eq!(metric(&m.body, "cognito_signature_cache_hits_total"), 0);

    // Without the memo, the signature cache answers the repeats.
    let no_memo = own_server(&jwks, &[("VERDICT_MEMO_CAPACITY", "0")]);
    for _ in 0..3 {
        assert_eq!(no_memo.bearer("/api/v1/ping", &good).await.status, 200);
    }
    let m = no_memo.get("/metrics", &[]).await;
    assert_eq!(metric(&m.body, "cognito_verdict_memo_capacity"), 0);
    assert_eq!(metric(&m.body, "cognito_verdict_memo_hits_total"), 0);
    assert_eq!(metric(&m.body, "cognito_signature_cache_hits_total"), 2);
    assert_eq!(metric(&m.body, "cognito_signature_cache_misses_total"), 1);

    let off = own_server(
        &jwks,
        &[
            ("SIGNATURE_CACHE_CAPACITY", "0"),
            ("VERDICT_MEMO_CAPACITY", "0"),
        ],
    );
    for _ in 0..2 {
        assert_eq!(off.bearer("/api/v1/ping", &good).await.status, 200);
    }
    let m = off.get("/metrics", &[]).await;
    assert_eq!(metric(&m.body, "cognito_signature_cache_capacity"), 0);
    assert_eq!(metric(&m.body, "cognito_signature_cache_hits_total"), 0);
    assert_eq!(metric(&m.body, "cognito_verdict_memo_hits_total"), 0);
}
