//! The listening socket and the accept loop.
//!
//! Why one accept loop handing sockets to workers rather than a
//! `SO_REUSEPORT` listener per worker: with reuseport the kernel hashes each
//! new connection to a listener without knowing that its worker may be busy
//! (a handler running a long loop blocks that worker's event loop), so new
//! clients would queue behind it. Here the acceptor gives each connection to
//! the worker with the fewest open connections, skipping a stuck one. One
//! thread doing `accept` is far from a bottleneck at the rates a 2-core box
//! reaches, and the hand-off is one channel send per connection (not per
//! request: keep-alive connections stay on their worker). It also makes port
//! 0 trivial: there is a single socket to ask for its address.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::sync::watch;

use super::worker::WorkerLink;

const BACKLOG: i32 = 1024;

/// Binds a non-blocking listener (port 0 picks a free port).
pub fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

pub fn spawn_acceptor(
    listener: std::net::TcpListener,
    workers: Vec<WorkerLink>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("kiln-accept".into()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(target: "kiln::host", "acceptor: cannot start its runtime: {e}");
                return;
            }
        };
        runtime.block_on(async move {
            let listener = match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => l,
                Err(e) => {
                    tracing::error!(target: "kiln::host", "acceptor: {e}");
                    return;
                }
            };
            let mut turn = 0usize;
            loop {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, peer)) => {
                            let _ = stream.set_nodelay(true);
                            let Ok(stream) = stream.into_std() else { continue };
                            turn = turn.wrapping_add(1);
                            if let Some(link) = pick_worker(&workers, turn) {
                                let _ = link.sender.send((stream, peer));
                            }
                        }
                        Err(e) => {
                            // Out of descriptors and the like: back off briefly.
                            tracing::warn!(target: "kiln::host", "accept failed: {e}");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    },
                    _ = shutdown.wait_for(|stop| *stop) => break,
                }
            }
            // Dropping the listener here stops new connections at once.
        });
    })
}

/// The least-loaded worker, starting the scan at `turn` so ties rotate.
fn pick_worker(workers: &[WorkerLink], turn: usize) -> Option<&WorkerLink> {
    let n = workers.len();
    (0..n)
        .filter_map(|i| workers.get((turn + i) % n))
        .min_by_key(|w| w.connections.load(Ordering::Relaxed))
}
