//! The ceiling of `benches/http`: the benchmark app's routes written directly
//! on hyper, one single-threaded tokio runtime (the server is pinned to one
//! core). Static files are read once at start and served from memory, so
//! this is the best any scripted server could do. Bench-only: it trusts its
//! command line and must never be used as a real server.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

struct Files {
    small: Bytes,
    large: Bytes,
}

fn reply(status: StatusCode, content_type: &str, body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        resp.headers_mut().insert(CONTENT_TYPE, value);
    }
    resp
}

fn json(value: serde_json::Value) -> Response<Full<Bytes>> {
    reply(
        StatusCode::OK,
        "application/json",
        Bytes::from(value.to_string()),
    )
}

fn handle(req: &Request<Incoming>, files: &Files) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    if path == "/plaintext" {
        return reply(
            StatusCode::OK,
            "text/plain",
            Bytes::from_static(b"Hello, World!"),
        );
    }
    if path == "/json" {
        return json(serde_json::json!({"message": "Hello, World!"}));
    }
    if path == "/static/1k.bin" {
        return reply(
            StatusCode::OK,
            "application/octet-stream",
            files.small.clone(),
        );
    }
    if path == "/static/1m.bin" {
        return reply(
            StatusCode::OK,
            "application/octet-stream",
            files.large.clone(),
        );
    }
    if let Some(Ok(n)) = path.strip_prefix("/fib/").map(str::parse::<u64>) {
        if n <= 32 {
            return json(serde_json::json!({"n": n, "fib": fib(n)}));
        }
    }
    if let Some(Ok(id)) = path.strip_prefix("/items/").map(str::parse::<i64>) {
        let query = req.uri().query().unwrap_or("");
        let mut name = String::new();
        let mut limit = 10i64;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "name" => name = value.into_owned(),
                "limit" => limit = value.parse().unwrap_or(10),
                _ => {}
            }
        }
        return json(serde_json::json!({"id": id, "name": name, "limit": limit}));
    }
    reply(
        StatusCode::NOT_FOUND,
        "text/plain",
        Bytes::from_static(b"not found"),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8090);
    let static_dir = args.next().unwrap_or_else(|| "benches/http/static".into());
    let files: &'static Files = Box::leak(Box::new(Files {
        small: Bytes::from(std::fs::read(format!("{static_dir}/1k.bin"))?),
        large: Bytes::from(std::fs::read(format!("{static_dir}/1m.bin"))?),
    }));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service =
                service_fn(move |req| async move { Ok::<_, Infallible>(handle(&req, files)) });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
