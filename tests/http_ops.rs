//! Operations through the real server: gzip of large dynamic responses, the
//! Prometheus metrics endpoint, the shared cache under concurrent requests,
//! and graceful shutdown letting an in-flight request finish.

#[path = "http_support.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kiln_server::app::Response;
use kiln_server::{CacheStore, FnApp, Plain};
use support::*;

fn server() -> kiln_server::ServerHandle {
    start(config(), test_app(Arc::new(AtomicBool::new(false))))
}

#[test]
fn large_compressible_responses_are_gzipped_when_accepted() {
    let s = server();
    let a = s.local_addr();
    let plain = get(a, "/big", &[]);
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    let packed = get(a, "/big", &[("Accept-Encoding", "gzip")]);
    assert_eq!(packed.header("content-encoding"), Some("gzip"));
    assert_eq!(packed.header("vary"), Some("Accept-Encoding"));
    assert_eq!(packed.header("content-type"), Some("application/json"));
    assert!(packed.body.len() < plain.body.len() / 3);
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&packed.body[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain.body);
    let small = get(a, "/", &[("Accept-Encoding", "gzip")]);
    assert_eq!(
        small.header("content-encoding"),
        None,
        "tiny bodies are not worth compressing"
    );
    let head = raw(
        a,
        b"HEAD /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        head.header("content-length"),
        Some(packed.body.len().to_string().as_str())
    );
    stop(s);
}

#[test]
fn metrics_endpoint_counts_requests_per_route_and_status() {
    let s = server();
    let a = s.local_addr();
    for i in 0..3 {
        get(a, &format!("/users/{i}"), &[]);
    }
    get(a, "/missing", &[]);
    let r = get(a, kiln_server::METRICS_PATH, &[]);
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/plain"));
    let text = r.text();
    assert!(
        text.contains("# TYPE kiln_requests_total counter"),
        "{text}"
    );
    assert!(
        text.contains(
            "kiln_requests_total{route=\"/users/<int:uid>\",method=\"GET\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(
        text.contains("kiln_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("kiln_request_duration_seconds_count{route=\"/users/<int:uid>\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("kiln_requests_in_flight 1"),
        "the metrics request itself is in flight: {text}"
    );
    assert!(text.contains("kiln_jit_compilations_total"));
    assert_eq!(
        s.metrics().total_requests(),
        5,
        "four requests plus the metrics one"
    );
    stop(s);
}

#[test]
fn cache_incr_from_many_connections_is_exact() {
    let cache = Arc::new(CacheStore::new());
    let shared = Arc::clone(&cache);
    let app = FnApp::builder()
        .route("/hit", &["POST"], move |_, _| {
            let n = shared
                .incr("hits", 1)
                .map_err(|e| kiln_server::app::HandlerError::Raised {
                    message: e.to_string(),
                    traceback: String::new(),
                })?;
            Ok(Response::text(200, n.to_string()))
        })
        .build();
    let s = start(config(), app);
    let a = s.local_addr();
    let clients: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let mut conn = connect(a);
                for _ in 0..50 {
                    conn.get_mut()
                        .write_all(b"POST /hit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                        .unwrap();
                    assert_eq!(read_response(&mut conn, false).unwrap().status, 200);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(cache.get("hits"), Some(Plain::Int(400)));
    stop(s);
}

#[test]
fn graceful_shutdown_finishes_in_flight_requests() {
    let s = server();
    let a = s.local_addr();
    let idle = connect(a);
    let inflight = std::thread::spawn(move || get(a, "/sleep/700", &[]));
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    s.shutdown();
    s.join().unwrap();
    let r = inflight.join().unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "slept 700");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        TcpStream::connect(a).is_err(),
        "still accepting after shutdown"
    );
    drop(idle);
}
