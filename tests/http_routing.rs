//! Routing through the real server: converters, precedence, 404, 405 with
//! `Allow`, HEAD from GET, OPTIONS, the request object, handler errors,
//! streaming, keep-alive and pipelining, and malformed requests.

#[path = "http_support.rs"]
mod support;

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use support::*;

fn server() -> kiln_server::ServerHandle {
    start(config(), test_app(Arc::new(AtomicBool::new(false))))
}

#[test]
fn routes_converters_and_precedence() {
    let s = server();
    let a = s.local_addr();
    let r = get(a, "/", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "hello");
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("server"), Some("kiln"));
    assert!(r.header("date").is_some());
    assert_eq!(get(a, "/users/42", &[]).text(), "GET user uid=int:42");
    assert_eq!(get(a, "/users/me", &[]).text(), "me");
    assert_eq!(get(a, "/users/-3", &[]).text(), "name=str:-3");
    assert_eq!(get(a, "/users/a%20b", &[]).text(), "name=str:a b");
    assert_eq!(get(a, "/files/a/b/c.txt", &[]).text(), "rest=str:a/b/c.txt");
    assert_eq!(get(a, "/price/2.50", &[]).text(), "x=float:2.5");
    assert_eq!(get(a, "/price/2", &[]).status, 404);
    assert_eq!(get(a, "/nowhere", &[]).status, 404);
    assert_eq!(send(a, "PUT", "/users/7", b"").text(), "PUT user uid=int:7");
    stop(s);
}

#[test]
fn wrong_method_is_405_with_allow_and_options_lists_methods() {
    let s = server();
    let a = s.local_addr();
    let r = send(a, "DELETE", "/users/5", b"");
    assert_eq!(r.status, 405);
    let allow = r.header("allow").unwrap_or_default().to_owned();
    for m in ["GET", "PUT", "HEAD"] {
        assert!(allow.contains(m), "{allow}");
    }
    let r = get(a, "/echo", &[]);
    assert_eq!(r.status, 405);
    assert!(r.header("allow").unwrap_or_default().contains("POST"));
    let r = send(a, "OPTIONS", "/echo", b"");
    assert_eq!(r.status, 204);
    assert!(r.header("allow").unwrap_or_default().contains("POST"));
    stop(s);
}

#[test]
fn head_is_served_from_get_without_a_body() {
    let s = server();
    let a = s.local_addr();
    let g = get(a, "/users/me", &[]);
    let mut conn = connect(a);
    conn.get_mut()
        .write_all(b"HEAD /users/me HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let h = read_response(&mut conn, true).unwrap();
    assert_eq!(h.status, 200);
    assert_eq!(
        h.header("content-length"),
        Some(g.body.len().to_string().as_str())
    );
    assert_eq!(h.header("content-type"), g.header("content-type"));
    // The next response starts right away: the HEAD answer carried no body.
    let next = read_response(&mut conn, false).unwrap();
    assert_eq!(next.text(), "hello");
    stop(s);
}

#[test]
fn request_object_fields() {
    let s = server();
    let a = s.local_addr();
    let r = get(
        a,
        "/inspect?a=1&b=two%20words&a=3",
        &[("X-Test", "yes"), ("Cookie", "session=abc; other=1")],
    );
    assert_eq!(
        r.text(),
        "path=/inspect qs=a=1&b=two%20words&a=3 a=Some(\"1\") alist=[\"1\", \"3\"] hdr=Some(\"yes\") \
         cookie=Some(\"abc\") remote=127.0.0.1 form=None"
    );
    let body = b"f=x+y";
    let req = format!(
        "POST /inspect HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\nf=x+y",
        body.len()
    );
    assert!(raw(a, req.as_bytes())
        .text()
        .ends_with("form=Some(\"x y\")"));
    let r = send(a, "POST", "/echo-text", "héllo".as_bytes());
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "héllo");
    assert_eq!(send(a, "POST", "/echo-text", b"\xff\xfe").status, 400);
    stop(s);
}

#[test]
fn handler_errors_are_500_without_traceback_unless_dev() {
    let s = server();
    let r = get(s.local_addr(), "/boom", &[]);
    assert_eq!(r.status, 500);
    assert!(!r.text().contains("Traceback"));
    stop(s);
    let s = start(
        kiln_server::ServerConfig {
            dev: true,
            ..config()
        },
        test_app(Arc::new(AtomicBool::new(false))),
    );
    let r = get(s.local_addr(), "/boom", &[]);
    assert_eq!(r.status, 500);
    assert!(r.text().contains("Traceback: line 3"));
    stop(s);
}

#[test]
fn streaming_responses_are_chunked() {
    let s = server();
    let r = get(s.local_addr(), "/stream", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.text(), "one,two,three");
    stop(s);
}

#[test]
fn keep_alive_and_pipelining() {
    let s = server();
    let mut conn = connect(s.local_addr());
    for i in 0..3 {
        conn.get_mut()
            .write_all(format!("GET /users/{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .unwrap();
        assert_eq!(
            read_response(&mut conn, false).unwrap().text(),
            format!("GET user uid=int:{i}")
        );
    }
    let mut batch = String::new();
    for i in 0..20 {
        batch.push_str(&format!("GET /users/{i} HTTP/1.1\r\nHost: x\r\n\r\n"));
    }
    conn.get_mut().write_all(batch.as_bytes()).unwrap();
    for i in 0..20 {
        assert_eq!(
            read_response(&mut conn, false).unwrap().text(),
            format!("GET user uid=int:{i}")
        );
    }
    stop(s);
}

#[test]
fn malformed_requests_get_4xx_and_the_server_survives() {
    let s = server();
    let a = s.local_addr();
    for bad in [
        &b"NOT A REQUEST\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"GET /\x01\x02 HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let mut conn = connect(a);
        conn.get_mut().write_all(bad).unwrap();
        let status = read_response(&mut conn, false).map(|r| r.status);
        assert!(
            matches!(status, Ok(400..=499)),
            "{:?} -> {status:?}",
            String::from_utf8_lossy(bad)
        );
    }
    let r = get(a, "/users/%ff", &[]);
    assert_eq!(r.status, 400);
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let r = raw(a, huge.as_bytes());
    assert_eq!(r.status, 431);
    assert_eq!(get(a, "/", &[]).status, 200);
    stop(s);
}

/// Longer than the server's wait before it parks an idle connection.
const PAST_PARKING: std::time::Duration = std::time::Duration::from_millis(400);

#[test]
fn idle_keep_alive_connections_are_parked_and_resume() {
    let s = server();
    let mut conn = connect(s.local_addr());
    for i in 0..3 {
        conn.get_mut()
            .write_all(format!("GET /users/{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .unwrap();
        let r = read_response(&mut conn, false).unwrap();
        assert_eq!(r.text(), format!("GET user uid=int:{i}"));
        assert_eq!(r.header("connection"), None);
        std::thread::sleep(PAST_PARKING);
    }
    // A request split across a park: the bytes read before it carry over.
    conn.get_mut().write_all(b"GET /users/7 HT").unwrap();
    std::thread::sleep(PAST_PARKING);
    conn.get_mut()
        .write_all(b"TP/1.1\r\nHost: x\r\n\r\nGET /users/8 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(
        read_response(&mut conn, false).unwrap().text(),
        "GET user uid=int:7"
    );
    assert_eq!(
        read_response(&mut conn, false).unwrap().text(),
        "GET user uid=int:8"
    );
    // Bodies and `Connection: close` keep their meaning after parking.
    std::thread::sleep(PAST_PARKING);
    conn.get_mut()
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        .unwrap();
    assert_eq!(read_response(&mut conn, false).unwrap().text(), "abc");
    std::thread::sleep(PAST_PARKING);
    conn.get_mut()
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut conn, false).unwrap().text(), "hello");
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut conn, &mut rest);
    assert!(rest.is_empty(), "the server closed after Connection: close");
    stop(s);
}

#[test]
fn parked_connections_close_at_the_idle_limit_and_on_shutdown() {
    let s = start(
        kiln_server::ServerConfig {
            header_read_timeout: std::time::Duration::from_millis(600),
            ..config()
        },
        test_app(Arc::new(AtomicBool::new(false))),
    );
    let mut conn = connect(s.local_addr());
    conn.get_mut()
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut conn, false).unwrap().text(), "hello");
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut conn, &mut rest);
    assert!(rest.is_empty());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "an idle connection outlived the idle limit"
    );
    let mut parked = connect(s.local_addr());
    parked
        .get_mut()
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut parked, false).unwrap().text(), "hello");
    std::thread::sleep(PAST_PARKING);
    let stopping = std::time::Instant::now();
    stop(s);
    assert!(stopping.elapsed() < std::time::Duration::from_secs(3));
}
