//! Pure recursive functions as native functions on `i64`s.
//!
//! A *pure recursive* function takes plain positional parameters and its
//! body is int arithmetic, comparisons, forward branches and returns of
//! ints, reading no global but its own name and calling nothing but
//! itself through that name (`fib`, `gcd`, `ackermann`, `binomial`...):
//! it has no effect but its result. Such a function is compiled into a
//! separate native function, `(args.., budget, interrupt) -> (value,
//! failed)`, whose calls of itself are plain native calls: no boxing, no
//! context, no call-site checks.
//!
//! Like a pure leaf (`inline.rs`), it is a fast path at the call sites of
//! compiled code that call the global it is bound to, with the ordinary
//! call as the slow path: the callee is checked to be that function, the
//! arguments to be ints, and any failure on the way — an `i64` overflow,
//! a zero divisor, the recursion budget (what the interpreter's recursion
//! limit leaves), an interrupt — abandons the whole native computation,
//! which had no visible effect, and makes the real call, which then does
//! exactly what the interpreter does (big ints, `RecursionError`, the
//! deadline, tracebacks). A site whose native calls keep failing stops
//! trying (`inline::InlineSite`).
//!
//! Each call of itself in the function's body gets a copy of the body
//! inlined (one level, when the body is small): half of a recursion's
//! calls are leaves, which then cost a compare instead of a call, and
//! the remaining calls do twice the work per prologue. An inlined copy
//! spends a unit of the budget like the call it replaces; it does not
//! test the interrupt flag (the next real call does).
//!
//! The name a pure function calls is read once, by its caller: the
//! function is a candidate only when it lives in the caller's own globals
//! (`inline::candidates`), so the caller's check of the global is the
//! check of the function's self-reference, and nothing the native code
//! runs can rebind it.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, FuncRef, InstBuilder, MemFlagsData, UserFuncName, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Linkage, Module};
use kiln_compiler::bytecode::{CodeFlags, CodeObject, Constant, Instr, UnaryOp};

use super::analyze::Refusal;
use super::arith::{condition_codes, native_int_op};
use super::backend::{dump_compiled, dump_requested};
use super::types::int_op;

const I64: types::Type = types::I64;

/// At most this many parameters (all passed in registers).
const MAX_PARAMS: usize = 6;

/// What a value on the abstract stack of a pure body is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Int,
    Bool,
    /// The function itself, about to be called.
    Me,
}

/// Whether `code` is a pure recursive function (see the module comment)
/// whose name, for its calls of itself, is `code.name`.
pub fn is_pure_recursive(code: &CodeObject) -> bool {
    plan(code).is_some()
}

/// For each instruction of a pure body, the depth of the value stack
/// (all ints) where it is a jump target, else None; None for all when
/// `code` is not pure.
///
/// One pass in instruction order suffices: every jump goes forward, so a
/// target's state (the locals surely assigned, the depth of the stack)
/// is known before it is reached.
fn plan(code: &CodeObject) -> Option<Vec<Option<usize>>> {
    let special = CodeFlags::VARARGS
        | CodeFlags::VARKEYWORDS
        | CodeFlags::GENERATOR
        | CodeFlags::COROUTINE
        | CodeFlags::CLASS_BODY
        | CodeFlags::MODULE;
    let params = code.arg_count as usize;
    let pure_frame = !code.flags.has(special)
        && code.kwonly_count == 0
        && code.cellvars.is_empty()
        && code.freevars.is_empty()
        && code.exception_table.is_empty()
        && (1..=MAX_PARAMS).contains(&params)
        && code.varnames.len() <= 64;
    if !pure_frame {
        return None;
    }
    let n = code.code.len();
    let locals = code.varnames.len();
    // The locals surely assigned on entry to each instruction reached by
    // a jump (bit i: local i), intersected over the jumps, and the depth
    // of the stack there (the same over all of them; ints only, as a
    // conditional expression leaves).
    let mut at_target: Vec<Option<(u64, usize)>> = vec![None; n + 1];
    let mut stack: Vec<Shape> = Vec::new();
    let mut assigned: Option<u64> = Some((1u64 << params) - 1);
    let mut returns = false;
    for pc in 0..n {
        assigned = match (assigned, at_target[pc]) {
            (Some(a), Some((t, depth))) if stack.len() == depth => Some(a & t),
            (Some(_), Some(_)) => return None,
            (None, Some((t, depth))) => {
                stack = vec![Shape::Int; depth];
                Some(t)
            }
            (a, None) => a,
        };
        // Unreachable code (after a return or a jump) is never run.
        let Some(mut live) = assigned else { continue };
        let mut jump_to = |target: u32, live: u64, stack: &[Shape]| {
            let t = target as usize;
            if t <= pc || t >= n || stack.iter().any(|s| *s != Shape::Int) {
                return false;
            }
            let (mask, depth) = at_target[t].unwrap_or((live, stack.len()));
            at_target[t] = Some((mask & live, depth));
            depth == stack.len()
        };
        let ok = match code.code[pc] {
            Instr::Nop => true,
            Instr::LoadFast { idx } => {
                stack.push(Shape::Int);
                (idx as usize) < locals && live & (1 << idx) != 0
            }
            Instr::StoreFast { idx } => {
                live |= 1u64.checked_shl(idx).unwrap_or(0);
                assigned = Some(live);
                (idx as usize) < locals && stack.pop() == Some(Shape::Int)
            }
            Instr::LoadConst { idx } => {
                stack.push(Shape::Int);
                matches!(code.consts.get(idx as usize), Some(Constant::Int(_)))
            }
            Instr::LoadGlobal { name } => {
                stack.push(Shape::Me);
                code.names
                    .get(name as usize)
                    .is_some_and(|n| **n == *code.name)
            }
            Instr::Binary { op, .. } | Instr::InPlace { op, .. } => {
                let native = int_op(op);
                let ints = stack.pop() == Some(Shape::Int) && stack.pop() == Some(Shape::Int);
                stack.push(Shape::Int);
                native && ints
            }
            Instr::Compare { .. } => {
                let ints = stack.pop() == Some(Shape::Int) && stack.pop() == Some(Shape::Int);
                stack.push(Shape::Bool);
                ints
            }
            Instr::Unary { op: UnaryOp::Neg } => stack.last() == Some(&Shape::Int),
            Instr::Unary { op: UnaryOp::Not } => match stack.pop() {
                Some(Shape::Int | Shape::Bool) => {
                    stack.push(Shape::Bool);
                    true
                }
                _ => false,
            },
            Instr::PopJumpIfFalse { target } | Instr::PopJumpIfTrue { target } => {
                matches!(stack.pop(), Some(Shape::Int | Shape::Bool))
                    && jump_to(target, live, &stack)
            }
            Instr::Jump { target } => {
                assigned = None;
                jump_to(target, live, &stack)
            }
            Instr::Call { argc, .. } => {
                let argc = argc as usize;
                let at = stack.len().checked_sub(argc + 1);
                let ok = argc == params
                    && at.is_some_and(|at| {
                        stack[at] == Shape::Me && stack[at + 1..].iter().all(|s| *s == Shape::Int)
                    });
                stack.truncate(at.unwrap_or(0));
                stack.push(Shape::Int);
                ok
            }
            Instr::Return => {
                assigned = None;
                returns = true;
                stack.pop() == Some(Shape::Int) && stack.is_empty()
            }
            _ => false,
        };
        if !ok {
            return None;
        }
    }
    // Falling off the end is impossible in compiled code (it ends in a
    // return), but a body that did would not be pure.
    let targets = at_target
        .iter()
        .map(|t| t.map(|(_, depth)| depth))
        .collect();
    (returns && assigned.is_none()).then_some(targets)
}

/// Declare and define the native form of pure function `code` in
/// `module` (as `name`): parameters `arg_count` `i64`s, then the call
/// budget and the address of the isolate's interrupt flag; results the
/// value and a failure flag (1: abandon, the value is meaningless).
pub fn define(
    module: &mut JITModule,
    ctx: &mut cranelift_codegen::Context,
    fctx: &mut FunctionBuilderContext,
    code: &CodeObject,
    name: &str,
) -> Result<FuncId, Refusal> {
    let codegen = |e: String| Refusal::Codegen(e);
    let Some(targets) = plan(code) else {
        return Err(Refusal::Codegen(format!("{} is not pure", code.name)));
    };
    let mut sig = module.make_signature();
    for _ in 0..code.arg_count as usize + 2 {
        sig.params.push(AbiParam::new(I64));
    }
    sig.returns.push(AbiParam::new(I64));
    sig.returns.push(AbiParam::new(I64));
    let id = module
        .declare_function(name, Linkage::Local, &sig)
        .map_err(|e| codegen(e.to_string()))?;
    module.clear_context(ctx);
    ctx.func.signature = sig;
    ctx.func.name = UserFuncName::user(1, id.as_u32());
    let me = module.declare_func_in_func(id, &mut ctx.func);
    let config = module.target_config();
    {
        let bcx = FunctionBuilder::new(&mut ctx.func, fctx);
        PureLowering::new(bcx, code, me, &targets).lower(config);
    }
    let dump = dump_requested();
    ctx.set_disasm(dump);
    module
        .define_function(id, ctx)
        .map_err(|e| codegen(format!("{e:?}")))?;
    if dump {
        dump_compiled(&format!("{} (native)", code.name), ctx);
    }
    module.clear_context(ctx);
    Ok(id)
}

/// Bodies of at most this many instructions, with at most this many
/// calls of themselves, are inlined into their own calls (the code
/// grows by the body once per call).
const INLINE_MAX_INSTRS: usize = 48;
const INLINE_MAX_CALLS: usize = 3;

struct PureLowering<'a> {
    bcx: FunctionBuilder<'a>,
    code: &'a CodeObject,
    me: FuncRef,
    /// `plan`'s stack depth at each jump target.
    targets: &'a [Option<usize>],
    /// Returns (0, 1): abandon.
    fail: Block,
    /// The address of the isolate's interrupt flag.
    interrupt: Value,
    /// The entry block's parameters.
    params: Vec<Value>,
}

/// One copy of the body being lowered: the function's own, or one
/// inlined at a call of itself.
struct Frame {
    blocks: HashMap<usize, Block>,
    locals: Vec<Variable>,
    /// The calls this copy may still make (what the recursion limit
    /// leaves).
    budget: Value,
    /// Where a `return` goes: out of the native function, or, for an
    /// inlined copy, to this block with the value as its parameter.
    ret: Option<Block>,
    /// Whether this copy's calls of itself get an inlined copy.
    inline_calls: bool,
}

/// Whether `code`'s body is small enough to inline into its own calls.
fn inlinable(code: &CodeObject) -> bool {
    let calls = code
        .code
        .iter()
        .filter(|i| matches!(i, Instr::Call { .. }))
        .count();
    code.code.len() <= INLINE_MAX_INSTRS && calls <= INLINE_MAX_CALLS
}

impl<'a> PureLowering<'a> {
    fn new(
        mut bcx: FunctionBuilder<'a>,
        code: &'a CodeObject,
        me: FuncRef,
        targets: &'a [Option<usize>],
    ) -> Self {
        let fail = bcx.create_block();
        bcx.set_cold_block(fail);
        let entry = bcx.create_block();
        bcx.append_block_params_for_function_params(entry);
        bcx.switch_to_block(entry);
        let params = bcx.block_params(entry).to_vec();
        // The parameters: the arguments, the budget, the flag's address.
        let interrupt = params[code.arg_count as usize + 1];
        PureLowering {
            bcx,
            code,
            me,
            targets,
            fail,
            interrupt,
            params,
        }
    }

    /// The block of jump target `pc` in `frame`, with a parameter per
    /// stack entry.
    fn block_at(&mut self, frame: &mut Frame, pc: usize) -> Block {
        if let Some(&b) = frame.blocks.get(&pc) {
            return b;
        }
        let b = self.bcx.create_block();
        for _ in 0..self.target_depth(pc).unwrap_or(0) {
            self.bcx.append_block_param(b, I64);
        }
        frame.blocks.insert(pc, b);
        b
    }

    /// A frame whose parameters are `args` (the other locals are never
    /// read before they are assigned: `plan`).
    fn frame(&mut self, args: &[Value], budget: Value, ret: Option<Block>) -> Frame {
        let mut locals = Vec::with_capacity(self.code.varnames.len());
        for i in 0..self.code.varnames.len() {
            let var = self.bcx.declare_var(I64);
            let v = match args.get(i) {
                Some(&a) => a,
                None => self.bcx.ins().iconst(I64, 0),
            };
            self.bcx.def_var(var, v);
            locals.push(var);
        }
        Frame {
            blocks: HashMap::new(),
            locals,
            budget,
            ret,
            inline_calls: false,
        }
    }

    /// The stack depth at `pc` when it is a jump target.
    fn target_depth(&self, pc: usize) -> Option<usize> {
        self.targets.get(pc).copied().flatten()
    }

    fn args(stack: &[Value]) -> Vec<BlockArg> {
        stack.iter().map(|&v| BlockArg::Value(v)).collect()
    }

    /// Go on in a new block when `ok`, else abandon.
    fn guard(&mut self, ok: Value) {
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(ok, cont, &[], self.fail, &[]);
        self.bcx.switch_to_block(cont);
    }

    fn lower(mut self, config: cranelift_codegen::isa::TargetFrontendConfig) {
        let argc = self.code.arg_count as usize;
        let (params, interrupt) = (std::mem::take(&mut self.params), self.interrupt);
        let budget = params[argc];
        let mut top = self.frame(&params[..argc], budget, None);
        top.inline_calls = inlinable(self.code);
        // Every call spends one unit of the budget; an interrupt stops it.
        let flag = self
            .bcx
            .ins()
            .uload8(I64, MemFlagsData::trusted(), interrupt, 0);
        // Two compare-and-branch pairs: fewer instructions than one
        // branch on the two conditions combined.
        let quiet = self.bcx.ins().icmp_imm_s(IntCC::Equal, flag, 0);
        self.guard(quiet);
        let left = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThan, budget, 0);
        self.guard(left);
        self.lower_body(&mut top);
        self.bcx.switch_to_block(self.fail);
        let zero = self.bcx.ins().iconst(I64, 0);
        let one = self.bcx.ins().iconst(I64, 1);
        self.bcx.ins().return_(&[zero, one]);
        self.bcx.seal_all_blocks();
        self.bcx.finalize(config);
    }

    /// Lower the body once into `frame`, from the current block; every
    /// path ends in a return (or, inlined, a jump to `frame.ret`).
    fn lower_body(&mut self, frame: &mut Frame) {
        let mut stack: Vec<Value> = Vec::new();
        let mut live = true;
        for pc in 0..self.code.code.len() {
            if self.target_depth(pc).is_some() {
                let b = self.block_at(frame, pc);
                if live {
                    self.bcx.ins().jump(b, &Self::args(&stack));
                }
                self.bcx.switch_to_block(b);
                stack = self.bcx.block_params(b).to_vec();
                live = true;
            }
            if !live {
                continue;
            }
            live = self.lower_instr(frame, pc, &mut stack);
        }
    }

    /// A call of the function itself on `args` from `frame`: an inlined
    /// copy of the body when `frame` inlines its calls, else a native
    /// call. Its value, or abandon.
    fn lower_self_call(&mut self, frame: &Frame, mut args: Vec<Value>) -> Value {
        let less = self.bcx.ins().iadd_imm_s(frame.budget, -1);
        if frame.inline_calls {
            // The copy stands for one more frame of the recursion.
            let left = self.bcx.ins().icmp_imm_s(IntCC::SignedGreaterThan, less, 0);
            self.guard(left);
            let after = self.bcx.create_block();
            let v = self.bcx.append_block_param(after, I64);
            let mut copy = self.frame(&args, less, Some(after));
            self.lower_body(&mut copy);
            self.bcx.switch_to_block(after);
            return v;
        }
        args.push(less);
        args.push(self.interrupt);
        let call = self.bcx.ins().call(self.me, &args);
        let (v, failed) = {
            let r = self.bcx.inst_results(call);
            (r[0], r[1])
        };
        let ok = self.bcx.ins().icmp_imm_s(IntCC::Equal, failed, 0);
        self.guard(ok);
        v
    }

    /// Lower one instruction of a plan-approved body; false when it ends
    /// the straight-line code (a return or a jump). Conditions are `i8`s.
    fn lower_instr(&mut self, frame: &mut Frame, pc: usize, stack: &mut Vec<Value>) -> bool {
        let code = self.code;
        // `plan` checked the depths: the fallback is never used.
        let pop = |s: &mut Vec<Value>, bcx: &mut FunctionBuilder| match s.pop() {
            Some(v) => v,
            None => bcx.ins().iconst(I64, 0),
        };
        match code.code[pc] {
            Instr::LoadFast { idx } => {
                let v = self.bcx.use_var(frame.locals[idx as usize]);
                stack.push(v);
            }
            Instr::StoreFast { idx } => {
                let v = pop(stack, &mut self.bcx);
                self.bcx.def_var(frame.locals[idx as usize], v);
            }
            Instr::LoadConst { idx } => {
                let c = match code.consts.get(idx as usize) {
                    Some(Constant::Int(i)) => *i,
                    _ => 0,
                };
                stack.push(self.bcx.ins().iconst(I64, c));
            }
            // The callee slot: the function itself, called by `me`.
            Instr::LoadGlobal { .. } => stack.push(self.bcx.ins().iconst(I64, 0)),
            Instr::Binary { op, .. } | Instr::InPlace { op, .. } => {
                let y = pop(stack, &mut self.bcx);
                let x = pop(stack, &mut self.bcx);
                let r = match native_int_op(&mut self.bcx, op, x, y, self.fail) {
                    Some(r) => r,
                    None => self.bcx.ins().iconst(I64, 0),
                };
                stack.push(r);
            }
            Instr::Compare { op, .. } => {
                let y = pop(stack, &mut self.bcx);
                let x = pop(stack, &mut self.bcx);
                let (cc, _) = condition_codes(op);
                let c = self.bcx.ins().icmp(cc, x, y);
                stack.push(self.bcx.ins().uextend(I64, c));
            }
            Instr::Unary { op: UnaryOp::Neg } => {
                let x = pop(stack, &mut self.bcx);
                let ok = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, x, i64::MIN);
                self.guard(ok);
                stack.push(self.bcx.ins().ineg(x));
            }
            Instr::Unary { .. } => {
                // `not`: of an int or of a condition (0 or 1) alike.
                let x = pop(stack, &mut self.bcx);
                let c = self.bcx.ins().icmp_imm_s(IntCC::Equal, x, 0);
                stack.push(self.bcx.ins().uextend(I64, c));
            }
            Instr::PopJumpIfFalse { target } | Instr::PopJumpIfTrue { target } => {
                let x = pop(stack, &mut self.bcx);
                let jump_if_true = matches!(code.code[pc], Instr::PopJumpIfTrue { .. });
                let there = self.block_at(frame, target as usize);
                let next_is_target = self.target_depth(pc + 1).is_some();
                let next = match next_is_target {
                    true => self.block_at(frame, pc + 1),
                    false => self.bcx.create_block(),
                };
                let there_args = Self::args(stack);
                let next_args = match next_is_target {
                    true => Self::args(stack),
                    false => Vec::new(),
                };
                match jump_if_true {
                    true => self.bcx.ins().brif(x, there, &there_args, next, &next_args),
                    false => self.bcx.ins().brif(x, next, &next_args, there, &there_args),
                };
                // A target at `pc + 1` is switched to by the caller.
                if !next_is_target {
                    self.bcx.switch_to_block(next);
                    return true;
                }
                return false;
            }
            Instr::Jump { target } => {
                let there = self.block_at(frame, target as usize);
                self.bcx.ins().jump(there, &Self::args(stack));
                return false;
            }
            Instr::Call { argc, .. } => {
                let at = stack.len().saturating_sub(argc as usize);
                let args: Vec<Value> = stack.split_off(at);
                stack.pop();
                let v = self.lower_self_call(frame, args);
                stack.push(v);
            }
            Instr::Return => {
                let v = pop(stack, &mut self.bcx);
                match frame.ret {
                    Some(after) => {
                        self.bcx.ins().jump(after, &[BlockArg::Value(v)]);
                    }
                    None => {
                        let zero = self.bcx.ins().iconst(I64, 0);
                        self.bcx.ins().return_(&[v, zero]);
                    }
                }
                return false;
            }
            _ => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jit::inline::tests::function_code;

    #[test]
    fn pure_recursive_functions_are_recognised() {
        let yes = [
            "def f(n):\n    if n < 2:\n        return n\n    return f(n - 1) + f(n - 2)\n",
            "def f(a, b):\n    if b == 0:\n        return a\n    return f(b, a % b)\n",
            "def f(m, n):\n    if m == 0:\n        return n + 1\n    if n == 0:\n        \
             return f(m - 1, 1)\n    return f(m - 1, f(m, n - 1))\n",
            "def f(n):\n    if n <= 1:\n        return 1\n    r = f(n - 1)\n    return n * r\n",
            "def f(x):\n    return -x * 3\n",
            // Conditional expressions: a value on the stack across jumps.
            "def f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\n",
            "def f(n):\n    return 1 if n else f(n - 1)\n",
            "def f(a, b):\n    return a + (b if a < b else -b) * (1 if b else 2)\n",
            "def f(n):\n    return f(n - 1) if n > 0 and n < 9 else 0\n",
        ];
        for src in yes {
            assert!(is_pure_recursive(&function_code(src, "f")), "{src}");
        }
        let no = [
            // Calls another function, reads another global.
            "def f(n):\n    return g(n)\n",
            "def f(n):\n    return n + K\n",
            // A local read before it is surely assigned.
            "def f(n):\n    if n:\n        r = 1\n    return r\n",
            // Returns a bool, a float, None; divides with `/`.
            "def f(n):\n    return n < 2\n",
            "def f(n):\n    return n * 0.5\n",
            "def f(n):\n    if n:\n        return 1\n",
            "def f(n):\n    return n / 2\n",
            // A loop; `and` as a value (its operand kept across a jump).
            "def f(n):\n    while n:\n        n -= 1\n    return n\n",
            "def f(n):\n    return n and f(n - 1)\n",
            // Calls itself with the wrong number of arguments.
            "def f(n):\n    return f(n, 1)\n",
            "def f(*n):\n    return 1\n",
        ];
        for src in no {
            assert!(!is_pure_recursive(&function_code(src, "f")), "{src}");
        }
    }

    #[test]
    fn small_bodies_are_inlined_into_their_calls() {
        let fib = "def f(n):\n    if n < 2:\n        return n\n    return f(n - 1) + f(n - 2)\n";
        let three = "def f(n):\n    return n if n < 3 else f(n - 1) + f(n - 2) - f(n - 3)\n";
        let four =
            "def f(n):\n    return 1 if n < 4 else f(n - 1) + f(n - 2) + f(n - 3) + f(n - 4)\n";
        assert!(inlinable(&function_code(fib, "f")));
        assert!(inlinable(&function_code(three, "f")));
        assert!(!inlinable(&function_code(four, "f")));
        let long = format!("def f(n):\n    return {}f(n - 1)\n", "n + ".repeat(30));
        assert!(is_pure_recursive(&function_code(&long, "f")));
        assert!(!inlinable(&function_code(&long, "f")));
    }
}
