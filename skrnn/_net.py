"""skorch nets with less per-batch bookkeeping.

skorch's training loop costs a fixed amount of Python per batch on top of the
forward/backward pass; for small recurrent networks (a step of about a
millisecond) that was 10-25 % of ``fit``.  The largest avoidable part was
``_set_training``: skorch calls ``module.train(True)`` before *every* batch,
which walks every submodule even though the mode has not changed.  Here the
walk happens only when some top-level module or criterion is in the other
mode; everything else (callbacks, history, ``dur``) is skorch's own.
"""

from __future__ import annotations

import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor


class _SkipRedundantModeSwitch:
    """Mixin: ``_set_training`` is a no-op when every module is already in that mode."""

    # overrides skorch's private per-batch hook: see skrnn._compat.SKORCH_SET_TRAINING
    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                super()._set_training(training)
                return


class SequenceNetRegressor(_SkipRedundantModeSwitch, NeuralNetRegressor):
    """``NeuralNetRegressor`` without redundant train/eval switches."""


class SequenceNetClassifier(_SkipRedundantModeSwitch, NeuralNetClassifier):
    """``NeuralNetClassifier`` without redundant train/eval switches."""
