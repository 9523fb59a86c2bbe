//! The format-spec mini-language (`[[fill]align][sign][z][#][0][width]
//! [grouping][.precision][type]`) and its application to ints, floats and
//! strings, with CPython's exact results and error messages.
//!
//! Callers: an empty spec means `str(value)` for every type (that is how
//! `bool` prints `True`); these functions handle the non-empty cases.

use super::float_repr::{fixed_magnitude, general_magnitude, repr_magnitude, scientific_magnitude};
use super::int_format::IntRef;
use super::{TextError, TextResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
    /// `=`: padding goes between the sign/prefix and the digits.
    AfterSign,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMode {
    Minus,
    Plus,
    Space,
}

/// A parsed format spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatSpec {
    pub fill: Option<char>,
    pub align: Option<Align>,
    pub sign: Option<SignMode>,
    pub no_negative_zero: bool,
    pub alternate: bool,
    pub width: Option<usize>,
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    pub ty: Option<char>,
    /// A `0` flag without explicit alignment: numbers pad after the sign.
    pub sign_aware_zero: bool,
}

fn align_of(c: char) -> Option<Align> {
    match c {
        '<' => Some(Align::Left),
        '>' => Some(Align::Right),
        '^' => Some(Align::Center),
        '=' => Some(Align::AfterSign),
        _ => None,
    }
}

fn too_many_digits() -> TextError {
    TextError::value("Too many decimal digits in format string")
}

/// Reads a run of decimal digits starting at `pos`; `None` if there are none.
fn read_number(chars: &[char], pos: &mut usize) -> TextResult<Option<usize>> {
    let start = *pos;
    let mut value: usize = 0;
    while let Some(d) = chars.get(*pos).and_then(|c| c.to_digit(10)) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d as usize))
            .filter(|v| *v <= isize::MAX as usize)
            .ok_or_else(too_many_digits)?;
        *pos += 1;
    }
    Ok((*pos > start).then_some(value))
}

/// Parses `spec` for an object whose Python type is named `type_name`
/// (used in error messages).
pub fn parse_format_spec(spec: &str, type_name: &str) -> TextResult<FormatSpec> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = FormatSpec::default();
    let mut pos = 0;
    if let Some(align) = chars.get(1).and_then(|c| align_of(*c)) {
        out.fill = chars.first().copied();
        out.align = Some(align);
        pos = 2;
    } else if let Some(align) = chars.first().and_then(|c| align_of(*c)) {
        out.align = Some(align);
        pos = 1;
    }
    match chars.get(pos) {
        Some('+') => out.sign = Some(SignMode::Plus),
        Some('-') => out.sign = Some(SignMode::Minus),
        Some(' ') => out.sign = Some(SignMode::Space),
        _ => {}
    }
    if out.sign.is_some() {
        pos += 1;
    }
    if chars.get(pos) == Some(&'z') {
        out.no_negative_zero = true;
        pos += 1;
    }
    if chars.get(pos) == Some(&'#') {
        out.alternate = true;
        pos += 1;
    }
    if out.fill.is_none() && chars.get(pos) == Some(&'0') {
        out.fill = Some('0');
        out.sign_aware_zero = out.align.is_none();
        pos += 1;
    }
    out.width = read_number(&chars, &mut pos)?;
    match chars.get(pos) {
        Some(',') => {
            out.grouping = Some(',');
            pos += 1;
        }
        Some('_') => {
            out.grouping = Some('_');
            pos += 1;
        }
        _ => {}
    }
    if out.grouping.is_some() && matches!(chars.get(pos), Some(',') | Some('_')) {
        return Err(TextError::value("Cannot specify both ',' and '_'."));
    }
    if chars.get(pos) == Some(&'.') {
        pos += 1;
        out.precision = read_number(&chars, &mut pos)?;
        if out.precision.is_none() {
            return Err(TextError::value("Format specifier missing precision"));
        }
    }
    let rest = &chars[pos.min(chars.len())..];
    if rest.len() > 1 {
        return Err(TextError::value(format!(
            "Invalid format specifier '{spec}' for object of type '{type_name}'"
        )));
    }
    out.ty = rest.first().copied();
    if let (Some(sep), Some(ty)) = (out.grouping, out.ty) {
        let allowed = match sep {
            ',' => "deEfFgG%",
            _ => "deEfFgG%boxX",
        };
        if !allowed.contains(ty) {
            return Err(TextError::value(format!(
                "Cannot specify '{sep}' with '{ty}'."
            )));
        }
    }
    Ok(out)
}

impl FormatSpec {
    fn fill_char(&self) -> char {
        self.fill.unwrap_or(' ')
    }

    fn numeric_align(&self) -> Align {
        match self.align {
            Some(align) => align,
            None if self.sign_aware_zero => Align::AfterSign,
            None => Align::Right,
        }
    }

    fn sign_text(&self, negative: bool) -> &'static str {
        if negative {
            return "-";
        }
        match self.sign {
            Some(SignMode::Plus) => "+",
            Some(SignMode::Space) => " ",
            _ => "",
        }
    }
}

/// Pads `body` to `width` characters with `fill`.
pub(crate) fn pad(body: &str, fill: char, align: Align, width: Option<usize>) -> String {
    let len = body.chars().count();
    let total = width.unwrap_or(0);
    if len >= total {
        return body.to_string();
    }
    let missing = total - len;
    let (left, right) = match align {
        Align::Left => (0, missing),
        Align::Center => (missing / 2, missing - missing / 2),
        Align::Right | Align::AfterSign => (missing, 0),
    };
    let mut out = String::with_capacity(body.len() + missing);
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(body);
    out.extend(std::iter::repeat_n(fill, right));
    out
}

/// Inserts `sep` every `size` digits from the right.
fn group_digits(digits: &str, sep: char, size: usize) -> String {
    let count = digits.chars().count();
    let mut out = String::with_capacity(digits.len() + count / size.max(1));
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (count - i).is_multiple_of(size.max(1)) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// The pieces of a formatted number before padding.
pub(crate) struct NumberParts<'a> {
    pub negative: bool,
    pub prefix: &'a str,
    /// Integer digits eligible for grouping (empty for inf/nan).
    pub digits: &'a str,
    /// Everything after the integer digits: fraction, exponent, `%`, or the
    /// whole body for inf/nan.
    pub rest: &'a str,
    /// Grouping separator and group size, if requested.
    pub grouping: Option<(char, usize)>,
}

pub(crate) fn assemble_number(parts: NumberParts<'_>, spec: &FormatSpec) -> String {
    let sign = spec.sign_text(parts.negative);
    let align = spec.numeric_align();
    let fill = spec.fill_char();
    let width = spec.width.unwrap_or(0);
    if parts.grouping.is_none() {
        // The common case: no digit groups to insert, so the pieces go
        // straight into one buffer of the final size.
        let used = sign.len()
            + parts.prefix.len()
            + parts.digits.chars().count()
            + parts.rest.chars().count();
        let padding = width.saturating_sub(used);
        let (left, middle, right) = match align {
            Align::Left => (0, 0, padding),
            Align::Right => (padding, 0, 0),
            Align::Center => (padding / 2, 0, padding - padding / 2),
            Align::AfterSign => (0, padding, 0),
        };
        let mut out = String::with_capacity(
            sign.len()
                + parts.prefix.len()
                + parts.digits.len()
                + parts.rest.len()
                + padding * fill.len_utf8(),
        );
        out.extend(std::iter::repeat_n(fill, left));
        out.push_str(sign);
        out.push_str(parts.prefix);
        out.extend(std::iter::repeat_n(fill, middle));
        out.push_str(parts.digits);
        out.push_str(parts.rest);
        out.extend(std::iter::repeat_n(fill, right));
        return out;
    }
    let mut digits = parts.digits.to_string();
    if let Some((sep, size)) = parts.grouping {
        if fill == '0' && align == Align::AfterSign && !digits.is_empty() {
            // Zero padding is grouped too: widen the digit run until the
            // grouped form fills the space left by sign, prefix and rest.
            let fixed = sign.len() + parts.prefix.len() + parts.rest.chars().count();
            let wanted = width.saturating_sub(fixed);
            let mut count = digits.len();
            while count + (count - 1) / size < wanted {
                count += 1;
            }
            digits = "0".repeat(count - digits.len()) + &digits;
        }
        digits = group_digits(&digits, sep, size);
    }
    let head = format!("{sign}{}", parts.prefix);
    let tail = format!("{digits}{}", parts.rest);
    if align == Align::AfterSign {
        let used = head.chars().count() + tail.chars().count();
        let padding = width.saturating_sub(used);
        let mut out = head;
        out.extend(std::iter::repeat_n(fill, padding));
        out.push_str(&tail);
        out
    } else {
        pad(&(head + &tail), fill, align, spec.width)
    }
}

fn unknown_code(ty: char, type_name: &str) -> TextError {
    TextError::value(format!(
        "Unknown format code '{ty}' for object of type '{type_name}'"
    ))
}

/// Applies `spec` to an int (`type_name` is `int` or `bool`).
pub fn format_int(value: IntRef<'_>, spec: &FormatSpec, type_name: &str) -> TextResult<String> {
    let ty = spec.ty.unwrap_or('d');
    let radix = match ty {
        'd' | 'n' => 10,
        'x' | 'X' => 16,
        'o' => 8,
        'b' => 2,
        'c' => 0,
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => {
            let f = value
                .to_f64()
                .ok_or_else(|| TextError::overflow("int too large to convert to float"))?;
            return format_float(f, spec, type_name);
        }
        other => return Err(unknown_code(other, type_name)),
    };
    if spec.precision.is_some() {
        return Err(TextError::value(
            "Precision not allowed in integer format specifier",
        ));
    }
    if spec.no_negative_zero {
        return Err(TextError::value(
            "Negative zero coercion (z) not allowed in integer format specifier",
        ));
    }
    if radix == 0 {
        return format_int_as_char(value, spec);
    }
    let mut buf = [0u8; 64];
    let mut digits = match value {
        // Decimal gets its own call: a constant radix divides by multiplication.
        IntRef::Small(v) if radix == 10 => std::borrow::Cow::Borrowed(
            crate::text::int_format::u64_digits(v.unsigned_abs(), 10, &mut buf),
        ),
        IntRef::Small(v) => std::borrow::Cow::Borrowed(crate::text::int_format::u64_digits(
            v.unsigned_abs(),
            u64::from(radix),
            &mut buf,
        )),
        IntRef::Big(_) => std::borrow::Cow::Owned(value.magnitude_digits(radix)),
    };
    if ty == 'X' {
        digits = std::borrow::Cow::Owned(digits.to_uppercase());
    }
    let prefix = match (spec.alternate, ty) {
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        (true, 'o') => "0o",
        (true, 'b') => "0b",
        _ => "",
    };
    let grouping = spec
        .grouping
        .map(|sep| (sep, if radix == 10 { 3 } else { 4 }));
    Ok(assemble_number(
        NumberParts {
            negative: value.is_negative(),
            prefix,
            digits: &digits,
            rest: "",
            grouping,
        },
        spec,
    ))
}

fn format_int_as_char(value: IntRef<'_>, spec: &FormatSpec) -> TextResult<String> {
    if spec.sign.is_some() {
        return Err(TextError::value(
            "Sign not allowed with integer format specifier 'c'",
        ));
    }
    if spec.alternate {
        return Err(TextError::value(
            "Alternate form (#) not allowed with integer format specifier 'c'",
        ));
    }
    let c = value
        .to_i64()
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| *v < 0x110000)
        .ok_or_else(|| TextError::overflow("%c arg not in range(0x110000)"))?;
    // Lone surrogates cannot live in a Rust string; show the replacement char.
    let c = char::from_u32(c).unwrap_or('\u{FFFD}');
    Ok(pad(
        &c.to_string(),
        spec.fill_char(),
        spec.align.unwrap_or(Align::Right),
        spec.width,
    ))
}

/// Applies `spec` to a float (`type_name` names the original object's type
/// for error messages).
pub fn format_float(f: f64, spec: &FormatSpec, type_name: &str) -> TextResult<String> {
    let upper = matches!(spec.ty, Some('E' | 'F' | 'G'));
    let alt = spec.alternate;
    let mut value = f;
    let body = match spec.ty {
        None => match spec.precision {
            None => repr_magnitude(f),
            Some(p) => general_magnitude(f, p, alt, false, true),
        },
        Some('e' | 'E') => scientific_magnitude(f, spec.precision.unwrap_or(6), alt, upper),
        Some('f' | 'F') => fixed_magnitude(f, spec.precision.unwrap_or(6), alt, upper),
        Some('g' | 'G' | 'n') => {
            general_magnitude(f, spec.precision.unwrap_or(6), alt, upper, false)
        }
        Some('%') => {
            value = f * 100.0;
            fixed_magnitude(value, spec.precision.unwrap_or(6), alt, false) + "%"
        }
        Some(other) => return Err(unknown_code(other, type_name)),
    };
    let mut negative = value.is_sign_negative() && !value.is_nan();
    if negative
        && spec.no_negative_zero
        && value.is_finite()
        && body.chars().all(|c| !('1'..='9').contains(&c))
    {
        negative = false;
    }
    let finite = value.is_finite();
    let split = if finite {
        body.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(body.len())
    } else {
        0
    };
    let (digits, rest) = body.split_at(split);
    let grouping = spec.grouping.map(|sep| (sep, 3));
    Ok(assemble_number(
        NumberParts {
            negative,
            prefix: "",
            digits,
            rest,
            grouping: if finite { grouping } else { None },
        },
        spec,
    ))
}

/// Applies `spec` to a string.
pub fn format_str(s: &str, spec: &FormatSpec) -> TextResult<String> {
    if let Some(ty) = spec.ty.filter(|t| *t != 's') {
        return Err(unknown_code(ty, "str"));
    }
    if spec.sign.is_some() {
        return Err(TextError::value(
            "Sign not allowed in string format specifier",
        ));
    }
    if spec.no_negative_zero {
        return Err(TextError::value(
            "Negative zero coercion (z) not allowed in string format specifier",
        ));
    }
    if spec.alternate {
        return Err(TextError::value(
            "Alternate form (#) not allowed in string format specifier",
        ));
    }
    if spec.align == Some(Align::AfterSign) {
        return Err(TextError::value(
            "'=' alignment not allowed in string format specifier",
        ));
    }
    if let Some(sep) = spec.grouping {
        return Err(TextError::value(format!(
            "Cannot specify '{sep}' with 's'."
        )));
    }
    let truncated: String = match spec.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    Ok(pad(
        &truncated,
        spec.fill_char(),
        spec.align.unwrap_or(Align::Left),
        spec.width,
    ))
}

/// Convenience: parse and apply to an int.
pub fn format_int_with(value: IntRef<'_>, spec: &str, type_name: &str) -> TextResult<String> {
    format_int(value, &parse_format_spec(spec, type_name)?, type_name)
}

/// Convenience: parse and apply to a float.
pub fn format_float_with(f: f64, spec: &str) -> TextResult<String> {
    format_float(f, &parse_format_spec(spec, "float")?, "float")
}

/// Convenience: parse and apply to a string.
pub fn format_str_with(s: &str, spec: &str) -> TextResult<String> {
    format_str(s, &parse_format_spec(spec, "str")?)
}

#[cfg(test)]
mod tests {
    use super::super::format_spec_cases::{FLOAT_CASES, INT_CASES, STR_CASES};
    use super::*;
    use num_bigint::BigInt;

    fn render(result: TextResult<String>) -> Result<String, String> {
        result.map_err(|e| e.to_string())
    }

    fn expected(case: &Result<&str, &str>) -> Result<String, String> {
        case.map(str::to_string).map_err(str::to_string)
    }

    /// An empty spec means `str(value)`, which the caller handles.
    fn skip_empty(spec: &str) -> bool {
        spec.is_empty()
    }

    #[test]
    fn ints_match_cpython() {
        let mut failures = Vec::new();
        for (value, spec, want) in INT_CASES {
            if skip_empty(spec) {
                continue;
            }
            let got = render(format_int_with(IntRef::Small(*value), spec, "int"));
            if got != expected(want) {
                failures.push(format!(
                    "format({value}, {spec:?}) = {got:?}, want {want:?}"
                ));
            }
            let big = BigInt::from(*value);
            let got_big = render(format_int_with(IntRef::Big(&big), spec, "int"));
            if got_big != expected(want) {
                failures.push(format!("big format({value}, {spec:?}) = {got_big:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn floats_match_cpython() {
        let mut failures = Vec::new();
        for (value, spec, want) in FLOAT_CASES {
            if skip_empty(spec) {
                continue;
            }
            let got = render(format_float_with(*value, spec));
            if got != expected(want) {
                failures.push(format!(
                    "format({value:?}, {spec:?}) = {got:?}, want {want:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn strings_match_cpython() {
        let mut failures = Vec::new();
        for (value, spec, want) in STR_CASES {
            let got = render(format_str_with(value, spec));
            if got != expected(want) {
                failures.push(format!(
                    "format({value:?}, {spec:?}) = {got:?}, want {want:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn huge_numbers_are_rejected() {
        assert_eq!(
            render(format_int_with(
                IntRef::Small(1),
                "99999999999999999999",
                "int"
            )),
            Err("ValueError: Too many decimal digits in format string".to_string())
        );
        let big = BigInt::from(2).pow(1100);
        assert_eq!(
            render(format_int_with(IntRef::Big(&big), "e", "int")),
            Err("OverflowError: int too large to convert to float".to_string())
        );
    }
}
