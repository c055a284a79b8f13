"""How noisy a validation score is: its standard error.

* Cross-validation: the standard error of the mean over folds,
  ``std(fold scores, ddof=1) / sqrt(n_folds)``.
* One holdout: the bootstrap standard error. The validation sequences are
  resampled with replacement :data:`N_BOOTSTRAP` times and scored again from
  the model's stored predictions (no network runs again), and the standard
  deviation of those scores is the standard error. It works for any
  scikit-learn scorer that reads the model only through ``predict`` /
  ``predict_proba``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

#: Bootstrap resamples of a holdout. The standard error of a bootstrap
#: standard error is about 1 / sqrt(2 * N) of it: 5 % at 200.
N_BOOTSTRAP = 200


def fold_standard_error(scores) -> float:
    """Standard error of the mean of per-fold scores (NaN for one fold)."""
    scores = np.asarray(scores, dtype=float)
    if len(scores) < 2:
        return float("nan")
    return float(np.std(scores, ddof=1) / np.sqrt(len(scores)))


_REPLAY_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError)


class _Replay(BaseEstimator):
    """Stands in for a fitted estimator whose validation outputs are stored.

    ``X`` is an array of row indices into the stored outputs, so a scorer can
    score any resample of the validation set without running the network.
    """

    def __init__(self, outputs=None, classes=None):
        self.outputs = outputs
        self.classes = classes

    def predict(self, X):
        return self.outputs["predict"][np.asarray(X).ravel()]


class _RegressorReplay(RegressorMixin, _Replay):
    pass


class _ClassifierReplay(ClassifierMixin, _Replay):
    @property
    def classes_(self):
        return self.classes

    def predict_proba(self, X):
        return self.outputs["predict_proba"][np.asarray(X).ravel()]


def weighted_score(scorer, estimator, X, y, sample_weight=None) -> float:
    """``scorer(estimator, X, y)``, passing ``sample_weight`` when there are weights."""
    if sample_weight is None:
        return float(scorer(estimator, X, y))
    return float(scorer(estimator, X, y, sample_weight=sample_weight))


def score_with_noise(scorer, estimator, X, y, *, classification: bool, random_state=None,
                     sample_weight=None):
    """Score a fitted estimator on validation data, with a bootstrap standard error.

    Parameters
    ----------
    scorer : callable
        ``scorer(estimator, X, y) -> float``, greater is better.
    estimator : fitted skrnn estimator
    X, y : array-like
        Validation data.
    classification : bool
    random_state : int or Generator, default=None
        Seeds the resampling.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the validation sequences (the scorer's ``sample_weight``);
        a resample carries the weights of the sequences it draws.

    Returns
    -------
    score : float
        ``scorer(estimator, X, y)`` (weighted), computed from one pass of predictions.
    standard_error : float
        Bootstrap standard error of ``score`` (NaN if it cannot be computed,
        e.g. a scorer that needs more than the model's predictions).
    """
    y = np.asarray(y)
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    outputs = {"predict": estimator.predict(X)}
    if classification:
        outputs["predict_proba"] = estimator.predict_proba(X)
        replay = _ClassifierReplay(outputs, estimator.classes_)
    else:
        replay = _RegressorReplay(outputs)
    n = len(y)
    try:
        score = weighted_score(scorer, replay, np.arange(n)[:, None], y, w)
    except _REPLAY_ERRORS:  # a scorer that needs more than the predictions
        return weighted_score(scorer, estimator, X, y, w), float("nan")
    rng = np.random.default_rng(random_state)
    scores = []
    for _ in range(N_BOOTSTRAP):
        idx = rng.integers(0, n, n)
        try:
            scores.append(
                weighted_score(scorer, replay, idx[:, None], y[idx], None if w is None else w[idx])
            )
        except _REPLAY_ERRORS:
            continue  # e.g. a resample holding a single class for ROC AUC
    scores = np.asarray(scores)
    scores = scores[np.isfinite(scores)]
    if len(scores) < N_BOOTSTRAP // 2:
        return score, float("nan")
    return score, float(np.std(scores, ddof=1))
