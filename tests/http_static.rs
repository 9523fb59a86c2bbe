//! Static files through the real server: type, ETag/Last-Modified, 304s,
//! ranges (206/416), precompressed siblings, index.html, no listings, and
//! traversal attempts in many encodings.

#[path = "http_support.rs"]
mod support;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use support::*;

const SECRET: &[u8] = b"TOP-SECRET-OUTSIDE-THE-ROOT";

fn fixture(name: &str) -> PathBuf {
    let base = std::env::temp_dir().join(format!("kiln-http-static-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let root = base.join("public");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("small.txt"), "small file\n").unwrap();
    std::fs::write(root.join("index.html"), "<h1>index</h1>\n").unwrap();
    std::fs::write(root.join("sub/note.txt"), "note\n").unwrap();
    let css = "body { color: red; }\n".repeat(50);
    std::fs::write(root.join("style.css"), &css).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(css.as_bytes()).unwrap();
    std::fs::write(root.join("style.css.gz"), gz.finish().unwrap()).unwrap();
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(root.join("big.bin"), big).unwrap();
    std::fs::write(base.join("secret.txt"), SECRET).unwrap();
    std::os::unix::fs::symlink(base.join("secret.txt"), root.join("escape.txt")).unwrap();
    root
}

fn server(root: &std::path::Path) -> kiln_server::ServerHandle {
    let config = kiln_server::ServerConfig {
        static_dir: Some(root.to_path_buf()),
        ..config()
    };
    start(config, test_app(Arc::new(AtomicBool::new(false))))
}

#[test]
fn files_with_type_etag_and_conditional_304() {
    let root = fixture("etag");
    let s = server(&root);
    let a = s.local_addr();
    let r = get(a, "/static/small.txt", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "small file\n");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let etag = r.header("etag").unwrap().to_owned();
    let last_modified = r.header("last-modified").unwrap().to_owned();
    assert!(httpdate::parse_http_date(&last_modified).is_ok());
    let r = get(a, "/static/small.txt", &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    let r = get(
        a,
        "/static/small.txt",
        &[("If-Modified-Since", &last_modified)],
    );
    assert_eq!(r.status, 304);
    let r = get(a, "/static/small.txt", &[("If-None-Match", "\"stale\"")]);
    assert_eq!(r.status, 200);
    // Routes outside the prefix still reach the app.
    assert_eq!(get(a, "/", &[]).text(), "hello");
    stop(s);
}

#[test]
fn ranges_and_large_files() {
    let root = fixture("range");
    check_ranges(&root, server(&root));
}

#[test]
fn files_past_the_cache_bound_stream_from_disk() {
    let root = fixture("uncached");
    let config = kiln_server::ServerConfig {
        static_dir: Some(root.clone()),
        static_cache_max_file: 1000,
        ..config()
    };
    check_ranges(
        &root,
        start(config, test_app(Arc::new(AtomicBool::new(false)))),
    );
}

fn check_ranges(root: &std::path::Path, s: kiln_server::ServerHandle) {
    let a = s.local_addr();
    let big = std::fs::read(root.join("big.bin")).unwrap();
    let r = get(a, "/static/big.bin", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_eq!(r.body, big);
    let r = get(a, "/static/big.bin", &[("Range", "bytes=1000-1999")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.header("content-range"), Some("bytes 1000-1999/1000000"));
    assert_eq!(r.body, &big[1000..2000]);
    let r = get(a, "/static/big.bin", &[("Range", "bytes=-10")]);
    assert_eq!(r.body, &big[big.len() - 10..]);
    let r = get(a, "/static/big.bin", &[("Range", "bytes=300000-")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &big[300_000..]);
    let r = get(a, "/static/big.bin", &[("Range", "bytes=2000000-")]);
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */1000000"));
    let r = raw(
        a,
        b"HEAD /static/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("1000000"));
    stop(s);
}

#[test]
fn precompressed_sibling_by_accept_encoding() {
    let root = fixture("gz");
    let s = server(&root);
    let a = s.local_addr();
    let gz = std::fs::read(root.join("style.css.gz")).unwrap();
    let css = std::fs::read(root.join("style.css")).unwrap();
    let r = get(
        a,
        "/static/style.css",
        &[("Accept-Encoding", "gzip, deflate")],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    assert_eq!(r.body, gz);
    let r = get(a, "/static/style.css", &[]);
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.body, css);
    let r = get(a, "/static/style.css", &[("Accept-Encoding", "gzip;q=0")]);
    assert_eq!(r.body, css);
    stop(s);
}

#[test]
fn directories_index_and_no_listing() {
    let root = fixture("dirs");
    let s = server(&root);
    let a = s.local_addr();
    let r = get(a, "/static/", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "<h1>index</h1>\n");
    let r = get(a, "/static", &[]);
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/static/"));
    for dir in ["/static/sub/", "/static/sub"] {
        let r = get(a, dir, &[]);
        assert_eq!(r.status, 404, "{dir}");
        assert!(!r.text().contains("note.txt"));
    }
    assert_eq!(get(a, "/static/missing.txt", &[]).status, 404);
    assert_eq!(send(a, "POST", "/static/small.txt", b"").status, 405);
    stop(s);
}

#[test]
fn traversal_attempts_never_escape() {
    let root = fixture("escape");
    let s = server(&root);
    let a = s.local_addr();
    let attempts = [
        "/static/../secret.txt",
        "/static/sub/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/..%2fsecret.txt",
        "/static/..%2Fsecret.txt",
        "/static/%252e%252e%252fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/..\\secret.txt",
        "/static/%2e%2e%5csecret.txt",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/small.txt%00.png",
        "/static/escape.txt",
        "/static/sub/%2e%2e/%2e%2e/secret.txt",
        "/static/.%2e/secret.txt",
        "/static/%c0%ae%c0%ae/secret.txt",
    ];
    for target in attempts {
        let req = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut conn = connect(a);
        conn.get_mut().write_all(req.as_bytes()).unwrap();
        let r = read_response(&mut conn, false).unwrap();
        assert!(
            [400, 403, 404].contains(&r.status),
            "{target}: {}",
            r.status
        );
        assert!(
            !r.body.windows(SECRET.len()).any(|w| w == SECRET),
            "{target} leaked the secret"
        );
        assert!(!r.text().contains("root:"), "{target} leaked /etc/passwd");
    }
    stop(s);
}

/// A server whose static cache trusts an entry for only `window`.
fn server_with_window(root: &std::path::Path, window: Duration) -> kiln_server::ServerHandle {
    let config = kiln_server::ServerConfig {
        static_dir: Some(root.to_path_buf()),
        static_cache_revalidate: window,
        ..config()
    };
    start(config, test_app(Arc::new(AtomicBool::new(false))))
}

#[test]
fn cached_files_are_revalidated_after_their_window() {
    let root = fixture("revalidate");
    let window = Duration::from_millis(300);
    let s = server_with_window(&root, window);
    let a = s.local_addr();
    let first = get(a, "/static/small.txt", &[]);
    assert_eq!(first.text(), "small file\n");
    // Spellings of one path share the entry and its validators.
    let alias = get(a, "/static/%73mall.txt", &[]);
    assert_eq!(alias.header("etag"), first.header("etag"));
    std::fs::write(root.join("small.txt"), "changed, and longer\n").unwrap();
    std::thread::sleep(window + Duration::from_millis(200));
    let r = get(a, "/static/small.txt", &[]);
    assert_eq!(r.text(), "changed, and longer\n");
    assert_ne!(r.header("etag"), first.header("etag"));
    // A precompressed sibling that appears is picked up too.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"changed, and longer\n").unwrap();
    std::fs::write(root.join("small.txt.gz"), gz.finish().unwrap()).unwrap();
    std::thread::sleep(window + Duration::from_millis(200));
    let r = get(a, "/static/small.txt", &[("Accept-Encoding", "gzip")]);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    stop(s);
}

#[test]
fn deleted_files_404_after_the_window() {
    let root = fixture("deleted");
    let window = Duration::from_millis(300);
    let s = server_with_window(&root, window);
    let a = s.local_addr();
    assert_eq!(get(a, "/static/sub/note.txt", &[]).status, 200);
    assert_eq!(get(a, "/static/", &[]).text(), "<h1>index</h1>\n");
    std::fs::remove_file(root.join("sub/note.txt")).unwrap();
    std::fs::remove_file(root.join("index.html")).unwrap();
    std::thread::sleep(window + Duration::from_millis(200));
    assert_eq!(get(a, "/static/sub/note.txt", &[]).status, 404);
    assert_eq!(get(a, "/static/", &[]).status, 404);
    // And a file that comes back is served again.
    std::fs::write(root.join("sub/note.txt"), "back\n").unwrap();
    assert_eq!(get(a, "/static/sub/note.txt", &[]).text(), "back\n");
    stop(s);
}
