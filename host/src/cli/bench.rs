//! `kiln bench FILE.py...`: the interpreter against the JIT, side by side.
//!
//! Each program runs `--runs` times per tier, as separate processes of this
//! same binary, interleaved so machine noise hits both tiers alike. Both
//! tiers must print the same stdout; the table shows median wall times, the
//! speed-up, and the JIT's compile time and deoptimisations (read from the
//! `--stats` report of a JIT run).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// One timed run of one tier.
struct Sample {
    wall: Duration,
    stdout: Vec<u8>,
    stderr: String,
    ok: bool,
}

fn run_once(exe: &Path, file: &Path, jit: bool) -> std::io::Result<Sample> {
    // Run from the script's directory, as `python3 FILE` users expect for
    // sibling imports and relative data files.
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let script = file.file_name().unwrap_or(file.as_os_str());
    let mut cmd = Command::new(exe);
    cmd.args(["run", "--jit", if jit { "on" } else { "off" }]);
    if jit {
        cmd.arg("--stats");
    }
    cmd.arg(script).current_dir(dir);
    let start = Instant::now();
    let out = cmd.output()?;
    Ok(Sample {
        wall: start.elapsed(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        ok: out.status.success(),
    })
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

/// Compile time (µs) from the `jit: total:` line of a `--stats` report.
fn compile_micros(stats: &str) -> Option<u64> {
    let line = stats.lines().find(|l| l.starts_with("jit: total:"))?;
    let after = line.split("compile ").nth(1)?;
    after.split("us").next()?.trim().parse().ok()
}

/// Deoptimisations: the sum of every `exits=[reason=N,...]` count.
fn deopts(stats: &str) -> u64 {
    stats
        .lines()
        .filter_map(|l| l.split("exits=[").nth(1))
        .flat_map(|list| list.trim_end_matches(']').split(','))
        .filter_map(|item| item.split('=').nth(1)?.parse::<u64>().ok())
        .sum()
}

pub fn bench(files: &[PathBuf], runs: usize) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => {
            eprintln!("kiln bench: cannot find the kiln binary: {err}");
            return ExitCode::from(super::EXIT_COMPILE);
        }
    };
    let runs = runs.max(1);
    println!(
        "{:<24} {:>12} {:>12} {:>9} {:>13} {:>8}  output",
        "program", "interp (s)", "jit (s)", "speedup", "compile (ms)", "deopts"
    );
    let mut all_same = true;
    for file in files {
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let (mut interp, mut jit) = (Vec::new(), Vec::new());
        let mut outputs: Option<(Vec<u8>, Vec<u8>)> = None;
        let mut stats = String::new();
        let mut failure = None;
        for _ in 0..runs {
            let pair =
                run_once(&exe, file, false).and_then(|a| Ok((a, run_once(&exe, file, true)?)));
            let (off, on) = match pair {
                Ok(pair) => pair,
                Err(err) => {
                    failure = Some(format!("cannot run: {err}"));
                    break;
                }
            };
            if !off.ok || !on.ok {
                let bad = if off.ok { &on } else { &off };
                let last = bad
                    .stderr
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("");
                failure = Some(format!("failed: {last}"));
                break;
            }
            interp.push(off.wall);
            jit.push(on.wall);
            stats = on.stderr;
            outputs.get_or_insert((off.stdout, on.stdout));
        }
        if let Some(why) = failure {
            all_same = false;
            println!("{name:<24} {why}");
            continue;
        }
        let same = outputs.as_ref().is_some_and(|(a, b)| a == b);
        all_same &= same;
        let (i, j) = (median(interp), median(jit));
        let speedup = i.as_secs_f64() / j.as_secs_f64().max(1e-9);
        let compile = compile_micros(&stats)
            .map_or("–".to_string(), |us| format!("{:.1}", us as f64 / 1000.0));
        println!(
            "{name:<24} {:>12.3} {:>12.3} {:>8.2}× {:>13} {:>8}  {}",
            i.as_secs_f64(),
            j.as_secs_f64(),
            speedup,
            compile,
            deopts(&stats),
            if same { "same" } else { "DIFFERS" }
        );
    }
    if all_same {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_EXCEPTION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "jit: function, tier, calls, osr entries, compile us, code bytes, exits\n\
        jit:   fib  jit  calls=5  osr=0  compile=1912us  code=2872B  exits=[type=3,overflow=2]\n\
        jit:   main  jit  calls=1  osr=1  compile=88us  code=100B  exits=[]\n\
        jit: total: 2 functions, compile 2000us, code 2972B\n";

    #[test]
    fn reads_compile_time_and_deopts_from_a_stats_report() {
        assert_eq!(compile_micros(REPORT), Some(2000));
        assert_eq!(deopts(REPORT), 5);
        assert_eq!(compile_micros("no report"), None);
        assert_eq!(deopts(""), 0);
    }
}
