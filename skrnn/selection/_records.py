"""One trial of the study: what its objective measured, and what it did.

Everything the selector keeps about a trial lives in Optuna user attributes
of JSON values (any Optuna storage keeps them), so the decision can be
rebuilt from any storage by any process sharing the study. This module is
the one place that knows their keys:

* :data:`ATTR`: the objective's :class:`Measurements` (the worker included),
  written once per trial (each write is a transaction in a database storage);
* :data:`WORKER_ATTR`: ``"<host>:<pid>"`` of the worker, written when the
  trial starts, so that a re-run can tell a dead worker's trial;
* :data:`FAILURE_ATTR`: why skrnn failed a trial its worker left RUNNING;
* :data:`DEFAULT_ATTR`: set when the trial is enqueued as a cell's default
  estimator (the cell's name).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

from optuna.trial import TrialState

from ._space import SearchSpace
from ._types import AsDict

#: The trial user attribute holding the objective's measurements.
ATTR = "skrnn"
#: User attribute naming the worker of a trial, written when the trial starts.
WORKER_ATTR = "skrnn_worker"
#: User attribute explaining why skrnn failed a trial.
FAILURE_ATTR = "skrnn_failure"
#: User attribute of a trial enqueued as a cell's default estimator: the cell.
DEFAULT_ATTR = "skrnn_default"


@dataclass(kw_only=True)
class TrialFacts:
    """What both a trial's :class:`Measurements` and its :class:`TrialRecord` hold.

    Attributes
    ----------
    params : dict
        The trial's values of the searched hyperparameters (plain names).
    n_params, seconds_per_epoch, latency_ms, n_epochs : number or None
        Measured cost.
    worker : str or None
        ``"<host>:<pid>"`` of the process that ran the trial (:data:`WORKER_ATTR`).
    num_threads : int or None
        CPU threads the trial's (first) fit ran with (its ``n_threads_``).
    default : bool
        Whether the trial is its cell's default estimator (:data:`DEFAULT_ATTR`).
    train_loss_share : float or None
        Best training loss of the trial's (first) fit as a share of a constant
        prediction's: what the refit of a winner is checked against.
    """

    params: dict = field(default_factory=dict)
    n_params: int | None = None
    seconds_per_epoch: float | None = None
    latency_ms: float | None = None
    n_epochs: int | None = None
    worker: str | None = None
    num_threads: int | None = None
    default: bool = False
    train_loss_share: float | None = None


@dataclass
class Measurements(TrialFacts):
    """What the objective measured in one trial (the :data:`ATTR` attribute),
    next to the :class:`TrialFacts`.

    Attributes
    ----------
    cell : {"gru", "lstm"} or None
    random_state : int or None
        Seed of the trial's estimators.
    score_se : float or None
        Standard error of the validation score.
    fold_scores : list of float or None
        Validation score of each fold.
    infeasible : str or None
        Why the trial breaks a constraint.
    error : str or None
        Why the trial failed: its exception, or (read back from
        :data:`FAILURE_ATTR`) why skrnn failed a trial left by a dead worker.
    """

    cell: str | None = None
    random_state: int | None = None
    score_se: float | None = None
    fold_scores: list | None = None
    infeasible: str | None = None
    error: str | None = None

    #: Fields kept in an attribute of their own, not in :data:`ATTR`.
    _OWN_ATTRS = ("default",)

    def to_attrs(self) -> dict:
        """The value of :data:`ATTR` (JSON values; ``None`` fields left out)."""
        return {
            k: v for k, v in asdict(self).items() if v is not None and k not in self._OWN_ATTRS
        }

    @classmethod
    def from_attrs(cls, user_attrs: dict) -> Measurements:
        """Read a trial's measurements back from its ``user_attrs``."""
        attrs = user_attrs.get(ATTR, {})
        known = {f.name for f in fields(cls)} - set(cls._OWN_ATTRS)
        out = cls(**{k: v for k, v in attrs.items() if k in known})
        # the worker is in ATTR once the trial ran, in WORKER_ATTR from its start
        out.worker = attrs.get("worker") or user_attrs.get(WORKER_ATTR)
        out.default = bool(user_attrs.get(DEFAULT_ATTR))
        out.error = out.error or user_attrs.get(FAILURE_ATTR)
        return out


@dataclass
class TrialRecord(AsDict, TrialFacts):
    """What one trial did, as the decision and the report see it, next to
    the :class:`TrialFacts` (``params`` also holds the study's parameters).

    Attributes
    ----------
    number : int
        Optuna trial number (unique within the study).
    cell : {"gru", "lstm"} or None
    state : {"complete", "pruned", "infeasible", "failed", "running", "waiting"}
    score, score_se : float or None
        Validation score and its standard error (complete trials).
    last_score : float or None
        Last per-epoch validation score reported (pruned trials too).
    note : str or None
        Why the trial was infeasible, failed (its error, or why a trial left
        by a dead worker was failed) or pruned.
    """

    number: int
    cell: str | None
    state: str
    score: float | None = None
    score_se: float | None = None
    last_score: float | None = None
    note: str | None = None

    @property
    def usable(self) -> bool:
        """Complete, feasible and with a finite score: may win."""
        return self.state == "complete" and self.score is not None and math.isfinite(self.score)


def _finite_or_none(value):
    return None if value is None or not math.isfinite(value) else float(value)


def _state_and_note(trial, m: Measurements) -> tuple[str, str | None]:
    if m.infeasible:
        return "infeasible", m.infeasible
    if trial.state == TrialState.COMPLETE:
        return "complete", None
    if trial.state == TrialState.PRUNED:
        if trial.last_step is None:
            return "pruned", "pruned"
        return "pruned", f"pruned after epoch {trial.last_step + 1}"
    if trial.state == TrialState.FAIL:
        return "failed", m.error or "no reason recorded (Optuna failed it: e.g. its worker stopped beating)"
    return trial.state.name.lower(), None


def record_from_trial(trial) -> TrialRecord:
    """Build a :class:`TrialRecord` from an ``optuna.trial.FrozenTrial``."""
    m = Measurements.from_attrs(trial.user_attrs)
    cell, params = SearchSpace.from_study_params(trial.params)
    state, note = _state_and_note(trial, m)
    last = trial.intermediate_values[trial.last_step] if trial.last_step is not None else None
    facts = {f.name: getattr(m, f.name) for f in fields(TrialFacts)}
    return TrialRecord(
        number=trial.number,
        cell=cell or m.cell or trial.user_attrs.get(DEFAULT_ATTR),
        state=state,
        score=_finite_or_none(trial.value) if state == "complete" else None,
        score_se=_finite_or_none(m.score_se),
        last_score=_finite_or_none(last),
        note=note,
        # the measured values: a default trial has no study parameter for a
        # default outside the space
        **{**facts, "params": {**params, **m.params}},
    )
