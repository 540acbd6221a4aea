//! The layer in an axum app over HTTP on 127.0.0.1: missing and invalid tokens with each code,
//! groups and scopes (403), per-route token use, optional routes, the cookie source, the
//! extractors.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::routing::get;
use axum::{Json, Router};
use cognito_verify_tower::{AcceptedTokenUse, CognitoAuthLayer, CognitoClaims};
use common::*;
use serde_json::{json, Value};

async fn who(claims: CognitoClaims) -> Json<Value> {
    Json(
        json!({ "sub": claims.sub(), "username": claims.username(), "token_use": claims.token_use().as_str() }),
    )
}

async fn maybe(claims: Option<CognitoClaims>) -> Json<Value> {
    Json(
        json!({ "signed_in": claims.is_some(), "username": claims.and_then(|c| c.username().map(str::to_owned)) }),
    )
}

fn app(auth: &CognitoAuthLayer) -> Router {
    let route = |layer: CognitoAuthLayer| get(who).route_layer(layer);
    Router::new()
        .route("/ping", route(auth.clone()))
        .route("/admin", route(auth.clone().any_group(["admin", "ops"])))
        .route("/both", route(auth.clone().all_groups(["users", "admin"])))
        .route("/read", route(auth.clone().any_scope(["orders/read"])))
        .route(
            "/access",
            route(auth.clone().token_use(AcceptedTokenUse::Access)),
        )
        .route(
            "/access-read",
            route(
                auth.clone()
                    .token_use(AcceptedTokenUse::Access)
                    .any_scope(["orders/read"]),
            ),
        )
        .route("/id", route(auth.clone().token_use(AcceptedTokenUse::Id)))
        .route("/maybe", get(maybe).route_layer(auth.clone().optional()))
        .route(
            "/maybe-strict",
            get(who).route_layer(auth.clone().optional()),
        )
        .route("/web", route(auth.clone().cookie("session")))
        .route("/unprotected", get(who))
        .route("/unprotected-maybe", get(maybe))
}

struct Fixture {
    jwks: TestHttp,
    srv: Served,
    ka: Signer256,
}

impl Fixture {
    async fn new() -> Self {
        let jwks = own_jwks();
        let auth = CognitoAuthLayer::new(verifier(&jwks));
        let srv = Served::axum(app(&auth)).await;
        Fixture {
            jwks,
            srv,
            ka: signer(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.srv.base)
    }

    fn id(&self) -> String {
        self.ka.sign(&id_claims(now() + 3600))
    }

    fn with(&self, f: impl FnOnce(&mut Value)) -> String {
        let mut c = id_claims(now() + 3600);
        f(&mut c);
        self.ka.sign(&c)
    }
}

#[tokio::test]
async fn no_token_is_401_with_a_bearer_challenge() {
    let f = Fixture::new().await;
    for headers in [
        vec![],
        vec![("authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l")],
        vec![("authorization", "Bearer")],
        vec![("authorization", "Bearer    ")],
        vec![("authorization", "garbage")],
        // A cookie on a route that does not read cookies.
        vec![("cookie", "session=abc")],
    ] {
        let a = call(&f.url("/ping"), &headers).await;
        assert_eq!(a.status, 401, "{headers:?}");
        assert_eq!(a.body, NO_TOKEN_BODY);
        assert_eq!(a.header("www-authenticate"), "Bearer");
        assert_eq!(a.header("content-type"), "application/json");
    }
    let a = call(
        &f.url("/ping"),
        &[("authorization", "Bearer a"), ("authorization", "Bearer b")],
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.body,
        r#"{"error":"400 Bad Request Error. Several Authorization Headers."}"#
    );
    assert_eq!(
        a.header("www-authenticate"),
        r#"Bearer error="invalid_request""#
    );
}

#[tokio::test]
async fn valid_tokens_reach_the_handler_with_their_claims() {
    let f = Fixture::new().await;
    let a = bearer(&f.url("/ping"), &f.id()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.json(),
        json!({"sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "username": "alice", "token_use": "id"})
    );
    let access = f.ka.sign(&access_claims(now() + 3600, "openid"));
    let a = bearer(&f.url("/ping"), &access).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["token_use"], "access");
}

#[tokio::test]
async fn each_invalid_token_gets_its_code_and_message() {
    let f = Fixture::new().await;
    let good = f.id();
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    parts[1] = {
        use base64::Engine as _;
        let mut forged = id_claims(now() + 3600);
        forged["cognito:username"] = json!("mallory");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string())
    };
    let forged = parts.join(".");
    let stranger = Signer256::new("rsa2048_foreign.pem", "kF");
    let cases: Vec<(String, &str, &str)> = vec![
        (
            f.ka.sign(&id_claims(now() - 60)),
            "expired",
            "Token Expired.",
        ),
        (forged, "invalid_signature", "Token Signature Invalid."),
        (
            stranger.sign_with_kid("kA", &id_claims(now() + 3600)),
            "invalid_signature",
            "Token Signature Invalid.",
        ),
        (
            f.with(|c| {
                c["iss"] = json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other")
            }),
            "wrong_issuer",
            "Token Issuer Invalid.",
        ),
        (
            f.with(|c| c["aud"] = json!("someotherclient")),
            "wrong_client",
            "Token Client Invalid.",
        ),
        (
            f.with(|c| c["nbf"] = json!(now() + 600)),
            "not_yet_valid",
            "Token Not Yet Valid.",
        ),
        (
            f.with(|c| c["iat"] = json!(now() + 600)),
            "issued_in_future",
            "Token Not Yet Valid.",
        ),
        (
            f.with(|c| c["exp"] = json!("tomorrow")),
            "invalid_claim",
            "Token Claims Invalid.",
        ),
        (
            f.with(|c| c["token_use"] = json!("refresh")),
            "wrong_token_use",
            "Token Use Invalid.",
        ),
        (
            f.with(|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
            "missing_claim",
            "Token Claims Invalid.",
        ),
        (
            stranger.sign(&id_claims(now() + 3600)),
            "unknown_kid",
            "Token Signing Key Unknown.",
        ),
        ("x".into(), "malformed_token", "Token Malformed."),
        ("a.b.c".into(), "malformed_token", "Token Malformed."),
        ("A".repeat(20_000), "token_too_large", "Token Malformed."),
    ];
    let mut seen = Vec::new();
    for (token, code, message) in &cases {
        let a = bearer(&f.url("/ping"), token).await;
        assert_invalid(&a, code, message);
        seen.push(*code);
    }
    seen.dedup();
    assert_eq!(seen.len(), 12, "codes covered: {seen:?}");
}

#[tokio::test]
async fn groups_and_scopes_are_403_insufficient_scope() {
    let f = Fixture::new().await;
    let users = f.id(); // cognito:groups ["users"]
    let ops = f.with(|c| c["cognito:groups"] = json!(["ops"]));
    let both = f.with(|c| c["cognito:groups"] = json!(["users", "admin"]));
    assert_forbidden(&bearer(&f.url("/admin"), &users).await, "group_not_allowed");
    assert_eq!(bearer(&f.url("/admin"), &ops).await.status, 200);
    assert_forbidden(&bearer(&f.url("/both"), &ops).await, "group_not_allowed");
    assert_eq!(bearer(&f.url("/both"), &both).await.status, 200);

    let read =
        f.ka.sign(&access_claims(now() + 3600, "openid orders/read"));
    let other =
        f.ka.sign(&access_claims(now() + 3600, "openid orders/write"));
    assert_eq!(bearer(&f.url("/read"), &read).await.status, 200);
    assert_forbidden(&bearer(&f.url("/read"), &other).await, "scope_not_allowed");
    // An ID token has no scope.
    assert_forbidden(&bearer(&f.url("/read"), &users).await, "scope_not_allowed");
    // Requirements come after the token's own validity.
    let expired_admin = f.ka.sign(&{
        let mut c = id_claims(now() - 60);
        c["cognito:groups"] = json!(["admin"]);
        c
    });
    assert_invalid(
        &bearer(&f.url("/admin"), &expired_admin).await,
        "expired",
        "Token Expired.",
    );
}

#[tokio::test]
async fn token_use_per_route() {
    let f = Fixture::new().await;
    let id = f.id();
    let access = f.ka.sign(&access_claims(now() + 3600, "orders/read"));
    for path in [
        "/ping", "/admin", "/read", "/access", "/id", "/maybe", "/web",
    ] {
        bearer(&f.url(path), &access).await;
    }
    assert_eq!(
        f.jwks.hits(),
        1,
        "every route shares the one verifier and its key cache"
    );
    assert_eq!(bearer(&f.url("/access"), &access).await.status, 200);
    assert_invalid(
        &bearer(&f.url("/access"), &id).await,
        "wrong_token_use",
        "Token Use Invalid.",
    );
    assert_eq!(bearer(&f.url("/id"), &id).await.status, 200);
    assert_invalid(
        &bearer(&f.url("/id"), &access).await,
        "wrong_token_use",
        "Token Use Invalid.",
    );
    // With a scope too: an ID token (no scope) is the wrong token use, not a missing scope.
    assert_eq!(bearer(&f.url("/access-read"), &access).await.status, 200);
    assert_invalid(
        &bearer(&f.url("/access-read"), &id).await,
        "wrong_token_use",
        "Token Use Invalid.",
    );
    let other = f.ka.sign(&access_claims(now() + 3600, "orders/write"));
    assert_forbidden(
        &bearer(&f.url("/access-read"), &other).await,
        "scope_not_allowed",
    );
}

#[tokio::test]
async fn optional_routes() {
    let f = Fixture::new().await;
    let a = call(&f.url("/maybe"), &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json(), json!({"signed_in": false, "username": null}));
    let a = bearer(&f.url("/maybe"), &f.id()).await;
    assert_eq!(a.json(), json!({"signed_in": true, "username": "alice"}));
    // A bad token is refused even where no token is needed.
    let expired = f.ka.sign(&id_claims(now() - 60));
    assert_invalid(
        &bearer(&f.url("/maybe"), &expired).await,
        "expired",
        "Token Expired.",
    );
    // A handler that insists on claims behind an optional layer: the missing-token 401.
    let a = call(&f.url("/maybe-strict"), &[]).await;
    assert_eq!((a.status, a.body.as_str()), (401, NO_TOKEN_BODY));
    assert_eq!(a.header("www-authenticate"), "Bearer");
    assert_eq!(bearer(&f.url("/maybe-strict"), &f.id()).await.status, 200);
    // Without any layer the extractors find no claims, whatever the request carries.
    let a = bearer(&f.url("/unprotected"), &f.id()).await;
    assert_eq!((a.status, a.body.as_str()), (401, NO_TOKEN_BODY));
    let a = bearer(&f.url("/unprotected-maybe"), &f.id()).await;
    assert_eq!(a.json()["signed_in"], false);
}

#[tokio::test]
async fn cookie_source() {
    let f = Fixture::new().await;
    let good = f.id();
    let a = call(
        &f.url("/web"),
        &[("cookie", &format!("theme=dark; session={good}"))],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["username"], "alice");
    let expired = f.ka.sign(&id_claims(now() - 60));
    let a = call(&f.url("/web"), &[("cookie", &format!("session={expired}"))]).await;
    assert_invalid(&a, "expired", "Token Expired.");
    // Authorization wins over the cookie.
    let a = call(
        &f.url("/web"),
        &[
            ("cookie", &format!("session={good}")),
            ("authorization", &format!("Bearer {expired}")),
        ],
    )
    .await;
    assert_invalid(&a, "expired", "Token Expired.");
    // Another cookie, or an empty one, is no token.
    for cookie in ["sessionx=abc", "session=", "other=1"] {
        let a = call(&f.url("/web"), &[("cookie", cookie)]).await;
        assert_eq!(
            (a.status, a.body.as_str()),
            (401, NO_TOKEN_BODY),
            "{cookie}"
        );
    }
}
