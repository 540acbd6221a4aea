//! The list on its own: what each kind covers, lifetimes, a full list, bounded lookups, the
//! per-user sign-out policy, and random sequences against a reference model.
#![allow(clippy::unwrap_used, reason = "test code")]

use super::*;
use crate::claims;
use std::format;
use std::string::String;

const NOW: u64 = 1_700_000_000;

fn payload(sub: &str, jti: &str, origin: &str, iat: Option<u64>) -> String {
    let iat = iat.map(|t| format!(r#","iat":{t}"#)).unwrap_or_default();
    format!(
        r#"{{"iss":"i","token_use":"access","client_id":"c","exp":{},"sub":"{sub}","jti":"{jti}","origin_jti":"{origin}"{iat}}}"#,
        NOW + 3600
    )
}

fn revoked<S: AsRef<[RevocationSlot]>>(list: &RevocationList<S>, p: &str) -> bool {
    list.is_revoked(&claims::parse(p).unwrap())
}

#[test]
fn each_kind_covers_what_it_names() {
    let list: RevocationList<[RevocationSlot; 64]> = RevocationList::new();
    let token = payload("u1", "j1", "o1", Some(NOW - 10));
    assert!(!revoked(&list, &token));
    list.revoke(Revocation::OriginJti("o1"), NOW).unwrap();
    assert!(revoked(&list, &token));
    assert!(revoked(&list, &payload("u2", "j2", "o1", Some(NOW))));
    assert!(!revoked(&list, &payload("u1", "j1", "o2", Some(NOW))));
    // Kinds do not mix: "o1" as a jti or a sub is not revoked.
    assert!(!revoked(&list, &payload("o1", "o1", "o3", Some(NOW))));

    list.revoke(
        Revocation::Jti {
            jti: "j9",
            exp: NOW + 60,
        },
        NOW,
    )
    .unwrap();
    assert!(revoked(&list, &payload("u1", "j9", "o9", Some(NOW))));
    assert!(!revoked(&list, &payload("u1", "j8", "o9", Some(NOW))));

    list.revoke(
        Revocation::Subject {
            sub: "u5",
            issued_at_or_before: NOW,
        },
        NOW,
    )
    .unwrap();
    assert!(revoked(&list, &payload("u5", "a", "b", Some(NOW - 1))));
    assert!(revoked(&list, &payload("u5", "a", "b", Some(NOW))));
    assert!(!revoked(&list, &payload("u5", "a", "b", Some(NOW + 1))));
    // No iat: denied (fails closed).
    assert!(revoked(&list, &payload("u5", "a", "b", None)));
    assert!(!revoked(&list, &payload("u6", "a", "b", Some(NOW - 1))));
    assert_eq!(list.stats(NOW).held, 3);
}

#[test]
fn claims_are_compared_decoded() {
    let list: RevocationList<[RevocationSlot; 8]> = RevocationList::new();
    list.revoke(Revocation::OriginJti("a/b\u{e9}"), NOW)
        .unwrap();
    assert!(revoked(&list, &payload("u", "j", r"a\/b\u00e9", Some(NOW))));
    assert!(revoked(&list, &payload("u", "j", "a/b\u{e9}", Some(NOW))));
    assert!(!revoked(&list, &payload("u", "j", r"a\/b", Some(NOW))));
}

#[test]
fn revoking_again_extends() {
    let list: RevocationList<[RevocationSlot; 8]> = RevocationList::new();
    let sub = |t| Revocation::Subject {
        sub: "u",
        issued_at_or_before: t,
    };
    list.revoke(sub(NOW), NOW).unwrap();
    list.revoke(sub(NOW + 100), NOW + 100).unwrap();
    // An older sign-out arriving late does not shorten it.
    list.revoke(sub(NOW + 50), NOW + 100).unwrap();
    assert!(revoked(&list, &payload("u", "a", "b", Some(NOW + 100))));
    assert!(!revoked(&list, &payload("u", "a", "b", Some(NOW + 101))));
    assert_eq!(list.stats(NOW + 100).held, 1);
}

#[test]
fn entries_live_as_long_as_a_token_they_cover() {
    let list: RevocationList<[RevocationSlot; 8]> =
        RevocationList::new().max_token_lifetime(3600).leeway(0);
    list.revoke(
        Revocation::Jti {
            jti: "j",
            exp: NOW + 60,
        },
        NOW,
    )
    .unwrap();
    list.revoke(Revocation::OriginJti("o"), NOW).unwrap();
    list.revoke(
        Revocation::Subject {
            sub: "s",
            issued_at_or_before: NOW + 10,
        },
        NOW,
    )
    .unwrap();
    assert_eq!(list.stats(NOW + 60).held, 3);
    assert_eq!(list.stats(NOW + 61).held, 2);
    assert_eq!(list.stats(NOW + 3600).held, 2);
    assert_eq!(list.stats(NOW + 3601).held, 1);
    assert_eq!(list.stats(NOW + 3611).held, 0);
    assert_eq!(list.stats(NOW).capacity, 8);
}

#[test]
fn a_full_list_refuses_and_keeps_every_live_entry() {
    let list: RevocationList<[RevocationSlot; 16]> =
        RevocationList::new().max_token_lifetime(3600).leeway(0);
    let ids: std::vec::Vec<String> = (0..16).map(|i| format!("o{i}")).collect();
    for id in &ids {
        list.revoke(Revocation::OriginJti(id), NOW).unwrap();
    }
    assert_eq!(
        list.revoke(Revocation::OriginJti("one more"), NOW + 3600),
        Err(RevokeError::Full)
    );
    for id in &ids {
        assert!(revoked(&list, &payload("u", "j", id, Some(NOW))), "{id}");
    }
    assert!(!revoked(&list, &payload("u", "j", "one more", Some(NOW))));
    // Once the entries cover nothing that could be accepted, their slots are reused.
    list.revoke(Revocation::OriginJti("one more"), NOW + 3601)
        .unwrap();
    assert!(revoked(&list, &payload("u", "j", "one more", Some(NOW))));
    assert_eq!(list.stats(NOW + 3601).held, 1);
}

#[test]
fn a_large_list_fills_most_of_its_capacity_and_finds_everything() {
    // Two buckets of 8 an entry: a list of 64 buckets refuses only once both of an entry's
    // buckets are full, late in the fill.
    let list: RevocationList<[RevocationSlot; 512]> = RevocationList::new();
    let ids: std::vec::Vec<String> = (0..512).map(|i| format!("{i:08x}-jti")).collect();
    let mut held = std::vec::Vec::new();
    for id in &ids {
        let jti = Revocation::Jti {
            jti: id,
            exp: NOW + 60,
        };
        match list.revoke(jti, NOW) {
            Ok(()) => held.push(id),
            Err(RevokeError::Full) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(held.len() >= 512 * 85 / 100, "{} of 512", held.len());
    assert_eq!(list.stats(NOW).held, held.len());
    for id in &held {
        assert!(revoked(&list, &payload("u", id, "o", Some(NOW))), "{id}");
    }
    // Revoking one again finds it, and uses no slot.
    list.revoke(
        Revocation::Jti {
            jti: held[7],
            exp: NOW + 90,
        },
        NOW,
    )
    .unwrap();
    assert_eq!(list.stats(NOW).held, held.len());
}

/// Filled until refused, then every entry expired: a lookup still examines at most two buckets
/// (the list once kept a sticky overflow flag that made every later lookup walk the whole list).
#[test]
fn lookups_stay_bounded_after_full_and_expiry() {
    let list = RevocationList::with_capacity(DEFAULT_REVOCATION_CAPACITY)
        .max_token_lifetime(3600)
        .leeway(0);
    let mut refused = 0;
    for i in 0.. {
        match list.revoke(Revocation::OriginJti(&format!("session-{i}")), NOW) {
            Ok(()) => {}
            Err(RevokeError::Full) => {
                refused += 1;
                if refused == 1000 {
                    break;
                }
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    let held = list.stats(NOW).held;
    assert!(held >= DEFAULT_REVOCATION_CAPACITY * 85 / 100, "{held}");
    let worst = |now: u64| {
        (0..2000)
            .map(|i| {
                let p = payload(
                    &format!("u{i}"),
                    &format!("j{i}"),
                    &format!("x{i}"),
                    Some(now),
                );
                let (revoked, examined) = list.is_revoked_counting(&claims::parse(&p).unwrap());
                assert!(!revoked);
                examined
            })
            .max()
            .unwrap()
    };
    assert_eq!(worst(NOW), 3 * MAX_SLOTS_EXAMINED);
    // Every entry expired: still the same bound, and new entries go in.
    let later = NOW + 3601;
    assert_eq!(list.stats(later).held, 0);
    assert_eq!(worst(later), 3 * MAX_SLOTS_EXAMINED);
    list.revoke(Revocation::OriginJti("after"), later).unwrap();
    assert!(revoked(&list, &payload("u", "j", "after", Some(later))));
    std::println!(
        "lookups: {held} of {DEFAULT_REVOCATION_CAPACITY} held when full; at most {} slots a token, full or expired",
        3 * MAX_SLOTS_EXAMINED
    );
}

#[test]
fn one_user_signing_out_all_day_holds_five_entries() {
    let list: RevocationList<[RevocationSlot; 64]> = RevocationList::new();
    for i in 0..10_000u64 {
        let now = NOW + i;
        let recorded = list
            .sign_out("mallory", &format!("session-{i}"), now)
            .unwrap();
        if i < MAX_SESSIONS_PER_SUBJECT as u64 {
            assert_eq!(recorded, SignOut::Session);
        } else {
            assert_eq!(
                recorded,
                SignOut::Subject {
                    issued_at_or_before: now
                }
            );
        }
    }
    let now = NOW + 10_000;
    assert_eq!(list.stats(now).held, MAX_SESSIONS_PER_SUBJECT + 1);
    // Every one of mallory's tokens issued until the last sign-out is denied; later ones pass.
    assert!(revoked(
        &list,
        &payload("mallory", "j", "session-9999", Some(now - 1))
    ));
    assert!(!revoked(
        &list,
        &payload("mallory", "j", "new", Some(now + 1))
    ));
    // Everyone else still signs out one session at a time.
    for u in 0..40 {
        let sub = format!("user-{u}");
        assert_eq!(
            list.sign_out(&sub, &format!("s-{u}"), now),
            Ok(SignOut::Session)
        );
        assert!(revoked(
            &list,
            &payload(&sub, "j", &format!("s-{u}"), Some(now))
        ));
        assert!(!revoked(&list, &payload(&sub, "j", "other", Some(now))));
    }
    // Past 7/8 of the list, sign-outs record users (one entry each, merged).
    for u in 40.. {
        if list.stats(now).held * 8 >= 64 * 7 {
            break;
        }
        list.sign_out(&format!("user-{u}"), &format!("s-{u}"), now)
            .unwrap();
    }
    let r = list.sign_out("user-0", "s-second", now + 1).unwrap();
    assert_eq!(
        r,
        SignOut::Subject {
            issued_at_or_before: now + 1
        }
    );
}

/// Random sequences of revocations, sign-outs, checks and clock steps against a plain map.
#[test]
fn the_list_agrees_with_a_reference_model() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let cases = 3000;
    let mut total = super::model::Seen::default();
    for _ in 0..cases {
        let len = 3 + usize::try_from(next() % 1200).unwrap();
        let data: std::vec::Vec<u8> = (0..len).map(|_| next().to_le_bytes()[3]).collect();
        let seen = super::model::run(&data);
        total.ops += seen.ops;
        total.full += seen.full;
        total.subjects += seen.subjects;
        total.revoked += seen.revoked;
    }
    assert!(
        total.full > 1000 && total.subjects > 1000 && total.revoked > 1000,
        "{total:?}"
    );
    std::println!(
        "model: {cases} cases, {} operations, {} refused full, {} sign-outs of a user, {} checks revoked",
        total.ops, total.full, total.subjects, total.revoked
    );
}

#[test]
fn refused_inputs() {
    let off: RevocationList<[RevocationSlot; 0]> = RevocationList::new();
    assert_eq!(
        off.revoke(Revocation::OriginJti("o"), NOW),
        Err(RevokeError::Disabled)
    );
    assert!(!revoked(&off, &payload("u", "j", "o", Some(NOW))));
    let list: RevocationList<[RevocationSlot; 8]> = RevocationList::new();
    assert_eq!(
        list.revoke(Revocation::Jti { jti: "", exp: NOW }, NOW),
        Err(RevokeError::EmptyValue)
    );
    assert_eq!(RevokeError::Full.code(), "revocation_list_full");
}

#[test]
fn capacity_is_whole_buckets() {
    let list: RevocationList<[RevocationSlot; 12]> = RevocationList::new();
    assert_eq!(list.stats(NOW).capacity, 8);
    for i in 0..8 {
        list.revoke(Revocation::OriginJti(&format!("o{i}")), NOW)
            .unwrap();
    }
    assert_eq!(
        list.revoke(Revocation::OriginJti("o8"), NOW),
        Err(RevokeError::Full)
    );
    let small: RevocationList<[RevocationSlot; 5]> = RevocationList::new();
    assert_eq!(small.stats(NOW).capacity, 5);
}

/// A slot left mid-write (a writer preempted between its stores, as by an interrupt that then
/// verifies on the same core): a check gives up after `MAX_READ_RETRIES` reads, answers
/// "revoked" and counts it, instead of spinning for ever.
#[test]
fn a_slot_stuck_mid_write_fails_closed_and_is_counted() {
    let list: RevocationList<[RevocationSlot; 8]> = RevocationList::new();
    list.revoke(Revocation::OriginJti("held"), NOW).unwrap();
    let p = payload("u", "j", "other", Some(NOW));
    assert!(!revoked(&list, &p));
    let slot = list.slots().iter().find(|s| !s.entry.is_empty()).unwrap();
    let seq = slot.entry.stall();
    assert!(revoked(&list, &p), "a busy slot answers on the safe side");
    assert_eq!(list.stats(NOW).contended, 1);
    slot.entry.resume(seq);
    assert!(!revoked(&list, &p));
    assert_eq!(list.stats(NOW).contended, 1);
}

#[test]
fn a_slot_is_32_bytes() {
    assert_eq!(core::mem::size_of::<RevocationSlot>(), 32);
}
