//! `str.format`: parsing of replacement fields (`{}`, `{0}`, `{name}`,
//! `{0.attr}`, `{0[key]}`, `{!r}`, `{:spec}`, nested `{:{width}}`, `{{`/`}}`)
//! and rendering through [`FormatSource`], with CPython's parse order and
//! error wording.

use super::{TextError, TextResult};

/// A subscript inside a field name: `[0]` is an int, `[key]` a str.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKey {
    Index(usize),
    Name(String),
}

/// An accessor following the first part of a field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accessor {
    Attribute(String),
    Item(ItemKey),
}

/// The first part of a field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldArg {
    Auto,
    Index(usize),
    Keyword(String),
}

/// Everything the renderer needs from the runtime.
pub trait FormatSource {
    type Value;
    type Error: From<TextError>;
    /// Positional argument `index`, if present.
    fn positional(&self, index: usize) -> Option<Self::Value>;
    /// Keyword argument `name`, if present.
    fn keyword(&self, name: &str) -> Option<Self::Value>;
    /// `getattr(value, name)`.
    fn attribute(&self, value: &Self::Value, name: &str) -> Result<Self::Value, Self::Error>;
    /// `value[key]`.
    fn item(&self, value: &Self::Value, key: &ItemKey) -> Result<Self::Value, Self::Error>;
    /// `str`/`repr`/`ascii` of value for `!s`/`!r`/`!a`.
    fn convert(&self, value: &Self::Value, conversion: char) -> Result<String, Self::Error>;
    /// `format(value, spec)`.
    fn format(&self, value: &Self::Value, spec: &str) -> Result<String, Self::Error>;
}

/// Splits a field name into its first part and accessors.
pub fn parse_field_name(name: &str) -> TextResult<(FieldArg, Vec<Accessor>)> {
    let first_end = name.find(['.', '[']).unwrap_or(name.len());
    let (first, mut rest) = name.split_at(first_end);
    let arg = if first.is_empty() {
        FieldArg::Auto
    } else if first.bytes().all(|b| b.is_ascii_digit()) {
        first
            .parse()
            .map(FieldArg::Index)
            .map_err(|_| TextError::value("Too many decimal digits in format string"))?
    } else {
        FieldArg::Keyword(first.to_string())
    };
    let mut accessors = Vec::new();
    while let Some(c) = rest.chars().next() {
        rest = &rest[1..];
        if c == '.' {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let (attr, tail) = rest.split_at(end);
            if attr.is_empty() {
                return Err(TextError::value("Empty attribute in format string"));
            }
            accessors.push(Accessor::Attribute(attr.to_string()));
            rest = tail;
        } else if c == '[' {
            let end = rest
                .find(']')
                .ok_or_else(|| TextError::value("Missing ']' in format string"))?;
            let key = &rest[..end];
            if key.is_empty() {
                return Err(TextError::value("Empty attribute in format string"));
            }
            let key = if key.bytes().all(|b| b.is_ascii_digit()) {
                key.parse()
                    .map(ItemKey::Index)
                    .unwrap_or_else(|_| ItemKey::Name(key.to_string()))
            } else {
                ItemKey::Name(key.to_string())
            };
            accessors.push(Accessor::Item(key));
            rest = &rest[end + 1..];
            if !rest.is_empty() && !rest.starts_with(['.', '[']) {
                return Err(TextError::value(
                    "Only '.' or '[' may follow ']' in format field specifier",
                ));
            }
        } else {
            // Unreachable by construction: `rest` always starts with . or [.
            return Err(TextError::value(
                "Only '.' or '[' may follow ']' in format field specifier",
            ));
        }
    }
    Ok((arg, accessors))
}

/// A replacement field as found in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawField {
    pub name: String,
    pub conversion: Option<char>,
    pub spec: String,
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Field(RawField),
}

/// Splits a template into literal text and fields (CPython's
/// `MarkupIterator`), leaving nested specs unexpanded.
pub fn parse_template(template: &str) -> TextResult<Vec<Segment>> {
    let chars: Vec<char> = template.chars().collect();
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut pos = 0;
    while let Some(&c) = chars.get(pos) {
        pos += 1;
        match c {
            '}' => {
                if chars.get(pos) == Some(&'}') {
                    literal.push('}');
                    pos += 1;
                } else {
                    return Err(TextError::value("Single '}' encountered in format string"));
                }
            }
            '{' => {
                if chars.get(pos) == Some(&'{') {
                    literal.push('{');
                    pos += 1;
                    continue;
                }
                if pos >= chars.len() {
                    return Err(TextError::value("Single '{' encountered in format string"));
                }
                if !literal.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut literal)));
                }
                segments.push(Segment::Field(parse_field(&chars, &mut pos)?));
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }
    Ok(segments)
}

/// Parses one field starting just after its `{` (CPython's `parse_field`).
fn parse_field(chars: &[char], pos: &mut usize) -> TextResult<RawField> {
    let start = *pos;
    let mut terminator = None;
    while let Some(&c) = chars.get(*pos) {
        *pos += 1;
        match c {
            '{' => return Err(TextError::value("unexpected '{' in field name")),
            '[' => {
                while chars.get(*pos).is_some_and(|c| *c != ']') {
                    *pos += 1;
                }
            }
            '}' | ':' | '!' => {
                terminator = Some(c);
                break;
            }
            _ => {}
        }
    }
    let name_end = if terminator.is_some() { *pos - 1 } else { *pos };
    let name: String = chars[start..name_end].iter().collect();
    let mut field = RawField {
        name,
        conversion: None,
        spec: String::new(),
    };
    match terminator {
        Some('}') => return Ok(field),
        Some('!') | Some(':') => {}
        _ => return Err(TextError::value("expected '}' before end of string")),
    }
    if terminator == Some('!') {
        let conversion = *chars.get(*pos).ok_or_else(|| {
            TextError::value("end of string while looking for conversion specifier")
        })?;
        *pos += 1;
        field.conversion = Some(conversion);
        if let Some(&next) = chars.get(*pos) {
            *pos += 1;
            if next == '}' {
                return Ok(field);
            }
            if next != ':' {
                return Err(TextError::value("expected ':' after conversion specifier"));
            }
        }
    }
    let spec_start = *pos;
    let mut depth = 1;
    while let Some(&c) = chars.get(*pos) {
        *pos += 1;
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    field.spec = chars[spec_start..*pos - 1].iter().collect();
                    return Ok(field);
                }
            }
            _ => {}
        }
    }
    Err(TextError::value("unmatched '{' in format spec"))
}

/// Auto-numbering state shared by a template and its nested specs.
#[derive(Default)]
struct Numbering {
    next_auto: usize,
    used_auto: bool,
    used_manual: bool,
}

/// Renders `template.format(*args, **kwargs)`.
pub fn str_format<S: FormatSource>(template: &str, source: &S) -> Result<String, S::Error> {
    let mut numbering = Numbering::default();
    render(template, source, &mut numbering, 2)
}

fn render<S: FormatSource>(
    template: &str,
    source: &S,
    numbering: &mut Numbering,
    depth: u32,
) -> Result<String, S::Error> {
    if depth == 0 {
        return Err(TextError::value("Max string recursion exceeded").into());
    }
    let mut out = String::new();
    for segment in parse_template(template)? {
        match segment {
            Segment::Literal(text) => out.push_str(&text),
            Segment::Field(field) => {
                let text = render_field(&field, source, numbering, depth)?;
                out.push_str(&text);
            }
        }
    }
    Ok(out)
}

fn render_field<S: FormatSource>(
    field: &RawField,
    source: &S,
    numbering: &mut Numbering,
    depth: u32,
) -> Result<String, S::Error> {
    let (arg, accessors) = parse_field_name(&field.name)?;
    let mut value = match arg {
        FieldArg::Auto => {
            if numbering.used_manual {
                return Err(TextError::value(
                    "cannot switch from manual field specification to automatic field numbering",
                )
                .into());
            }
            numbering.used_auto = true;
            let index = numbering.next_auto;
            numbering.next_auto += 1;
            positional(source, index)?
        }
        FieldArg::Index(index) => {
            if numbering.used_auto {
                return Err(TextError::value(
                    "cannot switch from automatic field numbering to manual field specification",
                )
                .into());
            }
            numbering.used_manual = true;
            positional(source, index)?
        }
        FieldArg::Keyword(name) => source
            .keyword(&name)
            .ok_or_else(|| TextError::key(name.clone()))?,
    };
    for accessor in &accessors {
        value = match accessor {
            Accessor::Attribute(name) => source.attribute(&value, name)?,
            Accessor::Item(key) => source.item(&value, key)?,
        };
    }
    let converted = match field.conversion {
        None => None,
        Some(conversion @ ('r' | 's' | 'a')) => Some(source.convert(&value, conversion)?),
        Some(other) => {
            return Err(TextError::value(format!("Unknown conversion specifier {other}")).into())
        }
    };
    let spec = if field.spec.contains('{') {
        render(&field.spec, source, numbering, depth - 1)?
    } else {
        field.spec.clone()
    };
    match converted {
        None => source.format(&value, &spec),
        Some(text) => Ok(super::format_spec::format_str_with(&text, &spec)?),
    }
}

fn positional<S: FormatSource>(source: &S, index: usize) -> Result<S::Value, S::Error> {
    source.positional(index).ok_or_else(|| {
        TextError::index(format!(
            "Replacement index {index} out of range for positional args tuple"
        ))
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::float_repr::float_repr;
    use crate::text::format_spec::{format_float_with, format_int_with, format_str_with};
    use crate::text::int_format::IntRef;

    /// A stand-in for runtime values.
    #[derive(Debug, Clone)]
    pub enum V {
        I(i64),
        F(f64),
        S(&'static str),
        L(&'static [V]),
        D(&'static [(&'static str, V)]),
        /// An object with attribute `x = 5`.
        A,
    }

    #[derive(Debug)]
    struct TestErr(String);

    impl From<TextError> for TestErr {
        fn from(e: TextError) -> Self {
            TestErr(e.to_string())
        }
    }

    struct Source {
        args: &'static [V],
        kwargs: &'static [(&'static str, V)],
    }

    fn type_name(v: &V) -> &'static str {
        match v {
            V::I(_) => "int",
            V::F(_) => "float",
            V::S(_) => "str",
            V::L(_) => "list",
            V::D(_) => "dict",
            V::A => "A",
        }
    }

    fn repr(v: &V) -> String {
        match v {
            V::I(i) => i.to_string(),
            V::F(f) => float_repr(*f),
            V::S(s) => format!("'{s}'"),
            V::L(items) => format!(
                "[{}]",
                items.iter().map(repr).collect::<Vec<_>>().join(", ")
            ),
            V::D(_) => "{...}".to_string(),
            V::A => "A()".to_string(),
        }
    }

    impl FormatSource for Source {
        type Value = V;
        type Error = TestErr;
        fn positional(&self, index: usize) -> Option<V> {
            self.args.get(index).cloned()
        }
        fn keyword(&self, name: &str) -> Option<V> {
            self.kwargs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        }
        fn attribute(&self, value: &V, name: &str) -> Result<V, TestErr> {
            match (value, name) {
                (V::A, "x") => Ok(V::I(5)),
                _ => Err(TestErr(format!(
                    "AttributeError: '{}' object has no attribute '{name}'",
                    type_name(value)
                ))),
            }
        }
        fn item(&self, value: &V, key: &ItemKey) -> Result<V, TestErr> {
            match (value, key) {
                (V::L(items), ItemKey::Index(i)) => items
                    .get(*i)
                    .cloned()
                    .ok_or_else(|| TestErr("IndexError: list index out of range".into())),
                (V::D(pairs), ItemKey::Name(k)) => pairs
                    .iter()
                    .find(|(name, _)| name == k)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| TestErr(format!("KeyError: '{k}'"))),
                _ => Err(TestErr("TypeError: bad subscript".into())),
            }
        }
        fn convert(&self, value: &V, conversion: char) -> Result<String, TestErr> {
            Ok(match (conversion, value) {
                ('s', V::S(s)) => s.to_string(),
                ('a', V::S(s)) => format!(
                    "'{}'",
                    s.chars()
                        .map(|c| if c.is_ascii() {
                            c.to_string()
                        } else {
                            format!("\\x{:02x}", c as u32)
                        })
                        .collect::<String>()
                ),
                _ => repr(value),
            })
        }
        fn format(&self, value: &V, spec: &str) -> Result<String, TestErr> {
            if spec.is_empty() {
                return self.convert(value, 's');
            }
            Ok(match value {
                V::I(i) => format_int_with(IntRef::Small(*i), spec, "int")?,
                V::F(f) => format_float_with(*f, spec)?,
                V::S(s) => format_str_with(s, spec)?,
                _ => return Err(TestErr("TypeError: unsupported format string".into())),
            })
        }
    }

    #[allow(clippy::approx_constant, clippy::type_complexity)]
    mod cases {
        use super::V;
        include!("str_format_cases.txt");
    }
    use cases::STR_FORMAT_CASES;

    #[test]
    fn str_format_matches_cpython() {
        let mut failures = Vec::new();
        for (template, args, kwargs, want) in STR_FORMAT_CASES {
            let source = Source { args, kwargs };
            let got = str_format(template, &source).map_err(|e| e.0);
            let want = want.map(str::to_string).map_err(str::to_string);
            if got != want {
                failures.push(format!("{template:?} = {got:?}, want {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
