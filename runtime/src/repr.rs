//! `repr()` and `str()` of every core type: CPython's quote choice and
//! escapes for str/bytes, container reprs with a recursion guard (`[...]`),
//! default object reprs, and float repr (shortest round-trip).

use crate::error::{PyErr, PyResult};
use crate::int::{int_ref, IntRef};
use crate::object::{IterState, Payload, ViewKind};
use crate::value::Value;
use crate::vm::{class_name, Vm};

/// Python's `repr(float)`: shortest round-trip digits, fixed notation for
/// decimal exponents in [-4, 16), scientific otherwise.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let sci = format!("{:e}", f);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp >= 0 {
            let int_len = (exp + 1) as usize;
            if digits.len() <= int_len {
                format!("{}{}.0", digits, "0".repeat(int_len - digits.len()))
            } else {
                format!("{}.{}", &digits[..int_len], &digits[int_len..])
            }
        } else {
            let _ = n;
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        };
        format!("{sign}{body}")
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        format!(
            "{sign}{m}e{}{:02}",
            if exp < 0 { "-" } else { "+" },
            exp.abs()
        )
    }
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    if c.is_control() {
        return false;
    }
    !matches!(u, 0xA0 | 0xAD | 0x2028 | 0x2029 | 0x200B..=0x200F | 0x2060..=0x2064 | 0xFEFF | 0xE000..=0xF8FF | 0x1680 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000)
}

/// `repr(str)`.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (c as u32) < 0x7f || is_printable(c) => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// `repr(bytes)`.
pub fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote as char);
    for &x in b {
        match x {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            x if x == quote => {
                out.push('\\');
                out.push(x as char);
            }
            0x20..=0x7e => out.push(x as char),
            x => out.push_str(&format!("\\x{x:02x}")),
        }
    }
    out.push(quote as char);
    out
}

pub fn int_str(i: &IntRef) -> String {
    match i {
        IntRef::Small(x) => x.to_string(),
        IntRef::Big(b) => b.to_string(),
    }
}

impl Vm {
    /// `repr(v)`.
    pub fn repr(&mut self, v: &Value) -> PyResult<String> {
        if let Some(b) = v.as_bool() {
            return Ok(if b { "True" } else { "False" }.into());
        }
        if let Some(i) = int_ref(v) {
            return Ok(int_str(&i));
        }
        if let Some(f) = v.as_float() {
            return Ok(crate::text_hooks::float_repr(f));
        }
        if v.is_none() {
            return Ok("None".into());
        }
        let Some(p) = v.payload() else {
            return Ok("<NULL>".into());
        };
        match p {
            Payload::Str(s) => Ok(str_repr(&s.s)),
            Payload::Bytes(b) => Ok(bytes_repr(b)),
            Payload::List(l) => {
                let items = l
                    .try_borrow()
                    .map_err(|_| PyErr::reentrant("list"))?
                    .clone();
                self.guarded(v, "[...]", |vm| Ok(format!("[{}]", vm.join_reprs(&items)?)))
            }
            Payload::Tuple(t) => {
                let items = t.to_vec();
                if items.len() == 1 {
                    return self
                        .guarded(v, "(...)", |vm| Ok(format!("({},)", vm.repr(&items[0])?)));
                }
                self.guarded(v, "(...)", |vm| Ok(format!("({})", vm.join_reprs(&items)?)))
            }
            Payload::Dict(d) => {
                let entries: Vec<(Value, Value)> = d
                    .try_borrow()
                    .map_err(|_| PyErr::reentrant("dict"))?
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                self.guarded(v, "{...}", |vm| {
                    let mut parts = Vec::with_capacity(entries.len());
                    for (k, x) in &entries {
                        parts.push(format!("{}: {}", vm.repr(k)?, vm.repr(x)?));
                    }
                    Ok(format!("{{{}}}", parts.join(", ")))
                })
            }
            Payload::Set(s) => {
                let items: Vec<Value> = s
                    .items
                    .try_borrow()
                    .map_err(|_| PyErr::reentrant("set"))?
                    .keys()
                    .cloned()
                    .collect();
                let frozen = s.frozen;
                if items.is_empty() {
                    return Ok(if frozen { "frozenset()" } else { "set()" }.into());
                }
                self.guarded(v, "{...}", |vm| {
                    let inner = format!("{{{}}}", vm.join_reprs(&items)?);
                    Ok(if frozen {
                        format!("frozenset({inner})")
                    } else {
                        inner
                    })
                })
            }
            Payload::Range(r) => Ok(r.repr()),
            Payload::Slice(a, b, c) => {
                let (a, b, c) = (a.clone(), b.clone(), c.clone());
                Ok(format!(
                    "slice({}, {}, {})",
                    self.repr(&a)?,
                    self.repr(&b)?,
                    self.repr(&c)?
                ))
            }
            Payload::Function(f) => {
                let q = f.qualname.borrow().as_str().unwrap_or("?").to_string();
                Ok(format!("<function {} at {:#x}>", q, v.address()))
            }
            Payload::BoundMethod(f, s) => {
                let (f, s) = (f.clone(), s.clone());
                if let Some(Payload::Native(n)) = f.payload() {
                    return Ok(format!(
                        "<built-in method {} of {} object at {:#x}>",
                        n.name,
                        self.type_name(&s),
                        s.address()
                    ));
                }
                let q = self
                    .getattr(&f, "__qualname__")
                    .ok()
                    .and_then(|q| q.as_str().map(String::from))
                    .unwrap_or_default();
                let r = self.repr(&s)?;
                Ok(format!("<bound method {q} of {r}>"))
            }
            Payload::Native(n) => Ok(format!("<built-in function {}>", n.name)),
            Payload::Cell(_) => Ok(format!("<cell at {:#x}>", v.address())),
            Payload::Class(c) => Ok(if &*c.module == "builtins" {
                format!("<class '{}'>", c.qualname)
            } else {
                format!("<class '{}.{}'>", c.module, c.qualname)
            }),
            Payload::Instance(_) => {
                if let Some(r) = self.call_special(v, "__repr__", &[])? {
                    return match r.as_str() {
                        Some(s) => Ok(s.to_string()),
                        None => Err(PyErr::type_error(format!(
                            "__repr__ returned non-string (type {})",
                            self.type_name(&r)
                        ))),
                    };
                }
                Ok(self.default_repr(v))
            }
            Payload::Exception(_) => {
                if let Some(r) = self.call_special(v, "__repr__", &[])? {
                    return Ok(r.as_str().unwrap_or("").to_string());
                }
                self.exception_repr(v)
            }
            Payload::Module(m) => Ok(format!("<module '{}'>", m.name)),
            Payload::Generator(g) => Ok(format!(
                "<{} object {} at {:#x}>",
                if g.is_coroutine {
                    "coroutine"
                } else {
                    "generator"
                },
                g.qualname.as_str().unwrap_or("?"),
                v.address()
            )),
            Payload::Iter(it) => {
                let name = it.try_borrow().map(|s| s.type_name()).unwrap_or("iterator");
                let _ = IterState::Exhausted;
                Ok(format!("<{} object at {:#x}>", name, v.address()))
            }
            Payload::Property(_) => Ok(format!("<property object at {:#x}>", v.address())),
            Payload::StaticMethod(_) => Ok(format!("<staticmethod object at {:#x}>", v.address())),
            Payload::ClassMethod(_) => Ok(format!("<classmethod object at {:#x}>", v.address())),
            Payload::NotImplemented => Ok("NotImplemented".into()),
            Payload::Ellipsis => Ok("Ellipsis".into()),
            Payload::Code(c) => Ok(format!(
                "<code object {} at {:#x}>",
                c.code.name,
                v.address()
            )),
            Payload::DictView(d, kind) => {
                let d = d.clone();
                let name = match kind {
                    ViewKind::Keys => "dict_keys",
                    ViewKind::Values => "dict_values",
                    ViewKind::Items => "dict_items",
                };
                let kind = *kind;
                let items: Vec<Value> = match d.as_dict() {
                    Some(cell) => cell
                        .borrow()
                        .iter()
                        .map(|(k, x)| match kind {
                            ViewKind::Keys => k.clone(),
                            ViewKind::Values => x.clone(),
                            ViewKind::Items => Value::tuple(vec![k.clone(), x.clone()]),
                        })
                        .collect(),
                    None => Vec::new(),
                };
                Ok(format!("{name}([{}])", self.join_reprs(&items)?))
            }
            Payload::Super(..) => Ok(format!("<super object at {:#x}>", v.address())),
            Payload::Int(_) | Payload::BigInt(_) => Ok(String::new()),
        }
    }

    /// `<__main__.C object at 0x...>`.
    pub fn default_repr(&self, v: &Value) -> String {
        let cls = self.type_of(v);
        let (module, qual) = cls
            .as_class()
            .map_or(("?".to_string(), "?".to_string()), |c| {
                (c.module.to_string(), c.qualname.to_string())
            });
        format!("<{module}.{qual} object at {:#x}>", v.address())
    }

    fn join_reprs(&mut self, items: &[Value]) -> PyResult<String> {
        let mut out = String::new();
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&self.repr(x)?);
        }
        Ok(out)
    }

    fn guarded(
        &mut self,
        v: &Value,
        placeholder: &str,
        f: impl FnOnce(&mut Vm) -> PyResult<String>,
    ) -> PyResult<String> {
        let addr = v.address();
        if self.repr_active.contains(&addr) {
            return Ok(placeholder.into());
        }
        if self.repr_active.len() > 200 {
            return Err(PyErr::new(
                crate::error::ExcKind::RecursionError,
                "maximum recursion depth exceeded while getting the repr of an object",
            ));
        }
        self.repr_active.push(addr);
        let r = f(self);
        self.repr_active.pop();
        r
    }

    /// `str(v)`.
    pub fn str(&mut self, v: &Value) -> PyResult<String> {
        match v.payload() {
            Some(Payload::Str(s)) => Ok(s.s.to_string()),
            Some(Payload::Instance(_)) => {
                if let Some(r) = self.call_special(v, "__str__", &[])? {
                    return match r.as_str() {
                        Some(s) => Ok(s.to_string()),
                        None => Err(PyErr::type_error(format!(
                            "__str__ returned non-string (type {})",
                            self.type_name(&r)
                        ))),
                    };
                }
                self.repr(v)
            }
            Some(Payload::Exception(_)) => {
                if let Some(r) = self.call_special(v, "__str__", &[])? {
                    return Ok(r.as_str().unwrap_or("").to_string());
                }
                self.exception_str(v)
            }
            _ => self.repr(v),
        }
    }

    /// A str value for `str(v)`, reusing `v` when it already is one.
    pub fn str_value(&mut self, v: &Value) -> PyResult<Value> {
        if v.as_str().is_some() {
            return Ok(v.clone());
        }
        // `str(n)`: the digits are ASCII, so the char count is the length.
        if let Some(i) = v.as_small_int() {
            let s = i.to_string();
            let chars = s.len();
            return Ok(Value::new_heap(Payload::Str(crate::object::StrObj {
                s,
                chars,
                hash: std::cell::Cell::new(0),
            })));
        }
        Ok(Value::from_string(self.str(v)?))
    }

    /// Class name helper for messages.
    pub fn class_name_of(&self, v: &Value) -> String {
        class_name(&self.type_of(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_reprs_match_python() {
        let cases = [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (1.5e300, "1.5e+300"),
            (123456.789, "123456.789"),
            (1e22, "1e+22"),
            (5e-324, "5e-324"),
        ];
        for (f, s) in cases {
            assert_eq!(float_repr(f), s);
        }
    }

    #[test]
    fn str_reprs_choose_quotes() {
        assert_eq!(str_repr("a'b"), "\"a'b\"");
        assert_eq!(str_repr("a'b\""), "'a\\'b\"'");
        assert_eq!(str_repr("tab\there\n"), "'tab\\there\\n'");
        assert_eq!(str_repr("é\u{0}"), "'é\\x00'");
    }
}
