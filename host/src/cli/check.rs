//! `kiln check DIR`: compile every `.py` script under a directory and report
//! every error, so a broken app is caught before it is served.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Collect `.py` files below `dir`, sorted so reports are stable.
fn scripts_in(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            scripts_in(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "py") {
            found.push(path);
        }
    }
    Ok(())
}

pub fn check(dir: &Path) -> ExitCode {
    let mut scripts = Vec::new();
    if let Err(err) = scripts_in(dir, &mut scripts) {
        eprintln!("kiln check: {}: {err}", dir.display());
        return ExitCode::from(super::EXIT_COMPILE);
    }
    let mut errors = 0usize;
    for path in &scripts {
        let source = match std::fs::read_to_string(path) {
            Ok(source) => source,
            Err(err) => {
                eprintln!("{}: cannot read: {err}", path.display());
                errors += 1;
                continue;
            }
        };
        if let Err(err) = kiln_compiler::compile(&source, &path.display().to_string()) {
            eprintln!("{err}");
            errors += 1;
        }
    }
    if errors == 0 {
        println!("kiln check: {} script(s) OK", scripts.len());
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "kiln check: {errors} of {} script(s) failed to compile",
            scripts.len()
        );
        ExitCode::from(super::EXIT_EXCEPTION)
    }
}
