//! The `json` module: `dumps` (indent, sort_keys, separators, ensure_ascii,
//! allow_nan, default) and `loads`, with CPython's exact output and errors;
//! `JSONDecodeError` is a `ValueError` subclass created per isolate.

use std::borrow::Cow;
use std::cell::RefCell;

use crate::dict::Dict;
use crate::error::{ExcKind, PyErr, PyResult};
use crate::int::int_ref;
use crate::methods::args::{bind, text_int};
use crate::object::{ClassObj, Payload, TypeId};
use crate::text::int_format::{int_to_decimal, IntRef, OwnedInt};
use crate::value::Value;
use crate::vm::Vm;

use super::json_text::{
    json_float, json_quote_into, parse_json, push_small_int, JsonDecodeError, JsonValue,
};

type Kw<'a> = &'a [(Value, Value)];

/// Builds the module on first import.
pub fn json_init(vm: &mut Vm) -> PyResult<Value> {
    let decode_error = Value::new_heap(Payload::Class(Box::new(ClassObj {
        name: "JSONDecodeError".into(),
        qualname: "JSONDecodeError".into(),
        base: Some(vm.exc_type(ExcKind::ValueError)),
        dict: RefCell::new(Dict::new()),
        layout: TypeId::BaseException,
        builtin: None,
        module: "json.decoder".into(),
        instance_size: std::cell::Cell::new(0),
        init_cache: Default::default(),
    })));
    Ok(vm.new_module(
        "json",
        vec![
            ("dumps", vm.native_value("dumps", json_dumps)),
            ("loads", vm.native_value("loads", json_loads)),
            ("JSONDecodeError", decode_error),
        ],
    ))
}

struct Encoder<'a> {
    indent: Option<String>,
    item_sep: Cow<'static, str>,
    key_sep: Cow<'static, str>,
    sort_keys: bool,
    ensure_ascii: bool,
    allow_nan: bool,
    default: Option<&'a Value>,
    /// Addresses of containers being encoded (circular reference check).
    active: Vec<u64>,
}

fn json_dumps(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let a = bind(
        "dumps",
        args,
        kw,
        &[
            "obj",
            "skipkeys",
            "ensure_ascii",
            "check_circular",
            "allow_nan",
            "cls",
            "indent",
            "separators",
            "default",
            "sort_keys",
        ],
    )?;
    if args.len() > 1 {
        return Err(PyErr::type_error(format!(
            "dumps() takes 1 positional argument but {} were given",
            args.len()
        )));
    }
    let Some(obj) = a[0] else {
        return Err(PyErr::type_error(
            "dumps() missing 1 required positional argument: 'obj'",
        ));
    };
    let flag = |vm: &mut Vm, v: Option<&Value>, default: bool| -> PyResult<bool> {
        match v {
            Some(v) => crate::ops::truthy(vm, v),
            None => Ok(default),
        }
    };
    let ensure_ascii = flag(vm, a[2], true)?;
    let allow_nan = flag(vm, a[4], true)?;
    let sort_keys = flag(vm, a[9], false)?;
    let indent = match a[6] {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => Some(match (v.as_str(), int_ref(v)) {
            (Some(s), _) => s.to_string(),
            (None, Some(_)) => " ".repeat(crate::int::as_i64(v).unwrap_or(0).max(0) as usize),
            _ => return Err(PyErr::type_error("indent must be an int or str")),
        }),
    };
    let (mut item_sep, mut key_sep): (Cow<str>, Cow<str>) = if indent.is_some() {
        (",".into(), ": ".into())
    } else {
        (", ".into(), ": ".into())
    };
    if let Some(seps) = a[7].filter(|v| !v.is_none()) {
        let parts = vm.collect(seps)?;
        match parts.as_slice() {
            [i, k] => {
                item_sep = i.as_str().unwrap_or(",").to_string().into();
                key_sep = k.as_str().unwrap_or(":").to_string().into();
            }
            _ => return Err(PyErr::value_error("too many values to unpack (expected 2)")),
        }
    }
    let mut enc = Encoder {
        indent,
        item_sep,
        key_sep,
        sort_keys,
        ensure_ascii,
        allow_nan,
        default: a[8].filter(|v| !v.is_none()),
        active: Vec::new(),
    };
    let mut out = String::new();
    enc.encode(vm, obj, 0, &mut out)?;
    Ok(Value::from_string(out))
}

/// `json.dumps(v, separators=(",", ":"))` as text: how the host answers a
/// handler's dict or list (no argument parsing on the request path).
pub fn dumps_compact(vm: &mut Vm, v: &Value) -> PyResult<String> {
    let mut enc = Encoder {
        indent: None,
        item_sep: ",".into(),
        key_sep: ":".into(),
        sort_keys: false,
        ensure_ascii: true,
        allow_nan: true,
        default: None,
        active: Vec::new(),
    };
    let mut out = String::with_capacity(64);
    enc.encode(vm, v, 0, &mut out)?;
    Ok(out)
}

/// Appends an int's decimal digits (no `String` for the common small int).
fn push_int(out: &mut String, i: IntRef<'_>) {
    match i {
        IntRef::Small(n) => push_small_int(out, n),
        big => out.push_str(&int_to_decimal(big)),
    }
}

impl Encoder<'_> {
    fn newline(&self, level: usize, out: &mut String) {
        if let Some(indent) = &self.indent {
            out.push('\n');
            for _ in 0..level {
                out.push_str(indent);
            }
        }
    }

    fn float_text(&self, f: f64) -> PyResult<String> {
        if !f.is_finite() && !self.allow_nan {
            return Err(PyErr::value_error(format!(
                "Out of range float values are not JSON compliant: {}",
                crate::text::float_repr::float_repr(f)
            )));
        }
        Ok(json_float(f))
    }

    fn enter(&mut self, v: &Value) -> PyResult<()> {
        let addr = v.address();
        if self.active.contains(&addr) {
            return Err(PyErr::value_error("Circular reference detected"));
        }
        self.active.push(addr);
        Ok(())
    }

    fn encode(&mut self, vm: &mut Vm, v: &Value, level: usize, out: &mut String) -> PyResult<()> {
        if v.is_none() {
            out.push_str("null");
        } else if let Some(b) = v.as_bool() {
            out.push_str(if b { "true" } else { "false" });
        } else if let Some(i) = int_ref(v) {
            push_int(out, text_int(i));
        } else if let Some(f) = v.as_float() {
            out.push_str(&self.float_text(f)?);
        } else if let Some(s) = v.as_str() {
            json_quote_into(out, s, self.ensure_ascii);
        } else if let Some(items) = list_items(v)? {
            self.encode_array(vm, v, &items, level, out)?;
        } else if let Some(d) = v.as_dict() {
            let pairs: Vec<(Value, Value)> = d
                .try_borrow()
                .map_err(|_| PyErr::reentrant("dict"))?
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            self.encode_object(vm, v, pairs, level, out)?;
        } else if let Some(default) = self.default {
            let replacement = vm.call(default, std::slice::from_ref(v))?;
            self.enter(v)?;
            let result = self.encode(vm, &replacement, level, out);
            self.active.pop();
            result?;
        } else {
            return Err(PyErr::type_error(format!(
                "Object of type {} is not JSON serializable",
                vm.type_name(v)
            )));
        }
        Ok(())
    }

    fn encode_array(
        &mut self,
        vm: &mut Vm,
        v: &Value,
        items: &[Value],
        level: usize,
        out: &mut String,
    ) -> PyResult<()> {
        if items.is_empty() {
            out.push_str("[]");
            return Ok(());
        }
        self.enter(v)?;
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(&self.item_sep);
            }
            self.newline(level + 1, out);
            self.encode(vm, item, level + 1, out)?;
        }
        self.newline(level, out);
        out.push(']');
        self.active.pop();
        Ok(())
    }

    fn key_text(&self, vm: &Vm, k: &Value) -> PyResult<String> {
        if let Some(s) = k.as_str() {
            return Ok(s.to_string());
        }
        if k.is_none() {
            return Ok("null".to_string());
        }
        if let Some(b) = k.as_bool() {
            return Ok(if b { "true" } else { "false" }.to_string());
        }
        if let Some(i) = int_ref(k) {
            return Ok(int_to_decimal(text_int(i)));
        }
        if let Some(f) = k.as_float() {
            return self.float_text(f);
        }
        Err(PyErr::type_error(format!(
            "keys must be str, int, float, bool or None, not {}",
            vm.type_name(k)
        )))
    }

    fn encode_object(
        &mut self,
        vm: &mut Vm,
        v: &Value,
        pairs: Vec<(Value, Value)>,
        level: usize,
        out: &mut String,
    ) -> PyResult<()> {
        if pairs.is_empty() {
            out.push_str("{}");
            return Ok(());
        }
        self.enter(v)?;
        let pairs = if self.sort_keys {
            let keys: Vec<Value> = pairs.iter().map(|(k, _)| k.clone()).collect();
            let order: Vec<Value> = (0..keys.len()).map(|i| Value::int(i as i64)).collect();
            let tagged: Vec<Value> = keys
                .into_iter()
                .zip(order)
                .map(|(k, i)| Value::tuple(vec![k, i]))
                .collect();
            let sorted = crate::builtins_lib::sort_values(vm, tagged, None, false)?;
            let mut out_pairs = Vec::with_capacity(pairs.len());
            for t in sorted {
                let index = t
                    .as_tuple()
                    .and_then(|t| t.get(1))
                    .and_then(crate::int::as_i64)
                    .unwrap_or(0) as usize;
                if let Some(p) = pairs.get(index) {
                    out_pairs.push(p.clone());
                }
            }
            out_pairs
        } else {
            pairs
        };
        out.push('{');
        for (i, (k, item)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push_str(&self.item_sep);
            }
            self.newline(level + 1, out);
            match k.as_str() {
                Some(key) => json_quote_into(out, key, self.ensure_ascii),
                None => json_quote_into(out, &self.key_text(vm, k)?, self.ensure_ascii),
            }
            out.push_str(&self.key_sep);
            self.encode(vm, item, level + 1, out)?;
        }
        self.newline(level, out);
        out.push('}');
        self.active.pop();
        Ok(())
    }
}

fn list_items(v: &Value) -> PyResult<Option<Vec<Value>>> {
    if let Some(l) = v.as_list() {
        return Ok(Some(
            l.try_borrow()
                .map_err(|_| PyErr::reentrant("list"))?
                .clone(),
        ));
    }
    Ok(v.as_tuple().map(<[Value]>::to_vec))
}

fn json_loads(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let a = bind("loads", args, &[], &["s"])?;
    let _ = kw;
    let Some(s) = a[0] else {
        return Err(PyErr::type_error(
            "loads() missing 1 required positional argument: 's'",
        ));
    };
    let text = match (s.as_str(), s.as_bytes()) {
        (Some(t), _) => t.to_string(),
        (None, Some(b)) => String::from_utf8_lossy(b).into_owned(),
        _ => {
            return Err(PyErr::type_error(format!(
                "the JSON object must be str, bytes or bytearray, not {}",
                vm.type_name(s)
            )))
        }
    };
    match parse_json(&text) {
        Ok(tree) => to_value(vm, tree),
        Err(e) => Err(decode_error(vm, &e)),
    }
}

fn decode_error(vm: &mut Vm, e: &JsonDecodeError) -> PyErr {
    let class = vm.modules.get("json").and_then(|m| match m.payload() {
        Some(Payload::Module(module)) => module
            .dict
            .as_dict()
            .and_then(|d| d.try_borrow().ok()?.get_str("JSONDecodeError").cloned()),
        _ => None,
    });
    let Some(class) = class else {
        return PyErr::value_error(e.full_message());
    };
    let exc = vm.new_exception(class, vec![Value::from_string(e.full_message())]);
    if let Some(obj) = exc.as_exception() {
        if let Ok(mut d) = obj.dict.try_borrow_mut() {
            d.set_name("msg", Value::from_str(e.msg));
            d.set_name("pos", Value::int(e.pos as i64));
            d.set_name("lineno", Value::int(e.line as i64));
            d.set_name("colno", Value::int(e.column as i64));
        }
    }
    PyErr::from_object(exc)
}

fn to_value(vm: &mut Vm, tree: JsonValue) -> PyResult<Value> {
    Ok(match tree {
        JsonValue::Null => Value::none(),
        JsonValue::Bool(b) => Value::bool(b),
        JsonValue::Int(OwnedInt::Small(i)) => Value::int(i),
        JsonValue::Int(OwnedInt::Big(b)) => Value::from_bigint(b),
        JsonValue::Float(f) => Value::float(f),
        JsonValue::Str(s) => Value::from_string(s),
        JsonValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(to_value(vm, item)?);
            }
            Value::list(out)
        }
        JsonValue::Object(pairs) => {
            let d = Value::dict(Dict::new());
            for (k, v) in pairs {
                let v = to_value(vm, v)?;
                vm.dict_set(&d, Value::from_string(k), v)?;
            }
            d
        }
    })
}
