"""SequenceScaler: standardise sequence data per feature, over all time steps."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import check_layout, check_n_features, check_sequences


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Standardise each feature of sequence data over all time steps.

    The sequence counterpart of :class:`sklearn.preprocessing.StandardScaler`:
    a feature's mean and standard deviation are computed over every time
    step of every training sequence (a ragged sequence contributes exactly
    its own steps; there is no padding), then ``(x - mean_) / scale_`` is
    applied at every time step. A 2-D ``X`` is read the skrnn way, as
    univariate sequences ``(n_samples, n_timesteps)``: its single feature gets
    one mean and one scale, not one per time step.

    Use it as a :class:`~sklearn.pipeline.Pipeline` step in front of any skrnn
    estimator, so that its statistics are refitted on the training folds only
    during cross-validation. (skrnn estimators also standardise internally;
    see their ``scaling`` parameter. With this scaler in front, set
    ``scaling=None`` to scale exactly once, in a step you can inspect.)
    To scale the *target* of a regressor, use
    :class:`sklearn.compose.TransformedTargetRegressor`.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the per-feature mean.
    with_std : bool, default=True
        Divide by the per-feature standard deviation. A constant feature is
        divided by 1.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Mean of each feature over all training time steps.
    scale_ : ndarray of shape (n_features,) or None
        Standard deviation of each feature over all training time steps (1
        for a constant feature); ``None`` when ``with_std=False``.
    n_features_in_ : int
        Number of features per time step seen during :meth:`fit`. There is
        no ``feature_names_in_``: the columns of a 2-D DataFrame are time
        steps, not features (see :class:`~skrnn.GRURegressor`).
    n_samples_seen_ : int
        Number of training sequences.
    n_timesteps_seen_ : int
        Number of training time steps over all sequences: the number of
        observations behind each statistic.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The tabular version.
    sklearn.compose.TransformedTargetRegressor : Scale a regression target.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import SequenceScaler
    >>> X = [np.array([1.0, 2.0, 3.0]), np.array([5.0, 9.0])]  # ragged
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_, scaler.scale_
    (array([4.]), array([2.82842712]))
    >>> [x.round(3) for x in scaler.transform(X)]
    [array([-1.061, -0.707, -0.354]), array([0.354, 1.768])]
    """

    _parameter_constraints: dict = {"with_mean": ["boolean"], "with_std": ["boolean"]}

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        """Compute the per-feature mean and standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features), or list of array-like
            Training sequences; a list may hold sequences of different
            lengths, ``(n_timesteps_i,)`` or ``(n_timesteps_i, n_features)``.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        self._validate_params()
        check_layout(self, X, reset=True)
        sequences = check_sequences(X, dtype=_float_dtype(X))
        self.n_features_in_ = sequences.n_features
        self.n_samples_seen_ = sequences.n_samples
        self.n_timesteps_seen_ = int(sequences.lengths.sum())
        # Imported here: _base imports torch, which preprocessing otherwise never needs.
        from .._base import feature_statistics

        self.mean_, scale = feature_statistics(sequences)
        self.scale_ = scale if self.with_std else None
        return self

    def transform(self, X):
        """Standardise sequences with the statistics learned in :meth:`fit`.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences, laid out as in :meth:`fit`; lengths may differ.

        Returns
        -------
        X_scaled : ndarray or list of ndarray
            New memory, shaped like ``X``: an array of the same shape when the
            sequences have equal lengths (2-D stays 2-D), a list of arrays of
            the same shapes when they do not. float32 stays float32; anything
            else becomes float64.
        """
        shift, scale = self._shift_scale()
        return self._apply(X, lambda s: (s - shift) / scale)

    def inverse_transform(self, X):
        """Map standardised sequences back to the original units.

        Parameters
        ----------
        X : array-like or list of array-like
            Standardised sequences, laid out as in :meth:`fit`.

        Returns
        -------
        X_original : ndarray or list of ndarray
            New memory, shaped like ``X`` (as for :meth:`transform`).
        """
        shift, scale = self._shift_scale()
        return self._apply(X, lambda s: s * scale + shift)

    def _shift_scale(self):
        check_is_fitted(self, "mean_")
        shift = self.mean_ if self.with_mean else np.zeros_like(self.mean_)
        scale = self.scale_ if self.with_std else np.ones_like(self.mean_)
        return shift, scale

    def _apply(self, X, func):
        """Apply ``func`` at every time step; return ``X``'s layout."""
        check_layout(self, X, reset=False)
        dtype = _float_dtype(X)
        sequences = check_sequences(X, dtype=dtype)
        check_n_features(sequences, self.n_features_in_, type(self).__name__)
        if sequences.is_ragged:  # a list can only come back as a list
            return [
                func(s).astype(dtype).reshape(np.shape(x))
                for s, x in zip(sequences.data, X, strict=True)
            ]
        out = func(sequences.data).astype(dtype)
        two_d = (getattr(X, "ndim", None) or np.asarray(X).ndim) == 2
        return out[:, :, 0] if two_d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _float_dtype(X):
    """float32 when the input is float32 (as skrnn computes), else float64."""
    first = X[0] if isinstance(X, (list, tuple)) and len(X) else X
    return np.float32 if getattr(first, "dtype", None) == np.float32 else np.float64
