//! Methods of `set` and `frozenset`: membership mutation and the algebra
//! (`union`, `intersection`, `difference`, `symmetric_difference`, subset
//! tests), each accepting any iterable as CPython does.

use crate::dict::Dict;
use crate::error::{PyErr, PyResult};
use crate::native::Registry;
use crate::object::TypeId;
use crate::value::Value;
use crate::vm::Vm;

use super::args::{arity, no_kwargs};

type Kw<'a> = &'a [(Value, Value)];

pub fn register(r: &mut Registry) {
    let mutating: &[(&'static str, crate::native::NativeFn)] = &[
        ("add", set_add),
        ("remove", set_remove),
        ("discard", set_discard),
        ("pop", set_pop),
        ("clear", set_clear),
        ("update", set_update),
        ("intersection_update", set_intersection_update),
        ("difference_update", set_difference_update),
        (
            "symmetric_difference_update",
            set_symmetric_difference_update,
        ),
    ];
    let shared: &[(&'static str, crate::native::NativeFn)] = &[
        ("copy", set_copy),
        ("union", set_union),
        ("intersection", set_intersection),
        ("difference", set_difference),
        ("symmetric_difference", set_symmetric_difference),
        ("issubset", set_issubset),
        ("issuperset", set_issuperset),
        ("isdisjoint", set_isdisjoint),
    ];
    for (name, f) in mutating {
        r.method(TypeId::Set, name, *f);
    }
    for (name, f) in shared {
        r.method(TypeId::Set, name, *f);
        r.method(TypeId::FrozenSet, name, *f);
    }
}

fn this<'a>(vm: &Vm, args: &'a [Value], name: &str) -> PyResult<&'a Value> {
    let v = args.first().ok_or_else(|| {
        PyErr::type_error(format!("unbound method set.{name}() needs an argument"))
    })?;
    if v.as_set().is_some() {
        Ok(v)
    } else {
        Err(PyErr::type_error(format!(
            "descriptor '{name}' for 'set' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        )))
    }
}

fn members(v: &Value) -> PyResult<Vec<Value>> {
    let s = v
        .as_set()
        .ok_or_else(|| PyErr::type_error("expected a set"))?;
    Ok(s.items
        .try_borrow()
        .map_err(|_| PyErr::reentrant("set"))?
        .keys()
        .cloned()
        .collect())
}

/// Items of any iterable (sets without re-hashing order surprises).
fn items_of(vm: &mut Vm, v: &Value) -> PyResult<Vec<Value>> {
    if v.as_set().is_some() {
        members(v)
    } else {
        vm.collect(v)
    }
}

fn is_frozen(v: &Value) -> bool {
    v.as_set().is_some_and(|s| s.frozen)
}

fn new_like(receiver: &Value) -> Value {
    Value::set(Dict::new(), is_frozen(receiver))
}

fn set_add(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "add")?;
    no_kwargs("set.add", kw)?;
    arity("set.add", args.len() - 1, 1, 1)?;
    vm.set_add(s, args[1].clone())?;
    Ok(Value::none())
}

fn set_remove(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "remove")?;
    no_kwargs("set.remove", kw)?;
    arity("set.remove", args.len() - 1, 1, 1)?;
    match vm.dict_del(s, &args[1])? {
        Some(_) => Ok(Value::none()),
        None => Err(PyErr::key_error(args[1].clone())),
    }
}

fn set_discard(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "discard")?;
    no_kwargs("set.discard", kw)?;
    arity("set.discard", args.len() - 1, 1, 1)?;
    vm.dict_del(s, &args[1])?;
    Ok(Value::none())
}

fn set_pop(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "pop")?;
    no_kwargs("set.pop", kw)?;
    arity("set.pop", args.len() - 1, 0, 0)?;
    let set = s
        .as_set()
        .ok_or_else(|| PyErr::type_error("expected a set"))?;
    let mut items = set
        .items
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("set"))?;
    // CPython pops the first entry in table order.
    match items.remove_index(0) {
        Some((k, _)) => Ok(k),
        None => Err(PyErr::key_error(Value::from_str("pop from an empty set"))),
    }
}

fn set_clear(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "clear")?;
    no_kwargs("set.clear", kw)?;
    arity("set.clear", args.len() - 1, 0, 0)?;
    let set = s
        .as_set()
        .ok_or_else(|| PyErr::type_error("expected a set"))?;
    set.items
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("set"))?
        .clear();
    Ok(Value::none())
}

fn set_update(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "update")?;
    no_kwargs("set.update", kw)?;
    for other in &args[1..] {
        for item in items_of(vm, other)? {
            vm.set_add(s, item)?;
        }
    }
    Ok(Value::none())
}

fn copy_into(vm: &mut Vm, from: &Value, to: &Value) -> PyResult<()> {
    for item in members(from)? {
        vm.set_add(to, item)?;
    }
    Ok(())
}

fn set_copy(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "copy")?;
    no_kwargs("set.copy", kw)?;
    arity("set.copy", args.len() - 1, 0, 0)?;
    let out = new_like(s);
    copy_into(vm, s, &out)?;
    Ok(out)
}

fn set_union(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "union")?;
    no_kwargs("set.union", kw)?;
    let out = new_like(s);
    copy_into(vm, s, &out)?;
    for other in &args[1..] {
        for item in items_of(vm, other)? {
            vm.set_add(&out, item)?;
        }
    }
    Ok(out)
}

/// A temporary set holding the items of `other`, for membership tests.
fn as_set(vm: &mut Vm, other: &Value) -> PyResult<Value> {
    if other.as_set().is_some() {
        return Ok(other.clone());
    }
    let tmp = Value::set(Dict::new(), false);
    for item in vm.collect(other)? {
        vm.set_add(&tmp, item)?;
    }
    Ok(tmp)
}

fn intersection_of(vm: &mut Vm, s: &Value, others: &[Value]) -> PyResult<Vec<Value>> {
    let mut current = members(s)?;
    for other in others {
        let other = as_set(vm, other)?;
        let mut kept = Vec::new();
        for item in current {
            if vm.set_contains(&other, &item)? {
                kept.push(item);
            }
        }
        current = kept;
    }
    Ok(current)
}

fn difference_of(vm: &mut Vm, s: &Value, others: &[Value]) -> PyResult<Vec<Value>> {
    let mut current = members(s)?;
    for other in others {
        let other = as_set(vm, other)?;
        let mut kept = Vec::new();
        for item in current {
            if !vm.set_contains(&other, &item)? {
                kept.push(item);
            }
        }
        current = kept;
    }
    Ok(current)
}

fn symmetric_of(vm: &mut Vm, s: &Value, other: &Value) -> PyResult<Vec<Value>> {
    let other = as_set(vm, other)?;
    let mut out = Vec::new();
    for item in members(s)? {
        if !vm.set_contains(&other, &item)? {
            out.push(item);
        }
    }
    for item in members(&other)? {
        if !vm.set_contains(s, &item)? {
            out.push(item);
        }
    }
    Ok(out)
}

fn build(vm: &mut Vm, like: &Value, items: Vec<Value>) -> PyResult<Value> {
    let out = new_like(like);
    for item in items {
        vm.set_add(&out, item)?;
    }
    Ok(out)
}

fn replace_contents(vm: &mut Vm, s: &Value, items: Vec<Value>) -> PyResult<()> {
    let set = s
        .as_set()
        .ok_or_else(|| PyErr::type_error("expected a set"))?;
    set.items
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("set"))?
        .clear();
    for item in items {
        vm.set_add(s, item)?;
    }
    Ok(())
}

fn set_intersection(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "intersection")?;
    no_kwargs("set.intersection", kw)?;
    let items = intersection_of(vm, s, &args[1..])?;
    build(vm, s, items)
}

fn set_difference(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "difference")?;
    no_kwargs("set.difference", kw)?;
    let items = difference_of(vm, s, &args[1..])?;
    build(vm, s, items)
}

fn set_symmetric_difference(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "symmetric_difference")?;
    no_kwargs("set.symmetric_difference", kw)?;
    arity("symmetric_difference", args.len() - 1, 1, 1)?;
    let items = symmetric_of(vm, s, &args[1])?;
    build(vm, s, items)
}

fn set_intersection_update(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "intersection_update")?;
    no_kwargs("set.intersection_update", kw)?;
    let items = intersection_of(vm, s, &args[1..])?;
    replace_contents(vm, s, items)?;
    Ok(Value::none())
}

fn set_difference_update(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "difference_update")?;
    no_kwargs("set.difference_update", kw)?;
    let items = difference_of(vm, s, &args[1..])?;
    replace_contents(vm, s, items)?;
    Ok(Value::none())
}

fn set_symmetric_difference_update(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "symmetric_difference_update")?;
    no_kwargs("set.symmetric_difference_update", kw)?;
    arity("symmetric_difference_update", args.len() - 1, 1, 1)?;
    let items = symmetric_of(vm, s, &args[1])?;
    replace_contents(vm, s, items)?;
    Ok(Value::none())
}

fn set_issubset(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "issubset")?;
    no_kwargs("set.issubset", kw)?;
    arity("issubset", args.len() - 1, 1, 1)?;
    let other = as_set(vm, &args[1])?;
    for item in members(s)? {
        if !vm.set_contains(&other, &item)? {
            return Ok(Value::bool(false));
        }
    }
    Ok(Value::bool(true))
}

fn set_issuperset(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "issuperset")?;
    no_kwargs("set.issuperset", kw)?;
    arity("issuperset", args.len() - 1, 1, 1)?;
    for item in items_of(vm, &args[1])? {
        if !vm.set_contains(s, &item)? {
            return Ok(Value::bool(false));
        }
    }
    Ok(Value::bool(true))
}

fn set_isdisjoint(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "isdisjoint")?;
    no_kwargs("set.isdisjoint", kw)?;
    arity("isdisjoint", args.len() - 1, 1, 1)?;
    for item in items_of(vm, &args[1])? {
        if vm.set_contains(s, &item)? {
            return Ok(Value::bool(false));
        }
    }
    Ok(Value::bool(true))
}
