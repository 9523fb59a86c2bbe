//! Scripted handlers through the real `kiln serve` binary, in both tiers:
//! routes, converters, methods, HEAD and 405; every result form; the request
//! object; abort, redirect, error handlers and hooks; handler failures.

#[path = "http_app_support.rs"]
mod app_support;
#[path = "http_support.rs"]
mod support;

use app_support::{serve_app, TIERS};
use support::{get, raw, send};

const APP: &str = r#"
from kiln import route, get, post, put, delete, Response, abort, redirect
from helpers import double


@route("/")
def index(req):
    return "hello"


@route("/items/<int:item_id>", methods=["GET", "PUT"])
def item(req, item_id):
    return {"id": item_id, "double": double(item_id), "method": req.method}


@route("/items/special")
def special(req):
    return "literal wins"


@route("/ratio/<float:x>")
def ratio(req, x):
    return {"half": x / 2}


@route("/tree/<path:rest>")
def tree(req, rest):
    return [rest, len(rest.split("/"))]


@put("/only-put")
def only_put(req):
    return "put ok"


@delete("/gone")
def gone(req):
    return "", 204


@route("/bytes")
def raw_bytes(req):
    return Response(b"\x00\x01binary", content_type="application/octet-stream")


@route("/tuple2")
def tuple2(req):
    return "made", 201


@route("/tuple3")
def tuple3(req):
    return {"ok": True}, 202, {"X-Extra": "yes"}


@route("/stream")
def stream(req):
    for i in range(3):
        yield "part" + str(i) + ";"
    yield b"end"


@route("/inspect")
def inspect(req):
    return {
        "method": req.method,
        "path": req.path,
        "qs": req.query_string,
        "a": req.args.get("a"),
        "all_a": req.args.getlist("a"),
        "missing": req.args.get("zz", "dflt"),
        "header": req.headers.get("x-probe"),
        "cookie": req.cookies.get("flavor", "none"),
        "remote": req.remote_addr,
    }


@post("/body")
def body(req):
    return {"size": len(req.data), "text": req.text}


@post("/json")
def json_body(req):
    return {"got": req.json}


@post("/form")
def form(req):
    return {"name": req.form.get("name"), "n": req.form.get("missing", "none")}


@route("/none")
def none_result(req):
    return None


@route("/boom")
def boom(req):
    raise ValueError("boom on purpose")
"#;

const FLOW: &str = r#"
from kiln import route, abort, redirect, errorhandler, before_request, after_request


@before_request
def gate(req):
    if req.path == "/private":
        return "denied", 401
    return None


@after_request
def tag(req, resp):
    resp.headers["X-Hook"] = "after"
    return resp


@errorhandler(404)
def missing(req, err):
    return {"missing": req.path}, 404


@route("/private")
def private(req):
    return "secret"


@route("/teapot")
def teapot(req):
    abort(418)


@route("/lost")
def lost(req):
    abort(404)


@route("/move")
def move(req):
    return redirect("/items/1", code=301)
"#;

const HELPERS: &str = "def double(n):\n    return n * 2\n";

fn app() -> Vec<(&'static str, &'static str)> {
    vec![("main.py", APP), ("flow.py", FLOW), ("helpers.py", HELPERS)]
}

#[test]
fn routes_converters_methods_and_head() {
    for tier in TIERS {
        let k = serve_app(&app(), &["--jit", tier, "--workers", "1"]);
        let r = get(k.addr, "/", &[]);
        assert_eq!((r.status, r.text().as_str()), (200, "hello"), "tier {tier}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        let r = get(k.addr, "/items/21", &[]);
        assert_eq!(r.text(), r#"{"id":21,"double":42,"method":"GET"}"#);
        let r = send(k.addr, "PUT", "/items/3", b"");
        assert_eq!(r.text(), r#"{"id":3,"double":6,"method":"PUT"}"#);
        assert_eq!(get(k.addr, "/items/special", &[]).text(), "literal wins");
        assert_eq!(get(k.addr, "/items/x1", &[]).status, 404);
        assert_eq!(get(k.addr, "/ratio/3.0", &[]).text(), r#"{"half":1.5}"#);
        assert_eq!(get(k.addr, "/tree/a/b/c", &[]).text(), r#"["a/b/c",3]"#);
        let r = send(k.addr, "DELETE", "/items/3", b"");
        assert_eq!(r.status, 405);
        let allow = r.header("allow").unwrap_or_default().to_owned();
        assert!(allow.contains("GET") && allow.contains("PUT"), "{allow}");
        assert_eq!(get(k.addr, "/only-put", &[]).status, 405);
        assert_eq!(send(k.addr, "PUT", "/only-put", b"").text(), "put ok");
        assert_eq!(send(k.addr, "DELETE", "/gone", b"").status, 204);
        let head = raw(
            k.addr,
            b"HEAD /tuple3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(head.status, 202);
        assert_eq!(head.header("x-extra"), Some("yes"));
        assert_eq!(head.header("content-length"), Some("11"));
        assert!(head.body.is_empty());
    }
}

#[test]
fn every_result_form() {
    for tier in TIERS {
        let k = serve_app(&app(), &["--jit", tier, "--workers", "1"]);
        let r = get(k.addr, "/bytes", &[]);
        assert_eq!(r.body, b"\x00\x01binary", "tier {tier}");
        assert_eq!(r.header("content-type"), Some("application/octet-stream"));
        let r = get(k.addr, "/tuple2", &[]);
        assert_eq!((r.status, r.text().as_str()), (201, "made"));
        let r = get(k.addr, "/tuple3", &[]);
        assert_eq!(r.status, 202);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.text(), r#"{"ok":true}"#);
        let r = get(k.addr, "/stream", &[]);
        assert_eq!(r.header("transfer-encoding"), Some("chunked"));
        assert_eq!(r.text(), "part0;part1;part2;end");
    }
}

#[test]
fn request_object_fields() {
    for tier in TIERS {
        let k = serve_app(&app(), &["--jit", tier, "--workers", "1"]);
        let r = get(
            k.addr,
            "/inspect?a=1&a=two%20words&b=",
            &[("X-Probe", "p1"), ("Cookie", "flavor=lime; other=1")],
        );
        assert_eq!(
            r.text(),
            r#"{"method":"GET","path":"/inspect","qs":"a=1&a=two%20words&b=","a":"1","all_a":["1","two words"],"missing":"dflt","header":"p1","cookie":"lime","remote":"127.0.0.1"}"#,
            "tier {tier}"
        );
        let r = send(k.addr, "POST", "/body", "d\u{e9}j\u{e0}".as_bytes());
        assert_eq!(r.text(), "{\"size\":6,\"text\":\"d\\u00e9j\\u00e0\"}");
        let r = send(k.addr, "POST", "/json", br#"{"k": [1, 2.5, null]}"#);
        assert_eq!(r.text(), r#"{"got":{"k":[1,2.5,null]}}"#);
        let r = send(k.addr, "POST", "/json", b"{broken");
        assert_eq!(r.status, 400);
        let form = b"POST /form HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\nname=Ada+Lov";
        assert_eq!(raw(k.addr, form).text(), r#"{"name":"Ada Lov","n":"none"}"#);
    }
}

#[test]
fn abort_redirect_errorhandler_and_hooks() {
    for tier in TIERS {
        let k = serve_app(&app(), &["--jit", tier, "--workers", "1"]);
        let r = get(k.addr, "/private", &[]);
        assert_eq!(
            (r.status, r.text().as_str()),
            (401, "denied"),
            "tier {tier}"
        );
        assert_eq!(r.header("x-hook"), Some("after"));
        let r = get(k.addr, "/teapot", &[]);
        assert_eq!(r.status, 418);
        let r = get(k.addr, "/lost", &[]);
        assert_eq!(
            (r.status, r.text().as_str()),
            (404, r#"{"missing":"/lost"}"#)
        );
        let r = get(k.addr, "/no/such/path", &[]);
        assert_eq!(r.text(), r#"{"missing":"/no/such/path"}"#);
        assert_eq!(r.header("x-hook"), Some("after"));
        let r = get(k.addr, "/move", &[]);
        assert_eq!(r.status, 301);
        assert_eq!(r.header("location"), Some("/items/1"));
        assert_eq!(get(k.addr, "/", &[]).header("x-hook"), Some("after"));
    }
}

#[test]
fn failures_are_500_and_the_worker_survives() {
    for tier in TIERS {
        let k = serve_app(&app(), &["--jit", tier, "--workers", "1"]);
        for _ in 0..3 {
            let r = get(k.addr, "/boom", &[]);
            assert_eq!(r.status, 500, "tier {tier}");
            assert!(
                !r.text().contains("boom on purpose"),
                "traceback leaked without --dev"
            );
            assert_eq!(get(k.addr, "/none", &[]).status, 500);
        }
        assert_eq!(get(k.addr, "/", &[]).text(), "hello");
        assert!(
            k.log_shows("ValueError: boom on purpose"),
            "traceback is logged"
        );
    }
    let k = serve_app(&app(), &["--dev", "--workers", "1"]);
    let text = get(k.addr, "/boom", &[]).text();
    assert!(
        text.contains("Traceback (most recent call last):"),
        "{text}"
    );
    assert!(text.contains("ValueError: boom on purpose"), "{text}");
}

/// Routes for an app without hooks, where the host calls handlers itself
/// instead of through the prelude's dispatcher.
const NO_HOOKS: &str = r#"
from kiln import route, abort, errorhandler, Response, sleep


@errorhandler(418)
def teapot_page(req, err):
    return "short and stout", 418, {"X-Handled": "yes"}


@route("/headers-list")
def headers_list(req):
    return "listed", [("X-A", 1), ("X-B", "two"), ("X-A", "again")]


@route("/headers-dict")
def headers_dict(req):
    return b"raw", 203, {"Content-Type": "text/plain", "X-N": 3.5}


@route("/response-in-tuple")
def response_in_tuple(req):
    return Response("inner", headers={"X-Inner": "1"}), 206


@route("/bool-status")
def bool_status(req):
    return "odd", True


@route("/abort-default")
def abort_default(req):
    abort(404)


@route("/abort-handled")
def abort_handled(req):
    abort(418)


@route("/later/<int:n>")
async def later(req, n):
    await sleep(0)
    return {"n": n}, 201
"#;

#[test]
fn without_hooks_results_and_errors_answer_the_same() {
    let files = vec![
        ("main.py", APP),
        ("extra.py", NO_HOOKS),
        ("helpers.py", HELPERS),
    ];
    for tier in TIERS {
        let k = serve_app(&files, &["--jit", tier, "--workers", "1"]);
        for _ in 0..3 {
            let r = get(k.addr, "/tuple3", &[]);
            assert_eq!(
                (r.status, r.text().as_str()),
                (202, r#"{"ok":true}"#),
                "tier {tier}"
            );
            assert_eq!(r.header("x-extra"), Some("yes"));
            assert_eq!(r.header("content-type"), Some("application/json"));
            assert_eq!(get(k.addr, "/tuple2", &[]).status, 201);
            let r = get(k.addr, "/headers-list", &[]);
            assert_eq!((r.status, r.text().as_str()), (200, "listed"));
            assert_eq!(r.header("x-a"), Some("again"));
            assert_eq!(r.header("x-b"), Some("two"));
            assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
            let r = get(k.addr, "/headers-dict", &[]);
            assert_eq!((r.status, r.text().as_str()), (203, "raw"));
            assert_eq!(r.header("content-type"), Some("text/plain"));
            assert_eq!(r.header("x-n"), Some("3.5"));
            let r = get(k.addr, "/response-in-tuple", &[]);
            assert_eq!((r.status, r.text().as_str()), (206, "inner"));
            assert_eq!(r.header("x-inner"), Some("1"));
            assert_eq!(get(k.addr, "/bool-status", &[]).status, 500);
            let r = get(k.addr, "/abort-default", &[]);
            assert_eq!((r.status, r.text().as_str()), (404, "not found\n"));
            let r = get(k.addr, "/abort-handled", &[]);
            assert_eq!((r.status, r.text().as_str()), (418, "short and stout"));
            assert_eq!(r.header("x-handled"), Some("yes"));
            let r = get(k.addr, "/later/4", &[]);
            assert_eq!((r.status, r.text().as_str()), (201, r#"{"n":4}"#));
            assert_eq!(get(k.addr, "/none", &[]).status, 500);
            assert_eq!(get(k.addr, "/boom", &[]).status, 500);
            assert_eq!(get(k.addr, "/", &[]).text(), "hello");
        }
        assert!(k.log().contains("ValueError: boom on purpose"));
    }
}
