//! Direct calls from compiled code to compiled code.
//!
//! Each `Call` and `CallMethod` site in compiled code (a method's receiver
//! is passed as its first argument) has a `CallSite` cache: the last two
//! function objects called there (strong references, so their addresses
//! cannot be reused by other objects while the site remembers them), each
//! with the `EntryCell` of its code. The cell holds the callee's installed entry
//! exactly while `JitState::entry_for` would hand out that entry without
//! side effects (`JitState::publish`), and 0 otherwise. The fast path is
//! then, inline: the callee is one of the remembered objects, its cell is not 0,
//! the recursion limit is not reached and no interrupt is pending; build
//! the callee's `JitCtx` in a stack slot and call the entry with the
//! arguments in registers (`abi::DIRECT_ENTRY`; more than `REG_ARGS` go in
//! a buffer the callee's prologue reads, as a frameless call's arguments).
//! Anything else takes `calls::call_buf_site` (or
//! `call_method_site`), the general call (it raises `RecursionError` or
//! the interrupt, compiles, or interprets), which refills the site.
//!
//! A strong reference keeps the remembered callee alive until the site is
//! refilled or its code freed with the isolate; a function object has no
//! finalizer, so this only delays freeing it. Results and the `RAISED` protocol
//! are those of `jit::call_frameless`, so exits, exceptions and tracebacks
//! do not change.

use std::cell::Cell;
use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, Block, BlockArg, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value,
};

use super::abi::{self, ctx_offset, into_bits, JitCtx, RAISED};
use super::calls;
use super::helpers as h;
use super::lower::{Lowerer, I64};
use super::types::{param_count, Kind};
use crate::error::PyErr;
use crate::feedback::bits as fb;
use crate::object::FunctionObj;
use crate::value::Value as PyValue;
use crate::vm::{Vm, RECURSION_LIMIT};
use kiln_compiler::bytecode::CodeObject;

/// Where direct calls find a code object's compiled entry; one per code
/// object per isolate, at a fixed address for the isolate's life.
#[repr(C)]
#[derive(Default)]
pub struct EntryCell {
    /// The `Entry` to call, or 0: take the slow path.
    pub entry: Cell<usize>,
    /// Direct calls made through this cell (for `--stats`).
    pub calls: Cell<u64>,
    /// `unboxed_signature` of the code behind `entry` (0: none; the
    /// caller then passes boxed arguments with `DIRECT_ENTRY`).
    pub sig: Cell<u64>,
}

/// Bits per parameter in an unboxed signature.
const SIG_BITS: u32 = 2;
const SIG_INT: u64 = 1;
const SIG_FLOAT: u64 = 2;

/// The arguments compiled code with parameter kinds `params` can take
/// unboxed at `DIRECT_UNBOXED`: `SIG_BITS` per parameter, 0 for boxed,
/// `SIG_INT`, `SIG_FLOAT`. 0 when it has no such entry: no parameter is
/// unboxed, or the function takes more than `REG_ARGS` or has cells.
pub(super) fn unboxed_signature(code: &CodeObject, params: &[Kind]) -> u64 {
    let n = code.arg_count as usize;
    if n > abi::REG_ARGS || param_count(code) != n || code.num_cells() > 0 {
        return 0;
    }
    let params = &params[..n.min(params.len())];
    // A parameter of another kind (a condition) has no boxed form here.
    match params
        .iter()
        .all(|k| matches!(k, Kind::Int | Kind::Float | Kind::Boxed))
    {
        true => signature(params.iter().copied()),
        false => 0,
    }
}

/// The signature a call with arguments of kinds `args` would match:
/// unboxed ints and floats as such, anything else boxed.
fn call_signature(args: &[(Value, Kind)]) -> u64 {
    signature(args.iter().map(|a| a.1))
}

/// `SIG_BITS` per kind, in order: `SIG_INT`, `SIG_FLOAT`, else 0.
fn signature(kinds: impl Iterator<Item = Kind>) -> u64 {
    kinds.enumerate().fold(0, |sig, (i, k)| {
        let bits = match k {
            Kind::Int => SIG_INT,
            Kind::Float => SIG_FLOAT,
            _ => 0,
        };
        sig | bits << (SIG_BITS * i as u32)
    })
}

/// One remembered callee of a call site.
#[repr(C)]
#[derive(Default)]
pub struct SiteWay {
    /// The callee's bits (an owned reference), 0 when empty.
    callee: Cell<u64>,
    /// The `FunctionObj` inside that callee.
    func: Cell<usize>,
    /// The `EntryCell` of the callee's code.
    cell: Cell<usize>,
    /// The callee's constants (`JitCtx::consts`), alive while the site
    /// holds the callee.
    consts: Cell<usize>,
}

impl SiteWay {
    fn release(&self) {
        abi::release_cell(&self.callee);
    }

    fn take_from(&self, other: &SiteWay) {
        self.release();
        self.callee.set(other.callee.replace(0));
        self.func.set(other.func.get());
        self.cell.set(other.cell.get());
        self.consts.set(other.consts.get());
    }
}

/// One `Call` or `CallMethod` instruction's cache of its last two callees
/// (a method call site often alternates between two classes' methods).
#[repr(C)]
#[derive(Default)]
pub struct CallSite {
    ways: [SiteWay; 2],
    /// Direct calls through this site now running whose callee compiled
    /// code does not hold a reference to (`CalleeRef::Unowned`): the
    /// site's own reference keeps it alive, so the site is not refilled
    /// (which would drop that reference) until they return.
    active: Cell<u32>,
}

impl CallSite {
    /// Remember `callee` (the function `func`) as this site's first
    /// callee; the previous first becomes the second.
    pub(super) fn remember(&self, vm: &mut Vm, callee: &PyValue, func: &FunctionObj) {
        let [first, second] = &self.ways;
        if first.callee.get() == callee.bits() || self.active.get() > 0 {
            return;
        }
        let cell = vm.jit.entry_cell(&func.code);
        second.take_from(first);
        first.callee.set(into_bits(callee.clone()) as u64);
        first.func.set(func as *const FunctionObj as usize);
        first.cell.set(cell as usize);
        first.consts.set(func.info.consts.as_ptr() as usize);
    }
}

impl Drop for CallSite {
    fn drop(&mut self) {
        for way in &self.ways {
            way.release();
        }
    }
}

const WAY_SIZE: i64 = std::mem::size_of::<SiteWay>() as i64;
const SITE_CALLEE: i32 = offset_of!(SiteWay, callee) as i32;
const SITE_FUNC: i32 = offset_of!(SiteWay, func) as i32;
const SITE_CELL: i32 = offset_of!(SiteWay, cell) as i32;
const SITE_CONSTS: i32 = offset_of!(SiteWay, consts) as i32;
const SITE_ACTIVE: i32 = offset_of!(CallSite, active) as i32;
const CELL_ENTRY: i32 = offset_of!(EntryCell, entry) as i32;
const CELL_CALLS: i32 = offset_of!(EntryCell, calls) as i32;
const CELL_SIG: i32 = offset_of!(EntryCell, sig) as i32;
const VM_DEPTH: i32 = offset_of!(Vm, depth) as i32;

// The ways are laid out one after the other from the site's start.
const _: () = assert!(offset_of!(CallSite, ways) == 0);

/// A direct call that returned `RAISED`: move the callee's error into the
/// caller's context, where the caller's exit finds it.
pub extern "C" fn adopt_err(ctx: *mut JitCtx, callee: *mut JitCtx) -> i64 {
    // SAFETY: compiled code passes its own live context and the callee's
    // context it built in its stack slot, which the call left initialised.
    let (c, k) = unsafe { (&mut *ctx, &mut *callee) };
    let err = k
        .err
        .take()
        .unwrap_or_else(|| Box::new(PyErr::runtime_error("compiled code raised no exception")));
    c.err = Some(err);
    RAISED
}

/// Who keeps a call's callee alive while the call runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum CalleeRef {
    /// Compiled code owns a reference and releases it after the call.
    Owned,
    /// The caller of `lower_call` holds a reference across the call and
    /// releases it itself.
    Held,
    /// Nothing in compiled code holds a reference: the bits were read
    /// from a global's slot and no script code has run since
    /// (`Lowerer::borrowed_callee`). A direct call pins the site, whose
    /// reference then keeps the callee alive (`CallSite::active`); every
    /// other path takes a reference for the call.
    Unowned,
}

impl Lowerer<'_, '_> {
    /// Whether the interpreter called a Python function at the call
    /// site whose feedback is `slot`: only then is a direct-call cache
    /// worth its code (it cannot hold anything else).
    fn saw_python_callee(&self, slot: u16) -> bool {
        self.feedback.slot(slot) & fb::PY_FUNCTION != 0
    }

    /// Whether the interpreter called a built-in at the call site whose
    /// feedback is `slot`: only then are the inline forms of built-ins
    /// (`len`, `list.append`) worth their code.
    pub(super) fn saw_native_callee(&self, slot: u16) -> bool {
        self.feedback.slot(slot) & fb::NATIVE != 0
    }

    /// A `Call` of `callee` with the arguments `args` (stack entries, which
    /// the call consumes); the result bits, or `RAISED` with the error in
    /// the context. `slot` is the site's feedback; `callee_ref` says who
    /// keeps the callee alive.
    pub(super) fn lower_call(
        &mut self,
        callee: Value,
        args: Vec<(Value, Kind)>,
        slot: u16,
        callee_ref: CalleeRef,
    ) -> Value {
        let site = match self.saw_python_callee(slot) {
            true => self.next_call_site(),
            false => None,
        };
        let Some(site) = site else {
            if callee_ref == CalleeRef::Unowned {
                self.incref(callee);
            }
            let args = self.boxed_args(args);
            let (buf, n) = self.store_args(&args);
            let r = self.call_ctx(calls::call_buf as *const u8, &[callee, buf, n]);
            if callee_ref != CalleeRef::Held {
                self.decref(callee);
            }
            return r;
        };
        let slow_path = calls::call_buf_site as *const u8;
        self.lower_site_call(site, slow_path, callee, args, callee_ref)
    }

    /// A `CallMethod` of `func` (borrowed; EMPTY when the receiver is the
    /// callable) with the receiver and the arguments, owned, in `args`;
    /// results as `lower_call`.
    pub(super) fn lower_method_call(&mut self, func: Value, args: Vec<Value>, slot: u16) -> Value {
        let site = match self.saw_python_callee(slot) {
            true => self.next_call_site(),
            false => None,
        };
        let Some(site) = site else {
            let (buf, n) = self.store_args(&args);
            return self.call_ctx(calls::call_method_all as *const u8, &[func, buf, n]);
        };
        let slow_path = calls::call_method_site as *const u8;
        let args = args.into_iter().map(|v| (v, Kind::Boxed)).collect();
        self.lower_site_call(site, slow_path, func, args, CalleeRef::Held)
    }

    /// The direct call through `site`, with `slow_path` (a helper of
    /// `call_buf_site`'s signature) for everything else.
    fn lower_site_call(
        &mut self,
        site: *const CallSite,
        slow_path: *const u8,
        callee: Value,
        args: Vec<(Value, Kind)>,
        callee_ref: CalleeRef,
    ) -> Value {
        let flags = MemFlagsData::trusted();
        // Few arguments go in registers (`DIRECT_ENTRY`, or unboxed with
        // `DIRECT_UNBOXED` where the callee takes them so), boxed only on
        // the path that needs them; more go boxed in a buffer as ever.
        let in_regs = args.len() <= abi::REG_ARGS;
        let buffered = match in_regs {
            true => None,
            false => Some(self.args_buffer(args.clone())),
        };
        let want_sig = match in_regs {
            true => call_signature(&args),
            false => 0,
        };
        let site = self.iconst(site as i64);
        let done = self.bcx.create_block();
        let result = self.bcx.append_block_param(done, I64);
        let slow = self.bcx.create_block();
        let known = self.bcx.create_block();
        let compiled = self.bcx.create_block();
        let go = self.bcx.create_block();
        let raised = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        self.bcx.set_cold_block(raised);

        // Which way holds the callee (the first is checked first: most
        // sites see one callee), or the slow path.
        let way = self.bcx.append_block_param(known, I64);
        let not_first = self.bcx.create_block();
        let first = self.bcx.ins().load(I64, flags, site, SITE_CALLEE);
        let is_first = self.bcx.ins().icmp(IntCC::Equal, first, callee);
        self.bcx
            .ins()
            .brif(is_first, known, &[BlockArg::Value(site)], not_first, &[]);

        self.bcx.switch_to_block(not_first);
        let second_way = self.bcx.ins().iadd_imm_s(site, WAY_SIZE);
        let second = self.bcx.ins().load(I64, flags, second_way, SITE_CALLEE);
        let is_second = self.bcx.ins().icmp(IntCC::Equal, second, callee);
        self.bcx
            .ins()
            .brif(is_second, known, &[BlockArg::Value(second_way)], slow, &[]);

        self.bcx.switch_to_block(known);
        let cell = self.bcx.ins().load(I64, flags, way, SITE_CELL);
        let entry = self.bcx.ins().load(I64, flags, cell, CELL_ENTRY);
        self.bcx.ins().brif(entry, compiled, &[], slow, &[]);

        // The checks every call makes: the recursion limit and the
        // interrupt flag (the slow path raises either).
        self.bcx.switch_to_block(compiled);
        let vm = self.bcx.ins().load(I64, flags, self.ctx, ctx_offset::VM);
        let depth = self.bcx.ins().uload32(flags, vm, VM_DEPTH);
        let deep = self.bcx.ins().icmp_imm_s(
            IntCC::UnsignedGreaterThanOrEqual,
            depth,
            i64::from(RECURSION_LIMIT),
        );
        let flag_ptr = self
            .bcx
            .ins()
            .load(I64, flags, self.ctx, ctx_offset::INTERRUPT);
        let flag = self.bcx.ins().uload8(I64, flags, flag_ptr, 0);
        let interrupted = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, flag, 0);
        let stop = self.bcx.ins().bor(deep, interrupted);
        self.bcx.ins().brif(stop, slow, &[], go, &[]);

        self.bcx.switch_to_block(go);
        let deeper = self.bcx.ins().iadd_imm_s(depth, 1);
        self.bcx.ins().istore32(flags, deeper, vm, VM_DEPTH);
        if self.count_calls {
            let calls = self.bcx.ins().load(I64, flags, cell, CELL_CALLS);
            let calls = self.bcx.ins().iadd_imm_s(calls, 1);
            self.bcx.ins().store(flags, calls, cell, CELL_CALLS);
        }
        let func = self.bcx.ins().load(I64, flags, way, SITE_FUNC);
        let consts = self.bcx.ins().load(I64, flags, way, SITE_CONSTS);
        let callee_ctx = self.callee_ctx(flag_ptr, vm, func, consts, buffered);
        if callee_ref == CalleeRef::Unowned {
            self.add_to_site_active(site, 1);
        }
        let returned = self.bcx.create_block();
        let r = self.bcx.append_block_param(returned, I64);
        if want_sig != 0 {
            // The callee takes these arguments unboxed: pass them so.
            let unboxed = self.bcx.create_block();
            let boxed = self.bcx.create_block();
            let sig = self.bcx.ins().load(I64, flags, cell, CELL_SIG);
            let same = self
                .bcx
                .ins()
                .icmp_imm_s(IntCC::Equal, sig, want_sig as i64);
            self.bcx.ins().brif(same, unboxed, &[], boxed, &[]);
            self.bcx.switch_to_block(unboxed);
            let regs = self.unboxed_args(&args);
            let r = self.direct_call(entry, callee_ctx, abi::DIRECT_UNBOXED, &regs);
            self.bcx.ins().jump(returned, &[BlockArg::Value(r)]);
            self.bcx.switch_to_block(boxed);
        }
        let regs = match in_regs {
            true => self.boxed_args(args.clone()),
            false => Vec::new(),
        };
        let entry_pc = match in_regs {
            true => abi::DIRECT_ENTRY,
            false => 0,
        };
        let r0 = self.direct_call(entry, callee_ctx, entry_pc, &regs);
        self.bcx.ins().jump(returned, &[BlockArg::Value(r0)]);

        self.bcx.switch_to_block(returned);
        // The callee leaves the depth as it found it (every call restores
        // it on the way out), so the caller's value is stored back as is.
        self.bcx.ins().istore32(flags, depth, vm, VM_DEPTH);
        match callee_ref {
            // One of the site's remembered functions: a heap object.
            CalleeRef::Owned => self.decref_heap(callee),
            CalleeRef::Unowned => self.add_to_site_active(site, -1),
            CalleeRef::Held => {}
        }
        let is_raised = self.bcx.ins().icmp_imm_s(IntCC::Equal, r, abi::RAISED);
        self.bcx
            .ins()
            .brif(is_raised, raised, &[], done, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(raised);
        let r = self.call_ctx(adopt_err as *const u8, &[callee_ctx]);
        self.bcx.ins().jump(done, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(slow);
        let (buf, n) = match buffered {
            Some(b) => b,
            None => self.args_buffer(args),
        };
        if callee_ref == CalleeRef::Unowned {
            // No script code has run since the callee was read; from here
            // on it may, so the call holds its own reference.
            self.incref(callee);
        }
        let r = self.call_ctx(slow_path, &[callee, buf, n, site]);
        if callee_ref != CalleeRef::Held {
            self.decref(callee);
        }
        self.bcx.ins().jump(done, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(done);
        result
    }

    /// Call compiled code at `entry` with the context `callee_ctx`,
    /// `entry_pc` and the register arguments `regs`; its result.
    fn direct_call(
        &mut self,
        entry: Value,
        callee_ctx: Value,
        entry_pc: i64,
        regs: &[Value],
    ) -> Value {
        let zero = self.iconst(0);
        let mut call_args = vec![callee_ctx, self.iconst(entry_pc)];
        call_args.extend_from_slice(regs);
        call_args.resize(2 + abi::REG_ARGS, zero);
        let sig = self.sig(2 + abi::REG_ARGS, true);
        self.forget_facts();
        let call = self.bcx.ins().call_indirect(sig, entry, &call_args);
        self.bcx.inst_results(call)[0]
    }

    /// Arguments as `DIRECT_UNBOXED` passes them (`call_signature`):
    /// ints as they are, floats as their bits, anything else boxed.
    fn unboxed_args(&mut self, args: &[(Value, Kind)]) -> Vec<Value> {
        args.iter()
            .map(|&(v, k)| match k {
                Kind::Int => v,
                Kind::Float => self.bcx.ins().bitcast(I64, MemFlagsData::new(), v),
                _ => self.boxed((v, k)),
            })
            .collect()
    }

    /// `site.active += delta` (see `CallSite::active`).
    fn add_to_site_active(&mut self, site: Value, delta: i64) {
        let flags = MemFlagsData::trusted();
        let n = self.bcx.ins().load(types::I32, flags, site, SITE_ACTIVE);
        let n = self.bcx.ins().iadd_imm_s(n, delta);
        self.bcx.ins().store(flags, n, site, SITE_ACTIVE);
    }

    /// The callee's context of a direct call, in this function's one
    /// context slot (calls made here never overlap): a frameless call of
    /// `func`, with `n` arguments at `buf` when `buffered` is (buf, n).
    fn callee_ctx(
        &mut self,
        interrupt: Value,
        vm: Value,
        func: Value,
        consts: Value,
        buffered: Option<(Value, Value)>,
    ) -> Value {
        let slot = match self.callee_ctx_slot {
            Some(s) => s,
            None => {
                let s = self.bcx.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    ctx_offset::SIZE,
                    3,
                ));
                self.callee_ctx_slot = Some(s);
                s
            }
        };
        let flags = MemFlagsData::trusted();
        let at = self.bcx.ins().stack_addr(I64, slot, 0);
        let zero = self.iconst(0);
        let none = self.iconst(abi::NONE_BITS);
        let ins = |l: &mut Self, v: Value, off: i32| {
            l.bcx.ins().store(flags, v, at, off);
        };
        ins(self, interrupt, ctx_offset::INTERRUPT);
        ins(self, vm, ctx_offset::VM);
        ins(self, zero, ctx_offset::FRAME);
        ins(self, func, ctx_offset::FUNC);
        if let Some((buf, n)) = buffered {
            ins(self, buf, ctx_offset::CALL_ARGS);
            ins(self, n, ctx_offset::CALL_NARGS);
        }
        ins(self, zero, ctx_offset::ERR);
        ins(self, none, ctx_offset::AUX);
        ins(self, consts, ctx_offset::CONSTS);
        // Not stored: `entry_stack` (read only by an OSR entry, never by a
        // call), `exit_pc` and `exit_reason` (written by the exit that
        // reads them), and for arguments in registers `call_args` and
        // `call_nargs` (the callee's prologue sets them if it needs them).
        // They are plain integers and pointers, valid with any bits.
        at
    }
}

impl Lowerer<'_, '_> {
    /// The function's `nl` locals at entry, as owned bits, and (when
    /// `want_globals`) the activation's globals. A frameless call with
    /// exactly the positional parameters (every direct call) reads its
    /// arguments straight from the caller's buffer and its globals from
    /// the function; an entry from a frame (or anything unusual) moves
    /// the locals with `take_locals`.
    pub(super) fn entry_locals(
        &mut self,
        nl: usize,
        want_globals: bool,
        entry_pc: Value,
        regs: &[Value],
    ) -> Entered {
        if nl == 0 {
            let globals = want_globals.then(|| self.globals_prologue());
            return (Vec::new(), globals);
        }
        let flags = MemFlagsData::trusted();
        let argc = (self.code.arg_count as usize).min(nl);
        let join = self.bcx.create_block();
        let raw: Vec<Value> = (0..nl)
            .map(|_| self.bcx.append_block_param(join, I64))
            .collect();
        let globals = want_globals.then(|| self.bcx.append_block_param(join, I64));
        let frameless = self.bcx.create_block();
        let direct = self.bcx.create_block();
        let helper = self.bcx.create_block();
        if argc <= abi::REG_ARGS {
            self.entry_from_registers(entry_pc, &regs[..argc], nl, join, helper, globals.is_some());
        }
        let frame = self.bcx.ins().load(I64, flags, self.ctx, ctx_offset::FRAME);
        self.bcx.ins().brif(frame, helper, &[], frameless, &[]);

        // A closure's free-variable cells come from the function: the
        // helper fills them.
        self.bcx.switch_to_block(frameless);
        if self.code.has_eager_cells() {
            self.bcx.ins().jump(helper, &[]);
            self.bcx.switch_to_block(direct);
            self.bcx.ins().jump(helper, &[]);
            return self.entry_locals_from_helper(helper, join, raw, globals);
        }
        let nargs = self
            .bcx
            .ins()
            .load(I64, flags, self.ctx, ctx_offset::CALL_NARGS);
        let exact = self.bcx.ins().icmp_imm_s(IntCC::Equal, nargs, argc as i64);
        self.bcx.ins().brif(exact, direct, &[], helper, &[]);

        self.bcx.switch_to_block(direct);
        let args = self
            .bcx
            .ins()
            .load(I64, flags, self.ctx, ctx_offset::CALL_ARGS);
        let mut vals = Vec::with_capacity(nl + 1);
        for i in 0..argc {
            let v = self.bcx.ins().load(I64, flags, args, (i * 8) as i32);
            vals.push(BlockArg::Value(v));
        }
        let empty = self.iconst(abi::EMPTY_BITS);
        vals.resize(nl, BlockArg::Value(empty));
        if globals.is_some() {
            let g = self.frameless_globals();
            vals.push(BlockArg::Value(g));
        }
        // The arguments are ours now (as `take_locals` records).
        let zero = self.iconst(0);
        self.bcx
            .ins()
            .store(flags, zero, self.ctx, ctx_offset::CALL_NARGS);
        self.bcx.ins().jump(join, &vals);

        self.entry_locals_from_helper(helper, join, raw, globals)
    }

    /// A direct call's arguments (`DIRECT_ENTRY`) are `args` themselves: on
    /// to `join` with them (or, for a closure, which needs its cells, to
    /// `helper` with them in a buffer as a frameless call's arguments);
    /// any other entry goes on in a new block.
    fn entry_from_registers(
        &mut self,
        entry_pc: Value,
        args: &[Value],
        nl: usize,
        join: Block,
        helper: Block,
        want_globals: bool,
    ) {
        let flags = MemFlagsData::trusted();
        let (by_regs, other) = self.branch_on_entry(entry_pc, abi::DIRECT_ENTRY);
        self.bcx.switch_to_block(by_regs);
        if self.code.has_eager_cells() {
            let slot = self.bcx.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                (args.len().max(1) * 8) as u32,
                3,
            ));
            let buf = self.bcx.ins().stack_addr(I64, slot, 0);
            for (i, &a) in args.iter().enumerate() {
                self.bcx.ins().store(flags, a, buf, (i * 8) as i32);
            }
            let n = self.iconst(args.len() as i64);
            self.bcx
                .ins()
                .store(flags, buf, self.ctx, ctx_offset::CALL_ARGS);
            self.bcx
                .ins()
                .store(flags, n, self.ctx, ctx_offset::CALL_NARGS);
            self.bcx.ins().jump(helper, &[]);
        } else {
            let mut vals: Vec<BlockArg> = args.iter().map(|&a| BlockArg::Value(a)).collect();
            let empty = self.iconst(abi::EMPTY_BITS);
            vals.resize(nl, BlockArg::Value(empty));
            if want_globals {
                let g = self.frameless_globals();
                vals.push(BlockArg::Value(g));
            }
            self.bcx.ins().jump(join, &vals);
        }
        self.bcx.switch_to_block(other);
    }

    /// The `helper` block of `entry_locals`: `take_locals` moves the
    /// locals into a stack buffer, then on to `join` (whose parameters
    /// `raw` and `globals` are returned).
    fn entry_locals_from_helper(
        &mut self,
        helper: Block,
        join: Block,
        raw: Vec<Value>,
        globals: Option<Value>,
    ) -> Entered {
        let nl = raw.len();
        let flags = MemFlagsData::trusted();
        self.bcx.switch_to_block(helper);
        let slot = self.bcx.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (nl * 8) as u32,
            3,
        ));
        let buf = self.bcx.ins().stack_addr(I64, slot, 0);
        let n = self.iconst(nl as i64);
        self.call(h::take_locals as *const u8, &[self.ctx, buf, n], false);
        let mut vals: Vec<BlockArg> = (0..nl)
            .map(|i| BlockArg::Value(self.bcx.ins().load(I64, flags, buf, (i * 8) as i32)))
            .collect();
        if globals.is_some() {
            let g = self.globals_prologue();
            vals.push(BlockArg::Value(g));
        }
        self.bcx.ins().jump(join, &vals);

        self.bcx.switch_to_block(join);
        (raw, globals)
    }
}

impl Lowerer<'_, '_> {
    /// When the function has an unboxed entry (`unboxed_signature`): a
    /// branch to a new block on `DIRECT_UNBOXED`, returned for
    /// `lower_unboxed_entry`; the code goes on for the other entries.
    pub(super) fn unboxed_entry_test(&mut self, entry_pc: Value) -> Option<Block> {
        if unboxed_signature(self.code, &self.types.locals) == 0 {
            return None;
        }
        let (unboxed, other) = self.branch_on_entry(entry_pc, abi::DIRECT_UNBOXED);
        self.bcx.switch_to_block(other);
        Some(unboxed)
    }

    /// Branch on `entry_pc == which`: the new blocks (taken, other).
    fn branch_on_entry(&mut self, entry_pc: Value, which: i64) -> (Block, Block) {
        let taken = self.bcx.create_block();
        let other = self.bcx.create_block();
        let is = self.bcx.ins().icmp_imm_s(IntCC::Equal, entry_pc, which);
        self.bcx.ins().brif(is, taken, &[], other, &[]);
        (taken, other)
    }

    /// The `DIRECT_UNBOXED` entry in `block`: the parameters are `regs` as
    /// the signature says (no checks, nothing to unbox), the other locals
    /// start unbound, the globals are the function's; then offset 0.
    pub(super) fn lower_unboxed_entry(&mut self, block: Block, regs: &[Value]) {
        self.bcx.switch_to_block(block);
        if let Some(var) = self.globals {
            let g = self.frameless_globals();
            self.bcx.def_var(var, g);
        }
        let params = self.code.arg_count as usize;
        for i in 0..self.local_count() {
            let k = self.types.locals[i];
            let v = match (regs.get(i).filter(|_| i < params), k) {
                (Some(&r), Kind::Float) => {
                    self.bcx.ins().bitcast(types::F64, MemFlagsData::new(), r)
                }
                (Some(&r), _) => r,
                (None, Kind::Boxed) => self.iconst(abi::EMPTY_BITS),
                (None, k) => self.zero_of(k),
            };
            self.def_local(i, v);
        }
        self.jump_to(0, &[]);
    }
}

/// What `entry_locals` finds: the locals' raw bits and the globals.
pub(super) type Entered = (Vec<Value>, Option<Value>);

#[cfg(test)]
mod tests {
    use crate::isolate::{Isolate, Options, RunError};
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    /// A deadline must end a script that only recurses (no loop, so no
    /// back-edge check): direct calls test the interrupt flag inline.
    #[test]
    fn interrupt_ends_pure_recursion_in_direct_calls() {
        let mut isolate = Isolate::new(Options {
            jit: true,
            jit_threshold: Some(2),
            jit_sync: true,
            ..Options::default()
        });
        isolate.set_stdout(Box::new(std::io::sink()));
        let flag = isolate.interrupt_handle();
        let started = Instant::now();
        let setter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            flag.store(true, Ordering::Relaxed);
        });
        let source = "def fib(n):\n    if n < 2:\n        return n\n    \
                      return fib(n - 1) + fib(n - 2)\n\nprint(fib(60))\n";
        let r = isolate.run_source(source, "spin.py");
        let _ = setter.join();
        match r {
            Err(RunError::Uncaught { traceback, .. }) => {
                assert!(traceback.contains("deadline"), "{traceback}");
                assert!(traceback.contains("line 4, in fib"), "{traceback}");
            }
            other => panic!("not interrupted: {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    /// A callee compiled code called without a reference of its own
    /// (`CalleeRef::Unowned`) stays alive while it runs even when every
    /// other reference goes: the global is rebound and the call site
    /// sees two other functions before the call returns into code that
    /// then exits (the `KeyError` raised at the bottom), which needs the
    /// callee's function to rebuild its frame.
    #[test]
    fn unowned_callee_outlives_its_global_and_its_site() {
        let mut isolate = Isolate::new(Options {
            jit: true,
            jit_threshold: Some(2),
            jit_sync: true,
            ..Options::default()
        });
        let out = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        isolate.set_stdout(Box::new(SharedSink(out.clone())));
        let source = "def make():\n    def walk(n, last):\n        global target\n        \
                      if n == 0:\n            if last:\n                \
                      return {}[n]\n            return 0\n        \
                      if last and n < 3:\n            target = make()\n        \
                      return target(n - 1, last) + 1\n    return walk\n\n\
                      entry = make()\ntarget = make()\n\ndef drive(rounds):\n    \
                      total = 0\n    for i in range(rounds):\n        try:\n            \
                      total += entry(4, i == rounds - 1)\n        except KeyError as e:\n            \
                      print(e, total)\n\ndrive(300)\n";
        let r = isolate.run_source(source, "rebind.py");
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(String::from_utf8_lossy(&out.borrow()), "0 1196\n");
    }

    struct SharedSink(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl std::io::Write for SharedSink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn context_offsets_match_the_struct() {
        use super::ctx_offset;
        assert_eq!(ctx_offset::INTERRUPT, 0);
        assert!(ctx_offset::AUX as u32 + 8 <= ctx_offset::SIZE);
        assert_eq!(std::mem::size_of::<Option<Box<crate::error::PyErr>>>(), 8);
    }
}
