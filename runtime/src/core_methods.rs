//! Methods of the runtime's own object kinds: generators (`send`, `throw`,
//! `close`), `property.setter`/`getter`/`deleter`, the `__init__` of
//! `object` and `BaseException` (so `super().__init__(...)` works), and
//! `object.__setattr__`/`__delattr__` (the hook-free attribute store), and
//! `object.__new__` (so a script `__new__` can make its instance).

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
    r.method(TypeId::Object, "__new__", object_new);
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

/// `object.__new__(cls, *args, **kwargs)`: a new, empty instance of the
/// script class `cls`, with CPython's checks and messages.
fn object_new(vm: &mut Vm, args: &[Value], kwargs: &[(Value, Value)]) -> PyResult<Value> {
    let Some(cls_v) = args.first() else {
        return Err(PyErr::type_error("object.__new__(): not enough arguments"));
    };
    let Some(cls) = cls_v.as_class() else {
        return Err(PyErr::type_error(format!(
            "object.__new__(X): X is not a type object ({})",
            vm.type_name(cls_v)
        )));
    };
    if cls.builtin.is_some_and(|id| id != TypeId::Object) || cls.layout != TypeId::Object {
        // As CPython, name the nearest class (from `cls` up) that does not
        // define its own script `__new__`.
        let mut base = cls_v.clone();
        while let Some(c) = base.as_class() {
            let own_new = c.dict.borrow().get_str("__new__").cloned();
            match (own_new, c.base.clone()) {
                (Some(n), Some(up)) if !crate::call::is_default_new(&n) => base = up,
                _ => break,
            }
        }
        let safe = base.as_class().map_or("object", |c| &*c.name).to_string();
        return Err(PyErr::type_error(format!(
            "object.__new__({}) is not safe, use {safe}.__new__()",
            cls.name
        )));
    }
    if args.len() > 1 || !kwargs.is_empty() {
        // As CPython: extra arguments are an error unless the class
        // overrides `__init__` (and not `__new__`) to take them.
        let own_new = vm
            .class_attr(cls_v, "__new__")
            .is_some_and(|n| !crate::call::is_default_new(&n));
        let own_init = vm
            .class_attr(cls_v, "__init__")
            .is_some_and(|i| !matches!(i.payload(), Some(Payload::Native(_))));
        if own_new {
            return Err(PyErr::type_error(
                "object.__new__() takes exactly one argument (the type to instantiate)",
            ));
        }
        if !own_init {
            return Err(PyErr::type_error(format!(
                "{}() takes no arguments",
                cls.name
            )));
        }
    }
    Ok(Vm::new_instance(cls_v, cls.instance_size.get() as usize))
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
