"""Sphinx configuration for the skrnn documentation.

Build with ``python3 dev.py docs`` (warnings are errors). Nothing is
downloaded, at build time or when reading: there is no intersphinx mapping,
sphinx-gallery runs the examples locally (``-D plot_gallery=0`` skips running
them), and there is no MathJax (it would load from a CDN; the one formula is
written in plain text). ``docs/check_layout.py`` checks the built pages at
1280 px in headless Chromium.
"""

import os
import re
from pathlib import Path

import skrnn

HERE = Path(__file__).parent
# sphinx-gallery runs the examples without ``__file__``: tell them where
# their plots go (the scripts' own default, examples/output/).
os.environ.setdefault("SKRNN_OUTPUT", str(HERE.parent / "examples" / "output"))

project = "skrnn"
author = "skrnn developers"
copyright = "2026, skrnn developers"
release = skrnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
autosummary_generate = True
autodoc_default_options = {
    "members": True,
    "inherited-members": True,
    # metadata-routing plumbing, and set_output (unavailable without feature names)
    "exclude-members": "get_metadata_routing, set_fit_request, set_predict_request, "
    "set_score_request, set_transform_request, set_inverse_transform_request, set_output",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Fail the build when a documented parameter is missing, unknown or out of order.
numpydoc_validation_checks = {"PR01", "PR02", "PR03"}
numpydoc_validation_exclude = {r"^sklearn\.", r"\.set_params$", r"\.get_params$"}

html_theme = "pydata_sphinx_theme"
# Code blocks and the selector report wrap at the page width instead of being
# cut off or scrolled (docs/check_layout.py checks it in a browser).
html_static_path = ["_static"]
html_css_files = ["skrnn.css"]
html_title = f"skrnn {release}"
html_theme_options = {
    "navbar_end": ["navbar-icon-links"],
    "secondary_sidebar_items": ["page-toc"],
    "show_prev_next": False,
}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "doc_module": ("skrnn",),
    "backreferences_dir": "gen_modules/backreferences",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    # sg_execution_times pages load jQuery and DataTables from CDNs
    "write_computation_times": False,
}

# Methods inherited from scikit-learn (get_params, score, ...) carry
# cross-references into scikit-learn's own docs; show their text instead.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^>]*>)?`")
# ... and their formulas as code: MathJax would be loaded from a CDN.
_SKLEARN_MATH = re.compile(r":math:`([^`]*)`")


def _unlink_sklearn_refs(app, what, name, obj, options, lines):
    if getattr(obj, "__module__", "").startswith("sklearn."):
        lines[:] = [_SKLEARN_MATH.sub(r"``\1``", _SKLEARN_ROLE.sub(r"\1", line))
                    for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_refs)
