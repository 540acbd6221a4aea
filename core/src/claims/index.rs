//! Where each claim of a payload sits ([`ClaimsIndex`]), so claims can be rebuilt over a copy of
//! the payload without reading it again: what the verdict memo keeps per token.

use super::{Claims, TokenUse};
use crate::json::JsonStr;

/// A string of the payload: its place and whether it holds escapes.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    len: u32,
    escaped: bool,
}

/// The located claims of one payload, as offsets into it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClaimsIndex {
    token_use: TokenUse,
    iss: Span,
    client: Span,
    exp: i64,
    iat: Option<i64>,
    nbf: Option<i64>,
    auth_time: Option<i64>,
    sub: Option<Span>,
    username: Option<Span>,
    jti: Option<Span>,
    origin_jti: Option<Span>,
    email: Option<Span>,
    scope: Option<Span>,
    groups: Option<Span>,
}

impl ClaimsIndex {
    /// The index of `claims`, or `None` for a payload longer than 4 GiB.
    pub(crate) fn of(claims: &Claims<'_>) -> Option<Self> {
        let base = claims.payload.as_ptr() as usize;
        let span = |raw: &str, escaped: bool| -> Option<Span> {
            Some(Span {
                start: u32::try_from((raw.as_ptr() as usize).checked_sub(base)?).ok()?,
                len: u32::try_from(raw.len()).ok()?,
                escaped,
            })
        };
        let s = |j: JsonStr<'_>| span(j.raw_json(), j.as_str().is_none());
        // `Some(None)`: absent; `None`: cannot be indexed.
        let opt = |j: Option<JsonStr<'_>>| match j {
            None => Some(None),
            Some(j) => s(j).map(Some),
        };
        Some(ClaimsIndex {
            token_use: claims.token_use,
            iss: s(claims.iss)?,
            client: s(claims.client)?,
            exp: claims.exp,
            iat: claims.iat,
            nbf: claims.nbf,
            auth_time: claims.auth_time,
            sub: opt(claims.sub)?,
            username: opt(claims.username)?,
            jti: opt(claims.jti)?,
            origin_jti: opt(claims.origin_jti)?,
            email: opt(claims.email)?,
            scope: opt(claims.scope)?,
            groups: match claims.groups {
                None => None,
                Some(g) => Some(span(g, false)?),
            },
        })
    }

    /// The claims over `payload`, a byte-for-byte copy of the payload this index was made of.
    /// A payload that is not such a copy gives wrong claims, never a panic.
    pub(crate) fn claims<'p>(&self, payload: &'p str) -> Claims<'p> {
        let raw = |s: Span| {
            let start = s.start as usize;
            payload
                .get(start..start.saturating_add(s.len as usize))
                .unwrap_or("")
        };
        let s = |s: Span| JsonStr::new(raw(s), s.escaped);
        Claims {
            payload,
            token_use: self.token_use,
            iss: s(self.iss),
            client: s(self.client),
            exp: self.exp,
            iat: self.iat,
            nbf: self.nbf,
            auth_time: self.auth_time,
            sub: self.sub.map(s),
            username: self.username.map(s),
            jti: self.jti.map(s),
            origin_jti: self.origin_jti.map(s),
            email: self.email.map(s),
            scope: self.scope.map(s),
            groups: self.groups.map(raw),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilt_claims_read_the_same() {
        let payload = r#"{"iss":"https://i","token_use":"access","client_id":"c\u0041","exp":9,"iat":1,"sub":"s","username":"u","jti":"j","origin_jti":"o","scope":"a b","cognito:groups":["g"]}"#;
        let claims = crate::claims::parse(payload).expect("parses");
        let index = ClaimsIndex::of(&claims).expect("indexed");
        let copy = std::string::String::from(payload);
        let again = index.claims(&copy);
        assert_eq!(again.payload_json(), payload);
        assert!(again.client_id() == "cA");
        assert!(again.issuer() == "https://i");
        assert_eq!((again.exp(), again.iat()), (9, Some(1)));
        assert!(again.sub().is_some_and(|s| s == "s") && again.has_scope("b"));
        assert!(again.in_group("g") && again.origin_jti().is_some_and(|o| o == "o"));
    }
}
