# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False, embedsignature=True
"""GRU recurrence on contiguous float32 buffers (one layer, one direction).

The time loop runs without the GIL: per step one BLAS ``sgemm`` for
``h_{t-1} W_hh^T`` (``dG_h W_hh`` in backward) and one fused, vectorised pass
over the gates (``_gates.h``). Everything that is one large operation over all
steps (input projection, weight gradients) is left to the caller (torch).

Sequences use PyTorch's packed layout: the rows of step ``t`` are
``offsets[t] : offsets[t] + batch_sizes[t]`` of the data, batch sorted by
decreasing length, so at every step the active rows are a prefix of the
batch. A padded batch of equal lengths is the special case
``batch_sizes = [B] * T``. Rows past their sequence's end are simply not
touched, so their state is final and they receive no gradient: packed
sequences are exact, in both directions.

BLAS is column-major: a row-major ``(m, n)`` array is the column-major
``(n, m)`` matrix, so the row-major product ``C = A B^T`` is computed as the
column-major ``C^T = B A^T``.
"""

from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from scipy.linalg.cython_blas cimport sgemm

cdef extern from "_gates.h" nogil:
    void skrnn_gru_gates_forward(int bs, int H, const float *gx, const float *gh,
                                 const float *bhh, float *h, float *out,
                                 float *hprev, float *save)
    void skrnn_gru_gates_backward(int bs, int H, const float *dout, float *dh,
                                  const float *hprev, const float *save,
                                  float *dgx, float *dgh)


cdef int64_t *_offsets(const int64_t[::1] batch_sizes) except NULL:
    """First packed row of every step (caller frees)."""
    cdef Py_ssize_t t
    cdef int64_t acc = 0
    cdef int64_t *offsets = <int64_t *> malloc(batch_sizes.shape[0] * sizeof(int64_t))
    if offsets == NULL:
        raise MemoryError()
    for t in range(batch_sizes.shape[0]):
        offsets[t] = acc
        acc += batch_sizes[t]
    return offsets



cdef inline int _rows_in_range(int active, int lo, int hi) noexcept nogil:
    """How many of a step's ``active`` rows (a prefix of the batch) lie in [lo, hi); <= 0: none."""
    return (active if active < hi else hi) - lo

def forward(const float[:, ::1] gx, const float[:, ::1] w_hh, const float[::1] b_hh,
            float[:, ::1] h, const int64_t[::1] batch_sizes, bint reverse,
            float[:, ::1] out, float[:, ::1] gh,
            float[:, ::1] hprev=None, float[:, ::1] save=None, int lo=0, int hi=-1):
    """Run the recurrence over all steps, in place.

    Parameters
    ----------
    gx : float32 array (N, 3H)
        Input projection ``x W_ih^T + b_ih`` of all packed rows.
    w_hh : float32 array (3H, H)
    b_hh : float32 array (3H,)
        Zeros when the layer has no bias.
    h : float32 array (B, H)
        Initial state on entry, final state on return.
    batch_sizes : int64 array (T,)
        Active rows per step (non-increasing).
    reverse : bool
        Run the steps from last to first.
    out : float32 array (N, H)
        Receives the output of every packed row.
    gh : float32 array (B, 3H)
        Scratch space.
    hprev, save : float32 arrays (N, H) and (N, 4H), optional
        When given, receive ``h_{t-1}`` and ``[r, z, n, gh_n]`` per row for
        :func:`backward`; omit both for inference.
    lo, hi : int, optional
        Run only the batch rows ``lo <= b < hi`` (``hi=-1``: to the end). Rows
        of a GRU never interact, so disjoint row ranges can run at the same
        time in different threads (the GIL is released) on the same buffers,
        and give the same values as one call over the whole batch.
    """
    cdef int T = batch_sizes.shape[0]
    cdef int H = w_hh.shape[1]
    cdef int H3 = 3 * H
    cdef int B = h.shape[0]
    if w_hh.shape[0] != H3 or gx.shape[1] != H3 or h.shape[1] != H or out.shape[1] != H:
        raise ValueError("inconsistent GRU buffer shapes")
    if gh.shape[0] < B or gh.shape[1] != H3 or b_hh.shape[0] != H3:
        raise ValueError("inconsistent GRU buffer shapes")
    if T == 0:
        return
    if batch_sizes[0] > B:
        raise ValueError("batch_sizes exceed the state's batch")
    cdef bint train = save is not None
    if train and (hprev is None or hprev.shape[0] != gx.shape[0]
                  or save.shape[0] != gx.shape[0] or save.shape[1] != 4 * H):
        raise ValueError("inconsistent GRU buffer shapes")
    if hi < 0 or hi > B:
        hi = B
    if lo < 0 or lo > hi:
        raise ValueError("invalid row range")
    cdef int64_t *offsets = _offsets(batch_sizes)
    if offsets[T - 1] + batch_sizes[T - 1] != gx.shape[0] or out.shape[0] != gx.shape[0]:
        free(offsets)
        raise ValueError("batch_sizes do not add up to the number of rows")

    cdef float one = 1.0, zero = 0.0
    cdef char *trans_t = b"T"
    cdef char *trans_n = b"N"
    cdef int step, t, bs, ldw = H, ldh = H, ldc = H3
    cdef int64_t off
    cdef float *w = <float *> &w_hh[0, 0]
    cdef float *hp = NULL
    cdef float *sv = NULL
    with nogil:
        for step in range(T):
            t = T - 1 - step if reverse else step
            # active rows of this step within [lo, hi): a prefix of the batch
            bs = _rows_in_range(<int> batch_sizes[t], lo, hi)
            if bs <= 0:
                continue
            off = offsets[t] + lo
            # gh (bs, 3H) = h (bs, H) . W_hh^T   <=>   col-major gh^T = W_hh . h^T
            sgemm(trans_t, trans_n, &H3, &bs, &H, &one, w, &ldw, &h[lo, 0], &ldh,
                  &zero, &gh[lo, 0], &ldc)
            if train:
                hp = &hprev[off, 0]
                sv = &save[off, 0]
            skrnn_gru_gates_forward(bs, H, &gx[off, 0], &gh[lo, 0], &b_hh[0], &h[lo, 0],
                                    &out[off, 0], hp, sv)
        free(offsets)


def backward(const float[:, ::1] dout, float[:, ::1] dh, const float[:, ::1] w_hh,
             const float[:, ::1] hprev, const float[:, ::1] save,
             const int64_t[::1] batch_sizes, bint reverse,
             float[:, ::1] dgx, float[:, ::1] dgh, int lo=0, int hi=-1):
    """Back-propagate through all steps, in place.

    Parameters
    ----------
    dout : float32 array (N, H)
        Gradient w.r.t. every packed output row.
    dh : float32 array (B, H)
        Gradient w.r.t. the final state on entry, w.r.t. the initial state on
        return.
    w_hh : float32 array (3H, H)
    hprev, save : float32 arrays (N, H), (N, 4H)
        As filled by :func:`forward`.
    batch_sizes, reverse
        As given to :func:`forward`.
    dgx, dgh : float32 arrays (N, 3H)
        Receive the gradient w.r.t. the input-side pre-activations
        ``x W_ih^T + b_ih`` and the hidden-side ``h W_hh^T + b_hh`` of every
        row; the weight gradients are one GEMM each over these (by the caller).
    lo, hi : int, optional
        Only the batch rows ``lo <= b < hi``, as for :func:`forward`.
    """
    cdef int T = batch_sizes.shape[0]
    cdef int H = w_hh.shape[1]
    cdef int H3 = 3 * H
    cdef int64_t N = dout.shape[0]
    if (w_hh.shape[0] != H3 or dout.shape[1] != H or dh.shape[1] != H
            or hprev.shape[0] != N or save.shape[0] != N or save.shape[1] != 4 * H
            or dgx.shape[0] != N or dgx.shape[1] != H3
            or dgh.shape[0] != N or dgh.shape[1] != H3):
        raise ValueError("inconsistent GRU buffer shapes")
    if T == 0:
        return
    if batch_sizes[0] > dh.shape[0]:
        raise ValueError("batch_sizes exceed the state's batch")
    if hi < 0 or hi > dh.shape[0]:
        hi = <int> dh.shape[0]
    if lo < 0 or lo > hi:
        raise ValueError("invalid row range")
    cdef int64_t *offsets = _offsets(batch_sizes)
    if offsets[T - 1] + batch_sizes[T - 1] != N:
        free(offsets)
        raise ValueError("batch_sizes do not add up to the number of rows")

    cdef float one = 1.0
    cdef char *trans_n = b"N"
    cdef int step, t, bs, ldw = H, ldg = H3, ldh = H
    cdef int64_t off
    cdef float *w = <float *> &w_hh[0, 0]
    with nogil:
        for step in range(T):
            # undo the forward order
            t = step if reverse else T - 1 - step
            bs = _rows_in_range(<int> batch_sizes[t], lo, hi)
            if bs <= 0:
                continue
            off = offsets[t] + lo
            skrnn_gru_gates_backward(bs, H, &dout[off, 0], &dh[lo, 0], &hprev[off, 0],
                                     &save[off, 0], &dgx[off, 0], &dgh[off, 0])
            # dh (bs, H) += dgh (bs, 3H) . W_hh   <=>   col-major dh^T += W_hh^T . dgh^T
            sgemm(trans_n, trans_n, &H, &bs, &H3, &one, w, &ldw, &dgh[off, 0], &ldg,
                  &one, &dh[lo, 0], &ldh)
        free(offsets)
