"""skorch nets with less per-batch bookkeeping.

skorch's training loop costs a fixed amount of Python per batch on top of the
forward/backward pass; for small recurrent networks (a step of about a
millisecond) that was 10-25 % of ``fit``.  The largest avoidable part was
``_set_training``: skorch calls ``module.train(True)`` before *every* batch,
which walks every submodule even though the mode has not changed.  Here the
walk happens only when some top-level module or criterion is in the other
mode; everything else (callbacks, history, ``dur``) is skorch's own.

The nets also weight the loss: in a weighted fit the criterion returns one
loss per sequence (``reduction="none"``) and :func:`weighted_mean` makes the
batch loss, with the weights a weighted
:class:`~skrnn._dataset.SequenceDataset` puts in each batch's
``X["sample_weight"]`` (taken out again before the module's forward, which
does not know them).
"""

from __future__ import annotations

import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor


def weighted_mean(losses: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """The batch loss from per-sequence ``losses``: ``sum(w_i * l_i) / sum(w_i)``.

    The one place where per-sequence losses become a batch loss. Normalised
    by the batch's total weight, not its size, so that multiplying every
    weight by a constant changes nothing (the learning rate keeps its
    meaning) and, within one batch, an integer weight counts like repeating
    the sequence. A batch whose weights are all zero gives 0 (and no
    gradient), not 0/0. Without weights: the plain mean (the identity on a
    loss the criterion has already averaged).
    """
    if weight is None:
        return losses.mean()
    weight = weight.to(device=losses.device, dtype=losses.dtype)
    return (weight * losses).sum() / weight.sum().clamp_min(torch.finfo(losses.dtype).tiny)


class _WeightedLoss:
    """Mixin: weight each sequence's loss by the batch's ``X["sample_weight"]``."""

    def infer(self, x, **fit_params):
        if isinstance(x, dict) and "sample_weight" in x:
            x = {key: value for key, value in x.items() if key != "sample_weight"}
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        losses = super().get_loss(y_pred, y_true, X=X, training=training)
        weight = X.get("sample_weight") if isinstance(X, dict) else None
        return weighted_mean(losses, weight)


class _SkipRedundantModeSwitch:
    """Mixin: ``_set_training`` is a no-op when every module is already in that mode."""

    # overrides skorch's private per-batch hook: see skrnn._compat.SKORCH_SET_TRAINING
    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                super()._set_training(training)
                return


class SequenceNetRegressor(_WeightedLoss, _SkipRedundantModeSwitch, NeuralNetRegressor):
    """``NeuralNetRegressor`` with weighted losses, without redundant train/eval switches."""


class SequenceNetClassifier(_WeightedLoss, _SkipRedundantModeSwitch, NeuralNetClassifier):
    """``NeuralNetClassifier`` with weighted losses, without redundant train/eval switches."""
