//! What the layer allocates per request for a token seen before, counted by a global allocator
//! that counts this thread's allocations (tests run on parallel threads).
//!
//! Set-up, not counted: a verifier with a fixed clock and the keys installed by `cache_jwks`
//! (nothing is fetched, no runtime runs), with its verdict memo and without, a layer requiring
//! groups and a token use (its lists built once), an `http::Request` carrying the bearer token,
//! two warm-up requests (the first stores the token in the memo, or its signature in the
//! verified-signature cache, and sizes the thread's payload buffer).
//!
//! Counted, per request:
//! - the verification (`try_verify_with` of a seen token with a closure that copies nothing):
//!   must be 0;
//! - the claims handed on (`try_verify_for`): 0 with the verdict memo (they share its copy of
//!   the payload), 1 without it (the payload copied once);
//! - what `http` takes to hold them (`Extensions::insert` into an empty request), measured here,
//!   not chosen by the layer;
//! - `CognitoAuth::call` up to the inner service's entry: must be exactly claims + insert, so
//!   any allocation of the layer's own (a boxed future, a requirement list, a copy) fails it;
//! - the rest, up to the response: the inner service here allocates nothing, and neither may
//!   the layer's response future;
//! - taking the claims, in the inner service and through the axum extractor: 0 (a reference
//!   count).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]
#![expect(
    unsafe_code,
    reason = "a counting global allocator must implement the unsafe GlobalAlloc trait; test only"
)]

mod common;

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::convert::Infallible;
use core::future::{ready, Future, Ready};
use core::pin::pin;
use core::sync::atomic::{AtomicI64, Ordering};
use core::task::{Context, Poll, Waker};
use std::alloc::System;
use std::sync::Arc;
use std::task::Wake;

use cognito_verify::Requirements;
use cognito_verify_tower::{AcceptedTokenUse, CognitoAuthLayer, CognitoJwtVerifier, OwnedClaims};
use common::*;
use http::{header, Request, Response, StatusCode};
use tower::{Layer as _, Service};

struct Counting;

std::thread_local! {
    // Const-initialised and without a destructor: reading it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

/// Allocations made by this thread so far.
fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The verifier's clock, fixed at the test's start.
static NOW: AtomicI64 = AtomicI64::new(0);
fn fixed() -> u64 {
    u64::try_from(NOW.load(Ordering::SeqCst)).unwrap()
}

/// A verifier with the test pool's keys installed (and a verdict memo of `memo` entries, 0:
/// none), and a token of the pool it accepts.
fn verifier_and_token(memo: usize) -> (CognitoJwtVerifier, String) {
    NOW.store(now(), Ordering::SeqCst);
    let verifier = CognitoJwtVerifier::builder()
        .user_pool(POOL)
        .client_id(CLIENT)
        .clock(fixed)
        .verdict_memo(memo)
        .build()
        .unwrap();
    verifier.cache_jwks(None, jwks_doc().as_bytes()).unwrap();
    let token = signer().sign(&id_claims(now() + 3600));
    (verifier, token)
}

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Polls `f` once: everything here completes without waiting.
fn now_or_never<F: Future>(f: F, cx: &mut Context<'_>) -> F::Output {
    match pin!(f).poll(cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("waited: nothing here should"),
    }
}

/// The inner service: notes the count when the layer hands the request over, takes the claims,
/// and answers with nothing allocated.
#[derive(Clone)]
struct Inner;

std::thread_local! {
    static AT_INNER: Cell<usize> = const { Cell::new(0) };
    static TAKING_CLAIMS: Cell<usize> = const { Cell::new(usize::MAX) };
}

impl Service<Request<()>> for Inner {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Response<()>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<()>) -> Self::Future {
        let at = allocations();
        AT_INNER.with(|c| c.set(at));
        let claims = req.extensions().get::<OwnedClaims>().cloned();
        TAKING_CLAIMS.with(|c| c.set(allocations() - at));
        let status = match claims {
            Some(c) if c.sub() == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" => StatusCode::OK,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut response = Response::new(());
        *response.status_mut() = status;
        ready(Ok(response))
    }
}

/// With the verdict memo (the default: a seen token's claims checked again, nothing else).
#[test]
fn a_token_seen_before_allocates_nothing_of_ours() {
    let (verifier, token) = verifier_and_token(cognito_verify::DEFAULT_VERDICT_MEMO_ENTRIES);
    seen_token_through_the_layer(&verifier, &token, true);
    assert!(
        verifier.verdict_memo_stats().hits > 300,
        "answered by the memo"
    );
}

/// Without it (the verified-signature cache: parsed again, the signature looked up).
#[test]
fn a_token_seen_before_costs_one_payload_copy_without_the_memo() {
    let (verifier, token) = verifier_and_token(0);
    seen_token_through_the_layer(&verifier, &token, false);
    assert!(
        verifier.signature_cache_stats().hits > 300,
        "answered by the cache"
    );
}

fn seen_token_through_the_layer(verifier: &CognitoJwtVerifier, token: &str, memo: bool) {
    let layer = CognitoAuthLayer::new(verifier.clone())
        .any_group(["users", "admin"])
        .token_use(AcceptedTokenUse::Id);
    let mut svc = layer.layer(Inner);
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let bearer = format!("Bearer {token}");
    let request = || {
        Request::builder()
            .header(header::AUTHORIZATION, bearer.as_str())
            .body(())
            .unwrap()
    };
    let route = Requirements::NONE.groups(cognito_verify::Match::AnyOf, ["users"]);
    // The first fills the memo or the signature cache, and the thread's payload buffer.
    for _ in 0..2 {
        let r = now_or_never(svc.call(request()), &mut cx).unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }

    let mut seen = (0, 0, 0);
    for round in 0..100 {
        // The verification alone.
        let before = allocations();
        let verdict = verifier.try_verify_with(token, &route, |c| c.exp());
        let verification = allocations() - before;
        assert!(matches!(verdict, Some(Ok(_))), "{verdict:?}");
        assert_eq!(verification, 0, "round {round}: the verification allocated");

        // The claims handed on: the memo's payload shared, or one copy of it.
        let before = allocations();
        let claims = verifier.try_verify_for(token, &route);
        let claims_cost = allocations() - before;
        let claims = claims.unwrap().unwrap();
        assert_eq!(
            claims_cost,
            usize::from(!memo),
            "round {round}: the claims took more than {}",
            if memo { "a reference" } else { "the payload" }
        );

        // What `http` takes to hold them in an empty request's extensions.
        let mut probe = Request::new(());
        let before = allocations();
        probe.extensions_mut().insert(claims);
        let insert_cost = allocations() - before;
        drop(probe);

        // Through the layer.
        let req = request();
        let before = allocations();
        let response = now_or_never(svc.call(req), &mut cx).unwrap();
        let total = allocations() - before;
        let to_inner = AT_INNER.with(Cell::get) - before;
        assert_eq!(response.status(), StatusCode::OK, "round {round}");
        assert_eq!(
            to_inner,
            claims_cost + insert_cost,
            "round {round}: the layer allocated beyond the claims ({claims_cost}) and their \
             place in the extensions ({insert_cost})"
        );
        assert_eq!(
            total, to_inner,
            "round {round}: allocations after the inner call"
        );
        assert_eq!(
            TAKING_CLAIMS.with(Cell::get),
            0,
            "round {round}: taking the claims"
        );
        drop(response);
        seen = (verification, claims_cost, insert_cost);
    }
    println!(
        "per request: verification {}, claims {}, extensions {}, layer total {}",
        seen.0,
        seen.1,
        seen.2,
        seen.1 + seen.2
    );
}

#[cfg(feature = "axum")]
#[test]
fn the_extractor_copies_nothing() {
    use axum::extract::{FromRequestParts, OptionalFromRequestParts};
    use cognito_verify_tower::CognitoClaims;

    let (verifier, token) = verifier_and_token(0);
    let claims = now_or_never(
        verifier.verify(&token),
        &mut Context::from_waker(&Waker::from(Arc::new(Noop))),
    )
    .unwrap();
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.extensions.insert(claims.clone());
    for _ in 0..3 {
        let before = allocations();
        let got = now_or_never(
            <CognitoClaims as FromRequestParts<()>>::from_request_parts(&mut parts, &()),
            &mut cx,
        );
        let maybe = now_or_never(
            <CognitoClaims as OptionalFromRequestParts<()>>::from_request_parts(&mut parts, &()),
            &mut cx,
        );
        let cost = allocations() - before;
        assert_eq!(got.unwrap().0, claims);
        assert_eq!(maybe.unwrap().unwrap().0, claims);
        assert_eq!(cost, 0, "extracting the claims allocated");
    }
}
