//! Bytecode + feedback → Cranelift IR for one function.
//!
//! The value stack is interpreted abstractly into SSA values; locals live
//! in Cranelift variables. Every SSA value is the raw bits of a `Value` that
//! compiled code owns (one reference), exactly as the interpreter's stack
//! owns its values. Ints and floats get inline fast paths where the
//! feedback saw them, each guarded by a tag test whose failure takes the
//! generic helper (the interpreter's own rule). An exception exits to the
//! interpreter: locals and stack are written back into the frame and the
//! interpreter raises at that offset (see `deopt.rs`).
//!
//! The signature of every compiled function is
//! `extern "C" fn(ctx: *mut JitCtx, entry_pc: i64) -> i64`: entry 0 is a
//! call, a loop header is an OSR entry. It returns the result bits, or
//! `RAISED` after an exit.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, InstBuilder, MemFlagsData, SigRef, Signature, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, Variable};
use kiln_compiler::bytecode::{BinOp, CmpOp, CodeObject, Constant, Instr};

use super::abi::{self, JitCtx};
use super::analyze::Analysis;
use super::deopt::Reason;
use super::helpers as h;
use crate::feedback::{bits as fb, Feedback};
use crate::value::{SMALL_INT_MAX, SMALL_INT_MIN};

const I64: types::Type = types::I64;

pub struct Lowerer<'a, 'b> {
    pub bcx: FunctionBuilder<'b>,
    code: &'a CodeObject,
    feedback: &'a Feedback,
    analysis: &'a Analysis,
    call_conv: CallConv,
    ctx: Value,
    locals: Vec<Variable>,
    blocks: HashMap<usize, Block>,
    sigs: HashMap<(usize, bool), SigRef>,
    stack: Vec<Value>,
    exits: Vec<(Block, usize, Reason, Vec<Value>)>,
}

impl<'a, 'b> Lowerer<'a, 'b> {
    pub fn new(
        bcx: FunctionBuilder<'b>,
        code: &'a CodeObject,
        feedback: &'a Feedback,
        analysis: &'a Analysis,
        call_conv: CallConv,
    ) -> Self {
        let dummy = Value::from_u32(0);
        Lowerer {
            bcx,
            code,
            feedback,
            analysis,
            call_conv,
            ctx: dummy,
            locals: Vec::new(),
            blocks: HashMap::new(),
            sigs: HashMap::new(),
            stack: Vec::new(),
            exits: Vec::new(),
        }
    }

    fn iconst(&mut self, v: i64) -> Value {
        self.bcx.ins().iconst(I64, v)
    }

    /// Call a helper by address (an `extern "C"` fn of `n` i64 params).
    fn call(&mut self, f: *const u8, args: &[Value], ret: bool) -> Option<Value> {
        let key = (args.len(), ret);
        let sig = match self.sigs.get(&key) {
            Some(s) => *s,
            None => {
                let mut sig = Signature::new(self.call_conv);
                sig.params.extend(args.iter().map(|_| AbiParam::new(I64)));
                if ret {
                    sig.returns.push(AbiParam::new(I64));
                }
                let s = self.bcx.import_signature(sig);
                self.sigs.insert(key, s);
                s
            }
        };
        let callee = self.iconst(f as i64);
        let inst = self.bcx.ins().call_indirect(sig, callee, args);
        self.bcx.inst_results(inst).first().copied()
    }

    fn call_ctx(&mut self, f: *const u8, rest: &[Value]) -> Value {
        let mut args = vec![self.ctx];
        args.extend_from_slice(rest);
        self.call(f, &args, true).unwrap_or(self.ctx)
    }

    fn tag16(&mut self, v: Value) -> Value {
        self.bcx.ins().ushr_imm_s(v, 48)
    }

    /// Run `helper(v)` only when `v` is a heap pointer.
    fn refop(&mut self, v: Value, helper: *const u8) {
        let t = self.tag16(v);
        let is_ptr = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::PTR_HI);
        let slow = self.bcx.create_block();
        let cont = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        self.bcx.ins().brif(is_ptr, slow, &[], cont, &[]);
        self.bcx.switch_to_block(slow);
        self.call(helper, &[v], false);
        self.bcx.ins().jump(cont, &[]);
        self.bcx.switch_to_block(cont);
    }

    fn incref(&mut self, v: Value) {
        self.refop(v, h::incref as *const u8);
    }

    fn decref(&mut self, v: Value) {
        self.refop(v, h::decref as *const u8);
    }

    /// A cold block that rebuilds the interpreter frame at `pc` with the
    /// current stack and returns `RAISED`. Its body is emitted at the end
    /// (`emit_exits`); SSA construction finds the locals' values then.
    fn emit_exit_block(&mut self, pc: usize, reason: Reason) -> Block {
        let exit = self.bcx.create_block();
        self.bcx.set_cold_block(exit);
        self.exits.push((exit, pc, reason, self.stack.clone()));
        exit
    }

    fn emit_exits(&mut self) {
        for (exit, pc, reason, stack) in std::mem::take(&mut self.exits) {
            self.bcx.switch_to_block(exit);
            for i in 0..self.locals.len() {
                let v = self.bcx.use_var(self.locals[i]);
                let idx = self.iconst(i as i64);
                self.call(h::put_local as *const u8, &[self.ctx, idx, v], false);
            }
            for v in stack {
                self.call(h::push_stack as *const u8, &[self.ctx, v], false);
            }
            let pcv = self.iconst(pc as i64);
            let rv = self.iconst(reason as i64);
            let r = self.call_ctx(h::exit_at as *const u8, &[pcv, rv]);
            self.bcx.ins().return_(&[r]);
        }
    }

    /// Branch to an exit when `r == RAISED`; continue in a fresh block.
    fn check_raised(&mut self, r: Value, pc: usize) {
        let is = self.bcx.ins().icmp_imm_s(IntCC::Equal, r, abi::RAISED);
        let exit = self.emit_exit_block(pc, Reason::Exception);
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(is, exit, &[], cont, &[]);
        self.bcx.switch_to_block(cont);
    }

    fn block_args(vals: &[Value]) -> Vec<BlockArg> {
        vals.iter().map(|v| BlockArg::Value(*v)).collect()
    }

    fn jump_to(&mut self, target: usize, stack: &[Value]) {
        let b = self.blocks[&target];
        let args = Self::block_args(stack);
        self.bcx.ins().jump(b, &args);
    }

    fn pop(&mut self) -> Value {
        match self.stack.pop() {
            Some(v) => v,
            None => self.iconst(abi::NONE_BITS),
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
        for (&pc, _) in self.analysis.block_starts.iter().map(|p| (p, ())) {
            let Some(d) = self.analysis.depth.get(pc).copied().flatten() else {
                continue;
            };
            let b = self.bcx.create_block();
            for _ in 0..d {
                self.bcx.append_block_param(b, I64);
            }
            self.blocks.insert(pc, b);
        }
        for i in 0..self.code.varnames.len() {
            let var = self.bcx.declare_var(I64);
            let idx = self.iconst(i as i64);
            let v = self.call_ctx(h::take_local as *const u8, &[idx]);
            self.bcx.def_var(var, v);
            self.locals.push(var);
        }
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
            let mut vals = Vec::new();
            for k in 0..d {
                let kv = self.iconst(k as i64);
                vals.push(self.call_ctx(h::take_stack as *const u8, &[kv]));
            }
            self.jump_to(header, &vals);
            self.bcx.switch_to_block(next);
        }
        self.jump_to(0, &[]);

        let starts: Vec<usize> = self.blocks.keys().copied().collect();
        let mut starts = starts;
        starts.sort_unstable();
        for start in starts {
            let b = self.blocks[&start];
            self.bcx.switch_to_block(b);
            self.stack = self.bcx.block_params(b).to_vec();
            let mut pc = start;
            while let Some(instr) = self.code.code.get(pc).copied() {
                if self.lower_instr(pc, instr) {
                    break;
                }
                pc += 1;
                if self.blocks.contains_key(&pc) {
                    let st = self.stack.clone();
                    self.jump_to(pc, &st);
                    break;
                }
            }
        }
        self.emit_exits();
        self.bcx.seal_all_blocks();
        self.bcx.finalize(config);
    }

    /// Lower one instruction; true when it ended the block.
    fn lower_instr(&mut self, pc: usize, instr: Instr) -> bool {
        match instr {
            Instr::Nop => {}
            Instr::LoadConst { idx } => {
                let imm = match self.code.consts.get(idx as usize) {
                    Some(Constant::None) => Some(abi::NONE_BITS),
                    Some(Constant::Bool(b)) => Some(abi::FALSE_BITS | *b as i64),
                    Some(Constant::Int(i)) if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(i) => {
                        Some((*i & abi::PAYLOAD_MASK) | abi::INT_TAG_BITS)
                    }
                    Some(Constant::Float(f)) if !f.is_nan() => Some(f.to_bits() as i64),
                    _ => None,
                };
                let v = match imm {
                    Some(bits) => self.iconst(bits),
                    None => {
                        let i = self.iconst(idx as i64);
                        self.call_ctx(h::load_const as *const u8, &[i])
                    }
                };
                self.stack.push(v);
            }
            Instr::LoadFast { idx } => {
                let var = self.locals[idx as usize];
                let v = self.bcx.use_var(var);
                let is_empty = self.bcx.ins().icmp_imm_s(IntCC::Equal, v, abi::EMPTY_BITS);
                let slow = self.bcx.create_block();
                let cont = self.bcx.create_block();
                self.bcx.set_cold_block(slow);
                self.bcx.ins().brif(is_empty, slow, &[], cont, &[]);
                self.bcx.switch_to_block(slow);
                let i = self.iconst(idx as i64);
                let r = self.call_ctx(h::unbound_local as *const u8, &[i]);
                let _ = r;
                let exit = self.emit_exit_block(pc, Reason::Exception);
                self.bcx.ins().jump(exit, &[]);
                self.bcx.switch_to_block(cont);
                self.incref(v);
                self.stack.push(v);
            }
            Instr::StoreFast { idx } => {
                let v = self.pop();
                let var = self.locals[idx as usize];
                let old = self.bcx.use_var(var);
                self.bcx.def_var(var, v);
                self.decref(old);
            }
            Instr::LoadGlobal { name } => {
                let n = self.iconst(name as i64);
                let r = self.call_ctx(h::load_global as *const u8, &[n]);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            Instr::StoreGlobal { name } => {
                let v = self.pop();
                let n = self.iconst(name as i64);
                let r = self.call_ctx(h::store_global as *const u8, &[n, v]);
                self.check_raised(r, pc);
            }
            Instr::Pop => {
                let v = self.pop();
                self.decref(v);
            }
            Instr::Copy { n } => {
                let len = self.stack.len();
                let v = self.stack[len - n as usize];
                self.incref(v);
                self.stack.push(v);
            }
            Instr::Swap { n } => {
                let len = self.stack.len();
                self.stack.swap(len - 1, len - n as usize);
            }
            Instr::PushNull => {
                let v = self.iconst(abi::EMPTY_BITS);
                self.stack.push(v);
            }
            Instr::Unary { op } => {
                let v = self.pop();
                let o = self.iconst(op as i64);
                let r = self.call_ctx(h::unary as *const u8, &[o, v]);
                self.decref(v);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            Instr::Binary { op, slot } => self.lower_binary(pc, op, slot, false),
            Instr::InPlace { op, slot } => self.lower_binary(pc, op, slot, true),
            Instr::Compare { op, slot } => self.lower_compare(pc, op, slot),
            Instr::Is { invert } => {
                let b = self.pop();
                let a = self.pop();
                let cc = if invert {
                    IntCC::NotEqual
                } else {
                    IntCC::Equal
                };
                let c = self.bcx.ins().icmp(cc, a, b);
                let r = self.bool_bits(c);
                self.decref(a);
                self.decref(b);
                self.stack.push(r);
            }
            Instr::Contains { invert } => {
                let container = self.pop();
                let item = self.pop();
                let inv = self.iconst(invert as i64);
                let r = self.call_ctx(h::contains as *const u8, &[item, container, inv]);
                self.decref(item);
                self.decref(container);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            Instr::LoadAttr { name, .. } => {
                let obj = self.pop();
                let n = self.iconst(name as i64);
                let r = self.call_ctx(h::load_attr as *const u8, &[obj, n]);
                self.decref(obj);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            Instr::StoreAttr { name, .. } => {
                let obj = self.pop();
                let v = self.pop();
                let n = self.iconst(name as i64);
                let r = self.call_ctx(h::store_attr as *const u8, &[obj, n, v]);
                self.decref(obj);
                self.check_raised(r, pc);
            }
            Instr::LoadMethod { name, .. } => {
                let obj = self.pop();
                let n = self.iconst(name as i64);
                let r = self.call_ctx(h::load_method as *const u8, &[obj, n]);
                self.decref(obj);
                self.check_raised(r, pc);
                let this = self.call_ctx(h::take_aux as *const u8, &[]);
                self.stack.push(r);
                self.stack.push(this);
            }
            Instr::Subscr { .. } => {
                let key = self.pop();
                let obj = self.pop();
                let r = self.call_ctx(h::subscr as *const u8, &[obj, key]);
                self.decref(obj);
                self.decref(key);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            Instr::StoreSubscr { .. } => {
                let key = self.pop();
                let obj = self.pop();
                let v = self.pop();
                let r = self.call_ctx(h::store_subscr as *const u8, &[obj, key, v]);
                self.decref(obj);
                self.decref(key);
                self.check_raised(r, pc);
            }
            Instr::Jump { target } => {
                let st = self.stack.clone();
                self.jump_to(target as usize, &st);
                return true;
            }
            Instr::JumpBackward { target } => {
                let r = self.call_ctx(h::check_interrupt as *const u8, &[]);
                self.check_raised(r, pc);
                let st = self.stack.clone();
                self.jump_to(target as usize, &st);
                return true;
            }
            Instr::PopJumpIfFalse { target } | Instr::PopJumpIfTrue { target } => {
                let jump_if = matches!(instr, Instr::PopJumpIfTrue { .. });
                let v = self.pop();
                let truth = self.truth(v, pc);
                let st = self.stack.clone();
                let args = Self::block_args(&st);
                let (tb, fb_) = (self.blocks[&(target as usize)], self.blocks[&(pc + 1)]);
                if jump_if {
                    self.bcx.ins().brif(truth, tb, &args, fb_, &args);
                } else {
                    self.bcx.ins().brif(truth, fb_, &args, tb, &args);
                }
                return true;
            }
            Instr::JumpIfFalseOrPop { target } | Instr::JumpIfTrueOrPop { target } => {
                let jump_if = matches!(instr, Instr::JumpIfTrueOrPop { .. });
                let v = *self.stack.last().unwrap_or(&self.ctx);
                // The value stays on the stack while truth is tested.
                let truth = self.truth_borrowed(v, pc);
                let kept = Self::block_args(&self.stack.clone());
                let popped_vals = self.stack[..self.stack.len() - 1].to_vec();
                // Fall-through pops (and releases) the value.
                let pop_block = self.bcx.create_block();
                let tb = self.blocks[&(target as usize)];
                if jump_if {
                    self.bcx.ins().brif(truth, tb, &kept, pop_block, &[]);
                } else {
                    self.bcx.ins().brif(truth, pop_block, &[], tb, &kept);
                }
                self.bcx.switch_to_block(pop_block);
                self.decref(v);
                self.stack = popped_vals;
                let st = self.stack.clone();
                self.jump_to(pc + 1, &st);
                return true;
            }
            Instr::GetIter => {
                let v = self.pop();
                let r = self.call_ctx(h::get_iter as *const u8, &[v]);
                self.decref(v);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            Instr::ForIter { target, .. } => {
                let it = *self.stack.last().unwrap_or(&self.ctx);
                let r = self.call_ctx(h::for_iter as *const u8, &[it]);
                self.check_raised(r, pc);
                let done = self.bcx.ins().icmp_imm_s(IntCC::Equal, r, abi::EXHAUSTED);
                let exhausted = self.bcx.create_block();
                let mut next_stack = self.stack.clone();
                next_stack.push(r);
                let next_args = Self::block_args(&next_stack);
                let nb = self.blocks[&(pc + 1)];
                self.bcx.ins().brif(done, exhausted, &[], nb, &next_args);
                self.bcx.switch_to_block(exhausted);
                self.decref(it);
                self.stack.pop();
                let st = self.stack.clone();
                self.jump_to(target as usize, &st);
                return true;
            }
            Instr::Return => {
                let v = self.pop();
                for i in 0..self.locals.len() {
                    let l = self.bcx.use_var(self.locals[i]);
                    self.decref(l);
                }
                for s in std::mem::take(&mut self.stack) {
                    self.decref(s);
                }
                self.bcx.ins().return_(&[v]);
                return true;
            }
            Instr::FormatValue { conv, has_spec } => {
                let spec = if has_spec {
                    self.pop()
                } else {
                    self.iconst(abi::EMPTY_BITS)
                };
                let v = self.pop();
                let c = self.iconst(conv as i64);
                let r = self.call_ctx(h::format_value as *const u8, &[c, v, spec]);
                self.decref(v);
                self.decref(spec);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            Instr::BuildTuple { n } | Instr::BuildList { n } | Instr::BuildString { n } => {
                let at = self.stack.len() - n as usize;
                let items = self.stack.split_off(at);
                for v in items {
                    self.call(h::arg as *const u8, &[self.ctx, v], false);
                }
                let f = match instr {
                    Instr::BuildTuple { .. } => h::build_tuple as *const u8,
                    Instr::BuildList { .. } => h::build_list as *const u8,
                    _ => h::build_string as *const u8,
                };
                let r = self.call_ctx(f, &[]);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            Instr::Call { argc, .. } => {
                let at = self.stack.len() - argc as usize;
                let args = self.stack.split_off(at);
                let callee = self.pop();
                for v in args {
                    self.call(h::arg as *const u8, &[self.ctx, v], false);
                }
                let r = self.call_ctx(h::call as *const u8, &[callee]);
                self.decref(callee);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            Instr::CallMethod { argc, .. } => {
                let at = self.stack.len() - argc as usize;
                let args = self.stack.split_off(at);
                let this = self.pop();
                let func = self.pop();
                for v in args {
                    self.call(h::arg as *const u8, &[self.ctx, v], false);
                }
                let r = self.call_ctx(h::call_method as *const u8, &[func, this]);
                self.decref(func);
                self.decref(this);
                self.check_raised(r, pc);
                self.stack.push(r);
            }
            _ => {
                // `analyze` refuses every other instruction; exit to be safe.
                let exit = self.emit_exit_block(pc, Reason::Unsupported);
                self.bcx.ins().jump(exit, &[]);
                return true;
            }
        }
        false
    }

    fn bool_bits(&mut self, c: Value) -> Value {
        let w = self.bcx.ins().uextend(I64, c);
        self.bcx.ins().bor_imm_s(w, abi::FALSE_BITS)
    }

    /// Truth of an owned value, which is released. Returns an i8 condition.
    fn truth(&mut self, v: Value, pc: usize) -> Value {
        // Keep `v` on the stack while testing, so an exit releases it.
        self.stack.push(v);
        let t = self.truth_borrowed(v, pc);
        self.stack.pop();
        self.decref(v);
        t
    }

    /// Truth of a value that stays owned by the stack.
    fn truth_borrowed(&mut self, v: Value, pc: usize) -> Value {
        let join = self.bcx.create_block();
        let res = self.bcx.append_block_param(join, types::I8);
        let slow = self.bcx.create_block();
        let not_true = self.bcx.create_block();
        let is_true = self.bcx.ins().icmp_imm_s(IntCC::Equal, v, abi::TRUE_BITS);
        let one = self.bcx.ins().iconst(types::I8, 1);
        let zero = self.bcx.ins().iconst(types::I8, 0);
        self.bcx
            .ins()
            .brif(is_true, join, &[BlockArg::Value(one)], not_true, &[]);
        self.bcx.switch_to_block(not_true);
        let is_false = self.bcx.ins().icmp_imm_s(IntCC::Equal, v, abi::FALSE_BITS);
        self.bcx
            .ins()
            .brif(is_false, join, &[BlockArg::Value(zero)], slow, &[]);
        self.bcx.switch_to_block(slow);
        // The exit must still see `v` on the stack: the interpreter
        // re-raises at this instruction with the operand gone, which the
        // handler's depth truncation makes irrelevant.
        let r = self.call_ctx(h::truthy as *const u8, &[v]);
        self.check_raised(r, pc);
        let c = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        self.bcx.ins().jump(join, &[BlockArg::Value(c)]);
        self.bcx.switch_to_block(join);
        res
    }

    fn both_ints(&mut self, a: Value, b: Value) -> Value {
        let ta = self.tag16(a);
        let tb = self.tag16(b);
        let ia = self.bcx.ins().icmp_imm_s(IntCC::Equal, ta, abi::INT_HI);
        let ib = self.bcx.ins().icmp_imm_s(IntCC::Equal, tb, abi::INT_HI);
        self.bcx.ins().band(ia, ib)
    }

    fn both_floats(&mut self, a: Value, b: Value) -> Value {
        let ta = self.bcx.ins().ushr_imm_s(a, 51);
        let tb = self.bcx.ins().ushr_imm_s(b, 51);
        let fa = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::NotEqual, ta, abi::NOT_FLOAT_HI13);
        let fb_ = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::NotEqual, tb, abi::NOT_FLOAT_HI13);
        self.bcx.ins().band(fa, fb_)
    }

    fn unbox_int(&mut self, v: Value) -> Value {
        let s = self.bcx.ins().ishl_imm_s(v, 16);
        self.bcx.ins().sshr_imm_s(s, 16)
    }

    fn unbox_float(&mut self, v: Value) -> Value {
        self.bcx.ins().bitcast(types::F64, MemFlagsData::new(), v)
    }

    fn box_float(&mut self, f: Value) -> Value {
        let bits = self.bcx.ins().bitcast(I64, MemFlagsData::new(), f);
        let nan = self.bcx.ins().fcmp(FloatCC::Unordered, f, f);
        let canon = self.iconst(abi::CANONICAL_NAN);
        self.bcx.ins().select(nan, canon, bits)
    }

    /// Box `r` as an immediate int, or go to `slow` when it needs > 48 bits.
    fn box_int_or(&mut self, r: Value, join: Block, slow: Block) {
        let chk = self.unbox_int(r);
        let fits = self.bcx.ins().icmp(IntCC::Equal, chk, r);
        let boxed = self.bcx.ins().band_imm_s(r, abi::PAYLOAD_MASK);
        let boxed = self.bcx.ins().bor_imm_s(boxed, abi::INT_TAG_BITS);
        self.bcx
            .ins()
            .brif(fits, join, &[BlockArg::Value(boxed)], slow, &[]);
    }

    fn lower_binary(&mut self, pc: usize, op: BinOp, slot: u16, inplace: bool) {
        let b = self.pop();
        let a = self.pop();
        let seen = self.feedback.slot(slot);
        let int_ok = seen & (fb::INT | fb::INT << 4) == (fb::INT | fb::INT << 4)
            && matches!(
                op,
                BinOp::Add
                    | BinOp::Sub
                    | BinOp::Mul
                    | BinOp::FloorDiv
                    | BinOp::Mod
                    | BinOp::BitAnd
                    | BinOp::BitOr
                    | BinOp::BitXor
            );
        let float_ok = seen & (fb::FLOAT | fb::FLOAT << 4) == (fb::FLOAT | fb::FLOAT << 4)
            && matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::TrueDiv);
        let join = self.bcx.create_block();
        let res = self.bcx.append_block_param(join, I64);
        let generic = self.bcx.create_block();
        let mut next = generic;
        if int_ok {
            let int_block = self.bcx.create_block();
            let after = if float_ok {
                self.bcx.create_block()
            } else {
                generic
            };
            let both = self.both_ints(a, b);
            self.bcx.ins().brif(both, int_block, &[], after, &[]);
            self.bcx.switch_to_block(int_block);
            let x = self.unbox_int(a);
            let y = self.unbox_int(b);
            self.int_op(op, x, y, join, generic);
            next = after;
            if float_ok {
                self.bcx.switch_to_block(after);
            }
        }
        if float_ok {
            let fblock = self.bcx.create_block();
            let both = self.both_floats(a, b);
            self.bcx.ins().brif(both, fblock, &[], generic, &[]);
            self.bcx.switch_to_block(fblock);
            let x = self.unbox_float(a);
            let y = self.unbox_float(b);
            let r = match op {
                BinOp::Add => self.bcx.ins().fadd(x, y),
                BinOp::Sub => self.bcx.ins().fsub(x, y),
                BinOp::Mul => self.bcx.ins().fmul(x, y),
                _ => {
                    let zero = self.bcx.ins().f64const(0.0);
                    let z = self.bcx.ins().fcmp(FloatCC::Equal, y, zero);
                    let ok = self.bcx.create_block();
                    self.bcx.ins().brif(z, generic, &[], ok, &[]);
                    self.bcx.switch_to_block(ok);
                    self.bcx.ins().fdiv(x, y)
                }
            };
            let bits = self.box_float(r);
            self.bcx.ins().jump(join, &[BlockArg::Value(bits)]);
            next = generic;
        }
        if !int_ok && !float_ok {
            self.bcx.ins().jump(generic, &[]);
        }
        let _ = next;
        self.bcx.set_cold_block(generic);
        self.bcx.switch_to_block(generic);
        let o = self.iconst(op as i64);
        let f = if inplace {
            h::inplace as *const u8
        } else {
            h::binary as *const u8
        };
        let r = self.call_ctx(f, &[o, a, b]);
        self.decref(a);
        self.decref(b);
        self.check_raised(r, pc);
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);
        self.bcx.switch_to_block(join);
        self.stack.push(res);
    }

    /// Integer fast path on unboxed 48-bit operands: jump to `join` with
    /// the boxed result, or to `slow` (overflow, division by zero).
    fn int_op(&mut self, op: BinOp, x: Value, y: Value, join: Block, slow: Block) {
        let r = match op {
            BinOp::Add => self.bcx.ins().iadd(x, y),
            BinOp::Sub => self.bcx.ins().isub(x, y),
            BinOp::Mul => {
                let (r, of) = self.bcx.ins().smul_overflow(x, y);
                let ok = self.bcx.create_block();
                self.bcx.ins().brif(of, slow, &[], ok, &[]);
                self.bcx.switch_to_block(ok);
                r
            }
            BinOp::BitAnd => self.bcx.ins().band(x, y),
            BinOp::BitOr => self.bcx.ins().bor(x, y),
            BinOp::BitXor => self.bcx.ins().bxor(x, y),
            BinOp::FloorDiv | BinOp::Mod => {
                let ok = self.bcx.create_block();
                let z = self.bcx.ins().icmp_imm_s(IntCC::Equal, y, 0);
                self.bcx.ins().brif(z, slow, &[], ok, &[]);
                self.bcx.switch_to_block(ok);
                // Python rounds toward negative infinity: adjust the
                // truncating result when the remainder's sign differs.
                let q = self.bcx.ins().sdiv(x, y);
                let rem = self.bcx.ins().srem(x, y);
                let nz = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, rem, 0);
                let sx = self.bcx.ins().bxor(rem, y);
                let neg = self.bcx.ins().icmp_imm_s(IntCC::SignedLessThan, sx, 0);
                let adjust = self.bcx.ins().band(nz, neg);
                if op == BinOp::FloorDiv {
                    let q1 = self.bcx.ins().iadd_imm_s(q, -1);
                    self.bcx.ins().select(adjust, q1, q)
                } else {
                    let r1 = self.bcx.ins().iadd(rem, y);
                    self.bcx.ins().select(adjust, r1, rem)
                }
            }
            _ => {
                self.bcx.ins().jump(slow, &[]);
                return;
            }
        };
        self.box_int_or(r, join, slow);
    }

    fn lower_compare(&mut self, pc: usize, op: CmpOp, slot: u16) {
        let b = self.pop();
        let a = self.pop();
        let seen = self.feedback.slot(slot);
        let int_ok = seen & (fb::INT | fb::INT << 4) == (fb::INT | fb::INT << 4);
        let float_ok = seen & (fb::FLOAT | fb::FLOAT << 4) == (fb::FLOAT | fb::FLOAT << 4);
        let join = self.bcx.create_block();
        let res = self.bcx.append_block_param(join, I64);
        let generic = self.bcx.create_block();
        let (icc, fcc) = match op {
            CmpOp::Lt => (IntCC::SignedLessThan, FloatCC::LessThan),
            CmpOp::Le => (IntCC::SignedLessThanOrEqual, FloatCC::LessThanOrEqual),
            CmpOp::Eq => (IntCC::Equal, FloatCC::Equal),
            CmpOp::Ne => (IntCC::NotEqual, FloatCC::NotEqual),
            CmpOp::Gt => (IntCC::SignedGreaterThan, FloatCC::GreaterThan),
            CmpOp::Ge => (IntCC::SignedGreaterThanOrEqual, FloatCC::GreaterThanOrEqual),
        };
        if int_ok {
            let ib = self.bcx.create_block();
            let after = if float_ok {
                self.bcx.create_block()
            } else {
                generic
            };
            let both = self.both_ints(a, b);
            self.bcx.ins().brif(both, ib, &[], after, &[]);
            self.bcx.switch_to_block(ib);
            let x = self.unbox_int(a);
            let y = self.unbox_int(b);
            let c = self.bcx.ins().icmp(icc, x, y);
            let r = self.bool_bits(c);
            self.bcx.ins().jump(join, &[BlockArg::Value(r)]);
            if float_ok {
                self.bcx.switch_to_block(after);
            }
        }
        if float_ok {
            let fblock = self.bcx.create_block();
            let both = self.both_floats(a, b);
            self.bcx.ins().brif(both, fblock, &[], generic, &[]);
            self.bcx.switch_to_block(fblock);
            let x = self.unbox_float(a);
            let y = self.unbox_float(b);
            let c = self.bcx.ins().fcmp(fcc, x, y);
            let r = self.bool_bits(c);
            self.bcx.ins().jump(join, &[BlockArg::Value(r)]);
        }
        if !int_ok && !float_ok {
            self.bcx.ins().jump(generic, &[]);
        }
        self.bcx.set_cold_block(generic);
        self.bcx.switch_to_block(generic);
        let o = self.iconst(op as i64);
        let r = self.call_ctx(h::compare as *const u8, &[o, a, b]);
        self.decref(a);
        self.decref(b);
        self.check_raised(r, pc);
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);
        self.bcx.switch_to_block(join);
        self.stack.push(res);
    }
}

/// The context type compiled code receives (for documentation and tests).
pub type Entry = unsafe extern "C" fn(*mut JitCtx, i64) -> i64;
