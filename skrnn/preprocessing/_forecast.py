"""A fitted window regressor -> forecasts several steps ahead."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params


@validate_params(
    {
        "estimator": [HasMethods("predict")],
        "history": ["array-like"],
        "steps": [Interval(Integral, 1, None, closed="left")],
        "window": [Interval(Integral, 1, None, closed="left"), None],
        "strategy": [StrOptions({"recursive", "direct"})],
    },
    prefer_skip_nested_validation=True,
)
def forecast(estimator, history, steps, *, window=None, strategy="recursive"):
    """Forecast the ``steps`` values that follow ``history``.

    ``estimator`` is a regressor already fitted on windows made by
    :func:`make_windows` -- a skrnn regressor, or any scikit-learn regressor
    or pipeline whose ``predict`` takes windows laid out as ``make_windows``
    returns them. Nothing is refitted: ``history`` only supplies the input.

    Parameters
    ----------
    estimator : fitted regressor
        Trained on ``make_windows(series, window, horizon, ...)``.
    history : array-like of shape (n_timepoints,) or (n_timepoints, n_features)
        The observations up to the forecast origin, oldest first, laid out
        like the ``series`` the windows were cut from.
    steps : int
        Number of future time steps to forecast.
    window : int, default=None
        Length of the input windows the estimator was trained on; the last
        ``window`` observations of ``history`` are its first input. ``None``
        uses all of ``history`` as the window.
    strategy : {"recursive", "direct"}, default="recursive"
        * ``"recursive"``: predict from the last window, append the
          prediction to the history, slide the window forward and repeat
          until ``steps`` values are forecast. A model trained with
          ``horizon=h`` contributes ``h`` steps per prediction. Works for any
          ``steps``, but errors compound: each prediction is input to the
          next. For a 2-D ``history`` the model must predict every feature
          (windows made with ``target=None``), since the predictions are fed
          back as the next inputs.
        * ``"direct"``: a single prediction from the last window, by a model
          trained with ``horizon >= steps`` on one target column (a 1-D
          series, or ``target=j``); its first ``steps`` outputs are the
          forecast. No prediction is fed back, so errors do not compound,
          and exogenous features need no forecast of their own.

    Returns
    -------
    y_forecast : ndarray of shape (steps,) or (steps, n_features)
        The forecast, oldest first: ``(steps,)`` for a 1-D ``history`` and
        for ``strategy="direct"``, ``(steps, n_features)`` for a recursive
        forecast of a 2-D ``history``.

    Raises
    ------
    ValueError
        If ``history`` is shorter than ``window``, or the estimator's output
        does not match the strategy (too short a horizon for ``"direct"``;
        not a whole number of steps of every feature for ``"recursive"``).

    See Also
    --------
    make_windows : Build the training windows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skrnn.preprocessing import forecast, make_windows
    >>> series = np.arange(20.0)
    >>> X, y = make_windows(series, window=4)
    >>> model = LinearRegression().fit(X, y)
    >>> forecast(model, series, steps=3, window=4).round(6)
    array([20., 21., 22.])
    """
    history = check_array(
        history, ensure_2d=False, dtype=np.float64, copy=True, input_name="history"
    )
    if history.ndim not in (1, 2):
        raise ValueError(
            "history must be 1-D (n_timepoints,) or 2-D (n_timepoints, n_features); "
            f"got a {history.ndim}-D array."
        )
    window = len(history) if window is None else window
    if len(history) < window:
        raise ValueError(
            f"history has {len(history)} time steps, fewer than the window of {window}."
        )
    n_features = 1 if history.ndim == 1 else history.shape[1]

    def predict(last):
        return np.asarray(estimator.predict(last[np.newaxis]), dtype=float).ravel()

    if strategy == "direct":
        outputs = predict(history[-window:])
        if len(outputs) < steps:
            raise ValueError(
                f"strategy='direct' needs a model trained with horizon >= steps={steps}, "
                f"but the estimator predicts {len(outputs)} value(s) per window."
            )
        return outputs[:steps]

    values = list(history[-window:])
    produced = 0
    while produced < steps:
        outputs = predict(np.asarray(values[-window:]))
        if len(outputs) % n_features:
            raise ValueError(
                "strategy='recursive' feeds predictions back as input, so the model "
                f"must predict all {n_features} feature(s) of each step; it predicts "
                f"{len(outputs)} value(s) per window. Use windows made with "
                "target=None, or strategy='direct'."
            )
        block = outputs.reshape(-1, n_features) if history.ndim == 2 else outputs
        values.extend(block)
        produced += len(block)
    return np.asarray(values[window : window + steps])
