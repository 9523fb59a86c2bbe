//! Shared helpers: run source text in a fresh isolate on a large-stack
//! thread and capture its output.

#![allow(dead_code)]

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiln_runtime::{Isolate, Options, RunError};

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|v| String::from_utf8_lossy(&v).to_string())
            .unwrap_or_default()
    }
}

/// Run `src`; returns (stdout, stderr text of an uncaught exception, exit code).
pub fn run(src: &str) -> (String, String, i32) {
    run_with_deadline(src, None)
}

/// Like `run`, setting the interrupt flag after `deadline`.
pub fn run_with_deadline(src: &str, deadline: Option<Duration>) -> (String, String, i32) {
    let out = Captured::default();
    let sink = out.clone();
    let src = src.to_string();
    let handle = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            let mut iso = Isolate::new(Options::default());
            iso.set_stdout(Box::new(sink));
            if let Some(d) = deadline {
                let flag = iso.interrupt_handle();
                std::thread::spawn(move || {
                    std::thread::sleep(d);
                    flag.store(true, Ordering::Relaxed);
                });
            }
            match iso.run_source(&src, "prog.py") {
                Ok(()) => (String::new(), 0),
                Err(RunError::Uncaught {
                    traceback,
                    exit_code,
                }) => (traceback, exit_code),
                Err(RunError::Compile(e)) => (format!("compile error: {}", e.message), 2),
                Err(RunError::Io(e)) => (e.to_string(), 3),
            }
        })
        .expect("spawn test thread");
    let (err, code) = handle.join().expect("the runtime panicked");
    (out.text(), err, code)
}

/// Run `src` on this thread in the given tier with a JIT threshold of
/// `threshold`; returns (stdout, the JIT's `--stats` report). The program
/// must run to completion.
pub fn run_tiered(jit: bool, threshold: u32, src: &str) -> (String, String) {
    let out = Captured::default();
    let mut iso = Isolate::new(Options {
        jit,
        stats: false,
        jit_threshold: Some(threshold),
        // Deterministic tiering: compiled code runs from the threshold on.
        jit_sync: true,
    });
    iso.set_stdout(Box::new(out.clone()));
    iso.run_source(src, "prog.py").expect("program runs");
    (out.text(), kiln_runtime::jit::report(iso.vm()))
}
