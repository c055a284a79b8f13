"""The Examples sections of the preprocessing and dataset docstrings run as shown."""

import doctest
import importlib

import pytest

MODULES = [
    "skrnn.preprocessing._windows",
    "skrnn.preprocessing._forecast",
    "skrnn.preprocessing._scaler",
    "skrnn.preprocessing._ragged",
    "skrnn.preprocessing._layout",
    "skrnn.datasets._airline",
    "skrnn.datasets._synthetic",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
