"""Sphinx configuration for the skrnn documentation.

Build with ``python3 dev.py docs`` (warnings are errors). Nothing is
downloaded: there is no intersphinx mapping, and sphinx-gallery runs the
examples locally (``-D plot_gallery=0`` skips running them).
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
    "sphinx.ext.mathjax",
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
}

# Methods inherited from scikit-learn (get_params, score, ...) carry
# cross-references into scikit-learn's own docs; show their text instead.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^>]*>)?`")


def _unlink_sklearn_refs(app, what, name, obj, options, lines):
    if getattr(obj, "__module__", "").startswith("sklearn."):
        lines[:] = [_SKLEARN_ROLE.sub(r"\1", line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_refs)
