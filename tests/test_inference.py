"""The lean inference path gives exactly what skorch's predict_proba gave."""

import numpy as np
import pytest
from conftest import FAST, FIXED_CELL

from skrnn import GRURegressor
from skrnn._base import _MIN_PREDICT_BATCH
from skrnn._dataset import SequenceDataset
from skrnn._validation import check_sequences



def _fit(Est, X, rng, **params):
    y = rng.normal(size=len(X))
    if "Classifier" in Est.__name__:
        y = np.where(y > 0, "pos", "neg")
    return Est(**{**FAST, "max_epochs": 2, **params}).fit(X, y)


def _skorch_output(est, X):
    """The previous inference path: skorch's predict_proba over SequenceBatches."""
    return est.net_.predict_proba(SequenceDataset(check_sequences(X)))


@pytest.mark.parametrize("Est", FIXED_CELL)
@pytest.mark.parametrize("patch_size", [1, 3])
def test_identical_to_skorch_path(Est, patch_size, rng):
    X = rng.normal(size=(40, 11, 2))
    est = _fit(Est, X, rng, patch_size=patch_size, batch_size=8)
    dense = rng.normal(size=(_MIN_PREDICT_BATCH + 7, 13, 2))
    lengths = rng.randint(1, 30, size=_MIN_PREDICT_BATCH + 9)
    ragged = [rng.normal(size=(T, 2)) for T in lengths]
    for data in (dense, ragged, dense[:1], ragged[:1]):
        np.testing.assert_array_equal(est._network_output(data), _skorch_output(est, data))


def test_predict_does_not_mutate_input(rng):
    est = _fit(GRURegressor, rng.normal(size=(20, 5, 2)), rng, scaling=None, patch_size=1)
    X = rng.normal(size=(3, 5, 2)).astype(np.float32)
    before = X.copy()
    est.predict(X)
    np.testing.assert_array_equal(X, before)


def test_module_left_in_eval_mode_after_fit(rng):
    est = _fit(GRURegressor, rng.normal(size=(20, 5)), rng, dropout=0.5, num_layers=2)
    assert not est.net_.module_.training
    # dropout is off at inference: repeated predictions agree
    X = rng.normal(size=(4, 5))
    np.testing.assert_array_equal(est.predict(X), est.predict(X))


def test_fit_history_keeps_dur_and_losses_without_print_log(rng):
    # verbose=0 switches skorch's PrintLog off; the history the selector and
    # early stopping read is unchanged
    est = _fit(GRURegressor, rng.normal(size=(20, 5)), rng)
    assert "print_log" not in dict(est.net_.callbacks_)
    assert all(h["dur"] > 0 and np.isfinite(h["train_loss"]) for h in est.net_.history)
