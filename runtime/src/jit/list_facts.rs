//! Speculative list subscripts: `xs[i]` and `xs[i] = v` where the site
//! only ever saw a list indexed by an int, lowered behind guards that
//! exit to the interpreter instead of falling back to a helper.
//!
//! Because a failed check leaves compiled code, what the checks proved
//! holds for the code after them, and a later subscript of the same local
//! in the same straight-line stretch skips them: nbody's `a[0] ... a[6]`
//! check that `a` is an unborrowed list and read its length and item
//! pointer once, and a constant index already proven in range needs no
//! bound check at all. A fact lasts until something could change it:
//! any call (script code may resize, borrow or rebind), a store to its
//! local, or a join with a path that did not prove it (`facts.rs`).
//! Dropping a reference (`decref`) runs no script code and keeps them.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::Variable;

use super::abi;
use super::arith::constant_of;
use super::deopt::Reason;
use super::layout::{self, ListLayout};
use super::lower::{Lowerer, I64};
use super::types::Kind;
use crate::feedback::bits as fb;

/// What compiled code has proven about the list a local holds.
#[derive(Clone, Copy)]
pub(super) struct ListFact {
    pub(super) local: Option<Variable>,
    /// The length and the item array, read once.
    len: Value,
    data: Value,
    /// The largest non-negative index proven below `len` (-1: none).
    proven: i64,
    /// Whether the borrow counter was seen at zero (a store needs that;
    /// a read only needs it not to say "mutably borrowed").
    writable: bool,
}

impl ListFact {
    /// What this fact and `other`, proven on two paths into one block,
    /// both say about the same list, if they are about the same one.
    pub(super) fn meet(&self, other: &ListFact) -> Option<ListFact> {
        let same = self.local == other.local && self.len == other.len && self.data == other.data;
        same.then(|| ListFact {
            proven: self.proven.min(other.proven),
            writable: self.writable && other.writable,
            ..*self
        })
    }
}

impl Lowerer<'_, '_> {
    /// The list layout when the site at `slot` only ever indexed a list
    /// with an int and the code may speculate; `None` for the general
    /// lowering (`items.rs`).
    pub(super) fn speculative_list_site(&self, slot: u16, key: Kind) -> Option<ListLayout> {
        if !self.speculate {
            return None;
        }
        let seen = self.feedback.slot(slot);
        let key_ok = match key {
            Kind::Int => true,
            Kind::Boxed | Kind::Borrowed => seen >> 4 == fb::INT,
            _ => false,
        };
        if seen & 0xF == fb::LIST && key_ok {
            layout::list()
        } else {
            None
        }
    }

    /// The unboxed kind a speculative read at `slot` pushes: `Float` when
    /// every item it read was a float (then a read of anything else
    /// exits, and the item needs no reference), else `Boxed`. Not `Int`:
    /// the feedback bit for ints also covers bools, which a list of flags
    /// would then exit on at every read.
    fn item_kind(&self, slot: u16) -> Kind {
        match self.feedback.slot(slot.wrapping_add(1)) {
            fb::FLOAT => Kind::Float,
            _ => Kind::Boxed,
        }
    }

    /// A speculative `Subscr` of `obj[key]` (both left on the caller): the
    /// item as a new reference, or unboxed where the site's items were
    /// always floats (another kind re-executes the read in the
    /// interpreter, through the subscript's one exit).
    pub(super) fn speculative_read(
        &mut self,
        (pc, l, slot): (usize, ListLayout, u16),
        obj: (Value, Kind),
        key: (Value, Kind),
    ) -> (Value, Kind) {
        let operands = [obj, key];
        let (addr, mut exit) = self.item_addr((pc, l), obj, key, &operands, false);
        let item = self.bcx.ins().load(I64, MemFlagsData::trusted(), addr, 0);
        match self.item_kind(slot) {
            Kind::Float => {
                let ok = self.is_float(item);
                exit.check(self, ok, Reason::TypeGuard);
                (self.unbox_float(item), Kind::Float)
            }
            _ => {
                self.incref(item);
                (item, Kind::Boxed)
            }
        }
    }

    /// A speculative `StoreSubscr` of `obj[key] = v`, which consumes `v`
    /// (`obj` and `key` are left on the caller).
    pub(super) fn speculative_write(
        &mut self,
        (pc, l): (usize, ListLayout),
        v: (Value, Kind),
        obj: (Value, Kind),
        key: (Value, Kind),
    ) {
        let operands = [v, obj, key];
        let (addr, _) = self.item_addr((pc, l), obj, key, &operands, true);
        let v = self.boxed(v);
        let flags = MemFlagsData::trusted();
        let old = self.bcx.ins().load(I64, flags, addr, 0);
        self.bcx.ins().store(flags, v, addr, 0);
        self.decref(old);
    }

    /// The address of the item `key` names in the list `obj`, after the
    /// checks a fact does not already cover; any failure exits to the
    /// interpreter at `pc` with `operands` back on the stack, so it
    /// re-executes the subscript (raising `IndexError`, or taking the
    /// general path for another container). The exit is returned for the
    /// caller's own checks of the same subscript.
    fn item_addr<'o>(
        &mut self,
        (pc, l): (usize, ListLayout),
        obj: (Value, Kind),
        key: (Value, Kind),
        operands: &'o [(Value, Kind)],
        write: bool,
    ) -> (Value, LazyExit<'o>) {
        let mut exit = LazyExit {
            pc,
            operands,
            block: None,
        };
        let flags = MemFlagsData::trusted();
        let idx = match key.1 {
            Kind::Int => key.0,
            _ => {
                // A small int, or a bool (the int feedback bit covers
                // both; `xs[flag]` indexes by 0 or 1).
                let t = self.tag16(key.0);
                let is_int = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::INT_HI);
                let is_bool = (self.bcx.ins()).icmp_imm_s(IntCC::Equal, t, abi::BOOL_HI);
                let ok = self.bcx.ins().bor(is_int, is_bool);
                exit.check(self, ok, Reason::TypeGuard);
                let as_int = self.unbox_int(key.0);
                let as_bool = self.bcx.ins().band_imm_s(key.0, 1);
                self.bcx.ins().select(is_bool, as_bool, as_int)
            }
        };
        let local = match obj.1 {
            Kind::Borrowed => self.local_origin.get(&obj.0).copied(),
            _ => None,
        };
        let known = local.and_then(|v| self.facts.lists.iter().position(|f| f.local == Some(v)));
        let mut fact = match known {
            Some(at) => self.facts.lists[at],
            None => self.check_list(l, obj.0, local, write, &mut exit),
        };
        if write && !fact.writable {
            let p = self.bcx.ins().band_imm_s(obj.0, abi::PAYLOAD_MASK);
            let borrow = self.bcx.ins().load(I64, flags, p, l.borrow);
            let free = self.bcx.ins().icmp_imm_s(IntCC::Equal, borrow, 0);
            exit.check(self, free, Reason::TypeGuard);
            fact.writable = true;
        }
        // An index out of range leaves for the interpreter to raise
        // `IndexError`: not a deoptimisation (`Reason::Raising`).
        let i = match constant_of(&self.bcx, idx) {
            // A constant index: a bound check only beyond what is proven
            // (`-m` needs the length to be at least m).
            Some(c) => {
                let need = if c >= 0 { c } else { c.saturating_neg() - 1 };
                if need > fact.proven {
                    let ok = (self.bcx.ins()).icmp_imm_s(IntCC::SignedGreaterThan, fact.len, need);
                    exit.check(self, ok, Reason::Raising);
                    fact.proven = need;
                }
                if c >= 0 {
                    idx
                } else {
                    self.bcx.ins().iadd_imm_s(fact.len, c)
                }
            }
            None => {
                let neg = self.bcx.ins().icmp_imm_s(IntCC::SignedLessThan, idx, 0);
                let from_end = self.bcx.ins().iadd(idx, fact.len);
                let i = self.bcx.ins().select(neg, from_end, idx);
                let ok = self.bcx.ins().icmp(IntCC::UnsignedLessThan, i, fact.len);
                exit.check(self, ok, Reason::Raising);
                i
            }
        };
        // Only a fact about a local outlives this instruction.
        if local.is_some() {
            match known {
                Some(at) => self.facts.lists[at] = fact,
                None => self.facts.lists.push(fact),
            }
        }
        let off = self.bcx.ins().ishl_imm_s(i, 3);
        (self.bcx.ins().iadd(fact.data, off), exit)
    }

    /// Check that `obj` is a list whose borrow counter allows the access,
    /// and read its length and item array.
    fn check_list(
        &mut self,
        l: ListLayout,
        obj: Value,
        local: Option<Variable>,
        write: bool,
        exit: &mut LazyExit,
    ) -> ListFact {
        let flags = MemFlagsData::trusted();
        let t = self.tag16(obj);
        let is_ptr = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::PTR_HI);
        exit.check(self, is_ptr, Reason::TypeGuard);
        let p = self.bcx.ins().band_imm_s(obj, abi::PAYLOAD_MASK);
        let k = self.bcx.ins().uload8(I64, flags, p, layout::KIND);
        let is_list = (self.bcx.ins()).icmp_imm_s(IntCC::Equal, k, i64::from(layout::LIST_KIND));
        let borrow = self.bcx.ins().load(I64, flags, p, l.borrow);
        let cc = if write {
            IntCC::Equal
        } else {
            IntCC::SignedGreaterThanOrEqual
        };
        let free = self.bcx.ins().icmp_imm_s(cc, borrow, 0);
        let ok = self.bcx.ins().band(is_list, free);
        exit.check(self, ok, Reason::TypeGuard);
        ListFact {
            local,
            len: self.bcx.ins().load(I64, flags, p, l.len),
            data: self.bcx.ins().load(I64, flags, p, l.data),
            proven: -1,
            writable: write,
        }
    }
}

/// The exit of one speculative subscript, made when a check needs it;
/// each check passes its own reason.
struct LazyExit<'o> {
    pc: usize,
    operands: &'o [(Value, Kind)],
    block: Option<Block>,
}

impl LazyExit<'_> {
    /// Continue only when `ok`; otherwise leave, counted as `reason`.
    fn check(&mut self, lw: &mut Lowerer<'_, '_>, ok: Value, reason: Reason) {
        let exit = match self.block {
            Some(b) => b,
            None => {
                let b = lw.exit_with_operands_any_reason(self.pc, self.operands);
                self.block = Some(b);
                b
            }
        };
        let why = lw.iconst(reason as i64);
        let cont = lw.bcx.create_block();
        (lw.bcx.ins()).brif(ok, cont, &[], exit, &[BlockArg::Value(why)]);
        lw.bcx.switch_to_block(cont);
    }
}
