//! Inlining of pure leaf functions at the call sites of compiled code.
//!
//! A *pure leaf* is a function whose body, up to its first `return`, is
//! straight-line arithmetic and comparisons on its parameters and numeric
//! constants (`a_entry(i, j)` in a spectral norm, `sq(x)`): it reads
//! nothing but its arguments, writes nothing but its own locals and calls
//! nothing. Such a body is compiled into the caller as a fast path with
//! the ordinary call as its slow path: the callee is checked to be the
//! function that was inlined, the body runs on unboxed numbers, and any
//! check that fails on the way (a type, an `i64` overflow, a zero divisor,
//! the recursion limit) abandons the fast path and makes the real call
//! with the same arguments. Nothing the body did is visible (it has no
//! effects), so the call then runs exactly as if the fast path had never
//! started: same result, same exception and traceback (raised by the
//! callee itself). No deoptimisation is involved.
//!
//! The candidates travel with the compile request (`candidates`): each
//! global the function reads that is a pure-leaf function, with its code
//! and a copy of its feedback (which types each of its operations saw).
//! Compiled code keeps the function it inlined in an `InlineSite` (a
//! strong reference, so that its address is never reused by another
//! object) and compares the callee with it: one load and a compare.

use std::cell::Cell;
use std::sync::Arc;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{Block, BlockArg, FuncRef, InstBuilder, MemFlagsData, Value};
use kiln_compiler::bytecode::{BinOp, CodeFlags, CodeObject, Constant, Instr, UnaryOp};

use super::abi::{self, into_bits, JitCtx};
use super::arith::condition_codes;
use super::deopt::Reason;
use super::direct::CalleeRef;
use super::helpers::env_of;
use super::lower::{Lowerer, I64};
use super::pure;
use super::service::snapshot;
use super::types::{binary_plan, compare_plan, Kind, Plan};
use crate::feedback::Feedback;
use crate::value::{Value as PyValue, SMALL_INT_MAX, SMALL_INT_MIN};
use crate::vm::{Vm, RECURSION_LIMIT};

/// Bodies longer than this (instructions before the `return`) are left
/// to ordinary calls: inlining is for small helpers.
const MAX_BODY: usize = 40;

/// A function that may be inlined where the compiled code calls the
/// global `name` (an index into the caller's names).
pub struct InlineCandidate {
    pub name: u32,
    pub code: Arc<CodeObject>,
    /// The callee's feedback when the caller was queued.
    pub feedback: Feedback,
    /// A pure recursive function (`pure.rs`), called natively rather
    /// than inlined.
    pub recursive: bool,
}

/// The pure-leaf functions among `names`, the globals `code` reads that
/// are bound in `globals` (`globals::names_bound_in`).
pub fn candidates(code: &CodeObject, globals: &PyValue, names: &[u32]) -> Vec<InlineCandidate> {
    let Some(dict) = globals.as_dict().and_then(|d| d.try_borrow().ok()) else {
        return Vec::new();
    };
    let function = |name: u32| {
        let key = code.names.get(name as usize)?;
        let func = dict.get_str(key)?.as_function()?;
        // A pure recursive function calls itself through its globals:
        // only the caller's own, whose binding the call site checks.
        let recursive = func.globals.is(globals) && pure::is_pure_recursive(&func.code);
        (recursive || is_pure_leaf(&func.code)).then(|| InlineCandidate {
            name,
            code: func.code.clone(),
            feedback: snapshot(&func.info.feedback),
            recursive,
        })
    };
    names.iter().filter_map(|&name| function(name)).collect()
}

/// Whether `code` is a pure leaf (see the module comment): plain
/// positional parameters, no cells, no handlers, and a short body of
/// the allowed instructions ending in `return`.
pub fn is_pure_leaf(code: &CodeObject) -> bool {
    let special = CodeFlags::VARARGS
        | CodeFlags::VARKEYWORDS
        | CodeFlags::GENERATOR
        | CodeFlags::COROUTINE
        | CodeFlags::CLASS_BODY
        | CodeFlags::MODULE;
    !code.flags.has(special)
        && code.kwonly_count == 0
        && code.cellvars.is_empty()
        && code.freevars.is_empty()
        && code.exception_table.is_empty()
        && body(code).is_some()
}

/// The instructions before the first `Return`, if they are all allowed:
/// with no jump among them, every call runs exactly these and returns.
fn body(code: &CodeObject) -> Option<&[Instr]> {
    let end = code.code.iter().position(|i| matches!(i, Instr::Return))?;
    let body = code.code.get(..end)?;
    let allowed = |i: &Instr| {
        if let Instr::LoadConst { idx } = i {
            return const_kind(code.consts.get(*idx as usize)).is_some();
        }
        matches!(
            i,
            Instr::Nop
                | Instr::LoadFast { .. }
                | Instr::StoreFast { .. }
                | Instr::Binary { .. }
                | Instr::InPlace { .. }
                | Instr::Compare { .. }
                | Instr::Unary {
                    op: UnaryOp::Neg | UnaryOp::Not
                }
        )
    };
    (end <= MAX_BODY && body.iter().all(allowed)).then_some(body)
}

/// The kind of a numeric constant the body may load, if it is one.
fn const_kind(c: Option<&Constant>) -> Option<Kind> {
    match c {
        Some(Constant::Int(i)) if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(i) => Some(Kind::Int),
        Some(Constant::Float(_)) => Some(Kind::Float),
        _ => None,
    }
}

/// Whether the body of `c`, called with arguments of kinds `args`,
/// compiles to native operations only (every plan `Int` or `Float`):
/// exactly the decisions `lower_inline_body` makes, on kinds alone.
fn plans_natively(c: &InlineCandidate, args: &[Kind]) -> bool {
    let code = &*c.code;
    if args.len() != code.arg_count as usize || args.contains(&Kind::Bool) {
        return false;
    }
    let Some(body) = body(code) else {
        return false;
    };
    let mut locals: Vec<Option<Kind>> = vec![None; code.varnames.len()];
    for (slot, k) in locals.iter_mut().zip(args) {
        *slot = Some(k.plain());
    }
    let mut stack: Vec<Kind> = Vec::new();
    for instr in body {
        let ok = match *instr {
            Instr::Nop => true,
            Instr::LoadFast { idx } => match locals.get(idx as usize).copied().flatten() {
                Some(k) => {
                    stack.push(k);
                    true
                }
                None => false,
            },
            Instr::StoreFast { idx } => match (stack.pop(), locals.get_mut(idx as usize)) {
                (Some(k), Some(slot)) => {
                    *slot = Some(k);
                    true
                }
                _ => false,
            },
            Instr::LoadConst { idx } => match const_kind(code.consts.get(idx as usize)) {
                Some(k) => {
                    stack.push(k);
                    true
                }
                None => false,
            },
            Instr::Binary { op, slot } | Instr::InPlace { op, slot } => {
                match (stack.pop(), stack.pop()) {
                    (Some(b), Some(a)) => {
                        match binary_plan(true, op, c.feedback.slot(slot), a, b) {
                            Plan::Int => stack.push(Kind::Int),
                            Plan::Float => stack.push(Kind::Float),
                            Plan::Generic => return false,
                        }
                        true
                    }
                    _ => false,
                }
            }
            Instr::Compare { slot, .. } => match (stack.pop(), stack.pop()) {
                (Some(b), Some(a)) => {
                    let plan = compare_plan(true, c.feedback.slot(slot), a, b);
                    stack.push(Kind::Bool);
                    plan != Plan::Generic
                }
                _ => false,
            },
            Instr::Unary { op } => matches!(
                (op, stack.last().copied()),
                (UnaryOp::Neg, Some(Kind::Int | Kind::Float)) | (UnaryOp::Not, Some(Kind::Bool))
            ),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    stack.len() == 1 && matches!(stack[0], Kind::Int | Kind::Float | Kind::Bool)
}

/// The function a call site inlined, once seen there (owned bits, 0
/// until then), and the code it must have to be remembered.
#[derive(Default)]
pub struct InlineSite {
    callee: Cell<u64>,
    /// `Arc::as_ptr` of the inlined code, which the compiled version
    /// keeps alive (`SiteCells::inlined`), so the address is not reused.
    code: Cell<usize>,
    /// The function must live in the caller's globals: a pure recursive
    /// one finds itself there (`pure.rs`); a pure leaf may come from any
    /// module.
    own_globals: Cell<bool>,
    /// Native calls of a pure recursive function abandoned here: past
    /// `MAX_NATIVE_FAILS` the site only makes ordinary calls.
    fails: Cell<u32>,
}

/// See `InlineSite::fails`: a site whose arguments overflow natively
/// every time should not pay for the attempt every time.
const MAX_NATIVE_FAILS: i64 = 16;

impl Drop for InlineSite {
    fn drop(&mut self) {
        abi::release_cell(&self.callee);
    }
}

const SITE_CALLEE: i32 = std::mem::offset_of!(InlineSite, callee) as i32;
const SITE_FAILS: i32 = std::mem::offset_of!(InlineSite, fails) as i32;
const VM_DEPTH: i32 = std::mem::offset_of!(Vm, depth) as i32;

/// The slow path of an inline site whose callee was not the remembered
/// one: remember it if it is a function with the inlined code (so the
/// next call takes the fast path); 1 when it did. Borrows `callee`; runs
/// no script code.
pub extern "C" fn remember_inlined(ctx: *mut JitCtx, callee: i64, site: *const InlineSite) -> i64 {
    // SAFETY: compiled code passes its own live context and site (alive
    // as long as the code) and a callee it owns for the duration of this
    // call.
    let (site, value, env) = unsafe { (&*site, abi::borrow_bits(callee), env_of(&*ctx)) };
    let same_code = value.as_function().is_some_and(|f| {
        Arc::as_ptr(&f.code) as usize == site.code.get()
            && (!site.own_globals.get() || f.globals.is(env.globals))
    });
    if same_code {
        abi::release_cell(&site.callee);
        site.callee.set(into_bits((*value).clone()) as u64);
    }
    i64::from(same_code)
}

impl Lowerer<'_, '_> {
    /// The inline candidate for a `Call` of `argc` arguments, when the
    /// callee on the stack was pushed by `LoadGlobal` of a candidate.
    pub(super) fn inline_candidate(&self, argc: usize) -> Option<usize> {
        let at = self.stack.len().checked_sub(argc + 1)?;
        let callee = self.stack.get(at)?.0;
        let name = *self.global_origin.get(&callee)?;
        let i = self.inline.iter().position(|c| c.name == name)?;
        let args: Vec<Kind> = self.stack[at + 1..].iter().map(|e| e.1).collect();
        if args.iter().any(|k| matches!(k, Kind::RangeIter(_))) {
            return None;
        }
        let c = &self.inline[i];
        if c.recursive {
            let ints = args
                .iter()
                .all(|k| matches!(k, Kind::Int | Kind::Boxed | Kind::Borrowed));
            let native = self.pure_fns.get(i).copied().flatten().is_some();
            return (native && ints && args.len() == c.code.arg_count as usize).then_some(i);
        }
        plans_natively(c, &args).then_some(i)
    }

    /// `Call` at `pc` of candidate `which`, whose body `inline_candidate`
    /// accepted: the stack is [callee, args...]. The slow path is the
    /// ordinary call (`lower_call`, with its direct-call cache).
    pub(super) fn lower_inlined_call(&mut self, pc: usize, argc: usize, slot: u16, which: usize) {
        let Some(site) = self.next_inline_site(which) else {
            return self.lower_plain_call_uninlined(pc, argc, slot);
        };
        let at = self.stack.len() - argc;
        let args = self.stack.split_off(at);
        // Unowned: read from the global's slot without a reference, fine
        // while no script code runs, as on the fast path; the slow path
        // takes one first.
        let (callee, unowned) = self.pop_callee();
        let flags = MemFlagsData::trusted();
        let join = self.bcx.create_block();
        let refill = self.bcx.create_block();
        // Speculating, the way out is an exit: the interpreter makes the
        // call. No call sequence here (smaller code, quicker compiles),
        // and nothing on the way back that could change what compiled
        // code proved about lists.
        let slow = if self.speculate {
            let callee_entry = match unowned {
                true => (callee, Kind::Borrowed),
                false => (callee, Kind::Boxed),
            };
            let mut operands = vec![callee_entry];
            operands.extend_from_slice(&args);
            self.exit_with_operands(pc, Reason::TypeGuard, &operands)
        } else {
            self.bcx.create_block()
        };
        let call = self.bcx.create_block();
        let checked = self.bcx.create_block();
        let fast = self.bcx.create_block();
        self.bcx.set_cold_block(refill);
        self.bcx.set_cold_block(slow);
        self.bcx.set_cold_block(call);

        // The remembered function, then the recursion limit (the real
        // call would raise `RecursionError` there; let it).
        let site_addr = self.iconst(site as i64);
        let known = self.bcx.ins().load(I64, flags, site_addr, SITE_CALLEE);
        let same = self.bcx.ins().icmp(IntCC::Equal, known, callee);
        self.bcx.ins().brif(same, checked, &[], refill, &[]);

        self.bcx.switch_to_block(checked);
        let vm = self
            .bcx
            .ins()
            .load(I64, flags, self.ctx, abi::ctx_offset::VM);
        let depth = self.bcx.ins().uload32(flags, vm, VM_DEPTH);
        let deep = self.bcx.ins().icmp_imm_s(
            IntCC::UnsignedGreaterThanOrEqual,
            depth,
            i64::from(RECURSION_LIMIT),
        );
        self.bcx.ins().brif(deep, slow, &[], fast, &[]);

        self.bcx.switch_to_block(fast);
        let (r, kind) = match self.pure_fns.get(which).copied().flatten() {
            Some(f) => self.lower_pure_call(f, &args, site_addr, depth, slow),
            None => self.lower_inline_body(which, &args, slow),
        };
        let result = self.bcx.append_block_param(join, Self::var_type(kind));
        if !unowned {
            // The remembered function: a heap object.
            self.decref_heap(callee);
        }
        // The arguments' references (numbers hold none, but a boxed
        // argument the body never read may be anything).
        for a in &args {
            self.release(*a);
        }
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);

        if self.speculate {
            // A callee not remembered yet: remember it if it has the
            // inlined code (dropping the previous one runs no script
            // code, `finalize.rs`), then take the fast path; else exit.
            self.bcx.switch_to_block(refill);
            let same = self.call_ctx(remember_inlined as *const u8, &[callee, site_addr]);
            self.bcx.ins().brif(same, checked, &[], slow, &[]);
            self.bcx.switch_to_block(join);
            self.push(result, kind);
            return;
        }

        // Refilling may drop the site's previous function, hence script
        // code (a finalizer of something it held): own the callee first.
        self.bcx.switch_to_block(refill);
        if unowned {
            self.incref(callee);
        }
        self.call_ctx(remember_inlined as *const u8, &[callee, site_addr]);
        self.bcx.ins().jump(call, &[]);

        self.bcx.switch_to_block(slow);
        if unowned {
            self.incref(callee);
        }
        self.bcx.ins().jump(call, &[]);

        // The real call's result: of the inline body's kind, or the
        // interpreter goes on after the call with it.
        self.bcx.switch_to_block(call);
        let r = self.lower_call(callee, args, slot, CalleeRef::Owned);
        self.check_raised(r, pc);
        let r = match kind {
            Kind::Int | Kind::Float => {
                let mut after = self.stack.clone();
                after.push((r, Kind::Boxed));
                let exit = self.exit_with_stack(pc + 1, Reason::TypeGuard, after);
                match kind {
                    Kind::Int => self.guard_int((r, Kind::Boxed), exit),
                    _ => self.guard_float((r, Kind::Boxed), exit),
                }
            }
            _ => r,
        };
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(join);
        self.push(result, kind);
    }

    /// The next inline site, set up for candidate `which`.
    fn next_inline_site(&mut self, which: usize) -> Option<*const InlineSite> {
        let site = self.take_inline_site()?;
        let candidate = &self.inline[which];
        site.code.set(Arc::as_ptr(&candidate.code) as usize);
        site.own_globals.set(candidate.recursive);
        Some(site as *const InlineSite)
    }

    /// A native call of pure recursive function `f` (`pure.rs`) on `args`
    /// (read, not consumed), at `site` (`site_addr`), with `depth` the
    /// isolate's call depth: its int result, or a branch to `slow`
    /// when an argument is not an int, the site gave up, or the native
    /// code abandoned (which counts).
    fn lower_pure_call(
        &mut self,
        f: FuncRef,
        args: &[(Value, Kind)],
        site_addr: Value,
        depth: Value,
        slow: Block,
    ) -> (Value, Kind) {
        let flags = MemFlagsData::trusted();
        let fails = self.bcx.ins().uload32(flags, site_addr, SITE_FAILS);
        let trying = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::SignedLessThan, fails, MAX_NATIVE_FAILS);
        self.guard(trying, slow);
        let mut call_args: Vec<Value> = args.iter().map(|a| self.guard_int(*a, slow)).collect();
        // The calls the interpreter's recursion limit leaves, with one to
        // spare: the real call decides the borderline case.
        let limit = self.iconst(i64::from(RECURSION_LIMIT) - 2);
        let budget = self.bcx.ins().isub(limit, depth);
        let interrupt = self
            .bcx
            .ins()
            .load(I64, flags, self.ctx, abi::ctx_offset::INTERRUPT);
        call_args.push(budget);
        call_args.push(interrupt);
        self.forget_facts();
        let call = self.bcx.ins().call(f, &call_args);
        let (v, failed) = {
            let r = self.bcx.inst_results(call);
            (r[0], r[1])
        };
        let gave_up = self.bcx.create_block();
        let done = self.bcx.create_block();
        self.bcx.set_cold_block(gave_up);
        self.bcx.ins().brif(failed, gave_up, &[], done, &[]);
        self.bcx.switch_to_block(gave_up);
        let more = self.bcx.ins().iadd_imm_s(fails, 1);
        self.bcx.ins().istore32(flags, more, site_addr, SITE_FAILS);
        self.bcx.ins().jump(slow, &[]);
        self.bcx.switch_to_block(done);
        (v, Kind::Int)
    }

    /// The body of candidate `which` on `args` (read, not consumed): its
    /// result (an unboxed int or float as computed, anything else boxed),
    /// or a branch to `slow` wherever a check fails.
    fn lower_inline_body(
        &mut self,
        which: usize,
        args: &[(Value, Kind)],
        slow: Block,
    ) -> (Value, Kind) {
        let candidates = self.inline;
        let c = &candidates[which];
        let code = &*c.code;
        let mut locals: Vec<Option<(Value, Kind)>> = vec![None; code.varnames.len()];
        for (slot, a) in locals.iter_mut().zip(args) {
            *slot = Some(*a);
        }
        let mut stack: Vec<(Value, Kind)> = Vec::new();
        for instr in body(code).unwrap_or(&[]) {
            match *instr {
                Instr::LoadFast { idx } => {
                    if let Some(e) = locals.get(idx as usize).copied().flatten() {
                        stack.push(e);
                    }
                }
                Instr::StoreFast { idx } => {
                    if let (Some(e), Some(slot)) = (stack.pop(), locals.get_mut(idx as usize)) {
                        *slot = Some(e);
                    }
                }
                Instr::LoadConst { idx } => match code.consts.get(idx as usize) {
                    Some(Constant::Int(i)) => stack.push((self.iconst(*i), Kind::Int)),
                    Some(Constant::Float(f)) => {
                        stack.push((self.bcx.ins().f64const(*f), Kind::Float))
                    }
                    _ => {}
                },
                Instr::Binary { op, slot } | Instr::InPlace { op, slot } => {
                    if let (Some(b), Some(a)) = (stack.pop(), stack.pop()) {
                        let seen = c.feedback.slot(slot);
                        stack.push(self.inline_binary(op, seen, a, b, slow));
                    }
                }
                Instr::Compare { op, slot } => {
                    if let (Some(b), Some(a)) = (stack.pop(), stack.pop()) {
                        let (icc, fcc) = condition_codes(op);
                        let seen = c.feedback.slot(slot);
                        let cond = match compare_plan(true, seen, a.1.plain(), b.1.plain()) {
                            Plan::Int => {
                                let x = self.guard_int(a, slow);
                                let y = self.guard_int(b, slow);
                                self.bcx.ins().icmp(icc, x, y)
                            }
                            _ => {
                                let x = self.guard_float(a, slow);
                                let y = self.guard_float(b, slow);
                                self.bcx.ins().fcmp(fcc, x, y)
                            }
                        };
                        stack.push((cond, Kind::Bool));
                    }
                }
                Instr::Unary { op } => {
                    if let Some((v, k)) = stack.pop() {
                        let r = match (op, k) {
                            (UnaryOp::Neg, Kind::Int) => {
                                let ok = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, v, i64::MIN);
                                self.guard(ok, slow);
                                self.bcx.ins().ineg(v)
                            }
                            (UnaryOp::Neg, _) => self.bcx.ins().fneg(v),
                            _ => self.bcx.ins().bxor_imm_s(v, 1),
                        };
                        stack.push((r, k));
                    }
                }
                _ => {}
            }
        }
        match stack.pop() {
            Some(top @ (_, Kind::Int | Kind::Float)) => top,
            Some(top) => (self.boxed(top), Kind::Boxed),
            None => (self.iconst(abi::NONE_BITS), Kind::Boxed),
        }
    }

    /// One native arithmetic operation of an inlined body, planned as
    /// `plans_natively` planned it.
    fn inline_binary(
        &mut self,
        op: BinOp,
        seen: u8,
        a: (Value, Kind),
        b: (Value, Kind),
        slow: Block,
    ) -> (Value, Kind) {
        match binary_plan(true, op, seen, a.1.plain(), b.1.plain()) {
            Plan::Int => {
                let x = self.guard_int(a, slow);
                let y = self.guard_int(b, slow);
                (self.int_op(op, x, y, slow), Kind::Int)
            }
            _ => {
                let x = self.float_operand(a, seen & 0xF, slow);
                let y = self.float_operand(b, seen >> 4, slow);
                let r = match op {
                    BinOp::Add => self.bcx.ins().fadd(x, y),
                    BinOp::Sub => self.bcx.ins().fsub(x, y),
                    BinOp::Mul => self.bcx.ins().fmul(x, y),
                    _ => {
                        let zero = self.bcx.ins().f64const(0.0);
                        let nz = self.bcx.ins().fcmp(FloatCC::NotEqual, y, zero);
                        self.guard(nz, slow);
                        self.bcx.ins().fdiv(x, y)
                    }
                };
                (r, Kind::Float)
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use kiln_compiler::compile;

    /// The code of function `name` defined at the top of `src`.
    pub(in crate::jit) fn function_code(src: &str, name: &str) -> Arc<CodeObject> {
        let module = compile(src, "t.py").expect("compiles");
        module
            .consts
            .iter()
            .find_map(|c| match c {
                Constant::Code(code) if &*code.name == name => Some(code.clone()),
                _ => None,
            })
            .expect("function present")
    }

    #[test]
    fn pure_leaves_are_recognised() {
        let yes = [
            "def f(i, j):\n    s = i + j\n    return 1.0 / (s * (s + 1) // 2 + i + 1)\n",
            "def f(x):\n    return -x * x\n",
            "def f(a, b):\n    return a < b\n",
        ];
        for src in yes {
            assert!(is_pure_leaf(&function_code(src, "f")), "{src}");
        }
        let no = [
            "def f(x):\n    return g(x)\n",
            "def f(x):\n    return x.y\n",
            "def f(x):\n    if x:\n        return 1\n    return 2\n",
            "def f(*x):\n    return 1\n",
            "def f(x):\n    return 'a'\n",
            "def f(x):\n    yield x\n",
            "def f(x):\n    def g():\n        return x\n    return 1\n",
            "def f(x):\n    try:\n        return x + 1\n    except E:\n        return 0\n",
        ];
        for src in no {
            assert!(!is_pure_leaf(&function_code(src, "f")), "{src}");
        }
    }
}
