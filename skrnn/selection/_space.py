"""The search space: which hyperparameters the study samples, and how.

``cell`` is one categorical parameter; every other hyperparameter is
*conditional* on it and named ``"<cell>__<name>"`` in the study (e.g.
``"lstm__lr"``), so the sampler models what works for GRU separately from what
works for LSTM. The estimator sees plain names (``lr``).
"""

from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from .._compat import distribution_contains
from ._types import CELLS

#: The default search space, merged with the user's ``search_space``. Ranges
#: that work for small and medium sequence problems on CPU: hidden sizes on a
#: log scale, one or two layers, Adam learning rates over two decades.
#: Read-only: pass ``search_space`` to change it.
DEFAULT_SEARCH_SPACE = MappingProxyType(
    {
        "hidden_size": IntDistribution(8, 128, log=True),
        "num_layers": IntDistribution(1, 2),
        "dropout": FloatDistribution(0.0, 0.5),
        "lr": FloatDistribution(1e-4, 3e-2, log=True),
        "batch_size": CategoricalDistribution((16, 32, 64, 128)),
    }
)

#: Further parameters, searched when the budget allows (the budget rule,
#: :func:`skrnn.selection._criteria.search_breadth_rule`, decides how many),
#: in the order of how much they moved accuracy in skrnn's sweeps of the
#: estimators' defaults (``benchmarks/defaults_sweep.py``): the front end
#: (the conv front end over folding: +0.05 to +0.25 accuracy on four of
#: five UCR sets, below it on a regression set), the input scaling (per
#: sequence instead of "auto": -0.13 to +0.02), the pooling. ``patch_size``
#: is not among them: its useful values depend on the sequence length, and
#: ``"auto"`` already targets 100 recurrent steps. Each starts with the
#: estimators' default, so the default estimator stays in the space.
#: Read-only.
FURTHER_SEARCH_SPACE = MappingProxyType(
    {
        "front_end": CategoricalDistribution(("conv", "fold")),
        "scaling": CategoricalDistribution(("auto", "sequence")),
        "pooling": CategoricalDistribution(("mean", "last")),
    }
)

#: The ``cell`` parameter always has both choices, so that studies stay
#: compatible when a run tries only one cell (that run fixes the value).
CELL_DISTRIBUTION = CategoricalDistribution(CELLS)

#: Estimator parameters the selector sets itself.
RESERVED = {
    "cell": "list the cells in search_space['cell']",
    "max_epochs": "set the selector's max_epochs",
    "random_state": "set the selector's random_state (each trial gets its own seed)",
}

_SEP = "__"

# Parameters whose largest value is the cheapest: fewer batches or fewer
# recurrent steps per epoch.
_LARGEST_IS_CHEAPEST = {"batch_size", "patch_size"}

# The cheapest choice of a parameter with non-numeric choices, when it is
# among them: folding adds no weights (the conv front end adds two
# convolutions), one direction runs half the recurrent work.
_CHEAPEST_CHOICE = {"front_end": "fold", "bidirectional": False}


@dataclass(frozen=True)
class CellSpace:
    """One cell's part of a search space shaped by a constraint
    (see :func:`skrnn.selection._shaping.shape_space`).

    Attributes
    ----------
    distributions : dict
        The cell's searched parameters (plain names), narrowed.
    fixed : dict
        Values the shaping chose for this cell among the estimator's options
        for a parameter the user left alone (e.g. ``front_end="fold"`` when
        the default ``"conv"`` cannot fit); not study parameters.
    size_names : tuple of str
        Searched size parameters besides ``hidden_size``, in the order of the
        keys of ``largest``.
    largest : dict
        ``{values of size_names: the largest hidden_size that fits, or None}``;
        empty when ``hidden_size`` is not searched.
    default_fits : bool
        Whether the cell's default estimator meets the constraint.
    """

    distributions: dict
    fixed: dict = field(default_factory=dict)
    size_names: tuple = ()
    largest: dict = field(default_factory=dict)
    default_fits: bool = True

    def fit(self, params: dict) -> dict:
        """``params`` with ``hidden_size`` lowered to the largest that fits
        next to the other size parameters' values (the narrowed ranges are
        the union over those values; this makes every combination fit)."""
        if not self.largest or "hidden_size" not in params:
            return params
        largest = self.largest.get(tuple(params[name] for name in self.size_names))
        if largest is None or params["hidden_size"] <= largest:
            return params
        return {**params, "hidden_size": largest}


class SearchSpace:
    """The user's ``search_space`` merged over :data:`DEFAULT_SEARCH_SPACE`.

    Parameters
    ----------
    override : dict or None
        ``{name: spec}``: an Optuna distribution, a list or tuple (categorical
        choices), or a single value (fixed). ``"cell"`` takes a list of cells.
    param_names : iterable of str
        The estimator's parameter names, to catch typos.
    exclude : iterable of str, default=()
        Parameters fixed elsewhere (``estimator_params``): dropped from the
        defaults.
    further : iterable of str, default=()
        Names of :data:`FURTHER_SEARCH_SPACE` to search too (unless the user
        sets them).

    Attributes
    ----------
    cells : tuple of str
        Cells allowed by the user.
    distributions : dict
        Searched parameters (plain names) and their distributions.
    fixed : dict
        Parameters the user fixed to one value.
    """

    def __init__(self, override, param_names, exclude=(), further=()):
        override = dict(override or {})
        cells = override.pop("cell", CELLS)
        cells = (cells,) if isinstance(cells, str) else tuple(cells)
        if not cells or set(cells) - set(CELLS) or len(set(cells)) != len(cells):
            raise ValueError(
                f"search_space['cell'] must list cells among {list(CELLS)}; got {list(cells)}."
            )
        self.cells = tuple(c for c in CELLS if c in cells)
        check_param_names(override, param_names, "search_space")
        self._overridden = set(override)
        self.distributions, self.fixed = {}, {}
        defaults = {
            **DEFAULT_SEARCH_SPACE,
            **{name: FURTHER_SEARCH_SPACE[name] for name in further},
        }
        defaults = {k: v for k, v in defaults.items() if k not in set(exclude)}
        for name, spec in {**defaults, **override}.items():
            if isinstance(spec, (IntDistribution, FloatDistribution, CategoricalDistribution)):
                self.distributions[name] = spec
            elif isinstance(spec, BaseDistribution):
                raise TypeError(
                    f"search_space[{name!r}] is a {type(spec).__name__}; use an optuna "
                    "IntDistribution, FloatDistribution or CategoricalDistribution."
                )
            elif isinstance(spec, (list, tuple)):
                if not spec:
                    raise ValueError(f"search_space[{name!r}] is an empty list of choices.")
                self.distributions[name] = CategoricalDistribution(tuple(spec))
            else:
                self.fixed[name] = spec
        self._cells = {}

    # ---------------------------------------------------------- shaping
    def shaped(self, cells: dict) -> SearchSpace:
        """A copy whose cells in ``cells`` (``{cell: CellSpace}``) are narrowed."""
        out = copy.copy(self)
        out._cells = {**self._cells, **cells}
        return out

    def cell_space(self, cell: str) -> CellSpace:
        """The part of the space ``cell`` searches (the common space unless shaped)."""
        return self._cells.get(cell) or CellSpace(dict(self.distributions))

    def distributions_of(self, cell: str) -> dict:
        """The searched parameters of ``cell`` and their distributions."""
        return self.cell_space(cell).distributions

    def fixed_of(self, cell: str) -> dict:
        """The user's fixed values and those the shaping chose for ``cell``."""
        return {**self.fixed, **self.cell_space(cell).fixed}

    def recorded(self, cell: str) -> tuple:
        """Names of the parameters a trial of ``cell`` records: the searched
        ones and those the shaping chose (the refit needs them)."""
        space = self.cell_space(cell)
        return (*space.distributions, *space.fixed)

    def signature(self) -> dict:
        """The choices the shaping removed, as JSON data: Optuna cannot change a
        parameter's choices within a study, so a study records them (an integer
        range may change: a resumed study with another limit keeps working)."""
        out = {}
        for cell, space in sorted(self._cells.items()):
            narrowed = {
                name: list(dist.choices)
                for name, dist in space.distributions.items()
                if isinstance(dist, CategoricalDistribution) and dist != self.distributions[name]
            }
            if narrowed:
                out[cell] = narrowed
        return out

    # ---------------------------------------------------------- sampling
    def suggest(self, trial) -> tuple[str, dict]:
        """Sample a cell and its conditional (searched) hyperparameters from ``trial``."""
        cell = trial.suggest_categorical("cell", CELL_DISTRIBUTION.choices)
        space = self.cell_space(cell)
        params = {
            name: _suggest(trial, f"{cell}{_SEP}{name}", dist)
            for name, dist in space.distributions.items()
        }
        return cell, {**space.fit(params), **space.fixed}

    def allows_default(self, defaults: dict) -> bool:
        """Whether the default estimator is in the user's space: every
        parameter the user's ``search_space`` searches contains its default
        (the default space's ranges do not count: a default outside them,
        such as ``batch_size="auto"``, is still a contender)."""
        return all(
            distribution_contains(dist, defaults[name])
            for name, dist in self.distributions.items()
            if name in self._overridden and name in defaults
        )

    def default_study_params(self, cell: str, defaults: dict) -> dict:
        """The study parameters of ``cell``'s default estimator: ``cell`` and
        each searched default the space contains (a default outside the space,
        e.g. ``batch_size="auto"``, is no study parameter)."""
        out = {"cell": cell}
        for name, dist in self.distributions_of(cell).items():
            if name in defaults and distribution_contains(dist, defaults[name]):
                out[f"{cell}{_SEP}{name}"] = defaults[name]
        return out

    def suggest_default(self, trial, defaults: dict) -> str:
        """In a trial enqueued with :meth:`default_study_params`, take its
        values (so the sampler learns from them); return the cell."""
        cell = trial.suggest_categorical("cell", CELL_DISTRIBUTION.choices)
        for key in self.default_study_params(cell, defaults):
            name = key.partition(_SEP)[2]
            if name:
                _suggest(trial, key, self.distributions_of(cell)[name])
        return cell

    def to_study_params(self, cell: str, params: dict) -> dict:
        """Estimator parameters -> the study's (cell-prefixed) parameter names."""
        out = {"cell": cell}
        for name in self.distributions_of(cell):
            out[f"{cell}{_SEP}{name}"] = params[name]
        return out

    @staticmethod
    def from_study_params(study_params: dict) -> tuple[str | None, dict]:
        """The study's parameter names -> ``(cell, estimator parameters)``."""
        cell = study_params.get("cell")
        params = {}
        for key, value in study_params.items():
            prefix, sep, name = key.partition(_SEP)
            if sep and prefix == cell:
                params[name] = value
        return cell, params

    # ---------------------------------------------- representative configs
    def typical(self, defaults: dict, cell: str = "gru") -> dict:
        """A sensible first configuration of ``cell``: the estimator's default
        where the space allows it, else the middle of the range."""
        out = self.fixed_of(cell)
        for name, dist in self.distributions_of(cell).items():
            default = defaults.get(name)
            if default is not None and distribution_contains(dist, default):
                out[name] = default
            else:
                out[name] = _middle(dist)
        return out

    def cheapest(self, cell: str = "gru") -> dict:
        """The configuration of ``cell`` that costs least: the smallest network
        with the largest batch and patch, the folding front end. If it breaks
        a constraint, so does every other."""
        out = self.fixed_of(cell)
        for name, dist in self.distributions_of(cell).items():
            out[name] = _extreme(dist, largest=name in _LARGEST_IS_CHEAPEST, name=name)
        return out


def check_param_names(params: dict, param_names, where: str):
    """Refuse unknown or reserved estimator parameter names, naming the fix."""
    param_names = set(param_names)
    for name in params:
        if name in RESERVED:
            raise ValueError(f"{where} cannot set {name!r}: {RESERVED[name]}.")
        if name not in param_names:
            raise ValueError(
                f"{where} has an unknown parameter {name!r}; the estimators accept "
                f"{sorted(param_names - set(RESERVED))}."
            )


def _suggest(trial, name: str, dist: BaseDistribution):
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    suggest = trial.suggest_int if isinstance(dist, IntDistribution) else trial.suggest_float
    return suggest(name, dist.low, dist.high, step=dist.step, log=dist.log)


def _middle(dist: BaseDistribution):
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[(len(dist.choices) - 1) // 2]
    low, high = dist.low, dist.high
    mid = math.sqrt(low * high) if dist.log else (low + high) / 2
    if isinstance(dist, IntDistribution):
        return int(low + round((mid - low) / dist.step) * dist.step)
    if dist.step is not None:
        return low + round((mid - low) / dist.step) * dist.step
    return mid


def _extreme(dist: BaseDistribution, largest: bool, name: str | None = None):
    if isinstance(dist, CategoricalDistribution):
        choices = list(dist.choices)
        if name in _CHEAPEST_CHOICE and _CHEAPEST_CHOICE[name] in choices:
            return _CHEAPEST_CHOICE[name]
        if all(isinstance(c, numbers.Real) for c in choices):
            return choices[int(np.argmax(choices) if largest else np.argmin(choices))]
        return choices[0]
    if not largest:
        return dist.low
    if isinstance(dist, IntDistribution):
        return dist.low + (dist.high - dist.low) // dist.step * dist.step
    return dist.high
