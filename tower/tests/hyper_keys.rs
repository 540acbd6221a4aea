//! The layer under plain hyper (hyper-util's tower adapter) while the key set cannot be had:
//! `503` with `Retry-After`, then recovery once the JWKS endpoint answers again.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use core::convert::Infallible;
use core::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use cognito_verify_tower::{CognitoAuthLayer, OwnedClaims};
use common::*;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tower::Layer as _;

async fn hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let who = req
        .extensions()
        .get::<OwnedClaims>()
        .map_or("anonymous".to_string(), |c| c.sub().to_owned());
    Ok(Response::new(Full::new(Bytes::from(who))))
}

async fn hyper_server(auth: CognitoAuthLayer) -> Served {
    let svc = auth.layer(tower::service_fn(hello));
    Served::start(|listener, mut stop| async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, _) = accepted.unwrap();
                    let svc = TowerToHyperService::new(svc.clone());
                    tokio::spawn(async move {
                        let _ = auto::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
                _ = &mut stop => break,
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_keys_is_503_then_recovers() {
    let jwks = TestHttp::start(|_| (500, "{}".into()));
    let auth = CognitoAuthLayer::new(verifier(&jwks));
    let strict = hyper_server(auth.clone()).await;
    let optional = hyper_server(auth.optional()).await;
    let good = signer().sign(&id_claims(now() + 3600));

    let a = bearer(&strict.base, &good).await;
    assert_eq!(a.status, 503, "{}", a.body);
    assert_eq!(
        a.body,
        r#"{"error": "503 Service Unavailable Error. Signing Keys Unavailable.", "code": "jwks_unavailable"}"#
    );
    let retry: u64 = a.header("retry-after").parse().unwrap();
    assert!((1..=3600).contains(&retry), "Retry-After {retry}");
    assert!(a.header("www-authenticate").is_empty());
    // Without a token nothing needs keys: a missing token is still the caller's 401.
    assert_eq!(call(&strict.base, &[]).await.status, 401);
    // Nor does a token that is not a JWS: structure is checked before keys are needed.
    let a = bearer(&strict.base, "abc.def.ghi").await;
    assert_eq!(a.status, 401, "{}", a.body);
    assert!(
        a.body.contains(r#""code": "malformed_token""#),
        "{}",
        a.body
    );
    // An optional route lets anonymous callers through, and refuses tokens it cannot check.
    let a = call(&optional.base, &[]).await;
    assert_eq!((a.status, a.body.as_str()), (200, "anonymous"));
    assert_eq!(bearer(&optional.base, &good).await.status, 503);

    // During the back-off, requests do not each cause a fetch.
    let before = jwks.hits();
    for _ in 0..20 {
        assert_eq!(bearer(&strict.base, &good).await.status, 503);
    }
    assert!(jwks.hits() - before < 5, "{} fetches", jwks.hits() - before);

    // The endpoint recovers: after the back-off the keys are fetched and the token passes.
    jwks.set(move |_| (200, jwks_doc()));
    let start = Instant::now();
    loop {
        let a = bearer(&strict.base, &good).await;
        if a.status == 200 {
            assert_eq!(a.body, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
            break;
        }
        assert_eq!(a.status, 503, "{}", a.body);
        assert!(start.elapsed() < Duration::from_secs(30), "no recovery");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(bearer(&optional.base, &good).await.status, 200);
}
