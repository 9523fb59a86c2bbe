//! Hashing with Python's rules: CPython's numeric hash (so `1`, `1.0` and
//! `True` hash alike and `hash()` prints what CPython prints), CPython's
//! tuple hash, and a deterministic str hash. Also `fast_eq`, the key
//! equality dicts can decide without running script code.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive};

use crate::int::{int_ref, IntRef};
use crate::object::Payload;
use crate::value::Value;

const MODULUS: u64 = (1 << 61) - 1;
const INF_HASH: i64 = 314159;

/// Deterministic FNV-1a hash of a str (CPython's is randomised per
/// process, so no script can depend on its value). Never 0.
pub fn str_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h = (h ^ *b as u64).wrapping_mul(0x100_0000_01b3);
    }
    if h == 0 || h == u64::MAX {
        1
    } else {
        h
    }
}

/// `str_hash` at compile time, for names the runtime looks up itself.
pub const fn const_str_hash(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < b.len() {
        h = (h ^ b[i] as u64).wrapping_mul(0x100_0000_01b3);
        i += 1;
    }
    if h == 0 || h == u64::MAX {
        1
    } else {
        h
    }
}

/// The hash of a str object, computed once and cached in the object.
#[inline]
pub fn cached_str_hash(s: &crate::object::StrObj) -> u64 {
    let h = s.hash.get();
    if h != 0 {
        return h;
    }
    let h = str_hash(&s.s);
    s.hash.set(h);
    h
}

fn bytes_hash(b: &[u8]) -> u64 {
    let mut h: u64 = 0x84222325_cbf29ce4;
    for x in b {
        h = (h ^ *x as u64).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// CPython's hash of an i64.
pub fn hash_i64(n: i64) -> i64 {
    // Below the modulus (every int immediate) the reduction is the
    // identity: skip the 64-bit division, the slowest instruction here.
    let a = n.unsigned_abs();
    let m = if a < MODULUS { a } else { a % MODULUS } as i64;
    let h = if n < 0 { -m } else { m };
    if h == -1 {
        -2
    } else {
        h
    }
}

pub fn hash_bigint(n: &BigInt) -> i64 {
    let m = (n.abs().mod_floor(&BigInt::from(MODULUS)))
        .to_i64()
        .unwrap_or(0);
    let h = if n.is_negative() { -m } else { m };
    if h == -1 {
        -2
    } else {
        h
    }
}

/// CPython's hash of a float (`_Py_HashDouble`); NaN hashes by identity in
/// CPython, here by a fixed value (never observable through equality).
pub fn hash_f64(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    if x.is_infinite() {
        return if x > 0.0 { INF_HASH } else { -INF_HASH };
    }
    if x.fract() == 0.0 && x.abs() < 9.2e18 {
        return hash_i64(x as i64);
    }
    let (mut m, mut e) = frexp(x.abs());
    let sign: i64 = if x < 0.0 { -1 } else { 1 };
    let mut h: u64 = 0;
    while m != 0.0 {
        h = ((h << 28) & MODULUS) | (h >> (61 - 28));
        m *= 268_435_456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        h += y;
        if h >= MODULUS {
            h -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e % 61
    } else {
        61 - 1 - ((-1 - e) % 61)
    };
    h = ((h << e) & MODULUS) | (h >> (61 - e));
    let r = (h as i64) * sign;
    if r == -1 {
        -2
    } else {
        r
    }
}

/// (mantissa in [0.5, 1), exponent) with x = m * 2^e, for finite x > 0.
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 {
        return (0.0, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale up first.
        let (m, e) = frexp(x * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (m, exp - 1022)
}

/// CPython's tuple hash over already-hashed items.
pub fn hash_tuple_items(hashes: &[i64]) -> i64 {
    const P1: u64 = 11400714785074694791;
    const P2: u64 = 14029467366897019727;
    const P5: u64 = 2870177450012600261;
    let mut acc = P5;
    for &h in hashes {
        acc = acc.wrapping_add((h as u64).wrapping_mul(P2));
        acc = acc.rotate_left(31);
        acc = acc.wrapping_mul(P1);
    }
    acc = acc.wrapping_add((hashes.len() as u64) ^ (P5 ^ 3527539));
    if acc == u64::MAX {
        1546275796
    } else {
        acc as i64
    }
}

/// Whether an instance's class chain defines `name`.
pub fn class_defines(class: &Value, name: &str) -> bool {
    let mut cur = Some(class.clone());
    while let Some(c) = cur {
        let Some(cls) = c.as_class() else {
            return false;
        };
        if cls.builtin.is_some() {
            return false;
        }
        if let Ok(d) = cls.dict.try_borrow() {
            if d.get_str(name).is_some() {
                return true;
            }
        }
        cur = cls.base.clone();
    }
    false
}

/// The hash of a value that needs no script code, as Python's `hash()`
/// would return it. `None` for values that need the VM (user `__hash__`)
/// or are unhashable.
pub fn primitive_hash_i64(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_small_int() {
        return Some(hash_i64(i));
    }
    if let Some(f) = v.as_float() {
        return Some(hash_f64(f));
    }
    if let Some(b) = v.as_bool() {
        return Some(b as i64);
    }
    if v.is_none() || v.is_empty() {
        return Some((v.bits() >> 4) as i64 & 0x0FFF_FFFF_FFFF);
    }
    match v.payload()? {
        Payload::Str(s) => Some(cached_str_hash(s) as i64),
        Payload::Bytes(b) => Some(bytes_hash(b) as i64),
        Payload::Int(i) => Some(hash_i64(*i)),
        Payload::BigInt(b) => Some(hash_bigint(b)),
        Payload::Tuple(items) => {
            let mut hs = Vec::with_capacity(items.len());
            for it in items.iter() {
                hs.push(primitive_hash_i64(it)?);
            }
            Some(hash_tuple_items(&hs))
        }
        Payload::List(_) | Payload::Dict(_) | Payload::Slice(..) => None,
        Payload::Set(s) if !s.frozen => None,
        Payload::Set(_) => None,
        Payload::Instance(inst) => {
            if class_defines(&inst.class, "__hash__") || class_defines(&inst.class, "__eq__") {
                None
            } else {
                Some((v.address() >> 4) as i64)
            }
        }
        Payload::Exception(e) => {
            if class_defines(&e.class, "__hash__") || class_defines(&e.class, "__eq__") {
                None
            } else {
                Some((v.address() >> 4) as i64)
            }
        }
        _ => Some((v.address() >> 4) as i64),
    }
}

pub fn primitive_hash(v: &Value) -> Option<u64> {
    primitive_hash_i64(v).map(|h| h as u64)
}

/// Numeric equality across int, bool and float; `None` if either side is
/// not a number.
pub fn num_eq(a: &Value, b: &Value) -> Option<bool> {
    match (int_ref(a), int_ref(b)) {
        (Some(x), Some(y)) => Some(x == y),
        (Some(x), None) => b.as_float().map(|f| int_eq_float(&x, f)),
        (None, Some(y)) => a.as_float().map(|f| int_eq_float(&y, f)),
        (None, None) => match (a.as_float(), b.as_float()) {
            (Some(x), Some(y)) => Some(x == y),
            _ => None,
        },
    }
}

pub fn int_eq_float(i: &IntRef, f: f64) -> bool {
    if !f.is_finite() || f.fract() != 0.0 {
        return false;
    }
    match i {
        IntRef::Small(n) => (*n as f64) == f && (f.abs() < 9.2e18) && (f as i64) == *n,
        IntRef::Big(b) => crate::int::float_to_bigint(f).as_ref() == Some(*b),
    }
}

/// Key equality that needs no script code: identity, numbers, str, bytes,
/// tuples of those. `None` when a user `__eq__` must decide.
pub fn fast_eq(a: &Value, b: &Value) -> Option<bool> {
    if a.is(b) {
        return Some(true);
    }
    // Str keys first: the common case, and `num_eq` would inspect both
    // values for every numeric form before giving up on them.
    if let (Some(Payload::Str(x)), Some(Payload::Str(y))) = (a.payload(), b.payload()) {
        return Some(x.s == y.s);
    }
    if let Some(r) = num_eq(a, b) {
        return Some(r);
    }
    match (a.payload(), b.payload()) {
        (Some(Payload::Bytes(x)), Some(Payload::Bytes(y))) => Some(x == y),
        (Some(Payload::Tuple(x)), Some(Payload::Tuple(y))) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y.iter()) {
                match fast_eq(p, q)? {
                    true => {}
                    false => return Some(false),
                }
            }
            Some(true)
        }
        (Some(Payload::Instance(i)), _) if class_defines(&i.class, "__eq__") => None,
        (_, Some(Payload::Instance(i))) if class_defines(&i.class, "__eq__") => None,
        (Some(Payload::Exception(i)), _) if class_defines(&i.class, "__eq__") => None,
        (_, Some(Payload::Exception(i))) if class_defines(&i.class, "__eq__") => None,
        (Some(Payload::Set(_)), Some(Payload::Set(_))) => None,
        _ => Some(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_hash_matches() {
        for s in ["", "__init__", "é", "__new__"] {
            assert_eq!(const_str_hash(s), str_hash(s));
        }
    }

    #[test]
    fn numeric_hashes_match_cpython() {
        assert_eq!(hash_i64(-1), -2);
        assert_eq!(hash_i64(1 << 61), 1);
        assert_eq!(hash_f64(1.5), 1152921504606846977);
        assert_eq!(hash_f64(-0.5), -1152921504606846976);
        assert_eq!(hash_f64(f64::INFINITY), 314159);
        assert_eq!(hash_f64(3.0), 3);
        assert_eq!(hash_f64(0.1), 230584300921369408);
    }

    #[test]
    fn tuple_hash_matches_cpython() {
        // hash((1, 2)) in CPython 3.11
        assert_eq!(hash_tuple_items(&[1, 2]), -3550055125485641917);
        assert_eq!(hash_tuple_items(&[]), 5740354900026072187);
    }
}
