//! Methods of the runtime's own object kinds: generators (`send`, `throw`,
//! `close`), `property.setter`/`getter`/`deleter`, the `__init__` of
//! `object` and `BaseException` (so `super().__init__(...)` works), and
//! `object.__setattr__`/`__delattr__` (the hook-free attribute store).

use crate::error::{PyErr, PyResult};
use crate::native::{check_args, Registry};
use crate::object::{Payload, PropertyObj, TypeId};
use crate::value::Value;
use crate::vm::Vm;

pub fn register(r: &mut Registry) {
    for ty in [TypeId::Generator, TypeId::Coroutine] {
        r.method(ty, "send", gen_send);
        r.method(ty, "throw", gen_throw);
        r.method(ty, "close", gen_close);
        r.method(ty, "__next__", gen_next);
    }
    r.method(TypeId::Property, "setter", property_setter);
    r.method(TypeId::Property, "getter", property_getter);
    r.method(TypeId::Property, "deleter", property_deleter);
    r.method(TypeId::Object, "__init__", object_init);
    r.method(TypeId::Object, "__setattr__", object_setattr);
    r.method(TypeId::Object, "__delattr__", object_delattr);
    r.method(TypeId::Range, "index", range_index);
    r.method(TypeId::Range, "count", range_count);
}

fn range_find(vm: &mut Vm, args: &[Value]) -> PyResult<Option<num_bigint::BigInt>> {
    check_args("index", args, 2, 2)?;
    let Some(Payload::Range(r)) = args[0].payload() else {
        return Ok(None);
    };
    let Some(i) = crate::int::int_ref(&args[1]) else {
        let _ = vm;
        return Ok(None);
    };
    Ok(r.position(&i))
}

fn range_index(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    match range_find(vm, args)? {
        Some(i) => Ok(Value::from_bigint(i)),
        None => {
            let r = vm.repr(args.get(1).unwrap_or(&Value::none()))?;
            Err(PyErr::value_error(format!("{r} is not in range")))
        }
    }
}

fn range_count(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    Ok(Value::int(range_find(vm, args)?.is_some() as i64))
}

fn gen_send(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("send", args, 2, 2)?;
    vm.gen_send(&args[0], args[1].clone())
}

fn gen_next(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("__next__", args, 1, 1)?;
    vm.gen_send(&args[0], Value::none())
}

fn gen_throw(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("throw", args, 2, 3)?;
    let exc = match args.get(2) {
        Some(v) if !v.is_none() => v.clone(),
        _ => args[1].clone(),
    };
    vm.gen_throw(&args[0], exc)
}

fn gen_close(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("close", args, 1, 1)?;
    vm.gen_close(&args[0])?;
    Ok(Value::none())
}

fn with_property(args: &[Value], which: usize) -> PyResult<Value> {
    let Some(Payload::Property(p)) = args.first().and_then(|v| v.payload()) else {
        return Err(PyErr::type_error("descriptor requires a 'property' object"));
    };
    let f = args.get(1).cloned().unwrap_or_default();
    let mut parts = [p.fget.clone(), p.fset.clone(), p.fdel.clone()];
    parts[which] = f;
    let [fget, fset, fdel] = parts;
    Ok(Value::new_heap(Payload::Property(PropertyObj {
        fget,
        fset,
        fdel,
        doc: p.doc.clone(),
    })))
}

fn property_getter(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    with_property(args, 0)
}

fn property_setter(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    with_property(args, 1)
}

fn property_deleter(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    with_property(args, 2)
}

fn object_init(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    // BaseException.__init__(self, *args) sets args; object's takes none.
    if let Some(Payload::Exception(e)) = args.first().and_then(|v| v.payload()) {
        *e.args.borrow_mut() = Value::tuple(args[1..].to_vec());
        return Ok(Value::none());
    }
    if args.len() > 1 {
        let _ = vm;
        return Err(PyErr::type_error(
            "object.__init__() takes exactly one argument (the instance to initialize)",
        ));
    }
    Ok(Value::none())
}

fn attr_name(vm: &Vm, args: &[Value]) -> PyResult<String> {
    match args.get(1) {
        Some(v) => match v.as_str() {
            Some(s) => Ok(s.to_string()),
            None => Err(PyErr::type_error(format!(
                "attribute name must be string, not '{}'",
                vm.type_name(v)
            ))),
        },
        None => Err(PyErr::type_error("attribute name missing")),
    }
}

fn object_setattr(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("__setattr__", args, 3, 3)?;
    let name = attr_name(vm, args)?;
    vm.generic_setattr(&args[0], &name, args[2].clone())?;
    Ok(Value::none())
}

fn object_delattr(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("__delattr__", args, 2, 2)?;
    let name = attr_name(vm, args)?;
    vm.generic_delattr(&args[0], &name)?;
    Ok(Value::none())
}
