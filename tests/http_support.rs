//! Shared pieces of the HTTP tests: a closure-based test app, a server on an
//! ephemeral 127.0.0.1 port, and a tiny raw HTTP/1.1 client (raw so that
//! malformed requests and pipelining can be written byte for byte).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kiln_server::app::{HandlerError, ParamValue, Response};
use kiln_server::{FnApp, ServerConfig, ServerHandle};

pub fn config() -> ServerConfig {
    ServerConfig {
        port: 0,
        workers: 2,
        access_log: false,
        ..ServerConfig::default()
    }
}

pub fn start(config: ServerConfig, app: FnApp) -> ServerHandle {
    kiln_server::start(config, move |_| Box::new(app.clone())).expect("server starts")
}

pub fn stop(server: ServerHandle) {
    server.shutdown();
    server.join().expect("server stops cleanly");
}

fn param_text(params: &[(String, ParamValue)]) -> String {
    params
        .iter()
        .map(|(k, v)| match v {
            ParamValue::Str(s) => format!("{k}=str:{s}"),
            ParamValue::Int(i) => format!("{k}=int:{i}"),
            ParamValue::Float(f) => format!("{k}=float:{f}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The app most tests use. `interrupted` is the runtime-style interrupt flag
/// that `/spin` polls.
pub fn test_app(interrupted: Arc<AtomicBool>) -> FnApp {
    let flag = Arc::clone(&interrupted);
    FnApp::builder()
        .route("/", &[], |_, _| Ok(Response::html("hello")))
        .route("/users/<int:uid>", &["GET", "PUT"], |req, p| {
            Ok(Response::text(
                200,
                format!("{} user {}", req.method, param_text(&p)),
            ))
        })
        .route("/users/me", &[], |_, _| Ok(Response::text(200, "me")))
        .route("/users/<name>", &[], |_, p| {
            Ok(Response::text(200, param_text(&p)))
        })
        .route("/files/<path:rest>", &[], |_, p| {
            Ok(Response::text(200, param_text(&p)))
        })
        .route("/price/<float:x>", &[], |_, p| {
            Ok(Response::text(200, param_text(&p)))
        })
        .route("/echo", &["POST"], |req, _| {
            let mut resp = Response::new(200, "application/octet-stream", req.body.clone());
            resp.set_header("X-Length", req.body.len().to_string());
            Ok(resp)
        })
        .route("/inspect", &["GET", "POST"], |req, _| {
            let text = format!(
                "path={} qs={} a={:?} alist={:?} hdr={:?} cookie={:?} remote={} form={:?}",
                req.path,
                req.query_string,
                req.args().get("a"),
                req.args().getlist("a"),
                req.headers.get("x-test"),
                req.cookies().get("session"),
                req.remote_addr_string(),
                req.form().get("f"),
            );
            Ok(Response::text(200, text))
        })
        // A handler's BadRequest (what the runtime raises for malformed
        // `req.json`) must reach the client as a 400.
        .route("/echo-text", &["POST"], |req, _| match req.text() {
            Ok(text) => Ok(Response::text(200, text.to_owned())),
            Err(e) => Err(HandlerError::BadRequest(e.to_string())),
        })
        .route("/boom", &[], |_, _| {
            Err(HandlerError::Raised {
                message: "ZeroDivisionError".into(),
                traceback: "Traceback: line 3".into(),
            })
        })
        .route("/big", &[], |_, _| {
            let items: Vec<String> = (0..3000)
                .map(|i| format!("{{\"id\":{i},\"name\":\"item-{i}\"}}"))
                .collect();
            Ok(Response::json(200, format!("[{}]", items.join(","))))
        })
        .route("/stream", &[], |_, _| {
            let chunks =
                ["one,", "two,", "three"].map(|c| Ok(bytes::Bytes::from_static(c.as_bytes())));
            Ok(Response::stream(
                200,
                "text/plain",
                Box::pin(ChunkIter(chunks.into_iter())),
            ))
        })
        .route_async("/sleep/<int:ms>", &[], |_, p| {
            let ms = match p.first() {
                Some((_, ParamValue::Int(ms))) => *ms as u64,
                _ => 0,
            };
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(Response::text(200, format!("slept {ms}")))
            })
        })
        .route("/spin", &[], move |_, _| {
            // A handler stuck in a loop that only the interrupt flag ends,
            // as the runtime's back-edge checks would.
            while !flag.load(Ordering::SeqCst) {
                std::hint::spin_loop();
            }
            flag.store(false, Ordering::SeqCst);
            Err(HandlerError::Interrupted)
        })
        .interrupter(Arc::new(move || interrupted.store(true, Ordering::SeqCst)))
        .build()
}

/// A ready-made chunk stream from an iterator.
pub struct ChunkIter<I>(pub I);

impl<I> futures_core::Stream for ChunkIter<I>
where
    I: Iterator<Item = Result<bytes::Bytes, kiln_server::app::StreamError>> + Unpin,
{
    type Item = I::Item;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.get_mut().0.next())
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    BufReader::new(stream)
}

/// Reads one response; `head` for a HEAD request (no body follows).
pub fn read_response(reader: &mut BufReader<TcpStream>, head: bool) -> std::io::Result<Resp> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "closed before a response",
        ));
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let mut resp = Resp {
        status,
        headers,
        body: Vec::new(),
    };
    if head || status == 204 || status == 304 || (100..200).contains(&status) {
        return Ok(resp);
    }
    if let Some(len) = resp
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        resp.body = body;
    } else if resp
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16).map_err(std::io::Error::other)?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            chunk.truncate(size);
            resp.body.extend_from_slice(&chunk);
        }
    } else {
        reader.read_to_end(&mut resp.body)?;
    }
    Ok(resp)
}

/// Sends raw bytes on a fresh connection and reads one response.
pub fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut conn = connect(addr);
    conn.get_mut().write_all(request).expect("send");
    let head = request.starts_with(b"HEAD ");
    read_response(&mut conn, head).expect("a response")
}

/// A GET with extra headers, on its own connection.
pub fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    raw(addr, req.as_bytes())
}

pub fn send(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Resp {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    raw(addr, &req)
}
