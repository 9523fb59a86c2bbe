//! Every construct of Kiln's subset compiles; constructs outside it and
//! invalid programs give errors with CPython's wording, the right
//! `line:col`, and a caret under the source line.

mod verify;

use kiln_compiler::bytecode::{CodeFlags, CodeObject, Constant, Instr};
use kiln_compiler::{compile, ErrorKind};

const ALL_CONSTRUCTS: &str = r#"
"""Module docstring."""
import os
import os.path as osp, sys
from kiln import route, Response as R
from __future__ import annotations
a = b = 1
x: int = 2
y: int
a, (b, *c), [d, e] = 1, (2, 3, 4), [5, 6]
obj.attr = sub[1] = sub[1:2] = 3
a += 1; obj.attr -= 2; sub[0] *= 3; sub[1:2] //= 4
if a: pass
elif b: pass
else: pass
while a:
    if b: break
    continue
else:
    pass
for i, j in pairs:
    pass
else:
    pass
def f(p, q=1, /, r=2, *args, kw, kd=3, **kwargs) -> int:
    "doc"
    global g
    g = p
    def inner():
        nonlocal r
        r = 5
        return r
    return inner
def g2(*, k): return k
async def co():
    await co()
def gen():
    v = yield 1
    yield
    yield from range(3)
    return v
lam = lambda x, *y, z=1, **w: (x, y, z, w)
@dec
@dec2(1)
class C(Base):
    """Class doc."""
    attr = 1
    def __init__(self):
        super().__init__()
        self.v = __class__
    @staticmethod
    def s(): return 1
class D: pass
try:
    raise ValueError("x") from None
except ValueError as e:
    pass
except (TypeError, KeyError):
    raise
except:
    pass
else:
    pass
finally:
    pass
assert a, "message"
assert b
del a, obj.attr, sub[0]
with m() as (p, q), n():
    pass
with (m() as p, n() as q):
    pass
r = [1, *c], (1, *c), {1, *c}, {"k": 1, **dd}, (), [], {}, {1}, (1,)
r = f(1, *a, k=2, **kw), f(*a), f(**kw), f(a, b=1), o.m(1, k=2), o.m(*a)
r = [i * j for i in range(3) if i for j in range(i) if j if i]
r = {i for i in x}, {k: v for k, v in d.items()}, (i for i in x), sum(i for i in x)
r = a if b else c, not a, a and b or c, -a, +a, ~a, a ** -b
r = a + b - c * d / e // f % g << 1 >> 2 & 3 | 4 ^ 5
r = a < b <= c == d != e > f >= g, a is b, a is not b, a in b, a not in b
r = s[1], s[1:2], s[::2], s[1:2:3], s[:], s[1:2, 3], s[..., 1], ...
r = f"{a} {b!r} {c:>{w}} {d=} {{}}", "con" 'cat', b"by" b"tes", rb"\d", 0x1F, 0o7, 0b1, 1_000, 1.5e-3, .5, 1.
r = 123456789012345678901234567890, -9223372036854775808
"#;

fn compile_ok(src: &str) -> std::sync::Arc<CodeObject> {
    let code = compile(src, "all.py").unwrap_or_else(|e| panic!("{e}"));
    verify::verify(&code);
    code
}

fn nested<'a>(code: &'a CodeObject, name: &str) -> &'a CodeObject {
    code.consts
        .iter()
        .find_map(|c| match c {
            Constant::Code(inner) if inner.name.as_ref() == name => Some(inner.as_ref()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no code object {name} in {}", code.qualname))
}

#[test]
fn every_construct_compiles() {
    let code = compile_ok(ALL_CONSTRUCTS);
    assert_eq!(code.doc.as_deref(), Some("Module docstring."));
    let f = nested(&code, "f");
    assert_eq!((f.arg_count, f.posonly_count, f.kwonly_count), (3, 2, 2));
    assert!(f.flags.has(CodeFlags::VARARGS) && f.flags.has(CodeFlags::VARKEYWORDS));
    assert_eq!(f.doc.as_deref(), Some("doc"));
    assert_eq!(nested(f, "inner").qualname.as_ref(), "f.<locals>.inner");
    assert!(nested(&code, "co").flags.has(CodeFlags::COROUTINE));
    assert!(nested(&code, "gen").flags.has(CodeFlags::GENERATOR));
    let class_body = nested(&code, "C");
    assert!(class_body.flags.has(CodeFlags::CLASS_BODY));
    assert!(class_body
        .code
        .iter()
        .any(|i| matches!(i, Instr::LoadClosure { .. })));
    let ints = compile_ok("r = 123456789012345678901234567890\nq = -9223372036854775808\n");
    assert!(ints
        .consts
        .contains(&Constant::BigInt("123456789012345678901234567890".into())));
    assert!(ints.consts.contains(&Constant::Int(i64::MIN)));
}

#[test]
fn module_code_uses_globals_and_classes_use_names() {
    let code = compile_ok("x = 1\nclass C:\n    y = x\n");
    assert!(code
        .code
        .iter()
        .any(|i| matches!(i, Instr::StoreGlobal { .. })));
    let body = nested(&code, "C");
    assert!(body
        .code
        .iter()
        .any(|i| matches!(i, Instr::LoadName { .. })));
    assert!(body
        .code
        .iter()
        .any(|i| matches!(i, Instr::StoreName { .. })));
    assert!(code.code.contains(&Instr::BuildClass { nbases: 0 }));
}

#[test]
fn method_calls_use_load_method() {
    let code = compile_ok("o.m(1)\no.m(1, k=2)\no.m(*a)\nf(k=1)\n");
    let names: Vec<&str> = code.code.iter().map(|i| i.name()).collect();
    assert!(names.contains(&"CallMethod"));
    assert!(names.contains(&"CallMethodKw"));
    assert!(names.contains(&"CallEx"));
    assert!(names.contains(&"CallKw"));
}

fn error(src: &str) -> kiln_compiler::CompileError {
    match compile(src, "bad.py") {
        Ok(_) => panic!("expected an error for {src:?}"),
        Err(e) => e,
    }
}

#[test]
fn errors_carry_position_and_caret() {
    let e = error("x = 1\ny = (1 +\n     2 $ 3)\n");
    assert_eq!((e.line, e.col), (3, 8));
    assert_eq!(
        e.to_string(),
        "bad.py:3:8: SyntaxError: invalid syntax\n         2 $ 3)\n           ^"
    );
    let e = error("def f():\n    return 1\n  x = 2\n");
    assert_eq!(e.kind, ErrorKind::Indentation);
    assert_eq!(e.line, 3);
    assert!(e
        .to_string()
        .contains("IndentationError: unindent does not match any outer indentation level"));
    let e = error("if x:\nprint(1)\n");
    assert_eq!(
        e.python_message(),
        "expected an indented block after 'if' statement on line 1"
    );
    let e = error("x = 'abc\n");
    assert_eq!(
        e.python_message(),
        "unterminated string literal (detected at line 1)"
    );
    assert_eq!((e.line, e.col), (1, 5));
    let e = error("for x in y:\n    pass\nbreak\n");
    assert_eq!(
        (e.line, e.col, e.python_message().as_str()),
        (3, 1, "'break' outside loop")
    );
}

#[test]
fn cpython_wording_for_misuse() {
    let cases = [
        (
            "def f():\n    x = 1\n    global x\n",
            "name 'x' is assigned to before global declaration",
        ),
        (
            "def f():\n    print(x)\n    global x\n",
            "name 'x' is used prior to global declaration",
        ),
        (
            "nonlocal x\n",
            "nonlocal declaration not allowed at module level",
        ),
        (
            "def f():\n    nonlocal x\n",
            "no binding for nonlocal 'x' found",
        ),
        ("return 1\n", "'return' outside function"),
        ("yield 1\n", "'yield' outside function"),
        ("continue\n", "'continue' not properly in loop"),
        (
            "def f():\n    await g()\n",
            "'await' outside async function",
        ),
        ("x = = 1\n", "invalid syntax"),
        (
            "f(x=1, 2)\n",
            "positional argument follows keyword argument",
        ),
        (
            "def f(a=1, b): pass\n",
            "non-default argument follows default argument",
        ),
        ("x = b'a' 'b'\n", "cannot mix bytes and nonbytes literals"),
        ("x = (1, 2\n", "'(' was never closed"),
    ];
    for (src, msg) in cases {
        let e = error(src);
        assert_eq!(e.kind, ErrorKind::Syntax, "{src}");
        assert_eq!(e.python_message(), msg, "{src}");
    }
}

#[test]
fn outside_the_subset_is_unsupported() {
    let cases = [
        (
            "match command:\n    case 1:\n        pass\n",
            "match statement",
        ),
        ("if (n := 10) > 5:\n    pass\n", "assignment expression"),
        (
            "async def f():\n    async for x in y:\n        pass\n",
            "async for",
        ),
        (
            "async def f():\n    async with x:\n        pass\n",
            "async with",
        ),
        ("try:\n    pass\nexcept* ValueError:\n    pass\n", "except*"),
        ("x = 1j\n", "complex literal"),
        ("x = a @ b\n", "matrix multiplication"),
        ("class A(B, C):\n    pass\n", "multiple inheritance"),
        ("class A(metaclass=M):\n    pass\n", "metaclass"),
        ("from . import x\n", "relative import"),
        ("x = '\\N{DASH}'\n", "\\N{...}"),
    ];
    for (src, what) in cases {
        let e = error(src);
        assert_eq!(e.kind, ErrorKind::Unsupported, "{src}");
        assert!(
            e.message.starts_with("unsupported construct: "),
            "{}",
            e.message
        );
        assert!(e.message.contains(what), "{src}: {}", e.message);
        assert!(e.message.ends_with("(not in Kiln's Python subset)"));
        assert!(
            e.to_string()
                .contains(": SyntaxError: unsupported construct: "),
            "{e}"
        );
    }
    let e = error("x = 1\nif (n := 10):\n    pass\n");
    assert_eq!((e.line, e.col), (2, 7));
}

/// Compile every `.py` file under the directories in `KILN_PY_DIRS`
/// (colon-separated): `KILN_PY_DIRS=a:b cargo test -- --ignored`.
#[test]
#[ignore]
fn python_files_from_env_compile() {
    let dirs = std::env::var("KILN_PY_DIRS").unwrap_or_default();
    let mut failures = Vec::new();
    for dir in dirs.split(':').filter(|d| !d.is_empty()) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "py") {
                let src = std::fs::read_to_string(&path).unwrap_or_default();
                match compile(&src, &path.display().to_string()) {
                    Ok(code) => verify::verify(&code),
                    Err(e) => failures.push(e.to_string()),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
