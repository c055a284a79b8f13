"""One trial of the study, as the decision and the report see it.

The objective stores everything it measures in one user attribute of the
trial, :data:`ATTR`: a dict of JSON values (any Optuna storage keeps it),
written once per trial (each write is a transaction in a database storage).
Its keys: ``cell``, ``random_state`` (seed of the trial's estimators),
``worker`` (``"<host>:<pid>"``), ``score_se``, ``fold_scores``, ``n_params``,
``seconds_per_epoch``, ``latency_ms``, ``n_epochs``, ``infeasible`` (why the
trial breaks a constraint) and ``error`` (why it failed).

The record is rebuilt from storage, so a decision made in one process sees
the trials of every process sharing the study.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from optuna.trial import TrialState

from ._criteria import AsDict
from ._space import SearchSpace

#: The trial user attribute holding the objective's measurements.
ATTR = "skrnn"


@dataclass(frozen=True)
class TrialRecord(AsDict):
    """What one trial did.

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
    params : dict
        Estimator hyperparameters of the trial (plain names).
    n_params, seconds_per_epoch, latency_ms, n_epochs : number or None
        Measured cost.
    note : str or None
        Why the trial was infeasible, failed or pruned.
    worker : str or None
        Process that ran the trial.
    """

    number: int
    cell: str | None
    state: str
    score: float | None = None
    score_se: float | None = None
    last_score: float | None = None
    params: dict = field(default_factory=dict)
    n_params: int | None = None
    seconds_per_epoch: float | None = None
    latency_ms: float | None = None
    n_epochs: int | None = None
    note: str | None = None
    worker: str | None = None

    @property
    def usable(self) -> bool:
        """Complete, feasible and with a finite score: may win."""
        return self.state == "complete" and self.score is not None and math.isfinite(self.score)


def _finite_or_none(value):
    return None if value is None or not math.isfinite(value) else float(value)


def record_from_trial(trial) -> TrialRecord:
    """Build a :class:`TrialRecord` from an ``optuna.trial.FrozenTrial``."""
    attrs = trial.user_attrs.get(ATTR, {})
    cell, params = SearchSpace.from_study_params(trial.params)
    cell = cell or attrs.get("cell")
    note = None
    if attrs.get("infeasible"):
        state, note = "infeasible", attrs["infeasible"]
    elif trial.state == TrialState.COMPLETE:
        state = "complete"
    elif trial.state == TrialState.PRUNED:
        state, note = (
            "pruned",
            f"pruned after epoch {trial.last_step + 1}"
            if (trial.last_step is not None)
            else "pruned",
        )
    elif trial.state == TrialState.FAIL:
        state, note = "failed", attrs.get("error")
    else:
        state = trial.state.name.lower()
    last = trial.intermediate_values[trial.last_step] if trial.last_step is not None else None
    score = trial.value if state == "complete" else None
    return TrialRecord(
        number=trial.number,
        cell=cell,
        state=state,
        score=_finite_or_none(score),
        score_se=_finite_or_none(attrs.get("score_se")),
        last_score=_finite_or_none(last),
        params=params,
        n_params=attrs.get("n_params"),
        seconds_per_epoch=attrs.get("seconds_per_epoch"),
        latency_ms=attrs.get("latency_ms"),
        n_epochs=attrs.get("n_epochs"),
        note=note,
        worker=attrs.get("worker"),
    )
