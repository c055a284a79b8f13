"""skorch callbacks that skrnn adds to every net."""

from __future__ import annotations

import math

from skorch.callbacks import Callback

from .exceptions import TrainingDivergedError


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
