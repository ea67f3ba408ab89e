"""The emitted transcripts compile with pdflatex (CI installs it)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import ROOT

PDFLATEX = shutil.which("pdflatex")


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (CI installs texlive-latex-base)")
@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "derivations").glob("*.tex")))
def test_transcript_compiles(name, tmp_path):
    for source in (ROOT / "derivations").glob("*.tex"):
        shutil.copy(source, tmp_path)
    done = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", name],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / name.replace(".tex", ".pdf")).exists()


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (CI installs texlive-latex-base)")
def test_the_collected_document_lists_every_derivation_in_its_contents(tmp_path):
    for source in (ROOT / "derivations").glob("*.tex"):
        shutil.copy(source, tmp_path)
    subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "all.tex"],
                   cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True)
    contents = (tmp_path / "all.toc").read_text(encoding="utf-8")
    from symderive import results

    for name in results.names():
        assert f"{{section}}{{{results.REGISTRY[name][0]}}}" in contents.replace(" {", "{"), contents
