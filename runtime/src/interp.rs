//! The bytecode interpreter: one `match` dispatch loop over `Instr` with
//! exactly the semantics documented in `kiln_compiler::bytecode`.
//!
//! Int/float fast paths for arithmetic and comparisons are inlined here;
//! every other case calls the single definition in `ops`/`items`/`attr`.
//! Exceptions unwind through the code object's exception table. This file
//! must never define a semantic rule of its own.

use std::cell::RefCell;
use std::mem::ManuallyDrop;

use kiln_compiler::bytecode::{BinOp, CmpOp, CodeFlags, CodeObject, Conversion, Instr};

use crate::code_info::CodeInfo;
use crate::dict::Dict;
use crate::error::{ExcKind, PyErr, PyResult};
use crate::frame::Frame;
use crate::int;
use crate::iter::{step_builtin, GenStep};
use crate::object::{ClassObj, FunctionObj, IterState, Payload, TypeId};
use crate::ops;
use crate::value::Value;
use crate::vm::Vm;

/// How a frame stopped running.
pub enum Exit {
    Return(Value),
    Yield(Value),
}

/// Run `f` until it returns or yields. `throw` raises an exception at the
/// current instruction first (generator `throw`/`close`).
#[inline]
pub fn run_frame(vm: &mut Vm, f: &mut Frame, throw: Option<PyErr>) -> PyResult<Exit> {
    let mut pending = throw;
    // JIT hook: run compiled code for this function from its entry.
    if pending.is_none() && vm.jit.enabled {
        match crate::jit::enter_call(vm, f) {
            Some(crate::jit::Entered::Returned(v)) => return Ok(Exit::Return(v)),
            Some(crate::jit::Entered::Exited(e)) => pending = e,
            None => {}
        }
    }
    execute(vm, f, pending)
}

/// `err` was raised at `f.pc`: add the traceback line, then set `f` up to
/// go on at the handler that covers it, or give the error back when no
/// handler does. Out of line: the dispatch loop keeps only its fast paths.
#[cold]
#[inline(never)]
fn catch(vm: &mut Vm, f: &mut Frame, mut err: PyErr) -> Result<(), PyErr> {
    // f.pc is the faulting instruction.
    if err.reraised {
        err.reraised = false;
    } else {
        let line = f.code().line_of(f.pc);
        let (file, name) = (f.code().filename.clone(), f.code().name.clone());
        vm.add_traceback(&mut err, &file, &name, line);
    }
    let Some(h) = f.code().handler_for(f.pc).copied() else {
        return Err(err);
    };
    let exc = vm.exc_value(&mut err);
    f.stack.truncate(h.depth as usize);
    f.stack.push(exc);
    f.pc = h.handler as usize;
    Ok(())
}

#[inline(always)]
fn fast_binary(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    if let (Some(x), Some(y)) = (a.as_small_int(), b.as_small_int()) {
        // Immediates are 48-bit, so +,- cannot overflow i64.
        return match op {
            BinOp::Add => Some(Value::int(x + y)),
            BinOp::Sub => Some(Value::int(x - y)),
            BinOp::Mul => x.checked_mul(y).map(Value::int),
            BinOp::FloorDiv if y != 0 => Some(Value::int(num_integer::Integer::div_floor(&x, &y))),
            BinOp::Mod if y != 0 => Some(Value::int(num_integer::Integer::mod_floor(&x, &y))),
            BinOp::BitAnd => Some(Value::int(x & y)),
            BinOp::BitOr => Some(Value::int(x | y)),
            BinOp::BitXor => Some(Value::int(x ^ y)),
            BinOp::TrueDiv
                if y != 0 && x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) =>
            {
                Some(Value::float(x as f64 / y as f64))
            }
            _ => None,
        };
    }
    if let (Some(x), Some(y)) = (a.as_float(), b.as_float()) {
        return match op {
            BinOp::Add => Some(Value::float(x + y)),
            BinOp::Sub => Some(Value::float(x - y)),
            BinOp::Mul => Some(Value::float(x * y)),
            BinOp::TrueDiv if y != 0.0 => Some(Value::float(x / y)),
            _ => None,
        };
    }
    None
}

#[inline(always)]
fn fast_compare(op: CmpOp, a: &Value, b: &Value) -> Option<bool> {
    if let (Some(x), Some(y)) = (a.as_small_int(), b.as_small_int()) {
        return Some(match op {
            CmpOp::Lt => x < y,
            CmpOp::Le => x <= y,
            CmpOp::Eq => x == y,
            CmpOp::Ne => x != y,
            CmpOp::Gt => x > y,
            CmpOp::Ge => x >= y,
        });
    }
    if let (Some(x), Some(y)) = (a.as_float(), b.as_float()) {
        return Some(match op {
            CmpOp::Lt => x < y,
            CmpOp::Le => x <= y,
            CmpOp::Eq => x == y,
            CmpOp::Ne => x != y,
            CmpOp::Gt => x > y,
            CmpOp::Ge => x >= y,
        });
    }
    None
}

pub(crate) fn name_error(name: &str) -> PyErr {
    PyErr::name_error(format!("name '{name}' is not defined"))
}

fn unbound_local(name: &str) -> PyErr {
    PyErr::new(
        ExcKind::UnboundLocalError,
        format!("cannot access local variable '{name}' where it is not associated with a value"),
    )
}

/// The UnboundLocalError of local `idx`.
#[cold]
#[inline(never)]
fn unbound_local_at(code: &CodeObject, idx: usize) -> PyErr {
    unbound_local(code.varnames.get(idx).map_or("?", |s| &**s))
}

/// The error of reading cell `idx` while it is empty.
#[cold]
#[inline(never)]
fn unbound_deref(code: &CodeObject, i: usize) -> PyErr {
    let ncell = code.cellvars.len();
    if i < ncell {
        return unbound_local(code.cellvars.get(i).map_or("?", |s| &**s));
    }
    let n = code.freevars.get(i - ncell).map_or("?", |s| &**s);
    PyErr::name_error(format!(
        "cannot access free variable '{n}' where it is not associated with a value in enclosing scope"
    ))
}

/// `LoadGlobal`: globals then builtins, through the site's cache. Cache
/// hits are inline; a miss is `load_global_slow`.
#[inline(always)]
fn load_global(vm: &Vm, globals: &Value, info: &CodeInfo, name: u32) -> PyResult<Value> {
    if let (Some(site), Some(key), Some(gd)) = (
        info.global_cache.get(name as usize),
        info.names.get(name as usize),
        globals.as_dict(),
    ) {
        let hint = site.index.get() as usize;
        if hint > 0 {
            if let Ok(g) = gd.try_borrow() {
                let ver = site.globals_version.get();
                if ver == 0 {
                    if let Some(v) = g.get_if_key_at(hint - 1, key) {
                        return Ok(v.clone());
                    }
                } else if ver == g.version() {
                    let hit = match vm.builtins.as_dict().map(|b| b.try_borrow()) {
                        Some(Ok(b)) => b.get_if_key_at(hint - 1, key).cloned(),
                        _ => None,
                    };
                    if let Some(v) = hit {
                        return Ok(v);
                    }
                }
            }
        }
    }
    load_global_slow(vm, globals, info, name)
}

/// `load_global` past its inline hits: a lookup that refills the cache.
#[inline(never)]
fn load_global_slow(vm: &Vm, globals: &Value, info: &CodeInfo, name: u32) -> PyResult<Value> {
    let (Some(key), Some(site), Some(gd)) = (
        info.names.get(name as usize),
        info.global_cache.get(name as usize),
        globals.as_dict(),
    ) else {
        return Err(name_error(""));
    };
    let g = gd.try_borrow().map_err(|_| PyErr::reentrant("globals"))?;
    let builtins = vm.builtins.as_dict();
    // The site's hint was tried by `load_global`: look the name up.
    let (n, hash) = match key.as_str_obj() {
        Some(s) => (&*s.s, crate::hash::cached_str_hash(s)),
        None => ("", crate::hash::str_hash("")),
    };
    if let Some(i) = g.index_of_name(key, n, hash) {
        site.index.set(i as u32 + 1);
        site.globals_version.set(0);
        return Ok(g.get_index(i).map(|(_, v)| v.clone()).unwrap_or_default());
    }
    let b = builtins
        .map(|b| b.try_borrow())
        .transpose()
        .map_err(|_| PyErr::reentrant("builtins"))?;
    match b.and_then(|b| b.index_of_name(key, n, hash).map(|i| (i, b))) {
        Some((i, b)) => {
            site.index.set(i as u32 + 1);
            site.globals_version.set(g.version());
            Ok(b.get_index(i).map(|(_, v)| v.clone()).unwrap_or_default())
        }
        None => Err(name_error(n)),
    }
}

/// `a + b` for strs when `a` holds the only reference to its str: append
/// in place (nothing else can see the change). False when not applicable.
#[inline]
fn str_append(a: &mut Value, b: &Value) -> bool {
    let Some(t) = b.as_str_obj() else {
        return false;
    };
    match a.unique_payload_mut() {
        Some(Payload::Str(s)) => {
            s.push(t);
            true
        }
        _ => false,
    }
}

#[inline(always)]
fn truthy(vm: &mut Vm, v: &Value) -> PyResult<bool> {
    if let Some(b) = v.as_bool() {
        return Ok(b);
    }
    ops::truthy(vm, v)
}

/// Keyword arguments from the trailing values and a names tuple.
pub(crate) fn kw_pairs(names: &Value, values: &[Value]) -> Vec<(Value, Value)> {
    let names = names.as_tuple().unwrap_or(&[]);
    names.iter().cloned().zip(values.iter().cloned()).collect()
}

fn kwargs_from_dict(vm: &Vm, d: &Value) -> PyResult<Vec<(Value, Value)>> {
    let Some(cell) = d.as_dict() else {
        return Err(PyErr::type_error(format!(
            "argument after ** must be a mapping, not {}",
            vm.type_name(d)
        )));
    };
    let b = cell.try_borrow().map_err(|_| PyErr::reentrant("dict"))?;
    let mut out = Vec::with_capacity(b.len());
    for (k, v) in b.iter() {
        if k.as_str().is_none() {
            return Err(PyErr::type_error("keywords must be strings"));
        }
        out.push((k.clone(), v.clone()));
    }
    Ok(out)
}

pub(crate) fn unpack(vm: &mut Vm, seq: &Value, n: usize) -> PyResult<Vec<Value>> {
    let items = match seq.payload() {
        Some(Payload::Tuple(t)) => t.to_vec(),
        Some(Payload::List(l)) => l
            .try_borrow()
            .map_err(|_| PyErr::reentrant("list"))?
            .clone(),
        _ => {
            let it = match vm.iter(seq) {
                Ok(it) => it,
                Err(e) if vm.err_matches(&e, ExcKind::TypeError) => {
                    return Err(PyErr::type_error(format!(
                        "cannot unpack non-iterable {} object",
                        vm.type_name(seq)
                    )));
                }
                Err(e) => return Err(e),
            };
            let mut out = Vec::with_capacity(n);
            while let Some(x) = vm.next(&it)? {
                out.push(x);
                if out.len() > n {
                    return Err(PyErr::value_error(format!(
                        "too many values to unpack (expected {n})"
                    )));
                }
            }
            out
        }
    };
    if items.len() > n {
        return Err(PyErr::value_error(format!(
            "too many values to unpack (expected {n})"
        )));
    }
    if items.len() < n {
        return Err(PyErr::value_error(format!(
            "not enough values to unpack (expected {n}, got {})",
            items.len()
        )));
    }
    Ok(items)
}

fn make_function(
    vm: &mut Vm,
    globals: &Value,
    stack: &mut Vec<Value>,
    flags: u8,
) -> PyResult<Value> {
    let code_v = stack.pop().unwrap_or_default();
    let closure = if flags & 4 != 0 {
        stack.pop().unwrap_or_default()
    } else {
        Value::none()
    };
    let kwdefaults = if flags & 2 != 0 {
        stack.pop().unwrap_or_default()
    } else {
        Value::none()
    };
    let defaults = if flags & 1 != 0 {
        stack.pop().unwrap_or_default()
    } else {
        Value::none()
    };
    new_function(vm, globals, code_v, closure, kwdefaults, defaults)
}

/// `MakeFunction`'s rule, shared with compiled code: a function of the
/// code object `code_v` in `globals` (missing parts are None).
pub(crate) fn new_function(
    vm: &mut Vm,
    globals: &Value,
    code_v: Value,
    closure: Value,
    kwdefaults: Value,
    defaults: Value,
) -> PyResult<Value> {
    let Some(Payload::Code(cv)) = code_v.payload() else {
        return Err(PyErr::runtime_error("MakeFunction without a code object"));
    };
    let _ = vm;
    let func = FunctionObj {
        code: cv.code.clone(),
        info: cv.info.clone(),
        globals: globals.clone(),
        defaults: defaults
            .as_tuple()
            .map(|t| t.to_vec())
            .unwrap_or_default()
            .into_boxed_slice(),
        kwdefaults,
        closure: closure
            .as_tuple()
            .map(|t| t.to_vec())
            .unwrap_or_default()
            .into_boxed_slice(),
        name: RefCell::new(cv.name.clone()),
        qualname: RefCell::new(cv.qualname.clone()),
        doc: RefCell::new(
            cv.code
                .doc
                .as_deref()
                .map_or_else(Value::none, Value::from_str),
        ),
        dict: RefCell::new(Dict::new()),
    };
    Ok(Value::new_heap(Payload::Function(Box::new(func))))
}

fn build_class(vm: &mut Vm, body: &Value, name: &Value, bases: Vec<Value>) -> PyResult<Value> {
    let Some(func) = body.as_function() else {
        return Err(PyErr::type_error("class body is not a function"));
    };
    if bases.len() > 1 {
        return Err(PyErr::unsupported("multiple inheritance is not supported"));
    }
    let base = match bases.into_iter().next() {
        Some(b) => {
            if b.as_class().is_none() {
                return Err(PyErr::type_error("bases must be types"));
            }
            b
        }
        None => vm.type_value(TypeId::Object),
    };
    let ns = Value::dict(Dict::new());
    // Run the body with the namespace.
    let code = func.code.clone();
    let mut locals = vm.take_vec();
    locals.resize(code.varnames.len() + code.num_cells(), Value::empty());
    let nvars = code.varnames.len();
    for i in 0..code.cellvars.len() {
        locals[nvars + i] = Value::cell(Value::empty());
    }
    for (i, cell) in func.closure.iter().enumerate() {
        if let Some(slot) = locals.get_mut(nvars + code.cellvars.len() + i) {
            *slot = cell.clone();
        }
    }
    let module_name = func
        .globals
        .as_dict()
        .and_then(|d| d.borrow().get_str("__name__").cloned())
        .unwrap_or_else(|| Value::from_str("__main__"));
    if let Some(d) = ns.as_dict() {
        d.borrow_mut().set_name("__module__", module_name.clone());
        d.borrow_mut()
            .set_name("__qualname__", Value::from_str(&code.qualname));
    }
    let stack = vm.take_vec();
    let mut frame = Frame {
        info: func.info.clone(),
        globals: func.globals.clone(),
        locals,
        stack,
        pc: 0,
        namespace: ns.clone(),
        saved_exc: Value::none(),
        made_instance: Value::none(),
    };
    let r = vm.run_in_frame(&mut frame);
    let Frame { locals, stack, .. } = frame;
    vm.give_vec(locals);
    vm.give_vec(stack);
    r?;
    let mut dict = ns.as_dict().map(|d| d.borrow().clone()).unwrap_or_default();
    let classcell = dict.remove_str("__classcell__");
    let qualname = dict
        .remove_str("__qualname__")
        .and_then(|q| q.as_str().map(String::from))
        .unwrap_or_else(|| code.qualname.to_string());
    let base_cls = base.as_class().map(|c| (c.layout, c.name.to_string()));
    let layout = base_cls.as_ref().map_or(TypeId::Object, |(l, _)| *l);
    let class = Value::new_heap(Payload::Class(Box::new(ClassObj {
        name: name.as_str().unwrap_or("?").into(),
        qualname: qualname.into(),
        base: Some(base),
        dict: RefCell::new(dict),
        layout,
        builtin: None,
        module: module_name.as_str().unwrap_or("__main__").into(),
        instance_size: std::cell::Cell::new(0),
        init_cache: Default::default(),
    })));
    if let Some(cell) = classcell {
        if let Some(Payload::Cell(c)) = cell.payload() {
            *c.borrow_mut() = class.clone();
        }
    }
    Ok(class)
}

/// `super()` without arguments: the `__class__` cell and the first argument
/// of the calling frame.
pub(crate) fn zero_arg_super(code: &CodeObject, locals: &[Value]) -> PyResult<Value> {
    let Some(idx) = code.freevars.iter().position(|n| &**n == "__class__") else {
        return Err(PyErr::runtime_error("super(): __class__ cell not found"));
    };
    let slot = code.varnames.len() + code.cellvars.len() + idx;
    let class = match locals.get(slot).and_then(|c| c.payload()) {
        Some(Payload::Cell(c)) => c.borrow().clone(),
        _ => Value::empty(),
    };
    if class.as_class().is_none() {
        return Err(PyErr::runtime_error("super(): empty __class__ cell"));
    }
    if code.arg_count == 0 {
        return Err(PyErr::runtime_error("super(): no arguments"));
    }
    let mut this = locals.first().cloned().unwrap_or_else(Value::empty);
    if this.is_empty() {
        // The first parameter may live in a cell.
        if let Some(&(cell, _)) = code.cell_params.iter().find(|(_, p)| *p == 0) {
            if let Some(Payload::Cell(c)) = locals
                .get(code.varnames.len() + cell as usize)
                .and_then(|v| v.payload())
            {
                this = c.borrow().clone();
            }
        }
    }
    if this.is_empty() {
        return Err(PyErr::runtime_error("super(): arg[0] deleted"));
    }
    Ok(Value::new_heap(Payload::Super(class, this)))
}

/// The dispatch loop: runs `f` until it returns or yields, raising
/// `pending` in it first.
///
/// Calls of Python functions (not generators or coroutines), whatever the
/// shape of their arguments, run in this same loop, as in CPython 3.11:
/// the callee's frame (a pooled box)
/// becomes the running one, its caller waits on `vm.frames`, and a return
/// (or an exception the callee does not catch) resumes the caller. No Rust
/// recursion per Python call: a call is a frame switch, not a trip through
/// this function's prologue. Frames on `vm.frames` below `base` belong to
/// activations further out. Making an instance of a plain class is such a
/// call too: its `__init__` frame carries the new instance, which its
/// return gives the caller (`call_result`).
fn execute(vm: &mut Vm, f: &mut Frame, pending: Option<PyErr>) -> PyResult<Exit> {
    let base = vm.frames.len();
    // The running frame when it is a callee's; `f` runs while this is None.
    let mut cur: Option<Box<Frame>> = None;
    let mut pending = pending;
    macro_rules! running {
        () => {
            match &mut cur {
                Some(b) => &mut **b,
                None => &mut *f,
            }
        };
    }
    // The running callee's frame is done: its caller runs again.
    macro_rules! resume_caller {
        () => {
            if let Some(done) = cur.take() {
                vm.release_frame(done);
                vm.depth -= 1;
                if vm.frames.len() > base {
                    cur = vm.frames.pop();
                }
            }
        };
    }
    // The callee `$done` (taken off `cur`, its depth given back) returned
    // `$v`: its caller gets the call's result, or raises at its call.
    macro_rules! give_result {
        ($done:expr, $v:expr) => {{
            let mut done = $done;
            let r = call_result(vm, &mut done, $v);
            vm.release_frame(done);
            match r {
                Ok(v) => running!().stack.push(v),
                Err(e) => {
                    let caller = running!();
                    caller.pc = caller.pc.saturating_sub(1);
                    pending = Some(e);
                }
            }
        }};
    }
    loop {
        let step = match pending.take() {
            Some(e) => Err(e),
            None => run_until_switch(vm, f, &mut cur, base),
        };
        match step {
            Ok(Switch::Call(mut callee)) => {
                // Compiled code runs the call on the spot when it can.
                if vm.jit.enabled {
                    match crate::jit::enter_call(vm, &mut callee) {
                        Some(crate::jit::Entered::Returned(v)) => {
                            vm.depth -= 1;
                            give_result!(callee, v);
                            continue;
                        }
                        Some(crate::jit::Entered::Exited(e)) => pending = e,
                        None => {}
                    }
                }
                if let Some(caller) = cur.replace(callee) {
                    vm.frames.push(caller);
                }
            }
            Ok(Switch::Return(v)) => {
                let Some(done) = cur.take() else {
                    return Ok(Exit::Return(v));
                };
                vm.depth -= 1;
                if vm.frames.len() > base {
                    cur = vm.frames.pop();
                }
                give_result!(done, v);
            }
            Ok(Switch::Yield(v)) if cur.is_none() => return Ok(Exit::Yield(v)),
            // Generator code never runs as a callee here (`runs_inline`).
            Ok(Switch::Yield(_)) => {
                pending = Some(PyErr::runtime_error("yield outside a generator"))
            }
            Err(mut err) => loop {
                // Unwind: a handler in the running frame takes the error,
                // or the frame ends and its caller raises it at its call.
                match catch(vm, running!(), err) {
                    Ok(()) => break,
                    Err(e) if cur.is_some() => {
                        resume_caller!();
                        let caller = running!();
                        caller.pc = caller.pc.saturating_sub(1);
                        err = e;
                    }
                    Err(e) => return Err(e),
                }
            },
        }
    }
}

/// What the finished callee frame `done`, which returned `v`, gives its
/// caller: `v`, or, for the `__init__` frame of an instance creation
/// (`Frame::made_instance` holds the new instance), the instance, once
/// `__init__` is seen to have returned None.
#[inline(always)]
fn call_result(vm: &Vm, done: &mut Frame, v: Value) -> PyResult<Value> {
    if done.made_instance.is_none() {
        return Ok(v);
    }
    init_result(vm, std::mem::take(&mut done.made_instance), v)
}

/// `call_result` for an `__init__` frame: `inst`, or CPython's TypeError
/// when `__init__` returned something else than None.
#[cold]
#[inline(never)]
fn init_result(vm: &Vm, inst: Value, v: Value) -> PyResult<Value> {
    if v.is_none() {
        return Ok(inst);
    }
    Err(PyErr::type_error(format!(
        "__init__() should return None, not '{}'",
        vm.type_name(&v)
    )))
}

/// Whether a call of `func` runs in the calling `execute` loop: it is not
/// a generator or coroutine (whose frames outlive the call), and, given
/// `Some(argc)` positional arguments alone, they are exactly its
/// parameters (the fastest way in).
#[inline(always)]
fn runs_inline(func: &FunctionObj, argc: Option<usize>) -> bool {
    argc.is_none_or(|n| crate::call::binds_positionally(func, n))
        && func.code.flags.0 & (CodeFlags::GENERATOR | CodeFlags::COROUTINE) == 0
}

/// Why `run_until_switch` stopped.
enum Switch {
    /// The frame called a Python function: run the callee's frame (its
    /// arguments bound, the depth counted).
    Call(Box<Frame>),
    /// The frame returned.
    Return(Value),
    /// The (generator) frame yielded.
    Yield(Value),
}

/// Run the running frame (`cur`'s callee, else `outer`) until it yields,
/// raises, returns from `outer`, or (with the JIT on) calls a Python
/// function. With the JIT off, a call of a Python function and its return
/// switch frames here without leaving the loop (the caller waits on
/// `vm.frames` above `base`, as in `execute`). On error, the running
/// frame's `pc` is left at the faulting instruction. Inlined: a switch
/// is then a jump in `execute`.
#[inline(always)]
fn run_until_switch(
    vm: &mut Vm,
    outer: &mut Frame,
    cur: &mut Option<Box<Frame>>,
    base: usize,
) -> PyResult<Switch> {
    // A callee's return value, pushed when its caller runs again.
    let mut resumed: Option<Value> = None;
    'frame: loop {
        let is_callee = cur.is_some();
        let f: &mut Frame = match cur.as_mut() {
            Some(b) => b,
            None => &mut *outer,
        };
        let info = f.info.clone();
        let code = &*info.code;
        // The interpreter's form: frequent pairs fused, same indices.
        let instrs: &[Instr] = &info.interp;
        let mut pc = f.pc;
        // The value stack and locals are this function's own while it runs:
        // a push or a local access is then one load fewer than through `f`.
        // Every exit, and every call that is given `f`, puts them back.
        // Swapped, never dropped here: what is left behind at an exit is the
        // empty vector (no allocation) `f` held meanwhile, so there is no drop
        // code on the exits.
        let mut stack = ManuallyDrop::new(Vec::new());
        let mut locals = ManuallyDrop::new(Vec::new());
        macro_rules! swap_with_frame {
            () => {
                std::mem::swap(&mut f.stack, &mut *stack);
                std::mem::swap(&mut f.locals, &mut *locals);
            };
        }
        swap_with_frame!();
        if let Some(v) = resumed.take() {
            stack.push(v);
        }
        macro_rules! give_back {
            () => {
                swap_with_frame!()
            };
        }
        macro_rules! take_back {
            () => {
                swap_with_frame!()
            };
        }
        // Leave with `$r`, the frame whole again.
        macro_rules! leave {
            ($r:expr) => {{
                give_back!();
                return $r;
            }};
        }
        // Run the frame of a call of Python function `$func` (not a
        // generator), its parameters `stack[$at..]`, its callee slot
        // `stack[$at - 1]`: compiled code runs it on the spot; otherwise its
        // frame runs next and this one waits for it.
        macro_rules! call_python {
            ($func:expr, $at:expr) => {{
                tri!(vm.enter_depth());
                let callee = vm.positional_frame($func, &mut stack, $at);
                // The callee slot, moved out before: None or empty, so
                // nothing to release, and forgetting it skips the
                // out-of-line drop call.
                if let Some(slot) = stack.pop() {
                    debug_assert!(!slot.is_heap());
                    std::mem::forget(slot);
                }
                run_callee!(callee);
            }};
        }
        // The same for a call of any other shape: `$bound` is the callee's
        // frame with its arguments bound (`Vm::bound_frame`), and the value
        // stack from `$base` on (callee and arguments) is dropped.
        macro_rules! call_python_bound {
            ($bound:expr, $base:expr) => {{
                let callee = tri!($bound);
                if let Err(e) = vm.enter_depth() {
                    vm.release_frame(callee);
                    f.pc = pc - 1;
                    leave!(Err(e));
                }
                stack.truncate($base);
                run_callee!(callee);
            }};
        }
        // Run `callee`, a new frame with the depth counted, next: here, or
        // in `execute` when compiled code may run it.
        macro_rules! pop {
            () => {
                stack.pop().unwrap_or_default()
            };
        }
        // The top of the value stack, in place (the compiler guarantees the
        // depth; an empty stack is reported, not a panic).
        macro_rules! stack_top {
            () => {
                match stack.last_mut() {
                    Some(v) => v,
                    None => tri!(Err(PyErr::runtime_error("value stack underflow"))),
                }
            };
        }
        macro_rules! top {
            () => {
                stack.last().cloned().unwrap_or_default()
            };
        }

        // A call's result takes the callee's slot, the arguments above it
        // dropped (`truncate` to the same length would still run the drop
        // loop).
        macro_rules! result_in_callee_slot {
            ($base:expr, $r:expr) => {
                if stack.len() > $base + 1 {
                    stack.truncate($base + 1);
                }
                match stack.get_mut($base) {
                    Some(slot) => *slot = $r,
                    None => stack.push($r),
                }
            };
        }
        // Type feedback only feeds the JIT: with it off, or for code the JIT
        // has refused, recording is waste.
        let record = vm.jit.enabled && info.feedback.recording.get();
        macro_rules! fb {
            ($slot:expr, $bits:expr) => {
                if record {
                    info.feedback.record($slot, $bits);
                }
            };
        }
        macro_rules! fb_pair {
            ($slot:expr, $a:expr, $b:expr) => {
                if record {
                    info.feedback.record_pair($slot, $a, $b);
                }
            };
        }
        macro_rules! fb_subscr {
            ($slot:expr, $obj:expr, $key:expr) => {
                if record {
                    info.feedback.record_subscr($slot, $obj, $key);
                }
            };
        }
        macro_rules! name {
            ($i:expr) => {
                info.names
                    .get($i as usize)
                    .and_then(|n| n.as_str())
                    .unwrap_or("")
            };
        }

        // Local `$i`'s value, copied; UnboundLocalError (at `pc - 1`) if unset.
        macro_rules! local {
            ($i:expr) => {{
                let v = locals
                    .get($i as usize)
                    .cloned()
                    .unwrap_or_else(Value::empty);
                if v.is_empty() {
                    tri!(Err(unbound_local_at(code, $i as usize)));
                }
                v
            }};
        }
        // Local `$i`, borrowed in place; UnboundLocalError if unset.
        macro_rules! local_ref {
            ($i:expr) => {
                match locals.get($i as usize) {
                    Some(v) if !v.is_empty() => v,
                    _ => tri!(Err(unbound_local_at(code, $i as usize))),
                }
            };
        }
        macro_rules! name_value {
            ($i:expr) => {
                match info.names.get($i as usize) {
                    Some(n) => n,
                    None => tri!(Err(PyErr::runtime_error("bad name index"))),
                }
            };
        }

        // `Compare` of the top of the stack with `$b` (a reference), fused
        // with a following conditional jump when both are ints or floats.
        macro_rules! compare_with {
            ($op:expr, $slot:expr, $b:expr) => {{
                let b = $b;
                let a = stack_top!();
                fb_pair!($slot, a, b);
                let r = match fast_compare($op, a, b) {
                    Some(r) => match instrs.get(pc) {
                        Some(&Instr::PopJumpIfFalse { target }) => {
                            stack.pop();
                            pc = if r { pc + 1 } else { target as usize };
                            continue;
                        }
                        Some(&Instr::PopJumpIfTrue { target }) => {
                            stack.pop();
                            pc = if r { target as usize } else { pc + 1 };
                            continue;
                        }
                        _ => Value::bool(r),
                    },
                    None => tri!(ops::compare(vm, a, b, $op)),
                };
                *a = r;
            }};
        }

        let exit = 'run: loop {
            // An error at the instruction just run: one shared exit (after
            // the instruction loop) rather than an exit per site. Defined
            // here, where the loop's label is in scope.
            macro_rules! tri {
                ($e:expr) => {
                    match $e {
                        Ok(v) => v,
                        Err(e) => break 'run LoopExit::Raise(e),
                    }
                };
            }
            // Run `callee`, a new frame with the depth counted, next: here,
            // or in `execute` when compiled code may run it (one shared
            // exit too, after the loop).
            macro_rules! run_callee {
                ($callee:expr) => {
                    break 'run LoopExit::Call($callee)
                };
            }
            let Some(&instr) = instrs.get(pc) else {
                f.pc = pc;
                leave!(Ok(Switch::Return(Value::none())));
            };
            pc += 1;
            match instr {
                Instr::Nop => {}
                Instr::LoadConst { idx } => {
                    stack.push(info.consts.get(idx as usize).cloned().unwrap_or_default())
                }
                Instr::LoadFast { idx } => {
                    let v = locals
                        .get(idx as usize)
                        .cloned()
                        .unwrap_or_else(Value::empty);
                    if v.is_empty() {
                        let n = code.varnames.get(idx as usize).map_or("?", |s| &**s);
                        tri!(Err(unbound_local(n)));
                    }
                    stack.push(v);
                }
                Instr::StoreFast { idx } => {
                    let v = pop!();
                    if let Some(slot) = locals.get_mut(idx as usize) {
                        *slot = v;
                    }
                }
                Instr::DeleteFast { idx } => {
                    let was = locals
                        .get_mut(idx as usize)
                        .map(|s| std::mem::replace(s, Value::empty()));
                    if was.is_none_or(|v| v.is_empty()) {
                        let n = code.varnames.get(idx as usize).map_or("?", |s| &**s);
                        tri!(Err(unbound_local(n)));
                    }
                }
                Instr::LoadDeref { idx } => {
                    let slot = f.cell_slot(idx);
                    let v = match locals.get(slot).and_then(|c| c.payload()) {
                        Some(Payload::Cell(c)) => c.borrow().clone(),
                        _ => Value::empty(),
                    };
                    if v.is_empty() {
                        let ncell = code.cellvars.len();
                        let i = idx as usize;
                        if i < ncell {
                            tri!(Err(unbound_local(
                                code.cellvars.get(i).map_or("?", |s| &**s)
                            )));
                        }
                        let n = code.freevars.get(i - ncell).map_or("?", |s| &**s);
                        tri!(Err(PyErr::name_error(format!(
                        "cannot access free variable '{n}' where it is not associated with a value in enclosing scope"
                    ))));
                    }
                    stack.push(v);
                }
                Instr::StoreDeref { idx } => {
                    let v = pop!();
                    let slot = f.cell_slot(idx);
                    if let Some(Payload::Cell(c)) = locals.get(slot).and_then(|c| c.payload()) {
                        *c.borrow_mut() = v;
                    }
                }
                Instr::DeleteDeref { idx } => {
                    let slot = f.cell_slot(idx);
                    if let Some(Payload::Cell(c)) = locals.get(slot).and_then(|c| c.payload()) {
                        *c.borrow_mut() = Value::empty();
                    }
                }
                Instr::LoadClosure { idx } => {
                    let v = match crate::call::lazy_cell(&info.code, idx, &mut locals[..]) {
                        Some(cell) => cell,
                        None => locals.get(f.cell_slot(idx)).cloned().unwrap_or_default(),
                    };
                    stack.push(v);
                }
                Instr::LoadGlobal { name } => {
                    let v = tri!(load_global(vm, &f.globals, &info, name));
                    stack.push(v);
                }
                Instr::StoreGlobal { name } => {
                    let v = pop!();
                    let key = info.names.get(name as usize).cloned().unwrap_or_default();
                    if let Some(d) = f.globals.as_dict() {
                        tri!(d.try_borrow_mut().map_err(|_| PyErr::reentrant("globals")))
                            .set_str(key, v);
                    }
                }
                Instr::DeleteGlobal { name } => {
                    let n = name!(name);
                    let removed = f
                        .globals
                        .as_dict()
                        .and_then(|d| d.borrow_mut().remove_str(n));
                    if removed.is_none() {
                        tri!(Err(name_error(n)));
                    }
                }
                Instr::LoadName { name } => {
                    let v = tri!(crate::interp_rare::load_name(vm, f, name!(name)));
                    stack.push(v);
                }
                Instr::StoreName { name } => {
                    let v = pop!();
                    let key = info.names.get(name as usize).cloned().unwrap_or_default();
                    tri!(crate::interp_rare::store_name(f, key, v));
                }
                Instr::DeleteName { name } => {
                    tri!(crate::interp_rare::delete_name(f, name!(name)));
                }
                Instr::Pop => {
                    stack.pop();
                }
                Instr::Copy { n } => {
                    let len = stack.len();
                    let v = stack
                        .get(len.wrapping_sub(n as usize))
                        .cloned()
                        .unwrap_or_default();
                    stack.push(v);
                }
                Instr::Swap { n } => {
                    let len = stack.len();
                    if n as usize <= len && n >= 1 {
                        stack.swap(len - 1, len - n as usize);
                    }
                }
                Instr::PushNull => stack.push(Value::empty()),
                Instr::Unary { op } => {
                    let v = pop!();
                    let r = tri!(ops::unary(vm, op, &v));
                    stack.push(r);
                }
                Instr::Binary { op, slot } => {
                    // The result replaces the left operand in place.
                    let b = pop!();
                    let a = stack_top!();
                    fb_pair!(slot, a, &b);
                    let r = match fast_binary(op, a, &b) {
                        Some(r) => r,
                        None if op == BinOp::Add && str_append(a, &b) => continue,
                        None => tri!(ops::binary(vm, op, a, &b)),
                    };
                    *a = r;
                }
                Instr::InPlace { op, slot } => {
                    // The result replaces the left operand in place.
                    let b = pop!();
                    let a = stack_top!();
                    fb_pair!(slot, a, &b);
                    let r = match fast_binary(op, a, &b) {
                        Some(r) => r,
                        None if op == BinOp::Add
                            && a.as_str().is_some()
                            && b.as_str().is_some() =>
                        {
                            // `s += t` into a local: the local's reference goes
                            // first (StoreFast replaces it next), so a str
                            // held only there is appended to in place.
                            let store = match instrs.get(pc) {
                                Some(&Instr::StoreFast { idx }) => Some(idx as usize),
                                Some(&Instr::StoreFastLoadFast { a: to, .. }) => Some(to as usize),
                                _ => None,
                            };
                            if let Some(idx) = store {
                                if let Some(l) = locals.get_mut(idx) {
                                    if l.is(a) && a.refcount() == 2 {
                                        *l = Value::empty();
                                    }
                                }
                            }
                            if str_append(a, &b) {
                                continue;
                            }
                            tri!(ops::inplace(vm, op, a, &b))
                        }
                        None => tri!(ops::inplace(vm, op, a, &b)),
                    };
                    *a = r;
                }
                Instr::Compare { op, slot } => {
                    let b = pop!();
                    compare_with!(op, slot, &b);
                }
                Instr::Is { invert } => {
                    let b = pop!();
                    let a = pop!();
                    stack.push(Value::bool(a.is(&b) != invert));
                }
                Instr::Contains { invert } => {
                    let container = pop!();
                    let item = pop!();
                    let r = tri!(ops::contains(vm, &container, &item));
                    stack.push(Value::bool(r != invert));
                }
                Instr::LoadAttr { name, slot } => {
                    let obj = pop!();
                    fb!(slot, crate::feedback::kind_bits(&obj));
                    let n = info.names.get(name as usize).cloned().unwrap_or_default();
                    let r = tri!(vm.getattr_cached(&obj, &n, &info.attr_cache, slot));
                    stack.push(r);
                }
                Instr::StoreAttr { name, slot } => {
                    let obj = pop!();
                    let v = pop!();
                    fb!(slot, crate::feedback::kind_bits(&obj));
                    let n = info.names.get(name as usize).cloned().unwrap_or_default();
                    if tri!(vm.setattr_cached(&obj, &n, v, &info.attr_cache, slot)) {
                        fb!(slot, crate::feedback::bits::ATTR_ADDED);
                    }
                }
                Instr::DeleteAttr { name } => {
                    let obj = pop!();
                    tri!(vm.delattr(&obj, name!(name)));
                }
                Instr::LoadMethod { name, slot } => {
                    let obj = pop!();
                    fb!(slot, crate::feedback::kind_bits(&obj));
                    let n = info.names.get(name as usize).cloned().unwrap_or_default();
                    let (func, this) =
                        tri!(vm.load_method_cached(&obj, &n, &info.attr_cache, slot));
                    stack.push(func);
                    stack.push(this);
                }
                Instr::Subscr { slot } => {
                    let key = pop!();
                    let obj = pop!();
                    fb_subscr!(slot, &obj, &key);
                    let r = match (obj.as_list(), key.as_small_int()) {
                        (Some(l), Some(i)) if i >= 0 => {
                            match l.try_borrow().ok().and_then(|l| l.get(i as usize).cloned()) {
                                Some(v) => v,
                                None => tri!(ops::getitem(vm, &obj, &key)),
                            }
                        }
                        _ => tri!(ops::getitem(vm, &obj, &key)),
                    };
                    fb!(slot.wrapping_add(1), crate::feedback::kind_bits(&r));
                    stack.push(r);
                }
                Instr::StoreSubscr { slot } => {
                    let key = pop!();
                    let obj = pop!();
                    let v = pop!();
                    fb_subscr!(slot, &obj, &key);
                    // Fast path: a list item by in-range non-negative index.
                    let mut v = Some(v);
                    let mut old = None;
                    if let (Some(l), Some(i)) = (obj.as_list(), key.as_small_int()) {
                        if let Ok(mut l) = l.try_borrow_mut() {
                            if let Some(slot) = usize::try_from(i).ok().and_then(|i| l.get_mut(i)) {
                                old = v.take().map(|v| std::mem::replace(slot, v));
                            }
                        }
                    }
                    drop(old);
                    if let Some(v) = v {
                        tri!(ops::setitem(vm, &obj, &key, v));
                    }
                }
                Instr::DeleteSubscr => {
                    let key = pop!();
                    let obj = pop!();
                    tri!(ops::delitem(vm, &obj, &key));
                }
                Instr::BuildSlice { n } => {
                    let step = if n == 3 { pop!() } else { Value::none() };
                    let stop = pop!();
                    let start = pop!();
                    stack.push(Value::new_heap(Payload::Slice(start, stop, step)));
                }
                Instr::Jump { target } => pc = target as usize,
                Instr::JumpBackward { target } => {
                    info.feedback
                        .backedges
                        .set(info.feedback.backedges.get().wrapping_add(1));
                    tri!(vm.check_interrupt());
                    pc = target as usize;
                    // JIT hook: on-stack replacement at a hot loop header.
                    if vm.jit.enabled {
                        f.pc = pc;
                        give_back!();
                        match crate::jit::enter_osr(vm, f, pc) {
                            Some(crate::jit::Entered::Returned(v)) => return Ok(Switch::Return(v)),
                            Some(crate::jit::Entered::Exited(Some(e))) => return Err(e),
                            Some(crate::jit::Entered::Exited(None)) => pc = f.pc,
                            None => {}
                        }
                        take_back!();
                    }
                }
                Instr::PopJumpIfFalse { target } => {
                    let v = pop!();
                    if !tri!(truthy(vm, &v)) {
                        pc = target as usize;
                    }
                }
                Instr::PopJumpIfTrue { target } => {
                    let v = pop!();
                    if tri!(truthy(vm, &v)) {
                        pc = target as usize;
                    }
                }
                Instr::JumpIfFalseOrPop { target } => {
                    let v = top!();
                    if !tri!(truthy(vm, &v)) {
                        pc = target as usize;
                    } else {
                        stack.pop();
                    }
                }
                Instr::JumpIfTrueOrPop { target } => {
                    let v = top!();
                    if tri!(truthy(vm, &v)) {
                        pc = target as usize;
                    } else {
                        stack.pop();
                    }
                }
                Instr::GetIter => {
                    let v = pop!();
                    let it = tri!(vm.iter(&v));
                    stack.push(it);
                }
                Instr::ForIter { target, slot } => {
                    let it = top!();
                    let next = match it.payload() {
                        Some(Payload::Iter(cell)) => {
                            let fast = match cell.try_borrow_mut() {
                                Ok(mut st) => match &mut *st {
                                    IterState::Native(_) | IterState::GetItem { .. } => None,
                                    s => {
                                        fb!(slot, 1);
                                        Some(step_builtin(s))
                                    }
                                },
                                Err(_) => {
                                    Some(Err(PyErr::value_error("generator already executing")))
                                }
                            };
                            match fast {
                                Some(r) => tri!(r),
                                None => tri!(vm.next(&it)),
                            }
                        }
                        _ => {
                            fb!(slot, 8);
                            tri!(vm.next(&it))
                        }
                    };
                    match next {
                        Some(v) => stack.push(v),
                        None => {
                            stack.pop();
                            pc = target as usize;
                        }
                    }
                }
                Instr::Return => {
                    let v = pop!();
                    f.pc = pc;
                    if !is_callee {
                        leave!(Ok(Switch::Return(v)));
                    }
                    // A callee returns: its caller runs again, here.
                    give_back!();
                    if let Some(done) = cur.take() {
                        if !done.made_instance.is_none() {
                            // An `__init__` returns: `execute` makes the
                            // instance the call's result (`call_result`).
                            *cur = Some(done);
                            return Ok(Switch::Return(v));
                        }
                        vm.release_frame(done);
                        vm.depth -= 1;
                        if vm.frames.len() > base {
                            *cur = vm.frames.pop();
                        }
                    }
                    resumed = Some(v);
                    continue 'frame;
                }
                Instr::BuildTuple { n } => {
                    let at = stack.len().saturating_sub(n as usize);
                    let items = stack.split_off(at);
                    stack.push(Value::tuple(items));
                }
                Instr::BuildList { n } => {
                    let at = stack.len().saturating_sub(n as usize);
                    let items = stack.split_off(at);
                    stack.push(Value::list(items));
                }
                Instr::BuildSet { n } => {
                    let at = stack.len().saturating_sub(n as usize);
                    let items = stack.split_off(at);
                    let s = Value::empty_set(false);
                    for x in items {
                        tri!(vm.set_add(&s, x));
                    }
                    stack.push(s);
                }
                Instr::BuildMap { n } => {
                    let at = stack.len().saturating_sub(2 * n as usize);
                    let d = vm.build_dict(n as usize, stack.drain(at..));
                    stack.push(tri!(d));
                }
                Instr::BuildString { n } => {
                    let at = stack.len().saturating_sub(n as usize);
                    let items = stack.split_off(at);
                    let mut s = String::new();
                    for x in &items {
                        s.push_str(x.as_str().unwrap_or(""));
                    }
                    stack.push(Value::from_string(s));
                }
                Instr::FormatValue { conv, has_spec } => {
                    let spec = if has_spec { pop!() } else { Value::none() };
                    let v = pop!();
                    let v = match conv {
                        Conversion::None => v,
                        Conversion::Str => Value::from_string(tri!(vm.str(&v))),
                        Conversion::Repr => Value::from_string(tri!(vm.repr(&v))),
                        Conversion::Ascii => {
                            Value::from_string(tri!(crate::builtins::ascii_of(vm, &v)))
                        }
                    };
                    let spec_s = spec.as_str().unwrap_or("");
                    let r = if spec_s.is_empty() && v.as_str().is_some() {
                        v
                    } else {
                        Value::from_string(tri!(crate::text_hooks::format_value(vm, &v, spec_s)))
                    };
                    stack.push(r);
                }
                Instr::ListAppend { depth } => {
                    let v = pop!();
                    let len = stack.len();
                    // The list's borrow ends before `tri!` may give the stack back.
                    let added = match stack
                        .get(len.wrapping_sub(depth as usize))
                        .and_then(|x| x.as_list())
                    {
                        Some(l) => l.try_borrow_mut().map(|mut l| l.push(v)),
                        None => Ok(()),
                    };
                    tri!(added.map_err(|_| PyErr::reentrant("list")));
                }
                Instr::ListExtend { depth } => {
                    let v = pop!();
                    let items = tri!(vm.collect(&v));
                    let len = stack.len();
                    // The list's borrow ends before `tri!` may give the stack back.
                    let added = match stack
                        .get(len.wrapping_sub(depth as usize))
                        .and_then(|x| x.as_list())
                    {
                        Some(l) => l.try_borrow_mut().map(|mut l| l.extend(items)),
                        None => Ok(()),
                    };
                    tri!(added.map_err(|_| PyErr::reentrant("list")));
                }
                Instr::SetAdd { depth } => {
                    let v = pop!();
                    let len = stack.len();
                    let s = stack
                        .get(len.wrapping_sub(depth as usize))
                        .cloned()
                        .unwrap_or_default();
                    tri!(vm.set_add(&s, v));
                }
                Instr::SetUpdate { depth } => {
                    let v = pop!();
                    let len = stack.len();
                    let s = stack
                        .get(len.wrapping_sub(depth as usize))
                        .cloned()
                        .unwrap_or_default();
                    tri!(vm.set_update(&s, &v));
                }
                Instr::MapAdd { depth } => {
                    let v = pop!();
                    let k = pop!();
                    let len = stack.len();
                    let d = stack
                        .get(len.wrapping_sub(depth as usize))
                        .cloned()
                        .unwrap_or_default();
                    tri!(vm.dict_set(&d, k, v));
                }
                Instr::DictUpdate { depth } => {
                    let v = pop!();
                    let len = stack.len();
                    let d = stack
                        .get(len.wrapping_sub(depth as usize))
                        .cloned()
                        .unwrap_or_default();
                    if v.as_dict().is_none() && !tri!(vm.hasattr(&v, "keys")) {
                        tri!(Err(PyErr::type_error(format!(
                            "'{}' object is not a mapping",
                            vm.type_name(&v)
                        ))));
                    }
                    tri!(ops::dict_update(vm, &d, &v));
                }
                Instr::DictMerge { depth } => {
                    let v = pop!();
                    let len = stack.len();
                    let d = stack
                        .get(len.wrapping_sub(depth as usize))
                        .cloned()
                        .unwrap_or_default();
                    let pairs = tri!(kwargs_from_dict(vm, &v));
                    for (k, x) in pairs {
                        if tri!(vm.dict_get(&d, &k)).is_some() {
                            let kn = k.as_str().unwrap_or("").to_string();
                            tri!(Err(PyErr::type_error(format!(
                                "got multiple values for keyword argument '{kn}'"
                            ))));
                        }
                        tri!(vm.dict_set(&d, k, x));
                    }
                }
                Instr::ListToTuple => {
                    let v = pop!();
                    let items = v.as_list().map(|l| l.borrow().clone()).unwrap_or_default();
                    stack.push(Value::tuple(items));
                }
                Instr::UnpackSequence { n } => {
                    let seq = pop!();
                    let items = tri!(unpack(vm, &seq, n as usize));
                    stack.extend(items.into_iter().rev());
                }
                Instr::UnpackEx { before, after } => {
                    tri!(crate::interp_rare::unpack_ex(
                        vm,
                        &mut stack,
                        before as usize,
                        after as usize
                    ));
                }
                Instr::Call { argc, slot } => {
                    crate::finalize::run_pending(vm);
                    let base = stack.len().saturating_sub(argc as usize + 1);
                    // Moved out (the slot is dropped after the call anyway).
                    let callee = stack.get_mut(base).map(std::mem::take).unwrap_or_default();
                    fb!(slot, crate::feedback::callee_bits(&callee));
                    let r = match callee.payload() {
                        Some(Payload::Function(func)) if runs_inline(func, Some(argc as usize)) => {
                            call_python!(func, base + 1)
                        }
                        Some(Payload::Function(func)) if runs_inline(func, None) => {
                            call_python_bound!(
                                vm.bound_frame(&callee, func, &stack[base + 1..], &[]),
                                base
                            )
                        }
                        Some(Payload::Class(c))
                            if argc == 0 && c.builtin == Some(TypeId::Super) =>
                        {
                            zero_arg_super(f.code(), &locals)
                        }
                        // `len(x)` and the like: straight to the native, as
                        // `Vm::call` would.
                        Some(Payload::Native(n)) => (n.func)(vm, &stack[base + 1..], &[]),
                        // `Cls(...)` of a plain class: the new instance's
                        // `__init__` runs here as a call whose result is
                        // the instance (`call_result`).
                        Some(Payload::Class(c)) if c.builtin.is_none() => {
                            match vm.init_call_frame(&callee, &mut stack, base) {
                                Ok(Some(frame)) => run_callee!(frame),
                                Ok(None) => vm.call(&callee, &stack[base + 1..]),
                                Err(e) => Err(e),
                            }
                        }
                        _ => vm.call(&callee, &stack[base + 1..]),
                    };
                    let r = tri!(r);
                    result_in_callee_slot!(base, r);
                }
                Instr::CallKw { argc, slot } => {
                    crate::finalize::run_pending(vm);
                    let names = pop!();
                    let base = stack.len().saturating_sub(argc as usize + 1);
                    let callee = stack.get(base).cloned().unwrap_or_default();
                    fb!(slot, crate::feedback::callee_bits(&callee));
                    let nkw = names.as_tuple().map_or(0, <[Value]>::len);
                    let split = stack.len().saturating_sub(nkw);
                    let kwargs = kw_pairs(&names, stack.get(split..).unwrap_or(&[]));
                    let args = stack.get(base + 1..split).unwrap_or(&[]);
                    match callee.payload() {
                        Some(Payload::Function(func)) if runs_inline(func, None) => {
                            call_python_bound!(vm.bound_frame(&callee, func, args, &kwargs), base)
                        }
                        // `Cls(..., k=v)`: `__init__` runs here, as for `Call`.
                        Some(Payload::Class(c)) if c.builtin.is_none() => {
                            if let Some(frame) = tri!(vm.init_call_frame_kw(&callee, args, &kwargs))
                            {
                                stack.truncate(base);
                                run_callee!(frame);
                            }
                        }
                        _ => {}
                    }
                    let args = stack.get(base + 1..split).unwrap_or(&[]);
                    let r = tri!(vm.call_kw(&callee, args, &kwargs));
                    stack.truncate(base);
                    stack.push(r);
                }
                Instr::CallEx { has_kwargs } => {
                    crate::finalize::run_pending(vm);
                    let kw = if has_kwargs { pop!() } else { Value::none() };
                    let args = pop!();
                    let callee = pop!();
                    let kwargs = if has_kwargs {
                        tri!(kwargs_from_dict(vm, &kw))
                    } else {
                        Vec::new()
                    };
                    let args = match args.as_tuple() {
                        Some(t) => t.to_vec(),
                        None => tri!(vm.collect(&args)),
                    };
                    let r = tri!(vm.call_kw(&callee, &args, &kwargs));
                    stack.push(r);
                }
                Instr::CallMethod { argc, slot } => {
                    crate::finalize::run_pending(vm);
                    let base = stack.len().saturating_sub(argc as usize + 2);
                    let func = stack
                        .get_mut(base)
                        .map(|v| std::mem::replace(v, Value::empty()))
                        .unwrap_or_else(Value::empty);
                    let r = if func.is_empty() {
                        // Not a method: the attribute itself is the callee.
                        let callee = stack.get(base + 1).cloned().unwrap_or_default();
                        fb!(slot, crate::feedback::callee_bits(&callee));
                        let args = stack.get(base + 2..).unwrap_or(&[]);
                        match callee.payload() {
                            Some(Payload::Function(fo)) if runs_inline(fo, None) => {
                                call_python_bound!(vm.bound_frame(&callee, fo, args, &[]), base)
                            }
                            // `module.Cls(...)`: `__init__` runs here.
                            Some(Payload::Class(c)) if c.builtin.is_none() => {
                                if let Some(frame) = tri!(vm.init_call_frame_kw(&callee, args, &[]))
                                {
                                    stack.truncate(base);
                                    run_callee!(frame);
                                }
                            }
                            _ => {}
                        }
                        vm.call(&callee, stack.get(base + 2..).unwrap_or(&[]))
                    } else {
                        fb!(slot, crate::feedback::callee_bits(&func));
                        match func.payload() {
                            Some(Payload::Function(fo))
                                if runs_inline(fo, Some(argc as usize + 1)) =>
                            {
                                // `self` and the arguments are the parameters.
                                call_python!(fo, base + 1)
                            }
                            Some(Payload::Function(fo)) if runs_inline(fo, None) => {
                                call_python_bound!(
                                    vm.bound_frame(&func, fo, &stack[base + 1..], &[]),
                                    base
                                )
                            }
                            Some(Payload::Function(fo)) => {
                                vm.call_function(&func, fo, &stack[base + 1..], &[])
                            }
                            Some(Payload::Native(n)) => (n.func)(vm, &stack[base + 1..], &[]),
                            _ => vm.call(&func, &stack[base + 1..]),
                        }
                    };
                    let r = tri!(r);
                    result_in_callee_slot!(base, r);
                }
                Instr::CallMethodKw { argc, slot } => {
                    crate::finalize::run_pending(vm);
                    let names = pop!();
                    let base = stack.len().saturating_sub(argc as usize + 2);
                    let func = stack.get(base).cloned().unwrap_or_default();
                    let nkw = names.as_tuple().map_or(0, <[Value]>::len);
                    let split = stack.len().saturating_sub(nkw);
                    let kwargs = kw_pairs(&names, &stack[split..]);
                    let (callee, at) = if func.is_empty() {
                        (stack.get(base + 1).cloned().unwrap_or_default(), base + 2)
                    } else {
                        (func, base + 1)
                    };
                    fb!(slot, crate::feedback::callee_bits(&callee));
                    if let Some(Payload::Function(fo)) = callee.payload() {
                        if runs_inline(fo, None) {
                            let args = &stack[at..split];
                            call_python_bound!(vm.bound_frame(&callee, fo, args, &kwargs), base)
                        }
                    }
                    let r = vm.call_kw(&callee, &stack[at..split], &kwargs);
                    let r = tri!(r);
                    result_in_callee_slot!(base, r);
                }
                Instr::MakeFunction { flags } => {
                    let func = tri!(make_function(vm, &f.globals, &mut stack, flags));
                    stack.push(func);
                }
                Instr::BuildClass { nbases } => {
                    let at = stack.len().saturating_sub(nbases as usize);
                    let bases = stack.split_off(at);
                    let name = pop!();
                    let body = pop!();
                    let class = tri!(build_class(vm, &body, &name, bases));
                    stack.push(class);
                }
                Instr::Yield => {
                    let v = pop!();
                    f.pc = pc;
                    leave!(Ok(Switch::Yield(v)));
                }
                Instr::YieldFrom => {
                    let v = pop!();
                    let sub = top!();
                    match tri!(vm.delegate_send(&sub, v)) {
                        GenStep::Yielded(y) => {
                            // Re-execute this instruction on resume.
                            f.pc = pc - 1;
                            leave!(Ok(Switch::Yield(y)));
                        }
                        GenStep::Returned(r) => {
                            stack.pop();
                            stack.push(r);
                        }
                    }
                }
                Instr::GetYieldFromIter => {
                    let v = pop!();
                    let it = if matches!(v.payload(), Some(Payload::Generator(_))) {
                        v
                    } else {
                        tri!(vm.iter(&v))
                    };
                    stack.push(it);
                }
                Instr::GetAwaitable => {
                    let v = pop!();
                    let it = match v.payload() {
                        Some(Payload::Generator(g)) if g.is_coroutine => v,
                        _ => match tri!(vm.call_special(&v, "__await__", &[])) {
                            Some(it) => it,
                            None => tri!(Err(PyErr::type_error(format!(
                                "object {} can't be used in 'await' expression",
                                vm.type_name(&v)
                            )))),
                        },
                    };
                    stack.push(it);
                }
                Instr::Raise { n } => {
                    let err = crate::interp_rare::raise(vm, &mut stack, n);
                    tri!(Err(err));
                }
                Instr::PushExcInfo => {
                    let exc = pop!();
                    let prev = std::mem::replace(&mut vm.handled_exc, exc.clone());
                    stack.push(prev);
                    stack.push(exc);
                }
                Instr::PopExcept => {
                    let prev = pop!();
                    vm.handled_exc = prev;
                }
                Instr::CheckExcMatch => {
                    let spec = pop!();
                    let exc = top!();
                    let r = tri!(vm.exception_matches(&exc, &spec));
                    stack.push(Value::bool(r));
                }
                Instr::Reraise => {
                    let exc = pop!();
                    let mut e = PyErr::from_object(exc);
                    e.reraised = true;
                    tri!(Err(e));
                }
                Instr::RaiseAssertion { has_msg } => {
                    let err = if has_msg {
                        let msg = pop!();
                        let exc = vm.new_exception(vm.exc_type(ExcKind::AssertionError), vec![msg]);
                        PyErr::from_object(exc)
                    } else {
                        PyErr::bare(ExcKind::AssertionError)
                    };
                    tri!(Err(err));
                }
                Instr::BeforeWith => {
                    let mgr = pop!();
                    let has =
                        tri!(vm.hasattr(&mgr, "__enter__")) && tri!(vm.hasattr(&mgr, "__exit__"));
                    if !has {
                        tri!(Err(PyErr::type_error(format!(
                            "'{}' object does not support the context manager protocol",
                            vm.type_name(&mgr)
                        ))));
                    }
                    let exit = tri!(vm.getattr(&mgr, "__exit__"));
                    let entered = tri!(vm.call_method(&mgr, "__enter__", &[]));
                    stack.push(exit);
                    stack.push(entered);
                }
                Instr::WithExceptStart => {
                    let len = stack.len();
                    let exc = stack.get(len.wrapping_sub(1)).cloned().unwrap_or_default();
                    let exit = stack.get(len.wrapping_sub(3)).cloned().unwrap_or_default();
                    let ty = vm.type_of(&exc);
                    let r = tri!(vm.call(&exit, &[ty, exc, Value::none()]));
                    stack.push(r);
                }
                Instr::ImportName { name } => {
                    let n = name!(name).to_string();
                    let m = tri!(vm.import_module(&n));
                    stack.push(m);
                }
                Instr::ImportFrom { name } => {
                    let m = top!();
                    let n = name!(name);
                    let r =
                        match vm.getattr(&m, n) {
                            Ok(v) => v,
                            Err(e) if vm.err_matches(&e, ExcKind::AttributeError) => {
                                let mname = match m.payload() {
                                    Some(Payload::Module(mo)) => mo.name.to_string(),
                                    _ => "?".into(),
                                };
                                tri!(Err(PyErr::new(
                            ExcKind::ImportError,
                            format!("cannot import name '{n}' from '{mname}' (unknown location)")
                        )))
                            }
                            Err(e) => tri!(Err(e)),
                        };
                    stack.push(r);
                }
                Instr::LoadFastLoadFast { a, b } => {
                    let x = local!(a);
                    pc += 1;
                    let y = local!(b);
                    stack.push(x);
                    stack.push(y);
                }
                Instr::LoadFastLoadConst { local, idx } => {
                    let x = local!(local);
                    pc += 1;
                    stack.push(x);
                    stack.push(info.consts.get(idx as usize).cloned().unwrap_or_default());
                }
                Instr::LoadFastLoadAttr { local, name, slot } => {
                    let obj = local_ref!(local);
                    pc += 1;
                    fb!(slot, crate::feedback::kind_bits(obj));
                    let n = name_value!(name);
                    let r = tri!(vm.getattr_cached(obj, n, &info.attr_cache, slot));
                    stack.push(r);
                }
                Instr::LoadFastLoadMethod { local, name, slot } => {
                    let obj = local_ref!(local);
                    pc += 1;
                    fb!(slot, crate::feedback::kind_bits(obj));
                    let n = name_value!(name);
                    let (func, this) = tri!(vm.load_method_cached(obj, n, &info.attr_cache, slot));
                    stack.push(func);
                    stack.push(this);
                }
                Instr::BinaryConst { op, idx, slot } => {
                    // The result replaces the left operand in place.
                    pc += 1;
                    let Some(b) = info.consts.get(idx as usize) else {
                        tri!(Err(PyErr::runtime_error("bad constant index")))
                    };
                    let a = stack_top!();
                    fb_pair!(slot, a, b);
                    let r = match fast_binary(op, a, b) {
                        Some(r) => r,
                        None if op == BinOp::Add && str_append(a, b) => continue,
                        None => tri!(ops::binary(vm, op, a, b)),
                    };
                    *a = r;
                }
                Instr::BinaryFast { op, local, slot } => {
                    let b = local_ref!(local);
                    pc += 1;
                    let a = stack_top!();
                    fb_pair!(slot, a, b);
                    let r = match fast_binary(op, a, b) {
                        Some(r) => r,
                        None if op == BinOp::Add && str_append(a, b) => continue,
                        None => tri!(ops::binary(vm, op, a, b)),
                    };
                    *a = r;
                }
                Instr::CompareConst { op, idx, slot } => {
                    pc += 1;
                    let Some(b) = info.consts.get(idx as usize) else {
                        tri!(Err(PyErr::runtime_error("bad constant index")))
                    };
                    compare_with!(op, slot, b);
                }
                Instr::CompareFast { op, local, slot } => {
                    let b = local_ref!(local);
                    pc += 1;
                    compare_with!(op, slot, b);
                }
                Instr::SubscrConst { idx, slot } => {
                    pc += 1;
                    let Some(key) = info.consts.get(idx as usize) else {
                        tri!(Err(PyErr::runtime_error("bad constant index")))
                    };
                    let obj = stack_top!();
                    fb_subscr!(slot, obj, key);
                    let r = match (obj.as_list(), key.as_small_int()) {
                        (Some(l), Some(i)) if i >= 0 => {
                            match l.try_borrow().ok().and_then(|l| l.get(i as usize).cloned()) {
                                Some(v) => v,
                                None => tri!(ops::getitem(vm, obj, key)),
                            }
                        }
                        _ => tri!(ops::getitem(vm, obj, key)),
                    };
                    fb!(slot.wrapping_add(1), crate::feedback::kind_bits(&r));
                    *obj = r;
                }
                Instr::CopyLoadAttr { name, slot } => {
                    pc += 1;
                    let obj = match stack.last() {
                        Some(v) => v,
                        None => tri!(Err(PyErr::runtime_error("value stack underflow"))),
                    };
                    fb!(slot, crate::feedback::kind_bits(obj));
                    let n = name_value!(name);
                    let r = tri!(vm.getattr_cached(obj, n, &info.attr_cache, slot));
                    stack.push(r);
                }
                Instr::SwapStoreAttr { name, slot } => {
                    pc += 1;
                    let v = pop!();
                    let obj = pop!();
                    fb!(slot, crate::feedback::kind_bits(&obj));
                    let n = name_value!(name);
                    if tri!(vm.setattr_cached(&obj, n, v, &info.attr_cache, slot)) {
                        fb!(slot, crate::feedback::bits::ATTR_ADDED);
                    }
                }
                Instr::CopyTwo => {
                    pc += 1;
                    let len = stack.len();
                    let (a, b) = match stack.get(len.wrapping_sub(2)..) {
                        Some([a, b]) => (a.clone(), b.clone()),
                        _ => (Value::none(), Value::none()),
                    };
                    stack.push(a);
                    stack.push(b);
                }
                Instr::SwapThreeTwo => {
                    pc += 1;
                    let len = stack.len();
                    if len >= 3 {
                        stack.swap(len - 1, len - 3);
                        stack.swap(len - 1, len - 2);
                    }
                }
                Instr::ForIterStore { target, local } => {
                    // The plain `ForIter`'s feedback slot (read only when
                    // recording).
                    macro_rules! for_slot {
                        () => {
                            match code.code.get(pc - 1) {
                                Some(&Instr::ForIter { slot, .. }) => slot,
                                _ => 0,
                            }
                        };
                    }
                    let it = match stack.last() {
                        Some(v) => v,
                        None => tri!(Err(PyErr::runtime_error("value stack underflow"))),
                    };
                    let next = match it.payload() {
                        Some(Payload::Iter(cell)) => {
                            let fast = match cell.try_borrow_mut() {
                                Ok(mut st) => match &mut *st {
                                    IterState::Native(_) | IterState::GetItem { .. } => None,
                                    s => {
                                        fb!(for_slot!(), 1);
                                        Some(step_builtin(s))
                                    }
                                },
                                Err(_) => {
                                    Some(Err(PyErr::value_error("generator already executing")))
                                }
                            };
                            match fast {
                                Some(r) => tri!(r),
                                None => tri!(vm.next(it)),
                            }
                        }
                        _ => {
                            fb!(for_slot!(), 8);
                            tri!(vm.next(it))
                        }
                    };
                    match next {
                        Some(v) => {
                            pc += 1;
                            if let Some(slot) = locals.get_mut(local as usize) {
                                *slot = v;
                            }
                        }
                        None => {
                            stack.pop();
                            pc = target as usize;
                        }
                    }
                }
                Instr::InPlaceConst { op, idx, slot } => {
                    pc += 1;
                    let Some(b) = info.consts.get(idx as usize) else {
                        tri!(Err(PyErr::runtime_error("bad constant index")))
                    };
                    let a = stack_top!();
                    fb_pair!(slot, a, b);
                    let r = match fast_binary(op, a, b) {
                        Some(r) => r,
                        None if op == BinOp::Add
                            && a.as_str().is_some()
                            && b.as_str().is_some() =>
                        {
                            // As `InPlace`: a str held only by the local it is
                            // stored back into is appended to in place.
                            let store = match instrs.get(pc) {
                                Some(&Instr::StoreFast { idx }) => Some(idx as usize),
                                Some(&Instr::StoreFastLoadFast { a: to, .. }) => Some(to as usize),
                                _ => None,
                            };
                            if let Some(idx) = store {
                                if let Some(l) = locals.get_mut(idx) {
                                    if l.is(a) && a.refcount() == 2 {
                                        *l = Value::empty();
                                    }
                                }
                            }
                            if str_append(a, b) {
                                continue;
                            }
                            tri!(ops::inplace(vm, op, a, b))
                        }
                        None => tri!(ops::inplace(vm, op, a, b)),
                    };
                    *a = r;
                }
                Instr::StoreFastLoadFast { a, b } => {
                    let v = pop!();
                    if let Some(slot) = locals.get_mut(a as usize) {
                        *slot = v;
                    }
                    pc += 1;
                    let x = local!(b);
                    stack.push(x);
                }
                Instr::LoadDerefLoadAttr { idx, name, slot } => {
                    let cell = f.cell_slot(idx as u32);
                    let obj = match locals.get(cell).and_then(|c| c.payload()) {
                        Some(Payload::Cell(c)) => c.borrow().clone(),
                        _ => Value::empty(),
                    };
                    if obj.is_empty() {
                        tri!(Err(unbound_deref(code, idx as usize)));
                    }
                    pc += 1;
                    fb!(slot, crate::feedback::kind_bits(&obj));
                    let n = name_value!(name);
                    let r = tri!(vm.getattr_cached(&obj, n, &info.attr_cache, slot));
                    stack.push(r);
                }
                Instr::ImportStar => {
                    let m = pop!();
                    crate::interp_rare::import_star(f, &m);
                }
            }
            let _ = int::as_i64;
        };
        match exit {
            LoopExit::Raise(e) => {
                f.pc = pc - 1;
                leave!(Err(e));
            }
            LoopExit::Call(callee) => {
                f.pc = pc;
                give_back!();
                if vm.jit.enabled {
                    return Ok(Switch::Call(callee));
                }
                if let Some(caller) = cur.replace(callee) {
                    vm.frames.push(caller);
                }
            }
        }
    }
}

/// How the instruction loop of `run_until_switch` ended, when not by a
/// return or yield: an error at the instruction just run, or a call whose
/// frame runs next.
enum LoopExit {
    Raise(PyErr),
    Call(Box<Frame>),
}
