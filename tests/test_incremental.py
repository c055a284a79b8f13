"""Incremental training: partial_fit (one epoch per call) and warm_start."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from conftest import ALL_ESTIMATORS, CLASSIFIERS, REGRESSORS, make_sine_classes, make_sum_regression
from skrnn._schedule import WarmupCosine
from skrnn.classifier import _ClassifierCore

# a few epochs on purpose: most of these fits are far from converged
pytestmark = pytest.mark.filterwarnings("ignore:.*did not learn")

STEADY = dict(hidden_size=8, batch_size=16, random_state=0, lr_schedule="constant",
              warmup_steps=0, lr=1e-2)


def data_for(Est, n=96):
    if issubclass(Est, _ClassifierCore):
        return make_sine_classes(n=n, T=20)
    return make_sum_regression(n=n, T=8)


def fit_kwargs(Est, y):
    return {"classes": np.unique(y)} if issubclass(Est, _ClassifierCore) else {}


@pytest.mark.parametrize("Est", ALL_ESTIMATORS)
def test_loss_keeps_falling_across_partial_fit_calls(Est):
    X, y = data_for(Est)
    est = Est(**STEADY)
    for _ in range(8):
        est.partial_fit(X, y, **fit_kwargs(Est, y))
    losses = est.net_.history[:, "train_end_loss"]
    assert est.n_iter_ == 8 and len(losses) == 8
    assert losses[-1] < 0.8 * losses[0], losses
    assert np.mean(np.diff(losses) < 0) >= 0.7, losses  # falling at most calls


@pytest.mark.parametrize("Est", REGRESSORS)
def test_partial_fit_keeps_statistics_optimizer_and_schedule(Est):
    X, y = data_for(Est)
    est = Est(hidden_size=8, batch_size=16, random_state=0, max_epochs=10, warmup_steps=20)
    est.partial_fit(X, y)
    kept = est.target_mean_.copy(), est.target_scale_.copy(), est.training_plan_
    est.partial_fit(X + 5.0, y + 100.0)  # other data: the first call's statistics stay
    np.testing.assert_array_equal(est.target_mean_, kept[0])
    np.testing.assert_array_equal(est.target_scale_, kept[1])
    assert est.training_plan_ == kept[2]
    # the optimizer state and the learning-rate schedule carry on
    steps = est.n_steps_
    assert steps == 2 * est.training_plan_.steps_per_epoch
    adam_steps = {int(s["step"]) for s in est.net_.optimizer_.state.values()}
    assert adam_steps == {steps}
    plan = est.training_plan_
    schedule = WarmupCosine(plan.warmup_steps, plan.total_steps)
    assert est.net_.history[-1, "lr"] == pytest.approx(est.lr * schedule(steps))


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_classifier_partial_fit_classes(Est):
    X, y = make_sine_classes(n=60, T=16)
    est = Est(**STEADY)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X, y)
    labels = np.array(["a", "b", "c"])[y]
    # the first chunk holds two of the three classes: classes names all three
    est.partial_fit(X[y < 2], labels[y < 2], classes=["c", "a", "b"])
    np.testing.assert_array_equal(est.classes_, ["a", "b", "c"])
    assert est.predict_proba(X).shape == (60, 3)
    est.partial_fit(X[y == 2], labels[y == 2])  # one class in a call is fine
    with pytest.raises(ValueError, match=r"labels not in classes_.*\['d'\]"):
        est.partial_fit(X[:5], np.array(["a", "d", "a", "b", "c"]))
    with pytest.raises(ValueError, match="differs from the classes of the first"):
        est.partial_fit(X, labels, classes=["a", "b"])
    assert est.n_iter_ == 2  # the refused calls trained nothing


@pytest.mark.parametrize("Est", ALL_ESTIMATORS)
def test_changed_n_features_between_calls_is_a_clear_error(Est):
    X, y = data_for(Est, n=40)
    est = Est(**STEADY).partial_fit(X, y, **fit_kwargs(Est, y))
    X3 = np.repeat(np.asarray(X).reshape(len(X), X.shape[1], -1), 2, axis=2)
    with pytest.raises(ValueError, match="features per time step.*first fitted with"):
        est.partial_fit(X3, y)
    warm = Est(**{**STEADY, "max_epochs": 1, "warm_start": True}).fit(X, y)
    with pytest.raises(ValueError, match=r"fit \(warm_start=True\) continues"):
        warm.fit(X3, y)


class WeightsAtStart(Callback):
    """Record the module's weights when training begins."""

    def __init__(self):
        self.seen = []

    def on_train_begin(self, net, **kwargs):
        self.seen.append({k: v.clone() for k, v in net.module_.state_dict().items()})


@pytest.mark.parametrize("Est", ALL_ESTIMATORS)
def test_warm_start_second_fit_starts_from_the_first_fits_weights(Est):
    X, y = data_for(Est, n=64)
    probe = WeightsAtStart()
    est = Est(**{**STEADY, "max_epochs": 3}, warm_start=True, callbacks=[probe]).fit(X, y)
    fitted = {k: v.clone() for k, v in est.net_.module_.state_dict().items()}
    first_steps = est.n_steps_
    est.fit(X, y)
    for name, value in fitted.items():
        torch.testing.assert_close(probe.seen[1][name], value, rtol=0, atol=0)
    # Adam's moments carried over: its step count is that of both fits
    adam_steps = {int(s["step"]) for s in est.net_.optimizer_.state.values()}
    assert adam_steps == {first_steps + est.n_steps_}
    # and the continued fit starts from the first fit's loss, not from scratch
    cold = Est(**{**STEADY, "max_epochs": 3}).fit(X, y)
    assert est.net_.history[0, "train_end_loss"] < cold.net_.history[0, "train_end_loss"]


@pytest.mark.parametrize("Est", [REGRESSORS[0], CLASSIFIERS[1]])
def test_without_warm_start_a_second_fit_starts_over(Est):
    X, y = data_for(Est, n=64)
    est = Est(**{**STEADY, "max_epochs": 2})
    est.partial_fit(X, y, **fit_kwargs(Est, y)).partial_fit(X, y)
    est.fit(X, y)
    fresh = Est(**{**STEADY, "max_epochs": 2}).fit(X, y)
    assert est.n_iter_ == 2
    np.testing.assert_array_equal(est.predict(X), fresh.predict(X))


@pytest.mark.parametrize("Est", [REGRESSORS[1], CLASSIFIERS[0]])
def test_clone_resets_and_pickling_between_calls_continues_identically(Est):
    X, y = data_for(Est, n=64)
    est = Est(**STEADY, warm_start=True)
    est.partial_fit(X, y, **fit_kwargs(Est, y)).partial_fit(X, y)
    fresh = clone(est)
    assert not hasattr(fresh, "net_") and fresh.get_params()["warm_start"] is True
    assert clone(est).partial_fit(X, y, **fit_kwargs(Est, y)).n_iter_ == 1
    restored = pickle.loads(pickle.dumps(est))
    est.partial_fit(X, y)
    restored.partial_fit(X, y)
    assert restored.n_iter_ == est.n_iter_ == 3
    out = "predict_proba" if hasattr(est, "predict_proba") else "predict"
    np.testing.assert_array_equal(getattr(restored, out)(X), getattr(est, out)(X))


def test_partial_fit_calls_shuffle_differently():
    X, y = make_sum_regression(n=48, T=6)
    est = GRU = REGRESSORS[0](**STEADY)
    orders = []

    class Order(Callback):
        def on_batch_begin(self, net, batch=None, training=None, **kwargs):
            if training:
                orders.append(float(batch[1][0]))

    GRU.set_params(callbacks=[Order()])
    est.partial_fit(X, y).partial_fit(X, y)
    n = GRU.training_plan_.steps_per_epoch
    assert orders[:n] != orders[n:]


@pytest.mark.parametrize("Est", REGRESSORS)
def test_partial_fit_takes_sample_weight_after_an_unweighted_call(Est):
    X, y = data_for(Est, n=48)
    est = Est(**STEADY).partial_fit(X, y)
    est.partial_fit(X, y, sample_weight=np.r_[np.zeros(24), np.ones(24)])
    assert np.isfinite(est.net_.history[-1, "train_loss"])
