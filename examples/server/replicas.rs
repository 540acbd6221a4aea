//! Revocations: recorded in the verifier at once, and shared by the server's replicas through a
//! Redis stream when `REVOCATION_REDIS_URL` is set (`redis://`, or `rediss://` for TLS, the
//! server's certificate checked against the webpki roots or `REVOCATION_REDIS_CA_FILE`).
//!
//! One stream (`REVOCATION_REDIS_KEY`, default `cognito-verify:revocations`) holds every
//! revocation of the last `MAX_TOKEN_LIFETIME` seconds, one entry each: `kind` (`origin_jti`,
//! `subject` or `jti`), `value`, `sub` (the user of an `origin_jti`, when known), `at`
//! (`issued_at_or_before` of a subject, `exp` of a `jti`), `until` (unix seconds after which no
//! token it covers can be accepted, leeway included) and `origin` (the server that recorded it).
//! Only Redis's own commands are used:
//! - a server publishes its revocations with `XADD key MINID ~ <now - lifetime - leeway> * ...`
//!   and `PEXPIRE key <lifetime + leeway>`: entries older than the longest token lifetime are
//!   trimmed, and the whole stream expires when nobody revokes for that long;
//! - every server reads the stream from its beginning at start (a late joiner learns every live
//!   revocation) and then follows it with `XREAD BLOCK 500`, so another server's revocation
//!   applies here within about half a second;
//! - Redis unreachable: the server keeps serving with its local list, logs the outage once, and
//!   retries every 500 ms. When Redis is back it reads the stream from the beginning again
//!   (entries already applied are skipped) and publishes again every revocation of its own that
//!   is still live, those made during the outage included, so a Redis that restarted empty is
//!   filled again by the servers that hold the revocations.
//!
//! Whatever is in the stream is input, bounded like a request (`ARCHITECTURE.md`, section 12):
//! an entry whose `at` or `until` lies beyond what this server would publish itself
//! (`max(at, now) + lifetime + leeway`, a subject's `at` at most `now + leeway`), or that is
//! not understood, is refused and counted (`cognito_replica_entries_refused_total`); an entry
//! id more than [`FUTURE_IDS_MS`] ahead of this clock is refused too, and removed (`XDEL`, then
//! `XSETID` back to the newest good entry) so that it cannot escape `MINID` trimming nor carry
//! the ids of later entries past it; an entry the list cannot take now (full) waits and is
//! retried (`cognito_replica_entries_waiting`). The bookkeeping of both is bounded by the list's
//! capacity.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::collections::HashMap;
use std::sync::Arc;

use cognito_verify::{CognitoJwtVerifier, Revocation, RevokeError, SignOut};
use cognito_verify_examples::LEEWAY;
use rand::RngCore as _;
use tokio::sync::mpsc;
use tracing::{info, warn};

#[path = "replicas/revoked.rs"]
mod revoked;
pub(super) use revoked::Revoked;

/// How long a server waits before trying Redis again, and at most between two reads.
const RETRY: Duration = Duration::from_millis(500);
/// Largest number of entries read at once.
const READ_COUNT: usize = 512;
/// How far ahead of this server's clock an entry id may be, in milliseconds (clocks of Redis
/// and the servers must agree within this); an entry further ahead is refused and removed.
pub(super) const FUTURE_IDS_MS: u64 = 300_000;

/// A revocation and when it stops mattering.
#[derive(Debug, Clone)]
struct Entry {
    revoked: Revoked,
    until: u64,
}

/// Counters of the stream's entries, on `/metrics`.
#[derive(Debug, Default)]
pub(super) struct ReplicaStats {
    /// Entries refused: out of bounds, not understood, ids in the future, not applicable.
    pub(super) refused: AtomicU64,
    /// Entries waiting to be applied (the list was full), retried at every read.
    pub(super) waiting: AtomicU64,
}

/// Records revocations in the verifier and, with replicas, in Redis.
pub(super) struct Revocations {
    verifier: CognitoJwtVerifier,
    /// `MAX_TOKEN_LIFETIME`: the longest validity of a token of the pool, seconds.
    lifetime: u64,
    outbox: Option<mpsc::UnboundedSender<Entry>>,
    stats: Arc<ReplicaStats>,
}

impl Revocations {
    /// Local only.
    pub(super) fn local(verifier: CognitoJwtVerifier, lifetime: u64) -> Self {
        Revocations {
            verifier,
            lifetime,
            outbox: None,
            stats: Arc::default(),
        }
    }

    /// Shared through the Redis at `url` (`rediss://` checks the server's certificate against
    /// the webpki roots, or against the PEM certificates of `ca_file` when given): starts the
    /// tasks that publish and follow the stream.
    pub(super) fn with_redis(
        verifier: CognitoJwtVerifier,
        lifetime: u64,
        url: &str,
        ca_file: Option<&str>,
        key: String,
    ) -> Result<Self, String> {
        // The URL may hold a password: never repeated in a message.
        let client = match ca_file {
            None => redis::Client::open(url),
            Some(path) => {
                if !url.starts_with("rediss://") {
                    return Err("REVOCATION_REDIS_CA_FILE needs a rediss:// URL".into());
                }
                let pem = std::fs::read(path)
                    .map_err(|e| format!("REVOCATION_REDIS_CA_FILE {path:?}: {e}"))?;
                redis::Client::build_with_tls(
                    url,
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(pem),
                    },
                )
            }
        }
        .map_err(|e| format!("REVOCATION_REDIS_URL is not a usable Redis URL: {e}"))?;
        let mut id = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let stats = Arc::new(ReplicaStats::default());
        let link = Arc::new(Link {
            client,
            key,
            lifetime,
            me: id.iter().map(|b| format!("{b:02x}")).collect(),
            down: AtomicBool::new(false),
            outages: AtomicU64::new(0),
            future_ids: AtomicBool::new(false),
            verifier: verifier.clone(),
            stats: stats.clone(),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(link.clone().publish(rx));
        tokio::spawn(link.follow());
        Ok(Revocations {
            verifier,
            lifetime,
            outbox: Some(tx),
            stats,
        })
    }

    /// The stream's counters (zero without Redis).
    pub(super) fn stats(&self) -> &ReplicaStats {
        &self.stats
    }

    /// Records `r` in the verifier now (the next request with a token it covers gets `revoked`)
    /// and queues it for the other replicas.
    pub(super) fn record(&self, r: Revoked) -> Result<(), RevokeError> {
        apply(&self.verifier, &r)?;
        self.publish(r);
        Ok(())
    }

    /// Signs out the session `origin_jti` of the user `sub` under the verifier's per-user policy
    /// (the session, or the whole user when it holds too many or the list is nearly full), and
    /// queues what was recorded for the other replicas. `iat`: the caller's token's, which a
    /// whole-user sign-out covers even when it is a little ahead of this clock.
    pub(super) fn sign_out(
        &self,
        sub: &str,
        origin_jti: &str,
        iat: u64,
    ) -> Result<Revoked, RevokeError> {
        let r = match self.verifier.sign_out(sub, origin_jti)? {
            SignOut::Subject {
                issued_at_or_before,
            } if iat > issued_at_or_before => {
                let r = Revoked::Subject {
                    sub: sub.to_string(),
                    at: iat,
                };
                apply(&self.verifier, &r)?;
                r
            }
            SignOut::Subject {
                issued_at_or_before,
            } => Revoked::Subject {
                sub: sub.to_string(),
                at: issued_at_or_before,
            },
            // `SignOut::Session`, and whatever a later core adds: a session.
            _ => Revoked::Session {
                origin_jti: origin_jti.to_string(),
                sub: sub.to_string(),
            },
        };
        self.publish(r.clone());
        Ok(r)
    }

    fn publish(&self, r: Revoked) {
        if let Some(tx) = &self.outbox {
            let until = r.until(cognito_verify::now(), self.lifetime);
            // The publishing task lives as long as the runtime: a send fails only at shutdown.
            let _ = tx.send(Entry { revoked: r, until });
        }
    }
}

/// The revocation, in the verifier.
fn apply(verifier: &CognitoJwtVerifier, r: &Revoked) -> Result<(), RevokeError> {
    let revocation = match r {
        Revoked::OriginJti(o) => Revocation::OriginJti(o),
        Revoked::Session { origin_jti, sub } => Revocation::Session { origin_jti, sub },
        Revoked::Subject { sub, at } => Revocation::Subject {
            sub,
            issued_at_or_before: *at,
        },
        Revoked::Jti { jti, exp } => Revocation::Jti { jti, exp: *exp },
    };
    verifier.revoke(revocation)
}

/// The milliseconds of a stream entry id (`<ms>-<seq>`).
fn id_ms(id: &str) -> Option<u64> {
    id.split_once('-')?.0.parse().ok()
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
    /// The stream holds ids beyond [`FUTURE_IDS_MS`]: the publisher removes them.
    future_ids: AtomicBool,
    verifier: CognitoJwtVerifier,
    stats: Arc<ReplicaStats>,
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

    fn refused(&self, id: &str, why: &str) {
        self.stats.refused.fetch_add(1, Ordering::Relaxed);
        warn!(id, "revocations: an entry of the stream is refused: {why}");
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
            if queue.is_empty() && !self.future_ids.load(Ordering::SeqCst) {
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
            match self.publish_once(c, &mut queue, now).await {
                Ok(()) => self.reachable(),
                Err(e) => {
                    self.failed(&e);
                    conn = None;
                }
            }
        }
    }

    /// Removes ids from the future if the stream holds any, then appends `queue`; what got an id
    /// from the future (the stream's last id was ahead) stays queued for after the removal.
    async fn publish_once(
        &self,
        c: &mut redis::aio::MultiplexedConnection,
        queue: &mut Vec<Entry>,
        now: u64,
    ) -> redis::RedisResult<()> {
        if self.future_ids.swap(false, Ordering::SeqCst) {
            match self.remove_future_ids(c).await {
                Ok(()) => {}
                Err(e) if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() => {
                    self.future_ids.store(true, Ordering::SeqCst);
                    return Err(e);
                }
                // Refused by Redis (another server appended or removed meanwhile, or the ACL
                // lacks XDEL / XSETID): tried again after the next wait.
                Err(e) => {
                    warn!(error = %e, "revocations: ids from the future not removed yet");
                    self.future_ids.store(true, Ordering::SeqCst);
                }
            }
        }
        if queue.is_empty() {
            return Ok(());
        }
        let ids = self.xadd(c, queue, now).await?;
        let limit = now.saturating_mul(1000).saturating_add(FUTURE_IDS_MS);
        let mut late = Vec::new();
        for (e, id) in queue.drain(..).zip(ids) {
            if id_ms(&id).is_none_or(|ms| ms > limit) {
                late.push(e);
            }
        }
        if !late.is_empty() {
            warn!(
                entries = late.len(),
                "revocations: the stream's ids run ahead of this clock; removing them and publishing again"
            );
            self.future_ids.store(true, Ordering::SeqCst);
        }
        *queue = late;
        Ok(())
    }

    async fn xadd(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
        entries: &[Entry],
        now: u64,
    ) -> redis::RedisResult<Vec<String>> {
        let held = self.lifetime.saturating_add(LEEWAY);
        let min_id = now.saturating_sub(held).saturating_mul(1000);
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
                .arg(e.revoked.value());
            if let Revoked::Session { sub, .. } = &e.revoked {
                pipe.arg("sub").arg(sub);
            }
            pipe.arg("at")
                .arg(e.revoked.at())
                .arg("until")
                .arg(e.until)
                .arg("origin")
                .arg(&self.me);
        }
        pipe.cmd("PEXPIRE")
            .arg(&self.key)
            .arg(held.saturating_mul(1000))
            .ignore();
        pipe.query_async(conn).await
    }

    /// Deletes every entry whose id is more than [`FUTURE_IDS_MS`] ahead of this clock and sets
    /// the stream's last id back to its newest remaining entry, so that `XADD *` numbers entries
    /// by the clock again and `MINID` trims them.
    async fn remove_future_ids(
        &self,
        c: &mut redis::aio::MultiplexedConnection,
    ) -> redis::RedisResult<()> {
        let from = cognito_verify::now()
            .saturating_mul(1000)
            .saturating_add(FUTURE_IDS_MS)
            .saturating_add(1);
        let mut removed = 0usize;
        loop {
            let ahead: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
                .arg(&self.key)
                .arg(format!("{from}-0"))
                .arg("+")
                .arg("COUNT")
                .arg(READ_COUNT)
                .query_async(c)
                .await?;
            if ahead.is_empty() {
                break;
            }
            removed = removed.saturating_add(ahead.len());
            let mut del = redis::cmd("XDEL");
            del.arg(&self.key);
            for (id, _) in &ahead {
                del.arg(id);
            }
            let _: u64 = del.query_async(c).await?;
        }
        let exists: bool = redis::cmd("EXISTS").arg(&self.key).query_async(c).await?;
        if exists {
            let newest: Vec<(String, HashMap<String, String>)> = redis::cmd("XREVRANGE")
                .arg(&self.key)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(1)
                .query_async(c)
                .await?;
            let top = newest
                .first()
                .map_or_else(|| "0-1".to_string(), |e| e.0.clone());
            // At least the length, as XSETID wants; only Redis's lag figures read it.
            let len: u64 = redis::cmd("XLEN").arg(&self.key).query_async(c).await?;
            let len = len.saturating_add(1024);
            let () = redis::cmd("XSETID")
                .arg(&self.key)
                .arg(&top)
                .arg("ENTRIESADDED")
                .arg(len)
                .arg("MAXDELETEDID")
                .arg(&top)
                .query_async(c)
                .await?;
        }
        warn!(
            removed,
            "revocations: removed stream entries with ids from the future"
        );
        Ok(())
    }

    /// Follows the stream from its beginning; after an outage, from the beginning again.
    async fn follow(self: Arc<Self>) {
        // Both bounded by the list's capacity: more could never be held at once anyway.
        let bound = self.verifier.revocation_stats().capacity.max(1);
        let mut applied: HashMap<Revoked, u64> = HashMap::new();
        let mut waiting: Vec<Entry> = Vec::new();
        let mut last = "0-0".to_string();
        let mut last_future = String::new();
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
            waiting.retain(|e| e.until > now);
            // What waited first, in the order it came.
            let mut still = Vec::new();
            for e in waiting.drain(..) {
                match apply(&self.verifier, &e.revoked) {
                    Ok(()) => {
                        if applied.len() < bound {
                            applied.insert(e.revoked, e.until);
                        }
                    }
                    Err(RevokeError::Full) => still.push(e),
                    Err(err) => self.refused("(waiting)", err.code()),
                }
            }
            waiting = still;
            let id_limit = now.saturating_mul(1000).saturating_add(FUTURE_IDS_MS);
            let mut future = false;
            'read: for (_stream, entries) in reply {
                for (id, fields) in entries {
                    if id_ms(&id).is_none_or(|ms| ms > id_limit) {
                        // Not read past: the publisher removes it and every later id (they
                        // follow it), then the stream goes on from `last`.
                        if id != last_future {
                            self.refused(&id, "its id is ahead of this clock");
                            last_future.clone_from(&id);
                        }
                        self.future_ids.store(true, Ordering::SeqCst);
                        future = true;
                        break 'read;
                    }
                    last = id;
                    let until = fields.get("until").and_then(|u| u.parse::<u64>().ok());
                    let (Some(r), Some(until)) = (Revoked::from_fields(&fields), until) else {
                        self.refused(&last, "not understood");
                        continue;
                    };
                    if until <= now
                        || fields.get("origin") == Some(&self.me)
                        || applied.contains_key(&r)
                    {
                        continue;
                    }
                    if let Some(why) = r.out_of_bounds(until, now, self.lifetime) {
                        self.refused(&last, why);
                        continue;
                    }
                    match apply(&self.verifier, &r) {
                        Ok(()) => {
                            info!(
                                kind = r.kind(),
                                "revocations: applied one of another server"
                            );
                            if applied.len() < bound {
                                applied.insert(r, until);
                            }
                        }
                        Err(RevokeError::Full) if waiting.len() < bound => {
                            warn!(
                                kind = r.kind(),
                                "revocations: the list is full; retried at every read"
                            );
                            waiting.push(Entry { revoked: r, until });
                        }
                        Err(e) => self.refused(&last, e.code()),
                    }
                }
            }
            self.stats.waiting.store(
                u64::try_from(waiting.len()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
            if future {
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

/// `XREAD`'s answer: per stream, its entries (id, fields).
type StreamReply = Vec<(String, Vec<(String, HashMap<String, String>)>)>;
