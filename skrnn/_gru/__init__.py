"""Fast CPU GRU: :class:`FastGRU`, a drop-in :class:`torch.nn.GRU` (see ``_fast_gru``)."""

from ._fast_gru import KERNEL_AVAILABLE, FastGRU

__all__ = ["KERNEL_AVAILABLE", "FastGRU"]
