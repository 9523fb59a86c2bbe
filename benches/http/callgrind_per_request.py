#!/usr/bin/env python3
"""Instructions per request of an HTTP server, counted by callgrind.

Usage (from the repository root, after building kiln and native-hyper):

    python3 benches/http/callgrind_per_request.py KILN_OR_HYPER_BINARY PATH [--requests 2000]

Starts the server under `valgrind --tool=callgrind --separate-threads=yes`
(kiln: `serve benches/http/kiln_app --workers 1 --jit on`; any binary named
`native-hyper`: the native server), sends warm-up requests on one keep-alive
connection (enough to JIT the handler), zeroes the counters, sends
`--requests` more, dumps, and prints the instructions per request of every
thread that ran and of all of them together. Noise-free, unlike requests/s,
so it compares changes on a busy machine. Only 127.0.0.1; bounded in time.
"""

import argparse
import glob
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def wait_listening(port, proc, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("the server exited at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the server did not listen on {port}")


def read_response(sock, buf):
    """Reads one Content-Length-framed response; returns the leftover bytes."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-response")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(m.group(1)) if m else 0
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-body")
        rest += chunk
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer: {head[:80]!r}")
    return rest[length:]


def send_requests(port, path, count):
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: cg\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        for _ in range(count):
            sock.sendall(request)
            buf = read_response(sock, buf)


def totals(files):
    out = {}
    for f in files:
        text = Path(f).read_text(errors="replace")
        m = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
        name = re.search(r"^thread:\s*(\d+)", text, re.M)
        out[f] = (int(m.group(1)) if m else 0, name.group(1) if name else "?")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("path")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--jit", choices=["on", "off"], default="on", help="kiln's tier (default on)")
    ap.add_argument("--warmup", type=int, default=3000)
    ap.add_argument("--port", type=int, default=18096)
    ap.add_argument("--keep", action="store_true", help="keep the callgrind files and print their directory")
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix="cg-http-")
    binary = str(Path(args.binary).resolve())
    if Path(binary).name == "native-hyper":
        # It reads its two static files at start; their bytes do not matter here.
        for name in ("1k.bin", "1m.bin"):
            Path(out, name).write_bytes(b"x")
        cmd = [binary, str(args.port), out]
    else:
        cmd = [binary, "serve", str(HERE / "kiln_app"), "--workers", "1", "--jit", args.jit,
               "--port", str(args.port)]
    env = dict(os.environ, RUST_LOG="warn")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--separate-threads=yes",
                             f"--callgrind-out-file={out}/cg.out", *cmd],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_listening(args.port, proc)
        send_requests(args.port, args.path, args.warmup)
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        send_requests(args.port, args.path, args.requests)
        before = set(glob.glob(f"{out}/cg.out*"))
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dumps = sorted(set(glob.glob(f"{out}/cg.out*")) - before)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
    all_ir = 0
    for f, (ir, thread) in totals(dumps).items():
        all_ir += ir
        if ir >= args.requests:
            print(f"thread {thread}: {ir / args.requests:,.0f} Ir/request  ({Path(f).name})")
    print(f"{args.path}: {all_ir / args.requests:,.0f} Ir/request, all threads")
    if args.keep:
        print(f"callgrind files: {out}")


if __name__ == "__main__":
    main()
