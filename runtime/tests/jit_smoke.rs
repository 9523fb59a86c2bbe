//! Smoke test of the Cranelift backend: one function is compiled and run
//! through the JIT, so a dependency upgrade that breaks code generation
//! fails here loudly.

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
        jit_threshold: Some(1),
    });
    let sink = Sink::default();
    iso.set_stdout(Box::new(sink.clone()));
    iso.run_source(src, "smoke.py").expect("program runs");
    let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
    (out, kiln_runtime::jit::report(iso.vm()))
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
