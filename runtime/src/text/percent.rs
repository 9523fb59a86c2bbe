//! `str % args`: parsing of `%` directives and rendering with CPython's
//! exact results and errors. Values are reached through [`PercentOperand`],
//! so the runtime plugs in its own `str()`/`repr()`/number conversions.

use super::format_spec::{
    assemble_number, format_float, pad, Align, FormatSpec, NumberParts, SignMode,
};
use super::int_format::OwnedInt;
use super::{TextError, TextResult};

/// One operand of `%`-formatting as seen by the formatter.
pub trait PercentOperand {
    /// The runtime's error type; formatting errors convert into it.
    type Error: From<TextError>;
    /// `str(value)`.
    fn str_text(&self) -> Result<String, Self::Error>;
    /// `repr(value)`.
    fn repr_text(&self) -> Result<String, Self::Error>;
    /// `ascii(value)`.
    fn ascii_text(&self) -> Result<String, Self::Error>;
    /// The value as an int if it is one (bool included).
    fn int_value(&self) -> Option<OwnedInt>;
    /// The value if it is a float object.
    fn float_value(&self) -> Option<f64>;
    /// The character if the value is a one-character string.
    fn single_char(&self) -> Option<char>;
    /// Python type name for error messages.
    fn type_name(&self) -> String;
}

/// Looks a `%(key)` up in the mapping operand.
pub type KeyLookup<'a, O> = &'a dyn Fn(&str) -> Result<O, <O as PercentOperand>::Error>;

/// The right-hand side of `%`.
pub struct PercentArgs<'a, O: PercentOperand> {
    /// Tuple items, or a one-element slice holding a non-tuple operand
    /// (a mapping operand included).
    pub positional: &'a [O],
    /// Key lookup when the operand is a mapping (CPython: anything with
    /// `__getitem__` that is not a tuple or str).
    pub mapping: Option<KeyLookup<'a, O>>,
}

/// A width or precision: literal or `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Fixed(usize),
    Star,
}

/// One parsed `%` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub key: Option<String>,
    pub left: bool,
    pub plus: bool,
    pub space: bool,
    pub alternate: bool,
    pub zero: bool,
    pub width: Option<Count>,
    pub precision: Option<Count>,
    pub conversion: char,
}

/// A parsed format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    Directive(Directive),
}

fn read_count(chars: &[char], pos: &mut usize) -> TextResult<Option<Count>> {
    if chars.get(*pos) == Some(&'*') {
        *pos += 1;
        return Ok(Some(Count::Star));
    }
    let start = *pos;
    let mut value: usize = 0;
    while let Some(d) = chars.get(*pos).and_then(|c| c.to_digit(10)) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d as usize))
            .filter(|v| *v <= i32::MAX as usize)
            .ok_or_else(|| TextError::value("width too big"))?;
        *pos += 1;
    }
    Ok((*pos > start).then_some(Count::Fixed(value)))
}

/// Parses a `%` format string into literal text and directives.
pub fn parse_percent(format: &str) -> TextResult<Vec<Piece>> {
    let chars: Vec<char> = format.chars().collect();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut pos = 0;
    while let Some(&c) = chars.get(pos) {
        pos += 1;
        if c != '%' {
            literal.push(c);
            continue;
        }
        let incomplete = || TextError::value("incomplete format");
        let mut directive = Directive {
            key: None,
            left: false,
            plus: false,
            space: false,
            alternate: false,
            zero: false,
            width: None,
            precision: None,
            conversion: 's',
        };
        if chars.get(pos) == Some(&'(') {
            pos += 1;
            let mut depth = 1;
            let start = pos;
            while depth > 0 {
                match chars.get(pos) {
                    Some('(') => depth += 1,
                    Some(')') => depth -= 1,
                    Some(_) => {}
                    None => return Err(TextError::value("incomplete format key")),
                }
                pos += 1;
            }
            directive.key = Some(chars[start..pos - 1].iter().collect());
        }
        while let Some(&flag) = chars.get(pos) {
            match flag {
                '-' => directive.left = true,
                '+' => directive.plus = true,
                ' ' => directive.space = true,
                '#' => directive.alternate = true,
                '0' => directive.zero = true,
                _ => break,
            }
            pos += 1;
        }
        directive.width = read_count(&chars, &mut pos)?;
        if chars.get(pos) == Some(&'.') {
            pos += 1;
            directive.precision = Some(read_count(&chars, &mut pos)?.unwrap_or(Count::Fixed(0)));
        }
        while matches!(chars.get(pos), Some('h' | 'l' | 'L')) {
            pos += 1;
        }
        let conversion = *chars.get(pos).ok_or_else(incomplete)?;
        if !"%sradiuxXoeEfFgGc".contains(conversion) {
            return Err(TextError::value(format!(
                "unsupported format character '{conversion}' (0x{:x}) at index {pos}",
                conversion as u32
            )));
        }
        pos += 1;
        if conversion == '%' {
            literal.push('%');
            continue;
        }
        directive.conversion = conversion;
        if !literal.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
        }
        pieces.push(Piece::Directive(directive));
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

struct ArgCursor<'a, 'm, O: PercentOperand> {
    args: &'a PercentArgs<'m, O>,
    next: usize,
}

impl<O: PercentOperand> ArgCursor<'_, '_, O> {
    fn next_arg(&mut self) -> Result<&O, O::Error> {
        let arg = self
            .args
            .positional
            .get(self.next)
            .ok_or_else(|| TextError::type_error("not enough arguments for format string"))?;
        self.next += 1;
        Ok(arg)
    }

    /// Resolves `*` counts; a negative `*` width means left alignment.
    fn count(&mut self, count: Option<Count>, left: &mut bool) -> Result<Option<usize>, O::Error> {
        match count {
            None => Ok(None),
            Some(Count::Fixed(n)) => Ok(Some(n)),
            Some(Count::Star) => {
                let value = self
                    .next_arg()?
                    .int_value()
                    .and_then(|v| v.as_ref().to_i64())
                    .ok_or_else(|| TextError::type_error("* wants int"))?;
                if value < 0 {
                    *left = true;
                }
                Ok(Some(value.unsigned_abs() as usize))
            }
        }
    }
}

/// Renders `format % args`.
pub fn percent_format<O: PercentOperand>(
    format: &str,
    args: &PercentArgs<'_, O>,
) -> Result<String, O::Error> {
    let pieces = parse_percent(format)?;
    let mut cursor = ArgCursor { args, next: 0 };
    let mut out = String::new();
    for piece in &pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Directive(directive) => {
                let text = render_directive(directive, &mut cursor)?;
                out.push_str(&text);
            }
        }
    }
    if cursor.next < args.positional.len() && args.mapping.is_none() {
        return Err(
            TextError::type_error("not all arguments converted during string formatting").into(),
        );
    }
    Ok(out)
}

fn render_directive<O: PercentOperand>(
    directive: &Directive,
    cursor: &mut ArgCursor<'_, '_, O>,
) -> Result<String, O::Error> {
    let mut left = directive.left;
    let width = cursor.count(directive.width, &mut left)?;
    let mut ignored = false;
    let precision = cursor.count(directive.precision, &mut ignored)?;
    let keyed;
    let arg: &O = match &directive.key {
        Some(key) => {
            let lookup = cursor
                .args
                .mapping
                .ok_or_else(|| TextError::type_error("format requires a mapping"))?;
            keyed = lookup(key)?;
            // CPython: once a key is used, a later unkeyed directive finds
            // no arguments left.
            cursor.next = cursor.args.positional.len();
            &keyed
        }
        None => cursor.next_arg()?,
    };
    let align = if left { Align::Left } else { Align::Right };
    let spec = FormatSpec {
        fill: Some(if directive.zero && !left { '0' } else { ' ' }),
        align: Some(if directive.zero && !left {
            Align::AfterSign
        } else {
            align
        }),
        sign: if directive.plus {
            Some(SignMode::Plus)
        } else if directive.space {
            Some(SignMode::Space)
        } else {
            None
        },
        alternate: directive.alternate,
        width,
        precision,
        ..FormatSpec::default()
    };
    let conversion = directive.conversion;
    let text = match conversion {
        's' | 'r' | 'a' => {
            let text = match conversion {
                's' => arg.str_text()?,
                'r' => arg.repr_text()?,
                _ => arg.ascii_text()?,
            };
            let text = match precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            };
            pad(&text, ' ', align, width)
        }
        'c' => {
            let c = match (arg.int_value(), arg.single_char()) {
                (Some(v), _) => v
                    .as_ref()
                    .to_i64()
                    .and_then(|v| u32::try_from(v).ok())
                    .filter(|v| *v < 0x110000)
                    .map(|v| char::from_u32(v).unwrap_or('\u{FFFD}'))
                    .ok_or_else(|| TextError::overflow("%c arg not in range(0x110000)"))?,
                (None, Some(c)) => c,
                (None, None) => return Err(TextError::type_error("%c requires int or char").into()),
            };
            pad(&c.to_string(), ' ', align, width)
        }
        'd' | 'i' | 'u' | 'x' | 'X' | 'o' => render_int(arg, conversion, &spec)?,
        _ => {
            let f = match (arg.float_value(), arg.int_value()) {
                (Some(f), _) => f,
                (None, Some(v)) => v
                    .as_ref()
                    .to_f64()
                    .ok_or_else(|| TextError::overflow("int too large to convert to float"))?,
                (None, None) => {
                    return Err(TextError::type_error(format!(
                        "must be real number, not {}",
                        arg.type_name()
                    ))
                    .into())
                }
            };
            let float_spec = FormatSpec {
                ty: Some(conversion),
                precision: Some(precision.unwrap_or(6)),
                ..spec
            };
            format_float(f, &float_spec, "float")?
        }
    };
    Ok(text)
}

fn render_int<O: PercentOperand>(
    arg: &O,
    conversion: char,
    spec: &FormatSpec,
) -> Result<String, O::Error> {
    let value = match (arg.int_value(), arg.float_value()) {
        (Some(v), _) => v,
        (None, Some(f)) if matches!(conversion, 'd' | 'i' | 'u') => {
            if f.is_nan() {
                return Err(TextError::value("cannot convert float NaN to integer").into());
            }
            OwnedInt::from_f64_truncated(f)
                .ok_or_else(|| TextError::overflow("cannot convert float infinity to integer"))?
        }
        _ => {
            let what = if matches!(conversion, 'd' | 'i' | 'u') {
                "a real number"
            } else {
                "an integer"
            };
            return Err(TextError::type_error(format!(
                "%{conversion} format: {what} is required, not {}",
                arg.type_name()
            ))
            .into());
        }
    };
    let value = value.as_ref();
    let radix = match conversion {
        'x' | 'X' => 16,
        'o' => 8,
        _ => 10,
    };
    let mut digits = value.magnitude_digits(radix);
    if conversion == 'X' {
        digits = digits.to_uppercase();
    }
    if let Some(p) = spec.precision {
        if digits.len() < p {
            digits = "0".repeat(p - digits.len()) + &digits;
        }
    }
    let prefix = match (spec.alternate, conversion) {
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        (true, 'o') => "0o",
        _ => "",
    };
    Ok(assemble_number(
        NumberParts {
            negative: value.is_negative(),
            prefix,
            digits: &digits,
            rest: "",
            grouping: None,
        },
        spec,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for runtime values.
    #[derive(Debug, Clone)]
    pub enum V {
        I(i64),
        F(f64),
        S(&'static str),
        B(bool),
    }

    impl PercentOperand for V {
        type Error = TextError;
        fn str_text(&self) -> TextResult<String> {
            Ok(match self {
                V::I(i) => i.to_string(),
                V::F(f) => super::super::float_repr::float_repr(*f),
                V::S(s) => s.to_string(),
                V::B(b) => if *b { "True" } else { "False" }.to_string(),
            })
        }
        fn repr_text(&self) -> TextResult<String> {
            match self {
                V::S(s) => Ok(format!("'{s}'")),
                other => other.str_text(),
            }
        }
        fn ascii_text(&self) -> TextResult<String> {
            self.repr_text()
        }
        fn int_value(&self) -> Option<OwnedInt> {
            match self {
                V::I(i) => Some(OwnedInt::Small(*i)),
                V::B(b) => Some(OwnedInt::Small(i64::from(*b))),
                _ => None,
            }
        }
        fn float_value(&self) -> Option<f64> {
            match self {
                V::F(f) => Some(*f),
                _ => None,
            }
        }
        fn single_char(&self) -> Option<char> {
            match self {
                V::S(s) if s.chars().count() == 1 => s.chars().next(),
                _ => None,
            }
        }
        fn type_name(&self) -> String {
            match self {
                V::I(_) => "int",
                V::F(_) => "float",
                V::S(_) => "str",
                V::B(_) => "bool",
            }
            .to_string()
        }
    }

    #[allow(clippy::approx_constant)]
    mod cases {
        use super::V;
        include!("percent_cases.txt");
    }
    use cases::PERCENT_CASES;

    #[test]
    fn percent_matches_cpython() {
        let mut failures = Vec::new();
        for (format, args, want) in PERCENT_CASES {
            let got = percent_format(
                format,
                &PercentArgs {
                    positional: args,
                    mapping: None,
                },
            )
            .map_err(|e| e.to_string());
            let want = want.map(str::to_string).map_err(str::to_string);
            if got != want {
                failures.push(format!("{format:?} % {args:?} = {got:?}, want {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn mapping_lookup() {
        let lookup = |key: &str| -> TextResult<V> {
            match key {
                "a" => Ok(V::I(1)),
                "b" => Ok(V::S("x")),
                other => Err(TextError::key(other)),
            }
        };
        let whole = [V::S("{...}")];
        let args = PercentArgs {
            positional: &whole,
            mapping: Some(&lookup),
        };
        assert_eq!(
            percent_format("%(a)s %(b)r", &args),
            Ok("1 'x'".to_string())
        );
        assert_eq!(percent_format("hello", &args), Ok("hello".to_string()));
        assert_eq!(
            percent_format("%(c)s", &args).map_err(|e| e.to_string()),
            Err("KeyError: 'c'".to_string())
        );
    }
}
