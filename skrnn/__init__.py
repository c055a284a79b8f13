"""skrnn: scikit-learn compatible GRU and LSTM estimators built on skorch."""

from . import exceptions
from ._version import __version__
from .classifier import GRUClassifier, LSTMClassifier, RecurrentClassifier
from .regressor import GRURegressor, LSTMRegressor, RecurrentRegressor
from .selection import ArchitectureSelector, SelectionReport

__all__ = [
    "ArchitectureSelector",
    "GRUClassifier",
    "GRURegressor",
    "LSTMClassifier",
    "LSTMRegressor",
    "RecurrentClassifier",
    "RecurrentRegressor",
    "SelectionReport",
    "__version__",
    "exceptions",
]
