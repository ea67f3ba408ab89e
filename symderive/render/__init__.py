"""Rendering of derivations: LaTeX transcripts, JSON, Jupyter.  Rendering never computes maths."""
