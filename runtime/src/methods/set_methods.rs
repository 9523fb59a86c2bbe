//! Methods of `set` and `frozenset`: argument checking only; the table and
//! the algebra (which must follow CPython's algorithms so that iteration
//! order matches) live in `set.rs`.

use crate::error::{PyErr, PyResult};
use crate::native::Registry;
use crate::object::TypeId;
use crate::set;
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
    if vm.set_discard(s, &args[1])? {
        Ok(Value::none())
    } else {
        Err(PyErr::key_error(args[1].clone()))
    }
}

fn set_discard(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "discard")?;
    no_kwargs("set.discard", kw)?;
    arity("set.discard", args.len() - 1, 1, 1)?;
    vm.set_discard(s, &args[1])?;
    Ok(Value::none())
}

fn table(s: &Value) -> PyResult<&std::cell::RefCell<set::SetTable>> {
    s.as_set()
        .map(|x| &x.items)
        .ok_or_else(|| PyErr::type_error("expected a set"))
}

fn set_pop(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "pop")?;
    no_kwargs("set.pop", kw)?;
    arity("set.pop", args.len() - 1, 0, 0)?;
    let popped = table(s)?
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("set"))?
        .pop();
    popped.ok_or_else(|| PyErr::key_error(Value::from_str("pop from an empty set")))
}

fn set_clear(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "clear")?;
    no_kwargs("set.clear", kw)?;
    arity("set.clear", args.len() - 1, 0, 0)?;
    table(s)?
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("set"))?
        .clear();
    Ok(Value::none())
}

fn set_update(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "update")?;
    no_kwargs("set.update", kw)?;
    set::update(vm, s, &args[1..])?;
    Ok(Value::none())
}

fn set_copy(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "copy")?;
    no_kwargs("set.copy", kw)?;
    arity("set.copy", args.len() - 1, 0, 0)?;
    set::copy(vm, s)
}

fn set_union(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "union")?;
    no_kwargs("set.union", kw)?;
    set::union(vm, s, &args[1..])
}

fn set_intersection(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "intersection")?;
    no_kwargs("set.intersection", kw)?;
    set::intersection_multi(vm, s, &args[1..])
}

fn set_difference(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "difference")?;
    no_kwargs("set.difference", kw)?;
    set::difference_multi(vm, s, &args[1..])
}

fn set_symmetric_difference(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "symmetric_difference")?;
    no_kwargs("set.symmetric_difference", kw)?;
    arity("symmetric_difference", args.len() - 1, 1, 1)?;
    set::symmetric_difference(vm, s, &args[1])
}

fn set_intersection_update(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "intersection_update")?;
    no_kwargs("set.intersection_update", kw)?;
    set::intersection_update(vm, s, &args[1..])?;
    Ok(Value::none())
}

fn set_difference_update(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "difference_update")?;
    no_kwargs("set.difference_update", kw)?;
    set::difference_update(vm, s, &args[1..])?;
    Ok(Value::none())
}

fn set_symmetric_difference_update(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "symmetric_difference_update")?;
    no_kwargs("set.symmetric_difference_update", kw)?;
    arity("symmetric_difference_update", args.len() - 1, 1, 1)?;
    set::symmetric_difference_update(vm, s, &args[1])?;
    Ok(Value::none())
}

fn set_issubset(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "issubset")?;
    no_kwargs("set.issubset", kw)?;
    arity("issubset", args.len() - 1, 1, 1)?;
    Ok(Value::bool(set::issubset(vm, s, &args[1])?))
}

fn set_issuperset(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "issuperset")?;
    no_kwargs("set.issuperset", kw)?;
    arity("issuperset", args.len() - 1, 1, 1)?;
    Ok(Value::bool(set::issuperset(vm, s, &args[1])?))
}

fn set_isdisjoint(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "isdisjoint")?;
    no_kwargs("set.isdisjoint", kw)?;
    arity("isdisjoint", args.len() - 1, 1, 1)?;
    Ok(Value::bool(set::isdisjoint(vm, s, &args[1])?))
}
