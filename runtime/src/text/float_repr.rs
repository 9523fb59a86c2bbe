//! CPython's float-to-text conversions: `repr(float)` (shortest round-trip
//! digits) and the correctly rounded `e`/`f`/`g` building blocks used by the
//! format-spec mini-language and `%`-formatting.

/// Decimal digits of a finite, non-negative float with the decimal point
/// position: the value is `0.DIGITS * 10^decpt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digits {
    pub digits: String,
    pub decpt: i32,
}

/// Parses Rust's `{:e}` output (`"1.2345e-5"`) into digits and point position.
fn parse_rust_exp(text: &str) -> Digits {
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exponent.parse().unwrap_or(0);
    Digits {
        digits,
        decpt: exp + 1,
    }
}

/// Shortest digits that round-trip `f.abs()` (f must be finite).
pub fn shortest_digits(f: f64) -> Digits {
    let mut d = parse_rust_exp(&format!("{:e}", f.abs()));
    if d.digits.chars().all(|c| c == '0') {
        d.digits = "0".to_string();
        d.decpt = 1;
    }
    // Two shortest strings can both read back as `f` (f = 802741128660033.25:
    // "...033.2" and "...033.3"). CPython then takes the one nearest the
    // exact value, ties to even, which is the correctly rounded string of
    // that length; Rust's shortest mode may take the other.
    let nearest = significant_digits(f, d.digits.len());
    if nearest.digits != d.digits && reads_back_as(&nearest, f.abs()) {
        return nearest;
    }
    d
}

/// Whether `0.DIGITS × 10^decpt` parses to exactly `a`.
fn reads_back_as(d: &Digits, a: f64) -> bool {
    format!("0.{}e{}", d.digits, d.decpt).parse::<f64>() == Ok(a)
}

/// `f.abs()` correctly rounded to `count` (>= 1) significant digits.
pub fn significant_digits(f: f64, count: usize) -> Digits {
    let count = count.max(1);
    let mut d = parse_rust_exp(&format!("{:.*e}", count - 1, f.abs()));
    if f == 0.0 {
        d.decpt = 1;
    }
    d
}

/// Exponent suffix in CPython style: `e+05`, `e-07`, `e+100`.
pub fn exponent_suffix(exp: i32, upper: bool) -> String {
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{e}{sign}{:02}", exp.unsigned_abs())
}

/// Lays digits out in fixed notation (no sign). `min_frac` forces at least
/// that many fraction digits by padding zeros.
pub fn digits_to_fixed(d: &Digits, min_frac: usize) -> String {
    let digits = d.digits.as_str();
    let len = digits.len() as i32;
    let mut out = String::new();
    let frac: String;
    if d.decpt <= 0 {
        out.push('0');
        frac = "0".repeat(d.decpt.unsigned_abs() as usize) + digits;
    } else if d.decpt >= len {
        out.push_str(digits);
        out.push_str(&"0".repeat((d.decpt - len) as usize));
        frac = String::new();
    } else {
        let (int_part, frac_part) = digits.split_at(d.decpt as usize);
        out.push_str(int_part);
        frac = frac_part.to_string();
    }
    let mut frac = frac;
    while frac.len() < min_frac {
        frac.push('0');
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(&frac);
    }
    out
}

/// Lays digits out in scientific notation (no sign): `d.ddde+XX`.
pub fn digits_to_scientific(d: &Digits, min_frac: usize, upper: bool) -> String {
    let mut chars = d.digits.chars();
    let first = chars.next().unwrap_or('0');
    let mut rest: String = chars.collect();
    while rest.len() < min_frac {
        rest.push('0');
    }
    let mut out = String::new();
    out.push(first);
    if !rest.is_empty() {
        out.push('.');
        out.push_str(&rest);
    }
    out.push_str(&exponent_suffix(d.decpt - 1, upper));
    out
}

fn non_finite(f: f64, upper: bool) -> Option<String> {
    let text = if f.is_nan() {
        "nan"
    } else if f.is_infinite() {
        "inf"
    } else {
        return None;
    };
    Some(if upper {
        text.to_uppercase()
    } else {
        text.to_string()
    })
}

/// CPython's `repr(float)`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if let Some(text) = fixed_repr_fast(f) {
        return text;
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    format!("{sign}{}", repr_magnitude(f))
}

/// `repr(f)` where CPython lays it out in fixed notation: `0.0`, and
/// `1e-4 <= |f| < 1e16`. Ryu gives the shortest digits that read back as
/// `f`, the nearest to `f` among equally short ones (CPython's rule), and
/// lays out exactly this range as CPython does: fixed, with `.0` on an
/// integral value (it switches to exponents only below 1e-5 and from
/// 1e17 up). One pass, no allocation but the result.
fn fixed_repr_fast(f: f64) -> Option<String> {
    let a = f.abs();
    if !(a == 0.0 || (1e-4..1e16).contains(&a)) {
        return None;
    }
    let mut buf = ryu::Buffer::new();
    Some(buf.format_finite(f).to_string())
}

/// `repr` of `|f|` (no sign); `inf`/`nan` for non-finite values.
pub fn repr_magnitude(f: f64) -> String {
    if let Some(text) = non_finite(f, false) {
        return text;
    }
    if let Some(text) = fixed_repr_fast(f.abs()) {
        return text;
    }
    magnitude_by_digits(f)
}

/// The general path of `repr_magnitude` (finite `f`): shortest digits laid
/// out by CPython's rule, scientific outside `1e-4 <= |f| < 1e16`.
fn magnitude_by_digits(f: f64) -> String {
    let d = shortest_digits(f);
    if d.decpt <= -4 || d.decpt > 16 {
        digits_to_scientific(&d, 0, false)
    } else {
        let mut text = digits_to_fixed(&d, 0);
        if !text.contains('.') {
            text.push_str(".0");
        }
        text
    }
}

/// `|f|` in `%.{precision}f` form (no sign).
pub fn fixed_magnitude(f: f64, precision: usize, alternate: bool, upper: bool) -> String {
    if let Some(text) = non_finite(f, upper) {
        return text;
    }
    let mut text = format!("{:.*}", precision, f.abs());
    if alternate && precision == 0 {
        text.push('.');
    }
    text
}

/// `|f|` in `%.{precision}e` form (no sign).
pub fn scientific_magnitude(f: f64, precision: usize, alternate: bool, upper: bool) -> String {
    if let Some(text) = non_finite(f, upper) {
        return text;
    }
    let d = significant_digits(f, precision + 1);
    let mut text = digits_to_scientific(&d, precision, upper);
    if alternate && precision == 0 {
        if let Some(pos) = text.find(['e', 'E']) {
            text.insert(pos, '.');
        }
    }
    text
}

/// `|f|` in `%.{precision}g` form (no sign). With `add_dot_0` this is the
/// format-spec "no type, precision given" flavour: fixed results keep at least
/// one fraction digit and scientific form starts one digit earlier.
pub fn general_magnitude(
    f: f64,
    precision: usize,
    alternate: bool,
    upper: bool,
    add_dot_0: bool,
) -> String {
    if let Some(text) = non_finite(f, upper) {
        return text;
    }
    let precision = precision.max(1);
    let d = significant_digits(f, precision);
    let exp = d.decpt - 1;
    let limit = if add_dot_0 {
        precision as i32 - 1
    } else {
        precision as i32
    };
    let scientific = exp < -4 || exp >= limit;
    if scientific {
        let min_frac = if alternate { precision - 1 } else { 0 };
        let mut trimmed = d.clone();
        if !alternate {
            trim_trailing_zeros(&mut trimmed);
        }
        let mut text = digits_to_scientific(&trimmed, min_frac, upper);
        if alternate && precision == 1 {
            if let Some(pos) = text.find(['e', 'E']) {
                text.insert(pos, '.');
            }
        }
        text
    } else {
        let frac_digits = (precision as i32 - 1 - exp).max(0) as usize;
        if alternate {
            let mut text = digits_to_fixed(&d, frac_digits);
            if !text.contains('.') {
                text.push('.');
            }
            text
        } else {
            let mut trimmed = d.clone();
            trim_trailing_zeros(&mut trimmed);
            let mut text = digits_to_fixed(&trimmed, 0);
            if add_dot_0 && !text.contains('.') {
                text.push_str(".0");
            }
            text
        }
    }
}

fn trim_trailing_zeros(d: &mut Digits) {
    while d.digits.len() > 1 && d.digits.ends_with('0') {
        d.digits.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `repr(f)` by the general path only.
    fn repr_by_digits(f: f64) -> String {
        let sign = if f.is_sign_negative() { "-" } else { "" };
        format!("{sign}{}", magnitude_by_digits(f))
    }

    proptest! {
        #[test]
        fn fixed_fast_path_agrees_with_digits(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            if let Some(fast) = fixed_repr_fast(f) {
                prop_assert_eq!(fast, repr_by_digits(f));
            }
        }

        #[test]
        fn fixed_fast_path_agrees_in_range(m in 1e-4f64..1e16, neg in any::<bool>()) {
            let f = if neg { -m } else { m };
            if let Some(fast) = fixed_repr_fast(f) {
                prop_assert_eq!(fast, repr_by_digits(f));
            }
            prop_assert_eq!(float_repr(f), repr_by_digits(f));
        }
    }

    #[test]
    fn fixed_fast_path_edges() {
        let next_down = |x: f64| f64::from_bits(x.to_bits() - 1);
        for f in [
            0.0,
            -0.0,
            1e-4,
            next_down(1e-4),
            1e16,
            next_down(1e16),
            0.1,
            1.5,
            100.0,
            123456789.125,
        ] {
            assert_eq!(float_repr(f), repr_by_digits(f), "{f:e}");
        }
        assert_eq!(float_repr(-0.0), "-0.0");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(next_down(1e16)), "9999999999999998.0");
        assert_eq!(float_repr(1e-4), "0.0001");
        assert_eq!(float_repr(next_down(1e-4)), "9.999999999999999e-05");
        // Ties between two shortest strings go to the even digit, as in
        // CPython. (Written as sums: both terms are exact, and a literal
        // would be "excessive precision" to a linter using Rust's tie rule.)
        assert_eq!(
            float_repr(-1529443619979752.0 - 0.25),
            "-1529443619979752.2"
        );
        assert_eq!(float_repr(802741128660033.0 + 0.25), "802741128660033.2");
        assert_eq!(float_repr(802741128660033.0 + 0.75), "802741128660033.8");
    }

    #[test]
    fn repr_matches_cpython() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (3.0, "3.0"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1.5e-5, "1.5e-05"),
            (1e-7, "1e-07"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e100, "1e+100"),
            (-2.5, "-2.5"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9999999999999998.0, "9999999999999998.0"),
            (2.0f64.powi(60), "1.152921504606847e+18"),
            (1.0 / 3.0, "0.3333333333333333"),
            (100.0, "100.0"),
            (12345.678, "12345.678"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_repr(*value), *expected, "repr of {value:e}");
        }
    }

    #[test]
    fn fixed_and_scientific_round_like_cpython() {
        assert_eq!(fixed_magnitude(2.675, 2, false, false), "2.67");
        assert_eq!(fixed_magnitude(2.5, 0, false, false), "2");
        assert_eq!(fixed_magnitude(1.5, 0, false, false), "2");
        assert_eq!(fixed_magnitude(1.0, 0, true, false), "1.");
        assert_eq!(scientific_magnitude(1.0, 0, true, false), "1.e+00");
        assert_eq!(scientific_magnitude(123456.0, 2, false, true), "1.23E+05");
        assert_eq!(scientific_magnitude(0.0, 3, false, false), "0.000e+00");
    }

    #[test]
    fn general_matches_cpython() {
        assert_eq!(general_magnitude(0.0, 6, false, false, false), "0");
        assert_eq!(general_magnitude(1e-5, 6, false, false, false), "1e-05");
        assert_eq!(
            general_magnitude(123456789.0, 6, false, false, false),
            "1.23457e+08"
        );
        assert_eq!(general_magnitude(1.0, 6, true, false, false), "1.00000");
        assert_eq!(general_magnitude(1.0, 3, false, false, true), "1.0");
        assert_eq!(general_magnitude(1234.0, 3, false, false, true), "1.23e+03");
        assert_eq!(general_magnitude(100.0, 3, false, false, true), "1e+02");
        assert_eq!(general_magnitude(12.0, 3, false, false, true), "12.0");
        assert_eq!(
            general_magnitude(0.1, 20, false, false, true),
            "0.10000000000000000555"
        );
        assert_eq!(
            general_magnitude(1e16, 20, false, false, true),
            "10000000000000000.0"
        );
        assert_eq!(general_magnitude(0.0001, 3, false, false, false), "0.0001");
        assert_eq!(
            general_magnitude(100000.0, 6, false, false, false),
            "100000"
        );
        assert_eq!(
            general_magnitude(1000000.0, 6, false, false, false),
            "1e+06"
        );
    }
}
