"""SymPy's LaTeX printer with the notation of the transcripts."""
from __future__ import annotations

from sympy import Basic
from sympy.printing.latex import LatexPrinter


class TranscriptPrinter(LatexPrinter):
    """Entries print as in the homework.

    An entry with one index is a subscript (``n[k]`` -> ``n_{k}``); with several,
    the first index names the layer, so ``A[l, i, j]`` -> ``(A_{l})_{ij}``.
    """

    def _print_Indexed(self, expr) -> str:
        base = self._print(expr.base.label)
        first, *rest = (self._print(index) for index in expr.indices)
        if not rest:
            return f"{base}_{{{first}}}"
        separator = "" if all(len(x) == 1 for x in rest) else ","
        return f"({base}_{{{first}}})_{{{separator.join(rest)}}}"


def to_latex(expr: Basic) -> str:
    return TranscriptPrinter().doprint(expr)
