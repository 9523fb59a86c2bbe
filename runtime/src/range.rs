//! `range` objects: an i64 fast path (`SmallRange`, what nearly every loop
//! uses) and arbitrary-precision bounds (`BigRange`) for ranges that reach
//! past 64 bits, with CPython's length, indexing, slicing, membership,
//! equality, repr and reversal rules for both.
//!
//! Never allocates a list of the range's items and never overflows: every
//! computation that can leave i64 is done in i128 or `BigInt`.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::error::{PyErr, PyResult};
use crate::int::IntRef;
use crate::object::{IterState, NativeIter};
use crate::value::Value;
use crate::vm::Vm;

/// A range whose start, stop and step all fit in i64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmallRange {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
}

impl SmallRange {
    /// The number of items (up to 2**64, hence i128).
    pub fn len(&self) -> i128 {
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        if step > 0 && start < stop {
            (stop - start + step - 1) / step
        } else if step < 0 && start > stop {
            (start - stop - step - 1) / (-step)
        } else {
            0
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Item `i` (0 <= i < len), exact even when it leaves i64.
    pub fn get(&self, i: i128) -> i128 {
        self.start as i128 + i * self.step as i128
    }

    /// Position of `i` in the range, if it is an item.
    pub fn position(&self, i: i128) -> Option<i128> {
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let inside = if step > 0 {
            i >= start && i < stop
        } else {
            i <= start && i > stop
        };
        (inside && (i - start) % step == 0).then(|| (i - start) / step)
    }
}

/// A range with at least one bound outside i64.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigRange {
    pub start: BigInt,
    pub stop: BigInt,
    pub step: BigInt,
}

impl BigRange {
    fn len(&self) -> BigInt {
        let (start, stop, step) = (&self.start, &self.stop, &self.step);
        if step.is_positive() && start < stop {
            (stop - start + step - BigInt::one()).div_floor(step)
        } else if step.is_negative() && start > stop {
            (start - stop - step - BigInt::one()).div_floor(&-step)
        } else {
            BigInt::zero()
        }
    }
}

/// The payload of a `range` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeObj {
    Small(SmallRange),
    Big(Box<BigRange>),
}

fn int_value(i: i128) -> Value {
    match i64::try_from(i) {
        Ok(v) => Value::int(v),
        Err(_) => Value::from_bigint(BigInt::from(i)),
    }
}

impl RangeObj {
    /// A range from arbitrary bounds (step must be non-zero), on the fast
    /// path when all three fit in i64.
    pub fn new(start: BigInt, stop: BigInt, step: BigInt) -> RangeObj {
        match (start.to_i64(), stop.to_i64(), step.to_i64()) {
            (Some(start), Some(stop), Some(step)) => {
                RangeObj::Small(SmallRange { start, stop, step })
            }
            _ => RangeObj::Big(Box::new(BigRange { start, stop, step })),
        }
    }

    fn from_i128(start: i128, stop: i128, step: i128) -> RangeObj {
        match (
            i64::try_from(start),
            i64::try_from(stop),
            i64::try_from(step),
        ) {
            (Ok(start), Ok(stop), Ok(step)) => RangeObj::Small(SmallRange { start, stop, step }),
            _ => RangeObj::Big(Box::new(BigRange {
                start: BigInt::from(start),
                stop: BigInt::from(stop),
                step: BigInt::from(step),
            })),
        }
    }

    fn big(&self) -> BigRange {
        match self {
            RangeObj::Small(r) => BigRange {
                start: BigInt::from(r.start),
                stop: BigInt::from(r.stop),
                step: BigInt::from(r.step),
            },
            RangeObj::Big(b) => (**b).clone(),
        }
    }

    pub fn len_big(&self) -> BigInt {
        match self {
            RangeObj::Small(r) => BigInt::from(r.len()),
            RangeObj::Big(b) => b.len(),
        }
    }

    /// `len(r)`: OverflowError past the index-sized limit, as CPython.
    pub fn len_checked(&self) -> PyResult<usize> {
        let n = match self {
            RangeObj::Small(r) => i64::try_from(r.len()).ok(),
            RangeObj::Big(b) => b.len().to_i64(),
        };
        n.and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| PyErr::overflow("Python int too large to convert to C ssize_t"))
    }

    pub fn is_empty(&self) -> bool {
        match self {
            RangeObj::Small(r) => r.is_empty(),
            RangeObj::Big(b) => b.len().is_zero(),
        }
    }

    pub fn start(&self) -> Value {
        match self {
            RangeObj::Small(r) => Value::int(r.start),
            RangeObj::Big(b) => Value::from_bigint(b.start.clone()),
        }
    }

    pub fn stop(&self) -> Value {
        match self {
            RangeObj::Small(r) => Value::int(r.stop),
            RangeObj::Big(b) => Value::from_bigint(b.stop.clone()),
        }
    }

    pub fn step(&self) -> Value {
        match self {
            RangeObj::Small(r) => Value::int(r.step),
            RangeObj::Big(b) => Value::from_bigint(b.step.clone()),
        }
    }

    /// `r[i]` for an int index (negative counts from the end).
    pub fn item(&self, index: &IntRef) -> PyResult<Value> {
        let out_of_range = || PyErr::index_error("range object index out of range");
        if let (RangeObj::Small(r), IntRef::Small(i)) = (self, index) {
            let len = r.len();
            let i = *i as i128;
            let i = if i < 0 { i + len } else { i };
            if i < 0 || i >= len {
                return Err(out_of_range());
            }
            return Ok(int_value(r.get(i)));
        }
        let b = self.big();
        let len = b.len();
        let mut i = index.to_bigint();
        if i.is_negative() {
            i += &len;
        }
        if i.is_negative() || i >= len {
            return Err(out_of_range());
        }
        Ok(Value::from_bigint(&b.start + i * &b.step))
    }

    /// `r[start:stop:step]` given the slice's normalised indices.
    pub fn slice(&self, s: &crate::items::SliceRange) -> RangeObj {
        match self {
            RangeObj::Small(r) => {
                let step = r.step as i128;
                RangeObj::from_i128(
                    r.get(s.start as i128),
                    r.get(s.stop as i128),
                    step * s.step as i128,
                )
            }
            RangeObj::Big(b) => RangeObj::new(
                &b.start + BigInt::from(s.start) * &b.step,
                &b.start + BigInt::from(s.stop) * &b.step,
                &b.step * BigInt::from(s.step),
            ),
        }
    }

    /// Position of int `v` among the items, if present.
    pub fn position(&self, v: &IntRef) -> Option<BigInt> {
        if let (RangeObj::Small(r), IntRef::Small(i)) = (self, v) {
            return r.position(*i as i128).map(BigInt::from);
        }
        let b = self.big();
        let i = v.to_bigint();
        let inside = if b.step.is_positive() {
            i >= b.start && i < b.stop
        } else {
            i <= b.start && i > b.stop
        };
        let offset = &i - &b.start;
        (inside && offset.mod_floor(&b.step).is_zero()).then(|| offset / &b.step)
    }

    /// Ranges are equal when they produce the same items.
    pub fn same_items(&self, other: &RangeObj) -> bool {
        if let (RangeObj::Small(x), RangeObj::Small(y)) = (self, other) {
            let n = x.len();
            return n == y.len()
                && (n == 0 || (x.start == y.start && (n == 1 || x.step == y.step)));
        }
        let (x, y) = (self.big(), other.big());
        let n = x.len();
        n == y.len() && (n.is_zero() || (x.start == y.start && (n.is_one() || x.step == y.step)))
    }

    pub fn repr(&self) -> String {
        let b = self.big();
        if b.step.is_one() {
            format!("range({}, {})", b.start, b.stop)
        } else {
            format!("range({}, {}, {})", b.start, b.stop, b.step)
        }
    }

    /// `iter(r)`: the i64 iterator state when every item fits, else a
    /// big-int iterator.
    pub fn iter_state(&self) -> IterState {
        if let RangeObj::Small(r) = self {
            // The last item must fit too (the state steps past it safely).
            if r.is_empty() || i64::try_from(r.get(r.len() - 1)).is_ok() {
                return IterState::Range {
                    next: r.start,
                    stop: r.stop,
                    step: r.step,
                };
            }
        }
        let b = self.big();
        let remaining = b.len();
        IterState::Native(Box::new(BigRangeIter {
            next: b.start,
            remaining,
            step: b.step,
        }))
    }

    /// `reversed(r)`: iterate the same items backwards.
    pub fn reversed(&self) -> RangeObj {
        match self {
            RangeObj::Small(r) => {
                let n = r.len();
                let step = r.step as i128;
                if n == 0 {
                    return RangeObj::Small(SmallRange {
                        start: 0,
                        stop: 0,
                        step: 1,
                    });
                }
                let last = r.get(n - 1);
                RangeObj::from_i128(last, r.start as i128 - step, -step)
            }
            RangeObj::Big(b) => {
                let n = b.len();
                if n.is_zero() {
                    return RangeObj::new(BigInt::zero(), BigInt::zero(), BigInt::one());
                }
                let last = &b.start + (n - 1) * &b.step;
                RangeObj::new(last, &b.start - &b.step, -&b.step)
            }
        }
    }
}

/// Iterates a range whose items leave i64.
struct BigRangeIter {
    next: BigInt,
    remaining: BigInt,
    step: BigInt,
}

impl NativeIter for BigRangeIter {
    fn next(&mut self, _: &mut Vm) -> PyResult<Option<Value>> {
        if !self.remaining.is_positive() {
            return Ok(None);
        }
        self.remaining -= 1;
        let v = self.next.clone();
        self.next += &self.step;
        Ok(Some(Value::from_bigint(v)))
    }
    fn type_name(&self) -> &'static str {
        "longrange_iterator"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(n: i128) -> BigInt {
        BigInt::from(n)
    }

    #[test]
    fn small_and_big_agree() {
        let max = i64::MAX as i128;
        let r = RangeObj::new(big(max - 5), big(max + 5), big(1));
        assert!(matches!(r, RangeObj::Big(_)));
        assert_eq!(r.len_big(), big(10));
        assert_eq!(r.repr(), format!("range({}, {})", max - 5, max + 5));
        let s = RangeObj::new(big(0), big(10), big(3));
        assert!(matches!(s, RangeObj::Small(_)));
        assert_eq!(s.len_big(), big(4));
        assert_eq!(s.reversed().repr(), "range(9, -3, -3)");
        assert!(s.same_items(&RangeObj::new(big(0), big(11), big(3))));
    }

    #[test]
    fn huge_len_overflows_cleanly() {
        let r = RangeObj::new(big(i64::MIN as i128), big(i64::MAX as i128), big(1));
        assert!(r.len_checked().is_err());
        assert_eq!(r.len_big(), big(u64::MAX as i128));
    }
}
