//! Bytecode + feedback → Cranelift IR for one function: entries, control
//! flow, locals, calls and exits. Arithmetic, guards and boxing are in
//! `arith.rs`; the representation of every value is decided by `types.rs`.
//!
//! The value stack is interpreted abstractly into SSA values, each with a
//! `Kind`: boxed values are the raw bits of a `Value` that compiled code
//! owns (one reference, exactly like the interpreter's stack); ints,
//! floats and conditions may be unboxed. A boxed local's value is pushed
//! `Borrowed` (the local keeps the reference): read-only consumers use it
//! in place, `pop` takes a reference for the rest, and a store to a boxed
//! local first makes every borrowed entry owned. Locals live in Cranelift
//! variables of their kind. Values are boxed when they reach a helper, a block edge or
//! an exit (a native range loop's iterator stays a placeholder across
//! block edges and is built only at an exit: `range_loop.rs`). An exit writes locals and stack back into the frame and the
//! interpreter resumes at that offset (raising there if a helper raised;
//! re-executing the instruction after a failed guard) — see `deopt.rs`.
//!
//! The signature of every compiled function is
//! `extern "C" fn(ctx: *mut JitCtx, entry_pc: i64, a0..a3: i64) -> i64`:
//! entry 0 is a call, a loop header is an OSR entry, `DIRECT_ENTRY` a
//! direct call with its arguments boxed in `a0..a3`, `DIRECT_UNBOXED` one
//! with them as the callee's signature says (`direct.rs`). It returns
//! the result bits, or `RAISED` after an exit.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, FuncRef, InstBuilder, MemFlagsData, SigRef, Signature,
    StackSlot, StackSlotData, StackSlotKind, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, Variable};
use kiln_compiler::bytecode::{CodeObject, Constant, Instr};

use super::abi::{self, JitCtx};
use super::analyze::Analysis;
use super::backend::SiteCells;
use super::calls;
use super::cells;
use super::deopt::Reason;
use super::direct::{CallSite, CalleeRef};
use super::globals::SlotCell;
use super::helpers as h;
use super::inline::{InlineCandidate, InlineSite};
use super::inst_attrs::{InstAttrCell, MethodCell};
use super::layout;
use super::natives;
use super::range_loop::{RangeLoops, RangeVars};
use super::types::{param_count, Kind, Types};
use crate::feedback::Feedback;
use crate::value::{SMALL_INT_MAX, SMALL_INT_MIN};

pub(super) const I64: types::Type = types::I64;

/// Displays (`[...]`, `{...}`, f-strings) with more items than this are
/// staged one by one rather than passed in a stack buffer.
const MAX_BUFFERED_ITEMS: usize = 64;

/// A deferred exit block: its body is emitted at the end, when SSA
/// construction can find every local's value.
pub(super) struct ExitSite {
    block: Block,
    pc: usize,
    /// `None`: the block's one parameter is the reason (an exit shared by
    /// checks that fail for different reasons).
    reason: Option<Reason>,
    stack: Vec<(Value, Kind)>,
    /// OSR entry refusals write back the raw (still boxed) locals.
    raw_locals: Option<Vec<Value>>,
}

pub struct Lowerer<'a, 'b> {
    pub bcx: FunctionBuilder<'b>,
    pub(super) code: &'a CodeObject,
    pub(super) feedback: &'a Feedback,
    pub(super) analysis: &'a Analysis,
    pub(super) types: &'a Types,
    pub(super) ranges: &'a RangeLoops,
    /// Per native range loop: its state (`range_loop.rs`).
    pub(super) range_vars: Vec<RangeVars>,
    pub(super) speculate: bool,
    call_conv: CallConv,
    pub(super) ctx: Value,
    /// Names of the `LoadMethod`s whose `CallMethod` is still to come.
    method_names: Vec<u32>,
    locals: Vec<Variable>,
    pub(super) blocks: HashMap<usize, Block>,
    sigs: HashMap<(usize, bool), SigRef>,
    pub(super) stack: Vec<(Value, Kind)>,
    exits: Vec<ExitSite>,
    /// One cache cell per `LoadGlobal`, in instruction order.
    global_cache: &'a [SlotCell],
    global_sites: usize,
    /// One cell per attribute read of a global (`backend::is_global_attr`).
    global_attr_cache: &'a [SlotCell],
    global_attr_sites: usize,
    /// One cell per instance attribute site, in lowering order.
    inst_attr_cache: &'a [InstAttrCell],
    inst_attr_sites: usize,
    /// One cell per other `LoadMethod`, in lowering order.
    method_cache: &'a [MethodCell],
    method_sites: usize,
    /// One direct-call cache per `Call` and `CallMethod`, in lowering order.
    call_sites: &'a [CallSite],
    call_sites_used: usize,
    /// The stack slot direct calls build their callee's context in.
    pub(super) callee_ctx_slot: Option<StackSlot>,
    /// The activation's globals dict (borrowed bits), when some
    /// `LoadGlobal` reads it inline (`globals.rs`): a variable, as each
    /// entry finds it its own way.
    pub(super) globals: Option<Variable>,
    /// The global name each `LoadGlobal` result was read from, so that a
    /// `Call` can tell which global it calls (`inline.rs`).
    pub(super) global_origin: HashMap<Value, u32>,
    /// The local each `LoadFast` result was read from (`Borrowed`
    /// entries), so a subscript can find what is known of it.
    pub(super) local_origin: HashMap<Value, Variable>,
    /// What the code being lowered has proven about values held in
    /// locals (`facts.rs`).
    pub(super) facts: super::facts::Facts,
    /// For each bytecode block, how many edges into it have been lowered
    /// and what all of them proved.
    pub(super) edge_facts: HashMap<usize, (usize, super::facts::Facts)>,
    /// A `LoadGlobal` result on the stack as `Borrowed` from the global's
    /// slot, no reference taken, because only a call consumes it and
    /// nothing before that call can run script code (which could rebind
    /// the global and drop the value): see `callee_of_a_plain_call`.
    /// Any other instruction first takes a reference (`own_borrowed`).
    pub(super) borrowed_callee: Option<Value>,
    /// Pure-leaf functions this code may inline (`inline.rs`).
    pub(super) inline: &'a [InlineCandidate],
    /// For each of `inline`, the native function of a pure recursive one
    /// (`pure.rs`), declared in this function.
    pub(super) pure_fns: Vec<Option<FuncRef>>,
    inline_sites: &'a [InlineSite],
    pub(super) inline_sites_used: usize,
    /// Whether direct calls count calls for `--stats`.
    pub(super) count_calls: bool,
    /// `LoadGlobal` names that were globals when the compile was asked
    /// for (`globals::names_bound_in`).
    pub(super) global_names: &'a [u32],
}

impl<'a, 'b> Lowerer<'a, 'b> {
    pub fn new(
        bcx: FunctionBuilder<'b>,
        code: &'a CodeObject,
        parts: Parts<'a>,
        call_conv: CallConv,
    ) -> Self {
        let (feedback, analysis, types, ranges, cells) = parts;
        let dummy = Value::from_u32(0);
        Lowerer {
            bcx,
            code,
            feedback,
            analysis,
            types,
            ranges,
            range_vars: Vec::new(),
            speculate: types.speculate,
            call_conv,
            ctx: dummy,
            method_names: Vec::new(),
            locals: Vec::new(),
            blocks: HashMap::new(),
            sigs: HashMap::new(),
            stack: Vec::new(),
            exits: Vec::new(),
            global_cache: &cells.globals,
            global_sites: 0,
            global_attr_cache: &cells.global_attrs,
            global_attr_sites: 0,
            inst_attr_cache: &cells.inst_attrs,
            inst_attr_sites: 0,
            method_cache: &cells.methods,
            method_sites: 0,
            call_sites: &cells.calls,
            call_sites_used: 0,
            callee_ctx_slot: None,
            globals: None,
            global_origin: HashMap::new(),
            local_origin: HashMap::new(),
            facts: Default::default(),
            edge_facts: HashMap::new(),
            borrowed_callee: None,
            inline: &[],
            pure_fns: Vec::new(),
            inline_sites: &cells.inlines,
            inline_sites_used: 0,
            count_calls: false,
            global_names: &[],
        }
    }

    /// Let calls of the globals in `candidates` be inlined, or call
    /// natively the pure recursive ones whose functions are `pure_fns`.
    pub fn with_inline(
        mut self,
        candidates: &'a [InlineCandidate],
        pure_fns: Vec<Option<FuncRef>>,
    ) -> Self {
        self.inline = candidates;
        self.pure_fns = pure_fns;
        self
    }

    /// The names that were globals when the compile was asked for.
    pub fn with_global_names(mut self, names: &'a [u32]) -> Self {
        self.global_names = names;
        self
    }

    /// Make direct calls count calls (for `--stats`).
    pub fn counting_calls(mut self, on: bool) -> Self {
        self.count_calls = on;
        self
    }

    /// The next inline site (`inline.rs`), if one is left.
    pub(super) fn take_inline_site(&mut self) -> Option<&'a InlineSite> {
        let site = self.inline_sites.get(self.inline_sites_used)?;
        self.inline_sites_used += 1;
        Some(site)
    }

    /// The next attribute-of-a-global cell, when `pc` is such a site.
    fn global_attr_cell(&self, pc: usize) -> Option<*const SlotCell> {
        if !super::backend::is_global_attr(self.code, pc) {
            return None;
        }
        let cell = self.global_attr_cache.get(self.global_attr_sites)?;
        Some(cell as *const SlotCell)
    }

    /// The next instance attribute cell (null if none is left: the
    /// lowering then calls helpers only).
    fn next_inst_attr_cell(&mut self) -> *const InstAttrCell {
        let cell = self.inst_attr_cache.get(self.inst_attr_sites);
        self.inst_attr_sites += 1;
        cell.map_or(std::ptr::null(), |c| c as *const InstAttrCell)
    }

    /// The address of the next `Call`'s cache, if one is left.
    pub(super) fn next_call_site(&mut self) -> Option<*const CallSite> {
        let site = self.call_sites.get(self.call_sites_used)?;
        self.call_sites_used += 1;
        Some(site as *const CallSite)
    }

    pub(super) fn call_conv(&self) -> CallConv {
        self.call_conv
    }

    pub(super) fn iconst(&mut self, v: i64) -> Value {
        self.bcx.ins().iconst(I64, v)
    }

    /// Call a helper by address (an `extern "C"` fn of `n` i64 params).
    pub(super) fn call(&mut self, f: *const u8, args: &[Value], ret: bool) -> Option<Value> {
        if !runs_no_script_code(f) {
            self.forget_facts();
        }
        let sig = self.sig(args.len(), ret);
        let callee = self.iconst(f as i64);
        let inst = self.bcx.ins().call_indirect(sig, callee, args);
        self.bcx.inst_results(inst).first().copied()
    }

    /// The signature of `n` i64 params and an optional i64 result.
    pub(super) fn sig(&mut self, n: usize, ret: bool) -> SigRef {
        if let Some(s) = self.sigs.get(&(n, ret)) {
            return *s;
        }
        let mut sig = Signature::new(self.call_conv);
        sig.params.extend((0..n).map(|_| AbiParam::new(I64)));
        if ret {
            sig.returns.push(AbiParam::new(I64));
        }
        let s = self.bcx.import_signature(sig);
        self.sigs.insert((n, ret), s);
        s
    }

    pub(super) fn call_ctx(&mut self, f: *const u8, rest: &[Value]) -> Value {
        let mut args = vec![self.ctx];
        args.extend_from_slice(rest);
        self.call(f, &args, true).unwrap_or(self.ctx)
    }

    pub(super) fn tag16(&mut self, v: Value) -> Value {
        self.bcx.ins().ushr_imm_s(v, 48)
    }

    /// Whether `v` (boxed bits) is the value the VM keeps at byte
    /// `vm_offset` (a built-in it names, such as `Vm::len_bits`).
    pub(super) fn is_vm_value(&mut self, v: Value, vm_offset: i32) -> Value {
        let flags = MemFlagsData::trusted();
        let vm = self
            .bcx
            .ins()
            .load(I64, flags, self.ctx, abi::ctx_offset::VM);
        let known = self.bcx.ins().load(I64, flags, vm, vm_offset);
        self.bcx.ins().icmp(IntCC::Equal, v, known)
    }

    /// The heap object behind `v` (boxed bits) and its kind byte,
    /// continuing in a new block; a branch to `miss` when `v` is not a
    /// heap pointer.
    pub(super) fn heap_object(&mut self, v: Value, miss: Block) -> (Value, Value) {
        let t = self.tag16(v);
        let is_ptr = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::PTR_HI);
        let heap = self.bcx.create_block();
        self.bcx.ins().brif(is_ptr, heap, &[], miss, &[]);
        self.bcx.switch_to_block(heap);
        let p = self.bcx.ins().band_imm_s(v, abi::PAYLOAD_MASK);
        let kind = self
            .bcx
            .ins()
            .uload8(I64, MemFlagsData::trusted(), p, layout::KIND);
        (p, kind)
    }

    /// The heap object behind `v` when it is of kind `want`, continuing
    /// in a new block; else a branch to `miss`.
    pub(super) fn heap_object_of(&mut self, v: Value, want: u8, miss: Block) -> Value {
        let (p, kind) = self.heap_object(v, miss);
        let ok = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::Equal, kind, i64::from(want));
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(ok, cont, &[], miss, &[]);
        self.bcx.switch_to_block(cont);
        p
    }

    /// Take a reference: inline, as `Value::clone` does (heap pointers
    /// only).
    pub(super) fn incref(&mut self, v: Value) {
        let t = self.tag16(v);
        let is_ptr = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::PTR_HI);
        let heap = self.bcx.create_block();
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(is_ptr, heap, &[], cont, &[]);
        self.bcx.switch_to_block(heap);
        let flags = MemFlagsData::trusted();
        let p = self.bcx.ins().band_imm_s(v, abi::PAYLOAD_MASK);
        let rc = self.bcx.ins().load(types::I32, flags, p, layout::REFCOUNT);
        let rc = self.bcx.ins().iadd_imm_s(rc, 1);
        self.bcx.ins().store(flags, rc, p, layout::REFCOUNT);
        self.bcx.ins().jump(cont, &[]);
        self.bcx.switch_to_block(cont);
    }

    /// Release a reference: inline, unless it is the last one (then the
    /// `decref` helper frees the object).
    pub(super) fn decref(&mut self, v: Value) {
        let t = self.tag16(v);
        let is_ptr = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::PTR_HI);
        let heap = self.bcx.create_block();
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(is_ptr, heap, &[], cont, &[]);
        self.bcx.switch_to_block(heap);
        self.decref_heap(v);
        self.bcx.ins().jump(cont, &[]);
        self.bcx.switch_to_block(cont);
    }

    /// Release a reference known to be to a heap object (no tag test).
    pub(super) fn decref_heap(&mut self, v: Value) {
        let fewer = self.bcx.create_block();
        let last = self.bcx.create_block();
        let cont = self.bcx.create_block();
        self.bcx.set_cold_block(last);
        let flags = MemFlagsData::trusted();
        let p = self.bcx.ins().band_imm_s(v, abi::PAYLOAD_MASK);
        let rc = self.bcx.ins().load(types::I32, flags, p, layout::REFCOUNT);
        let is_last = self.bcx.ins().icmp_imm_s(IntCC::Equal, rc, 1);
        self.bcx.ins().brif(is_last, last, &[], fewer, &[]);
        self.bcx.switch_to_block(fewer);
        let rc = self.bcx.ins().iadd_imm_s(rc, -1);
        self.bcx.ins().store(flags, rc, p, layout::REFCOUNT);
        self.bcx.ins().jump(cont, &[]);
        self.bcx.switch_to_block(last);
        self.call(h::decref as *const u8, &[v], false);
        self.bcx.ins().jump(cont, &[]);
        self.bcx.switch_to_block(cont);
    }

    /// Drop a stack entry: only boxed values own a reference (a borrowed
    /// one is the local's).
    pub(super) fn release(&mut self, (v, k): (Value, Kind)) {
        if k == Kind::Boxed {
            self.decref(v);
        }
    }

    /// A cold exit block that rebuilds the interpreter frame at `pc` with
    /// the current stack.
    pub(super) fn emit_exit_block(&mut self, pc: usize, reason: Reason) -> Block {
        let stack = self.stack.clone();
        self.exit_with_stack(pc, reason, stack)
    }

    pub(super) fn exit_with_stack(
        &mut self,
        pc: usize,
        reason: Reason,
        stack: Vec<(Value, Kind)>,
    ) -> Block {
        self.exit_site(pc, Some(reason), stack)
    }

    /// An exit at `pc` with the operands back on the stack, so the
    /// interpreter re-executes the instruction.
    pub(super) fn exit_with_operands(
        &mut self,
        pc: usize,
        reason: Reason,
        ops: &[(Value, Kind)],
    ) -> Block {
        self.operand_exit(pc, Some(reason), ops)
    }

    /// `exit_with_operands` whose reason is its block's parameter, for
    /// checks that share one exit.
    pub(super) fn exit_with_operands_any_reason(
        &mut self,
        pc: usize,
        ops: &[(Value, Kind)],
    ) -> Block {
        self.operand_exit(pc, None, ops)
    }

    fn operand_exit(&mut self, pc: usize, reason: Option<Reason>, ops: &[(Value, Kind)]) -> Block {
        let mut stack = self.stack.clone();
        stack.extend_from_slice(ops);
        self.exit_site(pc, reason, stack)
    }

    /// A cold exit block, recorded for `emit_exits`; with no `reason`, it
    /// takes the reason as its parameter.
    fn exit_site(&mut self, pc: usize, reason: Option<Reason>, stack: Vec<(Value, Kind)>) -> Block {
        let block = self.bcx.create_block();
        self.bcx.set_cold_block(block);
        if reason.is_none() {
            self.bcx.append_block_param(block, I64);
        }
        self.exits.push(ExitSite {
            block,
            pc,
            reason,
            stack,
            raw_locals: None,
        });
        block
    }

    /// Emit every exit. Each site stores its own stack values, then jumps
    /// to one shared tail that boxes and stores the locals and calls
    /// `exit_with`: per-site code stays small, which keeps compiles fast.
    fn emit_exits(&mut self) {
        let exits = std::mem::take(&mut self.exits);
        if exits.is_empty() {
            return;
        }
        let nl = self.locals.len();
        let most = exits.iter().map(|e| e.stack.len()).max().unwrap_or(0);
        let size = ((nl + most).max(1) * 8) as u32;
        let slot = self.bcx.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            3,
        ));
        let flags = MemFlagsData::trusted();
        let tail = self.bcx.create_block();
        self.bcx.set_cold_block(tail);
        let tail_pc = self.bcx.append_block_param(tail, I64);
        let tail_reason = self.bcx.append_block_param(tail, I64);
        let tail_ns = self.bcx.append_block_param(tail, I64);
        for site in exits {
            self.bcx.switch_to_block(site.block);
            let buf = self.bcx.ins().stack_addr(I64, slot, 0);
            let ns = site.stack.len();
            for (k, entry) in site.stack.into_iter().enumerate() {
                let v = self.boxed(entry);
                self.bcx.ins().store(flags, v, buf, ((nl + k) * 8) as i32);
            }
            let pc = self.iconst(site.pc as i64);
            let reason = match site.reason {
                Some(r) => self.iconst(r as i64),
                None => self.bcx.block_params(site.block)[0],
            };
            let nsv = self.iconst(ns as i64);
            match site.raw_locals {
                Some(raw) => {
                    for (i, v) in raw.into_iter().enumerate() {
                        self.bcx.ins().store(flags, v, buf, (i * 8) as i32);
                    }
                    let nlv = self.iconst(nl as i64);
                    let r = self.call_ctx(h::exit_with as *const u8, &[buf, nlv, nsv, pc, reason]);
                    self.bcx.ins().return_(&[r]);
                }
                None => {
                    let args = [
                        BlockArg::Value(pc),
                        BlockArg::Value(reason),
                        BlockArg::Value(nsv),
                    ];
                    self.bcx.ins().jump(tail, &args);
                }
            }
        }
        self.bcx.switch_to_block(tail);
        let buf = self.bcx.ins().stack_addr(I64, slot, 0);
        for i in 0..nl {
            let v = self.bcx.use_var(self.locals[i]);
            let k = self.types.locals[i];
            let v = self.boxed((v, k));
            self.bcx.ins().store(flags, v, buf, (i * 8) as i32);
        }
        let nlv = self.iconst(nl as i64);
        let r = self.call_ctx(
            h::exit_with as *const u8,
            &[buf, nlv, tail_ns, tail_pc, tail_reason],
        );
        self.bcx.ins().return_(&[r]);
    }

    /// Branch to an exit when `r == RAISED`; continue in a fresh block.
    pub(super) fn check_raised(&mut self, r: Value, pc: usize) {
        let is = self.bcx.ins().icmp_imm_s(IntCC::Equal, r, abi::RAISED);
        let exit = self.emit_exit_block(pc, Reason::Exception);
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(is, exit, &[], cont, &[]);
        self.bcx.switch_to_block(cont);
    }

    fn block_args(vals: &[Value]) -> Vec<BlockArg> {
        vals.iter().map(|v| BlockArg::Value(*v)).collect()
    }

    /// The stack as a block edge carries it: boxed, except range loop
    /// placeholders, which stay (their parameter is unused).
    pub(super) fn edge_stack(&mut self) -> Vec<(Value, Kind)> {
        let st = self.stack.clone();
        st.into_iter()
            .map(|e| match e.1 {
                Kind::RangeIter(_) => e,
                _ => (self.boxed(e), Kind::Boxed),
            })
            .collect()
    }

    /// The values of `edge_stack`.
    fn boxed_stack(&mut self) -> Vec<Value> {
        self.edge_stack().into_iter().map(|e| e.0).collect()
    }

    /// How many locals the function keeps (variables, then cells).
    pub(super) fn local_count(&self) -> usize {
        self.locals.len()
    }

    /// The current value of local `i` (of the local's kind).
    pub(super) fn use_local(&mut self, i: usize) -> Option<Value> {
        let var = *self.locals.get(i)?;
        Some(self.bcx.use_var(var))
    }

    /// Define local `i`'s variable as `v` (of the local's kind).
    pub(super) fn def_local(&mut self, i: usize, v: Value) {
        self.forget_facts_of(self.locals[i]);
        self.bcx.def_var(self.locals[i], v);
    }

    pub(super) fn jump_to(&mut self, target: usize, stack: &[Value]) {
        self.note_edge(target);
        let b = self.blocks[&target];
        let args = Self::block_args(stack);
        self.bcx.ins().jump(b, &args);
    }

    /// Pop an entry the consumer owns: a borrowed one takes a reference.
    pub(super) fn pop(&mut self) -> (Value, Kind) {
        match self.pop_raw() {
            (v, Kind::Borrowed) => {
                self.incref(v);
                (v, Kind::Boxed)
            }
            e => e,
        }
    }

    /// Pop an entry as it is, possibly `Borrowed`: for consumers that
    /// only read it and then `release` it.
    pub(super) fn pop_raw(&mut self) -> (Value, Kind) {
        match self.stack.pop() {
            Some(v) => v,
            None => (self.iconst(abi::NONE_BITS), Kind::Boxed),
        }
    }

    /// Pop the boxed bits for a read-only consumer, and whether they are
    /// borrowed (then `end_borrow` releases nothing).
    pub(super) fn pop_borrow(&mut self) -> (Value, bool) {
        let e = self.pop_raw();
        self.borrow_of(e)
    }

    /// The boxed bits of a popped entry for a read-only use, and whether
    /// they are borrowed (see `pop_borrow`).
    pub(super) fn borrow_of(&mut self, e: (Value, Kind)) -> (Value, bool) {
        match e {
            (v, Kind::Borrowed) => (v, true),
            e => (self.boxed(e), false),
        }
    }

    /// The end of a `pop_borrow` read: release only an owned value.
    pub(super) fn end_borrow(&mut self, (v, borrowed): (Value, bool)) {
        if !borrowed {
            self.decref(v);
        }
    }

    /// Turn every borrowed stack entry into an owned one: before a local
    /// is rebound, which may drop the reference they borrow.
    fn own_borrowed(&mut self) {
        self.borrowed_callee = None;
        for i in 0..self.stack.len() {
            if let (v, Kind::Borrowed) = self.stack[i] {
                self.incref(v);
                self.stack[i] = (v, Kind::Boxed);
            }
        }
    }

    /// Take a reference to the borrowed callee `v` on the stack, before
    /// an instruction that may run script code. Borrowed locals stay as
    /// they are: only a store to their local ends their borrow.
    fn own_borrowed_callee(&mut self, v: Value) {
        self.borrowed_callee = None;
        if let Some(e) = self.stack.iter_mut().find(|e| **e == (v, Kind::Borrowed)) {
            e.1 = Kind::Boxed;
            self.incref(v);
        }
    }

    /// Whether `instr` can be lowered with `borrowed_callee` still
    /// borrowed: it runs no script code. Loads of locals and constants;
    /// arithmetic on unboxed numbers (its failures are exits, or helpers
    /// on numbers only); and the call that consumes the callee.
    fn keeps_callee_borrowed(&self, instr: Instr) -> bool {
        let numeric = |e: &(Value, Kind)| matches!(e.1, Kind::Int | Kind::Float | Kind::Bool);
        match instr {
            Instr::LoadConst { .. } | Instr::LoadFast { .. } => true,
            Instr::Binary { .. } => {
                let n = self.stack.len();
                n >= 2 && self.stack[n - 2..].iter().all(numeric)
            }
            Instr::Call { argc, .. } => {
                let at = self.stack.len().checked_sub(argc as usize + 1);
                let callee = at.and_then(|i| self.stack.get(i));
                matches!(callee, Some(&(v, Kind::Borrowed)) if Some(v) == self.borrowed_callee)
            }
            _ => false,
        }
    }

    /// Whether the value `LoadGlobal` at `pc` pushes is the callee of a
    /// `Call` reached through loads and arithmetic only, in one block:
    /// then it may stay borrowed until that call (`borrowed_callee`).
    pub(super) fn callee_of_a_plain_call(&self, pc: usize) -> bool {
        let mut above = 0usize;
        for at in pc + 1..self.code.code.len() {
            if self.blocks.contains_key(&at) {
                return false;
            }
            match self.code.code[at] {
                Instr::LoadConst { .. } | Instr::LoadFast { .. } => above += 1,
                Instr::Binary { .. } if above >= 2 => above -= 1,
                Instr::Call { argc, .. } => return argc as usize == above,
                _ => return false,
            }
        }
        false
    }

    /// Pop a call's callee: the borrowed global (true) as it is, or any
    /// other entry as owned bits (false).
    pub(super) fn pop_callee(&mut self) -> (Value, bool) {
        let borrowed = self.borrowed_callee.take();
        match self.pop_raw() {
            (v, Kind::Borrowed) if Some(v) == borrowed => (v, true),
            e => (self.boxed(e), false),
        }
    }

    /// The boxed bits of the stack entry `depth` below the top (the
    /// container of a comprehension's `ListAppend`/`SetAdd`/`MapAdd`),
    /// which stays on the stack, boxed from now on.
    fn boxed_at_depth(&mut self, depth: u32) -> Option<Value> {
        let i = self.stack.len().checked_sub(depth as usize)?;
        let entry = *self.stack.get(i)?;
        let b = self.boxed(entry);
        self.stack[i] = (b, Kind::Boxed);
        Some(b)
    }

    pub(super) fn pop_boxed(&mut self) -> Value {
        let e = self.pop();
        self.boxed(e)
    }

    pub(super) fn push(&mut self, v: Value, k: Kind) {
        self.stack.push((v, k));
    }

    pub(super) fn zero_of(&mut self, k: Kind) -> Value {
        match k {
            Kind::Float => self.bcx.ins().f64const(0.0),
            Kind::Bool => self.bcx.ins().iconst(types::I8, 0),
            _ => self.iconst(0),
        }
    }

    pub(super) fn var_type(k: Kind) -> types::Type {
        match k {
            Kind::Float => types::F64,
            Kind::Bool => types::I8,
            _ => I64,
        }
    }

    /// OSR entry for a typed local: unbox `raw` (owned bits from the
    /// frame) or branch to `fail`. Unbound is allowed only where the
    /// local may be unbound.
    fn osr_local(&mut self, raw: Value, k: Kind, may_be_unbound: bool, fail: Block) -> Value {
        let ok_tag = match k {
            Kind::Int => {
                let t = self.tag16(raw);
                self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::INT_HI)
            }
            _ => {
                let t = self.bcx.ins().ushr_imm_s(raw, 51);
                self.bcx
                    .ins()
                    .icmp_imm_s(IntCC::NotEqual, t, abi::NOT_FLOAT_HI13)
            }
        };
        let is_empty = may_be_unbound.then(|| {
            self.bcx
                .ins()
                .icmp_imm_s(IntCC::Equal, raw, abi::EMPTY_BITS)
        });
        let ok = match is_empty {
            Some(e) => self.bcx.ins().bor(ok_tag, e),
            None => ok_tag,
        };
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(ok, cont, &[], fail, &[]);
        self.bcx.switch_to_block(cont);
        let v = match k {
            Kind::Int => self.unbox_int(raw),
            _ => self.unbox_float(raw),
        };
        match is_empty {
            Some(e) => {
                let zero = self.zero_of(k);
                self.bcx.ins().select(e, zero, v)
            }
            None => v,
        }
    }

    /// The locals at a call's entry: a typed parameter (`types.rs`) is
    /// unboxed behind a guard that hands the untouched call back to the
    /// interpreter at offset 0; other typed locals start unbound.
    fn call_entry_locals(&mut self, raw: &[Value]) {
        let params = param_count(self.code);
        let mut fail = None;
        for (i, &r) in raw.iter().enumerate() {
            let k = self.types.locals[i];
            let v = match k {
                Kind::Boxed => r,
                _ if i < params => {
                    let fail = *fail.get_or_insert_with(|| {
                        let b = self.bcx.create_block();
                        self.bcx.set_cold_block(b);
                        b
                    });
                    self.osr_local(r, k, false, fail)
                }
                _ => self.zero_of(k),
            };
            self.bcx.def_var(self.locals[i], v);
        }
        if let Some(block) = fail {
            self.exits.push(ExitSite {
                block,
                pc: 0,
                reason: Some(Reason::EntryGuard),
                stack: Vec::new(),
                raw_locals: Some(raw.to_vec()),
            });
        }
    }

    /// Lower the whole function.
    pub fn lower(mut self, config: cranelift_codegen::isa::TargetFrontendConfig) {
        let entry = self.bcx.create_block();
        self.bcx.append_block_params_for_function_params(entry);
        self.bcx.switch_to_block(entry);
        let params = self.bcx.block_params(entry).to_vec();
        self.ctx = params[0];
        let entry_pc = params[1];
        let unboxed_entry = self.unboxed_entry_test(entry_pc);
        for &pc in self.analysis.block_starts.iter() {
            let Some(d) = self.analysis.depth.get(pc).copied().flatten() else {
                continue;
            };
            let b = self.bcx.create_block();
            for _ in 0..d {
                self.bcx.append_block_param(b, I64);
            }
            self.blocks.insert(pc, b);
        }
        // Cell slots follow the variables, as in the interpreter's frame.
        let nl = cells::frame_locals(self.code);
        let reads_globals = (self.code.code.iter()).any(|i| matches!(i, Instr::LoadGlobal { .. }));
        let regs = params[2..].to_vec();
        let want_globals = reads_globals && layout::dict().is_some();
        let (raw, globals) = self.entry_locals(nl, want_globals, entry_pc, &regs);
        self.globals = globals.map(|g| {
            let var = self.bcx.declare_var(I64);
            self.bcx.def_var(var, g);
            var
        });
        for i in 0..nl {
            let k = self.types.locals[i];
            let var = self.bcx.declare_var(Self::var_type(k));
            self.locals.push(var);
        }
        self.declare_range_vars();
        // OSR entries: one compare per loop header, then the normal entry.
        for &(header, d) in &self.analysis.loop_headers.clone() {
            let is = self
                .bcx
                .ins()
                .icmp_imm_s(IntCC::Equal, entry_pc, header as i64);
            let osr = self.bcx.create_block();
            let next = self.bcx.create_block();
            self.bcx.ins().brif(is, osr, &[], next, &[]);
            self.bcx.switch_to_block(osr);
            let mut vals: Vec<Value> = Vec::new();
            for k in 0..d {
                let kv = self.iconst(k as i64);
                vals.push(self.call_ctx(h::take_stack as *const u8, &[kv]));
            }
            let fail = self.bcx.create_block();
            self.bcx.set_cold_block(fail);
            self.exits.push(ExitSite {
                block: fail,
                pc: header,
                reason: Some(Reason::OsrGuard),
                stack: vals.iter().map(|v| (*v, Kind::Boxed)).collect(),
                raw_locals: Some(raw.clone()),
            });
            for (i, &r) in raw.iter().enumerate() {
                let k = self.types.locals[i];
                let v = if k == Kind::Boxed {
                    r
                } else {
                    let unbound = !self.types.is_assigned(header, i);
                    self.osr_local(r, k, unbound, fail)
                };
                self.bcx.def_var(self.locals[i], v);
            }
            self.osr_unpack_ranges(header, &mut vals, fail);
            self.jump_to(header, &vals);
            self.bcx.switch_to_block(next);
        }
        self.call_entry_locals(&raw);
        self.jump_to(0, &[]);
        if let Some(block) = unboxed_entry {
            self.lower_unboxed_entry(block, &regs);
        }

        let mut starts: Vec<usize> = self.blocks.keys().copied().collect();
        starts.sort_unstable();
        for start in starts {
            let b = self.blocks[&start];
            self.bcx.switch_to_block(b);
            self.stack = self
                .bcx
                .block_params(b)
                .iter()
                .map(|v| (*v, Kind::Boxed))
                .collect();
            self.borrowed_callee = None;
            self.enter_block_facts(start);
            self.retag_range_stack(start);
            let mut pc = start;
            while let Some(instr) = self.code.code.get(pc).copied() {
                if self.lower_instr(pc, instr) {
                    break;
                }
                pc += 1;
                if self.blocks.contains_key(&pc) {
                    let st = self.boxed_stack();
                    self.jump_to(pc, &st);
                    break;
                }
            }
        }
        self.emit_exits();
        self.bcx.seal_all_blocks();
        self.bcx.finalize(config);
    }

    /// Inline test of the isolate's interrupt flag at a back-edge.
    fn check_interrupt(&mut self, pc: usize) {
        let flags = MemFlagsData::trusted();
        let flag_ptr = self.bcx.ins().load(I64, flags, self.ctx, 0);
        let set = self.bcx.ins().uload8(I64, flags, flag_ptr, 0);
        let slow = self.bcx.create_block();
        let cont = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        self.bcx.ins().brif(set, slow, &[], cont, &[]);
        self.bcx.switch_to_block(slow);
        let r = self.call_ctx(h::check_interrupt as *const u8, &[]);
        self.check_raised(r, pc);
        self.bcx.ins().jump(cont, &[]);
        self.bcx.switch_to_block(cont);
    }

    /// Lower one instruction; true when it ended the block.
    fn lower_instr(&mut self, pc: usize, instr: Instr) -> bool {
        if let Some(v) = self.borrowed_callee {
            let on_stack = self.stack.contains(&(v, Kind::Borrowed));
            if !on_stack {
                // Consumed (by its call, or another borrowing consumer).
                self.borrowed_callee = None;
            } else if !self.keeps_callee_borrowed(instr) {
                self.own_borrowed_callee(v);
            }
        }
        match instr {
            Instr::Nop => {}
            Instr::LoadConst { idx } => {
                let c = self.code.consts.get(idx as usize);
                match c {
                    Some(Constant::Int(i)) if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(i) => {
                        let v = self.iconst(*i);
                        self.push(v, Kind::Int);
                    }
                    Some(Constant::Float(f)) => {
                        let v = self.bcx.ins().f64const(*f);
                        self.push(v, Kind::Float);
                    }
                    Some(Constant::None) => {
                        let v = self.iconst(abi::NONE_BITS);
                        self.push(v, Kind::Boxed);
                    }
                    Some(Constant::Bool(b)) => {
                        let v = self.iconst(abi::FALSE_BITS | *b as i64);
                        self.push(v, Kind::Boxed);
                    }
                    // A heap constant (str, big int, tuple...): read in
                    // place from the code's constants.
                    Some(_) => {
                        let flags = MemFlagsData::trusted();
                        let consts =
                            self.bcx
                                .ins()
                                .load(I64, flags, self.ctx, abi::ctx_offset::CONSTS);
                        let v = self.bcx.ins().load(I64, flags, consts, (idx as i32) * 8);
                        self.incref(v);
                        self.push(v, Kind::Boxed);
                    }
                    None => {
                        let i = self.iconst(idx as i64);
                        let v = self.call_ctx(h::load_const as *const u8, &[i]);
                        self.push(v, Kind::Boxed);
                    }
                }
            }
            Instr::LoadFast { idx } => {
                let k = self.types.locals[idx as usize];
                let var = self.locals[idx as usize];
                let v = self.bcx.use_var(var);
                if k != Kind::Boxed {
                    self.push(v, k);
                    return false;
                }
                if !self.types.is_assigned(pc, idx as usize) {
                    let is_empty = self.bcx.ins().icmp_imm_s(IntCC::Equal, v, abi::EMPTY_BITS);
                    let slow = self.bcx.create_block();
                    let cont = self.bcx.create_block();
                    self.bcx.set_cold_block(slow);
                    self.bcx.ins().brif(is_empty, slow, &[], cont, &[]);
                    self.bcx.switch_to_block(slow);
                    let i = self.iconst(idx as i64);
                    self.call_ctx(h::unbound_local as *const u8, &[i]);
                    let exit = self.emit_exit_block(pc, Reason::Exception);
                    self.bcx.ins().jump(exit, &[]);
                    self.bcx.switch_to_block(cont);
                }
                // No reference taken: the local keeps it while the value
                // is on the stack (`own_borrowed` before any rebinding).
                self.local_origin.insert(v, var);
                self.push(v, Kind::Borrowed);
            }
            Instr::StoreFast { idx } => self.store_fast(pc, idx as usize),
            Instr::LoadGlobal { name } => {
                let cell = self
                    .global_cache
                    .get(self.global_sites)
                    .map_or(std::ptr::null(), |c| c as *const SlotCell);
                self.global_sites += 1;
                self.lower_load_global(pc, name, cell);
            }
            Instr::StoreGlobal { name } => {
                let v = self.pop_boxed();
                let n = self.iconst(name as i64);
                let r = self.call_ctx(h::store_global as *const u8, &[n, v]);
                self.check_raised(r, pc);
            }
            Instr::Pop => {
                let e = self.pop();
                self.release(e);
            }
            Instr::Copy { n } => {
                let len = self.stack.len();
                let e = self.stack[len - n as usize];
                if e.1 == Kind::Boxed {
                    self.incref(e.0);
                }
                self.stack.push(e);
            }
            Instr::Swap { n } => {
                let len = self.stack.len();
                self.stack.swap(len - 1, len - n as usize);
            }
            Instr::PushNull => {
                let v = self.iconst(abi::EMPTY_BITS);
                self.push(v, Kind::Boxed);
            }
            Instr::Unary { op } => self.lower_unary(pc, op),
            Instr::Binary { op, slot } => self.lower_binary(pc, op, slot, false),
            Instr::InPlace { op, slot } => self.lower_binary(pc, op, slot, true),
            Instr::Compare { op, slot } => self.lower_compare(pc, op, slot),
            Instr::Is { invert } => {
                let b = self.pop_borrow();
                let a = self.pop_borrow();
                let cc = if invert {
                    IntCC::NotEqual
                } else {
                    IntCC::Equal
                };
                let c = self.bcx.ins().icmp(cc, a.0, b.0);
                let r = self.bool_bits(c);
                self.end_borrow(a);
                self.end_borrow(b);
                self.push(r, Kind::Boxed);
            }
            Instr::Contains { invert } => {
                let container = self.pop_boxed();
                let item = self.pop_boxed();
                let inv = self.iconst(invert as i64);
                let r = self.call_ctx(h::contains as *const u8, &[item, container, inv]);
                self.decref(item);
                self.decref(container);
                self.check_raised(r, pc);
                self.push(r, Kind::Boxed);
            }
            Instr::LoadAttr { name, slot } if self.global_attr_cell(pc).is_some() => {
                let cell = self.global_attr_cell(pc).unwrap_or(std::ptr::null());
                self.global_attr_sites += 1;
                self.lower_module_attr(pc, name, slot, cell, false);
            }
            Instr::LoadMethod { name, slot } if self.global_attr_cell(pc).is_some() => {
                self.method_names.push(name);
                let cell = self.global_attr_cell(pc).unwrap_or(std::ptr::null());
                self.global_attr_sites += 1;
                self.lower_module_attr(pc, name, slot, cell, true);
            }
            Instr::LoadAttr { name, slot } => {
                let cell = self.next_inst_attr_cell();
                match self.speculative_attr_site(slot, cell) {
                    Some(l) => self.speculative_load_attr((pc, l), name, slot, cell),
                    None => self.lower_inst_load_attr(pc, name, slot, cell),
                }
            }
            Instr::StoreAttr { name, slot } => {
                let cell = self.next_inst_attr_cell();
                match self.speculative_attr_site(slot, cell) {
                    Some(l) => self.speculative_store_attr((pc, l), name, slot, cell),
                    None => self.lower_inst_store_attr(pc, name, slot, cell),
                }
            }
            Instr::LoadMethod { name, slot } => {
                self.method_names.push(name);
                let cell = self.method_cache.get(self.method_sites);
                self.method_sites += 1;
                let cell = cell.map_or(std::ptr::null(), |c| c as *const MethodCell);
                self.lower_inst_load_method(pc, name, slot, cell);
            }
            Instr::Subscr { slot } => self.lower_subscr(pc, slot),
            Instr::StoreSubscr { slot } => self.lower_store_subscr(pc, slot),
            Instr::Jump { target } => {
                let st = self.boxed_stack();
                self.jump_to(target as usize, &st);
                return true;
            }
            Instr::JumpBackward { target } => {
                self.check_interrupt(pc);
                let st = self.boxed_stack();
                self.jump_to(target as usize, &st);
                return true;
            }
            Instr::PopJumpIfFalse { target } | Instr::PopJumpIfTrue { target } => {
                let jump_if = matches!(instr, Instr::PopJumpIfTrue { .. });
                // A borrowed value is tested in place: nothing to release.
                let e = self.pop_raw();
                let truth = self.truth(e, pc);
                let st = self.boxed_stack();
                let args = Self::block_args(&st);
                let (tb, fb_) = (self.blocks[&(target as usize)], self.blocks[&(pc + 1)]);
                self.note_edge(target as usize);
                self.note_edge(pc + 1);
                if jump_if {
                    self.bcx.ins().brif(truth, tb, &args, fb_, &args);
                } else {
                    self.bcx.ins().brif(truth, fb_, &args, tb, &args);
                }
                return true;
            }
            Instr::JumpIfFalseOrPop { target } | Instr::JumpIfTrueOrPop { target } => {
                let jump_if = matches!(instr, Instr::JumpIfTrueOrPop { .. });
                let Some(&top) = self.stack.last() else {
                    return self.unsupported(pc);
                };
                // The value stays on the stack while truth is tested.
                let truth = self.truth_borrowed(top, pc);
                let kept_entries = self.edge_stack();
                let kept: Vec<Value> = kept_entries.iter().map(|e| e.0).collect();
                let kept_args = Self::block_args(&kept);
                let popped_vals = kept[..kept.len() - 1].to_vec();
                let top_boxed = kept[kept.len() - 1];
                // Fall-through pops (and releases) the value.
                let pop_block = self.bcx.create_block();
                let tb = self.blocks[&(target as usize)];
                self.note_edge(target as usize);
                if jump_if {
                    self.bcx.ins().brif(truth, tb, &kept_args, pop_block, &[]);
                } else {
                    self.bcx.ins().brif(truth, pop_block, &[], tb, &kept_args);
                }
                self.bcx.switch_to_block(pop_block);
                self.decref(top_boxed);
                self.stack = kept_entries[..kept_entries.len() - 1].to_vec();
                self.jump_to(pc + 1, &popped_vals);
                return true;
            }
            Instr::GetIter if matches!(self.stack.last(), Some((_, Kind::RangeIter(_)))) => {}
            Instr::GetIter => {
                let v = self.pop_boxed();
                let r = self.call_ctx(h::get_iter as *const u8, &[v]);
                self.decref(v);
                self.check_raised(r, pc);
                self.push(r, Kind::Boxed);
            }
            Instr::ForIter { target, .. } => {
                if let Some((_, Kind::RangeIter(n))) = self.stack.last().copied() {
                    self.lower_range_for(pc, target as usize, n);
                    return true;
                }
                let edge = self.edge_stack();
                let st: Vec<Value> = edge.iter().map(|e| e.0).collect();
                self.stack = edge;
                let Some(&it) = st.last() else {
                    return self.unsupported(pc);
                };
                // Range and sequence iterators step without the context;
                // any other iterator (or an error) takes the generic helper.
                let fast = self
                    .call(h::for_iter_fast as *const u8, &[it], true)
                    .unwrap_or(it);
                let not_fast = self.bcx.ins().icmp_imm_s(IntCC::Equal, fast, h::NOT_FAST);
                let generic = self.bcx.create_block();
                let stepped = self.bcx.create_block();
                let r = self.bcx.append_block_param(stepped, I64);
                self.bcx.set_cold_block(generic);
                self.bcx
                    .ins()
                    .brif(not_fast, generic, &[], stepped, &[BlockArg::Value(fast)]);
                self.bcx.switch_to_block(generic);
                let slow = self.call_ctx(h::for_iter as *const u8, &[it]);
                self.bcx.ins().jump(stepped, &[BlockArg::Value(slow)]);
                self.bcx.switch_to_block(stepped);
                self.check_raised(r, pc);
                let done = self.bcx.ins().icmp_imm_s(IntCC::Equal, r, abi::EXHAUSTED);
                let exhausted = self.bcx.create_block();
                let mut next_stack = st.clone();
                next_stack.push(r);
                let next_args = Self::block_args(&next_stack);
                let nb = self.blocks[&(pc + 1)];
                self.note_edge(pc + 1);
                self.bcx.ins().brif(done, exhausted, &[], nb, &next_args);
                self.bcx.switch_to_block(exhausted);
                self.decref(it);
                self.jump_to(target as usize, &st[..st.len() - 1]);
                return true;
            }
            Instr::Return => {
                let v = self.pop_boxed();
                for i in 0..self.locals.len() {
                    if self.types.locals[i] == Kind::Boxed {
                        let l = self.bcx.use_var(self.locals[i]);
                        self.decref(l);
                    }
                }
                for e in std::mem::take(&mut self.stack) {
                    self.release(e);
                }
                self.bcx.ins().return_(&[v]);
                return true;
            }
            Instr::FormatValue { conv, has_spec } => {
                let spec = if has_spec {
                    self.pop_boxed()
                } else {
                    self.iconst(abi::EMPTY_BITS)
                };
                let v = self.pop_boxed();
                let c = self.iconst(conv as i64);
                let r = self.call_ctx(h::format_value as *const u8, &[c, v, spec]);
                self.decref(v);
                self.decref(spec);
                self.check_raised(r, pc);
                self.push(r, Kind::Boxed);
            }
            Instr::BuildTuple { n }
            | Instr::BuildList { n }
            | Instr::BuildString { n }
            | Instr::BuildSet { n }
            | Instr::BuildMap { n } => {
                let (f, count) = match instr {
                    Instr::BuildTuple { .. } => (h::build_tuple as *const u8, n),
                    Instr::BuildList { .. } => (h::build_list as *const u8, n),
                    Instr::BuildString { .. } => (h::build_string as *const u8, n),
                    Instr::BuildSet { .. } => (h::build_set as *const u8, n),
                    _ => (h::build_map as *const u8, 2 * n),
                };
                // The items go to the helper owned, in a buffer on the
                // native stack (as a call's arguments do); a long display
                // is staged instead, so that frames stay small.
                let (buf, len) = match count as usize {
                    k if k > MAX_BUFFERED_ITEMS => {
                        self.stage_args(k);
                        (self.iconst(0), self.iconst(0))
                    }
                    k => {
                        let at = self.stack.len().saturating_sub(k);
                        let items = self.stack.split_off(at);
                        self.args_buffer(items)
                    }
                };
                let r = self.call_ctx(f, &[buf, len]);
                self.check_raised(r, pc);
                self.push(r, Kind::Boxed);
            }
            Instr::ListAppend { depth } | Instr::SetAdd { depth } => {
                let v = self.pop_boxed();
                let Some(target) = self.boxed_at_depth(depth) else {
                    return self.unsupported(pc);
                };
                let f = match instr {
                    Instr::ListAppend { .. } => h::list_append as *const u8,
                    _ => h::set_add as *const u8,
                };
                let r = self.call_ctx(f, &[target, v]);
                self.check_raised(r, pc);
            }
            Instr::MapAdd { depth } => {
                let v = self.pop_boxed();
                let k = self.pop_boxed();
                let Some(target) = self.boxed_at_depth(depth) else {
                    return self.unsupported(pc);
                };
                let r = self.call_ctx(h::map_add as *const u8, &[target, k, v]);
                self.check_raised(r, pc);
            }
            Instr::UnpackSequence { n } => {
                let seq = self.pop_boxed();
                let n = n as usize;
                let slot = self.bcx.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    (n.max(1) * 8) as u32,
                    3,
                ));
                let buf = self.bcx.ins().stack_addr(I64, slot, 0);
                let nv = self.iconst(n as i64);
                let r = self.call_ctx(h::unpack_into as *const u8, &[seq, nv, buf]);
                self.decref(seq);
                self.check_raised(r, pc);
                // The first item ends on top, as the interpreter pushes them.
                let flags = MemFlagsData::trusted();
                for i in (0..n).rev() {
                    let v = self.bcx.ins().load(I64, flags, buf, (i * 8) as i32);
                    self.push(v, Kind::Boxed);
                }
            }
            Instr::CallKw { argc, .. } | Instr::CallMethodKw { argc, .. } => {
                let names = self.pop_boxed();
                let at = self.stack.len() - argc as usize;
                let args = self.stack.split_off(at);
                let (func, this) = if matches!(instr, Instr::CallKw { .. }) {
                    let callee = self.pop_boxed();
                    (self.iconst(abi::EMPTY_BITS), callee)
                } else {
                    let this = self.pop_boxed();
                    (self.pop_boxed(), this)
                };
                let (buf, n) = self.args_buffer(args);
                let r = self.call_ctx(
                    calls::call_kw_buf as *const u8,
                    &[func, this, buf, n, names],
                );
                self.decref(func);
                self.decref(this);
                self.decref(names);
                self.check_raised(r, pc);
                self.push(r, Kind::Boxed);
            }
            Instr::MakeFunction { flags } => {
                let parts = (flags & 1) + ((flags >> 1) & 1) + ((flags >> 2) & 1);
                self.stage_args(usize::from(parts) + 1);
                let fl = self.iconst(i64::from(flags));
                let r = self.call_ctx(h::make_function as *const u8, &[fl]);
                self.check_raised(r, pc);
                self.push(r, Kind::Boxed);
            }
            Instr::Call { argc, .. } if self.ranges.at_call(pc).is_some() => {
                if let Some(n) = self.ranges.at_call(pc) {
                    self.lower_range_call(pc, argc as usize, n);
                }
            }
            Instr::Call { argc: 1, slot } if self.saw_native_callee(slot) => {
                self.lower_len_or_call(pc, slot)
            }
            Instr::Call { argc, slot } => self.lower_plain_call(pc, argc as usize, slot),
            Instr::CallMethod { argc, slot } => {
                let name = self.method_names.pop();
                let native = name
                    .and_then(|n| self.code.names.get(n as usize))
                    .and_then(|n| natives::float_fn(n));
                if let (1, Some(f)) = (argc, native) {
                    if self.lower_float_call(pc, f) {
                        return false;
                    }
                }
                let is_append = name
                    .and_then(|n| self.code.names.get(n as usize))
                    .is_some_and(|n| &**n == "append");
                if argc == 1 && is_append && self.saw_native_callee(slot) {
                    self.lower_append_or_call(pc, slot);
                    return false;
                }
                let at = self.stack.len() - argc as usize - 1;
                // The receiver moves into the buffer as the first argument.
                let this_and_args = self.stack.split_off(at);
                let func = self.pop_boxed();
                let args = self.boxed_args(this_and_args);
                let r = self.lower_method_call(func, args, slot);
                self.decref(func);
                self.check_raised(r, pc);
                self.push(r, Kind::Boxed);
            }
            Instr::LoadDeref { .. }
            | Instr::StoreDeref { .. }
            | Instr::DeleteDeref { .. }
            | Instr::LoadClosure { .. } => return self.lower_cell(pc, instr),
            _ => return self.unsupported(pc),
        }
        false
    }

    /// The current value of boxed local `i` (a cell slot), if it is one.
    pub(super) fn local_value(&mut self, i: usize) -> Option<Value> {
        if self.types.locals.get(i) != Some(&Kind::Boxed) {
            return None;
        }
        let var = *self.locals.get(i)?;
        Some(self.bcx.use_var(var))
    }

    /// `analyze` refuses every other instruction; exit to be safe.
    pub(super) fn unsupported(&mut self, pc: usize) -> bool {
        let exit = self.emit_exit_block(pc, Reason::Unsupported);
        self.bcx.ins().jump(exit, &[]);
        true
    }

    /// Pop the top `n` values (boxed) into the helper's argument list.
    fn stage_args(&mut self, n: usize) {
        let at = self.stack.len() - n;
        let items = self.stack.split_off(at);
        for e in items {
            let v = self.boxed(e);
            self.call(h::arg as *const u8, &[self.ctx, v], false);
        }
    }

    /// Box `args` into a fresh buffer on the native stack; returns its
    /// address and length (ownership passes to the call helper).
    /// `Call` with `argc` arguments: the stack is [callee, args...].
    pub(super) fn lower_plain_call(&mut self, pc: usize, argc: usize, slot: u16) {
        match self.inline_candidate(argc) {
            Some(which) => self.lower_inlined_call(pc, argc, slot, which),
            None => self.lower_plain_call_uninlined(pc, argc, slot),
        }
    }

    /// `Call` with `argc` arguments, never inlined.
    pub(super) fn lower_plain_call_uninlined(&mut self, pc: usize, argc: usize, slot: u16) {
        let at = self.stack.len() - argc;
        let args = self.stack.split_off(at);
        let (callee, unowned) = self.pop_callee();
        let callee_ref = match unowned {
            true => CalleeRef::Unowned,
            false => CalleeRef::Owned,
        };
        let r = self.lower_call(callee, args, slot, callee_ref);
        self.check_raised(r, pc);
        self.push(r, Kind::Boxed);
    }

    pub(super) fn args_buffer(&mut self, args: Vec<(Value, Kind)>) -> (Value, Value) {
        let boxed = self.boxed_args(args);
        self.store_args(&boxed)
    }

    /// Box `args`: the owned bits a call takes.
    pub(super) fn boxed_args(&mut self, args: Vec<(Value, Kind)>) -> Vec<Value> {
        args.into_iter().map(|e| self.boxed(e)).collect()
    }

    /// Store owned bits into a fresh buffer on the native stack; returns
    /// its address and length.
    pub(super) fn store_args(&mut self, args: &[Value]) -> (Value, Value) {
        let n = self.iconst(args.len() as i64);
        if args.is_empty() {
            let null = self.iconst(0);
            return (null, n);
        }
        let slot = self.bcx.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (args.len() * 8) as u32,
            3,
        ));
        let buf = self.bcx.ins().stack_addr(I64, slot, 0);
        let flags = MemFlagsData::trusted();
        for (i, &v) in args.iter().enumerate() {
            self.bcx.ins().store(flags, v, buf, (i * 8) as i32);
        }
        (buf, n)
    }

    fn store_fast(&mut self, pc: usize, idx: usize) {
        let (v, kv) = self.pop();
        let lk = self.types.locals[idx];
        let var = self.locals[idx];
        self.forget_facts_of(var);
        if lk == Kind::Boxed {
            // The old value may be dropped below: borrows of it (of any
            // local, for simplicity) must hold their own reference.
            self.own_borrowed();
            let bv = self.boxed((v, kv));
            let old = self.bcx.use_var(var);
            self.bcx.def_var(var, bv);
            self.decref(old);
            return;
        }
        if kv == lk {
            self.bcx.def_var(var, v);
            return;
        }
        // A value of another kind reaching a typed local: guard it.
        let mut st = self.stack.clone();
        st.push((v, kv));
        let exit = self.exit_with_stack(pc, Reason::TypeGuard, st);
        let conv = match lk {
            Kind::Int => self.guard_int((v, kv), exit),
            _ => self.guard_float((v, kv), exit),
        };
        self.bcx.def_var(var, conv);
    }
}

/// Helpers that never run script code, so what compiled code proved
/// about lists and instances survives a call of them (`facts.rs`):
/// dropping a reference (no finalizer runs script code in `Drop`,
/// `finalize.rs`), the refills of global and module-attribute caches
/// (dict lookups by name, which compare strs and identities only), of
/// inline sites and of instance attribute cells (a class-chain lookup
/// and an instance dict probe; neither changes a dict).
fn runs_no_script_code(f: *const u8) -> bool {
    f == h::decref as *const u8
        || f == super::globals::load_global_cached as *const u8
        || f == super::globals::module_attr_refill as *const u8
        || f == super::inline::remember_inlined as *const u8
        || f == super::inst_attrs::plain_attr_index as *const u8
}

/// What `Lowerer::new` lowers from: feedback, analysis, types, range
/// loops and the site caches.
pub type Parts<'a> = (
    &'a Feedback,
    &'a Analysis,
    &'a Types,
    &'a RangeLoops,
    &'a SiteCells,
);

/// The signature of compiled code: the context, the entry offset (0, a
/// loop header, `abi::DIRECT_ENTRY` or `abi::DIRECT_UNBOXED`) and
/// `abi::REG_ARGS` arguments.
pub type Entry = unsafe extern "C" fn(*mut JitCtx, i64, i64, i64, i64, i64) -> i64;
