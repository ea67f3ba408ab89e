"""The derived Gaussian density and KL divergence against scipy and torch (CI installs both)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[torch]' (torch==2.13.0)")
pytest.importorskip("scipy", reason="scipy is not installed (it comes with the test extra)")

from conftest import ROOT  # noqa: E402
from symderive import derive  # noqa: E402
from symderive.crosscheck import densities  # noqa: E402
from symderive.results import affine_gaussian as AG  # noqa: E402
from symderive.results import kl_gaussian as KG  # noqa: E402


@pytest.fixture(scope="module")
def affine():
    return densities.affine_gaussian(derive("affine-gaussian").result, AG.n, AG.A, AG.b, AG.x, seed=1)


@pytest.fixture(scope="module")
def divergence():
    result = derive("kl-gaussian").result
    return densities.kl_gaussian(result, KG.d, KG.Sigma_0, KG.Sigma_1, KG.mu_0, KG.mu_1, seed=1)


def test_the_derived_density_is_scipys_and_torchs_log_density(affine):
    assert {c.size for c in affine} == set(densities.AFFINE_SIZES) == {1, 2, 3, 4, 5}
    assert {c.library.split()[0] for c in affine} == {"scipy.stats.multivariate_normal.logpdf", "torch"}
    assert densities.agrees(affine), densities.table(affine, "affine-gaussian")
    assert max(c.relative_error for c in affine) <= 1e-9


def test_the_density_check_can_fail(affine):
    """A^T A in place of A A^T gives other log densities wherever n > 1."""
    assert densities.wrong_rejected(affine)
    assert all(c.wrong is None for c in affine if c.size == 1)


def test_the_derived_divergence_is_torchs_kl_divergence(divergence):
    assert [c.size for c in divergence] == [2, 3, 4, 5, 6]
    assert densities.agrees(divergence), densities.table(divergence, "kl-gaussian")
    assert max(c.relative_error for c in divergence) <= 1e-9


def test_the_divergence_check_can_fail(divergence):
    assert densities.wrong_rejected(divergence)
    shifted = [densities.Comparison(c.size, c.predicted + 1e-6 * abs(c.measured), c.measured, c.library, c.wrong)
               for c in divergence]
    assert not densities.agrees(shifted)


def test_the_command_prints_predicted_against_measured():
    done = subprocess.run([sys.executable, "-m", "symderive.cli", "crosscheck", "kl-gaussian", "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["agrees"] and data["wrong_variant_rejected"]
    assert {"size", "predicted", "measured", "relative_error", "library"} == set(data["comparisons"][0])
