//! Revocations: recorded in the verifier at once, and shared by the server's replicas through a
//! Redis stream when `REVOCATION_REDIS_URL` is set.
//!
//! One stream (`REVOCATION_REDIS_KEY`, default `cognito-verify:revocations`) holds every
//! revocation of the last `MAX_TOKEN_LIFETIME` seconds, one entry each: `kind` (`origin_jti`,
//! `subject` or `jti`), `value`, `at` (`issued_at_or_before` of a subject, `exp` of a `jti`),
//! `until` (unix seconds after which no token it covers can be valid) and `origin` (the
//! server that recorded it). Only Redis's own commands are used:
//! - a server publishes its revocations with `XADD key MINID ~ <now - lifetime> * ...` and
//!   `PEXPIRE key <lifetime>`: entries older than the longest token lifetime are trimmed, and the
//!   whole stream expires when nobody revokes for that long;
//! - every server reads the stream from its beginning at start (a late joiner learns every live
//!   revocation) and then follows it with `XREAD BLOCK 500`, so another server's revocation
//!   applies here within about half a second;
//! - Redis unreachable: the server keeps serving with its local list, logs the outage once, and
//!   retries every 500 ms. When Redis is back it reads the stream from the beginning again
//!   (entries already applied are skipped) and publishes again every revocation of its own that
//!   is still live, those made during the outage included, so a Redis that restarted empty is
//!   filled again by the servers that hold the revocations.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::collections::HashMap;
use std::sync::Arc;

use cognito_verify::{CognitoJwtVerifier, Revocation};
use rand::RngCore as _;
use tokio::sync::mpsc;
use tracing::{info, warn};

/// How long a server waits before trying Redis again, and at most between two reads.
const RETRY: Duration = Duration::from_millis(500);
/// Largest number of entries read at once.
const READ_COUNT: usize = 512;

/// One revocation, owned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Revoked {
    /// Every token of one refresh token (after `RevokeToken`).
    OriginJti(String),
    /// Every token of a user issued at or before `at` (after `GlobalSignOut`).
    Subject { sub: String, at: u64 },
    /// One token, valid until `exp`.
    Jti { jti: String, exp: u64 },
}

impl Revoked {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Revoked::OriginJti(_) => "origin_jti",
            Revoked::Subject { .. } => "subject",
            Revoked::Jti { .. } => "jti",
        }
    }

    fn value(&self) -> &str {
        match self {
            Revoked::OriginJti(v) => v,
            Revoked::Subject { sub, .. } => sub,
            Revoked::Jti { jti, .. } => jti,
        }
    }

    fn at(&self) -> u64 {
        match self {
            Revoked::OriginJti(_) => 0,
            Revoked::Subject { at, .. } => *at,
            Revoked::Jti { exp, .. } => *exp,
        }
    }

    fn from_fields(f: &HashMap<String, String>) -> Option<Self> {
        let value = f.get("value").filter(|v| !v.is_empty())?.clone();
        let at = || f.get("at").and_then(|a| a.parse().ok());
        Some(match f.get("kind")?.as_str() {
            "origin_jti" => Revoked::OriginJti(value),
            "subject" => Revoked::Subject {
                sub: value,
                at: at()?,
            },
            "jti" => Revoked::Jti {
                jti: value,
                exp: at()?,
            },
            _ => return None,
        })
    }
}

/// A revocation and when it stops mattering.
#[derive(Debug, Clone)]
struct Entry {
    revoked: Revoked,
    until: u64,
}

/// Records revocations in the verifier and, with replicas, in Redis.
pub(super) struct Revocations {
    verifier: CognitoJwtVerifier,
    /// `MAX_TOKEN_LIFETIME`: the longest validity of a token of the pool, seconds.
    lifetime: u64,
    outbox: Option<mpsc::UnboundedSender<Entry>>,
}

impl Revocations {
    /// Local only.
    pub(super) fn local(verifier: CognitoJwtVerifier, lifetime: u64) -> Self {
        Revocations {
            verifier,
            lifetime,
            outbox: None,
        }
    }

    /// Shared through the Redis at `url`: starts the tasks that publish and follow the stream.
    pub(super) fn with_redis(
        verifier: CognitoJwtVerifier,
        lifetime: u64,
        url: &str,
        key: String,
    ) -> Result<Self, String> {
        let client = redis::Client::open(url)
            .map_err(|e| format!("REVOCATION_REDIS_URL {url:?} is not a Redis URL: {e}"))?;
        let mut id = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let link = Arc::new(Link {
            client,
            key,
            lifetime,
            me: id.iter().map(|b| format!("{b:02x}")).collect(),
            down: AtomicBool::new(false),
            outages: AtomicU64::new(0),
            verifier: verifier.clone(),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(link.clone().publish(rx));
        tokio::spawn(link.follow());
        Ok(Revocations {
            verifier,
            lifetime,
            outbox: Some(tx),
        })
    }

    /// Records `r` in the verifier now (the next request with a token it covers gets `revoked`)
    /// and queues it for the other replicas.
    pub(super) fn record(&self, r: Revoked) -> Result<(), String> {
        let now = cognito_verify::now();
        let until = match &r {
            Revoked::Jti { exp, .. } => *exp,
            _ => now.saturating_add(self.lifetime),
        };
        apply(&self.verifier, &r)?;
        if let Some(tx) = &self.outbox {
            // The publishing task lives as long as the runtime: a send fails only at shutdown.
            let _ = tx.send(Entry { revoked: r, until });
        }
        Ok(())
    }
}

/// The revocation, in the verifier.
fn apply(verifier: &CognitoJwtVerifier, r: &Revoked) -> Result<(), String> {
    let revocation = match r {
        Revoked::OriginJti(o) => Revocation::OriginJti(o),
        Revoked::Subject { sub, at } => Revocation::Subject {
            sub,
            issued_at_or_before: *at,
        },
        Revoked::Jti { jti, exp } => Revocation::Jti { jti, exp: *exp },
    };
    verifier.revoke(revocation).map_err(|e| e.to_string())
}

/// What both tasks share.
struct Link {
    client: redis::Client,
    key: String,
    lifetime: u64,
    /// This server's id in the stream's `origin` field.
    me: String,
    down: AtomicBool,
    /// Outages seen so far: the publisher republishes its own entries after each.
    outages: AtomicU64,
    verifier: CognitoJwtVerifier,
}

impl Link {
    async fn connect(&self) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(3)));
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
    }

    /// Redis failed: logged once per outage.
    fn failed(&self, e: &redis::RedisError) {
        if !self.down.swap(true, Ordering::SeqCst) {
            self.outages.fetch_add(1, Ordering::SeqCst);
            warn!(
                error = %e,
                "revocations: Redis unreachable; serving with the local list, retrying every 500 ms"
            );
        }
    }

    fn reachable(&self) {
        if self.down.swap(false, Ordering::SeqCst) {
            info!("revocations: Redis reachable again; catching up in both directions");
        }
    }

    /// Publishes this server's revocations; after an outage, every one still live again.
    async fn publish(self: Arc<Self>, mut rx: mpsc::UnboundedReceiver<Entry>) {
        let mut own: Vec<Entry> = Vec::new();
        let mut queue: Vec<Entry> = Vec::new();
        let mut conn = None;
        let mut seen_outages = 0;
        loop {
            // Wait for a new revocation, or retry what is queued, or look at the outage count.
            let wait = tokio::time::timeout(RETRY, rx.recv()).await;
            match wait {
                Ok(Some(e)) => {
                    own.push(e.clone());
                    queue.push(e);
                }
                Ok(None) => return,
                Err(_) => {}
            }
            let now = cognito_verify::now();
            own.retain(|e| e.until > now);
            queue.retain(|e| e.until > now);
            let outages = self.outages.load(Ordering::SeqCst);
            if outages != seen_outages && !self.down.load(Ordering::SeqCst) {
                // Redis came back (perhaps empty): everything of ours that is live, once more.
                seen_outages = outages;
                queue.clone_from(&own);
            }
            if queue.is_empty() {
                continue;
            }
            if conn.is_none() {
                match self.connect().await {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        self.failed(&e);
                        continue;
                    }
                }
            }
            let Some(c) = conn.as_mut() else { continue };
            match self.xadd(c, &queue, now).await {
                Ok(()) => {
                    queue.clear();
                    self.reachable();
                }
                Err(e) => {
                    self.failed(&e);
                    conn = None;
                }
            }
        }
    }

    async fn xadd(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
        entries: &[Entry],
        now: u64,
    ) -> redis::RedisResult<()> {
        let min_id = now.saturating_sub(self.lifetime).saturating_mul(1000);
        let mut pipe = redis::pipe();
        for e in entries {
            pipe.cmd("XADD")
                .arg(&self.key)
                .arg("MINID")
                .arg("~")
                .arg(min_id)
                .arg("*")
                .arg("kind")
                .arg(e.revoked.kind())
                .arg("value")
                .arg(e.revoked.value())
                .arg("at")
                .arg(e.revoked.at())
                .arg("until")
                .arg(e.until)
                .arg("origin")
                .arg(&self.me)
                .ignore();
        }
        pipe.cmd("PEXPIRE")
            .arg(&self.key)
            .arg(self.lifetime.saturating_mul(1000))
            .ignore();
        pipe.query_async(conn).await
    }

    /// Follows the stream from its beginning; after an outage, from the beginning again.
    async fn follow(self: Arc<Self>) {
        let mut applied: HashMap<Revoked, u64> = HashMap::new();
        let mut last = "0-0".to_string();
        let mut conn = None;
        loop {
            if conn.is_none() {
                match self.connect().await {
                    Ok(c) => {
                        conn = Some(c);
                        last = "0-0".into();
                    }
                    Err(e) => {
                        self.failed(&e);
                        tokio::time::sleep(RETRY).await;
                        continue;
                    }
                }
            }
            let Some(c) = conn.as_mut() else { continue };
            let read: redis::RedisResult<Option<StreamReply>> = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(READ_COUNT)
                .arg("BLOCK")
                .arg(u64::try_from(RETRY.as_millis()).unwrap_or(500))
                .arg("STREAMS")
                .arg(&self.key)
                .arg(&last)
                .query_async(c)
                .await;
            let reply = match read {
                Ok(r) => {
                    self.reachable();
                    r.unwrap_or_default()
                }
                Err(e) => {
                    self.failed(&e);
                    conn = None;
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            };
            let now = cognito_verify::now();
            applied.retain(|_, until| *until > now);
            for (_stream, entries) in reply {
                for (id, fields) in entries {
                    last = id;
                    let until = fields.get("until").and_then(|u| u.parse::<u64>().ok());
                    let (Some(r), Some(until)) = (Revoked::from_fields(&fields), until) else {
                        warn!(id = %last, "revocations: an entry of the stream is not understood; skipped");
                        continue;
                    };
                    if until <= now
                        || fields.get("origin") == Some(&self.me)
                        || applied.contains_key(&r)
                    {
                        continue;
                    }
                    match apply(&self.verifier, &r) {
                        Ok(()) => {
                            info!(
                                kind = r.kind(),
                                "revocations: applied one of another server"
                            );
                            applied.insert(r, until);
                        }
                        Err(e) => warn!(kind = r.kind(), "revocations: not applied: {e}"),
                    }
                }
            }
        }
    }
}

/// `XREAD`'s answer: per stream, its entries (id, fields).
type StreamReply = Vec<(String, Vec<(String, HashMap<String, String>)>)>;
