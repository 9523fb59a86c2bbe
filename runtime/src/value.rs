//! `Value`: the 8-byte NaN-boxed representation of every script value, and
//! the reference-counted heap cells behind the pointer tag.
//!
//! Layout (decided in the design; the JIT relies on it):
//! - a float is any bit pattern whose top 13 bits are not all ones; NaNs are
//!   canonicalised to `0x7FF8_0000_0000_0000` when boxed;
//! - otherwise bits 48..=50 are a tag and bits 0..=47 the payload:
//!   1 None, 2 bool, 3 int (signed 48-bit), 4 heap pointer, 5 "empty".
//!
//! Heap objects are one allocation each: a non-atomic refcount, a `Kind`
//! byte at offset 4 (read by the JIT) and the `Payload`. Reference cycles
//! leak (there is no cycle collector); isolates are short-lived enough that
//! this is acceptable. All `unsafe` code of the runtime lives in this file.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use crate::object::{Payload, StrObj};

const TAG_BASE: u64 = 0xFFF8_0000_0000_0000;
const PAYLOAD_MASK: u64 = 0x0000_FFFF_FFFF_FFFF;
const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

pub const TAG_NONE: u64 = 1;
pub const TAG_BOOL: u64 = 2;
pub const TAG_INT: u64 = 3;
pub const TAG_PTR: u64 = 4;
pub const TAG_EMPTY: u64 = 5;

/// Smallest int held as an immediate (-2^47).
pub const SMALL_INT_MIN: i64 = -(1 << 47);
/// Largest int held as an immediate (2^47 - 1).
pub const SMALL_INT_MAX: i64 = (1 << 47) - 1;

/// The kind byte of a heap object, at a fixed offset (4) in its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Str = 1,
    Bytes,
    Int,
    BigInt,
    List,
    Tuple,
    Dict,
    Set,
    Range,
    Slice,
    Function,
    BoundMethod,
    Native,
    Cell,
    Class,
    Instance,
    Exception,
    Module,
    Generator,
    Iter,
    Property,
    StaticMethod,
    ClassMethod,
    NotImplemented,
    Ellipsis,
    Code,
    DictView,
    Super,
}

/// One heap allocation: header then payload.
#[repr(C)]
pub struct HeapObject {
    refcount: Cell<u32>,
    kind: Kind,
    pub payload: Payload,
}

impl HeapObject {
    pub fn kind(&self) -> Kind {
        self.kind
    }
}

/// A script value. Not `Send`: the refcount is not atomic.
#[repr(transparent)]
pub struct Value(u64, PhantomData<*const HeapObject>);

#[inline(always)]
const fn tagged(tag: u64, payload: u64) -> u64 {
    TAG_BASE | (tag << 48) | (payload & PAYLOAD_MASK)
}

impl Value {
    #[inline(always)]
    const fn raw(bits: u64) -> Value {
        Value(bits, PhantomData)
    }

    /// The raw bits (for the JIT and identity hashing).
    #[inline(always)]
    pub fn bits(&self) -> u64 {
        self.0
    }

    #[inline(always)]
    pub const fn none() -> Value {
        Value::raw(tagged(TAG_NONE, 0))
    }

    /// The "no value" marker: an unbound local, or NULL under a callable.
    #[inline(always)]
    pub const fn empty() -> Value {
        Value::raw(tagged(TAG_EMPTY, 0))
    }

    #[inline(always)]
    pub const fn bool(b: bool) -> Value {
        Value::raw(tagged(TAG_BOOL, b as u64))
    }

    #[inline(always)]
    pub fn float(f: f64) -> Value {
        if f.is_nan() {
            Value::raw(CANONICAL_NAN)
        } else {
            Value::raw(f.to_bits())
        }
    }

    /// An int; immediates when it fits 48 bits, else a heap int.
    #[inline(always)]
    pub fn int(i: i64) -> Value {
        if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&i) {
            Value::raw(tagged(TAG_INT, i as u64))
        } else {
            Value::new_heap(Payload::Int(i))
        }
    }

    /// An int from a big integer, normalised to the smallest representation.
    pub fn from_bigint(b: BigInt) -> Value {
        match b.to_i64() {
            Some(i) => Value::int(i),
            None => Value::new_heap(Payload::BigInt(b)),
        }
    }

    pub fn from_i128(i: i128) -> Value {
        match i64::try_from(i) {
            Ok(i) => Value::int(i),
            Err(_) => Value::from_bigint(BigInt::from(i)),
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> Value {
        Value::new_heap(Payload::Str(StrObj::new(s.into())))
    }

    pub fn from_string(s: String) -> Value {
        Value::new_heap(Payload::Str(StrObj::from_string(s)))
    }

    /// Allocate a heap object holding `payload`.
    pub fn new_heap(payload: Payload) -> Value {
        let kind = payload.kind();
        let boxed = Box::new(HeapObject {
            refcount: Cell::new(1),
            kind,
            payload,
        });
        let ptr = Box::into_raw(boxed) as u64;
        debug_assert!(ptr & !PAYLOAD_MASK == 0, "heap pointer wider than 48 bits");
        Value::raw(tagged(TAG_PTR, ptr))
    }

    #[inline(always)]
    pub fn is_float(&self) -> bool {
        (self.0 >> 51) != 0x1FFF
    }

    #[inline(always)]
    fn tag(&self) -> u64 {
        (self.0 >> 48) & 7
    }

    #[inline(always)]
    pub fn is_none(&self) -> bool {
        self.0 == tagged(TAG_NONE, 0)
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.0 == tagged(TAG_EMPTY, 0)
    }

    #[inline(always)]
    pub fn is_bool(&self) -> bool {
        !self.is_float() && self.tag() == TAG_BOOL
    }

    #[inline(always)]
    pub fn is_small_int(&self) -> bool {
        !self.is_float() && self.tag() == TAG_INT
    }

    #[inline(always)]
    pub fn is_heap(&self) -> bool {
        // Not a float and tag 4, in one compare of the top 16 bits (this
        // test guards every clone and drop).
        (self.0 >> 48) == (TAG_BASE >> 48) | TAG_PTR
    }

    #[inline(always)]
    pub fn as_float(&self) -> Option<f64> {
        if self.is_float() {
            Some(f64::from_bits(self.0))
        } else {
            None
        }
    }

    #[inline(always)]
    pub fn as_bool(&self) -> Option<bool> {
        if self.is_bool() {
            Some(self.0 & 1 == 1)
        } else {
            None
        }
    }

    /// The value of an immediate int.
    #[inline(always)]
    pub fn as_small_int(&self) -> Option<i64> {
        if self.is_small_int() {
            Some(((self.0 << 16) as i64) >> 16)
        } else {
            None
        }
    }

    /// The heap object behind a pointer value.
    #[inline(always)]
    pub fn heap(&self) -> Option<&HeapObject> {
        if self.is_heap() {
            let ptr = (self.0 & PAYLOAD_MASK) as *const HeapObject;
            // SAFETY: a pointer-tagged Value is only made by `new_heap` from a
            // live Box, and this Value holds a reference count on it, so the
            // object outlives the borrow of `self`.
            Some(unsafe { &*ptr })
        } else {
            None
        }
    }

    #[inline(always)]
    pub fn payload(&self) -> Option<&Payload> {
        self.heap().map(|h| &h.payload)
    }

    #[inline(always)]
    pub fn kind(&self) -> Option<Kind> {
        self.heap().map(|h| h.kind)
    }

    /// Identity (`is`).
    #[inline(always)]
    pub fn is(&self, other: &Value) -> bool {
        self.0 == other.0
    }

    /// The address used for `id()` and default reprs.
    pub fn address(&self) -> u64 {
        if self.is_heap() {
            self.0 & PAYLOAD_MASK
        } else {
            self.0
        }
    }

    /// The str payload, if this is a str.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        match self.payload() {
            Some(Payload::Str(s)) => Some(&s.s),
            _ => None,
        }
    }

    pub fn as_str_obj(&self) -> Option<&StrObj> {
        match self.payload() {
            Some(Payload::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The payload, mutably, when this value holds the only reference to
    /// its heap object (so no one else can observe the change).
    #[inline]
    pub fn unique_payload_mut(&mut self) -> Option<&mut Payload> {
        if !self.is_heap() {
            return None;
        }
        let ptr = (self.0 & PAYLOAD_MASK) as *mut HeapObject;
        // SAFETY: the pointer is live while this Value exists (see `heap`);
        // a count of 1 means this Value is the only reference, and `&mut
        // self` keeps it from being cloned while the borrow lasts.
        unsafe {
            if (*ptr).refcount.get() == 1 {
                Some(&mut (*ptr).payload)
            } else {
                None
            }
        }
    }

    /// Current reference count (tests and diagnostics).
    pub fn refcount(&self) -> u32 {
        self.heap().map_or(0, |h| h.refcount.get())
    }
}

impl Clone for Value {
    #[inline(always)]
    fn clone(&self) -> Value {
        if let Some(h) = self.heap() {
            h.refcount.set(h.refcount.get().wrapping_add(1));
        }
        Value::raw(self.0)
    }
}

impl Drop for Value {
    #[inline(always)]
    fn drop(&mut self) {
        if self.is_heap() {
            let ptr = (self.0 & PAYLOAD_MASK) as *mut HeapObject;
            // SAFETY: see `heap`: the pointer is live while this Value exists.
            let rc = unsafe { &(*ptr).refcount };
            let n = rc.get() - 1;
            rc.set(n);
            if n == 0 {
                // SAFETY: the count reached zero, so this was the last
                // reference; the pointer came from `Box::into_raw`.
                unsafe { free_heap(ptr) };
            }
        }
    }
}

/// Free a heap object whose count reached zero. Out of line, so every drop
/// of a value inlines only the count's decrement and test.
///
/// # Safety
/// `ptr` came from `Box::into_raw` and no reference to it remains.
#[inline(never)]
unsafe fn free_heap(ptr: *mut HeapObject) {
    // SAFETY: the caller's.
    drop(unsafe { Box::from_raw(ptr) });
}

impl Default for Value {
    fn default() -> Value {
        Value::none()
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(x) = self.as_float() {
            write!(f, "Float({x})")
        } else if let Some(i) = self.as_small_int() {
            write!(f, "Int({i})")
        } else if let Some(b) = self.as_bool() {
            write!(f, "Bool({b})")
        } else if self.is_none() {
            write!(f, "None")
        } else if self.is_empty() {
            write!(f, "Empty")
        } else if let Some(s) = self.as_str() {
            write!(f, "Str({s:?})")
        } else {
            write!(f, "Object({:?}@{:#x})", self.kind(), self.address())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_trip() {
        for f in [
            0.0,
            -0.0,
            1.5,
            -2.25,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
        ] {
            let v = Value::float(f);
            assert!(v.is_float());
            assert_eq!(v.as_float().map(f64::to_bits), Some(f.to_bits()));
        }
        let nan = Value::float(f64::from_bits(0xFFF8_0000_0000_0000));
        assert!(nan.as_float().is_some_and(f64::is_nan));
        assert_eq!(nan.bits(), CANONICAL_NAN);
    }

    #[test]
    fn ints_round_trip_at_boundaries() {
        for i in [0, 1, -1, SMALL_INT_MAX, SMALL_INT_MIN] {
            assert_eq!(Value::int(i).as_small_int(), Some(i));
        }
        for i in [SMALL_INT_MAX + 1, SMALL_INT_MIN - 1, i64::MAX, i64::MIN] {
            let v = Value::int(i);
            assert!(v.as_small_int().is_none());
            assert!(matches!(v.payload(), Some(Payload::Int(x)) if *x == i));
        }
        let big: BigInt = BigInt::from(i64::MAX) * BigInt::from(4);
        assert!(
            matches!(Value::from_bigint(big.clone()).payload(), Some(Payload::BigInt(b)) if *b == big)
        );
        assert_eq!(Value::from_bigint(BigInt::from(7)).as_small_int(), Some(7));
    }

    #[test]
    fn immediates_are_distinct() {
        assert!(Value::none().is_none());
        assert!(Value::empty().is_empty());
        assert_eq!(Value::bool(true).as_bool(), Some(true));
        assert_eq!(Value::bool(false).as_bool(), Some(false));
        assert!(Value::int(0).as_bool().is_none());
        assert!(!Value::none().is_float());
    }

    #[test]
    fn refcounts_track_clones() {
        let s = Value::from_str("hello");
        assert_eq!(s.refcount(), 1);
        let t = s.clone();
        assert_eq!(s.refcount(), 2);
        drop(t);
        assert_eq!(s.refcount(), 1);
        assert_eq!(s.as_str(), Some("hello"));
    }
}
