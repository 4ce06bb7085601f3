#!/usr/bin/env python3
"""Paired A/B timing of whole processes (docs/benchmarks-startup.md).

    scripts/ab_pairs.py N 'A command' 'B command' [stdin-A] [stdin-B]

Runs A and B alternately N times each (after 3 warm-up pairs), with
standard input from the given files (or /dev/null), output discarded, and
prints the median wall time of each and the median and range of the
per-pair ratios A/B. Commands are split like a shell does (shlex) and run
directly, without a shell; a failing run aborts.
"""
import shlex
import statistics
import subprocess
import sys
import time


def run(cmd, stdin):
    with open(stdin, "rb") as f:
        t = time.perf_counter()
        subprocess.run(cmd, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - t


def main():
    n, a, b = int(sys.argv[1]), shlex.split(sys.argv[2]), shlex.split(sys.argv[3])
    ia = sys.argv[4] if len(sys.argv) > 4 else "/dev/null"
    ib = sys.argv[5] if len(sys.argv) > 5 else "/dev/null"
    for _ in range(3):
        run(a, ia), run(b, ib)
    ta, tb, r = [], [], []
    for i in range(n):
        if i % 2 == 0:
            x, y = run(a, ia), run(b, ib)
        else:
            y, x = run(b, ib), run(a, ia)
        ta.append(x), tb.append(y), r.append(x / y)
    q = statistics.quantiles(r, n=4)
    print(f"A median {statistics.median(ta)*1e3:.2f} ms, B median {statistics.median(tb)*1e3:.2f} ms, "
          f"A/B per-pair median {statistics.median(r):.2f} (quartiles {q[0]:.2f}-{q[2]:.2f}, n={n})")


if __name__ == "__main__":
    main()
