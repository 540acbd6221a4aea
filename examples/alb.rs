//! alb — the GoBlitz API as it runs behind an Application Load Balancer that signs users in:
//! `GET {API_PATH}ping` answers the user the ALB vouches for in `x-amzn-oidc-data` (the one header
//! it signs), through `cognito-verify-tower`'s `AlbAuthLayer`. The ALB's keys are fetched by
//! `kid` from its region's key host, made from the configured ARN.
//!
//! ```sh
//! ALB_ARN=arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188 \
//! ALB_CLIENT_ID=4f1bnaod2d6s7s0hslnsrm4spc \
//! ALB_ISSUER=https://cognito-idp.us-east-2.amazonaws.com/us-east-2_AbC123dEf \
//! cargo run --example alb
//! ```
//! `ALB_ARN` and `ALB_CLIENT_ID` take comma-separated lists; `ALB_ISSUER` is optional;
//! `ALB_KEY_URL_BASE` points key fetches elsewhere (tests: a loopback server); `APP_HOST`
//! (default 127.0.0.1), `APP_PORT` (8000), `API_PATH` (`/api/v1/`).

use std::process::ExitCode;

use axum::{routing::get, Extension, Json, Router};
use cognito_verify::{AlbJwtVerifier, AlbOwnedClaims};
use cognito_verify_examples::serve_axum;
use cognito_verify_tower::AlbAuthLayer;
use serde_json::{json, Value};

async fn ping(Extension(c): Extension<AlbOwnedClaims>) -> Json<Value> {
    Json(json!({ "message": "pong", "sub": c.sub(), "username": c.username(), "email": c.email() }))
}

/// The API under `api` (a path ending in `/`), every route behind `auth`.
pub fn app(auth: &AlbAuthLayer, api: &str) -> Router {
    Router::new().route(&format!("{api}ping"), get(ping).route_layer(auth.clone()))
}

/// The verifier the environment describes (`var` reads a variable).
///
/// # Errors
/// What to fix in the settings: no ARN, a malformed one, no client, an insecure key URL base.
pub fn verifier_from_env(var: impl Fn(&str) -> Option<String>) -> Result<AlbJwtVerifier, String> {
    let list = |name: &str| -> Vec<String> {
        var(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    let mut b = AlbJwtVerifier::builder();
    for arn in list("ALB_ARN") {
        b = b.alb_arn(arn);
    }
    for client in list("ALB_CLIENT_ID") {
        b = b.client_id(client);
    }
    if let Some(issuer) = var("ALB_ISSUER").filter(|s| !s.is_empty()) {
        b = b.issuer(issuer);
    }
    if let Some(base) = var("ALB_KEY_URL_BASE").filter(|s| !s.is_empty()) {
        b = b.key_url_base(base);
    }
    b.build().map_err(|e| e.to_string())
}

async fn run() -> Result<(), String> {
    let var = |k: &str| std::env::var(k).ok();
    let auth = AlbAuthLayer::new(verifier_from_env(var)?);
    let api = var("API_PATH").unwrap_or_else(|| "/api/v1/".into());
    let host = var("APP_HOST").unwrap_or_else(|| "127.0.0.1".into());
    let port = var("APP_PORT").unwrap_or_else(|| "8000".into());
    let addr = format!("{host}:{port}");
    let what = format!("API under {api}, behind an ALB");
    serve_axum(&addr, app(&auth, &api), &what).await
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alb: {e}");
            ExitCode::from(2)
        }
    }
}
