//! A worker thread: a current-thread tokio runtime in a `LocalSet`, its own
//! `WorkerApp` (isolate), and the HTTP/1.1 connections handed to it. Each
//! connection is served by hyper (see `conn.rs`) with keep-alive, a
//! header-read timeout and a head-size limit, and is told to finish
//! gracefully when the server shuts down.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use tokio::sync::{mpsc, watch};

use super::app::WorkerApp;
use super::config::ServerConfig;
use super::conn;
use super::dispatch::{Shared, WorkerCtx};
use super::stop::StopSignal;

/// Builds the app of worker `index`; called on that worker's thread.
pub type AppFactory = Arc<dyn Fn(usize) -> Box<dyn WorkerApp> + Send + Sync>;

/// Native stack of a worker thread.
const WORKER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// An accepted connection on its way to a worker.
pub type Handoff = (std::net::TcpStream, SocketAddr);

/// The acceptor's handle on one worker.
pub struct WorkerLink {
    pub sender: mpsc::UnboundedSender<Handoff>,
    /// Open connections, for picking the least busy worker.
    pub connections: Arc<AtomicUsize>,
}

pub fn spawn_worker(
    index: usize,
    shared: Arc<Shared>,
    factory: AppFactory,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<(WorkerLink, JoinHandle<()>)> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    let thread = std::thread::Builder::new()
        .name(format!("kiln-worker-{index}"))
        // Script calls recurse on the native stack; reserve room for the
        // runtime's recursion limit (only touched pages cost memory).
        .stack_size(WORKER_STACK_BYTES)
        .spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(target: "kiln::host", "worker {index}: cannot start its runtime: {e}");
                return;
            }
        };
        let local = tokio::task::LocalSet::new();
        local.block_on(&runtime, run(index, shared, factory, receiver, counted, shutdown));
    })?;
    Ok((
        WorkerLink {
            sender,
            connections,
        },
        thread,
    ))
}

async fn run(
    index: usize,
    shared: Arc<Shared>,
    factory: AppFactory,
    mut incoming: mpsc::UnboundedReceiver<Handoff>,
    connections: Arc<AtomicUsize>,
    mut shutdown: watch::Receiver<bool>,
) {
    let app = factory(index);
    if let Some(interrupter) = app.interrupter() {
        shared.watchdog.set_interrupter(index, interrupter);
    }
    let grace = shared.config.shutdown_grace;
    let http = http_builder(&shared.config);
    let watch = shared.watchdog.worker(index);
    let stop = StopSignal::new();
    let mut stop_watch = shutdown.clone();
    let raise = Rc::clone(&stop);
    tokio::task::spawn_local(async move {
        if stop_watch.wait_for(|stop| *stop).await.is_ok() {
            raise.stop();
        }
    });
    let ctx = Rc::new(WorkerCtx {
        index,
        shared,
        app: RefCell::new(app),
        watch,
        http,
        stop,
    });
    loop {
        if *shutdown.borrow() {
            break;
        }
        tokio::select! {
            next = incoming.recv() => match next {
                Some((stream, peer)) => {
                    tokio::task::spawn_local(serve_connection(
                        Rc::clone(&ctx), stream, peer, Arc::clone(&connections), shutdown.clone(),
                    ));
                }
                None => break,
            },
            changed = shutdown.changed() => if changed.is_err() { break },
        }
    }
    // Let in-flight requests finish, but not forever.
    let give_up = Instant::now() + grace;
    while connections.load(Ordering::Acquire) > 0 && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The HTTP/1.1 settings every connection of a worker shares (built once).
/// The header-read timeout is kept by `conn.rs`, not by hyper: hyper arms
/// a timer for every request head.
fn http_builder(config: &ServerConfig) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .header_read_timeout(None)
        .max_header_size(config.max_header_bytes)
        .keep_alive(true);
    // Not `pipeline_flush(true)`: with it, hyper 1.12 drops its automatic
    // 400 for a malformed request and closes silently. Headers and a whole
    // body still leave in one vectored write.
    // Date: hyper renders it at most once a second and caches it per thread,
    // which is the sharing we want without cross-core traffic.
    builder
}

/// Decrements the open-connection count when a connection ends.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn serve_connection(
    ctx: Rc<WorkerCtx>,
    stream: std::net::TcpStream,
    peer: SocketAddr,
    connections: Arc<AtomicUsize>,
    shutdown: watch::Receiver<bool>,
) {
    connections.fetch_add(1, Ordering::AcqRel);
    let _open = Open(connections);
    let stream = match stream
        .set_nonblocking(true)
        .and_then(|()| tokio::net::TcpStream::from_std(stream))
    {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(target: "kiln::host", "dropping a connection from {peer}: {e}");
            return;
        }
    };
    conn::serve(ctx, stream, peer, shutdown).await;
}
