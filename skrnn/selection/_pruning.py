"""Per-epoch pruning: a skorch callback that reports, a pruner that is fair to each cell.

The callback is attached inside the objective to an estimator that was
already cloned for the trial; as a constructor parameter it would break
``clone`` (it holds the live trial).
"""

from __future__ import annotations

import time

import optuna
from optuna.pruners import BasePruner
from optuna.study import StudyDirection
from optuna.trial import TrialState
from skorch.callbacks import Callback


class EpochScoreReporter(Callback):
    """Report a validation score to an Optuna trial after every epoch.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The running trial.
    score : callable
        ``score(net) -> float``: the validation score of the network as it is
        after the epoch (greater is better).

    Notes
    -----
    The score is also recorded in the net's history as ``valid_score``. When
    the study's pruner says so, :class:`optuna.TrialPruned` is raised and
    leaves the fit.
    """

    def __init__(self, trial, score):
        self.trial = trial
        self.score = score

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history) - 1
        value = float(self.score(net))
        net.history.record("valid_score", value)
        self.trial.report(value, epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch + 1}")


class StopAtDeadline(Callback):
    """Stop a trial's fit at the first epoch that ends after ``deadline``.

    Parameters
    ----------
    deadline : float
        ``time.time()`` at which the search's ``timeout`` runs out.

    Notes
    -----
    Raises :class:`optuna.TrialPruned`, so the trial counts as pruned and
    its partial result is never chosen. Optuna checks its ``timeout`` only
    between trials: without this, a trial that starts just before the
    timeout runs to its end (measured: two 5-fold trials on 50 sequences ran
    288 s under ``timeout=120``).
    """

    def __init__(self, deadline: float):
        self.deadline = deadline

    def on_epoch_end(self, net, **kwargs):
        if time.time() > self.deadline:
            raise optuna.TrialPruned(f"stopped at the timeout after epoch {len(net.history)}")


def time_left_fits_a_trial(study, deadline: float | None) -> bool:
    """Whether a trial started now could finish before ``deadline``.

    Judged by the shortest complete trial of the study: a trial started with
    less time left would be stopped at the deadline (:class:`StopAtDeadline`)
    and its work lost, so it is not started. Before any trial has completed,
    True: the first result always finishes.
    """
    if deadline is None:
        return True
    left = deadline - time.time()
    if left <= 0:
        return False
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    durations = [t.duration.total_seconds() for t in complete if t.duration is not None]
    return not durations or left >= min(durations)


class StopBeforeDeadline:
    """Optuna callback: stop the study when the time left fits no trial.

    See :func:`time_left_fits_a_trial`. Optuna itself starts a new trial
    whenever its ``timeout`` has not run out yet, however little is left.
    """

    def __init__(self, deadline: float | None):
        self.deadline = deadline

    def __call__(self, study, trial):
        if not time_left_fits_a_trial(study, self.deadline):
            study.stop()


class CellwisePruner(BasePruner):
    """Apply a pruner to each cell's trials separately.

    A GRU trial is compared only with GRU trials and an LSTM trial only with
    LSTM trials, so a cell that learns more slowly in the first epochs is not
    pruned away in favour of the other before it could show its final score.

    Parameters
    ----------
    pruner : optuna.pruners.BasePruner
        The pruner to apply within each cell. Pruners that look at the other
        trials through ``study.get_trials`` / ``study.best_trial`` (median,
        percentile, patient, threshold, successive halving, Wilcoxon) then
        see only trials of the same cell.
    param : str, default="cell"
        The study parameter that holds the cell.

    Examples
    --------
    >>> import optuna
    >>> from skrnn.selection import CellwisePruner
    >>> pruner = CellwisePruner(optuna.pruners.MedianPruner(n_warmup_steps=3))
    """

    def __init__(self, pruner: BasePruner, param: str = "cell"):
        self.pruner = pruner
        self.param = param

    def prune(self, study, trial) -> bool:
        value = trial.params.get(self.param)
        if value is None:
            return self.pruner.prune(study, trial)
        return self.pruner.prune(_SameCellStudy(study, self.param, value), trial)


class _SameCellStudy:
    """A read-only view of a study holding only the trials of one cell."""

    def __init__(self, study, param: str, value):
        self._study = study
        self._param = param
        self._value = value

    def get_trials(self, deepcopy: bool = True, states=None):
        trials = self._study.get_trials(deepcopy=deepcopy, states=states)
        return [t for t in trials if t.params.get(self._param) == self._value]

    @property
    def trials(self):
        return self.get_trials()

    @property
    def best_trial(self):
        complete = self.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if not complete:
            raise ValueError(f"No trials with {self._param}={self._value!r} are completed yet.")
        pick = max if self._study.direction == StudyDirection.MAXIMIZE else min
        return pick(complete, key=lambda t: t.value)

    def __getattr__(self, name):
        return getattr(self._study, name)
