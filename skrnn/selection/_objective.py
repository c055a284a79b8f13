"""One trial: sample a configuration, check the constraints, train, validate, record.

Everything measured goes into the trial's user attribute ``"skrnn"`` (see
:mod:`skrnn.selection._records`), so the decision can be rebuilt from any
storage by any process.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
from optuna.trial import TrialState
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import _safe_indexing

from ..classifier import GRUClassifier, LSTMClassifier
from ..regressor import GRURegressor, LSTMRegressor
from ._cost import count_parameters, predict_latency_ms, probe_cost, seconds_per_epoch
from ._types import Constraints
from ._noise import fold_standard_error, score_with_noise, weighted_score
from ._pruning import EpochScoreReporter, StopAtDeadline
from ._records import ATTR, DEFAULT_ATTR, WORKER_ATTR, Measurements
from ._space import SearchSpace
from ._storage import worker_id

ESTIMATORS = {
    ("regression", "gru"): GRURegressor,
    ("regression", "lstm"): LSTMRegressor,
    ("classification", "gru"): GRUClassifier,
    ("classification", "lstm"): LSTMClassifier,
}


def default_params(task: str, cell: str) -> dict:
    """The parameters of the default estimator, e.g. ``GRUClassifier().get_params()``."""
    return ESTIMATORS[task, cell]().get_params(deep=False)


def build_params(task: str, cell: str, searched: dict, fixed: dict, *, max_epochs,
                 random_state) -> dict:
    """The parameters of a trial's (or the refit's) estimator, the one place they are assembled.

    The default estimator's parameters, overridden by the ``searched`` values,
    then by the user's ``fixed`` ones (``estimator_params`` and single values
    of ``search_space``), then by what the selector owns: ``max_epochs`` and
    the seed. With no ``searched`` value this is the cell's default estimator
    (with the user's fixed values): trial 0 of each cell.
    """
    return {
        **default_params(task, cell),
        **searched,
        **fixed,
        "max_epochs": max_epochs,
        "random_state": random_state,
    }


def make_estimator(task: str, cell: str, params: dict):
    """The public skrnn estimator for ``task`` and ``cell``, configured."""
    return ESTIMATORS[task, cell](**params)


def planned_epochs(estimator, n_samples: int) -> int:
    """Epochs ``estimator`` plans for ``n_samples`` sequences (``"auto"`` resolved)."""
    return estimator._plan(n_samples).max_epochs


def trial_seed(seed: int | None, number: int) -> int:
    """Seed of a trial's estimators: fixed by the study seed and trial number,
    so a trial is reproducible whichever process runs it."""
    entropy = None if seed is None else [seed, number]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] >> 1)


@dataclass(kw_only=True)
class Objective:
    """The Optuna objective of :class:`~skrnn.selection.ArchitectureSelector`.

    Attributes
    ----------
    task : {"regression", "classification"}
    space : SearchSpace
    fixed : dict
        Estimator parameters the user fixed, common to every trial.
    max_epochs : int or "auto"
        Every fit's ``max_epochs``; ``"auto"`` is the estimators' own plan.
    X, y : array-like
        All the training data.
    splits : list of (train, valid) index arrays
        The validation scheme; the first split's epochs are reported for
        pruning.
    scorer : callable
        ``scorer(estimator, X, y)``, greater is better.
    constraints : Constraints
    X_one : array-like
        One typical sequence, for the predict latency.
    seed : int or None
        Study seed; each trial derives its own from it.
    default_seed : int or None
        The seed of the cells' default trials: the selector's own integer
        ``random_state``, so that a kept default is refitted into exactly the
        default estimator with that ``random_state``. None: derived like
        every other trial's.
    sample_weight : ndarray or None
        Weights of all the sequences: each split's share weighs the trial's
        fit and its validation score.
    deadline : float or None
        ``time.time()`` at which the search's ``timeout`` runs out: a trial
        still fitting then stops at its next epoch (:class:`StopAtDeadline`),
        unless the study holds no complete trial yet (the first result is
        always finished, so a short timeout still ends with a model).
    """

    task: str
    space: SearchSpace
    fixed: dict
    max_epochs: int | str
    X: Any
    y: Any
    splits: list
    scorer: Callable
    constraints: Constraints
    X_one: Any
    seed: int | None
    default_seed: int | None = None
    sample_weight: Any = None
    deadline: float | None = None

    def __call__(self, trial) -> float:
        # Written first, so that a re-run can tell a dead worker's trial.
        trial.set_user_attr(WORKER_ATTR, worker_id())
        cell, searched = self._configuration(trial)
        if trial.user_attrs.get(DEFAULT_ATTR) and self.default_seed is not None:
            seed = self.default_seed
        else:
            seed = trial_seed(self.seed, trial.number)
        params = build_params(self.task, cell, searched, self.fixed,
                              max_epochs=self.max_epochs, random_state=seed)
        measured = Measurements(
            cell=cell,
            random_state=seed,
            worker=worker_id(),
            params={name: params[name] for name in self.space.recorded(cell)},
        )
        try:
            return self._evaluate(trial, make_estimator(self.task, cell, params), measured)
        except optuna.TrialPruned:
            raise
        except Exception as exc:  # recorded for the report, then failed by Optuna
            measured.error = f"{type(exc).__name__}: {exc}"[:500]
            raise
        finally:
            # One write per trial: each write is a transaction in an RDB storage.
            trial.set_user_attr(ATTR, measured.to_attrs())

    def _configuration(self, trial) -> tuple[str, dict]:
        """The cell and the searched values: none for a cell's default trial."""
        if trial.user_attrs.get(DEFAULT_ATTR):
            cell = self.space.suggest_default(trial, default_params(self.task, "gru"))
            return cell, {}
        return self.space.suggest(trial)

    def _stop_at_deadline(self, trial) -> StopAtDeadline | None:
        """The deadline callback of this trial's fits, if the timeout may stop it."""
        if self.deadline is None:
            return None
        complete = trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        return StopAtDeadline(self.deadline) if complete else None

    def _weights(self, index):
        return None if self.sample_weight is None else self.sample_weight[index]

    def _evaluate(self, trial, estimator, measured: Measurements) -> float:
        classification = self.task == "classification"
        seed = measured.random_state
        probed = self.constraints.active
        if probed:
            # Before training: a few batches give the exact size, the latency
            # and the epoch time, enough to reject an infeasible trial cheaply.
            cost = probe_cost(
                estimator,
                self.X,
                self.y,
                self.X_one,
                classification=classification,
                random_state=seed,
            )
            measured.n_params = cost.n_params
            measured.seconds_per_epoch = cost.seconds_per_epoch
            measured.latency_ms = cost.latency_ms
            # the refit on all the data is what max_fit_seconds bounds
            broken = self.constraints.violations(cost, planned_epochs(estimator, len(self.y)))
            if broken:
                measured.infeasible = "; ".join(broken)
                raise optuna.TrialPruned(f"infeasible: {measured.infeasible}")

        scores, errors = [], []
        stop = self._stop_at_deadline(trial)
        for k, (train, valid) in enumerate(self.splits):
            model = clone(estimator)
            if stop is not None:
                model.set_params(callbacks=[*(model.callbacks or []), ("skrnn_deadline", stop)])
            X_valid, y_valid = _safe_indexing(self.X, valid), _safe_indexing(self.y, valid)
            w_valid = self._weights(valid)
            if k == 0:
                reporter = EpochScoreReporter(
                    trial, self._scorer_of(model, X_valid, y_valid, w_valid)
                )
                model.set_params(callbacks=[*(model.callbacks or []), ("skrnn_pruning", reporter)])
            try:
                # a trial that learns nothing shows as a low score in the study
                # and the report; the warning is for the user's own fits
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model.fit(
                        _safe_indexing(self.X, train),
                        _safe_indexing(self.y, train),
                        sample_weight=self._weights(train),
                    )
            finally:
                if k == 0 and hasattr(model, "net_"):  # also for a pruned trial
                    measured.n_epochs = len(model.net_.history)
                    measured.seconds_per_epoch = seconds_per_epoch(model)
                    measured.n_params = count_parameters(model)
                    measured.num_threads = getattr(model, "n_threads_", None)
            if k == 0:  # the training curve a refit of this trial must match
                measured.train_loss_share = model._training_loss_share()
            if k == 0 and not probed:
                measured.latency_ms = predict_latency_ms(model, self.X_one)
            score, error = score_with_noise(
                self.scorer,
                model,
                X_valid,
                y_valid,
                classification=classification,
                random_state=seed,
                sample_weight=w_valid,
            )
            scores.append(score)
            errors.append(error)

        if not np.isfinite(scores).all():
            raise ValueError(f"the validation score is not finite ({scores}); training diverged")
        se = errors[0] if len(scores) == 1 else fold_standard_error(scores)
        measured.fold_scores = scores
        measured.score_se = se if math.isfinite(se) else None
        return float(np.mean(scores))

    def _scorer_of(self, model, X_valid, y_valid, w_valid):
        def score(net):
            # The estimator's own predict, on the network as it is after this
            # epoch: fit sets net_ only at its end, so point it at the net now.
            model.net_ = net
            return weighted_score(self.scorer, model, X_valid, y_valid, w_valid)

        return score
