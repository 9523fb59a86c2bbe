//! Integer arithmetic with Python semantics: overflow-checked i64 fast
//! paths that promote to `BigInt`, floor division and modulo signs, and
//! CPython's error messages. Never wraps, never panics.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::error::{PyErr, PyResult};
use crate::object::Payload;
use crate::value::Value;

/// A borrowed view of any int (bools included).
#[derive(Debug)]
pub enum IntRef<'a> {
    Small(i64),
    Big(&'a BigInt),
}

impl PartialEq for IntRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (IntRef::Small(a), IntRef::Small(b)) => a == b,
            (IntRef::Big(a), IntRef::Big(b)) => a == b,
            _ => false, // Big never holds an i64-sized value.
        }
    }
}

impl IntRef<'_> {
    pub fn to_bigint(&self) -> BigInt {
        match self {
            IntRef::Small(i) => BigInt::from(*i),
            IntRef::Big(b) => (*b).clone(),
        }
    }

    pub fn to_f64(&self) -> Option<f64> {
        match self {
            IntRef::Small(i) => Some(*i as f64),
            IntRef::Big(b) => b.to_f64().filter(|f| f.is_finite()),
        }
    }

    pub fn is_negative(&self) -> bool {
        match self {
            IntRef::Small(i) => *i < 0,
            IntRef::Big(b) => b.is_negative(),
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, IntRef::Small(0))
    }

    pub fn cmp_int(&self, other: &IntRef) -> Ordering {
        match (self, other) {
            (IntRef::Small(a), IntRef::Small(b)) => a.cmp(b),
            _ => self.to_bigint().cmp(&other.to_bigint()),
        }
    }
}

/// View `v` as an int (ints and bools).
#[inline]
pub fn int_ref(v: &Value) -> Option<IntRef<'_>> {
    if let Some(i) = v.as_small_int() {
        return Some(IntRef::Small(i));
    }
    if let Some(b) = v.as_bool() {
        return Some(IntRef::Small(b as i64));
    }
    match v.payload()? {
        Payload::Int(i) => Some(IntRef::Small(*i)),
        Payload::BigInt(b) => Some(IntRef::Big(b)),
        _ => None,
    }
}

/// The i64 value of an int that fits.
pub fn as_i64(v: &Value) -> Option<i64> {
    match int_ref(v)? {
        IntRef::Small(i) => Some(i),
        IntRef::Big(_) => None,
    }
}

pub fn float_to_bigint(f: f64) -> Option<BigInt> {
    if !f.is_finite() {
        return None;
    }
    num_bigint::BigInt::from_f64_trunc(f)
}

trait FromF64Trunc: Sized {
    fn from_f64_trunc(f: f64) -> Option<Self>;
}

impl FromF64Trunc for BigInt {
    fn from_f64_trunc(f: f64) -> Option<BigInt> {
        use num_traits::FromPrimitive;
        BigInt::from_f64(f.trunc())
    }
}

fn big(b: BigInt) -> Value {
    Value::from_bigint(b)
}

pub fn add(a: &IntRef, b: &IntRef) -> Value {
    if let (IntRef::Small(x), IntRef::Small(y)) = (a, b) {
        if let Some(r) = x.checked_add(*y) {
            return Value::int(r);
        }
    }
    big(a.to_bigint() + b.to_bigint())
}

pub fn sub(a: &IntRef, b: &IntRef) -> Value {
    if let (IntRef::Small(x), IntRef::Small(y)) = (a, b) {
        if let Some(r) = x.checked_sub(*y) {
            return Value::int(r);
        }
    }
    big(a.to_bigint() - b.to_bigint())
}

pub fn mul(a: &IntRef, b: &IntRef) -> Value {
    if let (IntRef::Small(x), IntRef::Small(y)) = (a, b) {
        if let Some(r) = x.checked_mul(*y) {
            return Value::int(r);
        }
    }
    big(a.to_bigint() * b.to_bigint())
}

fn zero_div(what: &str) -> PyErr {
    PyErr::zero_division(what)
}

pub fn floordiv(a: &IntRef, b: &IntRef) -> PyResult<Value> {
    if b.is_zero() {
        return Err(zero_div("integer division or modulo by zero"));
    }
    if let (IntRef::Small(x), IntRef::Small(y)) = (a, b) {
        if !(*x == i64::MIN && *y == -1) {
            return Ok(Value::int(x.div_floor(y)));
        }
    }
    Ok(big(a.to_bigint().div_floor(&b.to_bigint())))
}

pub fn modulo(a: &IntRef, b: &IntRef) -> PyResult<Value> {
    if b.is_zero() {
        return Err(zero_div("integer modulo by zero"));
    }
    if let (IntRef::Small(x), IntRef::Small(y)) = (a, b) {
        if *y != -1 {
            return Ok(Value::int(x.mod_floor(y)));
        }
        return Ok(Value::int(0));
    }
    Ok(big(a.to_bigint().mod_floor(&b.to_bigint())))
}

pub fn divmod(a: &IntRef, b: &IntRef) -> PyResult<(Value, Value)> {
    if b.is_zero() {
        return Err(zero_div("integer division or modulo by zero"));
    }
    Ok((floordiv(a, b)?, modulo(a, b)?))
}

pub fn truediv(a: &IntRef, b: &IntRef) -> PyResult<Value> {
    if b.is_zero() {
        return Err(zero_div("division by zero"));
    }
    if let (IntRef::Small(x), IntRef::Small(y)) = (a, b) {
        if x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) {
            return Ok(Value::float(*x as f64 / *y as f64));
        }
    }
    // Correctly rounded for big operands would need more work; this is
    // exact whenever both convert exactly.
    let (x, y) = (a.to_bigint(), b.to_bigint());
    match (x.to_f64(), y.to_f64()) {
        (Some(fx), Some(fy)) if fx.is_finite() && fy.is_finite() => {
            let r = fx / fy;
            if r.is_finite() {
                return Ok(Value::float(r));
            }
            Err(PyErr::overflow(
                "integer division result too large for a float",
            ))
        }
        _ => {
            // Scale down both to keep the ratio representable.
            let q = &x / &y;
            match q.to_f64() {
                Some(f) if f.is_finite() => Ok(Value::float(f)),
                _ => Err(PyErr::overflow(
                    "integer division result too large for a float",
                )),
            }
        }
    }
}

pub fn pow(a: &IntRef, b: &IntRef) -> PyResult<Value> {
    if b.is_negative() {
        let base = a
            .to_f64()
            .ok_or_else(|| PyErr::overflow("int too large to convert to float"))?;
        let exp = b.to_f64().unwrap_or(f64::NEG_INFINITY);
        if base == 0.0 {
            return Err(PyErr::zero_division(
                "0.0 cannot be raised to a negative power",
            ));
        }
        return Ok(Value::float(base.powf(exp)));
    }
    let exp = match b {
        IntRef::Small(e) => *e as u64,
        IntRef::Big(_) => {
            // Only 0, 1 and -1 survive a huge exponent.
            return match a {
                IntRef::Small(0) | IntRef::Small(1) => {
                    Ok(Value::int(if matches!(a, IntRef::Small(0)) {
                        0
                    } else {
                        1
                    }))
                }
                IntRef::Small(-1) => Ok(Value::int(if b.to_bigint().is_even() { 1 } else { -1 })),
                _ => Err(PyErr::new(crate::error::ExcKind::MemoryError, "")),
            };
        }
    };
    if let IntRef::Small(x) = a {
        if let Ok(e32) = u32::try_from(exp) {
            if let Some(r) = x.checked_pow(e32) {
                return Ok(Value::int(r));
            }
        }
    }
    let base = a.to_bigint();
    let bits = base.bits().max(1);
    if bits.saturating_mul(exp) > 64 * 1024 * 1024 {
        return Err(PyErr::new(crate::error::ExcKind::MemoryError, ""));
    }
    let mut result = BigInt::one();
    let mut b = base;
    let mut e = exp;
    while e > 0 {
        if e & 1 == 1 {
            result *= &b;
        }
        e >>= 1;
        if e > 0 {
            b = &b * &b;
        }
    }
    Ok(big(result))
}

pub fn lshift(a: &IntRef, b: &IntRef) -> PyResult<Value> {
    if b.is_negative() {
        return Err(PyErr::value_error("negative shift count"));
    }
    if a.is_zero() {
        return Ok(Value::int(0));
    }
    let n = match b {
        IntRef::Small(n) => *n as u64,
        IntRef::Big(_) => return Err(PyErr::overflow("too many digits in integer")),
    };
    if let IntRef::Small(x) = a {
        if n < 63 {
            let shifted = (*x as i128) << n;
            if let Ok(r) = i64::try_from(shifted) {
                return Ok(Value::int(r));
            }
        }
    }
    if n > (1 << 32) {
        return Err(PyErr::new(crate::error::ExcKind::MemoryError, ""));
    }
    Ok(big(a.to_bigint() << n as usize))
}

pub fn rshift(a: &IntRef, b: &IntRef) -> PyResult<Value> {
    if b.is_negative() {
        return Err(PyErr::value_error("negative shift count"));
    }
    let n = match b {
        IntRef::Small(n) => *n as u64,
        IntRef::Big(_) => u64::MAX,
    };
    if let IntRef::Small(x) = a {
        return Ok(Value::int(if n >= 64 {
            if *x < 0 {
                -1
            } else {
                0
            }
        } else {
            x >> n
        }));
    }
    if n > u32::MAX as u64 {
        return Ok(Value::int(if a.is_negative() { -1 } else { 0 }));
    }
    // BigInt's >> rounds toward negative infinity for negatives, as Python.
    Ok(big(a.to_bigint() >> n as usize))
}

pub fn bitand(a: &IntRef, b: &IntRef) -> Value {
    if let (IntRef::Small(x), IntRef::Small(y)) = (a, b) {
        return Value::int(x & y);
    }
    big(a.to_bigint() & b.to_bigint())
}

pub fn bitor(a: &IntRef, b: &IntRef) -> Value {
    if let (IntRef::Small(x), IntRef::Small(y)) = (a, b) {
        return Value::int(x | y);
    }
    big(a.to_bigint() | b.to_bigint())
}

pub fn bitxor(a: &IntRef, b: &IntRef) -> Value {
    if let (IntRef::Small(x), IntRef::Small(y)) = (a, b) {
        return Value::int(x ^ y);
    }
    big(a.to_bigint() ^ b.to_bigint())
}

pub fn neg(a: &IntRef) -> Value {
    match a {
        IntRef::Small(x) => match x.checked_neg() {
            Some(r) => Value::int(r),
            None => big(-BigInt::from(*x)),
        },
        IntRef::Big(b) => big(-(*b).clone()),
    }
}

pub fn invert(a: &IntRef) -> Value {
    match a {
        IntRef::Small(x) => Value::int(!x),
        IntRef::Big(b) => big(-(*b).clone() - 1),
    }
}

pub fn abs(a: &IntRef) -> Value {
    if a.is_negative() {
        neg(a)
    } else {
        match a {
            IntRef::Small(x) => Value::int(*x),
            IntRef::Big(b) => big((*b).clone()),
        }
    }
}

/// Compare an int with a float exactly.
pub fn cmp_int_float(a: &IntRef, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    if let IntRef::Small(x) = a {
        if x.unsigned_abs() < (1 << 53) {
            return (*x as f64).partial_cmp(&f);
        }
    }
    let fi = float_to_bigint(f.floor())?;
    let ai = a.to_bigint();
    match ai.cmp(&fi) {
        Ordering::Equal if f.fract() != 0.0 => Some(Ordering::Less),
        o => Some(o),
    }
}

/// Parse an int literal in `base` the way `int(str, base)` does.
pub fn parse_int(text: &str, base: u32) -> Option<BigInt> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (base, digits) = if base == 0 || base == 16 || base == 8 || base == 2 {
        let lower = digits.get(..2).map(|p| p.to_ascii_lowercase());
        match lower.as_deref() {
            Some("0x") if base == 0 || base == 16 => (16, &digits[2..]),
            Some("0o") if base == 0 || base == 8 => (8, &digits[2..]),
            Some("0b") if base == 0 || base == 2 => (2, &digits[2..]),
            _ => (if base == 0 { 10 } else { base }, digits),
        }
    } else {
        (base, digits)
    };
    let digits = digits
        .strip_prefix('_')
        .filter(|_| base != 10)
        .unwrap_or(digits);
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if !clean.chars().all(|c| c.is_digit(base)) {
        return None;
    }
    let v = BigInt::parse_bytes(clean.as_bytes(), base)?;
    Some(if neg { -v } else { v })
}

/// The common case of `int(text)` in base 10: optional surrounding
/// whitespace, an optional sign and at most 18 ASCII digits (so it fits an
/// `i64`). Anything else (`_`, more digits, other forms) is `None`, and
/// `parse_int` decides.
pub fn parse_small_decimal(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, t.get(1..)?),
        b'+' => (false, t.get(1..)?),
        _ => (false, t),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = digits
        .bytes()
        .fold(0i64, |v, b| v * 10 + i64::from(b - b'0'));
    Some(if neg { -v } else { v })
}

/// Python's `int(f)` for a float.
pub fn from_f64(f: f64) -> PyResult<Value> {
    if f.is_nan() {
        return Err(PyErr::value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(PyErr::overflow("cannot convert float infinity to integer"));
    }
    let t = f.trunc();
    if t.abs() < 9.2e18 {
        return Ok(Value::int(t as i64));
    }
    Ok(big(float_to_bigint(t).unwrap_or_else(BigInt::zero)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &Value) -> String {
        match int_ref(v) {
            Some(r) => r.to_bigint().to_string(),
            None => format!("{v:?}"),
        }
    }

    #[test]
    fn small_decimals_parse_as_the_general_parser_does() {
        let taken = [
            "0",
            "7",
            "-7",
            "+7",
            " 42 ",
            "\t-0042\n",
            "999999999999999999",
            "-999999999999999999",
            "\u{3000}5\u{3000}",
        ];
        let declined = [
            "1000000000000000000",
            "",
            "-",
            "+",
            " ",
            "1_000",
            "12a",
            "0x10",
            "--1",
            "+-1",
            "1 2",
            "٣",
        ];
        for c in taken {
            let fast = parse_small_decimal(c).map(BigInt::from);
            assert!(fast.is_some(), "{c:?}");
            assert_eq!(fast, parse_int(c, 10), "{c:?}");
        }
        for c in declined {
            assert_eq!(parse_small_decimal(c), None, "{c:?}");
        }
    }

    #[test]
    fn boundaries_promote() {
        let max = IntRef::Small(i64::MAX);
        let min = IntRef::Small(i64::MIN);
        assert_eq!(s(&add(&max, &IntRef::Small(1))), "9223372036854775808");
        assert_eq!(s(&sub(&min, &IntRef::Small(1))), "-9223372036854775809");
        assert_eq!(
            s(&floordiv(&min, &IntRef::Small(-1)).unwrap_or_default()),
            "9223372036854775808"
        );
        assert_eq!(
            s(&modulo(&min, &IntRef::Small(-1)).unwrap_or_default()),
            "0"
        );
        assert_eq!(s(&neg(&min)), "9223372036854775808");
        assert_eq!(
            s(&lshift(&IntRef::Small(1), &IntRef::Small(64)).unwrap_or_default()),
            "18446744073709551616"
        );
        assert_eq!(
            s(&rshift(&IntRef::Small(-5), &IntRef::Small(100)).unwrap_or_default()),
            "-1"
        );
        assert_eq!(
            s(&pow(&IntRef::Small(2), &IntRef::Small(100)).unwrap_or_default()),
            "1267650600228229401496703205376"
        );
        assert_eq!(
            s(&mul(&max, &max)),
            "85070591730234615847396907784232501249"
        );
    }

    #[test]
    fn floor_semantics() {
        assert_eq!(
            s(&floordiv(&IntRef::Small(-7), &IntRef::Small(2)).unwrap_or_default()),
            "-4"
        );
        assert_eq!(
            s(&modulo(&IntRef::Small(-7), &IntRef::Small(2)).unwrap_or_default()),
            "1"
        );
        assert_eq!(
            s(&modulo(&IntRef::Small(7), &IntRef::Small(-2)).unwrap_or_default()),
            "-1"
        );
        assert!(floordiv(&IntRef::Small(1), &IntRef::Small(0)).is_err());
    }

    #[test]
    fn parses_literals() {
        assert_eq!(
            parse_int(" -0x1f ", 0).map(|b| b.to_string()),
            Some("-31".into())
        );
        assert_eq!(
            parse_int("1_000", 10).map(|b| b.to_string()),
            Some("1000".into())
        );
        assert!(parse_int("12a", 10).is_none());
    }
}
