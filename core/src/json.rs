//! A validating, heap-free JSON reader (RFC 8259) for token headers, payloads and key sets.
//!
//! One pass checks the whole document: grammar, UTF-8, escapes (including surrogate pairs),
//! nesting depth and duplicate member names at every level. Values come back as borrowed views;
//! nested arrays and objects as their raw text, which is cheap to walk again because it is
//! already known to be valid. Hand-written because no maintained `no_std` JSON crate both
//! rejects duplicate names and works without a heap (serde-json-core accepts duplicates).

use core::str::Chars;

/// Deepest nesting accepted (the top-level object is depth 1). Cognito tokens use 3.
pub(crate) const MAX_DEPTH: usize = 16;
/// Member names tracked at once across all open objects, for duplicate detection.
const MAX_OPEN_NAMES: usize = 128;

/// A JSON syntax or limit violation; callers map it to their own error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Malformed;

/// A JSON string as it appears in the document, escapes still encoded.
#[derive(Clone, Copy, Debug)]
pub struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> JsonStr<'a> {
    pub(crate) const EMPTY: JsonStr<'static> = JsonStr {
        raw: "",
        escaped: false,
    };

    /// The string's text between the quotes, escape sequences not decoded.
    ///
    /// It is valid JSON string content, so it can be written between quotes into JSON output as is.
    #[must_use]
    pub fn raw_json(&self) -> &'a str {
        self.raw
    }

    /// The decoded string when it has no escape sequences, which is the common case.
    #[must_use]
    pub fn as_str(&self) -> Option<&'a str> {
        (!self.escaped).then_some(self.raw)
    }

    /// The decoded characters.
    pub fn chars(&self) -> DecodedChars<'a> {
        DecodedChars {
            inner: self.raw.chars(),
        }
    }

    /// Decodes into `out` and returns the decoded text, or `None` if `out` is too small.
    pub fn decode_into<'o>(&self, out: &'o mut [u8]) -> Option<&'o str> {
        if let Some(s) = self.as_str() {
            let dst = out.get_mut(..s.len())?;
            dst.copy_from_slice(s.as_bytes());
            return core::str::from_utf8(dst).ok();
        }
        let mut n = 0usize;
        for c in self.chars() {
            let len = c.len_utf8();
            let dst = out.get_mut(n..n.checked_add(len)?)?;
            c.encode_utf8(dst);
            n += len;
        }
        core::str::from_utf8(out.get(..n)?).ok()
    }

    /// The decoded text for matching against known member names: borrowed when there are no
    /// escapes, else decoded into `buf`; an empty string when it does not fit (no known name is
    /// that long).
    pub(crate) fn name<'o>(&self, buf: &'o mut [u8; 32]) -> &'o str
    where
        'a: 'o,
    {
        match self.as_str() {
            Some(s) => s,
            None => self.decode_into(buf).unwrap_or(""),
        }
    }

    /// Whether the decoded string equals the concatenation of `parts`, without allocating.
    pub(crate) fn eq_concat(&self, parts: &[&str]) -> bool {
        if !self.escaped {
            let mut rest = self.raw;
            for p in parts {
                match rest.strip_prefix(p) {
                    Some(r) => rest = r,
                    None => return false,
                }
            }
            return rest.is_empty();
        }
        let mut mine = self.chars();
        parts
            .iter()
            .flat_map(|p| p.chars())
            .all(|c| mine.next() == Some(c))
            && mine.next().is_none()
    }

    /// Whether `word` is one of the space-separated words of the decoded string.
    pub(crate) fn has_word(&self, word: &str) -> bool {
        if word.is_empty() {
            return false;
        }
        if let Some(s) = self.as_str() {
            // Bytes, not `str::split(' ')`: the same words without the generic char searcher.
            return s
                .as_bytes()
                .split(|b| *b == b' ')
                .any(|w| w == word.as_bytes());
        }
        let mut it = self.chars().peekable();
        while it.peek().is_some() {
            let mut expected = word.chars();
            let mut same = true;
            for c in it.by_ref() {
                if c == ' ' {
                    break;
                }
                same &= expected.next() == Some(c);
            }
            if same && expected.next().is_none() {
                return true;
            }
        }
        false
    }
}

impl PartialEq<str> for JsonStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_concat(&[other])
    }
}

impl PartialEq<&str> for JsonStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_concat(&[other])
    }
}

impl PartialEq for JsonStr<'_> {
    fn eq(&self, other: &JsonStr<'_>) -> bool {
        if !self.escaped && !other.escaped {
            return self.raw == other.raw;
        }
        self.chars().eq(other.chars())
    }
}

impl core::fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if let Some(s) = self.as_str() {
            return f.write_str(s);
        }
        self.chars()
            .try_for_each(|c| core::fmt::Write::write_char(f, c))
    }
}

/// Iterator over the decoded characters of a [`JsonStr`].
#[derive(Clone, Debug)]
pub struct DecodedChars<'a> {
    inner: Chars<'a>,
}

impl Iterator for DecodedChars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.inner.next()?;
        if c != '\\' {
            return Some(c);
        }
        // The document was validated, so every escape here is well formed.
        Some(match self.inner.next()? {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = hex4(&mut self.inner)?;
                if (0xD800..0xDC00).contains(&hi) {
                    self.inner.next(); // '\\'
                    self.inner.next(); // 'u'
                    let lo = hex4(&mut self.inner)?;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00)))?
                } else {
                    char::from_u32(hi)?
                }
            }
            other => other,
        })
    }
}

fn hex4(it: &mut Chars<'_>) -> Option<u32> {
    let mut v = 0u32;
    for _ in 0..4 {
        v = v << 4 | it.next()?.to_digit(16)?;
    }
    Some(v)
}

/// A member value or array element.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Str(JsonStr<'a>),
    /// The number's text, grammar already checked.
    Num(&'a str),
    Bool(bool),
    Null,
    /// Raw text of a nested array, `[` to `]`.
    Array(&'a str),
    /// Raw text of a nested object, `{` to `}`.
    Object(&'a str),
}

impl Value<'_> {
    /// The value as an integer if it is written as one (no fraction, no exponent) and fits.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        let Value::Num(s) = self else { return None };
        let (neg, digits) = match s.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, *s),
        };
        if digits.is_empty() {
            return None;
        }
        let mut v: i64 = 0;
        for b in digits.bytes() {
            let d = i64::from(b.checked_sub(b'0').filter(|d| *d < 10)?);
            v = v.checked_mul(10)?.checked_add(d)?;
        }
        Some(if neg { -v } else { v })
    }
}

/// Validates a whole document whose top level is an object and calls `f` for each top-level
/// member. Syntax and limit violations come back as `malformed`; errors of `f` as they are.
pub(crate) fn object_members<'a, E>(
    doc: &'a str,
    malformed: E,
    mut f: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), E>,
) -> Result<(), E> {
    let mut p = Parser::new(doc);
    p.ws();
    let r = if p.peek() == Some(b'{') {
        p.object(1, &mut |n, v| f(n, v).map_err(Stop::User))
    } else {
        Err(Stop::Syntax)
    };
    p.ws();
    match r {
        Ok(()) if p.pos == p.s.len() => Ok(()),
        Ok(()) | Err(Stop::Syntax) => Err(malformed),
        Err(Stop::User(e)) => Err(e),
    }
}

/// Why a walk stopped: bad JSON, or the caller's callback said so.
enum Stop<E> {
    Syntax,
    User(E),
}

impl<E> From<Malformed> for Stop<E> {
    fn from(_: Malformed) -> Self {
        Stop::Syntax
    }
}

/// Iterator over the strings of an array that was validated to hold only strings.
#[derive(Clone, Debug)]
pub struct StrArray<'a> {
    rest: &'a str,
}

impl<'a> StrArray<'a> {
    /// `raw` is the array's text, `[` to `]`, already validated.
    pub(crate) fn new(raw: &'a str) -> Self {
        StrArray { rest: raw }
    }
}

impl<'a> Iterator for StrArray<'a> {
    type Item = JsonStr<'a>;

    fn next(&mut self) -> Option<JsonStr<'a>> {
        let start = self.rest.bytes().position(|b| b == b'"')? + 1;
        let body = self.rest.get(start..)?;
        let bytes = body.as_bytes();
        let mut i = 0;
        let mut escaped = false;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        let raw = body.get(..i)?;
        self.rest = body.get(i + 1..)?;
        Some(JsonStr { raw, escaped })
    }
}

/// Calls `f` for each element of an array already validated by [`object_members`].
pub(crate) fn array_elements<'a>(
    raw: &'a str,
    mut f: impl FnMut(Value<'a>) -> Result<(), Malformed>,
) -> Result<(), Malformed> {
    let mut p = Parser::new(raw);
    p.expect(b'[')?;
    p.ws();
    if p.eat(b']') {
        return Ok(());
    }
    loop {
        let v = p.value(2)?;
        f(v)?;
        p.ws();
        if p.eat(b']') {
            return Ok(());
        }
        p.expect(b',')?;
    }
}

struct Parser<'a> {
    s: &'a [u8],
    doc: &'a str,
    pos: usize,
    /// Where the member names of every open object start, innermost last. Only starts are
    /// kept (the end is the closing quote) to keep the stack small on microcontrollers.
    names: [u32; MAX_OPEN_NAMES],
    /// A one-byte fingerprint of each name in `names` (see [`name_tag`]): names whose tags
    /// differ cannot be equal, so most pairs are told apart without reading them again.
    tags: [u8; MAX_OPEN_NAMES],
    open: usize,
}

/// Fingerprint of a member name for duplicate detection: equal names have equal tags. Names
/// with escapes get 0, which matches everything, because their raw text is not their value.
fn name_tag(name: &JsonStr<'_>) -> u8 {
    if name.escaped {
        return 0;
    }
    let b = name.raw.as_bytes();
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a hash: wrapping is intended"
    )]
    let len = b.len() as u8;
    let first = b.first().copied().unwrap_or(0);
    let last = b.last().copied().unwrap_or(0);
    (len.wrapping_mul(37) ^ first ^ last.rotate_left(4)).max(1)
}

/// Length of the leading run of bytes that need no attention inside a JSON string: anything
/// but `"`, `\` and control characters. Eight bytes at a time (SWAR) because string contents
/// are most of a token's payload; the document is already valid UTF-8, so bytes of multi-byte
/// characters are simply skipped.
fn plain_prefix(s: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The lowest flagged byte of each test is exact (a borrow only reaches bytes above a true
    // match), so the lowest flag of all three is the first special byte.
    let mut i = 0;
    for chunk in s.chunks_exact(8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let x = u64::from_le_bytes(bytes);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let special = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | x.wrapping_sub(ONES * 0x20) & !x)
            & HIGH;
        if special != 0 {
            return i + special.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    while s
        .get(i)
        .is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20)
    {
        i += 1;
    }
    i
}

impl<'a> Parser<'a> {
    fn new(doc: &'a str) -> Self {
        Parser {
            s: doc.as_bytes(),
            doc,
            pos: 0,
            names: [0; MAX_OPEN_NAMES],
            tags: [0; MAX_OPEN_NAMES],
            open: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), Malformed> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn slice(&self, start: usize, end: usize) -> Result<&'a str, Malformed> {
        // Boundaries are always at ASCII delimiters, so this never splits a character.
        self.doc.get(start..end).ok_or(Malformed)
    }

    fn object<E>(
        &mut self,
        depth: usize,
        f: &mut dyn FnMut(JsonStr<'a>, Value<'a>) -> Result<(), Stop<E>>,
    ) -> Result<(), Stop<E>> {
        if depth > MAX_DEPTH {
            return Err(Stop::Syntax);
        }
        self.expect(b'{')?;
        let first_name = self.open;
        self.ws();
        if !self.eat(b'}') {
            loop {
                self.ws();
                let (start, name) = self.string()?;
                self.check_duplicate(first_name, start, name)?;
                self.ws();
                self.expect(b':')?;
                let v = self.value(depth + 1)?;
                f(name, v)?;
                self.ws();
                if self.eat(b'}') {
                    break;
                }
                self.expect(b',')?;
            }
        }
        self.open = first_name;
        Ok(())
    }

    fn check_duplicate(
        &mut self,
        first: usize,
        start: usize,
        name: JsonStr<'a>,
    ) -> Result<(), Malformed> {
        let tag = name_tag(&name);
        let names = self.names.get(first..self.open).unwrap_or(&[]);
        let tags = self.tags.get(first..self.open).unwrap_or(&[]);
        for (&s, &t) in names.iter().zip(tags) {
            if (t == tag || t == 0 || tag == 0) && self.name_at(s as usize)? == name {
                return Err(Malformed);
            }
        }
        let slot = self.names.get_mut(self.open).ok_or(Malformed)?;
        *slot = u32::try_from(start).map_err(|_| Malformed)?;
        let slot = self.tags.get_mut(self.open).ok_or(Malformed)?;
        *slot = tag;
        self.open += 1;
        Ok(())
    }

    /// The already validated name whose content starts at `start`.
    fn name_at(&self, start: usize) -> Result<JsonStr<'a>, Malformed> {
        let rest = self.s.get(start..).ok_or(Malformed)?;
        let mut i = 0;
        let mut escaped = false;
        loop {
            match rest.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(_) => i += 1,
                None => return Err(Malformed),
            }
        }
        Ok(JsonStr {
            raw: self.slice(start, start + i)?,
            escaped,
        })
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, Malformed> {
        self.ws();
        let start = self.pos;
        match self.peek().ok_or(Malformed)? {
            b'"' => Ok(Value::Str(self.string()?.1)),
            b'{' => {
                self.object::<Malformed>(depth, &mut |_, _| Ok(()))
                    .map_err(|_| Malformed)?;
                Ok(Value::Object(self.slice(start, self.pos)?))
            }
            b'[' => {
                if depth > MAX_DEPTH {
                    return Err(Malformed);
                }
                self.pos += 1;
                self.ws();
                if !self.eat(b']') {
                    loop {
                        self.value(depth + 1)?;
                        self.ws();
                        if self.eat(b']') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Value::Array(self.slice(start, self.pos)?))
            }
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            _ => {
                self.number()?;
                Ok(Value::Num(self.slice(start, self.pos)?))
            }
        }
    }

    fn literal(&mut self, word: &[u8], v: Value<'a>) -> Result<Value<'a>, Malformed> {
        if self.s.get(self.pos..).is_some_and(|r| r.starts_with(word)) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(Malformed)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<(), Malformed> {
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(Malformed),
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(Malformed);
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(Malformed);
            }
        }
        Ok(())
    }

    /// Parses a string; returns the offset of its content and the view.
    fn string(&mut self) -> Result<(usize, JsonStr<'a>), Malformed> {
        self.expect(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.pos += plain_prefix(self.s.get(self.pos..).unwrap_or(&[]));
            let b = self.peek().ok_or(Malformed)?;
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                0x00..=0x1F => return Err(Malformed),
                _ => {}
            }
        }
        let raw = self.slice(start, self.pos - 1)?;
        Ok((start, JsonStr { raw, escaped }))
    }

    fn escape(&mut self) -> Result<(), Malformed> {
        let b = self.peek().ok_or(Malformed)?;
        self.pos += 1;
        match b {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                let hi = self.hex4()?;
                match hi {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by an escaped low surrogate.
                        self.expect(b'\\')?;
                        self.expect(b'u')?;
                        match self.hex4()? {
                            0xDC00..=0xDFFF => Ok(()),
                            _ => Err(Malformed),
                        }
                    }
                    0xDC00..=0xDFFF => Err(Malformed),
                    _ => Ok(()),
                }
            }
            _ => Err(Malformed),
        }
    }

    fn hex4(&mut self) -> Result<u32, Malformed> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = char::from(self.peek().ok_or(Malformed)?)
                .to_digit(16)
                .ok_or(Malformed)?;
            self.pos += 1;
            v = v << 4 | d;
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
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
}
