//! The runtime side of `kiln serve` through the real binary: the shared
//! cache and `@cached` across workers, async handlers that free their
//! worker, the deadline on a runaway handler, hot reload (good and broken
//! edits) and the refusal to start on a broken app.

#[path = "http_app_support.rs"]
mod app_support;
#[path = "http_support.rs"]
mod support;

use std::time::{Duration, Instant};

use app_support::{serve_app, temp_dir, try_serve, write_app, TIERS};
use support::{get, send};

const APP: &str = r#"
import time
from kiln import route, get, post, cache, cached, sleep


@post("/hit")
def hit(req):
    cache.incr("hits")
    return "ok"


@get("/hits")
def hits(req):
    return {"hits": cache.get("hits", 0)}


@post("/kv/<key>")
def put_value(req, key):
    cache.set(key, {"text": req.text, "list": [1, 2.5, None]}, ttl=60)
    return "stored"


@get("/kv/<key>")
def get_value(req, key):
    return {"value": cache.get(key)}


@post("/kv-delete/<key>")
def delete_value(req, key):
    return {"deleted": cache.delete(key)}


@post("/short/<key>")
def short_lived(req, key):
    cache.set(key, "soon gone", ttl=0.2)
    return "stored"


@route("/stamp")
@cached(ttl=30)
def stamp(req):
    return {"t": time.time()}


@route("/nap")
async def nap(req):
    await sleep(0.3)
    return "rested"


@route("/spin")
def spin(req):
    n = 0
    while True:
        n += 1
"#;

#[test]
fn cache_is_shared_and_incr_is_atomic_across_workers() {
    for tier in TIERS {
        let k = serve_app(&[("app.py", APP)], &["--jit", tier, "--workers", "2"]);
        let addr = k.addr;
        let threads: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        assert_eq!(send(addr, "POST", "/hit", b"").status, 200);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("client thread");
        }
        assert_eq!(
            get(addr, "/hits", &[]).text(),
            r#"{"hits":200}"#,
            "tier {tier}"
        );
        assert_eq!(send(addr, "POST", "/kv/a", b"v1").status, 200);
        for _ in 0..4 {
            // New connections land on either worker: all see one store.
            assert_eq!(
                get(addr, "/kv/a", &[]).text(),
                r#"{"value":{"text":"v1","list":[1,2.5,null]}}"#
            );
        }
        assert_eq!(
            send(addr, "POST", "/kv-delete/a", b"").text(),
            r#"{"deleted":true}"#
        );
        assert_eq!(get(addr, "/kv/a", &[]).text(), r#"{"value":null}"#);
        send(addr, "POST", "/short/b", b"");
        assert_eq!(get(addr, "/kv/b", &[]).text(), r#"{"value":"soon gone"}"#);
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(get(addr, "/kv/b", &[]).text(), r#"{"value":null}"#);
        let first = get(addr, "/stamp", &[]).text();
        for _ in 0..4 {
            assert_eq!(get(addr, "/stamp", &[]).text(), first);
        }
    }
}

#[test]
fn sleeping_handlers_do_not_block_their_worker() {
    for tier in TIERS {
        let k = serve_app(&[("app.py", APP)], &["--jit", tier, "--workers", "1"]);
        let addr = k.addr;
        assert_eq!(get(addr, "/nap", &[]).text(), "rested");
        let started = Instant::now();
        let threads: Vec<_> = (0..20)
            .map(|_| std::thread::spawn(move || get(addr, "/nap", &[]).text()))
            .collect();
        for t in threads {
            assert_eq!(t.join().expect("client"), "rested");
        }
        let took = started.elapsed();
        // Serialised, 20 naps of 0.3 s would take 6 s on the one worker.
        assert!(
            took < Duration::from_secs(3),
            "tier {tier}: 20 naps took {took:?}"
        );
    }
}

#[test]
fn a_runaway_handler_hits_its_deadline_and_the_worker_keeps_serving() {
    for tier in TIERS {
        let k = serve_app(
            &[("app.py", APP)],
            &["--jit", tier, "--workers", "1", "--timeout", "0.5"],
        );
        let r = get(k.addr, "/spin", &[]);
        assert!(
            r.status == 503 || r.status == 504,
            "tier {tier}: {}",
            r.status
        );
        for _ in 0..3 {
            assert_eq!(get(k.addr, "/hits", &[]).status, 200);
        }
    }
}

fn wait_for_body(addr: std::net::SocketAddr, path: &str, want: &str) -> bool {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if get(addr, path, &[]).text() == want {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn reload_swaps_in_good_edits_and_keeps_the_old_version_on_bad_ones() {
    let probe = "from kiln import route\n\n@route('/v')\ndef v(req):\n    return 'one'\n";
    let k = serve_app(&[("probe.py", probe)], &["--workers", "2"]);
    assert_eq!(get(k.addr, "/v", &[]).text(), "one");
    write_app(&k.dir, &[("probe.py", &probe.replace("'one'", "'two'"))]);
    assert!(
        wait_for_body(k.addr, "/v", "two"),
        "edit not live:\n{}",
        k.log()
    );
    write_app(
        &k.dir,
        &[("probe.py", "from kiln import route\n\ndef broken(:\n")],
    );
    std::thread::sleep(Duration::from_millis(1500));
    for _ in 0..4 {
        assert_eq!(get(k.addr, "/v", &[]).text(), "two");
    }
    assert!(
        k.log().contains("probe.py:3"),
        "compile error not logged:\n{}",
        k.log()
    );
    // A script that raises while loading is refused too.
    write_app(
        &k.dir,
        &[(
            "probe.py",
            "from kiln import route\nraise RuntimeError('nope')\n",
        )],
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(get(k.addr, "/v", &[]).text(), "two");
    write_app(&k.dir, &[("probe.py", &probe.replace("'one'", "'three'"))]);
    assert!(
        wait_for_body(k.addr, "/v", "three"),
        "recovery not live:\n{}",
        k.log()
    );
}

#[test]
fn a_broken_app_refuses_to_start_and_names_the_place() {
    let dir = temp_dir("broken");
    write_app(
        &dir,
        &[
            ("good.py", "from kiln import route\n"),
            ("bad.py", "x = 1\nif x\n    pass\n"),
        ],
    );
    match try_serve(&dir, &[]) {
        Ok(_) => panic!("a broken app started"),
        Err((status, log)) => {
            assert_eq!(status, Some(2), "{log}");
            assert!(log.contains("bad.py:2:"), "no file:line:col in:\n{log}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
