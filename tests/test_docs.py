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


@pytest.fixture(scope="module")
def built_html(tmp_path_factory):
    """The HTML documentation, built once for this module; (build result, html dir)."""
    tmp_path = tmp_path_factory.mktemp("docs")
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns(*GENERATED))
    examples_ignore = shutil.ignore_patterns("output", "__pycache__")
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=examples_ignore)
    html = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-D", "plot_gallery=0", str(tmp_path / "docs"), str(html)],
        capture_output=True, text=True, timeout=900,
    )
    return result, html


def test_docs_build_with_warnings_as_errors(built_html):
    result, html = built_html
    assert result.returncode == 0, result.stderr[-5000:]

    missing = [n for n in public_names() if not (html / "gen_modules" / f"{n}.html").exists()]
    assert not missing, f"public names without an API reference page: {missing}"
    for script in ROOT.glob("examples/plot_*.py"):
        assert (html / "auto_examples" / f"{script.stem}.html").exists()
    for page in ("install", "quick_start", "changelog", "user_guide/windows_scaling",
                 "user_guide/progress", "user_guide/saving", "user_guide/gpu",
                 "user_guide/selection", "user_guide/reliability", "user_guide/benchmarks"):
        assert (html / f"{page}.html").exists()


def _check_layout():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import check_layout
    finally:
        sys.path.pop(0)
    return check_layout


def test_no_page_loads_assets_from_the_internet(built_html):
    _, html = built_html
    assert _check_layout().remote_assets(html) == []


# the pages with the widest code blocks and the selector report
WIDE_PAGES = ("user_guide/progress", "user_guide/selection", "user_guide/benchmarks",
              "user_guide/data_shapes", "index")


def test_code_blocks_are_not_cut_off_at_1280_px(built_html):
    _, html = built_html
    check_layout = _check_layout()
    browser = check_layout.find_browser()
    if browser is None:
        # no headless browser here (apt-get install chromium): the rule that
        # keeps code blocks inside the page must at least be in the built CSS
        css = (html / "_static" / "skrnn.css").read_text()
        assert "white-space: pre-wrap" in css
        assert all('_static/skrnn.css' in (html / f"{p}.html").read_text() for p in WIDE_PAGES)
        return
    problems = {page: check_layout.layout_problems(browser, html / f"{page}.html")
                for page in WIDE_PAGES}
    assert not any(problems.values()), problems
