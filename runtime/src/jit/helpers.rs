//! `extern "C"` runtime helpers called from compiled code. Each one calls
//! the SAME rule the interpreter uses (`ops`, `Vm::getattr`, `Vm::call`…),
//! so compiled code can never disagree with the interpreter.
//!
//! Helpers never unwind: every body runs under `guarded`, which turns a
//! panic into a Python `RuntimeError`. A helper that raises stores the error
//! in `JitCtx::err` and returns `RAISED` (or a negative status).

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use kiln_compiler::bytecode::{BinOp, CmpOp, UnaryOp};

use super::abi::{borrow_bits, from_bits, into_bits, JitCtx, EXHAUSTED, RAISED};
use crate::error::{PyErr, PyResult};
use crate::frame::Frame;
use crate::iter::step_builtin;
use crate::object::{IterState, Payload};
use crate::ops;
use crate::value::Value;
use crate::vm::Vm;

/// Run `body` with the VM and frame of `ctx`; a panic becomes an error.
#[inline(always)]
fn guarded(
    ctx: *mut JitCtx,
    body: impl FnOnce(&mut Vm, &mut Frame, &mut JitCtx) -> PyResult<i64>,
) -> i64 {
    // SAFETY: compiled code passes back the `JitCtx` it was entered with;
    // `vm` and `frame` point at the live VM and frame of that activation,
    // which nothing else touches while compiled code runs.
    let ctx = unsafe { &mut *ctx };
    let (vm, frame) = unsafe { (&mut *ctx.vm, &mut *ctx.frame) };
    let r = catch_unwind(AssertUnwindSafe(|| body(vm, frame, &mut *ctx)));
    match r {
        Ok(Ok(bits)) => bits,
        Ok(Err(e)) => {
            ctx.err = Some(e);
            RAISED
        }
        Err(_) => {
            ctx.err = Some(PyErr::runtime_error("internal error in a JIT helper"));
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
fn name_of(frame: &Frame, idx: i64) -> Value {
    frame
        .info
        .names
        .get(idx as usize)
        .cloned()
        .unwrap_or_default()
}

pub extern "C" fn incref(bits: i64) {
    // SAFETY: compiled code only increfs bits it owns.
    let v = unsafe { borrow_bits(bits) };
    std::mem::forget((*v).clone());
}

pub extern "C" fn decref(bits: i64) {
    // SAFETY: compiled code hands over a reference it owns.
    drop(unsafe { from_bits(bits) });
}

/// Move the first `n` locals out of the frame into `buf` (function entry,
/// OSR entry); missing locals read as unbound.
pub extern "C" fn take_locals(ctx: *mut JitCtx, buf: *mut i64, n: i64) {
    guarded(ctx, |_, f, _| {
        for i in 0..n.max(0) as usize {
            let v = f
                .locals
                .get_mut(i)
                .map_or(Value::empty(), |s| std::mem::replace(s, Value::empty()));
            // SAFETY: compiled code passes a buffer of `n` i64 slots.
            unsafe { buf.add(i).write(into_bits(v)) };
        }
        Ok(0)
    });
}

/// Exit: hand `nl` locals and `ns` stack values (owned bits in `buf`) back
/// to the frame and record where the interpreter resumes. Returns
/// `RAISED`, which the compiled function returns to say "frame rebuilt".
pub extern "C" fn exit_with(
    ctx: *mut JitCtx,
    buf: *const i64,
    nl: i64,
    ns: i64,
    pc: i64,
    reason: i64,
) -> i64 {
    guarded(ctx, |_, f, c| {
        let (nl, ns) = (nl.max(0) as usize, ns.max(0) as usize);
        for i in 0..nl + ns {
            // SAFETY: compiled code stored `nl + ns` owned values in `buf`.
            let v = unsafe { from_bits(buf.add(i).read()) };
            if i < nl {
                if let Some(s) = f.locals.get_mut(i) {
                    *s = v;
                }
            } else {
                f.stack.push(v);
            }
        }
        c.exit_pc = pc as u32;
        c.exit_reason = reason as u8;
        Ok(RAISED)
    })
}

/// Box an `i64` outside the immediate range (a big int).
pub extern "C" fn box_int(x: i64) -> i64 {
    into_bits(Value::int(x))
}

/// Move value `k` of the interpreter stack out (OSR entry).
pub extern "C" fn take_stack(ctx: *mut JitCtx, k: i64) -> i64 {
    guarded(ctx, |_, _, c| {
        Ok(c.entry_stack
            .get_mut(k as usize)
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
pub extern "C" fn load_global(ctx: *mut JitCtx, name: i64, cache: *const Cell<u64>) -> i64 {
    guarded(ctx, |vm, f, _| {
        // SAFETY: compiled code passes the cell of this site, kept alive
        // with the code (`JitState` never frees it).
        let fallback = Cell::new(0);
        let cache = unsafe { cache.as_ref() }.unwrap_or(&fallback);
        let key = name_of(f, name);
        let (n, hash) = match key.as_str_obj() {
            Some(s) => (&*s.s, crate::hash::cached_str_hash(s)),
            None => ("", crate::hash::str_hash("")),
        };
        if let Some(d) = f.globals.as_dict() {
            let d = d.borrow();
            let cached = cache.get() as usize;
            if let Some((k, v)) = cached.checked_sub(1).and_then(|i| d.get_index(i)) {
                if k.is(&key) || k.as_str() == Some(n) {
                    return Ok(into_bits(v.clone()));
                }
            }
            if let Some(i) = d.index_of_str(n) {
                if let Some((_, v)) = d.get_index(i) {
                    cache.set(i as u64 + 1);
                    return Ok(into_bits(v.clone()));
                }
            }
        }
        // The interpreter's builtins lookup: cached hash, identity first.
        match vm
            .builtins
            .as_dict()
            .and_then(|d| d.borrow().get_name(&key, n, hash).cloned())
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

pub extern "C" fn load_attr(ctx: *mut JitCtx, obj: i64, name: i64) -> i64 {
    guarded(ctx, |vm, f, _| {
        // SAFETY: borrowed operand stays owned by compiled code.
        let obj = unsafe { borrow_bits(obj) };
        let key = name_of(f, name);
        vm.getattr(&obj, key.as_str().unwrap_or("")).map(into_bits)
    })
}

/// Borrows `obj`, consumes `v`.
pub extern "C" fn store_attr(ctx: *mut JitCtx, obj: i64, name: i64, v: i64) -> i64 {
    guarded(ctx, |vm, f, _| {
        // SAFETY: `obj` is borrowed; `v` is handed over.
        let (obj, v) = unsafe { (borrow_bits(obj), from_bits(v)) };
        let key = name_of(f, name);
        vm.setattr(&obj, key.as_str().unwrap_or(""), v).map(|()| 0)
    })
}

/// Returns the callable (or empty); the receiver goes to `aux`.
pub extern "C" fn load_method(ctx: *mut JitCtx, obj: i64, name: i64) -> i64 {
    guarded(ctx, |vm, f, c| {
        // SAFETY: borrowed operand stays owned by compiled code.
        let obj = unsafe { borrow_bits(obj) };
        let key = name_of(f, name);
        let (func, this) = vm.load_method(&obj, key.as_str().unwrap_or(""))?;
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

pub extern "C" fn check_interrupt(ctx: *mut JitCtx) -> i64 {
    guarded(ctx, |vm, _, _| vm.check_interrupt().map(|()| 0))
}

/// Stage an argument for the next call/build helper. Consumes `v`.
pub extern "C" fn arg(ctx: *mut JitCtx, v: i64) {
    // SAFETY: see `guarded`; the value is handed over.
    let c = unsafe { &mut *ctx };
    c.args.push(unsafe { from_bits(v) });
}

fn take_args(c: &mut JitCtx) -> Vec<Value> {
    std::mem::take(&mut c.args)
}

pub extern "C" fn build_tuple(ctx: *mut JitCtx) -> i64 {
    guarded(ctx, |_, _, c| Ok(into_bits(Value::tuple(take_args(c)))))
}

pub extern "C" fn build_list(ctx: *mut JitCtx) -> i64 {
    guarded(ctx, |_, _, c| Ok(into_bits(Value::list(take_args(c)))))
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

/// `BuildString`: concatenates the staged strs.
pub extern "C" fn build_string(ctx: *mut JitCtx) -> i64 {
    guarded(ctx, |_, _, c| {
        let mut s = String::new();
        for x in &c.args {
            s.push_str(x.as_str().unwrap_or(""));
        }
        c.args.clear();
        Ok(into_bits(Value::from_string(s)))
    })
}
