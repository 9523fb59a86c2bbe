//! Criterion benchmarks of whole Kiln programs (`benches/programs/*.py`),
//! each measured in the interpreter and with the JIT at its default
//! threshold. One iteration is one fresh isolate compiling and running the
//! program, as `kiln run` does, with its output discarded.
//!
//! Run with `cargo bench -p kiln-runtime --bench whole_programs` (see
//! benches/README.md); a trailing filter such as `-- fib` selects programs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::Criterion;
use kiln_runtime::{Isolate, Options, RunError};

/// The interpreter recurses on the native stack for Python calls; as
/// `kiln run` does, run on a thread with room for deep recursion.
const VM_STACK_BYTES: usize = 512 * 1024 * 1024;

const TIERS: [(&str, bool); 2] = [("interp", false), ("jit", true)];

fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/programs")
}

/// `(name, source)` of every program, sorted by name.
fn programs() -> Result<Vec<(String, String)>, String> {
    let dir = programs_dir();
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "py") {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let src =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            found.push((name, src));
        }
    }
    found.sort();
    Ok(found)
}

/// Compiles and runs `src` in a fresh isolate, output discarded.
fn run(name: &str, src: &str, jit: bool) -> Result<(), RunError> {
    let mut isolate = Isolate::new(Options {
        jit,
        ..Options::default()
    });
    isolate.set_stdout(Box::new(std::io::sink()));
    isolate.run_source(src, &format!("{name}.py"))
}

fn bench_all(c: &mut Criterion) {
    let programs = match programs() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot read the benchmark programs: {e}");
            return;
        }
    };
    for (name, src) in &programs {
        let mut group = c.benchmark_group(name.as_str());
        for (tier, jit) in TIERS {
            // A program that fails is reported and skipped, not timed.
            if let Err(e) = run(name, src, jit) {
                eprintln!("{name} [{tier}] fails, skipped: {e}");
                continue;
            }
            group.bench_function(tier, |b| {
                b.iter(|| {
                    let _ = std::hint::black_box(run(name, src, jit));
                })
            });
        }
        group.finish();
    }
}

fn main() {
    let worker = std::thread::Builder::new()
        .name("kiln-bench".into())
        .stack_size(VM_STACK_BYTES)
        .spawn(|| {
            let mut c = Criterion::default()
                .sample_size(10)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(3))
                .configure_from_args();
            bench_all(&mut c);
            c.final_summary();
        });
    match worker.map(|h| h.join()) {
        Ok(Ok(())) => {}
        Ok(Err(_)) => eprintln!("the benchmark thread panicked"),
        Err(e) => eprintln!("cannot start the benchmark thread: {e}"),
    }
}
