//! Where the bearer token is found: the `Authorization` header, then (if the application names
//! one) a cookie.

use http::header::{self, HeaderMap, HeaderValue};

/// What a request presents.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Presented<'h> {
    /// No bearer token: no `Authorization` header, another scheme, an empty one, no cookie.
    Nothing,
    /// A token, not yet verified.
    Token(&'h str),
    /// More than one `Authorization` header: which one counts is a guess we refuse to make.
    Ambiguous,
}

/// Cookies looked at: the first 4 `Cookie` headers, 64 pairs each, so a flood of cookies costs
/// a bounded scan.
const MAX_COOKIE_HEADERS: usize = 4;
const MAX_COOKIE_PAIRS: usize = 64;

pub(crate) fn presented<'h>(headers: &'h HeaderMap, cookie_name: Option<&str>) -> Presented<'h> {
    match bearer(headers) {
        Presented::Nothing => cookie_name
            .and_then(|name| cookie(headers, name))
            .map_or(Presented::Nothing, Presented::Token),
        other => other,
    }
}

fn bearer(headers: &HeaderMap) -> Presented<'_> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(v) = values.next() else {
        return Presented::Nothing;
    };
    if values.next().is_some() {
        return Presented::Ambiguous;
    }
    // Not ASCII: not a token Cognito issued; the verifier says why (malformed_token).
    let Some(v) = ascii(v) else {
        return Presented::Token("\u{fffd}");
    };
    match v.trim().split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => match rest.trim() {
            "" => Presented::Nothing,
            t => Presented::Token(t),
        },
        // Another scheme (Basic, ...) or a bare word: no bearer token was presented.
        _ => Presented::Nothing,
    }
}

/// The header's text when it is ASCII: `HeaderValue::to_str`, checked a word at a time (`to_str`
/// goes byte by byte, a cost a 1 KiB token pays on every request). The control characters
/// `to_str` also refuses never reach a parsed header value.
pub(crate) fn ascii(v: &HeaderValue) -> Option<&str> {
    core::str::from_utf8(v.as_bytes())
        .ok()
        .filter(|v| v.is_ascii())
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .take(MAX_COOKIE_HEADERS)
        .filter_map(ascii)
        .flat_map(|v| v.split(';').take(MAX_COOKIE_PAIRS))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn bearer_forms() {
        let cases: [(&[(&str, &str)], Presented<'_>); 8] = [
            (&[], Presented::Nothing),
            (&[("authorization", "Bearer abc")], Presented::Token("abc")),
            (
                &[("authorization", "bearer  abc ")],
                Presented::Token("abc"),
            ),
            (&[("authorization", "Bearer")], Presented::Nothing),
            (&[("authorization", "Bearer   ")], Presented::Nothing),
            (
                &[("authorization", "Basic YWxhZGRpbg==")],
                Presented::Nothing,
            ),
            (&[("authorization", "garbage")], Presented::Nothing),
            (
                &[("authorization", "Bearer a"), ("authorization", "Bearer b")],
                Presented::Ambiguous,
            ),
        ];
        for (pairs, want) in cases {
            assert_eq!(presented(&headers(pairs), None), want, "{pairs:?}");
        }
    }

    #[test]
    fn bytes_beyond_ascii_are_a_token_the_verifier_refuses() {
        // obs-text (not UTF-8) and UTF-8 alike, in the token or in the scheme: a token that
        // cannot be Cognito's, which the verifier refuses as malformed (not "no token").
        for value in [
            &b"Bearer abc\xff"[..],
            "Bearer t\u{f6}ken".as_bytes(),
            "B\u{e4}sic abc".as_bytes(),
        ] {
            let mut h = HeaderMap::new();
            h.append(
                "authorization",
                HeaderValue::from_bytes(value).expect("a header value"),
            );
            assert_eq!(
                presented(&h, None),
                Presented::Token("\u{fffd}"),
                "{value:?}"
            );
        }
    }

    #[test]
    fn cookie_only_when_named_and_after_the_header() {
        let h = headers(&[("cookie", "a=1; session=tok; b=2")]);
        assert_eq!(presented(&h, None), Presented::Nothing);
        assert_eq!(presented(&h, Some("session")), Presented::Token("tok"));
        assert_eq!(presented(&h, Some("other")), Presented::Nothing);
        let h = headers(&[("cookie", "session=tok"), ("authorization", "Bearer hdr")]);
        assert_eq!(presented(&h, Some("session")), Presented::Token("hdr"));
        let h = headers(&[("cookie", "session=")]);
        assert_eq!(presented(&h, Some("session")), Presented::Nothing);
    }
}
