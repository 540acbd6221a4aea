//! The layer in front of a tonic gRPC service (the prebuilt `grpc.health.v1.Health`, so no
//! protobuf code generation): gRPC statuses for refused calls, the claims handed to the service.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use cognito_verify::testing::{TestPool, TEST_SUB};
use cognito_verify_tower::{CognitoAuthLayer, OwnedClaims};
use common::*;
use serde_json::{json, Value};
use tonic::transport::server::TcpIncoming;
use tonic::Code;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{health_check_response::ServingStatus as Pb, HealthCheckRequest};
use tonic_health::ServingStatus;

/// A health service behind `auth`; every `sub` the service was handed is recorded in `seen`.
async fn grpc_server(auth: CognitoAuthLayer, seen: Arc<Mutex<Vec<String>>>) -> Served {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("orders", ServingStatus::Serving)
        .await;
    let record = tower::util::MapRequestLayer::new(move |req: http::Request<tonic::body::Body>| {
        if let Some(c) = req.extensions().get::<OwnedClaims>() {
            seen.lock().unwrap().push(c.sub().to_owned());
        }
        req
    });
    Served::start(|listener, stop| async move {
        tonic::transport::Server::builder()
            .layer(auth)
            .layer(record)
            .add_service(health)
            .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
                let _ = stop.await;
            })
            .await
            .unwrap();
    })
    .await
}

async fn check(base: &str, token: Option<&str>) -> Result<i32, tonic::Status> {
    let channel = tonic::transport::Endpoint::from_shared(base.to_string())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut req = tonic::Request::new(HealthCheckRequest {
        service: "orders".into(),
    });
    if let Some(t) = token {
        req.metadata_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    let mut client = HealthClient::new(channel);
    client.check(req).await.map(|r| r.into_inner().status)
}

fn message(s: &tonic::Status) -> Value {
    serde_json::from_str(s.message()).unwrap_or_else(|_| panic!("not JSON: {:?}", s.message()))
}

#[tokio::test]
async fn grpc_calls_need_a_valid_token() {
    // The testing kit: its keys preloaded, the fixed clock, nothing fetched.
    let pool = TestPool::new(POOL, CLIENT);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let auth = CognitoAuthLayer::new(pool.verifier());
    let srv = grpc_server(auth.clone(), seen.clone()).await;

    let status = check(&srv.base, None).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert_eq!(
        message(&status),
        json!({"error": "401 Unauthorized Error. Token Not Found."})
    );
    assert_eq!(status.metadata().get("www-authenticate").unwrap(), "Bearer");

    let expired = pool.id_token().issued_at(pool.now() - 3660).sign();
    let status = check(&srv.base, Some(&expired)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(message(&status)["code"], "expired");

    let good = pool.id_token().sign();
    let serving = check(&srv.base, Some(&good)).await.unwrap();
    assert_eq!(serving, Pb::Serving as i32);
    assert_eq!(
        *seen.lock().unwrap(),
        [TEST_SUB],
        "the service saw the claims of the one call let through"
    );

    // A group the caller lacks: permission denied.
    let admins = grpc_server(auth.any_group(["admin"]), seen.clone()).await;
    let status = check(&admins.base, Some(&good)).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert_eq!(message(&status)["code"], "group_not_allowed");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn grpc_without_keys_is_unavailable() {
    let jwks = TestHttp::start(|_| (500, "{}".into()));
    let auth = CognitoAuthLayer::new(verifier(&jwks));
    let srv = grpc_server(auth, Arc::new(Mutex::new(Vec::new()))).await;
    let good = signer().sign(&id_claims(now() + 3600));
    let status = check(&srv.base, Some(&good)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert_eq!(message(&status)["code"], "jwks_unavailable");
    assert!(status.metadata().get("retry-after").is_some());
}

/// A kit verifier given a token of a key it lacks: `unknown_kid` at once, no fetch (it is
/// offline, so there is no URL it could reach).
#[tokio::test]
async fn grpc_unknown_kid_is_refused_without_a_fetch() {
    let pool = TestPool::new(POOL, CLIENT);
    let verifier = pool.verifier();
    let srv = grpc_server(CognitoAuthLayer::new(verifier.clone()), Arc::default()).await;
    let foreign = pool.id_token().kid("kZ").sign();
    let status = check(&srv.base, Some(&foreign)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert_eq!(message(&status)["code"], "unknown_kid");
    let stats = verifier.jwks_stats(0);
    assert!(stats.last_error.unwrap().starts_with("offline"));
}
