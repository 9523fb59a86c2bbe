//! The request object's lazily built parts (`args`, `headers`, `cookies`,
//! `form`) through the real `kiln serve` binary, in both tiers: each reads
//! as when built up front, the first read is kept, a handler may replace
//! one, and any other missing attribute is still an `AttributeError`.

#[path = "http_app_support.rs"]
mod app_support;
#[path = "http_support.rs"]
mod support;

use app_support::{serve_app, TIERS};
use support::{get, raw};

const APP: &str = r#"
from kiln import route, Request


@route("/parts", methods=["GET", "POST"])
def parts(req):
    first = req.args
    out = {
        "same": first is req.args,
        "args": [req.args.get("a"), req.args.getlist("a"), req.args.get("zz", "d")],
        "headers": [req.headers.get("x-probe"), req.headers.get("X-PROBE"), "host" in req.headers],
        "cookies": [req.cookies.get("flavor"), req.cookies.get("q"), len(req.cookies)],
        "form": [req.form.get("f"), req.form.getlist("g")],
        "has": [hasattr(req, "headers"), hasattr(req, "nope")],
    }
    try:
        req.nope
    except AttributeError as e:
        out["error"] = str(e)
    req.args = "replaced"
    out["replaced"] = req.args
    return out


@route("/all")
def all_parts(req):
    # Every part on one request, read twice, and rebuilt on demand.
    parts = [req.args, req.headers, req.cookies, req.form]
    again = [req.args, req.headers, req.cookies, req.form]
    rebuilt = Request.__getattr__(req, "args")
    return {
        "same": [a is b for a, b in zip(parts, again)],
        "args": [len(req.args), req.args.keys(), req.args.getlist("k"), "k" in req.args],
        "query": req.query_string,
        "rebuilt": [rebuilt is req.args, rebuilt.getlist("k")],
        "agent": [req.headers["user-agent"], req.headers.getlist("X-MULTI")],
        "repr": repr(req.args),
        "unbound": len(Request.__getattr__(None, "cookies")),
    }


class Sub(Request):
    pass


@route("/sub")
def sub(req):
    other = Sub("GET", "/", "q=1", [("q", "1")], [("A", "b")], [], b"", [], "")
    del other.args
    return {"args": other.args.getlist("q"), "ua": req.headers.get("user-agent")}


@route("/key")
def key(req):
    return {"k": req.args["k"], "int_in": 1 in req.args, "k_in": "k" in req.args}


@route("/p/<x>")
def path_of(req, x):
    return req.path + " " + x


@route("/json", methods=["POST"])
def as_json(req):
    return {"json": req.json, "again": req.json}
"#;

#[test]
fn lazy_parts_read_as_eager_ones() {
    for tier in TIERS {
        let k = serve_app(&[("app.py", APP)], &["--jit", tier, "--workers", "1"]);
        let r = get(
            k.addr,
            "/parts?a=1&a=%32+3&&b",
            &[("X-Probe", "p"), ("Cookie", "flavor=\"lime\"; q=; junk")],
        );
        assert_eq!(
            r.text(),
            r#"{"same":true,"args":["1",["1","2 3"],"d"],"headers":["p","p",true],"cookies":["lime","",2],"form":[null,[]],"has":[true,false],"error":"'Request' object has no attribute 'nope'","replaced":"replaced"}"#,
            "tier {tier}"
        );
        let body = "f=x+y&g=1&g=%C3%A9";
        let request = format!(
            "POST /parts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let r = raw(k.addr, request.as_bytes());
        assert!(
            r.text().contains(r#""form":["x y",["1","\u00e9"]]"#),
            "tier {tier}: {}",
            r.text()
        );
        let r = get(
            k.addr,
            "/all?k=%E2%82%AC&&k=a+b&k&=v&bad=%zz",
            &[("User-Agent", "probe"), ("x-multi", "1"), ("X-Multi", "2")],
        );
        assert_eq!(
            r.text(),
            r#"{"same":[true,true,true,true],"args":[3,["k","","bad"],["\u20ac","a b",""],true],"query":"k=%E2%82%AC&&k=a+b&k&=v&bad=%zz","rebuilt":[true,["\u20ac","a b",""]],"agent":["probe",["1","2"]],"repr":"MultiDict([('k', '\u20ac'), ('k', 'a b'), ('k', ''), ('', 'v'), ('bad', '%zz')])","unbound":0}"#,
            "tier {tier}"
        );
        let r = get(k.addr, "/all", &[("User-Agent", "")]);
        assert!(
            r.text().contains(r#""args":[0,[],[],false],"query":"""#),
            "tier {tier}: {}",
            r.text()
        );
        // A route's requests may share their path str; each sees its own.
        for path in ["/p/a", "/p/b%20c", "/p/b%20c", "/p/a"] {
            let want = format!(
                "{} {}",
                path.replace("%20", " "),
                &path[3..].replace("%20", " ")
            );
            assert_eq!(get(k.addr, path, &[]).text(), want, "tier {tier}");
        }
        // Indexing finds the first value; a missing key is the client's
        // error (400); only equal keys match.
        let r = get(k.addr, "/key?k=v&k=w", &[]);
        assert_eq!(
            r.text(),
            r#"{"k":"v","int_in":false,"k_in":true}"#,
            "tier {tier}"
        );
        assert_eq!(get(k.addr, "/key?j=1", &[]).status, 400, "tier {tier}");
        let r = get(k.addr, "/sub", &[("User-Agent", "u")]);
        assert_eq!(r.text(), r#"{"args":["1"],"ua":"u"}"#, "tier {tier}");
        let request = "POST /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
                       Content-Length: 9\r\n\r\n[1, null]";
        let r = raw(k.addr, request.as_bytes());
        assert_eq!(
            r.text(),
            r#"{"json":[1,null],"again":[1,null]}"#,
            "tier {tier}"
        );
    }
}
