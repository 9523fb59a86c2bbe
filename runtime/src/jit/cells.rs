//! Cells in compiled code: `LoadDeref`, `StoreDeref`, `DeleteDeref` and
//! `LoadClosure`.
//!
//! A function with cell variables (locals captured by a nested function or
//! a comprehension) or free variables has the interpreter's locals layout:
//! `varnames` then one slot per cell (`cellvars`, then `freevars`), each
//! holding a `Cell` object that `Vm::new_frame` made (seeded from the
//! parameters) or took from the closure. Compiled code keeps those slots
//! as boxed locals holding the very same cell objects, moved in from the
//! frame at entry and written back at every exit, so a closure made before
//! an exit shares its cells with the interpreter after it.
//!
//! A frameless call (no interpreter frame) makes the cells at entry as a
//! frame would (`helpers::take_locals` with `call::install_cells`): fresh
//! cells for the cell variables, the closure's for the free variables; an
//! exit hands them to the frame it builds. A lazy cell (a captured
//! parameter nothing rebinds, `CodeObject::lazy_cells`) starts empty and
//! is made by the first `LoadClosure`, in either tier; a function with
//! only lazy cells is entered like one without cells.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, Value as IrValue};
use kiln_compiler::bytecode::{CodeObject, Instr};

use super::abi::{borrow_bits, from_bits, into_bits, JitCtx, EMPTY_BITS};
use super::helpers::guarded;
use super::layout;
use super::lower::{Lowerer, I64};
use super::types::Kind;
use crate::error::{ExcKind, PyErr};
use crate::object::Payload;
use crate::value::Value;

/// Locals of `code` as the interpreter lays them out: variables, then cells.
pub(crate) fn frame_locals(code: &CodeObject) -> usize {
    code.varnames.len() + code.num_cells()
}

/// The contents of `cell` (borrowed) as owned bits, or `EMPTY_BITS` when it
/// is unbound or anything unusual (then `load_deref` decides). Never
/// raises or panics, so it needs no context and no guard.
pub extern "C" fn cell_get(cell: i64) -> i64 {
    // SAFETY: compiled code passes a cell slot it owns.
    let cell = unsafe { borrow_bits(cell) };
    match cell.payload() {
        Some(Payload::Cell(c)) => c.try_borrow().map_or(EMPTY_BITS, |v| into_bits(v.clone())),
        _ => EMPTY_BITS,
    }
}

/// A new cell holding `value` (owned, moved in): a lazy cell's first use.
pub extern "C" fn make_cell(value: i64) -> i64 {
    // SAFETY: compiled code hands over a reference it owns.
    into_bits(Value::cell(unsafe { from_bits(value) }))
}

/// `LoadDeref` of cell `idx` (borrowed `cell`), the interpreter's rule
/// exactly: its contents, or the unbound-local / free-variable error.
pub extern "C" fn load_deref(ctx: *mut JitCtx, cell: i64, idx: i64) -> i64 {
    guarded(ctx, |_, f, _| {
        // SAFETY: compiled code passes a cell slot it owns.
        let cell = unsafe { borrow_bits(cell) };
        let v = match cell.payload() {
            Some(Payload::Cell(c)) => c
                .try_borrow()
                .map_err(|_| PyErr::reentrant("cell"))?
                .clone(),
            _ => Value::empty(),
        };
        if !v.is_empty() {
            return Ok(into_bits(v));
        }
        let code = f.code;
        let i = idx.max(0) as usize;
        let ncell = code.cellvars.len();
        if i < ncell {
            let n = code.cellvars.get(i).map_or("?", |s| &**s);
            return Err(PyErr::new(
                ExcKind::UnboundLocalError,
                format!(
                    "cannot access local variable '{n}' where it is not associated with a value"
                ),
            ));
        }
        let n = code.freevars.get(i - ncell).map_or("?", |s| &**s);
        Err(PyErr::name_error(format!(
            "cannot access free variable '{n}' where it is not associated with a value in enclosing scope"
        )))
    })
}

/// `StoreDeref` (`v` is `EMPTY_BITS` for `DeleteDeref`): borrows `cell`,
/// consumes `v`. The old contents are dropped after the cell is released.
pub extern "C" fn store_deref(ctx: *mut JitCtx, cell: i64, v: i64) -> i64 {
    guarded(ctx, |_, _, _| {
        // SAFETY: compiled code passes a cell slot it owns and hands over `v`.
        let (cell, v) = unsafe { (borrow_bits(cell), from_bits(v)) };
        // The interpreter ignores a slot without a cell; so does this.
        let Some(Payload::Cell(c)) = cell.payload() else {
            return Ok(0);
        };
        let old = std::mem::replace(
            &mut *c.try_borrow_mut().map_err(|_| PyErr::reentrant("cell"))?,
            v,
        );
        drop(old);
        Ok(0)
    })
}

impl Lowerer<'_, '_> {
    /// The contents of `cell` (a cell slot, borrowed), read in place: on to
    /// `done` with a new reference when it is a cell, not mutably
    /// borrowed, and bound; else to `slow` (which raises as it should).
    fn read_cell_inline(&mut self, l: layout::CellLayout, cell: IrValue, slow: Block, done: Block) {
        let flags = MemFlagsData::trusted();
        let p = self.heap_object_of(cell, layout::CELL_KIND, slow);
        let borrow = self.bcx.ins().load(I64, flags, p, l.borrow);
        let v = self.bcx.ins().load(I64, flags, p, l.value);
        let readable = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, borrow, 0);
        let bound = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, v, EMPTY_BITS);
        let ok = self.bcx.ins().band(readable, bound);
        let hit = self.bcx.create_block();
        self.bcx.ins().brif(ok, hit, &[], slow, &[]);
        self.bcx.switch_to_block(hit);
        self.incref(v);
        self.bcx.ins().jump(done, &[BlockArg::Value(v)]);
    }

    /// The lazy cell in local `slot` (`CodeObject::lazy_cells`): made
    /// from parameter `param` when the slot is still empty, and kept in
    /// the slot (which owns it), as the interpreter's `call::lazy_cell`.
    fn lazy_cell(&mut self, slot: usize, cell: IrValue, param: usize) -> IrValue {
        let make = self.bcx.create_block();
        let done = self.bcx.create_block();
        let r = self.bcx.append_block_param(done, I64);
        let empty = self.bcx.ins().icmp_imm_s(IntCC::Equal, cell, EMPTY_BITS);
        self.bcx
            .ins()
            .brif(empty, make, &[], done, &[BlockArg::Value(cell)]);
        self.bcx.switch_to_block(make);
        let kind = match self.types.locals.get(param) {
            Some(Kind::Boxed) | None => Kind::Borrowed,
            Some(&k) => k,
        };
        let value = match self.use_local(param) {
            Some(v) => self.boxed((v, kind)),
            None => self.iconst(EMPTY_BITS),
        };
        let made = self
            .call(make_cell as *const u8, &[value], true)
            .unwrap_or(cell);
        self.def_local(slot, made);
        self.bcx.ins().jump(done, &[BlockArg::Value(made)]);
        self.bcx.switch_to_block(done);
        r
    }

    /// Lower one cell instruction; true when it ended the block.
    pub(super) fn lower_cell(&mut self, pc: usize, instr: Instr) -> bool {
        let (Instr::LoadDeref { idx }
        | Instr::StoreDeref { idx }
        | Instr::DeleteDeref { idx }
        | Instr::LoadClosure { idx }) = instr
        else {
            return self.unsupported(pc);
        };
        let slot = self.code.varnames.len() + idx as usize;
        let Some(cell) = self.local_value(slot) else {
            return self.unsupported(pc);
        };
        match instr {
            Instr::LoadDeref { .. } => {
                let slow = self.bcx.create_block();
                let done = self.bcx.create_block();
                let r = self.bcx.append_block_param(done, I64);
                self.bcx.set_cold_block(slow);
                match layout::cell() {
                    Some(l) => self.read_cell_inline(l, cell, slow, done),
                    None => {
                        let v = self
                            .call(cell_get as *const u8, &[cell], true)
                            .unwrap_or(cell);
                        let is_empty = self.bcx.ins().icmp_imm_s(IntCC::Equal, v, EMPTY_BITS);
                        let fast = [BlockArg::Value(v)];
                        self.bcx.ins().brif(is_empty, slow, &[], done, &fast);
                    }
                }
                self.bcx.switch_to_block(slow);
                let i = self.iconst(i64::from(idx));
                let slow_v = self.call_ctx(load_deref as *const u8, &[cell, i]);
                self.check_raised(slow_v, pc);
                let slow_arg = [BlockArg::Value(slow_v)];
                self.bcx.ins().jump(done, &slow_arg);
                self.bcx.switch_to_block(done);
                self.push(r, Kind::Boxed);
            }
            Instr::StoreDeref { .. } | Instr::DeleteDeref { .. } => {
                let v = if matches!(instr, Instr::StoreDeref { .. }) {
                    self.pop_boxed()
                } else {
                    self.iconst(EMPTY_BITS)
                };
                let r = self.call_ctx(store_deref as *const u8, &[cell, v]);
                self.check_raised(r, pc);
            }
            _ => {
                // The cell object itself, for a closure tuple.
                let cell = match self.code.lazy_cell_param(idx) {
                    Some(param) => self.lazy_cell(slot, cell, param as usize),
                    None => cell,
                };
                self.incref(cell);
                self.push(cell, Kind::Boxed);
            }
        }
        false
    }
}
