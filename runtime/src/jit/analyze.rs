//! Before lowering: which instructions are reachable by normal control flow
//! from the entry, the value-stack depth at each one, where basic blocks
//! start, and which offsets are loop headers (OSR entries). Refuses code
//! that uses an instruction the lowering does not handle yet.
//!
//! Exception handlers are reached only by unwinding, which compiled code
//! never does (it exits to the interpreter instead), so they are skipped.

use std::collections::BTreeSet;

use kiln_compiler::bytecode::{CodeFlags, CodeObject, Instr};

/// Why a code object stays in the interpreter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("unsupported instruction {0}")]
    Unsupported(&'static str),
    #[error("generator, coroutine, class body or module code")]
    CodeKind,
    /// Zero-argument `super()` reads the `__class__` cell and the first
    /// argument from the interpreter frame's locals, which compiled code
    /// holds elsewhere while it runs.
    #[error("zero-argument super()")]
    ClassCell,
    #[error("inconsistent stack depth at {0}")]
    StackShape(usize),
    #[error("code generation failed: {0}")]
    Codegen(String),
}

pub struct Analysis {
    /// Stack depth on entry to each reachable instruction.
    pub depth: Vec<Option<u32>>,
    pub block_starts: BTreeSet<usize>,
    /// Targets of `JumpBackward`, with their stack depth.
    pub loop_headers: Vec<(usize, u32)>,
    /// Control-flow edges into each reachable instruction.
    pub edges_in: Vec<u32>,
}

impl Analysis {
    /// How many control-flow edges of the bytecode enter `pc`.
    pub fn edges_into(&self, pc: usize) -> usize {
        self.edges_in.get(pc).map_or(0, |&n| n as usize)
    }
}

fn supported(i: &Instr) -> bool {
    matches!(
        i,
        Instr::Nop
            | Instr::LoadConst { .. }
            | Instr::LoadFast { .. }
            | Instr::StoreFast { .. }
            | Instr::LoadGlobal { .. }
            | Instr::StoreGlobal { .. }
            | Instr::Pop
            | Instr::Copy { .. }
            | Instr::Swap { .. }
            | Instr::PushNull
            | Instr::Unary { .. }
            | Instr::Binary { .. }
            | Instr::InPlace { .. }
            | Instr::Compare { .. }
            | Instr::Is { .. }
            | Instr::Contains { .. }
            | Instr::LoadAttr { .. }
            | Instr::StoreAttr { .. }
            | Instr::LoadMethod { .. }
            | Instr::Subscr { .. }
            | Instr::StoreSubscr { .. }
            | Instr::Jump { .. }
            | Instr::JumpBackward { .. }
            | Instr::PopJumpIfFalse { .. }
            | Instr::PopJumpIfTrue { .. }
            | Instr::JumpIfFalseOrPop { .. }
            | Instr::JumpIfTrueOrPop { .. }
            | Instr::GetIter
            | Instr::ForIter { .. }
            | Instr::Return
            | Instr::BuildTuple { .. }
            | Instr::BuildList { .. }
            | Instr::BuildString { .. }
            | Instr::FormatValue { .. }
            | Instr::Call { .. }
            | Instr::CallMethod { .. }
            | Instr::MakeFunction { .. }
            | Instr::BuildSet { .. }
            | Instr::BuildMap { .. }
            | Instr::ListAppend { .. }
            | Instr::SetAdd { .. }
            | Instr::MapAdd { .. }
            | Instr::UnpackSequence { .. }
            | Instr::CallKw { .. }
            | Instr::CallMethodKw { .. }
            | Instr::LoadDeref { .. }
            | Instr::StoreDeref { .. }
            | Instr::DeleteDeref { .. }
            | Instr::LoadClosure { .. }
    )
}

/// Successor offsets and their stack depths, given depth `d` before `i`.
pub(crate) fn successors(pc: usize, i: &Instr, d: u32) -> Option<Vec<(usize, u32)>> {
    let eff = i.stack_effect();
    let after = d.checked_sub(eff.pops)? + eff.pushes;
    Some(match *i {
        Instr::Jump { target } | Instr::JumpBackward { target } => vec![(target as usize, d)],
        Instr::PopJumpIfFalse { target } | Instr::PopJumpIfTrue { target } => {
            vec![
                (pc + 1, d.checked_sub(1)?),
                (target as usize, d.checked_sub(1)?),
            ]
        }
        Instr::JumpIfFalseOrPop { target } | Instr::JumpIfTrueOrPop { target } => {
            vec![(pc + 1, d.checked_sub(1)?), (target as usize, d)]
        }
        Instr::ForIter { target, .. } => {
            vec![(pc + 1, d + 1), (target as usize, d.checked_sub(1)?)]
        }
        Instr::Return => vec![],
        _ => vec![(pc + 1, after)],
    })
}

pub fn analyze(code: &CodeObject) -> Result<Analysis, Refusal> {
    let bad =
        CodeFlags::GENERATOR | CodeFlags::COROUTINE | CodeFlags::CLASS_BODY | CodeFlags::MODULE;
    if code.flags.0 & bad != 0 {
        return Err(Refusal::CodeKind);
    }
    if code.freevars.iter().any(|n| &**n == "__class__") {
        return Err(Refusal::ClassCell);
    }
    let n = code.code.len();
    let mut depth: Vec<Option<u32>> = vec![None; n];
    let mut block_starts = BTreeSet::from([0usize]);
    let mut loop_headers = Vec::new();
    let mut edges_in = vec![0u32; n];
    let mut work = vec![(0usize, 0u32)];
    while let Some((pc, d)) = work.pop() {
        let Some(instr) = code.code.get(pc) else {
            return Err(Refusal::StackShape(pc));
        };
        match depth[pc] {
            Some(seen) if seen == d => continue,
            Some(_) => return Err(Refusal::StackShape(pc)),
            None => depth[pc] = Some(d),
        }
        if !supported(instr) {
            return Err(Refusal::Unsupported(instr.name()));
        }
        let succ = successors(pc, instr, d).ok_or(Refusal::StackShape(pc))?;
        let branches = !matches!(succ.as_slice(), [(next, _)] if *next == pc + 1);
        if let Instr::JumpBackward { target } = *instr {
            loop_headers.push((target as usize, d));
        }
        for (s, sd) in succ {
            if let Some(e) = edges_in.get_mut(s) {
                *e += 1;
            }
            if branches {
                block_starts.insert(s);
            }
            work.push((s, sd));
        }
        if branches && pc + 1 < n {
            block_starts.insert(pc + 1);
        }
    }
    loop_headers.sort_unstable();
    loop_headers.dedup();
    Ok(Analysis {
        depth,
        block_starts,
        loop_headers,
        edges_in,
    })
}
