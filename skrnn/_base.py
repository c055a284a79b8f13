"""What every skrnn estimator shares: parameters, fitting, inference.

An estimator is a plain scikit-learn ``BaseEstimator``: ``__init__`` only
stores its flat hyperparameters; ``fit`` validates the data and builds a skorch
net as ``net_``.  Task specifics (target encoding, loss, output decoding) are
small hooks implemented in :mod:`skrnn.regressor` and :mod:`skrnn.classifier`.
"""

from __future__ import annotations

import contextlib
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import EarlyStopping, GradientNormClipping

from ._callbacks import FiniteLossGuard
from ._dataset import SequenceBatches, SequenceDataset, TailSplit
from ._inference import check_fitted, check_predict_input, torch_output
from ._module import CELLS, FRONT_ENDS, POOLINGS, SCALINGS, RecurrentNetwork
from ._onnx import create_session, export_network, onnx_output
from ._validation import (
    Sequences,
    check_consistent_length,
    check_device,
    check_layout,
    check_sequences,
)
from ._version import __version__
from .exceptions import InconsistentVersionWarning

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}

# Inference needs no gradients, so it can afford larger batches than training.
_MIN_PREDICT_BATCH = 256

INFERENCE_BACKENDS = ("torch", "onnx")

# patch_size="auto" folds time steps into patches so that the recurrent layers
# run about this many steps on a typical (median-length) training sequence.
AUTO_PATCH_STEPS = 100


class RecurrentEstimatorBase(BaseEstimator):
    """Base class of the recurrent estimators; not meant to be used directly.

    Subclasses set ``_net_class`` and ``_criterion`` and implement the
    ``_encode_target`` hook; see :class:`skrnn.RecurrentRegressor` for the
    documentation of the parameters.
    """

    _parameter_constraints: dict = {
        "cell": [StrOptions(set(CELLS))],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "bidirectional": ["boolean"],
        "pooling": [StrOptions(set(POOLINGS))],
        "patch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "front_end": [StrOptions(set(FRONT_ENDS)), None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), callable],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "gradient_clip": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": ["boolean"],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), callable],
        "shuffle": ["boolean"],
        "scaling": [StrOptions(set(SCALINGS)), None],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "inference": [StrOptions(set(INFERENCE_BACKENDS))],
    }

    # set by subclasses
    _net_class = None
    _criterion = None
    # whether the output is turned into probabilities (softmax) for predict_proba
    _probabilities = False

    def _store_params(self, values: dict):
        """Store constructor arguments as attributes, scikit-learn style."""
        for name in self._get_param_names():
            setattr(self, name, values[name])

    # ------------------------------------------------------------------ hooks
    def _encode_target(self, y) -> tuple[np.ndarray, int]:
        """Validate ``y``; return the encoded target and the output size."""
        raise NotImplementedError

    def _net_params(self, n_outputs: int) -> dict:
        """Task-specific keyword arguments for the skorch net."""
        return {}

    def _validation_split(self, fraction: float, seed: int):
        """The split used for early stopping when given a fraction."""
        return TailSplit(fraction)

    def _output_scaling(self):
        """``(shift, scale)`` mapping network outputs to target units, or None."""
        return None

    # -------------------------------------------------------------- fitting
    def fit(self, X, y):
        """Fit the recurrent network to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features), or list of array-like
            Training sequences. A list may hold sequences of different
            lengths, each of shape ``(n_timesteps_i,)`` or
            ``(n_timesteps_i, n_features)``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        check_device(self.device)
        check_layout(self, X, reset=True)
        sequences = check_sequences(X)
        y_encoded, n_outputs = self._encode_target(y)
        check_consistent_length(sequences, y_encoded)
        self.n_features_in_ = sequences.n_features
        self.patch_size_ = self._resolve_patch_size(sequences)

        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        net = self._build_net(sequences.n_features, n_outputs, seed)
        dataset = SequenceDataset(sequences, y_encoded)
        with _seeded_torch(seed, self.device):
            net.initialize()
            if self.scaling == "global":
                net.module_.set_scaling(
                    *feature_statistics(sequences), *(self._output_scaling() or (None, None))
                )
            net.partial_fit(dataset, y_encoded)  # y reaches skorch splits (stratification)
        net.module_.eval()  # ready for inference; skorch switches back to train mode itself
        self.net_ = net
        self.n_iter_ = len(net.history)
        self._onnx = None  # a session exported from a previous fit is stale
        return self

    def _build_net(self, n_features: int, n_outputs: int, seed: int):
        train_split = None
        if self.early_stopping:
            train_split = (
                self.validation_fraction
                if callable(self.validation_fraction)
                else self._validation_split(self.validation_fraction, seed)
            )
        # Like scikit-learn's MLP: stop when the monitored loss has not improved
        # by ``tol`` (relative) for ``patience`` epochs; with a validation split
        # monitor the validation loss and restore the best weights.
        stopper = EarlyStopping(
            monitor="valid_loss" if self.early_stopping else "train_loss",
            patience=self.patience,
            threshold=self.tol,
            threshold_mode="rel",
            load_best=self.early_stopping,
        )
        callbacks = [("finite_loss", FiniteLossGuard()), ("early_stopping", stopper)]
        if self.gradient_clip is not None:
            callbacks.append(
                ("gradient_clip", GradientNormClipping(gradient_clip_value=self.gradient_clip))
            )
        callbacks.extend(self.callbacks or [])
        optimizer = OPTIMIZERS.get(self.optimizer, self.optimizer)
        return self._net_class(
            module=RecurrentNetwork,
            module__cell=self.cell,
            module__input_size=n_features,
            module__output_size=n_outputs,
            module__hidden_size=self.hidden_size,
            module__num_layers=self.num_layers,
            module__dropout=self.dropout,
            module__bidirectional=self.bidirectional,
            module__pooling=self.pooling,
            module__patch_size=self.patch_size_,
            module__front_end=self.front_end,
            module__scaling=self.scaling,
            criterion=self._criterion,
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=SequenceBatches,
            iterator_train__shuffle=self.shuffle,
            iterator_train__seed=seed,
            iterator_valid=SequenceBatches,
            iterator_valid__batch_size=max(self.batch_size, _MIN_PREDICT_BATCH),
            train_split=train_split,
            callbacks=callbacks,
            device=self.device,
            verbose=self.verbose,
            # skorch's PrintLog formats the epoch table even when verbose=0
            # (about 0.5 ms per epoch); switch it off when nothing is printed.
            **({} if self.verbose else {"callbacks__print_log": None}),
            **self._net_params(n_outputs),
        )

    def _resolve_patch_size(self, sequences: Sequences) -> int:
        if self.patch_size != "auto":
            return int(self.patch_size)
        return max(1, int(round(float(np.median(sequences.lengths)) / AUTO_PATCH_STEPS)))

    # ------------------------------------------------------------- inference
    def _network_output(self, X) -> np.ndarray:
        """Validate ``X`` against the fit and return the network output (float32).

        Probabilities for classifiers, target units for regressors; computed
        by torch or onnxruntime according to ``inference``.
        """
        sequences = check_predict_input(self, X)
        batch_size = max(self.net_.batch_size, _MIN_PREDICT_BATCH)
        if self.inference == "onnx":
            return onnx_output(self._onnx_session(), sequences, batch_size)
        return torch_output(
            self.net_.module_, sequences, batch_size, self.net_.device, self._probabilities
        )

    def _onnx_session(self):
        """The onnxruntime session for the current weights, created on first use.

        Keyed on the module object and the version counters of its tensors,
        so that weights changed in place (``net_.load_params``, further
        training) trigger a fresh export instead of stale predictions. The
        tensors are listed once per session: walking ``state_dict()`` on every
        call would cost a third of a one-sequence prediction.
        """
        module = self.net_.module_
        cached = getattr(self, "_onnx", None)
        if cached is not None:
            owner, tensors, versions, session = cached
            if owner is module and all(t._version == v for t, v in zip(tensors, versions, strict=True)):
                return session
        tensors = list(module.state_dict(keep_vars=True).values())
        session = create_session(
            module, n_features=self.n_features_in_, probabilities=self._probabilities
        )
        self._onnx = (module, tensors, [t._version for t in tensors], session)
        return session

    def to_onnx(self, path):
        """Export the fitted network to an ONNX file.

        The graph holds the whole network -- input scaling, patching, the
        recurrent layers, pooling and the output layer. Its input ``"X"`` is a
        float32 array of shape ``(batch, time, n_features_in_)`` with dynamic
        batch and time axes; all sequences of one call must have the same
        length (run ragged data in groups of equal length). Its output is
        ``"predictions"`` in target units, shape ``(batch, n_outputs)``, for a
        regressor, and ``"probabilities"`` (softmax applied), shape
        ``(batch, n_classes)`` in the order of ``classes_``, for a classifier.

        Parameters
        ----------
        path : str, path-like or binary file object
            Where to write the model.

        Returns
        -------
        path : str, path-like or binary file object
            The ``path`` given.

        Raises
        ------
        ImportError
            If the optional dependency ``onnx`` is not installed
            (``pip install 'skrnn[onnx]'``).
        """
        check_fitted(self)
        export_network(
            self.net_.module_, path, n_features=self.n_features_in_,
            probabilities=self._probabilities,
        )
        return path

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # ----------------------------------------------------------- pickling
    def __getstate__(self):
        state = super().__getstate__()
        # An onnxruntime session cannot be pickled; it is rebuilt on demand.
        state.pop("_onnx", None)
        state["_skrnn_version"] = __version__
        return state

    def __setstate__(self, state):
        saved_with = state.pop("_skrnn_version", "unknown")
        if saved_with != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_version=__version__,
                    original_version=saved_with,
                ),
                stacklevel=2,
            )
        super().__setstate__(state)


# The constructors, written once. scikit-learn reads hyperparameters from
# ``__init__``'s signature, so each estimator class binds one of these as its
# ``__init__``: with ``cell`` as a parameter (Recurrent*), or without it for
# the classes whose cell is fixed (GRU*, LSTM*).
def init_with_cell(
    self,
    cell="gru",
    *,
    hidden_size=64,
    num_layers=1,
    dropout=0.0,
    bidirectional=False,
    pooling="mean",
    patch_size="auto",
    front_end="conv",
    max_epochs=100,
    batch_size=32,
    lr=3e-3,
    optimizer="adam",
    weight_decay=0.0,
    gradient_clip=1.0,
    early_stopping=False,
    patience=10,
    tol=1e-4,
    validation_fraction=0.1,
    shuffle=True,
    scaling="global",
    random_state=None,
    device="cpu",
    verbose=0,
    callbacks=None,
    inference="torch",
):
    self._store_params(locals())


def init_fixed_cell(
    self,
    *,
    hidden_size=64,
    num_layers=1,
    dropout=0.0,
    bidirectional=False,
    pooling="mean",
    patch_size="auto",
    front_end="conv",
    max_epochs=100,
    batch_size=32,
    lr=3e-3,
    optimizer="adam",
    weight_decay=0.0,
    gradient_clip=1.0,
    early_stopping=False,
    patience=10,
    tol=1e-4,
    validation_fraction=0.1,
    shuffle=True,
    scaling="global",
    random_state=None,
    device="cpu",
    verbose=0,
    callbacks=None,
    inference="torch",
):
    self._store_params(locals())


def feature_statistics(sequences: Sequences) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation over every valid time step.

    A constant feature gets scale 1 so that standardising never divides by 0.
    """
    if sequences.is_ragged:
        total = sum(s.sum(axis=0, dtype=np.float64) for s in sequences.data)
        count = sequences.lengths.sum()
        mean = total / count
        sq = sum(((s - mean) ** 2).sum(axis=0, dtype=np.float64) for s in sequences.data)
        std = np.sqrt(sq / count)
    else:
        mean = sequences.data.mean(axis=(0, 1), dtype=np.float64)
        std = sequences.data.std(axis=(0, 1), dtype=np.float64)
    std = np.where(std < 10 * np.finfo(np.float32).eps * np.maximum(np.abs(mean), 1), 1.0, std)
    return mean, std


@contextlib.contextmanager
def _seeded_torch(seed: int, device):
    """Seed torch for one fit without touching the caller's global RNG state."""
    device = torch.device(device)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
