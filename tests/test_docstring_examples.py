"""Every Examples section in skrnn's docstrings runs as shown (doctest).

One test per docstring, found by ``doctest.DocTestFinder`` in every module of
the package, so a new Examples section is tested without being listed here.
"""

import doctest
import importlib
import pkgutil

import pytest

import skrnn


def _docstring_tests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = {}
    for info in pkgutil.walk_packages(skrnn.__path__, "skrnn."):
        module = importlib.import_module(info.name)
        for test in finder.find(module):
            if test.examples:
                found.setdefault(test.name, test)  # re-exported objects: once
    return sorted(found.values(), key=lambda t: t.name)


# Not slow: the estimator and selector examples train a few epochs (13 s in all).
TESTS = _docstring_tests()


def test_the_finder_sees_the_public_objects():
    names = {t.name for t in TESTS}
    assert {
        "skrnn.classifier.GRUClassifier",
        "skrnn.regressor.RecurrentRegressor",
        "skrnn.selection._selector.ArchitectureSelector",
        "skrnn.preprocessing._windows.make_windows",
    } <= names


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_docstring_example(test):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    test.globs = dict(test.globs)  # a fresh copy: examples must not leak into each other
    report = []
    if runner.run(test, out=report.append).failed:
        pytest.fail("".join(report), pytrace=False)
