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

fn own_server_env(
    jwks: &TestHttp,
    revoke: &TestHttp,
    redis: Option<&str>,
) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = [
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
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(url) = redis {
        vars.push(("REVOCATION_REDIS_URL".into(), url.into()));
    }
    vars
}

fn jwks_endpoint() -> TestHttp {
    TestHttp::start(|_| {
        (
            200,
            std::fs::read_to_string(repo().join("testdata/doc/jwks.json")).unwrap(),
        )
    })
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
    let jwks = jwks_endpoint();
    let revoke = revoke_endpoint(true);
    let vars = own_server_env(&jwks, &revoke, Some(&redis.url()));
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
    // The longest token lifetime plus the verifiers' leeway (5 s): a token of that session is
    // accepted until then.
    assert!(
        (now + 86_405 - 5..=now + 86_405).contains(&until),
        "{until}"
    );
    let ttl: i64 = redis::cmd("PTTL").arg(key).query(&mut con).unwrap();
    assert!((86_000_000..=86_405_000).contains(&ttl), "{ttl}");
    let m = b.get("/metrics", &[]).await.body;
    assert!(m.contains("\ncognito_revocations_held 1\n"), "{m}");
    assert_eq!(b.bearer("/api/v1/ping", &other).await.status, 200);

    // Whatever is in the stream is bounded input. Written by the test itself: a user locked out
    // for good (`at` = 2^32), a session held ten days, and an id from the far future (which
    // would escape MINID trimming and carry every later id with it). Each is refused and counted
    // by both servers, `other` (the same user, another session) still passes, and the future id
    // is removed so that the stream numbers entries by the clock again.
    let sub = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    let xadd = |con: &mut redis::Connection, id: &str, fields: &[(&str, String)]| {
        let mut c = redis::cmd("XADD");
        c.arg(key).arg(id);
        for (k, v) in fields {
            c.arg(*k).arg(v);
        }
        c.query::<String>(con).unwrap()
    };
    let later = (now + 60).to_string();
    xadd(
        &mut con,
        "*",
        &[
            ("kind", "subject".into()),
            ("value", sub.into()),
            ("at", (1u64 << 32).to_string()),
            ("until", later.clone()),
            ("origin", "test".into()),
        ],
    );
    xadd(
        &mut con,
        "*",
        &[
            ("kind", "origin_jti".into()),
            ("value", "origin-other".into()),
            ("sub", sub.into()),
            ("at", "0".into()),
            ("until", (now + 10 * 86_400).to_string()),
            ("origin", "test".into()),
        ],
    );
    let far = "99999999999999-0";
    xadd(
        &mut con,
        far,
        &[
            ("kind", "origin_jti".into()),
            ("value", "origin-other".into()),
            ("at", "0".into()),
            ("until", later),
            ("origin", "test".into()),
        ],
    );
    for srv in [&a, &b] {
        let start = Instant::now();
        loop {
            let m = srv.get("/metrics", &[]).await.body;
            if m.contains("\ncognito_replica_entries_refused_total 3\n") {
                assert!(m.contains("\ncognito_replica_entries_waiting 0\n"), "{m}");
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(3), "{m}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(srv.bearer("/api/v1/ping", &other).await.status, 200);
    }
    let start = Instant::now();
    loop {
        let ahead: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
            .arg(key)
            .arg(format!("{}", (now + 3600) * 1000))
            .arg("+")
            .query(&mut con)
            .unwrap();
        if ahead.is_empty() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(3), "{ahead:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = xadd(&mut con, "*", &[("kind", "noise".into())]);
    let ms: u64 = id.split('-').next().unwrap().parse().unwrap();
    assert!(
        ms < (now + 3600) * 1000,
        "the stream's ids still run ahead: {id}"
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let m = b.get("/metrics", &[]).await.body;
    assert!(
        m.contains("\ncognito_replica_entries_refused_total 4\n"),
        "refused once each, and the entry not understood: {m}"
    );
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

/// The replicas over TLS: redis-server speaking only TLS with a certificate of the test's own CA.
/// A server given the CA (`REVOCATION_REDIS_CA_FILE`) shares sign-outs over `rediss://`; one
/// without it (webpki roots only) refuses the certificate and never hears of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_revocations_over_tls() {
    let Some(bin) = redis_server_path() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("cv-replicas-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let redis = Redis::start_tls(&bin, free_port(), &dir);
    // The servers sign in as an ACL user limited to the stream's key and the commands they use
    // (ARCHITECTURE.md, section 12), the password in the URL.
    let ca = std::fs::read(dir.join("ca.pem")).unwrap();
    let mut con = redis::Client::build_with_tls(
        redis.tls_url(),
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(ca),
        },
    )
    .unwrap()
    .get_connection()
    .unwrap();
    let () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("cognito-verify")
        .arg("on")
        .arg(">s3cret-for-the-test")
        .arg("resetkeys")
        .arg("~cognito-verify:revocations")
        .arg("-@all")
        .arg(
            "+xadd +xread +xrange +xrevrange +xdel +xsetid +xlen +exists +pexpire"
                .split(' ')
                .collect::<Vec<_>>(),
        )
        .query(&mut con)
        .unwrap();
    let url = redis
        .tls_url()
        .replace("rediss://", "rediss://cognito-verify:s3cret-for-the-test@");
    let jwks = jwks_endpoint();
    let revoke = revoke_endpoint(true);
    let mut vars = own_server_env(&jwks, &revoke, Some(&url));
    let untrusting = replica(&vars, &dir.join("untrusting.log"));
    vars.push((
        "REVOCATION_REDIS_CA_FILE".into(),
        dir.join("ca.pem").to_str().unwrap().into(),
    ));
    let a = replica(&vars, &dir.join("a.log"));
    let b = replica(&vars, &dir.join("b.log"));
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let (t1, other) = (session(&ka, "tls-one"), session(&ka, "tls-other"));
    for srv in [&a, &b, &untrusting] {
        assert_eq!(srv.bearer("/api/v1/ping", &t1).await.status, 200);
    }
    sign_out(&a, &t1).await;
    let took = b.until_revoked(&t1, Duration::from_secs(1)).await;
    eprintln!("replicas over TLS: B refused the token {took:?} after A's sign-out");
    assert_eq!(b.bearer("/api/v1/ping", &other).await.status, 200);
    // Not trusted without the CA: the untrusting server keeps serving with its own list.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(untrusting.bearer("/api/v1/ping", &t1).await.status, 200);
    assert_eq!(outages_logged(&dir.join("untrusting.log")), 1);
    assert_eq!(outages_logged(&dir.join("a.log")), 0);
    let len: u64 = redis::cmd("XLEN")
        .arg("cognito-verify:revocations")
        .query(&mut con)
        .unwrap();
    assert_eq!(len, 1);
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One user signs in and out 10,000 times, each time a new session of its own (`origin_jti`)
/// with a token that verifies: the list keeps a few entries of that user (its sessions, then the
/// user), never fills, and another user's sign-out is recorded and refused on the next request.
/// Cognito is asked only for sign-outs whose session verified; a web sign-out without a session
/// that verifies calls nothing, and one while no keys can be had is `503`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_cannot_fill_the_list() {
    const ROUNDS: usize = 10_000;
    let jwks = jwks_endpoint();
    let revoke = revoke_endpoint(true);
    let vars = own_server_env(&jwks, &revoke, None);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let srv = start_server(&vars);
    // Tokens are signed on two threads (RSA signing is the slow part of a round) and sent as they
    // come, one at a time on one keep-alive connection.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(512);
    let start = Instant::now();
    for half in 0..2 {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let ka = Signer256::new("rsa2048_a.pem", "kA");
            for i in (half..ROUNDS).step_by(2) {
                let mut c = id_claims(now() + 3600);
                c["iat"] = json!(now());
                c["origin_jti"] = json!(format!("flood-{i}"));
                c["jti"] = json!(format!("flood-jti-{i}"));
                if tx.blocking_send(ka.sign(&c)).is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);
    let body = json!({ "refresh_token": "a-refresh-token" }).to_string();
    let (mut session, mut subject, mut revoked) = (0usize, 0usize, 0usize);
    while let Some(t) = rx.recv().await {
        let a = api_logout(&srv, &t, &body).await;
        match (a.status, a.body.as_str()) {
            (200, _) if a.json()["revoked"] == "origin_jti" => session += 1,
            (200, _) if a.json()["revoked"] == "subject" => subject += 1,
            // A session signed in within the second of the user's last sign-out: refused.
            (401, b) if b.contains(r#""code": "revoked""#) => revoked += 1,
            (s, b) => panic!("round {}: {s} {b}", session + subject + revoked),
        }
    }
    eprintln!(
        "one user, {ROUNDS} rounds in {:?}: {session} sessions and {subject} whole-user sign-outs recorded, {revoked} tokens already refused",
        start.elapsed()
    );
    assert_eq!(session + subject + revoked, ROUNDS);
    assert_eq!(session, cognito_verify::MAX_SESSIONS_PER_SUBJECT);
    assert!(subject >= 1);
    let m = srv.get("/metrics", &[]).await.body;
    let held: usize = m
        .lines()
        .find_map(|l| l.strip_prefix("cognito_revocations_held "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(held <= cognito_verify::MAX_SESSIONS_PER_SUBJECT + 1, "{m}");
    // Cognito was asked once per sign-out recorded, never for a token that did not verify.
    assert_eq!(revoke.hits(), session + subject);

    // Another user signs out: recorded, and refused on the next request.
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let mut c = id_claims(now() + 3600);
    c["sub"] = json!("bbbbbbbb-cccc-dddd-eeee-ffffffffffff");
    c["origin_jti"] = json!("origin-bob");
    let bob = ka.sign(&c);
    assert_eq!(srv.bearer("/api/v1/ping", &bob).await.status, 200);
    sign_out(&srv, &bob).await;
    let hits = revoke.hits();

    // The web form without a session that verifies (a script that set the CSRF cookie and
    // field itself, with some refresh token): nothing revoked, Cognito not called.
    let form = |session: &str| {
        let cookies = format!(
            "__Host-cv_csrf=c; __Host-cv_refresh=a-refresh-token{}",
            if session.is_empty() {
                String::new()
            } else {
                format!("; __Host-cv_session={session}")
            }
        );
        [
            ("cookie", cookies),
            (
                "content-type",
                "application/x-www-form-urlencoded".to_string(),
            ),
        ]
    };
    for session in ["", "not-a-token", bob.as_str()] {
        let h = form(session);
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = srv.post("/logout", &h, "csrf=c").await;
        assert!(a.status < 500, "{} {}", a.status, a.body);
    }
    assert_eq!(revoke.hits(), hits, "Cognito called without a session");

    // No keys can be had: a web sign-out is 503, nothing cleared, Cognito not called.
    let down = TestHttp::start(|_| (500, String::new()));
    let vars = own_server_env(&down, &revoke, None);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let keyless = start_server(&vars);
    let mut c = id_claims(now() + 3600);
    c["origin_jti"] = json!("origin-keyless");
    let h = form(&ka.sign(&c));
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = keyless.post("/logout", &h, "csrf=c").await;
    assert_eq!(a.status, 503, "{}", a.body);
    assert!(!a.header("retry-after").is_empty());
    assert!(a.headers.get("set-cookie").is_none(), "cookies cleared");
    assert_eq!(revoke.hits(), hits, "Cognito called without keys");
}

/// An entry of the stream the list cannot take now waits, is on `/metrics`, and is applied as
/// soon as there is room: a server with one slot and 2-second tokens, two sessions written to
/// the stream by the test two seconds apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_entries_wait_for_room() {
    let Some(bin) = redis_server_path() else {
        return;
    };
    let redis = Redis::start(&bin, free_port());
    let jwks = jwks_endpoint();
    let revoke = revoke_endpoint(true);
    let mut vars = own_server_env(&jwks, &revoke, Some(&redis.url()));
    vars.push(("REVOCATION_CAPACITY".into(), "1".into()));
    vars.push(("MAX_TOKEN_LIFETIME".into(), "2".into()));
    let dir = std::env::temp_dir().join(format!("cv-replicas-wait-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let srv = replica(&vars, &dir.join("e.log"));
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let (first, second) = (session(&ka, "first"), session(&ka, "second"));
    let mut con = redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let xadd = |con: &mut redis::Connection, name: &str| {
        // What a server with 2-second tokens publishes: until = now + 2 + leeway (5).
        let until = u64::try_from(now()).unwrap() + 7;
        let _: String = redis::cmd("XADD")
            .arg("cognito-verify:revocations")
            .arg("*")
            .arg("kind")
            .arg("origin_jti")
            .arg("value")
            .arg(format!("origin-{name}"))
            .arg("at")
            .arg(0)
            .arg("until")
            .arg(until)
            .arg("origin")
            .arg("test")
            .query(con)
            .unwrap();
    };
    let metric = |m: &str, name: &str| -> u64 {
        m.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap()
            .parse()
            .unwrap()
    };
    xadd(&mut con, "first");
    srv.until_revoked(&first, Duration::from_secs(2)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    xadd(&mut con, "second");
    let start = Instant::now();
    loop {
        let m = srv.get("/metrics", &[]).await.body;
        if metric(&m, "cognito_replica_entries_waiting") == 1 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(2), "{m}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(srv.bearer("/api/v1/ping", &second).await.status, 200);
    // The first entry expires here about 7 s after it was applied; the second takes its slot.
    let took = srv.until_revoked(&second, Duration::from_secs(8)).await;
    eprintln!(
        "replicas: a waiting entry applied {took:?} after it was written, once there was room"
    );
    let m = srv.get("/metrics", &[]).await.body;
    assert_eq!(metric(&m, "cognito_replica_entries_waiting"), 0, "{m}");
    assert_eq!(
        metric(&m, "cognito_replica_entries_refused_total"),
        0,
        "{m}"
    );
    assert_eq!(srv.bearer("/api/v1/ping", &first).await.status, 200);
    drop(redis);
    let _ = std::fs::remove_dir_all(&dir);
}
