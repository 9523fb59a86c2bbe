//! Arithmetic, comparisons, truth tests, guards and boxing for the
//! lowering. Sites planned `Int`/`Float` by `types.rs` compute on unboxed
//! values behind guards that exit to the interpreter (which re-executes the
//! instruction) on a wrong type, an `i64` overflow or a division by zero;
//! `Generic` sites keep the boxed fast paths with the interpreter's own
//! rule (a helper) behind them.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, Block, BlockArg, InstBuilder, InstructionData, MemFlagsData, Opcode, Value, ValueDef,
};
use cranelift_frontend::FunctionBuilder;
use kiln_compiler::bytecode::{BinOp, CmpOp, UnaryOp};

use super::abi;
use super::deopt::Reason;
use super::helpers as h;
use super::lower::{Lowerer, I64};
use super::types::{binary_plan, compare_plan, unary_kind, Kind, Plan};
use crate::feedback::bits as fb;

impl Lowerer<'_, '_> {
    pub(super) fn bool_bits(&mut self, c: Value) -> Value {
        let w = self.bcx.ins().uextend(I64, c);
        self.bcx.ins().bor_imm_s(w, abi::FALSE_BITS)
    }

    /// The boxed (owned) bits of a stack entry.
    pub(super) fn boxed(&mut self, (v, k): (Value, Kind)) -> Value {
        match k {
            Kind::Boxed => v,
            // The stack or a callee will own it: take a reference.
            Kind::Borrowed => {
                self.incref(v);
                v
            }
            Kind::Int => self.box_int(v),
            Kind::Float => self.box_float(v),
            Kind::Bool => self.bool_bits(v),
            Kind::RangeIter(n) => self.materialise_range(n),
        }
    }

    /// Box an `i64`: inline when it fits the 48-bit immediate, else a
    /// helper allocates the big int.
    pub(super) fn box_int(&mut self, x: Value) -> Value {
        let chk = self.unbox_int(x);
        let fits = self.bcx.ins().icmp(IntCC::Equal, chk, x);
        let masked = self.bcx.ins().band_imm_s(x, abi::PAYLOAD_MASK);
        let fast = self.bcx.ins().bor_imm_s(masked, abi::INT_TAG_BITS);
        let join = self.bcx.create_block();
        let res = self.bcx.append_block_param(join, I64);
        let slow = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        self.bcx
            .ins()
            .brif(fits, join, &[BlockArg::Value(fast)], slow, &[]);
        self.bcx.switch_to_block(slow);
        let r = self
            .call(h::box_int as *const u8, &[x], true)
            .unwrap_or(fast);
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);
        self.bcx.switch_to_block(join);
        res
    }

    pub(super) fn unbox_int(&mut self, v: Value) -> Value {
        let s = self.bcx.ins().ishl_imm_s(v, 16);
        self.bcx.ins().sshr_imm_s(s, 16)
    }

    pub(super) fn unbox_float(&mut self, v: Value) -> Value {
        self.bcx.ins().bitcast(types::F64, MemFlagsData::new(), v)
    }

    pub(super) fn box_float(&mut self, f: Value) -> Value {
        let bits = self.bcx.ins().bitcast(I64, MemFlagsData::new(), f);
        let nan = self.bcx.ins().fcmp(FloatCC::Unordered, f, f);
        let canon = self.iconst(abi::CANONICAL_NAN);
        self.bcx.ins().select(nan, canon, bits)
    }

    /// Continue only when `ok`; otherwise take `exit`.
    pub(super) fn guard(&mut self, ok: Value, exit: Block) {
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(ok, cont, &[], exit, &[]);
        self.bcx.switch_to_block(cont);
    }

    /// Unconditional exit; lowering continues in an unreachable block.
    fn always_exit(&mut self, exit: Block, dummy: Value) -> Value {
        self.bcx.ins().jump(exit, &[]);
        let dead = self.bcx.create_block();
        self.bcx.switch_to_block(dead);
        dummy
    }

    pub(super) fn is_small_int(&mut self, v: Value) -> Value {
        let t = self.tag16(v);
        self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::INT_HI)
    }

    pub(super) fn is_float(&mut self, v: Value) -> Value {
        let t = self.bcx.ins().ushr_imm_s(v, 51);
        self.bcx
            .ins()
            .icmp_imm_s(IntCC::NotEqual, t, abi::NOT_FLOAT_HI13)
    }

    /// An unboxed int, or `exit` (boxed values must be small ints).
    pub(super) fn guard_int(&mut self, (v, k): (Value, Kind), exit: Block) -> Value {
        match k {
            Kind::Int => v,
            Kind::Boxed | Kind::Borrowed => {
                let ok = self.is_small_int(v);
                self.guard(ok, exit);
                self.unbox_int(v)
            }
            _ => {
                let z = self.iconst(0);
                self.always_exit(exit, z)
            }
        }
    }

    /// An unboxed float for a float-typed local: only floats qualify.
    pub(super) fn guard_float(&mut self, (v, k): (Value, Kind), exit: Block) -> Value {
        match k {
            Kind::Float => v,
            Kind::Boxed | Kind::Borrowed => {
                let ok = self.is_float(v);
                self.guard(ok, exit);
                self.unbox_float(v)
            }
            _ => {
                let z = self.bcx.ins().f64const(0.0);
                self.always_exit(exit, z)
            }
        }
    }

    /// An operand of a float operation: ints convert exactly as Python
    /// converts them (round to nearest); a boxed operand is guarded as the
    /// kind its feedback `side` saw.
    pub(super) fn float_operand(&mut self, (v, k): (Value, Kind), side: u8, exit: Block) -> Value {
        match k {
            Kind::Float => v,
            Kind::Int => self.bcx.ins().fcvt_from_sint(types::F64, v),
            Kind::Boxed | Kind::Borrowed if side == fb::INT => {
                let ok = self.is_small_int(v);
                self.guard(ok, exit);
                let i = self.unbox_int(v);
                self.bcx.ins().fcvt_from_sint(types::F64, i)
            }
            Kind::Boxed | Kind::Borrowed => {
                let ok = self.is_float(v);
                self.guard(ok, exit);
                self.unbox_float(v)
            }
            Kind::Bool | Kind::RangeIter(_) => {
                let z = self.bcx.ins().f64const(0.0);
                self.always_exit(exit, z)
            }
        }
    }

    /// Truth of a stack entry, which is released. Returns an i8 condition.
    pub(super) fn truth(&mut self, e: (Value, Kind), pc: usize) -> Value {
        if e.1 != Kind::Boxed {
            return self.truth_borrowed(e, pc);
        }
        // Keep `v` on the stack while testing, so an exit releases it.
        self.stack.push(e);
        let t = self.truth_borrowed(e, pc);
        self.stack.pop();
        self.decref(e.0);
        t
    }

    /// Truth of a value that stays owned by the stack.
    pub(super) fn truth_borrowed(&mut self, (v, k): (Value, Kind), pc: usize) -> Value {
        match k {
            Kind::Bool => return v,
            Kind::Int => return self.bcx.ins().icmp_imm_s(IntCC::NotEqual, v, 0),
            Kind::Float => {
                let z = self.bcx.ins().f64const(0.0);
                return self.bcx.ins().fcmp(FloatCC::NotEqual, v, z);
            }
            // An iterator is true.
            Kind::RangeIter(_) => return self.bcx.ins().iconst(types::I8, 1),
            Kind::Boxed | Kind::Borrowed => {}
        }
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
        let r = self.call_ctx(h::truthy as *const u8, &[v]);
        self.check_raised(r, pc);
        let c = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        self.bcx.ins().jump(join, &[BlockArg::Value(c)]);
        self.bcx.switch_to_block(join);
        res
    }

    pub(super) fn lower_unary(&mut self, pc: usize, op: UnaryOp) {
        let e = self.pop();
        let kind = if self.speculate {
            unary_kind(op, e.1)
        } else {
            Kind::Boxed
        };
        match kind {
            Kind::Int => {
                let exit = self.exit_with_operands(pc, Reason::Overflow, &[e]);
                let ok = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, e.0, i64::MIN);
                self.guard(ok, exit);
                let r = self.bcx.ins().ineg(e.0);
                self.push(r, Kind::Int);
            }
            Kind::Float => {
                let r = self.bcx.ins().fneg(e.0);
                self.push(r, Kind::Float);
            }
            Kind::Bool => {
                let r = self.bcx.ins().bxor_imm_s(e.0, 1);
                self.push(r, Kind::Bool);
            }
            Kind::Boxed | Kind::Borrowed | Kind::RangeIter(_) => {
                let v = self.boxed(e);
                let o = self.iconst(op as i64);
                let r = self.call_ctx(h::unary as *const u8, &[o, v]);
                self.decref(v);
                self.check_raised(r, pc);
                self.push(r, Kind::Boxed);
            }
        }
    }

    pub(super) fn lower_binary(&mut self, pc: usize, op: BinOp, slot: u16, inplace: bool) {
        // Native plans only read a borrowed operand (a number holds no
        // reference; an exit boxes it); the generic path takes its own.
        let b = self.pop_raw();
        let a = self.pop_raw();
        let seen = self.feedback.slot(slot);
        match binary_plan(self.speculate, op, seen, a.1.plain(), b.1.plain()) {
            Plan::Int => {
                let arith_exit = self.exit_with_operands(pc, Reason::Overflow, &[a, b]);
                let guard_exit = if a.1 == Kind::Int && b.1 == Kind::Int {
                    arith_exit
                } else {
                    self.exit_with_operands(pc, Reason::TypeGuard, &[a, b])
                };
                let x = self.guard_int(a, guard_exit);
                let y = self.guard_int(b, guard_exit);
                let r = self.int_op(op, x, y, arith_exit);
                self.push(r, Kind::Int);
            }
            Plan::Float => {
                let guard_exit = self.exit_with_operands(pc, Reason::TypeGuard, &[a, b]);
                let x = self.float_operand(a, seen & 0xF, guard_exit);
                let y = self.float_operand(b, seen >> 4, guard_exit);
                let r = match op {
                    BinOp::Add => self.bcx.ins().fadd(x, y),
                    BinOp::Sub => self.bcx.ins().fsub(x, y),
                    BinOp::Mul => self.bcx.ins().fmul(x, y),
                    _ => {
                        let arith_exit = self.exit_with_operands(pc, Reason::Overflow, &[a, b]);
                        let zero = self.bcx.ins().f64const(0.0);
                        let nz = self.bcx.ins().fcmp(FloatCC::NotEqual, y, zero);
                        self.guard(nz, arith_exit);
                        self.bcx.ins().fdiv(x, y)
                    }
                };
                self.push(r, Kind::Float);
            }
            Plan::Generic => {
                // The helpers only read their operands.
                let a = self.borrow_of(a);
                let b = self.borrow_of(b);
                self.generic_binary(pc, op, seen, inplace, a, b);
            }
        }
    }

    /// Native int operation on unboxed `i64`s; `exit` on overflow or a
    /// zero divisor.
    pub(super) fn int_op(&mut self, op: BinOp, x: Value, y: Value, exit: Block) -> Value {
        match native_int_op(&mut self.bcx, op, x, y, exit) {
            Some(r) => r,
            None => {
                let z = self.iconst(0);
                self.always_exit(exit, z)
            }
        }
    }

    fn both_ints(&mut self, a: Value, b: Value) -> Value {
        let ia = self.is_small_int(a);
        let ib = self.is_small_int(b);
        self.bcx.ins().band(ia, ib)
    }

    fn both_floats(&mut self, a: Value, b: Value) -> Value {
        let fa = self.is_float(a);
        let fb_ = self.is_float(b);
        self.bcx.ins().band(fa, fb_)
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

    /// Boxed operands: inline int/float paths when the feedback saw them,
    /// the interpreter's rule otherwise.
    fn generic_binary(
        &mut self,
        pc: usize,
        op: BinOp,
        seen: u8,
        inplace: bool,
        (a, a_borrowed): (Value, bool),
        (b, b_borrowed): (Value, bool),
    ) {
        let int_ok = seen & (fb::INT | fb::INT << 4) == (fb::INT | fb::INT << 4)
            && matches!(
                op,
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor
            );
        let float_ok = seen & (fb::FLOAT | fb::FLOAT << 4) == (fb::FLOAT | fb::FLOAT << 4)
            && matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul);
        let join = self.bcx.create_block();
        let res = self.bcx.append_block_param(join, I64);
        let generic = self.bcx.create_block();
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
            // 48-bit operands: add/sub cannot overflow i64.
            let r = match op {
                BinOp::Add => self.bcx.ins().iadd(x, y),
                BinOp::Sub => self.bcx.ins().isub(x, y),
                BinOp::Mul => {
                    let (r, of) = self.bcx.ins().smul_overflow(x, y);
                    let ok = self.bcx.create_block();
                    self.bcx.ins().brif(of, generic, &[], ok, &[]);
                    self.bcx.switch_to_block(ok);
                    r
                }
                BinOp::BitAnd => self.bcx.ins().band(x, y),
                BinOp::BitOr => self.bcx.ins().bor(x, y),
                _ => self.bcx.ins().bxor(x, y),
            };
            self.box_int_or(r, join, generic);
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
                _ => self.bcx.ins().fmul(x, y),
            };
            let bits = self.box_float(r);
            self.bcx.ins().jump(join, &[BlockArg::Value(bits)]);
        }
        if !int_ok && !float_ok {
            self.bcx.ins().jump(generic, &[]);
        }
        self.bcx.set_cold_block(generic);
        self.bcx.switch_to_block(generic);
        let o = self.iconst(op as i64);
        let f = if inplace {
            h::inplace as *const u8
        } else {
            h::binary as *const u8
        };
        let r = self.call_ctx(f, &[o, a, b]);
        self.end_borrow((a, a_borrowed));
        self.end_borrow((b, b_borrowed));
        self.check_raised(r, pc);
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);
        self.bcx.switch_to_block(join);
        self.push(res, Kind::Boxed);
    }

    pub(super) fn lower_compare(&mut self, pc: usize, op: CmpOp, slot: u16) {
        // As in `lower_binary`: borrowed operands are read in place.
        let b = self.pop_raw();
        let a = self.pop_raw();
        let seen = self.feedback.slot(slot);
        let (icc, fcc) = condition_codes(op);
        match compare_plan(self.speculate, seen, a.1.plain(), b.1.plain()) {
            Plan::Int => {
                let exit = self.exit_with_operands(pc, Reason::TypeGuard, &[a, b]);
                let x = self.guard_int(a, exit);
                let y = self.guard_int(b, exit);
                let c = self.bcx.ins().icmp(icc, x, y);
                self.push(c, Kind::Bool);
            }
            Plan::Float => {
                let exit = self.exit_with_operands(pc, Reason::TypeGuard, &[a, b]);
                let x = self.guard_float(a, exit);
                let y = self.guard_float(b, exit);
                let c = self.bcx.ins().fcmp(fcc, x, y);
                self.push(c, Kind::Bool);
            }
            Plan::Generic => {
                let a = self.borrow_of(a);
                let b = self.borrow_of(b);
                let r = self.generic_compare(pc, op, seen, icc, a, b);
                self.push(r, Kind::Boxed);
            }
        }
    }

    fn generic_compare(
        &mut self,
        pc: usize,
        op: CmpOp,
        seen: u8,
        icc: IntCC,
        (a, a_borrowed): (Value, bool),
        (b, b_borrowed): (Value, bool),
    ) -> Value {
        let int_ok = seen & (fb::INT | fb::INT << 4) == (fb::INT | fb::INT << 4);
        let join = self.bcx.create_block();
        let res = self.bcx.append_block_param(join, I64);
        let generic = self.bcx.create_block();
        if int_ok {
            let ib = self.bcx.create_block();
            let both = self.both_ints(a, b);
            self.bcx.ins().brif(both, ib, &[], generic, &[]);
            self.bcx.switch_to_block(ib);
            let x = self.unbox_int(a);
            let y = self.unbox_int(b);
            let c = self.bcx.ins().icmp(icc, x, y);
            let r = self.bool_bits(c);
            self.bcx.ins().jump(join, &[BlockArg::Value(r)]);
        } else {
            self.bcx.ins().jump(generic, &[]);
        }
        self.bcx.set_cold_block(generic);
        self.bcx.switch_to_block(generic);
        let o = self.iconst(op as i64);
        let r = self.call_ctx(h::compare as *const u8, &[o, a, b]);
        self.end_borrow((a, a_borrowed));
        self.end_borrow((b, b_borrowed));
        self.check_raised(r, pc);
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);
        self.bcx.switch_to_block(join);
        res
    }
}

/// `x op y` on `i64`s as Python computes it, in `bcx`'s current block:
/// a branch to `exit` on overflow or a zero divisor, the code going on in
/// a new block. None (nothing emitted) for an operator with no native
/// form here (`/`, `**`, shifts).
pub(super) fn native_int_op(
    bcx: &mut FunctionBuilder,
    op: BinOp,
    x: Value,
    y: Value,
    exit: Block,
) -> Option<Value> {
    let guard = |bcx: &mut FunctionBuilder, ok: Value| {
        let cont = bcx.create_block();
        bcx.ins().brif(ok, cont, &[], exit, &[]);
        bcx.switch_to_block(cont);
    };
    let r = match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul => {
            let (r, of) = match op {
                BinOp::Add => bcx.ins().sadd_overflow(x, y),
                BinOp::Sub => bcx.ins().ssub_overflow(x, y),
                _ => bcx.ins().smul_overflow(x, y),
            };
            let cont = bcx.create_block();
            bcx.ins().brif(of, exit, &[], cont, &[]);
            bcx.switch_to_block(cont);
            r
        }
        BinOp::BitAnd => bcx.ins().band(x, y),
        BinOp::BitOr => bcx.ins().bor(x, y),
        BinOp::BitXor => bcx.ins().bxor(x, y),
        // Python's `//` and `%` (rounding toward negative infinity).
        BinOp::FloorDiv | BinOp::Mod => {
            let divisor = constant_of(bcx, y);
            // By a power of two they are exactly an arithmetic shift and a
            // mask, for every sign of `x`.
            if let Some(d) = divisor.filter(|&d| d > 0 && d & (d - 1) == 0) {
                return Some(match op {
                    BinOp::FloorDiv => bcx.ins().sshr_imm_s(x, i64::from(d.trailing_zeros())),
                    _ => bcx.ins().band_imm_s(x, d - 1),
                });
            }
            // A constant divisor other than 0 and -1 needs neither check.
            if divisor.is_none_or(|d| d == 0 || d == -1) {
                let nz = bcx.ins().icmp_imm_s(IntCC::NotEqual, y, 0);
                guard(bcx, nz);
                // i64::MIN // -1 overflows (and traps in `sdiv`).
                let not_min = bcx.ins().icmp_imm_s(IntCC::NotEqual, x, i64::MIN);
                let not_m1 = bcx.ins().icmp_imm_s(IntCC::NotEqual, y, -1);
                let safe = bcx.ins().bor(not_min, not_m1);
                guard(bcx, safe);
            }
            let q = bcx.ins().sdiv(x, y);
            let rem = bcx.ins().srem(x, y);
            let rem_nz = bcx.ins().icmp_imm_s(IntCC::NotEqual, rem, 0);
            let sx = bcx.ins().bxor(rem, y);
            let neg = bcx.ins().icmp_imm_s(IntCC::SignedLessThan, sx, 0);
            let adjust = bcx.ins().band(rem_nz, neg);
            if op == BinOp::FloorDiv {
                let q1 = bcx.ins().iadd_imm_s(q, -1);
                bcx.ins().select(adjust, q1, q)
            } else {
                let r1 = bcx.ins().iadd(rem, y);
                bcx.ins().select(adjust, r1, rem)
            }
        }
        _ => return None,
    };
    Some(r)
}

/// The value of `v` when the builder made it with `iconst`.
pub(super) fn constant_of(bcx: &FunctionBuilder, v: Value) -> Option<i64> {
    let ValueDef::Result(inst, _) = bcx.func.dfg.value_def(v) else {
        return None;
    };
    match bcx.func.dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => Some(imm.bits()),
        _ => None,
    }
}

/// The Cranelift conditions of a comparison, on ints and on floats.
pub(super) fn condition_codes(op: CmpOp) -> (IntCC, FloatCC) {
    match op {
        CmpOp::Lt => (IntCC::SignedLessThan, FloatCC::LessThan),
        CmpOp::Le => (IntCC::SignedLessThanOrEqual, FloatCC::LessThanOrEqual),
        CmpOp::Eq => (IntCC::Equal, FloatCC::Equal),
        CmpOp::Ne => (IntCC::NotEqual, FloatCC::NotEqual),
        CmpOp::Gt => (IntCC::SignedGreaterThan, FloatCC::GreaterThan),
        CmpOp::Ge => (IntCC::SignedGreaterThanOrEqual, FloatCC::GreaterThanOrEqual),
    }
}
