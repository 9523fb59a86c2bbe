//! Runs a program through the `kiln` binary — the same path as
//! `kiln run` — with output sent to files (no pipe can fill up) and a
//! time limit, so a miscompiled loop that never ends is a reported
//! failure rather than a hung test.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run did.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    /// The exit status, or None when killed by a signal or the time limit.
    pub code: Option<i32>,
    pub timed_out: bool,
}

impl Outcome {
    pub fn describe(&self) -> String {
        let status = match (self.timed_out, self.code) {
            (true, _) => "timed out".to_string(),
            (false, Some(c)) => format!("exit {c}"),
            (false, None) => "killed by a signal".to_string(),
        };
        format!("({status})\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// Far above any generated program's run time, even in a debug build.
pub const LIMIT: Duration = Duration::from_secs(60);

/// Runs `kiln run ARGS FILE` in FILE's directory.
pub fn run(
    kiln: &str,
    file: &Path,
    args: &[&str],
    tag: &str,
    limit: Duration,
) -> Result<Outcome, String> {
    let out_path = file.with_extension(format!("{tag}.stdout"));
    let err_path = file.with_extension(format!("{tag}.stderr"));
    let out = File::create(&out_path).map_err(|e| format!("{}: {e}", out_path.display()))?;
    let err = File::create(&err_path).map_err(|e| format!("{}: {e}", err_path.display()))?;
    let mut child = Command::new(kiln)
        .arg("run")
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {kiln}: {e}"))?;
    let start = Instant::now();
    let (code, timed_out) = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break (status.code(), false),
            None if start.elapsed() > limit => {
                // Best effort: the child may have exited just now.
                let _ = child.kill();
                let _ = child.wait();
                break (None, true);
            }
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    let read = |p: &Path| std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned());
    let outcome = Outcome {
        stdout: read(&out_path).map_err(|e| e.to_string())?,
        stderr: read(&err_path).map_err(|e| e.to_string())?,
        code,
        timed_out,
    };
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&err_path);
    Ok(outcome)
}

/// The interpreter's outcome and the JIT's, at `threshold`.
pub fn both_tiers(
    kiln: &str,
    file: &Path,
    threshold: u32,
    limit: Duration,
) -> Result<(Outcome, Outcome), String> {
    let off = run(kiln, file, &["--jit", "off"], "off", limit)?;
    let t = threshold.to_string();
    // Synchronous compiles: compiled code runs from the threshold on, so
    // a difference reproduces exactly.
    let on_args = ["--jit", "on", "--jit-sync", "--jit-threshold", &t];
    let on = run(kiln, file, &on_args, "on", limit)?;
    Ok((off, on))
}
