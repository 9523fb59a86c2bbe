//! `obj[i]` and `obj[i] = v` with an int index: inline on a list, with
//! bound and borrow checks, and a helper call (the interpreter's rule) for
//! anything else — another type, an index out of range (which raises the
//! interpreter's `IndexError`), a list being mutated by native code.
//! `len(x)` of a list, str, tuple or dict: read from the object when the
//! callee is the built-in `len`, else the call; `xs.append(v)` of a list
//! by one small call when the method is the built-in `list.append`.
//!
//! The inline path here is not a speculation: it has a complete
//! fallback, so it needs no guard exit. Feedback only decides whether it
//! is worth emitting (the index was always an int). A site that only
//! ever indexed lists takes the speculative form of `list_facts.rs`
//! instead, whose checks exit and whose proofs later subscripts reuse.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{BlockArg, InstBuilder, MemFlagsData, Value};

use super::abi;
use super::direct::CalleeRef;
use super::helpers as h;
use super::layout::{self, ListLayout};
use super::lower::{Lowerer, I64};
use super::types::Kind;
use crate::feedback::bits as fb;
use crate::value::Kind as HeapKind;
use crate::vm::Vm;

const VM_LEN: i32 = std::mem::offset_of!(Vm, len_bits) as i32;
const VM_LIST_APPEND: i32 = std::mem::offset_of!(Vm, list_append_bits) as i32;

/// `xs.append(v)` for a list `xs` (both borrowed): 1 when done (the list
/// took its own reference to `v`), 0 when `xs` is not a list or is
/// borrowed (nothing done: the caller makes the call).
pub extern "C" fn list_append(xs: i64, v: i64) -> i64 {
    // SAFETY: compiled code passes two values it keeps owning.
    let (xs, v) = unsafe { (abi::borrow_bits(xs), abi::borrow_bits(v)) };
    let Some(cell) = xs.as_list() else { return 0 };
    let done = match cell.try_borrow_mut() {
        Ok(mut items) => {
            items.push(crate::value::Value::clone(&v));
            1
        }
        Err(_) => 0,
    };
    done
}

impl Lowerer<'_, '_> {
    /// The list layout, when this site's index was always an int.
    fn list_site(&self, slot: u16, key: Kind) -> Option<ListLayout> {
        let key_seen = self.feedback.slot(slot) >> 4;
        let boxed = matches!(key, Kind::Boxed | Kind::Borrowed);
        let int_key = key == Kind::Int || (boxed && key_seen == fb::INT);
        if int_key {
            layout::list()
        } else {
            None
        }
    }

    /// The address of item `key` of `obj` when `obj` is a list whose
    /// borrow flag passes `borrow_ok` and `key` is in range (negative
    /// indexes count from the end); otherwise a jump to `slow`.
    fn list_item_addr(
        &mut self,
        l: ListLayout,
        obj: Value,
        (key, kind): (Value, Kind),
        borrow_ok: IntCC,
        slow: cranelift_codegen::ir::Block,
    ) -> Value {
        let flags = MemFlagsData::trusted();
        // Two branches: one before touching memory (a heap pointer and an
        // int index), one after (a list, the borrow flag, the bounds). The
        // loads may read another kind of object's payload words; they stay
        // inside the object and are ignored unless it is a list.
        let t = self.tag16(obj);
        let mut ok = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::PTR_HI);
        let idx = match kind {
            Kind::Int => key,
            _ => {
                let t = self.tag16(key);
                let is_int = self.bcx.ins().icmp_imm_s(IntCC::Equal, t, abi::INT_HI);
                ok = self.bcx.ins().band(ok, is_int);
                self.unbox_int(key)
            }
        };
        self.continue_if(ok, slow);
        let p = self.bcx.ins().band_imm_s(obj, abi::PAYLOAD_MASK);
        let k = self.bcx.ins().uload8(I64, flags, p, layout::KIND);
        let is_list = self
            .bcx
            .ins()
            .icmp_imm_s(IntCC::Equal, k, i64::from(layout::LIST_KIND));
        let borrow = self.bcx.ins().load(I64, flags, p, l.borrow);
        let free = self.bcx.ins().icmp_imm_s(borrow_ok, borrow, 0);
        let len = self.bcx.ins().load(I64, flags, p, l.len);
        let neg = self.bcx.ins().icmp_imm_s(IntCC::SignedLessThan, idx, 0);
        let from_end = self.bcx.ins().iadd(idx, len);
        let i = self.bcx.ins().select(neg, from_end, idx);
        let in_range = self.bcx.ins().icmp(IntCC::UnsignedLessThan, i, len);
        let usable = self.bcx.ins().band(is_list, free);
        let usable = self.bcx.ins().band(usable, in_range);
        self.continue_if(usable, slow);
        let data = self.bcx.ins().load(I64, flags, p, l.data);
        let off = self.bcx.ins().ishl_imm_s(i, 3);
        self.bcx.ins().iadd(data, off)
    }

    fn continue_if(&mut self, ok: Value, otherwise: cranelift_codegen::ir::Block) {
        let cont = self.bcx.create_block();
        self.bcx.ins().brif(ok, cont, &[], otherwise, &[]);
        self.bcx.switch_to_block(cont);
    }

    /// The generic path: `helper(ctx, obj, key, rest..)` (the
    /// interpreter's rule), with the key boxed for the call; a box made
    /// here is released here, the caller's operands by `release_operands`.
    fn subscr_helper(
        &mut self,
        helper: *const u8,
        obj: Value,
        key: (Value, Kind),
        rest: &[Value],
    ) -> Value {
        // A borrowed key is read in place: the local keeps it alive.
        let temp = !matches!(key.1, Kind::Boxed | Kind::Borrowed);
        let keyv = if temp { self.boxed(key) } else { key.0 };
        let mut args = vec![obj, keyv];
        args.extend_from_slice(rest);
        let r = self.call_ctx(helper, &args);
        if temp {
            self.decref(keyv);
        }
        r
    }

    /// Release the container and the key after either path (a borrowed
    /// operand releases nothing); raise at `pc` if the result says so.
    fn release_operands(
        &mut self,
        pc: usize,
        obj: (Value, bool),
        key: (Value, Kind),
        result: Value,
    ) {
        self.end_borrow(obj);
        self.release(key);
        self.check_raised(result, pc);
    }

    /// `Subscr`: [obj, key] → [obj[key]].
    pub(super) fn lower_subscr(&mut self, pc: usize, slot: u16) {
        let key = self.pop_raw();
        if let Some(l) = self.speculative_list_site(slot, key.1) {
            let obj = self.pop_raw();
            let (item, kind) = self.speculative_read((pc, l, slot), obj, key);
            self.release(obj);
            self.release(key);
            self.push(item, kind);
            return;
        }
        let obj = self.pop_borrow();
        let objv = obj.0;
        let Some(l) = self.list_site(slot, key.1) else {
            let r = self.subscr_helper(h::subscr as *const u8, objv, key, &[]);
            self.release_operands(pc, obj, key, r);
            self.push(r, Kind::Boxed);
            return;
        };
        let slow = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        let join = self.bcx.create_block();
        let result = self.bcx.append_block_param(join, I64);
        let addr = self.list_item_addr(l, objv, key, IntCC::SignedGreaterThanOrEqual, slow);
        let item = self.bcx.ins().load(I64, MemFlagsData::trusted(), addr, 0);
        self.incref(item);
        self.bcx.ins().jump(join, &[BlockArg::Value(item)]);

        self.bcx.switch_to_block(slow);
        let r = self.subscr_helper(h::subscr as *const u8, objv, key, &[]);
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(join);
        self.release_operands(pc, obj, key, result);
        self.push(result, Kind::Boxed);
    }

    /// `StoreSubscr`: [value, obj, key] → [] with `obj[key] = value`.
    pub(super) fn lower_store_subscr(&mut self, pc: usize, slot: u16) {
        let key = self.pop_raw();
        if let Some(l) = self.speculative_list_site(slot, key.1) {
            let obj = self.pop_raw();
            let v = self.pop_raw();
            self.speculative_write((pc, l), v, obj, key);
            self.release(obj);
            self.release(key);
            return;
        }
        let obj = self.pop_borrow();
        let objv = obj.0;
        let v = self.pop_boxed();
        let Some(l) = self.list_site(slot, key.1) else {
            let r = self.subscr_helper(h::store_subscr as *const u8, objv, key, &[v]);
            self.release_operands(pc, obj, key, r);
            return;
        };
        let slow = self.bcx.create_block();
        self.bcx.set_cold_block(slow);
        let join = self.bcx.create_block();
        let status = self.bcx.append_block_param(join, I64);
        // Writing needs the list not borrowed at all.
        let addr = self.list_item_addr(l, objv, key, IntCC::Equal, slow);
        let flags = MemFlagsData::trusted();
        let old = self.bcx.ins().load(I64, flags, addr, 0);
        self.bcx.ins().store(flags, v, addr, 0);
        self.decref(old);
        let ok = self.iconst(0);
        self.bcx.ins().jump(join, &[BlockArg::Value(ok)]);

        self.bcx.switch_to_block(slow);
        let r = self.subscr_helper(h::store_subscr as *const u8, objv, key, &[v]);
        self.bcx.ins().jump(join, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(join);
        self.release_operands(pc, obj, key, status);
    }
}

impl Lowerer<'_, '_> {
    /// `Call` with one argument: when the callee is the built-in `len`
    /// and the argument a list, str, tuple or dict, the length is read
    /// from the object (a list's only while it is not mutably borrowed);
    /// anything else is the call. The stack is [callee, arg].
    pub(super) fn lower_len_or_call(&mut self, pc: usize, slot: u16) {
        let Some(list) = layout::list() else {
            return self.lower_plain_call(pc, 1, slot);
        };
        let arg = self.pop_raw();
        let callee = self.pop_boxed();
        let flags = MemFlagsData::trusted();
        let call = self.bcx.create_block();
        let done = self.bcx.create_block();
        let result = self.bcx.append_block_param(done, I64);
        self.bcx.set_cold_block(call);

        let is_len = self.is_vm_value(callee, VM_LEN);
        let known = self.bcx.create_block();
        self.bcx.ins().brif(is_len, known, &[], call, &[]);

        self.bcx.switch_to_block(known);
        let (bits, borrowed) = self.borrow_of(arg);
        let (p, kind) = self.heap_object(bits, call);
        // The length word's offset by kind (a list's also needs its
        // borrow counter not to say "mutably borrowed").
        let mut cases = vec![(layout::LIST_KIND, list.len)];
        for k in [HeapKind::Str, HeapKind::Tuple, HeapKind::Dict] {
            if let Some(off) = layout::len_word(k as u8) {
                cases.push((k as u8, off));
            }
        }
        let have = self.bcx.create_block();
        let n = self.bcx.append_block_param(have, I64);
        for (k, off) in cases {
            let is = self.bcx.ins().icmp_imm_s(IntCC::Equal, kind, i64::from(k));
            let this = self.bcx.create_block();
            let other = self.bcx.create_block();
            self.bcx.ins().brif(is, this, &[], other, &[]);
            self.bcx.switch_to_block(this);
            if k == layout::LIST_KIND {
                let borrow = self.bcx.ins().load(I64, flags, p, list.borrow);
                let ok = self
                    .bcx
                    .ins()
                    .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, borrow, 0);
                let read = self.bcx.create_block();
                self.bcx.ins().brif(ok, read, &[], call, &[]);
                self.bcx.switch_to_block(read);
            }
            let v = self.bcx.ins().load(I64, flags, p, off);
            self.bcx.ins().jump(have, &[BlockArg::Value(v)]);
            self.bcx.switch_to_block(other);
        }
        self.bcx.ins().jump(call, &[]);

        self.bcx.switch_to_block(have);
        let boxed = self.box_int(n);
        // The argument was only read: release it if this code owned it.
        self.end_borrow((bits, borrowed));
        self.bcx.ins().jump(done, &[BlockArg::Value(boxed)]);

        self.bcx.switch_to_block(call);
        let r = self.lower_call(callee, vec![arg], slot, CalleeRef::Held);
        self.bcx.ins().jump(done, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(done);
        self.decref(callee);
        self.check_raised(result, pc);
        self.push(result, Kind::Boxed);
    }
}

impl Lowerer<'_, '_> {
    /// `CallMethod` with one argument named `append`: the stack is
    /// [func, this, arg]. When `func` is the built-in `list.append` and
    /// `this` a list, `list_append` does the work; anything else is the
    /// method call.
    pub(super) fn lower_append_or_call(&mut self, pc: usize, slot: u16) {
        let arg = self.pop_raw();
        let this = self.pop_raw();
        let func = self.pop_boxed();
        let call = self.bcx.create_block();
        let done = self.bcx.create_block();
        let result = self.bcx.append_block_param(done, I64);
        self.bcx.set_cold_block(call);

        let is_append = self.is_vm_value(func, VM_LIST_APPEND);
        let known = self.bcx.create_block();
        self.bcx.ins().brif(is_append, known, &[], call, &[]);

        // Both operands are only read here: on failure the call below
        // still has them as they were.
        self.bcx.switch_to_block(known);
        let list = self.borrow_of(this);
        let item = self.borrow_of(arg);
        let ok = self
            .call(list_append as *const u8, &[list.0, item.0], true)
            .unwrap_or(list.0);
        let appended = self.bcx.create_block();
        self.bcx.ins().brif(ok, appended, &[], call, &[]);
        self.bcx.switch_to_block(appended);
        self.end_borrow(item);
        self.end_borrow(list);
        let none = self.iconst(abi::NONE_BITS);
        self.bcx.ins().jump(done, &[BlockArg::Value(none)]);

        self.bcx.switch_to_block(call);
        let args = self.boxed_args(vec![this, arg]);
        let r = self.lower_method_call(func, args, slot);
        self.bcx.ins().jump(done, &[BlockArg::Value(r)]);

        self.bcx.switch_to_block(done);
        self.decref(func);
        self.check_raised(result, pc);
        self.push(result, Kind::Boxed);
    }
}
