//! The `kiln` module scripts import (`route`, `get`, `post`, `put`,
//! `delete`, `Response`, `abort`, `redirect`, `errorhandler`,
//! `before_request`, `after_request`, `cache`, `cached`, `sleep`): its
//! natives are installed here, then the Python half (`kiln_prelude.rs`) runs
//! in the module's namespace. Registrations land in module-level lists that
//! `host_api` reads after the scripts are loaded. Never does I/O.

use crate::dict::Dict;
use crate::error::{ExcKind, PyErr, PyResult};
use crate::native::check_args;
use crate::object::{ModuleObj, Payload};
use crate::value::Value;
use crate::vm::Vm;

use super::kiln_cache::{cache_delete, cache_get, cache_incr, cache_set};
use super::kiln_prelude::PRELUDE;

/// The file name tracebacks show for frames of the Python half.
pub const PRELUDE_FILENAME: &str = "<kiln>";

/// Builds the module on its first import.
pub fn kiln_init(vm: &mut Vm) -> PyResult<Value> {
    let code = kiln_compiler::compile(PRELUDE, PRELUDE_FILENAME)
        .map_err(|e| PyErr::new(ExcKind::SyntaxError, format!("kiln prelude: {}", e.message)))?;
    vm.sources.insert(PRELUDE_FILENAME.into(), PRELUDE.into());
    let mut globals = Dict::new();
    globals.set_name("__name__", Value::from_str("kiln"));
    globals.set_name("_cache_get", vm.native_value("_cache_get", cache_get));
    globals.set_name("_cache_set", vm.native_value("_cache_set", cache_set));
    globals.set_name("_cache_incr", vm.native_value("_cache_incr", cache_incr));
    globals.set_name(
        "_cache_delete",
        vm.native_value("_cache_delete", cache_delete),
    );
    globals.set_name(
        "_is_coroutine",
        vm.native_value("_is_coroutine", is_coroutine),
    );
    globals.set_name("_is_plain", vm.native_value("_is_plain", is_plain));
    globals.set_name("_pairs_get", vm.native_value("_pairs_get", pairs_get));
    globals.set_name(
        "_request_attr",
        vm.native_value("_request_attr", crate::host_api::request_attr),
    );
    globals.set_name(
        "_is_direct_body",
        vm.native_value("_is_direct_body", is_direct_body),
    );
    let globals = Value::dict(globals);
    let module = Value::new_heap(Payload::Module(ModuleObj {
        name: "kiln".into(),
        dict: globals.clone(),
    }));
    // Registered before running, as a sibling import is, so that the
    // prelude's own imports see a consistent module table.
    vm.modules.insert("kiln".into(), module.clone());
    if let Err(e) = vm.run_module_code(&code, globals) {
        vm.modules.remove("kiln");
        return Err(e);
    }
    Ok(module)
}

/// `_is_coroutine(v)`: whether `v` is a coroutine object (an `async def`
/// call's result), which the dispatcher must await.
fn is_coroutine(_vm: &mut Vm, args: &[Value], _kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("_is_coroutine", args, 1, 1)?;
    let yes = matches!(args[0].payload(), Some(Payload::Generator(g)) if g.is_coroutine);
    Ok(Value::bool(yes))
}

/// `_is_direct_body(v)`: whether a handler result is a bare str, bytes,
/// dict or list, which the host turns into a 200 response itself (so the
/// dispatcher can skip building a `Response` object).
fn is_direct_body(_vm: &mut Vm, args: &[Value], _kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("_is_direct_body", args, 1, 1)?;
    let v = &args[0];
    let yes = v.as_str().is_some()
        || v.as_bytes().is_some()
        || v.as_dict().is_some()
        || v.as_list().is_some();
    Ok(Value::bool(yes))
}

/// `_is_plain(v)`: whether `v` can be copied into the shared cache (so a
/// `@cached` response body can be stored).
/// `_pairs_get(pairs, key, default)`: the second item of the first
/// `(k, v)` in the list `pairs` whose `k == key`, else `default`. The
/// loop of `_MultiDict.get` and friends (`req.args`, `req.form`, headers),
/// run natively: it is on the path of most requests with a query.
fn pairs_get(vm: &mut Vm, args: &[Value], _kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("_pairs_get", args, 3, 3)?;
    let Some(list) = args[0].as_list() else {
        return Err(PyErr::type_error("_pairs_get() needs a list of pairs"));
    };
    let key = &args[1];
    // A snapshot: `==` may run script code, which could change the list.
    let pairs: Vec<Value> = list
        .try_borrow()
        .map_err(|_| PyErr::reentrant("list"))?
        .clone();
    for pair in &pairs {
        let (Some(k), Some(v)) = (
            pair.as_tuple().and_then(|t| t.first()),
            pair.as_tuple().and_then(|t| t.get(1)),
        ) else {
            continue;
        };
        let same = match (k.as_str(), key.as_str()) {
            (Some(a), Some(b)) => a == b,
            _ => crate::ops::eq(vm, k, key)?,
        };
        if same {
            return Ok(v.clone());
        }
    }
    Ok(args[2].clone())
}

fn is_plain(vm: &mut Vm, args: &[Value], _kw: &[(Value, Value)]) -> PyResult<Value> {
    check_args("_is_plain", args, 1, 1)?;
    Ok(Value::bool(crate::host_api::to_plain(vm, &args[0]).is_ok()))
}
