//! The claims as a dict: the payload's JSON converted to Python objects exactly as `json.loads`
//! converts it, written here rather than calling `json.loads` because this part runs holding the
//! GIL: `json.loads` builds objects of its own (its scanner's memo, a regex match, tuples) and a
//! new string per member name, and every object made while the GIL is held is work the other
//! threads wait for, in memory that bounces between cores as the GIL does (Python's allocator
//! hands a block one thread freed to the next thread that asks). Short strings that recur from
//! token to token (member names, `iss`, `aud`, `token_use`, groups) come from each thread's own
//! small cache instead of being made again.
//!
//! The core has checked the payload (valid JSON, UTF-8, escapes and surrogate pairs, no
//! duplicate members, depth bounded), so this reader only converts; anything it does not expect
//! (an integer beyond 64 bits, say) is handed to `json.loads` instead, which gives the same
//! objects.

use core::cell::RefCell;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString};

/// Slots of each thread's string cache, and the longest string kept.
const SLOTS: usize = 256;
const CACHED_BYTES: usize = 64;

/// A slot of the string cache: a text and its Python string.
type Slot = Option<(Box<str>, Py<PyString>)>;

thread_local! {
    /// Each thread's strings, direct-mapped by a hash of their text: a string that recurs is
    /// made once per thread, and each thread touches only its own strings' reference counts (an
    /// interned string would be one object for every thread). A slot holds the last string that
    /// hashed to it.
    static STRINGS: RefCell<Vec<Slot>> =
        RefCell::new((0..SLOTS).map(|_| None).collect());
}

/// The Python string of `text`, from this thread's cache when short.
fn py_string<'py>(py: Python<'py>, text: &str) -> Bound<'py, PyString> {
    if text.len() > CACHED_BYTES {
        return PyString::new(py, text);
    }
    // The length and the first and last 8 bytes, mixed: constant time, and enough to spread the
    // strings of a token (a collision only costs a string made again).
    let b = text.as_bytes();
    let word = |at: usize| {
        let mut w = [0u8; 8];
        let part = b.get(at..).unwrap_or_default();
        let n = part.len().min(8);
        w[..n].copy_from_slice(&part[..n]);
        u64::from_le_bytes(w)
    };
    let mixed = (word(0) ^ word(b.len().saturating_sub(8)).rotate_left(29) ^ b.len() as u64)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let hash = mixed >> 32;
    let slot = usize::try_from(hash % SLOTS as u64).unwrap_or(0);
    STRINGS.with_borrow_mut(|cache| match cache.get_mut(slot) {
        Some(Some((held, s))) if **held == *text => s.bind(py).clone(),
        Some(entry) => {
            let s = PyString::new(py, text);
            *entry = Some((text.into(), s.clone().unbind()));
            s
        }
        None => PyString::new(py, text),
    })
}

/// `json.loads`, looked up once.
fn json_loads(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LOADS.import(py, "json", "loads")
}

/// The payload's JSON as Python objects: a dict for a token's payload.
pub(crate) fn to_python<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    let mut r = Reader {
        py,
        text: json,
        s: json.as_bytes(),
        pos: 0,
    };
    match r.value() {
        Some(v) if r.at_end() => Ok(v),
        _ => json_loads(py)?.call1((json,)),
    }
}

struct Reader<'py, 'a> {
    py: Python<'py>,
    /// The JSON, as text (slices of it need no UTF-8 check: the core made one) and as bytes.
    text: &'a str,
    s: &'a [u8],
    pos: usize,
}

impl<'py, 'a> Reader<'py, 'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn at_end(&mut self) -> bool {
        self.ws();
        self.pos == self.s.len()
    }

    fn value(&mut self) -> Option<Bound<'py, PyAny>> {
        self.ws();
        let py = self.py;
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                let d = PyDict::new(py);
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        let k = self.name()?;
                        if !self.eat(b':') {
                            return None;
                        }
                        let v = self.value()?;
                        d.set_item(k, v).ok()?;
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(d.into_any())
            }
            b'[' => {
                self.pos += 1;
                let l = PyList::empty(py);
                if !self.eat(b']') {
                    loop {
                        l.append(self.value()?).ok()?;
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(l.into_any())
            }
            b'"' => {
                let s = self.string()?;
                Some(py_string(py, &s).into_any())
            }
            b't' => self.literal("true", true.into_pyobject(py).ok()?.to_owned().into_any()),
            b'f' => self.literal("false", false.into_pyobject(py).ok()?.to_owned().into_any()),
            b'n' => self.literal("null", py.None().into_bound(py)),
            _ => self.number(),
        }
    }

    fn literal(&mut self, word: &str, v: Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
        let end = self.pos.checked_add(word.len())?;
        (self.s.get(self.pos..end)? == word.as_bytes()).then(|| {
            self.pos = end;
            v
        })
    }

    /// An integer as `int` (within 64 bits; beyond, `json.loads`), else a `float` of the same
    /// text: both parse to the nearest double.
    fn number(&mut self) -> Option<Bound<'py, PyAny>> {
        let start = self.pos;
        let mut float = false;
        while let Some(b) = self.peek() {
            match b {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => float = true,
                _ => break,
            }
            self.pos += 1;
        }
        let text = self.text.get(start..self.pos)?;
        if float {
            let f: f64 = text.parse().ok()?;
            Some(f.into_pyobject(self.py).ok()?.into_any())
        } else {
            let i: i64 = text.parse().ok()?;
            Some(i.into_pyobject(self.py).ok()?.into_any())
        }
    }

    /// A string's text, escapes decoded.
    fn string(&mut self) -> Option<std::borrow::Cow<'a, str>> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        let (s, text): (&'a [u8], &'a str) = (self.s, self.text);
        let close = start
            + s.get(start..)?
                .iter()
                .position(|&b| b == b'"' || b == b'\\')?;
        if s.get(close) == Some(&b'"') {
            self.pos = close + 1;
            return text.get(start..close).map(Into::into);
        }
        // Escapes (rare in tokens): decoded one by one.
        let mut out = String::from(text.get(start..close)?);
        self.pos = close;
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(out.into());
                }
                b'\\' => {
                    self.pos += 1;
                    let e = self.peek()?;
                    self.pos += 1;
                    out.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    });
                }
                _ => {
                    let from = self.pos;
                    let n = s
                        .get(from..)?
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\')?;
                    self.pos = from + n;
                    out.push_str(text.get(from..self.pos)?);
                }
            }
        }
    }

    /// The character of `\uXXXX` (after `\u`), a surrogate pair read whole.
    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.s.get(self.pos..self.pos + 2)? != b"\\u" {
                return None;
            }
            self.pos += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return None;
            }
            return char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
        }
        char::from_u32(hi)
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.text.get(self.pos..self.pos + 4)?;
        self.pos += 4;
        u32::from_str_radix(h, 16).ok()
    }

    /// A member name.
    fn name(&mut self) -> Option<Bound<'py, PyString>> {
        let text = self.string()?;
        Some(py_string(self.py, &text))
    }
}
