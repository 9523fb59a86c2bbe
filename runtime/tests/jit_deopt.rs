//! Deoptimisation: speculation that fails in compiled code exits to the
//! interpreter, is counted by reason in the `--stats` report, and a
//! function that keeps failing is recompiled; results match the
//! interpreter throughout.

mod support;

/// Both tiers, with the threshold low enough that compiled code runs.
fn run(jit: bool, src: &str) -> (String, String) {
    support::run_tiered(jit, 2, src)
}

fn line_for<'a>(report: &'a str, func: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.contains(&format!(" {func}  jit ")))
        .unwrap_or("")
}

#[test]
fn overflow_mid_loop_deopts_and_continues_as_a_big_int() {
    let src = "def grows(n):\n    x = 1\n    i = 0\n    while i < n:\n        x = x * 3 + 1\n        i += 1\n    return x\n\nfor k in range(30):\n    print(grows(k + 30))\n";
    let (jit_out, report) = run(true, src);
    let (interp_out, _) = run(false, src);
    assert_eq!(jit_out, interp_out);
    let line = line_for(&report, "grows");
    assert!(
        line.contains("deopt-overflow="),
        "no overflow deopt:\n{report}"
    );
}

#[test]
fn a_float_in_an_int_loop_deopts_and_the_function_is_recompiled() {
    let src = "def total(xs):\n    t = 0\n    for x in xs:\n        t = t + x\n    return t\n\nfor k in range(40):\n    print(total([1, 2, 3]))\nfor k in range(40):\n    print(total([1, 2.5, 3]))\n";
    let (jit_out, report) = run(true, src);
    let (interp_out, _) = run(false, src);
    assert_eq!(jit_out, interp_out);
    let line = line_for(&report, "total");
    assert!(line.contains("deopt-type="), "no type deopt:\n{report}");
    assert!(!line.contains("compiles=1 "), "never recompiled:\n{report}");
}
