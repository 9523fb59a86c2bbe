//! `for x in range(...)` as a native counted loop.
//!
//! `find` picks the loops whose bytecode is exactly `LoadGlobal range`,
//! one to three argument producers, `Call`, `GetIter`, `ForIter`, and
//! whose iterator is only ever stepped by that `ForIter`, popped, swapped
//! or left behind by a `Return` (so nothing else can observe it). For
//! those, compiled code makes no range object and no iterator: the
//! iterator is a placeholder on the lowering's abstract stack
//! (`Kind::RangeIter`), its state lives in Cranelift variables, and the
//! item reaches the loop body as an unboxed int.
//!
//! The placeholder becomes a real range iterator (`make_range_iter`, the
//! interpreter's own `IterState::Range`) only where compiled code is left
//! (an exit), so the interpreter resumes the loop exactly; block edges
//! inside the loop carry the placeholder, re-tagged at block starts from
//! `RangeLoops::tags`. An OSR entry inside such a loop unpacks the
//! interpreter's iterator (`range_iter_state`) or refuses the entry.
//!
//! Guards at the `Call` (else the interpreter re-executes it): the callee
//! is the built-in `range`, every argument is an int in the immediate
//! range (|x| <= 2^47, so `next + step` never overflows and every item is
//! an immediate) and the step is not zero (the interpreter raises).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, Value};
use cranelift_codegen::ir::{BlockArg, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind};
use cranelift_frontend::Variable;
use kiln_compiler::bytecode::{CodeObject, Constant, Instr, UnaryOp};

use super::abi::{self, borrow_bits, into_bits};
use super::analyze::{successors, Analysis};
use super::deopt::Reason;
use super::lower::{Lowerer, I64};
use super::types::Kind;
use crate::object::{IterState, Payload};
use crate::value::{Value as PyValue, SMALL_INT_MAX, SMALL_INT_MIN};
use crate::vm::Vm;

const VM_RANGE_CLASS: i32 = std::mem::offset_of!(Vm, range_class_bits) as i32;

/// One native range loop.
pub struct RangeLoop {
    /// The `Call` making the range; `GetIter` and `ForIter` follow it.
    pub call: usize,
    pub argc: u32,
    /// The step when it is known statically (`range(a, b)`, a literal).
    pub step: Option<i64>,
}

impl RangeLoop {
    pub fn for_iter(&self) -> usize {
        self.call + 2
    }
}

/// Every native range loop of a function, and where their iterators are.
#[derive(Default)]
pub struct RangeLoops {
    pub loops: Vec<RangeLoop>,
    /// Per instruction: (stack position, loop) of each placeholder on
    /// entry to it.
    tags: Vec<Vec<(u32, u16)>>,
}

impl RangeLoops {
    pub fn at_call(&self, pc: usize) -> Option<u16> {
        let i = self.loops.iter().position(|l| l.call == pc)?;
        u16::try_from(i).ok()
    }

    pub fn at_for_iter(&self, pc: usize) -> Option<u16> {
        let i = self.loops.iter().position(|l| l.for_iter() == pc)?;
        u16::try_from(i).ok()
    }

    /// The loop whose body starts at `pc` (its item is on top there).
    pub fn item_block(&self, pc: usize) -> Option<u16> {
        pc.checked_sub(1).and_then(|f| self.at_for_iter(f))
    }

    pub fn tags_at(&self, pc: usize) -> &[(u32, u16)] {
        self.tags.get(pc).map_or(&[], |t| t.as_slice())
    }
}

/// The native range loops of `code` (none without speculation: the
/// guards are a speculation, and the fallback compile must not take them).
pub fn find(code: &CodeObject, an: &Analysis, speculate: bool) -> RangeLoops {
    let mut out = RangeLoops {
        loops: Vec::new(),
        tags: vec![Vec::new(); code.code.len()],
    };
    if !speculate {
        return out;
    }
    for c in 0..code.code.len() {
        let Some(lp) = candidate(code, an, c) else {
            continue;
        };
        let Some(positions) = track(code, an, &lp) else {
            continue;
        };
        let Ok(n) = u16::try_from(out.loops.len()) else {
            break;
        };
        for (pc, p) in positions.into_iter().enumerate() {
            if let Some(Some(p)) = p {
                out.tags[pc].push((p, n));
            }
        }
        out.loops.push(lp);
    }
    out
}

/// `LoadGlobal range`, argument producers, `Call`, `GetIter`, `ForIter`.
fn candidate(code: &CodeObject, an: &Analysis, c: usize) -> Option<RangeLoop> {
    let Some(Instr::Call { argc, .. }) = code.code.get(c).copied() else {
        return None;
    };
    if !(1..=3).contains(&argc)
        || !matches!(code.code.get(c + 1), Some(Instr::GetIter))
        || !matches!(code.code.get(c + 2), Some(Instr::ForIter { .. }))
        || an.block_starts.contains(&(c + 1))
    {
        return None;
    }
    let depth = |pc: usize| an.depth.get(pc).copied().flatten();
    // The callee is the value at `base`: find the instruction that pushed
    // it in the straight-line code before the call.
    let base = depth(c)?.checked_sub(argc + 1)?;
    let mut l = c.checked_sub(1)?;
    loop {
        if an.block_starts.contains(&(l + 1)) && l + 1 < c {
            return None;
        }
        let d = depth(l)?;
        if d == base {
            break;
        }
        let eff = code.code.get(l)?.stack_effect();
        if d < base + 1 || d.checked_sub(eff.pops)? < base + 1 {
            return None;
        }
        l = l.checked_sub(1)?;
    }
    let Some(Instr::LoadGlobal { name }) = code.code.get(l).copied() else {
        return None;
    };
    if code.names.get(name as usize).map(|s| &**s) != Some("range") {
        return None;
    }
    Some(RangeLoop {
        call: c,
        argc,
        step: static_step(code, c, argc),
    })
}

/// The step when it is `1` (one or two arguments) or a literal.
fn static_step(code: &CodeObject, c: usize, argc: u32) -> Option<i64> {
    if argc < 3 {
        return Some(1);
    }
    let lit = |pc: usize| match code.code.get(pc) {
        Some(Instr::LoadConst { idx }) => match code.consts.get(*idx as usize) {
            Some(Constant::Int(k)) if *k != 0 && (SMALL_INT_MIN..=SMALL_INT_MAX).contains(k) => {
                Some(*k)
            }
            _ => None,
        },
        _ => None,
    };
    match code.code.get(c.checked_sub(1)?) {
        Some(Instr::LoadConst { .. }) => lit(c - 1),
        Some(Instr::Unary { op: UnaryOp::Neg }) => lit(c.checked_sub(2)?).map(|k| -k),
        _ => None,
    }
}

/// Where loop `lp`'s iterator is on entry to each instruction (`None`:
/// not reached; `Some(None)`: not on the stack), or `None` when something
/// other than its own `ForIter`, `Pop`, `Swap` or `Return` may touch it,
/// or a point is reached both with and without it (or at two depths).
fn track(code: &CodeObject, an: &Analysis, lp: &RangeLoop) -> Option<Vec<Option<Option<u32>>>> {
    let f = lp.for_iter();
    let mut at: Vec<Option<Option<u32>>> = vec![None; code.code.len()];
    let mut work = vec![(0usize, None::<u32>)];
    while let Some((pc, p)) = work.pop() {
        match at.get(pc)? {
            Some(seen) if *seen == p => continue,
            Some(_) => return None,
            None => at[pc] = Some(p),
        }
        let instr = code.code.get(pc)?;
        let d = an.depth.get(pc).copied().flatten()?;
        let succ = successors(pc, instr, d)?;
        // The body's first block is entered from the `ForIter` only.
        if pc != f && succ.iter().any(|(s, _)| *s == f + 1) {
            return None;
        }
        for (s, _) in succ {
            let q = if pc == lp.call {
                // A second iterator of the same loop while one is live
                // would share its variables.
                if p.is_some() {
                    return None;
                }
                Some(d.checked_sub(lp.argc + 1)?)
            } else {
                match p {
                    None => None,
                    Some(p) => step(instr, pc, p, d, f, s, lp)?,
                }
            };
            work.push((s, q));
        }
    }
    Some(at)
}

/// The iterator's position after `instr` (at `p`, depth `d`) towards
/// successor `s`; `None` (outer) when the instruction may touch it.
fn step(
    instr: &Instr,
    pc: usize,
    p: u32,
    d: u32,
    f: usize,
    s: usize,
    lp: &RangeLoop,
) -> Option<Option<u32>> {
    let top = d.checked_sub(1)?;
    match *instr {
        Instr::GetIter if pc == lp.call + 1 => Some(Some(p)),
        Instr::ForIter { .. } if pc == f && p == top => Some((s == f + 1).then_some(p)),
        Instr::Pop if p == top => Some(None),
        Instr::Swap { n } => {
            let other = d.checked_sub(n)?;
            Some(Some(if p == top {
                other
            } else if p == other {
                top
            } else {
                p
            }))
        }
        Instr::Copy { n } if d.checked_sub(n)? == p => None,
        Instr::ListAppend { depth } | Instr::SetAdd { depth } | Instr::MapAdd { depth } => {
            let pops = instr.stack_effect().pops;
            (d.checked_sub(pops + depth)? != p && p < d.checked_sub(pops)?).then_some(Some(p))
        }
        _ => {
            let pops = instr.stack_effect().pops;
            (p < d.checked_sub(pops)?).then_some(Some(p))
        }
    }
}

/// A fresh range iterator with this remaining state (an exit).
pub extern "C" fn make_range_iter(next: i64, stop: i64, step: i64) -> i64 {
    into_bits(PyValue::iterator(IterState::Range { next, stop, step }))
}

/// OSR entry: the state of `it` (borrowed) into `out[0..3]` and 1, when
/// it is a plain range iterator that nothing else references and whose
/// state is in the immediate range; else 0.
pub extern "C" fn range_iter_state(it: i64, out: *mut i64) -> i64 {
    // SAFETY: borrowed operand stays owned by compiled code.
    let it = unsafe { borrow_bits(it) };
    if it.refcount() != 1 {
        return 0;
    }
    let Some(Payload::Iter(cell)) = it.payload() else {
        return 0;
    };
    let Ok(st) = cell.try_borrow() else {
        return 0;
    };
    let IterState::Range { next, stop, step } = *st else {
        return 0;
    };
    let small = |x: i64| (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&x);
    if !(small(next) && small(stop) && small(step)) || step == 0 {
        return 0;
    }
    // SAFETY: compiled code passes a buffer of three i64 slots.
    unsafe {
        out.write(next);
        out.add(1).write(stop);
        out.add(2).write(step);
    }
    1
}

/// The variables of one loop: next, stop, step, and the current item.
#[derive(Clone, Copy)]
pub struct RangeVars {
    pub next: Variable,
    pub stop: Variable,
    pub step: Variable,
    pub item: Variable,
}

impl Lowerer<'_, '_> {
    fn range_vars_of(&self, n: u16) -> Option<RangeVars> {
        self.range_vars.get(n as usize).copied()
    }

    fn go_on_if(&mut self, ok: Value, otherwise: Block) {
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(ok, cont, &[], otherwise, &[]);
        self.bcx.switch_to_block(cont);
    }

    /// Declare every loop's variables (zero until the loop starts).
    pub(super) fn declare_range_vars(&mut self) {
        for _ in 0..self.ranges.loops.len() {
            let mut var = || {
                let v = self.bcx.declare_var(I64);
                let z = self.bcx.ins().iconst(I64, 0);
                self.bcx.def_var(v, z);
                v
            };
            let vars = RangeVars {
                next: var(),
                stop: var(),
                step: var(),
                item: var(),
            };
            self.range_vars.push(vars);
        }
    }

    /// The owned bits of a real iterator in loop `n`'s current state.
    pub(super) fn materialise_range(&mut self, n: u16) -> Value {
        let Some(v) = self.range_vars_of(n) else {
            return self.iconst(abi::NONE_BITS);
        };
        let next = self.bcx.use_var(v.next);
        let stop = self.bcx.use_var(v.stop);
        let step = self.bcx.use_var(v.step);
        self.call(make_range_iter as *const u8, &[next, stop, step], true)
            .unwrap_or(next)
    }

    /// Re-tag the stack at a block start: placeholders, and the item of a
    /// loop body's first block.
    pub(super) fn retag_range_stack(&mut self, pc: usize) {
        for &(p, n) in self.ranges.tags_at(pc) {
            if let Some(e) = self.stack.get_mut(p as usize) {
                e.1 = Kind::RangeIter(n);
            }
        }
        if let Some(v) = self
            .ranges
            .item_block(pc)
            .and_then(|n| self.range_vars_of(n))
        {
            let item = self.bcx.use_var(v.item);
            if let Some(e) = self.stack.last_mut() {
                *e = (item, Kind::Int);
            }
        }
    }

    /// `range(...)` of loop `n`: guards, then the placeholder.
    pub(super) fn lower_range_call(&mut self, pc: usize, argc: usize, n: u16) {
        let Some(vars) = self.range_vars_of(n) else {
            return;
        };
        let exit = self.emit_exit_block(pc, Reason::TypeGuard);
        let len = self.stack.len();
        let Some(at) = len.checked_sub(argc + 1) else {
            self.bcx.ins().jump(exit, &[]);
            let dead = self.bcx.create_block();
            self.bcx.switch_to_block(dead);
            return;
        };
        let callee = self.stack[at];
        let mut ints = Vec::with_capacity(argc);
        // The exit above holds its own copy of the stack.
        let args = self.stack.split_off(at + 1);
        for (v, k) in args {
            let x = match k {
                Kind::Int => {
                    let off = self.bcx.ins().iadd_imm_s(v, -SMALL_INT_MIN);
                    let ok = self.bcx.ins().icmp_imm_s(
                        IntCC::UnsignedLessThanOrEqual,
                        off,
                        SMALL_INT_MAX - SMALL_INT_MIN,
                    );
                    self.go_on_if(ok, exit);
                    v
                }
                // Ints hold no reference: a borrowed one needs no release.
                Kind::Boxed | Kind::Borrowed => {
                    let t = self.tag16(v);
                    let ok = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::INT_HI);
                    self.go_on_if(ok, exit);
                    self.unbox_int(v)
                }
                // Floats, conditions: the interpreter raises or converts.
                _ => {
                    self.bcx.ins().jump(exit, &[]);
                    let dead = self.bcx.create_block();
                    self.bcx.switch_to_block(dead);
                    self.iconst(0)
                }
            };
            ints.push(x);
        }
        if !matches!(callee.1, Kind::Boxed | Kind::Borrowed) {
            self.bcx.ins().jump(exit, &[]);
            let dead = self.bcx.create_block();
            self.bcx.switch_to_block(dead);
        }
        // The callee is the isolate's `range` class (`Vm::range_class_bits`).
        let ok = self.is_vm_value(callee.0, VM_RANGE_CLASS);
        self.go_on_if(ok, exit);
        let (start, stop, step) = match ints.as_slice() {
            [stop] => (self.iconst(0), *stop, self.iconst(1)),
            [start, stop] => (*start, *stop, self.iconst(1)),
            [start, stop, step] => (*start, *stop, *step),
            _ => {
                let z = self.iconst(0);
                (z, z, z)
            }
        };
        let static_step = self.ranges.loops.get(n as usize).and_then(|l| l.step);
        if static_step.is_none() {
            let ok = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, step, 0);
            self.go_on_if(ok, exit);
        }
        self.stack.truncate(at);
        self.release(callee);
        self.bcx.def_var(vars.next, start);
        self.bcx.def_var(vars.stop, stop);
        self.bcx.def_var(vars.step, step);
        let dummy = self.iconst(0);
        self.push(dummy, Kind::RangeIter(n));
    }

    /// `ForIter` of loop `n`: compare, then the body with the item
    /// unboxed or the loop's exit. Ends the block.
    pub(super) fn lower_range_for(&mut self, pc: usize, target: usize, n: u16) {
        let Some(vars) = self.range_vars_of(n) else {
            return;
        };
        let edge = self.edge_stack();
        self.stack = edge.clone();
        let vals: Vec<Value> = edge.iter().map(|e| e.0).collect();
        let next = self.bcx.use_var(vars.next);
        let stop = self.bcx.use_var(vars.stop);
        let static_step = self.ranges.loops.get(n as usize).and_then(|l| l.step);
        let more = match static_step {
            Some(s) if s > 0 => self.bcx.ins().icmp(IntCC::SignedLessThan, next, stop),
            Some(_) => self.bcx.ins().icmp(IntCC::SignedGreaterThan, next, stop),
            None => {
                let step = self.bcx.use_var(vars.step);
                let up = self.bcx.ins().icmp_imm_s(IntCC::SignedGreaterThan, step, 0);
                let lt = self.bcx.ins().icmp(IntCC::SignedLessThan, next, stop);
                let gt = self.bcx.ins().icmp(IntCC::SignedGreaterThan, next, stop);
                self.bcx.ins().select(up, lt, gt)
            }
        };
        let body = self.bcx.create_block();
        let done = self.bcx.create_block();
        self.bcx.ins().brif(more, body, &[], done, &[]);
        self.bcx.switch_to_block(body);
        let after = match static_step {
            Some(s) => self.bcx.ins().iadd_imm_s(next, s),
            None => {
                let step = self.bcx.use_var(vars.step);
                self.bcx.ins().iadd(next, step)
            }
        };
        self.bcx.def_var(vars.next, after);
        self.bcx.def_var(vars.item, next);
        // The item's block parameter is unused: the body reads `item`.
        let mut args: Vec<BlockArg> = vals.iter().map(|v| BlockArg::Value(*v)).collect();
        args.push(BlockArg::Value(next));
        let b = self.blocks[&(pc + 1)];
        self.note_edge(pc + 1);
        self.bcx.ins().jump(b, &args);
        self.bcx.switch_to_block(done);
        let rest: Vec<BlockArg> = vals[..vals.len().saturating_sub(1)]
            .iter()
            .map(|v| BlockArg::Value(*v))
            .collect();
        let t = self.blocks[&target];
        self.note_edge(target);
        self.bcx.ins().jump(t, &rest);
    }

    /// OSR entry at `header`: unpack each range iterator on the entry
    /// stack into its loop's variables, or take `fail` (nothing consumed
    /// yet). On success the iterators are released and their stack
    /// entries become placeholders.
    pub(super) fn osr_unpack_ranges(&mut self, header: usize, vals: &mut [Value], fail: Block) {
        let tags = self.ranges.tags_at(header).to_vec();
        if tags.is_empty() {
            return;
        }
        let slot = self.bcx.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            24,
            3,
        ));
        let flags = MemFlagsData::trusted();
        let mut states = Vec::new();
        for &(p, n) in &tags {
            let (Some(&it), Some(vars)) = (vals.get(p as usize), self.range_vars_of(n)) else {
                continue;
            };
            let buf = self.bcx.ins().stack_addr(I64, slot, 0);
            let ok = self
                .call(range_iter_state as *const u8, &[it, buf], true)
                .unwrap_or(it);
            let ok = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, ok, 0);
            self.go_on_if(ok, fail);
            let next = self.bcx.ins().load(I64, flags, buf, 0);
            let stop = self.bcx.ins().load(I64, flags, buf, 8);
            let step = self.bcx.ins().load(I64, flags, buf, 16);
            states.push((p as usize, vars, next, stop, step));
        }
        for (p, vars, next, stop, step) in states {
            self.bcx.def_var(vars.next, next);
            self.bcx.def_var(vars.stop, stop);
            self.bcx.def_var(vars.step, step);
            self.decref(vals[p]);
            vals[p] = self.iconst(0);
        }
    }
}
