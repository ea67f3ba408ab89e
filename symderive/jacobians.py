r"""Jacobians and matrices given entry by entry, for symbolic sizes.

* :class:`Jacobian` ``∂u/∂v``: the matrix of partial derivatives of the column vector ``u`` by the
  column vector ``v`` (numerator layout: ``n_u × n_v``).  The relation judge treats it as one opaque
  matrix (what it is depends on how ``u`` was computed from ``v``, which the judge does not know);
  derivations check steps about Jacobians with an explicit verifier on concrete instances.
* :class:`EntryMatrix` ``[e(i, j)]``: the ``rows × cols`` matrix whose entry ``(i, j)`` (1-based, as
  in the text) is ``e``; ``i`` and ``j`` are bound.  ``EntryMatrix.explicit`` writes it out once the
  sizes are numbers.

Vectors are :class:`~symderive.matrices.IndexedMatrix` columns (``y_k`` of size ``n_k × 1``); their
entries are the scalars ``IndexedBase(name)[k, i]`` (:func:`entry_of`), or ``IndexedBase(name)[k]``
for a ``1 × 1`` vector (a scalar parameter such as one bias per layer).
"""
from __future__ import annotations

from sympy import Basic, Expr, IndexedBase, Matrix, MatrixExpr, S, Symbol, Tuple
from sympy.core.sympify import _sympify  # strict: never parses strings

from .exprjson import register
from .matrices import IndexedMatrix


class Jacobian(MatrixExpr):
    """``∂of/∂wrt`` for column vectors ``of`` and ``wrt``: shape ``rows(of) × rows(wrt)``."""

    is_commutative = False
    opaque_in_normal_form = True  # one letter in the matrix normal form

    def __new__(cls, of, wrt):
        of, wrt = _sympify(of), _sympify(wrt)  # noqa: input-safe (strict: refuses strings)
        for vector in (of, wrt):
            if not (isinstance(vector, MatrixExpr) and vector.cols == 1):
                raise TypeError(f"a Jacobian is taken of and by column vectors, not {vector}")
        return Basic.__new__(cls, of, wrt)

    @property
    def of(self) -> MatrixExpr:
        return self.args[0]

    @property
    def wrt(self) -> MatrixExpr:
        return self.args[1]

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return self.of.rows, self.wrt.rows

    def _latex(self, printer, exp=None) -> str:
        tex = rf"\frac{{\partial {printer._print(self.of)}}}{{\partial {printer._print(self.wrt)}}}"
        return rf"\left({tex}\right)^{{{exp}}}" if exp is not None else tex

    def _sympystr(self, printer) -> str:
        return f"d{printer._print(self.of)}/d{printer._print(self.wrt)}"


class EntryMatrix(MatrixExpr):
    """The matrix with entry ``entry`` at ``(i, j)`` for ``1 <= i <= rows``, ``1 <= j <= cols``.

    ``EntryMatrix(e, (i, rows))`` is a column vector (``j`` absent).
    """

    is_commutative = False

    def __new__(cls, entry, row_limits, col_limits=None):
        entry = _sympify(entry)  # noqa: input-safe
        i, rows = (_sympify(x) for x in row_limits)  # noqa: input-safe
        if col_limits is None:
            col_limits = (Symbol("_column", integer=True, positive=True), 1)
        j, cols = (_sympify(x) for x in col_limits)  # noqa: input-safe
        if not (isinstance(i, Symbol) and isinstance(j, Symbol)) or i == j:
            raise TypeError("the row and column indices must be two different symbols")
        return Basic.__new__(cls, entry, Tuple(i, rows), Tuple(j, cols))

    @property
    def entry(self) -> Expr:
        return self.args[0]

    @property
    def row_index(self) -> Symbol:
        return self.args[1][0]

    @property
    def col_index(self) -> Symbol:
        return self.args[2][0]

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return self.args[1][1], self.args[2][1]

    @property
    def is_column(self) -> bool:
        return self.cols == 1 and not self.entry.has(self.col_index)

    @property
    def free_symbols(self) -> set:
        return (self.entry.free_symbols - {self.row_index, self.col_index}) | self.rows.free_symbols \
            | self.cols.free_symbols

    def ranges(self) -> dict[Symbol, tuple[Expr, Expr]]:
        """Each bound index with its range ``(1, size)``."""
        found = {self.row_index: (S.One, self.rows)}
        if not self.is_column:
            found[self.col_index] = (S.One, self.cols)
        return found

    def with_entry(self, entry: Expr) -> "EntryMatrix":
        return EntryMatrix(entry, self.args[1], self.args[2])

    def at(self, row: Expr, col: Expr = 1) -> Expr:
        """The entry at the 1-based position ``(row, col)``."""
        return self.entry.xreplace({self.row_index: _sympify(row), self.col_index: _sympify(col)})  # noqa: input-safe

    def _entry(self, i, j, **kwargs):  # SymPy's 0-based access (as_explicit)
        return self.at(i + 1, j + 1)

    def explicit(self) -> Matrix:
        """The entries written out; the sizes must be numbers."""
        rows, cols = self.shape
        if not (rows.is_Integer and cols.is_Integer):
            raise ValueError(f"the size {rows} x {cols} is not concrete")
        return Matrix(int(rows), int(cols), lambda r, c: self.at(r + 1, c + 1))

    def _latex(self, printer, exp=None) -> str:
        def limit(index: Symbol, size: Expr) -> str:
            return rf"1 \le {printer._print(index)} \le {printer._print(size)}"

        limits = [limit(self.row_index, self.rows)]
        if not self.is_column:
            limits.append(limit(self.col_index, self.cols))
        stacked = r" \\ ".join(limits)
        tex = rf"\left[{printer._print(self.entry)}\right]_{{\substack{{{stacked}}}}}"
        return rf"\left({tex}\right)^{{{exp}}}" if exp is not None else tex

    def _sympystr(self, printer) -> str:
        return f"[{printer._print(self.entry)}]_({self.row_index}<={self.rows}, {self.col_index}<={self.cols})"


def entry_of(vector: IndexedMatrix, position: Expr) -> Expr:
    """The scalar entry of a vector family member: ``y_k`` -> ``y[k, i]``; a ``1 × 1`` ``β_k`` -> ``β[k]``."""
    base = IndexedBase(vector.name)
    if vector.rows == 1:
        return base[vector.index]
    return base[vector.index, position]


def sketch(matrix: EntryMatrix) -> str:
    """A ``bmatrix`` of the first two and the last row and column, with dots between (symbolic sizes)."""
    from .render.printer import to_latex

    rows, cols = matrix.shape
    row_picks = [1, 2, None, rows]
    col_picks = [1, 2, None, cols] if not matrix.is_column else [1]

    def cell(r, c) -> str:
        if r is None and c is None:
            return r"\ddots"
        if r is None:
            return r"\vdots"
        if c is None:
            return r"\cdots"
        return to_latex(matrix.at(r, c))

    body = r" \\ ".join(" & ".join(cell(r, c) for c in col_picks) for r in row_picks)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def bmatrix(matrix: Matrix) -> str:
    """An explicit matrix as a ``bmatrix``."""
    from .render.printer import to_latex

    body = r" \\ ".join(" & ".join(to_latex(matrix[r, c]) for c in range(matrix.cols)) for r in range(matrix.rows))
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


# Allow-listed for JSON transcripts (symderive.exprjson), rebuilt without evaluation.
register(Jacobian, lambda of, wrt: Jacobian(of, wrt), 2, 2)
register(EntryMatrix, lambda entry, rows, cols: EntryMatrix(entry, tuple(rows), tuple(cols)), 3, 3)

__all__ = ["Jacobian", "EntryMatrix", "entry_of", "sketch", "bmatrix"]
