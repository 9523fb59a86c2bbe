//! Command-line interface: the argument grammar and the dispatch to each
//! subcommand. Subcommands never panic on user input; they return the
//! process exit code.

mod check;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code for an uncaught Python exception (as CPython).
pub const EXIT_EXCEPTION: u8 = 1;
/// Exit code for a compile error or a bad command line.
pub const EXIT_COMPILE: u8 = 2;

/// Kiln: Python-subset request handlers on a JIT-compiling runtime.
#[derive(Debug, Parser)]
#[command(name = "kiln", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Which execution tier runs the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum JitMode {
    /// Interpreter, then compile hot functions.
    On,
    /// Interpreter only.
    Off,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a script as a program, like `python3 FILE.py`.
    Run {
        /// The script to run.
        file: std::path::PathBuf,
        /// Execution tier.
        #[arg(long, value_enum, default_value = "on")]
        jit: JitMode,
        /// Print per-function execution statistics to stderr at exit.
        #[arg(long)]
        stats: bool,
    },
    /// Compile every script in a directory and report all errors.
    Check {
        /// Directory of `.py` scripts (searched recursively).
        dir: std::path::PathBuf,
    },
}

pub fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run { file, jit, stats } => run::run(&file, jit == JitMode::On, stats),
        Command::Check { dir } => check::check(&dir),
    }
}
