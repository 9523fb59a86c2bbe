//! Methods of `dict`: lookup with defaults, views, `pop`/`popitem`,
//! `setdefault`, `update` (mapping, pairs, kwargs), `clear`, `copy` and
//! `fromkeys`.

use crate::dict::Dict;
use crate::error::{PyErr, PyResult};
use crate::native::Registry;
use crate::object::{Payload, TypeId, ViewKind};
use crate::value::Value;
use crate::vm::Vm;

use super::args::{arity, no_kwargs, receiver};

type Kw<'a> = &'a [(Value, Value)];

pub fn register(r: &mut Registry) {
    let methods: &[(&'static str, crate::native::NativeFn)] = &[
        ("get", dict_get),
        ("keys", dict_keys),
        ("values", dict_values),
        ("items", dict_items),
        ("pop", dict_pop),
        ("popitem", dict_popitem),
        ("setdefault", dict_setdefault),
        ("update", dict_update),
        ("clear", dict_clear),
        ("copy", dict_copy),
        ("fromkeys", dict_fromkeys),
    ];
    for (name, f) in methods {
        r.method(TypeId::Dict, name, *f);
    }
}

fn this<'a>(vm: &Vm, args: &'a [Value], name: &str) -> PyResult<&'a Value> {
    receiver(vm, args, TypeId::Dict, name)
}

fn dict_get(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let d = this(vm, args, "get")?;
    no_kwargs("dict.get", kw)?;
    arity("get", args.len() - 1, 1, 2)?;
    let found = match d
        .as_dict()
        .and_then(|cell| crate::dict::lookup_simple(cell, &args[1]))
    {
        Some(found) => found,
        None => vm.dict_get(d, &args[1])?,
    };
    Ok(found.unwrap_or_else(|| args.get(2).cloned().unwrap_or_default()))
}

fn view(vm: &mut Vm, args: &[Value], kw: Kw, name: &str, kind: ViewKind) -> PyResult<Value> {
    let d = this(vm, args, name)?;
    no_kwargs(format_args!("dict.{name}"), kw)?;
    arity(format_args!("dict.{name}"), args.len() - 1, 0, 0)?;
    Ok(Value::new_heap(Payload::DictView(d.clone(), kind)))
}

fn dict_keys(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    view(vm, args, kw, "keys", ViewKind::Keys)
}
fn dict_values(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    view(vm, args, kw, "values", ViewKind::Values)
}
fn dict_items(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    view(vm, args, kw, "items", ViewKind::Items)
}

fn dict_pop(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let d = this(vm, args, "pop")?;
    no_kwargs("dict.pop", kw)?;
    arity("pop", args.len() - 1, 1, 2)?;
    match vm.dict_del(d, &args[1])? {
        Some(v) => Ok(v),
        None => args
            .get(2)
            .cloned()
            .ok_or_else(|| PyErr::key_error(args[1].clone())),
    }
}

fn dict_popitem(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let d = this(vm, args, "popitem")?;
    no_kwargs("dict.popitem", kw)?;
    arity("dict.popitem", args.len() - 1, 0, 0)?;
    let cell = d
        .as_dict()
        .ok_or_else(|| PyErr::type_error("expected a dict"))?;
    let popped = cell
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("dict"))?
        .pop_last();
    match popped {
        Some((k, v)) => Ok(Value::tuple(vec![k, v])),
        None => Err(PyErr::key_error(Value::from_str(
            "popitem(): dictionary is empty",
        ))),
    }
}

fn dict_setdefault(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let d = this(vm, args, "setdefault")?;
    no_kwargs("dict.setdefault", kw)?;
    arity("setdefault", args.len() - 1, 1, 2)?;
    if let Some(v) = vm.dict_get(d, &args[1])? {
        return Ok(v);
    }
    let default = args.get(2).cloned().unwrap_or_default();
    vm.dict_set(d, args[1].clone(), default.clone())?;
    Ok(default)
}

/// `dst.update(src)`: a dict, an object with `keys()`, or pairs.
pub fn update_from(vm: &mut Vm, dst: &Value, src: &Value) -> PyResult<()> {
    if let Some(cell) = src.as_dict() {
        let pairs: Vec<(Value, Value)> = cell
            .try_borrow()
            .map_err(|_| PyErr::reentrant("dict"))?
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in pairs {
            vm.dict_set(dst, k, v)?;
        }
        return Ok(());
    }
    if let Some(Payload::Instance(_)) = src.payload() {
        if let Ok(keys) = vm.getattr(src, "keys") {
            let keys = vm.call(&keys, &[])?;
            let getitem = vm.getattr(src, "__getitem__")?;
            for k in vm.collect(&keys)? {
                let v = vm.call(&getitem, std::slice::from_ref(&k))?;
                vm.dict_set(dst, k, v)?;
            }
            return Ok(());
        }
    }
    let items = vm.collect(src)?;
    for (i, item) in items.iter().enumerate() {
        let pair = vm.collect(item).map_err(|_| {
            PyErr::type_error(format!(
                "cannot convert dictionary update sequence element #{i} to a sequence"
            ))
        })?;
        if pair.len() != 2 {
            return Err(PyErr::value_error(format!(
                "dictionary update sequence element #{i} has length {}; 2 is required",
                pair.len()
            )));
        }
        let mut it = pair.into_iter();
        if let (Some(k), Some(v)) = (it.next(), it.next()) {
            vm.dict_set(dst, k, v)?;
        }
    }
    Ok(())
}

fn dict_update(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let d = this(vm, args, "update")?;
    arity("update", args.len() - 1, 0, 1)?;
    if let Some(src) = args.get(1) {
        update_from(vm, d, src)?;
    }
    for (k, v) in kw {
        vm.dict_set(d, k.clone(), v.clone())?;
    }
    Ok(Value::none())
}

fn dict_clear(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let d = this(vm, args, "clear")?;
    no_kwargs("dict.clear", kw)?;
    arity("dict.clear", args.len() - 1, 0, 0)?;
    let cell = d
        .as_dict()
        .ok_or_else(|| PyErr::type_error("expected a dict"))?;
    let old = std::mem::take(
        &mut *cell
            .try_borrow_mut()
            .map_err(|_| PyErr::reentrant("dict"))?,
    );
    drop(old);
    Ok(Value::none())
}

fn dict_copy(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let d = this(vm, args, "copy")?;
    no_kwargs("dict.copy", kw)?;
    arity("dict.copy", args.len() - 1, 0, 0)?;
    let out = Value::dict(Dict::new());
    update_from(vm, &out, d)?;
    Ok(out)
}

fn dict_fromkeys(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("dict.fromkeys", kw)?;
    // `dict.fromkeys(it, v)` (no receiver) or `{}.fromkeys(it, v)`.
    let a = match args.first() {
        Some(first) if first.as_dict().is_some() && args.len() >= 2 => &args[1..],
        _ => args,
    };
    arity("fromkeys", a.len(), 1, 2)?;
    let value = a.get(1).cloned().unwrap_or_default();
    let out = Value::dict(Dict::new());
    for k in vm.collect(&a[0])? {
        vm.dict_set(&out, k, value.clone())?;
    }
    Ok(out)
}
