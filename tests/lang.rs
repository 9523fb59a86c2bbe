//! Language conformance tests: every `tests/lang/NAME.py` runs through the
//! `kiln` binary in each tier and must print exactly what CPython printed
//! when the expectations were generated:
//!
//! - `NAME.out`: the exact stdout of `python3 NAME.py`;
//! - `NAME.err` (only for programs ending in an uncaught exception): the
//!   last line of CPython's stderr; the exit status must then be 1.
//!
//! Regenerate expectations with `tests/lang/regen.sh` (needs python3).

use std::path::{Path, PathBuf};
use std::process::Command;

const KILN: &str = env!("CARGO_BIN_EXE_kiln");

fn lang_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/lang")
}

fn programs() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(lang_dir())
        .expect("tests/lang exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no programs in tests/lang");
    found
}

/// Runs one program in one tier; returns a failure description, if any.
fn check(program: &Path, jit: &str) -> Option<String> {
    let expected_out = std::fs::read(program.with_extension("out")).ok()?;
    let expected_err = std::fs::read_to_string(program.with_extension("err")).ok();
    let output = Command::new(KILN)
        .args(["run", "--jit", jit])
        .arg(program.file_name()?)
        .current_dir(program.parent()?)
        .output()
        .ok()?;
    let name = format!("{} [--jit {jit}]", program.file_name()?.to_string_lossy());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let want_code = if expected_err.is_some() { 1 } else { 0 };
    if output.status.code() != Some(want_code) {
        return Some(format!(
            "{name}: exit {:?}, want {want_code}; stderr:\n{stderr}",
            output.status.code()
        ));
    }
    if output.stdout != expected_out {
        return Some(format!(
            "{name}: stdout differs\n--- expected\n{}\n--- actual\n{}\n--- stderr\n{stderr}",
            String::from_utf8_lossy(&expected_out),
            String::from_utf8_lossy(&output.stdout)
        ));
    }
    if let Some(want) = expected_err {
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        if last.trim_end() != want.lines().next().unwrap_or("").trim_end() {
            return Some(format!("{name}: last stderr line {last:?}, want {want:?}"));
        }
    }
    None
}

fn run_tier(jit: &str) {
    let failures: Vec<String> = programs().iter().filter_map(|p| check(p, jit)).collect();
    assert!(
        failures.is_empty(),
        "{} program(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn programs_match_cpython_in_the_interpreter() {
    run_tier("off");
}

#[test]
fn programs_match_cpython_with_the_jit() {
    run_tier("on");
}
