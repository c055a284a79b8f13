"""skrnn: scikit-learn compatible GRU and LSTM estimators built on skorch."""

from .classifier import GRUClassifier, LSTMClassifier, RecurrentClassifier
from .regressor import GRURegressor, LSTMRegressor, RecurrentRegressor
from .selection import ArchitectureSelector, SelectionReport

__version__ = "0.1.0.dev0"

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
]
