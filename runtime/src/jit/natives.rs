//! `math.sqrt(x)` and the other one-float `math` functions as native
//! operations: when the callee is that very built-in (its Rust function
//! pointer, compared inline) and the argument is a float, compiled code
//! computes the result itself — `sqrt`/`fabs` as instructions, the others
//! by a direct call of the `f64` function — with no boxing of the argument
//! and no generic call. A result the `math` module would reject (NaN from a
//! number, infinity from a finite number) and every other callee or
//! argument take the generic call, which raises exactly as the interpreter
//! (speculating: leave compiled code and re-execute the call there).

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, AbiParam, BlockArg, InstBuilder, MemFlagsData, Signature};

use super::abi;
use super::calls;
use super::deopt::Reason;
use super::layout;
use super::lower::{Lowerer, I64};
use super::types::Kind;
use crate::native::NativeFn;

/// A `math` function compiled code can compute natively.
#[derive(Clone, Copy)]
pub(super) struct FloatFn {
    native: NativeFn,
    op: fn(f64) -> f64,
    name: &'static str,
}

/// The native form of method `name` of a module, if `math` has one.
pub(super) fn float_fn(name: &str) -> Option<FloatFn> {
    crate::modules::math::jit_float_functions()
        .into_iter()
        .find(|(n, _, _)| *n == name)
        .map(|(name, native, op)| FloatFn { native, op, name })
}

extern "C" fn apply(op: i64, x: f64) -> f64 {
    // SAFETY: compiled code passes back an `op` taken from `FloatFn`.
    let f: fn(f64) -> f64 = unsafe { std::mem::transmute::<usize, fn(f64) -> f64>(op as usize) };
    f(x)
}

impl Lowerer<'_, '_> {
    /// `CallMethod` with one argument whose method is `f`'s name: the
    /// stack is [func, this, arg]. False (nothing emitted) when the
    /// layout of built-in functions is unknown.
    pub(super) fn lower_float_call(&mut self, pc: usize, f: FloatFn) -> bool {
        let Some(fn_off) = layout::native_fn() else {
            return false;
        };
        let arg = self.pop();
        let this = self.pop_boxed();
        let func = self.pop_boxed();
        let flags = MemFlagsData::trusted();
        // Speculating, anything unexpected re-executes the call in the
        // interpreter: no call on the way back into this code, so what
        // compiled code proved about lists (`list_facts.rs`) still holds.
        let slow = if self.speculate {
            let operands = [(func, Kind::Boxed), (this, Kind::Boxed), arg];
            self.exit_with_operands_any_reason(pc, &operands)
        } else {
            self.bcx.create_block()
        };
        // Speculating, the exit's reason: another callee or argument is a
        // failed guard; a result `math` rejects raises (`Reason::Raising`).
        let (guard_failed, raises) = match self.speculate {
            true => (
                vec![BlockArg::Value(self.iconst(Reason::TypeGuard as i64))],
                vec![BlockArg::Value(self.iconst(Reason::Raising as i64))],
            ),
            false => (Vec::new(), Vec::new()),
        };
        self.bcx.set_cold_block(slow);
        let join = self.bcx.create_block();
        let result_type = if self.speculate { types::F64 } else { I64 };
        let result = self.bcx.append_block_param(join, result_type);

        // The callee: `this` (a module function comes with an empty func)
        // must be the built-in whose Rust function is `f.native`.
        let no_func = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::Equal, func, abi::EMPTY_BITS);
        let t = self.tag16(this);
        let is_ptr = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::PTR_HI);
        let ok = self.bcx.ins().band(no_func, is_ptr);
        let mut ok = ok;
        let x = match arg.1 {
            Kind::Float => arg.0,
            Kind::Int => self.bcx.ins().fcvt_from_sint(types::F64, arg.0),
            Kind::Boxed | Kind::Borrowed => {
                let is_float = self.is_float(arg.0);
                let as_float = self.unbox_float(arg.0);
                // A small int converts as Python converts it.
                let is_int = self.is_small_int(arg.0);
                let i = self.unbox_int(arg.0);
                let as_int = self.bcx.ins().fcvt_from_sint(types::F64, i);
                let number = self.bcx.ins().bor(is_float, is_int);
                ok = self.bcx.ins().band(ok, number);
                self.bcx.ins().select(is_float, as_float, as_int)
            }
            Kind::Bool | Kind::RangeIter(_) => {
                ok = self.bcx.ins().iconst(types::I8, 0);
                self.bcx.ins().f64const(0.0)
            }
        };
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(ok, cont, &[], slow, &guard_failed);
        self.bcx.switch_to_block(cont);
        let p = self.bcx.ins().band_imm_s(this, abi::PAYLOAD_MASK);
        let kind = self.bcx.ins().uload8(I64, flags, p, layout::KIND);
        let is_native =
            self.bcx
                .ins()
                .icmp_imm_s(IntCC::Equal, kind, i64::from(layout::NATIVE_KIND));
        let fptr = self.bcx.ins().load(I64, flags, p, fn_off);
        let same = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::Equal, fptr, f.native as usize as i64);
        let is_it = self.bcx.ins().band(is_native, same);
        let compute = self.bcx.create_block();
        self.bcx
            .ins()
            .brif(is_it, compute, &[], slow, &guard_failed);

        self.bcx.switch_to_block(compute);
        let r = match f.name {
            "sqrt" => self.bcx.ins().sqrt(x),
            "fabs" => self.bcx.ins().fabs(x),
            _ => {
                let mut sig = Signature::new(self.call_conv());
                sig.params.push(AbiParam::new(I64));
                sig.params.push(AbiParam::new(types::F64));
                sig.returns.push(AbiParam::new(types::F64));
                let sig = self.bcx.import_signature(sig);
                let callee = self.iconst(apply as *const u8 as i64);
                let op = self.iconst(f.op as usize as i64);
                let call = self.bcx.ins().call_indirect(sig, callee, &[op, x]);
                self.bcx.inst_results(call)[0]
            }
        };
        // `math`'s rules: NaN from a number, or infinity from a finite
        // number, is an error the generic call raises.
        let r_nan = self.bcx.ins().fcmp(FloatCC::Unordered, r, r);
        let x_num = self.bcx.ins().fcmp(FloatCC::Ordered, x, x);
        let bad_nan = self.bcx.ins().band(r_nan, x_num);
        let inf = self.bcx.ins().f64const(f64::INFINITY);
        let r_abs = self.bcx.ins().fabs(r);
        let x_abs = self.bcx.ins().fabs(x);
        let r_inf = self.bcx.ins().fcmp(FloatCC::Equal, r_abs, inf);
        let x_fin = self.bcx.ins().fcmp(FloatCC::LessThan, x_abs, inf);
        let bad_inf = self.bcx.ins().band(r_inf, x_fin);
        let bad = self.bcx.ins().bor(bad_nan, bad_inf);
        if self.speculate {
            self.bcx
                .ins()
                .brif(bad, slow, &raises, join, &[BlockArg::Value(r)]);
            self.bcx.switch_to_block(join);
            self.decref(func);
            self.decref(this);
            self.push(result, Kind::Float);
            return true;
        }
        let boxed = self.box_float(r);
        self.bcx
            .ins()
            .brif(bad, slow, &[], join, &[BlockArg::Value(boxed)]);

        // Anything else: the generic call (which consumes the argument).
        self.bcx.switch_to_block(slow);
        let (buf, n) = self.args_buffer(vec![arg]);
        let r = self.call_ctx(calls::call_method_buf as *const u8, &[func, this, buf, n]);
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);

        // The fast path leaves the argument owned: a float or an int,
        // nothing to release.
        self.bcx.switch_to_block(join);
        self.decref(func);
        self.decref(this);
        self.check_raised(result, pc);
        self.push(result, Kind::Boxed);
        true
    }
}
