//! Structural checks on compiled code objects, shared by the integration
//! tests: every index in range, jumps well-formed, tables consistent.

use kiln_compiler::bytecode::{CodeObject, Constant, Instr};

/// Panic with a description if `code` (or any nested code) is malformed.
pub fn verify(code: &CodeObject) {
    let n = code.code.len() as u32;
    let ctx = |pc: usize| format!("{} pc {pc}", code.qualname);
    assert_eq!(
        code.locations.len(),
        code.code.len(),
        "{}: locations",
        code.qualname
    );
    assert!(
        matches!(code.code.last(), Some(Instr::Return)),
        "{}: must end with Return",
        code.qualname
    );
    let cells = code.num_cells() as u32;
    for (pc, instr) in code.code.iter().enumerate() {
        if let Some(slot) = instr.feedback_slot() {
            assert!(u32::from(slot) < code.num_slots, "{}: slot", ctx(pc));
        }
        match *instr {
            Instr::Jump { target }
            | Instr::PopJumpIfFalse { target }
            | Instr::PopJumpIfTrue { target }
            | Instr::JumpIfFalseOrPop { target }
            | Instr::JumpIfTrueOrPop { target }
            | Instr::ForIter { target, .. } => {
                assert!(target < n, "{}: target", ctx(pc));
                assert!(target as usize > pc, "{}: forward jump expected", ctx(pc));
            }
            Instr::JumpBackward { target } => {
                assert!((target as usize) <= pc, "{}: backward", ctx(pc))
            }
            Instr::LoadConst { idx } => {
                assert!((idx as usize) < code.consts.len(), "{}: const", ctx(pc))
            }
            Instr::LoadFast { idx } | Instr::StoreFast { idx } | Instr::DeleteFast { idx } => {
                assert!((idx as usize) < code.varnames.len(), "{}: varname", ctx(pc))
            }
            Instr::LoadDeref { idx }
            | Instr::StoreDeref { idx }
            | Instr::DeleteDeref { idx }
            | Instr::LoadClosure { idx } => {
                assert!(idx < cells, "{}: cell", ctx(pc))
            }
            Instr::LoadGlobal { name }
            | Instr::StoreGlobal { name }
            | Instr::DeleteGlobal { name }
            | Instr::LoadName { name }
            | Instr::StoreName { name }
            | Instr::DeleteName { name }
            | Instr::LoadAttr { name, .. }
            | Instr::StoreAttr { name, .. }
            | Instr::DeleteAttr { name }
            | Instr::LoadMethod { name, .. }
            | Instr::ImportName { name }
            | Instr::ImportFrom { name } => {
                assert!((name as usize) < code.names.len(), "{}: name", ctx(pc))
            }
            _ => {}
        }
    }
    for e in &code.exception_table {
        assert!(
            e.start < e.end && e.end <= n && e.handler < n,
            "{}: handler {e:?}",
            code.qualname
        );
        assert!(
            e.depth < code.max_stack.max(1) + 1,
            "{}: depth {e:?}",
            code.qualname
        );
    }
    for &(cell, var) in &code.cell_params {
        assert!((cell as usize) < code.cellvars.len() && (var as usize) < code.varnames.len());
    }
    for c in &code.consts {
        if let Constant::Code(inner) = c {
            assert_eq!(inner.filename, code.filename);
            verify(inner);
        }
    }
}
