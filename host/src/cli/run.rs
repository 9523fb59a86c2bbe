//! `kiln run FILE.py`: run one script as `__main__`.
//!
//! Exit codes follow CPython: 0 on success, 1 for an uncaught exception
//! (traceback on stderr), the `SystemExit` code when the script raises it;
//! and 2 for a compile error or an unreadable file.

use std::path::Path;
use std::process::ExitCode;

use kiln_runtime::{Isolate, Options, RunError};

use super::{EXIT_COMPILE, EXIT_EXCEPTION};

/// The interpreter recurses on the native stack for Python calls; give it
/// room for the 1000-frame recursion limit with large native frames.
const VM_STACK_BYTES: usize = 512 * 1024 * 1024;

/// How `kiln run` runs its script.
pub struct RunArgs {
    pub jit: bool,
    pub stats: bool,
    pub jit_threshold: Option<u32>,
    pub jit_sync: bool,
}

pub fn run(file: &Path, args: RunArgs) -> ExitCode {
    let script = file.to_path_buf();
    let worker = std::thread::Builder::new()
        .name("kiln-main".into())
        .stack_size(VM_STACK_BYTES)
        .spawn(move || {
            let mut isolate = Isolate::new(Options {
                jit: args.jit,
                stats: args.stats,
                jit_threshold: args.jit_threshold,
                jit_sync: args.jit_sync,
            });
            isolate.run_file(&script)
        });
    let outcome = match worker {
        Ok(handle) => match handle.join() {
            Ok(outcome) => outcome,
            Err(_) => {
                eprintln!("kiln: internal error: the interpreter thread panicked");
                return ExitCode::from(70);
            }
        },
        Err(err) => {
            eprintln!("kiln: cannot start the interpreter thread: {err}");
            return ExitCode::from(70);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Compile(err)) => {
            eprintln!("{err}");
            ExitCode::from(EXIT_COMPILE)
        }
        Err(RunError::Uncaught {
            traceback,
            exit_code,
        }) => {
            eprint!("{traceback}");
            if !traceback.is_empty() && !traceback.ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(u8::try_from(exit_code).unwrap_or(EXIT_EXCEPTION))
        }
        Err(RunError::Io(err)) => {
            eprintln!("kiln: {}: {err}", file.display());
            ExitCode::from(EXIT_COMPILE)
        }
    }
}
