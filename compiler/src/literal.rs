//! Literal decoding: string and bytes escapes, and number literals.
//!
//! Pure functions from literal text to values; positions are passed in so
//! errors point at the literal.

use crate::error::{RawError, RawResult};
use crate::token::Tok;

/// Decode the escapes of a (non-raw) str literal body.
pub fn decode_str(body: &str, raw: bool, line: u32, col: u32) -> RawResult<String> {
    if raw || !body.contains('\\') {
        return Ok(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\n' => {}
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            }
            'x' | 'u' | 'U' => {
                let (len, name) = match e {
                    'x' => (2, "\\xXX"),
                    'u' => (4, "\\uXXXX"),
                    _ => (8, "\\UXXXXXXXX"),
                };
                let value = read_hex(&mut chars, len).ok_or_else(|| {
                    RawError::syntax(
                        format!("(unicode error) 'unicodeescape' codec can't decode bytes in position 0-{}: truncated {name} escape", len - 1),
                        line,
                        col,
                    )
                })?;
                let ch = char::from_u32(value).ok_or_else(|| {
                    RawError::syntax(
                        "(unicode error) 'unicodeescape' codec can't decode bytes: illegal Unicode character",
                        line,
                        col,
                    )
                })?;
                out.push(ch);
            }
            'N' => {
                return Err(RawError::unsupported(
                    "\\N{...} named unicode escape",
                    line,
                    col,
                ))
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

fn read_hex(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, len: usize) -> Option<u32> {
    let mut value: u32 = 0;
    for _ in 0..len {
        let d = chars.peek()?.to_digit(16)?;
        chars.next();
        value = value.checked_mul(16)?.checked_add(d)?;
    }
    Some(value)
}

/// Decode a bytes literal body (ASCII only, byte escapes).
pub fn decode_bytes(body: &str, raw: bool, line: u32, col: u32) -> RawResult<Vec<u8>> {
    if !body.is_ascii() {
        return Err(RawError::syntax(
            "bytes can only contain ASCII literal characters",
            line,
            col,
        ));
    }
    if raw {
        return Ok(body.as_bytes().to_vec());
    }
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = bytes.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\r' => {
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut value = u32::from(e - b'0');
                for _ in 0..2 {
                    match bytes.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'x' => {
                let hex = bytes
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) if hex.is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())) => {
                        out.push(v);
                        i += 2;
                    }
                    _ => {
                        return Err(RawError::syntax(
                            "(value error) invalid \\x escape at position 0",
                            line,
                            col,
                        ))
                    }
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// CPython's default limit on decimal digits in an int literal.
const MAX_DECIMAL_DIGITS: usize = 4300;

/// Parse an integer literal in `radix` (digits may contain `_`).
pub fn parse_int(digits: &str, radix: u32, line: u32, col: u32) -> RawResult<Tok> {
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if radix == 10 && clean.len() > 1 && clean.starts_with('0') && clean.chars().any(|c| c != '0') {
        return Err(RawError::syntax(
            "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
            line,
            col,
        ));
    }
    let digits = clean.trim_start_matches('0').len();
    if radix == 10 && digits > MAX_DECIMAL_DIGITS {
        return Err(RawError::syntax(
            format!(
                "Exceeds the limit ({MAX_DECIMAL_DIGITS} digits) for integer string conversion: value has {digits} digits; use sys.set_int_max_str_digits() to increase the limit - Consider hexadecimal for huge integer literals to avoid decimal conversion limits."
            ),
            line,
            col,
        ));
    }
    if let Ok(v) = i64::from_str_radix(&clean, radix) {
        return Ok(Tok::Int(v));
    }
    // Arbitrary precision: little-endian base-1e9 limbs.
    let mut limbs: Vec<u64> = vec![0];
    for c in clean.chars() {
        let d = u64::from(
            c.to_digit(radix)
                .ok_or_else(|| RawError::syntax("invalid syntax", line, col))?,
        );
        let mut carry = d;
        for limb in limbs.iter_mut() {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut text = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            text.push_str(&limb.to_string());
        } else {
            text.push_str(&format!("{limb:09}"));
        }
    }
    Ok(Tok::BigInt(text))
}

/// Parse a float literal (digits may contain `_`).
pub fn parse_float(text: &str, line: u32, col: u32) -> RawResult<Tok> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    clean
        .parse::<f64>()
        .map(Tok::Float)
        .map_err(|_| RawError::syntax("invalid decimal literal", line, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_escapes() {
        assert_eq!(
            decode_str(r"a\n\t\\\'\x41\u00e9\101\q", false, 1, 1).unwrap(),
            "a\n\t\\'Aé".to_string() + "A\\q"
        );
        assert_eq!(decode_str(r"a\n", true, 1, 1).unwrap(), "a\\n");
        assert!(decode_str(r"\x4", false, 1, 1).is_err());
        assert!(decode_str(r"\N{DASH}", false, 1, 1).is_err());
    }

    #[test]
    fn bytes_escapes() {
        assert_eq!(
            decode_bytes(r"a\x00\xff\n", false, 1, 1).unwrap(),
            b"a\x00\xff\n".to_vec()
        );
        assert!(decode_bytes("é", false, 1, 1).is_err());
    }

    #[test]
    fn ints() {
        assert_eq!(parse_int("1_000", 10, 1, 1).unwrap(), Tok::Int(1000));
        assert_eq!(parse_int("ff", 16, 1, 1).unwrap(), Tok::Int(255));
        assert_eq!(
            parse_int("99999999999999999999", 10, 1, 1).unwrap(),
            Tok::BigInt("99999999999999999999".into())
        );
        assert_eq!(
            parse_int("ffffffffffffffff", 16, 1, 1).unwrap(),
            Tok::BigInt("18446744073709551615".into())
        );
        assert!(parse_int("012", 10, 1, 1).is_err());
        assert_eq!(parse_int("000", 10, 1, 1).unwrap(), Tok::Int(0));
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float("1.", 1, 1).unwrap(), Tok::Float(1.0));
        assert_eq!(parse_float(".5", 1, 1).unwrap(), Tok::Float(0.5));
        assert_eq!(parse_float("1_0.5e-1", 1, 1).unwrap(), Tok::Float(1.05));
        assert_eq!(parse_float("1.e2", 1, 1).unwrap(), Tok::Float(100.0));
    }
}
