//! Attributes of class instances in compiled code: a `LoadAttr` or
//! `StoreAttr` that finds the attribute in the instance's own dict, at the
//! entry index instances of that class keep it at, is checked and done
//! inline — the equivalent of a hidden-class check on a slot vector:
//!
//! - the receiver is an instance of the site's cached class, and the
//!   isolate's class epoch is the cached one (no class namespace changed
//!   since, so the class still has no property of that name and, for
//!   stores, no script `__setattr__`);
//! - the instance dict is not mutably borrowed (for stores: not borrowed
//!   at all), the cached index is below its length, and the entry there
//!   has the site's name as its key (names are interned: identity).
//!
//! Anything else calls the interpreter's cached path (`helpers::load_attr`
//! or `store_attr`), which keeps every rule of attribute access, and then
//! refills the site's `InstAttrCell` from the interpreter's cache entry.
//! Entry layouts are measured (`layout::instance`); when they cannot be,
//! every access takes the helper.

use std::cell::Cell;
use std::mem::offset_of;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, Value};

use super::abi::{self, borrow_bits, ctx_offset, into_bits, JitCtx, RAISED};
use super::helpers::{self as h, env_of, name_of};
use super::layout::{self, InstanceLayout};
use super::lower::{Lowerer, I64};
use super::types::Kind;
use crate::hash::cached_str_hash;
use crate::object::Payload;
use crate::value::{Kind as HeapKind, Value as PyValue};
use crate::vm::Vm;

/// One compiled attribute site's cached instance entry. `class` and `key`
/// are owned references (0 when empty), so their addresses cannot be
/// reused by other objects while the cell remembers them.
#[repr(C)]
#[derive(Default)]
pub struct InstAttrCell {
    class: Cell<u64>,
    epoch: Cell<u64>,
    index: Cell<u64>,
    key: Cell<u64>,
}

/// Byte offsets of an `InstAttrCell`'s fields, for compiled code.
pub(super) mod cell_offset {
    use super::{offset_of, InstAttrCell};
    pub const CLASS: i32 = offset_of!(InstAttrCell, class) as i32;
    pub const EPOCH: i32 = offset_of!(InstAttrCell, epoch) as i32;
    pub const INDEX: i32 = offset_of!(InstAttrCell, index) as i32;
    pub const KEY: i32 = offset_of!(InstAttrCell, key) as i32;
}
pub(super) const VM_CLASS_EPOCH: i32 = offset_of!(Vm, class_epoch) as i32;

impl InstAttrCell {
    fn set(&self, class: &PyValue, epoch: u64, index: usize, key: &PyValue) {
        // A store to a fresh instance misses every time and refills with
        // the same entry: keep the references the cell already holds.
        let same = self.class.get() == class.bits()
            && self.key.get() == key.bits()
            && self.epoch.get() == epoch
            && self.index.get() == index as u64;
        if same {
            return;
        }
        self.release();
        self.class.set(into_bits(class.clone()) as u64);
        self.key.set(into_bits(key.clone()) as u64);
        self.epoch.set(epoch);
        self.index.set(index as u64);
    }

    fn release(&self) {
        abi::release_cell(&self.class);
        abi::release_cell(&self.key);
    }
}

impl Drop for InstAttrCell {
    fn drop(&mut self) {
        self.release();
    }
}

/// After a `LoadAttr` or `StoreAttr` (`store`) of `name` on `obj` at site
/// `slot` went through the interpreter's cache: remember where the
/// instance keeps the attribute, if the interpreter's entry allows it.
fn refill(ctx: *mut JitCtx, obj: i64, name: i64, slot: i64, cell: &InstAttrCell, store: bool) {
    // SAFETY: compiled code passes its live context; the operand stays
    // owned by compiled code for this call.
    let (c, obj) = unsafe { (&*ctx, borrow_bits(obj)) };
    let Some(Payload::Instance(inst)) = obj.payload() else {
        return;
    };
    // SAFETY: the activation is live (see `env_of`).
    let env = unsafe { env_of(c) };
    // SAFETY: the VM outlives the activation; only read here.
    let epoch = unsafe { (*c.vm).class_epoch };
    let key = name_of(&env, name);
    let index = env
        .info
        .attr_cache
        .with_entry(slot as u16, &inst.class, epoch, |e| {
            let usable = match store {
                true => e.plain_store,
                false => !e.found_is_property,
            };
            (e.index.get() as usize).checked_sub(1).filter(|_| usable)
        })
        .flatten();
    let Some(i) = index else { return };
    let here = inst
        .dict
        .try_borrow()
        .is_ok_and(|d| d.get_if_key_at(i, &key).is_some());
    if here {
        cell.set(&inst.class, epoch, i, &key);
    }
}

/// A speculating `LoadAttr` (`store`: `StoreAttr`) of `name` on `obj` at
/// site `slot` whose cell did not describe `obj` (`inst_facts.rs`): the
/// index + 1 of the entry `obj`'s own dict keeps the attribute in, with
/// the cell refilled to describe it, when the access is a plain one of
/// that entry and the dict's borrow state allows it; else 0, and a site
/// where the access is not plain is marked `ATTR_GENERIC` for the next
/// compile. Runs no script code.
pub extern "C" fn plain_attr_index(
    ctx: *mut JitCtx,
    obj: i64,
    name: i64,
    slot: i64,
    cell: *const InstAttrCell,
    store: i64,
) -> i64 {
    // SAFETY: compiled code passes its live context, a borrowed operand
    // and the cell of the code that runs.
    let (c, obj, cell) = unsafe { (&*ctx, borrow_bits(obj), cell.as_ref()) };
    // SAFETY: the activation is live (see `env_of`); the VM outlives it
    // and is only read here.
    let (env, vm) = unsafe { (env_of(c), &*c.vm) };
    let (store, slot) = (store != 0, slot as u16);
    let key = name_of(&env, name);
    let found = match obj.payload() {
        Some(Payload::Instance(inst)) => vm
            .plain_instance_entry(inst, &key, &env.info.attr_cache, slot, store)
            .map(|i| (inst, i)),
        _ => None,
    };
    let Some((inst, i)) = found else {
        env.info
            .feedback
            .record(slot, crate::feedback::bits::ATTR_GENERIC);
        return 0;
    };
    let free = match store {
        true => inst.dict.try_borrow_mut().is_ok(),
        false => inst.dict.try_borrow().is_ok(),
    };
    match (free, cell) {
        (true, Some(cell)) => {
            cell.set(&inst.class, vm.class_epoch, i, &key);
            i as i64 + 1
        }
        _ => 0,
    }
}

/// `LoadAttr` after the inline check missed.
pub extern "C" fn load_attr_cached(
    ctx: *mut JitCtx,
    obj: i64,
    name: i64,
    slot: i64,
    cell: *const InstAttrCell,
) -> i64 {
    let r = h::load_attr(ctx, obj, name, slot);
    // SAFETY: the cell lives as long as the code that passes it.
    if let (true, Some(cell)) = (r != RAISED, unsafe { cell.as_ref() }) {
        refill(ctx, obj, name, slot, cell, false);
    }
    r
}

/// `StoreAttr` after the inline check missed. Borrows `obj`, consumes `v`.
pub extern "C" fn store_attr_cached(
    ctx: *mut JitCtx,
    obj: i64,
    name: i64,
    v: i64,
    slot: i64,
    cell: *const InstAttrCell,
) -> i64 {
    // SAFETY: as `load_attr_cached`.
    let cell = unsafe { cell.as_ref() };
    if cell.is_some_and(|cell| append_new_attr(ctx, obj, name, v, cell)) {
        return 0;
    }
    let r = h::store_attr(ctx, obj, name, v, slot);
    if let (true, Some(cell)) = (r != RAISED, cell) {
        refill(ctx, obj, name, slot, cell, true);
    }
    r
}

/// A `StoreAttr` that adds the attribute to an instance still being
/// filled in (an `__init__` storing its attributes in the usual order):
/// the class and epoch are the cell's, so the store is a plain instance
/// dict store (the cell was filled from a plain-store entry), and the
/// dict holds exactly the entries before the cell's index. The entry is
/// appended directly, as `setattr_cached` would append it. True when done
/// (`v` moved in); false, with nothing done, for any other case.
fn append_new_attr(ctx: *mut JitCtx, obj: i64, name: i64, v: i64, cell: &InstAttrCell) -> bool {
    // SAFETY: compiled code passes its live context; the operand stays
    // owned by compiled code for this call.
    let (c, obj) = unsafe { (&*ctx, borrow_bits(obj)) };
    let Some(Payload::Instance(inst)) = obj.payload() else {
        return false;
    };
    // SAFETY: the VM outlives the activation; only read here.
    let epoch = unsafe { (*c.vm).class_epoch };
    if cell.class.get() != inst.class.bits() || cell.epoch.get() != epoch {
        return false;
    }
    let Ok(mut d) = inst.dict.try_borrow_mut() else {
        return false;
    };
    if d.len() as u64 != cell.index.get() {
        return false;
    }
    // SAFETY: the activation is live (see `env_of`).
    let key = name_of(&unsafe { env_of(c) }, name);
    let Some(name_obj) = key.as_str_obj() else {
        return false;
    };
    let hash = cached_str_hash(name_obj);
    if d.index_of_name(&key, &name_obj.s, hash).is_some() {
        return false;
    }
    // SAFETY: compiled code hands `v` over; taken only on this path.
    d.push_new(hash, key.clone(), unsafe { abi::from_bits(v) });
    if let Some(cls) = inst.class.as_class() {
        cls.note_instance_len(d.len());
    }
    true
}

impl Lowerer<'_, '_> {
    /// The address of the entry `obj` (boxed bits) keeps `cell`'s
    /// attribute in, continuing in a new block; a branch to `miss` when
    /// any check fails (`Lowerer::cell_entry`). `store` also needs the
    /// dict not borrowed at all.
    fn inst_entry(
        &mut self,
        l: InstanceLayout,
        obj: Value,
        cell: Value,
        store: bool,
        miss: Block,
    ) -> Value {
        let (data, index) = self.cell_entry(l, obj, cell, store, None, miss);
        self.entry_address(l, data, index)
    }

    /// `LoadAttr name` (site `slot`) through `cell`.
    pub(super) fn lower_inst_load_attr(
        &mut self,
        pc: usize,
        name: u32,
        slot: u16,
        cell: *const InstAttrCell,
    ) {
        let obj = self.pop_borrow();
        let done = self.bcx.create_block();
        let result = self.bcx.append_block_param(done, I64);
        let slow = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        let cell_addr = self.iconst(cell as i64);
        match layout::instance().filter(|_| !cell.is_null()) {
            Some(l) => {
                let entry = self.inst_entry(l, obj.0, cell_addr, false, slow);
                let flags = MemFlagsData::trusted();
                let v = self.bcx.ins().load(I64, flags, entry, l.value);
                self.incref(v);
                self.bcx.ins().jump(done, &[BlockArg::Value(v)]);
            }
            None => {
                self.bcx.ins().jump(slow, &[]);
            }
        }

        self.bcx.switch_to_block(slow);
        let n = self.iconst(i64::from(name));
        let s = self.iconst(i64::from(slot));
        let r = self.call_ctx(load_attr_cached as *const u8, &[obj.0, n, s, cell_addr]);
        self.bcx.ins().jump(done, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(done);
        self.end_borrow(obj);
        self.check_raised(result, pc);
        self.push(result, Kind::Boxed);
    }

    /// `StoreAttr name` (site `slot`) through `cell`.
    pub(super) fn lower_inst_store_attr(
        &mut self,
        pc: usize,
        name: u32,
        slot: u16,
        cell: *const InstAttrCell,
    ) {
        let obj = self.pop_borrow();
        let v = self.pop_boxed();
        let done = self.bcx.create_block();
        let result = self.bcx.append_block_param(done, I64);
        let slow = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        let cell_addr = self.iconst(cell as i64);
        match layout::instance().filter(|_| !cell.is_null()) {
            Some(l) => {
                let entry = self.inst_entry(l, obj.0, cell_addr, true, slow);
                let flags = MemFlagsData::trusted();
                let old = self.bcx.ins().load(I64, flags, entry, l.value);
                self.bcx.ins().store(flags, v, entry, l.value);
                // Freeing the old value runs no script code (finalisation
                // is deferred), so nothing can observe the store half-done.
                self.decref(old);
                let zero = self.iconst(0);
                self.bcx.ins().jump(done, &[BlockArg::Value(zero)]);
            }
            None => {
                self.bcx.ins().jump(slow, &[]);
            }
        }

        self.bcx.switch_to_block(slow);
        let n = self.iconst(i64::from(name));
        let s = self.iconst(i64::from(slot));
        let r = self.call_ctx(store_attr_cached as *const u8, &[obj.0, n, v, s, cell_addr]);
        self.bcx.ins().jump(done, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(done);
        self.end_borrow(obj);
        self.check_raised(result, pc);
    }
}

/// One compiled `LoadMethod` site's cached method, for instances of one
/// class or for values of one built-in type: `func` is what the class
/// chain gives for the name (a plain or built-in function), valid while
/// the class epoch is `epoch` and, for an instance, its own dict has no
/// such key. `kind` is the heap kind byte of the built-in type, or
/// `NO_KIND` for instances. References are owned, as in `InstAttrCell`.
#[repr(C)]
pub struct MethodCell {
    class: Cell<u64>,
    epoch: Cell<u64>,
    func: Cell<u64>,
    key: Cell<u64>,
    kind: Cell<u64>,
    /// The name's str hash: an instance dict with no key of that hash
    /// cannot shadow the method (checked inline).
    hash: Cell<u64>,
}

/// Matches no kind byte.
const NO_KIND: u64 = u64::MAX;

impl Default for MethodCell {
    fn default() -> MethodCell {
        MethodCell {
            class: Cell::new(0),
            epoch: Cell::new(0),
            func: Cell::new(0),
            key: Cell::new(0),
            kind: Cell::new(NO_KIND),
            hash: Cell::new(0),
        }
    }
}

const METHOD_CLASS: i32 = offset_of!(MethodCell, class) as i32;
const METHOD_EPOCH: i32 = offset_of!(MethodCell, epoch) as i32;
const METHOD_FUNC: i32 = offset_of!(MethodCell, func) as i32;
const METHOD_KIND: i32 = offset_of!(MethodCell, kind) as i32;
const METHOD_HASH: i32 = offset_of!(MethodCell, hash) as i32;

impl MethodCell {
    fn release(&self) {
        self.kind.set(NO_KIND);
        abi::release_cell(&self.class);
        abi::release_cell(&self.func);
        abi::release_cell(&self.key);
    }
}

/// The kind byte of a built-in value whose methods depend on its kind
/// alone (one kind, one type; sets are left out: set and frozenset share
/// a kind).
fn builtin_method_kind(v: &PyValue) -> Option<u64> {
    match v.payload()? {
        Payload::Str(_) => Some(HeapKind::Str as u64),
        Payload::Bytes(_) => Some(HeapKind::Bytes as u64),
        Payload::List(_) => Some(HeapKind::List as u64),
        Payload::Tuple(_) => Some(HeapKind::Tuple as u64),
        Payload::Dict(_) => Some(HeapKind::Dict as u64),
        _ => None,
    }
}

impl Drop for MethodCell {
    fn drop(&mut self) {
        self.release();
    }
}

/// The rest of an inline method hit, once compiled code has checked the
/// receiver's class and the epoch: the cached function (a new reference)
/// if the instance does not shadow it, else 0.
pub extern "C" fn method_unshadowed(obj: i64, cell: *const MethodCell) -> i64 {
    // SAFETY: compiled code passes a borrowed instance and its live cell.
    let (obj, cell) = unsafe { (borrow_bits(obj), &*cell) };
    let Some(Payload::Instance(inst)) = obj.payload() else {
        return 0;
    };
    // SAFETY: the cell owns its key and function while they are set.
    let (key, func) = unsafe {
        (
            borrow_bits(cell.key.get() as i64),
            borrow_bits(cell.func.get() as i64),
        )
    };
    let Some(s) = key.as_str_obj() else { return 0 };
    let hash = crate::hash::cached_str_hash(s);
    let shadowed = inst
        .dict
        .try_borrow()
        .map_or(true, |d| d.has_name(&key, &s.s, hash));
    match shadowed {
        true => 0,
        false => into_bits(PyValue::clone(&func)),
    }
}

/// `LoadMethod` after the inline check missed: the interpreter's cached
/// path, then the cell is refilled when the receiver is an instance whose
/// class gives a function for the name.
pub extern "C" fn load_method_cached(
    ctx: *mut JitCtx,
    obj: i64,
    name: i64,
    slot: i64,
    cell: *const MethodCell,
) -> i64 {
    let r = h::load_method(ctx, obj, name, slot);
    // SAFETY: the cell lives as long as the code that passes it.
    let Some(cell) = (unsafe { cell.as_ref() }) else {
        return r;
    };
    // Only a method paired with the receiver itself is cached: the inline
    // hit pushes the receiver as `self`.
    // SAFETY: the context is live; `aux` holds the pair's second value.
    if r == RAISED || r == abi::EMPTY_BITS || unsafe { (*ctx).aux } != obj {
        return r;
    }
    // SAFETY: compiled code passes its live context; the operand stays
    // owned by compiled code for this call.
    let (c, value) = unsafe { (&*ctx, borrow_bits(obj)) };
    // SAFETY: the VM outlives the activation; only read here.
    let epoch = unsafe { (*c.vm).class_epoch };
    if let Some(kind) = builtin_method_kind(&value) {
        // SAFETY: `r` is the function just returned, owned by the caller.
        let func = unsafe { borrow_bits(r) };
        cell.release();
        cell.func.set(into_bits(PyValue::clone(&func)) as u64);
        cell.epoch.set(epoch);
        cell.kind.set(kind);
        return r;
    }
    let Some(Payload::Instance(inst)) = value.payload() else {
        return r;
    };
    // SAFETY: the activation is live.
    let env = unsafe { env_of(c) };
    let key = name_of(&env, name);
    let method = env
        .info
        .attr_cache
        .with_entry(slot as u16, &inst.class, epoch, |e| {
            e.found
                .clone()
                .filter(|f| e.found_is_method && f.bits() as i64 == r)
        })
        .flatten();
    if let Some(func) = method {
        cell.release();
        cell.class.set(into_bits(inst.class.clone()) as u64);
        cell.func.set(into_bits(func) as u64);
        cell.hash
            .set(key.as_str_obj().map_or(0, crate::hash::cached_str_hash));
        cell.key.set(into_bits(key) as u64);
        cell.epoch.set(epoch);
    }
    r
}

impl Lowerer<'_, '_> {
    /// The instance `obj` (object at `p`) does not shadow `cell`'s method
    /// when no key of its dict has the name's hash: scan the entries
    /// inline and go to `hit` with the function (a new reference). An
    /// entry with that hash (a possible shadow) asks `method_unshadowed`;
    /// a mutably borrowed dict goes to `slow`.
    fn unshadowed_inline(
        &mut self,
        l: InstanceLayout,
        p: Value,
        obj: Value,
        cell: Value,
        hit: Block,
        slow: Block,
    ) {
        let flags = MemFlagsData::trusted();
        let borrow = self.bcx.ins().load(I64, flags, p, l.borrow);
        let readable = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, borrow, 0);
        let start = self.bcx.create_block();
        self.bcx.ins().brif(readable, start, &[], slow, &[]);

        self.bcx.switch_to_block(start);
        let len = self.bcx.ins().load(I64, flags, p, l.len);
        let data = self.bcx.ins().load(I64, flags, p, l.data);
        let want = self.bcx.ins().load(I64, flags, cell, METHOD_HASH);
        let scan = self.bcx.create_block();
        let i = self.bcx.append_block_param(scan, I64);
        let body = self.bcx.create_block();
        let next = self.bcx.create_block();
        let absent = self.bcx.create_block();
        let maybe = self.bcx.create_block();
        self.bcx.set_cold_block(maybe);
        let zero = self.iconst(0);
        self.bcx.ins().jump(scan, &[BlockArg::Value(zero)]);

        self.bcx.switch_to_block(scan);
        let end = self
            .bcx
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
        self.bcx.ins().brif(end, absent, &[], body, &[]);

        self.bcx.switch_to_block(body);
        let offset = self.bcx.ins().imul_imm_s(i, i64::from(l.stride));
        let entry = self.bcx.ins().iadd(data, offset);
        let h = self.bcx.ins().load(I64, flags, entry, l.hash);
        let same = self.bcx.ins().icmp(IntCC::Equal, h, want);
        self.bcx.ins().brif(same, maybe, &[], next, &[]);

        self.bcx.switch_to_block(next);
        let i1 = self.bcx.ins().iadd_imm_s(i, 1);
        self.bcx.ins().jump(scan, &[BlockArg::Value(i1)]);

        self.bcx.switch_to_block(absent);
        let f = self.bcx.ins().load(I64, flags, cell, METHOD_FUNC);
        self.incref(f);
        self.bcx.ins().jump(hit, &[BlockArg::Value(f)]);

        self.bcx.switch_to_block(maybe);
        let f = self
            .call(method_unshadowed as *const u8, &[obj, cell], true)
            .unwrap_or(obj);
        self.bcx
            .ins()
            .brif(f, hit, &[BlockArg::Value(f)], slow, &[]);
    }

    /// `LoadMethod name` (site `slot`) through `cell`: pushes the
    /// function and the receiver, or whatever the interpreter's path
    /// gives on a miss.
    pub(super) fn lower_inst_load_method(
        &mut self,
        pc: usize,
        name: u32,
        slot: u16,
        cell: *const MethodCell,
    ) {
        let obj = self.pop_borrow();
        let done = self.bcx.create_block();
        let func = self.bcx.append_block_param(done, I64);
        let this = self.bcx.append_block_param(done, I64);
        let slow = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        let cell_addr = self.iconst(cell as i64);
        if cell.is_null() {
            self.bcx.ins().jump(slow, &[]);
        } else {
            let flags = MemFlagsData::trusted();
            let (p, kind) = self.heap_object(obj.0, slow);
            let is_inst =
                self.bcx
                    .ins()
                    .icmp_imm_s(IntCC::Equal, kind, i64::from(layout::INSTANCE_KIND));
            let known = self.bcx.create_block();
            let other = self.bcx.create_block();
            self.bcx.ins().brif(is_inst, known, &[], other, &[]);

            // A built-in value: its kind is the cached one, in this epoch.
            self.bcx.switch_to_block(other);
            let want_kind = self.bcx.ins().load(I64, flags, cell_addr, METHOD_KIND);
            let vm = self.bcx.ins().load(I64, flags, self.ctx, ctx_offset::VM);
            let epoch = self.bcx.ins().load(I64, flags, vm, VM_CLASS_EPOCH);
            let want_epoch = self.bcx.ins().load(I64, flags, cell_addr, METHOD_EPOCH);
            let same_kind = self.bcx.ins().icmp(IntCC::Equal, kind, want_kind);
            let same_epoch = self.bcx.ins().icmp(IntCC::Equal, epoch, want_epoch);
            let ok = self.bcx.ins().band(same_kind, same_epoch);
            let builtin_hit = self.bcx.create_block();
            self.bcx.ins().brif(ok, builtin_hit, &[], slow, &[]);
            self.bcx.switch_to_block(builtin_hit);
            let f = self.bcx.ins().load(I64, flags, cell_addr, METHOD_FUNC);
            self.incref(f);
            self.incref(obj.0);
            self.bcx
                .ins()
                .jump(done, &[BlockArg::Value(f), BlockArg::Value(obj.0)]);
            // The class word is read only once the kind says instance.
            self.bcx.switch_to_block(known);
            let class_off = layout::instance().map(|l| l.class);
            let ok = match class_off {
                Some(off) => {
                    let class = self.bcx.ins().load(I64, flags, p, off);
                    let want = self.bcx.ins().load(I64, flags, cell_addr, METHOD_CLASS);
                    let vm = self.bcx.ins().load(I64, flags, self.ctx, ctx_offset::VM);
                    let epoch = self.bcx.ins().load(I64, flags, vm, VM_CLASS_EPOCH);
                    let want_epoch = self.bcx.ins().load(I64, flags, cell_addr, METHOD_EPOCH);
                    let a = self.bcx.ins().icmp(IntCC::Equal, class, want);
                    let b = self.bcx.ins().icmp(IntCC::Equal, epoch, want_epoch);
                    self.bcx.ins().band(a, b)
                }
                None => self.bcx.ins().iconst(cranelift_codegen::ir::types::I8, 0),
            };
            let same = self.bcx.create_block();
            self.bcx.ins().brif(ok, same, &[], slow, &[]);
            self.bcx.switch_to_block(same);
            let hit = self.bcx.create_block();
            let f = self.bcx.append_block_param(hit, I64);
            match layout::instance() {
                Some(l) => self.unshadowed_inline(l, p, obj.0, cell_addr, hit, slow),
                None => {
                    let f = self
                        .call(method_unshadowed as *const u8, &[obj.0, cell_addr], true)
                        .unwrap_or(obj.0);
                    self.bcx
                        .ins()
                        .brif(f, hit, &[BlockArg::Value(f)], slow, &[]);
                }
            }
            self.bcx.switch_to_block(hit);
            self.incref(obj.0);
            self.bcx
                .ins()
                .jump(done, &[BlockArg::Value(f), BlockArg::Value(obj.0)]);
        }

        self.bcx.switch_to_block(slow);
        let n = self.iconst(i64::from(name));
        let s = self.iconst(i64::from(slot));
        let r = self.call_ctx(load_method_cached as *const u8, &[obj.0, n, s, cell_addr]);
        let second = self.call_ctx(h::take_aux as *const u8, &[]);
        self.bcx
            .ins()
            .jump(done, &[BlockArg::Value(r), BlockArg::Value(second)]);

        self.bcx.switch_to_block(done);
        self.end_borrow(obj);
        self.check_raised(func, pc);
        self.push(func, Kind::Boxed);
        self.push(this, Kind::Boxed);
    }
}
