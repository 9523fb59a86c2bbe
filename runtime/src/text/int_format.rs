//! Integer to text in every radix Python uses (`str`, `hex`, `oct`, `bin`,
//! format-spec digits), for both the i64 fast path and `BigInt`.

use num_bigint::{BigInt, Sign};
use num_traits::{Signed, ToPrimitive, Zero};

/// A borrowed Python int: either the small fast path or a big integer.
#[derive(Debug, Clone, Copy)]
pub enum IntRef<'a> {
    Small(i64),
    Big(&'a BigInt),
}

impl IntRef<'_> {
    pub fn is_negative(&self) -> bool {
        match self {
            IntRef::Small(v) => *v < 0,
            IntRef::Big(b) => b.sign() == Sign::Minus,
        }
    }

    pub fn is_zero(&self) -> bool {
        match self {
            IntRef::Small(v) => *v == 0,
            IntRef::Big(b) => b.is_zero(),
        }
    }

    /// Digits of the absolute value in `radix` (2..=36), lowercase.
    pub fn magnitude_digits(&self, radix: u32) -> String {
        match self {
            IntRef::Small(v) => u64_to_radix(v.unsigned_abs(), radix),
            IntRef::Big(b) => b.abs().to_str_radix(radix),
        }
    }

    /// Conversion to float as `float(int)` does; `None` when too large.
    pub fn to_f64(&self) -> Option<f64> {
        match self {
            IntRef::Small(v) => Some(*v as f64),
            IntRef::Big(b) => b.to_f64().filter(|f| f.is_finite()),
        }
    }

    /// Value as i64 when it fits.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            IntRef::Small(v) => Some(*v),
            IntRef::Big(b) => b.to_i64(),
        }
    }
}

/// An owned Python int, as produced by conversions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedInt {
    Small(i64),
    Big(BigInt),
}

impl OwnedInt {
    pub fn as_ref(&self) -> IntRef<'_> {
        match self {
            OwnedInt::Small(v) => IntRef::Small(*v),
            OwnedInt::Big(b) => IntRef::Big(b),
        }
    }

    /// Python's `int(f)` for a finite float (truncation toward zero).
    pub fn from_f64_truncated(f: f64) -> Option<OwnedInt> {
        if !f.is_finite() {
            return None;
        }
        let t = f.trunc();
        if t.abs() < 9.2e18 {
            Some(OwnedInt::Small(t as i64))
        } else {
            num_traits::FromPrimitive::from_f64(t).map(OwnedInt::Big)
        }
    }
}

/// `n` in `radix` (2..=36) without prefix or sign.
pub fn u64_to_radix(n: u64, radix: u32) -> String {
    if radix == 10 {
        // std's decimal formatting of integers is faster than any loop here.
        return n.to_string();
    }
    let mut buf = [0u8; 64];
    u64_digits(n, u64::from(radix.clamp(2, 36)), &mut buf).to_string()
}

/// The digits of `n` in `radix` (2..=36, lowercase), written at the end
/// of `buf`. Inline so a constant radix divides by multiplication.
#[inline(always)]
pub fn u64_digits(mut n: u64, radix: u64, buf: &mut [u8; 64]) -> &str {
    let mut i = buf.len();
    loop {
        let d = (n % radix) as u8;
        i -= 1;
        buf[i] = if d < 10 { b'0' + d } else { b'a' + d - 10 };
        n /= radix;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

/// `str(int)`.
pub fn int_to_decimal(v: IntRef<'_>) -> String {
    match v {
        IntRef::Small(n) => n.to_string(),
        IntRef::Big(b) => b.to_string(),
    }
}

/// `hex()`, `oct()`, `bin()`: sign, `0x`/`0o`/`0b` prefix, digits.
pub fn int_to_prefixed(v: IntRef<'_>, radix: u32) -> String {
    let prefix = match radix {
        16 => "0x",
        8 => "0o",
        2 => "0b",
        _ => "",
    };
    let sign = if v.is_negative() { "-" } else { "" };
    format!("{sign}{prefix}{}", v.magnitude_digits(radix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_forms_match_cpython() {
        assert_eq!(int_to_prefixed(IntRef::Small(255), 16), "0xff");
        assert_eq!(int_to_prefixed(IntRef::Small(-255), 16), "-0xff");
        assert_eq!(int_to_prefixed(IntRef::Small(8), 8), "0o10");
        assert_eq!(int_to_prefixed(IntRef::Small(5), 2), "0b101");
        assert_eq!(int_to_prefixed(IntRef::Small(0), 2), "0b0");
        assert_eq!(
            int_to_prefixed(IntRef::Small(i64::MIN), 16),
            "-0x8000000000000000"
        );
        let big = BigInt::from(2).pow(100);
        assert_eq!(
            int_to_prefixed(IntRef::Big(&big), 16),
            "0x10000000000000000000000000"
        );
        assert_eq!(
            int_to_decimal(IntRef::Big(&-big)),
            "-1267650600228229401496703205376"
        );
    }
}
