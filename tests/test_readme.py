"""The README's example of a derivation of one's own runs as written."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ROOT


def _python_block_under(heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return block


def test_the_own_derivation_example_runs_and_shows_a_refuted_step(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(_python_block_under("## Writing your own derivation"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert "step 'mean of one draw' is refuted" in done.stdout
    assert r"\mathbb{E}[s] = 2" in done.stdout
    assert r"drawn from $U\left(0, 1\right)$" in done.stdout
