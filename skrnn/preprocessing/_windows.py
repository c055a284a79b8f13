"""Series -> supervised windows: the data set a forecasting regressor learns from."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, validate_params


@validate_params(
    {
        "series": ["array-like"],
        "window": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
        "target": [Integral, str, "array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def make_windows(series, window, horizon=1, step=1, *, target=None):
    """Cut a time series into input windows and the values that follow them.

    Window ``i`` holds ``window`` consecutive observations; its target holds
    the ``horizon`` observations right after it. These ``(X, y)`` pairs are the
    training data of a forecasting regressor such as
    :class:`~skrnn.GRURegressor`; :func:`forecast` turns the fitted regressor
    into forecasts.

    Parameters
    ----------
    series : array-like of shape (n_timepoints,) or (n_timepoints, n_features)
        Observations in time order, oldest first. A pandas Series or
        DataFrame is accepted. Missing values (NaN) are copied as they are.
    window : int
        Number of time steps in each input window.
    horizon : int, default=1
        Number of future time steps in each target.
    step : int, default=1
        Time steps between the starts of consecutive windows. Windows are
        aligned on the *end* of the series: the last window is always the
        one whose target ends with the last observation, so the most recent
        data is never dropped; with ``step > 1`` the oldest observations that
        do not fill a whole step are left out.
    target : int, str, array-like of int or str, or None, default=None
        Columns of a 2-D ``series`` that form ``y`` (integer positions, or
        column names of a DataFrame). ``None`` takes every column. Must be
        ``None`` or ``0`` for a 1-D series.

    Returns
    -------
    X : ndarray of shape (n_windows, window) or (n_windows, window, n_features)
        Input windows: 2-D (univariate sequences) for a 1-D ``series``, 3-D
        for a 2-D one. A copy: changing it never changes ``series``.
    y : ndarray of shape (n_windows,) or (n_windows, horizon * n_targets)
        Targets, laid out as skrnn regressors (and scikit-learn ones) expect
        them: 1-D when each window has one target value (``horizon=1`` and
        one target column), else 2-D in time-major order, so that
        ``y.reshape(n_windows, horizon, n_targets)[i, h, j]`` is target column
        ``j`` at ``h + 1`` steps after window ``i``.

    Raises
    ------
    ValueError
        If the series has fewer than ``window + horizon`` time steps, is not
        1-D or 2-D, or ``target`` names a column that does not exist.

    See Also
    --------
    forecast : Forecast the steps after a series with a regressor fitted on
        these windows.

    Notes
    -----
    Split the *series* (or the windows, in time order) into training and test
    parts before fitting anything on them, and fit every scaler on the
    training part only: statistics of the test period must not leak into
    training.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import make_windows
    >>> X, y = make_windows(np.arange(6.0), window=3)
    >>> X
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> y
    array([3., 4., 5.])
    >>> X, y = make_windows(np.arange(6.0), window=3, horizon=2)
    >>> y
    array([[3., 4.],
           [4., 5.]])
    """
    columns = getattr(series, "columns", None)
    if np.ndim(series) not in (1, 2):
        raise ValueError(
            "series must be 1-D (n_timepoints,) or 2-D (n_timepoints, n_features); "
            f"got a {np.ndim(series)}-D array."
        )
    values = check_array(
        series,
        ensure_2d=False,
        dtype="numeric",
        ensure_all_finite="allow-nan",
        copy=False,
        input_name="series",
    )
    n_timepoints = values.shape[0]
    n_windows = (n_timepoints - window - horizon) // step + 1
    if n_windows < 1:
        raise ValueError(
            f"A series of {n_timepoints} time steps is too short for windows of "
            f"{window} steps followed by a horizon of {horizon}: it needs at least "
            f"{window + horizon} time steps."
        )
    cols = _target_columns(target, values, columns)

    # Align on the end so that the last target ends with the last observation.
    first = n_timepoints - window - horizon - (n_windows - 1) * step
    starts = first + step * np.arange(n_windows)[:, None]
    X = values[starts + np.arange(window)]  # fancy indexing copies
    y = values[starts + window + np.arange(horizon)]
    if values.ndim == 2:
        y = y[:, :, cols]
    y = y.reshape(n_windows, -1)
    return X, (y.ravel() if y.shape[1] == 1 else y)


def _target_columns(target, values, columns):
    """Positions of the target columns of a 2-D series (all when ``None``)."""
    if values.ndim == 1:
        if target not in (None, 0):
            raise ValueError(f"target must be None or 0 for a 1-D series; got {target!r}.")
        return None
    n_features = values.shape[1]
    if target is None:
        return np.arange(n_features)
    labels = np.atleast_1d(np.asarray(target, dtype=object))
    positions = []
    for label in labels:
        if isinstance(label, str):
            if columns is None or label not in columns:
                raise ValueError(f"target column {label!r} is not a column of series.")
            positions.append(columns.get_loc(label))
        elif isinstance(label, Integral) and -n_features <= label < n_features:
            positions.append(int(label) % n_features)
        else:
            raise ValueError(
                f"target must name columns of series (integers in [0, {n_features}) "
                f"or column names); got {label!r}."
            )
    return np.array(positions)
