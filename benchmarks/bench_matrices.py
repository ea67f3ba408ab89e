"""Exact instance checks of matrix identities against SymPy's explicit-matrix ``simplify``, in one run.

Tasks: the Gaussian KL trace formula against an equivalent form (d x d covariances),
and 6-factor product identities.  For each size d:

* ours: :func:`symderive.matrix_instances.check_on_instances` at that one size
  (random rational matrices with the declared properties, python-flint exact arithmetic);
* SymPy: the same kind of random rational matrices as ``ImmutableMatrix``, substituted into
  ``lhs - rhs``, ``doit()`` and ``simplify``.

Each measurement runs in a forked child killed after the limit.  Prints the timings at
d = 8, 32, 128, their ratio, and the largest d (doubling from 8) each handles within the limit.

    python benchmarks/bench_matrices.py [--limit 10]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time

from sympy import Determinant, Integer, MatrixSymbol, Rational, Symbol, Trace, Transpose, log, simplify
from sympy.matrices.expressions.inverse import Inverse

from symderive.limits import TimeLimitExceeded, bounded
from symderive.matrices import MatrixFacts, prove_equal
from symderive.matrix_instances import InstanceStatus, _random_matrix, _sympy_of, check_on_instances

d = Symbol("d", integer=True, positive=True)
S0, S1 = MatrixSymbol("Sigma0", d, d), MatrixSymbol("Sigma1", d, d)
m0, m1 = MatrixSymbol("mu0", d, 1), MatrixSymbol("mu1", d, 1)
A, B, C, D, E, F = (MatrixSymbol(s, d, d) for s in "ABCDEF")


def _kl_task():
    dm = m1 - m0
    lhs = Rational(1, 2) * (Trace(Inverse(S1) * S0) + Trace(dm.T * Inverse(S1) * dm) - d
                            + log(Determinant(S1) / Determinant(S0)))
    rhs = Rational(1, 2) * (Trace(S0 * Inverse(S1)) + Trace(Inverse(S1) * dm * dm.T) - d
                            + log(Determinant(S1)) - log(Determinant(S0)))
    return lhs, rhs, MatrixFacts(positive_definite={S0, S1})


TASKS = {
    "KL trace formula": _kl_task(),
    "(ABCDEF)^T = F^T...A^T": (Transpose(A * B * C * D * E * F), F.T * E.T * D.T * C.T * B.T * A.T, MatrixFacts()),
    "(ABCDEF)^-1 = F^-1...A^-1": (Inverse(A * B * C * D * E * F),
                                  Inverse(F) * Inverse(E) * Inverse(D) * Inverse(C) * Inverse(B) * Inverse(A),
                                  MatrixFacts(invertible={A, B, C, D, E, F})),
}
TABLE_SIZES = (8, 32, 128)
MAX_SIZE = 1024


def ours(task: str, size: int) -> float:
    lhs, rhs, facts = TASKS[task]
    started = time.perf_counter()
    result = check_on_instances(lhs, rhs, facts, seed=1, sizes=[size])
    elapsed = time.perf_counter() - started
    if result.status is not InstanceStatus.EQUAL:
        raise AssertionError(f"{task} at d={size}: {result.reason}")
    return elapsed


def sympy_simplify(task: str, size: int) -> float:
    lhs, rhs, facts = TASKS[task]
    rng = random.Random(1)
    leaves = sorted(lhs.atoms(MatrixSymbol) | rhs.atoms(MatrixSymbol), key=str)
    values = {leaf: _sympy_of(_random_matrix(size, int(leaf.cols.xreplace({d: size})), facts.properties(leaf), rng))
              for leaf in leaves}
    started = time.perf_counter()
    # Each side made explicit on its own (lhs - rhs built symbolically may cancel before any arithmetic).
    left, right = (side.xreplace(values).xreplace({d: Integer(size)}).doit() for side in (lhs, rhs))
    simplified = simplify(left - right)
    zero = all(v == 0 for v in simplified) if hasattr(simplified, "shape") else simplified == 0
    elapsed = time.perf_counter() - started
    if not zero:
        raise AssertionError(f"SymPy did not simplify the difference to 0 for {task} at d={size}")
    return elapsed


def measure(method, task: str, size: int, limit: float) -> float | None:
    try:
        return bounded(method, task, size, seconds=limit)
    except TimeLimitExceeded:
        return None


def largest_size(method, task: str, limit: float) -> int:
    size, best = 8, 0
    while size <= MAX_SIZE and measure(method, task, size, limit) is not None:
        best, size = size, size * 2
    return best


def _show(seconds: float | None, limit: float) -> str:
    return f"> {limit:g}" if seconds is None else f"{seconds:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=10.0, help="seconds per measurement (default 10)")
    args = parser.parse_args()
    limit = args.limit
    print(f"{os.cpu_count()} cores; Python {sys.version.split()[0]}; limit {limit:g} s per measurement")
    print(f"{'task':<28}{'d':>5}{'ours (s)':>12}{'SymPy (s)':>12}{'SymPy/ours':>12}")
    for task, (lhs, rhs, facts) in TASKS.items():
        for size in TABLE_SIZES:
            mine = measure(ours, task, size, limit)
            theirs = measure(sympy_simplify, task, size, limit)
            if mine is not None and theirs is not None:
                ratio = f"{theirs / mine:.1f}"
            elif mine is not None:
                ratio = f"> {limit / mine:.1f}"
            else:
                ratio = "-"
            print(f"{task:<28}{size:>5}{_show(mine, limit):>12}{_show(theirs, limit):>12}{ratio:>12}")
    print()
    print(f"{'task':<28}{'largest d in ' + format(limit, 'g') + ' s: ours':>26}{'SymPy':>8}{'proof, all d (s)':>18}")
    for task, (lhs, rhs, facts) in TASKS.items():
        started = time.perf_counter()
        proved = prove_equal(lhs, rhs, facts)
        proof = f"{time.perf_counter() - started:.3f}" if proved else "not proved"
        print(f"{task:<28}{largest_size(ours, task, limit):>26}{largest_size(sympy_simplify, task, limit):>8}"
              f"{proof:>18}")


if __name__ == "__main__":
    main()
