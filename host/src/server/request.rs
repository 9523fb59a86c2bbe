//! The request handed to a handler, as plain Rust data: method, decoded path,
//! raw query string, parsed `args` (with `getlist`), case-insensitive headers,
//! cookies, the body bytes with lazily parsed text/form views, and the peer
//! address. (`req.json` is parsed by the runtime, with CPython's semantics.)

use std::cell::OnceCell;
use std::net::IpAddr;

use bytes::Bytes;
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
        let pairs = form_urlencoded::parse(input)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        MultiDict { pairs }
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

/// Request headers in arrival order, looked up case-insensitively.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers {
    pairs: Vec<(String, String)>,
}

impl Headers {
    pub fn new() -> Headers {
        Headers::default()
    }

    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((name.into(), value.into()));
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
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
    pub method: String,
    /// Percent-decoded path, e.g. `/users/7`.
    pub path: String,
    /// Raw query string without the `?`.
    pub query_string: String,
    pub args: MultiDict,
    pub headers: Headers,
    pub cookies: MultiDict,
    pub body: Bytes,
    pub remote_addr: Option<IpAddr>,
    text: OnceCell<Result<String, BodyError>>,
    form: OnceCell<MultiDict>,
}

impl Request {
    /// Builds a request; args and cookies are parsed here, the body lazily.
    pub fn new(
        method: &str,
        path: &str,
        query_string: &str,
        headers: Headers,
        body: Bytes,
    ) -> Request {
        let args = MultiDict::parse_urlencoded(query_string.as_bytes());
        let cookies = parse_cookies(&headers);
        Request {
            method: method.into(),
            path: path.into(),
            query_string: query_string.into(),
            args,
            headers,
            cookies,
            body,
            ..Request::default()
        }
    }

    /// `req.text`: the body decoded as UTF-8.
    pub fn text(&self) -> Result<&str, BodyError> {
        self.text
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
        self.form.get_or_init(|| {
            let is_form = self.headers.get("content-type").is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
            if is_form {
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

fn parse_cookies(headers: &Headers) -> MultiDict {
    let mut cookies = MultiDict::new();
    for line in headers.get_all("cookie") {
        for piece in line.split(';') {
            if let Some((name, value)) = piece.split_once('=') {
                let name = name.trim();
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                if !name.is_empty() {
                    cookies.push(name, value);
                }
            }
        }
    }
    cookies
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
            "GET",
            "/x",
            "a=1&b=two%20words&a=3&c=x+y",
            Headers::new(),
            Bytes::new(),
        );
        assert_eq!(r.args.get("a"), Some("1"));
        assert_eq!(r.args.getlist("a"), vec!["1", "3"]);
        assert_eq!(r.args.get("b"), Some("two words"));
        assert_eq!(r.args.get("c"), Some("x y"));
        assert_eq!(r.args.get("zz"), None);
        assert_eq!(r.args.keys(), vec!["a", "b", "c"]);
    }

    #[test]
    fn headers_case_insensitive_and_cookies() {
        let h = headers(&[
            ("X-Thing", "1"),
            ("Cookie", "a=1; b=\"two\"; junk"),
            ("cookie", "c=3"),
        ]);
        let r = Request::new("GET", "/", "", h, Bytes::new());
        assert_eq!(r.headers.get("x-thing"), Some("1"));
        assert_eq!(r.headers.get("X-THING"), Some("1"));
        assert_eq!(r.cookies.get("a"), Some("1"));
        assert_eq!(r.cookies.get("b"), Some("two"));
        assert_eq!(r.cookies.get("c"), Some("3"));
        assert_eq!(r.cookies.len(), 3);
    }

    #[test]
    fn body_views() {
        let r = Request::new(
            "POST",
            "/",
            "",
            Headers::new(),
            Bytes::from_static(br#"{"k": [1, 2.5]}"#),
        );
        assert_eq!(r.text().unwrap(), r#"{"k": [1, 2.5]}"#);
        let binary = Request::new("POST", "/", "", Headers::new(), Bytes::from_static(b"\xff"));
        assert_eq!(binary.text(), Err(BodyError::NotUtf8));
    }

    #[test]
    fn form_needs_its_content_type() {
        let h = headers(&[(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )]);
        let r = Request::new("POST", "/", "", h, Bytes::from_static(b"name=Ada+L&x=%41"));
        assert_eq!(r.form().get("name"), Some("Ada L"));
        assert_eq!(r.form().get("x"), Some("A"));
        let plain = Request::new(
            "POST",
            "/",
            "",
            Headers::new(),
            Bytes::from_static(b"name=Ada"),
        );
        assert!(plain.form().is_empty());
    }
}
