#!/usr/bin/env python3
"""Time whole programs under Kiln and other runtimes, side by side, in one run.

    benches/lang_compare.py [--runs 5] [--kiln target/release/kiln]
                            [--tiers off,on] [--pypy] [--lua-dir benches/lua]
                            PROGRAM.py...

Contenders: CPython (its real executable, sys.executable, so no wrapper
start-up is counted), Kiln in each requested tier, PyPy 3 (`--pypy`, if
`pypy3` is on PATH) and LuaJIT running a Lua port of the same algorithm
(`--lua-dir`: NAME.lua beside the ports, if `luajit` is on PATH). Each
program runs RUNS times under every contender, interleaved so that machine
noise hits all alike; every contender must print CPython's exact output.
Prints a Markdown table of median wall times (seconds) and of speed-ups
relative to CPython (above 1: faster than CPython), then geometric means.
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import time


def timed(argv, cwd):
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter() - start, proc


def contenders(args, path):
    """(label, argv) pairs for one program; CPython first."""
    found = [("CPython", [sys.executable, path])]
    for tier in args.tiers:
        found.append((f"Kiln {tier}", [args.kiln, "run", "--jit", tier, path]))
    if args.pypy and shutil.which("pypy3"):
        found.append(("PyPy", [shutil.which("pypy3"), path]))
    if args.lua_dir and shutil.which("luajit"):
        port = os.path.join(args.lua_dir, os.path.splitext(os.path.basename(path))[0] + ".lua")
        if os.path.exists(port):
            found.append(("LuaJIT", [shutil.which("luajit"), port]))
    return found


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--kiln", default=os.path.join("target", "release", "kiln"))
    ap.add_argument("--tiers", default="off,on", help="Kiln tiers to time (comma-separated)")
    ap.add_argument("--pypy", action="store_true", help="also time pypy3")
    ap.add_argument("--lua-dir", default=None, help="directory of Lua ports to time under luajit")
    ap.add_argument("programs", nargs="+")
    args = ap.parse_args()
    args.kiln = os.path.abspath(args.kiln)
    args.tiers = [t for t in args.tiers.split(",") if t]
    if args.lua_dir:
        args.lua_dir = os.path.abspath(args.lua_dir)

    rows = []
    labels = []
    for program in args.programs:
        path = os.path.abspath(program)
        runners = contenders(args, path)
        for label, _ in runners:
            if label not in labels:
                labels.append(label)
        times = {label: [] for label, _ in runners}
        notes = []
        expected = None
        for _ in range(args.runs):
            for label, argv in runners:
                elapsed, proc = timed(argv, os.path.dirname(path))
                if proc.returncode != 0:
                    err = proc.stderr.decode(errors="replace").strip().splitlines()
                    notes.append(f"{label} failed: {err[-1] if err else proc.returncode}")
                    times[label] = None
                    continue
                if expected is None:
                    expected = proc.stdout
                elif proc.stdout != expected and f"{label} output differs" not in notes:
                    notes.append(f"{label} output differs")
                if times[label] is not None:
                    times[label].append(elapsed)
        medians = {k: statistics.median(v) for k, v in times.items() if v}
        rows.append((os.path.basename(program), medians, notes))

    print("Median wall time (s):\n")
    print("| program | " + " | ".join(labels) + " |")
    print("| --- |" + " ---: |" * len(labels))
    for name, medians, notes in rows:
        cells = [f"{medians[l]:.3f}" if l in medians else "–" for l in labels]
        print(f"| {name} | " + " | ".join(cells) + " |" + (" " + "; ".join(notes) if notes else ""))

    others = [l for l in labels if l != "CPython"]
    print("\nSpeed-up over CPython (CPython time / contender time):\n")
    print("| program | " + " | ".join(others) + " |")
    print("| --- |" + " ---: |" * len(others))
    ratios = {l: [] for l in others}
    for name, medians, _ in rows:
        cells = []
        for l in others:
            if l in medians and "CPython" in medians:
                r = medians["CPython"] / medians[l]
                ratios[l].append(r)
                cells.append(f"{r:.2f}×")
            else:
                cells.append("–")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("| geometric mean | " + " | ".join(
        f"{geomean(ratios[l]):.2f}× ({len(ratios[l])})" for l in others) + " |")


if __name__ == "__main__":
    main()
