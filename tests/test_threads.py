"""The thread policy (``num_threads``) and FastGRU's batch-parallel kernel.

Real behaviour only: which count is used and recorded, that the caller's
torch settings come back, that results do not depend on the count. Timings
are in benchmarks/threads.py, not here.
"""

import functools

import numpy as np
import pytest
import torch
from conftest import ALL_ESTIMATORS, CLASSIFIERS, FAST, REGRESSORS, make_sum_regression

from skrnn import GRURegressor, LSTMClassifier
from skrnn import _threads
from skrnn._gru import _fast_gru
from skrnn._gru._fast_gru import FastGRU
from skrnn._threads import available_cores, resolve_num_threads, torch_threads

# the fits here are too short to learn; only their threads matter
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def torch_settings():
    """The caller's torch thread settings, restored after the test whatever it does."""
    before = torch.get_num_threads()
    yield before, torch.get_num_interop_threads()
    torch.set_num_threads(before)


@pytest.fixture
def data():
    return make_sum_regression(n=40, T=8, d=2)


def fake_cores(monkeypatch, cores, free=None):
    """Pretend the process may run on ``cores`` cores, ``free`` of them idle."""
    monkeypatch.setattr(_threads, "available_cores", lambda: cores)
    monkeypatch.setattr(_threads, "free_cores", lambda c=None: cores if free is None else free)


# ------------------------------------------------------------------ resolving
def test_auto_is_one_thread_for_a_tiny_problem(monkeypatch):
    fake_cores(monkeypatch, 8)
    assert resolve_num_threads("auto", 8 * 16) == 1


def test_auto_takes_free_cores_for_a_large_problem(monkeypatch):
    fake_cores(monkeypatch, 4)
    assert resolve_num_threads("auto", 128 * 64) == 2  # limited by the work per thread
    assert resolve_num_threads("auto", 1024 * 64) == 4
    fake_cores(monkeypatch, 4, free=1)
    assert resolve_num_threads("auto", 1024 * 64) == 1  # busy machine: never oversubscribe


def test_explicit_counts_are_capped_at_the_available_cores(monkeypatch, torch_settings):
    fake_cores(monkeypatch, 2)
    assert resolve_num_threads(1, 10**9) == 1
    assert resolve_num_threads(16, 1) == 2
    assert resolve_num_threads(-1, 1) == 2
    torch.set_num_threads(3)
    assert resolve_num_threads(None, 1) == 3  # None: torch's own setting


def test_free_cores_is_between_one_and_the_cores():
    assert 1 <= _threads.free_cores() <= available_cores()
    assert _threads.free_cores(1) == 1


@pytest.mark.parametrize("value", [0, -2, 1.5, "all", "2"])
def test_num_threads_is_validated(value, data):
    X, y = data
    with pytest.raises(ValueError, match="num_threads"):
        GRURegressor(**FAST, num_threads=value).fit(X, y)


# ------------------------------------------------------------------ applying
def test_context_restores_the_count_also_on_error(torch_settings):
    before, interop = torch_settings
    target = 1 if before != 1 else 2
    with torch_threads(target):
        assert torch.get_num_threads() == target
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="boom"), torch_threads(target):
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    assert torch.get_num_interop_threads() == interop


@pytest.mark.parametrize("Est", ALL_ESTIMATORS)
def test_fit_and_predict_run_with_the_resolved_count_and_restore(Est, data, torch_settings):
    X, y = data
    if Est in CLASSIFIERS or "Classifier" in Est.__name__:
        y = (y > np.median(y)).astype(int)
    before, interop = torch_settings
    torch.set_num_threads(2)
    seen = []
    est = Est(**FAST, num_threads=1)
    est.fit(X, y)
    assert est.n_threads_ == 1
    assert torch.get_num_threads() == 2
    est.net_.module_.register_forward_pre_hook(lambda module, args: seen.append(
        torch.get_num_threads()))
    seen.clear()
    est.predict(X)
    est.score(X, y)
    if hasattr(est, "predict_proba"):
        est.predict_proba(X)
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == 2
    assert torch.get_num_interop_threads() == interop


def test_fit_records_one_thread_for_a_tiny_problem_by_default(data, torch_settings):
    X, y = data
    est = GRURegressor(**FAST).fit(X, y)
    assert est.num_threads == "auto"
    assert est.n_threads_ == 1


def test_threads_are_restored_when_fit_raises(data, torch_settings, monkeypatch):
    X, y = data
    torch.set_num_threads(2)

    def fail(*args, **kwargs):
        assert torch.get_num_threads() == 1  # raised inside the policy
        raise RuntimeError("training failed")

    monkeypatch.setattr(GRURegressor, "_build_net", fail)
    with pytest.raises(RuntimeError, match="training failed"):
        GRURegressor(**FAST, num_threads=1).fit(X, y)
    assert torch.get_num_threads() == 2


def test_threads_are_restored_when_predict_raises(data, torch_settings):
    X, y = data
    est = GRURegressor(**FAST, num_threads=1).fit(X, y)
    torch.set_num_threads(2)
    with pytest.raises(ValueError):
        est.predict(np.full_like(X, np.nan))
    assert torch.get_num_threads() == 2
    def fail(*args):
        raise RuntimeError("inference failed")

    est.net_.module_.register_forward_hook(fail)
    with pytest.raises(RuntimeError, match="inference failed"):
        est.predict(X)
    assert torch.get_num_threads() == 2


def test_none_leaves_torch_alone(data, torch_settings):
    X, y = data
    torch.set_num_threads(2)
    est = GRURegressor(**FAST, num_threads=None).fit(X, y)
    assert est.n_threads_ == 2


# ------------------------------------------------------------- determinism
@pytest.mark.parametrize("Est", [REGRESSORS[0], LSTMClassifier])
def test_results_do_not_depend_on_the_thread_count(Est, torch_settings):
    # equal-length batches large enough for FastGRU to split (2 row blocks)
    X, y = make_sum_regression(n=512, T=10, d=3)
    if "Classifier" in Est.__name__:
        y = (y > np.median(y)).astype(int)
    params = dict(hidden_size=64, batch_size=512, max_epochs=3, min_steps=0, random_state=0)
    assert len(_fast_gru._row_blocks(512, 64)) == 2
    one = Est(**params, num_threads=1).fit(X, y)
    # torch's own setting (num_threads=None), so that two threads run even on
    # a one-core machine, where the policy would cap num_threads=2 at 1
    torch.set_num_threads(2)
    two = Est(**params, num_threads=None).fit(X, y)
    assert two.n_threads_ == 2
    method = "predict_proba" if hasattr(one, "predict_proba") else "predict"
    # Equal up to float32 rounding: FastGRU splits rows the same way at any
    # thread count (bit-identical, tested below), but torch's own GEMMs (input
    # projection, head, weight gradients) may block by thread count on some
    # CPUs -- seen on CI: 2.4e-7 after 3 epochs. A thread-dependent split of
    # the data or of the random streams would differ by orders more.
    np.testing.assert_allclose(getattr(one, method)(X), getattr(two, method)(X),
                               rtol=1e-5, atol=1e-6)


def test_gru_kernel_blocks_are_bit_identical_at_any_thread_count(torch_settings):
    torch.manual_seed(0)
    gru = FastGRU(5, 64, batch_first=True)
    lengths = torch.randint(3, 12, (600,)).tolist()
    x = torch.randn(600, 12, 5)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                     enforce_sorted=False)
    assert len(_fast_gru._row_blocks(600, 64)) > 1
    results = []
    original = _fast_gru._run_blocks
    for threads in (1, 2, 3):
        gru.zero_grad()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_fast_gru, "_run_blocks", functools.partial(original, threads=threads))
            for inp in (x, packed):
                out, h = gru(inp)
                (out.data if inp is packed else out).sum().backward()
        results.append([out.data.detach().clone(), h.detach().clone(),
                        *(p.grad.clone() for p in gru.parameters())])
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            assert torch.equal(a, b)


def test_gru_kernel_blocks_match_nn_gru(torch_settings):
    torch.manual_seed(1)
    gru = FastGRU(4, 32, batch_first=True, bidirectional=True)
    ref = torch.nn.GRU(4, 32, batch_first=True, bidirectional=True)
    ref.load_state_dict(gru.state_dict())
    x = torch.randn(1100, 7, 4)
    assert len(_fast_gru._row_blocks(1100, 32)) > 1
    torch.set_num_threads(2)
    torch.testing.assert_close(gru(x)[0], ref(x)[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("batch, hidden", [(1, 64), (7, 8), (128, 64), (130, 64), (1000, 16)])
def test_row_blocks_cover_the_batch(batch, hidden):
    blocks = _fast_gru._row_blocks(batch, hidden)
    assert blocks[0][0] == 0 and blocks[-1][1] == batch
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
    assert all(hi > lo for lo, hi in blocks)
    assert all((hi - lo) % 8 == 0 for lo, hi in blocks[:-1])


def test_concurrent_calls_in_threads_leave_the_caller_alone(data, torch_settings):
    # the selector runs trials in threads (n_jobs): each fit sets and restores
    # the count of its own thread; the caller's stays as it was
    import threading

    X, y = data
    before, _ = torch_settings
    errors = []

    def fit(n):
        try:
            for _ in range(2):
                est = GRURegressor(**FAST, num_threads=n).fit(X, y)
                assert est.n_threads_ == min(n, available_cores())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=fit, args=(n,)) for n in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert torch.get_num_threads() == before
