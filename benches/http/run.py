#!/usr/bin/env python3
"""HTTP load benchmark of `kiln serve` against native hyper, nginx and Flask.

Usage (from the repository root):

    python3 benches/http/run.py [--duration 5] [--connections 64] [--skip-rss]

Installs what it needs (wrk, nginx with the Lua module, a Flask+gunicorn venv
under the target dir) idempotently, builds `kiln` and the native hyper
server, then for every server and workload runs wrk against 127.0.0.1 with
the server pinned to CPU 0 and wrk to CPU 1, and prints a Markdown table:
requests/s, p50 and p99. It also measures the idle RSS of `kiln serve
scripts` and the RSS added by 10,000 idle keep-alive connections.

Every run is bounded in time; every process this script starts is stopped
by it. It only ever talks to 127.0.0.1.
"""

import argparse
import os
import re
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
WORK = TARGET / "http-bench"
SERVER_CPU = "0"
CLIENT_CPU = "1"

PORTS = {"kiln": 18081, "hyper": 18082, "nginx": 18083, "flask": 18084, "rss": 18085}

# (label, path) of every workload; the same paths on every server.
WORKLOADS = [
    ("plaintext", "/plaintext"),
    ("JSON", "/json"),
    ("/fib/20 (CPU-bound)", "/fib/20"),
    ("path+query JSON", "/items/42?name=widget&limit=5"),
    ("static 1 KiB", "/static/1k.bin"),
    ("static 1 MiB", "/static/1m.bin"),
]
NGINX_WORKLOADS = {"/fib/20", "/static/1k.bin", "/static/1m.bin"}


def log(msg):
    print(f"[http-bench] {msg}", file=sys.stderr, flush=True)


def run(cmd, timeout, **kw):
    return subprocess.run(cmd, check=True, timeout=timeout, **kw)


# ---------------------------------------------------------------- setup


def lua_module_paths():
    mods = Path("/usr/lib/nginx/modules")
    return [mods / "ndk_http_module.so", mods / "ngx_http_lua_module.so"]


def ensure_system_tools():
    missing = not shutil.which("wrk") or not shutil.which("nginx")
    missing = missing or not lua_module_paths()[1].exists()
    if not missing:
        return
    log("installing wrk, nginx and the nginx Lua module (apt)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    run(["apt-get", *lock, "update", "-qq"], timeout=900, env=env)
    run(["apt-get", *lock, "install", "-y", "-qq", "wrk", "nginx", "libnginx-mod-http-lua"],
        timeout=1200, env=env)


def ensure_flask_venv():
    venv = WORK / "venv"
    gunicorn = venv / "bin" / "gunicorn"
    if gunicorn.exists():
        return gunicorn
    log("creating the Flask + gunicorn venv")
    run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    run([str(venv / "bin" / "pip"), "install", "-q", "flask", "gunicorn"], timeout=900)
    return gunicorn


def build_binaries():
    log("building kiln and native-hyper (release)")
    run(["cargo", "build", "--release", "-p", "kiln-host", "-p", "native-hyper-bench"],
        timeout=3600, cwd=ROOT, env=dict(os.environ, CARGO_TARGET_DIR=str(TARGET)))
    return TARGET / "release" / "kiln", TARGET / "release" / "native-hyper"


def make_static_files():
    static = WORK / "static"
    static.mkdir(parents=True, exist_ok=True)
    for name, size in (("1k.bin", 1024), ("1m.bin", 1024 * 1024)):
        path = static / name
        if not path.exists() or path.stat().st_size != size:
            # Deterministic, incompressible enough: no server gains from gzip.
            block = bytes((i * 131 + 7) % 251 for i in range(size))
            path.write_bytes(block)
    return static


def write_nginx_conf(static):
    modules = "\n".join(f"load_module {p};" for p in lua_module_paths() if p.exists())
    text = (HERE / "nginx.conf").read_text()
    text = (text.replace("@LOAD_MODULES@", modules).replace("@WORK@", str(WORK))
            .replace("@PORT@", str(PORTS["nginx"])).replace("@STATIC@", str(static)))
    (WORK / "nginx-tmp").mkdir(parents=True, exist_ok=True)
    conf = WORK / "nginx.conf"
    conf.write_text(text)
    return conf


# ---------------------------------------------------------------- servers


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class Server:
    """A server process pinned to SERVER_CPU; stopped on exit of the `with`."""

    def __init__(self, name, cmd, port, env=None, cwd=None):
        self.name, self.cmd, self.port = name, cmd, port
        self.env, self.cwd = env, cwd
        self.proc = None

    def __enter__(self):
        errlog = open(WORK / f"{self.name}.stderr.log", "w")
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU, *self.cmd],
                                     stdout=subprocess.DEVNULL, stderr=errlog,
                                     env=self.env, cwd=self.cwd)
        errlog.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {WORK}/{self.name}.stderr.log")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not listen on {self.port} within 20 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def __exit__(self, *exc):
        self.stop()

    def rss_kib(self):
        # taskset execs the server, so the pid is the server's.
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


# ---------------------------------------------------------------- wrk


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]
    return float(m.group(1)) * scale


def wrk(url, duration, connections):
    cmd = ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
           "--timeout", "5s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": to_ms(p50.group(1)) if p50 else None,
        "p99": to_ms(p99.group(1)) if p99 else None,
        "non2xx": int(bad.group(1)) if bad else 0,
        "errors": errors.group(1).strip() if errors else "",
    }


def measure(server_name, port, paths, args, results):
    for label, path in WORKLOADS:
        if path not in paths:
            continue
        url = f"http://127.0.0.1:{port}{path}"
        wrk(url, 1, args.connections)  # warm-up, not recorded
        r = wrk(url, args.duration, args.connections)
        results[(server_name, path)] = r
        note = f" non-2xx={r['non2xx']}" if r["non2xx"] else ""
        note += f" socket errors: {r['errors']}" if r["errors"] else ""
        log(f"{server_name:14} {label:22} {r['rps']:>10.0f} req/s  "
            f"p50 {r['p50']} ms  p99 {r['p99']} ms{note}")


# ---------------------------------------------------------------- RSS


def hold_idle_connections(port, count, path="/"):
    """Opens `count` keep-alive connections, one request each, and returns them."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    socks = []
    pending = 0
    deadline = time.monotonic() + 60
    for i in range(count):
        s = socket.socket()
        s.setblocking(True)
        s.settimeout(5)
        s.connect(("127.0.0.1", port))
        s.sendall(request)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
        pending += 1
        # Drain answers as we go so the server never has a deep backlog.
        while pending and (pending > 256 or i == count - 1) and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                try:
                    if key.fileobj.recv(65536):
                        pending -= 1
                        sel.unregister(key.fileobj)
                    else:
                        sel.unregister(key.fileobj)
                        pending -= 1
                except BlockingIOError:
                    pass
    sel.close()
    return socks


def count_open(socks):
    alive = 0
    for s in socks:
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                continue
            alive += 1
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    return alive


def measure_rss(kiln, hyper, static):
    rows = []
    servers = [
        ("kiln serve scripts (JIT on, default workers)",
         [str(kiln), "serve", str(ROOT / "scripts"), "--static", str(ROOT / "scripts" / "static"),
          "--port", str(PORTS["rss"])], "/"),
        ("native hyper", [str(hyper), str(PORTS["rss"]), str(static)], "/plaintext"),
    ]
    env = dict(os.environ, RUST_LOG="warn")
    for name, cmd, path in servers:
        with Server("rss", cmd, PORTS["rss"], env=env) as srv:
            time.sleep(1.0)
            idle = srv.rss_kib()
            socks = hold_idle_connections(PORTS["rss"], 10_000, path)
            time.sleep(1.0)
            loaded = srv.rss_kib()
            alive = count_open(socks)
            for s in socks:
                s.close()
        rows.append((name, idle, loaded, alive))
        log(f"RSS {name}: idle {idle / 1024:.1f} MiB, with 10k connections "
            f"{loaded / 1024:.1f} MiB ({alive} still open)")
    return rows


# ---------------------------------------------------------------- report


def cell(r):
    if r is None:
        return "—"
    if r["rps"] == 0:
        return "failed"
    p50 = f"{r['p50']:.2f}" if r["p50"] is not None else "?"
    p99 = f"{r['p99']:.2f}" if r["p99"] is not None else "?"
    flag = " ⚠" if r["non2xx"] or r["errors"] else ""
    return f"{r['rps']:,.0f} ({p50} / {p99}){flag}"


def ratio(results, a, b, path):
    ra, rb = results.get((a, path)), results.get((b, path))
    if not ra or not rb or not rb["rps"]:
        return "—"
    return f"{ra['rps'] / rb['rps']:.2f}×"


def report(results, rss_rows, args):
    cols = [("kiln-jit-off", "Kiln JIT off"), ("kiln-jit-on", "Kiln JIT on"),
            ("hyper", "native hyper"), ("nginx", "nginx (+LuaJIT)"),
            ("flask", "Flask/gunicorn")]
    load = Path("/proc/loadavg").read_text().split()[:3]
    lines = [f"Requests/s (p50 / p99 in ms); wrk -t1 -c{args.connections} -d{args.duration}s "
             "after a 1 s warm-up; server on CPU 0, wrk on CPU 1; "
             f"load average at the end: {' '.join(load)} (on 2 cores).", ""]
    lines.append("| workload | " + " | ".join(c[1] for c in cols) + " |")
    lines.append("|---" * (len(cols) + 1) + "|")
    for label, path in WORKLOADS:
        lines.append(f"| {label} | " + " | ".join(cell(results.get((c[0], path))) for c in cols) + " |")
    lines += ["", "| ratio | value | target |", "|---|---|---|"]
    on = "kiln-jit-on"
    lines.append(f"| plaintext: Kiln JIT on / native hyper | {ratio(results, on, 'hyper', '/plaintext')} | ≥ 0.9× |")
    lines.append(f"| JSON: Kiln JIT on / native hyper | {ratio(results, on, 'hyper', '/json')} | ≥ 0.9× |")
    params = WORKLOADS[3][1]
    lines.append(f"| path+query: Kiln JIT on / native hyper | {ratio(results, on, 'hyper', params)} | ≥ 0.8× |")
    lines.append(f"| /fib/20: Kiln JIT on / nginx+LuaJIT | {ratio(results, on, 'nginx', '/fib/20')} | ≥ 1.5× |")
    lines.append(f"| /fib/20: Kiln JIT on / Flask | {ratio(results, on, 'flask', '/fib/20')} | ≥ 30× |")
    lines.append(f"| /fib/20: Kiln JIT on / JIT off | {ratio(results, on, 'kiln-jit-off', '/fib/20')} | |")
    lines.append(f"| static 1 KiB: Kiln / nginx | {ratio(results, on, 'nginx', '/static/1k.bin')} | ≥ 1× |")
    lines.append(f"| static 1 MiB: Kiln / nginx | {ratio(results, on, 'nginx', '/static/1m.bin')} | ≥ 1× |")
    for label, path in WORKLOADS[:2]:
        k, h = results.get((on, path)), results.get(("hyper", path))
        if k and h and k["p99"] and h["p99"]:
            lines.append(f"| {label} p99: Kiln JIT on / native hyper | {k['p99'] / h['p99']:.2f}× | ≤ 2× |")
    if rss_rows:
        lines += ["", "| server | idle RSS | RSS with 10,000 idle keep-alive connections | added | connections still open |",
                  "|---|---|---|---|---|"]
        for name, idle, loaded, alive in rss_rows:
            lines.append(f"| {name} | {idle / 1024:.1f} MiB | {loaded / 1024:.1f} MiB | "
                         f"{(loaded - idle) / 1024:.1f} MiB | {alive} |")
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--skip-rss", action="store_true")
    ap.add_argument("--no-build", action="store_true",
                    help="use the kiln and native-hyper already built in the target dir")
    ap.add_argument("--only", default="", help="comma list: kiln-jit-off,kiln-jit-on,hyper,nginx,flask")
    args = ap.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("needs at least 2 CPUs: the server and wrk are pinned to different ones")
    WORK.mkdir(parents=True, exist_ok=True)
    raise_fd_limit()
    ensure_system_tools()
    gunicorn = ensure_flask_venv()
    if args.no_build:
        kiln, hyper = TARGET / "release" / "kiln", TARGET / "release" / "native-hyper"
    else:
        kiln, hyper = build_binaries()
    static = make_static_files()
    nginx_conf = write_nginx_conf(static)
    only = set(filter(None, args.only.split(",")))
    want = lambda name: not only or name in only  # noqa: E731

    all_paths = {p for _, p in WORKLOADS}
    quiet = dict(os.environ, RUST_LOG="warn")
    results = {}
    for mode in ("off", "on"):
        name = f"kiln-jit-{mode}"
        if want(name):
            cmd = [str(kiln), "serve", str(HERE / "kiln_app"), "--static", str(static),
                   "--workers", "1", "--jit", mode, "--port", str(PORTS["kiln"])]
            with Server(name, cmd, PORTS["kiln"], env=quiet):
                measure(name, PORTS["kiln"], all_paths, args, results)
    if want("hyper"):
        with Server("hyper", [str(hyper), str(PORTS["hyper"]), str(static)], PORTS["hyper"]):
            measure("hyper", PORTS["hyper"], all_paths, args, results)
    if want("nginx"):
        with Server("nginx", ["nginx", "-c", str(nginx_conf), "-p", str(WORK)], PORTS["nginx"]):
            measure("nginx", PORTS["nginx"], NGINX_WORKLOADS, args, results)
    if want("flask"):
        cmd = [str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{PORTS['flask']}",
               "--log-level", "warning", "--chdir", str(HERE / "flask_app"), "app:app"]
        env = dict(os.environ, BENCH_STATIC_DIR=str(static))
        with Server("flask", cmd, PORTS["flask"], env=env):
            measure("flask", PORTS["flask"], all_paths, args, results)
    rss_rows = [] if args.skip_rss else measure_rss(kiln, hyper, static)
    report(results, rss_rows, args)


if __name__ == "__main__":
    main()
