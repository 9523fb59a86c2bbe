//! One HTTP request from head to response: the in-flight limit, the metrics
//! endpoint, static files, the body limit, routing (404/405/OPTIONS), the
//! handler call under its deadline, then HEAD stripping, gzip, the `Server`
//! header, metrics and the access log.

use std::cell::RefCell;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use percent_encoding::percent_decode_str;

use super::app::WorkerApp;
use super::body::OutBody;
use super::compress;
use super::config::ServerConfig;
use super::deadline::{Watchdog, WorkerWatch};
use super::metrics::Metrics;
use super::request::{Headers, Request};
use super::response::{Body, HandlerError, Response};
use super::router::RouteMatch;
use super::static_files::StaticFiles;

pub const METRICS_PATH: &str = "/__kiln/metrics";

/// State shared by every worker.
pub struct Shared {
    pub config: ServerConfig,
    pub metrics: Arc<Metrics>,
    pub static_files: Option<StaticFiles>,
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
}

/// Counts a request as in flight until dropped.
struct InFlight<'a>(&'a Shared, usize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.0.metrics.request_finished(self.1);
    }
}

/// hyper's service function for one worker.
pub async fn handle(
    ctx: Rc<WorkerCtx>,
    req: hyper::Request<Incoming>,
    remote: SocketAddr,
) -> Result<hyper::Response<OutBody>, Infallible> {
    let started = Instant::now();
    let shared = Arc::clone(&ctx.shared);
    // Cheap handles (a standard method is inline, a header value is a
    // shared `Bytes`); the path is copied only for the access log.
    let method = req.method().clone();
    let raw_path = shared
        .config
        .access_log
        .then(|| req.uri().path().to_owned());
    let accept_encoding = req.headers().get(http::header::ACCEPT_ENCODING).cloned();

    let previous = shared.in_flight.fetch_add(1, Ordering::AcqRel);
    shared.metrics.request_started(ctx.index);
    let guard = InFlight(&shared, ctx.index);
    let (label, response) = if previous >= shared.config.max_in_flight {
        ("overloaded".to_owned(), plain(503, "server busy\n"))
    } else {
        route(&ctx, req, remote).await
    };
    drop(guard);

    let method = method.as_str();
    let response = finish(
        response,
        method,
        accept_encoding.as_ref().and_then(|v| v.to_str().ok()),
        &shared.config,
    );
    let took = started.elapsed();
    shared
        .metrics
        .record(ctx.index, &label, method, response.status, took);
    if let Some(raw_path) = raw_path {
        tracing::info!(
            target: "kiln::access",
            "{} \"{} {}\" {} {}us",
            remote.ip(),
            method,
            raw_path,
            response.status,
            took.as_micros()
        );
    }
    Ok(to_hyper(response, method == "HEAD"))
}

fn plain(status: u16, text: &str) -> Response {
    Response::text(status, text.to_owned())
}

fn headers_of(map: &http::HeaderMap) -> Headers {
    let bytes = map
        .iter()
        .map(|(name, value)| 8 + name.as_str().len() + value.len())
        .sum();
    let mut headers = Headers::with_capacity(bytes);
    for (name, value) in map {
        headers.push(name.as_str(), String::from_utf8_lossy(value.as_bytes()));
    }
    headers
}

async fn route(
    ctx: &WorkerCtx,
    req: hyper::Request<Incoming>,
    remote: SocketAddr,
) -> (String, Response) {
    let shared = &ctx.shared;
    let config = &shared.config;
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str();
    let raw_path = parts.uri.path();

    if raw_path == METRICS_PATH && (method == "GET" || method == "HEAD") {
        let text = shared.metrics.render();
        return (
            "metrics".into(),
            Response::new(200, "text/plain; version=0.0.4; charset=utf-8", text),
        );
    }
    if let Some(files) = &shared.static_files {
        if let Some(rest) = files.strip_prefix(raw_path) {
            let headers = headers_of(&parts.headers);
            return ("static".into(), files.serve(method, rest, &headers).await);
        }
    }
    let declared_length = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > config.max_body) {
        return ("too_large".into(), too_large());
    }
    let Ok(path) = percent_decode_str(raw_path).decode_utf8() else {
        return (
            "bad_request".into(),
            plain(400, "bad request: path is not UTF-8\n"),
        );
    };
    let query = parts.uri.query().unwrap_or("");
    let headers = headers_of(&parts.headers);

    let routes = ctx.app.borrow().routes();
    let (route, params) = match routes.lookup(method, &path) {
        RouteMatch::Found { route, params } => (route, params),
        RouteMatch::NotFound => {
            let mut request = Request::new(method, &path, query, headers, Bytes::new());
            request.remote_addr = Some(remote.ip());
            return (
                "unmatched".into(),
                error_page(ctx, request, 404, None).await,
            );
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
                return ("options".into(), resp);
            }
            let mut request = Request::new(method, &path, query, headers, Bytes::new());
            request.remote_addr = Some(remote.ip());
            return (
                "unmatched".into(),
                error_page(ctx, request, 405, Some(allow)).await,
            );
        }
    };
    let label = routes.pattern(route).unwrap_or("unknown").to_owned();

    let limit = usize::try_from(config.max_body).unwrap_or(usize::MAX);
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return (label, too_large());
        }
        Err(_) => return (label, plain(400, "bad request: unreadable body\n")),
    };
    let mut request = Request::new(method, &path, query, headers, body);
    request.remote_addr = Some(remote.ip());

    let deadline = Instant::now() + config.timeout;
    let _watch = ctx.watch.watch(deadline);
    let future = ctx.app.borrow_mut().call(route, request, params);
    let result = tokio::time::timeout_at(deadline.into(), future).await;
    let response = match result {
        Ok(Ok(resp)) => resp,
        Ok(Err(HandlerError::Interrupted)) | Err(_) => plain(504, "handler timed out\n"),
        Ok(Err(HandlerError::BadRequest(why))) => plain(400, &format!("bad request: {why}\n")),
        Ok(Err(HandlerError::Raised { message, traceback })) => {
            tracing::error!(target: "kiln::handler", route = %label, "{message}\n{traceback}");
            if config.dev {
                plain(
                    500,
                    &format!("internal server error\n\n{traceback}\n{message}\n"),
                )
            } else {
                plain(500, "internal server error\n")
            }
        }
    };
    (label, response)
}

fn too_large() -> Response {
    let mut resp = plain(413, "request body too large\n");
    // The rest of the body is not read, so the connection cannot be reused.
    resp.set_header("Connection", "close");
    resp
}

async fn error_page(
    ctx: &WorkerCtx,
    request: Request,
    status: u16,
    allow: Option<String>,
) -> Response {
    let future = ctx.app.borrow_mut().error_response(request, status);
    let mut resp = match future {
        Some(future) => match tokio::time::timeout(ctx.shared.config.timeout, future).await {
            Ok(Ok(resp)) => resp,
            _ => default_error(status),
        },
        None => default_error(status),
    };
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

/// HEAD stripping and gzip of large compressible bodies.
fn finish(
    mut resp: Response,
    method: &str,
    accept_encoding: Option<&str>,
    config: &ServerConfig,
) -> Response {
    if let Body::Full(bytes) = &resp.body {
        let bytes = bytes.clone();
        let worth_it = resp.status == 200
            && bytes.len() >= config.gzip_min_bytes
            && resp.header("Content-Encoding").is_none()
            && resp
                .header("Content-Type")
                .is_some_and(compress::is_compressible);
        if worth_it {
            add_vary(&mut resp);
            if compress::accepts(accept_encoding, "gzip") {
                if let Ok(packed) = compress::gzip(&bytes) {
                    resp.body = Body::Full(Bytes::from(packed));
                    resp.set_header("Content-Encoding", "gzip");
                    // Another representation needs another validator.
                    if let Some(etag) = resp.header("ETag").map(str::to_owned) {
                        let tagged = match etag.strip_suffix('"') {
                            Some(open) => format!("{open}-gzip\""),
                            None => format!("{etag}-gzip"),
                        };
                        resp.set_header("ETag", tagged);
                    }
                    resp.headers
                        .retain(|(k, _)| !k.eq_ignore_ascii_case("content-length"));
                }
            }
        }
    }
    if method == "HEAD" {
        if let Body::Full(bytes) = &resp.body {
            if resp.header("Content-Length").is_none() {
                let len = bytes.len().to_string();
                resp.headers.push(("Content-Length".into(), len));
            }
        }
        resp.body = Body::Full(Bytes::new());
    }
    resp
}

fn add_vary(resp: &mut Response) {
    match resp.header("Vary").map(str::to_owned) {
        Some(v) if v.to_ascii_lowercase().contains("accept-encoding") => {}
        Some(v) => resp.set_header("Vary", format!("{v}, Accept-Encoding")),
        None => resp.set_header("Vary", "Accept-Encoding"),
    }
}

fn to_hyper(resp: Response, head: bool) -> hyper::Response<OutBody> {
    let status =
        http::StatusCode::from_u16(resp.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = hyper::Response::new(match resp.body {
        Body::Full(bytes) => OutBody::full(bytes),
        Body::Stream(stream) => OutBody::Stream(stream),
    });
    *out.status_mut() = status;
    let headers = out.headers_mut();
    headers.reserve(resp.headers.len() + 1);
    for (name, value) in resp.headers {
        let (Ok(name), Ok(value)) = (header_name(&name), header_value(value)) else {
            tracing::warn!(target: "kiln::host", "dropped an invalid response header {name:?}");
            continue;
        };
        // hyper frames bodies itself, so a stated length is kept only for a
        // HEAD answer, whose body is empty by definition.
        if name == CONTENT_LENGTH && !head {
            continue;
        }
        headers.append(name, value);
    }
    headers.insert(http::header::SERVER, HeaderValue::from_static("kiln"));
    out
}

/// Nearly every response names its content type: that one skips parsing.
fn header_name(name: &str) -> Result<HeaderName, http::header::InvalidHeaderName> {
    if name.eq_ignore_ascii_case("content-type") {
        return Ok(CONTENT_TYPE);
    }
    HeaderName::from_bytes(name.as_bytes())
}

/// The value's own buffer becomes the header's (checked, not copied).
fn header_value(value: String) -> Result<HeaderValue, http::header::InvalidHeaderValue> {
    HeaderValue::from_maybe_shared(Bytes::from(value))
}
