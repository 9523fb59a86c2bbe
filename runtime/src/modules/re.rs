//! The `re` module: the natives the Python half (`re_prelude.rs`) calls,
//! bridging to the matching core (`re_engine.rs`). Patterns travel as
//! `(pattern str, flags)`, looked up in the per-isolate cache; spans
//! travel as flat tuples of code-point offsets.

use crate::dict::Dict;
use crate::error::{ExcKind, PyErr, PyResult};
use crate::native::check_args;
use crate::object::{ModuleObj, Payload};
use crate::value::Value;
use crate::vm::Vm;

use super::re_engine::{
    byte_of_char, compile, find, find_all, plan, purge, CharIndex, Compiled, Mode, Spans,
};
use super::re_prelude::PRELUDE;
use super::re_syntax::{self, Info, ReError, ReKind};

type Kw<'a> = &'a [(Value, Value)];

/// The file name tracebacks show for frames of the Python half.
pub const PRELUDE_FILENAME: &str = "<re>";

/// Builds the module on its first import.
pub fn re_init(vm: &mut Vm) -> PyResult<Value> {
    let code = kiln_compiler::compile(PRELUDE, PRELUDE_FILENAME)
        .map_err(|e| PyErr::new(ExcKind::SyntaxError, format!("re prelude: {}", e.message)))?;
    vm.sources.insert(PRELUDE_FILENAME.into(), PRELUDE.into());
    let mut globals = Dict::new();
    globals.set_name("__name__", Value::from_str("re"));
    let natives: [(&'static str, crate::native::NativeFn); 7] = [
        ("_compile_native", re_compile),
        ("_match", re_match),
        ("_scan", re_scan),
        ("_sub", re_sub),
        ("_escape", re_escape),
        ("_purge", re_purge),
        ("_template", re_template),
    ];
    for (name, f) in natives {
        globals.set_name(name, vm.native_value(name, f));
    }
    let globals = Value::dict(globals);
    let module = Value::new_heap(Payload::Module(ModuleObj {
        name: "re".into(),
        dict: globals.clone(),
    }));
    vm.modules.insert("re".into(), module.clone());
    if let Err(e) = vm.run_module_code(&code, globals) {
        vm.modules.remove("re");
        return Err(e);
    }
    Ok(module)
}

/// A `re.error(msg, pattern, pos)` (the class the Python half defines).
fn re_error(vm: &mut Vm, e: ReError, pattern: &str) -> PyErr {
    match e.kind {
        ReKind::Overflow => return PyErr::overflow(e.msg),
        ReKind::Value => return PyErr::value_error(e.msg),
        ReKind::Error => {}
    }
    let dict = vm.modules.get("re").and_then(|m| match m.payload() {
        Some(Payload::Module(m)) => Some(m.dict.clone()),
        _ => None,
    });
    let class = match dict {
        Some(d) => vm.dict_get(&d, &Value::from_str("error")).ok().flatten(),
        None => None,
    };
    let Some(class) = class else {
        return PyErr::value_error(e.msg);
    };
    let pos = e.pos.map_or(Value::none(), |p| Value::int(p as i64));
    let args = [Value::from_string(e.msg), Value::from_str(pattern), pos];
    match vm.call(&class, &args) {
        Ok(exc) => PyErr::from_object(exc),
        Err(err) => err,
    }
}

fn pattern_arg(v: &Value) -> PyResult<&str> {
    match v.as_str() {
        Some(s) => Ok(s),
        None if v.as_bytes().is_some() => Err(PyErr::type_error(
            "bytes patterns are not supported by Kiln's re (str patterns only)",
        )),
        None => Err(PyErr::type_error(
            "first argument must be string or compiled pattern",
        )),
    }
}

fn int_arg(vm: &Vm, v: &Value, what: &str) -> PyResult<i64> {
    crate::int::as_i64(v).ok_or_else(|| {
        PyErr::type_error(format!(
            "{what} must be an integer, not {}",
            vm.type_name(v)
        ))
    })
}

/// The compiled pattern of `args[0]`, `args[1]` (pattern, flags).
fn compiled(vm: &mut Vm, args: &[Value]) -> PyResult<std::rc::Rc<Compiled>> {
    let pattern = pattern_arg(&args[0])?;
    let flags = int_arg(vm, &args[1], "flags")?;
    let flags = u32::try_from(flags).map_err(|_| PyErr::value_error("invalid flags"))?;
    // CPython checks these before parsing, as ValueError.
    if flags & re_syntax::LOCALE != 0 {
        return Err(PyErr::value_error(
            "cannot use LOCALE flag with a str pattern",
        ));
    }
    if flags & re_syntax::ASCII != 0 && flags & re_syntax::UNICODE != 0 {
        return Err(PyErr::value_error(
            "ASCII and UNICODE flags are incompatible",
        ));
    }
    compile(pattern, flags).map_err(|e| {
        let pattern = pattern.to_string();
        re_error(vm, e, &pattern)
    })
}

/// `_compile_native(pattern, flags)` → `(flags, groups, {name: index})`.
fn re_compile(vm: &mut Vm, args: &[Value], _kw: Kw) -> PyResult<Value> {
    check_args("_compile", args, 2, 2)?;
    let c = compiled(vm, args)?;
    let index = Value::dict(Dict::new());
    for (name, i) in &c.info.names {
        vm.dict_set(&index, Value::from_str(name), Value::int(*i as i64))?;
    }
    Ok(Value::tuple(vec![
        Value::int(c.info.flags as i64),
        Value::int(c.info.groups as i64),
        index,
    ]))
}

/// The text to search and the byte range `pos..endpos` (code points in).
struct Subject<'a> {
    s: &'a str,
    ascii: bool,
    start: usize,
    end: usize,
}

fn subject<'a>(vm: &Vm, v: &'a Value, pos: &Value, endpos: &Value) -> PyResult<Subject<'a>> {
    let Some(obj) = v.as_str_obj() else {
        return Err(if v.as_bytes().is_some() {
            PyErr::type_error("cannot use a string pattern on a bytes-like object")
        } else {
            PyErr::type_error(format!(
                "expected string or bytes-like object, got '{}'",
                vm.type_name(v)
            ))
        });
    };
    let s = obj.s.as_str();
    let ascii = obj.chars == s.len();
    let clamp = |v: &Value, default: usize| -> PyResult<usize> {
        if v.is_none() {
            return Ok(default);
        }
        let i = int_arg(vm, v, "pos")?;
        Ok(i.clamp(0, obj.chars as i64) as usize)
    };
    let pos = clamp(pos, 0)?;
    let endpos = clamp(endpos, obj.chars)?;
    Ok(Subject {
        s,
        ascii,
        start: byte_of_char(s, ascii, pos),
        end: byte_of_char(s, ascii, endpos),
    })
}

/// The group that closed last, as CPython's `lastindex`: the largest end;
/// at equal ends an enclosing group closes after the groups inside it,
/// and of two unrelated groups the later one closes last.
fn last_index(info: &Info, spans: &Spans) -> Option<usize> {
    let inside = |inner: usize, outer: usize| {
        let mut g = inner;
        while g != 0 {
            g = info.parents.get(g).copied().unwrap_or(0);
            if g == outer {
                return true;
            }
        }
        false
    };
    let mut best: Option<(usize, usize)> = None;
    for (g, span) in spans.iter().enumerate().skip(1) {
        let Some((_, end)) = *span else { continue };
        best = match best {
            None => Some((g, end)),
            Some((b, bend)) => {
                if end > bend || (end == bend && !inside(g, b)) {
                    Some((g, end))
                } else {
                    Some((b, bend))
                }
            }
        };
    }
    best.map(|(g, _)| g)
}

/// `(lastindex, start0, end0, start1, end1, ...)` in code points.
fn spans_value(info: &Info, spans: &Spans, ix: &mut CharIndex) -> Value {
    let mut items = Vec::with_capacity(1 + spans.len() * 2);
    items.push(last_index(info, spans).map_or(Value::none(), |g| Value::int(g as i64)));
    for span in spans {
        match *span {
            Some((a, b)) => {
                items.push(Value::int(ix.to_char(a) as i64));
                items.push(Value::int(ix.to_char(b) as i64));
            }
            None => {
                items.push(Value::int(-1));
                items.push(Value::int(-1));
            }
        }
    }
    Value::tuple(items)
}

/// `_match(pattern, flags, string, pos, endpos, mode)`: mode 0 match,
/// 1 search, 2 fullmatch; None or the spans tuple.
fn re_match(vm: &mut Vm, args: &[Value], _kw: Kw) -> PyResult<Value> {
    check_args("_match", args, 6, 6)?;
    let c = compiled(vm, args)?;
    let sub = subject(vm, &args[2], &args[3], &args[4])?;
    let mode = match crate::int::as_i64(&args[5]) {
        Some(0) => Mode::Match,
        Some(1) => Mode::Search,
        _ => Mode::Full,
    };
    // "If endpos is less than pos, no match will be found" (CPython's
    // docs; its engine still finds empty matches for a few patterns).
    if sub.start > sub.end {
        return Ok(Value::none());
    }
    let hay = &sub.s[..sub.end];
    let found = find(&c, hay, plan(&c, hay), sub.start, mode);
    match found {
        Ok(None) => Ok(Value::none()),
        Ok(Some(spans)) => Ok(spans_value(
            &c.info,
            &spans,
            &mut CharIndex::new(sub.s, sub.ascii),
        )),
        Err(e) => {
            let pattern = args[0].as_str().unwrap_or("").to_string();
            Err(re_error(vm, e, &pattern))
        }
    }
}

fn all_matches(
    vm: &mut Vm,
    c: &Compiled,
    pattern: &Value,
    sub: &Subject,
    limit: usize,
) -> PyResult<Vec<Spans>> {
    if sub.start > sub.end {
        return Ok(Vec::new());
    }
    find_all(c, &sub.s[..sub.end], sub.start, limit).map_err(|e| {
        let pattern = pattern.as_str().unwrap_or("").to_string();
        re_error(vm, e, &pattern)
    })
}

fn count_arg(vm: &Vm, v: &Value) -> PyResult<usize> {
    Ok(int_arg(vm, v, "count")?.max(0) as usize)
}

/// `_scan(pattern, flags, string, pos, endpos, limit)`: the spans tuples
/// of every match (limit 0: all).
fn re_scan(vm: &mut Vm, args: &[Value], _kw: Kw) -> PyResult<Value> {
    check_args("_scan", args, 6, 6)?;
    let c = compiled(vm, args)?;
    let sub = subject(vm, &args[2], &args[3], &args[4])?;
    let limit = count_arg(vm, &args[5])?;
    let all = all_matches(vm, &c, &args[0], &sub, limit)?;
    let mut ix = CharIndex::new(sub.s, sub.ascii);
    Ok(Value::list(
        all.iter()
            .map(|s| spans_value(&c.info, s, &mut ix))
            .collect(),
    ))
}

/// A piece of a replacement template.
enum Piece {
    Text(String),
    Group(usize),
}

/// A template error: `re.error` or CPython's `IndexError` for an unknown
/// group name.
enum TemplateError {
    Re(ReError),
    Index(String),
}

fn terr<T>(msg: impl Into<String>, pos: usize) -> Result<T, TemplateError> {
    Err(TemplateError::Re(ReError {
        msg: msg.into(),
        pos: Some(pos),
        kind: ReKind::Error,
    }))
}

/// Parses a `re.sub` replacement as CPython's `parse_template` does.
fn parse_template(repl: &str, info: &Info) -> Result<Vec<Piece>, TemplateError> {
    let t: Vec<char> = repl.chars().collect();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let group = |index: usize, pos: usize| {
        if index > info.groups {
            terr(format!("invalid group reference {index}"), pos)
        } else {
            Ok(Piece::Group(index))
        }
    };
    while i < t.len() {
        let c = t[i];
        i += 1;
        if c != '\\' {
            text.push(c);
            continue;
        }
        let Some(&e) = t.get(i) else {
            return terr("bad escape (end of pattern)", i - 1);
        };
        i += 1;
        let piece = match e {
            'g' => {
                if t.get(i) != Some(&'<') {
                    return terr("missing <", i);
                }
                i += 1;
                let start = i;
                while i < t.len() && t[i] != '>' {
                    i += 1;
                }
                if i >= t.len() {
                    return terr("missing >, unterminated name", start);
                }
                let name: String = t[start..i].iter().collect();
                i += 1;
                if name.is_empty() {
                    return terr("missing group name", start);
                }
                if let Some((_, index)) = info.names.iter().find(|(n, _)| *n == name) {
                    group(*index, start)?
                } else if name.chars().all(|c| c.is_ascii_digit()) {
                    group(name.parse().unwrap_or(usize::MAX), start)?
                } else if name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                {
                    return Err(TemplateError::Index(format!("unknown group name '{name}'")));
                } else {
                    return terr(format!("bad character in group name '{name}'"), start);
                }
            }
            '0'..='9' => {
                let start = i - 1;
                let oct = |c: Option<&char>| c.is_some_and(|c| ('0'..='7').contains(c));
                let mut digits = e.to_string();
                if e == '0' {
                    for _ in 0..2 {
                        if oct(t.get(i)) {
                            digits.push(t[i]);
                            i += 1;
                        }
                    }
                    let v = u32::from_str_radix(&digits, 8).unwrap_or(0) & 0xff;
                    text.push(char::from_u32(v).unwrap_or('\0'));
                    continue;
                }
                if t.get(i).is_some_and(|c| c.is_ascii_digit()) {
                    digits.push(t[i]);
                    i += 1;
                    if oct(Some(&e)) && oct(digits.chars().nth(1).as_ref()) && oct(t.get(i)) {
                        digits.push(t[i]);
                        i += 1;
                        let v = u32::from_str_radix(&digits, 8).unwrap_or(0);
                        if v > 0o377 {
                            return terr(
                                format!("octal escape value \\{digits} outside of range 0-0o377"),
                                start - 1,
                            );
                        }
                        text.push(char::from_u32(v).unwrap_or('\0'));
                        continue;
                    }
                }
                group(digits.parse().unwrap_or(usize::MAX), start)?
            }
            _ => {
                let ch = match e {
                    'a' => '\x07',
                    'b' => '\x08',
                    'f' => '\x0c',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\x0b',
                    '\\' => '\\',
                    e if e.is_ascii_alphabetic() => {
                        return terr(format!("bad escape \\{e}"), i - 2)
                    }
                    e => {
                        text.push('\\');
                        e
                    }
                };
                text.push(ch);
                continue;
            }
        };
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(&mut text)));
        }
        out.push(piece);
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

fn template(vm: &mut Vm, repl: &str, info: &Info) -> PyResult<Vec<Piece>> {
    parse_template(repl, info).map_err(|e| match e {
        TemplateError::Re(e) => re_error(vm, e, repl),
        TemplateError::Index(msg) => PyErr::index_error(msg),
    })
}

/// `_template(pattern, flags, repl)`: the pieces of a replacement, str
/// for text and int for a group (for `Match.expand`).
fn re_template(vm: &mut Vm, args: &[Value], _kw: Kw) -> PyResult<Value> {
    check_args("_template", args, 3, 3)?;
    let c = compiled(vm, args)?;
    let repl = args[2].as_str().ok_or_else(|| {
        PyErr::type_error(format!(
            "expected str instance, {} found",
            vm.type_name(&args[2])
        ))
    })?;
    let pieces = template(vm, repl, &c.info)?;
    Ok(Value::list(
        pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) => Value::from_string(t),
                Piece::Group(g) => Value::int(g as i64),
            })
            .collect(),
    ))
}

/// `_sub(pattern, flags, repl, string, count)` → `(new, n)`, for a str
/// replacement.
fn re_sub(vm: &mut Vm, args: &[Value], _kw: Kw) -> PyResult<Value> {
    check_args("_sub", args, 5, 5)?;
    let c = compiled(vm, args)?;
    let repl = args[2]
        .as_str()
        .ok_or_else(|| PyErr::type_error("expected str instance"))?;
    let pieces = template(vm, repl, &c.info)?;
    let none = Value::none();
    let sub = subject(vm, &args[3], &none, &none)?;
    let limit = count_arg(vm, &args[4])?;
    let all = all_matches(vm, &c, &args[0], &sub, limit)?;
    let s = sub.s;
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for spans in &all {
        let Some((a, b)) = spans[0] else { continue };
        out.push_str(s.get(last..a).unwrap_or(""));
        for p in &pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(g) => {
                    if let Some(Some((x, y))) = spans.get(*g) {
                        out.push_str(s.get(*x..*y).unwrap_or(""));
                    }
                }
            }
        }
        last = b;
    }
    out.push_str(s.get(last..).unwrap_or(""));
    Ok(Value::tuple(vec![
        Value::from_string(out),
        Value::int(all.len() as i64),
    ]))
}

/// `_escape(s)`: CPython 3.7+'s `re.escape` for str.
fn re_escape(_vm: &mut Vm, args: &[Value], _kw: Kw) -> PyResult<Value> {
    check_args("escape", args, 1, 1)?;
    let s = args[0].as_str().ok_or_else(|| {
        if args[0].as_bytes().is_some() {
            PyErr::type_error("bytes patterns are not supported by Kiln's re (str patterns only)")
        } else {
            PyErr::type_error("expected str instance")
        }
    })?;
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\x0b\x0c".contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    Ok(Value::from_string(out))
}

fn re_purge(_vm: &mut Vm, args: &[Value], _kw: Kw) -> PyResult<Value> {
    check_args("purge", args, 0, 0)?;
    purge();
    Ok(Value::none())
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use crate::{Isolate, Options};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut v) = self.0.lock() {
                v.extend_from_slice(b);
            }
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn run(src: &'static str) -> String {
        let out = Sink::default();
        let sink = out.clone();
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || {
                let mut iso = Isolate::new(Options::default());
                iso.set_stdout(Box::new(sink));
                assert!(iso.run_source(src, "prog.py").is_ok());
            })
            .and_then(|h| h.join().map_err(|_| std::io::Error::other("panicked")))
            .expect("the script ran");
        let bytes = out.0.lock().map(|v| v.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// What the crate cannot run is a `re.error` naming it, never a wrong
    /// answer (CPython runs these, so they cannot be tests/lang programs).
    #[test]
    fn unsupported_features_raise_re_error() {
        let out = run(r#"
import re
for p, s in [("(?=a)", "a"), ("(?<!a)b", "b"), (r"(a)\1", "aa"), ("(?P<x>a)(?P=x)", "aa"),
             ("a++", "a"), ("(?>a)", "a"), (r"\N{DIGIT ONE}", "1"), ("a*?", "aa"),
             (r"x$\n", "a\nx\n")]:
    try:
        re.findall(p, s)
        print("ran", p)
    except re.error as e:
        print(type(e).__name__, isinstance(e, Exception), "Kiln's re" in str(e))
try:
    re.compile(b"a")
except TypeError as e:
    print("TypeError", "bytes" in str(e))
"#);
        let want = "error True True\n".repeat(9) + "TypeError True\n";
        assert_eq!(out, want);
    }
}
