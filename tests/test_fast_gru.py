"""FastGRU computes exactly what nn.GRU computes: outputs, states and gradients.

Every case builds a FastGRU and an nn.GRU with the same state dict, runs both on
the same input, back-propagates the same random weighting of the outputs and
final state, and compares outputs, ``h_n`` and the gradients w.r.t. the input,
``h0`` and every parameter, to float32 rounding.
"""

import pickle

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from skrnn import GRURegressor
from skrnn._gru import KERNEL_AVAILABLE, FastGRU, _fast_gru

ATOL = 2e-5


def test_kernel_is_built():
    # the package's own build must produce the extension: no silent fallback
    assert KERNEL_AVAILABLE


def _pair(input_size=5, hidden_size=7, seed=0, **kwargs):
    torch.manual_seed(seed)
    fast = FastGRU(input_size, hidden_size, **kwargs)
    ref = nn.GRU(input_size, hidden_size, **kwargs)
    ref.load_state_dict(fast.state_dict())
    return fast, ref


def _run(module, x, h0, seed=123):
    """Outputs, h_n and all gradients after backward of a random weighting."""
    module.zero_grad()
    x = x.detach().clone().requires_grad_()
    h0 = None if h0 is None else h0.detach().clone().requires_grad_()
    out, h_n = module(x, h0)
    # the same weights whatever the dtype: draw in float32, then cast
    gen = torch.Generator().manual_seed(seed)
    loss = (out * torch.randn(out.shape, generator=gen).to(out.dtype)).sum()
    loss = loss + (h_n * torch.randn(h_n.shape, generator=gen).to(h_n.dtype)).sum()
    loss.backward()
    grads = {name: p.grad.clone() for name, p in module.named_parameters()}
    return out.detach(), h_n.detach(), x.grad, None if h0 is None else h0.grad, grads


def _assert_same(fast_result, ref_result, atol=ATOL):
    out_f, hn_f, dx_f, dh_f, g_f = fast_result
    out_r, hn_r, dx_r, dh_r, g_r = ref_result
    torch.testing.assert_close(out_f, out_r, atol=atol, rtol=0)
    torch.testing.assert_close(hn_f, hn_r, atol=atol, rtol=0)
    torch.testing.assert_close(dx_f, dx_r, atol=atol, rtol=0)
    if dh_r is not None:
        torch.testing.assert_close(dh_f, dh_r, atol=atol, rtol=0)
    assert g_f.keys() == g_r.keys()
    for name in g_r:
        # weight gradients sum over batch and time: scale the tolerance with them
        scale = max(1.0, float(g_r[name].abs().max()))
        torch.testing.assert_close(g_f[name], g_r[name], atol=atol * scale, rtol=0, msg=name)


@pytest.mark.parametrize(
    "kwargs, batch, steps",
    [
        ({}, 4, 6),
        ({"num_layers": 2}, 3, 5),
        ({"bidirectional": True}, 4, 6),
        ({"num_layers": 2, "bidirectional": True}, 3, 7),
        ({"bias": False}, 4, 6),
        ({"bias": False, "num_layers": 2, "bidirectional": True}, 2, 4),
        ({"batch_first": True}, 4, 6),
        ({"batch_first": True, "num_layers": 2, "bidirectional": True}, 3, 5),
        ({}, 1, 9),  # batch 1
        ({"bidirectional": True}, 5, 1),  # T = 1
        ({"batch_first": True}, 1, 1),
    ],
)
@pytest.mark.parametrize("with_h0", [False, True])
def test_padded_matches_nn_gru(kwargs, batch, steps, with_h0):
    fast, ref = _pair(**kwargs)
    gen = torch.Generator().manual_seed(1)
    shape = (batch, steps, 5) if kwargs.get("batch_first") else (steps, batch, 5)
    x = torch.randn(shape, generator=gen)
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    h0 = torch.randn(layers, batch, 7, generator=gen) if with_h0 else None
    _assert_same(_run(fast, x, h0), _run(ref, x, h0))


@pytest.mark.parametrize("hidden_size", [1, 13, 33, 100])
def test_hidden_sizes_not_multiple_of_the_vector_width(hidden_size):
    fast, ref = _pair(hidden_size=hidden_size, bidirectional=True)
    x = torch.randn(6, 3, 5, generator=torch.Generator().manual_seed(2))
    _assert_same(_run(fast, x, None), _run(ref, x, None))


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_packed_variable_lengths_match_nn_gru(bidirectional, num_layers):
    fast, ref = _pair(bidirectional=bidirectional, num_layers=num_layers, batch_first=True)
    gen = torch.Generator().manual_seed(3)
    lengths = torch.tensor([3, 7, 1, 5, 7, 2])  # unsorted, with ties
    x = torch.randn(len(lengths), 7, 5, generator=gen)
    h0 = torch.randn(num_layers * (1 + bidirectional), len(lengths), 7, generator=gen)
    results = []
    for module in (fast, ref):
        module.zero_grad()
        xg = x.clone().requires_grad_()
        hg = h0.clone().requires_grad_()
        packed = pack_padded_sequence(xg, lengths, batch_first=True, enforce_sorted=False)
        out, h_n = module(packed, hg)
        assert isinstance(out, PackedSequence)
        torch.testing.assert_close(out.batch_sizes, packed.batch_sizes)
        torch.testing.assert_close(out.sorted_indices, packed.sorted_indices)
        torch.testing.assert_close(out.unsorted_indices, packed.unsorted_indices)
        padded, out_lengths = pad_packed_sequence(out, batch_first=True)
        torch.testing.assert_close(out_lengths, lengths)
        weights = torch.randn(padded.shape, generator=torch.Generator().manual_seed(4))
        loss = (padded * weights).sum() + (h_n * torch.randn(
            h_n.shape, generator=torch.Generator().manual_seed(5))).sum()
        loss.backward()
        grads = {n: p.grad.clone() for n, p in module.named_parameters()}
        results.append((padded.detach(), h_n.detach(), xg.grad, hg.grad, grads))
    _assert_same(*results)
    # padding never receives a gradient
    dx = results[0][2]
    for row, length in enumerate(lengths):
        assert torch.all(dx[row, length:] == 0)


def test_packed_sequence_equals_running_each_sequence_alone():
    fast, _ = _pair(bidirectional=True, batch_first=True)
    lengths = torch.tensor([2, 6, 4])
    x = torch.randn(3, 6, 5, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        out, h_n = fast(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        padded, _ = pad_packed_sequence(out, batch_first=True)
        for i, length in enumerate(lengths):
            alone, h_alone = fast(x[i : i + 1, :length])
            torch.testing.assert_close(padded[i : i + 1, :length], alone, atol=1e-6, rtol=0)
            torch.testing.assert_close(h_n[:, i : i + 1], h_alone, atol=1e-6, rtol=0)


def test_unbatched_input_matches_nn_gru():
    fast, ref = _pair(num_layers=2)
    x = torch.randn(6, 5, generator=torch.Generator().manual_seed(7))
    h0 = torch.randn(2, 7, generator=torch.Generator().manual_seed(8))
    _assert_same(_run(fast, x, h0), _run(ref, x, h0))


def test_inference_mode_matches_training_path():
    fast, ref = _pair(num_layers=2, bidirectional=True)
    x = torch.randn(5, 3, 5, generator=torch.Generator().manual_seed(9))
    with torch.no_grad():
        out_f, h_f = fast(x)
        out_r, h_r = ref(x)
    torch.testing.assert_close(out_f, out_r, atol=ATOL, rtol=0)
    torch.testing.assert_close(h_f, h_r, atol=ATOL, rtol=0)
    out_grad, _ = fast(x)
    torch.testing.assert_close(out_grad.detach(), out_f, atol=0, rtol=0)


def test_float64_reference_within_float32_tolerance():
    # the kernel is float32-only; compare it with nn.GRU run in float64
    fast, ref = _pair(num_layers=2, bidirectional=True)
    ref = ref.double()
    x = torch.randn(8, 4, 5, generator=torch.Generator().manual_seed(10))
    fast_result = _run(fast, x, None)
    ref_result = _run(ref, x.double(), None)
    ref_result = (ref_result[0].float(), ref_result[1].float(), ref_result[2].float(), None,
                  {k: v.float() for k, v in ref_result[4].items()})
    _assert_same(fast_result, ref_result, atol=5e-5)


def test_state_dict_round_trips_both_ways():
    fast, ref = _pair(num_layers=2, bidirectional=True, bias=False)
    assert list(fast.state_dict()) == list(ref.state_dict())
    other_fast = FastGRU(5, 7, num_layers=2, bidirectional=True, bias=False)
    other_fast.load_state_dict(ref.state_dict())
    other_ref = nn.GRU(5, 7, num_layers=2, bidirectional=True, bias=False)
    other_ref.load_state_dict(fast.state_dict())
    x = torch.randn(4, 2, 5)
    with torch.no_grad():
        torch.testing.assert_close(other_fast(x)[0], ref(x)[0], atol=ATOL, rtol=0)
        torch.testing.assert_close(other_ref(x)[0], fast(x)[0], atol=ATOL, rtol=0)


def test_float64_input_falls_back_to_nn_gru(monkeypatch):
    fast, ref = _pair()
    fast, ref = fast.double(), ref.double()
    calls = []
    monkeypatch.setattr(_fast_gru, "_run_layer", lambda *a: calls.append(a))
    x = torch.randn(5, 3, 5, dtype=torch.float64)
    out_f, h_f = fast(x)
    out_r, h_r = ref(x)
    assert not calls  # the kernel was not used
    assert out_f.dtype == torch.float64
    torch.testing.assert_close(out_f, out_r, atol=0, rtol=0)
    torch.testing.assert_close(h_f, h_r, atol=0, rtol=0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::torch.jit.TracerWarning")
def test_tracing_uses_nn_gru_so_exports_keep_the_gru_op():
    fast, ref = _pair(batch_first=True)
    x = torch.randn(2, 4, 5)
    traced = torch.jit.trace(fast, x)
    assert "aten::gru" in str(traced.graph)
    torch.testing.assert_close(traced(x)[0], ref(x)[0], atol=ATOL, rtol=0)


def test_dropout_between_layers_only_in_training():
    fast, _ = _pair(num_layers=2, dropout=0.5)
    x = torch.randn(6, 3, 5)
    fast.train()
    torch.manual_seed(0)
    a = fast(x)[0]
    torch.manual_seed(1)
    b = fast(x)[0]
    assert not torch.allclose(a, b)
    fast.eval()
    torch.testing.assert_close(fast(x)[0], fast(x)[0], atol=0, rtol=0)
    ref = nn.GRU(5, 7, num_layers=2, dropout=0.5).eval()
    ref.load_state_dict(fast.state_dict())
    torch.testing.assert_close(fast(x)[0], ref(x)[0], atol=ATOL, rtol=0)


def test_bad_input_raises_like_nn_gru():
    fast, ref = _pair()
    for bad in (torch.randn(3, 2, 4), torch.randn(2, 3, 4, 5)):
        with pytest.raises((RuntimeError, ValueError)) as expected:
            ref(bad)
        with pytest.raises(type(expected.value)):
            fast(bad)
    with pytest.raises(RuntimeError):
        fast(torch.randn(3, 2, 5), torch.randn(1, 4, 7))  # wrong h0 batch


def test_kernel_rejects_inconsistent_buffers():
    from skrnn._gru import _kernel

    f = np.zeros
    with pytest.raises(ValueError, match="add up"):
        _kernel.forward(f((5, 6), np.float32), f((6, 2), np.float32), f(6, np.float32),
                        f((2, 2), np.float32), np.array([2, 2], np.int64), False,
                        f((5, 2), np.float32), f((2, 6), np.float32))


def test_gru_regressor_uses_fast_gru_and_pickles():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 12, 2)).astype(np.float32)
    y = X[:, -3:, 0].sum(1)
    est = GRURegressor(hidden_size=8, max_epochs=3, random_state=0).fit(X, y)
    assert isinstance(est.net_.module_.rnn, FastGRU)
    clone = pickle.loads(pickle.dumps(est))
    assert isinstance(clone.net_.module_.rnn, FastGRU)
    np.testing.assert_array_equal(clone.predict(X), est.predict(X))
    # ragged input goes through the packed path
    ragged = [X[i, : 4 + i % 8] for i in range(20)]
    np.testing.assert_array_equal(clone.predict(ragged), est.predict(ragged))


@pytest.mark.parametrize("shape", [(5, 0, 5), (0, 2, 5)])
def test_empty_input_behaves_like_nn_gru(shape):
    fast, ref = _pair()
    x = torch.randn(shape)
    try:
        expected = ref(x)
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match=str(error)[:30]):
            fast(x)
    else:
        out, h_n = fast(x)
        assert out.shape == expected[0].shape and h_n.shape == expected[1].shape


def test_blas_runs_single_threaded_inside_the_kernel_only():
    from threadpoolctl import threadpool_info

    before = {i["filepath"]: i["num_threads"] for i in threadpool_info()}
    with _fast_gru._one_blas_thread():
        inside = [i for i in threadpool_info() if i["user_api"] == "blas"]
    assert inside and all(i["num_threads"] == 1 for i in inside)
    fast, _ = _pair()
    fast(torch.randn(4, 2, 5, requires_grad=True))[0].sum().backward()
    assert {i["filepath"]: i["num_threads"] for i in threadpool_info()} == before
