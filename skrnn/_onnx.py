"""ONNX export of a fitted network, and inference through onnxruntime.

The exported graph is the whole :class:`~skrnn._module.RecurrentNetwork` --
input scaling, patching, the recurrent stack, pooling and the head -- plus,
for classifiers, a softmax: it maps a dense float32 batch ``X`` of shape
``(batch, time, features)`` to predictions in target units (regressors) or
class probabilities (classifiers), with ``batch`` and ``time`` dynamic.

The graph takes no lengths: every sequence in a batch must have the batch's
length. Ragged input is therefore run in groups of equal length
(:func:`onnx_output`), which is exact -- a sequence's output never depends on
its batch mates -- and avoids exporting packed sequences.

Export uses PyTorch's TorchScript-based exporter (``dynamo=False``): it
translates ``nn.GRU`` / ``nn.LSTM`` to ONNX's fused ``GRU`` / ``LSTM``
operators with a symbolic time axis, which the dynamo exporter cannot (it
unrolls the recurrence over a fixed length).  A GRU subclass with its own
kernel exports as long as it falls back to ``nn.GRU.forward`` while
``torch.onnx.is_in_onnx_export()`` is true.
"""

from __future__ import annotations

import copy
import io
import warnings

import numpy as np
import torch
from torch import nn

from ._validation import Sequences

#: ONNX operator set of the exported graphs (onnxruntime >= 1.14 runs it).
OPSET = 17

_MISSING = (
    "{what} needs the optional dependencies onnx and onnxruntime: "
    "pip install 'skrnn[onnx]'"
)


class _Probabilities(nn.Module):
    """The network followed by a softmax: what a classifier's predict_proba returns."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, X):
        return torch.softmax(self.network(X), dim=-1)


def export_network(module: nn.Module, target, *, n_features: int, probabilities: bool):
    """Export ``module`` to ONNX at ``target`` (a path or a binary file object).

    Parameters
    ----------
    module : RecurrentNetwork
        The fitted network; it is copied to the CPU in eval mode, never changed.
    target : str, path-like or file object
        Where the ONNX model is written.
    n_features : int
        Features per time step (the example input's last dimension).
    probabilities : bool
        Append a softmax over the outputs.
    """
    try:
        import onnx  # noqa: F401  (the exporter serialises with it)
    except ImportError:
        raise ImportError(_MISSING.format(what="ONNX export")) from None
    network = copy.deepcopy(module).cpu().eval()
    model = _Probabilities(network) if probabilities else network
    output = "probabilities" if probabilities else "predictions"
    # Lengths 2 and batch 2: no dimension of size 1 that the exporter could
    # treat as a constant; the axes are declared dynamic below anyway.
    example = torch.zeros(2, 2 * max(1, getattr(network, "patch_size", 1)) + 1, n_features)
    with warnings.catch_warnings():
        # The TorchScript exporter announces its deprecation, and warns that
        # an RNN exported without initial states is only valid for batch 1 --
        # not so here, where the initial state is always zeros of the input's
        # batch size (checked by the tests at other batch sizes).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example,),
            target,
            dynamo=False,
            input_names=["X"],
            output_names=[output],
            dynamic_axes={"X": {0: "batch", 1: "time"}, output: {0: "batch"}},
            opset_version=OPSET,
        )


def create_session(module: nn.Module, *, n_features: int, probabilities: bool):
    """An onnxruntime CPU session running the exported ``module``.

    The session uses as many threads as torch (``torch.get_num_threads()``),
    so switching ``inference`` between "torch" and "onnx" keeps the CPU
    budget the same.
    """
    try:
        import onnxruntime as ort
    except ImportError:
        raise ImportError(_MISSING.format(what='inference="onnx"')) from None
    buffer = io.BytesIO()
    export_network(module, buffer, n_features=n_features, probabilities=probabilities)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    return ort.InferenceSession(
        buffer.getvalue(), sess_options=options, providers=["CPUExecutionProvider"]
    )


def onnx_output(session, sequences: Sequences, batch_size: int) -> np.ndarray:
    """Run ``session`` on ``sequences`` in bounded batches of equal length.

    Returns
    -------
    output : ndarray of shape (n_samples, n_outputs), float32
        Rows in the order of ``sequences``.
    """
    name = session.get_inputs()[0].name
    n = sequences.n_samples
    if not sequences.is_ragged:
        outputs = [
            session.run(None, {name: sequences.data[start : start + batch_size]})[0]
            for start in range(0, n, batch_size)
        ]
        return outputs[0] if len(outputs) == 1 else np.concatenate(outputs)
    # Sort once by length and cut where the length changes: O(n log n) for
    # any number of distinct lengths.
    order = np.argsort(sequences.lengths, kind="stable")
    cuts = np.flatnonzero(np.diff(sequences.lengths[order])) + 1
    result = None
    for group in np.split(order, cuts):
        for start in range(0, len(group), batch_size):
            rows = group[start : start + batch_size]
            X = np.stack([sequences.data[i] for i in rows])
            out = session.run(None, {name: X})[0]
            if result is None:
                result = np.empty((n, out.shape[1]), dtype=out.dtype)
            result[rows] = out
    return result
