"""Checking the CNN Jacobian's closed form: the finite-field check against the naive symbolic ways.

    python benchmarks/bench_cnn_jacobian.py [--limit SECONDS]

For growing input widths n_0 and every layer l (w_l and b_l), the identity
``∂y_L/∂θ_l = A_L [D_{L-1} A_{L-1}] ... D_l (Y_{l-1} | I)`` is checked

* by ours: :func:`symderive.cnn_check.field_check`, dual numbers against the formula in GF(p)
  at one random point (tested-numerically, Schwartz–Zippel bound in its detail);
* naively: SymPy's ``Matrix.jacobian`` of the symbolic net with ``σ = tanh``, then ``expand`` or
  ``simplify`` of every entry of (formula - Jacobian).

Each naive attempt runs in a forked child killed after the per-size limit; after a timeout the
larger sizes are not tried.  Ratios are against the best naive way in the same run.  The last line
is ``exact check L=6 n0=512: <seconds> s; naive largest n0 in 10 s: <n>``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from sympy import expand, simplify, tanh  # noqa: E402

from symderive.cnn import Shape, closed_form, sympy_formula, symbolic_net  # noqa: E402
from symderive.cnn_check import field_check  # noqa: E402
from symderive.limits import ChildFailed, TimeLimitExceeded, bounded  # noqa: E402

FAMILIES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    # name: (filters, input widths n_0)
    "L=3": ((3, 4, 2), (8, 12, 16, 24, 32, 64, 128, 256, 512)),
    "L=6": ((3, 5, 7, 9, 4, 6), (29, 32, 64, 128, 256, 512)),  # 29 is the smallest n_0 for these filters
}
NAIVE: dict[str, Callable] = {"expand": expand, "simplify": simplify}


def naive_check(shape: Shape, how: str) -> bool:
    """SymPy's Jacobian with σ = tanh, then ``how`` of every entry of the difference; True if all are 0."""
    reduce_entry = NAIVE[how]
    net = symbolic_net(shape, tanh)
    point = net.point()
    for layer in range(1, shape.depth + 1):
        for wrt in ("w", "b"):
            jacobian = net.output().jacobian(net.parameters(layer, wrt))
            difference = sympy_formula(point, closed_form(shape, layer, wrt)) - jacobian
            if any(reduce_entry(entry) != 0 for entry in difference):
                return False
    return True


def timed_naive(shape: Shape, how: str, limit: float) -> float | None:
    """Seconds, or None when the child did not finish within ``limit``."""
    started = time.perf_counter()
    try:
        settled = bounded(naive_check, shape, how, seconds=limit)
    except (TimeLimitExceeded, ChildFailed):
        return None
    if not settled:
        raise SystemExit(f"naive {how} did not confirm the identity at {shape}: investigate")
    return time.perf_counter() - started


def timed_ours(shape: Shape) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the field check; CPU time is what a shared machine distorts least."""
    started, started_cpu = time.perf_counter(), time.process_time()
    check = field_check(shape)
    if not check.agrees:
        raise SystemExit(f"the field check rejected the formula at {shape}: investigate")
    return time.perf_counter() - started, time.process_time() - started_cpu


def cell(seconds: float | None, limit: float) -> str:
    return f"> {limit:g}" if seconds is None else f"{seconds:.3f}"


def sweep(filters: tuple[int, ...], widths: tuple[int, ...], limit: float) -> tuple[dict[int, float], dict[str, int | None]]:
    """Prints one table; returns our seconds per n_0 and each naive way's largest n_0 within the limit."""
    print(f"{'n_0':>5} {'ours (s)':>10} {'ours cpu (s)':>13} " + " ".join(f"{how + ' (s)':>14}" for how in NAIVE)
          + f" {'best naive / ours':>18}")
    ours: dict[int, float] = {}
    largest: dict[str, int | None] = {how: None for how in NAIVE}
    gave_up: set[str] = set()
    for n0 in widths:
        shape = Shape(n0, filters)
        ours[n0], cpu = timed_ours(shape)
        naive: dict[str, float | None] = {}
        for how in NAIVE:
            naive[how] = None if how in gave_up else timed_naive(shape, how, limit)
            if naive[how] is None:
                gave_up.add(how)
            else:
                largest[how] = n0
        finished = [s for s in naive.values() if s is not None]
        ratio = f"{min(finished) / ours[n0]:.1f}" if finished else f"> {limit / ours[n0]:.1f}"
        print(f"{n0:>5} {ours[n0]:>10.3f} {cpu:>13.3f} " + " ".join(f"{cell(naive[h], limit):>14}" for h in NAIVE)
              + f" {ratio:>18}")
    for how, n0 in largest.items():
        print(f"  naive {how}: largest n_0 within {limit:g} s: {'none' if n0 is None else n0}")
    return ours, largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=10.0, help="seconds per naive attempt (default: 10)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} at the start); Python {sys.version.split()[0]}; "
          f"per-size limit {args.limit:g} s for the naive ways")
    results = {}
    for name, (filters, widths) in FAMILIES.items():
        print(f"\n{name}, filters {list(filters)}, every layer, w_l and b_l (vector bias):")
        results[name] = sweep(filters, widths, args.limit)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}; times are wall-clock unless marked cpu")
    ours_l6, largest_l6 = results["L=6"]
    best_l6 = max((n for n in largest_l6.values() if n is not None), default=None)
    best_l3 = max((n for n in results["L=3"][1].values() if n is not None), default=None)
    why = (str(best_l6) if best_l6 is not None else
           f"none (at L=6 even n0={FAMILIES['L=6'][1][0]} takes more than {args.limit:g} s; "
           f"at L=3: {'none' if best_l3 is None else best_l3})")
    print(f"exact check L=6 n0=512: {ours_l6[512]:.2f} s; naive largest n0 in {args.limit:g} s: {why}")


if __name__ == "__main__":
    main()
