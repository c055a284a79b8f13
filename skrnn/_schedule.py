"""The training schedule: how many optimizer steps, at which learning rate, until when.

Small sequence data sets (20-100 sequences) are the common case. An epoch
budget alone gives them a few dozen optimizer steps (36 sequences in batches
of 32 are 2 steps per epoch), and a plateau rule on the noisy running training
loss then stops the fit while the network still predicts a constant (measured:
training loss ln(3) after 24-64 steps). So the schedule is planned in
*optimizer steps*:

* :func:`plan_training` resolves ``batch_size="auto"`` (smaller batches for
  fewer sequences) and ``max_epochs="auto"`` (enough epochs for ``min_steps``
  steps), and fixes the horizon of the learning-rate schedule;
* :class:`WarmupCosine` is that schedule: a linear warm-up, then a cosine
  decay to 1 % of ``lr``, stepped every batch;
* :class:`EpochEndLoss` measures the training loss of the weights at the end
  of each epoch (in eval mode, on a fixed subset of the training sequences),
  which is what "the best weights" and "a plateau" must be judged on; the
  running loss averages over weights that changed during the epoch;
* :class:`RestoreBestWeights` keeps the weights of the best epoch and puts
  them back when training ends, so a late loss spike is never returned;
* :class:`PlateauStopping` stops when the monitored loss has stopped
  improving, but never before ``min_steps`` optimizer steps.
"""

from __future__ import annotations

import math
from copy import deepcopy
from dataclasses import dataclass

import numpy as np
import torch
from skorch.callbacks import Callback, LRScheduler

from ._dataset import SequenceBatches, batch_weight

#: ``batch_size="auto"``: about this many batches per epoch, within the bounds below.
AUTO_BATCHES_PER_EPOCH = 16
AUTO_BATCH_MIN, AUTO_BATCH_MAX = 8, 32
#: ``max_epochs="auto"`` plans at least the steps of this many epochs in batches
#: of AUTO_BATCH_MAX (the earlier default schedule), and at least ``min_steps``.
AUTO_MIN_EPOCHS = 100
#: ``warmup_steps="auto"``: this share of the planned steps, at most AUTO_WARMUP_MAX.
AUTO_WARMUP_SHARE, AUTO_WARMUP_MAX = 0.05, 100
#: The cosine decays the learning rate to this share of ``lr``.
FINAL_LR_SHARE = 0.01
#: :class:`EpochEndLoss` evaluates at most this many training sequences.
EPOCH_END_LOSS_SEQUENCES = 512
#: ... of ragged length in batches of at most this many, sorted by length.
EPOCH_END_RAGGED_BATCH = 32

#: History key of :class:`EpochEndLoss`.
EPOCH_END_LOSS = "train_end_loss"


@dataclass(frozen=True)
class TrainingPlan:
    """The resolved schedule of one fit.

    Attributes
    ----------
    batch_size : int
        Sequences per optimizer step.
    max_epochs : int
        Upper bound on the number of epochs.
    steps_per_epoch : int
        Optimizer steps per epoch (on the sequences left for training).
    min_steps : int
        Optimizer steps before the plateau rule may stop the fit.
    warmup_steps : int
        Steps of linear learning-rate warm-up.
    total_steps : int
        Horizon of the learning-rate schedule (``max_epochs * steps_per_epoch``).
    """

    batch_size: int
    max_epochs: int
    steps_per_epoch: int
    min_steps: int
    warmup_steps: int
    total_steps: int


def resolve_batch_size(n_train: int, batch_size) -> int:
    """``batch_size`` with ``"auto"`` resolved for ``n_train`` training sequences."""
    if batch_size != "auto":
        return int(batch_size)
    return int(np.clip(n_train // AUTO_BATCHES_PER_EPOCH, AUTO_BATCH_MIN, AUTO_BATCH_MAX))


def plan_training(n_train: int, *, batch_size, max_epochs, min_steps: int,
                  warmup_steps) -> TrainingPlan:
    """Resolve the ``"auto"`` settings for ``n_train`` training sequences.

    Parameters
    ----------
    n_train : int
        Sequences that the optimizer steps over (after any validation split).
    batch_size : int or "auto"
        ``"auto"``: ``n_train // 16`` clipped to [8, 32], so a small data set
        still gets about 16 steps per epoch and a large one keeps batches of 32.
    max_epochs : int or "auto"
        ``"auto"``: enough epochs for ``max(min_steps, 100 * ceil(n_train /
        32))`` optimizer steps, i.e. at least ``min_steps`` steps and at least
        the steps of 100 epochs in batches of 32 (the schedule that large
        data sets had before): small and medium data sets get ``min_steps``
        steps, large ones 100 epochs of batches of 32 as before.
    min_steps : int
        Optimizer steps before the plateau rule may stop training (capped at
        the planned number of steps).
    warmup_steps : int or "auto"
        ``"auto"``: 5 % of the planned steps, at most 100.

    Returns
    -------
    plan : TrainingPlan
    """
    n_train = max(int(n_train), 1)
    batch_size = resolve_batch_size(n_train, batch_size)
    steps_per_epoch = -(-n_train // batch_size)
    if max_epochs == "auto":
        steps = max(min_steps, AUTO_MIN_EPOCHS * -(-n_train // AUTO_BATCH_MAX))
        max_epochs = -(-steps // steps_per_epoch)
    total = max_epochs * steps_per_epoch
    if warmup_steps == "auto":
        warmup_steps = min(AUTO_WARMUP_MAX, int(AUTO_WARMUP_SHARE * total))
    return TrainingPlan(
        batch_size=batch_size,
        max_epochs=int(max_epochs),
        steps_per_epoch=steps_per_epoch,
        min_steps=min(int(min_steps), total),
        warmup_steps=min(int(warmup_steps), total),
        total_steps=total,
    )


class WarmupCosine:
    """Learning-rate factor per optimizer step: linear warm-up, then cosine decay.

    A ``lr_lambda`` for :class:`torch.optim.lr_scheduler.LambdaLR` (a class,
    not a closure, so a fitted estimator pickles). The factor rises linearly
    from ``1 / warmup_steps`` to 1 over the warm-up (Adam's first steps are
    the least reliable), then follows half a cosine down to
    ``final_share`` at ``total_steps``, so the last epochs refine instead of
    jumping around the optimum (late loss spikes were seen at a constant rate).

    Parameters
    ----------
    warmup_steps : int
    total_steps : int
    final_share : float, default=0.01
    constant : bool, default=False
        Keep the factor at 1 after the warm-up (``lr_schedule="constant"``).
    """

    def __init__(self, warmup_steps: int, total_steps: int, final_share: float = FINAL_LR_SHARE,
                 constant: bool = False):
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.final_share = final_share
        self.constant = constant

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        if self.constant:
            return 1.0
        span = max(self.total_steps - self.warmup_steps, 1)
        progress = min((step - self.warmup_steps) / span, 1.0)
        return self.final_share + (1 - self.final_share) * 0.5 * (1 + math.cos(math.pi * progress))


class BatchLRScheduler(LRScheduler):
    """skorch's ``LRScheduler`` stepped every batch, resuming at the right step.

    skorch re-creates the torch scheduler at the start of every
    ``partial_fit`` with ``last_epoch = len(history) - 1``, an *epoch*
    count, although it steps the scheduler every batch: a continued fit
    would restart the schedule near its beginning. This one resumes at the
    number of batches trained (``batch_idx_``), so the schedule of
    ``partial_fit`` calls is the schedule of one long fit.
    """

    def __init__(self, policy, **kwargs):
        super().__init__(policy, step_every="batch", event_name=None, **kwargs)

    def _get_scheduler(self, net, policy, **scheduler_kwargs):
        scheduler_kwargs.setdefault("last_epoch", self.batch_idx_ - 1)
        return policy(net.optimizer_, **scheduler_kwargs)


class EpochEndLoss(Callback):
    """Record the training loss of the end-of-epoch weights as ``train_end_loss``.

    skorch's ``train_loss`` is the mean over the epoch's batches, each
    computed with the weights *before* that batch's update, in train mode:
    an epoch whose last updates blew the weights up can still show a low
    ``train_loss``. This loss is computed after the epoch, in eval mode
    (no dropout), on a fixed subset of at most 512 training sequences, so the
    weights it scores are exactly those that :class:`RestoreBestWeights`
    would keep. Costs one forward pass over the subset per epoch. With
    sample weights it is the weighted mean ``sum(w_i * l_i) / sum(w_i)``
    over the subset (0 if all its weights are zero).

    Sequences of unequal length are evaluated sorted by length, in balanced
    batches of at most 32: the front end (and a forward-only LSTM) computes
    over a batch's padding, so one batch of every sequence costs its longest
    length for each (measured on 50 sequences of 29-361 steps, one thread:
    27 ms per pass as one batch, 15 ms sorted in two). Equal-length data is
    evaluated in the net's validation batches.

    Also records ``lr``, the learning rate the epoch ended with.

    Parameters
    ----------
    max_sequences : int, default=512
    seed : int, default=0
        Seeds the choice of the subset when the training set is larger.
    """

    def __init__(self, max_sequences: int = EPOCH_END_LOSS_SEQUENCES, seed: int = 0):
        self.max_sequences = max_sequences
        self.seed = seed

    def on_train_begin(self, net, **kwargs):
        self.batches_ = None

    def on_epoch_end(self, net, dataset_train=None, **kwargs):
        if self.batches_ is None:
            self.batches_ = self._batches(net, dataset_train)
        total, count = 0.0, 0
        for batch in self.batches_:
            Xi, yi = batch
            with torch.no_grad():
                y_pred = net.evaluation_step(batch, training=False)
                loss = net.get_loss(y_pred, yi.to(net.device), X=Xi, training=False)
            weight = batch_weight(Xi, len(yi))  # the loss is the batch's weighted mean
            total += float(loss) * weight
            count += weight
        net.history.record(EPOCH_END_LOSS, total / count if count > 0 else 0.0)
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])

    def on_train_end(self, net, **kwargs):
        self.batches_ = None  # a fitted model does not carry its training data

    def _batches(self, net, dataset):
        """The batches of the evaluated subset, the same every epoch."""
        if isinstance(dataset, torch.utils.data.Subset):  # a skorch split's
            dataset = dataset.dataset.subset(dataset.indices)
        n = len(dataset)
        keep = np.arange(n)
        if n > self.max_sequences:
            keep = np.sort(np.random.default_rng(self.seed).choice(n, self.max_sequences,
                                                                   replace=False))
        if not dataset.sequences.is_ragged:
            return net.get_iterator(dataset if len(keep) == n else dataset.subset(keep),
                                    training=False)
        keep = keep[np.argsort(dataset.sequences.lengths[keep], kind="stable")]
        n_batches = -(-len(keep) // EPOCH_END_RAGGED_BATCH)
        subset = dataset.subset(keep)
        return SequenceBatches(subset, -(-len(keep) // n_batches))


class RestoreBestWeights(Callback):
    """Keep the weights of the epoch with the lowest ``monitor``; restore them at the end.

    Marks each improving epoch in the history as ``<monitor>_best``. When
    training ends (normally, by a stopping rule, or interrupted), the best
    weights are loaded back unless the last epoch was the best one.

    Parameters
    ----------
    monitor : str
        History key to minimise (``"train_end_loss"`` or ``"valid_loss"``).

    Attributes
    ----------
    best_epoch_ : int
        1-based epoch whose weights the module holds after training.
    """

    def __init__(self, monitor: str):
        self.monitor = monitor

    def on_train_begin(self, net, **kwargs):
        self.best_score_ = math.inf
        self.best_epoch_ = 0
        self.best_weights_ = None

    def on_epoch_end(self, net, **kwargs):
        score = net.history[-1, self.monitor]
        improved = score < self.best_score_
        net.history.record(f"{self.monitor}_best", bool(improved))
        if improved:
            self.best_score_ = score
            self.best_epoch_ = net.history[-1, "epoch"]
            self.best_weights_ = deepcopy(net.module_.state_dict())

    def on_train_end(self, net, **kwargs):
        if self.best_weights_ is not None and self.best_epoch_ != net.history[-1, "epoch"]:
            net.module_.load_state_dict(self.best_weights_)
        self.best_weights_ = None  # the module holds them now; don't pickle a copy

    def __getstate__(self):
        state = self.__dict__.copy()
        state["best_weights_"] = None
        return state


class PlateauStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs, after ``min_steps``.

    An improvement is a decrease of more than ``threshold`` below the best
    value so far. skrnn's losses are standardised (a constant prediction
    scores about 1 for regression and the entropy of the class shares for
    classification), so the estimators pass ``tol`` times that constant
    loss: the same notion of progress on every data set, and a fit that has
    driven its loss to almost zero stops instead of chasing relative gains on
    a vanishing loss. The rule is not applied before ``min_steps`` optimizer
    steps: on small data the loss sits on its initial plateau (a constant
    prediction) for hundreds of steps before it drops, and an epoch-counted
    patience would end the fit there.

    Parameters
    ----------
    monitor : str
    patience : int
    threshold : float
    min_steps : int
    """

    def __init__(self, monitor: str, patience: int, threshold: float, min_steps: int):
        self.monitor = monitor
        self.patience = patience
        self.threshold = threshold
        self.min_steps = min_steps

    def on_train_begin(self, net, **kwargs):
        self.best_ = math.inf
        self.misses_ = 0
        self.stopped_ = False

    def on_epoch_end(self, net, **kwargs):
        score = net.history[-1, self.monitor]
        if score < self.best_ - self.threshold:
            self.best_ = score
            self.misses_ = 0
        else:
            self.misses_ += 1
        steps = sum(net.history[:, "train_batch_count"])
        if self.misses_ >= self.patience and steps >= self.min_steps:
            self.stopped_ = True
            raise KeyboardInterrupt  # skorch's way to end fit_loop; on_train_end still runs
