//! Instructions the dispatch loop runs rarely (raising, `import *`,
//! starred unpacking, class-body and module-level name access), out of
//! line: kept in `interp::execute` their code would compete with the hot
//! instructions for registers. Semantics are those of
//! `kiln_compiler::bytecode`, unchanged.

use crate::error::{ExcKind, PyErr, PyResult};
use crate::frame::Frame;
use crate::object::Payload;
use crate::value::Value;
use crate::vm::Vm;

fn pop(stack: &mut Vec<Value>) -> Value {
    stack.pop().unwrap_or_default()
}

/// `raise` (`n` = 0), `raise exc` (1) or `raise exc from cause` (2): the
/// error to raise, the operands popped.
#[cold]
#[inline(never)]
pub(crate) fn raise(vm: &mut Vm, stack: &mut Vec<Value>, n: u32) -> PyErr {
    match n {
        0 => {
            let exc = vm.handled_exc.clone();
            if exc.is_none() {
                PyErr::runtime_error("No active exception to reraise")
            } else {
                let mut e = PyErr::from_object(exc);
                e.reraised = true;
                e
            }
        }
        1 => {
            let v = pop(stack);
            match vm.make_raisable(v) {
                Ok(exc) => PyErr::from_object(exc),
                Err(e) => e,
            }
        }
        _ => {
            let cause = pop(stack);
            let v = pop(stack);
            let exc = match vm.make_raisable(v) {
                Ok(exc) => exc,
                Err(e) => return e,
            };
            let cause = if cause.is_none() {
                cause
            } else {
                match vm.make_raisable(cause) {
                    Ok(c) => c,
                    Err(_) => {
                        return PyErr::type_error("exception causes must derive from BaseException")
                    }
                }
            };
            if let Some(e) = exc.as_exception() {
                *e.cause.borrow_mut() = cause;
                e.suppress_context.set(true);
            }
            PyErr::from_object(exc)
        }
    }
}

/// `a, *b, c = seq`: `before` and `after` items around the starred list,
/// pushed so that the first target's value is on top.
#[inline(never)]
pub(crate) fn unpack_ex(
    vm: &mut Vm,
    stack: &mut Vec<Value>,
    before: usize,
    after: usize,
) -> PyResult<()> {
    let seq = pop(stack);
    let mut items = match vm.collect(&seq) {
        Ok(items) => items,
        Err(e) if vm.err_matches(&e, ExcKind::TypeError) && vm.iter(&seq).is_err() => {
            return Err(PyErr::type_error(format!(
                "cannot unpack non-iterable {} object",
                vm.type_name(&seq)
            )))
        }
        Err(e) => return Err(e),
    };
    if items.len() < before + after {
        return Err(PyErr::value_error(format!(
            "not enough values to unpack (expected at least {}, got {})",
            before + after,
            items.len()
        )));
    }
    let tail = items.split_off(items.len() - after);
    let middle = items.split_off(before);
    stack.extend(tail.into_iter().rev());
    stack.push(Value::list(middle));
    stack.extend(items.into_iter().rev());
    Ok(())
}

/// The namespace that `StoreName`/`DeleteName`/`import *` write: a class
/// body's, else the module's globals.
fn name_target(f: &Frame) -> Value {
    if f.namespace.is_none() {
        f.globals.clone()
    } else {
        f.namespace.clone()
    }
}

/// `LoadName n`: the class body's namespace, then globals, then builtins.
#[inline(never)]
pub(crate) fn load_name(vm: &Vm, f: &Frame, n: &str) -> PyResult<Value> {
    let lookup = |ns: &Value| ns.as_dict().and_then(|d| d.borrow().get_str(n).cloned());
    lookup(&f.namespace)
        .or_else(|| lookup(&f.globals))
        .or_else(|| lookup(&vm.builtins))
        .ok_or_else(|| crate::interp::name_error(n))
}

/// `StoreName`: bind `key` to `v` in the frame's namespace.
#[inline(never)]
pub(crate) fn store_name(f: &Frame, key: Value, v: Value) -> PyResult<()> {
    if let Some(d) = name_target(f).as_dict() {
        d.try_borrow_mut()
            .map_err(|_| PyErr::reentrant("namespace"))?
            .set_str(key, v);
    }
    Ok(())
}

/// `DeleteName n`.
#[inline(never)]
pub(crate) fn delete_name(f: &Frame, n: &str) -> PyResult<()> {
    let removed = name_target(f)
        .as_dict()
        .and_then(|d| d.borrow_mut().remove_str(n));
    match removed {
        Some(_) => Ok(()),
        None => Err(crate::interp::name_error(n)),
    }
}

/// `from m import *`: the module's public names into the frame's
/// namespace.
#[inline(never)]
pub(crate) fn import_star(f: &Frame, m: &Value) {
    let Some(Payload::Module(mo)) = m.payload() else {
        return;
    };
    let entries: Vec<(Value, Value)> = mo
        .dict
        .as_dict()
        .map(|d| {
            d.borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(d) = name_target(f).as_dict() {
        let mut d = d.borrow_mut();
        for (k, v) in entries {
            if k.as_str().is_some_and(|s| !s.starts_with('_')) {
                d.set_str(k, v);
            }
        }
    }
}
