//! axum — the GoBlitz API in axum, behind `cognito-verify-tower`'s layer:
//! `GET {API_PATH}ping` for any valid ID or access token, `GET {API_PATH}admin` for the group
//! `admin`. Configured like `server` (`APP_HOST`, `APP_PORT`, `API_PATH`, `AWS_COGNITO_*`).
//! Its tests (`tests/axum_example.rs`) call [`app`] with the testing kit's verifier.

use std::process::ExitCode;

use axum::{routing::get, Json, Router};
use cognito_verify_examples::{serve_axum, Env, ServerEnv};
use cognito_verify_tower::{CognitoAuthLayer, CognitoClaims};
use serde_json::{json, Value};

fn caller(message: &str, c: &CognitoClaims) -> Json<Value> {
    let username = c.username().unwrap_or_default();
    let token_use = c.token_use().as_str();
    Json(
        json!({ "message": message, "sub": c.sub(), "username": username, "token_use": token_use }),
    )
}

async fn ping(c: CognitoClaims) -> Json<Value> {
    caller("pong", &c)
}

async fn admin(c: CognitoClaims) -> Json<Value> {
    caller("hello, admin", &c)
}

/// The API under `api` (a path ending in `/`), every route behind `auth`.
pub fn app(auth: &CognitoAuthLayer, api: &str) -> Router {
    Router::new()
        .route(&format!("{api}ping"), get(ping).route_layer(auth.clone()))
        .route(
            &format!("{api}admin"),
            get(admin).route_layer(auth.clone().any_group(["admin"])),
        )
}

async fn run(s: ServerEnv) -> Result<(), String> {
    let auth = CognitoAuthLayer::new(s.verifier(cognito_verify::DEFAULT_SIGNATURE_CACHE_CAPACITY)?);
    let api = &s.api_path;
    let app = app(&auth, api);
    let addr = s.listen_addr().await?.to_string();
    serve_axum(&addr, app, &format!("API under {api}")).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let (msg, code) = match ServerEnv::from_env(&Env::load()) {
        Err(e) => (e, 2),
        Ok(settings) => match run(settings).await {
            Ok(()) => return ExitCode::SUCCESS,
            Err(e) => (e, 1),
        },
    };
    eprintln!("axum: {msg}");
    ExitCode::from(code)
}
