//! Methods of `list` and `tuple`: mutation, search, copying, reversing and
//! the stable `sort(key=, reverse=)`. Borrows of the item vector are never
//! held across calls back into Python.

use crate::error::{PyErr, PyResult};
use crate::native::Registry;
use crate::object::TypeId;
use crate::value::Value;
use crate::vm::Vm;

use super::args::{arity, bind, index_arg, no_kwargs, opt_index, receiver, slice_bounds};

type Kw<'a> = &'a [(Value, Value)];

pub fn register(r: &mut Registry) {
    let methods: &[(&'static str, crate::native::NativeFn)] = &[
        ("append", list_append),
        ("extend", list_extend),
        ("insert", list_insert),
        ("pop", list_pop),
        ("remove", list_remove),
        ("index", list_index),
        ("count", list_count),
        ("clear", list_clear),
        ("copy", list_copy),
        ("reverse", list_reverse),
        ("sort", list_sort),
    ];
    for (name, f) in methods {
        r.method(TypeId::List, name, *f);
    }
    r.method(TypeId::Tuple, "count", tuple_count);
    r.method(TypeId::Tuple, "index", tuple_index);
}

fn this<'a>(vm: &Vm, args: &'a [Value], name: &str) -> PyResult<&'a Value> {
    receiver(vm, args, TypeId::List, name)
}

fn items_of(v: &Value) -> PyResult<Vec<Value>> {
    match (v.as_list(), v.as_tuple()) {
        (Some(l), _) => Ok(l
            .try_borrow()
            .map_err(|_| PyErr::reentrant("list"))?
            .clone()),
        (None, Some(t)) => Ok(t.to_vec()),
        _ => Ok(Vec::new()),
    }
}

fn with_items<T>(v: &Value, f: impl FnOnce(&mut Vec<Value>) -> T) -> PyResult<T> {
    let list = v
        .as_list()
        .ok_or_else(|| PyErr::type_error("expected a list"))?;
    let mut items = list
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("list"))?;
    Ok(f(&mut items))
}

fn list_append(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let l = this(vm, args, "append")?;
    no_kwargs("list.append", kw)?;
    arity("list.append", args.len() - 1, 1, 1)?;
    with_items(l, |items| items.push(args[1].clone()))?;
    Ok(Value::none())
}

fn list_extend(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let l = this(vm, args, "extend")?;
    no_kwargs("list.extend", kw)?;
    arity("list.extend", args.len() - 1, 1, 1)?;
    let new = vm.collect(&args[1])?;
    with_items(l, |items| items.extend(new))?;
    Ok(Value::none())
}

fn list_insert(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let l = this(vm, args, "insert")?;
    no_kwargs("list.insert", kw)?;
    arity("insert", args.len() - 1, 2, 2)?;
    let index = index_arg(vm, &args[1])?;
    let value = args[2].clone();
    with_items(l, |items| {
        let len = items.len() as i64;
        let at = if index < 0 {
            (index + len).max(0)
        } else {
            index.min(len)
        };
        items.insert(at as usize, value);
    })?;
    Ok(Value::none())
}

fn list_pop(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let l = this(vm, args, "pop")?;
    no_kwargs("list.pop", kw)?;
    arity("pop", args.len() - 1, 0, 1)?;
    let index = match args.get(1) {
        Some(v) => Some(index_arg(vm, v)?),
        None => None,
    };
    with_items(l, |items| {
        if items.is_empty() {
            return Err(PyErr::index_error("pop from empty list"));
        }
        let len = items.len() as i64;
        let i = index.unwrap_or(-1);
        let i = if i < 0 { i + len } else { i };
        if i < 0 || i >= len {
            return Err(PyErr::index_error("pop index out of range"));
        }
        Ok(items.remove(i as usize))
    })?
}

/// Position of the first item equal to `needle` within `[start, end)`,
/// comparing outside of any borrow.
fn position(
    vm: &mut Vm,
    seq: &Value,
    needle: &Value,
    start: Option<i64>,
    end: Option<i64>,
) -> PyResult<Option<usize>> {
    let items = items_of(seq)?;
    let (s, e) = slice_bounds(items.len(), start, end);
    for (i, item) in items.iter().enumerate().take(e).skip(s) {
        if item.is(needle) || crate::ops::eq(vm, item, needle)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

fn list_remove(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let l = this(vm, args, "remove")?;
    no_kwargs("list.remove", kw)?;
    arity("list.remove", args.len() - 1, 1, 1)?;
    let Some(i) = position(vm, l, &args[1], None, None)? else {
        return Err(PyErr::value_error("list.remove(x): x not in list"));
    };
    with_items(l, |items| {
        if i < items.len() {
            items.remove(i);
        }
    })?;
    Ok(Value::none())
}

fn index_impl(vm: &mut Vm, args: &[Value], kw: Kw, ty_id: TypeId) -> PyResult<Value> {
    let seq = receiver(vm, args, ty_id, "index")?;
    let ty = ty_id.name();
    no_kwargs(format_args!("{ty}.index"), kw)?;
    arity("index", args.len() - 1, 1, 3)?;
    let start = opt_index(vm, args.get(2))?;
    let end = opt_index(vm, args.get(3))?;
    match position(vm, seq, &args[1], start, end)? {
        Some(i) => Ok(Value::int(i as i64)),
        None => Err(PyErr::value_error(if ty == "list" {
            format!("{} is not in list", vm.repr(&args[1])?)
        } else {
            "tuple.index(x): x not in tuple".to_string()
        })),
    }
}

fn count_impl(vm: &mut Vm, args: &[Value], kw: Kw, ty_id: TypeId) -> PyResult<Value> {
    let seq = receiver(vm, args, ty_id, "count")?;
    let ty = ty_id.name();
    no_kwargs(format_args!("{ty}.count"), kw)?;
    arity(format_args!("{ty}.count"), args.len() - 1, 1, 1)?;
    let mut n = 0;
    for item in items_of(seq)? {
        if item.is(&args[1]) || crate::ops::eq(vm, &item, &args[1])? {
            n += 1;
        }
    }
    Ok(Value::int(n))
}

fn list_index(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    index_impl(vm, args, kw, TypeId::List)
}
fn list_count(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    count_impl(vm, args, kw, TypeId::List)
}
fn tuple_index(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    index_impl(vm, args, kw, TypeId::Tuple)
}
fn tuple_count(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    count_impl(vm, args, kw, TypeId::Tuple)
}

fn list_clear(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let l = this(vm, args, "clear")?;
    no_kwargs("list.clear", kw)?;
    arity("list.clear", args.len() - 1, 0, 0)?;
    // Drop the old items after releasing the borrow (their __del__-free
    // drops cannot re-enter, but keep the pattern uniform).
    let old = with_items(l, std::mem::take)?;
    drop(old);
    Ok(Value::none())
}

fn list_copy(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let l = this(vm, args, "copy")?;
    no_kwargs("list.copy", kw)?;
    arity("list.copy", args.len() - 1, 0, 0)?;
    Ok(Value::list(items_of(l)?))
}

fn list_reverse(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let l = this(vm, args, "reverse")?;
    no_kwargs("list.reverse", kw)?;
    arity("list.reverse", args.len() - 1, 0, 0)?;
    with_items(l, |items| items.reverse())?;
    Ok(Value::none())
}

/// Sort in place a list of only small ints, only non-NaN floats or only
/// strs, without the general comparison protocol: these order exactly as
/// `i64`, `f64` and UTF-8 bytes (code points) do, no script code can run,
/// and the sort is stable like CPython's (also when reversed). False,
/// untouched, for any other list.
fn sort_primitive(items: &mut [Value], reverse: bool) -> bool {
    use std::cmp::Ordering;
    fn sort(items: &mut [Value], reverse: bool, cmp: impl Fn(&Value, &Value) -> Ordering) {
        if reverse {
            items.sort_by(|a, b| cmp(b, a));
        } else {
            items.sort_by(cmp);
        }
    }
    if items.iter().all(Value::is_small_int) {
        // Equal int immediates are the same value, so an unstable sort of
        // the bare numbers, written back, is the stable sort of the list.
        let mut keys: Vec<i64> = items.iter().filter_map(Value::as_small_int).collect();
        keys.sort_unstable();
        if reverse {
            keys.reverse();
        }
        for (slot, k) in items.iter_mut().zip(keys) {
            *slot = Value::int(k);
        }
    } else if items
        .iter()
        .all(|v| v.as_float().is_some_and(|f| !f.is_nan()))
    {
        sort(items, reverse, |a, b| {
            a.as_float()
                .partial_cmp(&b.as_float())
                .unwrap_or(Ordering::Equal)
        });
    } else if items.iter().all(|v| v.as_str().is_some()) {
        sort(items, reverse, |a, b| a.as_str().cmp(&b.as_str()));
    } else {
        return false;
    }
    true
}

fn list_sort(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let l = this(vm, args, "sort")?;
    if args.len() > 1 {
        return Err(PyErr::type_error("sort() takes no positional arguments"));
    }
    let opts = bind("sort", &[], kw, &["key", "reverse"])?;
    let reverse = match opts[1] {
        Some(v) => crate::ops::truthy(vm, v)?,
        None => false,
    };
    // CPython empties the list while sorting; mutation by the key function
    // is detected afterwards.
    let no_key = opts[0].is_none_or(Value::is_none);
    if no_key && with_items(l, |items| sort_primitive(items, reverse))? {
        return Ok(Value::none());
    }
    let items = with_items(l, std::mem::take)?;
    let result = crate::builtins_lib::sort_values(vm, items.clone(), opts[0], reverse);
    let mutated = with_items(l, |cur| !cur.is_empty())?;
    match result {
        Ok(sorted) => {
            with_items(l, |cur| *cur = sorted)?;
            if mutated {
                return Err(PyErr::value_error("list modified during sort"));
            }
            Ok(Value::none())
        }
        Err(e) => {
            with_items(l, |cur| *cur = items)?;
            Err(e)
        }
    }
}
