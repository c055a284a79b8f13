"""The parameter table in skrnn._params is the one truth the estimators follow."""

import ast
import inspect
import re

import pytest
from conftest import ALL_ESTIMATORS, FIXED_CELL, WITH_CELL
from sklearn.base import is_classifier

from skrnn._module import RecurrentNetwork
from skrnn._params import DEFAULTS, PARAMS, parameter_docs


def table(Est):
    """The table's parameters that ``Est`` takes (fixed-cell classes have no ``cell``)."""
    task = "classifier" if is_classifier(Est()) else "regressor"
    return [p for p in PARAMS if (Est in WITH_CELL or p.name != "cell") and task in p.tasks]


def test_classifier_only_parameters_are_left_out_of_regressors():
    only = {p.name for p in PARAMS if p.tasks == ("classifier",)}
    assert "class_weight" in only
    for Est in ALL_ESTIMATORS:
        params = set(inspect.signature(Est).parameters)
        assert (only <= params) == is_classifier(Est()), Est
        assert ("class_weight :" in Est.__doc__) == is_classifier(Est()), Est


def test_table_names_are_unique():
    names = [p.name for p in PARAMS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("Est", ALL_ESTIMATORS)
def test_signature_follows_the_table(Est):
    signature = inspect.signature(Est)
    assert list(signature.parameters) == [p.name for p in table(Est)]
    for p in table(Est):
        parameter = signature.parameters[p.name]
        assert parameter.default is p.default
        kind = "POSITIONAL_OR_KEYWORD" if p.name == "cell" else "KEYWORD_ONLY"
        assert parameter.kind.name == kind
    assert Est().get_params() == {p.name: p.default for p in table(Est)}


@pytest.mark.parametrize("Est", ALL_ESTIMATORS)
def test_constraints_follow_the_table(Est):
    for p in PARAMS:
        assert Est._parameter_constraints[p.name] == list(p.constraints)


@pytest.mark.parametrize("Est", ALL_ESTIMATORS)
def test_docstring_documents_every_parameter(Est):
    # numpydoc's layout: "    name : type, default=value", the description below it
    section = Est.__doc__.split("Parameters\n    ----------\n")[1].split("\n    Attributes\n")[0]
    entries = re.findall(r"^    (\w+) : (.+), default=(.+)\n {8}\S", section, flags=re.MULTILINE)
    assert [name for name, _, _ in entries] == [p.name for p in table(Est)]
    for (_, type_, default), p in zip(entries, table(Est), strict=True):
        assert ast.literal_eval(default) == p.default


def test_parameter_docs_cover_the_table():
    text = "\n".join(parameter_docs(group) for group in ("cell", "network", "training", "runtime"))
    for p in PARAMS:
        assert f"{p.name} : " in text


@pytest.mark.parametrize("Est", ALL_ESTIMATORS)
def test_misspelled_keyword_names_the_class(Est):
    message = rf"^{Est.__name__}\.__init__\(\) got an unexpected keyword argument 'hiden_size'"
    with pytest.raises(TypeError, match=message):
        Est(hiden_size=8)


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_fixed_cell_is_not_a_parameter(Est):
    with pytest.raises(TypeError, match="cell"):
        Est(cell="gru")
    assert Est.cell in ("gru", "lstm")


def test_network_defaults_are_the_estimators():
    network = inspect.signature(RecurrentNetwork).parameters
    shared = set(network) & set(DEFAULTS)
    assert {"cell", "hidden_size", "pooling", "front_end", "scaling"} <= shared
    # the network needs an int and a scaling, not "auto" (the estimators resolve them)
    for name in shared - {"patch_size", "scaling", "highway_window"}:
        assert network[name].default == DEFAULTS[name], name
    assert network["patch_size"].default == 1
    assert network["highway_window"].default == 0
    assert network["scaling"].default == "global"
