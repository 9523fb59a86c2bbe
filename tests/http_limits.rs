//! Limits through the real server: request body size (413, early and while
//! streaming), the per-request deadline (504, including a handler stuck in a
//! loop that only the interrupt hook ends), the in-flight cap (503), and the
//! slow-client header timeout.

#[path = "http_support.rs"]
mod support;

use std::io::{Read, Write};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kiln_server::ServerConfig;
use support::*;

fn server(config: ServerConfig) -> kiln_server::ServerHandle {
    start(config, test_app(Arc::new(AtomicBool::new(false))))
}

#[test]
fn body_limit_413_by_length_and_by_streamed_size() {
    let s = server(ServerConfig {
        max_body: 64 * 1024,
        ..config()
    });
    let a = s.local_addr();
    let r = send(a, "POST", "/echo", &vec![b'x'; 60 * 1024]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-length"), Some("61440"));
    // Declared too large: answered before the body is sent at all.
    let mut conn = connect(a);
    conn.get_mut()
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20971520\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut conn, false).unwrap().status, 413);
    // Chunked, with no length up front: cut off once over the limit.
    let mut conn = connect(a);
    conn.get_mut()
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, "y".repeat(16 * 1024));
    for _ in 0..8 {
        if conn.get_mut().write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    assert_eq!(read_response(&mut conn, false).unwrap().status, 413);
    assert_eq!(get(a, "/", &[]).status, 200);
    stop(s);
}

#[test]
fn deadline_gives_504_for_slow_async_handlers() {
    let s = server(ServerConfig {
        timeout: Duration::from_millis(300),
        ..config()
    });
    let a = s.local_addr();
    let started = Instant::now();
    assert_eq!(get(a, "/sleep/5000", &[]).status, 504);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(get(a, "/sleep/10", &[]).status, 200);
    stop(s);
}

#[test]
fn deadline_interrupts_a_handler_stuck_in_a_loop() {
    let s = server(ServerConfig {
        timeout: Duration::from_millis(300),
        workers: 1,
        ..config()
    });
    let a = s.local_addr();
    let started = Instant::now();
    assert_eq!(get(a, "/spin", &[]).status, 504);
    assert!(started.elapsed() < Duration::from_secs(5));
    // The single worker is free again.
    assert_eq!(get(a, "/", &[]).status, 200);
    stop(s);
}

#[test]
fn in_flight_cap_answers_503_fast() {
    let s = server(ServerConfig {
        max_in_flight: 2,
        ..config()
    });
    let a = s.local_addr();
    let sleepers: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || get(a, "/sleep/800", &[]).status))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    assert_eq!(get(a, "/", &[]).status, 503);
    assert!(started.elapsed() < Duration::from_millis(500));
    for t in sleepers {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert_eq!(get(a, "/", &[]).status, 200);
    stop(s);
}

#[test]
fn slow_clients_are_cut_off_while_sending_headers() {
    let s = server(ServerConfig {
        header_read_timeout: Duration::from_millis(300),
        ..config()
    });
    let mut conn = connect(s.local_addr());
    conn.get_mut()
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = conn.read_to_end(&mut rest);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the server kept a slow client waiting"
    );
    stop(s);
}
