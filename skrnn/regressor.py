"""Recurrent regressors: RecurrentRegressor, GRURegressor, LSTMRegressor."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from ._base import AUTO_HIGHWAY_WEIGHTS, RecurrentEstimatorBase
from ._docstrings import TaskDoc, fill_doc, predict_doc
from ._module import HUBER_DELTA, StandardizedRegressionLoss
from ._net import SequenceNetRegressor
from ._validation import Sequences, check_regression_target


#: ``early_stopping="auto"`` holds out a validation tail from this many
#: training sequences on (at the default ``validation_fraction=0.1``, two or
#: more validation sequences); below, the tail would be one sequence.
AUTO_EARLY_STOPPING_MIN_SAMPLES = 20


#: ``scaling="auto"`` reads targets as a forecast of input feature 0 when
#: their spread is within this factor of feature 0's (the same units).
FORECAST_SPREAD_RATIO = 2.0
#: ... and when at least this share of the targets reappear among feature 0's
#: inputs (overlapping windows of one series, as ``make_windows`` cuts them).
FORECAST_REAPPEARING_SHARE = 0.5


def continues_first_feature(sequences: Sequences, y, sample_weight=None) -> bool:
    """Whether ``y`` looks like the continuation of input feature 0 (a forecast).

    True when the (first) target is in the units of feature 0 -- its
    standard deviation within a factor :data:`FORECAST_SPREAD_RATIO` of
    feature 0's over all time steps, which a sum over the steps, say, is not
    -- and either

    * at least :data:`FORECAST_REAPPEARING_SHARE` of the targets reappear
      exactly among feature 0's input values (overlapping windows of one
      series: the target of a window is a step of the next ones), or
    * the last value of feature 0 predicts the target better than its mean
      does (windows that do not overlap, e.g. of many series).

    Then ``scaling="auto"`` standardises each window around its own last
    value (``"last"``). On the ten forecasting series of the Benchmarks page
    (5 seeds each) that beat global standardisation on every one, for both
    cells: it extrapolates trends that global scaling cannot (airline
    passengers: RMSE 55-95 global, 17.9 anchored; seasonal naive 50), and
    it brings noisy level series past the last-value forecast (Nile: 236
    global, 131 anchored; last value 153, ARIMA(0,1,1) 126), also where the
    naive forecast is no better than the mean on the training windows
    (Nile, shampoo, uschange: hence the first test). Variances and shares
    are weighted by ``sample_weight``.
    """
    if len(y) != sequences.n_samples:
        return False  # the length check of fit names the problem
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    target = np.asarray(y, dtype=np.float64).reshape(len(y), -1)[:, 0]
    steps = np.concatenate([s[:length, 0] for s, length in zip(
        sequences.data, sequences.lengths, strict=True)]).astype(np.float64)
    feature_var = float(_weighted_var(steps, np.repeat(weight, sequences.lengths)))
    target_var = float(_weighted_var(target, weight))
    if feature_var <= 0 or target_var <= 0:
        return False
    ratio = np.sqrt(target_var / feature_var)
    if not 1 / FORECAST_SPREAD_RATIO <= ratio <= FORECAST_SPREAD_RATIO:
        return False
    # compared as the network sees them: float32
    reappearing = np.isin(target.astype(np.float32), steps.astype(np.float32))
    if np.average(reappearing, weights=weight) >= FORECAST_REAPPEARING_SHARE:
        return True
    last = steps[np.cumsum(sequences.lengths) - 1]  # each sequence's last step
    return float(np.average((target - last) ** 2, weights=weight)) < target_var


def _weighted_var(values: np.ndarray, sample_weight=None) -> np.ndarray:
    """Variance along axis 0, each row counting with its weight."""
    mean = np.average(values, axis=0, weights=sample_weight)
    return np.average((values - mean) ** 2, axis=0, weights=sample_weight)


def weighted_quantile(values: np.ndarray, q: float, sample_weight=None) -> np.ndarray:
    """The ``q``-quantile of each column of ``values``, each row counting with its weight.

    The lower quantile: the smallest value whose cumulative weight reaches
    ``q`` of the total, a minimiser of the (weighted) pinball loss (for
    ``q=0.5``, of the absolute error).
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    weight = np.ones(len(values)) if sample_weight is None else np.asarray(sample_weight, float)
    out = np.empty(values.shape[1])
    for j in range(values.shape[1]):
        order = np.argsort(values[:, j], kind="stable")
        cumulative = np.cumsum(weight[order])
        k = int(np.searchsorted(cumulative, q * cumulative[-1], side="left"))
        out[j] = values[order[min(k, len(order) - 1)], j]
    return out


def constant_loss(y: np.ndarray, scale: np.ndarray, loss: str, quantile=None,
                  sample_weight=None) -> float:
    """The (weighted) training loss of the best constant prediction under ``loss``.

    The reference of ``tol`` and of the "did not learn" warning: the mean
    for squared error (its loss is the variance over ``scale**2``), the
    median for absolute error, the ``quantile`` for the pinball loss, and
    the numerical minimiser for Huber. Losses on residuals divided by
    ``scale``, averaged over outputs, as :class:`StandardizedRegressionLoss`.
    """
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if loss == "squared_error":
        return float(np.mean(_weighted_var(y, sample_weight) / scale**2))
    if loss in ("absolute_error", "quantile"):
        q = 0.5 if loss == "absolute_error" else float(quantile)
        residual = (y - weighted_quantile(y, q, sample_weight)) / scale
        losses = np.maximum(q * residual, (q - 1) * residual)
        if loss == "absolute_error":
            losses = 2 * losses  # |r| = 2 * pinball_0.5(r)
        return float(np.mean(np.average(losses, axis=0, weights=sample_weight)))
    # huber: convex in the constant, minimised between the median and the mean
    from scipy.optimize import minimize_scalar

    total = 0.0
    for j in range(y.shape[1]):
        r_of = lambda c, j=j: (y[:, j] - c) / scale[j]  # noqa: E731

        def mean_huber(c, j=j):
            a = np.abs(r_of(c))
            h = np.where(a <= HUBER_DELTA, 0.5 * a**2, HUBER_DELTA * (a - 0.5 * HUBER_DELTA))
            return float(np.average(h, weights=sample_weight))

        lo, hi = float(y[:, j].min()), float(y[:, j].max())
        total += mean_huber(lo) if lo == hi else minimize_scalar(
            mean_huber, bounds=(lo, hi), method="bounded",
            options={"xatol": 1e-6 * max(scale[j], 1e-12)}).fun
    return total / y.shape[1]


#: What the docstrings of the three regressors say about regression; the rest
#: of each is built by :func:`~skrnn._docstrings.estimator_doc`.
_REGRESSION_DOC = TaskDoc(
    output="that predicts one value, or ``n_outputs`` values such as a "
    "multi-step forecast horizon.",
    attributes="""\
{fitted}
n_outputs_ : int
    Number of regression outputs.
target_mean_, target_scale_ : ndarray of shape ``(n_outputs_,)``
    Mean and standard deviation of each target on the training data
    (zeros and ones when ``scaling=None``); the loss (see ``loss``) is
    computed on residuals divided by ``target_scale_``.""",
    counterpart="RecurrentClassifier : The classification counterpart.",
    example="""\
>>> import numpy as np
>>> from skrnn import {name}
>>> rng = np.random.RandomState(0)
>>> X = rng.normal(size=(64, 10, 2))          # 64 sequences, 10 steps, 2 features
>>> y = X[:, :, 0].sum(axis=1)
>>> reg = {name}({cell_argument}max_epochs=5, random_state=0).fit(X, y)
>>> reg.predict(X[:3]).shape
(3,)""",
)


class _RegressorCore(RegressorMixin, RecurrentEstimatorBase):
    """Target handling shared by the recurrent regressors."""

    _net_class = SequenceNetRegressor
    _criterion = StandardizedRegressionLoss
    _task = "regressor"
    _task_doc = _REGRESSION_DOC

    def _encode_target(self, y, sample_weight=None, classes=None):
        y = check_regression_target(y)
        self._y_ndim = y.ndim
        y2d = y.reshape(len(y), -1)
        self.n_outputs_ = y2d.shape[1]
        if self.scaling_ is None:
            self.target_mean_ = np.zeros(self.n_outputs_)
            self.target_scale_ = np.ones(self.n_outputs_)
        else:
            self.target_mean_ = np.average(y2d, axis=0, weights=sample_weight)
            std = np.sqrt(_weighted_var(y2d, sample_weight))
            self.target_scale_ = np.where(std > 0, std, 1.0)
        return y2d.astype(np.float32), self.n_outputs_

    def _check_params(self):
        """``quantile`` goes with ``loss="quantile"`` and only with it."""
        if self.loss == "quantile" and self.quantile is None:
            raise ValueError(
                'loss="quantile" needs the quantile to predict: pass quantile=q with '
                "0 < q < 1, e.g. quantile=0.9."
            )
        if self.loss != "quantile" and self.quantile is not None:
            raise ValueError(
                f"quantile={self.quantile!r} is only used with loss=\"quantile\"; "
                f"got loss={self.loss!r}. Set loss=\"quantile\" or leave quantile=None."
            )

    def _encode_more_target(self, y):
        y = check_regression_target(y)
        y2d = y.reshape(len(y), -1)
        if y2d.shape[1] != self.n_outputs_ or y.ndim != self._y_ndim:
            raise ValueError(
                f"y has shape {y.shape}, but {type(self).__name__} was first fitted with "
                f"{self.n_outputs_} output(s) (y of {self._y_ndim} dimension(s)); a continued "
                "fit cannot change the outputs."
            )
        return y2d.astype(np.float32)

    @fill_doc
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing from the current weights.

        The first call builds the network as :meth:`fit` does (scaling
        statistics, target statistics and ``training_plan_`` from this
        first batch of data) and trains it for one epoch; every later call
        trains the same network, optimizer and learning-rate schedule for
        one more epoch (one pass over its data in batches of
        ``training_plan_.batch_size``). See the Incremental training page
        of the user guide for what is kept between calls.

        Parameters
        ----------
        {X_continued}
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, with the outputs of the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence, as in :meth:`fit`.

        {returns_one_more_epoch}

        Raises
        ------
        ValueError
            If a later call has another number of features or outputs.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _net_params(self, n_outputs):
        return {"module__regression": True, "criterion__scale": self.target_scale_,
                "criterion__loss": self.loss, "criterion__quantile": self.quantile}

    def _output_scaling(self):
        return self.target_mean_, self.target_scale_

    def _auto_early_stopping(self, n_samples):
        return n_samples >= AUTO_EARLY_STOPPING_MIN_SAMPLES

    def _auto_highway_window(self, sequences):
        # a forecast depends most on the last steps: read those, as many as fit
        steps = max(1, AUTO_HIGHWAY_WEIGHTS // sequences.n_features)
        return min(int(np.max(sequences.lengths)), steps)

    def _auto_scaling(self, sequences, y, sample_weight=None):
        y = check_regression_target(y)  # named errors before the rule reads y
        return "last" if continues_first_feature(sequences, y, sample_weight) else "global"

    def _constant_loss(self, y_encoded, sample_weight=None):
        # the (weighted) loss of the best constant: the mean, median or quantile
        return constant_loss(y_encoded, self.target_scale_, self.loss, self.quantile,
                             sample_weight)

    @predict_doc(
        "Predict the target of each sequence.",
        "y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)",
        "Predictions, with the same number of dimensions as the ``y`` passed to :meth:`fit`.",
    )
    def predict(self, X):
        y_pred = self._network_output(X).astype(np.float64)
        return y_pred.ravel() if self._y_ndim == 1 else y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# The estimators. RecurrentEstimatorBase.__init_subclass__ gives each its
# ``__init__`` (from the parameter table, skrnn._params) and its docstring
# (skrnn._docstrings.estimator_doc with _REGRESSION_DOC).


class RecurrentRegressor(_RegressorCore): ...  # the cell is a parameter


class GRURegressor(_RegressorCore, cell="gru"): ...


class LSTMRegressor(_RegressorCore, cell="lstm"): ...
