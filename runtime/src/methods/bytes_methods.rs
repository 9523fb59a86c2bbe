//! Methods of `bytes`: `decode`, `hex`, `fromhex`, splitting, joining,
//! stripping, replacing, searching and ASCII case mapping.

use crate::error::{ExcKind, PyErr, PyResult};
use crate::native::Registry;
use crate::object::TypeId;
use crate::value::Value;
use crate::vm::Vm;

use super::args::{arity, bind, index_arg, no_kwargs, opt_index, slice_bounds};

type Kw<'a> = &'a [(Value, Value)];

/// The `UnicodeDecodeError` CPython's UTF-8 codec raises for `bytes`, worded
/// as CPython words it (shared by `bytes.decode` and `str(b, "utf-8")`).
pub fn utf8_decode_error(bytes: &[u8], err: &std::str::Utf8Error) -> PyErr {
    let pos = err.valid_up_to();
    let byte = bytes.get(pos).copied().unwrap_or(0);
    let message = match err.error_len() {
        // A sequence cut short by the end of the input.
        None if bytes.len() - pos > 1 => format!(
            "'utf-8' codec can't decode bytes in position {pos}-{}: unexpected end of data",
            bytes.len() - 1
        ),
        None => format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: unexpected end of data"),
        // Only 0xC2..=0xF4 can start a multi-byte sequence.
        Some(_) if !(0xC2..=0xF4).contains(&byte) => {
            format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: invalid start byte")
        }
        Some(_) => {
            format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: invalid continuation byte")
        }
    };
    PyErr::new(ExcKind::UnicodeDecodeError, message)
}

pub fn register(r: &mut Registry) {
    let methods: &[(&'static str, crate::native::NativeFn)] = &[
        ("decode", bytes_decode),
        ("hex", bytes_hex),
        ("fromhex", bytes_fromhex),
        ("split", bytes_split),
        ("join", bytes_join),
        ("strip", bytes_strip),
        ("lstrip", bytes_lstrip),
        ("rstrip", bytes_rstrip),
        ("replace", bytes_replace),
        ("startswith", bytes_startswith),
        ("endswith", bytes_endswith),
        ("find", bytes_find),
        ("index", bytes_index),
        ("count", bytes_count),
        ("upper", bytes_upper),
        ("partition", bytes_partition),
        ("rpartition", bytes_rpartition),
        ("lower", bytes_lower),
    ];
    for (name, f) in methods {
        r.method(TypeId::Bytes, name, *f);
    }
}

fn this<'a>(vm: &Vm, args: &'a [Value], name: &str) -> PyResult<&'a [u8]> {
    let v = args.first().ok_or_else(|| {
        PyErr::type_error(format!("unbound method bytes.{name}() needs an argument"))
    })?;
    v.as_bytes().ok_or_else(|| {
        PyErr::type_error(format!(
            "descriptor '{name}' for 'bytes' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        ))
    })
}

fn bytes_arg<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a [u8]> {
    v.as_bytes().ok_or_else(|| {
        PyErr::type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name(v)
        ))
    })
}

fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn bytes_decode(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let b = this(vm, args, "decode")?;
    let a = bind("decode", &args[1..], kw, &["encoding", "errors"])?;
    let encoding = match a[0] {
        Some(v) => v
            .as_str()
            .unwrap_or("utf-8")
            .to_ascii_lowercase()
            .replace('_', "-"),
        None => "utf-8".to_string(),
    };
    let errors = a[1]
        .and_then(|v| v.as_str())
        .unwrap_or("strict")
        .to_string();
    match encoding.as_str() {
        "utf-8" | "utf8" => match std::str::from_utf8(b) {
            Ok(s) => Ok(Value::from_str(s)),
            Err(e) if errors == "strict" => Err(utf8_decode_error(b, &e)),
            Err(_) if errors == "ignore" => Ok(Value::from_string(
                String::from_utf8_lossy(b).replace('\u{FFFD}', ""),
            )),
            Err(_) => Ok(Value::from_string(String::from_utf8_lossy(b).into_owned())),
        },
        "ascii" | "us-ascii" => {
            let mut out = String::with_capacity(b.len());
            for (i, byte) in b.iter().enumerate() {
                if *byte < 0x80 {
                    out.push(*byte as char);
                } else if errors == "ignore" {
                } else if errors == "replace" {
                    out.push('\u{FFFD}');
                } else {
                    return Err(PyErr::new(
                        ExcKind::UnicodeDecodeError,
                        format!("'ascii' codec can't decode byte 0x{byte:02x} in position {i}: ordinal not in range(128)"),
                    ));
                }
            }
            Ok(Value::from_string(out))
        }
        "latin-1" | "latin1" | "iso-8859-1" => {
            Ok(Value::from_string(b.iter().map(|c| *c as char).collect()))
        }
        other => Err(PyErr::new(
            ExcKind::LookupError,
            format!("unknown encoding: {other}"),
        )),
    }
}

fn bytes_hex(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let b = this(vm, args, "hex")?;
    no_kwargs("bytes.hex", kw)?;
    let sep = args.get(1).and_then(|v| v.as_str()).unwrap_or("");
    let parts: Vec<String> = b.iter().map(|c| format!("{c:02x}")).collect();
    Ok(Value::from_string(parts.join(sep)))
}

fn bytes_fromhex(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("fromhex", kw)?;
    // `bytes.fromhex(s)` or `b"".fromhex(s)`.
    let text = args
        .iter()
        .rev()
        .find_map(|v| v.as_str())
        .ok_or_else(|| PyErr::type_error("fromhex() argument must be str"))?;
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let hi = chars[i].to_digit(16);
        let lo = chars.get(i + 1).and_then(|c| c.to_digit(16));
        match (hi, lo) {
            (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
            (Some(_), None) => {
                return Err(PyErr::value_error(format!(
                    "non-hexadecimal number found in fromhex() arg at position {}",
                    i + 1
                )))
            }
            _ => {
                return Err(PyErr::value_error(format!(
                    "non-hexadecimal number found in fromhex() arg at position {i}"
                )))
            }
        }
        i += 2;
    }
    let _ = vm;
    Ok(Value::bytes(out))
}

fn bytes_split(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let b = this(vm, args, "split")?;
    let a = bind("split", &args[1..], kw, &["sep", "maxsplit"])?;
    let maxsplit = match a[1] {
        Some(v) => {
            let n = index_arg(vm, v)?;
            if n < 0 {
                usize::MAX
            } else {
                n as usize
            }
        }
        None => usize::MAX,
    };
    let mut out = Vec::new();
    match a[0].filter(|v| !v.is_none()) {
        None => {
            let mut rest = b;
            loop {
                let start = rest
                    .iter()
                    .position(|c| !c.is_ascii_whitespace())
                    .unwrap_or(rest.len());
                rest = &rest[start..];
                if rest.is_empty() {
                    break;
                }
                if out.len() == maxsplit {
                    out.push(rest.to_vec());
                    break;
                }
                let end = rest
                    .iter()
                    .position(|c| c.is_ascii_whitespace())
                    .unwrap_or(rest.len());
                out.push(rest[..end].to_vec());
                rest = &rest[end..];
            }
        }
        Some(sep) => {
            let sep = bytes_arg(vm, sep)?;
            if sep.is_empty() {
                return Err(PyErr::value_error("empty separator"));
            }
            let mut rest = b;
            while let Some(i) = find_sub(rest, sep) {
                if out.len() == maxsplit {
                    break;
                }
                out.push(rest[..i].to_vec());
                rest = &rest[i + sep.len()..];
            }
            out.push(rest.to_vec());
        }
    }
    Ok(Value::list(out.into_iter().map(Value::bytes).collect()))
}

fn bytes_join(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let sep = this(vm, args, "join")?.to_vec();
    no_kwargs("bytes.join", kw)?;
    arity("join", args.len() - 1, 1, 1)?;
    let mut out = Vec::new();
    for (i, item) in vm.collect(&args[1])?.iter().enumerate() {
        let part = item.as_bytes().ok_or_else(|| {
            PyErr::type_error(format!(
                "sequence item {i}: expected a bytes-like object, {} found",
                vm.type_name(item)
            ))
        })?;
        if i > 0 {
            out.extend_from_slice(&sep);
        }
        out.extend_from_slice(part);
    }
    Ok(Value::bytes(out))
}

fn strip_impl(
    vm: &mut Vm,
    args: &[Value],
    kw: Kw,
    name: &str,
    left: bool,
    right: bool,
) -> PyResult<Value> {
    let b = this(vm, args, name)?;
    no_kwargs(format_args!("bytes.{name}"), kw)?;
    arity(name, args.len() - 1, 0, 1)?;
    let set: Option<&[u8]> = match args.get(1) {
        Some(v) if !v.is_none() => Some(bytes_arg(vm, v)?),
        _ => None,
    };
    let strip = |c: &u8| match set {
        Some(s) => s.contains(c),
        None => c.is_ascii_whitespace() || *c == 0x0b,
    };
    let mut start = 0;
    let mut end = b.len();
    if left {
        while start < end && strip(&b[start]) {
            start += 1;
        }
    }
    if right {
        while end > start && strip(&b[end - 1]) {
            end -= 1;
        }
    }
    Ok(Value::bytes(b[start..end].to_vec()))
}

fn bytes_strip(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    strip_impl(vm, args, kw, "strip", true, true)
}
fn bytes_lstrip(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    strip_impl(vm, args, kw, "lstrip", true, false)
}
fn bytes_rstrip(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    strip_impl(vm, args, kw, "rstrip", false, true)
}

fn bytes_replace(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let b = this(vm, args, "replace")?;
    no_kwargs("bytes.replace", kw)?;
    arity("replace", args.len() - 1, 2, 3)?;
    let old = bytes_arg(vm, &args[1])?;
    let new = bytes_arg(vm, &args[2])?;
    let count = match args.get(3) {
        Some(v) => index_arg(vm, v)?,
        None => -1,
    };
    let mut limit = if count < 0 {
        usize::MAX
    } else {
        count as usize
    };
    let mut out = Vec::with_capacity(b.len());
    let mut rest = b;
    if old.is_empty() {
        for byte in b {
            if limit > 0 {
                out.extend_from_slice(new);
                limit -= 1;
            }
            out.push(*byte);
        }
        if limit > 0 {
            out.extend_from_slice(new);
        }
        return Ok(Value::bytes(out));
    }
    while limit > 0 {
        let Some(i) = find_sub(rest, old) else { break };
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(new);
        rest = &rest[i + old.len()..];
        limit -= 1;
    }
    out.extend_from_slice(rest);
    Ok(Value::bytes(out))
}

fn affix(vm: &mut Vm, args: &[Value], kw: Kw, name: &str, at_end: bool) -> PyResult<Value> {
    let b = this(vm, args, name)?;
    no_kwargs(format_args!("bytes.{name}"), kw)?;
    arity(name, args.len() - 1, 1, 3)?;
    let (s, e) = slice_bounds(
        b.len(),
        opt_index(vm, args.get(2))?,
        opt_index(vm, args.get(3))?,
    );
    let hay = if s <= e { &b[s..e] } else { &b[0..0] };
    let test = |p: &[u8]| {
        if at_end {
            hay.ends_with(p)
        } else {
            hay.starts_with(p)
        }
    };
    if let Some(items) = args[1].as_tuple() {
        for item in items {
            if test(bytes_arg(vm, item)?) {
                return Ok(Value::bool(true));
            }
        }
        return Ok(Value::bool(false));
    }
    let p = args[1].as_bytes().ok_or_else(|| {
        PyErr::type_error(format!(
            "{name} first arg must be bytes or a tuple of bytes, not {}",
            vm.type_name(&args[1])
        ))
    })?;
    Ok(Value::bool(test(p)))
}

fn bytes_startswith(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    affix(vm, args, kw, "startswith", false)
}
fn bytes_endswith(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    affix(vm, args, kw, "endswith", true)
}

fn needle(vm: &Vm, v: &Value) -> PyResult<Vec<u8>> {
    if let Some(i) = crate::int::as_i64(v) {
        return u8::try_from(i)
            .map(|b| vec![b])
            .map_err(|_| PyErr::value_error("byte must be in range(0, 256)"));
    }
    bytes_arg(vm, v).map(<[u8]>::to_vec)
}

fn search(vm: &mut Vm, args: &[Value], name: &str) -> PyResult<Option<usize>> {
    let b = this(vm, args, name)?;
    arity(name, args.len() - 1, 1, 3)?;
    let sub = needle(vm, &args[1])?;
    let (s, e) = slice_bounds(
        b.len(),
        opt_index(vm, args.get(2))?,
        opt_index(vm, args.get(3))?,
    );
    if s > e || s > b.len() {
        return Ok(None);
    }
    Ok(find_sub(&b[s..e], &sub).map(|i| i + s))
}

fn bytes_find(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("bytes.find", kw)?;
    Ok(Value::int(
        search(vm, args, "find")?.map_or(-1, |i| i as i64),
    ))
}

fn bytes_index(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("bytes.index", kw)?;
    search(vm, args, "index")?
        .map(|i| Value::int(i as i64))
        .ok_or_else(|| PyErr::value_error("subsection not found"))
}

fn bytes_count(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let b = this(vm, args, "count")?;
    no_kwargs("bytes.count", kw)?;
    arity("count", args.len() - 1, 1, 3)?;
    let sub = needle(vm, &args[1])?;
    let (s, e) = slice_bounds(
        b.len(),
        opt_index(vm, args.get(2))?,
        opt_index(vm, args.get(3))?,
    );
    let hay = if s <= e { &b[s..e] } else { &b[0..0] };
    if sub.is_empty() {
        return Ok(Value::int(hay.len() as i64 + 1));
    }
    let mut n = 0;
    let mut rest = hay;
    while let Some(i) = find_sub(rest, &sub) {
        n += 1;
        rest = &rest[i + sub.len()..];
    }
    Ok(Value::int(n))
}

fn bytes_upper(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let b = this(vm, args, "upper")?;
    no_kwargs("bytes.upper", kw)?;
    Ok(Value::bytes(b.to_ascii_uppercase()))
}

fn bytes_lower(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let b = this(vm, args, "lower")?;
    no_kwargs("bytes.lower", kw)?;
    Ok(Value::bytes(b.to_ascii_lowercase()))
}

fn partition_impl(
    vm: &mut Vm,
    args: &[Value],
    kw: Kw,
    name: &str,
    reverse: bool,
) -> PyResult<Value> {
    let b = this(vm, args, name)?;
    no_kwargs(format_args!("bytes.{name}"), kw)?;
    arity(name, args.len() - 1, 1, 1)?;
    let sep = bytes_arg(vm, &args[1])?;
    if sep.is_empty() {
        return Err(PyErr::value_error("empty separator"));
    }
    let found = if reverse {
        b.windows(sep.len()).rposition(|w| w == sep)
    } else {
        find_sub(b, sep)
    };
    let parts: [&[u8]; 3] = match found {
        Some(i) => [&b[..i], sep, &b[i + sep.len()..]],
        None if reverse => [&[], &[], b],
        None => [b, &[], &[]],
    };
    Ok(Value::tuple(
        parts.iter().map(|p| Value::bytes(p.to_vec())).collect(),
    ))
}

fn bytes_partition(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    partition_impl(vm, args, kw, "partition", false)
}

fn bytes_rpartition(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    partition_impl(vm, args, kw, "rpartition", true)
}
