//! The HTTP host's engine room: `serve` runs handler scripts behind hyper on
//! N worker threads, each with its own single-threaded runtime and its own
//! `WorkerApp` (the script isolate). The script runtime plugs in through the
//! `app::WorkerApp` trait; everything else here (routing, static files,
//! limits, deadlines, cache, metrics, access log, graceful shutdown) is
//! plain Rust.

mod allocator;
pub mod app;
mod body;
pub mod cache;
pub mod compress;
pub mod config;
mod conn;
mod deadline;
mod dispatch;
mod lazy_timer;
mod listener;
pub mod metrics;
mod outgoing;
pub mod request;
pub mod response;
pub mod router;
pub mod static_cache;
pub mod static_files;
mod stop;
mod worker;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::thread::JoinHandle;

use thiserror::Error;
use tokio::sync::watch;

pub use app::{FnApp, Interrupter, WorkerApp};
pub use cache::CacheStore;
pub use config::ServerConfig;
pub use dispatch::METRICS_PATH;
/// Plain script data (no interpreter state), as the cache stores it.
pub use kiln_runtime::host_api::Plain;
pub use metrics::{jit_stats, Metrics};

use dispatch::Shared;

/// See `allocator.rs` for why mimalloc, and why not through its crate.
#[global_allocator]
static GLOBAL: allocator::Mimalloc = allocator::Mimalloc;
use static_files::StaticFiles;

#[derive(Debug, Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("static directory {dir}: {source}")]
    StaticDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start a server thread: {0}")]
    Thread(std::io::Error),
    #[error("cannot wait for signals: {0}")]
    Signals(std::io::Error),
    #[error("a server thread panicked")]
    ThreadPanicked,
}

/// A running server: its address, and the way to stop it.
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    threads: Vec<JoinHandle<()>>,
    watchdog: deadline::Watchdog,
    watchdog_thread: JoinHandle<()>,
    metrics: Arc<Metrics>,
}

impl ServerHandle {
    /// The bound address (the real port when the config asked for 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    /// Stops accepting and asks connections to finish; returns at once.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Waits for the server threads, after `shutdown`, bounded by the
    /// config's shutdown grace.
    pub fn join(self) -> Result<(), ServeError> {
        let mut panicked = false;
        for thread in self.threads {
            panicked |= thread.join().is_err();
        }
        self.watchdog.stop();
        panicked |= self.watchdog_thread.join().is_err();
        if panicked {
            return Err(ServeError::ThreadPanicked);
        }
        Ok(())
    }
}

/// Starts the server in background threads and returns once it listens.
pub fn start<F>(config: ServerConfig, app_factory: F) -> Result<ServerHandle, ServeError>
where
    F: Fn(usize) -> Box<dyn WorkerApp> + Send + Sync + 'static,
{
    let addr = SocketAddr::new(config.host, config.port);
    let listener = listener::bind(addr).map_err(|source| ServeError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { addr, source })?;
    let static_files = match &config.static_dir {
        Some(dir) => Some(Arc::new(
            StaticFiles::with_cache(
                dir,
                &config.normalised_static_prefix(),
                config.static_cache_limits(),
            )
            .map_err(|source| ServeError::StaticDir {
                dir: dir.clone(),
                source,
            })?,
        )),
        None => None,
    };
    let workers = config.resolved_workers();
    let metrics = Arc::new(Metrics::new(workers));
    let watchdog = deadline::Watchdog::new(workers);
    let shared = Arc::new(Shared {
        config,
        metrics: Arc::clone(&metrics),
        static_files,
        watchdog: watchdog.clone(),
        in_flight: AtomicUsize::new(0),
    });
    let (shutdown, shutdown_rx) = watch::channel(false);
    let factory: worker::AppFactory = Arc::new(app_factory);
    let mut threads = Vec::with_capacity(workers + 1);
    let mut links = Vec::with_capacity(workers);
    let watchdog_thread = watchdog.spawn().map_err(ServeError::Thread)?;
    for index in 0..workers {
        let (link, thread) = worker::spawn_worker(
            index,
            Arc::clone(&shared),
            Arc::clone(&factory),
            shutdown_rx.clone(),
        )
        .map_err(ServeError::Thread)?;
        links.push(link);
        threads.push(thread);
    }
    threads
        .push(listener::spawn_acceptor(listener, links, shutdown_rx).map_err(ServeError::Thread)?);
    tracing::info!(target: "kiln::host", "listening on http://{bound} with {workers} workers");
    Ok(ServerHandle {
        addr: bound,
        shutdown,
        threads,
        watchdog,
        watchdog_thread,
        metrics,
    })
}

/// Runs the server until SIGTERM or SIGINT, then shuts down gracefully:
/// stops accepting, lets in-flight requests finish (bounded by the config's
/// shutdown grace) and returns.
pub fn serve<F>(config: ServerConfig, app_factory: F) -> Result<(), ServeError>
where
    F: Fn(usize) -> Box<dyn WorkerApp> + Send + Sync + 'static,
{
    let handle = start(config, app_factory)?;
    let waited = wait_for_stop_signal();
    handle.shutdown();
    let joined = handle.join();
    waited.and(joined)
}

fn wait_for_stop_signal() -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Signals)?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate()).map_err(ServeError::Signals)?;
            let mut int = signal(SignalKind::interrupt()).map_err(ServeError::Signals)?;
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await.map_err(ServeError::Signals)?;
        tracing::info!(target: "kiln::host", "shutting down");
        Ok(())
    })
}

/// Installs the log subscriber (access log and host messages on stderr);
/// `RUST_LOG` overrides the default `info` level. Safe to call twice.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // Cranelift logs every function it defines at INFO; keep the
        // default log to Kiln's own lines (RUST_LOG overrides all of it).
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,cranelift_jit=warn,cranelift_codegen=warn")
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        .try_init();
}
