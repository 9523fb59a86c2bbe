//! Methods of `str`: splitting, joining, stripping, searching, case
//! mapping, predicates, padding, partitioning, `format`, `encode` and
//! friends, with CPython's results and error messages.

use crate::error::{PyErr, PyResult};
use crate::native::Registry;
use std::cell::Cell;

use crate::object::{Payload, StrObj, TypeId};
use crate::text::case_tables::{casefold, push_titlecase};
use crate::value::Value;
use crate::vm::Vm;

use super::args::{arity, bind, index_arg, no_kwargs, opt_index, receiver, slice_bounds, str_arg};

type Kw<'a> = &'a [(Value, Value)];

pub fn register(r: &mut Registry) {
    let methods: &[(&'static str, crate::native::NativeFn)] = &[
        ("split", str_split),
        ("rsplit", str_rsplit),
        ("splitlines", str_splitlines),
        ("join", str_join),
        ("strip", str_strip),
        ("lstrip", str_lstrip),
        ("rstrip", str_rstrip),
        ("replace", str_replace),
        ("find", str_find),
        ("rfind", str_rfind),
        ("index", str_index),
        ("rindex", str_rindex),
        ("count", str_count),
        ("startswith", str_startswith),
        ("endswith", str_endswith),
        ("upper", str_upper),
        ("lower", str_lower),
        ("title", str_title),
        ("capitalize", str_capitalize),
        ("swapcase", str_swapcase),
        ("casefold", str_casefold),
        ("isdigit", str_isdigit),
        ("isalpha", str_isalpha),
        ("isalnum", str_isalnum),
        ("isspace", str_isspace),
        ("isupper", str_isupper),
        ("islower", str_islower),
        ("isidentifier", str_isidentifier),
        ("isnumeric", str_isnumeric),
        ("isdecimal", str_isdecimal),
        ("istitle", str_istitle),
        ("isascii", str_isascii),
        ("isprintable", str_isprintable),
        ("center", str_center),
        ("ljust", str_ljust),
        ("rjust", str_rjust),
        ("zfill", str_zfill),
        ("partition", str_partition),
        ("rpartition", str_rpartition),
        ("format", str_format_method),
        ("encode", str_encode),
        ("expandtabs", str_expandtabs),
        ("removeprefix", str_removeprefix),
        ("removesuffix", str_removesuffix),
        ("translate", str_translate),
        ("maketrans", str_maketrans),
    ];
    for (name, f) in methods {
        r.method(TypeId::Str, name, *f);
    }
}

fn this<'a>(vm: &Vm, args: &'a [Value], name: &str) -> PyResult<&'a str> {
    let v = receiver(vm, args, TypeId::Str, name)?;
    v.as_str().ok_or_else(|| {
        PyErr::type_error(format!(
            "descriptor '{name}' for 'str' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        ))
    })
}

fn rest(args: &[Value]) -> &[Value] {
    args.get(1..).unwrap_or(&[])
}

fn strs(items: Vec<String>) -> Value {
    Value::list(items.into_iter().map(Value::from_string).collect())
}

/// Python's `str.isspace` for one character.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn sep_arg<'a>(vm: &Vm, v: Option<&'a Value>) -> PyResult<Option<&'a str>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => {
            let s = v.as_str().ok_or_else(|| {
                PyErr::type_error(format!("must be str or None, not {}", vm.type_name(v)))
            })?;
            if s.is_empty() {
                return Err(PyErr::value_error("empty separator"));
            }
            Ok(Some(s))
        }
    }
}

fn maxsplit_arg(vm: &Vm, v: Option<&Value>) -> PyResult<usize> {
    match v {
        None => Ok(usize::MAX),
        Some(v) => {
            let n = index_arg(vm, v)?;
            Ok(if n < 0 { usize::MAX } else { n as usize })
        }
    }
}

/// A new str holding a copy of `text`, a piece of a str whose text is
/// ASCII when `ascii` is set (so its char count is its length): the
/// splitting methods make many small strs and should not scan each twice.
#[inline]
fn piece(text: &str, ascii: bool) -> Value {
    let chars = if ascii {
        text.len()
    } else {
        text.chars().count()
    };
    Value::new_heap(Payload::Str(StrObj {
        s: text.to_owned(),
        chars,
        hash: Cell::new(0),
    }))
}

/// The receiver of a str method as its object (text, cached char count).
fn this_obj<'a>(vm: &Vm, args: &'a [Value], name: &str) -> PyResult<&'a StrObj> {
    let v = receiver(vm, args, TypeId::Str, name)?;
    v.as_str_obj().ok_or_else(|| {
        PyErr::type_error(format!(
            "descriptor '{name}' for 'str' objects doesn't apply to a '{}' object",
            vm.type_name(v)
        ))
    })
}

/// Python's whitespace among ASCII bytes (`str.isspace`): \t \n \v \f \r,
/// space, and the separators \x1c-\x1f.
#[inline]
fn ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ' | 0x1c..=0x1f)
}

fn whitespace_split(s: &str, ascii: bool, maxsplit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    if ascii {
        let b = s.as_bytes();
        let mut i = 0;
        loop {
            while i < b.len() && ascii_space(b[i]) {
                i += 1;
            }
            if i == b.len() {
                break;
            }
            if out.len() == maxsplit {
                out.push(piece(&s[i..], true));
                break;
            }
            let start = i;
            while i < b.len() && !ascii_space(b[i]) {
                i += 1;
            }
            out.push(piece(&s[start..i], true));
        }
        return out;
    }
    let mut rest = s.trim_start_matches(py_isspace);
    while !rest.is_empty() {
        if out.len() == maxsplit {
            out.push(piece(rest, false));
            return out;
        }
        let end = rest.find(py_isspace).unwrap_or(rest.len());
        out.push(piece(&rest[..end], false));
        rest = rest[end..].trim_start_matches(py_isspace);
    }
    out
}

fn whitespace_rsplit(s: &str, ascii: bool, maxsplit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = s.trim_end_matches(py_isspace);
    while !rest.is_empty() {
        if out.len() == maxsplit {
            out.push(piece(rest, ascii));
            break;
        }
        let start = rest
            .char_indices()
            .rev()
            .find(|(_, c)| py_isspace(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        out.push(piece(&rest[start..], ascii));
        rest = rest[..start].trim_end_matches(py_isspace);
    }
    out.reverse();
    out
}

/// `s.split(sep, maxsplit)` for a non-empty `sep`.
fn split_on(s: &str, ascii: bool, sep: &str, maxsplit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut start = 0;
    if maxsplit > 0 {
        match sep.as_bytes() {
            // An ASCII byte never occurs inside a multi-byte UTF-8
            // sequence, so every match is a char boundary.
            [b] if b.is_ascii() => {
                for (i, c) in s.bytes().enumerate() {
                    if c == *b {
                        out.push(piece(&s[start..i], ascii));
                        start = i + 1;
                        if out.len() == maxsplit {
                            break;
                        }
                    }
                }
            }
            _ => {
                for (i, _) in s.match_indices(sep) {
                    out.push(piece(&s[start..i], ascii));
                    start = i + sep.len();
                    if out.len() == maxsplit {
                        break;
                    }
                }
            }
        }
    }
    out.push(piece(&s[start..], ascii));
    out
}

fn str_split(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let so = this_obj(vm, args, "split")?;
    let a = bind("split", rest(args), kw, &["sep", "maxsplit"])?;
    let maxsplit = maxsplit_arg(vm, a[1])?;
    let (s, ascii) = (so.s.as_str(), so.is_ascii());
    Ok(Value::list(match sep_arg(vm, a[0])? {
        None => whitespace_split(s, ascii, maxsplit),
        Some(sep) => split_on(s, ascii, sep, maxsplit),
    }))
}

fn str_rsplit(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let so = this_obj(vm, args, "rsplit")?;
    let a = bind("rsplit", rest(args), kw, &["sep", "maxsplit"])?;
    let maxsplit = maxsplit_arg(vm, a[1])?;
    let (s, ascii) = (so.s.as_str(), so.is_ascii());
    Ok(Value::list(match sep_arg(vm, a[0])? {
        None => whitespace_rsplit(s, ascii, maxsplit),
        Some(sep) => {
            let mut out = Vec::new();
            let mut rest = s;
            while let Some(i) = rest.rfind(sep) {
                if out.len() == maxsplit {
                    break;
                }
                out.push(piece(&rest[i + sep.len()..], ascii));
                rest = &rest[..i];
            }
            out.push(piece(rest, ascii));
            out.reverse();
            out
        }
    }))
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{b}'
            | '\u{c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

fn str_splitlines(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "splitlines")?;
    let a = bind("splitlines", rest(args), kw, &["keepends"])?;
    let keepends = match a[0] {
        Some(v) => crate::ops::truthy(vm, v)?,
        None => false,
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if !is_line_break(c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        if c == '\r' {
            if let Some((_, '\n')) = iter.peek() {
                iter.next();
                end += 1;
            }
        }
        out.push(
            if keepends {
                &s[start..end]
            } else {
                &s[start..i]
            }
            .to_string(),
        );
        start = end;
    }
    if start < s.len() {
        out.push(s[start..].to_string());
    }
    Ok(strs(out))
}

fn str_join(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let sep = this_obj(vm, args, "join")?;
    no_kwargs("str.join", kw)?;
    arity("str.join", rest(args).len(), 1, 1)?;
    // A list or tuple is joined in place (`PySequence_Fast` does not copy
    // them either): one pass sizes the result, one fills it.
    match args[1].payload() {
        Some(Payload::List(l)) => {
            if let Ok(items) = l.try_borrow() {
                return join_strs(vm, sep, &items);
            }
        }
        Some(Payload::Tuple(items)) => return join_strs(vm, sep, items),
        _ => {}
    }
    // `PySequence_Fast`: only a failure to get an iterator is reworded.
    let iter = match vm.iter(&args[1]) {
        Ok(it) => it,
        Err(e) if vm.err_matches(&e, crate::error::ExcKind::TypeError) => {
            return Err(PyErr::type_error("can only join an iterable"))
        }
        Err(e) => return Err(e),
    };
    let items = vm.collect(&iter)?;
    join_strs(vm, sep, &items)
}

/// `sep.join(items)` once the items are in hand.
fn join_strs(vm: &Vm, sep: &StrObj, items: &[Value]) -> PyResult<Value> {
    let mut bytes = sep.s.len() * items.len().saturating_sub(1);
    let mut chars = sep.chars * items.len().saturating_sub(1);
    for (i, item) in items.iter().enumerate() {
        let Some(t) = item.as_str_obj() else {
            return Err(PyErr::type_error(format!(
                "sequence item {i}: expected str instance, {} found",
                vm.type_name(item)
            )));
        };
        bytes += t.s.len();
        chars += t.chars;
    }
    let mut out = String::with_capacity(bytes);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep.s);
        }
        if let Some(t) = item.as_str_obj() {
            out.push_str(&t.s);
        }
    }
    Ok(Value::new_heap(Payload::Str(StrObj {
        s: out,
        chars,
        hash: Cell::new(0),
    })))
}

fn strip_impl(
    vm: &mut Vm,
    args: &[Value],
    kw: Kw,
    name: &str,
    left: bool,
    right: bool,
) -> PyResult<Value> {
    let so = this_obj(vm, args, name)?;
    let s = so.s.as_str();
    no_kwargs(format_args!("str.{name}"), kw)?;
    arity(name, rest(args).len(), 0, 1)?;
    let chars = match args.get(1) {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => Some(
            v.as_str()
                .ok_or_else(|| PyErr::type_error(format!("{name} arg must be None or str")))?,
        ),
    };
    let matcher = |c: char| match chars {
        None => py_isspace(c),
        Some(set) => set.contains(c),
    };
    let mut out = s;
    if left {
        out = out.trim_start_matches(matcher);
    }
    if right {
        out = out.trim_end_matches(matcher);
    }
    // Nothing stripped: the str itself, as CPython returns it.
    if out.len() == s.len() {
        return Ok(args[0].clone());
    }
    Ok(piece(out, so.is_ascii()))
}

fn str_strip(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    strip_impl(vm, args, kw, "strip", true, true)
}
fn str_lstrip(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    strip_impl(vm, args, kw, "lstrip", true, false)
}
fn str_rstrip(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    strip_impl(vm, args, kw, "rstrip", false, true)
}

fn str_replace(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let so = this_obj(vm, args, "replace")?;
    let s = so.s.as_str();
    let a = bind("replace", rest(args), kw, &["old", "new", "count"])?;
    let (Some(old), Some(new)) = (a[0], a[1]) else {
        return arity("replace", rest(args).len(), 2, 3).map(|_| Value::none());
    };
    let old = str_arg(vm, old, "replace() argument 1 ")?;
    let new = str_arg(vm, new, "replace() argument 2 ")?;
    let count = match a[2] {
        Some(v) => index_arg(vm, v)?,
        None => -1,
    };
    let limit = if count < 0 {
        usize::MAX
    } else {
        count as usize
    };
    // Nothing to replace: the str itself, as CPython returns it.
    if limit == 0 {
        return Ok(args[0].clone());
    }
    if old.is_empty() {
        let mut out = String::new();
        let mut done = 0;
        for c in s.chars() {
            if done < limit {
                out.push_str(new);
                done += 1;
            }
            out.push(c);
        }
        if done < limit {
            out.push_str(new);
        }
        return Ok(Value::from_string(out));
    }
    let mut out = String::new();
    let mut last = 0;
    let mut done = 0;
    for (i, _) in s.match_indices(old) {
        if done == limit {
            break;
        }
        if done == 0 {
            out.reserve(s.len());
        }
        out.push_str(&s[last..i]);
        out.push_str(new);
        last = i + old.len();
        done += 1;
    }
    if done == 0 {
        return Ok(args[0].clone());
    }
    out.push_str(&s[last..]);
    Ok(Value::from_string(out))
}

/// Byte offset of char index `ci` (clamped to the end).
fn byte_of(s: &str, ci: usize) -> usize {
    s.char_indices().nth(ci).map_or(s.len(), |(b, _)| b)
}

fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// The `[start:end]` window of `s` for find-style methods: byte range and
/// char offset of its start; `None` when start > len (nothing matches).
fn window(
    vm: &Vm,
    so: &StrObj,
    start: Option<&Value>,
    end: Option<&Value>,
) -> PyResult<Option<(usize, usize, usize)>> {
    let s = so.s.as_str();
    // No bounds (the usual `s.find(x)`): the whole text, without counting
    // its chars.
    if start.is_none_or(Value::is_none) && end.is_none_or(Value::is_none) {
        return Ok(Some((0, s.len(), 0)));
    }
    let len = so.chars;
    let raw_start = opt_index(vm, start)?;
    let (cs, ce) = slice_bounds(len, raw_start, opt_index(vm, end)?);
    // CPython: a start past the end, or an end before the start, matches
    // nothing — not even the empty string.
    if raw_start.is_some_and(|st| st > len as i64) || ce < cs {
        return Ok(None);
    }
    let (bs, be) = if so.is_ascii() {
        (cs, ce.max(cs))
    } else {
        (byte_of(s, cs), byte_of(s, ce.max(cs)))
    };
    Ok(Some((bs, be, cs)))
}

fn to_char_index(so: &StrObj, byte: usize) -> usize {
    if so.is_ascii() {
        byte
    } else {
        so.s[..byte].chars().count()
    }
}

fn find_impl(
    vm: &mut Vm,
    args: &[Value],
    kw: Kw,
    name: &str,
    reverse: bool,
) -> PyResult<Option<usize>> {
    let so = this_obj(vm, args, name)?;
    let s = so.s.as_str();
    no_kwargs(format_args!("str.{name}"), kw)?;
    let a = rest(args);
    arity(name, a.len(), 1, 3)?;
    let sub = str_arg(vm, &a[0], "")?;
    let Some((bs, be, _)) = window(vm, so, a.get(1), a.get(2))? else {
        return Ok(None);
    };
    if be < bs || (be - bs) < sub.len() {
        return Ok(if sub.is_empty() && be >= bs {
            Some(to_char_index(so, bs))
        } else {
            None
        });
    }
    let hay = &s[bs..be];
    let found = if reverse {
        hay.rfind(sub)
    } else {
        hay.find(sub)
    };
    Ok(found.map(|b| to_char_index(so, bs + b)))
}

fn found_value(f: Option<usize>) -> Value {
    f.map_or(Value::int(-1), |i| Value::int(i as i64))
}

fn str_find(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    find_impl(vm, args, kw, "find", false).map(found_value)
}
fn str_rfind(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    find_impl(vm, args, kw, "rfind", true).map(found_value)
}
fn str_index(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    find_impl(vm, args, kw, "index", false)?
        .map(|i| Value::int(i as i64))
        .ok_or_else(|| PyErr::value_error("substring not found"))
}
fn str_rindex(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    find_impl(vm, args, kw, "rindex", true)?
        .map(|i| Value::int(i as i64))
        .ok_or_else(|| PyErr::value_error("substring not found"))
}

fn str_count(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let so = this_obj(vm, args, "count")?;
    let s = so.s.as_str();
    no_kwargs("str.count", kw)?;
    let a = rest(args);
    arity("count", a.len(), 1, 3)?;
    let sub = str_arg(vm, &a[0], "")?;
    let Some((bs, be, _)) = window(vm, so, a.get(1), a.get(2))? else {
        return Ok(Value::int(0));
    };
    let hay = &s[bs..be.max(bs)];
    let n = if sub.is_empty() {
        char_count(hay) + 1
    } else {
        hay.matches(sub).count()
    };
    Ok(Value::int(n as i64))
}

fn affix_impl(vm: &mut Vm, args: &[Value], kw: Kw, name: &str, at_end: bool) -> PyResult<Value> {
    let so = this_obj(vm, args, name)?;
    let s = so.s.as_str();
    no_kwargs(format_args!("str.{name}"), kw)?;
    let a = rest(args);
    arity(name, a.len(), 1, 3)?;
    let Some((bs, be, _)) = window(vm, so, a.get(1), a.get(2))? else {
        return Ok(Value::bool(false));
    };
    let hay = &s[bs..be.max(bs)];
    let test = |p: &str| {
        if at_end {
            hay.ends_with(p)
        } else {
            hay.starts_with(p)
        }
    };
    if let Some(p) = a[0].as_str() {
        return Ok(Value::bool(test(p)));
    }
    if let Some(items) = a[0].as_tuple() {
        for item in items {
            let p = item.as_str().ok_or_else(|| {
                PyErr::type_error(format!(
                    "tuple for {name} must only contain str, not {}",
                    vm.type_name(item)
                ))
            })?;
            if test(p) {
                return Ok(Value::bool(true));
            }
        }
        return Ok(Value::bool(false));
    }
    Err(PyErr::type_error(format!(
        "{name} first arg must be str or a tuple of str, not {}",
        vm.type_name(&a[0])
    )))
}

fn str_startswith(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    affix_impl(vm, args, kw, "startswith", false)
}
fn str_endswith(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    affix_impl(vm, args, kw, "endswith", true)
}

fn no_arg_map(
    vm: &mut Vm,
    args: &[Value],
    kw: Kw,
    name: &str,
    f: fn(&str) -> String,
) -> PyResult<Value> {
    let s = this(vm, args, name)?;
    no_kwargs(format_args!("str.{name}"), kw)?;
    arity(format_args!("str.{name}"), rest(args).len(), 0, 0)?;
    Ok(Value::from_string(f(s)))
}

fn is_cased(c: char) -> bool {
    c.is_uppercase() || c.is_lowercase()
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            push_titlecase(&mut out, c);
        }
        prev_cased = is_cased(c);
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    let mut out = String::with_capacity(s.len());
    if let Some(first) = chars.next() {
        push_titlecase(&mut out, first);
    }
    out.extend(chars.flat_map(char::to_lowercase));
    out
}

fn swapcase(s: &str) -> String {
    s.chars()
        .flat_map(|c| -> Vec<char> {
            if c.is_uppercase() {
                c.to_lowercase().collect()
            } else if c.is_lowercase() {
                c.to_uppercase().collect()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// `upper`/`lower`: ASCII text maps byte by byte and keeps its length.
fn case_map(
    vm: &mut Vm,
    args: &[Value],
    kw: Kw,
    name: &str,
    f: fn(&str) -> String,
    ascii_f: fn(&str) -> String,
) -> PyResult<Value> {
    let so = this_obj(vm, args, name)?;
    if !so.is_ascii() {
        return no_arg_map(vm, args, kw, name, f);
    }
    no_kwargs(format_args!("str.{name}"), kw)?;
    arity(format_args!("str.{name}"), rest(args).len(), 0, 0)?;
    Ok(Value::new_heap(Payload::Str(StrObj {
        s: ascii_f(&so.s),
        chars: so.chars,
        hash: Cell::new(0),
    })))
}

fn str_upper(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    case_map(
        vm,
        args,
        kw,
        "upper",
        str::to_uppercase,
        str::to_ascii_uppercase,
    )
}
fn str_lower(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    case_map(
        vm,
        args,
        kw,
        "lower",
        str::to_lowercase,
        str::to_ascii_lowercase,
    )
}
fn str_casefold(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_arg_map(vm, args, kw, "casefold", casefold)
}
fn str_title(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_arg_map(vm, args, kw, "title", title_case)
}
fn str_capitalize(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_arg_map(vm, args, kw, "capitalize", capitalize)
}
fn str_swapcase(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_arg_map(vm, args, kw, "swapcase", swapcase)
}

fn predicate(
    vm: &mut Vm,
    args: &[Value],
    kw: Kw,
    name: &str,
    f: fn(&str) -> bool,
) -> PyResult<Value> {
    let s = this(vm, args, name)?;
    no_kwargs(format_args!("str.{name}"), kw)?;
    arity(format_args!("str.{name}"), rest(args).len(), 0, 0)?;
    Ok(Value::bool(f(s)))
}

fn all_nonempty(s: &str, f: fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(f)
}

fn is_decimal_char(c: char) -> bool {
    crate::text::digits::is_decimal(c)
}

fn is_digit_char(c: char) -> bool {
    crate::text::digits::is_digit(c)
}

fn str_isdigit(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isdigit", |s| all_nonempty(s, is_digit_char))
}
fn str_isdecimal(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isdecimal", |s| {
        all_nonempty(s, is_decimal_char)
    })
}
fn str_isnumeric(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isnumeric", |s| {
        all_nonempty(s, |c| is_digit_char(c) || c.is_numeric())
    })
}
fn str_isalpha(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isalpha", |s| {
        all_nonempty(s, char::is_alphabetic)
    })
}
fn str_isalnum(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isalnum", |s| {
        all_nonempty(s, |c| c.is_alphabetic() || c.is_numeric())
    })
}
fn str_isspace(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isspace", |s| all_nonempty(s, py_isspace))
}
fn str_isascii(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isascii", str::is_ascii)
}
fn str_isprintable(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isprintable", |s| {
        s.chars()
            .all(|c| !c.is_control() && (c == ' ' || !py_isspace(c)))
    })
}
fn str_isupper(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isupper", |s| {
        s.chars().any(is_cased) && !s.chars().any(char::is_lowercase)
    })
}
fn str_islower(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "islower", |s| {
        s.chars().any(is_cased) && !s.chars().any(char::is_uppercase)
    })
}
fn str_isidentifier(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "isidentifier", |s| {
        let mut chars = s.chars();
        match chars.next() {
            Some(c) if c == '_' || c.is_alphabetic() => {
                chars.all(|c| c == '_' || c.is_alphanumeric())
            }
            _ => false,
        }
    })
}
fn str_istitle(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    predicate(vm, args, kw, "istitle", |s| {
        let mut prev_cased = false;
        let mut any = false;
        for c in s.chars() {
            if c.is_uppercase() {
                if prev_cased {
                    return false;
                }
                prev_cased = true;
                any = true;
            } else if c.is_lowercase() {
                if !prev_cased {
                    return false;
                }
                prev_cased = true;
                any = true;
            } else {
                prev_cased = false;
            }
        }
        any
    })
}

fn fill_arg(vm: &Vm, v: Option<&Value>) -> PyResult<char> {
    match v {
        None => Ok(' '),
        Some(v) => {
            let s = v.as_str().ok_or_else(|| {
                PyErr::type_error(format!(
                    "The fill character must be a unicode character, not {}",
                    vm.type_name(v)
                ))
            })?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(PyErr::type_error(
                    "The fill character must be exactly one character long",
                )),
            }
        }
    }
}

fn pad_impl(vm: &mut Vm, args: &[Value], kw: Kw, name: &str) -> PyResult<Value> {
    let s = this(vm, args, name)?;
    no_kwargs(format_args!("str.{name}"), kw)?;
    let a = rest(args);
    arity(name, a.len(), 1, 2)?;
    let width = index_arg(vm, &a[0])?;
    let fill = fill_arg(vm, a.get(1))?;
    let len = char_count(s) as i64;
    if width <= len {
        return Ok(args[0].clone());
    }
    let marg = (width - len) as usize;
    let left = match name {
        "ljust" => 0,
        "rjust" => marg,
        _ => marg / 2 + (marg & (width as usize) & 1),
    };
    let mut out = String::with_capacity(s.len() + marg);
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(s);
    out.extend(std::iter::repeat_n(fill, marg - left));
    Ok(Value::from_string(out))
}

fn str_center(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    pad_impl(vm, args, kw, "center")
}
fn str_ljust(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    pad_impl(vm, args, kw, "ljust")
}
fn str_rjust(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    pad_impl(vm, args, kw, "rjust")
}

fn str_zfill(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "zfill")?;
    no_kwargs("str.zfill", kw)?;
    arity("str.zfill", rest(args).len(), 1, 1)?;
    let width = index_arg(vm, &args[1])?;
    let len = char_count(s) as i64;
    if width <= len {
        return Ok(args[0].clone());
    }
    let zeros = "0".repeat((width - len) as usize);
    let out = match s.chars().next() {
        Some(sign @ ('+' | '-')) => format!("{sign}{zeros}{}", &s[1..]),
        _ => format!("{zeros}{s}"),
    };
    Ok(Value::from_string(out))
}

fn partition_impl(
    vm: &mut Vm,
    args: &[Value],
    kw: Kw,
    name: &str,
    reverse: bool,
) -> PyResult<Value> {
    let s = this(vm, args, name)?;
    no_kwargs(format_args!("str.{name}"), kw)?;
    arity(format_args!("str.{name}"), rest(args).len(), 1, 1)?;
    let sep = str_arg(vm, &args[1], "")?;
    if sep.is_empty() {
        return Err(PyErr::value_error("empty separator"));
    }
    let found = if reverse { s.rfind(sep) } else { s.find(sep) };
    let parts = match found {
        Some(i) => [&s[..i], sep, &s[i + sep.len()..]],
        None if reverse => ["", "", s],
        None => [s, "", ""],
    };
    Ok(Value::tuple(
        parts.iter().map(|p| Value::from_str(p)).collect(),
    ))
}

fn str_partition(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    partition_impl(vm, args, kw, "partition", false)
}
fn str_rpartition(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    partition_impl(vm, args, kw, "rpartition", true)
}

fn str_format_method(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let template = this(vm, args, "format")?.to_string();
    let text = crate::builtins_lib::str_format_values(vm, &template, rest(args), kw)?;
    Ok(Value::from_string(text))
}

fn str_encode(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "encode")?;
    let a = bind("encode", rest(args), kw, &["encoding", "errors"])?;
    let encoding = match a[0] {
        Some(v) => str_arg(vm, v, "encode() argument 'encoding' ")?
            .to_ascii_lowercase()
            .replace('_', "-"),
        None => "utf-8".to_string(),
    };
    let errors = match a[1] {
        Some(v) => str_arg(vm, v, "encode() argument 'errors' ")?.to_string(),
        None => "strict".to_string(),
    };
    let limit: u32 = match encoding.as_str() {
        "utf-8" | "utf8" => return Ok(Value::bytes(s.as_bytes().to_vec())),
        "ascii" | "us-ascii" => 0x80,
        "latin-1" | "latin1" | "iso-8859-1" => 0x100,
        _ => {
            return Err(PyErr::new(
                crate::error::ExcKind::LookupError,
                format!("unknown encoding: {encoding}"),
            ))
        }
    };
    let codec = if limit == 0x80 { "ascii" } else { "latin-1" };
    let mut out = Vec::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        let code = c as u32;
        if code < limit {
            out.push(code as u8);
            continue;
        }
        match errors.as_str() {
            "ignore" => {}
            "replace" => out.push(b'?'),
            _ => {
                return Err(PyErr::new(
                    crate::error::ExcKind::UnicodeEncodeError,
                    format!(
                        "'{codec}' codec can't encode character '\\u{code:04x}' in position {i}: ordinal not in range({limit})"
                    ),
                ))
            }
        }
    }
    Ok(Value::bytes(out))
}

fn str_expandtabs(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "expandtabs")?;
    let a = bind("expandtabs", rest(args), kw, &["tabsize"])?;
    let tab = match a[0] {
        Some(v) => index_arg(vm, v)?,
        None => 8,
    };
    let mut out = String::new();
    let mut column: i64 = 0;
    for c in s.chars() {
        match c {
            '\t' => {
                if tab > 0 {
                    let spaces = tab - column % tab;
                    out.extend(std::iter::repeat_n(' ', spaces as usize));
                    column += spaces;
                }
            }
            '\n' | '\r' => {
                out.push(c);
                column = 0;
            }
            _ => {
                out.push(c);
                column += 1;
            }
        }
    }
    Ok(Value::from_string(out))
}

fn str_removeprefix(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "removeprefix")?;
    no_kwargs("str.removeprefix", kw)?;
    arity("str.removeprefix", rest(args).len(), 1, 1)?;
    let p = str_arg(vm, &args[1], "removeprefix() argument ")?;
    Ok(Value::from_str(s.strip_prefix(p).unwrap_or(s)))
}

fn str_removesuffix(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "removesuffix")?;
    no_kwargs("str.removesuffix", kw)?;
    arity("str.removesuffix", rest(args).len(), 1, 1)?;
    let p = str_arg(vm, &args[1], "removesuffix() argument ")?;
    Ok(Value::from_str(s.strip_suffix(p).unwrap_or(s)))
}

/// `str.maketrans(x[, y[, z]])`: a dict from code points to str/None.
fn str_maketrans(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    no_kwargs("maketrans", kw)?;
    // Called either as `str.maketrans(...)` (no receiver) or on an
    // instance (receiver first); tell them apart by shape.
    let a: &[Value] = match args.len() {
        2 if args[1].as_dict().is_some() => &args[1..],
        3 if char_count(args[0].as_str().unwrap_or(""))
            != char_count(args[1].as_str().unwrap_or("")) =>
        {
            &args[1..]
        }
        4 => &args[1..],
        _ => args,
    };
    let table = Value::dict(crate::dict::Dict::new());
    match a {
        [mapping] => {
            let pairs: Vec<(Value, Value)> = match mapping.as_dict() {
                Some(d) => d
                    .try_borrow()
                    .map_err(|_| PyErr::reentrant("dict"))?
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                None => {
                    return Err(PyErr::type_error(
                        "if you give only one argument to maketrans it must be a dict",
                    ))
                }
            };
            for (k, v) in pairs {
                let key = match k.as_str() {
                    Some(ks) => {
                        let mut cs = ks.chars();
                        match (cs.next(), cs.next()) {
                            (Some(c), None) => Value::int(c as i64),
                            _ => {
                                return Err(PyErr::value_error(
                                    "string keys in translate table must be of length 1",
                                ))
                            }
                        }
                    }
                    None => k,
                };
                vm.dict_set(&table, key, v)?;
            }
        }
        [x, y, more @ ..] => {
            let xs = str_arg(vm, x, "maketrans() argument 1 ")?;
            let ys = str_arg(vm, y, "maketrans() argument 2 ")?;
            if char_count(xs) != char_count(ys) {
                return Err(PyErr::value_error(
                    "the first two maketrans arguments must have equal length",
                ));
            }
            for (cx, cy) in xs.chars().zip(ys.chars()) {
                vm.dict_set(&table, Value::int(cx as i64), Value::int(cy as i64))?;
            }
            if let Some(z) = more.first() {
                for c in str_arg(vm, z, "maketrans() argument 3 ")?.chars() {
                    vm.dict_set(&table, Value::int(c as i64), Value::none())?;
                }
            }
        }
        _ => return Err(PyErr::type_error("maketrans() takes at least 1 argument")),
    }
    Ok(table)
}

fn str_translate(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let s = this(vm, args, "translate")?.to_string();
    no_kwargs("str.translate", kw)?;
    arity("str.translate", rest(args).len(), 1, 1)?;
    let table = &args[1];
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mapped = match table.as_dict() {
            Some(_) => vm.dict_get(table, &Value::int(c as i64))?,
            None => return Err(PyErr::unsupported("str.translate with a non-dict table")),
        };
        match mapped {
            None => out.push(c),
            Some(v) if v.is_none() => {}
            Some(v) => {
                if let Some(t) = v.as_str() {
                    out.push_str(t);
                } else if let Some(code) = crate::int::as_i64(&v) {
                    let ch = u32::try_from(code)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| {
                            PyErr::value_error("character mapping must be in range(0x110000)")
                        })?;
                    out.push(ch);
                } else {
                    return Err(PyErr::type_error(
                        "character mapping must return integer, None or str",
                    ));
                }
            }
        }
    }
    Ok(Value::from_string(out))
}
