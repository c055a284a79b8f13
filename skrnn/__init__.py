"""skrnn: scikit-learn compatible GRU and LSTM estimators built on skorch.

The package is imported lazily, as scikit-learn does: ``import skrnn`` only
defines the names below, and torch, skorch and optuna are imported the first
time an estimator, the selector or a submodule is accessed (``skrnn.GRUClassifier``,
``from skrnn import GRURegressor``, ``skrnn.datasets``). Tools that only need
the pure parts (``skrnn.selection._criteria``, a CLI's ``--help``) stay fast.
"""

import importlib as _importlib
import typing as _typing

from ._version import __version__

# Submodules reachable as attributes of a bare ``import skrnn``.
_SUBMODULES = ("classifier", "datasets", "exceptions", "preprocessing", "regressor", "selection")

# Public objects and the submodule that defines each.
_OBJECTS = {
    "ArchitectureSelector": "selection",
    "GRUClassifier": "classifier",
    "GRURegressor": "regressor",
    "LSTMClassifier": "classifier",
    "LSTMRegressor": "regressor",
    "RecurrentClassifier": "classifier",
    "RecurrentRegressor": "regressor",
    "SelectionReport": "selection",
}

__all__ = sorted([*_OBJECTS, *_SUBMODULES, "__version__"])

if _typing.TYPE_CHECKING:  # static analysers and IDEs see the eager imports
    from . import classifier, datasets, exceptions, preprocessing, regressor, selection
    from .classifier import GRUClassifier, LSTMClassifier, RecurrentClassifier
    from .regressor import GRURegressor, LSTMRegressor, RecurrentRegressor
    from .selection import ArchitectureSelector, SelectionReport


def __dir__():
    return __all__


def __getattr__(name):
    # PEP 562: called only for names not yet in the module's namespace.
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    if name in _OBJECTS:
        module = _importlib.import_module(f"{__name__}.{_OBJECTS[name]}")
        value = globals()[name] = getattr(module, name)  # later accesses skip this hook
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
