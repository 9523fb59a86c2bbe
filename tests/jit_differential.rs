//! Differential tests of the JIT: every `tests/lang` program must behave
//! identically — stdout, stderr (tracebacks included) and exit status —
//! with compiled code forced early (`--jit-threshold 2`) and with the
//! interpreter alone (`--jit off`). `tests/lang/jit_*.py` target the JIT:
//! guards failing mid-loop, int overflow, OSR, exceptions, recursion.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KILN: &str = env!("CARGO_BIN_EXE_kiln");

fn programs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/lang");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/lang exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    found.sort();
    assert!(!found.is_empty());
    found
}

fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(KILN)
        .arg("run")
        .args(args)
        .arg(program.file_name().expect("file name"))
        .current_dir(program.parent().expect("parent"))
        .output()
        .expect("kiln runs")
}

/// `kiln run` arguments: the JIT on, every function compiled as soon as
/// possible, the stats table printed.
const STATS_AT_THRESHOLD_2: [&str; 6] = [
    "--jit",
    "on",
    "--jit-sync",
    "--jit-threshold",
    "2",
    "--stats",
];

/// `kiln run --stats` of a language test with every function compiled
/// as soon as possible: the stats table (stderr).
fn stats_at_threshold_2(test: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/lang");
    let out = run(&dir.join(test), &STATS_AT_THRESHOLD_2);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn differs(program: &Path, threshold: &str) -> Option<String> {
    let off = run(program, &["--jit", "off"]);
    let on = run(
        program,
        &["--jit", "on", "--jit-sync", "--jit-threshold", threshold],
    );
    if off.stdout == on.stdout && off.stderr == on.stderr && off.status.code() == on.status.code() {
        return None;
    }
    Some(format!(
        "{} (threshold {threshold}): tiers differ\n--- off (exit {:?})\n{}{}\n--- on (exit {:?})\n{}{}",
        program.display(),
        off.status.code(),
        String::from_utf8_lossy(&off.stdout),
        String::from_utf8_lossy(&off.stderr),
        on.status.code(),
        String::from_utf8_lossy(&on.stdout),
        String::from_utf8_lossy(&on.stderr),
    ))
}

#[test]
fn every_language_program_prints_the_same_in_both_tiers() {
    let failures: Vec<String> = programs()
        .iter()
        .flat_map(|p| [differs(p, "2"), differs(p, "50")])
        .flatten()
        .collect();
    assert!(
        failures.is_empty(),
        "{} difference(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn stats_name_compiled_functions() {
    let stderr = stats_at_threshold_2("jit_recursion.py");
    assert!(
        stderr.lines().any(|l| l.contains(" fib  jit ")),
        "no compiled fib in:\n{stderr}"
    );
    assert!(stderr.contains("jit: total:"), "{stderr}");
}

/// Functions with cell or free variables (closures, comprehensions) are
/// compiled; generator expressions stay interpreted.
#[test]
fn stats_show_closures_compiled() {
    let stderr = stats_at_threshold_2("jit_closures.py");
    for name in [
        "scaled",
        "scaled.<locals>.<listcomp>",
        "Box.spread",
        "make_counter.<locals>.bump",
        "osr_with_cells",
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!(" {name}  jit "))),
            "{name} not compiled in:\n{stderr}"
        );
    }
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("<genexpr>  interp (generator")),
        "{stderr}"
    );
}

/// Small pure functions called from compiled loops are inlined: the
/// calls never reach the function itself (its own call count stays tiny,
/// or it is never called often enough to be compiled at all).
#[test]
fn stats_show_pure_leaves_inlined() {
    let stderr = stats_at_threshold_2("jit_inline.py");
    let calls_of = |name: &str| -> Option<u64> {
        let line = stderr
            .lines()
            .find(|l| l.contains(&format!(" {name}  jit ")))?;
        let calls = line
            .split("calls=")
            .nth(1)
            .and_then(|r| r.split(' ').next());
        Some(calls.and_then(|c| c.parse().ok()).unwrap_or(u64::MAX))
    };
    // Called 3,600 times by `spectral_row` and 1,000 by `scale_loop`.
    assert!(calls_of("a_entry").unwrap_or(0) < 10, "{stderr}");
    assert!(calls_of("scale").unwrap_or(0) < 10, "{stderr}");
    // A global rebound to a new function with the same code each time:
    // the site remembers each one and keeps inlining.
    assert!(
        calls_of("make_adder.<locals>.adder").unwrap_or(0) < 10,
        "{stderr}"
    );
}

/// Speculative list subscripts that must not leave compiled code as a
/// deoptimisation: bools where the feedback says "int" (a list of flags
/// read in a hot loop, a list indexed by `False`/`True`), and an index out
/// of range whose `IndexError` the loop catches (an exception's exit).
#[test]
fn stats_show_list_subscripts_compiled_once() {
    assert_compiled_once(
        "jit_list_facts.py",
        &["sieve", "bool_keys", "out_of_range", "rebound"],
    );
}

/// Speculative instance attributes: objects of two classes keeping the
/// same names at other entries, and two locals holding one object, are
/// found by the cell's refill without leaving compiled code; a call that
/// moves a dict's entries ends what was proven about it.
#[test]
fn stats_show_instance_attributes_compiled_once() {
    assert_compiled_once("jit_inst_facts.py", &["walk", "aliases", "deleted"]);
}

/// `math.sqrt` of a negative number in a loop that catches the
/// `ValueError`: the exit is the error's, not a failed speculation, so the
/// function keeps its first compiled version.
#[test]
fn stats_show_math_domain_errors_compiled_once() {
    assert_compiled_once("jit_math_exits.py", &["with_errors"]);
}

/// Each of `names`, run at threshold 2, is compiled exactly once and
/// never leaves its code on a failed type speculation.
fn assert_compiled_once(program: &str, names: &[&str]) {
    let stderr = stats_at_threshold_2(program);
    for name in names {
        let line = stderr
            .lines()
            .find(|l| l.contains(&format!(" {name}  jit ")))
            .unwrap_or_else(|| panic!("{name} not compiled in:\n{stderr}"));
        assert!(line.contains("compiles=1 "), "{line}");
        assert!(!line.contains("deopt-type"), "{line}");
    }
}

#[test]
fn kill_switch_keeps_everything_interpreted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/lang");
    let out = Command::new(KILN)
        .arg("run")
        .args(STATS_AT_THRESHOLD_2)
        .arg("jit_recursion.py")
        .current_dir(&dir)
        .env("KILN_JIT", "0")
        .output()
        .expect("kiln runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(" jit "), "{stderr}");
}

/// Without `--jit-sync` compiles run on the background thread: the
/// interpreter goes on meanwhile, and the machine code is installed at a
/// later call. A long enough run must end with the function compiled and
/// most of its calls in compiled code.
#[test]
fn background_compiles_are_installed() {
    let dir = std::env::temp_dir().join(format!("kiln-bg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let prog = dir.join("bg.py");
    std::fs::write(
        &prog,
        "def step(a, i):\n    return (a * 31 + i) % 1000003\n\n\
         a = 1\nfor i in range(3000000):\n    a = step(a, i)\nprint(a)\n",
    )
    .expect("write program");
    let out = run(&prog, &["--jit", "on", "--jit-threshold", "100", "--stats"]);
    let off = run(&prog, &["--jit", "off"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.stdout, off.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains(" step "))
        .unwrap_or_else(|| panic!("no stats for step in:\n{stderr}"));
    assert!(line.contains(" step  jit "), "{line}");
    let calls: u64 = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("calls="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no call count in {line}"));
    assert!(calls > 1_500_000, "{line}");
}

/// `super()` outside a method (no `__class__` cell) fails the same way in
/// compiled code as in the interpreter, with or without closures; methods
/// using it stay interpreted and still work.
#[test]
fn zero_argument_super_matches_the_interpreter() {
    let dir = std::env::temp_dir().join(format!("kiln-super-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let prog = dir.join("sup.py");
    std::fs::write(
        &prog,
        "class A:\n    def f(self, n):\n        return n + 1\n\n\
         class B(A):\n    def f(self, n):\n        xs = [n for _ in range(2)]\n        \
         return super().f(n) + len(xs)\n\n\
         def plain():\n    try:\n        return super()\n    except RuntimeError as e:\n        \
         return str(e)\n\n\
         def closure():\n    x = 1\n    g = lambda: x\n    try:\n        return super()\n    \
         except RuntimeError as e:\n        return str(e) + str(g())\n\n\
         t = 0\nfor i in range(50):\n    t += B().f(i)\n    print(plain(), closure())\nprint(t)\n",
    )
    .expect("write program");
    let on = run(
        &prog,
        &["--jit", "on", "--jit-sync", "--jit-threshold", "2"],
    );
    let off = run(&prog, &["--jit", "off"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        String::from_utf8_lossy(&on.stdout),
        String::from_utf8_lossy(&off.stdout)
    );
    assert_eq!(on.status.code(), Some(0));
}
