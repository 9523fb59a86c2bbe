//! `LoadGlobal` in compiled code: a hit in the site's `GlobalCell` is
//! checked and read inline; everything else calls `load_global_cached`.
//!
//! The activation's globals dict is found once, in the prologue (from the
//! interpreter frame, or from the function in a frameless call). A hit
//! needs the cell to have been filled from that same dict, the dict's
//! key-set version to be unchanged since (so the value's slot has not
//! moved), and no mutable borrow of the dict to be live; then the slot
//! holds the global's current value.

use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{BlockArg, InstBuilder, MemFlagsData, Value};

use super::abi::{self, ctx_offset};
use super::helpers::{self as h, GlobalCell};
use super::layout;
use super::lower::{Lowerer, I64};
use super::types::Kind;
use crate::frame::Frame;
use crate::object::FunctionObj;

const CELL_VERSION: i32 = offset_of!(GlobalCell, version) as i32;
const CELL_SLOT: i32 = offset_of!(GlobalCell, slot) as i32;
const CELL_GLOBALS: i32 = offset_of!(GlobalCell, globals) as i32;
const FRAME_GLOBALS: i32 = offset_of!(Frame, globals) as i32;
const FUNC_GLOBALS: i32 = offset_of!(FunctionObj, globals) as i32;

impl Lowerer<'_, '_> {
    /// The activation's globals (borrowed bits), computed where the
    /// prologue calls this so that it dominates every `LoadGlobal`.
    pub(super) fn globals_prologue(&mut self) -> Value {
        let flags = MemFlagsData::trusted();
        let join = self.bcx.create_block();
        let globals = self.bcx.append_block_param(join, I64);
        let from_frame = self.bcx.create_block();
        let from_func = self.bcx.create_block();
        let frame = self.bcx.ins().load(I64, flags, self.ctx, ctx_offset::FRAME);
        self.bcx.ins().brif(frame, from_frame, &[], from_func, &[]);

        self.bcx.switch_to_block(from_frame);
        let g = self.bcx.ins().load(I64, flags, frame, FRAME_GLOBALS);
        self.bcx.ins().jump(join, &[BlockArg::Value(g)]);

        self.bcx.switch_to_block(from_func);
        let func = self.bcx.ins().load(I64, flags, self.ctx, ctx_offset::FUNC);
        let g = self.bcx.ins().load(I64, flags, func, FUNC_GLOBALS);
        self.bcx.ins().jump(join, &[BlockArg::Value(g)]);

        self.bcx.switch_to_block(join);
        globals
    }

    /// `LoadGlobal name` at `pc` through `cell` (null: no cache), pushing
    /// an owned reference.
    pub(super) fn lower_load_global(&mut self, pc: usize, name: u32, cell: *const GlobalCell) {
        let n = self.iconst(i64::from(name));
        let cell_addr = self.iconst(cell as i64);
        let (Some(globals), Some(dict), false) = (self.globals, layout::dict(), cell.is_null())
        else {
            let r = self.call_ctx(h::load_global_cached as *const u8, &[n, cell_addr]);
            self.check_raised(r, pc);
            self.push(r, Kind::Boxed);
            return;
        };
        let flags = MemFlagsData::trusted();
        let same_dict = self.bcx.create_block();
        let hit = self.bcx.create_block();
        let slow = self.bcx.create_block();
        let done = self.bcx.create_block();
        let result = self.bcx.append_block_param(done, I64);
        self.bcx.set_cold_block(slow);

        let filled_from = self.bcx.ins().load(I64, flags, cell_addr, CELL_GLOBALS);
        let same = self.bcx.ins().icmp(IntCC::Equal, filled_from, globals);
        self.bcx.ins().brif(same, same_dict, &[], slow, &[]);

        self.bcx.switch_to_block(same_dict);
        let obj = self.bcx.ins().band_imm_s(globals, abi::PAYLOAD_MASK);
        let version = self.bcx.ins().load(I64, flags, obj, dict.version);
        let seen = self.bcx.ins().load(I64, flags, cell_addr, CELL_VERSION);
        let borrow = self.bcx.ins().load(I64, flags, obj, dict.borrow);
        let unchanged = self.bcx.ins().icmp(IntCC::Equal, version, seen);
        let readable = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, borrow, 0);
        let ok = self.bcx.ins().band(unchanged, readable);
        self.bcx.ins().brif(ok, hit, &[], slow, &[]);

        self.bcx.switch_to_block(hit);
        let slot = self.bcx.ins().load(I64, flags, cell_addr, CELL_SLOT);
        let v = self.bcx.ins().load(I64, flags, slot, 0);
        self.incref(v);
        self.bcx.ins().jump(done, &[BlockArg::Value(v)]);

        self.bcx.switch_to_block(slow);
        let r = self.call_ctx(h::load_global_cached as *const u8, &[n, cell_addr]);
        self.check_raised(r, pc);
        self.bcx.ins().jump(done, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(done);
        self.push(result, Kind::Boxed);
    }
}
