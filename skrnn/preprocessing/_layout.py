"""The aeon / sktime channels-first layout <-> skrnn's time-major layout."""

from __future__ import annotations

import numpy as np

_HOW = (
    "Pass a 3-D array (n_cases, n_channels, n_timepoints), a 2-D array "
    "(n_cases, n_timepoints), or a list of arrays (n_channels, n_timepoints_i) "
    "or (n_timepoints_i,)"
)


def from_channels_first(X):
    """Convert data in the aeon / sktime layout to skrnn's layout.

    aeon and sktime store collections of series channels first:
    ``(n_cases, n_channels, n_timepoints)`` as a 3-D array, or, for series
    of unequal length, a list of ``(n_channels, n_timepoints_i)`` arrays.
    skrnn (like PyTorch's ``batch_first`` recurrent layers) puts time before
    features: ``(n_samples, n_timesteps, n_features)``. This function swaps
    the two axes explicitly, so no axis order is ever guessed from the
    shape.

    Parameters
    ----------
    X : ndarray of shape (n_cases, n_channels, n_timepoints) or \
            (n_cases, n_timepoints), or list of array-like
        A 3-D array, or a list whose items are ``(n_channels,
        n_timepoints_i)`` arrays, is transposed. A 2-D array
        ``(n_cases, n_timepoints)`` or a list of 1-D series is univariate
        and means the same in both layouts: it is copied unchanged.

    Returns
    -------
    X_skrnn : ndarray of shape (n_cases, n_timepoints, n_channels) or \
            (n_cases, n_timepoints), or list of ndarray
        A copy, in skrnn's layout: an array for an array, a list of
        ``(n_timepoints_i, n_channels)`` arrays for a list.

    See Also
    --------
    to_channels_first : The inverse conversion.

    Notes
    -----
    In a :class:`~sklearn.pipeline.Pipeline`, use
    ``FunctionTransformer(from_channels_first)`` as the first step so the
    whole pipeline takes aeon-layout data.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import from_channels_first
    >>> X_aeon = np.zeros((10, 3, 50))     # 10 cases, 3 channels, 50 time points
    >>> from_channels_first(X_aeon).shape
    (10, 50, 3)
    >>> X_ragged = [np.zeros((1, 30)), np.zeros((1, 45))]
    >>> [x.shape for x in from_channels_first(X_ragged)]
    [(30, 1), (45, 1)]
    """
    return _swap_time_and_channels(X)


def to_channels_first(X):
    """Convert data in skrnn's layout to the aeon / sktime layout.

    The inverse of :func:`from_channels_first`, e.g. to hand skrnn-layout
    data to an aeon or sktime estimator.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features) or \
            (n_samples, n_timesteps), or list of array-like
        A 3-D array, or a list of ``(n_timesteps_i, n_features)`` arrays, is
        transposed; 2-D arrays and lists of 1-D sequences are copied
        unchanged.

    Returns
    -------
    X_channels_first : ndarray of shape (n_samples, n_features, n_timesteps) \
            or (n_samples, n_timesteps), or list of ndarray
        A copy, channels first.

    See Also
    --------
    from_channels_first : The inverse conversion.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import to_channels_first
    >>> to_channels_first(np.zeros((10, 50, 3))).shape
    (10, 3, 50)
    """
    return _swap_time_and_channels(X)


def _swap_time_and_channels(X):
    """Swap the last two axes of each multivariate case; copy the rest."""
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 3:
            return np.ascontiguousarray(X.transpose(0, 2, 1))
        if X.ndim == 2:
            return X.copy()
        raise ValueError(f"Expected a 2-D or 3-D array; got a {X.ndim}-D array. {_HOW}.")
    if not isinstance(X, (list, tuple, np.ndarray)) or isinstance(X, str):
        raise TypeError(f"Expected an array or a list of arrays; got {type(X).__name__}. {_HOW}.")
    out = []
    for i, case in enumerate(X):
        case = np.asarray(case)
        if case.ndim == 2:
            out.append(np.ascontiguousarray(case.T))
        elif case.ndim == 1:
            out.append(case.copy())
        else:
            raise ValueError(f"X[{i}] has {case.ndim} dimensions; each case must be 1-D or 2-D.")
    return out
