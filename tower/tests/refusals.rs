//! Refusals are observable: each one is a `tracing` event (status, code, the pool, `sub` only
//! once the signature held) and a `Refusal` in the response's extensions. In process, with the
//! testing kit's offline verifier: nothing here can connect anywhere.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use core::convert::Infallible;
use core::fmt::Debug;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;

use cognito_verify::testing::{TestPool, TEST_SUB};
use cognito_verify::{Error, VerifyError};
use cognito_verify_tower::{CognitoAuthLayer, CognitoJwtVerifier, Refusal};
use http::{Request, Response, StatusCode};
use tower::{Layer as _, ServiceExt as _};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt as _};

const POOL: &str = "us-east-1_Example1";

/// One captured event: its level and fields, as text.
type Seen = (tracing::Level, BTreeMap<String, String>);

/// A subscriber layer that keeps every event of the layer's target, with the thread that emitted
/// it: tests run on threads of their own (`tokio::test` polls on the test's thread), so each
/// takes only its own events.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<(ThreadId, Seen)>>>);

/// The process's one subscriber, installed as the global default before any event: a
/// per-test `set_default` raced with the callsites' cached interest when tests ran in parallel
/// (an event of one test was then never offered to its subscriber).
fn events() -> Events {
    static EVENTS: OnceLock<Events> = OnceLock::new();
    EVENTS
        .get_or_init(|| {
            let events = Events::default();
            tracing::subscriber::set_global_default(
                tracing_subscriber::registry().with(events.clone()),
            )
            .expect("the only global subscriber of this test binary");
            events
        })
        .clone()
}

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Events {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "cognito_verify_tower" {
            return;
        }
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        let level = *event.metadata().level();
        let thread = std::thread::current().id();
        self.0.lock().unwrap().push((thread, (level, fields.0)));
    }
}

impl Events {
    /// This thread's events so far, taken.
    fn take(&self) -> Vec<Seen> {
        let me = std::thread::current().id();
        let mut all = self.0.lock().unwrap();
        let (mine, others) = core::mem::take(&mut *all)
            .into_iter()
            .partition::<Vec<_>, _>(|(thread, _)| *thread == me);
        *all = others;
        mine.into_iter().map(|(_, seen)| seen).collect()
    }
}

/// Calls `auth` in front of a handler answering 200, with this bearer token (if any); the
/// status, the refusal in the extensions, and the events the call emitted.
async fn call(
    auth: &CognitoAuthLayer,
    events: &Events,
    token: Option<&str>,
) -> (StatusCode, Option<Refusal>, Vec<Seen>) {
    let inner = tower::service_fn(|_req: Request<String>| async {
        Ok::<_, Infallible>(Response::new(String::from("ok")))
    });
    let mut req = Request::builder().uri("/");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = auth
        .layer(inner)
        .oneshot(req.body(String::new()).unwrap())
        .await
        .unwrap();
    let refusal = resp.extensions().get::<Refusal>().copied();
    (resp.status(), refusal, events.take())
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn token_refusal(e: Error) -> Option<Refusal> {
    Some(Refusal::Verify(VerifyError::Token(e)))
}

/// The same token with another signature of the same length.
fn tampered(token: &str) -> String {
    let (signed, sig) = token.rsplit_once('.').unwrap();
    let first = if sig.starts_with('A') { 'B' } else { 'A' };
    format!("{signed}.{first}{}", &sig[1..])
}

#[tokio::test]
async fn each_refusal_is_an_event_with_code_pool_and_signed_sub() {
    let events = events();
    let pool = TestPool::new(POOL, "my-app-client-id");
    let issuer = pool.issuer();
    let auth = CognitoAuthLayer::new(pool.verifier());
    let admins = auth.clone().any_group(["admin"]);
    let info = tracing::Level::INFO;

    // Refused after the signature held: the claims are the issuer's, `sub` is logged.
    let expired = pool.id_token().issued_at(pool.now() - 7200).sign();
    let want = fields(&[
        ("code", "expired"),
        ("message", "request refused"),
        ("pool", &issuer),
        ("status", "401"),
        ("sub", TEST_SUB),
    ]);
    assert_eq!(
        call(&auth, &events, Some(&expired)).await,
        (
            StatusCode::UNAUTHORIZED,
            token_refusal(Error::Expired),
            vec![(info, want)]
        )
    );
    let user = pool.id_token().groups(["users"]).sign();
    let want = fields(&[
        ("code", "group_not_allowed"),
        ("message", "request refused"),
        ("pool", &issuer),
        ("status", "403"),
        ("sub", TEST_SUB),
    ]);
    assert_eq!(
        call(&admins, &events, Some(&user)).await,
        (
            StatusCode::FORBIDDEN,
            token_refusal(Error::GroupNotAllowed),
            vec![(info, want)]
        )
    );

    // The same claims under a signature that does not verify: the pool its `iss` picked, but
    // never the `sub` the sender wrote.
    let want = fields(&[
        ("code", "invalid_signature"),
        ("message", "request refused"),
        ("pool", &issuer),
        ("status", "401"),
    ]);
    assert_eq!(
        call(&auth, &events, Some(&tampered(&expired))).await,
        (
            StatusCode::UNAUTHORIZED,
            token_refusal(Error::InvalidSignature),
            vec![(info, want)]
        )
    );
    // Another pool's token: no configured pool to name, and its own `iss` is not repeated.
    let foreign = TestPool::new("eu-west-1_Other", "my-app-client-id")
        .id_token()
        .sign();
    let want = fields(&[
        ("code", "wrong_issuer"),
        ("message", "request refused"),
        ("status", "401"),
    ]);
    assert_eq!(
        call(&auth, &events, Some(&foreign)).await,
        (
            StatusCode::UNAUTHORIZED,
            token_refusal(Error::WrongIssuer),
            vec![(info, want)]
        )
    );
    let want = fields(&[
        ("code", "malformed_token"),
        ("message", "request refused"),
        ("status", "401"),
    ]);
    assert_eq!(
        call(&auth, &events, Some("abc.def.ghi")).await,
        (
            StatusCode::UNAUTHORIZED,
            token_refusal(Error::MalformedToken),
            vec![(info, want)]
        )
    );
    // No token: no code to give.
    let want = fields(&[("message", "request refused"), ("status", "401")]);
    assert_eq!(
        call(&auth, &events, None).await,
        (
            StatusCode::UNAUTHORIZED,
            Some(Refusal::NoToken),
            vec![(info, want)]
        )
    );

    // Accepted: no event, no refusal.
    let admin = pool.id_token().groups(["admin"]).sign();
    assert_eq!(
        call(&admins, &events, Some(&admin)).await,
        (StatusCode::OK, None, vec![])
    );
}

#[tokio::test]
async fn keys_unavailable_is_a_warning_naming_the_pool() {
    let events = events();
    let pool = TestPool::new(POOL, "my-app-client-id");
    let issuer = pool.issuer();
    // Offline and no keys loaded: every fetch fails at once, without a connection.
    let verifier: CognitoJwtVerifier = pool.verifier_builder().build().unwrap();
    let auth = CognitoAuthLayer::new(verifier);
    let (status, refusal, seen) = call(&auth, &events, Some(&pool.id_token().sign())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refusal.and_then(|r| r.code()), Some("jwks_unavailable"));
    assert_eq!(
        refusal.map(|r| r.status()),
        Some(StatusCode::SERVICE_UNAVAILABLE)
    );
    let want = fields(&[
        ("code", "jwks_unavailable"),
        ("message", "request refused"),
        ("pool", &issuer),
        ("status", "503"),
    ]);
    assert_eq!(seen, vec![(tracing::Level::WARN, want)]);
}

/// What a user's `map_response` does with the extension: its own body from the code, with no
/// JSON read back.
#[tokio::test]
async fn a_middleware_reads_the_refusal_from_the_extensions() {
    let pool = TestPool::new(POOL, "my-app-client-id");
    let auth = CognitoAuthLayer::new(pool.verifier()).any_group(["admin"]);
    let inner = tower::service_fn(|_req: Request<String>| async {
        Ok::<_, Infallible>(Response::new(String::from("ok")))
    });
    let rewrite = tower::util::MapResponseLayer::new(|resp: Response<_>| {
        let text = match resp.extensions().get::<Refusal>() {
            Some(r) => format!("{} {}", r.status().as_u16(), r.code().unwrap_or("no_token")),
            None => "passed".to_owned(),
        };
        resp.map(|_| text)
    });
    let svc = rewrite.layer(auth.layer(inner));
    let ask = |token: Option<String>| {
        let svc = svc.clone();
        async move {
            let mut req = Request::builder().uri("/");
            if let Some(t) = token {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            svc.oneshot(req.body(String::new()).unwrap())
                .await
                .unwrap()
                .into_body()
        }
    };
    assert_eq!(ask(None).await, "401 no_token");
    assert_eq!(
        ask(Some(pool.id_token().sign())).await,
        "403 group_not_allowed"
    );
    let expired = pool.id_token().issued_at(pool.now() - 7200).sign();
    assert_eq!(ask(Some(expired)).await, "401 expired");
    assert_eq!(
        ask(Some(pool.id_token().groups(["admin"]).sign())).await,
        "passed"
    );
}

/// The ALB layer reports its refusals the same way: the configured load balancer the token's
/// `signer` named as `pool`, `sub` only after the signature held; no bearer challenge when the
/// header is missing (no bearer token would do).
#[tokio::test]
async fn alb_refusals_name_the_load_balancer() {
    use cognito_verify::testing::alb as kit;
    use cognito_verify_tower::{AlbAuthLayer, AlbJwtVerifier};

    let events = events();
    let verifier = AlbJwtVerifier::builder()
        .alb_arn(kit::SIGNER)
        .client_id(kit::CLIENT)
        .offline()
        .build()
        .unwrap();
    verifier
        .cache_key(kit::SIGNER, kit::KID, kit::PUBLIC_KEY_PEM)
        .unwrap();
    let auth = AlbAuthLayer::new(verifier);
    let call = |token: Option<String>| {
        let inner = tower::service_fn(|_req: Request<String>| async {
            Ok::<_, Infallible>(Response::new(String::from("ok")))
        });
        let svc = auth.layer(inner);
        async move {
            let mut req = Request::builder().uri("/");
            if let Some(t) = token {
                req = req.header("x-amzn-oidc-data", t);
            }
            let resp = svc.oneshot(req.body(String::new()).unwrap()).await.unwrap();
            let challenge = resp.headers().get("www-authenticate").cloned();
            (
                resp.status(),
                resp.extensions().get::<Refusal>().copied(),
                challenge,
            )
        }
    };
    let info = tracing::Level::INFO;
    let now = i64::try_from(cognito_verify::now()).unwrap();

    let fine = kit::token(kit::SIGNER, kit::CLIENT, now + 600);
    assert_eq!(call(Some(fine.clone())).await, (StatusCode::OK, None, None));
    assert_eq!(events.take(), vec![]);

    let expired = kit::token(kit::SIGNER, kit::CLIENT, now - 600);
    let (status, refusal, _) = call(Some(expired.clone())).await;
    assert_eq!(
        (status, refusal),
        (StatusCode::UNAUTHORIZED, token_refusal(Error::Expired))
    );
    let want = fields(&[
        ("code", "expired"),
        ("message", "request refused"),
        ("pool", kit::SIGNER),
        ("status", "401"),
        ("sub", "b1c2d3e4-0000-4000-8000-000000000001"),
    ]);
    assert_eq!(events.take(), vec![(info, want)]);

    // Forged: the load balancer it names, never the sender's `sub`.
    let (signed, sig) = expired.rsplit_once('.').unwrap();
    let forged = format!("{signed}.{}", sig.replacen(&sig[..4], "AAAA", 1));
    let (status, refusal, _) = call(Some(forged)).await;
    assert_eq!(
        (status, refusal),
        (
            StatusCode::UNAUTHORIZED,
            token_refusal(Error::InvalidSignature)
        )
    );
    let want = fields(&[
        ("code", "invalid_signature"),
        ("message", "request refused"),
        ("pool", kit::SIGNER),
        ("status", "401"),
    ]);
    assert_eq!(events.take(), vec![(info, want)]);

    // No header: 401 without a Bearer challenge.
    assert_eq!(
        call(None).await,
        (StatusCode::UNAUTHORIZED, Some(Refusal::NoAlbToken), None)
    );
    let want = fields(&[("message", "request refused"), ("status", "401")]);
    assert_eq!(events.take(), vec![(info, want)]);
}
