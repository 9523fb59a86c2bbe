//! `ServerConfig`: the `kiln serve` flags (DESIGN §3) plus the host's limits,
//! as one plain struct with the documented defaults.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::static_cache::CacheLimits;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Handler scripts (`SCRIPTS_DIR`); read by the runtime, not the host.
    pub scripts_dir: PathBuf,
    pub host: IpAddr,
    /// 0 picks a free port (tests read it back from the handle).
    pub port: u16,
    /// Worker threads, one isolate each; 0 means one per core.
    pub workers: usize,
    pub static_dir: Option<PathBuf>,
    pub static_prefix: String,
    /// `--jit on|off`, `--db`, `--cache`, `--dev`: runtime settings carried
    /// here so the CLI has one place to put them.
    pub jit: bool,
    pub db: Option<String>,
    pub cache_url: Option<String>,
    /// Tracebacks in 500 responses.
    pub dev: bool,
    /// Per-request deadline (`--timeout`); past it the answer is 504.
    pub timeout: Duration,
    /// Largest request body (`--max-body`); larger is 413.
    pub max_body: u64,
    /// Largest request head (request line plus headers); larger is 431.
    pub max_header_bytes: usize,
    /// Requests handled at once across all workers; excess gets 503.
    pub max_in_flight: usize,
    /// A client must send its whole request head within this time.
    pub header_read_timeout: Duration,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// Dynamic responses at least this large are gzipped when accepted.
    pub gzip_min_bytes: usize,
    /// One log line per request.
    pub access_log: bool,
    /// Static files up to this size are held in memory (larger ones stream
    /// from disk on every request).
    pub static_cache_max_file: u64,
    /// All static bodies held in memory together; past it the least
    /// recently used are dropped.
    pub static_cache_max_total: u64,
    /// A cached static file is served this long without looking at the
    /// disk; the next request after it re-checks the file (one `stat`).
    pub static_cache_revalidate: Duration,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            scripts_dir: PathBuf::from("./scripts"),
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            workers: 0,
            static_dir: None,
            static_prefix: "/static".into(),
            jit: true,
            db: None,
            cache_url: None,
            dev: false,
            timeout: Duration::from_secs(30),
            max_body: 10 * 1024 * 1024,
            max_header_bytes: 64 * 1024,
            max_in_flight: 10_000,
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(8),
            gzip_min_bytes: 1024,
            access_log: true,
            static_cache_max_file: CacheLimits::default().max_file,
            static_cache_max_total: CacheLimits::default().max_total,
            static_cache_revalidate: CacheLimits::default().revalidate,
        }
    }
}

impl ServerConfig {
    /// The worker count with 0 resolved to the number of cores.
    pub fn resolved_workers(&self) -> usize {
        if self.workers > 0 {
            return self.workers;
        }
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    }

    pub fn static_cache_limits(&self) -> CacheLimits {
        CacheLimits {
            max_file: self.static_cache_max_file,
            max_total: self.static_cache_max_total,
            revalidate: self.static_cache_revalidate,
        }
    }

    /// The static prefix normalised to "/name" (no trailing slash).
    pub fn normalised_static_prefix(&self) -> String {
        let trimmed = self.static_prefix.trim_matches('/');
        format!("/{trimmed}")
    }
}
