//! `kiln serve [SCRIPTS_DIR]`: checks and loads the scripts (a broken app
//! is reported with `file:line:col` and the server refuses to start), then
//! runs the HTTP host with one scripted `WorkerApp` per worker and a
//! directory watcher for hot reload, until SIGTERM/SIGINT.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use kiln_runtime::host_api::snapshot_scripts;
use kiln_server::ServerConfig;

use crate::app::{load_version, reload, AppShared, ScriptWorkerApp};

use super::EXIT_COMPILE;

/// The `kiln serve` flags, already parsed.
pub struct ServeArgs {
    pub scripts_dir: PathBuf,
    pub host: IpAddr,
    pub port: u16,
    pub workers: usize,
    pub static_dir: Option<PathBuf>,
    pub static_prefix: String,
    pub jit: bool,
    pub cache: Option<String>,
    pub dev: bool,
    pub timeout_secs: f64,
    pub max_body: u64,
}

/// Parses a byte count: `1048576`, `512K`, `10MiB`, `1G`...
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a byte count"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown byte unit {other:?}")),
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// Parses a positive number of seconds.
pub fn parse_secs(text: &str) -> Result<f64, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if secs.is_finite() && secs > 0.0 && secs < 1e7 {
        Ok(secs)
    } else {
        Err(format!("{text:?} must be a positive number of seconds"))
    }
}

/// The interpreter recurses on the native stack; load on a thread with room.
const LOAD_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Loads the scripts once before serving, so a broken app never starts.
fn preflight(shared: &Arc<AppShared>) -> Result<(), String> {
    let probe = Arc::clone(shared);
    let loaded = std::thread::Builder::new()
        .name("kiln-preflight".into())
        .stack_size(LOAD_STACK_BYTES)
        .spawn(move || load_version(&probe, &Arc::new(AtomicBool::new(false))).map(|_| ()))
        .map_err(|e| format!("cannot start the loader thread: {e}"))?;
    loaded
        .join()
        .map_err(|_| "internal error: the loader thread panicked".to_owned())?
}

pub fn serve(args: ServeArgs) -> ExitCode {
    if let Some(url) = &args.cache {
        if url != "memory" && !url.starts_with("memory:") {
            eprintln!(
                "kiln serve: --cache {url}: only the in-process cache (`memory`) is available in this build"
            );
            return ExitCode::from(EXIT_COMPILE);
        }
    }
    if !args.scripts_dir.is_dir() {
        eprintln!(
            "kiln serve: {}: not a directory of scripts",
            args.scripts_dir.display()
        );
        return ExitCode::from(EXIT_COMPILE);
    }
    kiln_server::init_logging();
    let snapshot = match snapshot_scripts(&args.scripts_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            eprintln!(
                "kiln serve: the app in {} does not compile; not starting",
                args.scripts_dir.display()
            );
            return ExitCode::from(EXIT_COMPILE);
        }
    };
    let shared = AppShared::new(snapshot, args.jit);
    if let Err(e) = preflight(&shared) {
        eprintln!("{e}");
        eprintln!(
            "kiln serve: the app in {} did not load; not starting",
            args.scripts_dir.display()
        );
        return ExitCode::from(EXIT_COMPILE);
    }
    let config = ServerConfig {
        scripts_dir: args.scripts_dir,
        host: args.host,
        port: args.port,
        workers: args.workers,
        static_dir: args.static_dir,
        static_prefix: args.static_prefix,
        jit: args.jit,
        cache_url: args.cache,
        dev: args.dev,
        timeout: Duration::from_secs_f64(args.timeout_secs),
        max_body: args.max_body,
        ..ServerConfig::default()
    };
    // Kept alive for the server's life; without it there is no hot reload.
    let _watcher = match reload::watch(Arc::clone(&shared)) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(target: "kiln::scripts", "hot reload is off: cannot watch the scripts: {e}");
            None
        }
    };
    let factory_shared = Arc::clone(&shared);
    let result = kiln_server::serve(config, move |index| {
        Box::new(ScriptWorkerApp::new(Arc::clone(&factory_shared), index))
            as Box<dyn kiln_server::WorkerApp>
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kiln serve: {e}");
            ExitCode::from(EXIT_COMPILE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts() {
        assert_eq!(parse_bytes("10MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_bytes("512k"), Ok(512 * 1024));
        assert_eq!(parse_bytes("7"), Ok(7));
        assert!(parse_bytes("ten").is_err());
        assert!(parse_bytes("99999999999999G").is_err());
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_secs("0.5"), Ok(0.5));
        assert!(parse_secs("0").is_err());
        assert!(parse_secs("nan").is_err());
    }
}
