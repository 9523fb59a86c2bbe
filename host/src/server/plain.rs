//! `PlainValue`: script data as plain Rust values, the currency of everything
//! that crosses a worker boundary (the shared cache, parsed JSON bodies). The
//! runtime converts its own values to and from this shape.

use std::fmt::Write as _;

/// A copy of a script value that owns no interpreter state.
#[derive(Debug, Clone, PartialEq)]
pub enum PlainValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<PlainValue>),
    /// Insertion-ordered pairs, as a Python dict keeps them.
    Dict(Vec<(PlainValue, PlainValue)>),
}

impl PlainValue {
    /// Converts parsed JSON; integers beyond i64 become floats.
    pub fn from_json(value: serde_json::Value) -> PlainValue {
        use serde_json::Value;
        match value {
            Value::Null => PlainValue::None,
            Value::Bool(b) => PlainValue::Bool(b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => PlainValue::Int(i),
                None => PlainValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => PlainValue::Str(s),
            Value::Array(items) => {
                PlainValue::List(items.into_iter().map(PlainValue::from_json).collect())
            }
            Value::Object(map) => PlainValue::Dict(
                map.into_iter()
                    .map(|(k, v)| (PlainValue::Str(k), PlainValue::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Compact JSON as Python's `json.dumps(v, separators=(",", ":"))` writes
    /// it; `None` when the value holds something JSON cannot carry (bytes, a
    /// non-string key).
    pub fn to_json(&self) -> Option<String> {
        let mut out = String::new();
        self.write_json(&mut out).then_some(out)
    }

    fn write_json(&self, out: &mut String) -> bool {
        match self {
            PlainValue::None => out.push_str("null"),
            PlainValue::Bool(true) => out.push_str("true"),
            PlainValue::Bool(false) => out.push_str("false"),
            PlainValue::Int(i) => {
                let _ = write!(out, "{i}");
            }
            PlainValue::Float(f) => write_json_float(*f, out),
            PlainValue::Str(s) => write_json_str(s, out),
            PlainValue::Bytes(_) => return false,
            PlainValue::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !item.write_json(out) {
                        return false;
                    }
                }
                out.push(']');
            }
            PlainValue::Dict(pairs) => {
                out.push('{');
                for (i, (key, value)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let PlainValue::Str(key) = key else {
                        return false;
                    };
                    write_json_str(key, out);
                    out.push(':');
                    if !value.write_json(out) {
                        return false;
                    }
                }
                out.push('}');
            }
        }
        true
    }
}

fn write_json_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else if f == f.trunc() && f.abs() < 1e16 {
        let _ = write!(out, "{f:.1}");
    } else {
        let _ = write!(out, "{f}");
    }
}

/// Python's default `ensure_ascii=True` string escaping.
fn write_json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_order() {
        let parsed: serde_json::Value =
            serde_json::from_str(r#"{"b":1,"a":[true,null,2.5,"x\u00e9"]}"#).unwrap();
        let plain = PlainValue::from_json(parsed);
        assert_eq!(
            plain.to_json().unwrap(),
            r#"{"b":1,"a":[true,null,2.5,"x\u00e9"]}"#
        );
    }

    #[test]
    fn floats_print_like_python() {
        assert_eq!(PlainValue::Float(1.0).to_json().unwrap(), "1.0");
        assert_eq!(PlainValue::Float(0.1).to_json().unwrap(), "0.1");
    }

    #[test]
    fn bytes_are_not_json() {
        assert_eq!(PlainValue::Bytes(vec![1]).to_json(), None);
        assert_eq!(
            PlainValue::Dict(vec![(PlainValue::Int(1), PlainValue::None)]).to_json(),
            None
        );
    }
}
