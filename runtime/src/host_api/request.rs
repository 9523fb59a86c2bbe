//! The `kiln.Request` object a handler receives, built natively and lazily.
//!
//! Building every part of a request up front (args, headers, cookies and
//! form as multidicts of tuples) cost more than a whole small handler, and
//! most handlers touch one part or none. So a request starts with its plain
//! attributes only (`method`, `path`, `query_string`, `data`,
//! `remote_addr`) plus `_head`, the header pairs packed into one bytes
//! object; `Request.__getattr__` (the prelude) calls `request_attr` the
//! first time a handler reads `args`, `headers`, `cookies` or `form`, which
//! builds that part from the packed data and stores it on the instance, so
//! later reads are plain attribute hits. What a handler can observe is the
//! same as with `Request.__init__`, apart from `vars(req)` listing only the
//! parts already touched.
//!
//! The query/form and cookie parsers live here so the host's own request
//! type (`kiln_server::request`) parses exactly as scripts see it.

use std::cell::RefCell;

use crate::dict::Dict;
use crate::error::{PyErr, PyResult};
use crate::hash::str_hash;
use crate::native::check_args;
use crate::object::{InstanceObj, Payload};
use crate::value::Value;
use crate::vm::Vm;

use super::RequestData;

/// Parses `a=1&b=x+y&a=%33` (the query-string and urlencoded-form syntax,
/// as `form_urlencoded::parse`): empty pieces are skipped, `+` is a space,
/// malformed `%` escapes stay as they are, bad UTF-8 becomes U+FFFD.
pub fn parse_urlencoded(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = match piece.iter().position(|&b| b == b'=') {
                Some(at) => (&piece[..at], &piece[at + 1..]),
                None => (piece, &[][..]),
            };
            (form_decode(name), form_decode(value))
        })
        .collect()
}

fn form_decode(input: &[u8]) -> String {
    if !input.iter().any(|&b| b == b'+' || b == b'%') {
        return String::from_utf8_lossy(input).into_owned();
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => match (hex_digit(input.get(i + 1)), hex_digit(input.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn hex_digit(b: Option<&u8>) -> Option<u8> {
    match b? {
        d @ b'0'..=b'9' => Some(d - b'0'),
        d @ b'a'..=b'f' => Some(d - b'a' + 10),
        d @ b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

/// The cookies of every `Cookie` header, in order: `name=value` pieces
/// split on `;`, trimmed, one pair of surrounding quotes removed; pieces
/// without `=` or with an empty name are skipped.
pub fn parse_cookies<'a>(
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<(String, String)> {
    let mut cookies = Vec::new();
    for (name, line) in headers {
        if !name.eq_ignore_ascii_case("cookie") {
            continue;
        }
        for piece in line.split(';') {
            if let Some((name, value)) = piece.split_once('=') {
                let name = name.trim();
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                if !name.is_empty() {
                    cookies.push((name.to_owned(), value.to_owned()));
                }
            }
        }
    }
    cookies
}

/// Whether the first `Content-Type` header names an urlencoded form.
pub fn is_urlencoded_form<'a>(mut headers: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    headers
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .is_some_and(|(_, ct)| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Appends one header to a packing: `len name len value` (lengths are
/// u32 LE). A request's headers travel packed, in one allocation however
/// many there are, from the host's request to the script's `_head`.
pub fn pack_header(out: &mut Vec<u8>, name: &str, value: &str) {
    for part in [name, value] {
        // Longer than 4 GiB cannot reach here (the host caps the head
        // size); truncating at a char boundary keeps the packing readable.
        let mut len = part.len().min(u32::MAX as usize);
        while !part.is_char_boundary(len) {
            len -= 1;
        }
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(&part.as_bytes()[..len]);
    }
}

/// One length-prefixed field of a packing, and the rest.
fn take_packed(packed: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = packed.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len) as usize;
    Some((rest.get(..len)?, rest.get(len..)?))
}

/// The `(name, value)` pairs of a packing, in order; ends at the first
/// malformed entry.
#[derive(Clone)]
pub struct PackedHeaders<'a>(&'a [u8]);

impl<'a> PackedHeaders<'a> {
    pub fn new(packed: &'a [u8]) -> PackedHeaders<'a> {
        PackedHeaders(packed)
    }

    /// The values of the headers called `name` (ASCII case-insensitive),
    /// checking only their text: a lookup need not decode every header.
    pub fn named<'n>(self, name: &'n str) -> impl Iterator<Item = &'a str> + 'n
    where
        'a: 'n,
    {
        let mut packed = self.0;
        std::iter::from_fn(move || loop {
            let (key, rest) = take_packed(packed)?;
            let (value, rest) = take_packed(rest)?;
            packed = rest;
            if key.eq_ignore_ascii_case(name.as_bytes()) {
                if let Ok(value) = std::str::from_utf8(value) {
                    return Some(value);
                }
            }
        })
    }
}

impl<'a> Iterator for PackedHeaders<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let pair = take_packed(self.0).and_then(|(name, rest)| {
            let (value, rest) = take_packed(rest)?;
            let name = std::str::from_utf8(name).ok()?;
            Some((name, std::str::from_utf8(value).ok()?, rest))
        });
        match pair {
            Some((name, value, rest)) => {
                self.0 = rest;
                Some((name, value))
            }
            None => {
                self.0 = &[];
                None
            }
        }
    }
}

fn unpack_headers(packed: &[u8]) -> PackedHeaders<'_> {
    PackedHeaders(packed)
}

/// An attribute name as a ready dict key: the str value and its hash.
struct AttrKey(Value, u64);

impl AttrKey {
    fn new(name: &str) -> AttrKey {
        AttrKey(Value::from_str(name), str_hash(name))
    }
}

/// HTTP methods as shared str values: a request's method is nearly always
/// one of these, and a str is immutable, so one value serves every request.
const COMMON_METHODS: [&str; 7] = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"];

/// What building request objects needs, made once per loaded app.
pub struct RequestBuilder {
    class: Value,
    /// The attributes set up front, in their order (see `build`), as a
    /// dict with None values: each request's dict is a clone with the
    /// values replaced, cheaper than inserting key by key.
    template: Dict,
    methods: Vec<(&'static str, Value)>,
    empty_str: Value,
    empty_bytes: Value,
    /// The last peer address's str: keep-alive clients send many requests
    /// from one address.
    last_remote: RefCell<Option<Value>>,
}

impl RequestBuilder {
    pub fn new(class: Value) -> RequestBuilder {
        let keys = [
            "method",
            "path",
            "query_string",
            "data",
            "remote_addr",
            "_head",
        ]
        .map(AttrKey::new);
        let mut template = Dict::with_capacity(keys.len());
        for key in &keys {
            template.push_new(key.1, key.0.clone(), Value::none());
        }
        RequestBuilder {
            class,
            template,
            methods: COMMON_METHODS
                .iter()
                .map(|m| (*m, Value::from_str(m)))
                .collect(),
            empty_str: Value::from_str(""),
            empty_bytes: Value::bytes(Vec::new()),
            last_remote: RefCell::new(None),
        }
    }

    fn method(&self, method: &str) -> Value {
        match self.methods.iter().find(|(m, _)| *m == method) {
            Some((_, v)) => v.clone(),
            None => Value::from_str(method),
        }
    }

    fn text(&self, text: &str) -> Value {
        if text.is_empty() {
            self.empty_str.clone()
        } else {
            Value::from_str(text)
        }
    }

    fn remote(&self, remote: &str) -> Value {
        let mut last = self.last_remote.borrow_mut();
        if let Some(v) = last.as_ref().filter(|v| v.as_str() == Some(remote)) {
            return v.clone();
        }
        let v = Value::from_str(remote);
        *last = Some(v.clone());
        v
    }

    /// A `kiln.Request` with the plain attributes set and the rest left to
    /// `request_attr`.
    pub fn build(&self, req: &RequestData) -> Value {
        let data = if req.body.is_empty() {
            self.empty_bytes.clone()
        } else {
            Value::bytes(req.body.to_vec())
        };
        let head = if req.headers.is_empty() {
            self.empty_bytes.clone()
        } else {
            Value::bytes(req.headers.to_vec())
        };
        let values = [
            self.method(req.method),
            Value::from_str(req.path),
            self.text(req.query_string),
            data,
            self.remote(req.remote_addr),
            head,
        ];
        let mut dict = self.template.clone();
        for (i, value) in values.into_iter().enumerate() {
            if let Some(slot) = dict.get_index_mut(i) {
                *slot = value;
            }
        }
        Value::new_heap(Payload::Instance(InstanceObj {
            class: self.class.clone(),
            dict: RefCell::new(dict),
        }))
    }
}

/// A list of `(str, str)` tuples, the `_pairs` of a multidict.
fn pairs_list(pairs: impl Iterator<Item = (Value, Value)>) -> Value {
    Value::list(pairs.map(|(k, v)| Value::tuple(vec![k, v])).collect())
}

/// Parsed pairs as values, their strings moved rather than copied.
fn owned_pairs(pairs: Vec<(String, String)>) -> Value {
    pairs_list(
        pairs
            .into_iter()
            .map(|(k, v)| (Value::from_string(k), Value::from_string(v))),
    )
}

fn instance_attr(obj: &Value, name: &str) -> Option<Value> {
    match obj.payload() {
        Some(Payload::Instance(i)) => i.dict.try_borrow().ok()?.get_str(name).cloned(),
        _ => None,
    }
}

/// A class of the `kiln` module (`_MultiDict`, `_Headers`).
fn kiln_class(vm: &Vm, name: &str) -> PyResult<Value> {
    vm.modules
        .get("kiln")
        .and_then(|m| match m.payload() {
            Some(Payload::Module(m)) => m.dict.as_dict()?.borrow().get_str(name).cloned(),
            _ => None,
        })
        .ok_or_else(|| PyErr::runtime_error(format!("kiln.{name} is missing")))
}

/// `class(pairs)` without running `__init__` (it only stores `_pairs`).
fn multidict(vm: &Vm, class: &str, pairs: Value) -> PyResult<Value> {
    let class = kiln_class(vm, class)?;
    let mut dict = Dict::with_capacity(1);
    dict.push_new(str_hash("_pairs"), Value::from_str("_pairs"), pairs);
    Ok(Value::new_heap(Payload::Instance(InstanceObj {
        class,
        dict: RefCell::new(dict),
    })))
}

/// `_request_attr(req, name)`: `Request.__getattr__`.
/// Builds a lazily made part of the request, stores it on `req` and
/// returns it; any other name is an `AttributeError`, as without
/// `__getattr__`.
pub fn request_attr(vm: &mut Vm, args: &[Value], _kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("_request_attr", args, 2, 2)?;
    let (req, name) = (&args[0], args[1].as_str().unwrap_or(""));
    let head = || instance_attr(req, "_head");
    let value = match name {
        "args" => {
            let query = instance_attr(req, "query_string");
            let query = query.as_ref().and_then(Value::as_str).unwrap_or("");
            let pairs = owned_pairs(parse_urlencoded(query.as_bytes()));
            multidict(vm, "_MultiDict", pairs)?
        }
        "headers" => {
            let head = head();
            let packed = head.as_ref().and_then(Value::as_bytes).unwrap_or(&[]);
            let pairs =
                unpack_headers(packed).map(|(k, v)| (Value::from_str(k), Value::from_str(v)));
            multidict(vm, "_Headers", pairs_list(pairs))?
        }
        "cookies" => {
            let head = head();
            let packed = head.as_ref().and_then(Value::as_bytes).unwrap_or(&[]);
            let pairs = parse_cookies(unpack_headers(packed));
            multidict(vm, "_MultiDict", owned_pairs(pairs))?
        }
        "form" => {
            let head = head();
            let packed = head.as_ref().and_then(Value::as_bytes).unwrap_or(&[]);
            let pairs = if is_urlencoded_form(unpack_headers(packed)) {
                let data = instance_attr(req, "data");
                parse_urlencoded(data.as_ref().and_then(Value::as_bytes).unwrap_or(&[]))
            } else {
                Vec::new()
            };
            multidict(vm, "_MultiDict", owned_pairs(pairs))?
        }
        // What `__init__` starts `req.json`'s memo with; set on first write.
        "_json_loaded" => return Ok(Value::bool(false)),
        "_json" => return Ok(Value::none()),
        _ => {
            return Err(PyErr::attribute_error(format!(
                "'{}' object has no attribute '{name}'",
                vm.type_name(req)
            )))
        }
    };
    // Straight into the instance dict: `kiln.Request` has no properties
    // or `__setattr__` for these names.
    if let Some(Payload::Instance(i)) = req.payload() {
        i.dict
            .try_borrow_mut()
            .map_err(|_| PyErr::reentrant("instance"))?
            .set_name(name, value.clone());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(input: &str) -> Vec<(String, String)> {
        parse_urlencoded(input.as_bytes())
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn urlencoded_like_form_urlencoded() {
        assert_eq!(
            pairs("a=1&b=two%20words&a=3&c=x+y"),
            vec![p("a", "1"), p("b", "two words"), p("a", "3"), p("c", "x y")]
        );
        assert_eq!(pairs(""), vec![]);
        assert_eq!(pairs("&&a&=v&b="), vec![p("a", ""), p("", "v"), p("b", "")]);
        assert_eq!(pairs("k=a=b"), vec![p("k", "a=b")]);
        assert_eq!(pairs("x=%zz%4"), vec![p("x", "%zz%4")]);
        assert_eq!(pairs("x=%41%2b%2B+"), vec![p("x", "A++ ")]);
        assert_eq!(pairs("x=%ff"), vec![p("x", "\u{fffd}")]);
        assert_eq!(pairs("%C3%A9=%e2%82%ac"), vec![p("é", "€")]);
    }

    #[test]
    fn cookies_from_every_cookie_header() {
        let headers = [
            ("X-Thing", "1"),
            ("Cookie", "a=1; b=\"two\"; junk; =x"),
            ("cookie", "c = 3 "),
        ];
        assert_eq!(
            parse_cookies(headers.iter().copied()),
            vec![p("a", "1"), p("b", "two"), p("c", "3")]
        );
    }

    #[test]
    fn form_content_type() {
        let yes = [(
            "content-type",
            "Application/X-WWW-Form-Urlencoded ; charset=utf-8",
        )];
        assert!(is_urlencoded_form(yes.iter().copied()));
        let no = [("content-type", "application/json")];
        assert!(!is_urlencoded_form(no.iter().copied()));
        assert!(!is_urlencoded_form(std::iter::empty()));
    }

    #[test]
    fn headers_pack_and_unpack() {
        let headers = vec![p("host", "x"), p("", ""), p("x-é", "a: b\n")];
        let mut packed = Vec::new();
        for (k, v) in &headers {
            pack_header(&mut packed, k, v);
        }
        let back: Vec<(String, String)> = unpack_headers(&packed).map(|(k, v)| p(k, v)).collect();
        assert_eq!(back, headers);
        assert_eq!(unpack_headers(&packed[..packed.len() - 1]).count(), 2);
    }
}
