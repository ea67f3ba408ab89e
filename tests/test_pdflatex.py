"""The emitted transcripts compile with pdflatex (CI installs it)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import ROOT

PDFLATEX = shutil.which("pdflatex")


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (CI installs texlive-latex-base)")
@pytest.mark.parametrize("name", ["init-variance.tex", "cnn-jacobian.tex", "all.tex"])
def test_transcript_compiles(name, tmp_path):
    for source in (ROOT / "derivations").glob("*.tex"):
        shutil.copy(source, tmp_path)
    done = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", name],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / name.replace(".tex", ".pdf")).exists()
