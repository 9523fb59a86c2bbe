//! `Request.__getattr__`: builds a request's lazy parts (`args`, `headers`,
//! `cookies`, `form`) the first time a handler reads one, from the
//! attributes `RequestBuilder::build` set, and stores it on the instance.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use crate::error::{PyErr, PyResult};
use crate::native::check_args;
use crate::object::Payload;
use crate::value::Value;
use crate::vm::Vm;

use super::parse::{
    is_urlencoded_form, parse_cookies, unpack_headers, urlencoded_pairs, urlencoded_str_pairs,
};
use super::request::{at, shape_for, Part, RequestShape};

/// `_request_attr(req, name)`: `Request.__getattr__`.
/// Builds a lazily made part of the request, stores it on `req` and
/// returns it; any other name is an `AttributeError`, as without
/// `__getattr__`.
pub fn request_attr(vm: &mut Vm, args: &[Value], _kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("_request_attr", args, 2, 2)?;
    let (req, name) = (&args[0], args[1].as_str().unwrap_or(""));
    let Some(part) = Part::of(name) else {
        return match name {
            // What `__init__` starts `req.json`'s memo with; set on first write.
            "_json_loaded" => Ok(Value::bool(false)),
            "_json" => Ok(Value::none()),
            _ => Err(PyErr::attribute_error(format!(
                "'{}' object has no attribute '{name}'",
                vm.type_name(req)
            ))),
        };
    };
    let Some(Payload::Instance(inst)) = req.payload() else {
        // Called unbound on something else: it has none of the attributes.
        return Ok(build_part(&*empty_shape(vm, req)?, part, |_| None));
    };
    let shape = match shape_for(&inst.class) {
        Some(shape) => shape,
        // A request this thread's builder did not make (a subclass, or
        // an older version of the app): resolve the classes by name.
        None => empty_shape(vm, &inst.class)?,
    };
    let value = {
        let dict = inst
            .dict
            .try_borrow()
            .map_err(|_| PyErr::reentrant("instance"))?;
        build_part(&shape, part, |at| shape.up_front[at].read(&dict, at))
    };
    // Straight into the instance dict: `kiln.Request` has no properties
    // or `__setattr__` for these names.
    let mut dict = inst
        .dict
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("instance"))?;
    shape.part_key(part).store(&mut dict, value.clone());
    Ok(value)
}

/// A shape made afresh (see `RequestShape`), for a request of `class`.
fn empty_shape(vm: &mut Vm, class: &Value) -> PyResult<Rc<RequestShape>> {
    let multidict = kiln_class(vm, "_MultiDict")?;
    let headers = kiln_class(vm, "_Headers")?;
    Ok(Rc::new(RequestShape::new(
        vm,
        class.clone(),
        multidict,
        headers,
    )))
}

/// Builds `part` from the up-front attributes `read` gives by position.
pub(super) fn build_part(
    shape: &RequestShape,
    part: Part,
    read: impl Fn(usize) -> Option<Value>,
) -> Value {
    let recent = shape.recent_pairs(part);
    match part {
        Part::Args => {
            let query = read(at::QUERY_STRING);
            let query = query.as_ref().and_then(Value::as_str).unwrap_or("");
            let pairs = pairs_list(recent, urlencoded_str_pairs(query));
            shape.multidict(&shape.multidict, pairs)
        }
        Part::Headers => {
            let head = read(at::HEAD);
            let packed = head.as_ref().and_then(Value::as_bytes).unwrap_or(&[]);
            let pairs = unpack_headers(packed).map(|(k, v)| (Cow::from(k), Cow::from(v)));
            shape.multidict(&shape.headers, pairs_list(recent, pairs))
        }
        Part::Cookies => {
            let head = read(at::HEAD);
            let packed = head.as_ref().and_then(Value::as_bytes).unwrap_or(&[]);
            let pairs = parse_cookies(unpack_headers(packed));
            let pairs = pairs.into_iter().map(|(k, v)| (Cow::from(k), Cow::from(v)));
            shape.multidict(&shape.multidict, pairs_list(recent, pairs))
        }
        Part::Form => {
            let head = read(at::HEAD);
            let packed = head.as_ref().and_then(Value::as_bytes).unwrap_or(&[]);
            let data = match is_urlencoded_form(unpack_headers(packed)) {
                true => read(at::DATA),
                false => None,
            };
            let body = data.as_ref().and_then(Value::as_bytes).unwrap_or(&[]);
            shape.multidict(&shape.multidict, pairs_list(recent, urlencoded_pairs(body)))
        }
    }
}

/// The most pairs of one part remembered for the next request, and the
/// longest pair (key and value bytes) remembered.
const RECENT_PAIRS: usize = 16;
const RECENT_PAIR_BYTES: usize = 256;

/// A list of `(str, str)` tuples, the `_pairs` of a multidict. Clients
/// send the same query keys, headers and cookies request after request,
/// so `recent` holds the last request's tuples of this part: a pair equal
/// to the one at its position is that same tuple (tuples and strs are
/// immutable, so sharing them is unobservable), and an equal key is that
/// same str, instead of two or three new objects.
fn pairs_list<'a>(
    recent: &RefCell<Vec<Value>>,
    pairs: impl Iterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
) -> Value {
    let Ok(mut recent) = recent.try_borrow_mut() else {
        return Value::list(
            pairs
                .map(|(k, v)| Value::tuple(vec![str_value(k), str_value(v)]))
                .collect(),
        );
    };
    let mut out = Vec::with_capacity(recent.len());
    for (i, (k, v)) in pairs.enumerate() {
        let last = recent.get(i).and_then(|t| t.as_tuple());
        if let Some([lk, lv]) = last {
            if lk.as_str() == Some(&*k) {
                if lv.as_str() == Some(&*v) {
                    out.push(recent[i].clone());
                    continue;
                }
                let small = k.len() + v.len() <= RECENT_PAIR_BYTES;
                let pair = Value::tuple(vec![lk.clone(), str_value(v)]);
                if small {
                    remember(&mut recent, i, &pair);
                }
                out.push(pair);
                continue;
            }
        }
        let small = k.len() + v.len() <= RECENT_PAIR_BYTES;
        let pair = Value::tuple(vec![str_value(k), str_value(v)]);
        if small {
            remember(&mut recent, i, &pair);
        }
        out.push(pair);
    }
    recent.truncate(out.len());
    Value::list(out)
}

/// Puts `pair` at position `i` of the remembered pairs, if it has room.
fn remember(recent: &mut Vec<Value>, i: usize, pair: &Value) {
    if let Some(slot) = recent.get_mut(i) {
        *slot = pair.clone();
    } else if i == recent.len() && i < RECENT_PAIRS {
        recent.push(pair.clone());
    }
}

/// A str value, taking an owned string's buffer rather than copying it.
fn str_value(text: Cow<'_, str>) -> Value {
    match text {
        Cow::Borrowed(s) => Value::from_str(s),
        Cow::Owned(s) => Value::from_string(s),
    }
}

/// A class of the `kiln` module (`_MultiDict`, `_Headers`).
fn kiln_class(vm: &Vm, name: &str) -> PyResult<Value> {
    vm.modules
        .get("kiln")
        .and_then(|m| match m.payload() {
            Some(Payload::Module(m)) => m.dict.as_dict()?.borrow().get_str(name).cloned(),
            _ => None,
        })
        .ok_or_else(|| PyErr::runtime_error(format!("kiln.{name} is missing")))
}
