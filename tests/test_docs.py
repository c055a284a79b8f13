"""The documentation builds without a warning, and documents every public name.

The examples are not executed here (``-D plot_gallery=0``): test_examples.py
runs each of them in quick mode. The build works on a copy of ``docs/`` and
``examples/``, so it never writes into the source tree.
"""

import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import skrnn
import skrnn.datasets
import skrnn.exceptions
import skrnn.preprocessing

pytestmark = pytest.mark.slow  # a Sphinx build of the whole documentation

ROOT = Path(__file__).parents[1]
GENERATED = ("_build", "auto_examples", "gen_modules", "sg_execution_times.rst")


def public_names():
    """Dotted names of every public class and function (submodules are walked)."""
    for module in (skrnn, skrnn.preprocessing, skrnn.datasets, skrnn.exceptions):
        for name in module.__all__:
            if not name.startswith("__") and not inspect.ismodule(getattr(module, name)):
                yield f"{module.__name__}.{name}"


def test_docs_build_with_warnings_as_errors(tmp_path):
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns(*GENERATED))
    examples_ignore = shutil.ignore_patterns("output", "__pycache__")
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=examples_ignore)
    html = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-D", "plot_gallery=0", str(tmp_path / "docs"), str(html)],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-5000:]

    missing = [n for n in public_names() if not (html / "gen_modules" / f"{n}.html").exists()]
    assert not missing, f"public names without an API reference page: {missing}"
    for script in ROOT.glob("examples/plot_*.py"):
        assert (html / "auto_examples" / f"{script.stem}.html").exists()
    for page in ("install", "quick_start", "changelog", "user_guide/windows_scaling",
                 "user_guide/progress", "user_guide/saving", "user_guide/gpu",
                 "user_guide/selection", "user_guide/reliability", "user_guide/benchmarks"):
        assert (html / f"{page}.html").exists()
