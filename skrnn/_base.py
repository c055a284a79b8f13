"""What every skrnn estimator shares: parameters, fitting, inference.

An estimator is a plain scikit-learn ``BaseEstimator``: ``__init__`` only
stores its flat hyperparameters; ``fit`` validates the data and builds a skorch
net as ``net_``.  Task specifics (target encoding, loss, output decoding) are
small hooks implemented in :mod:`skrnn.regressor` and :mod:`skrnn.classifier`.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import GradientNormClipping
from torch.optim.lr_scheduler import LambdaLR

from ._callbacks import EpochProgress, FiniteLossGuard, WeightedEpochLoss
from ._compat import tensor_version
from ._dataset import SequenceBatches, SequenceDataset, TailSplit, n_held_out
from ._docstrings import estimator_doc
from ._inference import check_fitted, check_predict_input, torch_output
from ._module import RecurrentNetwork
from ._onnx import create_session, export_network, onnx_output
from ._params import CONSTRAINTS, OPTIMIZERS, make_init
from ._threads import resolve_num_threads, torch_threads
from ._schedule import (
    BatchLRScheduler,
    EPOCH_END_LOSS,
    EpochEndLoss,
    PlateauStopping,
    RestoreBestWeights,
    TrainingPlan,
    WarmupCosine,
    plan_training,
)
from ._validation import (
    Sequences,
    check_consistent_length,
    check_device,
    check_layout,
    check_sequences,
)
from ._version import __version__
from .exceptions import InconsistentVersionWarning

# Inference needs no gradients, so it can afford larger batches than training.
_MIN_PREDICT_BATCH = 256

# highway_window="auto" keeps the linear highway to at most this many weights
# per output (steps times features), so long or wide data keep a small term.
AUTO_HIGHWAY_WEIGHTS = 256

# patch_size="auto" folds time steps into patches so that the recurrent layers
# run about this many steps on a typical (median-length) training sequence.
AUTO_PATCH_STEPS = 100

# A fit whose best training loss is above this share of a constant
# prediction's loss has learnt (almost) nothing: said out loud.
CONSTANT_LOSS_SHARE = 0.95


class RecurrentEstimatorBase(BaseEstimator):
    """Base class of the recurrent estimators; not meant to be used directly.

    Subclasses set ``_net_class`` and ``_criterion`` and implement the
    ``_encode_target`` hook; see :class:`skrnn.RecurrentRegressor` for the
    documentation of the parameters.
    """

    _parameter_constraints: dict = CONSTRAINTS

    # set by subclasses
    _net_class = None
    _criterion = None
    # whether the output is turned into probabilities (softmax) for predict_proba
    _probabilities = False
    # "regressor" or "classifier": which parameters of the table the class takes
    _task = None
    # What the class docstrings say about the task: a skrnn._docstrings.TaskDoc
    _task_doc = None

    def __init_subclass__(cls, cell=None, **kwargs):
        super().__init_subclass__(**kwargs)
        # ``class GRUClassifier(..., cell="gru")`` fixes the cell: a class
        # attribute ``cell`` instead of a parameter.
        if cell is not None:
            cls.cell = cell
        # Each class gets its own __init__, generated from the parameter
        # table and named after it in errors; a fixed cell removes that
        # parameter from it.
        if "__init__" not in vars(cls):
            cls.__init__ = make_init(cls, with_cell=not hasattr(cls, "cell"), task=cls._task)
        # skrnn's six estimators write no docstring: each gets one from the
        # template they share (a subclass elsewhere inherits it, as usual).
        ours = cls.__module__.startswith("skrnn.")
        if ours and cls.__doc__ is None and cls._task_doc is not None:
            cls.__doc__ = estimator_doc(cls, cls._task_doc)

    # ------------------------------------------------------------------ hooks
    def _encode_target(self, y, sample_weight=None, classes=None) -> tuple[np.ndarray, int]:
        """Validate ``y``; return the encoded target and the output size.

        ``classes`` is the ``classes`` of a first ``partial_fit`` call.
        """
        raise NotImplementedError

    def _loss_weights(self, y_encoded: np.ndarray, sample_weight, incremental=False):
        """The weight of each sequence in the loss, or None for equal weights."""
        return sample_weight

    def _net_params(self, n_outputs: int) -> dict:
        """Task-specific keyword arguments for the skorch net."""
        return {}

    def _validation_split(self, fraction: float, seed: int):
        """The split used for early stopping when given a fraction."""
        return TailSplit(fraction)

    def _output_scaling(self):
        """``(shift, scale)`` mapping network outputs to target units, or None."""
        return None

    def _resolve_early_stopping(self, n_samples: int) -> bool:
        """Whether a fit on ``n_samples`` sequences holds out a validation share."""
        if self.early_stopping == "auto":
            return self._auto_early_stopping(n_samples)
        return bool(self.early_stopping)

    def _auto_early_stopping(self, n_samples: int) -> bool:
        """What ``early_stopping="auto"`` means for this task and data size."""
        return False

    def _resolve_scaling(self, sequences: Sequences, y, sample_weight=None):
        """``scaling_``: the scaling a fit on this training data uses."""
        if self.scaling == "auto":
            return self._auto_scaling(sequences, y, sample_weight)
        return self.scaling

    def _auto_scaling(self, sequences: Sequences, y, sample_weight=None) -> str:
        """What ``scaling="auto"`` means for this task and data."""
        return "global"

    def _check_params(self):
        """Checks across parameters that ``_parameter_constraints`` cannot express."""

    def _constant_loss(self, y_encoded: np.ndarray, sample_weight=None) -> float:
        """(Weighted) training loss of the best constant prediction (the initial plateau)."""
        raise NotImplementedError

    # -------------------------------------------------------------- fitting
    def fit(self, X, y, sample_weight=None):
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
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sequence (None: all equal). The loss
            of a batch is ``sum(w_i * loss_i) / sum(w_i)`` over its
            sequences, so only the ratios of the weights matter; the
            end-of-epoch, validation and early-stopping losses are weighted
            means too, and so are the statistics of ``scaling`` and the
            constant-prediction loss behind ``tol``. A weight of 0 drops the
            sequence from every loss, but it still counts where sequences
            are counted (``batch_size="auto"``, ``patch_size="auto"``, the
            validation split). Classifiers multiply it by ``class_weight``.
            Not modified.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight=None, *, incremental=False, classes=None):
        """``fit`` (one plan) or, with ``incremental``, one epoch of ``partial_fit``.

        A fitted estimator continues from its weights when ``incremental`` or
        ``warm_start``; otherwise the network is built afresh.
        """
        self._validate_params()
        self._check_params()
        check_device(self.device)
        continuing = (incremental or self.warm_start) and hasattr(self, "net_")
        check_layout(self, X, reset=not continuing)
        sequences = check_sequences(X)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, np.empty(sequences.n_samples), dtype=np.float64,
                ensure_non_negative=True, copy=True,
            )
        if continuing:
            # kept from the first fit: scaling, target statistics, classes, patching
            self._check_same_features(sequences, incremental)
            y_encoded = self._encode_more_target(y)
            n_outputs = None
        else:
            self.scaling_ = self._resolve_scaling(sequences, y, sample_weight)
            y_encoded, n_outputs = self._encode_target(y, sample_weight, classes)
        check_consistent_length(sequences, y_encoded)
        sample_weight = self._loss_weights(y_encoded, sample_weight, incremental)
        dataset = SequenceDataset(sequences, y_encoded, sample_weight)
        # A net that may continue weighs every loss itself (reduction="none"),
        # so that later calls may bring sample weights when the first did not.
        weighted = sample_weight is not None or incremental or self.warm_start

        self.n_threads_ = self._resolve_threads(self._plan(sequences.n_samples).batch_size)
        with torch_threads(self.n_threads_):
            if continuing and incremental:
                net = self.net_
                seed = self._seed_
                # each call shuffles in its own order (a fit's iterator advances across epochs)
                net.iterator_train__seed = seed + len(net.history)
                with _seeded_torch(seed + len(net.history), self.device):
                    _set_progress_epochs(net, 1)
                    net.partial_fit(dataset, y_encoded, epochs=1)
            else:
                if not continuing:
                    self.n_features_in_ = sequences.n_features
                    self.patch_size_ = self._resolve_patch_size(sequences)
                    self.highway_window_ = self._resolve_highway_window(sequences)
                self.early_stopping_ = self._resolve_early_stopping(sequences.n_samples)
                self.training_plan_ = self._plan(sequences.n_samples)
                seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
                self._seed_ = seed
                self._constant_loss_ = self._constant_loss(y_encoded, sample_weight)
                previous = self.net_ if continuing else None
                net = self._build_net(self.n_features_in_, self._n_outputs(n_outputs), seed,
                                      self._constant_loss_, weighted)
                with _seeded_torch(seed, self.device):
                    net.initialize()
                    if previous is not None:  # warm start: the fitted weights and Adam's moments
                        net.module_.load_state_dict(previous.module_.state_dict())
                        _continue_optimizer(net.optimizer_, previous.optimizer_)
                    elif self.scaling_ in ("global", "sequence_stats"):
                        net.module_.set_scaling(
                            *feature_statistics(sequences, sample_weight),
                            *(self._output_scaling() or (None, None)),
                        )
                    epochs = 1 if incremental else self.training_plan_.max_epochs
                    _set_progress_epochs(net, epochs)
                    # y reaches skorch splits (stratification)
                    net.partial_fit(dataset, y_encoded, epochs=epochs)
        net.module_.eval()  # ready for inference; skorch switches back to train mode itself
        self.net_ = net
        self.n_iter_ = len(net.history)
        self.n_steps_ = int(sum(net.history[:, "train_batch_count"]))
        self.best_epoch_ = int(dict(net.callbacks_)["best_weights"].best_epoch_)
        self._onnx = None  # a session exported from a previous fit is stale
        if not incremental:  # one epoch of partial_fit is not expected to have learnt
            self._warn_if_constant()
        return self

    def _resolve_threads(self, batch: int) -> int:
        """The thread count of one call processing batches of ``batch`` sequences."""
        directions = 2 if self.bidirectional else 1
        # a model pickled before the parameter existed leaves torch's setting alone
        return resolve_num_threads(getattr(self, "num_threads", None),
                                   batch * self.hidden_size * directions)

    def _n_outputs(self, n_outputs):
        """The network's output size (``n_outputs`` of a first fit, else as fitted)."""
        if n_outputs is not None:
            return n_outputs
        return self.net_.module_.head.out_features

    def _check_same_features(self, sequences: Sequences, incremental: bool):
        """A continued fit must see the features of the first one."""
        if sequences.n_features != self.n_features_in_:
            method = "partial_fit" if incremental else "fit (warm_start=True)"
            raise ValueError(
                f"X has {sequences.n_features} features per time step, but "
                f"{type(self).__name__} was first fitted with {self.n_features_in_}; "
                f"{method} continues that model and cannot change the number of "
                "features. Fit a new estimator (or set warm_start=False) to start over."
            )

    def _encode_more_target(self, y) -> np.ndarray:
        """Encode ``y`` of a continued fit like the first fit's targets."""
        raise NotImplementedError

    def _plan(self, n_samples: int) -> TrainingPlan:
        """The training schedule for ``n_samples`` sequences (``"auto"`` resolved)."""
        n_train = n_samples
        if self._resolve_early_stopping(n_samples) and not callable(self.validation_fraction):
            n_train -= n_held_out(n_samples, self.validation_fraction)
        return plan_training(
            n_train,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            min_steps=self.min_steps,
            warmup_steps=self.warmup_steps,
        )

    def _training_loss_share(self) -> float | None:
        """The fit's best training loss as a share of a constant prediction's.

        0 is a perfect fit, 1 a model that learnt nothing; None when a
        constant prediction is already perfect (constant targets).
        """
        constant_loss = self._constant_loss_
        if constant_loss <= 0:
            return None
        return float(np.min(self.net_.history[:, EPOCH_END_LOSS])) / constant_loss

    def _warn_if_constant(self):
        """Say out loud when training never got clearly below a constant prediction."""
        share = self._training_loss_share()
        if share is None or share <= CONSTANT_LOSS_SHARE:
            return  # (constant targets: a constant prediction is perfect)
        constant_loss = self._constant_loss_
        warnings.warn(
            f"{type(self).__name__} did not learn: its best training loss "
            f"{share * constant_loss:.4g} is {share:.0%} of a constant prediction's "
            f"({constant_loss:.4g}) "
            f"after {self.n_steps_} optimizer steps ({self.n_iter_} epochs), so it predicts "
            "about the same for every sequence. Try more steps (min_steps, max_epochs), "
            "another lr, or another scaling; if the targets are unpredictable from X, "
            "no model will do better.",
            ConvergenceWarning,
            stacklevel=4,  # the caller of fit (fit -> _fit -> here)
        )

    def _build_net(self, n_features: int, n_outputs: int, seed: int, constant_loss: float,
                   weighted: bool = False):
        train_split = None
        if self.early_stopping_:
            train_split = (
                self.validation_fraction
                if callable(self.validation_fraction)
                else self._validation_split(self.validation_fraction, seed)
            )
        plan = self.training_plan_
        # Judge "best" and "plateau" on the end-of-epoch weights: the validation
        # loss with early stopping, else the training loss after the epoch.
        monitor = "valid_loss" if self.early_stopping_ else EPOCH_END_LOSS
        schedule = WarmupCosine(
            plan.warmup_steps, plan.total_steps, constant=self.lr_schedule == "constant"
        )
        callbacks = [("finite_loss", FiniteLossGuard())]
        if weighted:
            callbacks.append(("weighted_epoch_loss", WeightedEpochLoss()))
        if self.gradient_clip is not None:
            callbacks.append(
                ("gradient_clip", GradientNormClipping(gradient_clip_value=self.gradient_clip))
            )
        callbacks += [
            ("lr_scheduler", BatchLRScheduler(LambdaLR, lr_lambda=schedule)),
            ("epoch_end_loss", EpochEndLoss(seed=seed)),
            # before the stopping rule: the epoch that triggers the stop is still scored
            ("best_weights", RestoreBestWeights(monitor)),
            # the user's callbacks also see the epoch on which the rule stops
            *(self.callbacks or []),
            # verbose=1: epoch i / N, elapsed, ETA (before the rule, which ends the epoch)
            *([("progress", EpochProgress(monitor, type(self).__name__))]
              if self.verbose == 1 else []),
            ("plateau_stopping", PlateauStopping(
                monitor, self.patience, self.tol * constant_loss, plan.min_steps)),
        ]
        optimizer = OPTIMIZERS.get(self.optimizer, self.optimizer)
        return self._net_class(
            module=RecurrentNetwork,
            **{
                f"module__{name}": value
                for name, value in self._module_params(
                    n_features, n_outputs, self.patch_size_, self.highway_window_, self.scaling_
                ).items()
            },
            criterion=self._criterion,
            # Weighted fits need one loss per sequence (the net weights them);
            # unweighted fits keep the criterion's own mean, bit for bit the
            # loss of a plain torch loop and of earlier skrnn releases.
            criterion__reduction="none" if weighted else "mean",
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=plan.max_epochs,
            batch_size=plan.batch_size,
            iterator_train=SequenceBatches,
            iterator_train__shuffle=self.shuffle,
            iterator_train__seed=seed,
            iterator_valid=SequenceBatches,
            iterator_valid__batch_size=max(plan.batch_size, _MIN_PREDICT_BATCH),
            train_split=train_split,
            callbacks=callbacks,
            device=self.device,
            # verbose=1 is skrnn's progress; verbose>=2 skorch's epoch table.
            verbose=self.verbose if self.verbose >= 2 else 0,
            # skorch's PrintLog formats the epoch table even when verbose=0
            # (about 0.5 ms per epoch); switch it off when it prints nothing.
            **({} if self.verbose >= 2 else {"callbacks__print_log": None}),
            **self._net_params(n_outputs),
        )

    def _module_params(self, n_features: int, n_outputs: int, patch_size: int,
                       highway_window: int, scaling) -> dict:
        """Keyword arguments of the :class:`RecurrentNetwork` this estimator builds.

        The one place the estimator's parameters become the network's: the
        fit builds its net from them, and the selection counts the
        parameters of a configuration by building the module from them.

        Parameters
        ----------
        n_features, n_outputs : int
            Input features per step; network outputs.
        patch_size, highway_window : int
            The resolved ``patch_size`` and ``highway_window`` (see
            :meth:`_resolve_patch_size`, :meth:`_resolve_highway_window`).
        scaling : str or None
            The resolved ``scaling``.
        """
        return {
            "cell": self.cell,
            "input_size": n_features,
            "output_size": n_outputs,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "bidirectional": self.bidirectional,
            "pooling": self.pooling,
            "patch_size": patch_size,
            "front_end": self.front_end,
            "highway_window": highway_window,
            "scaling": scaling,
        }

    def _resolve_highway_window(self, sequences: Sequences) -> int:
        if self.highway_window != "auto":
            return int(self.highway_window)
        return self._auto_highway_window(sequences)

    def _auto_highway_window(self, sequences: Sequences) -> int:
        """``highway_window="auto"``: none; each task overrides this."""
        return 0

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
        threads = self._resolve_threads(min(batch_size, sequences.n_samples))
        with torch_threads(threads):
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
            if owner is module and all(tensor_version(t) == v for t, v in zip(tensors, versions, strict=True)):
                return session
        tensors = list(module.state_dict(keep_vars=True).values())
        session = create_session(
            module, n_features=self.n_features_in_, probabilities=self._probabilities
        )
        self._onnx = (module, tensors, [tensor_version(t) for t in tensors], session)
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


def feature_statistics(sequences: Sequences, sample_weight=None) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation over every valid time step.

    With ``sample_weight``, each time step counts with its sequence's weight
    (so a weight of 2 counts like the sequence twice, 0 like no sequence).
    A constant feature gets scale 1 so that standardising never divides by 0.
    """
    if sample_weight is not None:
        steps = [s[:length] for s, length in zip(sequences.data, sequences.lengths, strict=True)]
        count = float(np.dot(sample_weight, sequences.lengths))
        mean = sum(w * s.sum(axis=0, dtype=np.float64)
                   for w, s in zip(sample_weight, steps, strict=True)) / count
        std = np.sqrt(sum(w * ((s - mean) ** 2).sum(axis=0)
                          for w, s in zip(sample_weight, steps, strict=True)) / count)
    elif sequences.is_ragged:
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


def _set_progress_epochs(net, epochs: int):
    """Tell the ``verbose=1`` progress callback how many epochs this call runs."""
    progress = dict(net.callbacks_).get("progress")
    if progress is not None:
        progress.epochs = epochs


def _continue_optimizer(optimizer, previous):
    """Give ``optimizer`` the per-parameter state (Adam's moments) of ``previous``.

    The hyperparameters (``lr``, ``weight_decay``...) stay ``optimizer``'s,
    i.e. the current parameters'; the state is dropped when the optimizer
    class changed (it would not fit).
    """
    if type(optimizer) is not type(previous):
        return
    saved = previous.state_dict()
    saved["param_groups"] = [
        {**group, "params": old["params"]}
        for group, old in zip(optimizer.state_dict()["param_groups"], saved["param_groups"],
                              strict=True)
    ]
    optimizer.load_state_dict(saved)


@contextlib.contextmanager
def _seeded_torch(seed: int, device):
    """Seed torch for one fit without touching the caller's global RNG state."""
    device = torch.device(device)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
