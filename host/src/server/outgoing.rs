//! A response on its way out: HEAD stripping, gzip of large compressible
//! bodies, then the conversion to hyper's response with the `Server` header.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use kiln_runtime::host_api::is_content_type;

use super::body::OutBody;
use super::compress;
use super::config::ServerConfig;
use super::response::{Body, HeaderText, Response};

/// HEAD stripping and gzip of large compressible bodies.
pub fn finish(
    mut resp: Response,
    method: &str,
    accept_encoding: Option<&str>,
    config: &ServerConfig,
) -> Response {
    // Borrowed, not cloned: cloning a body made from a `Vec` would move it
    // into a shared allocation.
    let worth_it = match &resp.body {
        Body::Full(bytes) => {
            resp.status == 200
                && bytes.len() >= config.gzip_min_bytes
                && resp.header("Content-Encoding").is_none()
                && resp
                    .header("Content-Type")
                    .is_some_and(compress::is_compressible)
        }
        Body::Stream(_) => false,
    };
    if worth_it {
        add_vary(&mut resp);
        if compress::accepts(accept_encoding, "gzip") {
            let packed = match &resp.body {
                Body::Full(bytes) => compress::gzip(bytes).ok(),
                Body::Stream(_) => None,
            };
            if let Some(packed) = packed {
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
    if method == "HEAD" {
        if let Body::Full(bytes) = &resp.body {
            if resp.header("Content-Length").is_none() {
                let len = bytes.len().to_string();
                resp.headers.push(("Content-Length".into(), len.into()));
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

pub fn to_hyper(resp: Response, head: bool) -> hyper::Response<OutBody> {
    let status =
        http::StatusCode::from_u16(resp.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let body = match resp.body {
        Body::Full(bytes) => OutBody::full(bytes),
        Body::Stream(stream) => OutBody::Stream(stream),
    };
    if let [(name, value)] = resp.headers.as_slice() {
        if let Some(mut common) = common_type_head(name, value) {
            common.status = status;
            return hyper::Response::from_parts(common, body);
        }
    }
    let mut out = hyper::Response::new(body);
    *out.status_mut() = status;
    let headers = out.headers_mut();
    headers.reserve(resp.headers.len() + 1);
    for (name, value) in resp.headers {
        let Ok(parsed) = header_name(&name) else {
            tracing::warn!(target: "kiln::host", "dropped an invalid response header {name:?}");
            continue;
        };
        let Ok(value) = header_value(&parsed, value) else {
            tracing::warn!(target: "kiln::host", "dropped an invalid response header {name:?}");
            continue;
        };
        let name = parsed;
        // hyper frames bodies itself, so a stated length is kept only for a
        // HEAD answer, whose body is empty by definition.
        if name == CONTENT_LENGTH && !head {
            continue;
        }
        headers.append(name, value);
    }
    headers.insert(http::header::SERVER, SERVER_KILN);
    out
}

thread_local! {
    /// The head of a response whose only header is one of the
    /// `COMMON_TYPES` (most handler responses), as `to_hyper` would build
    /// it: `Content-Type`, then `Server`. Cloning a ready head costs less
    /// than sizing, hashing and filling a new map (and less than making an
    /// empty one to replace).
    static COMMON_TYPE_HEADS: [http::response::Parts; 4] = COMMON_TYPES.map(|(_, value)| {
        let (mut head, ()) = hyper::Response::new(()).into_parts();
        head.headers.reserve(2);
        head.headers.append(CONTENT_TYPE, value);
        head.headers.insert(http::header::SERVER, SERVER_KILN);
        head
    });
}

/// `to_hyper`'s head (its status still to set) for a response whose one
/// header is `name: value`, when that is a common content type.
fn common_type_head(name: &str, value: &str) -> Option<http::response::Parts> {
    if !is_content_type(name) {
        return None;
    }
    let at = COMMON_TYPES.iter().position(|(text, _)| *text == value)?;
    COMMON_TYPE_HEADS
        .try_with(|heads| heads.get(at).cloned())
        .ok()
        .flatten()
}

/// Built at compile time: `from_static` checks its text on every call.
const SERVER_KILN: HeaderValue = HeaderValue::from_static("kiln");

/// Nearly every response names its content type: that one skips parsing.
fn header_name(name: &str) -> Result<HeaderName, http::header::InvalidHeaderName> {
    if is_content_type(name) {
        return Ok(CONTENT_TYPE);
    }
    HeaderName::from_bytes(name.as_bytes())
}

/// The content types the host and the runtime give by default, as header
/// values made at compile time (no check or buffer of their own).
const COMMON_TYPES: [(&str, HeaderValue); 4] = [
    (
        "text/html; charset=utf-8",
        HeaderValue::from_static("text/html; charset=utf-8"),
    ),
    (
        "application/json",
        HeaderValue::from_static("application/json"),
    ),
    (
        "text/plain; charset=utf-8",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    ),
    ("text/plain", HeaderValue::from_static("text/plain")),
];

/// An owned value's own buffer becomes the header's (checked, not copied).
fn header_value(
    name: &HeaderName,
    value: HeaderText,
) -> Result<HeaderValue, http::header::InvalidHeaderValue> {
    if name == CONTENT_TYPE {
        if let Some((_, common)) = COMMON_TYPES.iter().find(|(text, _)| *text == value) {
            return Ok(common.clone());
        }
    }
    match value {
        HeaderText::Borrowed(text) => HeaderValue::from_str(text),
        HeaderText::Owned(text) => HeaderValue::from_maybe_shared(Bytes::from(text)),
    }
}
