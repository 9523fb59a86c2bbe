//! Speculative instance attributes: `obj.name` and `obj.name = v` where
//! the site only ever saw plain attributes in instances' own dicts,
//! lowered behind checks that leave for the interpreter instead of
//! rejoining a general helper call (`inst_attrs.rs` has the general
//! form and the site cells both use).
//!
//! A miss of the site's cell (another class, another entry index) first
//! asks `plain_attr_index`, which runs no script code, where the entry
//! is; only an access that is not a plain instance attribute (a class
//! attribute, a property, a new attribute, an object that is not an
//! instance) exits, and marks the site `ATTR_GENERIC` so the next
//! compile of the function does not speculate there.
//!
//! Because nothing that could run script code rejoins, what the checks
//! proved about a local's instance holds afterwards (`facts.rs`): its
//! class, its dict's entry array and length, and the isolate's class
//! epoch. A later access of the same local only compares the site's
//! cell with those and checks the entry's key: `self.a ... self.b ...
//! self.c` test the object once. Stores replace values in place and
//! keep the facts; adding an attribute never happens here.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::Variable;

use super::abi::{self, ctx_offset};
use super::deopt::Reason;
use super::inst_attrs::{cell_offset, plain_attr_index, InstAttrCell};
use super::layout::{self, InstanceLayout};
use super::lower::{Lowerer, I64};
use super::types::Kind;
use crate::feedback::bits as fb;

/// What compiled code has proven about the instance a local holds.
#[derive(Clone, Copy)]
pub(super) struct InstFact {
    pub(super) local: Variable,
    /// The object's address (payload bits), its class, and its dict's
    /// entry array and length.
    ptr: Value,
    class: Value,
    data: Value,
    len: Value,
    /// Whether the dict's borrow counter was seen at zero (a store needs
    /// that; a read only needs it not to say "mutably borrowed").
    writable: bool,
}

impl InstFact {
    /// What this fact and `other`, proven on two paths into one block,
    /// both say, if they are about the same object.
    pub(super) fn meet(&self, other: &InstFact) -> Option<InstFact> {
        let same = self.local == other.local
            && self.ptr == other.ptr
            && self.class == other.class
            && self.data == other.data
            && self.len == other.len;
        same.then_some(InstFact {
            writable: self.writable && other.writable,
            ..*self
        })
    }
}

impl Lowerer<'_, '_> {
    /// The instance layout when the attribute site at `slot` may
    /// speculate: only objects that are not ints, floats or strs were
    /// seen there, no speculation failed there, and (stores) no store
    /// added the attribute.
    pub(super) fn speculative_attr_site(
        &self,
        slot: u16,
        cell: *const InstAttrCell,
    ) -> Option<InstanceLayout> {
        let plain = self.speculate && !cell.is_null() && self.feedback.slot(slot) == fb::OTHER;
        plain.then(layout::instance).flatten()
    }

    /// A speculative `LoadAttr name` at site `slot`.
    pub(super) fn speculative_load_attr(
        &mut self,
        (pc, l): (usize, InstanceLayout),
        name: u32,
        slot: u16,
        cell: *const InstAttrCell,
    ) {
        let obj = self.pop_raw();
        let operands = [obj];
        let site = AttrSite::new(pc, name, slot, cell, false);
        let entry = self.plain_entry(site, l, obj, &operands);
        let v = self
            .bcx
            .ins()
            .load(I64, MemFlagsData::trusted(), entry, l.value);
        self.incref(v);
        self.release(obj);
        self.push(v, Kind::Boxed);
    }

    /// A speculative `StoreAttr name` at site `slot`.
    pub(super) fn speculative_store_attr(
        &mut self,
        (pc, l): (usize, InstanceLayout),
        name: u32,
        slot: u16,
        cell: *const InstAttrCell,
    ) {
        let obj = self.pop_raw();
        let v = self.pop_raw();
        let operands = [v, obj];
        let site = AttrSite::new(pc, name, slot, cell, true);
        let entry = self.plain_entry(site, l, obj, &operands);
        let v = match v {
            (b, Kind::Borrowed) => {
                self.incref(b);
                b
            }
            v => self.boxed(v),
        };
        let flags = MemFlagsData::trusted();
        let old = self.bcx.ins().load(I64, flags, entry, l.value);
        self.bcx.ins().store(flags, v, entry, l.value);
        // Freeing the old value runs no script code (finalisation is
        // deferred).
        self.decref(old);
        self.release(obj);
    }

    /// The address of the dict entry `obj` keeps the site's attribute
    /// in, after the checks no fact covers; any failure exits at the
    /// site with `operands` back on the stack.
    fn plain_entry(
        &mut self,
        site: AttrSite,
        l: InstanceLayout,
        obj: (Value, Kind),
        operands: &[(Value, Kind)],
    ) -> Value {
        let flags = MemFlagsData::trusted();
        let local = match obj.1 {
            Kind::Borrowed => self.local_origin.get(&obj.0).copied(),
            _ => None,
        };
        let known = local.and_then(|v| self.facts.instances.iter().position(|f| f.local == v));
        let cell = self.iconst(site.cell as i64);
        let miss = self.bcx.create_block();
        self.bcx.set_cold_block(miss);
        let found = self.bcx.create_block();
        let index = self.bcx.append_block_param(found, I64);
        let fact = known.map(|at| self.facts.instances[at]);
        // Made before any check, so that it dominates `found`.
        let p = match fact {
            Some(f) => f.ptr,
            None => self.bcx.ins().band_imm_s(obj.0, abi::PAYLOAD_MASK),
        };
        let (_, i) = self.cell_entry(l, obj.0, cell, site.store, fact, miss);
        self.bcx.ins().jump(found, &[BlockArg::Value(i)]);

        // The cell does not describe this object: find the entry (no
        // script code runs), or leave.
        self.bcx.switch_to_block(miss);
        let n = self.iconst(i64::from(site.name));
        let s = self.iconst(i64::from(site.slot));
        let store = self.iconst(i64::from(site.store));
        let r = self.call_ctx(plain_attr_index as *const u8, &[obj.0, n, s, cell, store]);
        let exit = self.exit_with_operands(site.pc, Reason::TypeGuard, operands);
        let at = self.bcx.ins().iadd_imm_s(r, -1);
        let hit = self.bcx.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        self.bcx
            .ins()
            .brif(hit, found, &[BlockArg::Value(at)], exit, &[]);

        // Both ways proved `obj` an instance of the cell's class whose
        // dict allows the access: a fact about its local from here on.
        self.bcx.switch_to_block(found);
        let data = match (known, local) {
            (Some(at), _) => {
                let f = &mut self.facts.instances[at];
                f.writable |= site.store;
                f.data
            }
            (None, Some(var)) => {
                let f = InstFact {
                    local: var,
                    ptr: p,
                    class: self.bcx.ins().load(I64, flags, p, l.class),
                    data: self.bcx.ins().load(I64, flags, p, l.data),
                    len: self.bcx.ins().load(I64, flags, p, l.len),
                    writable: site.store,
                };
                self.facts.instances.push(f);
                f.data
            }
            (None, None) => self.bcx.ins().load(I64, flags, p, l.data),
        };
        self.entry_address(l, data, index)
    }

    /// The checks that `cell` describes `obj` (boxed bits) for a read
    /// (`store`: a write): `obj` is an instance of the cell's class, the
    /// class epoch is the cell's, the dict's borrow counter allows the
    /// access, the cell's index is below the dict's length and the entry
    /// there has the cell's key. What `fact` already proved about `obj`
    /// is not checked again. Continues in a new block with the entry
    /// array and the index; any failure branches to `miss`.
    pub(super) fn cell_entry(
        &mut self,
        l: InstanceLayout,
        obj: Value,
        cell: Value,
        store: bool,
        fact: Option<InstFact>,
        miss: Block,
    ) -> (Value, Value) {
        let flags = MemFlagsData::trusted();
        let epoch = self.class_epoch();
        let want_class = self.bcx.ins().load(I64, flags, cell, cell_offset::CLASS);
        let want_epoch = self.bcx.ins().load(I64, flags, cell, cell_offset::EPOCH);
        let same_epoch = self.bcx.ins().icmp(IntCC::Equal, want_epoch, epoch);
        let (p, data, len) = match fact {
            Some(f) => {
                let same_class = self.bcx.ins().icmp(IntCC::Equal, want_class, f.class);
                let ok = self.bcx.ins().band(same_class, same_epoch);
                self.branch_or(ok, miss);
                (f.ptr, f.data, f.len)
            }
            None => {
                let (p, kind) = self.heap_object(obj, miss);
                let is_inst =
                    self.bcx
                        .ins()
                        .icmp_imm_s(IntCC::Equal, kind, i64::from(layout::INSTANCE_KIND));
                let class = self.bcx.ins().load(I64, flags, p, l.class);
                let same_class = self.bcx.ins().icmp(IntCC::Equal, class, want_class);
                let ok = self.bcx.ins().band(is_inst, same_class);
                let ok = self.bcx.ins().band(ok, same_epoch);
                self.branch_or(ok, miss);
                let data = self.bcx.ins().load(I64, flags, p, l.data);
                let len = self.bcx.ins().load(I64, flags, p, l.len);
                (p, data, len)
            }
        };
        let i = self.bcx.ins().load(I64, flags, cell, cell_offset::INDEX);
        let mut ok = self.bcx.ins().icmp(IntCC::UnsignedLessThan, i, len);
        if !fact.is_some_and(|f| f.writable || !store) {
            let borrow = self.bcx.ins().load(I64, flags, p, l.borrow);
            let free = match store {
                true => self.bcx.ins().icmp_imm_s(IntCC::Equal, borrow, 0),
                false => (self.bcx.ins()).icmp_imm_s(IntCC::SignedGreaterThanOrEqual, borrow, 0),
            };
            ok = self.bcx.ins().band(ok, free);
        }
        self.branch_or(ok, miss);
        let entry = self.entry_address(l, data, i);
        let key = self.bcx.ins().load(I64, flags, entry, l.key);
        let want_key = self.bcx.ins().load(I64, flags, cell, cell_offset::KEY);
        let same_key = self.bcx.ins().icmp(IntCC::Equal, key, want_key);
        self.branch_or(same_key, miss);
        (data, i)
    }

    /// The isolate's class epoch, read once per stretch.
    fn class_epoch(&mut self) -> Value {
        if let Some(e) = self.facts.epoch {
            return e;
        }
        let flags = MemFlagsData::trusted();
        let vm = self.bcx.ins().load(I64, flags, self.ctx, ctx_offset::VM);
        let e = (self.bcx.ins()).load(I64, flags, vm, super::inst_attrs::VM_CLASS_EPOCH);
        self.facts.epoch = Some(e);
        e
    }

    /// Go on in a new block when `ok`, else to `miss`.
    fn branch_or(&mut self, ok: Value, miss: Block) {
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(ok, cont, &[], miss, &[]);
        self.bcx.switch_to_block(cont);
    }

    /// The address of entry `index` of an entry array at `data`.
    pub(super) fn entry_address(&mut self, l: InstanceLayout, data: Value, index: Value) -> Value {
        let offset = self.bcx.ins().imul_imm_s(index, i64::from(l.stride));
        self.bcx.ins().iadd(data, offset)
    }
}

/// One attribute site being lowered.
#[derive(Clone, Copy)]
struct AttrSite {
    pc: usize,
    name: u32,
    slot: u16,
    cell: *const InstAttrCell,
    store: bool,
}

impl AttrSite {
    fn new(pc: usize, name: u32, slot: u16, cell: *const InstAttrCell, store: bool) -> Self {
        AttrSite {
            pc,
            name,
            slot,
            cell,
            store,
        }
    }
}
