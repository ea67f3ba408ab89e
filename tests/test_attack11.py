r"""Attacks on three ``check`` features: E[F] = Σ c_i E[G_i] + d judged pointwise for declared random vectors
(check_pointwise.py), D_KL of declared densities unfolded into its integral (check_densities.py, the reader's
``D_{KL}(x \| Y)``), and Jensen's inequality with the average written more than once.

What broke (fixed here, each guarded below):

* Jensen with the average written twice in a ``cases``: ``E[min(W, 2)]`` written as ``\begin{cases} W & W < 2 \\ 2
  \end{cases}`` was *verified* ``>= min(E[W], 2)`` (the wrong direction: min(t, 2) is concave).  SymPy differentiates
  a Piecewise piece by piece, dropping the kink, so ``phi'' = 0 >= 0`` "proved" it convex.
  :func:`symderive.inequalities.prove_convex` no longer proves a Piecewise.
"""
from __future__ import annotations

import pytest
from sympy import Dummy, Piecewise

from symderive.check import Settings, check_document
from symderive.inequalities import prove_convex
from symderive.latex_in.document import parse_document


@pytest.fixture(autouse=True)
def no_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDERIVE_CACHE_DIR", str(tmp_path / "default-cache"))


E = r"\mathbb{E}"
R = r"\int_{\mathbb{R}^d}"
DENSITIES = (r"scalar \alpha", r"density f, g on \mathbb{R}^d : positive", r"random \alpha, x ~ f", r"random Y ~ g")
GAUSSIAN = ("scalar d : positive integer", r"matrix \Sigma_0, \Sigma_1 : d x d, positive definite",
            "matrix A : d x d, invertible", r"vector x, y, \mu_0, \mu_1 : d", "read |A| as det",
            r"random x ~ N(\mu_0, \Sigma_0)")
LOG = r"\log(1 + x^T x)"  # not a polynomial moment: only the pointwise judgement can verify a step with it


def entries(*relations: str, directives: tuple[str, ...] = DENSITIES, timeout: float = 20.0):
    text = "".join(f"<!-- symderive: {d} -->\n" for d in directives) + "".join(f"$${r}$$\n" for r in relations)
    return check_document(parse_document(text, "t.md"), Settings(timeout=timeout)).entries


def verdicts(*relations: str, directives: tuple[str, ...] = DENSITIES) -> list[str]:
    return [entry.verdict for entry in entries(*relations, directives=directives)]


# -- Jensen's inequality: phi convex, proved only where phi'' means what it says -----------------------------

W = r"(1 + \alpha^2)"
EW = rf"{E}\left[{W}\right]"


def _capped(value: str) -> str:
    return rf"\begin{{cases}} {value} & \text{{for }} {value} < 2 \\ 2 & \text{{otherwise}} \end{{cases}}"


def test_jensen_is_not_applied_to_a_concave_piecewise_phi():
    # min(t, 2) is concave: E[min(W, 2)] <= min(E[W], 2), and the step claims >=
    assert verdicts(rf"{E}\left[{_capped(W)}\right] \geq {_capped(EW)}") == ["unknown"]


def test_a_piecewise_is_not_proved_convex_from_its_pieces():
    t = Dummy("t", real=True)
    assert prove_convex(Piecewise((t, t < 2), (2, True)), t, [t > 0])[0] is False
    assert prove_convex(Piecewise((0, t < 1), (1 - t, True)), t, [t > 0])[0] is False
    assert prove_convex(t**2, t, [t > 0])[0] is True  # a smooth convex phi still is
