"""Regression losses in scikit-learn's vocabulary: loss= and quantile=."""

import numpy as np
import pytest
from sklearn.base import clone

from conftest import FAST, REGRESSORS
from skrnn import GRURegressor, RecurrentRegressor
from skrnn.regressor import constant_loss, weighted_quantile


def make_noisy(n, seed):
    """y = 3 * mean of the sequence + noise whose spread grows with the last step."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 8, 1))
    y = 3 * X[:, :, 0].mean(axis=1) + rng.normal(size=n) * (0.5 + np.abs(X[:, -1, 0]))
    return X, y


QUANTILE_FIT = dict(hidden_size=8, max_epochs=12, batch_size=16, random_state=0)


@pytest.mark.slow
@pytest.mark.parametrize("q, low, high", [(0.9, 0.8, 0.97), (0.1, 0.03, 0.2)])
def test_quantile_model_covers_its_share_of_held_out_targets(q, low, high):
    X, y = make_noisy(300, 0)
    X_test, y_test = make_noisy(400, 1)
    reg = GRURegressor(loss="quantile", quantile=q, **QUANTILE_FIT).fit(X, y)
    coverage = np.mean(y_test <= reg.predict(X_test))
    assert low <= coverage <= high, coverage


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*did not learn")  # noisy on purpose
def test_absolute_error_is_robust_to_outlying_targets():
    X, y = make_noisy(300, 0)
    rng = np.random.RandomState(2)
    y_dirty = y.copy()
    bad = rng.choice(len(y), 30, replace=False)
    y_dirty[bad] += 60.0  # 10 % of the targets far off, all upwards
    X_test, y_test = make_noisy(300, 1)
    errors = {}
    for loss in ("squared_error", "absolute_error"):
        reg = GRURegressor(loss=loss, **QUANTILE_FIT).fit(X, y_dirty)
        errors[loss] = np.median(np.abs(reg.predict(X_test) - y_test))
    assert errors["absolute_error"] < 0.6 * errors["squared_error"], errors


@pytest.mark.parametrize("loss", ["absolute_error", "huber", "quantile"])
def test_every_loss_trains_and_learns(loss, sum_regression):
    X, y = sum_regression
    kwargs = {"quantile": 0.5} if loss == "quantile" else {}
    reg = RecurrentRegressor(loss=loss, **kwargs, **{**FAST, "max_epochs": 20, "early_stopping": False}).fit(X, y)
    assert reg.score(X, y) > 0.5
    assert reg.net_.criterion_.loss == loss


def test_quantile_needs_loss_quantile_and_the_reverse():
    X, y = make_noisy(20, 0)
    with pytest.raises(ValueError, match="needs the quantile"):
        GRURegressor(loss="quantile", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="only used with loss"):
        GRURegressor(quantile=0.3, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="quantile"):
        GRURegressor(loss="quantile", quantile=1.0, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="loss"):
        GRURegressor(loss="l1", **FAST).fit(X, y)


def test_loss_is_a_regressor_parameter_only():
    from skrnn import GRUClassifier
    assert "loss" in GRURegressor().get_params()
    assert "quantile" in clone(GRURegressor(loss="quantile", quantile=0.2)).get_params()
    assert "loss" not in GRUClassifier().get_params()


def test_constant_reference_is_the_minimum_over_constants():
    rng = np.random.RandomState(0)
    y = rng.exponential(size=(200, 2))  # skewed: mean, median and quantiles differ
    w = rng.uniform(0, 2, 200)
    scale = y.std(axis=0)
    grid = np.linspace(y.min(), y.max(), 801)
    for loss, q in [("squared_error", None), ("absolute_error", None),
                    ("quantile", 0.9), ("quantile", 0.1), ("huber", None)]:
        reference = constant_loss(y, scale, loss, q, w)
        # brute force: the best constant of each output on a grid
        from skrnn._module import elementwise_regression_loss
        import torch
        best = 0.0
        for j in range(2):
            r = (y[:, j][None] - grid[:, None]) / scale[j]
            losses = elementwise_regression_loss(torch.as_tensor(r), loss, q).numpy()
            best += np.min(np.average(losses, axis=1, weights=w))
        assert reference == pytest.approx(best / 2, rel=2e-3), loss
        assert reference <= best / 2 + 1e-12


def test_weighted_quantile_counts_weights_like_repetitions():
    values = np.array([3.0, 1.0, 2.0, 5.0])
    weight = np.array([1, 2, 0, 3])
    repeated = np.repeat(values, weight)
    for q in (0.1, 0.5, 0.9):
        assert weighted_quantile(values, q, weight)[0] == np.quantile(
            repeated, q, method="inverted_cdf")


@pytest.mark.parametrize("Est", REGRESSORS)
@pytest.mark.filterwarnings("ignore:.*did not learn")  # the constant is the right answer here
def test_sample_weight_applies_to_the_quantile_loss(Est):
    # two groups with identical X: the weighted median follows the heavy group
    rng = np.random.RandomState(0)
    X = np.repeat(rng.normal(size=(1, 6)), 80, axis=0) + 0.01 * rng.normal(size=(80, 6))
    y = np.r_[np.zeros(40), np.full(40, 10.0)]
    w = np.r_[np.full(40, 9.0), np.ones(40)]
    reg = Est(loss="absolute_error", scaling="global", **{**FAST, "max_epochs": 40}).fit(
        X, y, sample_weight=w)
    assert np.median(reg.predict(X)) < 3.0
