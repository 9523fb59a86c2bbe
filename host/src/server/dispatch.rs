//! One HTTP request from head to response: the in-flight limit, the metrics
//! endpoint, static files, the body limit, routing (404/405/OPTIONS), the
//! handler call under its deadline, then (`outgoing.rs`) HEAD stripping,
//! gzip and the `Server` header, and last metrics and the access log.
//!
//! A request that needs no waiting (no body to read, a handler that does
//! not await) is answered synchronously, inside hyper's call of the
//! service: only the steps that do wait become a boxed future, so the
//! common request builds no future at all.

use std::borrow::Cow;
use std::cell::RefCell;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT_ENCODING, CONTENT_LENGTH};
use http_body::Body as _;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use percent_encoding::percent_decode_str;

use super::app::{Call, WorkerApp};
use super::body::OutBody;
use super::config::ServerConfig;
use super::deadline::{Watchdog, WorkerWatch};
use super::metrics::Metrics;
use super::outgoing::{finish, to_hyper};
use super::request::{Headers, Request};
use super::response::{Body, HandlerError, HandlerResult, Response};
use super::router::{ParamValue, RouteId, RouteMatch, RouteTable};
use super::static_files::StaticFiles;
use super::stop::StopSignal;

pub const METRICS_PATH: &str = "/__kiln/metrics";

/// State shared by every worker.
pub struct Shared {
    pub config: ServerConfig,
    pub metrics: Arc<Metrics>,
    pub static_files: Option<Arc<StaticFiles>>,
    pub watchdog: Watchdog,
    pub in_flight: AtomicUsize,
}

/// One worker's view: its index, the shared state and its own app.
pub struct WorkerCtx {
    pub index: usize,
    pub shared: Arc<Shared>,
    pub app: RefCell<Box<dyn WorkerApp>>,
    /// This worker's requests and their deadlines (`deadline.rs`).
    pub watch: Rc<WorkerWatch>,
    /// hyper's connection settings, shared by the worker's connections.
    pub http: hyper::server::conn::http1::Builder,
    /// Raised when the server shuts down; connections then finish.
    pub stop: Rc<StopSignal>,
}

/// A response that had to wait.
pub type ResponseFuture = Pin<Box<dyn Future<Output = hyper::Response<OutBody>>>>;

/// What the service gives hyper: the response, or the future of one.
pub enum Handled {
    Ready(hyper::Response<OutBody>),
    Pending(ResponseFuture),
}

/// A request's metrics label: a fixed name, or its route's pattern
/// (borrowed from the table it matched in, not copied).
enum Label {
    Fixed(&'static str),
    Route(Arc<RouteTable>, RouteId),
}

impl Label {
    fn as_str(&self) -> &str {
        match self {
            Label::Fixed(name) => name,
            Label::Route(table, id) => table.pattern(*id).unwrap_or("unknown"),
        }
    }
}

type RoutedFuture = Pin<Box<dyn Future<Output = (Label, Response)>>>;

/// The routed request's response, or the future of one.
enum Routed {
    Done(Label, Response),
    Pending(RoutedFuture),
}

/// Counts a request as in flight until dropped.
struct InFlight(Rc<WorkerCtx>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let ctx = &self.0;
        ctx.shared.in_flight.fetch_sub(1, Ordering::AcqRel);
        ctx.shared.metrics.request_finished(ctx.index);
    }
}

/// What the end of a request needs from its head.
struct Exchange {
    started: Instant,
    method: http::Method,
    /// The raw path, kept only when the access log is written.
    raw_path: Option<String>,
    accept_encoding: Option<HeaderValue>,
    remote: SocketAddr,
}

impl Exchange {
    /// Finishes the response, records metrics and writes the access log.
    fn respond(
        self,
        ctx: &WorkerCtx,
        label: &Label,
        response: Response,
    ) -> hyper::Response<OutBody> {
        let shared = &ctx.shared;
        let method = self.method.as_str();
        let response = finish(
            response,
            method,
            self.accept_encoding.as_ref().and_then(|v| v.to_str().ok()),
            &shared.config,
        );
        let took = self.started.elapsed();
        shared
            .metrics
            .record(ctx.index, label.as_str(), method, response.status, took);
        if let Some(raw_path) = self.raw_path {
            tracing::info!(
                target: "kiln::access",
                "{} \"{} {}\" {} {}us",
                self.remote.ip(),
                method,
                raw_path,
                response.status,
                took.as_micros()
            );
        }
        to_hyper(response, method == "HEAD")
    }
}

/// Whether access-log lines would be written at all (the log filter may
/// leave them out; then the path is not kept for them).
fn access_log_enabled(config: &ServerConfig) -> bool {
    config.access_log && tracing::enabled!(target: "kiln::access", tracing::Level::INFO)
}

/// hyper's service function for one worker.
pub fn handle(ctx: &Rc<WorkerCtx>, req: hyper::Request<Incoming>, remote: SocketAddr) -> Handled {
    let shared = &ctx.shared;
    // Cheap handles (a standard method is inline, a header value is a
    // shared `Bytes`); the path is copied only for the access log.
    let exchange = Exchange {
        started: Instant::now(),
        method: req.method().clone(),
        raw_path: access_log_enabled(&shared.config).then(|| req.uri().path().to_owned()),
        accept_encoding: find_header(req.headers(), &ACCEPT_ENCODING).cloned(),
        remote,
    };
    let previous = shared.in_flight.fetch_add(1, Ordering::AcqRel);
    shared.metrics.request_started(ctx.index);
    let guard = InFlight(Rc::clone(ctx));
    let routed = if previous >= shared.config.max_in_flight {
        Routed::Done(Label::Fixed("overloaded"), plain(503, "server busy\n"))
    } else {
        route(ctx, req, remote, exchange.started)
    };
    match routed {
        Routed::Done(label, response) => {
            drop(guard);
            Handled::Ready(exchange.respond(ctx, &label, response))
        }
        Routed::Pending(future) => Handled::Pending(Box::pin(async move {
            let (label, response) = future.await;
            let ctx = Rc::clone(&guard.0);
            drop(guard);
            exchange.respond(&ctx, &label, response)
        })),
    }
}

fn plain(status: u16, text: &str) -> Response {
    Response::text(status, text.to_owned())
}

/// The first value of header `name`, as `HeaderMap::get`. A request has a
/// handful of headers, and comparing their names costs less than hashing.
fn find_header<'a>(map: &'a http::HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    if map.len() > 16 {
        return map.get(name);
    }
    map.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// The percent-decoded path; one without `%` is already decoded.
fn decode_path(raw: &str) -> Result<Cow<'_, str>, std::str::Utf8Error> {
    if !raw.as_bytes().contains(&b'%') {
        return Ok(Cow::Borrowed(raw));
    }
    percent_decode_str(raw).decode_utf8()
}

/// `started`: when the request's head was taken up, a moment ago (the
/// handler's deadline counts from it when no body has to be read first).
fn route(
    ctx: &Rc<WorkerCtx>,
    req: hyper::Request<Incoming>,
    remote: SocketAddr,
    started: Instant,
) -> Routed {
    let shared = &ctx.shared;
    let config = &shared.config;
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str();
    let raw_path = parts.uri.path();

    if raw_path == METRICS_PATH && (method == "GET" || method == "HEAD") {
        let text = shared.metrics.render();
        return Routed::Done(
            Label::Fixed("metrics"),
            Response::new(200, "text/plain; version=0.0.4; charset=utf-8", text),
        );
    }
    if let Some(files) = &shared.static_files {
        if let Some(rest) = files.strip_prefix(raw_path) {
            let files = Arc::clone(files);
            let rest_at = raw_path.len() - rest.len();
            return Routed::Pending(Box::pin(async move {
                let rest = parts.uri.path().get(rest_at..).unwrap_or("");
                let headers = Headers::from_map(parts.headers);
                let response = files.serve(parts.method.as_str(), rest, &headers).await;
                (Label::Fixed("static"), response)
            }));
        }
    }
    let declared_length = find_header(&parts.headers, &CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > config.max_body) {
        return Routed::Done(Label::Fixed("too_large"), too_large());
    }
    let Ok(path) = decode_path(raw_path) else {
        return Routed::Done(
            Label::Fixed("bad_request"),
            plain(400, "bad request: path is not UTF-8\n"),
        );
    };
    let query = parts.uri.query().unwrap_or("");
    // Packed only if something reads them (a handler that cannot see its
    // request never does).
    let headers = Headers::from_map(parts.headers);

    let routes = ctx.app.borrow().routes();
    let (route, params) = match routes.lookup(method, &path) {
        RouteMatch::Found { route, params } => (route, params),
        RouteMatch::NotFound => {
            let mut request =
                Request::new(parts.method.clone(), path, query, headers, Bytes::new());
            request.remote_addr = Some(remote.ip());
            return error_page(ctx, request, 404, None);
        }
        RouteMatch::MethodNotAllowed { allow } => {
            let allow = allow.join(", ");
            if method == "OPTIONS" {
                let mut resp = Response {
                    status: 204,
                    headers: Vec::new(),
                    body: Body::Full(Bytes::new()),
                };
                resp.set_header("Allow", allow);
                return Routed::Done(Label::Fixed("options"), resp);
            }
            let mut request =
                Request::new(parts.method.clone(), path, query, headers, Bytes::new());
            request.remote_addr = Some(remote.ip());
            return error_page(ctx, request, 405, Some(allow));
        }
    };
    let label = Label::Route(routes, route);
    // The body is filled in below, once read.
    let mut request = Request::new(parts.method.clone(), path, query, headers, Bytes::new());
    request.remote_addr = Some(remote.ip());
    if body.is_end_stream() {
        return call_handler(ctx, label, route, request, params, started);
    }
    let limit = usize::try_from(config.max_body).unwrap_or(usize::MAX);
    let ctx = Rc::clone(ctx);
    Routed::Pending(Box::pin(async move {
        request.body = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e)
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                return (label, too_large());
            }
            Err(_) => return (label, plain(400, "bad request: unreadable body\n")),
        };
        match call_handler(&ctx, label, route, request, params, Instant::now()) {
            Routed::Done(label, response) => (label, response),
            Routed::Pending(future) => future.await,
        }
    }))
}

/// Runs the handler under the request's deadline (`timeout` from `now`,
/// taken by the caller): the watchdog interrupts one that runs past it,
/// and one that waits is cut off by a timer.
fn call_handler(
    ctx: &Rc<WorkerCtx>,
    label: Label,
    route: RouteId,
    request: Request,
    params: Vec<(String, ParamValue)>,
    now: Instant,
) -> Routed {
    let deadline = now + ctx.shared.config.timeout;
    let watch = ctx.watch.watch(deadline);
    let call = ctx.app.borrow_mut().call(route, request, params);
    match call {
        Call::Done(result) => {
            drop(watch);
            let response = handler_response(&ctx.shared.config, &label, result);
            Routed::Done(label, response)
        }
        Call::Pending(future) => {
            let ctx = Rc::clone(ctx);
            Routed::Pending(Box::pin(async move {
                let result = tokio::time::timeout_at(deadline.into(), future).await;
                drop(watch);
                let result = result.unwrap_or(Err(HandlerError::Interrupted));
                let response = handler_response(&ctx.shared.config, &label, result);
                (label, response)
            }))
        }
    }
}

/// The response for a handler's result; a failure is logged and answered.
fn handler_response(config: &ServerConfig, label: &Label, result: HandlerResult) -> Response {
    match result {
        Ok(resp) => resp,
        Err(HandlerError::Interrupted) => plain(504, "handler timed out\n"),
        Err(HandlerError::BadRequest(why)) => plain(400, &format!("bad request: {why}\n")),
        Err(HandlerError::Raised { message, traceback }) => {
            let route = label.as_str();
            tracing::error!(target: "kiln::handler", route = %route, "{message}\n{traceback}");
            if config.dev {
                plain(
                    500,
                    &format!("internal server error\n\n{traceback}\n{message}\n"),
                )
            } else {
                plain(500, "internal server error\n")
            }
        }
    }
}

fn too_large() -> Response {
    let mut resp = plain(413, "request body too large\n");
    // The rest of the body is not read, so the connection cannot be reused.
    resp.set_header("Connection", "close");
    resp
}

/// 404 and 405, answered by the scripts' error handler when they have one.
fn error_page(ctx: &WorkerCtx, request: Request, status: u16, allow: Option<String>) -> Routed {
    const LABEL: Label = Label::Fixed("unmatched");
    let call = ctx.app.borrow_mut().error_response(request, status);
    match call {
        None => Routed::Done(LABEL, with_allow(default_error(status), allow)),
        Some(Call::Done(result)) => {
            let resp = result.unwrap_or_else(|_| default_error(status));
            Routed::Done(LABEL, with_allow(resp, allow))
        }
        Some(Call::Pending(future)) => {
            let timeout = ctx.shared.config.timeout;
            Routed::Pending(Box::pin(async move {
                let resp = match tokio::time::timeout(timeout, future).await {
                    Ok(Ok(resp)) => resp,
                    _ => default_error(status),
                };
                (LABEL, with_allow(resp, allow))
            }))
        }
    }
}

fn with_allow(mut resp: Response, allow: Option<String>) -> Response {
    if let Some(allow) = allow {
        if resp.header("Allow").is_none() {
            resp.set_header("Allow", allow);
        }
    }
    resp
}

fn default_error(status: u16) -> Response {
    match status {
        404 => plain(404, "not found\n"),
        405 => plain(405, "method not allowed\n"),
        other => plain(other, "error\n"),
    }
}
