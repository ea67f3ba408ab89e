"""LaTeX in: documents, directives and the notation layer around latex2sympy2."""
from .notation import Ambiguous, Declarations, LatexInputError, Reading, Undeclared, Unsupported, read_side
from .parse import Notation, parse_expression

__all__ = [
    "Ambiguous", "Declarations", "LatexInputError", "Notation", "Reading", "Undeclared", "Unsupported",
    "parse_expression", "read_side",
]
