//! Argument handling shared by the library natives: receivers, positional
//! and keyword lookup, CPython-worded arity and type errors, slice-style
//! index normalisation, and the bridge from text errors to `PyErr`.

use crate::error::{ExcKind, PyErr, PyResult};
use crate::int::{as_i64, int_ref, IntRef};
use crate::object::TypeId;
use crate::text::{TextError, TextErrorKind};
use crate::value::Value;
use crate::vm::Vm;

impl From<TextError> for PyErr {
    fn from(e: TextError) -> PyErr {
        match e.kind {
            TextErrorKind::Value => PyErr::value_error(e.message),
            TextErrorKind::Type => PyErr::type_error(e.message),
            TextErrorKind::Overflow => PyErr::overflow(e.message),
            TextErrorKind::Index => PyErr::index_error(e.message),
            TextErrorKind::Key => {
                PyErr::with_value(ExcKind::KeyError, Value::from_string(e.message))
            }
        }
    }
}

/// Converts a core int view into the text module's view.
pub fn text_int(i: IntRef<'_>) -> crate::text::int_format::IntRef<'_> {
    match i {
        IntRef::Small(v) => crate::text::int_format::IntRef::Small(v),
        IntRef::Big(b) => crate::text::int_format::IntRef::Big(b),
    }
}

/// Checks the number of arguments after `self` (`name` is e.g. `"split"`),
/// with CPython's wording.
/// `name` is formatted only for the error, so callers may pass
/// `format_args!` without allocating on success. The check is inline
/// (every native method call makes it); the message is not.
#[inline]
pub fn arity(name: impl std::fmt::Display, given: usize, min: usize, max: usize) -> PyResult<()> {
    if given >= min && given <= max {
        return Ok(());
    }
    Err(arity_error(&name, given, min, max))
}

#[cold]
#[inline(never)]
fn arity_error(name: &dyn std::fmt::Display, given: usize, min: usize, max: usize) -> PyErr {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    PyErr::type_error(if max == 0 {
        format!("{name}() takes no arguments ({given} given)")
    } else if min == max {
        if min == 1 {
            format!("{name}() takes exactly one argument ({given} given)")
        } else {
            format!("{name} expected {min} argument{}, got {given}", plural(min))
        }
    } else if given < min {
        format!(
            "{name} expected at least {min} argument{}, got {given}",
            plural(min)
        )
    } else {
        format!(
            "{name} expected at most {max} argument{}, got {given}",
            plural(max)
        )
    })
}

/// Merges positional and keyword arguments into named slots.
/// Returns one entry per name (`None` if absent). Errors as CPython does for
/// unknown or duplicated keywords. The slots are an array, not a `Vec`:
/// every call of a method such as `str.split` binds, so it must not
/// allocate.
#[inline]
pub fn bind<'a, const N: usize>(
    fname: &str,
    positional: &'a [Value],
    kwargs: &'a [(Value, Value)],
    names: &[&str; N],
) -> PyResult<[Option<&'a Value>; N]> {
    if positional.len() > N {
        return Err(too_many_positional(fname, N, positional.len()));
    }
    let mut slots: [Option<&Value>; N] = [None; N];
    for (slot, v) in slots.iter_mut().zip(positional) {
        *slot = Some(v);
    }
    if kwargs.is_empty() {
        return Ok(slots);
    }
    bind_keywords(fname, kwargs, names, &mut slots)?;
    Ok(slots)
}

#[cold]
#[inline(never)]
fn too_many_positional(fname: &str, max: usize, given: usize) -> PyErr {
    PyErr::type_error(format!(
        "{fname}() takes at most {max} argument{} ({given} given)",
        if max == 1 { "" } else { "s" },
    ))
}

fn bind_keywords<'a>(
    fname: &str,
    kwargs: &'a [(Value, Value)],
    names: &[&str],
    slots: &mut [Option<&'a Value>],
) -> PyResult<()> {
    for (key, value) in kwargs {
        let key = key.as_str().unwrap_or("?");
        match names.iter().position(|n| *n == key) {
            Some(i) => {
                if slots[i].is_some() {
                    return Err(PyErr::type_error(format!(
                        "argument for {fname}() given by name ('{key}') and position ({})",
                        i + 1
                    )));
                }
                slots[i] = Some(value);
            }
            None => {
                // CPython's wording for built-ins (script functions say
                // "got an unexpected keyword argument").
                return Err(PyErr::type_error(format!(
                    "'{key}' is an invalid keyword argument for {fname}()"
                )));
            }
        }
    }
    Ok(())
}

/// Rejects keyword arguments for natives that take none.
/// As `arity`, `fname` is formatted only for the error.
#[inline]
pub fn no_kwargs(fname: impl std::fmt::Display, kwargs: &[(Value, Value)]) -> PyResult<()> {
    if kwargs.is_empty() {
        Ok(())
    } else {
        Err(no_kwargs_error(&fname))
    }
}

#[cold]
#[inline(never)]
fn no_kwargs_error(fname: &dyn std::fmt::Display) -> PyErr {
    PyErr::type_error(format!("{fname}() takes no keyword arguments"))
}

/// The receiver of a method of built-in type `ty`, or CPython's
/// descriptor error. Inline: a receiver whose payload is exactly `ty`'s
/// (the usual `items.append(x)`) is accepted with one tag test, as
/// `receiver_checked` would.
#[inline]
pub fn receiver<'a>(vm: &Vm, args: &'a [Value], ty: TypeId, name: &str) -> PyResult<&'a Value> {
    if let Some(v) = args.first() {
        let exact = match ty {
            TypeId::List => v.as_list().is_some(),
            TypeId::Dict => v.as_dict().is_some(),
            TypeId::Str => v.as_str_obj().is_some(),
            _ => false,
        };
        if exact {
            return Ok(v);
        }
    }
    receiver_checked(vm, args, ty, name)
}

#[inline(never)]
fn receiver_checked<'a>(vm: &Vm, args: &'a [Value], ty: TypeId, name: &str) -> PyResult<&'a Value> {
    let ty_name = ty.name();
    args.first()
        .ok_or_else(|| {
            PyErr::type_error(format!(
                "unbound method {ty_name}.{name}() needs an argument"
            ))
        })
        .and_then(|v| {
            // The built-in type first: `type_name` allocates.
            if vm.type_id_of(v) == ty || vm.type_name(v) == ty_name {
                Ok(v)
            } else {
                Err(PyErr::type_error(format!(
                    "descriptor '{name}' for '{ty_name}' objects doesn't apply to a '{}' object",
                    vm.type_name(v)
                )))
            }
        })
}

/// An argument that must be an int (or bool), as an i64.
pub fn index_arg(vm: &Vm, v: &Value) -> PyResult<i64> {
    match int_ref(v) {
        Some(IntRef::Small(i)) => Ok(i),
        Some(IntRef::Big(_)) => Err(PyErr::new(
            ExcKind::OverflowError,
            "Python int too large to convert to C ssize_t",
        )),
        None => Err(PyErr::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name(v)
        ))),
    }
}

/// An optional int argument where None means absent.
pub fn opt_index(vm: &Vm, v: Option<&Value>) -> PyResult<Option<i64>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => {
            if as_i64(v).is_none() && int_ref(v).is_none() {
                return Err(PyErr::type_error(
                    "slice indices must be integers or None or have an __index__ method",
                ));
            }
            index_arg(vm, v).map(Some)
        }
    }
}

/// Normalises `start`/`end` like a slice over a sequence of `len` items.
pub fn slice_bounds(len: usize, start: Option<i64>, end: Option<i64>) -> (usize, usize) {
    let len_i = len as i64;
    let fix = |v: i64| -> usize {
        if v < 0 {
            (v + len_i).max(0) as usize
        } else {
            v.min(len_i) as usize
        }
    };
    (start.map_or(0, fix), end.map_or(len, fix))
}

/// A str argument, or `TypeError: {what} must be str, not {type}`.
pub fn str_arg<'a>(vm: &Vm, v: &'a Value, what: &str) -> PyResult<&'a str> {
    v.as_str()
        .ok_or_else(|| PyErr::type_error(format!("{what}must be str, not {}", vm.type_name(v))))
}
