//! The `alb` example behind a test "ALB" on 127.0.0.1: the ALB signs each request of a signed-in
//! user with `x-amzn-oidc-data` (the testing kit's key, the ALB's wire format), drops whatever
//! `x-amzn-oidc-*` headers the client sent, and serves its public key by `kid`. The example
//! verifies through `AlbAuthLayer` and fetches the key from the ALB's key host; both servers
//! are real HTTP servers in this process, stopped at the end.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

// The example's own file, so the test serves the very router it serves (its `main` goes unused).
#[allow(dead_code, unreachable_pub)]
#[path = "../alb.rs"]
mod alb_example;

use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing;
use axum::Router;
use cognito_verify::testing::alb::{self as kit, CLIENT, ISSUER, PUBLIC_KEY_PEM, SIGNER};
use cognito_verify_tower::AlbAuthLayer;
use serde_json::{json, Value};

#[derive(Clone)]
struct Alb {
    target: String,
    key_fetches: Arc<AtomicUsize>,
}

/// The ALB's key host: the kit's key under its kid.
async fn key(State(alb): State<Alb>, Path(kid): Path<String>) -> impl IntoResponse {
    alb.key_fetches.fetch_add(1, Ordering::SeqCst);
    if kid == kit::KID {
        (StatusCode::OK, PUBLIC_KEY_PEM).into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// The ALB's listener: a request with the session cookie `user=alice` is forwarded with a fresh
/// `x-amzn-oidc-data`; client-sent `x-amzn-oidc-*` headers never pass.
async fn forward(State(alb): State<Alb>, req: Request) -> impl IntoResponse {
    let signed_in = req
        .headers()
        .get("cookie")
        .is_some_and(|c| c.to_str().unwrap_or("").contains("user=alice"));
    let mut out = reqwest::Client::new().get(format!("{}{}", alb.target, req.uri()));
    for (name, value) in req.headers() {
        if !name.as_str().starts_with("x-amzn-oidc-") && name != "host" {
            out = out.header(name, value);
        }
    }
    if signed_in {
        let exp = i64::try_from(cognito_verify::now()).unwrap() + 60;
        out = out.header("x-amzn-oidc-data", kit::token(SIGNER, CLIENT, exp));
    }
    let resp = out.send().await.unwrap();
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
    (status, resp.text().await.unwrap()).into_response()
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn get(url: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut r = reqwest::Client::new().get(url);
    for (k, v) in headers {
        r = r.header(*k, HeaderValue::from_str(v).unwrap());
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_example_behind_a_test_alb() {
    // The ALB's key host first (the example's verifier needs its address), then the example,
    // then the ALB's listener in front of it.
    let key_fetches = Arc::new(AtomicUsize::new(0));
    let keys_state = Alb {
        target: String::new(),
        key_fetches: key_fetches.clone(),
    };
    let key_host = serve(
        Router::new()
            .route("/keys/{kid}", routing::get(key))
            .with_state(keys_state),
    )
    .await;
    let env = |k: &str| -> Option<String> {
        match k {
            "ALB_ARN" => Some(SIGNER.into()),
            "ALB_CLIENT_ID" => Some(CLIENT.into()),
            "ALB_ISSUER" => Some(ISSUER.into()),
            "ALB_KEY_URL_BASE" => Some(format!("{key_host}/keys")),
            _ => None,
        }
    };
    let verifier = alb_example::verifier_from_env(env).unwrap();
    let service = serve(alb_example::app(&AlbAuthLayer::new(verifier), "/api/v1/")).await;
    let alb = serve(Router::new().fallback(forward).with_state(Alb {
        target: service.clone(),
        key_fetches: key_fetches.clone(),
    }))
    .await;
    let ping = "/api/v1/ping";

    // A signed-in user through the ALB: 200, the user the ALB vouches for.
    for _ in 0..20 {
        let (status, body) = get(&format!("{alb}{ping}"), &[("cookie", "user=alice")]).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["sub"], "b1c2d3e4-0000-4000-8000-000000000001");
        assert_eq!(body["email"], "alice@example.com");
    }
    assert_eq!(
        key_fetches.load(Ordering::SeqCst),
        1,
        "one key fetch for 20 tokens"
    );

    // No session: the ALB adds nothing, the service refuses.
    let (status, _) = get(&format!("{alb}{ping}"), &[]).await;
    assert_eq!(status, 401);
    // Straight to the service with only the unsigned identity header: refused.
    let (status, _) = get(
        &format!("{service}{ping}"),
        &[("x-amzn-oidc-identity", "admin")],
    )
    .await;
    assert_eq!(status, 401);
    // A forged token: the ALB's token with another user's claims, its signature kept.
    let exp = i64::try_from(cognito_verify::now()).unwrap() + 60;
    let real = kit::token(SIGNER, CLIENT, exp);
    let mut parts: Vec<String> = real.split('.').map(String::from).collect();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE;
    parts[1] =
        b64.encode(json!({"sub": "admin", "email": "admin@example.com", "exp": exp}).to_string());
    let forged = parts.join(".");
    let (status, body) = get(
        &format!("{service}{ping}"),
        &[("x-amzn-oidc-data", &forged)],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "invalid_signature");
    // A token of another load balancer: refused before any key is fetched for it.
    let other = "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/other/0a1b2c3d4e5f6a7b";
    let (status, body) = get(
        &format!("{service}{ping}"),
        &[("x-amzn-oidc-data", &kit::token(other, CLIENT, exp))],
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (401, Some("wrong_signer")));
    assert_eq!(key_fetches.load(Ordering::SeqCst), 1);
    println!("alb example: 20 requests through the test ALB, 1 key fetch; missing, unsigned, forged and foreign tokens refused");
}
