//! What a handler produces: a status, headers and a body that is either whole
//! bytes or a stream of chunks (generators become chunked responses), plus
//! the ways a handler can fail.

use std::fmt;
use std::pin::Pin;

pub use kiln_runtime::host_api::HeaderText;

use bytes::Bytes;
use futures_core::Stream;
use thiserror::Error;

/// A stream of body chunks; an `Err` aborts the response mid-way.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes, StreamError>>>>;

/// Why a streamed body stopped early.
#[derive(Debug, Error)]
#[error("response stream failed: {0}")]
pub struct StreamError(pub String);

pub enum Body {
    Full(Bytes),
    Stream(ChunkStream),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Full(b) => f.debug_tuple("Full").field(&b.len()).finish(),
            Body::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// A response as plain data. Header names are case-insensitive; `Server`,
/// `Date` and `Content-Length` are supplied by the host. Header texts are
/// `Cow`s so that static ones (most of them) are never copied.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(HeaderText, HeaderText)>,
    pub body: Body,
}

impl Response {
    pub fn new(
        status: u16,
        content_type: impl Into<HeaderText>,
        body: impl Into<Bytes>,
    ) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: Body::Full(body.into()),
        }
    }

    /// `str` results: `text/html; charset=utf-8`, as Flask.
    pub fn html(body: impl Into<String>) -> Response {
        Response::new(200, "text/html; charset=utf-8", body.into())
    }

    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response::new(status, "text/plain; charset=utf-8", body.into())
    }

    pub fn json(status: u16, body: impl Into<String>) -> Response {
        Response::new(status, "application/json", body.into())
    }

    pub fn stream(
        status: u16,
        content_type: impl Into<HeaderText>,
        chunks: ChunkStream,
    ) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: Body::Stream(chunks),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// Replaces every header called `name` with one value.
    pub fn set_header(&mut self, name: impl Into<HeaderText>, value: impl Into<HeaderText>) {
        let name = name.into();
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
    }
}

/// A handler that did not produce a response.
#[derive(Debug, Error)]
pub enum HandlerError {
    /// The script raised; `traceback` is logged, and shown only in dev mode.
    #[error("handler raised: {message}")]
    Raised { message: String, traceback: String },
    /// The runtime stopped the handler because its deadline passed.
    #[error("handler interrupted at its deadline")]
    Interrupted,
    /// The request itself was unusable (e.g. `req.json` on malformed JSON).
    #[error("bad request: {0}")]
    BadRequest(String),
}

pub type HandlerResult = Result<Response, HandlerError>;
