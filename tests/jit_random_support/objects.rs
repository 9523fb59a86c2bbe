//! Family (b): object-heavy programs. Classes with attributes, methods,
//! class attributes and a subclass using `super()`; instances whose
//! attribute types change while a compiled loop reads them; lists and
//! dicts indexed, mutated and indexed out of range (caught); and globals —
//! a value and a function — rebound by a callee while a compiled function
//! runs.
//!
//! Termination: every loop has a literal trip count (or iterates a list
//! kept at most 9 long) and methods call only methods of lower rank.
//! Size: values may be strings, which `+` and `*` grow exponentially when
//! fed back, so every stored value goes through `cap`, which shortens
//! strings.

use super::rng::Rng;
use super::writer::Writer;
use super::CHECKSUM_HELPER;

const LITS: &[&str] = &[
    "0",
    "1",
    "-1",
    "3",
    "-7",
    "2**47",
    "2**62",
    "2**63 - 1",
    "-(2**63)",
    "0.5",
    "-2.5",
    "1e300",
    "True",
    "None",
    "3",
];
const OTHER: &[&str] = &["1.5", "-0.25", "True", "False", "None", "\"s\"", "2**64"];
const CAUGHT: &str = "(TypeError, IndexError, KeyError, ZeroDivisionError, AttributeError)";

/// What the statements of one body may refer to.
struct Scope {
    /// Instance expressions: `self` in a method, `o` in `work`.
    obj: &'static str,
    /// Plain numeric locals and parameters.
    nums: Vec<String>,
    /// The accumulator the body returns.
    acc: &'static str,
    /// Methods of the instance that may be called (lower rank only).
    methods: Vec<String>,
    /// Loop nesting inside this body.
    loops: usize,
}

struct Gen<'r> {
    rng: &'r mut Rng,
    w: Writer,
    attrs: Vec<&'static str>,
    next_id: usize,
}

pub fn program(rng: &mut Rng) -> String {
    let mut g = Gen {
        rng,
        w: Writer::default(),
        attrs: vec!["p", "q"],
        next_id: 0,
    };
    for line in CHECKSUM_HELPER.lines() {
        g.w.line(line);
    }
    g.w.line("");
    g.w.open("def cap(v):");
    g.w.open("if type(v) is str:");
    g.w.line("return v[-6:]");
    g.w.close();
    g.w.line("return v");
    g.w.close();
    g.w.line("");
    g.globals();
    g.classes();
    g.work();
    g.main();
    g.w.finish()
}

impl Gen<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    fn lit(&mut self) -> String {
        format!("({})", self.rng.pick(LITS))
    }

    fn other(&mut self) -> String {
        format!("({})", self.rng.pick(OTHER))
    }

    fn attr(&mut self, s: &Scope) -> String {
        let a = *self.rng.pick(&self.attrs);
        format!("{}.{a}", s.obj)
    }

    /// An index into a list: in range, negative, or past the end.
    fn index(&mut self, s: &Scope) -> String {
        let n = self.rng.pick(&s.nums).clone();
        match self.rng.below(4) {
            0 => format!("{n} % len({}.xs)", s.obj),
            1 => format!("{}", self.rng.range(-4, 4)),
            2 => format!("-1 - {n} % 3"),
            _ => format!("{n} * 3 - 4"),
        }
    }

    fn key(&mut self, s: &Scope) -> String {
        let n = self.rng.pick(&s.nums).clone();
        match self.rng.below(3) {
            0 => format!("{n} % 5"),
            1 => format!("\"k\" + str({n} % 4)"),
            _ => format!("{}", self.rng.range(0, 3)),
        }
    }

    fn leaf(&mut self, s: &Scope) -> String {
        match self.rng.below(10) {
            0..=2 => self.attr(s),
            3..=4 => self.rng.pick(&s.nums).clone(),
            5 => "G".into(),
            6 => format!("{}.K", s.obj),
            7 => format!("{}.xs[0]", s.obj),
            8 => format!("len({}.tag)", s.obj),
            _ => self.lit(),
        }
    }

    fn expr(&mut self, s: &Scope, depth: usize) -> String {
        if depth == 0 {
            return self.leaf(s);
        }
        let d = depth - 1;
        match self.rng.below(12) {
            0..=3 => self.leaf(s),
            4..=6 => {
                let op = *self.rng.pick(&["+", "-", "+", "//", "%"]);
                let a = self.expr(s, d);
                let b = if op == "+" || op == "-" {
                    self.expr(s, d)
                } else {
                    format!("({})", self.rng.range(-3, 5))
                };
                format!("({a} {op} {b})")
            }
            7 => format!("({} * {})", self.expr(s, d), self.rng.range(-3, 3)),
            8 if !s.methods.is_empty() => {
                let m = self.rng.pick(&s.methods).clone();
                format!("{}.{m}({})", s.obj, self.expr(s, d))
            }
            9 => format!("helper({})", self.expr(s, d)),
            10 => {
                let k = self.key(s);
                format!("D.get({k}, {})", self.lit())
            }
            _ => format!(
                "({} if {} else {})",
                self.expr(s, d),
                self.cond(s),
                self.expr(s, d)
            ),
        }
    }

    fn cond(&mut self, s: &Scope) -> String {
        match self.rng.below(5) {
            0 => format!("isinstance({}, B)", s.obj),
            1 => format!("{} is None", self.attr(s)),
            2 => format!("{} in D", self.key(s)),
            _ => {
                let op = *self.rng.pick(&["<", ">", "==", "!=", ">="]);
                format!("{} {op} {}", self.expr(s, 1), self.expr(s, 1))
            }
        }
    }

    fn block(&mut self, s: &mut Scope, depth: usize) {
        let n = self.rng.range(1, 4);
        for _ in 0..n {
            self.stmt(s, depth);
        }
    }

    /// One statement, half of them guarded so a type change does not end
    /// the whole body.
    fn stmt(&mut self, s: &mut Scope, depth: usize) {
        if self.rng.chance(50) {
            self.w.open("try:");
            self.simple_or_compound(s, depth);
            self.w.close();
            self.w.open(format!("except {CAUGHT}:"));
            self.w.line(format!("{} = {} - 1", s.acc, s.acc));
            self.w.close();
        } else {
            self.simple_or_compound(s, depth);
        }
    }

    fn simple_or_compound(&mut self, s: &mut Scope, depth: usize) {
        let acc = s.acc;
        let obj = s.obj;
        match self.rng.below(100) {
            0..=11 => {
                let e = self.expr(s, 2);
                self.w.line(format!("{acc} = {acc} + num({e})"));
            }
            12..=21 => {
                let a = self.attr(s);
                let e = self.expr(s, 2);
                self.w.line(format!("{a} = cap({e})"));
            }
            22..=26 => {
                let a = self.attr(s);
                let v = self.other();
                self.w.line(format!("{a} = {v}"));
            }
            27..=34 => {
                let i = self.index(s);
                let e = self.expr(s, 1);
                self.w.line(format!("{obj}.xs[{i}] = cap({e})"));
            }
            35..=41 => {
                let i = self.index(s);
                self.w.line(format!("{acc} += {obj}.xs[{i}]"));
            }
            42..=46 => {
                let e = self.expr(s, 1);
                self.w.line(format!("{obj}.xs.append(cap({e}))"));
                self.w.open(format!("if len({obj}.xs) > 8:"));
                let at = *self.rng.pick(&["0", "", "-2"]);
                self.w.line(format!("{obj}.xs.pop({at})"));
                self.w.close();
            }
            47..=52 => {
                let k = self.key(s);
                let e = self.expr(s, 1);
                self.w.line(format!("D[{k}] = cap({e})"));
            }
            53..=57 => {
                let k = self.key(s);
                self.w.line(format!("{acc} += D[{k}]"));
            }
            58 => {
                let k = self.key(s);
                self.w.open(format!("if {k} in D:"));
                self.w.line(format!("del D[{k}]"));
                self.w.close();
            }
            59 => {
                let e = self.expr(s, 1);
                self.w
                    .line(format!("{obj}.tag = {obj}.tag[-3:] + str({e})[:2]"));
            }
            60..=68 => {
                let e = self.expr(s, 1);
                let cls = *self.rng.pick(&["A", "B"]);
                self.w.line(format!("{cls}.K = cap({e})"));
            }
            69..=73 => {
                let n = self.rng.pick(&s.nums).clone();
                self.w.line(format!("rebind({n})"));
            }
            74..=79 if depth > 0 => {
                let c = self.cond(s);
                self.w.open(format!("if {c}:"));
                let mark = self.w.mark();
                self.block(s, depth - 1);
                self.w.close_after(mark);
                if self.rng.chance(40) {
                    self.w.open("else:");
                    let mark = self.w.mark();
                    self.block(s, depth - 1);
                    self.w.close_after(mark);
                }
            }
            80..=85 if depth > 0 && s.loops < 2 => {
                let v = self.fresh("v");
                let head = if self.rng.chance(50) {
                    format!("for {v} in list({obj}.xs):")
                } else {
                    format!("for {v} in range({}):", self.rng.range(1, 6))
                };
                self.w.open(head);
                s.loops += 1;
                s.nums.push(v);
                let mark = self.w.mark();
                self.block(s, depth - 1);
                if self.rng.chance(30) {
                    let c = self.cond(s);
                    let jump = *self.rng.pick(&["break", "continue"]);
                    self.w.open(format!("if {c}:"));
                    self.w.line(jump);
                    self.w.close();
                }
                self.w.close_after(mark);
                s.nums.pop();
                s.loops -= 1;
            }
            86..=89 => {
                let k = self.key(s);
                let e = self.expr(s, 1);
                self.w.line(format!("{acc} = {acc} + D.get({k}, 0) - {e}"));
            }
            _ => {
                let e = self.expr(s, 2);
                self.w.line(format!("{acc} = cap({e})"));
            }
        }
    }

    fn globals(&mut self) {
        let g = self.lit();
        self.w.line(format!("G = {g}"));
        self.w.line("D = {}");
        self.w.line("");
        let e1 = *self.rng.pick(&["x + 1", "x * 2 - 3", "-x", "x // 2"]);
        self.w.open("def helper(x):");
        self.w.line(format!("return {e1}"));
        self.w.close();
        self.w.line("");
        let e2 = *self.rng.pick(&["x - G", "x * 3", "x + 0.5", "[x][0]"]);
        self.w.open("def helper2(x):");
        self.w.line(format!("return {e2}"));
        self.w.close();
        self.w.line("");
        // Installed on class A mid-run: replaces a method compiled code calls.
        let e3 = *self.rng.pick(&["k", "self.p", "-k", "G"]);
        self.w.open("def alt_m1(self, k):");
        self.w.line(format!("return {e3}"));
        self.w.close();
        self.w.line("");
        self.w.open("def rebind(i):");
        self.w.line("global G, helper");
        for _ in 0..self.rng.range(1, 4) {
            let k = self.rng.range(0, 40);
            let action = match self.rng.below(4) {
                0 => format!("G = {}", self.other()),
                1 => format!("G = {}", self.lit()),
                2 => "A.m1 = alt_m1".to_string(),
                _ => "helper = helper2".to_string(),
            };
            self.w.open(format!("if i == {k}:"));
            self.w.line(action);
            self.w.close();
        }
        self.w.close();
        self.w.line("");
    }

    fn method(&mut self, name: &str, lower: Vec<String>, prologue: Option<&str>) {
        self.w.open(format!("def {name}(self, k):"));
        self.w.line("r = 0");
        if let Some(p) = prologue {
            self.w.line(p);
        }
        let mut s = Scope {
            obj: "self",
            nums: vec!["k".into(), "r".into()],
            acc: "r",
            methods: lower,
            loops: 0,
        };
        let n = self.rng.range(1, 4);
        for _ in 0..n {
            self.stmt(&mut s, 2);
        }
        self.w.line("return r");
        self.w.close();
        self.w.line("");
    }

    fn classes(&mut self) {
        self.w.open("class A:");
        let k = self.lit();
        self.w.line(format!("K = {k}"));
        self.w.line("");
        self.w.open("def __init__(self, p, q):");
        self.w.line("self.p = p");
        self.w.line("self.q = q");
        self.w.line("self.xs = [p, q, 1]");
        self.w.line("self.tag = \"a\"");
        self.w.close();
        self.w.line("");
        self.method("m0", vec![], None);
        self.method("m1", vec!["m0".into()], None);
        self.w.close();
        self.w.line("");
        self.w.open("class B(A):");
        self.w.open("def __init__(self, p, q):");
        self.w.line("super().__init__(q, p)");
        let r = self.lit();
        self.w.line(format!("self.q = {r}"));
        self.w.close();
        self.w.line("");
        if self.rng.chance(70) {
            self.method("m0", vec![], Some("r = super().m0(k)"));
        }
        if self.rng.chance(50) {
            self.method("m1", vec!["m0".into()], None);
        }
        self.w.open("def __repr__(self):");
        self.w.line("return \"B\"");
        self.w.close();
        self.w.close();
        self.w.line("");
    }

    /// The hot function: a loop over the instances that is compiled while
    /// `rebind` and attribute writes change what it sees.
    fn work(&mut self) {
        self.w.open("def work(objs, n, i0):");
        self.w.line("t = 0");
        self.w.open("for j in range(n):");
        self.w.line("o = objs[(j + i0) % len(objs)]");
        self.w.line("rebind(i0 * n + j)");
        let mut s = Scope {
            obj: "o",
            nums: vec!["j".into(), "t".into(), "i0".into()],
            acc: "t",
            methods: vec!["m0".into(), "m1".into()],
            loops: 1,
        };
        let n = self.rng.range(3, 7);
        for _ in 0..n {
            self.stmt(&mut s, 2);
        }
        self.w.close();
        self.w.line("return t");
        self.w.close();
        self.w.line("");
    }

    fn main(&mut self) {
        let (a, b, c, d) = (self.lit(), self.lit(), self.lit(), self.lit());
        self.w
            .line(format!("objs = [A({a}, 2), B({b}, {c}), A(3, {d})]"));
        let rounds = self.rng.range(6, 14);
        let inner = self.rng.range(2, 5);
        self.w.open(format!("for i in range({rounds}):"));
        for _ in 0..self.rng.range(1, 3) {
            let k = self.rng.range(0, rounds - 1);
            let o = self.rng.range(0, 2);
            let attr = *self.rng.pick(&self.attrs);
            let v = self.other();
            self.w.open(format!("if i == {k}:"));
            self.w.line(format!("objs[{o}].{attr} = {v}"));
            self.w.close();
        }
        self.w.open("try:");
        self.w.line(format!("r = work(objs, {inner}, i)"));
        self.w.line("print(i, ck(r))");
        self.w.close();
        self.w.open("except Exception as e:");
        self.w.line("print(i, type(e).__name__, e)");
        self.w.close();
        self.w.line(
            "print(i, [ck(v) for v in objs[0].xs], [ck(o.p) for o in objs], ck(G), A.K == B.K)",
        );
        self.w
            .line("print(i, [(k, ck(v)) for k, v in D.items()], [o.tag for o in objs])");
        self.w.close();
    }
}
