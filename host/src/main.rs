//! The `kiln` binary: parses the command line and hands each subcommand to
//! its module under `cli/`. This is the one place where library errors are
//! turned into messages for people and into exit codes.

mod app;
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::dispatch(args)
}
