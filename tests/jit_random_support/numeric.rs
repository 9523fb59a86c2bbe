//! Family (a): numeric programs. Int and float locals pushed past 2**47
//! and 2**63 into big ints, every arithmetic operator with negative and
//! zero operands, nested bounded loops with break/continue, calls and
//! bounded recursion inside loops, defaulted and keyword arguments, a
//! small list indexed in and out of range, and values that change type
//! mid-loop (int -> float -> bool -> None) so compiled guards fail and
//! deoptimise.
//!
//! Termination: loop counters are never assigned by generated statements,
//! every loop has a literal (or `% 8`) trip count, functions only call
//! functions defined before them, and `rec` recurses on `counter % 12`.
//! Size: multiplication, powers and shifts keep one operand small, so an
//! int grows by a bounded number of bits per operation.

use super::rng::Rng;
use super::writer::Writer;
use super::CHECKSUM_HELPER;

const INT_LITS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "-3",
    "7",
    "-7",
    "10",
    "255",
    "2**31",
    "2**47 - 1",
    "2**47",
    "-(2**47)",
    "2**62",
    "2**63 - 1",
    "-(2**63)",
    "2**64 + 3",
    "-(2**70)",
    "2**53 + 1",
];
const FLOAT_LITS: &[&str] = &[
    "0.5",
    "-2.5",
    "1e300",
    "-0.0",
    "0.1",
    "3.0",
    "1e-300",
    "-7.25",
    "2.0**60",
    "1.7e308",
    "-1e308",
    "9007199254740992.0",
    "float('nan')",
    "float('-inf')",
];
const OTHER_LITS: &[&str] = &["True", "False", "None"];
const ARITH: &[&str] = &["+", "-", "*", "//", "%", "/", "+", "-", "*"];
const CMP: &[&str] = &["<", "<=", ">", ">=", "==", "!="];
const MODULI: &[&str] = &["1000003", "2**61 - 1", "-97", "2**64 + 7", "7.5", "65536"];

/// An earlier function that generated code may call.
struct Callee {
    name: String,
    /// Estimated operations per call.
    cost: u64,
    /// `rec`: its first argument must be a small bounded int.
    recursive: bool,
    /// Takes exactly `(a, b)` (the pure leaves), no `c`.
    two_params: bool,
}

/// Estimated operations one function may perform per call.
const FN_BUDGET: u64 = 2_500;

struct Gen<'r> {
    rng: &'r mut Rng,
    w: Writer,
    callees: Vec<Callee>,
    vars: Vec<String>,
    counters: Vec<String>,
    loop_depth: usize,
    mult: u64,
    cost: u64,
    next_id: usize,
}

pub fn program(rng: &mut Rng) -> String {
    let mut g = Gen {
        rng,
        w: Writer::default(),
        callees: Vec::new(),
        vars: Vec::new(),
        counters: Vec::new(),
        loop_depth: 0,
        mult: 1,
        cost: 0,
        next_id: 0,
    };
    for line in CHECKSUM_HELPER.lines() {
        g.w.line(line);
    }
    g.w.line("");
    g.rec_function();
    if g.rng.chance(50) {
        g.pure_rec_function();
    }
    let leaves = g.rng.range(0, 3);
    for k in 0..leaves {
        g.leaf_function(&format!("lf{k}"));
    }
    // Calls with ints first, so that the leaves' feedback is there when
    // their callers are compiled (and they are inlined); a failing
    // warm-up call is the same in both tiers and stops nothing.
    for k in 0..leaves {
        g.w.open("for i in range(1, 4):");
        g.w.open("try:");
        g.w.line(format!("lf{k}(i, i + 2)"));
        g.w.close();
        g.w.open("except Exception:");
        g.w.line("pass");
        g.w.close();
        g.w.close();
    }
    let n = g.rng.range(2, 4);
    for k in 0..n {
        g.function(&format!("f{k}"));
    }
    g.main();
    g.w.finish()
}

impl Gen<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    fn lit(&mut self) -> String {
        let r = self.rng.below(100);
        let s = if r < 60 {
            self.rng.pick(INT_LITS)
        } else if r < 95 {
            self.rng.pick(FLOAT_LITS)
        } else {
            self.rng.pick(OTHER_LITS)
        };
        format!("({s})")
    }

    /// A literal of a type other than int, to break an int guard.
    fn other_type_lit(&mut self) -> String {
        let r = self.rng.below(4);
        match r {
            0 | 1 => format!("({})", self.rng.pick(FLOAT_LITS)),
            2 => (*self.rng.pick(&["True", "False"])).to_string(),
            _ => "None".to_string(),
        }
    }

    /// A small int: a literal in -9..=9, a loop counter, or one reduced.
    fn small(&mut self) -> String {
        if !self.counters.is_empty() && self.rng.chance(50) {
            let c = self.rng.pick(&self.counters).clone();
            if self.rng.chance(50) {
                return format!("({c} % {})", self.rng.range(2, 7));
            }
            return c;
        }
        format!("({})", self.rng.range(-9, 9))
    }

    fn var(&mut self) -> String {
        let pool_len = self.vars.len() + self.counters.len();
        let k = self.rng.below(pool_len);
        if k < self.vars.len() {
            self.vars[k].clone()
        } else {
            self.counters[k - self.vars.len()].clone()
        }
    }

    fn leaf(&mut self) -> String {
        if self.rng.chance(65) {
            self.var()
        } else {
            self.lit()
        }
    }

    fn expr(&mut self, depth: usize) -> String {
        if depth == 0 {
            return self.leaf();
        }
        let d = depth - 1;
        let r = self.rng.below(100);
        match r {
            0..=24 => self.leaf(),
            25..=54 => {
                let op = *self.rng.pick(ARITH);
                let a = self.expr(d);
                let b = match op {
                    "*" => self.small(),
                    "//" | "%" | "/" if self.rng.chance(50) => self.small(),
                    _ => self.expr(d),
                };
                if self.rng.chance(50) {
                    format!("({a} {op} {b})")
                } else {
                    format!("({b} {op} {a})")
                }
            }
            55..=60 => {
                // Bitwise operators only on ints, or most calls would end
                // in a TypeError; the type test is itself worth compiling.
                let v = self.var();
                let a = format!("({v} if type({v}) is int else {})", self.rng.range(-9, 9));
                match self.rng.below(5) {
                    0 => format!(
                        "({a} << {})",
                        self.rng.pick(&["1", "3", "17", "40", "64", "-1"])
                    ),
                    1 => format!("({a} >> {})", self.rng.range(0, 70)),
                    2 => format!("({a} & {})", self.expr(d)),
                    3 => format!("({a} | {})", self.small()),
                    _ => format!("({a} ^ {})", self.expr(d)),
                }
            }
            61..=65 => {
                let base = if self.rng.chance(70) {
                    self.small()
                } else {
                    format!("({})", self.rng.pick(FLOAT_LITS))
                };
                format!("({base} ** {})", self.rng.range(-2, 4))
            }
            66..=71 => {
                let a = self.expr(d);
                match self.rng.below(3) {
                    0 => format!("(-{a})"),
                    1 => format!("abs({a})"),
                    _ => format!("(+{a})"),
                }
            }
            72..=77 => self.cond(d),
            78..=83 => {
                let f = self.rng.pick(&["min", "max"]);
                format!("{f}({}, {})", self.expr(d), self.expr(d))
            }
            84..=89 => {
                let c = self.cond(d);
                format!("({} if {c} else {})", self.expr(d), self.expr(d))
            }
            90..=94 => self.call(d).unwrap_or_else(|| self.leaf()),
            _ => self.leaf(),
        }
    }

    fn cond(&mut self, depth: usize) -> String {
        let d = depth.saturating_sub(1);
        match self.rng.below(10) {
            0..=4 => {
                let op = *self.rng.pick(CMP);
                format!("({} {op} {})", self.expr(d), self.expr(d))
            }
            5 => {
                let (o1, o2) = (*self.rng.pick(CMP), *self.rng.pick(CMP));
                format!(
                    "({} {o1} {} {o2} {})",
                    self.expr(d),
                    self.expr(d),
                    self.expr(d)
                )
            }
            6 => format!("({} and {})", self.cond(d), self.cond(d)),
            7 => format!("({} or {})", self.expr(d), self.cond(d)),
            8 => format!("(not {})", self.expr(d)),
            _ => self.expr(d),
        }
    }

    /// A call to an earlier function, if the budget allows one.
    fn call(&mut self, depth: usize) -> Option<String> {
        if self.callees.is_empty() {
            return None;
        }
        let k = self.rng.below(self.callees.len());
        let extra = self.mult.saturating_mul(self.callees[k].cost);
        if self.cost.saturating_add(extra) > FN_BUDGET {
            return None;
        }
        self.cost += extra;
        let name = self.callees[k].name.clone();
        let first = if self.callees[k].recursive {
            match self.counters.is_empty() {
                true => format!("{}", self.rng.range(0, 11)),
                false => format!("({} % 12)", self.rng.pick(&self.counters).clone()),
            }
        } else {
            self.expr(depth)
        };
        let second = self.expr(depth);
        if self.callees[k].recursive {
            return Some(format!("{name}({first}, {second})"));
        }
        if self.callees[k].two_params {
            // Mostly small ints, so that the leaf is inlined, with the
            // other types now and then to fail its checks.
            let (first, second) = match self.rng.chance(75) {
                true => (self.small(), self.small()),
                false => (first, second),
            };
            return Some(match self.rng.below(8) {
                0 => format!("{name}({first}, b={second})"),
                _ => format!("{name}({first}, {second})"),
            });
        }
        // The optional third parameter: defaulted, positional or keyword.
        Some(match self.rng.below(8) {
            0 => format!("{name}({first}, b={second})"),
            1 => format!("{name}({first}, c={}, b={second})", self.expr(depth)),
            2 | 3 => format!("{name}({first}, {second}, {})", self.small()),
            _ => format!("{name}({first}, {second})"),
        })
    }

    fn target(&mut self) -> String {
        self.rng.pick(&self.vars).clone()
    }

    fn block(&mut self, depth: usize) {
        let n = self.rng.range(1, 4);
        for _ in 0..n {
            self.stmt(depth);
        }
    }

    fn stmt(&mut self, depth: usize) {
        self.cost += self.mult;
        let in_loop = self.loop_depth > 0;
        let r = self.rng.below(100);
        match r {
            0..=21 => {
                let t = self.target();
                let e = self.expr(3);
                self.w.line(format!("{t} = {e}"));
            }
            22..=35 => {
                let t = self.target();
                let op = *self.rng.pick(&["+=", "-=", "*=", "//=", "%=", "+="]);
                let e = if op == "*=" {
                    self.small()
                } else {
                    self.expr(2)
                };
                self.w.line(format!("{t} {op} {e}"));
            }
            36..=42 => {
                let t = self.target();
                let m = self.rng.pick(MODULI);
                self.w.line(format!("{t} = {t} % ({m})"));
            }
            43..=53 if depth > 0 => self.if_stmt(depth),
            54..=61 if depth > 0 && self.loop_depth < 2 => self.for_stmt(depth),
            62..=66 if depth > 0 && self.loop_depth < 2 => self.while_stmt(depth),
            67..=74 if depth > 0 => self.try_stmt(depth),
            75..=81 if in_loop => {
                let c = self.rng.pick(&self.counters).clone();
                let k = self.rng.range(0, 6);
                let t = self.target();
                let v = self.other_type_lit();
                self.w.open(format!("if {c} == {k}:"));
                self.w.line(format!("{t} = {v}"));
                self.w.close();
            }
            82..=87 if in_loop => {
                let c = self.cond(2);
                let jump = *self.rng.pick(&["break", "continue"]);
                self.w.open(format!("if {c}:"));
                self.w.line(jump);
                self.w.close();
            }
            88..=89 if in_loop => {
                let v = self.target();
                let tag = self.fresh("p");
                self.w.line(format!("print(\"{tag}\", ck({v}))"));
            }
            90..=92 => {
                let c = self.cond(2);
                let e = self.expr(2);
                self.w.open(format!("if {c}:"));
                self.w.line(format!("return {e}"));
                self.w.close();
            }
            93..=96 => self.list_stmt(),
            _ => {
                // Arms above whose guard failed land here too: only the
                // last few percent are calls.
                let t = self.target();
                match if r >= 97 { self.call(2) } else { None } {
                    Some(call) => self.w.line(format!("{t} = {call}")),
                    None => {
                        let e = self.expr(2);
                        self.w.line(format!("{t} = {e}"));
                    }
                }
            }
        }
    }

    /// Reads and writes of the function's list `arr` (three items), with
    /// indexes that may be negative, out of range, bools or floats.
    fn list_stmt(&mut self) {
        let idx = match self.rng.below(4) {
            0 => self.small(),
            1 => format!("{}", self.rng.range(-4, 3)),
            2 => "True".to_string(),
            _ => {
                let v = self.var();
                format!("({v} % 4 if type({v}) is int else {v})")
            }
        };
        let t = self.target();
        self.w.open("try:");
        if self.rng.chance(50) {
            let e = self.expr(2);
            self.w.line(format!("arr[{idx}] = {e}"));
        } else {
            let op = *self.rng.pick(&["+", "-", "*"]);
            let other = if op == "*" { self.small() } else { t.clone() };
            self.w.line(format!("{t} = {other} {op} arr[{idx}]"));
        }
        self.w.close();
        self.w.open("except (IndexError, TypeError):");
        self.w.line(format!("{t} = len(arr)"));
        self.w.close();
    }

    fn if_stmt(&mut self, depth: usize) {
        let c = self.cond(2);
        self.w.open(format!("if {c}:"));
        let mark = self.w.mark();
        self.block(depth - 1);
        self.w.close_after(mark);
        if self.rng.chance(30) {
            let c = self.cond(2);
            self.w.open(format!("elif {c}:"));
            let mark = self.w.mark();
            self.block(depth - 1);
            self.w.close_after(mark);
        }
        if self.rng.chance(40) {
            self.w.open("else:");
            let mark = self.w.mark();
            self.block(depth - 1);
            self.w.close_after(mark);
        }
    }

    fn loop_body(&mut self, depth: usize, counter: String, trips: u64) {
        self.counters.push(counter);
        self.loop_depth += 1;
        let saved = self.mult;
        self.mult = self.mult.saturating_mul(trips.max(1));
        let mark = self.w.mark();
        self.block(depth - 1);
        self.w.close_after(mark);
        self.mult = saved;
        self.loop_depth -= 1;
        self.counters.pop();
        if self.rng.chance(15) {
            self.w.open("else:");
            let t = self.target();
            let e = self.expr(2);
            self.w.line(format!("{t} = {e}"));
            self.w.close();
        }
    }

    fn for_stmt(&mut self, depth: usize) {
        let c = self.fresh("i");
        let (range, trips) = match self.rng.below(4) {
            0 => {
                let n = self.rng.range(0, 12);
                (format!("range({n})"), n as u64)
            }
            1 => {
                let lo = self.rng.range(-6, 4);
                let hi = lo + self.rng.range(0, 10);
                (format!("range({lo}, {hi})"), (hi - lo) as u64)
            }
            2 => {
                let hi = self.rng.range(-4, 8);
                let lo = hi - self.rng.range(0, 14);
                let step = self.rng.range(1, 3);
                (
                    format!("range({hi}, {lo}, -{step})"),
                    ((hi - lo) / step + 1) as u64,
                )
            }
            _ => {
                let v = self.var();
                (format!("range({v} % 8 if type({v}) is int else 3)"), 8)
            }
        };
        self.w.open(format!("for {c} in {range}:"));
        self.loop_body(depth, c, trips);
    }

    fn while_stmt(&mut self, depth: usize) {
        let c = self.fresh("w");
        let n = self.rng.range(1, 12);
        self.w.line(format!("{c} = 0"));
        let header = if self.rng.chance(30) {
            let extra = self.cond(1);
            format!("while {c} < {n} and {extra}:")
        } else {
            format!("while {c} < {n}:")
        };
        self.w.open(header);
        self.w.line(format!("{c} += 1"));
        self.loop_body(depth, c, n as u64);
    }

    fn try_stmt(&mut self, depth: usize) {
        self.w.open("try:");
        let mark = self.w.mark();
        self.block(depth - 1);
        self.w.close_after(mark);
        let t = self.target();
        let handlers: &[&str] = &[
            "ZeroDivisionError",
            "TypeError",
            "(OverflowError, ValueError)",
            "ArithmeticError",
            "Exception",
        ];
        let h = *self.rng.pick(handlers);
        self.w.open(format!("except {h}:"));
        let e = self.lit();
        self.w.line(format!("{t} = {e}"));
        self.w.close();
        if self.rng.chance(20) {
            self.w.open("finally:");
            let t = self.target();
            self.w.line(format!("print(\"fin\", ck({t}))"));
            self.w.close();
        }
    }

    fn rec_function(&mut self) {
        self.w.open("def rec(n, acc):");
        self.w.open("if n <= 0:");
        self.w.line("return acc");
        self.w.close();
        self.vars = vec!["acc".into()];
        self.counters = vec!["n".into()];
        self.cost = 0;
        self.mult = 1;
        let e = self.expr(2);
        self.w.line(format!("acc = {e}"));
        if self.rng.chance(40) {
            self.w
                .line(format!("acc = acc % ({})", self.rng.pick(MODULI)));
        }
        self.w.line("return rec(n - 1, acc)");
        self.w.close();
        self.w.line("");
        self.callees.push(Callee {
            name: "rec".into(),
            cost: 12 * 4,
            recursive: true,
            two_params: false,
        });
    }

    /// A pure recursive function (int arithmetic, comparisons, branches,
    /// conditional expressions, calls of itself), the kind the JIT runs as
    /// a native function: called with ints, floats, bools or big ints,
    /// overflowing, dividing by zero, it must behave exactly as the
    /// interpreter's calls do.
    fn pure_rec_function(&mut self) {
        let vars = vec!["n".to_string(), "a".to_string()];
        self.w.open("def prec(n, a):");
        self.w.open("if n <= 0:");
        let base = self.int_expr(&vars, 2);
        self.w.line(format!("return {base}"));
        self.w.close();
        let arg = self.int_expr(&vars, 2);
        let mut call = format!("prec(n - 1, {arg})");
        if self.rng.chance(20) {
            let arg2 = self.int_expr(&vars, 1);
            call = format!("({call} + prec(n - 2, {arg2}))");
        }
        let other = self.int_expr(&vars, 2);
        let op = *self.rng.pick(&["+", "-", "*", "//", "%"]);
        match self.rng.below(3) {
            0 => self.w.line(format!("return {call} {op} {other}")),
            1 => {
                let (x, y) = (self.int_expr(&vars, 1), self.int_expr(&vars, 1));
                let cmp = *self.rng.pick(&["<", "<=", ">", "==", "!="]);
                self.w
                    .line(format!("return {other} if {x} {cmp} {y} else {call}"));
            }
            _ => {
                self.w.line(format!("t = {call}"));
                self.w.line(format!("return t {op} {other}"));
            }
        }
        self.w.close();
        self.w.line("");
        self.callees.push(Callee {
            name: "prec".into(),
            cost: 12 * 8,
            recursive: true,
            two_params: false,
        });
    }

    /// Int arithmetic on `vars` and int literals only (some near the
    /// limits of a machine integer).
    fn int_expr(&mut self, vars: &[String], depth: usize) -> String {
        if depth == 0 || self.rng.chance(30) {
            return match self.rng.chance(70) {
                true => self.rng.pick(vars).clone(),
                false => self
                    .rng
                    .pick(&[
                        "1",
                        "-3",
                        "7",
                        "0",
                        "2",
                        "1099511627776",
                        "9223372036854775807",
                    ])
                    .to_string(),
            };
        }
        let a = self.int_expr(vars, depth - 1);
        if self.rng.chance(10) {
            return format!("(-{a})");
        }
        let b = self.int_expr(vars, depth - 1);
        let op = *self.rng.pick(&["+", "-", "*", "+", "-", "//", "%"]);
        format!("({a} {op} {b})")
    }

    /// A pure leaf (straight-line arithmetic on its two parameters and
    /// numeric literals), the kind of function the JIT inlines: called
    /// with ints, floats, bools, None or big ints, it must behave exactly
    /// as the interpreter's call does (overflow, zero divisors, types).
    fn leaf_function(&mut self, name: &str) {
        self.w.open(format!("def {name}(a, b):"));
        let mut vars = vec!["a".to_string(), "b".to_string()];
        for k in 0..self.rng.range(0, 3) {
            let e = self.pure_expr(&vars, 2);
            let v = format!("t{k}");
            self.w.line(format!("{v} = {e}"));
            vars.push(v);
        }
        let e = match self.rng.chance(20) {
            true => {
                let op = self.rng.pick(&["<", "<=", ">", "==", "!="]);
                format!(
                    "{} {op} {}",
                    self.pure_expr(&vars, 1),
                    self.pure_expr(&vars, 1)
                )
            }
            false => self.pure_expr(&vars, 3),
        };
        self.w.line(format!("return {e}"));
        self.w.close();
        self.w.line("");
        self.callees.push(Callee {
            name: name.into(),
            cost: 1,
            recursive: false,
            two_params: true,
        });
    }

    /// Arithmetic on `vars` and numeric literals only.
    fn pure_expr(&mut self, vars: &[String], depth: usize) -> String {
        if depth == 0 || self.rng.chance(30) {
            return match self.rng.chance(70) {
                true => self.rng.pick(vars).clone(),
                false => format!(
                    "({})",
                    self.rng
                        .pick(&["1", "-3", "7", "0", "2", "2**40", "2.5", "-0.5", "1e300"])
                ),
            };
        }
        let a = self.pure_expr(vars, depth - 1);
        if self.rng.chance(10) {
            return format!("(-{a})");
        }
        let b = self.pure_expr(vars, depth - 1);
        let op = self
            .rng
            .pick(&["+", "-", "*", "+", "-", "*", "/", "//", "%"]);
        format!("({a} {op} {b})")
    }

    fn function(&mut self, name: &str) {
        let c = self.lit();
        self.w.open(format!("def {name}(a, b, c={c}):"));
        self.vars = vec!["a".into(), "b".into(), "c".into(), "x".into(), "y".into()];
        self.counters.clear();
        self.cost = 0;
        self.mult = 1;
        self.loop_depth = 0;
        let x = self.lit();
        self.w.line(format!("x = {x}"));
        self.w.line("y = a");
        self.w.line("arr = [x, a, 1.5]");
        let n = self.rng.range(2, 5);
        // Most functions get a loop, where the JIT's guards matter most.
        let loop_at = self.rng.below(n as usize + 1);
        for k in 0..n as usize {
            if k == loop_at && self.rng.chance(80) {
                match self.rng.chance(65) {
                    true => self.for_stmt(3),
                    false => self.while_stmt(3),
                }
            } else {
                self.stmt(3);
            }
        }
        let e = self.expr(2);
        self.w.line(format!("return {e}"));
        self.w.close();
        self.w.line("");
        let cost = self.cost.max(1);
        self.callees.push(Callee {
            name: name.into(),
            cost,
            recursive: false,
            two_params: false,
        });
    }

    /// The driver: calls the functions in a loop while the type of the
    /// argument moves through phases, printing a checksum each time.
    fn main(&mut self) {
        let phases: Vec<&str> = (0..self.rng.range(3, 6))
            .map(|_| {
                *self.rng.pick(&[
                    "i * 3 - 7",
                    "i * 2**45",
                    "i * 0.75 - 2",
                    "i % 3 == 0",
                    "None",
                    "2**63 - i",
                    "-i",
                    "(i * 7919) % 13 - 6",
                ])
            })
            .collect();
        // Start with ints, so compiled code first specialises to them.
        let mut phases = phases;
        phases[0] = *self
            .rng
            .pick(&["i * 3 - 7", "i * 2**45", "-i", "2**63 - i"]);
        let per_phase = self.rng.range(3, 9);
        let total = per_phase * phases.len() as i64;
        self.w.line("t = 0");
        self.w.open(format!("for i in range({total}):"));
        self.w.line(format!("ph = i // {per_phase}"));
        for (k, p) in phases.iter().enumerate() {
            let kw = if k == 0 { "if" } else { "elif" };
            self.w.open(format!("{kw} ph == {k}:"));
            self.w.line(format!("v = {p}"));
            self.w.close();
        }
        self.w.open("else:");
        self.w.line("v = i");
        self.w.close();
        let calls = self.rng.range(1, 2);
        for _ in 0..calls {
            let k = self.rng.below(self.callees.len());
            let callee = &self.callees[k];
            let name = callee.name.clone();
            let first = if callee.recursive { "i % 12" } else { "v" };
            let second = *self.rng.pick(&["i", "v", "-i", "t", "2**47 + i", "i / 4"]);
            self.w.open("try:");
            self.w.line(format!("r = {name}({first}, {second})"));
            self.w.line("print(i, ck(r))");
            self.w
                .line("t = (t + (r if type(r) is int else i)) % 1000000007");
            self.w.close();
            self.w.open("except Exception as e:");
            self.w.line("print(i, type(e).__name__, e)");
            self.w.close();
        }
        self.w.close();
        self.w.line("print(\"end\", t)");
    }
}
