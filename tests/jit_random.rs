//! Random differential testing of the JIT: generated programs (numeric,
//! and object-heavy; see `jit_random_support/`) must print the same
//! stdout and stderr and exit the same way in the interpreter
//! (`--jit off`) and with compilation forced at once (`--jit on
//! --jit-threshold 1` or `2`). A difference is shrunk and reported with
//! the seed that reproduces it.
//!
//! Environment:
//! - `KILN_FUZZ_CASES=N`: programs per family (default 200, 40 in a debug
//!   build; long runs use thousands);
//! - `KILN_FUZZ_SEED=S`: the base seed (default fixed, so CI is stable);
//! - `KILN_FUZZ_CASE_SEED=S`: run just the program with this seed, at
//!   both thresholds;
//! - `KILN_FUZZ_DUMP=DIR`: also write every program to DIR (to check the
//!   generator against CPython).

#[path = "jit_random_support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::minimise::minimise;
use support::runner::{both_tiers, Outcome, LIMIT};
use support::Family;

const KILN: &str = env!("CARGO_BIN_EXE_kiln");
/// Programs per family by default: a few seconds in release; the `kiln`
/// binary of a debug build is several times slower.
const DEFAULT_CASES: u64 = if cfg!(debug_assertions) { 40 } else { 200 };
const DEFAULT_SEED: u64 = 0x6b69_6c6e_6675_7a7a;
/// At most this many differences are shrunk and reported per run.
const MAX_REPORTED: usize = 3;
/// Candidate programs tried while shrinking one difference.
const SHRINK_BUDGET: usize = 400;

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// The seed of case `k` of a family: independent streams per family.
fn case_seed(base: u64, family: Family, k: u64) -> u64 {
    let salt = match family {
        Family::Numeric => 0x9e37_79b9,
        Family::Objects => 0x7f4a_7c15,
    };
    // Hash the base first: bases that differ in low bits must not give
    // overlapping runs of seeds.
    let stream = support::rng::Rng::new(base ^ (salt << 32)).next_u64();
    support::rng::Rng::new(stream ^ k).next_u64()
}

fn scratch_dir(family: Family) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kiln-jit-random-{}-{}",
        family.name(),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

#[derive(PartialEq)]
enum Verdict {
    Same,
    Differ,
    /// Every generated program catches its exceptions and terminates, so
    /// an interpreter run that does not exit 0 is a generator bug.
    Invalid,
}

fn verdict(off: &Outcome, on: &Outcome) -> Verdict {
    if off.timed_out || off.code != Some(0) {
        Verdict::Invalid
    } else if off != on {
        Verdict::Differ
    } else {
        Verdict::Same
    }
}

fn check_case(dir: &Path, family: Family, seed: u64, threshold: u32) -> Option<String> {
    let src = family.generate(seed);
    if let Ok(dump) = std::env::var("KILN_FUZZ_DUMP") {
        let path = Path::new(&dump).join(format!("{}_{seed}.py", family.name()));
        std::fs::write(&path, &src).expect("write to KILN_FUZZ_DUMP");
    }
    let file = dir.join(format!("case_{seed}.py"));
    std::fs::write(&file, &src).expect("write the program");
    let (off, on) = match both_tiers(KILN, &file, threshold, LIMIT) {
        Ok(pair) => pair,
        Err(e) => return Some(format!("seed {seed}: cannot run kiln: {e}")),
    };
    match verdict(&off, &on) {
        Verdict::Same => return None,
        Verdict::Differ => {}
        Verdict::Invalid => {
            return Some(format!(
                "{} seed {seed}: the interpreter did not finish cleanly (generator bug)\n\
                 --- program ({})\n{src}--- interpreter {}",
                family.name(),
                file.display(),
                off.describe()
            ))
        }
    }
    // Shrink: a candidate counts only if the interpreter still finishes.
    let shrink_file = dir.join(format!("shrink_{seed}.py"));
    let small = minimise(
        &src,
        |cand| {
            if std::fs::write(&shrink_file, cand).is_err() {
                return false;
            }
            match both_tiers(KILN, &shrink_file, threshold, Duration::from_secs(10)) {
                Ok((off, on)) => verdict(&off, &on) == Verdict::Differ,
                Err(_) => false,
            }
        },
        SHRINK_BUDGET,
    );
    let _ = std::fs::write(&shrink_file, &small);
    let (s_off, s_on) = both_tiers(KILN, &shrink_file, threshold, LIMIT).unwrap_or((off, on));
    Some(format!(
        "{} seed {seed} (KILN_FUZZ_CASE_SEED={seed}), threshold {threshold}: the tiers differ\n\
         --- shrunk program ({})\n{small}--- --jit off {}\n--- --jit on {}",
        family.name(),
        shrink_file.display(),
        s_off.describe(),
        s_on.describe()
    ))
}

fn fuzz(family: Family) {
    let dir = scratch_dir(family);
    // Threshold 1 compiles before any feedback (generic code); 2 after one
    // interpreted call, so the code speculates on the types seen.
    let cases: Vec<(u64, u32)> = match env_u64("KILN_FUZZ_CASE_SEED") {
        Some(s) => vec![(s, 1), (s, 2)],
        None => {
            let base = env_u64("KILN_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
            let n = env_u64("KILN_FUZZ_CASES").unwrap_or(DEFAULT_CASES);
            (0..n)
                .map(|k| (case_seed(base, family, k), if k % 3 == 1 { 1 } else { 2 }))
                .collect()
        }
    };
    let mut failures = Vec::new();
    for &(seed, threshold) in &cases {
        if let Some(f) = check_case(&dir, family, seed, threshold) {
            failures.push(f);
            if failures.len() >= MAX_REPORTED {
                break;
            }
        } else {
            let _ = std::fs::remove_file(dir.join(format!("case_{seed}.py")));
        }
    }
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(
        failures.is_empty(),
        "{} of {} {} program(s) failed:\n\n{}",
        failures.len(),
        cases.len(),
        family.name(),
        failures.join("\n\n")
    );
}

#[test]
fn numeric_programs_behave_the_same_in_both_tiers() {
    fuzz(Family::Numeric);
}

#[test]
fn object_programs_behave_the_same_in_both_tiers() {
    fuzz(Family::Objects);
}
