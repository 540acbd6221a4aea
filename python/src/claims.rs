//! The claims as a dict: the payload's JSON converted to Python objects exactly as `json.loads`
//! converts it, written here rather than calling `json.loads` because the objects are made
//! holding the GIL, and every microsecond the GIL is held per token is one the other threads
//! may wait for (a thread that finds the GIL taken sleeps, and waking it is slow).
//!
//! So the work is split: [`Tape::read`] reads the JSON while the GIL is released (the walk,
//! escapes, numbers, each string's cache slot), into a flat list of the values to make, and
//! [`Tape::to_python`] only makes them. `json.loads` would also build objects of its own (its
//! scanner's memo, a regex match, tuples) and a new string per member name, in memory that
//! bounces between cores as the GIL does (Python's allocator hands a block one thread freed to
//! the next thread that asks). Short strings that recur from token to token (member names, `iss`,
//! `aud`, `token_use`, groups) come from each thread's own small cache instead of being made
//! again.
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
/// Slots of each thread's int cache, and its dict templates.
const INTS: usize = 8;
const TEMPLATES: usize = 4;

/// A slot of the string cache: a text and its Python string.
type Slot = Option<(Box<str>, Py<PyString>)>;

/// A payload's member names and a dict holding them, in order: a payload with the same names is
/// made as a copy of it (CPython clones a dict's table in one allocation) with its values set,
/// instead of growing a new dict twice on the way to a dozen members.
struct Template {
    names: Vec<Box<str>>,
    keys: Vec<Py<PyString>>,
    /// Holds the values of the payload it was made from (never handed out: each copy's values
    /// are all set).
    dict: Py<PyDict>,
    /// Which template this is, for a tape matched to it while the GIL was released.
    id: u64,
}

/// Each thread's objects: a string, an int or a dict's shape that recurs is made once per
/// thread, and each thread touches only its own objects' reference counts (an interned string
/// would be one object for every thread).
struct Cache {
    /// Direct-mapped by a hash of their text: a slot holds the last string that hashed to it.
    strings: Vec<Slot>,
    /// Direct-mapped by value: the time claims (`iat` and `auth_time` often equal).
    ints: [Option<(i64, Py<PyAny>)>; INTS],
    templates: [Option<Template>; TEMPLATES],
    /// The slot the next template replaces, and the id it gets.
    next: usize,
    made: u64,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache {
        strings: (0..SLOTS).map(|_| None).collect(),
        ints: Default::default(),
        templates: Default::default(),
        next: 0,
        made: 0,
    });
}

/// The cache slot of `text`; `None` for a string too long to keep.
fn slot(text: &str) -> Option<usize> {
    if text.len() > CACHED_BYTES {
        return None;
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
    usize::try_from((mixed >> 32) % SLOTS as u64).ok()
}

/// `json.loads`, looked up once.
fn json_loads(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LOADS.import(py, "json", "loads")
}

/// The payload's JSON as Python objects: a dict for a token's payload (read and made at once,
/// for the calls that are not on the hot path).
pub(crate) fn to_python<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    Tape::read(json).to_python(py, json)
}

/// One value of the payload, in document order.
#[derive(Clone, Copy)]
enum Item {
    /// An object of so many members, each a name (a `Str`) then its value.
    Dict(usize),
    /// An array of so many values.
    List(usize),
    /// A string: `len` bytes at `at` of the JSON, or of [`Tape::decoded`] when it had escapes;
    /// and its cache slot.
    Str {
        at: usize,
        len: usize,
        decoded: bool,
        slot: Option<usize>,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

/// The payload read without the GIL: the values to make, or `None` when `json.loads` makes them.
pub(crate) struct Tape {
    items: Option<Vec<Item>>,
    /// The text of the strings written with escapes, decoded.
    decoded: String,
    /// The template whose names the payload's members have: its slot and id.
    template: Option<(usize, u64)>,
}

impl Tape {
    /// Reads `json` (no Python object is touched: the GIL need not be held).
    pub(crate) fn read(json: &str) -> Tape {
        let mut r = Reader {
            text: json,
            s: json.as_bytes(),
            pos: 0,
            items: Vec::with_capacity(32),
            decoded: String::new(),
        };
        let ok = r.value().is_some() && r.at_end();
        let mut tape = Tape {
            items: ok.then_some(r.items),
            decoded: r.decoded,
            template: None,
        };
        // This thread's templates, read without the GIL (their names are Rust strings).
        tape.template = CACHE.with(|c| {
            let c = c.try_borrow().ok()?;
            c.templates.iter().enumerate().find_map(|(i, t)| {
                let t = t.as_ref()?;
                tape.has_names(json, &t.names).then_some((i, t.id))
            })
        });
        tape
    }

    /// The text of a `Str` item.
    fn text<'a>(&'a self, json: &'a str, item: Item) -> Option<&'a str> {
        match item {
            Item::Str {
                at, len, decoded, ..
            } => (if decoded { &self.decoded } else { json }).get(at..at + len),
            _ => None,
        }
    }

    /// The member names of the payload's dict, in order, by their items.
    fn names(&self) -> impl Iterator<Item = usize> + '_ {
        let items = self.items.as_deref().unwrap_or_default();
        let n = match items.first() {
            Some(Item::Dict(n)) => *n,
            _ => 0,
        };
        let mut at = 1;
        (0..n).map(move |_| {
            let name = at;
            at = skip(items, at + 1);
            name
        })
    }

    fn has_names(&self, json: &str, names: &[Box<str>]) -> bool {
        let items = self.items.as_deref().unwrap_or_default();
        matches!(items.first(), Some(Item::Dict(n)) if *n == names.len())
            && self.names().zip(names).all(|(i, name)| {
                let text = items.get(i).and_then(|&item| self.text(json, item));
                text == Some(&**name)
            })
    }

    /// The objects of the `json` this tape was read from.
    pub(crate) fn to_python<'py>(
        &self,
        py: Python<'py>,
        json: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Some(items) = self.items.as_deref() else {
            return json_loads(py)?.call1((json,));
        };
        let mut b = Builder {
            py,
            tape: self,
            items,
            next: 0,
            json,
        };
        // The cache borrowed once for the whole dict; busy (a finalizer that verifies, run by a
        // collection while a dict was made), the objects are made without it.
        CACHE.with(|cell| match cell.try_borrow_mut() {
            Ok(mut cache) => b.top(&mut cache),
            Err(_) => b.value(None),
        })
    }
}

/// The item after the value at `at` (and what it holds).
fn skip(items: &[Item], at: usize) -> usize {
    match items.get(at) {
        Some(Item::Dict(n)) => (0..*n).fold(at + 1, |i, _| skip(items, i + 1)),
        Some(Item::List(n)) => (0..*n).fold(at + 1, |i, _| skip(items, i)),
        _ => at + 1,
    }
}

/// Makes the objects of a tape, holding the GIL.
struct Builder<'py, 'a> {
    py: Python<'py>,
    tape: &'a Tape,
    items: &'a [Item],
    next: usize,
    json: &'a str,
}

impl<'py> Builder<'py, '_> {
    fn item(&mut self) -> PyResult<Item> {
        let item = self.items.get(self.next).copied();
        self.next += 1;
        item.ok_or_else(|| pyo3::exceptions::PyValueError::new_err("claims: tape ended"))
    }

    /// The payload: its dict from a template when one has its names, else made and kept as one.
    fn top(&mut self, cache: &mut Cache) -> PyResult<Bound<'py, PyAny>> {
        let Some(Item::Dict(n)) = self.items.first().copied() else {
            return self.value(Some(cache));
        };
        // Taken out of the cache while the values are made (they use the cache), then put back.
        let matched = self.tape.template.and_then(|(i, id)| {
            let slot = cache.templates.get_mut(i)?;
            slot.as_ref()
                .is_some_and(|t| t.id == id)
                .then(|| (i, slot.take()))
        });
        if let Some((i, Some(t))) = matched {
            let made = self.copied(&t, cache);
            if let Some(slot) = cache.templates.get_mut(i) {
                *slot = Some(t);
            }
            return made;
        }
        let d = self.value(Some(cache))?.cast_into::<PyDict>()?;
        let names = self.tape.names().collect::<Vec<_>>();
        let mut t = Template {
            names: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            dict: d.copy()?.unbind(),
            id: cache.made,
        };
        for (k, i) in d.keys().iter().zip(names) {
            let item = self.items.get(i).copied().unwrap_or(Item::Null);
            t.names
                .push(self.tape.text(self.json, item).unwrap_or_default().into());
            t.keys.push(k.cast_into::<PyString>()?.unbind());
        }
        let slot = cache.next;
        if let Some(s) = cache.templates.get_mut(slot) {
            *s = Some(t);
        }
        cache.next = (slot + 1) % TEMPLATES;
        cache.made += 1;
        Ok(d.into_any())
    }

    /// A copy of the template with the payload's values.
    fn copied(&mut self, t: &Template, cache: &mut Cache) -> PyResult<Bound<'py, PyAny>> {
        let d = t.dict.bind(self.py).copy()?;
        self.next = 1;
        for k in &t.keys {
            self.next += 1; // the name: the template's own string
            let v = self.value(Some(cache))?;
            d.set_item(k.bind(self.py), v)?;
        }
        Ok(d.into_any())
    }

    fn value(&mut self, mut cache: Option<&mut Cache>) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match self.item()? {
            Item::Dict(n) => {
                let d = PyDict::new(py);
                for _ in 0..n {
                    let k = self.value(cache.as_deref_mut())?;
                    let v = self.value(cache.as_deref_mut())?;
                    d.set_item(k, v)?;
                }
                d.into_any()
            }
            Item::List(n) => {
                let l = PyList::empty(py);
                for _ in 0..n {
                    l.append(self.value(cache.as_deref_mut())?)?;
                }
                l.into_any()
            }
            item @ Item::Str { slot, .. } => {
                let text = self.tape.text(self.json, item).unwrap_or_default();
                string(py, text, slot, cache)?.into_any()
            }
            Item::Int(i) => int(py, i, cache)?,
            Item::Float(f) => f.into_pyobject(py)?.into_any(),
            Item::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
            Item::Null => py.None().into_bound(py),
        })
    }
}

/// The Python string of `text`, from this thread's cache when it has a slot.
fn string<'py>(
    py: Python<'py>,
    text: &str,
    slot: Option<usize>,
    cache: Option<&mut Cache>,
) -> PyResult<Bound<'py, PyString>> {
    let entry = match (slot, cache) {
        (Some(slot), Some(cache)) => cache.strings.get_mut(slot),
        _ => None,
    };
    Ok(match entry {
        Some(Some((held, s))) if **held == *text => s.bind(py).clone(),
        Some(entry) => {
            let s = PyString::new(py, text);
            *entry = Some((text.into(), s.clone().unbind()));
            s
        }
        None => PyString::new(py, text),
    })
}

/// The Python int of `i`, from this thread's cache.
fn int<'py>(py: Python<'py>, i: i64, cache: Option<&mut Cache>) -> PyResult<Bound<'py, PyAny>> {
    let slot = usize::try_from((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 61).unwrap_or(0);
    let entry = cache.and_then(|c| c.ints.get_mut(slot));
    Ok(match entry {
        Some(Some((held, v))) if *held == i => v.bind(py).clone(),
        Some(entry) => {
            let v = i.into_pyobject(py)?.into_any();
            *entry = Some((i, v.clone().unbind()));
            v
        }
        None => i.into_pyobject(py)?.into_any(),
    })
}

/// Reads the JSON into a tape's items.
struct Reader<'a> {
    /// The JSON, as text (slices of it need no UTF-8 check: the core made one) and as bytes.
    text: &'a str,
    s: &'a [u8],
    pos: usize,
    items: Vec<Item>,
    decoded: String,
}

impl Reader<'_> {
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

    fn value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                let at = self.items.len();
                self.items.push(Item::Dict(0));
                let mut n = 0;
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        self.string()?;
                        if !self.eat(b':') {
                            return None;
                        }
                        self.value()?;
                        n += 1;
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                *self.items.get_mut(at)? = Item::Dict(n);
            }
            b'[' => {
                self.pos += 1;
                let at = self.items.len();
                self.items.push(Item::List(0));
                let mut n = 0;
                if !self.eat(b']') {
                    loop {
                        self.value()?;
                        n += 1;
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                *self.items.get_mut(at)? = Item::List(n);
            }
            b'"' => self.string()?,
            b't' => self.literal("true", Item::Bool(true))?,
            b'f' => self.literal("false", Item::Bool(false))?,
            b'n' => self.literal("null", Item::Null)?,
            _ => self.number()?,
        }
        Some(())
    }

    fn literal(&mut self, word: &str, item: Item) -> Option<()> {
        let end = self.pos.checked_add(word.len())?;
        (self.s.get(self.pos..end)? == word.as_bytes()).then(|| {
            self.pos = end;
            self.items.push(item);
        })
    }

    /// An integer as `int` (within 64 bits; beyond, `json.loads`), else a `float` of the same
    /// text: both parse to the nearest double.
    fn number(&mut self) -> Option<()> {
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
        self.items.push(if float {
            Item::Float(text.parse().ok()?)
        } else {
            Item::Int(text.parse().ok()?)
        });
        Some(())
    }

    /// A string: its span in the JSON, or its text decoded when written with escapes.
    fn string(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        let (s, text) = (self.s, self.text);
        let close = start
            + s.get(start..)?
                .iter()
                .position(|&b| b == b'"' || b == b'\\')?;
        if s.get(close) == Some(&b'"') {
            self.pos = close + 1;
            self.items.push(Item::Str {
                at: start,
                len: close - start,
                decoded: false,
                slot: slot(text.get(start..close)?),
            });
            return Some(());
        }
        // Escapes (rare in tokens): decoded one by one, after the strings decoded before.
        let at = self.decoded.len();
        self.decoded.push_str(text.get(start..close)?);
        self.pos = close;
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    let out = self.decoded.get(at..)?;
                    self.items.push(Item::Str {
                        at,
                        len: out.len(),
                        decoded: true,
                        slot: slot(out),
                    });
                    return Some(());
                }
                b'\\' => {
                    self.pos += 1;
                    let e = self.peek()?;
                    self.pos += 1;
                    let c = match e {
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
                    };
                    self.decoded.push(c);
                }
                _ => {
                    let from = self.pos;
                    let n = s
                        .get(from..)?
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\')?;
                    self.pos = from + n;
                    self.decoded.push_str(text.get(from..self.pos)?);
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
}
