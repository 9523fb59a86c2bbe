//! Type feedback recorded by the interpreter for the JIT: one byte per
//! feedback-bearing instruction (`Instr::feedback_slot`) plus hotness
//! counters. Recording is an OR into a byte; the JIT reads it, and writes
//! only `bits::ATTR_GENERIC` (when a speculation on an attribute failed).

use std::cell::Cell;

use crate::object::Payload;
use crate::value::Value;

/// Operand-kind bits. Binary/compare sites store the left operand's bits
/// in the low nibble and the right operand's in the high nibble; other
/// sites store the receiver/callee/iterator kind in the low nibble.
pub mod bits {
    pub const INT: u8 = 1;
    pub const FLOAT: u8 = 2;
    pub const STR: u8 = 4;
    pub const OTHER: u8 = 8;
    /// Call sites only (`callee_bits`): a Python function was called.
    pub const PY_FUNCTION: u8 = 16;
    /// Call sites only: a built-in function or method was called.
    pub const NATIVE: u8 = 32;
    /// Subscript sites only (`container_bits`, low nibble): the container
    /// was a list. Another container records `OTHER` (or `STR`).
    pub const LIST: u8 = 1;
    /// Attribute store sites only: a store added the attribute to the
    /// instance (an `__init__`), rather than replacing its value.
    pub const ATTR_ADDED: u8 = 64;
    /// Attribute sites only, written by compiled code: an access that
    /// was not a plain instance-dict attribute (a class attribute, a
    /// property, a module) reached a site speculating that it would be.
    pub const ATTR_GENERIC: u8 = 128;
}

/// The low-nibble bits a subscript site records for its container: the
/// JIT speculates on a list only where nothing else was ever indexed.
#[inline(always)]
pub fn container_bits(v: &Value) -> u8 {
    match v.payload() {
        Some(Payload::List(_)) => bits::LIST,
        Some(Payload::Str(_)) => bits::STR,
        _ => bits::OTHER,
    }
}

/// The bits a call site records for its callee: whether it was a Python
/// function (the JIT then caches it for direct calls), a built-in (the
/// JIT then tries its inline forms: `len`, `list.append`), or something
/// else (classes, bound methods, callable instances).
#[inline(always)]
pub fn callee_bits(v: &Value) -> u8 {
    match v.payload() {
        Some(Payload::Function(_)) => bits::PY_FUNCTION,
        Some(Payload::Native(_)) => bits::NATIVE,
        _ => bits::OTHER,
    }
}

/// The kind bits of one value.
#[inline(always)]
pub fn kind_bits(v: &Value) -> u8 {
    if v.is_small_int() || v.is_bool() {
        bits::INT
    } else if v.is_float() {
        bits::FLOAT
    } else {
        match v.payload() {
            Some(Payload::Str(_)) => bits::STR,
            Some(Payload::Int(_)) | Some(Payload::BigInt(_)) => bits::INT | bits::OTHER,
            _ => bits::OTHER,
        }
    }
}

pub struct Feedback {
    slots: Box<[Cell<u8>]>,
    /// Function entries.
    pub calls: Cell<u32>,
    /// Loop back-edges taken.
    pub backedges: Cell<u32>,
    /// False once the JIT has refused the code for good: nothing will
    /// read its feedback, so the interpreter stops recording it.
    pub recording: Cell<bool>,
}

impl Feedback {
    pub fn new(n: usize) -> Feedback {
        Feedback {
            slots: (0..n).map(|_| Cell::new(0)).collect(),
            calls: Cell::new(0),
            backedges: Cell::new(0),
            recording: Cell::new(true),
        }
    }

    #[inline(always)]
    pub fn record(&self, slot: u16, bits: u8) {
        if let Some(c) = self.slots.get(slot as usize) {
            c.set(c.get() | bits);
        }
    }

    #[inline(always)]
    pub fn record_pair(&self, slot: u16, a: &Value, b: &Value) {
        self.record(slot, kind_bits(a) | (kind_bits(b) << 4));
    }

    /// A subscript site: the container's `container_bits` and the key's
    /// kind bits.
    #[inline(always)]
    pub fn record_subscr(&self, slot: u16, container: &Value, key: &Value) {
        self.record(slot, container_bits(container) | (kind_bits(key) << 4));
    }

    /// The bits recorded at `slot` so far.
    pub fn slot(&self, slot: u16) -> u8 {
        self.slots.get(slot as usize).map_or(0, Cell::get)
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
