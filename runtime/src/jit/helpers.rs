//! `extern "C"` runtime helpers called from compiled code. Each one calls
//! the SAME rule the interpreter uses (`ops`, `Vm::getattr`, `Vm::call`…),
//! so compiled code can never disagree with the interpreter.
//!
//! Helpers never unwind: every body runs under `guarded`, which turns a
//! panic into a Python `RuntimeError`. A helper that raises stores the error
//! in `JitCtx::err` and returns `RAISED` (or a negative status).

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use kiln_compiler::bytecode::{BinOp, CmpOp, CodeObject, UnaryOp};

use super::abi::{borrow_bits, from_bits, into_bits, JitCtx, EMPTY_BITS, EXHAUSTED, RAISED};
use crate::code_info::CodeInfo;
use crate::error::{PyErr, PyResult};
use crate::frame::Frame;
use crate::iter::step_builtin;
use crate::object::{IterState, Payload};
use crate::ops;
use crate::value::Value;
use crate::vm::Vm;

/// What helpers read of the running function: its code, its names and
/// constants, and its globals. It comes from the interpreter frame, or in a
/// frameless call from the function object.
pub(super) struct Env<'a> {
    pub code: &'a CodeObject,
    pub info: &'a CodeInfo,
    pub globals: &'a Value,
}

/// The environment of `ctx`'s activation.
///
/// # Safety
/// `ctx` is a live activation: its `frame`, or else its `func`, is valid
/// for as long as the returned borrow is used.
pub(super) unsafe fn env_of<'a>(ctx: &JitCtx) -> Env<'a> {
    // SAFETY: see the function contract; one of the two is always set.
    unsafe {
        match ctx.frame.as_ref() {
            Some(f) => Env {
                code: f.code(),
                info: &f.info,
                globals: &f.globals,
            },
            None => {
                let func = &*ctx.func;
                Env {
                    code: &func.code,
                    info: &func.info,
                    globals: &func.globals,
                }
            }
        }
    }
}

/// Run `body` with the VM and environment of `ctx`; a panic becomes an
/// error.
#[inline(always)]
pub(super) fn guarded(
    ctx: *mut JitCtx,
    body: impl FnOnce(&mut Vm, &Env, &mut JitCtx) -> PyResult<i64>,
) -> i64 {
    // SAFETY: compiled code passes back the `JitCtx` it was entered with;
    // `vm` and the frame (or function) of that activation are live, and
    // nothing else touches them while compiled code runs.
    let ctx = unsafe { &mut *ctx };
    let vm = unsafe { &mut *ctx.vm };
    let env = unsafe { env_of(ctx) };
    let r = catch_unwind(AssertUnwindSafe(|| body(vm, &env, &mut *ctx)));
    settle(ctx, r)
}

/// The bits a helper returns for the outcome of its body: the result, or
/// `RAISED` with the error in `ctx.err` (a panic, caught so it never
/// unwinds into compiled code, becomes a `RuntimeError`).
pub(super) fn settle(ctx: &mut JitCtx, r: std::thread::Result<PyResult<i64>>) -> i64 {
    match r {
        Ok(Ok(bits)) => bits,
        Ok(Err(e)) => {
            ctx.err = Some(Box::new(e));
            RAISED
        }
        Err(_) => {
            ctx.err = Some(Box::new(PyErr::runtime_error(
                "internal error in a JIT helper",
            )));
            RAISED
        }
    }
}

fn binop(op: i64) -> BinOp {
    const OPS: [BinOp; 12] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::TrueDiv,
        BinOp::FloorDiv,
        BinOp::Mod,
        BinOp::Pow,
        BinOp::LShift,
        BinOp::RShift,
        BinOp::BitAnd,
        BinOp::BitOr,
        BinOp::BitXor,
    ];
    OPS.get(op as usize).copied().unwrap_or(BinOp::Add)
}

fn cmpop(op: i64) -> CmpOp {
    const OPS: [CmpOp; 6] = [
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Gt,
        CmpOp::Ge,
    ];
    OPS.get(op as usize).copied().unwrap_or(CmpOp::Eq)
}

fn unop(op: i64) -> UnaryOp {
    const OPS: [UnaryOp; 4] = [UnaryOp::Neg, UnaryOp::Pos, UnaryOp::Invert, UnaryOp::Not];
    OPS.get(op as usize).copied().unwrap_or(UnaryOp::Pos)
}

/// Name `idx` of the running code object as text.
pub(super) fn name_of(env: &Env, idx: i64) -> Value {
    env.info
        .names
        .get(idx as usize)
        .cloned()
        .unwrap_or_default()
}

/// Release the last reference (compiled code decrements the others
/// inline, `Lowerer::decref`).
pub extern "C" fn decref(bits: i64) {
    // SAFETY: compiled code hands over a reference it owns.
    drop(unsafe { from_bits(bits) });
}

/// Move the first `n` locals into `buf` (function entry, OSR entry): out
/// of the frame, or in a frameless call from the arguments (the rest are
/// unbound).
pub extern "C" fn take_locals(ctx: *mut JitCtx, buf: *mut i64, n: i64) {
    // SAFETY: compiled code passes its live activation and a buffer of
    // `n` i64 slots; a frameless call's `call_args` holds `call_nargs`
    // owned values, moved out exactly once (here).
    let c = unsafe { &mut *ctx };
    let n = n.max(0) as usize;
    match unsafe { c.frame.as_mut() } {
        Some(f) => {
            for i in 0..n {
                let v = f
                    .locals
                    .get_mut(i)
                    .map_or(Value::empty(), |s| std::mem::replace(s, Value::empty()));
                unsafe { buf.add(i).write(into_bits(v)) };
            }
        }
        None => {
            let args = std::mem::replace(&mut c.call_nargs, 0);
            // SAFETY: a frameless activation's function outlives the call.
            let func = unsafe { &*c.func };
            for i in 0..n {
                let bits = if i < args {
                    unsafe { c.call_args.add(i).read() }
                } else {
                    EMPTY_BITS
                };
                unsafe { buf.add(i).write(bits) };
            }
            // More arguments than locals cannot happen (`calls::is_simple`),
            // but never leak one.
            for i in n..args {
                drop(unsafe { from_bits(c.call_args.add(i).read()) });
            }
            // Cells made in place as a frame would make them: `Value` is
            // one word, so the buffer of `n` values is the locals slice.
            // SAFETY: every slot now holds a value the buffer owns.
            let locals = unsafe { std::slice::from_raw_parts_mut(buf as *mut Value, n) };
            crate::call::install_cells(func, locals);
        }
    }
}

/// Exit: hand `nl` locals and `ns` stack values (owned bits in `buf`) to
/// the interpreter, which resumes at `pc` (raising `ctx.err` there first,
/// if set). Entered from a frame, they go back into it and the result is
/// `RAISED`, which the compiled function returns to say "frame rebuilt".
/// In a frameless call there is no frame to go back to: one is built here
/// and the interpreter finishes the call, whose result (or `RAISED` with
/// the exception in `ctx.err`) the compiled function returns.
pub extern "C" fn exit_with(
    ctx: *mut JitCtx,
    buf: *const i64,
    nl: i64,
    ns: i64,
    pc: i64,
    reason: i64,
) -> i64 {
    let (nl, ns) = (nl.max(0) as usize, ns.max(0) as usize);
    // SAFETY: compiled code stored `nl + ns` owned values in `buf`.
    let take = |i: usize| unsafe { from_bits(buf.add(i).read()) };
    // SAFETY: compiled code passes its live activation.
    let c = unsafe { &mut *ctx };
    c.exit_pc = pc as u32;
    c.exit_reason = reason as u8;
    if let Some(f) = unsafe { c.frame.as_mut() } {
        for i in 0..nl + ns {
            let v = take(i);
            if i < nl {
                if let Some(s) = f.locals.get_mut(i) {
                    *s = v;
                }
            } else {
                f.stack.push(v);
            }
        }
        return RAISED;
    }
    // SAFETY: a frameless activation's function outlives the call.
    let vm = unsafe { &mut *c.vm };
    let func = unsafe { &*c.func };
    let mut locals = vm.take_vec();
    locals.extend((0..nl).map(take));
    // Variables, then (for a closure) its free variables' cells.
    locals.resize(super::cells::frame_locals(&func.code), Value::empty());
    let mut stack = vm.take_vec();
    stack.extend((nl..nl + ns).map(take));
    let mut frame = Frame {
        info: func.info.clone(),
        globals: func.globals.clone(),
        locals,
        stack,
        pc: pc as usize,
        namespace: Value::none(),
        saved_exc: Value::none(),
        made_instance: Value::none(),
    };
    super::count_exit(vm, &func.code, c.exit_reason);
    let err = c.err.take().map(|e| *e);
    let r = catch_unwind(AssertUnwindSafe(|| {
        match crate::interp::run_frame(vm, &mut frame, err)? {
            crate::interp::Exit::Return(v) => Ok(into_bits(v)),
            crate::interp::Exit::Yield(_) => Err(PyErr::runtime_error("yield outside a generator")),
        }
    }));
    let Frame { locals, stack, .. } = frame;
    vm.give_vec(locals);
    vm.give_vec(stack);
    settle(c, r)
}

/// Box an `i64` outside the immediate range (a big int).
pub extern "C" fn box_int(x: i64) -> i64 {
    into_bits(Value::int(x))
}

/// Move value `k` of the interpreter stack out (OSR entry).
pub extern "C" fn take_stack(ctx: *mut JitCtx, k: i64) -> i64 {
    guarded(ctx, |_, _, c| {
        // SAFETY: an OSR entry's context points at the stack `jit::run`
        // holds for the duration of the call; null on a call.
        let stack = unsafe { c.entry_stack.as_mut() };
        Ok(stack
            .and_then(|s| s.get_mut(k as usize))
            .map_or(into_bits(Value::none()), |s| into_bits(std::mem::take(s))))
    })
}

pub extern "C" fn load_const(ctx: *mut JitCtx, idx: i64) -> i64 {
    guarded(ctx, |_, f, _| {
        Ok(into_bits(
            f.info.consts.get(idx as usize).cloned().unwrap_or_default(),
        ))
    })
}

pub extern "C" fn unbound_local(ctx: *mut JitCtx, idx: i64) -> i64 {
    guarded(ctx, |_, f, _| {
        let n = f.code.varnames.get(idx as usize).map_or("?", |s| &**s);
        Err(PyErr::new(
            crate::error::ExcKind::UnboundLocalError,
            format!("cannot access local variable '{n}' where it is not associated with a value"),
        ))
    })
}

/// `LoadGlobal` with a per-site cache of the entry's index in the globals
/// dict (`index + 1`, 0 when empty). A hit is checked by the key at that
/// index, so a stale index (a deleted or moved entry) only costs a lookup.
/// Built-ins are found by the name's cached hash, after checking that no
/// global shadows them. (The interpreter's cache also skips that check
/// while the globals' key set is unchanged; this one is cheaper on the
/// globals hits compiled code mostly makes.)
pub extern "C" fn load_global(ctx: *mut JitCtx, name: i64, cache: *const Cell<u64>) -> i64 {
    guarded(ctx, |vm, f, _| {
        // SAFETY: compiled code passes the cell of this site, kept alive
        // with the code (`JitState` never frees it).
        let fallback = Cell::new(0);
        let cache = unsafe { cache.as_ref() }.unwrap_or(&fallback);
        let Some(key) = f.info.names.get(name as usize) else {
            return Err(PyErr::name_error("name '?' is not defined".to_string()));
        };
        let globals = f.globals.as_dict().map(|d| d.borrow());
        if let (Some(d), Some(i)) = (&globals, (cache.get() as usize).checked_sub(1)) {
            if let Some((k, v)) = d.get_index(i) {
                if k.is(key) {
                    return Ok(into_bits(v.clone()));
                }
            }
        }
        let (n, hash) = match key.as_str_obj() {
            Some(s) => (&*s.s, crate::hash::cached_str_hash(s)),
            None => ("", crate::hash::str_hash("")),
        };
        if let Some(d) = &globals {
            if d.get_name(key, n, hash).is_some() {
                if let Some(i) = d.index_of_str(n) {
                    if let Some((_, v)) = d.get_index(i) {
                        cache.set(i as u64 + 1);
                        return Ok(into_bits(v.clone()));
                    }
                }
            }
        }
        drop(globals);
        match vm
            .builtins
            .as_dict()
            .and_then(|d| d.borrow().get_name(key, n, hash).cloned())
        {
            Some(v) => Ok(into_bits(v)),
            None => Err(PyErr::name_error(format!("name '{n}' is not defined"))),
        }
    })
}

/// Consumes `v`.
pub extern "C" fn store_global(ctx: *mut JitCtx, name: i64, v: i64) -> i64 {
    guarded(ctx, |_, f, _| {
        // SAFETY: compiled code hands over the value it owns.
        let v = unsafe { from_bits(v) };
        let key = name_of(f, name);
        if let Some(d) = f.globals.as_dict() {
            d.try_borrow_mut()
                .map_err(|_| PyErr::reentrant("globals"))?
                .set_str(key, v);
        }
        Ok(0)
    })
}

pub extern "C" fn binary(ctx: *mut JitCtx, op: i64, a: i64, b: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operands stay owned by compiled code.
        let (a, b) = unsafe { (borrow_bits(a), borrow_bits(b)) };
        ops::binary(vm, binop(op), &a, &b).map(into_bits)
    })
}

pub extern "C" fn inplace(ctx: *mut JitCtx, op: i64, a: i64, b: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operands stay owned by compiled code.
        let (a, b) = unsafe { (borrow_bits(a), borrow_bits(b)) };
        ops::inplace(vm, binop(op), &a, &b).map(into_bits)
    })
}

pub extern "C" fn compare(ctx: *mut JitCtx, op: i64, a: i64, b: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operands stay owned by compiled code.
        let (a, b) = unsafe { (borrow_bits(a), borrow_bits(b)) };
        ops::compare(vm, &a, &b, cmpop(op)).map(into_bits)
    })
}

pub extern "C" fn unary(ctx: *mut JitCtx, op: i64, v: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operand stays owned by compiled code.
        let v = unsafe { borrow_bits(v) };
        ops::unary(vm, unop(op), &v).map(into_bits)
    })
}

pub extern "C" fn contains(ctx: *mut JitCtx, item: i64, container: i64, invert: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operands stay owned by compiled code.
        let (item, container) = unsafe { (borrow_bits(item), borrow_bits(container)) };
        let r = ops::contains(vm, &container, &item)?;
        Ok(into_bits(Value::bool(r != (invert != 0))))
    })
}

/// 1 / 0 for truthy / falsy, `RAISED` on error. Borrows `v`.
pub extern "C" fn truthy(ctx: *mut JitCtx, v: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operand stays owned by compiled code.
        let v = unsafe { borrow_bits(v) };
        if let Some(b) = v.as_bool() {
            return Ok(b as i64);
        }
        ops::truthy(vm, &v).map(i64::from)
    })
}

/// `LoadAttr` through the interpreter's inline cache of site `slot`.
pub extern "C" fn load_attr(ctx: *mut JitCtx, obj: i64, name: i64, slot: i64) -> i64 {
    guarded(ctx, |vm, f, _| {
        // SAFETY: borrowed operand stays owned by compiled code.
        let obj = unsafe { borrow_bits(obj) };
        let key = name_of(f, name);
        vm.getattr_cached(&obj, &key, &f.info.attr_cache, slot as u16)
            .map(into_bits)
    })
}

/// `StoreAttr` through site `slot`'s cache. Borrows `obj`, consumes `v`.
pub extern "C" fn store_attr(ctx: *mut JitCtx, obj: i64, name: i64, v: i64, slot: i64) -> i64 {
    guarded(ctx, |vm, f, _| {
        // SAFETY: `obj` is borrowed; `v` is handed over.
        let (obj, v) = unsafe { (borrow_bits(obj), from_bits(v)) };
        let key = name_of(f, name);
        vm.setattr_cached(&obj, &key, v, &f.info.attr_cache, slot as u16)
            .map(|_| 0)
    })
}

/// `LoadMethod` through site `slot`'s cache. Returns the callable (or
/// empty); the receiver goes to `aux`.
pub extern "C" fn load_method(ctx: *mut JitCtx, obj: i64, name: i64, slot: i64) -> i64 {
    guarded(ctx, |vm, f, c| {
        // SAFETY: borrowed operand stays owned by compiled code.
        let obj = unsafe { borrow_bits(obj) };
        let key = name_of(f, name);
        let (func, this) = vm.load_method_cached(&obj, &key, &f.info.attr_cache, slot as u16)?;
        c.aux = into_bits(this);
        Ok(into_bits(func))
    })
}

pub extern "C" fn take_aux(ctx: *mut JitCtx) -> i64 {
    // SAFETY: see `guarded`.
    let c = unsafe { &mut *ctx };
    std::mem::replace(&mut c.aux, super::abi::NONE_BITS)
}

pub extern "C" fn subscr(ctx: *mut JitCtx, obj: i64, key: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operands stay owned by compiled code.
        let (obj, key) = unsafe { (borrow_bits(obj), borrow_bits(key)) };
        if let (Some(l), Some(i)) = (obj.as_list(), key.as_small_int()) {
            if i >= 0 {
                if let Some(v) = l.try_borrow().ok().and_then(|l| l.get(i as usize).cloned()) {
                    return Ok(into_bits(v));
                }
            }
        }
        ops::getitem(vm, &obj, &key).map(into_bits)
    })
}

/// Borrows `obj` and `key`, consumes `v`.
pub extern "C" fn store_subscr(ctx: *mut JitCtx, obj: i64, key: i64, v: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: `obj`/`key` borrowed; `v` handed over.
        let (obj, key, v) = unsafe { (borrow_bits(obj), borrow_bits(key), from_bits(v)) };
        ops::setitem(vm, &obj, &key, v).map(|()| 0)
    })
}

pub extern "C" fn get_iter(ctx: *mut JitCtx, v: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operand stays owned by compiled code.
        let v = unsafe { borrow_bits(v) };
        vm.iter(&v).map(into_bits)
    })
}

/// The next value, `EXHAUSTED`, or `RAISED`. Borrows `it`. Same steps as
/// the interpreter's `ForIter`.
pub extern "C" fn for_iter(ctx: *mut JitCtx, it: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operand stays owned by compiled code.
        let it = unsafe { borrow_bits(it) };
        let next = match it.payload() {
            Some(Payload::Iter(cell)) => {
                let fast = match cell.try_borrow_mut() {
                    Ok(mut st) => match &mut *st {
                        IterState::Native(_) | IterState::GetItem { .. } => None,
                        s => Some(step_builtin(s)),
                    },
                    Err(_) => Some(Err(PyErr::value_error("generator already executing"))),
                };
                match fast {
                    Some(r) => r?,
                    None => vm.next(&it)?,
                }
            }
            _ => vm.next(&it)?,
        };
        Ok(next.map_or(EXHAUSTED, into_bits))
    })
}

/// Returned by `for_iter_fast` when the iterator is not one it steps.
pub const NOT_FAST: i64 = RAISED;

/// The next value of a range or list/tuple iterator, or `EXHAUSTED`;
/// `NOT_FAST` for any other iterator (compiled code then calls
/// `for_iter`). No context, no unwinding guard: the steps it takes are the
/// interpreter's (`step_builtin`) for states that cannot raise or panic.
pub extern "C" fn for_iter_fast(it: i64) -> i64 {
    // SAFETY: borrowed operand stays owned by compiled code.
    let it = unsafe { borrow_bits(it) };
    let Some(Payload::Iter(cell)) = it.payload() else {
        return NOT_FAST;
    };
    let Ok(mut st) = cell.try_borrow_mut() else {
        return NOT_FAST;
    };
    match &mut *st {
        s @ (IterState::Range { .. } | IterState::Seq { .. }) => match step_builtin(s) {
            Ok(Some(v)) => into_bits(v),
            Ok(None) => EXHAUSTED,
            Err(_) => NOT_FAST,
        },
        _ => NOT_FAST,
    }
}

pub extern "C" fn check_interrupt(ctx: *mut JitCtx) -> i64 {
    guarded(ctx, |vm, _, _| vm.check_interrupt().map(|()| 0))
}

/// Stage an argument for the next call/build helper. Consumes `v`.
pub extern "C" fn arg(ctx: *mut JitCtx, v: i64) {
    // SAFETY: see `guarded`; the value is handed over.
    let c = unsafe { &mut *ctx };
    let vm = unsafe { &mut *c.vm };
    vm.jit.staged.push(unsafe { from_bits(v) });
}

/// The staged values. Nothing runs Python code between staging and the
/// helper that takes them, so one list per isolate serves every frame.
fn take_args(vm: &mut Vm) -> Vec<Value> {
    std::mem::take(&mut vm.jit.staged)
}

/// The items of a `Build*` instruction, moved into `out`: the `n` owned
/// values compiled code put in `buf`, or, when `buf` is null, the staged
/// values (`Lowerer::lower_build` stages long displays instead of giving
/// them a stack buffer).
///
/// # Safety
/// A non-null `buf` holds `n` owned values (`Lowerer::args_buffer`),
/// which this consumes; nothing here can panic between the reads.
unsafe fn take_items(vm: &mut Vm, buf: *const i64, n: i64, mut out: Vec<Value>) -> Vec<Value> {
    if buf.is_null() {
        out.append(&mut vm.jit.staged);
        return out;
    }
    let n = n.max(0) as usize;
    out.reserve(n);
    for i in 0..n {
        // SAFETY: see the function contract.
        out.push(unsafe { from_bits(buf.add(i).read()) });
    }
    out
}

/// `BuildTuple`: consumes its items (`take_items`).
pub extern "C" fn build_tuple(ctx: *mut JitCtx, buf: *const i64, n: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // Sized exactly: `take_items` into an empty vector would reserve
        // room for four and the tuple's boxed slice would then shrink it.
        // SAFETY: compiled code passes its items as `take_items` wants.
        let items = unsafe { take_items(vm, buf, n, Vec::with_capacity(n.max(0) as usize)) };
        Ok(into_bits(Value::tuple(items)))
    })
}

/// `BuildList`: consumes its items (`take_items`).
pub extern "C" fn build_list(ctx: *mut JitCtx, buf: *const i64, n: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: as `build_tuple`.
        let items = unsafe { take_items(vm, buf, n, Vec::new()) };
        Ok(into_bits(Value::list(items)))
    })
}

/// `FormatValue`: borrows `v` and `spec` (`spec` is `EMPTY` when absent).
pub extern "C" fn format_value(ctx: *mut JitCtx, conv: i64, v: i64, spec: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: borrowed operands stay owned by compiled code.
        let (v, spec) = unsafe { (borrow_bits(v), borrow_bits(spec)) };
        let v: Value = match conv {
            1 => Value::from_string(vm.str(&v)?),
            2 => Value::from_string(vm.repr(&v)?),
            3 => Value::from_string(crate::builtins::ascii_of(vm, &v)?),
            _ => (*v).clone(),
        };
        let spec_s = spec.as_str().unwrap_or("");
        if spec_s.is_empty() && v.as_str().is_some() {
            return Ok(into_bits(v));
        }
        Ok(into_bits(Value::from_string(
            crate::text_hooks::format_value(vm, &v, spec_s)?,
        )))
    })
}

/// `MakeFunction`: the staged values are the flagged parts (defaults,
/// keyword defaults, closure, in that order) then the code object.
pub extern "C" fn make_function(ctx: *mut JitCtx, flags: i64) -> i64 {
    guarded(ctx, |vm, f, _| {
        let mut staged = take_args(vm).into_iter();
        let mut part = |bit: i64| {
            if flags & bit != 0 {
                staged.next().unwrap_or_default()
            } else {
                Value::none()
            }
        };
        let defaults = part(1);
        let kwdefaults = part(2);
        let closure = part(4);
        let code = staged.next().unwrap_or_default();
        crate::interp::new_function(vm, f.globals, code, closure, kwdefaults, defaults)
            .map(into_bits)
    })
}

/// `BuildSet`: consumes the `n` values in `buf`.
pub extern "C" fn build_set(ctx: *mut JitCtx, buf: *const i64, n: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        let pooled = vm.take_vec();
        // SAFETY: as `build_tuple`.
        let mut items = unsafe { take_items(vm, buf, n, pooled) };
        let s = Value::empty_set(false);
        for x in items.drain(..) {
            vm.set_add(&s, x)?;
        }
        vm.give_vec(items);
        Ok(into_bits(s))
    })
}

/// `BuildMap`: consumes the `n` values in `buf`: key, value, key, value...
pub extern "C" fn build_map(ctx: *mut JitCtx, buf: *const i64, n: i64) -> i64 {
    /// The values of a stack buffer, each read (taken over) once; those
    /// not taken when the display fails are dropped with the reader, so
    /// the buffer is always consumed.
    struct Reader {
        buf: *const i64,
        at: usize,
        n: usize,
    }
    impl Iterator for Reader {
        type Item = Value;
        #[inline]
        fn next(&mut self) -> Option<Value> {
            if self.at >= self.n {
                return None;
            }
            // SAFETY: `build_map`'s buffer holds `n` owned values; each
            // index is read once.
            let v = unsafe { from_bits(self.buf.add(self.at).read()) };
            self.at += 1;
            Some(v)
        }
    }
    impl Drop for Reader {
        fn drop(&mut self) {
            for v in self.by_ref() {
                drop(v);
            }
        }
    }
    guarded(ctx, |vm, _, _| {
        if !buf.is_null() {
            // Straight from compiled code's buffer, with no vector.
            let n = n.max(0) as usize;
            return vm
                .build_dict(n / 2, Reader { buf, at: 0, n })
                .map(into_bits);
        }
        let pooled = vm.take_vec();
        // SAFETY: as `build_tuple`.
        let mut items = unsafe { take_items(vm, buf, n, pooled) };
        let d = vm.build_dict(items.len() / 2, items.drain(..));
        vm.give_vec(items);
        d.map(into_bits)
    })
}

/// `ListAppend`: borrows `list`, consumes `v`.
pub extern "C" fn list_append(ctx: *mut JitCtx, list: i64, v: i64) -> i64 {
    guarded(ctx, |_, _, _| {
        // SAFETY: `list` stays owned by compiled code; `v` is handed over.
        let (list, v) = unsafe { (borrow_bits(list), from_bits(v)) };
        if let Some(l) = list.as_list() {
            l.try_borrow_mut()
                .map_err(|_| PyErr::reentrant("list"))?
                .push(v);
        }
        Ok(0)
    })
}

/// `SetAdd`: borrows `set`, consumes `v`.
pub extern "C" fn set_add(ctx: *mut JitCtx, set: i64, v: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: `set` stays owned by compiled code; `v` is handed over.
        let (set, v) = unsafe { (borrow_bits(set), from_bits(v)) };
        vm.set_add(&set, v).map(|()| 0)
    })
}

/// `MapAdd`: borrows `dict`, consumes `k` and `v`.
pub extern "C" fn map_add(ctx: *mut JitCtx, dict: i64, k: i64, v: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: `dict` stays owned by compiled code; `k`, `v` handed over.
        let (dict, k, v) = unsafe { (borrow_bits(dict), from_bits(k), from_bits(v)) };
        vm.dict_set(&dict, k, v).map(|()| 0)
    })
}

/// `UnpackSequence`: `n` owned items of `seq` (borrowed) into `buf`, in
/// order, or `RAISED` (wrong length, not iterable).
pub extern "C" fn unpack_into(ctx: *mut JitCtx, seq: i64, n: i64, buf: *mut i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        // SAFETY: `seq` stays owned by compiled code.
        let seq = unsafe { borrow_bits(seq) };
        let n = n.max(0) as usize;
        let items = crate::interp::unpack(vm, &seq, n)?;
        for (i, v) in items.into_iter().take(n).enumerate() {
            // SAFETY: compiled code passes a buffer of `n` slots.
            unsafe { buf.add(i).write(into_bits(v)) };
        }
        Ok(0)
    })
}

/// `BuildString`: concatenates the staged strs.
/// `BuildString`: consumes the `n` strs in `buf`.
pub extern "C" fn build_string(ctx: *mut JitCtx, buf: *const i64, n: i64) -> i64 {
    guarded(ctx, |vm, _, _| {
        let pooled = vm.take_vec();
        // SAFETY: as `build_tuple`.
        let items = unsafe { take_items(vm, buf, n, pooled) };
        let len = items.iter().map(|x| x.as_str().map_or(0, str::len)).sum();
        let mut s = String::with_capacity(len);
        for x in &items {
            s.push_str(x.as_str().unwrap_or(""));
        }
        vm.give_vec(items);
        Ok(into_bits(Value::from_string(s)))
    })
}
