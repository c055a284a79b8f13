"""skorch callbacks that skrnn adds to every net."""

from __future__ import annotations

import math

import torch
from skorch.callbacks import Callback

from ._dataset import batch_weight
from .exceptions import TrainingDivergedError


class WeightedEpochLoss(Callback):
    """Make the epoch's ``train_loss`` and ``valid_loss`` weighted means over sequences.

    skorch averages the batch losses of an epoch weighted by the batch
    sizes it records as ``train_batch_size`` / ``valid_batch_size``. A batch
    loss is the weighted mean over its sequences, so recording the batch's
    total weight instead makes the epoch loss ``sum(w_i * l_i) / sum(w_i)``
    over all sequences, however they are batched. A batch of zero weight
    (loss 0) is recorded with the smallest positive weight, so that an epoch
    of zero weight gives 0 rather than a division by zero. Only added to
    weighted fits.
    """

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        X, y = batch
        weight = max(batch_weight(X, len(y)), torch.finfo(torch.float64).tiny)
        net.history.record_batch(("train" if training else "valid") + "_batch_size", weight)


class FiniteLossGuard(Callback):
    """Stop training with a clear error as soon as a loss is NaN or infinite.

    Without it, a diverging run (too large a learning rate, unscaled data)
    ends "successfully" with NaN weights, and every prediction is NaN.
    """

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        # ``loss.item()`` (the net has just called it too) and a float check
        # cost a fraction of ``torch.isfinite(loss).all()`` on every batch.
        if loss is None:
            return
        value = loss.item()
        if math.isfinite(value):
            return
        epoch = len(net.history)
        n_batch = len(net.history[-1]["batches"])
        phase = "training" if training else "validation"
        kind = "NaN" if math.isnan(value) else "infinite"
        raise TrainingDivergedError(
            f"Training diverged: the {phase} loss became {kind} at epoch {epoch}, "
            f"batch {n_batch}; the model was not fitted. Lower the learning rate "
            f"(lr={net.lr:g}), keep gradient clipping on (gradient_clip), or check "
            "the scale of X and y (scaling=None disables standardisation).",
            epoch=epoch,
            batch=n_batch,
        )
