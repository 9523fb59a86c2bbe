//! The JSON text of a handler's dict or list result, written directly when
//! it is plain data: a small result (`{"message": "Hello, World!"}`) spent
//! more in the general encoder's set-up (its separators, its cycle stack,
//! a snapshot of each container, a `String` per key) than in writing.

use crate::int::{int_ref, IntRef};
use crate::modules::json_text::{json_float, json_quote_into, push_small_int};
use crate::text::int_format::{self, int_to_decimal};
use crate::value::Value;

/// The deepest nesting written here. Anything deeper, a cycle among them,
/// goes to the general encoder.
const MAX_DEPTH: usize = 16;

/// `json.dumps(v, separators=(",", ":"))` (what `dumps_compact` writes)
/// for None, bool, int, float, str, and lists, tuples and str-keyed dicts
/// of them; `None` for anything else, which the caller hands to
/// `dumps_compact` for the same text or error. No script code runs here.
pub fn dumps_plain(v: &Value) -> Option<String> {
    let mut out = String::with_capacity(64);
    write(v, 0, &mut out)?;
    Some(out)
}

/// Tried in the general encoder's order (a bool is an int, so it is first).
fn write(v: &Value, depth: usize, out: &mut String) -> Option<()> {
    if v.is_none() {
        out.push_str("null");
    } else if let Some(b) = v.as_bool() {
        out.push_str(if b { "true" } else { "false" });
    } else if let Some(i) = int_ref(v) {
        match i {
            IntRef::Small(n) => push_small_int(out, n),
            IntRef::Big(b) => out.push_str(&int_to_decimal(int_format::IntRef::Big(b))),
        }
    } else if let Some(f) = v.as_float() {
        out.push_str(&json_float(f));
    } else if let Some(s) = v.as_str() {
        json_quote_into(out, s, true);
    } else if depth >= MAX_DEPTH {
        return None;
    } else if let Some(list) = v.as_list() {
        write_items(&list.try_borrow().ok()?, depth, out)?;
    } else if let Some(items) = v.as_tuple() {
        write_items(items, depth, out)?;
    } else if let Some(dict) = v.as_dict() {
        let dict = dict.try_borrow().ok()?;
        if dict.is_empty() {
            out.push_str("{}");
            return Some(());
        }
        out.push('{');
        for (i, (key, item)) in dict.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_quote_into(out, key.as_str()?, true);
            out.push(':');
            write(item, depth + 1, out)?;
        }
        out.push('}');
    } else {
        return None;
    }
    Some(())
}

fn write_items(items: &[Value], depth: usize, out: &mut String) -> Option<()> {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(item, depth + 1, out)?;
    }
    out.push(']');
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dict::Dict;
    use crate::isolate::{Isolate, Options};

    fn dict(pairs: Vec<(&str, Value)>) -> Value {
        let mut d = Dict::new();
        for (k, v) in pairs {
            d.set_name(k, v);
        }
        Value::dict(d)
    }

    #[test]
    fn plain_data_is_written_as_the_general_encoder_writes_it() {
        let mut isolate = Isolate::new(Options::default());
        let vm = isolate.vm();
        let big =
            crate::int::parse_int("123456789012345678901234567890", 10).map(Value::from_bigint);
        let nested = dict(vec![
            ("message", Value::from_str("Hello, World!")),
            ("n", Value::int(-42)),
            ("zero", Value::int(0)),
            ("min", Value::int(i64::MIN)),
            ("f", Value::float(1.5)),
            ("nan", Value::float(f64::NAN)),
            ("inf", Value::float(f64::NEG_INFINITY)),
            ("t", Value::bool(true)),
            ("none", Value::none()),
            ("esc", Value::from_str("q\"\\\n\u{1}\u{7f}é€😀")),
            ("empty_list", Value::list(Vec::new())),
            ("empty_dict", dict(Vec::new())),
            (
                "items",
                Value::list(vec![
                    Value::int(1),
                    Value::tuple(vec![Value::from_str("a"), Value::none()]),
                    dict(vec![("k", Value::list(vec![Value::float(-0.0)]))]),
                ]),
            ),
        ]);
        let mut values = vec![nested, Value::list(Vec::new()), dict(Vec::new())];
        if let Some(big) = big {
            values.push(Value::list(vec![big]));
        }
        for v in values {
            let general = crate::modules::json::dumps_compact(vm, &v).ok();
            assert!(general.is_some());
            assert_eq!(dumps_plain(&v), general);
        }
    }

    #[test]
    fn anything_else_is_left_to_the_general_encoder() {
        let mut isolate = Isolate::new(Options::default());
        let vm = isolate.vm();
        let int_keys = Value::dict(Dict::new());
        assert!(vm
            .dict_set(&int_keys, Value::int(1), Value::from_str("x"))
            .is_ok());
        assert_eq!(dumps_plain(&int_keys), None);
        assert_eq!(
            dumps_plain(&Value::list(vec![Value::bytes(b"x".to_vec())])),
            None
        );
        // A cycle (and anything nested past the limit).
        let cyclic = Value::list(Vec::new());
        if let Some(list) = cyclic.as_list() {
            list.borrow_mut().push(cyclic.clone());
        }
        assert_eq!(dumps_plain(&cyclic), None);
        if let Some(list) = cyclic.as_list() {
            list.borrow_mut().clear();
        }
    }
}
