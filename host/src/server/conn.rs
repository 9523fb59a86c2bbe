//! One client connection. hyper serves it while the client is active; once
//! the client has been idle between requests for `PARK_AFTER`, the hyper
//! connection is wound up (`graceful_shutdown` on an idle connection closes
//! it without a byte on the wire) and taken apart, so its read and write
//! buffers (8 KiB each), cached headers and timers are freed. The parked
//! connection holds only its socket until the client sends again (a new
//! hyper connection takes over, fed any bytes the old one had read ahead)
//! or the idle limit passes (closed, as hyper's header-read timeout would).
//!
//! Parking happens only when hyper is surely between requests: every
//! request it started has had its whole response handed over and flushed,
//! hyper's last read found nothing (no bytes came in since), and the
//! exchange was plain keep-alive (HTTP/1.1, no request body, no
//! `Connection` header either way). That last read is usually the one
//! hyper makes while the response is in flight (to notice a client that
//! hangs up): with no header-read timeout of its own, hyper does not read
//! again after a response once a read was blocked, so a rule asking for a
//! read after the response would never park.
//! Otherwise hyper keeps the connection, as without parking.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

use super::body::OutBody;
use super::dispatch::{handle, Handled, ResponseFuture, WorkerCtx};
use super::lazy_timer::LazyTimer;

use super::response::StreamError;

/// Idle time after a response before the connection is parked. Long
/// enough that a client sending back-to-back requests never pays for a new
/// hyper connection, short next to any keep-alive timeout.
const PARK_AFTER: Duration = Duration::from_millis(100);

/// What the connection's pieces tell its driver (single-threaded).
struct Activity {
    started: Cell<u64>,
    /// Responses whose body hyper has finished with.
    finished: Cell<u64>,
    /// The last read found no data, and nothing was read since.
    read_blocked: Cell<bool>,
    /// Bytes written but not yet flushed.
    unflushed: Cell<bool>,
    /// False once an exchange was not plain keep-alive.
    parkable: Cell<bool>,
    /// When hyper last began waiting for a request head: the connection's
    /// start, or the end of the last response.
    waiting_since: Cell<Instant>,
}

impl Activity {
    fn new() -> Rc<Activity> {
        Rc::new(Activity {
            started: Cell::new(0),
            finished: Cell::new(0),
            read_blocked: Cell::new(false),
            unflushed: Cell::new(false),
            parkable: Cell::new(true),
            waiting_since: Cell::new(Instant::now()),
        })
    }

    /// When the request head hyper waits for is overdue; `None` while a
    /// request is in flight (the head timeout covers only heads).
    fn head_deadline(&self, limit: Duration) -> Option<Instant> {
        (self.started.get() == self.finished.get()).then(|| self.waiting_since.get() + limit)
    }

    /// hyper is waiting for the next request with nothing in flight.
    fn between_requests(&self) -> bool {
        let finished = self.finished.get();
        self.parkable.get()
            && finished > 0
            && self.started.get() == finished
            && self.read_blocked.get()
            && !self.unflushed.get()
    }
}

/// The socket, plus bytes read ahead by an earlier hyper connection.
struct ParkIo {
    stream: TcpStream,
    prefix: Bytes,
    activity: Rc<Activity>,
}

impl AsyncRead for ParkIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.prefix.is_empty() {
            let n = this.prefix.len().min(buf.remaining());
            buf.put_slice(&this.prefix[..n]);
            this.prefix.advance(n);
            this.activity.read_blocked.set(false);
            return Poll::Ready(Ok(()));
        }
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        this.activity.read_blocked.set(polled.is_pending());
        polled
    }
}

impl AsyncWrite for ParkIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.activity.unflushed.set(true);
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.activity.unflushed.set(true);
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_flush(cx);
        if matches!(polled, Poll::Ready(Ok(()))) {
            this.activity.unflushed.set(false);
        }
        polled
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// A response body that reports when hyper is done with it.
pub struct TrackedBody {
    inner: OutBody,
    activity: Rc<Activity>,
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        let finished = &self.activity.finished;
        finished.set(finished.get() + 1);
        self.activity.waiting_since.set(Instant::now());
    }
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = StreamError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamError>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The service's answer to hyper: most requests are answered in the call
/// itself, so only those that wait carry a boxed future.
enum ServiceFuture {
    Ready(Option<hyper::Response<TrackedBody>>),
    Pending {
        future: ResponseFuture,
        activity: Rc<Activity>,
    },
}

impl Future for ServiceFuture {
    type Output = Result<hyper::Response<TrackedBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            // hyper polls a future only until it is ready, so `None` is not
            // reached; an empty 500 would be the answer if it were.
            ServiceFuture::Ready(resp) => Poll::Ready(Ok(resp.take().unwrap_or_else(|| {
                let mut resp = hyper::Response::new(TrackedBody {
                    inner: OutBody::full(Bytes::new()),
                    activity: Activity::new(),
                });
                *resp.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                resp
            }))),
            ServiceFuture::Pending { future, activity } => match future.as_mut().poll(cx) {
                Poll::Ready(resp) => Poll::Ready(Ok(tracked(resp, Rc::clone(activity)))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// The response with a body that reports back to `activity`.
fn tracked(resp: hyper::Response<OutBody>, activity: Rc<Activity>) -> hyper::Response<TrackedBody> {
    if has_connection_header(resp.headers()) {
        activity.parkable.set(false);
    }
    resp.map(|inner| TrackedBody { inner, activity })
}

/// Whether a head has a `Connection` header. Heads have few headers, and
/// comparing their names costs less than hashing one.
fn has_connection_header(map: &http::HeaderMap) -> bool {
    if map.len() > 16 {
        return map.contains_key(http::header::CONNECTION);
    }
    map.keys().any(|name| name == http::header::CONNECTION)
}

/// Whether an exchange leaves the connection plainly reusable.
fn plain_keep_alive(req: &hyper::Request<Incoming>) -> bool {
    req.version() == http::Version::HTTP_11
        && req.body().is_end_stream()
        && !has_connection_header(req.headers())
}

/// How a hyper connection ended.
enum Ended {
    /// Parked between requests: the socket and any bytes read ahead.
    Parked(TcpStream, Bytes),
    /// hyper finished with the connection; close it.
    Finished(TcpStream),
    Failed(hyper::Error),
    /// A request head took longer than the header-read timeout.
    HeadTimedOut,
}

/// Serves one accepted connection until it closes.
pub async fn serve(
    ctx: Rc<WorkerCtx>,
    mut stream: TcpStream,
    peer: SocketAddr,
    mut shutdown: watch::Receiver<bool>,
) {
    let idle_limit = ctx.shared.config.header_read_timeout;
    let mut prefix = Bytes::new();
    loop {
        if prefix.is_empty() {
            // Parked (or new): only the socket is held until bytes arrive.
            tokio::select! {
                ready = tokio::time::timeout(idle_limit, stream.readable()) => {
                    if !matches!(ready, Ok(Ok(()))) {
                        return;
                    }
                }
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
        }
        // Boxed so that a parked connection's task stays small.
        let ended = Box::pin(run_hyper(&ctx, stream, prefix, peer, &mut shutdown)).await;
        match ended {
            Ended::Parked(s, read_ahead) => {
                tracing::trace!(target: "kiln::host", "parked the connection from {peer}");
                stream = s;
                prefix = read_ahead;
            }
            Ended::Finished(mut s) => {
                let _ = s.shutdown().await;
                return;
            }
            Ended::Failed(e) => {
                tracing::debug!(target: "kiln::host", "connection from {peer} ended: {e}");
                return;
            }
            Ended::HeadTimedOut => {
                tracing::debug!(target: "kiln::host", "connection from {peer} ended: read header from client timeout");
                return;
            }
        }
    }
}

/// Runs one hyper connection until it ends or is parked.
async fn run_hyper(
    ctx: &Rc<WorkerCtx>,
    stream: TcpStream,
    prefix: Bytes,
    peer: SocketAddr,
    shutdown: &mut watch::Receiver<bool>,
) -> Ended {
    let activity = Activity::new();
    let io = ParkIo {
        stream,
        prefix,
        activity: Rc::clone(&activity),
    };
    let service_ctx = Rc::clone(ctx);
    let service_activity = Rc::clone(&activity);
    // The future is boxed: hyper keeps a slot of its size for the
    // connection's whole life.
    let service = service_fn(move |req: hyper::Request<Incoming>| -> ServiceFuture {
        let activity = Rc::clone(&service_activity);
        activity.started.set(activity.started.get() + 1);
        if !plain_keep_alive(&req) {
            activity.parkable.set(false);
        }
        match handle(&service_ctx, req, peer) {
            Handled::Ready(resp) => ServiceFuture::Ready(Some(tracked(resp, activity))),
            Handled::Pending(future) => ServiceFuture::Pending { future, activity },
        }
    });
    let mut conn = ctx.http.serve_connection(TokioIo::new(io), service);
    let mut stopping = *shutdown.borrow();
    if stopping {
        Pin::new(&mut conn).graceful_shutdown();
    }
    let mut stop = ctx.stop.subscribe();
    let mut parking = false;
    // The header-read timeout, kept here rather than by hyper, which arms
    // a timer for every request: this one is re-armed only when it fires.
    let head_limit = ctx.shared.config.header_read_timeout;
    let mut head_timer = LazyTimer::new(activity.waiting_since.get() + head_limit);
    let mut park_timer = LazyTimer::new(Instant::now() + PARK_AFTER);
    // `finished` when the park timer was last armed; it is re-armed only
    // when it fires, so a busy connection pays for one timer per spell.
    let mut armed_at: Option<u64> = None;
    let result = poll_fn(|cx| loop {
        if let Poll::Ready(result) = conn.poll_without_shutdown(cx) {
            return Poll::Ready(result.map_err(Ended::Failed));
        }
        if !stopping && stop.poll_stopped(cx) {
            stopping = true;
            Pin::new(&mut conn).graceful_shutdown();
            continue;
        }
        if head_timer.fired(cx) {
            match activity.head_deadline(head_limit) {
                Some(deadline) if deadline <= Instant::now() => {
                    return Poll::Ready(Err(Ended::HeadTimedOut));
                }
                Some(deadline) => head_timer.reset(deadline),
                None => head_timer.reset(Instant::now() + head_limit),
            }
            continue;
        }
        if stopping || parking || !activity.between_requests() {
            return Poll::Pending;
        }
        let finished = activity.finished.get();
        if armed_at.is_none() {
            armed_at = Some(finished);
            park_timer.reset(Instant::now() + PARK_AFTER);
        }
        if !park_timer.fired(cx) {
            return Poll::Pending;
        }
        if armed_at != Some(finished) {
            // Requests came and went since it was armed: wait a full spell.
            armed_at = Some(finished);
            park_timer.reset(Instant::now() + PARK_AFTER);
            continue;
        }
        parking = true;
        Pin::new(&mut conn).graceful_shutdown();
    })
    .await;
    match result {
        Ok(()) if parking => {
            let parts = conn.into_parts();
            let ParkIo { stream, prefix, .. } = parts.io.into_inner();
            Ended::Parked(stream, join(parts.read_buf, prefix))
        }
        Ok(()) => Ended::Finished(conn.into_parts().io.into_inner().stream),
        Err(ended) => ended,
    }
}

/// Bytes hyper read ahead, then any it never read. An empty result owns
/// nothing: an empty slice of hyper's read buffer would keep all 8 KiB.
fn join(first: Bytes, second: Bytes) -> Bytes {
    match (first.is_empty(), second.is_empty()) {
        (true, true) => Bytes::new(),
        // Copied out, for the same reason: the rest is usually tiny.
        (false, true) => Bytes::copy_from_slice(&first),
        (true, false) => Bytes::copy_from_slice(&second),
        (false, false) => {
            let mut both = BytesMut::with_capacity(first.len() + second.len());
            both.extend_from_slice(&first);
            both.extend_from_slice(&second);
            both.freeze()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What hyper does on a keep-alive connection with no header-read
    /// timeout of its own: it reads a request, reads again while the
    /// response is in flight (nothing there), and after the response reads
    /// no more until woken. That connection is between requests.
    #[test]
    fn a_blocked_read_during_the_response_is_enough_to_park() {
        let activity = Activity::new();
        assert!(!activity.between_requests(), "nothing served yet");
        activity.started.set(1);
        activity.read_blocked.set(true);
        assert!(!activity.between_requests(), "a request in flight");
        activity.finished.set(1);
        assert!(activity.between_requests());
        activity.unflushed.set(true);
        assert!(!activity.between_requests(), "a response not flushed");
        activity.unflushed.set(false);
        // Bytes of the next request came in: hyper is reading a head.
        activity.read_blocked.set(false);
        assert!(!activity.between_requests());
        activity.read_blocked.set(true);
        activity.parkable.set(false);
        assert!(!activity.between_requests(), "not plain keep-alive");
    }
}
