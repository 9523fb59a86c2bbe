//! The core builtins owned by the runtime (`print`, `len`, `repr`,
//! `isinstance`, `getattr`...) and the constructors of the built-in types
//! (`int()`, `str()`, `list()`, `range()`... — calling a built-in class).
//! Library builtins (`sorted`, `min`, `zip`...) live in `builtins_lib`.

use std::cell::RefCell;

use num_bigint::BigInt;

use crate::dict::Dict;
use crate::error::{ExcKind, PyErr, PyResult};
use crate::int::{self, int_ref, IntRef};
use crate::native::{check_args, check_kwargs, kwarg, Registry};
use crate::object::{InstanceObj, Payload, PropertyObj, TypeId};
use crate::value::Value;
use crate::vm::Vm;

pub fn register(r: &mut Registry) {
    r.builtin("print", print);
    r.builtin("len", len);
    r.builtin("repr", repr);
    r.builtin("ascii", ascii);
    r.builtin("isinstance", isinstance);
    r.builtin("issubclass", issubclass);
    r.builtin("id", id);
    r.builtin("hash", hash);
    r.builtin("iter", iter);
    r.builtin("next", next);
    r.builtin("getattr", getattr);
    r.builtin("setattr", setattr);
    r.builtin("hasattr", hasattr);
    r.builtin("delattr", delattr);
    r.builtin("callable", callable);
    r.builtin("abs", abs);
    r.builtin("format", format);
}

impl Vm {
    /// `hash(v)` as Python returns it.
    pub fn hash(&mut self, v: &Value) -> PyResult<i64> {
        if let Some(h) = crate::hash::primitive_hash_i64(v) {
            return Ok(h);
        }
        match v.payload() {
            Some(Payload::Instance(_)) | Some(Payload::Exception(_)) => {
                let class = self.type_of(v);
                match self.class_attr(&class, "__hash__") {
                    Some(h) if h.is_none() => Err(self.unhashable(v)),
                    Some(_) => {
                        let r = self.call_special(v, "__hash__", &[])?.unwrap_or_default();
                        match int_ref(&r) {
                            Some(IntRef::Small(i)) => Ok(if i == -1 { -2 } else { i }),
                            Some(IntRef::Big(b)) => Ok(crate::hash::hash_bigint(b)),
                            None => Err(PyErr::type_error(
                                "__hash__ method should return an integer",
                            )),
                        }
                    }
                    // __eq__ without __hash__: unhashable.
                    None => Err(self.unhashable(v)),
                }
            }
            Some(Payload::Set(s)) if s.frozen => Ok(s
                .items
                .try_borrow()
                .map_err(|_| PyErr::reentrant("frozenset"))?
                .frozen_hash()),
            Some(Payload::Tuple(items)) => {
                let items = items.to_vec();
                let mut hs = Vec::with_capacity(items.len());
                for it in &items {
                    hs.push(self.hash(it)?);
                }
                Ok(crate::hash::hash_tuple_items(&hs))
            }
            _ => Err(self.unhashable(v)),
        }
    }

    fn unhashable(&self, v: &Value) -> PyErr {
        PyErr::type_error(format!("unhashable type: '{}'", self.type_name(v)))
    }

    /// Truthiness.
    pub fn truthy(&mut self, v: &Value) -> PyResult<bool> {
        crate::ops::truthy(self, v)
    }
}

fn print(vm: &mut Vm, args: &[Value], kwargs: &[(Value, Value)]) -> PyResult<Value> {
    check_kwargs("print", kwargs, &["sep", "end", "file", "flush"])?;
    let text_arg = |vm: &mut Vm, name: &str, default: &str| -> PyResult<String> {
        match kwarg(kwargs, name) {
            None => Ok(default.to_string()),
            Some(v) if v.is_none() => Ok(default.to_string()),
            Some(v) => match v.as_str() {
                Some(s) => Ok(s.to_string()),
                None => Err(PyErr::type_error(format!(
                    "{name} must be None or a string, not {}",
                    vm.type_name(v)
                ))),
            },
        }
    };
    let sep = text_arg(vm, "sep", " ")?;
    let end = text_arg(vm, "end", "\n")?;
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep);
        }
        match a.as_str() {
            Some(s) => out.push_str(s),
            None => out.push_str(&vm.str(a)?),
        }
    }
    out.push_str(&end);
    vm.write_out(&out)?;
    if let Some(f) = kwarg(kwargs, "flush") {
        if vm.truthy(&f.clone())? {
            vm.flush()?;
        }
    }
    Ok(Value::none())
}

fn len(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    // The usual cases, without the full dispatch of `Vm::len`.
    if let [v] = args {
        match v.payload() {
            Some(Payload::Str(s)) => return Ok(Value::int(s.chars as i64)),
            Some(Payload::List(l)) => {
                if let Ok(l) = l.try_borrow() {
                    return Ok(Value::int(l.len() as i64));
                }
            }
            _ => {}
        }
    }
    check_args("len", args, 1, 1)?;
    Ok(Value::int(vm.len(&args[0])? as i64))
}

fn repr(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("repr", args, 1, 1)?;
    Ok(Value::from_string(vm.repr(&args[0])?))
}

/// `ascii(v)`: repr with non-ASCII escaped.
pub fn ascii_of(vm: &mut Vm, v: &Value) -> PyResult<String> {
    let r = vm.repr(v)?;
    let mut out = String::with_capacity(r.len());
    for c in r.chars() {
        let u = c as u32;
        if u < 0x80 {
            out.push(c);
        } else if u <= 0xff {
            out.push_str(&format!("\\x{u:02x}"));
        } else if u <= 0xffff {
            out.push_str(&format!("\\u{u:04x}"));
        } else {
            out.push_str(&format!("\\U{u:08x}"));
        }
    }
    Ok(out)
}

fn ascii(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("ascii", args, 1, 1)?;
    Ok(Value::from_string(ascii_of(vm, &args[0])?))
}

fn class_spec_matches(vm: &mut Vm, class: &Value, spec: &Value, fname: &str) -> PyResult<bool> {
    if let Some(items) = spec.as_tuple() {
        for it in items {
            if class_spec_matches(vm, class, it, fname)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if spec.as_class().is_none() {
        return Err(PyErr::type_error(format!(
            "{fname}() arg 2 must be a type, a tuple of types, or a union"
        )));
    }
    Ok(vm.is_subclass(class, spec))
}

fn isinstance(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("isinstance", args, 2, 2)?;
    let class = vm.type_of(&args[0]);
    Ok(Value::bool(class_spec_matches(
        vm,
        &class,
        &args[1],
        "isinstance",
    )?))
}

fn issubclass(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("issubclass", args, 2, 2)?;
    if args[0].as_class().is_none() {
        return Err(PyErr::type_error("issubclass() arg 1 must be a class"));
    }
    Ok(Value::bool(class_spec_matches(
        vm,
        &args[0],
        &args[1],
        "issubclass",
    )?))
}

fn id(_: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("id", args, 1, 1)?;
    Ok(Value::int((args[0].address() & 0x7FFF_FFFF_FFFF) as i64))
}

fn hash(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("hash", args, 1, 1)?;
    Ok(Value::int(vm.hash(&args[0])?))
}

fn iter(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("iter", args, 1, 1)?;
    vm.iter(&args[0])
}

fn next(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("next", args, 1, 2)?;
    let it = &args[0];
    let is_iter = matches!(
        it.payload(),
        Some(Payload::Iter(_)) | Some(Payload::Generator(_))
    ) || (matches!(it.payload(), Some(Payload::Instance(_)))
        && vm.class_attr(&vm.type_of(it), "__next__").is_some());
    if !is_iter {
        return Err(PyErr::type_error(format!(
            "'{}' object is not an iterator",
            vm.type_name(it)
        )));
    }
    if let Some(Payload::Generator(_)) = it.payload() {
        return match vm.gen_resume(it, Value::none(), None)? {
            crate::iter::GenStep::Yielded(v) => Ok(v),
            crate::iter::GenStep::Returned(r) => match args.get(1) {
                Some(d) => Ok(d.clone()),
                None => Err(crate::iter::stop_with(r)),
            },
        };
    }
    match vm.next(it)? {
        Some(v) => Ok(v),
        None => match args.get(1) {
            Some(d) => Ok(d.clone()),
            None => Err(PyErr::stop_iteration()),
        },
    }
}

fn attr_name<'a>(vm: &Vm, v: &'a Value, _fname: &str) -> PyResult<&'a str> {
    v.as_str().ok_or_else(|| {
        PyErr::type_error(format!(
            "attribute name must be string, not '{}'",
            vm.type_name(v)
        ))
    })
}

fn getattr(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("getattr", args, 2, 3)?;
    let name = attr_name(vm, &args[1], "getattr")?;
    match vm.getattr(&args[0], name) {
        Ok(v) => Ok(v),
        Err(e) if args.len() == 3 && vm.err_matches(&e, ExcKind::AttributeError) => {
            Ok(args[2].clone())
        }
        Err(e) => Err(e),
    }
}

fn setattr(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("setattr", args, 3, 3)?;
    let name = attr_name(vm, &args[1], "setattr")?.to_string();
    vm.setattr(&args[0], &name, args[2].clone())?;
    Ok(Value::none())
}

fn hasattr(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("hasattr", args, 2, 2)?;
    let name = attr_name(vm, &args[1], "hasattr")?.to_string();
    Ok(Value::bool(vm.hasattr(&args[0], &name)?))
}

fn delattr(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("delattr", args, 2, 2)?;
    let name = attr_name(vm, &args[1], "delattr")?.to_string();
    vm.delattr(&args[0], &name)?;
    Ok(Value::none())
}

fn callable(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("callable", args, 1, 1)?;
    let v = &args[0];
    let r = match v.payload() {
        Some(Payload::Function(_))
        | Some(Payload::Native(_))
        | Some(Payload::BoundMethod(..))
        | Some(Payload::Class(_)) => true,
        Some(Payload::Instance(_)) => vm.class_attr(&vm.type_of(v), "__call__").is_some(),
        _ => false,
    };
    Ok(Value::bool(r))
}

fn abs(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("abs", args, 1, 1)?;
    let v = &args[0];
    if let Some(i) = int_ref(v) {
        return Ok(int::abs(&i));
    }
    if let Some(f) = v.as_float() {
        return Ok(Value::float(f.abs()));
    }
    if let Some(r) = vm.call_special(v, "__abs__", &[])? {
        return Ok(r);
    }
    Err(PyErr::type_error(format!(
        "bad operand type for abs(): '{}'",
        vm.type_name(v)
    )))
}

fn format(vm: &mut Vm, args: &[Value], _: &[(Value, Value)]) -> PyResult<Value> {
    check_args("format", args, 1, 2)?;
    let spec = args
        .get(1)
        .and_then(|s| s.as_str())
        .unwrap_or("")
        .to_string();
    Ok(Value::from_string(crate::text_hooks::format_value(
        vm, &args[0], &spec,
    )?))
}

// ---- constructors of built-in types -------------------------------------

fn index_arg(vm: &Vm, v: &Value) -> PyResult<i64> {
    match int_ref(v) {
        Some(IntRef::Small(i)) => Ok(i),
        Some(IntRef::Big(_)) => Err(PyErr::overflow(
            "Python int too large to convert to C ssize_t",
        )),
        None => Err(PyErr::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name(v)
        ))),
    }
}

/// Parse a float from text as `float(str)` does.
pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    let neg = lower.starts_with('-');
    let special = match body {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(f) = special {
        return Some(if neg { -f } else { f });
    }
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '_' | '+' | '-'))
    {
        return None;
    }
    if t.contains('_') {
        if t.starts_with('_') || t.ends_with('_') || t.contains("__") {
            return None;
        }
        return t.replace('_', "").parse().ok();
    }
    t.parse().ok()
}

fn int_from_str(s: &str, base: u32) -> PyResult<Value> {
    if base == 10 {
        if let Some(v) = int::parse_small_decimal(s) {
            return Ok(Value::int(v));
        }
    }
    match int::parse_int(s, base) {
        Some(b) => Ok(Value::from_bigint(b)),
        None => Err(PyErr::value_error(format!(
            "invalid literal for int() with base {base}: {}",
            crate::repr::str_repr(s)
        ))),
    }
}

/// Calling a built-in class: `int(x)`, `list(it)`, `range(n)`...
/// CPython's error for a keyword argument a built-in type's constructor
/// does not take (`dict` takes any: they become items).
fn constructor_kwargs(id: TypeId, kwargs: &[(Value, Value)]) -> PyResult<()> {
    let allowed: &[&str] = match id {
        TypeId::Object if !kwargs.is_empty() => {
            return Err(PyErr::type_error("object() takes no arguments"));
        }
        TypeId::Int => &["base"],
        TypeId::Str => &["object", "encoding", "errors"],
        TypeId::Bytes => &["source", "encoding", "errors"],
        TypeId::Property => &["fget", "fset", "fdel", "doc"],
        TypeId::Bool
        | TypeId::Float
        | TypeId::List
        | TypeId::Tuple
        | TypeId::Set
        | TypeId::FrozenSet
        | TypeId::Range
        | TypeId::Slice
        | TypeId::StaticMethod
        | TypeId::ClassMethod
        | TypeId::Super => {
            if kwargs.is_empty() {
                return Ok(());
            }
            return Err(PyErr::type_error(format!(
                "{}() takes no keyword arguments",
                id.name()
            )));
        }
        _ => return Ok(()),
    };
    crate::native::check_kwargs(id.name(), kwargs, allowed)
}

pub fn construct(
    vm: &mut Vm,
    id: TypeId,
    cls: &Value,
    args: &[Value],
    kwargs: &[(Value, Value)],
) -> PyResult<Value> {
    // `str(x)`, the most common call of a type: no keyword to check, no
    // encoding to apply.
    if let (TypeId::Str, [v], []) = (id, args, kwargs) {
        return vm.str_value(v);
    }
    let name = id.name();
    constructor_kwargs(id, kwargs)?;
    match id {
        TypeId::Object => {
            check_args("object", args, 0, 0)
                .map_err(|_| PyErr::type_error("object() takes no arguments"))?;
            let size = cls.as_class().map_or(0, |c| c.instance_size.get() as usize);
            Ok(Value::new_heap(Payload::Instance(InstanceObj {
                class: cls.clone(),
                dict: RefCell::new(Dict::with_capacity(size)),
            })))
        }
        TypeId::Type => match args.len() {
            1 => Ok(vm.type_of(&args[0])),
            n if n != 3 => Err(PyErr::type_error("type() takes 1 or 3 arguments")),
            _ => Err(PyErr::unsupported(
                "type() with three arguments is not supported",
            )),
        },
        TypeId::NoneType => Ok(Value::none()),
        TypeId::Bool => {
            check_args("bool", args, 0, 1)?;
            match args.first() {
                Some(v) => Ok(Value::bool(vm.truthy(v)?)),
                None => Ok(Value::bool(false)),
            }
        }
        TypeId::Int => {
            check_args("int", args, 0, 2)?;
            let base = match (args.get(1), kwarg(kwargs, "base")) {
                (Some(b), _) | (None, Some(b)) => Some(index_arg(vm, b)?),
                _ => None,
            };
            let Some(v) = args.first() else {
                return Ok(Value::int(0));
            };
            if let Some(b) = base {
                if !(b == 0 || (2..=36).contains(&b)) {
                    return Err(PyErr::value_error(
                        "int() base must be >= 2 and <= 36, or 0",
                    ));
                }
                return match v.as_str() {
                    Some(s) => int_from_str(s, b as u32),
                    None => Err(PyErr::type_error(
                        "int() can't convert non-string with explicit base",
                    )),
                };
            }
            if let Some(i) = int_ref(v) {
                return Ok(match i {
                    IntRef::Small(x) => Value::int(x),
                    IntRef::Big(b) => Value::from_bigint(b.clone()),
                });
            }
            if let Some(f) = v.as_float() {
                return int::from_f64(f);
            }
            if let Some(s) = v.as_str() {
                return int_from_str(s, 10);
            }
            if let Some(b) = v.as_bytes() {
                let s = String::from_utf8_lossy(b).to_string();
                return int_from_str(&s, 10);
            }
            for m in ["__int__", "__index__"] {
                if let Some(r) = vm.call_special(v, m, &[])? {
                    return Ok(r);
                }
            }
            Err(PyErr::type_error(format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                vm.type_name(v)
            )))
        }
        TypeId::Float => {
            check_args("float", args, 0, 1)?;
            let Some(v) = args.first() else {
                return Ok(Value::float(0.0));
            };
            if let Some(f) = v.as_float() {
                return Ok(Value::float(f));
            }
            if let Some(i) = int_ref(v) {
                return i
                    .to_f64()
                    .map(Value::float)
                    .ok_or_else(|| PyErr::overflow("int too large to convert to float"));
            }
            if let Some(s) = v.as_str() {
                return parse_float(s).map(Value::float).ok_or_else(|| {
                    PyErr::value_error(format!(
                        "could not convert string to float: {}",
                        crate::repr::str_repr(s)
                    ))
                });
            }
            if let Some(r) = vm.call_special(v, "__float__", &[])? {
                return Ok(r);
            }
            Err(PyErr::type_error(format!(
                "float() argument must be a string or a real number, not '{}'",
                vm.type_name(v)
            )))
        }
        TypeId::Str => {
            check_args("str", args, 0, 3)?;
            let Some(v) = args.first() else {
                return Ok(Value::from_str(""));
            };
            if let (Some(b), true) = (
                v.as_bytes(),
                args.len() > 1 || kwarg(kwargs, "encoding").is_some(),
            ) {
                return match std::str::from_utf8(b) {
                    Ok(s) => Ok(Value::from_str(s)),
                    Err(e) => Err(crate::methods::bytes_methods::utf8_decode_error(b, &e)),
                };
            }
            vm.str_value(v)
        }
        TypeId::Bytes => {
            check_args("bytes", args, 0, 3)?;
            let Some(v) = args.first() else {
                return Ok(Value::bytes(Vec::new()));
            };
            if let Some(s) = v.as_str() {
                if args.len() < 2 && kwarg(kwargs, "encoding").is_none() {
                    return Err(PyErr::type_error("string argument without an encoding"));
                }
                return Ok(Value::bytes(s.as_bytes().to_vec()));
            }
            if let Some(b) = v.as_bytes() {
                return Ok(Value::bytes(b.to_vec()));
            }
            if let Some(n) = int::as_i64(v) {
                if n < 0 {
                    return Err(PyErr::value_error("negative count"));
                }
                if n > 1 << 32 {
                    return Err(PyErr::new(ExcKind::MemoryError, ""));
                }
                return Ok(Value::bytes(vec![0; n as usize]));
            }
            let items = vm.collect(v)?;
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match int::as_i64(&it) {
                    Some(x) if (0..256).contains(&x) => out.push(x as u8),
                    Some(_) => return Err(PyErr::value_error("bytes must be in range(0, 256)")),
                    None => {
                        return Err(PyErr::type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            vm.type_name(&it)
                        )))
                    }
                }
            }
            Ok(Value::bytes(out))
        }
        TypeId::List => {
            check_args("list", args, 0, 1)?;
            match args.first() {
                Some(v) => Ok(Value::list(vm.collect(v)?)),
                None => Ok(Value::list(Vec::new())),
            }
        }
        TypeId::Tuple => {
            check_args("tuple", args, 0, 1)?;
            match args.first() {
                Some(v) if v.as_tuple().is_some() => Ok(v.clone()),
                Some(v) => Ok(Value::tuple(vm.collect(v)?)),
                None => Ok(Value::tuple(Vec::new())),
            }
        }
        TypeId::Dict => {
            check_args("dict", args, 0, 1)?;
            let d = Value::dict(Dict::new());
            if let Some(src) = args.first() {
                if src.as_dict().is_some()
                    || (matches!(src.payload(), Some(Payload::Instance(_)))
                        && vm.hasattr(src, "keys")?)
                {
                    crate::ops::dict_update(vm, &d, src)?;
                } else {
                    let it = vm.iter(src)?;
                    let mut i = 0;
                    while let Some(item) = vm.next(&it)? {
                        let pair = vm.collect(&item).map_err(|_| {
                            PyErr::type_error(format!("cannot convert dictionary update sequence element #{i} to a sequence"))
                        })?;
                        if pair.len() != 2 {
                            return Err(PyErr::value_error(format!(
                                "dictionary update sequence element #{i} has length {}; 2 is required",
                                pair.len()
                            )));
                        }
                        let mut p = pair.into_iter();
                        if let (Some(k), Some(v)) = (p.next(), p.next()) {
                            vm.dict_set(&d, k, v)?;
                        }
                        i += 1;
                    }
                }
            }
            for (k, v) in kwargs {
                vm.dict_set(&d, k.clone(), v.clone())?;
            }
            Ok(d)
        }
        TypeId::Set | TypeId::FrozenSet => {
            check_args(name, args, 0, 1)?;
            crate::set::from_iterable(vm, args.first(), id == TypeId::FrozenSet)
        }
        TypeId::Range => {
            if args.is_empty() {
                return Err(PyErr::type_error(
                    "range expected at least 1 argument, got 0",
                ));
            }
            check_args("range", args, 1, 3)?;
            if args
                .iter()
                .any(|a| matches!(int_ref(a), Some(IntRef::Big(_))))
            {
                return big_range(args);
            }
            // In place, not collected: `range(...)` is made for most loops.
            let mut nums = [0i64; 3];
            for (n, a) in nums.iter_mut().zip(args) {
                *n = index_arg(vm, a)?;
            }
            let (start, stop, step) = match args.len() {
                1 => (0, nums[0], 1),
                2 => (nums[0], nums[1], 1),
                _ => (nums[0], nums[1], nums[2]),
            };
            if step == 0 {
                return Err(PyErr::value_error("range() arg 3 must not be zero"));
            }
            Ok(Value::range(start, stop, step))
        }
        TypeId::Slice => {
            check_args("slice", args, 1, 3)?;
            let (a, b, c) = match args {
                [stop] => (Value::none(), stop.clone(), Value::none()),
                [start, stop] => (start.clone(), stop.clone(), Value::none()),
                [start, stop, step] => (start.clone(), stop.clone(), step.clone()),
                _ => (Value::none(), Value::none(), Value::none()),
            };
            Ok(Value::new_heap(Payload::Slice(a, b, c)))
        }
        TypeId::Property => {
            let get = |i: usize, k: &str| {
                args.get(i)
                    .or_else(|| kwarg(kwargs, k))
                    .cloned()
                    .unwrap_or_default()
            };
            Ok(Value::new_heap(Payload::Property(PropertyObj {
                fget: get(0, "fget"),
                fset: get(1, "fset"),
                fdel: get(2, "fdel"),
                doc: get(3, "doc"),
            })))
        }
        TypeId::StaticMethod => {
            check_args("staticmethod", args, 1, 1)?;
            Ok(Value::new_heap(Payload::StaticMethod(args[0].clone())))
        }
        TypeId::ClassMethod => {
            check_args("classmethod", args, 1, 1)?;
            Ok(Value::new_heap(Payload::ClassMethod(args[0].clone())))
        }
        TypeId::Super => {
            if args.len() != 2 {
                return Err(PyErr::runtime_error("super(): no arguments"));
            }
            if args[0].as_class().is_none() {
                return Err(PyErr::type_error("super() argument 1 must be a type"));
            }
            Ok(Value::new_heap(Payload::Super(
                args[0].clone(),
                args[1].clone(),
            )))
        }
        _ => Err(PyErr::type_error(format!(
            "cannot create '{name}' instances"
        ))),
    }
}

/// Make an int value from a BigInt (re-exported for library code).
pub fn int_from_bigint(b: BigInt) -> Value {
    Value::from_bigint(b)
}

/// A range with an argument outside i64 (`RangeObj::new` picks the
/// representation).
fn big_range(args: &[Value]) -> PyResult<Value> {
    let nums: Vec<BigInt> = args
        .iter()
        .filter_map(|a| int_ref(a).map(|i| i.to_bigint()))
        .collect();
    if nums.len() != args.len() {
        return Err(PyErr::type_error("range() arguments must be integers"));
    }
    let (start, stop, step) = match nums.as_slice() {
        [stop] => (BigInt::from(0), stop.clone(), BigInt::from(1)),
        [start, stop] => (start.clone(), stop.clone(), BigInt::from(1)),
        [start, stop, step] => (start.clone(), stop.clone(), step.clone()),
        _ => return Err(PyErr::type_error("range expected at most 3 arguments")),
    };
    if step == BigInt::from(0) {
        return Err(PyErr::value_error("range() arg 3 must not be zero"));
    }
    Ok(Value::new_heap(Payload::Range(
        crate::range::RangeObj::new(start, stop, step),
    )))
}
