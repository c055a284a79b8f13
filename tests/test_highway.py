"""highway_window: the linear autoregressive term added to the network's output."""

import numpy as np
import pytest
import torch
from conftest import CLASSIFIERS, FAST, FIXED_CELL, REGRESSORS

from skrnn import GRURegressor
from skrnn._module import RecurrentNetwork, _last_steps
from skrnn._base import AUTO_HIGHWAY_WEIGHTS


def _randomise_highway(est, seed=0):
    # a fit of a few steps leaves the zero-initialised weights near zero,
    # which would hide a wrong gather; give them weight
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in est.net_.module_.highway.parameters():
            p.copy_(torch.randn(p.shape, generator=generator))
    return est


def test_last_steps_are_the_last_valid_steps_with_zeros_before_the_start():
    X = torch.arange(2 * 6 * 2, dtype=torch.float32).reshape(2, 6, 2) + 1
    lengths = torch.tensor([6, 2])
    got = _last_steps(X, lengths, window=3).numpy()
    expected = np.stack([
        X[0, 3:6].reshape(-1).numpy(),
        np.concatenate([[0, 0], X[1, 0:2].reshape(-1).numpy()]),  # padding never read
    ])
    np.testing.assert_array_equal(got, expected)
    # no lengths: every sequence full
    np.testing.assert_array_equal(_last_steps(X, None, 2).numpy(), X[:, 4:].reshape(2, -1).numpy())


def test_the_highway_starts_at_zero_and_the_output_is_the_recurrent_models():
    torch.manual_seed(0)
    plain = RecurrentNetwork(input_size=2, output_size=3, hidden_size=8)
    torch.manual_seed(0)
    highway = RecurrentNetwork(input_size=2, output_size=3, hidden_size=8, highway_window=4)
    assert not hasattr(plain, "highway")
    assert highway.highway.weight.shape == (3, 8)
    assert torch.count_nonzero(highway.highway.weight) == 0
    X = torch.randn(5, 7, 2)
    torch.testing.assert_close(highway.eval()(X), plain.eval()(X))


@pytest.mark.parametrize("scaling", ["global", "last", None])
def test_highway_output_does_not_depend_on_the_batch(scaling):
    torch.manual_seed(0)
    net = RecurrentNetwork(input_size=2, output_size=1, hidden_size=8, scaling=scaling,
                           highway_window=5).eval()
    torch.nn.init.normal_(net.highway.weight)
    lengths = torch.tensor([9, 7, 5, 3, 1])
    X = torch.randn(len(lengths), 9, 2) * 3  # garbage past each end ...
    together = net(X, lengths)
    for i, n in enumerate(lengths.tolist()):
        alone = net(X[i : i + 1, :n], torch.tensor([n]))  # ... is never read
        torch.testing.assert_close(together[i], alone[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("Est", REGRESSORS)
def test_auto_reads_whole_sequences_up_to_256_weights(Est, rng):
    short = Est(**FAST).fit(rng.normal(size=(20, 9, 2)), rng.normal(size=20))
    assert short.highway_window_ == 9
    ragged = [rng.normal(size=(T, 2)) for T in [5, 300, 30] * 4]
    long = Est(**{**FAST, "max_epochs": 1}).fit(ragged, rng.normal(size=12))
    assert AUTO_HIGHWAY_WEIGHTS == 256
    assert long.highway_window_ == 128  # 128 steps x 2 features
    assert long.net_.module_.highway.in_features == 256


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_auto_gives_classifiers_whole_sequences_or_no_highway(Est, rng):
    X, y = rng.normal(size=(20, 9, 2)), [0, 1] * 10
    clf = Est(**FAST).fit(X, y)
    assert clf.highway_window_ == 9
    assert clf.net_.module_.highway.weight.shape == (2, 18)  # 2 logits, 9 steps x 2 features
    # 129 steps x 2 features > 256 weights: none rather than the last 128
    assert Est(**{**FAST, "max_epochs": 1}).fit(rng.normal(size=(20, 129, 2)), y).highway_window_ == 0
    assert Est(**FAST, highway_window=3).fit(X, y).net_.module_.highway.in_features == 6


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_zero_switches_the_highway_off_and_counts_its_weights(Est, rng):
    X = rng.normal(size=(20, 9, 2))
    y = rng.normal(size=20) if Est in REGRESSORS else [0, 1] * 10
    sizes = {}
    for window in (0, 4):
        est = Est(**FAST, highway_window=window).fit(X, y)
        assert hasattr(est.net_.module_, "highway") == bool(window)
        sizes[window] = sum(p.numel() for p in est.net_.module_.parameters())
    n_outputs = 1 if Est in REGRESSORS else 2
    assert sizes[4] - sizes[0] == 4 * 2 * n_outputs + n_outputs


def test_highway_learns_a_linear_autoregression(rng):
    # y = an AR(2) combination of the last two values: linear, so the
    # highway can represent it exactly while a tiny recurrent model alone
    # only approximates it
    series = rng.normal(size=(300, 12, 1))
    y = 0.8 * series[:, -1, 0] - 0.5 * series[:, -2, 0]
    errors = {}
    for window in (0, 12):
        est = GRURegressor(hidden_size=2, max_epochs=30, scaling=None, random_state=0,
                           highway_window=window).fit(series[:200], y[:200])
        errors[window] = np.mean((est.predict(series[200:]) - y[200:]) ** 2)
        if window:  # the highway carries the autoregression (the recurrent part helps)
            weight = est.net_.module_.highway.weight.detach().numpy()[0]
            assert np.argmax(np.abs(weight)) == 11 and weight[11] > 0.5 and weight[10] < -0.3
    assert errors[12] < 0.1 * errors[0]


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_highway_exports_to_onnx(Est, rng):
    X = rng.normal(size=(30, 9, 2))
    y = rng.normal(size=30) if Est in REGRESSORS else [0, 1, 2] * 10
    est = _randomise_highway(Est(**{**FAST, "max_epochs": 1}, highway_window=6).fit(X, y))
    method = "predict" if Est in REGRESSORS else "predict_proba"
    # ragged, shorter than the window, and longer than the export's example
    for data in ([rng.normal(size=(T, 2)) for T in [1, 3, 6, 11, 20]], rng.normal(size=(4, 15, 2))):
        expected = getattr(est.set_params(inference="torch"), method)(data)
        got = getattr(est.set_params(inference="onnx"), method)(data)
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)
