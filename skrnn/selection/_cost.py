"""Measuring what a cell costs on this machine, through the estimator itself.

Every number here comes from running the public estimator (``fit`` for a few
batches, ``predict`` on one sequence, its fitted ``net_``), never from a bare
``nn.GRU``: the estimators' GRU runs skrnn's own CPU kernel (``FastGRU``),
and these measurements follow whatever the estimators use. On CPU, PyTorch's
own GRU is *slower* than its LSTM; which cell is cheaper through skrnn is
learnt here, on this machine, not from the textbook.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import _safe_indexing
from skorch.callbacks import Callback

from .._schedule import EPOCH_END_LOSS_SEQUENCES, resolve_batch_size
from ._types import CellCost

#: Training batches a probe times. The first one pays for warm-up (memory
#: allocation, kernel selection) and is dropped.
PROBE_BATCHES = 4

#: Cost of the epoch-end loss (one forward pass over at most
#: EPOCH_END_LOSS_SEQUENCES training sequences per epoch) relative to training
#: on as many: a forward pass is about a third of a forward and backward pass.
EPOCH_END_SHARE = 1 / 3

#: Timed ``predict`` calls for the latency, after one untimed warm-up call; the
#: median is robust to the other processes sharing the machine.
LATENCY_REPEATS = 7


class BatchTimer(Callback):
    """skorch callback recording the wall time of every training batch."""

    def initialize(self):
        self.seconds_ = []
        self._start = None
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            self._start = time.perf_counter()

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training and self._start is not None:
            self.seconds_.append(time.perf_counter() - self._start)
            self._start = None


def count_parameters(estimator) -> int:
    """Trainable parameters of a fitted skrnn estimator's network."""
    return int(sum(p.numel() for p in estimator.net_.module_.parameters() if p.requires_grad))


def predict_latency_ms(estimator, X_one, repeats: int = LATENCY_REPEATS) -> float:
    """Median wall time of ``estimator.predict(X_one)``, in milliseconds.

    The whole public ``predict`` is timed (input validation included): that is
    what a real-time caller pays per sequence.
    """
    estimator.predict(X_one)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        estimator.predict(X_one)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def seconds_per_epoch(estimator) -> float:
    """Median epoch time of a fitted (or partly fitted) estimator's training.

    Read from skorch's ``dur`` column of ``net_.history``; the first epoch is
    left out when there are others, because it pays for warm-up.
    """
    durations = estimator.net_.history[:, "dur"]
    if len(durations) > 1:
        durations = durations[1:]
    return float(np.median(durations))


def _probe_indices(n: int, size: int, y, classification: bool, rng) -> np.ndarray:
    """A random subset of ``size`` rows; for classification, every class in it.

    Every class must be present so that the probe's network has the real output
    layer (and so the real parameter count).
    """
    order = rng.permutation(n)
    if not classification:
        return np.sort(order[:size])
    _, first = np.unique(np.asarray(y)[order], return_index=True)
    chosen = list(order[first])
    taken = set(chosen)
    rest = [i for i in order if i not in taken]
    return np.sort(np.array(chosen + rest[: max(0, size - len(chosen))], dtype=np.int64))


def probe_cost(estimator, X, y, X_one, *, classification: bool, random_state=None) -> CellCost:
    """Measure an unfitted estimator's cost without training it fully.

    A clone is fitted on a few batches (:data:`PROBE_BATCHES`); the median
    time of a training batch, times the number of batches in an epoch over all
    of ``X``, estimates the seconds per epoch. The clone also gives the exact
    parameter count and the single-sequence ``predict`` latency.

    Parameters
    ----------
    estimator : skrnn estimator
        Unfitted, configured as it would be trained.
    X, y : array-like
        All the training data (only a few batches of it are used).
    X_one : array-like
        One sequence, for the latency.
    classification : bool
        Whether ``y`` holds class labels.
    random_state : int, RandomState or Generator, default=None
        Picks the probe's sequences.

    Returns
    -------
    cost : CellCost
        ``seconds_per_epoch`` is for an epoch over all of ``X``,
        ``seconds_per_batch`` for one batch of the estimator's batch size
        (``"auto"`` resolved for all of ``X``).
    """
    rng = np.random.default_rng(random_state)
    n = len(y)
    batch_size = resolve_batch_size(n, estimator.get_params()["batch_size"])
    indices = _probe_indices(n, PROBE_BATCHES * batch_size, y, classification, rng)
    batches_per_epoch = math.ceil(len(indices) / batch_size)
    timer = BatchTimer()
    probe = clone(estimator).set_params(
        batch_size=batch_size,  # as for all of X, not "auto" on the probe's few sequences
        max_epochs=math.ceil(PROBE_BATCHES / batches_per_epoch),
        early_stopping=False,
        verbose=0,
        callbacks=[*(estimator.get_params()["callbacks"] or []), ("skrnn_batch_timer", timer)],
    )
    with warnings.catch_warnings():  # a few batches learn nothing, by design
        warnings.simplefilter("ignore", ConvergenceWarning)
        probe.fit(_safe_indexing(X, indices), _safe_indexing(y, indices))
    seconds = float(np.median(timer.seconds_[1:] or timer.seconds_))
    return CellCost(
        n_params=count_parameters(probe),
        seconds_per_epoch=seconds * math.ceil(n / batch_size),
        latency_ms=predict_latency_ms(probe, X_one),
        seconds_per_batch=seconds,
    )


def estimated_fit_seconds(estimator, cost: CellCost, n_samples: int) -> float:
    """Seconds a full fit of ``estimator`` on ``n_samples`` sequences should take.

    The probe's time per training batch times the optimizer steps the fit
    plans (:meth:`_plan`: ``min_steps`` on small data, whatever the batch
    size), plus the epoch-end loss's forward pass per epoch
    (:data:`EPOCH_END_SHARE`). A fit that stops on a plateau takes less: this
    is the planned fit, the one a budget must allow for. Seconds per epoch
    times epochs would be wrong by the ratio of the batch sizes when the
    probe's batch is not the fit's.

    Parameters
    ----------
    estimator : skrnn estimator
        Configured as the fit will run (``batch_size="auto"`` allowed).
    cost : CellCost
        :func:`probe_cost` of that same configuration.
    n_samples : int
        Sequences the fit is given (a cross-validation fold's training part).
    """
    plan = estimator._plan(n_samples)
    # per epoch: training on the sequences, then a forward pass over (a subset of) them
    evaluation = EPOCH_END_SHARE * min(1.0, EPOCH_END_LOSS_SEQUENCES / max(n_samples, 1))
    return cost.seconds_per_batch * plan.total_steps * (1 + evaluation)
