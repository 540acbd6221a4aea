//! The list on its own: what each kind covers, lifetimes, a full list, overflowing buckets.
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
fn overflowing_buckets_are_followed() {
    // 512 entries in 64 buckets of 8 fill it completely: many entries land beyond their bucket.
    let list: RevocationList<[RevocationSlot; 512]> = RevocationList::new();
    let ids: std::vec::Vec<String> = (0..512).map(|i| format!("{i:08x}-jti")).collect();
    for id in &ids {
        list.revoke(
            Revocation::Jti {
                jti: id,
                exp: NOW + 60,
            },
            NOW,
        )
        .unwrap();
    }
    assert_eq!(list.stats(NOW).held, 512);
    for id in &ids {
        assert!(revoked(&list, &payload("u", id, "o", Some(NOW))), "{id}");
    }
    assert_eq!(
        list.revoke(
            Revocation::Jti {
                jti: "x",
                exp: NOW + 60
            },
            NOW
        ),
        Err(RevokeError::Full)
    );
    // Revoking one again finds it wherever it went, and uses no slot.
    list.revoke(
        Revocation::Jti {
            jti: &ids[7],
            exp: NOW + 90,
        },
        NOW,
    )
    .unwrap();
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
