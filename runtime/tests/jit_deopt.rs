//! Deoptimisation: speculation that fails in compiled code exits to the
//! interpreter, is counted by reason in the `--stats` report, and a
//! function that keeps failing is recompiled; results match the
//! interpreter throughout.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use kiln_runtime::{Isolate, Options};

#[derive(Clone, Default)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn run(jit: bool, src: &str) -> (String, String) {
    let mut iso = Isolate::new(Options {
        jit,
        stats: false,
        jit_threshold: Some(2),
    });
    let sink = Sink::default();
    iso.set_stdout(Box::new(sink.clone()));
    iso.run_source(src, "deopt.py").expect("program runs");
    let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
    (out, kiln_runtime::jit::report(iso.vm()))
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
