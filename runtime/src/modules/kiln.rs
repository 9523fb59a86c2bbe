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
    if let Err(e) = vm.run_module_code(&code, globals.clone()) {
        vm.modules.remove("kiln");
        return Err(e);
    }
    if let Err(e) = install_multidict_get(vm, &globals) {
        vm.modules.remove("kiln");
        return Err(e);
    }
    Ok(module)
}

/// Where the prelude's own `_MultiDict.get` is kept once the native one
/// replaces it (`multidict_get` falls back to it).
const PY_MULTIDICT_GET: &str = "_MultiDict_get";

/// Replaces `_MultiDict.get` with `multidict_get`, keeping the prelude's
/// function as `kiln._MultiDict_get` for the cases the native leaves to it.
fn install_multidict_get(vm: &mut Vm, globals: &Value) -> PyResult<()> {
    let class = globals
        .as_dict()
        .and_then(|d| d.borrow().get_str("_MultiDict").cloned())
        .ok_or_else(|| PyErr::runtime_error("kiln prelude: _MultiDict is missing"))?;
    let py_get = vm.getattr(&class, "get")?;
    if let Some(d) = globals.as_dict() {
        d.try_borrow_mut()
            .map_err(|_| PyErr::reentrant("dict"))?
            .set_name(PY_MULTIDICT_GET, py_get);
    }
    let native = vm.native_value("get", multidict_get);
    vm.setattr(&class, "get", native)
}

/// `_MultiDict.get(self, key, default=None)`. A str key looked up in a
/// `kiln._MultiDict` whose `_pairs` is a list of str-keyed tuples (what
/// `req.args`, `req.cookies` and `req.form` are) is answered here, which
/// spares every `req.args.get(...)` a Python frame and its `self._pairs`
/// read. Anything else (keywords, another key type, a subclass, other
/// pairs) runs the prelude's `get`, so what a script sees is unchanged.
fn multidict_get(vm: &mut Vm, args: &[Value], kw: &[(Value, Value)]) -> PyResult<Value> {
    if let ([this, key], true) | ([this, key, _], true) = (args, kw.is_empty()) {
        if let Some(found) = multidict_get_fast(this, key) {
            return Ok(found.unwrap_or_else(|| args.get(2).cloned().unwrap_or_default()));
        }
    }
    let py_get = vm
        .modules
        .get("kiln")
        .and_then(|m| match m.payload() {
            Some(Payload::Module(m)) => m
                .dict
                .as_dict()?
                .borrow()
                .get_str(PY_MULTIDICT_GET)
                .cloned(),
            _ => None,
        })
        .ok_or_else(|| PyErr::runtime_error("kiln._MultiDict_get is missing"))?;
    vm.call_kw(&py_get, args, kw)
}

/// `multidict_get`'s native case: `Some(found)`, or `None` when the
/// prelude's `get` must decide (see there).
fn multidict_get_fast(this: &Value, key: &Value) -> Option<Option<Value>> {
    let key = key.as_str()?;
    let Some(Payload::Instance(inst)) = this.payload() else {
        return None;
    };
    let class = inst.class.as_class()?;
    if &*class.name != "_MultiDict" || &*class.module != "kiln" {
        return None;
    }
    let dict = inst.dict.try_borrow().ok()?;
    // `_pairs` is the first attribute of the multidicts the host builds.
    let pairs = match dict.get_index(0) {
        Some((k, v)) if k.as_str() == Some("_pairs") => v,
        _ => dict.get_str("_pairs")?,
    };
    let list = pairs.as_list()?.try_borrow().ok()?;
    for pair in list.iter() {
        // As `_pairs_get`: items that are not pairs are passed over.
        let Some([k, v, ..]) = pair.as_tuple() else {
            continue;
        };
        // Any other key type may compare by running script code.
        if k.as_str()? == key {
            return Some(Some(v.clone()));
        }
    }
    Some(None)
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
