//! The parsers behind a request's lazily built parts: query strings and
//! urlencoded forms, cookies, the form content type, and the packed header
//! format the host hands over. The host's own request type
//! (`kiln_server::request`) uses the same ones, so both parse alike.

use std::borrow::Cow;

/// Parses `a=1&b=x+y&a=%33` (the query-string and urlencoded-form syntax,
/// as `form_urlencoded::parse`): empty pieces are skipped, `+` is a space,
/// malformed `%` escapes stay as they are, bad UTF-8 becomes U+FFFD.
pub fn parse_urlencoded(input: &[u8]) -> Vec<(String, String)> {
    urlencoded_pairs(input)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `parse_urlencoded` without copies: a name or value with nothing to
/// decode borrows from `input`.
pub fn urlencoded_pairs(input: &[u8]) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
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
}

/// `urlencoded_pairs` of text (a query string): its pieces are already
/// text, so one with nothing to decode is borrowed without a UTF-8 check.
pub fn urlencoded_str_pairs(input: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    StrPairs { rest: input }
}

/// The pairs of a query string: its `&`-separated pieces, empty ones
/// skipped, each split at its first `=` (no `=`: an empty value). One
/// pass over each piece's bytes finds both separators and whether either
/// side has anything to decode.
struct StrPairs<'a> {
    rest: &'a str,
}

impl<'a> Iterator for StrPairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let bytes = self.rest.as_bytes();
            let mut end = bytes.len();
            let mut eq = None;
            let (mut name_coded, mut value_coded) = (false, false);
            for (i, &b) in bytes.iter().enumerate() {
                match b {
                    b'&' => {
                        end = i;
                        break;
                    }
                    b'=' if eq.is_none() => eq = Some(i),
                    b'+' | b'%' if eq.is_none() => name_coded = true,
                    b'+' | b'%' => value_coded = true,
                    _ => {}
                }
            }
            // Every split is at an ASCII byte, so on a char boundary.
            let piece = self.rest.get(..end).unwrap_or_default();
            self.rest = self.rest.get(end + 1..).unwrap_or_default();
            if piece.is_empty() {
                continue;
            }
            let (name, value) = match eq {
                Some(at) => (
                    piece.get(..at).unwrap_or_default(),
                    piece.get(at + 1..).unwrap_or_default(),
                ),
                None => (piece, ""),
            };
            let decode = |text: &'a str, coded: bool| match coded {
                true => form_decode(text.as_bytes()),
                false => Cow::Borrowed(text),
            };
            return Some((decode(name, name_coded), decode(value, value_coded)));
        }
    }
}

fn needs_decoding(input: &[u8]) -> bool {
    input.iter().any(|&b| b == b'+' || b == b'%')
}

fn form_decode(input: &[u8]) -> Cow<'_, str> {
    if !needs_decoding(input) {
        // Valid text is the rule: checked first, the lossy pass only
        // runs on bad UTF-8.
        return match std::str::from_utf8(input) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(input),
        };
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
    Cow::Owned(match String::from_utf8(out) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
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
        pack_field(out, &part.as_bytes()[..len]);
    }
}

/// `pack_header` for a value still in bytes (as HTTP header values come):
/// an ASCII one is valid text and is packed without a UTF-8 check; any
/// other packs nothing and gives `false`, for the caller to decode it.
#[inline]
pub fn pack_header_ascii(out: &mut Vec<u8>, name: &str, value: &[u8]) -> bool {
    if !value.is_ascii() || name.len() > u32::MAX as usize || value.len() > u32::MAX as usize {
        return false;
    }
    pack_field(out, name.as_bytes());
    pack_field(out, value);
    true
}

/// One `len bytes` field (`bytes` no longer than `u32::MAX`).
#[inline]
fn pack_field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// The rest of `packed` after its first pair, when that pair is what
/// `pack_header_ascii` makes of `name` and `value`.
#[inline]
pub fn strip_packed_pair<'a>(packed: &'a [u8], name: &[u8], value: &[u8]) -> Option<&'a [u8]> {
    let (key, rest) = take_packed(packed)?;
    let (text, rest) = take_packed(rest)?;
    (key == name && text == value).then_some(rest)
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

pub(super) fn unpack_headers(packed: &[u8]) -> PackedHeaders<'_> {
    PackedHeaders(packed)
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
    fn urlencoded_pairs_borrow_what_needs_no_decoding() {
        let borrowed = |c: &Cow<'_, str>| matches!(c, Cow::Borrowed(_));
        let pairs: Vec<_> = urlencoded_pairs(b"a=1&b=x+y&c=%41").collect();
        assert_eq!(pairs.len(), 3);
        assert!(borrowed(&pairs[0].0) && borrowed(&pairs[0].1));
        assert!(borrowed(&pairs[1].0) && !borrowed(&pairs[1].1));
        assert_eq!((pairs[2].0.as_ref(), pairs[2].1.as_ref()), ("c", "A"));
        assert_eq!(urlencoded_pairs(b"").count(), 0);
        for input in [
            "a=1&b=two%20words&a=3&c=x+y",
            "&&a&=v&b=",
            "k=a=b",
            "x=%zz%4",
            "%C3%A9=%e2%82%ac",
            "é=ü&x=%ff",
            "a+b=c%3D&=&&x",
            "k==v%&+=+&",
            "&",
            "=",
            "a=b&",
            "%41=b+c&d%=",
            "",
        ] {
            let from_text: Vec<_> = urlencoded_str_pairs(input).collect();
            let from_bytes: Vec<_> = urlencoded_pairs(input.as_bytes()).collect();
            assert_eq!(from_text, from_bytes, "{input}");
        }
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
        let mut ascii = Vec::new();
        assert!(pack_header_ascii(&mut ascii, "host", b"x"));
        assert!(!pack_header_ascii(&mut ascii, "x-bin", b"\xff"));
        assert_eq!(ascii, packed[..ascii.len()]);
    }
}
