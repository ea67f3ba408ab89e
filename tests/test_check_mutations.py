"""Deliberate mistakes: `symderive check` refutes a transcript step mutated the way students err.

A step's ``after`` (from the JSON transcript, rebuilt by :mod:`symderive.exprjson`) is
mutated at the SymPy tree level (drop a square root, reverse a matrix product, drop a
transpose, lose an absolute value, flip a sign, shift an index or a summation bound),
printed back with the project's renderer, and put in a document with the transcript's
declarations in force at that step, beside the unmutated step as a control.  A mutant
is kept only when an independent exact evaluation (SymPy, random rationals, concrete
matrices) shows it differs from the true step; a step about unknown densities (integrals
over a region, KL divergences) is compared instead on concrete densities by numerical
quadrature.  A mutant that stays true, or that the evaluation cannot decide
(expectations, divergent integrals), is discarded first.  Steps are a seeded sample, so
the test is bounded and repeatable.  A transcript none of whose sampled steps check can
read (the CNN Jacobian: partial derivatives) is skipped with check's reasons.
"""
from __future__ import annotations

import json
import math
import random
import warnings
from pathlib import Path

import pytest
from scipy.integrate import nquad
from sympy import (
    Abs, Add, Basic, Float, Indexed, IndexedBase, Integer, Integral, MatAdd, MatMul, MatrixSymbol, Matrix, Mul,
    Pow, Product, Rational, S, Sum, Symbol, Transpose, expand_log, eye, lambdify, log, preorder_traversal,
)
from sympy.core.function import AppliedUndef
from sympy.matrices.exceptions import ShapeError
from sympy.matrices.expressions import MatrixExpr

from symderive.check import Settings, check_document
from symderive.densities import KL, IntegralOver, exponential, laplace, normal
from symderive.exprjson import decode
from symderive.jacobians import EntryMatrix
from symderive.latex_in.document import read_document
from symderive.render.printer import to_latex

from transcript_steps import directive_lines, step_lines, transcripts

SEED = 20261126
STEPS_PER_TRANSCRIPT = 4
MUTANTS_PER_STEP = 2
EVALUATION_POINTS = 3
CHECK_SECONDS = 20.0  # per relation: a loaded CI machine must not turn a refutation into a time-out
UNDECIDABLE = ("Expect", "Var", "Cov", "Integral", "KL", "Derivative", "Limit", "Jacobian", "OrderedProduct")


# -- mutations -----------------------------------------------------------------------------


def mutants(expr: Basic) -> list[tuple[str, Basic]]:
    """(what was done, mutated expression) for every single mistake the tree allows."""
    found: list[tuple[str, Basic]] = []
    for node in preorder_traversal(expr):
        for kind, replacement in _node_mistakes(node):
            try:
                mutated = expr.xreplace({node: replacement})
            except (ShapeError, TypeError, ValueError):  # a product that no longer chains: not an expression
                continue
            if mutated != expr and _well_shaped(mutated):
                found.append((kind, mutated))
    if not any(kind == "flip a sign" for kind, _ in found) and not isinstance(expr, MatrixExpr):
        found.append(("flip a sign", -expr))
    return found


def _well_shaped(expr: Basic) -> bool:
    """Every matrix product chains and every matrix sum adds equal shapes (xreplace does not check:
    dropping the transpose of ``E[x]`` in ``m E[x]^T`` leaves a product of two columns)."""
    for node in preorder_traversal(expr):
        if isinstance(node, MatMul):
            factors = [a for a in node.args if isinstance(a, MatrixExpr)]
            if any(left.shape[1] != right.shape[0] for left, right in zip(factors, factors[1:])):
                return False
        elif isinstance(node, MatAdd) and len({a.shape for a in node.args}) > 1:
            return False
    return True


def _node_mistakes(node: Basic) -> list[tuple[str, Basic]]:
    mistakes = []
    if isinstance(node, Pow) and node.exp in (S.Half, -S.Half):
        mistakes.append(("drop a square root", Pow(node.base, 2 * node.exp)))
    if isinstance(node, Abs):
        mistakes.append(("lose an absolute value", node.args[0]))
    if isinstance(node, Transpose):
        mistakes.append(("drop a transpose", node.arg))
    if isinstance(node, MatMul):
        factors = [a for a in node.args if isinstance(a, MatrixExpr)]
        scalars = [a for a in node.args if not isinstance(a, MatrixExpr)]
        if len(factors) >= 2 and all(f.is_square for f in factors):
            mistakes.append(("swap a product's order", MatMul(*scalars, *reversed(factors))))
    if isinstance(node, Add) and not isinstance(node, MatrixExpr):
        first, *rest = node.args
        mistakes.append(("flip a sign", Add(-first, *rest)))
    if isinstance(node, Indexed):
        first, *rest = node.indices
        mistakes.append(("shift an index", node.base[(first + 1, *rest)]))
    if isinstance(node, Sum) and len(node.limits) == 1:
        variable, low, high = node.limits[0]
        mistakes.append(("shift a summation bound", Sum(node.function, (variable, low, high + 1))))
    return mistakes


# -- the independent check: exact evaluation at random rationals ------------------------------


def differs(true: Basic, mutant: Basic, positive_definite: set[str], rng: random.Random) -> bool | None:
    """True if the two differ at a random exact point, False if they agree at every point tried,
    None if SymPy cannot evaluate them (expectations, integrals, unevaluable sums).  Statements
    about unknown densities (integrals over a region, divergences) are compared on concrete
    densities instead (:func:`differs_on_densities`)."""
    if any(isinstance(n, (IntegralOver, KL)) for e in (true, mutant) for n in preorder_traversal(e)):
        return differs_on_densities(true, mutant)
    if any(type(n).__name__ in UNDECIDABLE for e in (true, mutant) for n in preorder_traversal(e)):
        return None
    if getattr(true, "shape", None) != getattr(mutant, "shape", None):
        return None  # (a side of another shape, n_{k-1} for n_{k+1}: equal only at some sizes, as ShapeError below)
    for _ in range(EVALUATION_POINTS):
        point = _point(true, mutant, positive_definite, rng)
        try:
            difference = _evaluate(true, point) - _evaluate(mutant, point)
        except (TypeError, ValueError, ZeroDivisionError, NotImplementedError, ShapeError, RecursionError):
            return None  # (the CNN's Jacobians over a symbolic number of layers do not evaluate)
        if getattr(difference, "free_symbols", None):
            return None
        entries = list(difference) if hasattr(difference, "shape") else [difference]
        for value in entries:
            value = value.simplify()
            if value.free_symbols or value.has(S.NaN, S.ComplexInfinity):
                return None
            if value != 0:
                return True
    return False


# Concrete densities for the unknown f, g (f_j, g_j): the derivation's families, and a second set where
# supp f_j is a proper part of supp g_j; integrals are evaluated numerically by SymPy's evalf (mpmath),
# not by symderive's exact integrator.
_t = Symbol("t", real=True)
DENSITY_PAIRS = (
    ((normal(_t, 0, 1), normal(_t, 1, 2)), (exponential(_t, 2), exponential(_t, 3)),
     (laplace(_t, 0, 1), laplace(_t, 1, 2))),
    ((exponential(_t, 2), laplace(_t, 0, 1)), (exponential(_t, 1), laplace(_t, 0, 2)),
     (exponential(_t, 3), laplace(_t, 1, 1))),
)
DIMENSION = 2


def differs_on_densities(true: Basic, mutant: Basic) -> bool | None:
    """True if the two differ (by more than quadrature error) for some concrete densities, False if
    they agree for every set tried, None if an integral is not a convergent one over a density."""
    for pairs in DENSITY_PAIRS:
        values = [_on_densities(e, pairs) for e in (true, mutant)]
        if any(v is None for v in values):
            return None
        if abs(values[0] - values[1]) > 1e-6:
            return True
    return False


def _on_densities(expr: Basic, pairs) -> float | None:
    expr = expr.xreplace({s: Integer(DIMENSION) for s in expr.free_symbols if isinstance(s, Symbol) and s.is_integer})
    expr = expr.replace(lambda e: isinstance(e, (Sum, Product)), lambda e: e.doit())
    role = {"f": 0, "g": 1}  # the transcripts' densities: f against g
    coordinates = {}

    def coordinate(entry):
        if isinstance(entry, Indexed):
            j = int(entry.indices[0])
            return coordinates.setdefault(entry, Symbol(f"c_{j}", real=True)), pairs[j - 1]
        return entry, pairs[0]

    def limits(variable, who):
        entries = [variable[j] for j in range(1, DIMENSION + 1)] if isinstance(variable, IndexedBase) else [variable]
        found = []
        for entry in entries:
            symbol, pair = coordinate(entry)
            found.append((symbol, *pair[who].support[0]))
        return found

    def integral(node):
        who = 1 if node.region.name.split(" ")[-1].startswith("g") else 0
        return Integral(node.integrand, *limits(node.variable, who))

    def divergence(node):
        p, q, variables = node.args
        return Integral(p * log(p / q), *[limit for v in variables for limit in limits(v, 0)])

    def density(application):
        if len(application.args) == 2:
            j, argument = application.args
            return pairs[int(j) - 1][role[application.func.__name__]].at(argument)
        return pairs[0][role[application.func.__name__]].at(application.args[0])

    try:
        expr = expr.replace(lambda e: isinstance(e, IntegralOver), integral)
        expr = expr.replace(lambda e: isinstance(e, KL), divergence)
        expr = expr.replace(lambda e: isinstance(e, AppliedUndef), density).xreplace(coordinates)
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    for node in expr.atoms(Integral):  # over an infinite range the integrand must depend on the variable
        if any(v not in node.function.free_symbols for v, *_ in node.limits) or node.free_symbols:
            return None
    try:
        value = complex(expr.xreplace({node: _quadrature(node) for node in expr.atoms(Integral)}).evalf(15))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if abs(value.imag) > 1e-9 or not math.isfinite(value.real) or abs(value.real) > 1e6:
        return None
    return value.real


def _quadrature(node: Integral) -> Float:
    """The integral by scipy's adaptive quadrature (innermost variable first)."""
    variables = [v for v, *_ in node.limits]
    # log(e^{a} e^{b} / c) as a + b - log c: the exponentials alone overflow far out
    integrand = lambdify(variables, expand_log(node.function, force=True), modules=["mpmath"])
    ranges = [(float(low), float(high)) for _, low, high in node.limits]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a quadrature that does not converge raises: then no decision
        try:
            value, _ = nquad(lambda *point: float(integrand(*point)), ranges)
        except Exception:  # noqa: BLE001 (scipy's IntegrationWarning and domain errors alike)
            raise ValueError("no quadrature") from None
    return Float(value)


def _evaluate(expr: Basic, point: dict) -> Basic:
    sized = expr.xreplace(point["sizes"])
    concrete = sized.xreplace({m: point["matrices"][m.name] for m in sized.atoms(MatrixSymbol)})
    value = concrete.xreplace(point["scalars"])
    for _ in range(4):  # entries in sizes and bounds first, then the entries' and summands' once written out
        sizes = _sizes(value)
        free = {i for i in value.atoms(Indexed) if not (i.free_symbols - i.base.free_symbols) & _bound(value)}
        value = value.xreplace({i: point["entries"].setdefault(i, _size(point["rng"]) if i in sizes else
                                                               _scalar(i.base, point["rng"]))
                                for i in sorted(free, key=str)})
        value = _written_out(value).doit()
    return value.as_explicit() if hasattr(value, "as_explicit") else value


def _bound(expr: Basic) -> set:
    """The variables bound by sums and by matrices given by their entries in ``expr``."""
    return {limit[0] for node in preorder_traversal(expr) if isinstance(node, (Sum, EntryMatrix))
            for limit in (node.limits if isinstance(node, Sum) else node.args[1:])}


def _sizes(expr: Basic) -> set:
    """Entries that are the size of a matrix given by its entries or the bound of a sum: whole numbers."""
    limits = [size for node in preorder_traversal(expr) if isinstance(node, EntryMatrix) for size in node.shape]
    limits += [bound for node in preorder_traversal(expr) if isinstance(node, Sum) for _, *ends in node.limits
               for bound in ends]
    return {entry for bound in limits for entry in bound.atoms(Indexed)}


def _size(rng: random.Random) -> Integer:
    return Integer(rng.randint(1, 3))


def _written_out(expr: Basic) -> Basic:
    """Matrices given by their entries with whole-number sizes as explicit matrices, and sums with whole-number
    bounds as their terms (an empty sum, upper bound below the lower one, is 0: how the text reads it)."""
    def explicit(node: EntryMatrix) -> Basic:
        (i, rows), (j, cols) = node.args[1:]
        if not (rows.is_Integer and cols.is_Integer):
            return node
        return Matrix(int(rows), int(cols), lambda r, c: node.args[0].xreplace({i: r + 1, j: c + 1}))

    def terms(node: Sum) -> Basic:
        (variable, low, high), = node.limits
        if not (low.is_Integer and high.is_Integer):
            return node
        return Add(*(node.function.xreplace({variable: Integer(v)}) for v in range(int(low), int(high) + 1)))

    expr = expr.replace(lambda e: isinstance(e, EntryMatrix), explicit)
    return expr.replace(lambda e: isinstance(e, Sum) and len(e.limits) == 1, terms)


def _point(true: Basic, mutant: Basic, positive_definite: set[str], rng: random.Random) -> dict:
    # Drawn in sorted order, so the point does not depend on the hash seed (set order).
    matrix_symbols = sorted({m for e in (true, mutant) for m in e.atoms(MatrixSymbol)}, key=str)
    sizes: dict = {}
    for m in matrix_symbols:
        for s in m.shape:
            if isinstance(s, Symbol) and s not in sizes:
                sizes[s] = Integer(rng.randint(1, 3))
    matrices = {}
    for m in matrix_symbols:
        rows, cols = (int(x.xreplace(sizes)) for x in m.shape)
        value = Matrix(rows, cols, lambda i, j: _rational(rng))
        if m.name in positive_definite:
            value = value * value.T + eye(rows)
        matrices.setdefault(m.name, value)
    scalars = {s: _scalar(s, rng) for s in sorted((true.free_symbols | mutant.free_symbols), key=str)
               if isinstance(s, Symbol) and s not in sizes}
    return {"sizes": sizes, "matrices": matrices, "scalars": scalars, "entries": {}, "rng": rng}


def _rational(rng: random.Random) -> Rational:
    return Rational(rng.choice((-1, 1)) * rng.randint(1, 9), rng.randint(1, 7))


def _scalar(symbol: Basic, rng: random.Random) -> Basic:
    if symbol.is_integer:
        return Integer(rng.randint(1 if symbol.is_positive else 0, 3))
    value = abs(_rational(rng))
    return value if symbol.is_nonnegative else rng.choice((-1, 1)) * value


# -- documents -------------------------------------------------------------------------------


def _display(before: str, after: str, number: int) -> str:
    return f"\\begin{{align*}}\n  & {before} \\\\\n  &= {after} \\tag*{{({number})}}\n\\end{{align*}}\n"


def _positive_definite(directives: list[str]) -> set[str]:
    """SymPy names of the matrices declared positive definite (``\\Sigma_{0}`` -> ``Sigma_0``)."""
    names = set()
    for line in directives:
        if "positive definite" in line and " matrix " in f" {line.split(':', 1)[1]}":
            declared = line.split("matrix", 1)[1].split(":")[0]
            names |= {n.strip().lstrip("\\").replace("{", "").replace("}", "") for n in declared.split(",")}
    return names


def _cases(path: Path) -> tuple[list[dict], int]:
    """The sampled steps with their kept mutants, and how many mutants were discarded."""
    text = path.read_text(encoding="utf-8")
    steps = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["steps"]
    lines = {number: line for line, number in step_lines(text).items()}
    rng = random.Random(f"{SEED}:{path.stem}")
    order = list(range(1, len(steps) + 1))
    rng.shuffle(order)
    cases, discarded = [], 0
    for number in order:
        if len(cases) == STEPS_PER_TRANSCRIPT:
            break
        step = steps[number - 1]
        if step["relation"] != "=":
            continue
        directives = directive_lines(text, lines[number])
        before, after = decode(step["before"]), decode(step["after"])
        kept = []
        candidates = mutants(after)
        rng.shuffle(candidates)
        for kind, mutant in candidates:
            if len(kept) == MUTANTS_PER_STEP:
                break
            if to_latex(mutant) == to_latex(after) or any(to_latex(mutant) == to_latex(m) for _, m in kept):
                continue
            if differs(after, mutant, _positive_definite(directives), rng):
                kept.append((kind, mutant))
            else:
                discarded += 1
        if kept:
            cases.append({"number": number, "directives": directives, "before": before, "after": after,
                          "mutants": kept})
    return cases, discarded


def _document(cases: list[dict], path: Path, directory: Path) -> tuple[Path, dict[int, tuple[dict, int]]]:
    """One document for the transcript: each sampled step, in order, under the declarations in
    force there, as the true step and then each mutant; and {tag: (case, 0 or mutant number)}."""
    parts, said, tags = [], set(), {}
    for case in sorted(cases, key=lambda c: c["number"]):
        parts += [line + "\n" for line in case["directives"] if line not in said]
        said |= set(case["directives"])
        before = to_latex(case["before"])
        for k, shown in enumerate([case["after"]] + [m for _, m in case["mutants"]]):
            tag = len(tags) + 1
            tags[tag] = (case, k)
            parts.append(_display(before, to_latex(shown), tag))
    target = directory / f"{path.stem}-mutants.tex"
    target.write_text("".join(parts), encoding="utf-8")
    return target, tags


# -- tests -------------------------------------------------------------------------------------


def test_the_mutations_are_mistakes():
    """Each operator changes the tree (a checker that always says 'refuted' is caught by the control below)."""
    x, y = Symbol("x", positive=True), Symbol("y")
    A, B = MatrixSymbol("A", 2, 2), MatrixSymbol("B", 2, 2)
    kinds = {kind for kind, _ in mutants(Abs(y) + (x + 1) ** S.Half)} | {k for k, _ in mutants(Transpose(A * B))}
    assert {"drop a square root", "lose an absolute value", "flip a sign", "drop a transpose",
            "swap a product's order"} <= kinds
    rng = random.Random(1)
    assert differs(x ** S.Half, x, set(), rng) is True
    assert differs(Transpose(A * B), Transpose(B) * Transpose(A), set(), rng) is False  # a true identity stays


@pytest.mark.parametrize("path", transcripts(), ids=lambda p: p.stem)
def test_check_refutes_every_mutant(path, tmp_path):
    cases, discarded = _cases(path)
    target, tags = _document(cases, path, tmp_path)
    report = check_document(read_document(target), Settings(timeout=CHECK_SECONDS, jobs=2))
    by_tag = _by_step(report, step_lines(target.read_text(encoding="utf-8")))
    judged, refuted, unread = set(), 0, set()
    for tag, (case, k) in tags.items():
        entries = by_tag.get(tag, [])
        if k == 0:
            assert entries and all(e.verdict != "refuted" for e in entries), f"step ({case['number']}) itself refuted"
            if all(e.verdict in ("verified", "plausible") for e in entries):
                judged.add(case["number"])
            else:
                unread |= {e.reason for e in entries if e.verdict not in ("verified", "plausible")}
            continue
        if case["number"] not in judged:
            continue  # check cannot read this step: its mutants say nothing
        kind, mutant = case["mutants"][k - 1]
        assert any(e.verdict == "refuted" for e in entries), (
            f"step ({case['number']}), mistake '{kind}': {to_latex(mutant)} was not refuted: "
            f"{[(e.verdict, e.reason) for e in entries]}")
        refuted += 1
    print(f"\n{path.stem}: {len(cases)} steps sampled, {len(judged)} read by check, {refuted} mutants refuted, "
          f"{discarded} discarded (stay true or not evaluable)")
    if not judged:
        pytest.skip(f"check reads none of the sampled steps of {path.stem}: {'; '.join(sorted(unread))}")


def _by_step(report, lines: dict[int, int]) -> dict[int, list]:
    found: dict[int, list] = {}
    for entry in report.entries:
        if entry.line in lines:
            found.setdefault(lines[entry.line], []).append(entry)
    return found
