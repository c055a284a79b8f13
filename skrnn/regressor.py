"""Recurrent regressors: RecurrentRegressor, GRURegressor, LSTMRegressor."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from ._base import RecurrentEstimatorBase
from ._docstrings import fill_doc, fixed_cell_doc
from ._module import StandardizedMSELoss
from ._net import SequenceNetRegressor
from ._validation import check_regression_target


class _RegressorCore(RegressorMixin, RecurrentEstimatorBase):
    """Target handling shared by the recurrent regressors."""

    _net_class = SequenceNetRegressor
    _criterion = StandardizedMSELoss

    def _encode_target(self, y):
        y = check_regression_target(y)
        self._y_ndim = y.ndim
        y2d = y.reshape(len(y), -1)
        self.n_outputs_ = y2d.shape[1]
        if self.scaling is None:
            self.target_mean_ = np.zeros(self.n_outputs_)
            self.target_scale_ = np.ones(self.n_outputs_)
        else:
            self.target_mean_ = y2d.mean(axis=0)
            std = y2d.std(axis=0)
            self.target_scale_ = np.where(std > 0, std, 1.0)
        return y2d.astype(np.float32), self.n_outputs_

    def _net_params(self, n_outputs):
        return {"module__regression": True, "criterion__scale": self.target_scale_}

    def _output_scaling(self):
        return self.target_mean_, self.target_scale_

    def predict(self, X):
        """Predict the target of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features), or list of array-like
            Sequences, laid out as in :meth:`fit`; lengths may differ from
            those seen in fit.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, with the same number of dimensions as the ``y``
            passed to :meth:`fit`.
        """
        y_pred = self._network_output(X).astype(np.float64)
        return y_pred.ravel() if self._y_ndim == 1 else y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


@fill_doc
class RecurrentRegressor(_RegressorCore):
    """Recurrent (GRU or LSTM) network regressor on sequences.

    Each input sequence is read by a stack of recurrent layers; the last
    hidden state (or the mean over time, see ``pooling``) feeds a linear
    layer that predicts one value, or ``n_outputs`` values such as a
    multi-step forecast horizon. Trained with skorch; ``fit`` builds the
    skorch net as ``net_``.

    Use :class:`GRURegressor` or :class:`LSTMRegressor` for a fixed cell; use
    this class to search over ``cell`` like any other hyperparameter.

    Parameters
    ----------
    {cell}
    {network}
    {training}
    {runtime}

    Attributes
    ----------
    {fitted}
    n_outputs_ : int
        Number of regression outputs.
    target_mean_, target_scale_ : ndarray of shape ``(n_outputs_,)``
        Mean and standard deviation of each target on the training data
        (zeros and ones when ``scaling=None``); the loss is the mean squared
        error divided by ``target_scale_ ** 2``.

    See Also
    --------
    GRURegressor, LSTMRegressor : The same estimator with the cell fixed.
    RecurrentClassifier : The classification counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import RecurrentRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 10, 2))          # 64 sequences, 10 steps, 2 features
    >>> y = X[:, :, 0].sum(axis=1)
    >>> reg = RecurrentRegressor(cell="lstm", max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """


class _FixedCellRegressor(_RegressorCore):
    """A recurrent regressor whose cell is a class attribute, not a parameter."""

    cell = None  # set by each subclass; a class attribute, so not a parameter


_FIXED_DOC = """{title} regressor on sequences.

    A :class:`RecurrentRegressor` with ``cell="{cell_name}"`` fixed. {blurb}

    Parameters
    ----------
    {{network}}
    {{training}}
    {{runtime}}

    Attributes
    ----------
    {{fitted}}
    n_outputs_ : int
        Number of regression outputs.
    target_mean_, target_scale_ : ndarray of shape ``(n_outputs_,)``
        Mean and standard deviation of each target on the training data
        (zeros and ones when ``scaling=None``); the loss is the mean squared
        error divided by ``target_scale_ ** 2``.

    See Also
    --------
    RecurrentRegressor : The same estimator with the cell as a parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import {name}
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 10))              # 64 univariate sequences of 10 steps
    >>> y = X.sum(axis=1)
    >>> reg = {name}(max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """


@fill_doc
class GRURegressor(_FixedCellRegressor):
    __doc__ = fixed_cell_doc(_FIXED_DOC, "GRURegressor", "gru")
    cell = "gru"


@fill_doc
class LSTMRegressor(_FixedCellRegressor):
    __doc__ = fixed_cell_doc(_FIXED_DOC, "LSTMRegressor", "lstm")
    cell = "lstm"
