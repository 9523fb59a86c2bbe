//! Static files under `--static DIR` at `--static-prefix`, served without a
//! script: content type by extension, `ETag`/`Last-Modified` with 304s,
//! single `Range` requests (206/416), precompressed `.br`/`.gz` siblings by
//! `Accept-Encoding`, `index.html` for directories, no listings, and no way
//! out of the root (dot segments in any encoding, backslashes, NUL, hidden
//! files and symlinks leading outside are refused).

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use percent_encoding::percent_decode_str;
use tokio::io::{AsyncRead, AsyncSeekExt, ReadBuf};

use super::compress::accepts;
use super::request::Headers;
use super::response::{Body, Response, StreamError};

/// Files up to this size are read in one go; larger ones are streamed.
const READ_WHOLE_LIMIT: u64 = 256 * 1024;
const STREAM_CHUNK: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct StaticFiles {
    root: PathBuf,
    prefix: String,
}

/// Where a URL path led inside the root.
#[derive(Debug, PartialEq)]
enum Resolved {
    File(PathBuf),
    Redirect(String),
    Refused(u16),
}

impl StaticFiles {
    /// `prefix` like "/static"; the root must exist.
    pub fn new(dir: &Path, prefix: &str) -> io::Result<StaticFiles> {
        let root = dir.canonicalize()?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", dir.display()),
            ));
        }
        let prefix = format!("/{}", prefix.trim_matches('/'));
        Ok(StaticFiles { root, prefix })
    }

    /// The raw (still percent-encoded) rest of `path` after the prefix, when
    /// the path is under it: "" for the prefix itself, else "/...".
    pub fn strip_prefix<'a>(&self, path: &'a str) -> Option<&'a str> {
        let rest = if self.prefix == "/" {
            Some(path)
        } else {
            path.strip_prefix(self.prefix.as_str())
        }?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }

    fn resolve(&self, raw_rest: &str) -> Resolved {
        if raw_rest.is_empty() {
            return Resolved::Redirect(format!("{}/", self.prefix));
        }
        let Ok(decoded) = percent_decode_str(raw_rest).decode_utf8() else {
            return Resolved::Refused(400);
        };
        if decoded.contains('\0') || decoded.contains('\\') {
            return Resolved::Refused(400);
        }
        let mut path = self.root.clone();
        for segment in decoded.split('/').filter(|s| !s.is_empty()) {
            if segment == "." || segment == ".." {
                return Resolved::Refused(400);
            }
            if segment.starts_with('.') {
                return Resolved::Refused(404);
            }
            path.push(segment);
        }
        let Ok(real) = path.canonicalize() else {
            return Resolved::Refused(404);
        };
        if !real.starts_with(&self.root) {
            return Resolved::Refused(403);
        }
        if real.is_file() {
            return Resolved::File(real);
        }
        if !real.is_dir() {
            return Resolved::Refused(404);
        }
        let index = real.join("index.html");
        if !index.is_file() {
            return Resolved::Refused(404);
        }
        if decoded.ends_with('/') {
            Resolved::File(index)
        } else {
            Resolved::Redirect(format!("{}{}/", self.prefix, raw_rest))
        }
    }

    /// Answers a request whose path is under the prefix (`raw_rest` from
    /// `strip_prefix`).
    pub async fn serve(&self, method: &str, raw_rest: &str, headers: &Headers) -> Response {
        if method != "GET" && method != "HEAD" {
            let mut resp = Response::text(405, "method not allowed\n");
            resp.set_header("Allow", "GET, HEAD");
            return resp;
        }
        let file = match self.resolve(raw_rest) {
            Resolved::File(file) => file,
            Resolved::Redirect(location) => {
                let mut resp = Response::text(301, "moved\n");
                resp.set_header("Location", location);
                return resp;
            }
            Resolved::Refused(status) => return Response::text(status, status_text(status)),
        };
        match serve_file(&file, method == "HEAD", headers).await {
            Ok(resp) => resp,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Response::text(404, status_text(404)),
            Err(_) => Response::text(403, status_text(403)),
        }
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "bad request\n",
        403 => "forbidden\n",
        _ => "not found\n",
    }
}

/// A precompressed sibling chosen for this request.
struct Variant {
    path: PathBuf,
    coding: Option<&'static str>,
}

fn choose_variant(file: &Path, headers: &Headers) -> (Variant, bool) {
    let accept = headers.get("accept-encoding");
    let sibling = |ext: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(ext);
        let path = PathBuf::from(name);
        path.is_file().then_some(path)
    };
    let br = sibling(".br");
    let gz = sibling(".gz");
    let has_siblings = br.is_some() || gz.is_some();
    // Ranges address the identity bytes, so a range request skips siblings.
    if !headers.contains("range") {
        if let Some(path) = br.filter(|_| accepts(accept, "br")) {
            return (
                Variant {
                    path,
                    coding: Some("br"),
                },
                has_siblings,
            );
        }
        if let Some(path) = gz.filter(|_| accepts(accept, "gzip")) {
            return (
                Variant {
                    path,
                    coding: Some("gzip"),
                },
                has_siblings,
            );
        }
    }
    (
        Variant {
            path: file.to_path_buf(),
            coding: None,
        },
        has_siblings,
    )
}

async fn serve_file(file: &Path, head_only: bool, headers: &Headers) -> io::Result<Response> {
    let content_type = content_type_for(file);
    let (variant, vary) = choose_variant(file, headers);
    let meta = tokio::fs::metadata(&variant.path).await?;
    let len = meta.len();
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let etag = make_etag(len, modified, variant.coding);
    let last_modified = httpdate::fmt_http_date(modified);

    let mut common: Vec<(String, String)> = vec![
        ("ETag".into(), etag.clone()),
        ("Last-Modified".into(), last_modified.clone()),
        ("Accept-Ranges".into(), "bytes".into()),
    ];
    if vary {
        common.push(("Vary".into(), "Accept-Encoding".into()));
    }
    if is_not_modified(headers, &etag, modified) {
        return Ok(Response {
            status: 304,
            headers: common,
            body: Body::Full(Bytes::new()),
        });
    }
    let mut headers_out = common;
    headers_out.push(("Content-Type".into(), content_type.into()));
    if let Some(coding) = variant.coding {
        headers_out.push(("Content-Encoding".into(), coding.into()));
    }

    let range = if range_applies(headers, &etag, &last_modified) {
        headers.get("range")
    } else {
        None
    };
    let (status, start, count) = match range.map(|r| parse_range(r, len)) {
        Some(RangeOutcome::Satisfiable(start, end)) => {
            headers_out.push(("Content-Range".into(), format!("bytes {start}-{end}/{len}")));
            (206, start, end - start + 1)
        }
        Some(RangeOutcome::Unsatisfiable) => {
            let mut resp = Response::text(416, "range not satisfiable\n");
            resp.set_header("Content-Range", format!("bytes */{len}"));
            return Ok(resp);
        }
        Some(RangeOutcome::Ignored) | None => (200, 0, len),
    };
    headers_out.push(("Content-Length".into(), count.to_string()));
    if head_only {
        return Ok(Response {
            status,
            headers: headers_out,
            body: Body::Full(Bytes::new()),
        });
    }
    let body = if count <= READ_WHOLE_LIMIT {
        let data = tokio::fs::read(&variant.path).await?;
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(count).unwrap_or(usize::MAX));
        match data.get(start..end) {
            Some(slice) => Body::Full(Bytes::copy_from_slice(slice)),
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "file changed while serving",
                ))
            }
        }
    } else {
        let mut handle = tokio::fs::File::open(&variant.path).await?;
        handle.seek(io::SeekFrom::Start(start)).await?;
        Body::Stream(Box::pin(FileChunks {
            file: handle,
            remaining: count,
        }))
    };
    Ok(Response {
        status,
        headers: headers_out,
        body,
    })
}

fn make_etag(len: u64, modified: SystemTime, coding: Option<&str>) -> String {
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    match coding {
        Some(c) => format!("\"{len:x}-{nanos:x}-{c}\""),
        None => format!("\"{len:x}-{nanos:x}\""),
    }
}

fn is_not_modified(headers: &Headers, etag: &str, modified: SystemTime) -> bool {
    if let Some(inm) = headers.get("if-none-match") {
        let bare = etag.trim_start_matches("W/");
        // The host may have gzipped the body on the way out and tagged it so.
        let gzipped = bare.strip_suffix('"').map(|open| format!("{open}-gzip\""));
        return inm.split(',').map(str::trim).any(|tag| {
            let tag = tag.trim_start_matches("W/");
            tag == "*" || tag == bare || gzipped.as_deref() == Some(tag)
        });
    }
    if let Some(ims) = headers
        .get("if-modified-since")
        .and_then(|v| httpdate::parse_http_date(v).ok())
    {
        let secs = |t: SystemTime| {
            t.duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        };
        return secs(modified) <= secs(ims);
    }
    false
}

/// `If-Range`: the range applies only while the validator still matches.
fn range_applies(headers: &Headers, etag: &str, last_modified: &str) -> bool {
    match headers.get("if-range") {
        None => true,
        Some(v) => v.trim() == etag || v.trim() == last_modified,
    }
}

#[derive(Debug, PartialEq)]
enum RangeOutcome {
    /// Inclusive byte positions.
    Satisfiable(u64, u64),
    Unsatisfiable,
    /// Malformed, multiple ranges, or another unit: serve the whole file.
    Ignored,
}

fn parse_range(header: &str, len: u64) -> RangeOutcome {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeOutcome::Ignored;
    };
    if spec.contains(',') {
        return RangeOutcome::Ignored;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeOutcome::Ignored;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (number(first), number(last)) {
        (Some(start), end) if last.is_empty() || end.is_some() => {
            if let Some(end) = end {
                if end < start {
                    return RangeOutcome::Ignored;
                }
            }
            if start >= len {
                return RangeOutcome::Unsatisfiable;
            }
            let end = end.map_or(len - 1, |e| e.min(len - 1));
            RangeOutcome::Satisfiable(start, end)
        }
        (None, Some(suffix)) if first.is_empty() => {
            if suffix == 0 || len == 0 {
                return RangeOutcome::Unsatisfiable;
            }
            RangeOutcome::Satisfiable(len.saturating_sub(suffix), len - 1)
        }
        _ => RangeOutcome::Ignored,
    }
}

fn content_type_for(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" | "text" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "tar" => "application/x-tar",
        _ => "application/octet-stream",
    }
}

/// Reads `remaining` bytes of an open file as body chunks.
struct FileChunks {
    file: tokio::fs::File,
    remaining: u64,
}

impl Stream for FileChunks {
    type Item = Result<Bytes, StreamError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(this.remaining.min(STREAM_CHUNK as u64)).unwrap_or(STREAM_CHUNK);
        let mut storage = BytesMut::zeroed(want);
        let mut buf = ReadBuf::new(&mut storage);
        match Pin::new(&mut this.file).poll_read(cx, &mut buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(StreamError(e.to_string())))),
            Poll::Ready(Ok(())) => {
                let got = buf.filled().len();
                if got == 0 {
                    return Poll::Ready(Some(Err(StreamError("file shrank while serving".into()))));
                }
                this.remaining -= got as u64;
                storage.truncate(got);
                Poll::Ready(Some(Ok(storage.freeze())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> (PathBuf, StaticFiles) {
        let base =
            std::env::temp_dir().join(format!("kiln-static-unit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("public");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("a.txt"), "hello").unwrap();
        std::fs::write(root.join("docs/index.html"), "<p>docs</p>").unwrap();
        std::fs::write(root.join(".secret"), "x").unwrap();
        std::fs::write(base.join("outside.txt"), "secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(base.join("outside.txt"), root.join("link.txt")).unwrap();
        let files = StaticFiles::new(&root, "/static/").unwrap();
        (root, files)
    }

    #[test]
    fn prefix_matching() {
        let (_root, files) = fixture("prefix");
        assert_eq!(files.strip_prefix("/static/a.txt"), Some("/a.txt"));
        assert_eq!(files.strip_prefix("/static"), Some(""));
        assert_eq!(files.strip_prefix("/staticx/a"), None);
        assert_eq!(files.strip_prefix("/other"), None);
    }

    #[test]
    fn resolution_refuses_escapes() {
        let (root, files) = fixture("resolve");
        let root = root.canonicalize().unwrap();
        assert_eq!(files.resolve("/a.txt"), Resolved::File(root.join("a.txt")));
        for bad in [
            "/../x",
            "/%2e%2e/x",
            "/..%2fx",
            "/%2E%2E%2Fx",
            "/sub/../../x",
            "/./a.txt",
            "/a%00.txt",
            "/..\\x",
            "/%5c..%5cx",
        ] {
            assert_eq!(files.resolve(bad), Resolved::Refused(400), "{bad}");
        }
        assert_eq!(files.resolve("/%252e%252e/x"), Resolved::Refused(404));
        assert_eq!(files.resolve("/%ff"), Resolved::Refused(400));
        assert_eq!(files.resolve("/.secret"), Resolved::Refused(404));
        assert_eq!(files.resolve("//etc/passwd"), Resolved::Refused(404));
        #[cfg(unix)]
        assert_eq!(files.resolve("/link.txt"), Resolved::Refused(403));
    }

    #[test]
    fn directories() {
        let (root, files) = fixture("dirs");
        let root = root.canonicalize().unwrap();
        assert_eq!(files.resolve("/sub/"), Resolved::Refused(404));
        assert_eq!(files.resolve("/sub"), Resolved::Refused(404));
        assert_eq!(
            files.resolve("/docs/"),
            Resolved::File(root.join("docs/index.html"))
        );
        assert_eq!(
            files.resolve("/docs"),
            Resolved::Redirect("/static/docs/".into())
        );
        assert_eq!(files.resolve(""), Resolved::Redirect("/static/".into()));
    }

    #[test]
    fn ranges() {
        assert_eq!(
            parse_range("bytes=0-9", 100),
            RangeOutcome::Satisfiable(0, 9)
        );
        assert_eq!(
            parse_range("bytes=90-", 100),
            RangeOutcome::Satisfiable(90, 99)
        );
        assert_eq!(
            parse_range("bytes=90-500", 100),
            RangeOutcome::Satisfiable(90, 99)
        );
        assert_eq!(
            parse_range("bytes=-10", 100),
            RangeOutcome::Satisfiable(90, 99)
        );
        assert_eq!(
            parse_range("bytes=-500", 100),
            RangeOutcome::Satisfiable(0, 99)
        );
        assert_eq!(parse_range("bytes=100-", 100), RangeOutcome::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), RangeOutcome::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 100), RangeOutcome::Ignored);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeOutcome::Ignored);
        assert_eq!(parse_range("items=0-1", 100), RangeOutcome::Ignored);
        assert_eq!(parse_range("bytes=x-1", 100), RangeOutcome::Ignored);
        assert_eq!(parse_range("bytes=-", 100), RangeOutcome::Ignored);
    }

    #[test]
    fn conditional_requests() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        let etag = make_etag(5, t, None);
        let mut h = Headers::new();
        h.push("If-None-Match", format!("\"other\", W/{etag}"));
        assert!(is_not_modified(&h, &etag, t));
        let mut h = Headers::new();
        h.push("If-Modified-Since", httpdate::fmt_http_date(t));
        assert!(is_not_modified(&h, &etag, t));
        let mut h = Headers::new();
        h.push(
            "If-Modified-Since",
            httpdate::fmt_http_date(t - std::time::Duration::from_secs(5)),
        );
        assert!(!is_not_modified(&h, &etag, t));
    }

    #[test]
    fn content_types() {
        assert_eq!(
            content_type_for(Path::new("x/style.CSS")),
            "text/css; charset=utf-8"
        );
        assert_eq!(
            content_type_for(Path::new("blob.bin")),
            "application/octet-stream"
        );
        assert_eq!(
            content_type_for(Path::new("noext")),
            "application/octet-stream"
        );
    }
}
