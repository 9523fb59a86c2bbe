//! Command-line interface: the argument grammar and the dispatch to each
//! subcommand. Subcommands never panic on user input; they return the
//! process exit code.

mod bench;
mod check;
mod run;
mod serve;

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
        /// Calls plus loop back-edges before a function is compiled.
        #[arg(long)]
        jit_threshold: Option<u32>,
        /// Wait for each compile before going on (deterministic tiering;
        /// by default the interpreter goes on while it compiles).
        #[arg(long)]
        jit_sync: bool,
    },
    /// Time scripts under the interpreter and the JIT, side by side.
    Bench {
        /// The scripts to time.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Runs per tier; the table shows medians.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Serve the handler scripts of a directory over HTTP.
    Serve {
        /// Directory of handler scripts (every `.py` in it is a module).
        #[arg(default_value = "./scripts")]
        scripts_dir: std::path::PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Worker threads, one isolate each (default: one per core).
        #[arg(long, default_value_t = 0)]
        workers: usize,
        /// Directory of static files, served without touching a script.
        #[arg(long = "static")]
        static_dir: Option<std::path::PathBuf>,
        /// URL prefix of the static files.
        #[arg(long, default_value = "/static", requires = "static_dir")]
        static_prefix: String,
        /// Execution tier.
        #[arg(long, value_enum, default_value = "on")]
        jit: JitMode,
        /// Cache backend (`memory`, the in-process store shared by workers).
        #[arg(long)]
        cache: Option<String>,
        /// Development mode: tracebacks in 500 responses.
        #[arg(long)]
        dev: bool,
        /// Per-request deadline in seconds (past it: 504).
        #[arg(long, default_value = "30", value_parser = serve::parse_secs)]
        timeout: f64,
        /// Largest request body (e.g. 10MiB; larger is 413).
        #[arg(long, default_value = "10MiB", value_parser = serve::parse_bytes)]
        max_body: u64,
    },
    /// Compile every script in a directory and report all errors.
    Check {
        /// Directory of `.py` scripts (searched recursively).
        dir: std::path::PathBuf,
    },
}

pub fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run {
            file,
            jit,
            stats,
            jit_threshold,
            jit_sync,
        } => run::run(
            &file,
            run::RunArgs {
                jit: jit == JitMode::On,
                stats,
                jit_threshold,
                jit_sync,
            },
        ),
        Command::Check { dir } => check::check(&dir),
        Command::Bench { files, runs } => bench::bench(&files, runs),
        Command::Serve {
            scripts_dir,
            host,
            port,
            workers,
            static_dir,
            static_prefix,
            jit,
            cache,
            dev,
            timeout,
            max_body,
        } => serve::serve(serve::ServeArgs {
            scripts_dir,
            host,
            port,
            workers,
            static_dir,
            static_prefix,
            jit: jit == JitMode::On,
            cache,
            dev,
            timeout_secs: timeout,
            max_body,
        }),
    }
}
