#!/usr/bin/env python3
"""Two kiln binaries against each other, on whole programs, in one run.

Usage (from the repository root):

    python3 benches/ab_compare.py OLD_KILN NEW_KILN PROGRAM.py... [--runs 5] [--tiers off,on]

For each tier and program, runs the two binaries alternately `--runs`
times (so machine noise hits both alike), prints the median wall times and
OLD/NEW (above 1: NEW is faster), and the geometric mean per tier. For
changes whose effect is a few percent: `lang_compare.py` compares Kiln
with other runtimes, this compares two builds of Kiln.
"""

import argparse
import statistics
import subprocess
import time
from pathlib import Path


def timed(binary, tier, program):
    start = time.perf_counter()
    subprocess.run([binary, "run", "--jit", tier, str(program)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("programs", type=Path, nargs="+")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tiers", default="off,on")
    args = ap.parse_args()
    for tier in args.tiers.split(","):
        ratios = []
        print(f"\n--jit {tier}\n\n| program | old (s) | new (s) | old/new |\n| --- | ---: | ---: | ---: |")
        for program in args.programs:
            old, new = [], []
            for _ in range(args.runs):
                old.append(timed(args.old, tier, program))
                new.append(timed(args.new, tier, program))
            o, n = statistics.median(old), statistics.median(new)
            ratios.append(o / n)
            print(f"| {program.name} | {o:.3f} | {n:.3f} | {o / n:.3f} |", flush=True)
        print(f"| geometric mean | | | {statistics.geometric_mean(ratios):.3f} |")


if __name__ == "__main__":
    main()
