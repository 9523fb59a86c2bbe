#!/usr/bin/env python3
"""Checks the random-program generator against CPython: generated programs
must mean in Kiln what they mean in CPython, so each one's stdout and exit
status under `python3` must equal the interpreter's (`kiln run --jit off`).

    KILN_FUZZ_DUMP=DIR KILN_FUZZ_CASES=200 cargo test --release -p kiln-host --test jit_random
    python3 tests/jit_random_support/check_cpython.py --kiln target/release/kiln DIR

Prints each program that differs (with a diff) and exits 1 if any did.
"""
import argparse
import difflib
import pathlib
import subprocess
import sys


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired:
        return "timeout", ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiln", required=True, help="path to the kiln binary")
    ap.add_argument("--python", default="python3")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("dir", help="directory of generated programs (KILN_FUZZ_DUMP)")
    args = ap.parse_args()
    files = sorted(pathlib.Path(args.dir).glob("*.py"))
    bad = 0
    for f in files:
        py = run([args.python, str(f)], args.timeout)
        kiln = run([args.kiln, "run", "--jit", "off", str(f)], args.timeout)
        if py != kiln:
            bad += 1
            print(f"=== {f}: python3 exit {py[0]}, kiln exit {kiln[0]}")
            diff = difflib.unified_diff(
                py[1].splitlines(), kiln[1].splitlines(), "python3", "kiln", lineterm="", n=1
            )
            print("\n".join(list(diff)[:40]))
    print(f"{len(files) - bad} of {len(files)} programs match CPython")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
