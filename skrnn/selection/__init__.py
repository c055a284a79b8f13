"""Choosing between GRU and LSTM: :class:`ArchitectureSelector` and its parts.

Imported lazily (see :mod:`skrnn`): each name below is imported from its
submodule on first access, so ``import skrnn.selection._criteria`` (pure rules
over numbers) does not pay for optuna, skorch or torch.
"""

import importlib as _importlib
import typing as _typing

# Public names and the private submodule that defines each.
_OBJECTS = {
    "DEFAULT_SEARCH_SPACE": "_space",
    "FURTHER_SEARCH_SPACE": "_space",
    "LONG_SEQUENCE_STEPS": "_criteria",
    "MIN_TRIALS_PER_CELL": "_criteria",
    "SMALL_DATASET_SEQUENCES": "_criteria",
    "TIE_STANDARD_ERRORS": "_decision",
    "ArchitectureSelector": "_selector",
    "CellCost": "_types",
    "CellwisePruner": "_pruning",
    "Constraints": "_types",
    "DataProfile": "_types",
    "Decision": "_decision",
    "Recommendation": "_types",
    "RefitRecord": "_types",
    "SelectionReport": "_report",
    "profile_data": "_criteria",
    "recommend": "_criteria",
}

__all__ = list(_OBJECTS)

if _typing.TYPE_CHECKING:  # static analysers and IDEs see the eager imports
    from ._criteria import (
        LONG_SEQUENCE_STEPS,
        MIN_TRIALS_PER_CELL,
        SMALL_DATASET_SEQUENCES,
        profile_data,
        recommend,
    )
    from ._decision import TIE_STANDARD_ERRORS, Decision
    from ._pruning import CellwisePruner
    from ._report import SelectionReport
    from ._selector import ArchitectureSelector
    from ._space import DEFAULT_SEARCH_SPACE, FURTHER_SEARCH_SPACE
    from ._types import CellCost, Constraints, DataProfile, Recommendation, RefitRecord


def __dir__():
    return __all__


def __getattr__(name):
    # PEP 562: called only for names not yet in the module's namespace.
    if name in _OBJECTS:
        module = _importlib.import_module(f"{__name__}.{_OBJECTS[name]}")
        value = globals()[name] = getattr(module, name)  # later accesses skip this hook
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
