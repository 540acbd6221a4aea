//! A validating, heap-free JSON reader (RFC 8259) for token headers, payloads and key sets.
//!
//! One pass checks the whole document: grammar, UTF-8, escapes (including surrogate pairs),
//! nesting depth and duplicate member names at every level. Values come back as borrowed views;
//! nested arrays and objects as their raw text, which is cheap to walk again because it is
//! already known to be valid. Hand-written because no maintained `no_std` JSON crate both
//! rejects duplicate names and works without a heap (serde-json-core accepts duplicates).

mod string;

pub use string::{DecodedChars, JsonStr};

/// Deepest nesting accepted (the top-level object is depth 1). Cognito tokens use 3.
pub(crate) const MAX_DEPTH: usize = 16;
/// Member names tracked at once across all open objects, for duplicate detection.
const MAX_OPEN_NAMES: usize = 128;

/// A JSON syntax or limit violation; callers map it to their own error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Malformed;

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
mod tests;
