//! Uncaught exceptions render as CPython does (expected text generated
//! with python3 from the same program saved as prog.py).

mod support;

use support::run;

#[test]
fn uncaught_exception_prints_cpython_traceback() {
    let src = "def main():\n    raise ValueError(\"bad\")\n\nprint(\"before\")\nmain()\n";
    let (out, err, code) = run(src);
    assert_eq!(out, "before\n");
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Traceback (most recent call last):\n  File \"prog.py\", line 5, in <module>\n    main()\n  File \"prog.py\", line 2, in main\n    raise ValueError(\"bad\")\nValueError: bad\n"
    );
}

/// CPython 3.11 also prints `~~^^^^^` position markers under the failing
/// expression; Kiln omits them (code objects carry no end columns), so the
/// expected text is CPython's minus that marker line.
#[test]
fn chained_exceptions_print_both_tracebacks() {
    let src = "try:\n    {}['k']\nexcept KeyError as e:\n    raise RuntimeError('x') from e\n";
    let (_, err, code) = run(src);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Traceback (most recent call last):\n  File \"prog.py\", line 2, in <module>\n    {}['k']\nKeyError: 'k'\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"prog.py\", line 4, in <module>\n    raise RuntimeError('x') from e\nRuntimeError: x\n"
    );
}

#[test]
fn implicit_context_is_reported() {
    let src = "try:\n    1 / 0\nexcept ZeroDivisionError:\n    undefined_name\n";
    let (_, err, _) = run(src);
    assert!(
        err.contains("During handling of the above exception, another exception occurred:"),
        "{err}"
    );
    assert!(
        err.ends_with("NameError: name 'undefined_name' is not defined\n"),
        "{err}"
    );
}

#[test]
fn system_exit_sets_the_exit_code() {
    let (_, err, code) = run("raise SystemExit(3)\n");
    assert_eq!((err.as_str(), code), ("", 3));
}

#[test]
fn interrupt_flag_stops_an_infinite_loop() {
    let (_, err, code) = support::run_with_deadline(
        "while True:\n    pass\n",
        Some(std::time::Duration::from_millis(50)),
    );
    assert_eq!(code, 1);
    assert!(err.contains("interrupted"), "{err}");
}
