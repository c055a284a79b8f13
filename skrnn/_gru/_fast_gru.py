"""A drop-in ``nn.GRU`` whose CPU float32 path runs a compiled kernel.

Why this exists: on CPU, PyTorch runs ``nn.LSTM`` through a fused oneDNN
kernel but ``nn.GRU`` step by step through a dozen small ATen ops, so a GRU
(three gates) trains up to twice as slowly as an LSTM (four gates) of the same
size. What was measured not to help (``benchmarks/README.md``): hand-written
BPTT in eager torch ops (same op-dispatch overhead), ``torch.compile`` of the
cell, a naive numba loop. What does: doing each time step as one BLAS GEMM for
``h W_hh^T`` plus one fused, vectorised pass over the gates, in compiled code
without the GIL (``_kernel.pyx``), and leaving everything that spans all steps
(input projection, weight gradients) to single large torch GEMMs.

:class:`FastGRU` subclasses :class:`torch.nn.GRU`: same constructor, parameter
names, shapes and ``state_dict``, same outputs and gradients to float32
rounding. It uses the kernel only for float32 CPU tensors when the extension
is importable, and calls ``nn.GRU.forward`` otherwise (CUDA, float64, tracing
and ONNX export, so exported graphs still contain the standard GRU op).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from torch import nn
from torch.autograd.function import once_differentiable
from torch.nn import functional as F
from torch.nn.utils.rnn import PackedSequence

try:
    from . import _kernel
except ImportError:  # pragma: no cover - source tree without a build
    _kernel = None

KERNEL_AVAILABLE = _kernel is not None

_BLAS = None


def _one_blas_thread():
    """Context in which the BLAS libraries loaded in this process use one thread.

    The kernel's per-step GEMMs are small (microseconds). Multithreaded
    OpenBLAS splits them anyway, and when cores are shared (other processes,
    parallel trials, joblib workers) its spinning threads make the whole loop
    up to ten times slower (measured: 21.6 ms instead of 2.8 ms for 50 steps
    at batch 128, hidden 64 on a loaded 2-core machine). So the kernel runs
    its BLAS calls single-threaded; torch's own large GEMMs keep torch's
    threads. The limit applies only while a kernel call runs (~10 us).
    """
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController().select(user_api="blas")
        except Exception:  # pragma: no cover - threadpoolctl is a scikit-learn dependency
            _BLAS = False
    return _BLAS.limit(limits=1) if _BLAS else contextlib.nullcontext()


# Batch-parallel recurrence. Rows of a GRU never interact, so the kernel runs
# disjoint row blocks over the whole time loop independently: no barrier per
# step, each block does its own small GEMM + gate pass, and blocks run in
# separate threads when torch is given more than one.
#
# The blocks depend on the problem (batch, hidden), never on the thread count:
# OpenBLAS's sgemm rounds a row differently depending on how many rows are in
# the call, so a split chosen by thread count would change results with it.
# With fixed blocks, one thread runs them one after another and n threads run
# them side by side, with bit-identical values (tests/test_threads.py).
# A block holds about BLOCK_ROWS_X_UNITS rows x units (a multiple of 8 rows,
# at least 32). Smaller blocks cost speed at one thread, since sgemm is less
# efficient on fewer rows: measured, kernel forward at hidden 64, 50 steps,
# batch 128 as two blocks of 64 rows took 1.17x one call of 128 rows; at
# hidden 128, batch 256 as two blocks of 128 rows, 1.02x.
BLOCK_ROWS_X_UNITS = 128 * 128
_MIN_BLOCK_ROWS = 32
_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0
_POOL_LOCK = threading.Lock()


def _pool(n: int) -> ThreadPoolExecutor:
    """A process-wide pool of ``n`` workers (idle workers block, they never spin)."""
    global _POOL, _POOL_SIZE
    with _POOL_LOCK:
        if _POOL is None or _POOL_SIZE < n:
            if _POOL is not None:
                _POOL.shutdown(wait=False)
            _POOL = ThreadPoolExecutor(max_workers=n, thread_name_prefix="skrnn-gru")
            _POOL_SIZE = n
        return _POOL


def _row_blocks(batch: int, hidden: int) -> list[tuple[int, int]]:
    """Split ``batch`` rows into blocks of about ``BLOCK_ROWS_X_UNITS / hidden`` rows."""
    rows = max(_MIN_BLOCK_ROWS, -(-BLOCK_ROWS_X_UNITS // max(hidden, 1)))
    rows = -(-rows // 8) * 8
    n = max(1, round(batch / rows))
    if n == 1:
        return [(0, batch)]
    per = -(-(-(-batch // n)) // 8) * 8
    return [(lo, min(lo + per, batch)) for lo in range(0, batch, per)]


def _run_blocks(fn, args, blocks, threads: int | None = None) -> None:
    """Call the kernel ``fn(*args, lo=, hi=)`` for each row block.

    ``threads`` defaults to ``torch.get_num_threads()``: FastGRU uses the
    threads torch is given (the estimators' ``num_threads`` policy sets it for
    the duration of a call). Each thread takes every n-th block.
    """
    if threads is None:
        threads = torch.get_num_threads()
    n = max(1, min(threads, len(blocks)))
    if len(blocks) == 1:
        fn(*args)
        return

    def work(i):
        for lo, hi in blocks[i::n]:
            fn(*args, lo=lo, hi=hi)

    if n == 1:
        work(0)
        return
    futures = [_pool(n - 1).submit(work, i) for i in range(1, n)]
    work(0)  # the calling thread takes its share
    for f in futures:
        f.result()


def _np(tensor: torch.Tensor) -> np.ndarray:
    """Zero-copy NumPy view of a contiguous CPU tensor."""
    return tensor.detach().numpy()


class _GRULayer(torch.autograd.Function):
    """One layer, one direction: ``(x, W_ih, b_ih, W_hh, b_hh, h0) -> (output, h_n)``.

    ``x`` holds the packed rows of all steps. The input projection
    ``x W_ih^T + b_ih`` and its gradients are one GEMM each over all rows;
    only the recurrence runs step by step, in the kernel. The projection's
    backward is written out here rather than left to ``F.linear``'s autograd
    because the orientation matters: ``dW_ih = (x^T dG_x)^T`` is 7x faster
    than ``dG_x^T x`` with MKL on this kind of shape (N x 3H by N x F, F small).
    """

    @staticmethod
    def forward(ctx, x, w_ih, b_ih, w_hh, b_hh, h0, batch_sizes, reverse):
        w_hh = w_hh.detach().contiguous()
        gx = _project(x, w_ih, b_ih)
        n_rows, hidden = gx.shape[0], w_hh.shape[1]
        h = h0.detach().clone(memory_format=torch.contiguous_format)
        out = gx.new_empty(n_rows, hidden)
        hprev = gx.new_empty(n_rows, hidden)
        save = gx.new_empty(n_rows, 4 * hidden)
        scratch = gx.new_empty(h.shape[0], 3 * hidden)
        with _one_blas_thread():
            _run_blocks(_kernel.forward,
                        (_np(gx), _np(w_hh), _np(_bias_or_zeros(b_hh, w_hh)), _np(h),
                         batch_sizes, reverse, _np(out), _np(scratch), _np(hprev),
                         _np(save)),
                        _row_blocks(h.shape[0], hidden))
        ctx.save_for_backward(x, w_ih, w_hh, hprev, save)
        ctx.batch_sizes = batch_sizes
        ctx.reverse = reverse
        return out, h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out, grad_h):
        x, w_ih, w_hh, hprev, save = ctx.saved_tensors
        need = ctx.needs_input_grad
        grad_out = grad_out.contiguous()
        dh = grad_h.clone(memory_format=torch.contiguous_format)
        dgx = torch.empty(save.shape[0], 3 * w_hh.shape[1])
        dgh = torch.empty_like(dgx)
        with _one_blas_thread():
            _run_blocks(_kernel.backward,
                        (_np(grad_out), _np(dh), _np(w_hh), _np(hprev), _np(save),
                         ctx.batch_sizes, ctx.reverse, _np(dgx), _np(dgh)),
                        _row_blocks(dh.shape[0], w_hh.shape[1]))
        # weight gradients: one GEMM each over all steps, e.g.
        # dW_hh = sum_t dG_h(t)^T h_{t-1}
        dx = dgx.mm(w_ih.detach()) if need[0] else None
        dw_ih = x.detach().t().mm(dgx).t() if need[1] else None
        db_ih = dgx.sum(0) if need[2] else None
        dw_hh = hprev.t().mm(dgh).t() if need[3] else None
        db_hh = dgh.sum(0) if need[4] else None
        return dx, dw_ih, db_ih, dw_hh, db_hh, dh, None, None


def _project(x, w_ih, b_ih):
    """Input projection of all rows at once (contiguous, as the kernel needs)."""
    # F.linear rather than addmm: it reaches the faster oneDNN path for narrow inputs
    return F.linear(x.detach(), w_ih.detach(), None if b_ih is None else b_ih.detach())


def _bias_or_zeros(b_hh, w_hh):
    if b_hh is None:
        return w_hh.new_zeros(w_hh.shape[0])
    return b_hh.detach().contiguous()


def _run_layer(x, w_ih, b_ih, w_hh, b_hh, h0, batch_sizes, reverse):
    """Run one layer and direction, through autograd only when a gradient is needed."""
    tensors = (x, w_ih, b_ih, w_hh, b_hh, h0)
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
        return _GRULayer.apply(*tensors, batch_sizes, reverse)
    # inference: nothing saved for backward
    gx = _project(x, w_ih, b_ih)
    w_hh = w_hh.detach().contiguous()
    h = h0.detach().clone(memory_format=torch.contiguous_format)
    out = gx.new_empty(gx.shape[0], w_hh.shape[1])
    scratch = gx.new_empty(h.shape[0], w_hh.shape[0])
    with _one_blas_thread():
        _run_blocks(_kernel.forward,
                    (_np(gx), _np(w_hh), _np(_bias_or_zeros(b_hh, w_hh)), _np(h),
                     batch_sizes, reverse, _np(out), _np(scratch)),
                    _row_blocks(h.shape[0], w_hh.shape[1]))
    return out, h


class FastGRU(nn.GRU):
    """:class:`torch.nn.GRU` with a compiled kernel for float32 CPU tensors.

    Takes exactly the arguments of :class:`torch.nn.GRU`, has the same
    parameters and ``state_dict`` (a state dict saved from either loads into
    the other) and computes the same function with the same gradients, to
    float32 rounding. On float32 CPU input the recurrence runs in a compiled
    Cython/BLAS kernel (faster to train than ``nn.GRU`` on CPU at every size
    measured, up to 15x for long sequences of small models);
    anything else (CUDA, other dtypes, tracing, ONNX export, or a build without
    the extension) goes to ``nn.GRU.forward`` unchanged.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`torch.nn.GRU`.

    See Also
    --------
    torch.nn.GRU : the reference implementation and the fallback.

    Examples
    --------
    >>> import torch
    >>> from skrnn._gru import FastGRU
    >>> gru = FastGRU(input_size=3, hidden_size=8, batch_first=True)
    >>> reference = torch.nn.GRU(input_size=3, hidden_size=8, batch_first=True)
    >>> _ = reference.load_state_dict(gru.state_dict())
    >>> x = torch.randn(2, 5, 3)
    >>> torch.allclose(gru(x)[0], reference(x)[0], atol=1e-5)
    True
    """

    def _use_kernel(self, data: torch.Tensor) -> bool:
        return (
            KERNEL_AVAILABLE
            and data.numel() > 0  # empty batches: nn.GRU's result or error
            and data.device.type == "cpu"
            and data.dtype == torch.float32
            and all(w.device.type == "cpu" and w.dtype == torch.float32
                    for w in self._flat_weights if w is not None)
            and not torch.jit.is_scripting()
            and not torch.jit.is_tracing()
            and not torch.onnx.is_in_onnx_export()
        )

    def forward(self, input, hx=None):  # noqa: A002 - nn.GRU's signature
        """Run the GRU; arguments and return value as :meth:`torch.nn.GRU.forward`."""
        packed = isinstance(input, PackedSequence)
        data = input.data if packed else input
        if not self._use_kernel(data):
            return super().forward(input, hx)

        directions = 2 if self.bidirectional else 1
        # argument handling mirrors nn.GRU.forward, so errors read the same
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            batch = int(batch_sizes[0])
            if hx is not None:
                hx = self.permute_hidden(hx, sorted_indices)
            sizes = batch_sizes.numpy()  # int64, on CPU for every PackedSequence
        else:
            batch_sizes = None
            if input.dim() not in (2, 3):
                raise ValueError(
                    f"GRU: Expected input to be 2D or 3D, got {input.dim()}D instead"
                )
            unbatched = input.dim() == 2
            batch_dim = 0 if self.batch_first else 1
            if unbatched:
                input = input.unsqueeze(batch_dim)
                if hx is not None:
                    if hx.dim() != 2:
                        raise RuntimeError(
                            "For unbatched 2-D input, hx should also be 2-D but got "
                            f"{hx.dim()}-D tensor"
                        )
                    hx = hx.unsqueeze(1)
            elif hx is not None and hx.dim() != 3:
                raise RuntimeError(
                    f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor"
                )
            batch = input.shape[batch_dim]
        if hx is None:
            hx = data.new_zeros(self.num_layers * directions, batch, self.hidden_size)
        self.check_forward_args(data if packed else input, hx, batch_sizes)
        if not packed:
            # the kernel works on time-major rows: step t is rows t*B .. (t+1)*B
            if self.batch_first:
                input = input.transpose(0, 1)
            steps = input.shape[0]
            data = input.reshape(steps * batch, input.shape[2])
            sizes = np.full(steps, batch, dtype=np.int64)

        layer_input, finals = data, []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                w_ih = getattr(self, "weight_ih" + suffix)
                w_hh = getattr(self, "weight_hh" + suffix)
                b_ih = getattr(self, "bias_ih" + suffix) if self.bias else None
                b_hh = getattr(self, "bias_hh" + suffix) if self.bias else None
                out, h_n = _run_layer(layer_input, w_ih, b_ih, w_hh, b_hh,
                                      hx[layer * directions + direction], sizes, bool(direction))
                outputs.append(out)
                finals.append(h_n)
            layer_input = torch.cat(outputs, 1) if directions == 2 else outputs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
        h_n = torch.stack(finals)

        if packed:
            output = PackedSequence(layer_input, batch_sizes, sorted_indices, unsorted_indices)
            return output, self.permute_hidden(h_n, unsorted_indices)
        output = layer_input.view(steps, batch, directions * self.hidden_size)
        if self.batch_first:
            output = output.transpose(0, 1)
        if unbatched:
            return output.squeeze(batch_dim), h_n.squeeze(1)
        return output, h_n
