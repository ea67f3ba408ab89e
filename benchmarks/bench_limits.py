"""Per-call cost of a bounded computation: inline, a fork per call (`bounded`), a reused worker (`BoundedPool`).

    python benchmarks/bench_limits.py [--calls N] [--torch]

The task is a trivial SymPy expansion, so the table shows the overhead of the
limits themselves, as a ratio against the inline call measured in the same run.
With ``--torch`` the process imports torch first (a larger address space makes
``fork`` slower).  Timings are never asserted in the tests.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from sympy import Symbol, expand  # noqa: E402

from symderive.limits import BoundedPool, bounded  # noqa: E402

x = Symbol("x")


def trivial(k: int):
    return expand((x + k) ** 2)


def _per_call(run, calls: int) -> float:
    started = time.perf_counter()
    for k in range(calls):
        run(k)
    return (time.perf_counter() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--torch", action="store_true", help="import torch first")
    options = parser.parse_args()
    if options.torch:
        import torch  # noqa: F401

    with BoundedPool(jobs=1) as pool:
        pool.submit(trivial, 0).result()  # start the worker outside the measurement
        runs = {
            "inline": trivial,
            "bounded (fork per call)": lambda k: bounded(trivial, k),
            "BoundedPool task, 1 worker": lambda k: pool.submit(trivial, k).result(),
        }
        seconds = {name: statistics.median(_per_call(run, options.calls) for _ in range(options.repeat))
                   for name, run in runs.items()}
    baseline = seconds["inline"]
    print(f"median of {options.repeat} x {options.calls} calls; {os.cpu_count()} cores; "
          f"Python {sys.version.split()[0]}{'; torch imported' if options.torch else ''}")
    print(f"{'per call':32} {'ms':>8} {'x inline':>9}")
    for name, value in seconds.items():
        print(f"{name:32} {value * 1000:8.2f} {value / baseline:9.1f}")


if __name__ == "__main__":
    main()
