//! Library builtins (`min`, `max`, `sum`, `sorted`, `reversed`,
//! `enumerate`, `zip`, `map`, `filter`, `any`, `all`, `round`, `divmod`,
//! `pow`, `hex`, `oct`, `bin`, `ord`, `chr`, `format`, `ascii`, `abs`) and
//! the formatting entry points the interpreter calls: `format(value, spec)`,
//! `str % args` and `str.format`.

use std::cell::RefCell;

use kiln_compiler::bytecode::{BinOp, CmpOp};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

use crate::error::{PyErr, PyResult};
use crate::int::{int_ref, IntRef};
use crate::methods::args::{arity, bind, text_int};
use crate::native::Registry;
use crate::object::{IterState, NativeIter, Payload};
use crate::text::format_spec::{format_float, format_int, format_str, parse_format_spec};
use crate::text::int_format::{int_to_prefixed, OwnedInt};
use crate::text::percent::{percent_format as render_percent, PercentArgs, PercentOperand};
use crate::text::str_format::{str_format, FormatSource, ItemKey};
use crate::value::Value;
use crate::vm::Vm;

type Kw<'a> = &'a [(Value, Value)];

pub fn register(r: &mut Registry) {
    r.builtin("min", builtin_min);
    r.builtin("max", builtin_max);
    r.builtin("sum", builtin_sum);
    r.builtin("sorted", builtin_sorted);
    r.builtin("reversed", builtin_reversed);
    r.builtin("enumerate", builtin_enumerate);
    r.builtin("zip", builtin_zip);
    r.builtin("map", builtin_map);
    r.builtin("filter", builtin_filter);
    r.builtin("any", builtin_any);
    r.builtin("all", builtin_all);
    r.builtin("round", builtin_round);
    r.builtin("divmod", builtin_divmod);
    r.builtin("pow", builtin_pow);
    r.builtin("hex", builtin_hex);
    r.builtin("oct", builtin_oct);
    r.builtin("bin", builtin_bin);
    r.builtin("ord", builtin_ord);
    r.builtin("chr", builtin_chr);
    r.builtin("format", builtin_format);
    r.builtin("ascii", builtin_ascii);
    r.builtin("abs", builtin_abs);
    r.builtin("vars", builtin_vars);
}

// ---- formatting entry points -------------------------------------------

/// Whether `v` is an instance whose class (chain) defines `name`.
fn user_defines(vm: &Vm, v: &Value, name: &str) -> bool {
    matches!(v.payload(), Some(Payload::Instance(_)))
        && crate::hash::class_defines(&vm.type_of(v), name)
}

/// `format(value, spec)`: the `FormatValue` instruction and the builtin.
pub fn format_value(vm: &mut Vm, v: &Value, spec: &str) -> PyResult<String> {
    // `f"{n}"` of an int: what `str(n)` gives, without its dispatch.
    if spec.is_empty() {
        if let Some(i) = v.as_small_int() {
            return Ok(i.to_string());
        }
    }
    if user_defines(vm, v, "__format__") {
        if let Ok(method) = vm.getattr(v, "__format__") {
            let out = vm.call(&method, &[Value::from_str(spec)])?;
            return match out.as_str() {
                Some(s) => Ok(s.to_string()),
                None => Err(PyErr::type_error(format!(
                    "__format__ must return a str, not {}",
                    vm.type_name(&out)
                ))),
            };
        }
    }
    if spec.is_empty() {
        return vm.str(v);
    }
    // The built-in kinds name themselves without `type_name`'s allocation
    // (the name only appears in error messages).
    let type_name: std::borrow::Cow<'static, str> = if v.is_float() {
        "float".into()
    } else if v.as_bool().is_some() {
        "bool".into()
    } else if v.as_small_int().is_some() {
        "int".into()
    } else {
        match v.payload() {
            Some(Payload::Str(_)) => "str".into(),
            Some(Payload::Int(_) | Payload::BigInt(_)) => "int".into(),
            _ => vm.type_name(v).into(),
        }
    };
    if let Some(f) = v.as_float() {
        return Ok(format_float(
            f,
            &parse_format_spec(spec, &type_name)?,
            &type_name,
        )?);
    }
    if let Some(i) = int_ref(v) {
        return Ok(format_int(
            text_int(i),
            &parse_format_spec(spec, &type_name)?,
            &type_name,
        )?);
    }
    if let Some(s) = v.as_str() {
        return Ok(format_str(s, &parse_format_spec(spec, &type_name)?)?);
    }
    Err(PyErr::type_error(format!(
        "unsupported format string passed to {type_name}.__format__"
    )))
}

/// The VM shared by the formatter callbacks; they never nest.
type SharedVm<'a, 'b> = &'a RefCell<&'b mut Vm>;

fn with_vm<T>(vm: SharedVm<'_, '_>, f: impl FnOnce(&mut Vm) -> PyResult<T>) -> PyResult<T> {
    let mut guard = vm
        .try_borrow_mut()
        .map_err(|_| PyErr::reentrant("format"))?;
    f(&mut guard)
}

/// A value seen by the `%` formatter.
struct Operand<'a, 'b> {
    vm: SharedVm<'a, 'b>,
    value: Value,
}

impl PercentOperand for Operand<'_, '_> {
    type Error = PyErr;
    fn str_text(&self) -> PyResult<String> {
        with_vm(self.vm, |vm| vm.str(&self.value))
    }
    fn repr_text(&self) -> PyResult<String> {
        with_vm(self.vm, |vm| vm.repr(&self.value))
    }
    fn ascii_text(&self) -> PyResult<String> {
        with_vm(self.vm, |vm| vm.repr(&self.value)).map(|r| ascii_escape(&r))
    }
    fn int_value(&self) -> Option<OwnedInt> {
        int_ref(&self.value).map(|i| match i {
            IntRef::Small(v) => OwnedInt::Small(v),
            IntRef::Big(b) => OwnedInt::Big(b.clone()),
        })
    }
    fn float_value(&self) -> Option<f64> {
        self.value.as_float()
    }
    fn single_char(&self) -> Option<char> {
        let s = self.value.as_str()?;
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    }
    fn type_name(&self) -> String {
        with_vm(self.vm, |vm| Ok(vm.type_name(&self.value))).unwrap_or_default()
    }
}

/// `fmt % args` for a str `fmt`.
pub fn percent_format(vm: &mut Vm, fmt: &Value, args: &Value) -> PyResult<Value> {
    let template = fmt
        .as_str()
        .ok_or_else(|| PyErr::type_error("format must be a str"))?
        .to_string();
    let shared = RefCell::new(vm);
    let wrap = |v: &Value| Operand {
        vm: &shared,
        value: v.clone(),
    };
    let operands: Vec<Operand> = match args.as_tuple() {
        Some(items) => items.iter().map(wrap).collect(),
        None => vec![wrap(args)],
    };
    let is_mapping = args.as_tuple().is_none()
        && args.as_str().is_none()
        && (args.as_dict().is_some() || matches!(args.payload(), Some(Payload::Instance(_))));
    let lookup = |key: &str| -> PyResult<Operand> {
        let key_value = Value::from_str(key);
        let found = with_vm(&shared, |vm| {
            if args.as_dict().is_some() {
                vm.dict_get(args, &key_value)?
                    .ok_or_else(|| PyErr::key_error(key_value.clone()))
            } else {
                let getitem = vm.getattr(args, "__getitem__")?;
                vm.call(&getitem, std::slice::from_ref(&key_value))
            }
        })?;
        Ok(Operand {
            vm: &shared,
            value: found,
        })
    };
    let percent_args = PercentArgs {
        positional: &operands,
        mapping: if is_mapping { Some(&lookup) } else { None },
    };
    render_percent(&template, &percent_args).map(Value::from_string)
}

struct Source<'a, 'b> {
    vm: SharedVm<'a, 'b>,
    args: &'a [Value],
    kwargs: Kw<'a>,
}

impl FormatSource for Source<'_, '_> {
    type Value = Value;
    type Error = PyErr;
    fn positional(&self, index: usize) -> Option<Value> {
        self.args.get(index).cloned()
    }
    fn keyword(&self, name: &str) -> Option<Value> {
        self.kwargs
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v.clone())
    }
    fn attribute(&self, value: &Value, name: &str) -> PyResult<Value> {
        with_vm(self.vm, |vm| vm.getattr(value, name))
    }
    fn item(&self, value: &Value, key: &ItemKey) -> PyResult<Value> {
        let key = match key {
            ItemKey::Index(i) => Value::int(*i as i64),
            ItemKey::Name(n) => Value::from_str(n),
        };
        with_vm(self.vm, |vm| item_of(vm, value, key))
    }
    fn convert(&self, value: &Value, conversion: char) -> PyResult<String> {
        with_vm(self.vm, |vm| match conversion {
            's' => vm.str(value),
            'a' => Ok(ascii_escape(&vm.repr(value)?)),
            _ => vm.repr(value),
        })
    }
    fn format(&self, value: &Value, spec: &str) -> PyResult<String> {
        with_vm(self.vm, |vm| format_value(vm, value, spec))
    }
}

/// `value[key]` for a `{0[key]}` field.
fn item_of(vm: &mut Vm, value: &Value, key: Value) -> PyResult<Value> {
    if value.as_dict().is_some() {
        return vm
            .dict_get(value, &key)?
            .ok_or_else(|| PyErr::key_error(key));
    }
    if let (Some(i), Some(items)) = (crate::int::as_i64(&key), value.as_tuple()) {
        return items
            .get(i as usize)
            .cloned()
            .ok_or_else(|| PyErr::index_error("tuple index out of range"));
    }
    if let (Some(i), Some(list)) = (crate::int::as_i64(&key), value.as_list()) {
        let items = list.try_borrow().map_err(|_| PyErr::reentrant("list"))?;
        return items
            .get(i as usize)
            .cloned()
            .ok_or_else(|| PyErr::index_error("list index out of range"));
    }
    let getitem = vm.getattr(value, "__getitem__")?;
    vm.call(&getitem, &[key])
}

/// `template.format(*args, **kwargs)`.
pub fn str_format_values(
    vm: &mut Vm,
    template: &str,
    args: &[Value],
    kwargs: Kw,
) -> PyResult<String> {
    let shared = RefCell::new(vm);
    let source = Source {
        vm: &shared,
        args,
        kwargs,
    };
    str_format(template, &source)
}

/// `ascii()` escaping of an already-computed repr.
pub fn ascii_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let code = c as u32;
        if c.is_ascii() {
            out.push(c);
        } else if code < 0x100 {
            out.push_str(&format!("\\x{code:02x}"));
        } else if code < 0x10000 {
            out.push_str(&format!("\\u{code:04x}"));
        } else {
            out.push_str(&format!("\\U{code:08x}"));
        }
    }
    out
}

// ---- sorting ---------------------------------------------------------------

/// Stable sort with fallible comparisons through `ops::lt`, comparing in
/// the same order as CPython's timsort for short runs (so mixed-type errors
/// name the same operands). Keys are computed first, once per item; the
/// sort works on its own copy, so a key function that mutates the source
/// list cannot disturb it. `reverse` keeps stability as CPython does: reverse,
/// sort, reverse back.
pub fn sort_values(
    vm: &mut Vm,
    items: Vec<Value>,
    key: Option<&Value>,
    reverse: bool,
) -> PyResult<Vec<Value>> {
    let mut pairs = Vec::with_capacity(items.len());
    for item in items {
        let k = match key {
            Some(f) if !f.is_none() => vm.call(f, std::slice::from_ref(&item))?,
            _ => item.clone(),
        };
        pairs.push((k, item));
    }
    if reverse {
        pairs.reverse();
    }
    let mut sorted = sort_pairs(vm, pairs)?;
    if reverse {
        sorted.reverse();
    }
    Ok(sorted.into_iter().map(|(_, v)| v).collect())
}

/// Runs shorter than this are sorted by binary insertion, as in CPython.
const MIN_MERGE: usize = 64;

fn sort_pairs(vm: &mut Vm, mut pairs: Vec<(Value, Value)>) -> PyResult<Vec<(Value, Value)>> {
    if pairs.len() < MIN_MERGE {
        small_sort(vm, &mut pairs)?;
        return Ok(pairs);
    }
    let right = pairs.split_off(pairs.len() / 2);
    let left = sort_pairs(vm, pairs)?;
    let right = sort_pairs(vm, right)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        // Take from the right only when strictly before the left item.
        let next = if crate::ops::lt(vm, &r.0, &l.0)? {
            right.next()
        } else {
            left.next()
        };
        out.extend(next);
    }
    out.extend(left);
    out.extend(right);
    Ok(out)
}

/// CPython's `count_run` followed by `binarysort`.
fn small_sort(vm: &mut Vm, pairs: &mut [(Value, Value)]) -> PyResult<()> {
    let n = pairs.len();
    if n < 2 {
        return Ok(());
    }
    let mut run = 2;
    if crate::ops::lt(vm, &pairs[1].0, &pairs[0].0)? {
        while run < n && crate::ops::lt(vm, &pairs[run].0, &pairs[run - 1].0)? {
            run += 1;
        }
        pairs[..run].reverse();
    } else {
        while run < n && !crate::ops::lt(vm, &pairs[run].0, &pairs[run - 1].0)? {
            run += 1;
        }
    }
    for start in run..n {
        let (mut lo, mut hi) = (0, start);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if crate::ops::lt(vm, &pairs[start].0, &pairs[mid].0)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        pairs[lo..=start].rotate_right(1);
    }
    Ok(())
}

fn builtin_sorted(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    arity("sorted", args.len(), 1, 1).map_err(|_| {
        PyErr::type_error(format!("sorted expected 1 argument, got {}", args.len()))
    })?;
    let opts = bind("sort", &[], kw, &["key", "reverse"])?;
    let reverse = match opts[1] {
        Some(v) => crate::ops::truthy(vm, v)?,
        None => false,
    };
    let items = vm.collect(&args[0])?;
    Ok(Value::list(sort_values(vm, items, opts[0], reverse)?))
}

// ---- min / max / sum / any / all ----------------------------------------

fn min_max(vm: &mut Vm, args: &[Value], kw: Kw, name: &str, want_max: bool) -> PyResult<Value> {
    let opts = bind(name, &[], kw, &["key", "default"])?;
    if args.is_empty() {
        return Err(PyErr::type_error(format!(
            "{name} expected at least 1 argument, got 0"
        )));
    }
    let items = if args.len() == 1 {
        vm.collect(&args[0])?
    } else {
        if opts[1].is_some() {
            return Err(PyErr::type_error(format!(
                "Cannot specify a default for {name}() with multiple positional arguments"
            )));
        }
        args.to_vec()
    };
    let key = opts[0].filter(|k| !k.is_none());
    let mut best: Option<(Value, Value)> = None;
    for item in items {
        let k = match key {
            Some(f) => vm.call(f, std::slice::from_ref(&item))?,
            None => item.clone(),
        };
        let replace = match &best {
            None => true,
            Some((bk, _)) => {
                if want_max {
                    // CPython asks `item > best`, which decides the error text
                    // and which dunder a user class must define.
                    let gt = crate::ops::compare(vm, &k, bk, CmpOp::Gt)?;
                    crate::ops::truthy(vm, &gt)?
                } else {
                    crate::ops::lt(vm, &k, bk)?
                }
            }
        };
        if replace {
            best = Some((k, item));
        }
    }
    match (best, opts[1]) {
        (Some((_, v)), _) => Ok(v),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(PyErr::value_error(format!(
            "{name}() arg is an empty sequence"
        ))),
    }
}

fn builtin_min(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    min_max(vm, args, kw, "min", false)
}

fn builtin_max(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    min_max(vm, args, kw, "max", true)
}

fn builtin_sum(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let a = bind("sum", args, kw, &["iterable", "start"])?;
    let Some(iterable) = a[0] else {
        return Err(PyErr::type_error(
            "sum() takes at least 1 positional argument (0 given)",
        ));
    };
    let mut total = a[1].cloned().unwrap_or_else(|| Value::int(0));
    if total.as_str().is_some() {
        return Err(PyErr::type_error(
            "sum() can't sum strings [use ''.join(seq) instead]",
        ));
    }
    if total.as_bytes().is_some() {
        return Err(PyErr::type_error(
            "sum() can't sum bytes [use b''.join(seq) instead]",
        ));
    }
    let it = vm.iter(iterable)?;
    while let Some(item) = vm.next(&it)? {
        total = crate::ops::binary(vm, BinOp::Add, &total, &item)?;
    }
    Ok(total)
}

fn builtin_any(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("any", kw)?;
    arity("any", args.len(), 1, 1)?;
    let it = vm.iter(&args[0])?;
    while let Some(item) = vm.next(&it)? {
        if crate::ops::truthy(vm, &item)? {
            return Ok(Value::bool(true));
        }
    }
    Ok(Value::bool(false))
}

fn builtin_all(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("all", kw)?;
    arity("all", args.len(), 1, 1)?;
    let it = vm.iter(&args[0])?;
    while let Some(item) = vm.next(&it)? {
        if !crate::ops::truthy(vm, &item)? {
            return Ok(Value::bool(false));
        }
    }
    Ok(Value::bool(true))
}

// ---- iterators ---------------------------------------------------------------

struct Enumerate {
    it: Value,
    count: BigInt,
}

impl NativeIter for Enumerate {
    fn next(&mut self, vm: &mut Vm) -> PyResult<Option<Value>> {
        let Some(item) = vm.next(&self.it)? else {
            return Ok(None);
        };
        let index = Value::from_bigint(self.count.clone());
        self.count += 1;
        Ok(Some(Value::tuple(vec![index, item])))
    }
    fn type_name(&self) -> &'static str {
        "enumerate"
    }
}

fn builtin_enumerate(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let a = bind("enumerate", args, kw, &["iterable", "start"])?;
    let Some(iterable) = a[0] else {
        return Err(PyErr::type_error(
            "enumerate() missing required argument 'iterable' (pos 1)",
        ));
    };
    let count = match a[1] {
        None => BigInt::zero(),
        Some(v) => int_ref(v).map(|i| i.to_bigint()).ok_or_else(|| {
            PyErr::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name(v)
            ))
        })?,
    };
    let it = vm.iter(iterable)?;
    Ok(Value::native_iter(Box::new(Enumerate { it, count })))
}

struct Zip {
    its: Vec<Value>,
}

impl NativeIter for Zip {
    fn next(&mut self, vm: &mut Vm) -> PyResult<Option<Value>> {
        if self.its.is_empty() {
            return Ok(None);
        }
        let mut items = Vec::with_capacity(self.its.len());
        for it in &self.its {
            match vm.next(it)? {
                Some(v) => items.push(v),
                None => return Ok(None),
            }
        }
        Ok(Some(Value::tuple(items)))
    }
    fn type_name(&self) -> &'static str {
        "zip"
    }
}

fn builtin_zip(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let opts = bind("zip", &[], kw, &["strict"])?;
    if opts[0].is_some() {
        return Err(PyErr::unsupported("zip(strict=...) is not supported"));
    }
    let mut its = Vec::with_capacity(args.len());
    for a in args {
        its.push(vm.iter(a)?);
    }
    Ok(Value::native_iter(Box::new(Zip { its })))
}

struct Map {
    func: Value,
    its: Vec<Value>,
}

impl NativeIter for Map {
    fn next(&mut self, vm: &mut Vm) -> PyResult<Option<Value>> {
        let mut items = Vec::with_capacity(self.its.len());
        for it in &self.its {
            match vm.next(it)? {
                Some(v) => items.push(v),
                None => return Ok(None),
            }
        }
        vm.call(&self.func, &items).map(Some)
    }
    fn type_name(&self) -> &'static str {
        "map"
    }
}

fn builtin_map(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("map", kw)?;
    if args.len() < 2 {
        return Err(PyErr::type_error("map() must have at least two arguments."));
    }
    let mut its = Vec::with_capacity(args.len() - 1);
    for a in &args[1..] {
        its.push(vm.iter(a)?);
    }
    Ok(Value::native_iter(Box::new(Map {
        func: args[0].clone(),
        its,
    })))
}

struct Filter {
    func: Value,
    it: Value,
}

impl NativeIter for Filter {
    fn next(&mut self, vm: &mut Vm) -> PyResult<Option<Value>> {
        while let Some(item) = vm.next(&self.it)? {
            let keep = if self.func.is_none() {
                crate::ops::truthy(vm, &item)?
            } else {
                let r = vm.call(&self.func, std::slice::from_ref(&item))?;
                crate::ops::truthy(vm, &r)?
            };
            if keep {
                return Ok(Some(item));
            }
        }
        Ok(None)
    }
    fn type_name(&self) -> &'static str {
        "filter"
    }
}

fn builtin_filter(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("filter", kw)?;
    arity("filter", args.len(), 2, 2)?;
    let it = vm.iter(&args[1])?;
    Ok(Value::native_iter(Box::new(Filter {
        func: args[0].clone(),
        it,
    })))
}

fn builtin_reversed(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("reversed", kw)?;
    arity("reversed", args.len(), 1, 1)?;
    let seq = &args[0];
    if let Some(list) = seq.as_list() {
        let len = list
            .try_borrow()
            .map_err(|_| PyErr::reentrant("list"))?
            .len();
        return Ok(Value::iterator(IterState::Reversed {
            seq: seq.clone(),
            index: len,
        }));
    }
    if let Some(items) = seq.as_tuple() {
        return Ok(Value::iterator(IterState::Reversed {
            seq: seq.clone(),
            index: items.len(),
        }));
    }
    if let Some(Payload::Range(r)) = seq.payload() {
        return Ok(Value::iterator(r.reversed().iter_state()));
    }
    if user_defines(vm, seq, "__reversed__") {
        if let Ok(method) = vm.getattr(seq, "__reversed__") {
            return vm.call(&method, &[]);
        }
    }
    let reversible = seq.as_str().is_some()
        || seq.as_bytes().is_some()
        || seq.as_dict().is_some()
        || matches!(
            seq.payload(),
            Some(Payload::Range(_) | Payload::DictView(..) | Payload::Instance(_))
        );
    if !reversible {
        return Err(PyErr::type_error(format!(
            "'{}' object is not reversible",
            vm.type_name(seq)
        )));
    }
    let mut items = vm.collect(seq)?;
    items.reverse();
    let list = Value::list(items);
    let it = vm.iter(&list)?;
    Ok(it)
}

// ---- numbers -----------------------------------------------------------------

fn not_integer(vm: &Vm, v: &Value) -> PyErr {
    PyErr::type_error(format!(
        "'{}' object cannot be interpreted as an integer",
        vm.type_name(v)
    ))
}

fn radix_builtin(vm: &mut Vm, args: &[Value], kw: Kw, name: &str, radix: u32) -> PyResult<Value> {
    crate::methods::args::no_kwargs(name, kw)?;
    arity(name, args.len(), 1, 1)?;
    let i = int_ref(&args[0]).ok_or_else(|| not_integer(vm, &args[0]))?;
    Ok(Value::from_string(int_to_prefixed(text_int(i), radix)))
}

fn builtin_hex(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    radix_builtin(vm, args, kw, "hex", 16)
}
fn builtin_oct(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    radix_builtin(vm, args, kw, "oct", 8)
}
fn builtin_bin(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    radix_builtin(vm, args, kw, "bin", 2)
}

fn builtin_ord(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("ord", kw)?;
    arity("ord", args.len(), 1, 1)?;
    let v = &args[0];
    if let Some(s) = v.as_str() {
        let mut chars = s.chars();
        return match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(Value::int(c as i64)),
            _ => Err(PyErr::type_error(format!(
                "ord() expected a character, but string of length {} found",
                s.chars().count()
            ))),
        };
    }
    if let Some(b) = v.as_bytes() {
        return match b {
            [byte] => Ok(Value::int(i64::from(*byte))),
            _ => Err(PyErr::type_error(format!(
                "ord() expected a character, but string of length {} found",
                b.len()
            ))),
        };
    }
    Err(PyErr::type_error(format!(
        "ord() expected string of length 1, but {} found",
        vm.type_name(v)
    )))
}

fn builtin_chr(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("chr", kw)?;
    arity("chr", args.len(), 1, 1)?;
    let i = int_ref(&args[0]).ok_or_else(|| not_integer(vm, &args[0]))?;
    let code = match i {
        IntRef::Small(v) => v,
        IntRef::Big(_) => return Err(PyErr::overflow("Python int too large to convert to C int")),
    };
    let c = u32::try_from(code)
        .ok()
        .filter(|c| *c < 0x110000)
        .ok_or_else(|| PyErr::value_error("chr() arg not in range(0x110000)"))?;
    // Lone surrogates cannot be represented in UTF-8 text.
    let c =
        char::from_u32(c).ok_or_else(|| PyErr::unsupported("chr() of a surrogate code point"))?;
    Ok(Value::from_string(c.to_string()))
}

fn builtin_format(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let a = bind("format", args, kw, &["value", "format_spec"])?;
    let Some(value) = a[0] else {
        return Err(PyErr::type_error(
            "format() takes at least 1 argument (0 given)",
        ));
    };
    let spec = match a[1] {
        None => "",
        Some(s) => s.as_str().ok_or_else(|| {
            PyErr::type_error(format!(
                "format() argument 2 must be str, not {}",
                vm.type_name(s)
            ))
        })?,
    }
    .to_string();
    format_value(vm, value, &spec).map(Value::from_string)
}

fn builtin_ascii(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("ascii", kw)?;
    arity("ascii", args.len(), 1, 1)?;
    let r = vm.repr(&args[0])?;
    Ok(Value::from_string(ascii_escape(&r)))
}

/// `vars(obj)`: the object's `__dict__` (the no-argument form needs frame
/// locals, which natives cannot see).
fn builtin_vars(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("vars", kw)?;
    if args.is_empty() {
        return Err(PyErr::type_error(
            "vars() without an argument is not supported by Kiln",
        ));
    }
    arity("vars", args.len(), 0, 1)?;
    match vm.getattr(&args[0], "__dict__") {
        Ok(d) => Ok(d),
        Err(e) if vm.err_matches(&e, crate::error::ExcKind::AttributeError) => Err(
            PyErr::type_error("vars() argument must have __dict__ attribute"),
        ),
        Err(e) => Err(e),
    }
}

fn builtin_abs(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("abs", kw)?;
    arity("abs", args.len(), 1, 1)?;
    let v = &args[0];
    if let Some(f) = v.as_float() {
        return Ok(Value::float(f.abs()));
    }
    if let Some(i) = int_ref(v) {
        return Ok(crate::int::abs(&i));
    }
    if user_defines(vm, v, "__abs__") {
        if let Ok(method) = vm.getattr(v, "__abs__") {
            return vm.call(&method, &[]);
        }
    }
    Err(PyErr::type_error(format!(
        "bad operand type for abs(): '{}'",
        vm.type_name(v)
    )))
}

/// `round(x)` of a float: nearest int, ties to even.
fn round_float_to_int(f: f64) -> PyResult<Value> {
    crate::int::from_f64(f.round_ties_even())
}

/// `round(x, n)` of a float, correctly rounded like CPython.
pub fn round_float_digits(f: f64, ndigits: i64) -> f64 {
    if !f.is_finite() || f == 0.0 {
        return f;
    }
    if ndigits > 330 {
        return f;
    }
    if ndigits >= 0 {
        let text = format!("{:.*}", ndigits as usize, f);
        let r: f64 = text.parse().unwrap_or(f);
        // Keep the sign of zero results as CPython does.
        if r == 0.0 {
            return 0.0f64.copysign(f);
        }
        return r;
    }
    if ndigits < -330 {
        return 0.0f64.copysign(f);
    }
    let scale = 10f64.powi((-ndigits) as i32);
    let r = (f / scale).round_ties_even() * scale;
    if r == 0.0 {
        0.0f64.copysign(f)
    } else {
        r
    }
}

fn round_int(i: &IntRef, ndigits: i64) -> Value {
    if ndigits >= 0 {
        return Value::from_bigint(i.to_bigint());
    }
    let value = i.to_bigint();
    let scale = num_traits::pow(BigInt::from(10), (-ndigits).min(4000) as usize);
    let (q, r) = value.div_mod_floor(&scale);
    let twice: BigInt = &r * BigInt::from(2);
    let q = match twice.cmp(&scale) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q.is_odd() => q + 1,
        _ => q,
    };
    Value::from_bigint(q * scale)
}

fn builtin_round(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let a = bind("round", args, kw, &["number", "ndigits"])?;
    let Some(number) = a[0] else {
        return Err(PyErr::type_error(
            "round() missing required argument 'number' (pos 1)",
        ));
    };
    let ndigits = match a[1] {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => Some(match int_ref(v) {
            Some(IntRef::Small(n)) => n,
            Some(IntRef::Big(b)) => {
                if b.is_negative() {
                    i64::MIN / 2
                } else {
                    i64::MAX / 2
                }
            }
            None => return Err(not_integer(vm, v)),
        }),
    };
    if let Some(f) = number.as_float() {
        return match ndigits {
            None => round_float_to_int(f),
            Some(n) => Ok(Value::float(round_float_digits(f, n))),
        };
    }
    if let Some(i) = int_ref(number) {
        return Ok(match ndigits {
            None => Value::from_bigint(i.to_bigint()),
            Some(n) => round_int(&i, n),
        });
    }
    if user_defines(vm, number, "__round__") {
        if let Ok(method) = vm.getattr(number, "__round__") {
            let extra: Vec<Value> = a[1].into_iter().cloned().collect();
            return vm.call(&method, &extra);
        }
    }
    Err(PyErr::type_error(format!(
        "type {} doesn't define __round__ method",
        vm.type_name(number)
    )))
}

fn builtin_divmod(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    crate::methods::args::no_kwargs("divmod", kw)?;
    arity("divmod", args.len(), 2, 2)?;
    let (a, b) = (&args[0], &args[1]);
    if let (Some(x), Some(y)) = (int_ref(a), int_ref(b)) {
        let (q, r) = crate::int::divmod(&x, &y)?;
        return Ok(Value::tuple(vec![q, r]));
    }
    let as_float = |v: &Value| v.as_float().or_else(|| int_ref(v).and_then(|i| i.to_f64()));
    if let (Some(x), Some(y)) = (as_float(a), as_float(b)) {
        if a.as_float().is_some() || b.as_float().is_some() {
            if y == 0.0 {
                return Err(PyErr::zero_division("float divmod()"));
            }
            let (q, r) = crate::ops::float_divmod(x, y);
            return Ok(Value::tuple(vec![Value::float(q), Value::float(r)]));
        }
    }
    let is_user = |v: &Value| matches!(v.payload(), Some(Payload::Instance(_)));
    if !is_user(a) && !is_user(b) {
        return Err(PyErr::type_error(format!(
            "unsupported operand type(s) for divmod(): '{}' and '{}'",
            vm.type_name(a),
            vm.type_name(b)
        )));
    }
    let q = crate::ops::binary(vm, BinOp::FloorDiv, a, b)?;
    let r = crate::ops::binary(vm, BinOp::Mod, a, b)?;
    Ok(Value::tuple(vec![q, r]))
}

fn builtin_pow(vm: &mut Vm, args: &[Value], kw: Kw) -> PyResult<Value> {
    let a = bind("pow", args, kw, &["base", "exp", "mod"])?;
    let (Some(base), Some(exp)) = (a[0], a[1]) else {
        return Err(PyErr::type_error(format!(
            "pow() missing required argument '{}' (pos {})",
            if a[0].is_none() { "base" } else { "exp" },
            if a[0].is_none() { 1 } else { 2 }
        )));
    };
    let modulus = a[2].filter(|m| !m.is_none());
    let Some(modulus) = modulus else {
        return crate::ops::binary(vm, BinOp::Pow, base, exp);
    };
    let (Some(b), Some(e), Some(m)) = (int_ref(base), int_ref(exp), int_ref(modulus)) else {
        return Err(PyErr::type_error(
            "pow() 3rd argument not allowed unless all arguments are integers",
        ));
    };
    let m = m.to_bigint();
    if m.is_zero() {
        return Err(PyErr::value_error("pow() 3rd argument cannot be 0"));
    }
    let mut b = b.to_bigint();
    let mut e = e.to_bigint();
    let m_abs = m.abs();
    if e.is_negative() {
        b = mod_inverse(&b, &m_abs)
            .ok_or_else(|| PyErr::value_error("base is not invertible for the given modulus"))?;
        e = -e;
    }
    let mut r = b.modpow(&e, &m_abs);
    if m_abs.is_one() {
        r = BigInt::zero();
    }
    // Python's result takes the sign of the modulus.
    if m.is_negative() && !r.is_zero() {
        r += &m;
    }
    Ok(Value::from_bigint(r))
}

fn mod_inverse(a: &BigInt, m: &BigInt) -> Option<BigInt> {
    let a = a.mod_floor(m);
    let egcd = a.extended_gcd(m);
    if !egcd.gcd.is_one() {
        return None;
    }
    Some(egcd.x.mod_floor(m))
}
