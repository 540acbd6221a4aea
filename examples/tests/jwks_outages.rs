//! End to end: the `server` example's JWKS refreshes and outages against a JWKS server of the
//! test's own: a flood of unknown kids costs at most one refetch per window, cached keys keep
//! verifying when the endpoint goes away, SIGTERM exits 0, and an endpoint down from the start
//! answers 503 `jwks_unavailable` until it recovers.
//!
//! Needs no moto. Every process and server started here is stopped on drop.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/own_jwks.rs"]
mod own_jwks;
#[path = "common/servers.rs"]
mod servers;

use core::time::Duration;
use std::time::Instant;

use common::*;
use own_jwks::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_flood_and_outage() {
    let jwks = own_jwks();
    let mut srv = own_server(&jwks, &[]);
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let good = ka.sign(&id_claims(now() + 3600));
    assert_eq!(srv.bearer("/api/v1/ping", &good).await.status, 200);
    let before = jwks.hits();
    assert_eq!(before, 1);

    // 300 tokens with invented kids, 30 at a time: at most one refetch per 30 s window.
    let stranger = Signer256::new("rsa2048_foreign.pem", "x");
    for batch in 0..10 {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..30 {
            let t = stranger.sign_with_kid(&format!("rnd-{batch}-{i}"), &id_claims(now() + 3600));
            let (client, url) = (srv.client.clone(), format!("{}/api/v1/ping", srv.base));
            set.spawn(async move {
                let r = client.get(url).bearer_auth(t).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            });
        }
        while let Some(r) = set.join_next().await {
            let (status, body) = r.unwrap();
            assert_eq!(status, 401);
            assert!(body.contains(r#""code": "unknown_kid""#), "{body}");
        }
    }
    let refetches = jwks.hits() - before;
    assert!(
        refetches <= 2,
        "unknown-kid flood caused {refetches} JWKS fetches"
    );

    // JWKS endpoint stopped mid-test: cached keys keep verifying.
    jwks.stop();
    for _ in 0..20 {
        assert_eq!(srv.bearer("/api/v1/ping", &good).await.status, 200);
    }
    let a = srv
        .bearer("/api/v1/ping", &stranger.sign(&id_claims(now() + 3600)))
        .await;
    assert_eq!(a.status, 401);

    // Graceful shutdown on SIGTERM: exit 0.
    let status = srv
        .proc
        .terminate(Duration::from_secs(15))
        .expect("server exits on SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_unreachable_from_start_is_503() {
    let jwks = TestHttp::start(|_| (500, "{}".into()));
    let srv = own_server(&jwks, &[]);
    let ka = Signer256::new("rsa2048_a.pem", "kA");
    let a = srv
        .bearer("/api/v1/ping", &ka.sign(&id_claims(now() + 3600)))
        .await;
    assert_eq!(a.status, 503, "{}", a.body);
    assert_eq!(a.json()["code"], "jwks_unavailable");
    assert!(!a.header("retry-after").is_empty());
    // The endpoint recovers: after the back-off the keys are fetched.
    jwks.set(move |_| (200, jwks_doc()));
    let start = Instant::now();
    loop {
        let a = srv
            .bearer("/api/v1/ping", &ka.sign(&id_claims(now() + 3600)))
            .await;
        if a.status == 200 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{}", a.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
