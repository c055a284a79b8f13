"""The score of a model that learns nothing: what a validated score must beat.

The majority class (classification) or the training mean (regression),
fitted on each training fold and scored by the selector's own scorer on the
same validation sequences as every trial, so the two are directly comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor

from ._criteria import AsDict


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


def baseline_score(scorer, splits, y, *, classification: bool) -> Baseline:
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
        model.fit(np.zeros((len(train), 1)), y[train])
        try:
            scores.append(float(scorer(model, np.zeros((len(valid), 1)), y[valid])))
        except (ValueError, TypeError, AttributeError, IndexError):
            return Baseline(name, None)
    return Baseline(name, float(np.mean(scores)))
