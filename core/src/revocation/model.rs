//! The list against a plain reference: a byte string drives revocations, sign-outs, checks and
//! the clock on a small list (so `Full`, expiry and slot reuse happen often), and every answer is
//! held to what a `BTreeMap` of the same revocations says. Run by the unit tests over random
//! sequences and by the `revocation` fuzz target.
//!
//! What must hold, after any history:
//! - a live entry is never lost: a token it covers is revoked, and revoking it again succeeds;
//! - nothing is revoked that was never recorded;
//! - `Full` only when the entry's buckets hold live entries (exactly: the whole list, for lists
//!   of one or two buckets);
//! - `sign_out` records the session or the user as the policy says;
//! - `held` counts exactly the live entries;
//! - a check examines at most [`MAX_SLOTS_EXAMINED`] slots a lookup.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;

use super::{
    seconds, Revocation, RevocationList, RevocationSlot, RevokeError, SignOut, ALL,
    MAX_SESSIONS_PER_SUBJECT, MAX_SLOTS_EXAMINED,
};

const CAPACITIES: [usize; 8] = [0, 3, 8, 16, 24, 40, 64, 128];
const T0: u64 = 1_000_000;

/// What the list should record: (kind, index), until, issued_before, owner.
type Record = ((u8, u8), u64, u32, Option<u8>);

#[derive(Clone, Copy, Debug)]
struct Entry {
    until: u64,
    issued_before: u32,
    owner: Option<u8>,
}

/// What one run saw: operations, and `Full` answers.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seen {
    /// Operations carried out.
    pub(crate) ops: usize,
    /// Revocations refused with `Full`.
    pub(crate) full: usize,
    /// Sign-outs that recorded the user.
    pub(crate) subjects: usize,
    /// Checks answered "revoked".
    pub(crate) revoked: usize,
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }
}

/// Runs the operations `data` spells; panics on any disagreement.
#[expect(
    clippy::too_many_lines,
    reason = "one interpreter, one operation an arm"
)]
pub(crate) fn run(data: &[u8]) -> Seen {
    let mut seen = Seen::default();
    let mut input = Bytes(data);
    let (Some(c), Some(l), Some(w)) = (input.next(), input.next(), input.next()) else {
        return seen;
    };
    let capacity = CAPACITIES[usize::from(c) % CAPACITIES.len()];
    let lifetime = [10u64, 100, 1000][usize::from(l) % 3];
    let leeway = [0u64, 5][usize::from(w) % 2];
    let list = RevocationList::<Box<[RevocationSlot]>>::with_capacity(capacity)
        .max_token_lifetime(lifetime)
        .leeway(leeway);
    let usable = list.stats(T0).capacity;
    let mut model: BTreeMap<(u8, u8), Entry> = BTreeMap::new();
    let mut now = T0;
    let value = |kind: u8, i: u8| -> String {
        match kind {
            b'o' => format!("origin-{}", i % 40),
            b'j' => format!("jti-{}", i % 40),
            _ => format!("sub-{}", i % 6),
        }
    };
    let key = |kind: u8, i: u8| -> (u8, u8) {
        match kind {
            b'o' | b'j' => (kind, i % 40),
            _ => (kind, i % 6),
        }
    };
    let live =
        |m: &BTreeMap<(u8, u8), Entry>, now: u64| m.values().filter(|e| e.until >= now).count();

    while let (Some(op), Some(a), Some(b)) = (input.next(), input.next(), input.next()) {
        seen.ops += 1;
        // What the list should record, as (kind, index, until, issued_before, owner).
        let mut recorded: Option<Record> = None;
        let outcome: Option<Result<(), RevokeError>>;
        match op % 8 {
            0 => {
                let v = value(b'o', a);
                outcome = Some(list.revoke(Revocation::OriginJti(&v), now));
                recorded = Some((key(b'o', a), now + lifetime + leeway, ALL, None));
            }
            1 => {
                let v = value(b'j', a);
                let exp = now + u64::from(b) % (lifetime + 1);
                outcome = Some(list.revoke(Revocation::Jti { jti: &v, exp }, now));
                recorded = Some((key(b'j', a), exp + leeway, ALL, None));
            }
            2 => {
                let v = value(b's', a);
                let at = (now + 5).saturating_sub(u64::from(b) % 20);
                outcome = Some(list.revoke(
                    Revocation::Subject {
                        sub: &v,
                        issued_at_or_before: at,
                    },
                    now,
                ));
                recorded = Some((key(b's', a), at + lifetime + leeway, seconds(at), None));
            }
            3 => {
                let (o, s) = (value(b'o', a), value(b's', b));
                outcome = Some(list.revoke(
                    Revocation::Session {
                        origin_jti: &o,
                        sub: &s,
                    },
                    now,
                ));
                recorded = Some((key(b'o', a), now + lifetime + leeway, ALL, Some(b % 6)));
            }
            4 => {
                let (s, o) = (value(b's', a), value(b'o', b));
                let user = a % 6;
                let sessions = model
                    .iter()
                    .filter(|(_, e)| e.until >= now && e.owner == Some(user))
                    .count();
                let n = live(&model, now);
                let policy_subject = sessions >= MAX_SESSIONS_PER_SUBJECT || n * 8 >= usable * 7;
                let answer = list.sign_out(&s, &o, now);
                let subject = ((b's', user), now + lifetime + leeway, seconds(now), None);
                match answer {
                    Ok(SignOut::Session) => {
                        assert!(!policy_subject, "session recorded past the policy: {sessions} held, {n} live of {usable}");
                        recorded = Some((key(b'o', b), now + lifetime + leeway, ALL, Some(user)));
                        outcome = Some(Ok(()));
                    }
                    Ok(SignOut::Subject {
                        issued_at_or_before,
                    }) => {
                        assert_eq!(issued_at_or_before, now);
                        // Below the policy's limits only when the session's buckets were full,
                        // which for lists of one or two buckets is a full list.
                        assert!(
                            policy_subject || usable > 16,
                            "user recorded below the policy"
                        );
                        seen.subjects += 1;
                        recorded = Some(subject);
                        outcome = Some(Ok(()));
                    }
                    Err(e) => {
                        recorded = Some(subject);
                        outcome = Some(Err(e));
                    }
                }
            }
            5 | 6 => {
                // A token the list may be asked about: issued before now, not yet expired
                // beyond the leeway.
                let (s, j, o) = (value(b's', a), value(b'j', b), value(b'o', a ^ b));
                let iat = now.saturating_sub(u64::from(b % 16));
                let exp = iat + lifetime;
                let payload = format!(
                    r#"{{"iss":"i","token_use":"access","client_id":"c","exp":{exp},"iat":{iat},"sub":"{s}","jti":"{j}","origin_jti":"{o}"}}"#
                );
                let Ok(claims) = crate::claims::parse(&payload) else {
                    panic!("the model's claims do not parse: {payload}");
                };
                let (revoked, examined) = list.is_revoked_counting(&claims);
                assert!(
                    examined <= 3 * MAX_SLOTS_EXAMINED,
                    "{examined} slots examined"
                );
                let entries = [model.get(&key(b'o', a ^ b)), model.get(&key(b'j', b))];
                let sub = model.get(&key(b's', a));
                let covers_sub = |e: &Entry| u64::from(e.issued_before) >= iat;
                let must = entries.iter().flatten().any(|e| e.until >= now)
                    || sub.is_some_and(|e| e.until >= now && covers_sub(e));
                let may = entries.iter().flatten().next().is_some() || sub.is_some_and(covers_sub);
                assert!(!must || revoked, "a live revocation was lost: {payload}");
                assert!(may || !revoked, "revoked with nothing recorded: {payload}");
                seen.revoked += usize::from(revoked);
                outcome = None;
            }
            _ => {
                now += u64::from(a) % (lifetime / 2 + 2);
                outcome = None;
            }
        }
        match (outcome, recorded) {
            (Some(Ok(())), Some((k, until, ib, owner))) => {
                let e = model.entry(k).or_insert(Entry {
                    until: 0,
                    issued_before: ib,
                    owner: None,
                });
                let was_live = e.until >= now;
                e.until = if was_live { e.until.max(until) } else { until };
                e.issued_before = if !was_live {
                    ib
                } else if e.issued_before == ALL || ib == ALL {
                    ALL
                } else {
                    e.issued_before.max(ib)
                };
                if owner.is_some() || !was_live {
                    e.owner = owner;
                }
            }
            (Some(Err(RevokeError::Disabled)), _) => assert_eq!(usable, 0),
            (Some(Err(RevokeError::Full)), Some((k, ..))) => {
                seen.full += 1;
                assert!(
                    model.get(&k).is_none_or(|e| e.until < now),
                    "a held entry could not be extended"
                );
                let n = live(&model, now);
                if usable <= 16 {
                    assert_eq!(n, usable, "full with free slots");
                } else {
                    assert!(n >= 8, "full with {n} live entries");
                }
            }
            (Some(Err(e)), _) => panic!("unexpected {e:?}"),
            _ => {}
        }
        assert_eq!(list.stats(now).held, live(&model, now), "held");
    }
    seen
}
