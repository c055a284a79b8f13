"""Training faults and persistence: nothing lost, every failure explained."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from conftest import FAST, FIXED_CELL

from skrnn import GRURegressor, LSTMRegressor
from skrnn.exceptions import InconsistentVersionWarning, TrainingDivergedError



def _target(Est, y):
    return y if "Regressor" in Est.__name__ else np.where(y > 0, "pos", "neg")


class _Poison(Callback):
    """Turns the loss non-finite at a chosen epoch, like a diverging run."""

    def __init__(self, epoch, value=float("nan")):
        self.epoch = epoch
        self.value = value

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training and len(net.history) == self.epoch:
            with torch.no_grad():
                net.module_.head.bias.fill_(self.value)


@pytest.mark.parametrize("Est", FIXED_CELL)
@pytest.mark.parametrize("value, word", [(float("nan"), "NaN"), (float("inf"), "(NaN|infinite)")])
def test_non_finite_loss_stops_fit_naming_the_epoch(Est, value, word, sum_regression):
    X, y = sum_regression
    est = Est(callbacks=[_Poison(epoch=2, value=value)], **FAST)
    with pytest.raises(TrainingDivergedError, match=f"became {word} at epoch 2, batch 1") as info:
        est.fit(X, _target(Est, y))
    assert (info.value.epoch, info.value.batch) == (2, 1)
    assert not hasattr(est, "net_"), "a diverged fit must not leave a model behind"


def test_absurd_learning_rate_is_caught_not_returned_as_nan(sum_regression):
    X, y = sum_regression
    est = GRURegressor(lr=1e12, gradient_clip=None, optimizer="sgd", scaling=None, max_epochs=20)
    with pytest.raises(TrainingDivergedError, match="Lower the learning rate"):
        est.fit(X, y * 1e6)


def test_diverged_fit_in_cross_validation_is_a_failed_fit(sum_regression):
    X, y = sum_regression
    est = GRURegressor(callbacks=[_Poison(epoch=1)], **FAST)
    with pytest.raises(ValueError, match="(?s)All the 2 fits failed.*TrainingDivergedError"):
        cross_val_score(est, X, y, cv=2, error_score=np.nan)


class _InterruptAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_keyboard_interrupt_keeps_the_weights_reached(Est, sum_regression):
    X, y = sum_regression
    target = _target(Est, y)
    # a constant learning rate: the cosine schedule's horizon depends on max_epochs
    fixed = dict(FAST, lr_schedule="constant", warmup_steps=0)
    interrupted = Est(callbacks=[_InterruptAt(2)], **{**fixed, "max_epochs": 50}).fit(X, target)
    assert interrupted.n_iter_ == 2
    # the same two epochs without interruption give the same model
    reference = Est(**{**fixed, "max_epochs": 2}).fit(X, target)
    np.testing.assert_array_equal(interrupted.predict(X), reference.predict(X))


def test_gradient_clip_keeps_a_large_step_finite(sum_regression):
    X, y = sum_regression
    # unscaled huge targets: without clipping SGD explodes, with it training stays finite
    kwargs = dict(optimizer="sgd", lr=1.0, scaling=None, max_epochs=5, random_state=0)
    with pytest.raises(TrainingDivergedError):
        GRURegressor(gradient_clip=None, **kwargs).fit(X, y * 1e4)
    reg = GRURegressor(gradient_clip=1.0, **kwargs).fit(X, y * 1e4)
    assert np.isfinite(reg.predict(X)).all()


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_skorch_save_and_load_params_round_trip(Est, sum_regression, tmp_path):
    X, y = sum_regression
    target = _target(Est, y)
    est = Est(**FAST).fit(X, target)
    est.net_.save_params(f_params=tmp_path / "params.pt")
    # a differently-seeded twin of the same architecture, then load the weights
    twin = clone(est).set_params(random_state=1, max_epochs=1).fit(X, target)
    output = "predict_proba" if hasattr(est, "predict_proba") else "predict"
    assert not np.array_equal(getattr(twin, output)(X), getattr(est, output)(X))
    twin.net_.load_params(f_params=tmp_path / "params.pt")
    np.testing.assert_array_equal(getattr(twin, output)(X), getattr(est, output)(X))


def test_unpickling_with_another_version_warns(sum_regression):
    X, y = sum_regression
    est = GRURegressor(**FAST).fit(X, y)
    state = est.__getstate__()
    assert state["_skrnn_version"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        pickle.loads(pickle.dumps(est))  # same version: silent
    state["_skrnn_version"] = "0.0.1"
    restored = GRURegressor.__new__(GRURegressor)
    with pytest.warns(InconsistentVersionWarning, match="from skrnn version 0.0.1"):
        restored.__setstate__(state)
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a CPU-only machine")
def test_model_marked_cuda_loads_on_a_cpu_only_machine(sum_regression):
    X, y = sum_regression
    est = LSTMRegressor(**FAST).fit(X, y)
    expected = est.predict(X)
    # what a model trained with device="cuda" carries: the device in its
    # parameters and in its net; its tensors are mapped on load
    est.set_params(device="cuda")
    est.net_.device = "cuda"
    with pytest.warns(UserWarning, match="no CUDA devices"):
        loaded = pickle.loads(pickle.dumps(est))
    assert str(loaded.net_.device) == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), expected)


def test_ragged_batches_are_padded_only_to_their_own_longest_sequence(rng):
    from skrnn._dataset import SequenceBatches, SequenceDataset
    from skrnn._validation import check_sequences

    lengths = [2, 300, 3, 4, 5, 1, 7, 2]
    seqs = check_sequences([rng.normal(size=(T, 2)) for T in lengths])
    batches = SequenceBatches(SequenceDataset(seqs, np.zeros(len(lengths))), batch_size=2)
    shapes = [tuple(Xb["X"].shape) for Xb, _ in batches]
    assert shapes == [(2, 300, 2), (2, 4, 2), (2, 5, 2), (2, 7, 2)]


def test_predict_streams_in_batches(rng):
    # the network never sees more than one inference batch at a time
    from skrnn._base import _MIN_PREDICT_BATCH

    reg = GRURegressor(**FAST).fit(rng.normal(size=(20, 5)), rng.normal(size=20))
    seen = []
    hook = reg.net_.module_.register_forward_hook(lambda m, args, out: seen.append(len(out)))
    pred = reg.predict(rng.normal(size=(3 * _MIN_PREDICT_BATCH + 5, 5)))
    hook.remove()
    assert len(pred) == 3 * _MIN_PREDICT_BATCH + 5
    assert max(seen) == _MIN_PREDICT_BATCH and len(seen) == 4
