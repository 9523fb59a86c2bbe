//! Subscription: `obj[key]`, `obj[key] = v`, `del obj[key]` for the
//! built-in containers (indices, slices with steps) and user classes.

use num_traits::Signed;

use crate::error::{PyErr, PyResult};
use crate::int::{int_ref, IntRef};
use crate::object::Payload;
use crate::value::Value;
use crate::vm::Vm;

/// A normalised slice over a sequence of known length.
#[derive(Clone, Copy, Debug)]
pub struct SliceRange {
    pub start: i64,
    /// The clamped stop index (`range` slices keep it).
    pub stop: i64,
    pub step: i64,
    pub count: usize,
}

impl SliceRange {
    pub fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.count).map(move |i| (self.start + i as i64 * self.step) as usize)
    }
}

fn slice_part(_vm: &Vm, v: &Value) -> PyResult<Option<i64>> {
    if v.is_none() {
        return Ok(None);
    }
    match int_ref(v) {
        Some(IntRef::Small(i)) => Ok(Some(i)),
        Some(IntRef::Big(b)) => Ok(Some(if b.is_negative() {
            i64::MIN / 2
        } else {
            i64::MAX / 2
        })),
        None => Err(PyErr::type_error(format!(
            "slice indices must be integers or None or have an __index__ method{}",
            ""
        ))),
    }
}

/// CPython's `PySlice_GetIndicesEx`.
pub fn slice_range(vm: &Vm, slice: &Value, len: usize) -> PyResult<SliceRange> {
    let Some(Payload::Slice(start, stop, step)) = slice.payload() else {
        return Err(PyErr::type_error("expected a slice"));
    };
    let step = slice_part(vm, step)?.unwrap_or(1);
    if step == 0 {
        return Err(PyErr::value_error("slice step cannot be zero"));
    }
    let len = len as i64;
    let adjust = |v: Option<i64>, default: i64, lo: i64, hi: i64| -> i64 {
        match v {
            None => default,
            Some(mut i) => {
                if i < 0 {
                    i += len;
                    if i < lo {
                        i = lo;
                    }
                } else if i > hi {
                    i = hi;
                }
                i
            }
        }
    };
    let (start, stop) = if step > 0 {
        (
            adjust(slice_part(vm, start)?, 0, 0, len),
            adjust(slice_part(vm, stop)?, len, 0, len),
        )
    } else {
        (
            adjust(slice_part(vm, start)?, len - 1, -1, len - 1),
            adjust(slice_part(vm, stop)?, -1, -1, len - 1),
        )
    };
    let count = if step > 0 {
        if stop > start {
            (stop - start + step - 1) / step
        } else {
            0
        }
    } else if start > stop {
        (start - stop + (-step) - 1) / (-step)
    } else {
        0
    };
    Ok(SliceRange {
        start,
        stop,
        step,
        count: count as usize,
    })
}

/// Normalise a sequence index (negative counts from the end).
pub fn seq_index(vm: &Vm, key: &Value, len: usize, what: &str) -> PyResult<usize> {
    let i = match int_ref(key) {
        Some(IntRef::Small(i)) => i,
        Some(IntRef::Big(_)) => {
            return Err(PyErr::index_error(
                "cannot fit 'int' into an index-sized integer".to_string(),
            ));
        }
        None => {
            let t = vm.type_name(key);
            // CPython names the type, not the operation: a bad index in
            // `xs[k] = v` is still "list indices ...".
            let owner = what.strip_suffix(" assignment").unwrap_or(what);
            return Err(PyErr::type_error(if owner == "string" {
                format!("string indices must be integers, not '{t}'")
            } else {
                format!("{owner} indices must be integers or slices, not {t}")
            }));
        }
    };
    let n = len as i64;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return Err(PyErr::index_error(format!("{what} index out of range")));
    }
    Ok(j as usize)
}

fn is_slice(v: &Value) -> bool {
    matches!(v.payload(), Some(Payload::Slice(..)))
}

/// The code points of a str selected by a slice.
fn str_slice(s: &str, ascii: bool, r: &SliceRange) -> String {
    if ascii {
        let b = s.as_bytes();
        if r.step == 1 {
            let st = r.start.max(0) as usize;
            return s.get(st..st + r.count).unwrap_or("").to_string();
        }
        return r
            .indices()
            .filter_map(|i| b.get(i).map(|c| *c as char))
            .collect();
    }
    let chars: Vec<char> = s.chars().collect();
    r.indices().filter_map(|i| chars.get(i).copied()).collect()
}

/// `obj[key]`.
pub fn getitem(vm: &mut Vm, obj: &Value, key: &Value) -> PyResult<Value> {
    match obj.payload() {
        Some(Payload::List(l)) => {
            let l = l.try_borrow().map_err(|_| PyErr::reentrant("list"))?;
            if is_slice(key) {
                let r = slice_range(vm, key, l.len())?;
                return Ok(Value::list(
                    r.indices().filter_map(|i| l.get(i).cloned()).collect(),
                ));
            }
            let i = seq_index(vm, key, l.len(), "list")?;
            Ok(l.get(i).cloned().unwrap_or_default())
        }
        Some(Payload::Tuple(t)) => {
            if is_slice(key) {
                let r = slice_range(vm, key, t.len())?;
                return Ok(Value::tuple(
                    r.indices().filter_map(|i| t.get(i).cloned()).collect(),
                ));
            }
            let i = seq_index(vm, key, t.len(), "tuple")?;
            Ok(t.get(i).cloned().unwrap_or_default())
        }
        Some(Payload::Str(s)) => {
            if is_slice(key) {
                let r = slice_range(vm, key, s.chars)?;
                return Ok(Value::from_string(str_slice(&s.s, s.is_ascii(), &r)));
            }
            let i = seq_index(vm, key, s.chars, "string")?;
            let c = if s.is_ascii() {
                s.s.as_bytes().get(i).map(|b| *b as char)
            } else {
                s.s.chars().nth(i)
            };
            let mut buf = [0u8; 4];
            Ok(Value::from_str(c.unwrap_or(' ').encode_utf8(&mut buf)))
        }
        Some(Payload::Bytes(b)) => {
            if is_slice(key) {
                let r = slice_range(vm, key, b.len())?;
                return Ok(Value::bytes(
                    r.indices().filter_map(|i| b.get(i).copied()).collect(),
                ));
            }
            let i = seq_index(vm, key, b.len(), "index")?;
            Ok(Value::int(b.get(i).copied().unwrap_or(0) as i64))
        }
        Some(Payload::Range(r)) => {
            if is_slice(key) {
                let s = slice_range(vm, key, r.len_checked()?)?;
                return Ok(Value::new_heap(Payload::Range(r.slice(&s))));
            }
            match int_ref(key) {
                Some(i) => r.item(&i),
                None => Err(PyErr::type_error(format!(
                    "range indices must be integers or slices, not {}",
                    vm.type_name(key)
                ))),
            }
        }
        Some(Payload::Dict(cell)) => match crate::dict::lookup_simple(cell, key)
            .map_or_else(|| vm.dict_get(obj, key), Ok)?
        {
            Some(v) => Ok(v),
            None => {
                if let Some(r) = vm.call_special(obj, "__missing__", std::slice::from_ref(key))? {
                    return Ok(r);
                }
                Err(PyErr::key_error(key.clone()))
            }
        },
        Some(Payload::Instance(_)) | Some(Payload::Exception(_)) => {
            match vm.call_special(obj, "__getitem__", std::slice::from_ref(key))? {
                Some(r) => Ok(r),
                None => Err(not_subscriptable(vm, obj)),
            }
        }
        Some(Payload::Class(_)) => {
            if let Some(f) = vm.class_attr(obj, "__class_getitem__") {
                return vm.call(&f, std::slice::from_ref(key));
            }
            Err(PyErr::type_error(format!(
                "type '{}' is not subscriptable",
                crate::vm::class_name(obj)
            )))
        }
        _ => Err(not_subscriptable(vm, obj)),
    }
}

fn not_subscriptable(vm: &Vm, obj: &Value) -> PyErr {
    PyErr::type_error(format!(
        "'{}' object is not subscriptable",
        vm.type_name(obj)
    ))
}

/// `obj[key] = value`.
pub fn setitem(vm: &mut Vm, obj: &Value, key: &Value, value: Value) -> PyResult<()> {
    match obj.payload() {
        Some(Payload::List(l)) => {
            if is_slice(key) {
                let items = vm.collect(&value)?;
                let mut l = l.try_borrow_mut().map_err(|_| PyErr::reentrant("list"))?;
                let r = slice_range(vm, key, l.len())?;
                if r.step == 1 {
                    let start = r.start.clamp(0, l.len() as i64) as usize;
                    let end = (start + r.count).min(l.len());
                    l.splice(start..end, items);
                    return Ok(());
                }
                if items.len() != r.count {
                    return Err(PyErr::value_error(format!(
                        "attempt to assign sequence of size {} to extended slice of size {}",
                        items.len(),
                        r.count
                    )));
                }
                for (i, v) in r.indices().collect::<Vec<_>>().into_iter().zip(items) {
                    if let Some(slot) = l.get_mut(i) {
                        *slot = v;
                    }
                }
                return Ok(());
            }
            let mut l = l.try_borrow_mut().map_err(|_| PyErr::reentrant("list"))?;
            let i = seq_index(vm, key, l.len(), "list assignment")?;
            if let Some(slot) = l.get_mut(i) {
                *slot = value;
            }
            Ok(())
        }
        Some(Payload::Dict(cell)) => match crate::dict::store_simple(cell, key.clone(), value) {
            Ok(()) => Ok(()),
            Err((key, value)) => vm.dict_set(obj, key, value),
        },
        Some(Payload::Instance(_)) | Some(Payload::Exception(_)) => {
            match vm.call_special(obj, "__setitem__", &[key.clone(), value])? {
                Some(_) => Ok(()),
                None => Err(PyErr::type_error(format!(
                    "'{}' object does not support item assignment",
                    vm.type_name(obj)
                ))),
            }
        }
        _ => Err(PyErr::type_error(format!(
            "'{}' object does not support item assignment",
            vm.type_name(obj)
        ))),
    }
}

/// `del obj[key]`.
pub fn delitem(vm: &mut Vm, obj: &Value, key: &Value) -> PyResult<()> {
    match obj.payload() {
        Some(Payload::List(l)) => {
            let mut l = l.try_borrow_mut().map_err(|_| PyErr::reentrant("list"))?;
            if is_slice(key) {
                let r = slice_range(vm, key, l.len())?;
                let mut doomed: Vec<usize> = r.indices().collect();
                doomed.sort_unstable();
                for i in doomed.into_iter().rev() {
                    if i < l.len() {
                        l.remove(i);
                    }
                }
                return Ok(());
            }
            let i = seq_index(vm, key, l.len(), "list assignment")?;
            l.remove(i);
            Ok(())
        }
        Some(Payload::Dict(_)) => match vm.dict_del(obj, key)? {
            Some(_) => Ok(()),
            None => Err(PyErr::key_error(key.clone())),
        },
        Some(Payload::Instance(_)) => {
            match vm.call_special(obj, "__delitem__", std::slice::from_ref(key))? {
                Some(_) => Ok(()),
                None => Err(PyErr::type_error(format!(
                    "'{}' object doesn't support item deletion",
                    vm.type_name(obj)
                ))),
            }
        }
        _ => Err(PyErr::type_error(format!(
            "'{}' object doesn't support item deletion",
            vm.type_name(obj)
        ))),
    }
}
