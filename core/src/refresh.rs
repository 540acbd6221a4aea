//! When to fetch a pool's JWKS: one policy, no IO, shared by every runtime (ARCHITECTURE.md, "Key refresh").
//!
//! The Rust cache, the JS glue and C callers ask [`JwksRefresh::poll`] what to do, carry out the
//! fetch it asks for with their own HTTP client, and report the outcome with
//! [`JwksRefresh::fetched`]. Time is always an argument, in unix seconds.

/// Tunables of the refresh policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshConfig {
    /// At most one fetch per this many seconds caused by unknown `kid`s.
    pub unknown_kid_cooldown: u64,
    /// Keys older than this are refetched before use (the old ones stay if that fails).
    pub max_key_age: u64,
    /// First delay after a failed fetch; doubled per further failure.
    pub retry_base: u64,
    /// Longest delay after failures.
    pub retry_max: u64,
    /// A fetch reported neither success nor failure after this long is presumed lost.
    pub fetch_timeout: u64,
    /// Time a fetcher allows one JWKS request, connection and body included, before it gives up
    /// and reports a failure.
    pub request_timeout: u64,
}

impl RefreshConfig {
    /// Cooldown 30 s, key age 1 h, retries from 1 s up to 5 min, a fetch presumed lost after
    /// 30 s, a request given up after 5 s. The same in every runtime.
    pub const DEFAULT: RefreshConfig = RefreshConfig {
        unknown_kid_cooldown: 30,
        max_key_age: 3600,
        retry_base: 1,
        retry_max: 300,
        fetch_timeout: 30,
        request_timeout: 5,
    };
}

impl Default for RefreshConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why the caller is asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// About to verify a token: are the cached keys usable as they are?
    Keys,
    /// A token named a `kid` the cached keys do not have.
    UnknownKid,
}

/// What the caller should do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Use the keys already cached (for [`Need::UnknownKid`]: the kid stays unknown).
    UseCached,
    /// Fetch the JWKS now and wait for it (no keys yet, or an unknown `kid`), then report with
    /// [`JwksRefresh::fetched`] and ask again.
    Fetch,
    /// Another fetch is under way and there is nothing to use meanwhile: wait for it, then ask
    /// again.
    Wait,
    /// No keys and no fetch allowed before this time (after failures).
    Unavailable {
        /// Unix seconds when a fetch may be tried again.
        retry_at: u64,
    },
    /// The keys are past their maximum age: fetch the JWKS now, and meanwhile verify with the
    /// keys already cached (a token does not wait for a refresh). Report with
    /// [`JwksRefresh::fetched`].
    Refresh,
}

/// The refresh state of one key set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwksRefresh {
    config: RefreshConfig,
    has_keys: bool,
    fetched_at: u64,
    in_flight_since: Option<u64>,
    last_unknown_kid_fetch: Option<u64>,
    failures: u32,
    retry_at: u64,
}

impl Default for JwksRefresh {
    fn default() -> Self {
        Self::new(RefreshConfig::DEFAULT)
    }
}

impl JwksRefresh {
    /// No keys yet: the first [`poll`](Self::poll) asks for a fetch.
    #[must_use]
    pub const fn new(config: RefreshConfig) -> Self {
        JwksRefresh {
            config,
            has_keys: false,
            fetched_at: 0,
            in_flight_since: None,
            last_unknown_kid_fetch: None,
            failures: 0,
            retry_at: 0,
        }
    }

    /// The policy's tunables.
    #[must_use]
    pub const fn config(&self) -> &RefreshConfig {
        &self.config
    }

    /// Keys were supplied by other means (a cached copy, `cacheJwks`): treat them as fetched now.
    pub fn keys_loaded(&mut self, now: u64) {
        self.has_keys = true;
        self.fetched_at = now;
    }

    /// Whether keys were ever loaded.
    #[must_use]
    pub const fn has_keys(&self) -> bool {
        self.has_keys
    }

    /// Consecutive failed fetches.
    #[must_use]
    pub const fn failures(&self) -> u32 {
        self.failures
    }

    /// Decides what to do. When the answer is [`Action::Fetch`] or [`Action::Refresh`], the fetch
    /// is recorded as under way: report its outcome with [`fetched`](Self::fetched).
    pub fn poll(&mut self, now: u64, need: Need) -> Action {
        if let Some(since) = self.in_flight_since {
            if now < since.saturating_add(self.config.fetch_timeout) {
                // Keys that are only old stay usable while they are refreshed; a first load or
                // an unknown kid waits for the fetch.
                return if need == Need::Keys && self.has_keys {
                    Action::UseCached
                } else {
                    Action::Wait
                };
            }
            // The fetch was lost (the caller never reported): count it as failed.
            self.fetched(now, false);
        }
        let stale = now >= self.fetched_at.saturating_add(self.config.max_key_age);
        let wanted = match need {
            Need::Keys => !self.has_keys || stale,
            Need::UnknownKid => self
                .last_unknown_kid_fetch
                .is_none_or(|t| now >= t.saturating_add(self.config.unknown_kid_cooldown)),
        };
        if !wanted {
            return Action::UseCached;
        }
        if self.failures > 0 && now < self.retry_at {
            return if self.has_keys {
                Action::UseCached
            } else {
                Action::Unavailable {
                    retry_at: self.retry_at,
                }
            };
        }
        if need == Need::UnknownKid {
            self.last_unknown_kid_fetch = Some(now);
        }
        self.in_flight_since = Some(now);
        if need == Need::Keys && self.has_keys {
            Action::Refresh
        } else {
            Action::Fetch
        }
    }

    /// Until when (Unix seconds, excluded) [`poll`](Self::poll) with [`Need::Keys`] answers
    /// [`Action::UseCached`] and changes nothing, as things stand: keys held and fresh, or old
    /// and refreshed already (a fetch under way, or failures backing off). 0 when it may not.
    /// What a runtime may skip polling before (and taking the lock around the state);
    /// [`fetched`](Self::fetched) and [`keys_loaded`](Self::keys_loaded) only ever extend it.
    #[must_use]
    pub const fn quiet_until(&self) -> u64 {
        if !self.has_keys {
            return 0;
        }
        if let Some(since) = self.in_flight_since {
            return since.saturating_add(self.config.fetch_timeout);
        }
        let fresh = self.fetched_at.saturating_add(self.config.max_key_age);
        if self.failures > 0 && self.retry_at > fresh {
            self.retry_at
        } else {
            fresh
        }
    }

    /// Reports the outcome of the fetch [`poll`](Self::poll) asked for. `ok` means a usable key
    /// set was received and installed; on failure the previous keys stay in use.
    pub fn fetched(&mut self, now: u64, ok: bool) {
        self.in_flight_since = None;
        if ok {
            self.has_keys = true;
            self.fetched_at = now;
            self.failures = 0;
            self.retry_at = 0;
        } else {
            self.failures = self.failures.saturating_add(1);
            let shift = self.failures.saturating_sub(1).min(31);
            let delay = self
                .config
                .retry_base
                .saturating_mul(1u64 << shift)
                .min(self.config.retry_max);
            self.retry_at = now.saturating_add(delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `quiet_until` never promises more than `poll` keeps: over pseudo-random histories of
    /// polls and fetch outcomes, every `Need::Keys` poll before it answers `UseCached` and leaves
    /// the state as it was.
    #[test]
    fn quiet_until_is_what_poll_would_say() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let config = RefreshConfig {
            max_key_age: 100,
            fetch_timeout: 10,
            retry_base: 5,
            retry_max: 40,
            ..RefreshConfig::DEFAULT
        };
        for _ in 0..200 {
            let mut r = JwksRefresh::new(config);
            let mut now = 1_000;
            for _ in 0..50 {
                now += next(30);
                match next(4) {
                    0 => r.fetched(now, next(2) == 0),
                    1 => r.keys_loaded(now),
                    _ => {
                        let need = if next(3) == 0 {
                            Need::UnknownKid
                        } else {
                            Need::Keys
                        };
                        let _ = r.poll(now, need);
                    }
                }
                let quiet = r.quiet_until();
                for t in now..quiet.min(now + 300) {
                    let mut probe = r;
                    assert_eq!(probe.poll(t, Need::Keys), Action::UseCached, "{r:?} at {t}");
                    assert_eq!(probe, r, "a quiet poll changed the state at {t}");
                }
            }
        }
    }

    #[test]
    fn first_poll_fetches_then_uses_cache() {
        let mut r = JwksRefresh::default();
        assert_eq!(r.poll(100, Need::Keys), Action::Fetch);
        assert_eq!(r.poll(100, Need::Keys), Action::Wait);
        r.fetched(101, true);
        assert_eq!(r.poll(102, Need::Keys), Action::UseCached);
        assert_eq!(r.poll(101 + 3600, Need::Keys), Action::Refresh);
        assert_eq!(
            r.poll(102 + 3600, Need::Keys),
            Action::UseCached,
            "old keys meanwhile"
        );
    }

    #[test]
    fn unknown_kid_flood_costs_one_fetch_per_window() {
        let mut r = JwksRefresh::default();
        r.keys_loaded(0);
        let mut fetches = 0;
        for t in 0..90u64 {
            for _ in 0..1000 {
                if r.poll(t, Need::UnknownKid) == Action::Fetch {
                    fetches += 1;
                    r.fetched(t, true);
                }
            }
        }
        assert_eq!(fetches, 3, "one per 30 s window over 90 s");
    }

    #[test]
    fn failures_back_off_and_keep_keys() {
        let mut r = JwksRefresh::default();
        r.keys_loaded(0);
        assert_eq!(r.poll(3600, Need::Keys), Action::Refresh);
        r.fetched(3600, false);
        assert_eq!(r.poll(3600, Need::Keys), Action::UseCached);
        assert_eq!(r.poll(3601, Need::Keys), Action::Refresh);
        r.fetched(3601, false);
        assert_eq!(
            r.poll(3602, Need::Keys),
            Action::UseCached,
            "2 s after the 2nd failure"
        );
        assert_eq!(r.poll(3603, Need::Keys), Action::Refresh);
        r.fetched(3603, true);
        assert_eq!(r.failures(), 0);
        assert_eq!(r.poll(3604, Need::Keys), Action::UseCached);
    }

    #[test]
    fn no_keys_and_failing_is_unavailable() {
        let mut r = JwksRefresh::default();
        assert_eq!(r.poll(10, Need::Keys), Action::Fetch);
        r.fetched(10, false);
        assert_eq!(r.poll(10, Need::Keys), Action::Unavailable { retry_at: 11 });
        for _ in 0..40 {
            let _ = r.poll(u64::MAX - 1, Need::Keys);
            r.fetched(u64::MAX - 1, false);
        }
        assert_eq!(
            r.poll(u64::MAX - 1, Need::Keys),
            Action::Unavailable { retry_at: u64::MAX }
        );
    }

    #[test]
    fn a_lost_fetch_times_out() {
        let mut r = JwksRefresh::default();
        assert_eq!(r.poll(0, Need::Keys), Action::Fetch);
        assert_eq!(r.poll(29, Need::Keys), Action::Wait);
        assert_eq!(r.poll(30, Need::Keys), Action::Unavailable { retry_at: 31 });
        assert_eq!(r.poll(31, Need::Keys), Action::Fetch);
    }
}
