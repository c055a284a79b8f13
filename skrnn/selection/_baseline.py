"""The score of a model that learns nothing: what a validated score must beat.

The majority class (classification) or the training mean (regression),
fitted on each training fold and scored by the selector's own scorer on the
same validation sequences as every trial, so the two are directly comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor

from ._noise import weighted_score
from ._types import AsDict


@dataclass(frozen=True)
class Baseline(AsDict):
    """A constant model's validated score.

    Attributes
    ----------
    name : str
        What the constant model predicts.
    score : float or None
        Mean validation score over the folds (None if the scorer cannot score
        a constant model, e.g. a scorer that needs sequences).
    """

    name: str
    score: float | None


def baseline_score(scorer, splits, y, *, classification: bool, sample_weight=None) -> Baseline:
    """Score the constant model with ``scorer`` on ``splits``.

    Parameters
    ----------
    scorer : callable
        ``scorer(estimator, X, y)``.
    splits : list of (ndarray, ndarray)
        The trials' ``(train, valid)`` indices.
    y : ndarray
        All targets.
    classification : bool
    sample_weight : ndarray, default=None
        Weights of all the sequences, for the fit and the score of each fold.

    Returns
    -------
    baseline : Baseline
    """
    y = np.asarray(y)
    name = "majority class" if classification else "training mean"
    scores = []
    for train, valid in splits:
        # "prior" predicts the majority class and the class shares as probabilities
        model = DummyClassifier(strategy="prior") if classification else DummyRegressor()
        w = (None, None) if sample_weight is None else (sample_weight[train], sample_weight[valid])
        model.fit(np.zeros((len(train), 1)), y[train], sample_weight=w[0])
        try:
            scores.append(weighted_score(scorer, model, np.zeros((len(valid), 1)), y[valid], w[1]))
        except (ValueError, TypeError, AttributeError, IndexError):
            return Baseline(name, None)
    return Baseline(name, float(np.mean(scores)))
