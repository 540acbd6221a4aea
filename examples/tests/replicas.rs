//! Replicas sharing revocations through a real `redis-server` (plain and TLS) started and stopped
//! here: a sign-out on one server refused by another, outages, entries out of bounds refused and
//! counted, entries the list cannot take yet retried.
//!
//! Skipped with a message without `.venv/bin/moto_server` or `redis-server`, unless
//! `E2E_REQUIRE_MOTO=1` (what `make test` sets), which turns that into a failure.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/servers.rs"]
mod servers;
#[path = "common/sign_out.rs"]
mod sign_out;

use core::time::Duration;
use std::collections::HashMap;
use std::time::Instant;

use common::*;

use servers::*;
use sign_out::*;

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
