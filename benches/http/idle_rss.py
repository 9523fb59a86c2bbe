#!/usr/bin/env python3
"""RSS of `kiln serve` idle and holding N idle keep-alive connections.

Usage (from the repository root):

    python3 benches/http/idle_rss.py KILN_BINARY [--connections 10000] [--workers N]

The same measurement as run.py's RSS table, for kiln alone and without
installing or building anything: it serves scripts/ (with its static
directory), opens the connections with one request each, waits a second
and reads VmRSS. Memory, unlike throughput, does not need quiet cores.
"""

import argparse
import time
from pathlib import Path

import run  # the benchmark runner beside this file

PORT = 18086


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kiln", type=Path)
    ap.add_argument("--connections", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=0, help="0: the server's default")
    ap.add_argument("--path", default="/", help="the request each connection sends")
    args = ap.parse_args()
    run.WORK.mkdir(parents=True, exist_ok=True)
    run.raise_fd_limit()
    cmd = [str(args.kiln), "serve", str(run.ROOT / "scripts"),
           "--static", str(run.ROOT / "scripts" / "static"), "--port", str(PORT)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    env = dict(run.os.environ, RUST_LOG="warn")
    with run.Server("idle-rss", cmd, PORT, env=env) as srv:
        time.sleep(1.0)
        idle = srv.rss_kib()
        socks = run.hold_idle_connections(PORT, args.connections, args.path)
        time.sleep(1.0)
        loaded = srv.rss_kib()
        alive = run.count_open(socks)
        for s in socks:
            s.close()
    added = loaded - idle
    print(f"idle {idle / 1024:.1f} MiB; with {args.connections} connections "
          f"{loaded / 1024:.1f} MiB; added {added / 1024:.1f} MiB = "
          f"{added * 1024 / max(args.connections, 1):.0f} bytes per connection "
          f"({alive} still open)")


if __name__ == "__main__":
    main()
