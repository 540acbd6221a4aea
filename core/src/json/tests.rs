//! The reader's own tests: the SWAR scan, duplicate names, grammar, depth, decoding.

use super::*;

fn parse(doc: &str) -> Result<usize, Malformed> {
    let mut n = 0;
    object_members(doc, Malformed, |_, _| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

/// The SWAR scan agrees with a byte-by-byte one for every special byte at every offset of
/// a 24-byte window, over backgrounds that tempt the borrow tricks (0x00-adjacent, 0x21,
/// 0x5D, 0x80, 0xFF).
#[test]
fn plain_prefix_matches_bytewise_scan() {
    fn naive(s: &[u8]) -> usize {
        s.iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(s.len())
    }
    let specials = [b'"', b'\\', 0x00, 0x01, 0x1F];
    let backgrounds = [b'a', 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF];
    let mut cases = 0;
    for &bg in &backgrounds {
        for len in 0..24 {
            let mut s = [bg; 24];
            assert_eq!(plain_prefix(&s[..len]), naive(&s[..len]));
            for pos in 0..len {
                for &sp in &specials {
                    s[pos] = sp;
                    // A second special byte later, and one just before a chunk border.
                    for &(extra, at) in &[(0u8, None), (b'"', Some(len - 1)), (0x1F, Some(7))] {
                        let mut t = s;
                        if let Some(at) = at.filter(|&a| a < len && extra != 0) {
                            t[at] = extra;
                        }
                        assert_eq!(plain_prefix(&t[..len]), naive(&t[..len]), "{t:?} {len}");
                        cases += 1;
                    }
                    s[pos] = bg;
                }
            }
        }
    }
    assert_eq!(cases, 10 * 276 * 5 * 3);
}

#[test]
fn duplicate_names_are_found_whatever_their_tags() {
    for doc in [
        r#"{"iss":1,"sub":2,"aud":3,"exp":4,"iat":5,"jti":6,"sub":7}"#,
        r#"{"a":1,"\u0061":2}"#,
        r#"{"\u0061":1,"a":2}"#,
        r#"{"ab":{"x":1},"c":2,"ab":3}"#,
        r#"{"":1,"":2}"#,
    ] {
        assert_eq!(parse(doc), Err(Malformed), "{doc}");
    }
    // Same tag ingredients (length, first and last byte), different names.
    assert_eq!(parse(r#"{"axb":1,"ayb":2,"a\u007ab":3}"#), Ok(3));
    assert_eq!(parse(r#"{"axb":1,"ayb":2,"a\u0078b":3}"#), Err(Malformed));
}

#[test]
fn accepts_valid_documents() {
    assert_eq!(parse(r#"{}"#), Ok(0));
    assert_eq!(
        parse(r#" {"a":1,"b":[1,2,{"c":null}],"d":{"e":true},"f":"x\u0041\ud83d\ude00"} "#),
        Ok(4)
    );
    assert_eq!(parse(r#"{"n":-0.5e+10,"m":0,"o":1E3}"#), Ok(3));
}

#[test]
fn rejects_invalid_documents() {
    for bad in [
        "",
        "[]",
        "1",
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        r#"{"a":01}"#,
        r#"{"a":1.}"#,
        r#"{"a":-}"#,
        r#"{"a":"\x"}"#,
        r#"{"a":"\ud800"}"#,
        r#"{"a":"\udc00"}"#,
        "{\"a\":\"\u{1}\"}",
        r#"{"a":1,"a":2}"#,
        r#"{"a":1,"\u0061":2}"#,
        r#"{"o":{"x":1,"x":2}}"#,
        r#"{"a":tru}"#,
        r#"{"a":1}x"#,
        r#"{"a":[1,]}"#,
        r#"{"a":"unterminated}"#,
    ] {
        assert_eq!(parse(bad), Err(Malformed), "{bad}");
    }
}

#[test]
fn same_names_in_sibling_objects_are_fine() {
    assert_eq!(parse(r#"{"a":{"x":1},"b":{"x":2},"x":3}"#), Ok(3));
}

#[test]
fn bounds_depth() {
    let mut deep = [0u8; 64];
    let open = MAX_DEPTH + 1;
    // {"a":{"a":...{}...}}
    let mut s = heapless_string();
    for _ in 0..open - 1 {
        s.push_str(r#"{"a":"#);
    }
    s.push_str("{}");
    for _ in 0..open - 1 {
        s.push('}');
    }
    assert_eq!(parse(&s), Err(Malformed));
    let _ = &mut deep;
    let ok = &s[5..s.len() - 1];
    assert_eq!(parse(ok), Ok(1));
}

extern crate std;
fn heapless_string() -> std::string::String {
    std::string::String::new()
}

#[test]
fn decodes_strings() {
    let mut seen = None;
    object_members(r#"{"k":"a\/b\u0041\n\ud83d\ude00"}"#, Malformed, |_, v| {
        if let Value::Str(s) = v {
            seen = Some(s);
        }
        Ok(())
    })
    .unwrap();
    let s = seen.unwrap();
    assert!(s == "a/bA\n\u{1F600}");
    assert!(s.as_str().is_none());
    let mut buf = [0u8; 16];
    assert_eq!(s.decode_into(&mut buf), Some("a/bA\n\u{1F600}"));
    assert!(s.eq_concat(&["a/", "bA\n", "\u{1F600}"]));
    assert!(!s.eq_concat(&["a/", "bA\n"]));
}

#[test]
fn integers() {
    for (t, v) in [
        ("0", Some(0)),
        ("-5", Some(-5)),
        ("1.0", None),
        ("1e3", None),
        ("99999999999999999999", None),
    ] {
        assert_eq!(Value::Num(t).as_i64(), v, "{t}");
    }
}
