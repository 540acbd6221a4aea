//! Sign-out that signs out (issue 12), end to end: the `server` example as processes against moto
//! (`GlobalSignOut`, tokens, refresh) with the test's own `/oauth2/revoke` (moto has none), and
//! replicas sharing revocations through a real `redis-server` started and stopped here.
//!
//! Skipped with a message without `.venv/bin/moto_server` or `redis-server`, unless
//! `E2E_REQUIRE_MOTO=1` (what `make test` sets), which turns that into a failure.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/servers.rs"]
mod servers;

use core::time::Duration;
use std::collections::HashMap;
use std::process::Stdio;
use std::time::Instant;

use common::*;
use serde_json::{json, Value};
use servers::*;

/// `/oauth2/revoke` of the test: accepts the refresh tokens the test says, refuses others.
fn revoke_endpoint(accept: bool) -> TestHttp {
    TestHttp::start(move |req| {
        if req.method == "POST"
            && req.path == "/oauth2/revoke"
            && req.body.contains("token=")
            && accept
        {
            (200, String::new())
        } else {
            (400, r#"{"error":"unsupported_token_type"}"#.into())
        }
    })
}

fn all_tokens(env: &HashMap<String, String>) -> (String, String, String) {
    let out = fetch_jwt(env, &["--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = |k: &str| all[k].as_str().unwrap().to_string();
    (s("id_token"), s("access_token"), s("refresh_token"))
}

async fn api_logout(srv: &Server, bearer: &str, body: &str) -> Answer {
    srv.post(
        "/api/v1/logout",
        &[
            ("authorization", &format!("Bearer {bearer}")),
            ("content-type", "application/json"),
        ],
        body,
    )
    .await
}

/// Against moto: sign in, 200; sign out (GlobalSignOut with the access token), the same tokens get
/// 401 `revoked` on the very next request, moto no longer refreshes, another user still gets 200.
/// Then RevokeToken with a refresh token: every token of that refresh token is `revoked`, even one
/// minted from it afterwards, and a new sign-in is not. Cognito refusing: 502, revoked all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_sign_out_revokes() {
    let Some(bin) = moto_server_path() else {
        return;
    };
    let moto = start_moto(&bin);
    let alice = provision_user(&moto.endpoint, "us-east-1", Some("alice@example.com"));
    let bob = provision_user(&moto.endpoint, "us-east-1", Some("bob@example.com"));
    assert_eq!(
        alice["AWS_COGNITO_USER_POOL_ID"],
        bob["AWS_COGNITO_USER_POOL_ID"]
    );
    let revoke = revoke_endpoint(true);
    let revoke_url = format!("{}/oauth2/revoke", revoke.base);
    let mut vars: Vec<(&str, &str)> = [
        "AWS_REGION",
        "AWS_COGNITO_USER_POOL_ID",
        "AWS_COGNITO_APP_CLIENT_ID",
        "AWS_COGNITO_JWKS_URL",
        "AWS_COGNITO_ISSUER",
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    ]
    .iter()
    .map(|k| (*k, alice[*k].as_str()))
    .collect();
    vars.push(("AWS_COGNITO_REVOKE_URL", &revoke_url));
    let srv = start_server(&vars);

    let (a_id, a_access, a_refresh) = all_tokens(&alice);
    let (b_id, b_access, b_refresh) = all_tokens(&bob);
    for t in [&a_id, &a_access, &b_id, &b_access] {
        let a = srv.bearer("/api/v1/ping", t).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }

    // GET is not a sign-out; an ID token alone cannot say what to revoke in Cognito.
    let a = srv.bearer("/api/v1/logout", &a_access).await;
    assert_eq!((a.status, a.header("allow")), (405, "POST"));
    let a = api_logout(&srv, &a_id, "").await;
    assert_eq!(a.status, 400, "{}", a.body);
    // Alice signs out with her access token: GlobalSignOut at moto.
    let a = api_logout(&srv, &a_access, "").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.json(),
        json!({"message": "signed out", "cognito": "GlobalSignOut", "revoked": "subject"})
    );
    srv.expect_invalid(&a_access, "revoked", "Token Revoked.")
        .await;
    srv.expect_invalid(&a_id, "revoked", "Token Revoked.").await;
    let a = api_logout(&srv, &a_access, "").await;
    assert_eq!(a.status, 401, "a revoked token cannot sign out again");
    // Moto did sign her out: her refresh token no longer works there.
    let out = fetch_jwt(&alice, &["--refresh-token", &a_refresh]);
    assert!(
        !out.status.success(),
        "moto still refreshes after GlobalSignOut"
    );
    // Bob is untouched.
    for t in [&b_id, &b_access] {
        assert_eq!(srv.bearer("/api/v1/ping", t).await.status, 200);
    }

    // Bob signs out with his ID token and refresh token: RevokeToken, then his origin_jti.
    let a = api_logout(
        &srv,
        &b_id,
        &json!({ "refresh_token": b_refresh }).to_string(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.json(),
        json!({"message": "signed out", "cognito": "RevokeToken", "revoked": "origin_jti"})
    );
    assert_eq!(revoke.hits(), 1);
    let last = revoke.last.lock().unwrap().clone().unwrap();
    assert!(last
        .body
        .contains(&format!("client_id={}", bob["AWS_COGNITO_APP_CLIENT_ID"])));
    srv.expect_invalid(&b_id, "revoked", "Token Revoked.").await;
    srv.expect_invalid(&b_access, "revoked", "Token Revoked.")
        .await;
    // Moto has no RevokeToken and still refreshes: the new token shares the origin_jti.
    let out = fetch_jwt(&bob, &["--refresh-token", &b_refresh, "--access"]);
    assert!(out.status.success());
    let minted = String::from_utf8(out.stdout).unwrap().trim().to_string();
    srv.expect_invalid(&minted, "revoked", "Token Revoked.")
        .await;
    // A new sign-in is a new session.
    let (b2_id, _, b2_refresh) = all_tokens(&bob);
    assert_eq!(srv.bearer("/api/v1/ping", &b2_id).await.status, 200);

    // Cognito refuses: 502 that says so, and the token is refused here all the same.
    revoke.set(|_| (400, r#"{"error":"unauthorized_client"}"#.into()));
    let a = api_logout(
        &srv,
        &b2_id,
        &json!({ "refresh_token": b2_refresh }).to_string(),
    )
    .await;
    assert_eq!(a.status, 502, "{}", a.body);
    assert_eq!(a.json()["revoked"], "origin_jti");
    assert!(a.json()["detail"]
        .as_str()
        .unwrap()
        .contains("unauthorized_client"));
    srv.expect_invalid(&b2_id, "revoked", "Token Revoked.")
        .await;
}

fn own_server_env(jwks: &TestHttp, revoke: &TestHttp, redis: &str) -> Vec<(String, String)> {
    [
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_COGNITO_USER_POOL_ID", POOL.to_string()),
        ("AWS_COGNITO_APP_CLIENT_ID", CLIENT.to_string()),
        (
            "AWS_COGNITO_JWKS_URL",
            format!("{}/{POOL}/.well-known/jwks.json", jwks.base),
        ),
        (
            "AWS_COGNITO_REVOKE_URL",
            format!("{}/oauth2/revoke", revoke.base),
        ),
        ("REVOCATION_REDIS_URL", redis.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A server of the replica test, its log in a file.
fn replica(vars: &[(String, String)], log: &std::path::Path) -> Server {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let file = std::fs::File::create(log).unwrap();
    start_server_with(&vars, Stdio::from(file))
}

/// A session of its own: an ID token with its `origin_jti`.
fn session(ka: &Signer256, name: &str) -> String {
    let mut c = id_claims(now() + 3600);
    c["origin_jti"] = json!(format!("origin-{name}"));
    c["jti"] = json!(format!("jti-{name}"));
    ka.sign(&c)
}

async fn sign_out(srv: &Server, token: &str) {
    let a = api_logout(srv, token, r#"{"refresh_token": "a-refresh-token"}"#).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["revoked"], "origin_jti");
    srv.expect_invalid(token, "revoked", "Token Revoked.").await;
}

fn outages_logged(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap()
        .matches("Redis unreachable")
        .count()
}

/// Two servers and a real redis-server: a sign-out through one is refused by the other within
/// one second; a server started later learns it at start; Redis stopped, both keep answering and
/// log it once; Redis back on the same port (empty), revocations made during the outage reach the
/// other server and new ones flow again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_revocations_through_redis() {
    let Some(bin) = redis_server_path() else {
        return;
    };
    let port = free_port();
    let redis = Redis::start(&bin, port);
    let jwks = TestHttp::start(|_| {
        (
            200,
            std::fs::read_to_string(repo().join("testdata/doc/jwks.json")).unwrap(),
        )
    });
    let revoke = revoke_endpoint(true);
    let vars = own_server_env(&jwks, &revoke, &redis.url());
    let dir = std::env::temp_dir().join(format!("cv-replicas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (log_a, log_b) = (dir.join("a.log"), dir.join("b.log"));
    let a = replica(&vars, &log_a);
    let b = replica(&vars, &log_b);
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let (t1, t2, t3, other) = (
        session(&ka, "one"),
        session(&ka, "two"),
        session(&ka, "three"),
        session(&ka, "other"),
    );
    for srv in [&a, &b] {
        for t in [&t1, &t2, &t3, &other] {
            assert_eq!(srv.bearer("/api/v1/ping", t).await.status, 200);
        }
    }

    // Signed out through A: refused by B within one second.
    sign_out(&a, &t1).await;
    let took = b.until_revoked(&t1, Duration::from_secs(1)).await;
    eprintln!("replicas: B refused the token {took:?} after A's sign-out");
    // In Redis: one stream entry, with a key that expires after the longest token lifetime.
    let mut con = redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let key = "cognito-verify:revocations";
    let entries: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
        .arg(key)
        .arg("-")
        .arg("+")
        .query(&mut con)
        .unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let fields = &entries[0].1;
    assert_eq!(fields["kind"], "origin_jti");
    assert_eq!(fields["value"], "origin-one");
    let until: u64 = fields["until"].parse().unwrap();
    let now = u64::try_from(now()).unwrap();
    assert!(
        (now + 86_400 - 5..=now + 86_400).contains(&until),
        "{until}"
    );
    let ttl: i64 = redis::cmd("PTTL").arg(key).query(&mut con).unwrap();
    assert!((86_000_000..=86_400_000).contains(&ttl), "{ttl}");
    let m = b.get("/metrics", &[]).await.body;
    assert!(m.contains("\ncognito_revocations_held 1\n"), "{m}");
    assert_eq!(b.bearer("/api/v1/ping", &other).await.status, 200);
    // A server started now learns it at start.
    let log_c = dir.join("c.log");
    let c = replica(&vars, &log_c);
    c.until_revoked(&t1, Duration::from_secs(1)).await;
    assert_eq!(c.bearer("/api/v1/ping", &other).await.status, 200);
    drop(c);

    // Redis stopped: both keep answering with their own lists, and log the outage once.
    drop(redis);
    for srv in [&a, &b] {
        assert_eq!(srv.bearer("/api/v1/ping", &other).await.status, 200);
        srv.expect_invalid(&t1, "revoked", "Token Revoked.").await;
    }
    // A sign-out during the outage: recorded by B at once, not known to A yet.
    sign_out(&b, &t2).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(a.bearer("/api/v1/ping", &t2).await.status, 200);
    for srv in [&a, &b] {
        for _ in 0..20 {
            assert_eq!(srv.bearer("/api/v1/ping", &other).await.status, 200);
        }
    }
    assert_eq!(outages_logged(&log_a), 1, "A logs the outage once");
    assert_eq!(outages_logged(&log_b), 1, "B logs the outage once");

    // Redis back on the same port, empty: B publishes what it revoked meanwhile, A reads it.
    let redis = Redis::start(&bin, port);
    let start = Instant::now();
    a.until_revoked(&t2, Duration::from_secs(5)).await;
    eprintln!(
        "replicas: A learnt the outage's sign-out {:?} after Redis came back",
        start.elapsed()
    );
    // New revocations flow again, both ways.
    sign_out(&a, &t3).await;
    b.until_revoked(&t3, Duration::from_secs(1)).await;
    for srv in [&a, &b] {
        assert_eq!(srv.bearer("/api/v1/ping", &other).await.status, 200);
    }
    // A server started now learns all three (t1 from A again after the restart, t2, t3).
    let d = replica(&vars, &dir.join("d.log"));
    for t in [&t1, &t2, &t3] {
        d.until_revoked(t, Duration::from_secs(1)).await;
    }
    assert_eq!(d.bearer("/api/v1/ping", &other).await.status, 200);
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}
