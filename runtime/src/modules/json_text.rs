//! JSON text, independent of runtime values: a parser producing a neutral
//! tree with CPython's `JSONDecodeError` messages, and the string escaper
//! and the float and small-int spelling used by `json.dumps`.

use num_bigint::BigInt;

use crate::text::float_repr::float_repr;
use crate::text::int_format::OwnedInt;

/// A parsed JSON document. Objects keep every pair in source order; a
/// repeated key appears twice and the consumer lets the last one win.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonValue {
    Null,
    Bool(bool),
    Int(OwnedInt),
    Float(f64),
    Str(String),
    Array(Vec<JsonValue>),
    Object(Vec<(String, JsonValue)>),
}

/// CPython's `JSONDecodeError`: message plus character position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.full_message())]
pub struct JsonDecodeError {
    pub msg: &'static str,
    /// Character (code point) offset.
    pub pos: usize,
    pub line: usize,
    pub column: usize,
}

impl JsonDecodeError {
    /// `msg: line L column C (char P)` exactly as CPython words it.
    pub fn full_message(&self) -> String {
        format!(
            "{}: line {} column {} (char {})",
            self.msg, self.line, self.column, self.pos
        )
    }
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
}

/// Parses a complete JSON document.
pub fn parse_json(text: &str) -> Result<JsonValue, JsonDecodeError> {
    let chars: Vec<char> = text.chars().collect();
    let mut parser = Parser {
        chars: &chars,
        pos: 0,
    };
    let result = parser.document();
    result.map_err(|(msg, pos)| {
        let before = &chars[..pos.min(chars.len())];
        let line = before.iter().filter(|c| **c == '\n').count() + 1;
        let column = match before.iter().rposition(|c| *c == '\n') {
            Some(newline) => pos - newline,
            None => pos + 1,
        };
        JsonDecodeError {
            msg,
            pos,
            line,
            column,
        }
    })
}

type Step<T> = Result<T, (&'static str, usize)>;

const EXPECTING_VALUE: &str = "Expecting value";

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.pos += 1;
        }
    }

    fn document(&mut self) -> Step<JsonValue> {
        self.skip_ws();
        let value = self.value()?;
        self.skip_ws();
        if self.pos < self.chars.len() {
            return Err(("Extra data", self.pos));
        }
        Ok(value)
    }

    fn starts_with(&self, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(offset, c)| self.chars.get(self.pos + offset) == Some(&c))
    }

    fn keyword(&mut self, word: &str) -> bool {
        if self.starts_with(word) {
            self.pos += word.chars().count();
            true
        } else {
            false
        }
    }

    /// A value at the current position (whitespace already skipped).
    fn value(&mut self) -> Step<JsonValue> {
        match self.peek() {
            Some('"') => {
                self.pos += 1;
                Ok(JsonValue::Str(self.string()?))
            }
            Some('{') => {
                self.pos += 1;
                self.object()
            }
            Some('[') => {
                self.pos += 1;
                self.array()
            }
            Some('n') if self.keyword("null") => Ok(JsonValue::Null),
            Some('t') if self.keyword("true") => Ok(JsonValue::Bool(true)),
            Some('f') if self.keyword("false") => Ok(JsonValue::Bool(false)),
            Some('N') if self.keyword("NaN") => Ok(JsonValue::Float(f64::NAN)),
            Some('I') if self.keyword("Infinity") => Ok(JsonValue::Float(f64::INFINITY)),
            Some('-') if self.starts_with("-Infinity") => {
                self.pos += "-Infinity".len();
                Ok(JsonValue::Float(f64::NEG_INFINITY))
            }
            Some('-' | '0'..='9') => self.number(),
            _ => Err((EXPECTING_VALUE, self.pos)),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some('0'..='9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Step<JsonValue> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        match self.peek() {
            Some('0') => self.pos += 1,
            Some('1'..='9') => {
                self.digits();
            }
            _ => return Err((EXPECTING_VALUE, start)),
        }
        let mut is_float = false;
        if self.peek() == Some('.') && matches!(self.chars.get(self.pos + 1), Some('0'..='9')) {
            self.pos += 1;
            self.digits();
            is_float = true;
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                self.pos = save;
            } else {
                is_float = true;
            }
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if is_float {
            let f: f64 = text.parse().map_err(|_| (EXPECTING_VALUE, start))?;
            return Ok(JsonValue::Float(f));
        }
        Ok(JsonValue::Int(match text.parse::<i64>() {
            Ok(small) => OwnedInt::Small(small),
            Err(_) => OwnedInt::Big(
                text.parse::<BigInt>()
                    .map_err(|_| (EXPECTING_VALUE, start))?,
            ),
        }))
    }

    /// String body after the opening quote.
    fn string(&mut self) -> Step<String> {
        let quote = self.pos - 1;
        let mut out = String::new();
        loop {
            let c = self
                .peek()
                .ok_or(("Unterminated string starting at", quote))?;
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    let backslash = self.pos;
                    self.pos += 1;
                    let esc = self
                        .peek()
                        .ok_or(("Unterminated string starting at", quote))?;
                    self.pos += 1;
                    match esc {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => out.push(self.unicode_escape()?),
                        _ => return Err(("Invalid \\escape", backslash)),
                    }
                }
                c if (c as u32) < 0x20 => return Err(("Invalid control character at", self.pos)),
                c => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Step<u32> {
        let start = self.pos;
        let mut value = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|c| c.to_digit(16))
                .ok_or(("Invalid \\uXXXX escape", start - 1))?;
            value = value * 16 + digit;
            self.pos += 1;
        }
        Ok(value)
    }

    /// After `\u`: one code unit, or a surrogate pair.
    fn unicode_escape(&mut self) -> Step<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.starts_with("\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(combined).unwrap_or('\u{FFFD}'));
            }
            self.pos = save;
        }
        // Lone surrogates cannot be held in a Rust string.
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }

    fn object(&mut self) -> Step<JsonValue> {
        let mut pairs = Vec::new();
        self.skip_ws();
        if self.peek() == Some('}') {
            self.pos += 1;
            return Ok(JsonValue::Object(pairs));
        }
        loop {
            if self.peek() != Some('"') {
                return Err((
                    "Expecting property name enclosed in double quotes",
                    self.pos,
                ));
            }
            self.pos += 1;
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(':') {
                return Err(("Expecting ':' delimiter", self.pos));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value()?;
            pairs.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some('}') => {
                    self.pos += 1;
                    return Ok(JsonValue::Object(pairs));
                }
                Some(',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                _ => return Err(("Expecting ',' delimiter", self.pos)),
            }
        }
    }

    fn array(&mut self) -> Step<JsonValue> {
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(']') {
            self.pos += 1;
            return Ok(JsonValue::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(']') => {
                    self.pos += 1;
                    return Ok(JsonValue::Array(items));
                }
                Some(',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                _ => return Err(("Expecting ',' delimiter", self.pos)),
            }
        }
    }
}

/// A JSON string literal (with quotes) as `json.dumps` writes it.
pub fn json_quote(s: &str, ensure_ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    json_quote_into(&mut out, s, ensure_ascii);
    out
}

/// Appends `s` quoted as `json.dumps` writes a str. Text that needs no
/// escape (the usual case) is copied in one piece.
pub fn json_quote_into(out: &mut String, s: &str, ensure_ascii: bool) {
    let plain = |b: &u8| *b >= 0x20 && *b != b'"' && *b != b'\\' && (!ensure_ascii || *b < 0x7f);
    out.push('"');
    if s.as_bytes().iter().all(plain) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && c == '\u{7f}') => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if ensure_ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as `json.dumps` writes it (`allow_nan` handled by the caller).
pub fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_string()
    } else if f == f64::INFINITY {
        "Infinity".to_string()
    } else if f == f64::NEG_INFINITY {
        "-Infinity".to_string()
    } else {
        float_repr(f)
    }
}

/// Appends an `i64`'s decimal digits, without the formatting machinery.
pub fn push_small_int(out: &mut String, n: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match parse_json(text) {
            Ok(v) => format!("ok {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn decode_errors_match_cpython() {
        let cases = [
            ("", "Expecting value: line 1 column 1 (char 0)"),
            (" ", "Expecting value: line 1 column 2 (char 1)"),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            (
                "{\"a\":1,}",
                "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)",
            ),
            (
                "{\"a\" 1}",
                "Expecting ':' delimiter: line 1 column 6 (char 5)",
            ),
            ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
            (
                "\"abc",
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            (
                "\"a\u{1}\"",
                "Invalid control character at: line 1 column 3 (char 2)",
            ),
            ("\"\\q\"", "Invalid \\escape: line 1 column 2 (char 1)"),
            (
                "\"\\u12\"",
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            ("1 2", "Extra data: line 1 column 3 (char 2)"),
            ("-", "Expecting value: line 1 column 1 (char 0)"),
            ("01", "Extra data: line 1 column 2 (char 1)"),
            ("[", "Expecting value: line 1 column 2 (char 1)"),
            (
                "{",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            ("nul", "Expecting value: line 1 column 1 (char 0)"),
            ("\n\n  x", "Expecting value: line 3 column 3 (char 4)"),
            ("[1,\n2,\n]", "Expecting value: line 3 column 1 (char 7)"),
            ("1.", "Extra data: line 1 column 2 (char 1)"),
            (".5", "Expecting value: line 1 column 1 (char 0)"),
        ];
        for (text, want) in cases {
            assert_eq!(err(text), want, "loads({text:?})");
        }
    }

    #[test]
    fn decodes_values() {
        assert_eq!(
            parse_json("{\"a\": [1, 2.5, \"x\\u00e9\\ud83d\\ude00\"], \"b\": null, \"c\": true}"),
            Ok(JsonValue::Object(vec![
                (
                    "a".into(),
                    JsonValue::Array(vec![
                        JsonValue::Int(OwnedInt::Small(1)),
                        JsonValue::Float(2.5),
                        JsonValue::Str("xé😀".into()),
                    ])
                ),
                ("b".into(), JsonValue::Null),
                ("c".into(), JsonValue::Bool(true)),
            ]))
        );
        assert_eq!(parse_json("-0"), Ok(JsonValue::Int(OwnedInt::Small(0))));
        assert_eq!(parse_json("1E400"), Ok(JsonValue::Float(f64::INFINITY)));
        assert!(matches!(
            parse_json("123456789012345678901234567890"),
            Ok(JsonValue::Int(OwnedInt::Big(_)))
        ));
    }

    #[test]
    fn quoting_matches_cpython() {
        assert_eq!(
            json_quote("a\"b\\c\n\u{1}", true),
            "\"a\\\"b\\\\c\\n\\u0001\""
        );
        assert_eq!(
            json_quote("é😀\u{7f}", true),
            "\"\\u00e9\\ud83d\\ude00\\u007f\""
        );
        assert_eq!(json_quote("é😀\u{7f}", false), "\"é😀\u{7f}\"");
        assert_eq!(json_float(1e16), "1e+16");
        assert_eq!(json_float(f64::NEG_INFINITY), "-Infinity");
    }
}
