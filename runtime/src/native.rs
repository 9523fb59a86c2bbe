//! Native (Rust) functions: the calling convention and the registry of
//! builtins, methods of built-in types and built-in modules.
//!
//! # Adding a native function
//!
//! A native is a plain `fn`:
//! ```ignore
//! fn str_upper(vm: &mut Vm, args: &[Value], kwargs: &[(Value, Value)]) -> PyResult<Value>
//! ```
//! `args` are the positional arguments; for a *method* of a built-in type,
//! `args[0]` is the receiver (`self`). `kwargs` are `(name str, value)`
//! pairs. Register it in a `register(r: &mut Registry)` function of your
//! module and add one line calling it in `registry()` below:
//! - `r.builtin("sorted", sorted)` — a builtin function (later
//!   registrations replace earlier ones with the same name);
//! - `r.method(TypeId::Str, "upper", str_upper)` — a method, found by
//!   attribute lookup on values of that type (`"a".upper()`, `str.upper`);
//! - `r.module("math", math_init)` — a module, built on first import by
//!   `fn math_init(vm: &mut Vm) -> PyResult<Value>`, typically
//!   `Ok(vm.new_module("math", vec![("pi", Value::float(PI)), ("sqrt",
//!   vm.native_value("sqrt", math_sqrt))]))`.
//!
//! # Helpers (all on `Vm` unless noted)
//! - errors: `PyErr::type_error(msg)`, `value_error`, `index_error`,
//!   `key_error(key)`, `overflow`, `zero_division`, `PyErr::new(ExcKind::X, msg)`;
//! - text: `vm.repr(&v)?`, `vm.str(&v)?` (both `String`), `vm.type_name(&v)`;
//! - comparisons: `ops::eq(vm, &a, &b)?`, `ops::lt(vm, &a, &b)?`,
//!   `ops::compare(vm, &a, &b, CmpOp::Le)?`, `vm.truthy(&v)?`, `vm.hash(&v)?`;
//! - calls: `vm.call(&f, &[args])?`, `vm.call_kw(&f, &args, &kwargs)?`;
//! - iteration: `vm.iter(&v)?` then `vm.next(&it)?` (`Option<Value>`), or
//!   `vm.collect(&v)?` for a `Vec<Value>`; `Value::native_iter(Box<dyn NativeIter>)`
//!   wraps a Rust iterator;
//! - values: `Value::int`, `Value::float`, `Value::bool`, `Value::none()`,
//!   `Value::from_str`, `Value::from_string`, `Value::list(vec)`,
//!   `Value::tuple(vec)`, `Value::bytes(vec)`, `Value::dict(Dict)`,
//!   `int::int_ref(&v)` (`IntRef::Small(i64)`/`Big`), `int::as_i64`,
//!   `v.as_str()`, `v.as_list()` (a `RefCell<Vec<Value>>`: use
//!   `try_borrow_mut` and never hold a borrow across `vm.call`),
//!   `v.as_tuple()`, `v.as_dict()`;
//! - dicts: `vm.dict_get(&d, &k)?`, `vm.dict_set(&d, k, v)?`,
//!   `vm.dict_del(&d, &k)?` (`d` a dict value; Python key semantics);
//!   sets: `vm.set_add(&s, k)?`, `vm.set_contains(&s, &k)?`;
//! - attributes: `vm.getattr(&obj, "name")?`, `vm.setattr(&obj, "name", v)?`;
//! - arguments: `check_args("name", args, min, max)?`, `kwarg(kwargs, "key")`.

use crate::error::{PyErr, PyResult};
use crate::object::TypeId;
use crate::value::Value;
use crate::vm::Vm;

/// A native function. `args[0]` is `self` for methods.
pub type NativeFn = fn(&mut Vm, &[Value], &[(Value, Value)]) -> PyResult<Value>;

/// Builds a built-in module on its first import.
pub type ModuleInit = fn(&mut Vm) -> PyResult<Value>;

/// Everything native the VM installs at start-up.
#[derive(Default)]
pub struct Registry {
    pub builtins: Vec<(&'static str, NativeFn)>,
    pub methods: Vec<(TypeId, &'static str, NativeFn)>,
    pub modules: Vec<(&'static str, ModuleInit)>,
}

impl Registry {
    pub fn builtin(&mut self, name: &'static str, f: NativeFn) {
        self.builtins.push((name, f));
    }

    pub fn method(&mut self, ty: TypeId, name: &'static str, f: NativeFn) {
        self.methods.push((ty, name, f));
    }

    pub fn module(&mut self, name: &'static str, init: ModuleInit) {
        self.modules.push((name, init));
    }
}

/// The full registry. Library modules add one `register` line each.
pub fn registry() -> Registry {
    let mut r = Registry::default();
    crate::builtins::register(&mut r);
    crate::core_methods::register(&mut r);
    crate::builtins_lib::register(&mut r);
    crate::methods::register(&mut r);
    crate::modules::register(&mut r);
    r
}

/// Check the positional argument count (`args` includes `self` for
/// methods, so pass counts that include it).
/// The check is inline (every builtin call makes it); the message is not.
#[inline]
pub fn check_args(name: &str, args: &[Value], min: usize, max: usize) -> PyResult<()> {
    let n = args.len();
    if n >= min && n <= max {
        return Ok(());
    }
    Err(args_error(name, n, min, max))
}

#[cold]
#[inline(never)]
fn args_error(name: &str, n: usize, min: usize, max: usize) -> PyErr {
    if min == max {
        match min {
            0 => PyErr::type_error(format!("{name}() takes no arguments ({n} given)")),
            1 => PyErr::type_error(format!("{name}() takes exactly one argument ({n} given)")),
            _ => PyErr::type_error(format!("{name} expected {min} arguments, got {n}")),
        }
    } else if n < min {
        PyErr::type_error(format!(
            "{name} expected at least {min} argument{}, got {n}",
            if min == 1 { "" } else { "s" }
        ))
    } else {
        PyErr::type_error(format!(
            "{name} expected at most {max} argument{}, got {n}",
            if max == 1 { "" } else { "s" }
        ))
    }
}

/// The value of keyword argument `name`, if given.
pub fn kwarg<'a>(kwargs: &'a [(Value, Value)], name: &str) -> Option<&'a Value> {
    kwargs
        .iter()
        .find(|(k, _)| k.as_str() == Some(name))
        .map(|(_, v)| v)
}

/// Reject keyword arguments other than `allowed`.
pub fn check_kwargs(fname: &str, kwargs: &[(Value, Value)], allowed: &[&str]) -> PyResult<()> {
    for (k, _) in kwargs {
        let key = k.as_str().unwrap_or("?");
        if !allowed.contains(&key) {
            // CPython's wording for built-ins.
            return Err(PyErr::type_error(format!(
                "'{key}' is an invalid keyword argument for {fname}()"
            )));
        }
    }
    Ok(())
}
