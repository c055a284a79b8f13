"""The selection's types: the cells, the data profile, costs, constraints, rules'
verdicts and the recommendation, plus the one table of measured costs.

Plain frozen dataclasses with ``to_dict()`` (JSON-ready values), shared by the
criteria (:mod:`skrnn.selection._criteria`), the decision, the records and the
report; no torch import.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

CELLS = ("gru", "lstm")

#: How the report writes each cell.
CELL_NAMES = {"gru": "GRU", "lstm": "LSTM"}

#: The measured costs of a trial or a cell: ``{attribute: (what it is, format)}``,
#: in the order a tie is broken on them and the report shows them.
COSTS = {
    "seconds_per_epoch": ("training time", "{:.3g} s/epoch"),
    "latency_ms": ("predict latency", "{:.3g} ms per sequence"),
    "n_params": ("parameter count", "{:,} parameters"),
}


def estimator_name(task: str | None, cell: str) -> str:
    """``"GRUClassifier"``, ``"LSTMRegressor"``...; ``"GRU"`` when the task is unknown."""
    suffix = {"classification": "Classifier", "regression": "Regressor"}.get(task, "")
    return CELL_NAMES[cell] + suffix


class AsDict:
    """Mixin for the dataclasses here: ``to_dict()``, JSON-ready values."""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DataProfile(AsDict):
    """What the criteria need to know about the training data.

    Attributes
    ----------
    n_sequences : int
        Number of training sequences.
    n_features : int
        Features per time step.
    min_length, median_length, max_length : float
        Statistics of the sequence lengths (time steps).
    task : {"regression", "classification"}
    n_classes : int or None
        Number of classes for classification.
    patch_size : int
        Time steps the estimators fold into one recurrent step (their
        ``patch_size``, ``"auto"`` resolved).
    recurrent_steps : float
        Steps the recurrent layers run on a median-length sequence,
        ``median_length / patch_size``: the span the cell's memory must cover
        (a property).

    Examples
    --------
    >>> from skrnn.selection import profile_data
    >>> profile = profile_data([50, 150, 120], n_features=1, task="regression", patch_size=2)
    >>> profile.max_length, profile.recurrent_steps
    (150, 60.0)
    """

    n_sequences: int
    n_features: int
    min_length: float
    median_length: float
    max_length: float
    task: str
    n_classes: int | None = None
    patch_size: int = 1

    @property
    def recurrent_steps(self) -> float:
        return self.median_length / self.patch_size

    def to_dict(self) -> dict:
        return {**asdict(self), "recurrent_steps": self.recurrent_steps}


@dataclass(frozen=True)
class CellCost(AsDict):
    """Cost of one cell measured on this machine through the estimator.

    Attributes
    ----------
    n_params : int
        Trainable parameters of the network.
    seconds_per_epoch : float
        Training time of one epoch over the data it was measured for.
    latency_ms : float
        Time of ``predict`` on a single sequence, in milliseconds.
    seconds_per_batch : float or None, default=None
        Median time of one training batch (None when not measured).

    Examples
    --------
    >>> from skrnn.selection import CellCost
    >>> CellCost(n_params=297, seconds_per_epoch=0.4, latency_ms=1.9).to_dict()["n_params"]
    297
    """

    n_params: int
    seconds_per_epoch: float
    latency_ms: float
    seconds_per_batch: float | None = None


@dataclass(frozen=True)
class RefitRecord(AsDict):
    """The winning configuration refitted on all the data (``SelectionReport.final_model``).

    Parameters
    ----------
    fit_seconds : float
        Wall time of the refit, a retry included.
    n_params : int
        Trainable parameters of the refitted network.
    latency_ms : float
        Time of ``predict`` on a single sequence, in milliseconds.
    attempts : int
        Fits run: 2 when the first learnt nothing or fell short of its trial
        and was retried with the next seed.
    train_loss_share : float or None
        The kept refit's best training loss as a share of a constant
        prediction's (0: a perfect fit, 1: nothing learnt).
    trial_train_loss_share : float or None
        The same share of the winning trial's fit, which the refit is
        checked against.
    warning : str or None
        What went wrong, with the numbers (None: nothing).

    Examples
    --------
    >>> from skrnn.selection import RefitRecord
    >>> RefitRecord(fit_seconds=1.2, n_params=297, latency_ms=0.4, attempts=1,
    ...             train_loss_share=0.03, trial_train_loss_share=0.02).to_dict()["attempts"]
    1
    """

    fit_seconds: float
    n_params: int
    latency_ms: float
    attempts: int = 1
    train_loss_share: float | None = None
    trial_train_loss_share: float | None = None
    warning: str | None = None


@dataclass(frozen=True)
class Constraints(AsDict):
    """Hard limits a chosen model must respect (``None``: no limit).

    Attributes
    ----------
    max_params : int or None
        Most trainable parameters allowed.
    max_latency_ms : float or None
        Slowest acceptable single-sequence ``predict``, in milliseconds.
    max_fit_seconds : float or None
        Longest acceptable time to fit the model on all the data for the
        full epoch budget, estimated as seconds per epoch times epochs.

    Examples
    --------
    >>> from skrnn.selection import CellCost, Constraints
    >>> cost = CellCost(n_params=3489, seconds_per_epoch=1.0, latency_ms=2.0)
    >>> Constraints(max_params=1000, max_latency_ms=5.0).violations(cost, n_epochs=15)
    ['3,489 parameters > max_params=1,000']
    """

    max_params: int | None = None
    max_latency_ms: float | None = None
    max_fit_seconds: float | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in asdict(self).values())

    def violations(self, cost: CellCost, n_epochs: int) -> list[str]:
        """Sentences naming every limit ``cost`` breaks (empty if feasible).

        Parameters
        ----------
        cost : CellCost
            Measured cost, ``seconds_per_epoch`` on all the training data.
        n_epochs : int
            Epoch budget of one fit, for ``max_fit_seconds``.
        """
        out = []
        if self.max_params is not None and cost.n_params > self.max_params:
            out.append(f"{cost.n_params:,} parameters > max_params={self.max_params:,}")
        if self.max_latency_ms is not None and cost.latency_ms > self.max_latency_ms:
            limit = self.max_latency_ms
            out.append(f"predict latency {cost.latency_ms:.3g} ms > max_latency_ms={limit:g}")
        fit_seconds = cost.seconds_per_epoch * n_epochs
        if self.max_fit_seconds is not None and fit_seconds > self.max_fit_seconds:
            out.append(
                f"estimated fit time {fit_seconds:.3g} s ({n_epochs} epochs) > "
                f"max_fit_seconds={self.max_fit_seconds:g}"
            )
        return out


@dataclass(frozen=True)
class CellShaping(AsDict):
    """How ``max_params`` shaped one cell's part of the search space.

    Attributes
    ----------
    cell : {"gru", "lstm"}
    limits : tuple of str
        One sentence per parameter the constraint narrowed or set.
    smallest : dict or None
        The size parameters of the cell's smallest network (None when
        ``max_params`` is not set).
    smallest_params : int or None
        Its parameter count.
    excluded : bool
        Whether even the smallest network breaks the limit.
    """

    cell: str
    limits: tuple
    smallest: dict | None = None
    smallest_params: int | None = None
    excluded: bool = False


@dataclass(frozen=True)
class SpaceShaping(AsDict):
    """How a constraint shaped the search space (for the report).

    Attributes
    ----------
    constraint : str
        The constraints that shaped it, e.g. ``"max_params=500"``.
    cells : tuple of CellShaping
    """

    constraint: str
    cells: tuple

    @property
    def narrowed(self) -> bool:
        """Whether the constraint changed anything."""
        return any(c.limits or c.excluded for c in self.cells)

    def lines(self) -> list:
        """The report's sentences, one per cell the constraint changed."""
        out = []
        for c in self.cells:
            name = CELL_NAMES[c.cell]
            if c.excluded:
                out.append(
                    f"{name} is dropped: even its smallest network "
                    f"({describe_params(c.smallest)}) has {c.smallest_params:,} parameters, "
                    "more than max_params allows."
                )
            elif c.limits:
                out.append(f"{name}: " + "; ".join(c.limits) + ".")
        return out


def describe_params(params: dict) -> str:
    """``{"hidden_size": 8, "front_end": "fold"}`` -> ``"hidden_size=8, front_end='fold'"``."""
    return ", ".join(f"{k}={v!r}" for k, v in params.items()) or "the fixed configuration"


@dataclass(frozen=True)
class Reason(AsDict):
    """One rule that fired.

    Attributes
    ----------
    rule : str
        ``"sequence_length"``, ``"dataset_size"``, ``"resources"``,
        ``"measured_cost"``, ``"budget"``, ``"search_space"`` or ``"user"``.
    favours : {"gru", "lstm"} or None
        The cell the rule votes for, if any.
    text : str
        The reason, as a sentence.
    """

    rule: str
    favours: str | None
    text: str


@dataclass(frozen=True)
class Recommendation:
    """What the criteria recommend before any trial runs.

    Attributes
    ----------
    prior : dict
        Belief per cell that it is the better choice: the Laplace-smoothed
        share of the rules' votes, ``(1 + votes) / (n_cells + all votes)``;
        0 for an excluded cell.
    cells : tuple of str
        Cells to try, the most favoured first (GRU first on a tie, where the
        source says to start).
    reasons : tuple of Reason
        Every rule that fired, in the order of DESIGN.md §2.
    excluded : dict
        Cells that cannot meet a constraint even in their cheapest configuration,
        with the reason.
    affordable_trials : float
        Trials the budget allows (``inf`` when unlimited).

    Examples
    --------
    >>> from skrnn.selection import profile_data, recommend
    >>> rec = recommend(profile_data([20] * 300, 1, "classification"), n_trials=30)
    >>> rec.cells, rec.try_both
    (('gru', 'lstm'), True)
    """

    prior: dict
    cells: tuple
    reasons: tuple
    excluded: dict = field(default_factory=dict)
    affordable_trials: float = math.inf

    @property
    def try_both(self) -> bool:
        return len(self.cells) == 2

    def to_dict(self) -> dict:
        return {
            "prior": dict(self.prior),
            "cells": list(self.cells),
            "try_both": self.try_both,
            "reasons": [r.to_dict() for r in self.reasons],
            "excluded": dict(self.excluded),
            "affordable_trials": (
                None if math.isinf(self.affordable_trials) else self.affordable_trials
            ),
        }
