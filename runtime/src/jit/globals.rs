//! Reads of dict entries that compiled code checks inline: `LoadGlobal`
//! (a global, or a builtin the globals do not shadow) and attributes of
//! modules (`math.sqrt`). Each site has a `SlotCell`; a hit is a few
//! loads and compares, anything else calls a helper that does the
//! generic lookup and refills the cell.
//!
//! The activation's globals dict is found once, in the prologue (from the
//! interpreter frame, or from the function in a frameless call).

use std::cell::Cell;
use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, Value};
use kiln_compiler::bytecode::{CodeObject, Instr};

use super::abi::{self, borrow_bits, ctx_offset, into_bits, JitCtx, EMPTY_BITS, RAISED};
use super::deopt::Reason;
use super::helpers::{self as h, env_of, name_of};
use super::layout;
use super::lower::{Lowerer, I64};
use super::types::Kind;
use crate::dict::Dict;
use crate::frame::Frame;
use crate::object::{FunctionObj, ModuleObj, Payload};
use crate::value::Value as PyValue;
use crate::vm::Vm;

/// One site's cached entry: the address of the value's slot in `dict`,
/// valid while that dict keeps the key-set version it had when the cell
/// was filled (only a key-set change moves entries, and it changes the
/// version, which no other dict of the thread ever has; so a freed dict
/// whose address comes back never matches). `dict` is an identity, not a
/// reference.
///
/// A hit also needs `*also_ptr == also_version`: for a builtin, the
/// builtins dict's version (the slot is in builtins; `dict` is then the
/// globals, where the name was absent); otherwise `also_ptr` points at
/// `also_version` itself, and a cell `globals_only` is never filled
/// from builtins, so compiled code skips that check for it. No dict is
/// mutably borrowed while script code runs (`dict.rs`: script `__eq__`
/// runs outside any borrow), and compiled code is script code, so it
/// reads the entry without looking at the borrow flag.
#[repr(C)]
#[derive(Default)]
pub struct SlotCell {
    /// `load_global`'s hint: the entry's index + 1 in the globals, or 0.
    pub index: Cell<u64>,
    dict: Cell<u64>,
    version: Cell<u64>,
    slot: Cell<usize>,
    also_ptr: Cell<usize>,
    also_version: Cell<u64>,
    /// Set at compile time when the name was a global then: compiled
    /// code checks only `dict` and `version`, so the cell must never be
    /// filled from builtins (a miss stays a miss, correct and slower).
    globals_only: Cell<bool>,
}

const CELL_DICT: i32 = offset_of!(SlotCell, dict) as i32;
const CELL_VERSION: i32 = offset_of!(SlotCell, version) as i32;
const CELL_SLOT: i32 = offset_of!(SlotCell, slot) as i32;
const CELL_ALSO_PTR: i32 = offset_of!(SlotCell, also_ptr) as i32;
const CELL_ALSO_VERSION: i32 = offset_of!(SlotCell, also_version) as i32;
const FRAME_GLOBALS: i32 = offset_of!(Frame, globals) as i32;
const FUNC_GLOBALS: i32 = offset_of!(FunctionObj, globals) as i32;

impl SlotCell {
    /// Remember `value`, an entry of `d` (the dict value `dict`); `also`
    /// is the builtins dict when `value` is one of its entries instead.
    fn fill(&self, dict: &PyValue, d: &Dict, value: &PyValue, also: Option<&Dict>) {
        self.dict.set(dict.bits());
        self.version.set(d.version());
        self.slot.set(value as *const PyValue as usize);
        match also {
            Some(b) => {
                self.also_ptr.set(b.version_ptr() as usize);
                self.also_version.set(b.version());
            }
            None => {
                self.also_ptr.set(self.also_version.as_ptr() as usize);
            }
        }
    }
}

/// The names `code` reads with `LoadGlobal` that are globals now (in
/// the module dict `globals`): compiled code checks those as globals only.
pub fn names_bound_in(code: &CodeObject, globals: &PyValue) -> Vec<u32> {
    let Some(dict) = globals.as_dict().and_then(|d| d.try_borrow().ok()) else {
        return Vec::new();
    };
    let mut found: Vec<u32> = Vec::new();
    for instr in &code.code {
        if let Instr::LoadGlobal { name } = *instr {
            let bound = code
                .names
                .get(name as usize)
                .is_some_and(|n| dict.get_str(n).is_some());
            if bound && !found.contains(&name) {
                found.push(name);
            }
        }
    }
    found
}

/// `LoadGlobal` after the inline check missed: the generic lookup, then
/// the cell is refilled for the next time.
pub extern "C" fn load_global_cached(ctx: *mut JitCtx, name: i64, cell: *const SlotCell) -> i64 {
    // SAFETY: compiled code passes its live context and its own cell,
    // which lives as long as the code.
    let Some(cell) = (unsafe { cell.as_ref() }) else {
        return h::load_global(ctx, name, std::ptr::null());
    };
    let r = h::load_global(ctx, name, &cell.index);
    if r != RAISED {
        // SAFETY: as above; the lookup left no borrow behind.
        let (c, vm) = unsafe { (&*ctx, &*(*ctx).vm) };
        fill_global(vm, c, name, cell);
    }
    r
}

fn fill_global(vm: &Vm, c: &JitCtx, name: i64, cell: &SlotCell) {
    // SAFETY: the activation is live (see `env_of`).
    let env = unsafe { env_of(c) };
    let key = name_of(&env, name);
    let Some(s) = key.as_str_obj() else { return };
    let hash = crate::hash::cached_str_hash(s);
    let Some(g) = env.globals.as_dict().and_then(|d| d.try_borrow().ok()) else {
        return;
    };
    if let Some(i) = g.index_of_name(&key, &s.s, hash) {
        if let Some((_, v)) = g.get_index(i) {
            cell.fill(env.globals, &g, v, None);
        }
        return;
    }
    if cell.globals_only.get() {
        return;
    }
    let Some(b) = vm.builtins.as_dict().and_then(|d| d.try_borrow().ok()) else {
        return;
    };
    if let Some((_, v)) = b
        .index_of_name(&key, &s.s, hash)
        .and_then(|i| b.get_index(i))
    {
        cell.fill(env.globals, &g, v, Some(&b));
    }
}

/// `LoadAttr` (`method` 0) or `LoadMethod` (1) of `obj` (borrowed) after
/// the inline module check missed: a module's attribute refills the cell;
/// anything else is the generic helper.
pub extern "C" fn module_attr_cached(
    ctx: *mut JitCtx,
    obj: i64,
    name: i64,
    slot: i64,
    cell: *const SlotCell,
    method: i64,
) -> i64 {
    let generic = move || match method {
        0 => h::load_attr(ctx, obj, name, slot),
        _ => h::load_method(ctx, obj, name, slot),
    };
    // SAFETY: the operand stays owned by compiled code; the cell lives as
    // long as the code; the context is live for this call.
    let (value, cell, c) = unsafe { (borrow_bits(obj), &*cell, &mut *ctx) };
    let Some(Payload::Module(m)) = value.payload() else {
        return generic();
    };
    // SAFETY: the activation is live (see `env_of`).
    let key = name_of(&unsafe { env_of(c) }, name);
    match module_entry(m, &key, cell) {
        Some(v) if method == 0 => v,
        Some(v) => {
            c.aux = v;
            EMPTY_BITS
        }
        // Missing: the generic path raises the interpreter's error.
        None => generic(),
    }
}

/// The attribute of the module `obj` (borrowed) named `name` (a new
/// reference), remembered in `cell`; `EMPTY_BITS` when the module has no
/// such entry. Only reads the module's dict, so it runs no script code
/// (speculating compiled code relies on that, `Lowerer::call`).
pub extern "C" fn module_attr_refill(
    ctx: *mut JitCtx,
    obj: i64,
    name: i64,
    cell: *const SlotCell,
) -> i64 {
    // SAFETY: as `module_attr_cached`.
    let (value, cell, c) = unsafe { (borrow_bits(obj), &*cell, &*ctx) };
    let Some(Payload::Module(m)) = value.payload() else {
        return EMPTY_BITS;
    };
    // SAFETY: the activation is live (see `env_of`).
    let key = name_of(&unsafe { env_of(c) }, name);
    module_entry(m, &key, cell).unwrap_or(EMPTY_BITS)
}

/// The module's attribute `key` (a new reference), remembered in `cell`.
fn module_entry(m: &ModuleObj, key: &PyValue, cell: &SlotCell) -> Option<i64> {
    let s = key.as_str_obj()?;
    let hash = crate::hash::cached_str_hash(s);
    let d = m.dict.as_dict()?.try_borrow().ok()?;
    let (_, v) = d.get_index(d.index_of_name(key, &s.s, hash)?)?;
    cell.fill(&m.dict, &d, v, None);
    Some(into_bits(v.clone()))
}

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
        let g = self.frameless_globals();
        self.bcx.ins().jump(join, &[BlockArg::Value(g)]);

        self.bcx.switch_to_block(join);
        globals
    }

    /// The globals of a frameless call: its function's (`JitCtx::func`).
    pub(super) fn frameless_globals(&mut self) -> Value {
        let flags = MemFlagsData::trusted();
        let func = self.bcx.ins().load(I64, flags, self.ctx, ctx_offset::FUNC);
        self.bcx.ins().load(I64, flags, func, FUNC_GLOBALS)
    }

    /// The inline check of `cell` against the dict value `dict`: on a hit
    /// the current block goes on with the entry's value (a new reference);
    /// on a miss it branches to `miss`. `also`: the cell may hold a
    /// builtin, check the builtins' version too.
    fn read_slot_cell(
        &mut self,
        cell: Value,
        dict: Value,
        miss: Block,
        also: bool,
        take_ref: bool,
    ) -> Option<Value> {
        let layout = layout::dict()?;
        let flags = MemFlagsData::trusted();
        let same_dict = self.bcx.create_block();
        let hit = self.bcx.create_block();

        let filled_from = self.bcx.ins().load(I64, flags, cell, CELL_DICT);
        let same = self.bcx.ins().icmp(IntCC::Equal, filled_from, dict);
        self.bcx.ins().brif(same, same_dict, &[], miss, &[]);

        self.bcx.switch_to_block(same_dict);
        let obj = self.bcx.ins().band_imm_s(dict, abi::PAYLOAD_MASK);
        let version = self.bcx.ins().load(I64, flags, obj, layout.version);
        let seen = self.bcx.ins().load(I64, flags, cell, CELL_VERSION);
        let mut ok = self.bcx.ins().icmp(IntCC::Equal, version, seen);
        if also {
            let also_ptr = self.bcx.ins().load(I64, flags, cell, CELL_ALSO_PTR);
            let also = self.bcx.ins().load(I64, flags, also_ptr, 0);
            let also_seen = self.bcx.ins().load(I64, flags, cell, CELL_ALSO_VERSION);
            let also_unchanged = self.bcx.ins().icmp(IntCC::Equal, also, also_seen);
            ok = self.bcx.ins().band(ok, also_unchanged);
        }
        self.bcx.ins().brif(ok, hit, &[], miss, &[]);

        self.bcx.switch_to_block(hit);
        let slot = self.bcx.ins().load(I64, flags, cell, CELL_SLOT);
        let v = self.bcx.ins().load(I64, flags, slot, 0);
        if take_ref {
            self.incref(v);
        }
        Some(v)
    }

    /// `LoadGlobal name` at `pc` through `cell` (null: no cache), pushing
    /// an owned reference, or a borrowed one for the callee of a plain
    /// call (`Lowerer::borrowed_callee`).
    pub(super) fn lower_load_global(&mut self, pc: usize, name: u32, cell: *const SlotCell) {
        let borrow = self.borrowed_callee.is_none() && self.callee_of_a_plain_call(pc);
        let n = self.iconst(i64::from(name));
        let cell_addr = self.iconst(cell as i64);
        let done = self.bcx.create_block();
        let result = self.bcx.append_block_param(done, I64);
        let slow = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        // A name that was a global when the compile was asked for is
        // checked as one (`SlotCell::globals_only`).
        let global = self.global_names.contains(&name);
        // SAFETY: the cells belong to this compile (`SiteCells`), alive
        // and not yet shared with the isolate.
        if let (true, Some(c)) = (global, unsafe { cell.as_ref() }) {
            c.globals_only.set(true);
        }
        let inline = match self.globals {
            Some(var) if !cell.is_null() => {
                let g = self.bcx.use_var(var);
                self.read_slot_cell(cell_addr, g, slow, !global, !borrow)
            }
            _ => None,
        };
        match inline {
            Some(v) => {
                self.bcx.ins().jump(done, &[BlockArg::Value(v)]);
            }
            None => {
                self.bcx.ins().jump(slow, &[]);
            }
        }
        self.bcx.switch_to_block(slow);
        let r = self.call_ctx(load_global_cached as *const u8, &[n, cell_addr]);
        self.check_raised(r, pc);
        if borrow {
            // The value came from the globals or the builtins dict, which
            // keeps its own reference.
            self.decref(r);
        }
        self.bcx.ins().jump(done, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(done);
        self.global_origin.insert(result, name);
        if borrow {
            self.borrowed_callee = Some(result);
            self.push(result, Kind::Borrowed);
        } else {
            self.push(result, Kind::Boxed);
        }
    }

    /// `LoadAttr` or (`method`) `LoadMethod` of `name` on the popped
    /// receiver, with a module's attribute read inline through `cell`.
    pub(super) fn lower_module_attr(
        &mut self,
        pc: usize,
        name: u32,
        slot: u16,
        cell: *const SlotCell,
        method: bool,
    ) {
        let entry = self.pop_raw();
        let obj = self.borrow_of(entry);
        let done = self.bcx.create_block();
        let result = self.bcx.append_block_param(done, I64);
        let this = method.then(|| self.bcx.append_block_param(done, I64));
        let slow = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        let cell_addr = self.iconst(cell as i64);
        if self.speculate {
            return self.speculative_module_attr(
                pc,
                (name, cell_addr),
                (entry, obj),
                (done, result, this),
            );
        }
        self.module_cell_hit(obj.0, cell_addr, (slow, slow), done, method);

        // The slow path leaves a method's second value in the context.
        self.bcx.switch_to_block(slow);
        let n = self.iconst(i64::from(name));
        let s = self.iconst(i64::from(slot));
        let m = self.iconst(i64::from(method));
        let r = self.call_ctx(
            module_attr_cached as *const u8,
            &[obj.0, n, s, cell_addr, m],
        );
        let mut args = vec![BlockArg::Value(r)];
        if method {
            let second = self.call_ctx(h::take_aux as *const u8, &[]);
            args.push(BlockArg::Value(second));
        }
        self.bcx.ins().jump(done, &args);

        self.bcx.switch_to_block(done);
        self.end_borrow(obj);
        self.check_raised(result, pc);
        self.push(result, Kind::Boxed);
        if let Some(this) = this {
            self.push(this, Kind::Boxed);
        }
    }

    /// The speculative form of `lower_module_attr`: an object that is not
    /// a module, or a module without the name, re-executes the
    /// instruction in the interpreter; a module whose cell is stale
    /// refills it with a lookup that runs no script code. So nothing on
    /// the way back into compiled code can change what it proved about
    /// lists (`list_facts.rs`), and `math.sqrt(x)` keeps those facts.
    fn speculative_module_attr(
        &mut self,
        pc: usize,
        (name, cell_addr): (u32, Value),
        (entry, obj): ((Value, Kind), (Value, bool)),
        (done, result, this): (Block, Value, Option<Value>),
    ) {
        let exit = self.exit_with_operands(pc, Reason::TypeGuard, &[entry]);
        let refill = self.bcx.create_block();
        self.bcx.set_cold_block(refill);
        let method = this.is_some();
        self.module_cell_hit(obj.0, cell_addr, (exit, refill), done, method);

        self.bcx.switch_to_block(refill);
        let n = self.iconst(i64::from(name));
        let r = self.call_ctx(module_attr_refill as *const u8, &[obj.0, n, cell_addr]);
        let missing = self.bcx.ins().icmp_imm_s(IntCC::Equal, r, EMPTY_BITS);
        let found = self.bcx.create_block();
        self.bcx.ins().brif(missing, exit, &[], found, &[]);
        self.bcx.switch_to_block(found);
        let args = self.module_attr_args(r, method);
        self.bcx.ins().jump(done, &args);

        self.bcx.switch_to_block(done);
        self.end_borrow(obj);
        self.push(result, Kind::Boxed);
        if let Some(this) = this {
            self.push(this, Kind::Boxed);
        }
    }

    /// Jump to `done` with the attribute when `obj` is a module whose dict
    /// `cell_addr`'s cell still describes; else to `not_module` or `miss`.
    fn module_cell_hit(
        &mut self,
        obj: Value,
        cell_addr: Value,
        (not_module, miss): (Block, Block),
        done: Block,
        method: bool,
    ) {
        let dict = self.module_dict_of(obj, not_module);
        match dict.and_then(|d| self.read_slot_cell(cell_addr, d, miss, false, true)) {
            Some(v) => {
                let args = self.module_attr_args(v, method);
                self.bcx.ins().jump(done, &args);
            }
            None => {
                self.bcx.ins().jump(miss, &[]);
            }
        }
    }

    /// What a module attribute pushes: the value, or for `LoadMethod` of
    /// a module function (empty, function).
    fn module_attr_args(&mut self, v: Value, method: bool) -> Vec<BlockArg> {
        match method {
            true => vec![BlockArg::Value(self.iconst(EMPTY_BITS)), BlockArg::Value(v)],
            false => vec![BlockArg::Value(v)],
        }
    }

    /// The dict value of `obj` if it is a module (continuing in a new
    /// block), else a branch to `miss`; None when the module layout is
    /// unknown (nothing emitted).
    fn module_dict_of(&mut self, obj: Value, miss: Block) -> Option<Value> {
        let dict_off = layout::module_dict()?;
        let p = self.heap_object_of(obj, layout::MODULE_KIND, miss);
        Some(
            self.bcx
                .ins()
                .load(I64, MemFlagsData::trusted(), p, dict_off),
        )
    }
}
