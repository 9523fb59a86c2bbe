//! Robustness: whatever the input, `compile` returns `Ok` or `Err` — it
//! never panics, hangs or overflows the stack.

mod verify;

use kiln_compiler::compile;
use proptest::prelude::*;

const VALID_PROGRAMS: &[&str] = &[
    "x = 1\nif x:\n    print(x)\nelse:\n    pass\n",
    "def f(a, b=2, *c, d, **e):\n    return [i for i in c if i]\n",
    "class C(B):\n    def m(self):\n        return super().m()\n",
    "try:\n    a()\nexcept (E, F) as e:\n    raise G from e\nfinally:\n    b()\n",
    "with opener(p) as f, g:\n    for x in f:\n        break\n",
    "def g():\n    yield 1\n    yield from h()\n",
    "async def h():\n    await z\n",
    "print(f\"{a!r:>{w}} {b=}\", 'q' \"r\")\n",
    "a, *b = c[1:2, ::3]\nx += 1\ndel x\nassert y, 'm'\n",
    "lambda x, /, y=1: x if y else {k: v for k, v in z}\n",
];

const SOUP: &[&str] = &[
    "def",
    "class",
    "if",
    "elif",
    "else",
    "while",
    "for",
    "in",
    "try",
    "except",
    "finally",
    "with",
    "as",
    "return",
    "yield",
    "from",
    "import",
    "lambda",
    "global",
    "nonlocal",
    "async",
    "await",
    "not",
    "and",
    "or",
    "is",
    "None",
    "True",
    "pass",
    "break",
    "continue",
    "raise",
    "del",
    "assert",
    "x",
    "y",
    "f",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    ";",
    "=",
    "==",
    "+",
    "-",
    "*",
    "**",
    "/",
    "//",
    "%",
    "@",
    "<",
    ">",
    "->",
    ":=",
    "...",
    "1",
    "0x1f",
    "1.5",
    "'s'",
    "f'{x}'",
    "b'b'",
    "\"\"\"doc\"\"\"",
    "\n",
    "\n    ",
    "\n        ",
    "\t",
    "\\\n",
    "#c",
    "match",
    "case",
];

fn check(source: &str) {
    if let Ok(code) = compile(source, "fuzz.py") {
        verify::verify(&code);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup(picks in proptest::collection::vec(0..SOUP.len(), 0..60)) {
        let source: Vec<&str> = picks.iter().map(|&i| SOUP[i]).collect();
        check(&source.join(" "));
        check(&source.concat());
    }

    #[test]
    fn mutated_programs(
        which in 0..VALID_PROGRAMS.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0..SOUP.len(), 0..3u8), 1..6),
    ) {
        let mut source = VALID_PROGRAMS[which].to_string();
        for (at, token, action) in edits {
            let boundaries: Vec<usize> = (0..=source.len()).filter(|i| source.is_char_boundary(*i)).collect();
            let pos = boundaries[at.index(boundaries.len())];
            match action {
                0 => source.insert_str(pos, SOUP[token]),
                1 => {
                    let end = boundaries.iter().copied().find(|&b| b > pos).unwrap_or(pos);
                    source.replace_range(pos..end, "");
                }
                _ => source.replace_range(pos..pos, "\n"),
            }
        }
        check(&source);
    }
}

#[test]
fn valid_programs_compile() {
    for p in VALID_PROGRAMS {
        let code = compile(p, "ok.py").unwrap_or_else(|e| panic!("{p}\n{e}"));
        verify::verify(&code);
    }
}

#[test]
fn deep_nesting_is_an_error() {
    for opener in [
        "(",
        "[",
        "{",
        "-",
        "not ",
        "lambda: ",
        "x if y else ",
        "await ",
    ] {
        let src = format!("x = {}1", opener.repeat(10_000));
        let err = compile(&src, "deep.py");
        assert!(err.is_err(), "{opener}");
    }
    let chain = format!("x = {}1\n", "1 + ".repeat(100_000));
    assert!(compile(&chain, "chain.py").is_err());
    let attrs = format!("x = a{}\n", ".b".repeat(100_000));
    assert!(compile(&attrs, "attrs.py").is_err());
    let calls = format!("x = f{}\n", "()".repeat(100_000));
    assert!(compile(&calls, "calls.py").is_err());
    let mut nested = String::new();
    for depth in 0..150 {
        nested.push_str(&" ".repeat(depth));
        nested.push_str("if x:\n");
    }
    nested.push_str(&" ".repeat(150));
    nested.push_str("pass\n");
    assert!(compile(&nested, "indent.py").is_err());
}

#[test]
fn moderate_nesting_compiles() {
    let src = format!("x = {}1{}\n", "(".repeat(150), ")".repeat(150));
    compile(&src, "ok.py").unwrap();
    let chain = format!("x = {}1\n", "a + ".repeat(150));
    compile(&chain, "ok.py").unwrap();
}

#[test]
fn long_flat_chains_compile() {
    let mut elifs = String::from("if x == 0:\n    pass\n");
    for i in 1..20_000 {
        elifs.push_str(&format!("elif x == {i}:\n    pass\n"));
    }
    elifs.push_str("else:\n    pass\n");
    compile(&elifs, "elif.py").unwrap();
    let concat = format!("x = {}\n", vec!["'a'"; 2_500].join(" + "));
    compile(&concat, "concat.py").unwrap();
    let compare = format!("x = {}\n", vec!["a"; 2_500].join(" < "));
    compile(&compare, "compare.py").unwrap();
}
