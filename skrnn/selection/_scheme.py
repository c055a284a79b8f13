"""How each trial is validated: one holdout, or k folds when a holdout is too small.

A holdout of ``m`` sequences measures accuracy with a standard error of up to
``0.5 / sqrt(m)``: 0.16 for the 10 sequences that a 20 % holdout leaves of 50,
so two configurations 0.2 apart cannot be told apart (measured: on a
50-sequence set the median trial scored 0.5 in both cells and the report
called a 0.2 difference significant). Below :data:`MIN_HOLDOUT` held-out
sequences (standard error up to 0.07) the selector cross-validates instead:
every sequence is validated once, so the score's noise falls with all ``n``
sequences rather than with ``m``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, check_cv

from .._dataset import StratifiedSplit

#: Fewest held-out sequences with which a holdout ranks configurations.
MIN_HOLDOUT = 50
#: Folds of the automatic cross-validation.
AUTO_FOLDS = 5


@dataclass(frozen=True)
class ValidationScheme:
    """The splits every trial is scored on, and how to describe them.

    Attributes
    ----------
    splits : list of (ndarray, ndarray)
        ``(train, valid)`` index arrays.
    description : str
        What the scheme is, for the report.
    reason : str or None
        Why it was chosen automatically (None when the user chose it).
    """

    splits: list
    description: str
    reason: str | None = None

    @property
    def n_folds(self) -> int:
        return len(self.splits)


def choose_scheme(n: int, y, *, classification: bool, validation_fraction: float, cv,
                  seed: int) -> ValidationScheme:
    """The user's ``cv``, else a holdout, else (small data) k-fold cross-validation.

    Parameters
    ----------
    n : int
        Number of sequences.
    y : ndarray
        Targets (classes are stratified on).
    classification : bool
    validation_fraction : float
        Share held out by the holdout.
    cv : int, cross-validation generator, iterable or None
        The user's scheme; used as given.
    seed : int
        Seeds the classification holdout and the shuffled stratified folds, the
        same in every worker sharing a study.

    Returns
    -------
    scheme : ValidationScheme
    """
    if cv is not None:
        cv = check_cv(cv, y, classifier=classification)
        splits = list(cv.split(np.zeros((n, 1)), y))
        return ValidationScheme(splits, f"{len(splits)}-fold cross-validation ({type(cv).__name__})")
    n_valid = int(round(validation_fraction * n))
    if n_valid < 1 or n - n_valid < 2:
        raise ValueError(
            f"validation_fraction={validation_fraction} of {n} sequences leaves "
            f"{n_valid} for validation and {n - n_valid} for training; need at least 1 "
            "and 2. Pass more data or change validation_fraction."
        )
    if n_valid < MIN_HOLDOUT:
        folds = _auto_folds(n, y, classification, seed)
        if folds is not None:
            return replace(
                folds,
                reason=f"a {validation_fraction:.0%} holdout would be {n_valid} sequences, fewer than "
                f"{MIN_HOLDOUT}: its score's standard error could reach "
                f"{0.5 / np.sqrt(n_valid):.2f}, more than the differences between "
                "configurations",
            )
    if classification:
        # Classification data is often sorted by class, so a tail would be a
        # biased holdout: a seeded, class-stratified sample instead.
        train, valid = StratifiedSplit(validation_fraction, seed=seed).indices(n, y)
        return ValidationScheme(
            [(train, valid)],
            f"a stratified random {validation_fraction:.0%} of the sequences ({n_valid}) held out",
        )
    train, valid = np.arange(n - n_valid), np.arange(n - n_valid, n)
    return ValidationScheme(
        [(train, valid)], f"last {validation_fraction:.0%} of the sequences ({n_valid}) held out"
    )


def _auto_folds(n, y, classification, seed):
    """Stratified (classification) or contiguous (regression) k-fold, or None if impossible."""
    if classification:
        smallest = int(np.unique(y, return_counts=True)[1].min())
        k = min(AUTO_FOLDS, smallest)
        if k < 2:
            return None  # a class with one sequence cannot be in two folds
        cv = StratifiedKFold(k, shuffle=True, random_state=seed)
        kind = "stratified"
    else:
        # Contiguous blocks, in order: for windows of a series each fold
        # validates one stretch of time (k-fold is valid for autoregressive
        # models with uncorrelated errors, Bergmeir et al. 2018).
        k = min(AUTO_FOLDS, n // 2)
        cv = KFold(k)
        kind = "contiguous"
    splits = list(cv.split(np.zeros((n, 1)), y))
    return ValidationScheme(splits, f"{k}-fold cross-validation ({kind}), chosen automatically")
