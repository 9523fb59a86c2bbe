//! `Frame`: the state of one executing code object — locals (then cells),
//! the value stack and the program counter. Ordinary calls keep their frame
//! on the Rust stack with recycled vectors; generators box theirs.

use std::rc::Rc;
use std::sync::Arc;

use kiln_compiler::bytecode::CodeObject;

use crate::code_info::CodeInfo;
use crate::value::Value;

pub struct Frame {
    /// The code's per-isolate data, which also holds the code object
    /// (`Frame::code`): reached through the non-atomic `Rc`, so making a
    /// frame touches no atomic count.
    pub info: Rc<CodeInfo>,
    /// The module globals dict.
    pub globals: Value,
    /// `varnames` slots, then one cell per `cellvars`/`freevars` entry.
    pub locals: Vec<Value>,
    pub stack: Vec<Value>,
    pub pc: usize,
    /// Class-body namespace dict (for `LoadName`/`StoreName`), else None.
    pub namespace: Value,
    /// The exception that was being handled when a generator frame was
    /// suspended inside an `except` block.
    pub saved_exc: Value,
    /// In the frame of an `__init__` that the interpreter runs to make an
    /// instance (`Vm::init_frame`): the new instance, the call's result.
    /// None otherwise.
    pub made_instance: Value,
}

impl Frame {
    /// The code object this frame runs.
    #[inline(always)]
    pub fn code(&self) -> &Arc<CodeObject> {
        &self.info.code
    }

    /// Index of cell `idx` in `locals`.
    #[inline(always)]
    pub fn cell_slot(&self, idx: u32) -> usize {
        self.code().varnames.len() + idx as usize
    }
}
