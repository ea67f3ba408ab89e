"""LaTeX in: the notation layer around latex2sympy2."""
from .parse import LatexInputError, Notation, parse_expression

__all__ = ["LatexInputError", "Notation", "parse_expression"]
