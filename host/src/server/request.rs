//! The request handed to a handler, as plain Rust data: method, decoded path,
//! raw query string, `args` (with `getlist`), case-insensitive headers,
//! cookies, the body bytes with text/form views, and the peer address.
//! Args, cookies, text and form are parsed on first use (a scripted app
//! never reads them here: the runtime parses its own on demand, with the
//! same parsers), so building one copies nothing but the path and query. (`req.json` is parsed by the runtime, with CPython's
//! semantics.)

use std::cell::OnceCell;
use std::fmt;
use std::net::IpAddr;

use bytes::Bytes;
use kiln_runtime::host_api::{
    is_urlencoded_form, pack_header, pack_header_ascii, parse_cookies, parse_urlencoded,
    strip_packed_pair, PackHeaders, PackedHeaders,
};
use thiserror::Error;

/// An ordered multi-map of strings (query args, form fields, cookies).
/// `get` returns the first value, as Flask's `MultiDict` does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MultiDict {
    pairs: Vec<(String, String)>,
}

impl MultiDict {
    pub fn new() -> MultiDict {
        MultiDict::default()
    }

    /// Parses `a=1&b=x+y&a=%33` (the query-string and urlencoded-form syntax).
    pub fn parse_urlencoded(input: &[u8]) -> MultiDict {
        MultiDict {
            pairs: parse_urlencoded(input),
        }
    }

    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn getlist(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// Distinct keys in first-seen order.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for (k, _) in &self.pairs {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        keys
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// Request headers in arrival order, looked up case-insensitively. Kept
/// packed (the runtime's `pack_header` format) in one buffer, which is
/// also how a scripted handler's request receives them. Headers off the
/// wire stay in hyper's map until first read: a handler that never sees
/// its request (most small ones) costs no packing.
#[derive(Clone, Default)]
pub struct Headers {
    /// As hyper parsed them, not yet packed; `None` once packed.
    raw: Option<http::HeaderMap>,
    packed: OnceCell<Vec<u8>>,
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.packed() == other.packed()
    }
}

/// `map`'s pairs in `pack_header` form, in arrival order.
fn pack_map(map: &http::HeaderMap) -> Vec<u8> {
    let bytes = map
        .iter()
        .map(|(name, value)| 8 + name.as_str().len() + value.len())
        .sum();
    let mut packed = Vec::with_capacity(bytes);
    for (name, value) in map {
        push_bytes(&mut packed, name.as_str(), value.as_bytes());
    }
    packed
}

/// Packs a header whose value is bytes off the wire: nearly always ASCII,
/// packed as is; any other byte is decoded, bad UTF-8 as U+FFFD.
fn push_bytes(packed: &mut Vec<u8>, name: &str, value: &[u8]) {
    if !pack_header_ascii(packed, name, value) {
        pack_header(packed, name, &String::from_utf8_lossy(value));
    }
}

impl Headers {
    pub fn new() -> Headers {
        Headers::default()
    }

    /// Room for `bytes` of names and values.
    pub fn with_capacity(bytes: usize) -> Headers {
        Headers {
            raw: None,
            packed: OnceCell::from(Vec::with_capacity(bytes)),
        }
    }

    /// The headers of a request head, packed when first read.
    pub fn from_map(map: http::HeaderMap) -> Headers {
        Headers {
            raw: Some(map),
            packed: OnceCell::new(),
        }
    }

    /// Adds to the packed buffer with `add`.
    fn add(&mut self, add: impl FnOnce(&mut Vec<u8>)) {
        let mut packed = self.take_packed();
        add(&mut packed);
        self.packed = OnceCell::from(packed);
    }

    pub fn push(&mut self, name: impl AsRef<str>, value: impl AsRef<str>) {
        self.add(|packed| pack_header(packed, name.as_ref(), value.as_ref()));
    }

    /// Adds a header whose value is bytes off the wire: nearly always
    /// ASCII, packed as is; any other byte is decoded, bad UTF-8 as U+FFFD.
    pub fn push_bytes(&mut self, name: &str, value: &[u8]) {
        self.add(|packed| push_bytes(packed, name, value));
    }

    /// `(name, value)` pairs in arrival order.
    pub fn iter(&self) -> PackedHeaders<'_> {
        PackedHeaders::new(self.packed())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().named(name).next()
    }

    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.iter().named(name).collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The packed form, as `RequestData::headers` gives it.
    pub fn packed(&self) -> &[u8] {
        self.packed
            .get_or_init(|| self.raw.as_ref().map(pack_map).unwrap_or_default())
    }

    /// Moves the packed form out, leaving no headers.
    pub fn take_packed(&mut self) -> Vec<u8> {
        let raw = self.raw.take();
        match self.packed.take() {
            Some(packed) => packed,
            None => raw.as_ref().map(pack_map).unwrap_or_default(),
        }
    }
}

impl PackHeaders for Headers {
    fn take_packed(&mut self) -> Vec<u8> {
        Headers::take_packed(self)
    }

    /// Compared pair by pair, without packing: a packed value that is not
    /// the raw bytes (one that had to be decoded) is a mismatch.
    fn packs_to(&self, packed: &[u8]) -> bool {
        if let Some(own) = self.packed.get() {
            return own.as_slice() == packed;
        }
        let Some(map) = &self.raw else {
            return packed.is_empty();
        };
        let mut rest = packed;
        for (name, value) in map {
            match strip_packed_pair(rest, name.as_str().as_bytes(), value.as_bytes()) {
                Some(after) => rest = after,
                None => return false,
            }
        }
        rest.is_empty()
    }
}

#[derive(Debug, Clone, Error, PartialEq)]
pub enum BodyError {
    #[error("request body is not valid UTF-8")]
    NotUtf8,
}

/// One HTTP request, fully read.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: http::Method,
    /// Percent-decoded path, e.g. `/users/7`.
    pub path: String,
    /// Raw query string without the `?`.
    pub query_string: String,
    pub headers: Headers,
    pub body: Bytes,
    pub remote_addr: Option<IpAddr>,
    /// Boxed, made on first use: a request is moved a few times on its
    /// way to the handler, and a smaller one moves for less.
    views: OnceCell<Box<Views>>,
}

/// The parsed views of a request, each made on first use.
#[derive(Debug, Clone, Default)]
struct Views {
    args: OnceCell<MultiDict>,
    cookies: OnceCell<MultiDict>,
    text: OnceCell<Result<String, BodyError>>,
    form: OnceCell<MultiDict>,
}

impl Request {
    /// Builds a request; args, cookies and the body views are parsed when
    /// first read (a scripted app reads none of them here).
    pub fn new(
        method: http::Method,
        path: impl Into<String>,
        query_string: impl Into<String>,
        headers: Headers,
        body: Bytes,
    ) -> Request {
        Request {
            method,
            path: path.into(),
            query_string: query_string.into(),
            headers,
            body,
            remote_addr: None,
            views: OnceCell::new(),
        }
    }

    fn views(&self) -> &Views {
        self.views.get_or_init(Box::default)
    }

    /// `req.args`: the query string's fields.
    pub fn args(&self) -> &MultiDict {
        self.views()
            .args
            .get_or_init(|| MultiDict::parse_urlencoded(self.query_string.as_bytes()))
    }

    /// `req.cookies`: the cookies of every `Cookie` header, in order.
    pub fn cookies(&self) -> &MultiDict {
        self.views().cookies.get_or_init(|| MultiDict {
            pairs: parse_cookies(self.headers.iter()),
        })
    }

    /// `req.text`: the body decoded as UTF-8.
    pub fn text(&self) -> Result<&str, BodyError> {
        self.views()
            .text
            .get_or_init(|| {
                std::str::from_utf8(&self.body)
                    .map(str::to_owned)
                    .map_err(|_| BodyError::NotUtf8)
            })
            .as_ref()
            .map(String::as_str)
            .map_err(Clone::clone)
    }

    /// `req.form`: urlencoded fields when the content type says so, else empty.
    pub fn form(&self) -> &MultiDict {
        self.views().form.get_or_init(|| {
            if is_urlencoded_form(self.headers.iter()) {
                MultiDict::parse_urlencoded(&self.body)
            } else {
                MultiDict::new()
            }
        })
    }

    /// `req.remote_addr` as Flask gives it: the bare IP, or "" if unknown.
    pub fn remote_addr_string(&self) -> String {
        self.remote_addr
            .map(|ip| ip.to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        let mut h = Headers::new();
        for (k, v) in pairs {
            h.push(*k, *v);
        }
        h
    }

    #[test]
    fn args_first_and_getlist() {
        let r = Request::new(
            http::Method::GET,
            "/x",
            "a=1&b=two%20words&a=3&c=x+y",
            Headers::new(),
            Bytes::new(),
        );
        assert_eq!(r.args().get("a"), Some("1"));
        assert_eq!(r.args().getlist("a"), vec!["1", "3"]);
        assert_eq!(r.args().get("b"), Some("two words"));
        assert_eq!(r.args().get("c"), Some("x y"));
        assert_eq!(r.args().get("zz"), None);
        assert_eq!(r.args().keys(), vec!["a", "b", "c"]);
        let empty = Request::new(http::Method::GET, "/", "", Headers::new(), Bytes::new());
        assert!(empty.args().is_empty() && empty.cookies().is_empty());
    }

    #[test]
    fn headers_case_insensitive_and_cookies() {
        let h = headers(&[
            ("X-Thing", "1"),
            ("Cookie", "a=1; b=\"two\"; junk"),
            ("cookie", "c=3"),
        ]);
        let r = Request::new(http::Method::GET, "/", "", h, Bytes::new());
        assert_eq!(r.headers.get("x-thing"), Some("1"));
        assert_eq!(r.headers.get("X-THING"), Some("1"));
        assert_eq!(r.cookies().get("a"), Some("1"));
        assert_eq!(r.cookies().get("b"), Some("two"));
        assert_eq!(r.cookies().get("c"), Some("3"));
        assert_eq!(r.cookies().len(), 3);
    }

    #[test]
    fn headers_off_the_wire_pack_when_read_and_compare_without_packing() {
        let mut map = http::HeaderMap::new();
        map.append("host", http::HeaderValue::from_static("example"));
        map.append("x-many", http::HeaderValue::from_static("1"));
        map.append("x-many", http::HeaderValue::from_static("2"));
        let mut odd = map.clone();
        odd.append("x-odd", http::HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let mut sent = Headers::new();
        for (k, v) in [("host", "example"), ("x-many", "1"), ("x-many", "2")] {
            sent.push(k, v);
        }
        let lazy = Headers::from_map(map.clone());
        assert!(lazy.packs_to(sent.packed()));
        assert_eq!(lazy, sent);
        assert_eq!(lazy.get_all("X-Many"), vec!["1", "2"]);
        // Read once, it compares as packed.
        assert!(lazy.packs_to(sent.packed()));
        let mut taken = Headers::from_map(map.clone());
        assert_eq!(Headers::take_packed(&mut taken), sent.packed());
        assert!(!Headers::from_map(odd.clone()).packs_to(sent.packed()));
        let mut odd_headers = Headers::from_map(odd.clone());
        let odd_packed = Headers::take_packed(&mut odd_headers);
        // A value that had to be decoded never matches its packing.
        assert!(!Headers::from_map(odd).packs_to(&odd_packed));
        assert!(!Headers::from_map(map.clone()).packs_to(&odd_packed));
        assert!(PackedHeaders::new(&odd_packed).any(|(_, v)| v == "caf\u{fffd}"));
        let mut fewer = http::HeaderMap::new();
        fewer.append("host", http::HeaderValue::from_static("example"));
        assert!(!Headers::from_map(fewer).packs_to(sent.packed()));
        assert!(Headers::new().packs_to(&[]));
    }

    #[test]
    fn body_views() {
        let r = Request::new(
            http::Method::POST,
            "/",
            "",
            Headers::new(),
            Bytes::from_static(br#"{"k": [1, 2.5]}"#),
        );
        assert_eq!(r.text().unwrap(), r#"{"k": [1, 2.5]}"#);
        let binary = Request::new(
            http::Method::POST,
            "/",
            "",
            Headers::new(),
            Bytes::from_static(b"\xff"),
        );
        assert_eq!(binary.text(), Err(BodyError::NotUtf8));
    }

    #[test]
    fn form_needs_its_content_type() {
        let h = headers(&[(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )]);
        let r = Request::new(
            http::Method::POST,
            "/",
            "",
            h,
            Bytes::from_static(b"name=Ada+L&x=%41"),
        );
        assert_eq!(r.form().get("name"), Some("Ada L"));
        assert_eq!(r.form().get("x"), Some("A"));
        let plain = Request::new(
            http::Method::POST,
            "/",
            "",
            Headers::new(),
            Bytes::from_static(b"name=Ada"),
        );
        assert!(plain.form().is_empty());
    }
}
