//! Smoke test of the Cranelift backend: one function is compiled and run
//! through the JIT, so a dependency upgrade that breaks code generation
//! fails here loudly.

mod support;

/// Both tiers, with the threshold low enough that compiled code runs.
fn run(jit: bool, src: &str) -> (String, String) {
    support::run_tiered(jit, 1, src)
}

#[test]
fn one_function_compiles_and_runs() {
    let src = "def f(a, b):\n    return a * b + 1.5\n\nfor i in range(5):\n    print(f(i, 3), f(0.5, i))\n";
    let (jit_out, report) = run(true, src);
    let (interp_out, _) = run(false, src);
    assert_eq!(jit_out, interp_out);
    assert!(
        report
            .lines()
            .any(|l| l.contains(" f  jit ") && !l.contains("calls=0")),
        "f was not compiled and called:\n{report}"
    );
}
