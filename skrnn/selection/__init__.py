"""Choosing between GRU and LSTM: :class:`ArchitectureSelector` and its parts."""

from ._criteria import (
    LONG_SEQUENCE_STEPS,
    MIN_TRIALS_PER_CELL,
    SMALL_DATASET_SEQUENCES,
    CellCost,
    Constraints,
    DataProfile,
    Recommendation,
    profile_data,
    recommend,
)
from ._decision import TIE_STANDARD_ERRORS, Decision
from ._pruning import CellwisePruner
from ._report import SelectionReport
from ._selector import ArchitectureSelector
from ._space import DEFAULT_SEARCH_SPACE

__all__ = [
    "DEFAULT_SEARCH_SPACE",
    "LONG_SEQUENCE_STEPS",
    "MIN_TRIALS_PER_CELL",
    "SMALL_DATASET_SEQUENCES",
    "TIE_STANDARD_ERRORS",
    "ArchitectureSelector",
    "CellCost",
    "CellwisePruner",
    "Constraints",
    "DataProfile",
    "Decision",
    "Recommendation",
    "SelectionReport",
    "profile_data",
    "recommend",
]
