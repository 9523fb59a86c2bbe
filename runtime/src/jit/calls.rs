//! Calls made by compiled code. Arguments arrive in a buffer on the
//! caller's native stack (no staging helper per argument). A call to a
//! plain Python function with exactly its positional parameters goes
//! straight to the callee's compiled code when it has some, without an
//! interpreter frame (`jit::call_frameless`: the arguments buffer becomes
//! the callee's locals); otherwise it builds the callee's frame directly
//! and runs the interpreter. Anything else (natives, classes, defaults,
//! keywords, cells, generators) takes the interpreter's own call.
//!
//! Compiled code reaches these helpers only off the inline fast path of a
//! direct call (`direct.rs`), which calls a compiled callee itself.
//!
//! A frameless callee that exits builds its frame then, so deoptimisation
//! and tracebacks are exactly the interpreter's. This file must never
//! change what a call does, only how fast it gets there.

use kiln_compiler::bytecode::CodeFlags;

use super::abi::{from_bits, into_bits, JitCtx};
use super::call_frameless;
use super::direct::CallSite;
use crate::error::{ExcKind, PyErr, PyResult};
use crate::frame::Frame;
use crate::interp::{run_frame, Exit};
use crate::native::NativeFn;
use crate::object::{FunctionObj, Payload, TypeId};
use crate::value::Value;
use crate::vm::{Vm, RECURSION_LIMIT};

/// Method calls with at most this many arguments (plus `self`) take the
/// frameless path with the receiver copied in front of them.
const MAX_FRAMELESS_METHOD_ARGS: usize = 7;

/// Take ownership of `n` argument bits from `buf` into a pooled vector.
///
/// # Safety
/// `buf` holds `n` owned values stored by compiled code.
unsafe fn take_buf(vm: &mut Vm, buf: *const i64, n: usize, out: Option<Vec<Value>>) -> Vec<Value> {
    let mut v = out.unwrap_or_else(|| vm.take_vec());
    for i in 0..n {
        // SAFETY: see the function contract.
        v.push(unsafe { from_bits(buf.add(i).read()) });
    }
    v
}

/// The `n` owned values at `buf`, dropped when this goes out of scope
/// (also if the callee panics).
struct OwnedArgs(*const i64, usize);

impl Drop for OwnedArgs {
    fn drop(&mut self) {
        for i in 0..self.1 {
            // SAFETY: see `call_native_buf`: each value is owned here and
            // dropped exactly once.
            drop(unsafe { from_bits(self.0.add(i).read()) });
        }
    }
}

/// Call a built-in function on the `n` owned values at `buf` in place:
/// `Value` is one word, so the buffer already is the `&[Value]` the
/// built-in takes; no vector is filled and emptied.
///
/// # Safety
/// `buf` holds `n` owned values, which this call consumes.
unsafe fn call_native_buf(vm: &mut Vm, f: NativeFn, buf: *const i64, n: usize) -> PyResult<Value> {
    let owned = OwnedArgs(buf, n);
    // SAFETY: `Value` is `repr(transparent)` over its bits; the values
    // stay alive (owned by `owned`) for the whole call.
    let args = unsafe { std::slice::from_raw_parts(buf as *const Value, n) };
    let r = f(vm, args, &[]);
    drop(owned);
    r
}

/// `cls(args...)` with the `n` owned arguments at `buf`: for a plain
/// script class whose `__init__` can be called frameless, the instance is
/// made here and `__init__` called like a direct call; anything else is
/// the interpreter's `Vm::call`.
///
/// # Safety
/// `buf` holds `n` owned values, which this call consumes.
unsafe fn instantiate_buf(
    vm: &mut Vm,
    callee: &Value,
    cls: &crate::object::ClassObj,
    buf: *const i64,
    n: usize,
) -> PyResult<Value> {
    let init = vm.plain_init(callee);
    let simple = match init.as_ref().and_then(Value::payload) {
        Some(Payload::Function(fo)) if n <= MAX_FRAMELESS_METHOD_ARGS && is_simple(fo, n + 1) => {
            Some(fo)
        }
        _ => None,
    };
    let Some(fo) = simple else {
        // SAFETY: see the function contract.
        let args = unsafe { take_buf(vm, buf, n, None) };
        let r = vm.call(callee, &args);
        vm.give_vec(args);
        return r;
    };
    let inst = Vm::new_instance(callee, cls.instance_size.get() as usize);
    // SAFETY: see the function contract.
    let r = unsafe { call_simple_with_self(vm, fo, inst.clone(), buf, n) }?;
    if !r.is_none() {
        return Err(PyErr::type_error(format!(
            "__init__() should return None, not '{}'",
            vm.type_name(&r)
        )));
    }
    Ok(inst)
}

/// Whether a call may go frameless: exactly the positional parameters, and
/// not a generator. A frameless entry of code with cells makes them as a
/// frame would (`helpers::take_locals`, `call::install_cells`).
fn is_simple(func: &FunctionObj, nargs: usize) -> bool {
    let code = &func.code;
    nargs == code.arg_count as usize
        && code.kwonly_count == 0
        && code.flags.0
            & (CodeFlags::VARARGS
                | CodeFlags::VARKEYWORDS
                | CodeFlags::GENERATOR
                | CodeFlags::COROUTINE)
            == 0
}

/// The checks every Python call makes: the interrupt flag (deadlines) and
/// the recursion limit.
fn enter_checks(vm: &mut Vm) -> PyResult<()> {
    vm.check_interrupt()?;
    if vm.depth >= RECURSION_LIMIT {
        return Err(PyErr::new(
            ExcKind::RecursionError,
            "maximum recursion depth exceeded",
        ));
    }
    Ok(())
}

/// A plain call (`is_simple`) with `n` owned arguments in `buf`: frameless
/// into compiled code when the callee has some, else through a frame.
///
/// # Safety
/// `buf` holds `n` owned values, which this call consumes.
unsafe fn call_simple(
    vm: &mut Vm,
    func: &FunctionObj,
    buf: *const i64,
    n: usize,
) -> PyResult<Value> {
    let fb = &func.info.feedback;
    fb.calls.set(fb.calls.get().wrapping_add(1));
    let entry = if vm.jit.enabled {
        vm.jit.entry_for_call(&func.code, fb, &func.globals)
    } else {
        None
    };
    let Some(entry) = entry else {
        // SAFETY: see the function contract.
        let args = unsafe { take_buf(vm, buf, n, None) };
        return call_plain(vm, func, args);
    };
    if let Err(e) = enter_checks(vm) {
        // SAFETY: the arguments are still owned here; drop them.
        drop(unsafe { take_buf(vm, buf, n, None) });
        return Err(e);
    }
    vm.depth += 1;
    // SAFETY: `entry` is this function's code; the arguments pass over.
    let r = unsafe { call_frameless(vm, func, entry, buf, n) };
    vm.depth -= 1;
    r
}

/// `call_simple` of `func` with `this` (owned) before the `n` owned
/// arguments at `buf`, which must be at most `MAX_FRAMELESS_METHOD_ARGS`.
///
/// # Safety
/// `buf` holds `n` owned values, which this call consumes.
unsafe fn call_simple_with_self(
    vm: &mut Vm,
    func: &FunctionObj,
    this: Value,
    buf: *const i64,
    n: usize,
) -> PyResult<Value> {
    let mut with_self = [0i64; MAX_FRAMELESS_METHOD_ARGS + 1];
    with_self[0] = into_bits(this);
    for (i, slot) in with_self[1..=n].iter_mut().enumerate() {
        // SAFETY: `buf` holds `n` owned arguments, moved here.
        *slot = unsafe { buf.add(i).read() };
    }
    // SAFETY: `with_self` now owns the receiver and the arguments.
    unsafe { call_simple(vm, func, with_self.as_ptr(), n + 1) }
}

/// A plain call through an interpreter frame built here (the callee has
/// no compiled code yet; the interpreter may still enter some).
fn call_plain(vm: &mut Vm, func: &FunctionObj, locals: Vec<Value>) -> PyResult<Value> {
    if func.code.has_eager_cells() {
        // Its frame needs cells: `new_frame` makes them.
        enter_checks(vm)?;
        vm.depth += 1;
        let r = vm.run_function(func, locals);
        vm.depth -= 1;
        return r;
    }
    let mut locals = locals;
    // Lazy cells (if any) start empty.
    locals.resize(func.info.nlocals, Value::empty());
    let stack = vm.take_vec();
    let mut frame = Frame {
        info: func.info.clone(),
        globals: func.globals.clone(),
        locals,
        stack,
        pc: 0,
        namespace: Value::none(),
        saved_exc: Value::none(),
        made_instance: Value::none(),
    };
    let r = run_plain(vm, &mut frame);
    let Frame { locals, stack, .. } = frame;
    vm.give_vec(locals);
    vm.give_vec(stack);
    r
}

fn run_plain(vm: &mut Vm, frame: &mut Frame) -> PyResult<Value> {
    enter_checks(vm)?;
    vm.depth += 1;
    let r = run_frame(vm, frame, None);
    vm.depth -= 1;
    match r? {
        Exit::Return(v) => Ok(v),
        Exit::Yield(_) => Err(PyErr::runtime_error("yield outside a generator")),
    }
}

/// Guard a helper body like `helpers::guarded`, for the call helpers.
fn guarded_call(
    ctx: *mut JitCtx,
    body: impl FnOnce(&mut Vm, &mut JitCtx) -> PyResult<Value>,
) -> i64 {
    // SAFETY: compiled code passes back the context it was entered with;
    // the VM outlives the activation and nothing else touches it meanwhile.
    let ctx = unsafe { &mut *ctx };
    let vm = unsafe { &mut *ctx.vm };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        body(vm, &mut *ctx).map(into_bits)
    }));
    super::helpers::settle(ctx, r)
}

/// `Call`: borrows `callee`, consumes the `n` arguments in `buf`.
pub extern "C" fn call_buf(ctx: *mut JitCtx, callee: i64, buf: *const i64, n: i64) -> i64 {
    call_buf_site(ctx, callee, buf, n, std::ptr::null())
}

/// `Call` off a direct-call site's fast path (`direct.rs`): as `call_buf`,
/// and a plain callee becomes the site's remembered callee.
pub extern "C" fn call_buf_site(
    ctx: *mut JitCtx,
    callee: i64,
    buf: *const i64,
    n: i64,
    site: *const CallSite,
) -> i64 {
    guarded_call(ctx, |vm, c| {
        // SAFETY: the callee stays owned by compiled code; `buf` holds `n`
        // owned arguments; `site` is null or a cache of the running code,
        // which keeps it alive.
        let callee = unsafe { super::abi::borrow_bits(callee) };
        let site = unsafe { site.as_ref() };
        let n = n.max(0) as usize;
        match callee.payload() {
            // `super()` as the interpreter's `Call` does it. Compiled code
            // never has a `__class__` cell (`analyze` refuses it), so this
            // is its error, without the frame's locals.
            Some(Payload::Class(cls)) if n == 0 && cls.builtin == Some(TypeId::Super) => {
                // SAFETY: the context is the running activation.
                let env = unsafe { super::helpers::env_of(c) };
                crate::interp::zero_arg_super(env.code, &[])
            }
            Some(Payload::Function(func)) if is_simple(func, n) => {
                if let (Some(site), true) = (site, vm.jit.enabled) {
                    site.remember(vm, &callee, func);
                }
                // SAFETY: as above.
                unsafe { call_simple(vm, func, buf, n) }
            }
            Some(Payload::Function(func)) => {
                let args = unsafe { take_buf(vm, buf, n, None) };
                let r = vm.call_function(&callee, func, &args, &[]);
                vm.give_vec(args);
                r
            }
            // SAFETY: as above.
            Some(Payload::Native(nf)) => unsafe { call_native_buf(vm, nf.func, buf, n) },
            // SAFETY: as above.
            Some(Payload::Class(cls)) => unsafe { instantiate_buf(vm, &callee, cls, buf, n) },
            _ => {
                let args = unsafe { take_buf(vm, buf, n, None) };
                let r = vm.call(&callee, &args);
                vm.give_vec(args);
                r
            }
        }
    })
}

/// `CallMethod` with the receiver moved into the buffer: borrows `func`,
/// consumes the `n` values in `buf` (the receiver, then the arguments).
/// With an EMPTY `func` the receiver is the callable itself.
pub extern "C" fn call_method_all(ctx: *mut JitCtx, func: i64, buf: *const i64, n: i64) -> i64 {
    call_method_site(ctx, func, buf, n, std::ptr::null())
}

/// `call_method_all` off a direct-call site's fast path (`direct.rs`).
pub extern "C" fn call_method_site(
    ctx: *mut JitCtx,
    func: i64,
    buf: *const i64,
    n: i64,
    site: *const CallSite,
) -> i64 {
    if func != super::abi::EMPTY_BITS {
        // A method found as a function: the receiver is its first argument.
        return call_buf_site(ctx, func, buf, n, site);
    }
    guarded_call(ctx, |vm, _| {
        // SAFETY: `buf` holds `n` owned values, the first the callable.
        let mut values = unsafe { take_buf(vm, buf, n.max(0) as usize, None) };
        if values.is_empty() {
            vm.give_vec(values);
            return Err(PyErr::runtime_error("method call without a receiver"));
        }
        let callable = values.remove(0);
        let r = vm.call(&callable, &values);
        vm.give_vec(values);
        r
    })
}

/// `CallMethod`: stack was [func-or-empty, self-or-bound, args...];
/// borrows `func` and `this`, consumes the `n` arguments in `buf`.
pub extern "C" fn call_method_buf(
    ctx: *mut JitCtx,
    func: i64,
    this: i64,
    buf: *const i64,
    n: i64,
) -> i64 {
    guarded_call(ctx, |vm, _| {
        // SAFETY: as `call_buf`.
        let (func, this) =
            unsafe { (super::abi::borrow_bits(func), super::abi::borrow_bits(this)) };
        let n = n.max(0) as usize;
        if func.is_empty() {
            let args = unsafe { take_buf(vm, buf, n, None) };
            let r = vm.call(&this, &args);
            vm.give_vec(args);
            return r;
        }
        if let Some(Payload::Function(fo)) = func.payload() {
            if n <= MAX_FRAMELESS_METHOD_ARGS && is_simple(fo, n + 1) {
                // SAFETY: `buf` holds `n` owned arguments.
                return unsafe { call_simple_with_self(vm, fo, (*this).clone(), buf, n) };
            }
        }
        let mut args = vm.take_vec();
        args.push((*this).clone());
        let args = unsafe { take_buf(vm, buf, n, Some(args)) };
        match func.payload() {
            Some(Payload::Function(fo)) => {
                let r = vm.call_function(&func, fo, &args, &[]);
                vm.give_vec(args);
                r
            }
            Some(Payload::Native(nf)) => {
                let r = (nf.func)(vm, &args, &[]);
                vm.give_vec(args);
                r
            }
            _ => {
                let r = vm.call(&func, &args);
                vm.give_vec(args);
                r
            }
        }
    })
}

/// `CallKw` (`this` is EMPTY) and `CallMethodKw`: borrows `func`, `this`
/// and the `names` tuple, consumes the `n` values in `buf` (positional
/// arguments, then one value per name). For a method call with an empty
/// `func`, `this` is the callable; otherwise `this` is the first argument.
pub extern "C" fn call_kw_buf(
    ctx: *mut JitCtx,
    func: i64,
    this: i64,
    buf: *const i64,
    n: i64,
    names: i64,
) -> i64 {
    guarded_call(ctx, |vm, _| {
        crate::finalize::run_pending(vm);
        // SAFETY: as `call_buf`; `names` stays owned by compiled code.
        let (func, this, names) = unsafe {
            (
                super::abi::borrow_bits(func),
                super::abi::borrow_bits(this),
                super::abi::borrow_bits(names),
            )
        };
        let mut values = vm.take_vec();
        let (callee, skip) = if func.is_empty() {
            ((*this).clone(), 0)
        } else {
            values.push((*this).clone());
            ((*func).clone(), 1)
        };
        let values = unsafe { take_buf(vm, buf, n.max(0) as usize, Some(values)) };
        let nkw = names.as_tuple().map_or(0, <[Value]>::len);
        let split = values.len().saturating_sub(nkw).max(skip);
        let kwargs = crate::interp::kw_pairs(&names, &values[split..]);
        let r = vm.call_kw(&callee, &values[..split], &kwargs);
        vm.give_vec(values);
        r
    })
}
