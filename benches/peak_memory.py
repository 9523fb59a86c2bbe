#!/usr/bin/env python3
"""Peak memory of `kiln run` per tier, split into anonymous and file-backed.

    benches/peak_memory.py [--kiln target/release/kiln] [--runs 3] PROGRAM.py...

For each program and tier (`--jit off`, `--jit on`) the process is sampled
through /proc/PID/status every millisecond: VmHWM is the kernel's own peak
resident set (the figure `/usr/bin/time -f %M` reports); RssAnon and
RssFile are the peaks of the two parts of it seen while sampling. Anonymous
memory is the heap, stacks and JIT code; file-backed memory is the kiln
binary's and the C library's pages mapped in (for the JIT, mostly
Cranelift's own machine code). Prints a Markdown table of medians over
RUNS runs, and the JIT/interpreter ratio of VmHWM.
"""

import argparse
import statistics
import subprocess
import time

FIELDS = ("VmHWM", "RssAnon", "RssFile")


def sample(argv):
    """Peak of each field (KiB) over the life of one run of argv."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = dict.fromkeys(FIELDS, 0)
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as status:
                for line in status:
                    key, _, rest = line.partition(":")
                    if key in peak:
                        peak[key] = max(peak[key], int(rest.split()[0]))
        except (OSError, ValueError, IndexError):
            pass  # the process ended between poll() and open()
        time.sleep(0.001)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {proc.returncode}")
    return peak


def median_peaks(argv, runs):
    samples = [sample(argv) for _ in range(runs)]
    return {k: statistics.median(s[k] for s in samples) for k in FIELDS}


def mib(kib):
    return f"{kib / 1024:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiln", default="target/release/kiln")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("programs", nargs="+")
    args = ap.parse_args()
    print("| program | interp peak MiB (anon/file) | JIT peak MiB (anon/file) | JIT/interp |")
    print("|---|---|---|---|")
    for path in args.programs:
        off = median_peaks([args.kiln, "run", "--jit", "off", path], args.runs)
        on = median_peaks([args.kiln, "run", "--jit", "on", path], args.runs)
        name = path.rsplit("/", 1)[-1]
        ratio = on["VmHWM"] / off["VmHWM"] if off["VmHWM"] else float("nan")
        print(
            f"| {name} | {mib(off['VmHWM'])} ({mib(off['RssAnon'])}/{mib(off['RssFile'])}) "
            f"| {mib(on['VmHWM'])} ({mib(on['RssAnon'])}/{mib(on['RssFile'])}) | {ratio:.2f}× |"
        )


if __name__ == "__main__":
    main()
