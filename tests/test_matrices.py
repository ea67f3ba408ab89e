"""A table of true and false matrix relations, each with the outcome it must get.

* ``proved``: the normal form proves it for general dimensions (and the instances agree);
* ``instances``: true, beyond the normal form (or needing an undeclared fact): equal on instances;
* ``refuted``: false: not proved, and a counterexample re-checked by a second evaluation.

No true relation may be refuted and no false one proved or equal on instances.
"""
from __future__ import annotations

import pytest
from sympy import (
    Determinant,
    Function,
    Identity,
    IndexedBase,
    MatMul,
    MatrixSymbol,
    OneMatrix,
    Rational,
    Symbol,
    Trace,
    Transpose,
    ZeroMatrix,
    latex,
    log,
    symbols,
)
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.inverse import Inverse

from symderive.matrices import (
    IndexedMatrix,
    MatPoly,
    MatrixFacts,
    MatrixFamily,
    Normalizer,
    OrderedProduct,
    normal_form,
    prove_equal,
)
from symderive.matrix_instances import InstanceStatus, check_on_instances, numbers_equal, satisfies

n, m = symbols("n m", integer=True, positive=True)
k, L, l = symbols("k L l", integer=True)
c = Symbol("c", nonzero=True)
A, B, C, D, E = (MatrixSymbol(s, n, n) for s in "ABCDE")
S, T, Q, R, G, H, W = (MatrixSymbol(s, n, n) for s in ("S", "T", "Q", "R", "G", "H", "W"))
P, M = MatrixSymbol("P", n, m), MatrixSymbol("M", m, n)
U, V, K = MatrixSymbol("U", n, m), MatrixSymbol("V", m, n), MatrixSymbol("K", m, m)
x, y, z, mu = (MatrixSymbol(s, n, 1) for s in ("x", "y", "z", "mu"))
I, Im = Identity(n), Identity(m)
d = Symbol("d", integer=True, positive=True)
S0, S1 = MatrixSymbol("Sigma0", d, d), MatrixSymbol("Sigma1", d, d)
m0, m1 = MatrixSymbol("mu0", d, 1), MatrixSymbol("mu1", d, 1)
f = Function("f")
sizes = IndexedBase("n")
Bk = MatrixFamily("B", k, n, n)  # square members: any order of factors is well-shaped
Ak = MatrixFamily("A", k, sizes[k], sizes[k - 1])  # A_k is n_k x n_{k-1}

# A, B, K invertible; S, T, Sigma0, Sigma1 positive definite; Q, R orthogonal; G, H diagonal; W symmetric.
FACTS = MatrixFacts(
    invertible={A, B, K}, positive_definite={S, T, S0, S1}, orthogonal={Q, R}, diagonal={G, H}, symmetric={W},
)


def kl(trace_first: bool, log_sign: int = 1):
    """The Gaussian KL trace formula, written two ways."""
    dm = m1 - m0
    quadratic = Trace(dm.T * Inverse(S1) * dm) if trace_first else Trace(Inverse(S1) * dm * dm.T)
    trace = Trace(Inverse(S1) * S0) if trace_first else Trace(S0 * Inverse(S1))
    logs = log(Determinant(S1) / Determinant(S0)) if trace_first else log(Determinant(S1)) - log(Determinant(S0))
    return Rational(1, 2) * (trace + quadratic - d + log_sign * logs)


def woodbury(inner):
    return Inverse(A) - Inverse(A) * U * Inverse(inner) * V * Inverse(A)


P_, I_, R_ = "proved", "instances", "refuted"
TABLE = [
    # -- transposes
    ("(AB)^T = B^T A^T", Transpose(A * B), B.T * A.T, P_),
    ("(AB)^T = A^T B^T", Transpose(A * B), A.T * B.T, R_),
    ("(CDE)^T = E^T D^T C^T", Transpose(C * D * E), E.T * D.T * C.T, P_),
    ("(CDE)^T = E^T C^T D^T", Transpose(C * D * E), E.T * C.T * D.T, R_),
    ("(PM)^T = M^T P^T, non-square", Transpose(P * M), M.T * P.T, P_),
    ("(C+D)^T = C^T + D^T", Transpose(C + D), C.T + D.T, P_),
    ("(cC)^T = c C^T", Transpose(c * C), c * C.T, P_),
    ("C^T = C, C not declared symmetric", C.T, C, R_),
    ("W^T = W, W symmetric", W.T, W, P_),
    ("(WC)^T = C^T W", Transpose(W * C), C.T * W, P_),
    ("(WC)^T = W C^T", Transpose(W * C), W * C.T, R_),
    ("(A^T)^{-1} = (A^{-1})^T", Inverse(A.T), Transpose(Inverse(A)), P_),
    ("(C^T)^T = C", Transpose(Transpose(C)), C, P_),
    ("x^T y = y^T x", x.T * y, y.T * x, P_),
    ("x^T A y = y^T A^T x", x.T * A * y, y.T * A.T * x, P_),
    ("x^T C y = y^T C x", x.T * C * y, y.T * C * x, R_),
    ("x^T S y = y^T S x, S symmetric", x.T * S * y, y.T * S * x, P_),
    # -- inverses
    ("(AB)^{-1} = B^{-1} A^{-1}", Inverse(A * B), Inverse(B) * Inverse(A), P_),
    ("(AB)^{-1} = A^{-1} B^{-1}", Inverse(A * B), Inverse(A) * Inverse(B), R_),
    ("(CD)^{-1} = D^{-1} C^{-1}, invertibility not declared", Inverse(C * D), Inverse(D) * Inverse(C), I_),
    ("(2A)^{-1} = A^{-1}/2", Inverse(2 * A), Inverse(A) / 2, P_),
    ("(A^{-1})^{-1} = A", Inverse(Inverse(A)), A, P_),
    ("A A^{-1} = I", MatMul(A, Inverse(A)), I, P_),
    ("C C^{-1} = I, invertibility not declared", MatMul(C, Inverse(C)), I, I_),
    ("A^{-1} A C = C", MatMul(Inverse(A), A, C), C, P_),
    ("A C A^{-1} = C", A * C * Inverse(A), C, R_),
    ("(A C A^{-1})^2 = A C^2 A^{-1}", (A * C * Inverse(A)) ** 2, A * C**2 * Inverse(A), P_),
    ("push-through P(I+MP)^{-1} = (I+PM)^{-1}P", P * Inverse(Im + M * P), Inverse(I + P * M) * P, I_),
    ("push-through truncated: P(I+MP)^{-1} = P - PMP", P * Inverse(Im + M * P), P - P * M * P, R_),
    ("Woodbury", Inverse(A + U * K * V), woodbury(Inverse(K) + V * Inverse(A) * U), I_),
    ("Woodbury with K for K^{-1}", Inverse(A + U * K * V), woodbury(K + V * Inverse(A) * U), R_),
    ("Woodbury with the wrong sign", Inverse(A + U * K * V),
     Inverse(A) + Inverse(A) * U * Inverse(Inverse(K) + V * Inverse(A) * U) * V * Inverse(A), R_),
    ("Sherman-Morrison", Inverse(A + x * y.T),
     Inverse(A) - Inverse(A) * x * y.T * Inverse(A) / (1 + Trace(y.T * Inverse(A) * x)), I_),
    ("(A^{-1}+B^{-1})^{-1} = B (A+B)^{-1} A", Inverse(Inverse(A) + Inverse(B)), B * Inverse(A + B) * A, I_),
    ("(A+B)^{-1} = A^{-1} + B^{-1}", Inverse(A + B), Inverse(A) + Inverse(B), R_),
    ("(S^{-1})^T = S^{-1}", Transpose(Inverse(S)), Inverse(S), P_),
    ("(A A^T)^{-1} = A^{-T} A^{-1}", Inverse(A * A.T), Inverse(A.T) * Inverse(A), P_),
    ("(A A^T)^{-1} = A^{-1} A^{-T}", Inverse(A * A.T), Inverse(A) * Inverse(A.T), R_),
    # -- orthogonal
    ("Q^{-1} = Q^T", Inverse(Q), Q.T, P_),
    ("Q^T Q = I", Q.T * Q, I, P_),
    ("Q Q^T = I", Q * Q.T, I, P_),
    ("C^T C = I, C not orthogonal", C.T * C, I, R_),
    ("(QR)^T (QR) = I", Transpose(Q * R) * (Q * R), I, P_),
    ("(Q+R)^T (Q+R) = 2I", Transpose(Q + R) * (Q + R), 2 * I, R_),
    ("tr(Q C Q^T) = tr C", Trace(Q * C * Q.T), Trace(C), P_),
    ("(Qx)^T (Qx) = x^T x", Transpose(Q * x) * (Q * x), x.T * x, P_),
    ("(Cx)^T (Cx) = x^T x", Transpose(C * x) * (C * x), x.T * x, R_),
    ("det(Q)^2 = 1", Determinant(Q) ** 2, 1, I_),
    ("det Q = 1", Determinant(Q), 1, R_),
    ("Q^2 = I", Q**2, I, R_),
    # -- traces
    ("tr(CD) = tr(DC)", Trace(C * D), Trace(D * C), P_),
    ("tr(CDE) = tr(DEC)", Trace(C * D * E), Trace(D * E * C), P_),
    ("tr(CDE) = tr(ECD)", Trace(C * D * E), Trace(E * C * D), P_),
    ("tr(CDE) = tr(CED), not cyclic", Trace(C * D * E), Trace(C * E * D), R_),
    ("tr(CDE) = tr(E^T D^T C^T)", Trace(C * D * E), Trace(E.T * D.T * C.T), P_),
    ("tr(C^T) = tr C", Trace(C.T), Trace(C), P_),
    ("tr(C+D) = tr C + tr D", Trace(C + D), Trace(C) + Trace(D), P_),
    ("tr(cC) = c tr C", Trace(c * C), c * Trace(C), P_),
    ("tr(CD) = tr C tr D", Trace(C * D), Trace(C) * Trace(D), R_),
    ("tr(PM) = tr(MP), non-square", Trace(P * M), Trace(M * P), P_),
    ("tr(I_n) = n", Trace(I), n, P_),
    ("tr(I_n) = m", Trace(I), m, R_),
    ("tr(A^{-1} C A) = tr C", Trace(Inverse(A) * C * A), Trace(C), P_),
    ("tr(C^{-1} D C) = tr D, invertibility not declared", Trace(Inverse(C) * D * C), Trace(D), I_),
    ("tr(x y^T) = y^T x", Trace(x * y.T), y.T * x, P_),
    ("tr(x x^T C) = x^T C x", Trace(x * x.T * C), x.T * C * x, P_),
    ("tr(x x^T C) = x^T C^T x", Trace(x * x.T * C), x.T * C.T * x, P_),
    ("tr(x y^T C) = x^T C y", Trace(x * y.T * C), x.T * C * y, R_),
    ("tr(x y^T C) = y^T C x", Trace(x * y.T * C), y.T * C * x, P_),
    ("tr(1 1^T) = n", Trace(OneMatrix(n, n)), n, P_),
    ("1^T 1 = n", OneMatrix(1, n) * OneMatrix(n, 1), n, P_),
    ("tr(C^2) = tr(C)^2", Trace(C**2), Trace(C) ** 2, R_),
    ("tr(ST) = tr(TS)", Trace(S * T), Trace(T * S), P_),
    ("tr(S^{-1} S) = n", Trace(MatMul(Inverse(S), S)), n, P_),
    # -- diagonal matrices
    ("GH = HG, both diagonal", G * H, H * G, P_),
    ("tr(G C) = tr(C G)", Trace(G * C), Trace(C * G), P_),
    ("G C = C G", G * C, C * G, R_),
    ("G^T = G", G.T, G, P_),
    ("G H G^{-1}... GHC = HGC", G * H * C, H * G * C, P_),
    ("diag(x) diag(y) = diag(y) diag(x)", DiagMatrix(x) * DiagMatrix(y), DiagMatrix(y) * DiagMatrix(x), P_),
    ("diag(x) C = C diag(x)", DiagMatrix(x) * C, C * DiagMatrix(x), R_),
    ("diag(x)^T = diag(x)", DiagMatrix(x).T, DiagMatrix(x), P_),
    ("diag(2x) = 2 diag(x)", DiagMatrix(2 * x), 2 * DiagMatrix(x), P_),
    ("diag(x) y = diag(y) x", DiagMatrix(x) * y, DiagMatrix(y) * x, I_),
    ("diag(x+y) = diag(x) + diag(y)", DiagMatrix(x + y), DiagMatrix(x) + DiagMatrix(y), I_),
    ("diag(x) diag(y) = diag(x+y)", DiagMatrix(x) * DiagMatrix(y), DiagMatrix(x + y), R_),
    ("diag(f(x)) y = diag(y) f(x)", DiagMatrix(x.applyfunc(f)) * y, DiagMatrix(y) * x.applyfunc(f), I_),
    ("diag(f(x))^T = diag(f(x))", DiagMatrix(x.applyfunc(f)).T, DiagMatrix(x.applyfunc(f)), P_),
    ("f(x)^T y = y^T f(x)", x.applyfunc(f).T * y, y.T * x.applyfunc(f), P_),
    ("f(2x) = 2 f(x)", (2 * x).applyfunc(f), 2 * x.applyfunc(f), R_),
    # -- determinants
    ("det(cC) = c^n det C", Determinant(c * C), c**n * Determinant(C), P_),
    ("det(cC) = c det C", Determinant(c * C), c * Determinant(C), R_),
    ("det(-C) = (-1)^n det C", Determinant(-C), (-1) ** n * Determinant(C), P_),
    ("det(CD) = det C det D", Determinant(C * D), Determinant(C) * Determinant(D), P_),
    ("det(CD) = det(DC)", Determinant(C * D), Determinant(D * C), P_),
    ("det(PM) = det(MP), non-square", Determinant(P * M), Determinant(M * P), R_),
    ("det(C+D) = det C + det D", Determinant(C + D), Determinant(C) + Determinant(D), R_),
    ("det(CD) = det C + det D", Determinant(C * D), Determinant(C) + Determinant(D), R_),
    ("det(C^T) = det C", Determinant(C.T), Determinant(C), P_),
    ("det(A^{-1}) = 1/det A", Determinant(Inverse(A)), 1 / Determinant(A), P_),
    ("det(A B A^{-1}) = det B", Determinant(A * B * Inverse(A)), Determinant(B), P_),
    ("det(A^{-1} C A) = det C", Determinant(Inverse(A) * C * A), Determinant(C), P_),
    ("det(I_n) = 1", Determinant(I), 1, P_),
    ("det(2 I_n) = 2^n", Determinant(2 * I), 2**n, P_),
    ("det((C+D)(C-D)) = det(C+D) det(C-D)", Determinant((C + D) * (C - D)),
     Determinant(C + D) * Determinant(C - D), P_),
    ("det((C+D)(C-D)) = det(C^2 - D^2)", Determinant((C + D) * (C - D)), Determinant(C**2 - D**2), R_),
    ("det(A A^T) = det(A)^2", Determinant(A * A.T), Determinant(A) ** 2, P_),
    ("det(S^{-1}) det S = 1", Determinant(Inverse(S)) * Determinant(S), 1, P_),
    ("log det(ST) = log det S + log det T", log(Determinant(S * T)), log(Determinant(S)) + log(Determinant(T)), P_),
    ("log det(S^{-1}) = -log det S", log(Determinant(Inverse(S))), -log(Determinant(S)), P_),
    ("det(I + x y^T) = 1 + y^T x", Determinant(I + x * y.T), 1 + Trace(y.T * x), I_),
    ("det(I + x y^T) = 1 + n y^T x", Determinant(I + x * y.T), 1 + n * Trace(y.T * x), R_),
    # -- noncommutative polynomials
    ("(C+D)^2 = C^2 + 2CD + D^2", (C + D) ** 2, C**2 + 2 * C * D + D**2, R_),
    ("(C+D)^2 = C^2 + CD + DC + D^2", (C + D) ** 2, C**2 + C * D + D * C + D**2, P_),
    ("(C+D)(C-D) = C^2 - D^2", (C + D) * (C - D), C**2 - D**2, R_),
    ("(C+D)(C-D) = C^2 - CD + DC - D^2", (C + D) * (C - D), C**2 - C * D + D * C - D**2, P_),
    ("(G+H)^2 = G^2 + 2GH + H^2, diagonal", (G + H) ** 2, G**2 + 2 * G * H + H**2, P_),
    ("(C+I)^2 = C^2 + 2C + I", (C + I) ** 2, C**2 + 2 * C + I, P_),
    ("CD = DC", C * D, D * C, R_),
    ("C(D+E) = CD + CE", C * (D + E), C * D + C * E, P_),
    ("(CD)^T (CD) = D^T C^T C D", Transpose(C * D) * (C * D), D.T * C.T * C * D, P_),
    ("C C^T = C^T C", C * C.T, C.T * C, R_),
    ("(A^{-1} C A)^3 = A^{-1} C^3 A", (Inverse(A) * C * A) ** 3, Inverse(A) * C**3 * A, P_),
    ("C - C = 0", C - C, ZeroMatrix(n, n), P_),
    ("C - D = 0", C - D, 0, R_),
    # -- quadratic forms and scalars
    ("(x+y)^T C (x+y) = x^T C x + 2 x^T C y + y^T C y", Transpose(x + y) * C * (x + y),
     x.T * C * x + 2 * x.T * C * y + y.T * C * y, R_),
    ("(x+y)^T S (x+y) = x^T S x + 2 x^T S y + y^T S y", Transpose(x + y) * S * (x + y),
     x.T * S * x + 2 * x.T * S * y + y.T * S * y, P_),
    ("(x+y)^T C (x+y) expanded in four terms", Transpose(x + y) * C * (x + y),
     x.T * C * x + x.T * C * y + y.T * C * x + y.T * C * y, P_),
    ("(x-mu)^T S^{-1} (x-mu) = tr(S^{-1} (x-mu)(x-mu)^T)", Transpose(x - mu) * Inverse(S) * (x - mu),
     Trace(Inverse(S) * (x - mu) * Transpose(x - mu)), P_),
    ("completing the square with S^{-1}", Transpose(x - mu) * Inverse(S) * (x - mu),
     x.T * Inverse(S) * x - 2 * mu.T * Inverse(S) * x + mu.T * Inverse(S) * mu, P_),
    ("completing the square with a non-symmetric A^{-1}", Transpose(x - mu) * Inverse(A) * (x - mu),
     x.T * Inverse(A) * x - 2 * mu.T * Inverse(A) * x + mu.T * Inverse(A) * mu, R_),
    ("x^T C x = x^T (C + C^T)/2 x", x.T * C * x, x.T * ((C + C.T) / 2) * x, P_),
    ("x^T C y = x^T C^T y", x.T * C * y, x.T * C.T * y, R_),
    ("(Ax)^T (Ax) = x^T A^T A x", Transpose(A * x) * (A * x), x.T * A.T * A * x, P_),
    ("c x^T y = x^T (c y)", c * (x.T * y), x.T * (c * y), P_),
    ("(x^T y)(y^T x) = (x^T y)^2", Trace(x.T * y) * Trace(y.T * x), Trace(x.T * y) ** 2, P_),
    ("x y^T z = (y^T z) x", MatMul(x, y.T, z), Trace(y.T * z) * x, P_),
    ("x y^T z = z y^T x", MatMul(x, y.T, z), MatMul(z, y.T, x), R_),
    ("KL trace formula, two forms", kl(True), kl(False), P_),
    ("KL with log det ratio inverted", kl(True), kl(False, log_sign=-1), R_),
    ("KL without the -d", kl(True), kl(False) + d / 2, R_),
    # -- ordered products
    ("peel the first factor (L > l)", OrderedProduct(Ak(k), (k, L, l + 1)),
     MatMul(Ak(L), OrderedProduct(Ak(k), (k, L - 1, l + 1))), I_),
    ("peel the first factor on the wrong side", OrderedProduct(Bk(k), (k, L, l + 1)),
     MatMul(OrderedProduct(Bk(k), (k, L - 1, l + 1)), Bk(L)), R_),
    ("transpose of a descending product is ascending", Transpose(OrderedProduct(Bk(k), (k, L, l))),
     OrderedProduct(Transpose(Bk(k)), (k, l, L), step=1), I_),
    ("transpose of a descending product, order kept", Transpose(OrderedProduct(Bk(k), (k, L, l))),
     OrderedProduct(Transpose(Bk(k)), (k, L, l)), R_),
    ("product with whole-number bounds", OrderedProduct(Bk(k), (k, 3, 1)), Bk(3) * Bk(2) * Bk(1), P_),
    ("product with whole-number bounds, ascending order", OrderedProduct(Bk(k), (k, 3, 1)),
     Bk(1) * Bk(2) * Bk(3), R_),
]


@pytest.mark.parametrize("name, lhs, rhs, expected", TABLE, ids=[row[0] for row in TABLE])
def test_relation(name, lhs, rhs, expected):
    proved = prove_equal(lhs, rhs, FACTS)
    result = check_on_instances(lhs, rhs, FACTS, seed=7)
    if expected == P_:
        assert proved, f"the normal form should prove {name}"
        assert result.status is InstanceStatus.EQUAL, result.reason
    elif expected == I_:
        assert not proved, f"{name} needs more than the normal form and the declared facts"
        assert result.status is InstanceStatus.EQUAL, result.reason
        assert len(result.sizes) >= 4 and max(max(s.values(), default=1) for s in result.sizes) >= 5
    else:
        assert not proved, f"{name} is false but was proved"
        assert result.status is InstanceStatus.UNEQUAL, result.reason
        _assert_genuine(result.counterexample)


def _assert_genuine(counterexample) -> None:
    """The drawn matrices have their declared properties, and the two values differ."""
    for leaf, value in counterexample.instance.matrices.items():
        assert satisfies(value, FACTS.properties(leaf))
    lhs, rhs = counterexample.lhs, counterexample.rhs
    if hasattr(lhs, "shape") and hasattr(rhs, "shape"):
        assert lhs.shape != rhs.shape or any(numbers_equal(a, b) is False for a, b in zip(lhs, rhs))
    else:
        assert numbers_equal(lhs, rhs) is False


def test_table_is_large_and_balanced():
    outcomes = [row[3] for row in TABLE]
    assert len(TABLE) >= 100
    assert outcomes.count(R_) >= 35 and outcomes.count(P_) >= 50 and outcomes.count(I_) >= 8


# -- the normal form is not too permissive ------------------------------------------


def test_a_commuting_normal_form_would_be_caught(monkeypatch):
    """Sorting the letters of every word (treating matrices as commuting) proves false rows of the table."""
    original = Normalizer._cancel_and_sort

    def commuting(self, word):
        return tuple(sorted(original(self, word), key=lambda letter: letter.key))

    monkeypatch.setattr(Normalizer, "_cancel_and_sort", commuting)
    wrongly_proved = [name for name, lhs, rhs, expected in TABLE if expected == R_ and prove_equal(lhs, rhs, FACTS)]
    assert {"CD = DC", "tr(CDE) = tr(CED), not cyclic", "(AB)^{-1} = A^{-1} B^{-1}"} <= set(wrongly_proved)


def test_cancelling_undeclared_inverses_would_be_caught(monkeypatch):
    """Treating every square matrix as invertible proves what the table says needs instances."""
    monkeypatch.setattr(MatrixFacts, "is_invertible", lambda self, leaf: True)
    assert prove_equal(MatMul(C, Inverse(C)), I, FACTS)
    assert prove_equal(Inverse(C * D), Inverse(D) * Inverse(C), FACTS)


def test_an_instance_checker_that_always_agrees_would_be_caught(monkeypatch):
    import symderive.matrix_instances as instances

    monkeypatch.setattr(instances, "_values_equal", lambda a, b: True)
    assert check_on_instances(C * D, D * C, FACTS).status is InstanceStatus.EQUAL  # the table's row would fail


def test_facts_are_needed_for_each_simplification():
    nothing = MatrixFacts()
    assert not prove_equal(S.T, S, nothing)
    assert not prove_equal(Q.T * Q, I, nothing)
    assert not prove_equal(G * H, H * G, nothing)
    assert not prove_equal(Inverse(A * B), Inverse(B) * Inverse(A), nothing)
    assert not prove_equal(log(Determinant(S * T)), log(Determinant(S)) + log(Determinant(T)), nothing)


def test_declarations_need_square_matrices():
    with pytest.raises(ValueError):
        MatrixFacts(symmetric={P})
    with pytest.raises(TypeError):
        MatrixFacts(invertible={"A"})


def test_unsupported_input_is_not_proved():
    assert prove_equal(Transpose(C), "C", FACTS) is False
    assert prove_equal(C, 1, FACTS) is False  # a matrix is not the number 1
    assert prove_equal(Trace(P), 0, FACTS) is False  # trace of a non-square matrix


def test_a_matrix_compared_with_a_nonzero_scalar_is_undecided():
    assert check_on_instances(C, 1, FACTS, sizes=[3]).status is InstanceStatus.UNDECIDED


# -- the normal form itself ------------------------------------------------------------


def test_normal_form_of_a_product_of_sums():
    form = normal_form((C + D) * (C - D), FACTS)
    assert isinstance(form, MatPoly) and len(form.terms) == 4
    assert sorted(str(coefficient) for _, coefficient in form.terms) == ["-1", "-1", "1", "1"]


def test_normal_form_of_a_scalar_shares_trace_atoms():
    form = normal_form(Trace(C * D * E) + Trace(E * C * D), FACTS)
    (atom,) = form.free_symbols
    assert form == 2 * atom


def test_transposes_and_inverses_are_pushed_to_the_leaves():
    form = normal_form(Transpose(Inverse(A * B)), FACTS)
    ((word, coefficient),) = form.terms
    assert coefficient == 1
    assert [(str(letter.base), letter.transposed, letter.inverted) for letter in word] == [
        ("A", True, True), ("B", True, True)]


# -- ordered products and indexed matrices -------------------------------------------------


def test_ordered_product_shape_and_latex():
    product = OrderedProduct(Ak(k), (k, L, l + 1))
    assert product.shape == (sizes[L], sizes[l])
    assert latex(product) == r"\prod_{k=L}^{l + 1} A_{k}"
    assert product.count == L - l


def test_ordered_product_doit_at_whole_numbers():
    product = OrderedProduct(Ak(k), (k, L, l + 1)).xreplace({L: 4, l: 1})
    assert product.doit() == MatMul(Ak(4), Ak(3), Ak(2)).doit()
    assert OrderedProduct(Ak(k), (k, 2, 3)).doit() == Identity(sizes[2])  # empty: L = l
    with pytest.raises(ValueError):
        OrderedProduct(Ak(k), (k, 1, 5)).doit()


def test_ordered_product_must_chain():
    with pytest.raises(Exception):
        OrderedProduct(MatrixFamily("X", k, sizes[k], sizes[k + 1])(k), (k, L, l))


def test_indexed_matrix_shape_follows_its_index():
    member = Ak(L)
    assert isinstance(member, IndexedMatrix) and member.shape == (sizes[L], sizes[L - 1])
    assert member.xreplace({L: 3}).shape == (sizes[3], sizes[2])


def test_families_carry_facts():
    facts = MatrixFacts(invertible={Bk})
    assert prove_equal(MatMul(Bk(L), Inverse(Bk(L))), I, facts)
    assert not prove_equal(MatMul(Bk(L), Inverse(Bk(L - 1))), I, facts)


# -- instance sizes --------------------------------------------------------------------------


def test_instances_reach_large_sizes_and_keep_shared_dimensions_consistent():
    result = check_on_instances(Trace(P * M), Trace(M * P), FACTS, seed=3)
    assert result.status is InstanceStatus.EQUAL
    assert max(max(s.values()) for s in result.sizes) >= 9
    assert any(s["m"] != s["n"] for s in result.sizes)


def test_explicit_sizes():
    result = check_on_instances(C * D, D * C, FACTS, sizes=[1])
    assert result.status is InstanceStatus.EQUAL  # 1x1 matrices commute: the sizes matter
    assert check_on_instances(C * D, D * C, FACTS, sizes=[1, 3]).status is InstanceStatus.UNEQUAL


def test_counterexample_is_described_with_explicit_matrices():
    result = check_on_instances(C * D, D * C, FACTS)
    text = result.counterexample.instance.describe()
    assert "C = [[" in text and "D = [[" in text


def test_drawn_matrices_satisfy_their_facts():
    result = check_on_instances(S * Q * G * W * A, Transpose(S * Q * G * W * A), FACTS, sizes=[5])
    for leaf, value in result.counterexample.instance.matrices.items():
        assert satisfies(value, FACTS.properties(leaf)), leaf


def test_satisfies_detects_violations():
    from sympy import ImmutableMatrix

    assert not satisfies(ImmutableMatrix([[1, 2], [3, 4]]), frozenset({"symmetric"}))
    assert not satisfies(ImmutableMatrix([[1, 2], [2, 1]]), frozenset({"positive_definite"}))
    assert not satisfies(ImmutableMatrix([[1, 1], [0, 1]]), frozenset({"orthogonal"}))
    assert satisfies(ImmutableMatrix([[0, 1], [1, 0]]), frozenset({"orthogonal", "symmetric"}))


def test_numbers_equal_is_exact():
    assert numbers_equal(log(Rational(12, 35)), log(4) + log(3) - log(5) - log(7)) is True
    assert numbers_equal(log(6), log(2) + log(3) + Rational(1, 10**40)) is False
    assert numbers_equal(log(2) * log(3), log(3) * log(2)) is True


def test_strings_are_never_parsed():
    from sympy import SympifyError

    assert prove_equal("C*D", "D*C", FACTS) is False
    with pytest.raises(SympifyError):
        check_on_instances("C", C, FACTS)
    with pytest.raises(SympifyError):
        MatrixFamily("A", k, "n", n)(1)


# -- the normal form against the instances, on random expressions ----------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SQUARE_LEAVES = [A, B, C, D, S, Q, G, W]
DEFINED_INVERSES = [A, B, S, Q, G + 3 * I]  # invertible by the facts (G + 3I is not: the instances may say so)


def _matrices(depth: int):
    leaf = st.sampled_from(SQUARE_LEAVES)
    if depth == 0:
        return leaf
    smaller = _matrices(depth - 1)
    return st.one_of(
        leaf,
        st.builds(lambda a, b: a * b, smaller, smaller),
        st.builds(lambda a, b: a + b, smaller, smaller),
        st.builds(lambda a: Transpose(a), smaller),
        st.builds(lambda a: Inverse(a), st.sampled_from(DEFINED_INVERSES[:4])),
        st.builds(lambda c_, a: c_ * a, st.sampled_from([2, -1, Rational(1, 3), c]), smaller),
    )


def _mutations(expr):
    """Rewrites of ``expr``: some true (double transposition, trace rotation), some usually false (a swap)."""
    yield Transpose(Transpose(expr))
    if isinstance(expr, MatMul):
        coefficient, args = expr.as_coeff_matrices()
        if len(args) >= 2:
            yield coefficient * MatMul(*args[1:], args[0])  # a rotation: equal only under a trace or by chance
            yield coefficient * MatMul(*reversed(args))
            yield coefficient * Transpose(MatMul(*[Transpose(a) for a in reversed(args)]))  # equal


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_matrices(2), st.integers(min_value=0, max_value=3), st.booleans())
def test_what_the_normal_form_proves_holds_on_instances(expr, choice, under_trace):
    candidates = list(_mutations(expr))
    other = candidates[choice % len(candidates)]
    lhs, rhs = (Trace(expr), Trace(other)) if under_trace else (expr, other)
    if prove_equal(lhs, rhs, FACTS):
        result = check_on_instances(lhs, rhs, FACTS, sizes=[2, 3, 4])
        assert result.status is not InstanceStatus.UNEQUAL, (lhs, rhs, result.reason)
