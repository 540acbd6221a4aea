//! JSON strings as the document holds them, escapes still encoded, and their decoding.

use core::str::Chars;

/// A JSON string as it appears in the document, escapes still encoded.
#[derive(Clone, Copy, Debug)]
pub struct JsonStr<'a> {
    // The reader (`super`) builds these views as it validates, and reads them for duplicates.
    pub(super) raw: &'a str,
    pub(super) escaped: bool,
}

impl<'a> JsonStr<'a> {
    pub(crate) const EMPTY: JsonStr<'static> = JsonStr {
        raw: "",
        escaped: false,
    };

    /// A view of `raw`, string content the reader validated before (the verdict memo rebuilds
    /// claims over a copy of a payload it read).
    #[cfg(feature = "alloc")]
    pub(crate) const fn new(raw: &'a str, escaped: bool) -> Self {
        JsonStr { raw, escaped }
    }

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
