r"""``E[F] = E[G]`` in check because ``F = G`` for every value of the declared random vectors (the seed's
problem 6: the logarithm of a ratio of Gaussian densities expanded under E)."""
from __future__ import annotations

import pytest

from symderive.check import Settings, check_document
from symderive.latex_in.document import parse_document

GAUSSIANS = (
    "scalar d : positive integer",
    r"matrix \Sigma_0, \Sigma_1 : d x d, positive definite",
    "matrix A : d x d, invertible",
    r"vector x, \mu_0, \mu_1 : d",
    "read |A| as det",
    r"random x ~ N(\mu_0, \Sigma_0)",
)
RATIO = (r"\mathbb{E} \left[-\log \frac{\frac{1}{\sqrt{(2\pi)^d |\Sigma_1|}} \exp \left(-\frac{1}{2} (x-\mu_1)^T "
         r"\Sigma_1^{-1} (x-\mu_1) \right)}{\frac{1}{\sqrt{(2\pi)^d |\Sigma_0|}} \exp \left(-\frac{1}{2} (x-\mu_0)^T "
         r"\Sigma_0^{-1} (x-\mu_0) \right)} \right]")
QUADRATIC_0 = r"\mathbb{E} \left[-\frac{1}{2} (x-\mu_0)^T \Sigma_0^{-1} (x-\mu_0) \right]"
QUADRATIC_1 = r"\mathbb{E} \left[\frac{1}{2} (x-\mu_1)^T \Sigma_1^{-1} (x-\mu_1) \right]"
LOGS = r"\frac{1}{2} \mathbb{E} \left[\log \frac{|\Sigma_0|}{|\Sigma_1|} \right]"


@pytest.fixture(autouse=True)
def no_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDERIVE_CACHE_DIR", str(tmp_path / "default-cache"))


def entry(relation: str, directives: tuple[str, ...] = GAUSSIANS):
    text = "".join(f"<!-- symderive: {d} -->\n" for d in directives) + f"$${relation}$$\n"
    report = check_document(parse_document(text, "t.md"), Settings(timeout=30.0))
    (found,) = [e for e in report.entries if e.relation not in ("directive", "")]
    return found, report


def test_the_log_of_a_ratio_of_gaussian_densities_is_expanded_under_e():
    found, report = entry(f"{RATIO} = {QUADRATIC_0} + {QUADRATIC_1} - {LOGS}")
    assert found.verdict in ("verified", "plausible") and "pointwise identity under E" in found.reason
    assert any("expectations written exist" in c for c in report.conventions)


@pytest.mark.parametrize("rhs", [
    f"{QUADRATIC_0} + {QUADRATIC_1} + {LOGS}",  # a sign lost
    f"{QUADRATIC_0} + {QUADRATIC_1}",  # a term lost
    r"-\frac{1}{2} (x-\mu_0)^T \Sigma_0^{-1} (x-\mu_0) + " + f"{QUADRATIC_1} - {LOGS}",  # E lost on a random term
])
def test_a_wrong_expansion_is_not_verified(rhs):
    found, _ = entry(f"{RATIO} = {rhs}")
    assert found.verdict not in ("verified", "plausible"), found.reason


def test_a_random_coefficient_is_not_taken_inside():
    found, _ = entry(r"\mathbb{E}\left[x^T A x\right] \mathbb{E}\left[x^T x\right] = \mathbb{E}\left[x^T A x \, x^T x\right]")
    assert found.verdict not in ("verified", "plausible"), found.reason
