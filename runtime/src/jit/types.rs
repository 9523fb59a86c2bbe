//! Type speculation before lowering: which representation every stack
//! value and local gets in compiled code, decided from the interpreter's
//! feedback. A local whose every store is statically an int (or float)
//! lives unboxed in an `i64` (or `f64`) variable; arithmetic sites whose
//! feedback saw only ints (or floats) become guarded native operations.
//!
//! The same planning functions are used here and by the lowering, so the
//! kinds computed here are exactly the kinds the lowering produces. This
//! module only decides; it never emits code.

use kiln_compiler::bytecode::{BinOp, CodeFlags, CodeObject, Constant, Instr, UnaryOp};

use super::analyze::{successors, Analysis};
use super::range_loop::RangeLoops;
use crate::feedback::{bits as fb, Feedback};
use crate::value::{SMALL_INT_MAX, SMALL_INT_MIN};

/// How one value is held in compiled code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// NaN-boxed bits, an owned reference.
    Boxed,
    /// NaN-boxed bits of a boxed local, not owned: the local keeps the
    /// reference (a `LoadFast` without incref). Lowering only; valid
    /// while the local is not rebound (`own_borrowed` before a store).
    Borrowed,
    /// An unboxed `i64` (may exceed the 48-bit immediate range).
    Int,
    /// An unboxed `f64`.
    Float,
    /// An `i8` condition (0 or 1).
    Bool,
    /// The iterator of native range loop `n` (`range_loop.rs`): no value,
    /// its state is in that loop's variables.
    RangeIter(u16),
}

impl Kind {
    /// The kind planning sees: a borrowed value is a boxed one (the
    /// inference in this module never borrows).
    pub fn plain(self) -> Kind {
        match self {
            Kind::Borrowed => Kind::Boxed,
            k => k,
        }
    }
}

/// How an arithmetic or comparison site is compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Guarded native int operation (deopt on a non-int or overflow).
    Int,
    /// Guarded native float operation (ints are converted).
    Float,
    /// Boxed operands: inline fast paths with the generic helper behind.
    Generic,
}

/// Whether `op` has a native form on `i64`s (`arith::native_int_op`).
pub(super) fn int_op(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::FloorDiv
            | BinOp::Mod
            | BinOp::BitAnd
            | BinOp::BitOr
            | BinOp::BitXor
    )
}

fn num_side(k: u8) -> bool {
    k == fb::INT || k == fb::FLOAT
}

pub fn binary_plan(speculate: bool, op: BinOp, seen: u8, ka: Kind, kb: Kind) -> Plan {
    let (l, r) = (seen & 0xF, seen >> 4);
    if !speculate || ka == Kind::Bool || kb == Kind::Bool {
        return Plan::Generic;
    }
    let no_float = ka != Kind::Float && kb != Kind::Float;
    if l == fb::INT && r == fb::INT && int_op(op) && no_float {
        return Plan::Int;
    }
    let float_op = matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::TrueDiv);
    if seen == 0 {
        // Never run before the compile (code after the loop an OSR entered):
        // the operands' own kinds decide; an overflow or a zero divisor
        // still exits, as at any native site.
        let num = |k: Kind| matches!(k, Kind::Int | Kind::Float);
        return match (ka, kb) {
            (Kind::Int, Kind::Int) if int_op(op) => Plan::Int,
            _ if float_op && num(ka) && num(kb) && !(ka == Kind::Int && kb == Kind::Int) => {
                Plan::Float
            }
            _ => Plan::Generic,
        };
    }
    let some_float = l == fb::FLOAT || r == fb::FLOAT;
    let both_int = ka == Kind::Int && kb == Kind::Int;
    if float_op && num_side(l) && num_side(r) && some_float && !both_int {
        return Plan::Float;
    }
    Plan::Generic
}

pub fn compare_plan(speculate: bool, seen: u8, ka: Kind, kb: Kind) -> Plan {
    let (l, r) = (seen & 0xF, seen >> 4);
    if !speculate {
        return Plan::Generic;
    }
    if seen == 0 {
        // Never run before the compile: the operands' own kinds decide.
        return match (ka, kb) {
            (Kind::Int, Kind::Int) => Plan::Int,
            (Kind::Float, Kind::Float) => Plan::Float,
            _ => Plan::Generic,
        };
    }
    let ok = |k: Kind, want: Kind| k == want || k == Kind::Boxed;
    if l == fb::INT && r == fb::INT && ok(ka, Kind::Int) && ok(kb, Kind::Int) {
        return Plan::Int;
    }
    if l == fb::FLOAT && r == fb::FLOAT && ok(ka, Kind::Float) && ok(kb, Kind::Float) {
        return Plan::Float;
    }
    Plan::Generic
}

/// The kind a `Unary` produces from an operand of kind `k`.
pub fn unary_kind(op: UnaryOp, k: Kind) -> Kind {
    match (op, k) {
        (UnaryOp::Neg, Kind::Int) => Kind::Int,
        (UnaryOp::Neg, Kind::Float) => Kind::Float,
        (UnaryOp::Not, Kind::Bool) => Kind::Bool,
        _ => Kind::Boxed,
    }
}

pub fn plan_kind(p: Plan) -> Kind {
    match p {
        Plan::Int => Kind::Int,
        Plan::Float => Kind::Float,
        Plan::Generic => Kind::Boxed,
    }
}

pub fn const_kind(c: Option<&Constant>) -> Kind {
    match c {
        Some(Constant::Int(i)) if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(i) => Kind::Int,
        Some(Constant::Float(_)) => Kind::Float,
        _ => Kind::Boxed,
    }
}

/// Instructions after which the lowering ends its block.
pub fn ends_block(i: &Instr) -> bool {
    matches!(
        i,
        Instr::Jump { .. }
            | Instr::JumpBackward { .. }
            | Instr::PopJumpIfFalse { .. }
            | Instr::PopJumpIfTrue { .. }
            | Instr::JumpIfFalseOrPop { .. }
            | Instr::JumpIfTrueOrPop { .. }
            | Instr::ForIter { .. }
            | Instr::Return
    )
}

/// Number of parameters (bound on entry): the first locals.
pub fn param_count(code: &CodeObject) -> usize {
    let mut n = code.arg_count as usize + code.kwonly_count as usize;
    if code.flags.0 & CodeFlags::VARARGS != 0 {
        n += 1;
    }
    if code.flags.0 & CodeFlags::VARKEYWORDS != 0 {
        n += 1;
    }
    n
}

pub struct Types {
    /// False after repeated deoptimisation: every site is generic.
    pub speculate: bool,
    /// Representation of each local for the whole function: the
    /// variables, then the cell slots (`cells::frame_locals`).
    pub locals: Vec<Kind>,
    /// Per instruction: locals certainly bound on entry to it.
    pub assigned: Vec<Option<Vec<bool>>>,
}

impl Types {
    pub fn is_assigned(&self, pc: usize, local: usize) -> bool {
        self.assigned
            .get(pc)
            .and_then(|a| a.as_ref())
            .and_then(|a| a.get(local).copied())
            .unwrap_or(false)
    }
}

/// Forward must-analysis: locals bound on every path to each instruction.
fn definitely_assigned(code: &CodeObject, an: &Analysis) -> Vec<Option<Vec<bool>>> {
    let n = code.code.len();
    let nl = code.varnames.len();
    let params = param_count(code).min(nl);
    let mut ins: Vec<Option<Vec<bool>>> = vec![None; n];
    let mut entry = vec![false; nl];
    entry.iter_mut().take(params).for_each(|b| *b = true);
    ins[0] = Some(entry);
    let mut work = vec![0usize];
    while let Some(pc) = work.pop() {
        let (Some(instr), Some(Some(d))) = (code.code.get(pc), an.depth.get(pc)) else {
            continue;
        };
        let Some(mut out) = ins[pc].clone() else {
            continue;
        };
        if let Instr::StoreFast { idx } = *instr {
            if let Some(b) = out.get_mut(idx as usize) {
                *b = true;
            }
        }
        for (s, _) in successors(pc, instr, *d).unwrap_or_default() {
            let Some(slot) = ins.get_mut(s) else { continue };
            let changed = match slot {
                None => {
                    *slot = Some(out.clone());
                    true
                }
                Some(cur) => {
                    let mut ch = false;
                    for (c, o) in cur.iter_mut().zip(&out) {
                        if *c && !*o {
                            *c = false;
                            ch = true;
                        }
                    }
                    ch
                }
            };
            if changed {
                work.push(s);
            }
        }
    }
    ins
}

fn join(a: Option<Kind>, b: Kind) -> Kind {
    match a {
        None => b,
        Some(k) if k == b => k,
        Some(_) => Kind::Boxed,
    }
}

/// One abstract pass over every block of `code`, with a stack of `T`
/// starting as `entry(start, depth)`: `Copy` and `Swap` move entries,
/// `transfer` handles the instructions it knows (returning true), and any
/// other pops its operands and pushes `unknown` for each result.
fn walk_blocks<T: Clone>(
    code: &CodeObject,
    an: &Analysis,
    unknown: T,
    mut entry: impl FnMut(usize, usize) -> Vec<T>,
    mut transfer: impl FnMut(&mut Vec<T>, &Instr) -> bool,
) {
    for &start in &an.block_starts {
        let Some(Some(d)) = an.depth.get(start) else {
            continue;
        };
        let mut st = entry(start, *d as usize);
        let mut pc = start;
        while let Some(instr) = code.code.get(pc) {
            match *instr {
                Instr::Copy { n } => {
                    let i = st.len().checked_sub(n as usize);
                    let v = i.and_then(|i| st.get(i)).cloned();
                    st.push(v.unwrap_or_else(|| unknown.clone()));
                }
                Instr::Swap { n } => {
                    let len = st.len();
                    if n as usize <= len && n >= 1 {
                        st.swap(len - 1, len - n as usize);
                    }
                }
                _ if transfer(&mut st, instr) => {}
                _ => {
                    let eff = instr.stack_effect();
                    for _ in 0..eff.pops {
                        st.pop();
                    }
                    st.extend(std::iter::repeat_n(unknown.clone(), eff.pushes as usize));
                }
            }
            if ends_block(instr) {
                break;
            }
            pc += 1;
            if an.block_starts.contains(&pc) {
                break;
            }
        }
    }
}

/// One abstract pass over every block: the kinds stored into each local.
fn stored_kinds(
    code: &CodeObject,
    an: &Analysis,
    fbk: &Feedback,
    speculate: bool,
    ranges: &RangeLoops,
    locals: &[Option<Kind>],
) -> Vec<Option<Kind>> {
    let mut stored: Vec<Option<Kind>> = vec![None; locals.len()];
    // A local without a kind yet reads as `UNKNOWN`: no evidence either way.
    let local_kind = |i: u32| locals.get(i as usize).copied().flatten().unwrap_or(UNKNOWN);
    let entry = |start: usize, depth: usize| {
        let mut st = vec![Kind::Boxed; depth];
        // A native range loop's item enters its body unboxed.
        if ranges.item_block(start).is_some() {
            if let Some(top) = st.last_mut() {
                *top = Kind::Int;
            }
        }
        st
    };
    walk_blocks(code, an, Kind::Boxed, entry, |st, instr| {
        let pop = |st: &mut Vec<Kind>| st.pop().unwrap_or(Kind::Boxed);
        match *instr {
            Instr::LoadConst { idx } => st.push(const_kind(code.consts.get(idx as usize))),
            Instr::LoadFast { idx } => st.push(local_kind(idx)),
            Instr::StoreFast { idx } => {
                let k = pop(st);
                if let (false, Some(s)) = (k == UNKNOWN, stored.get_mut(idx as usize)) {
                    *s = Some(join(*s, k));
                }
            }
            Instr::Binary { op, slot } | Instr::InPlace { op, slot } => {
                let kb = pop(st);
                let ka = pop(st);
                let seen = fbk.slot(slot);
                // A site that never ran is planned from its operands' kinds:
                // unknown until both are known.
                let k = match seen == 0 && (ka == UNKNOWN || kb == UNKNOWN) {
                    true => UNKNOWN,
                    false => plan_kind(binary_plan(speculate, op, seen, known(ka), known(kb))),
                };
                st.push(k);
            }
            Instr::Compare { slot, .. } => {
                let kb = known(pop(st));
                let ka = known(pop(st));
                let p = compare_plan(speculate, fbk.slot(slot), ka, kb);
                st.push(if p == Plan::Generic {
                    Kind::Boxed
                } else {
                    Kind::Bool
                });
            }
            Instr::Unary { op } => {
                let k = known(pop(st));
                st.push(unary_kind(op, k));
            }
            _ => return false,
        }
        true
    });
    stored
}

/// In `stored_kinds`' walk, a value whose kind is not known yet (it came
/// from a local with no kind so far). Stack values are never `Borrowed`
/// there otherwise; a store of one is no evidence and is not recorded.
const UNKNOWN: Kind = Kind::Borrowed;

/// An operand for a plan: an unknown kind is planned as boxed.
fn known(k: Kind) -> Kind {
    match k {
        UNKNOWN => Kind::Boxed,
        k => k,
    }
}

/// What a compile may speculate on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Speculation {
    /// Arithmetic sites, locals and range loops, from the feedback.
    pub sites: bool,
    /// Parameter kinds (`param_guesses`), checked once at entry.
    pub params: bool,
}

/// A kind for each parameter from the feedback of the arithmetic and
/// comparisons that read it straight from `LoadFast`: `Int` when they saw
/// only ints, `Float` when only floats. Compiled code then unboxes it once
/// at entry, behind a guard that exits at offset 0 (`lower.rs`).
fn param_guesses(code: &CodeObject, an: &Analysis, fbk: &Feedback) -> Vec<Option<Kind>> {
    let params = (code.arg_count as usize + code.kwonly_count as usize).min(code.varnames.len());
    let mut seen = vec![0u8; params];
    // Which parameter each stack value is a fresh copy of.
    let entry = |_: usize, depth: usize| vec![None; depth];
    walk_blocks(
        code,
        an,
        None,
        entry,
        |st: &mut Vec<Option<usize>>, instr| {
            match *instr {
                Instr::LoadFast { idx } => {
                    st.push(Some(idx as usize).filter(|&i| i < params));
                }
                Instr::Binary { slot, .. }
                | Instr::InPlace { slot, .. }
                | Instr::Compare { slot, .. } => {
                    let bits = fbk.slot(slot);
                    let b = st.pop().flatten();
                    let a = st.pop().flatten();
                    for (o, nibble) in [(a, bits & 0xF), (b, bits >> 4)] {
                        if let Some(s) = o.and_then(|i| seen.get_mut(i)) {
                            *s |= nibble;
                        }
                    }
                    st.push(None);
                }
                _ => return false,
            }
            true
        },
    );
    seen.into_iter()
        .map(|s| match s {
            fb::INT => Some(Kind::Int),
            fb::FLOAT => Some(Kind::Float),
            _ => None,
        })
        .collect()
}

/// Decide every local's representation. Without `spec.sites` everything
/// is boxed (the fallback after repeated deoptimisation).
pub fn infer(
    code: &CodeObject,
    an: &Analysis,
    fbk: &Feedback,
    spec: Speculation,
    ranges: &RangeLoops,
) -> Types {
    let speculate = spec.sites;
    let nl = code.varnames.len();
    let params = param_count(code).min(nl);
    let assigned = definitely_assigned(code, an);
    let mut pinned = vec![false; nl];
    pinned.iter_mut().take(params).for_each(|p| *p = true);
    // A parameter's guessed kind stands for its binding at entry.
    let mut guesses = vec![None; nl];
    if speculate && spec.params && code.num_cells() == 0 {
        for (i, g) in param_guesses(code, an, fbk).into_iter().enumerate() {
            if let (Some(k), Some(p)) = (g, pinned.get_mut(i)) {
                guesses[i] = Some(k);
                *p = false;
            }
        }
    }
    if !speculate {
        pinned.iter_mut().for_each(|p| *p = true);
    }
    // Locals read where they may be unbound keep the boxed `empty` marker.
    for (pc, instr) in code.code.iter().enumerate() {
        if let Instr::LoadFast { idx } = *instr {
            let bound = assigned
                .get(pc)
                .and_then(|a| a.as_ref())
                .and_then(|a| a.get(idx as usize).copied());
            if bound == Some(false) {
                if let Some(p) = pinned.get_mut(idx as usize) {
                    *p = true;
                }
            }
        }
    }
    let mut locals: Vec<Option<Kind>> = pinned
        .iter()
        .zip(&guesses)
        .map(|(p, g)| if *p { Some(Kind::Boxed) } else { *g })
        .collect();
    // Optimistic fixed point: a local's kind only ever widens, at most
    // twice (unset, a kind, boxed).
    for _ in 0..(2 * nl + 2) {
        let stored = stored_kinds(code, an, fbk, speculate, ranges, &locals);
        let mut changed = false;
        for i in 0..nl {
            if pinned[i] {
                continue;
            }
            let k = match (stored[i], guesses[i]) {
                (Some(Kind::Bool), _) => Kind::Boxed,
                (Some(k), _) | (None, Some(k)) => k,
                (None, None) => Kind::Boxed,
            };
            let new = join(locals[i], k);
            if locals[i] != Some(new) {
                locals[i] = Some(new);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Cell slots (after the variables) hold cell objects: always boxed.
    let cells = std::iter::repeat_n(Kind::Boxed, code.num_cells());
    Types {
        speculate,
        locals: locals
            .into_iter()
            .map(|k| k.unwrap_or(Kind::Boxed))
            .chain(cells)
            .collect(),
        assigned,
    }
}
