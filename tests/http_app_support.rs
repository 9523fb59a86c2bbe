//! Shared pieces of the scripted-app HTTP tests: writes an app to a fresh
//! temporary directory, starts the real `kiln serve` binary on a loopback
//! port chosen by the OS, reads the bound address from its log, keeps the
//! log for assertions, and kills the server when dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("kiln-app-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

pub fn write_app(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write script");
    }
}

pub struct Kiln {
    child: Child,
    pub addr: SocketAddr,
    pub dir: PathBuf,
    log: Arc<Mutex<String>>,
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs `kiln serve DIR --port 0 ARGS...` and waits until it listens;
/// `Err(log)` when it exits first.
pub fn try_serve(dir: &Path, args: &[&str]) -> Result<Kiln, (Option<i32>, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .arg("serve")
        .arg(dir)
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(args)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kiln serve");
    let stderr = child.stderr.take().expect("stderr");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel::<SocketAddr>();
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let line = strip_ansi(&line);
            if let Some(rest) = line.split("listening on http://").nth(1) {
                if let Some(addr) = rest.split_whitespace().next().and_then(|a| a.parse().ok()) {
                    let _ = tx.send(addr);
                }
            }
            if let Ok(mut log) = sink.lock() {
                log.push_str(&line);
                log.push('\n');
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(addr) => Ok(Kiln {
            child,
            addr,
            dir: dir.to_path_buf(),
            log,
        }),
        Err(_) => {
            let status = child.wait().ok().and_then(|s| s.code());
            std::thread::sleep(Duration::from_millis(100));
            let text = log.lock().map(|l| l.clone()).unwrap_or_default();
            Err((status, text))
        }
    }
}

/// Writes `files` to a new directory and serves it.
pub fn serve_app(files: &[(&str, &str)], args: &[&str]) -> Kiln {
    let dir = temp_dir("t");
    write_app(&dir, files);
    match try_serve(&dir, args) {
        Ok(k) => k,
        Err((status, log)) => panic!("kiln serve did not start ({status:?}):\n{log}"),
    }
}

impl Kiln {
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Whether the server's log shows `needle` within a few seconds: the
    /// log is read from the child's stderr by another thread, so a line
    /// written just before a response may not have arrived yet.
    #[allow(dead_code)]
    pub fn log_shows(&self, needle: &str) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            if self.log().contains(needle) {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Kiln {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Both execution tiers, for tests that must pass in each.
pub const TIERS: [&str; 2] = ["off", "on"];
