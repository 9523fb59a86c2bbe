//! Stack-depth analysis: the deepest the value stack can get in a code
//! object, following every jump and exception handler. The emitter calls
//! it once per code object; it never changes the code.

use crate::bytecode::{ExceptionEntry, Instr};

/// The maximum stack depth, or `Err(pc)` at an instruction where the
/// stack would underflow (an emitter bug, reported rather than panicking).
pub fn max_stack(code: &[Instr], table: &[ExceptionEntry]) -> Result<u32, usize> {
    let mut depth_at: Vec<Option<i64>> = vec![None; code.len() + 1];
    let mut work: Vec<(usize, i64)> = vec![(0, 0)];
    for entry in table {
        work.push((entry.handler as usize, i64::from(entry.depth) + 1));
    }
    let mut max: i64 = 0;
    while let Some((pc, depth)) = work.pop() {
        let Some(slot) = depth_at.get_mut(pc) else {
            continue;
        };
        match slot {
            Some(seen) if *seen >= depth => continue,
            _ => *slot = Some(depth),
        }
        let Some(instr) = code.get(pc) else { continue };
        let effect = instr.stack_effect();
        let after = depth - i64::from(effect.pops) + i64::from(effect.pushes);
        if depth < i64::from(effect.pops) {
            return Err(pc);
        }
        max = max.max(depth).max(after);
        match *instr {
            Instr::Jump { target } | Instr::JumpBackward { target } => {
                work.push((target as usize, after))
            }
            Instr::PopJumpIfFalse { target } | Instr::PopJumpIfTrue { target } => {
                work.push((target as usize, after));
                work.push((pc + 1, after));
            }
            Instr::JumpIfFalseOrPop { target } | Instr::JumpIfTrueOrPop { target } => {
                work.push((target as usize, depth));
                work.push((pc + 1, after));
            }
            Instr::ForIter { target, .. } => {
                work.push((target as usize, depth - 1));
                work.push((pc + 1, after));
            }
            Instr::Return | Instr::Raise { .. } | Instr::Reraise | Instr::RaiseAssertion { .. } => {
            }
            _ => work.push((pc + 1, after)),
        }
    }
    Ok(max.max(0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytecode::BinOp;

    #[test]
    fn straight_line_and_branches() {
        let code = [
            Instr::LoadConst { idx: 0 },
            Instr::LoadConst { idx: 0 },
            Instr::Binary {
                op: BinOp::Add,
                slot: 0,
            },
            Instr::JumpIfFalseOrPop { target: 5 },
            Instr::LoadConst { idx: 0 },
            Instr::Return,
        ];
        assert_eq!(max_stack(&code, &[]), Ok(2));
        assert_eq!(max_stack(&[Instr::Pop], &[]), Err(0));
    }
}
