//! Helpers of the layer's tests: the examples' test helpers (JWKS server, RS256 signer, child
//! processes), a verifier for the test pool, and servers on 127.0.0.1 stopped on drop.
#![allow(dead_code, unreachable_pub, missing_docs)]

#[path = "../../../examples/tests/common/mod.rs"]
mod shared;

use core::future::Future;

use cognito_verify_tower::CognitoJwtVerifier;
pub use shared::*;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// `testdata/doc/jwks.json` (key `kA` is `rsa2048_a.pem`), served by a [`TestHttp`].
pub fn jwks_doc() -> String {
    std::fs::read_to_string(repo().join("testdata/doc/jwks.json")).unwrap()
}

pub fn own_jwks() -> TestHttp {
    let doc = jwks_doc();
    TestHttp::start(move |_| (200, doc.clone()))
}

/// The test pool, keys from `jwks`, ID and access tokens of [`CLIENT`].
pub fn verifier(jwks: &TestHttp) -> CognitoJwtVerifier {
    CognitoJwtVerifier::builder()
        .user_pool(POOL)
        .jwks_url(format!("{}/{POOL}/.well-known/jwks.json", jwks.base))
        .client_id(CLIENT)
        .build()
        .unwrap()
}

pub fn signer() -> Signer256 {
    Signer256::new("rsa2048_a.pem", "kA")
}

/// Access token claims of the test pool with these scopes.
pub fn access_claims(exp: i64, scope: &str) -> serde_json::Value {
    let mut c = id_claims(exp);
    let o = c.as_object_mut().unwrap();
    o.remove("aud");
    o.remove("cognito:username");
    o.insert("token_use".into(), "access".into());
    o.insert("client_id".into(), CLIENT.into());
    o.insert("username".into(), "alice".into());
    o.insert("scope".into(), scope.into());
    c
}

/// A server task on 127.0.0.1, shut down (and awaited) when dropped.
pub struct Served {
    pub base: String,
    pub addr: core::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Served {
    /// Runs `serve(listener, stop_signal)` on an ephemeral port of 127.0.0.1.
    pub async fn start<F, Fut>(serve: F) -> Self
    where
        F: FnOnce(TcpListener, oneshot::Receiver<()>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, rx));
        Served {
            base: format!("http://{addr}"),
            addr,
            stop: Some(tx),
            task,
        }
    }

    /// An axum app.
    pub async fn axum(app: axum::Router) -> Self {
        Self::start(|listener, stop| async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await
                .unwrap();
        })
        .await
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

pub async fn call(url: &str, headers: &[(&str, &str)]) -> Answer {
    let mut r = reqwest::Client::new().get(url);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let resp = r.send().await.unwrap();
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

pub async fn bearer(url: &str, token: &str) -> Answer {
    call(url, &[("authorization", &format!("Bearer {token}"))]).await
}

pub const NO_TOKEN_BODY: &str = r#"{"error": "401 Unauthorized Error. Token Not Found."}"#;

/// The 401 of an invalid token, body and challenge checked.
pub fn assert_invalid(a: &Answer, code: &str, message: &str) {
    assert_eq!(a.status, 401, "{code}: {}", a.body);
    assert_eq!(
        a.body,
        format!(r#"{{"error": "401 Unauthorized Error. {message}", "code": "{code}"}}"#),
        "{code}"
    );
    assert_eq!(
        a.header("www-authenticate"),
        r#"Bearer error="invalid_token""#
    );
    assert_eq!(a.header("content-type"), "application/json");
}

/// The 403 of a missing group or scope.
pub fn assert_forbidden(a: &Answer, code: &str) {
    assert_eq!(a.status, 403, "{code}: {}", a.body);
    assert_eq!(
        a.body,
        format!(r#"{{"error": "403 Forbidden Error. Insufficient Scope.", "code": "{code}"}}"#)
    );
    assert_eq!(
        a.header("www-authenticate"),
        r#"Bearer error="insufficient_scope""#
    );
}
