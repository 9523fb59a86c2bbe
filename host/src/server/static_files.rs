//! Static files under `--static DIR` at `--static-prefix`, served without a
//! script: content type by extension, `ETag`/`Last-Modified` with 304s,
//! single `Range` requests (206/416), precompressed `.br`/`.gz` siblings by
//! `Accept-Encoding`, `index.html` for directories, no listings, and no way
//! out of the root (dot segments in any encoding, backslashes, NUL, hidden
//! files and symlinks leading outside are refused).

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use percent_encoding::percent_decode_str;
use tokio::io::{AsyncRead, AsyncSeekExt, ReadBuf};

use super::compress::accepts;
use super::request::Headers;
use super::response::{Body, HeaderText, Response, StreamError};
use super::static_cache::{sibling_path, CacheLimits, Entry, FileCache, Lookup, Rep, Stamp};

/// Uncached files up to this size are read in one go; larger ones stream.
const READ_WHOLE_LIMIT: u64 = 256 * 1024;
const STREAM_CHUNK: usize = 64 * 1024;

#[derive(Debug)]
pub struct StaticFiles {
    root: PathBuf,
    prefix: String,
    cache: FileCache,
}

/// Where a URL path led inside the root.
#[derive(Debug, PartialEq)]
enum Resolved {
    File(PathBuf),
    Redirect(String),
    Refused(u16),
}

impl StaticFiles {
    /// `prefix` like "/static"; the root must exist. Default cache limits.
    pub fn new(dir: &Path, prefix: &str) -> io::Result<StaticFiles> {
        StaticFiles::with_cache(dir, prefix, CacheLimits::default())
    }

    pub fn with_cache(dir: &Path, prefix: &str, limits: CacheLimits) -> io::Result<StaticFiles> {
        let root = dir.canonicalize()?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", dir.display()),
            ));
        }
        let prefix = format!("/{}", prefix.trim_matches('/'));
        Ok(StaticFiles {
            root,
            prefix,
            cache: FileCache::new(limits),
        })
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

    #[cfg(test)]
    fn resolve(&self, raw_rest: &str) -> Resolved {
        if raw_rest.is_empty() {
            return Resolved::Redirect(format!("{}/", self.prefix));
        }
        match normalize(raw_rest) {
            Ok(key) => self.resolve_key(&key, raw_rest),
            Err(status) => Resolved::Refused(status),
        }
    }

    /// Resolves a normalised key (see `normalize`) on the disk.
    fn resolve_key(&self, key: &str, raw_rest: &str) -> Resolved {
        let mut path = self.root.clone();
        for segment in key.split('/').filter(|s| !s.is_empty()) {
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
        if key.ends_with('/') {
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
        if raw_rest.is_empty() {
            return redirect(format!("{}/", self.prefix));
        }
        let key = match normalize(raw_rest) {
            Ok(key) => key,
            Err(status) => return Response::text(status, status_text(status)),
        };
        let entry = match self.cache.lookup(&key) {
            Lookup::Fresh(entry) => Ok(entry),
            Lookup::Stale(entry) => {
                let resolved = self.resolve_key(&key, raw_rest);
                if resolved == Resolved::File(entry.file.clone()) && entry.matches_disk() {
                    self.cache.confirm(&entry);
                    Ok(entry)
                } else {
                    self.cache.remove(&key);
                    self.load(key, resolved).await
                }
            }
            Lookup::Missing => {
                let resolved = self.resolve_key(&key, raw_rest);
                self.load(key, resolved).await
            }
        };
        let entry = match entry {
            Ok(entry) => entry,
            Err(resp) => return resp,
        };
        match respond(&entry, method == "HEAD", headers).await {
            Ok(resp) => resp,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Response::text(404, status_text(404)),
            Err(_) => Response::text(403, status_text(403)),
        }
    }

    /// Builds and caches the entry of a resolved file: stats it and its
    /// siblings, and reads the bodies the cache has room for.
    async fn load(&self, key: String, resolved: Resolved) -> Result<Arc<Entry>, Response> {
        let file = match resolved {
            Resolved::File(file) => file,
            Resolved::Redirect(location) => return Err(redirect(location)),
            Resolved::Refused(status) => return Err(Response::text(status, status_text(status))),
        };
        let Some(stamp) = Stamp::read(&file) else {
            return Err(Response::text(404, status_text(404)));
        };
        let mut identity = Rep::new(file.clone(), None, stamp);
        let sibling = |ext: &str, coding: &'static str| {
            let path = sibling_path(&file, ext);
            Stamp::read(&path).map(|stamp| Rep::new(path, Some(coding), stamp))
        };
        let mut br = sibling(".br", "br");
        let mut gz = sibling(".gz", "gzip");
        for rep in std::iter::once(&mut identity)
            .chain(br.as_mut())
            .chain(gz.as_mut())
        {
            rep.body = self.read_body(rep).await;
        }
        let content_type = content_type_for(&file);
        let entry = Entry::new(file, content_type, identity, br, gz);
        Ok(self.cache.insert(key, entry))
    }

    /// The body of `rep` when the cache may hold it and it still has the
    /// length just seen (else it is read from disk per request).
    async fn read_body(&self, rep: &Rep) -> Option<Bytes> {
        let len = rep.stamp.len;
        if !self.cache.reserve(len) {
            return None;
        }
        match tokio::fs::read(&rep.path).await {
            Ok(data) if data.len() as u64 == len => Some(Bytes::from(data)),
            _ => {
                self.cache.unreserve(len);
                None
            }
        }
    }
}

/// Checks and normalises the raw rest of a URL path into a cache key: the
/// decoded segments joined by '/', with the trailing '/' kept (it decides
/// between a directory's index and a redirect). Errors are statuses.
fn normalize(raw_rest: &str) -> Result<String, u16> {
    let Ok(decoded) = percent_decode_str(raw_rest).decode_utf8() else {
        return Err(400);
    };
    if decoded.contains('\0') || decoded.contains('\\') {
        return Err(400);
    }
    let mut key = String::with_capacity(decoded.len() + 1);
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment == "." || segment == ".." {
            return Err(400);
        }
        if segment.starts_with('.') {
            return Err(404);
        }
        key.push('/');
        key.push_str(segment);
    }
    if decoded.ends_with('/') {
        key.push('/');
    }
    Ok(key)
}

fn redirect(location: String) -> Response {
    let mut resp = Response::text(301, "moved\n");
    resp.set_header("Location", location);
    resp
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "bad request\n",
        403 => "forbidden\n",
        _ => "not found\n",
    }
}

/// The representation this request gets.
fn choose_rep<'a>(entry: &'a Entry, headers: &Headers) -> &'a Rep {
    // Ranges address the identity bytes, so a range request skips siblings.
    if entry.has_siblings() && !headers.contains("range") {
        let accept = headers.get("accept-encoding");
        if let Some(rep) = entry.br.as_ref().filter(|_| accepts(accept, "br")) {
            return rep;
        }
        if let Some(rep) = entry.gz.as_ref().filter(|_| accepts(accept, "gzip")) {
            return rep;
        }
    }
    &entry.identity
}

async fn respond(entry: &Entry, head_only: bool, headers: &Headers) -> io::Result<Response> {
    let rep = choose_rep(entry, headers);
    let len = rep.stamp.len;
    let etag = &rep.etag;
    let last_modified = &rep.last_modified;

    let mut common: Vec<(HeaderText, HeaderText)> = Vec::with_capacity(8);
    common.push(("ETag".into(), etag.clone().into()));
    common.push(("Last-Modified".into(), last_modified.clone().into()));
    common.push(("Accept-Ranges".into(), "bytes".into()));
    if entry.has_siblings() {
        common.push(("Vary".into(), "Accept-Encoding".into()));
    }
    if is_not_modified(headers, etag, rep.stamp.modified) {
        return Ok(Response {
            status: 304,
            headers: common,
            body: Body::Full(Bytes::new()),
        });
    }
    let mut headers_out = common;
    headers_out.push(("Content-Type".into(), entry.content_type.into()));
    if let Some(coding) = rep.coding {
        headers_out.push(("Content-Encoding".into(), coding.into()));
    }

    let range = if range_applies(headers, etag, last_modified) {
        headers.get("range")
    } else {
        None
    };
    let (status, start, count) = match range.map(|r| parse_range(r, len)) {
        Some(RangeOutcome::Satisfiable(start, end)) => {
            let range = format!("bytes {start}-{end}/{len}");
            headers_out.push(("Content-Range".into(), range.into()));
            (206, start, end - start + 1)
        }
        Some(RangeOutcome::Unsatisfiable) => {
            let mut resp = Response::text(416, "range not satisfiable\n");
            resp.set_header("Content-Range", format!("bytes */{len}"));
            return Ok(resp);
        }
        Some(RangeOutcome::Ignored) | None => (200, 0, len),
    };
    headers_out.push(("Content-Length".into(), count.to_string().into()));
    if head_only {
        return Ok(Response {
            status,
            headers: headers_out,
            body: Body::Full(Bytes::new()),
        });
    }
    let body = match &rep.body {
        Some(bytes) => Body::Full(slice_of(bytes, start, count)?),
        None => read_from_disk(&rep.path, start, count).await?,
    };
    Ok(Response {
        status,
        headers: headers_out,
        body,
    })
}

fn changed_while_serving() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "file changed while serving")
}

/// `count` bytes from `start` of a held body, without copying.
fn slice_of(bytes: &Bytes, start: u64, count: u64) -> io::Result<Bytes> {
    let start = usize::try_from(start).map_err(|_| changed_while_serving())?;
    let count = usize::try_from(count).map_err(|_| changed_while_serving())?;
    let end = start.checked_add(count).ok_or_else(changed_while_serving)?;
    if end > bytes.len() {
        return Err(changed_while_serving());
    }
    Ok(bytes.slice(start..end))
}

/// The body of a file the cache does not hold: read whole when small,
/// streamed otherwise.
async fn read_from_disk(path: &Path, start: u64, count: u64) -> io::Result<Body> {
    if count <= READ_WHOLE_LIMIT {
        let data = Bytes::from(tokio::fs::read(path).await?);
        return Ok(Body::Full(slice_of(&data, start, count)?));
    }
    let mut handle = tokio::fs::File::open(path).await?;
    handle.seek(io::SeekFrom::Start(start)).await?;
    Ok(Body::Stream(Box::pin(FileChunks {
        file: handle,
        remaining: count,
    })))
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
    use super::super::static_cache::make_etag;
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
