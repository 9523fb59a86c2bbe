#!/usr/bin/env python3
"""Time Kiln against CPython on whole programs, side by side in one run.

    benches/vs_cpython.py [--runs 5] [--kiln target/release/kiln] [--jit off] PROGRAM.py...

Each program runs RUNS times under each contender, interleaved so that
machine noise hits both alike. Outputs must match byte for byte (a mismatch
is reported and the row marked). Prints a Markdown table of median wall
times and the ratio CPython/Kiln (above 1: Kiln is faster), then the
geometric mean of the ratios.

CPython is called through its real executable (sys.executable), not a
wrapper script, so its start-up is not inflated.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time


def run(argv, cwd):
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--kiln", default=os.path.join("target", "release", "kiln"))
    ap.add_argument("--jit", default="off", choices=["on", "off"])
    ap.add_argument("programs", nargs="+")
    args = ap.parse_args()
    kiln = os.path.abspath(args.kiln)
    python = sys.executable

    print(f"| program | CPython {sys.version.split()[0]} (s) | Kiln --jit {args.jit} (s) | CPython / Kiln |")
    print("| --- | ---: | ---: | ---: |")
    ratios = []
    for program in args.programs:
        path = os.path.abspath(program)
        cwd = os.path.dirname(path)
        times = {"py": [], "kiln": []}
        outputs = {}
        failed = None
        for _ in range(args.runs):
            for name, argv in (("py", [python, path]), ("kiln", [kiln, "run", "--jit", args.jit, path])):
                elapsed, rc, out, err = run(argv, cwd)
                if rc != 0:
                    failed = f"{name} exited {rc}: {err.decode(errors='replace').strip()[-200:]}"
                times[name].append(elapsed)
                outputs.setdefault(name, out)
            if failed:
                break
        name = os.path.basename(program)
        if failed:
            print(f"| {name} | – | – | failed: {failed} |")
            continue
        py, kn = statistics.median(times["py"]), statistics.median(times["kiln"])
        ratio = py / kn
        mark = "" if outputs["py"] == outputs["kiln"] else " (OUTPUT DIFFERS)"
        ratios.append(ratio)
        print(f"| {name} | {py:.3f} | {kn:.3f} | {ratio:.2f}×{mark} |")
    if ratios:
        geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"\nGeometric mean CPython/Kiln over {len(ratios)} programs: {geo:.2f}×")


if __name__ == "__main__":
    main()
