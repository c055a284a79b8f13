"""ONNX export and inference="onnx": same predictions as torch, to 1e-5."""

import pickle
import sys

import numpy as np
import onnx  # noqa: F401 -- the export writes through it; a missing one fails here
import onnxruntime as ort
import pytest
from conftest import FAST, FIXED_CELL, WITH_CELL
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skrnn import GRUClassifier, GRURegressor, LSTMRegressor


def _target(Est, n, rng, n_classes=3):
    y = rng.normal(size=n)
    if "Classifier" in Est.__name__:
        return np.array(["a", "b", "c"])[rng.randint(0, n_classes, size=n)]
    return y


def _output(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


def _assert_parity(est, X):
    expected = _output(est.set_params(inference="torch"), X)
    got = _output(est.set_params(inference="onnx"), X)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)


def _inputs(rng, d):
    """Batch sizes and lengths other than the export's (2 x 7), ragged too."""
    lengths = rng.randint(1, 25, size=17)
    return [
        rng.normal(size=(1, 1, d)),
        rng.normal(size=(5, 6, d)),       # a multiple of patch_size 3
        rng.normal(size=(3, 31, d)),      # not a multiple
        [rng.normal(size=(T, d)) for T in lengths],
    ]


@pytest.mark.parametrize("Est", FIXED_CELL)
@pytest.mark.parametrize("patch_size", [1, 3])
@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_parity_cells_patching_pooling(Est, patch_size, pooling, rng):
    X = rng.normal(size=(30, 9, 2))
    est = Est(patch_size=patch_size, pooling=pooling, **{**FAST, "max_epochs": 2})
    est.fit(X, _target(Est, 30, rng))
    for data in _inputs(rng, 2):
        _assert_parity(est, data)


@pytest.mark.parametrize("Est", WITH_CELL)
@pytest.mark.parametrize("scaling", ["global", "sequence", "sequence_stats", "last", None])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_parity_scaling_bidirectional_stacked(Est, scaling, cell, rng):
    X = 3 + 2 * rng.normal(size=(30, 8, 3))
    est = Est(
        cell, scaling=scaling, bidirectional=True, num_layers=2, patch_size=2,
        **{**FAST, "max_epochs": 2},
    )
    est.fit(X, _target(Est, 30, rng))
    for data in _inputs(rng, 3):
        _assert_parity(est, data)


def test_multi_output_regression_and_large_batches(rng):
    X = rng.normal(size=(40, 6, 2))
    est = LSTMRegressor(**{**FAST, "max_epochs": 2}).fit(X, rng.normal(size=(40, 3)))
    _assert_parity(est, rng.normal(size=(600, 6, 2)))  # several inference batches
    lengths = rng.randint(1, 9, size=700)
    _assert_parity(est, [rng.normal(size=(T, 2)) for T in lengths])


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_to_onnx_file_runs_in_onnxruntime(Est, rng, tmp_path):
    X = rng.normal(size=(30, 9, 2))
    est = Est(patch_size=2, **{**FAST, "max_epochs": 2}).fit(X, _target(Est, 30, rng))
    path = est.to_onnx(tmp_path / "model.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (output,) = session.get_outputs()
    expected_name = "probabilities" if hasattr(est, "predict_proba") else "predictions"
    assert output.name == expected_name
    X_new = rng.normal(size=(4, 13, 2)).astype(np.float32)
    got = session.run(None, {"X": X_new})[0]
    np.testing.assert_allclose(got.reshape(len(X_new), -1).squeeze(),
                               _output(est, X_new).squeeze(), atol=1e-5)


def test_pickle_drops_the_session_and_rebuilds_it(rng):
    X = rng.normal(size=(30, 9, 2))
    est = GRUClassifier(inference="onnx", **{**FAST, "max_epochs": 2})
    est.fit(X, _target(GRUClassifier, 30, rng))
    expected = est.predict_proba(X)
    assert est._onnx is not None
    state = est.__getstate__()
    assert "_onnx" not in state
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


def test_session_follows_weights_changed_in_place(rng, tmp_path):
    X = rng.normal(size=(30, 9, 2))
    y = rng.normal(size=30)
    est = GRURegressor(inference="onnx", **{**FAST, "max_epochs": 2}).fit(X, y)
    other = GRURegressor(**{**FAST, "max_epochs": 2, "random_state": 1}).fit(X, y)
    est.predict(X)  # builds the session
    other.net_.save_params(f_params=tmp_path / "w.pt")
    est.net_.load_params(f_params=tmp_path / "w.pt")
    np.testing.assert_allclose(est.predict(X), other.predict(X), atol=1e-5)


def test_clone_and_get_params(rng):
    est = LSTMRegressor(inference="onnx", hidden_size=4)
    assert est.get_params()["inference"] == "onnx"
    assert clone(est).inference == "onnx"
    with pytest.raises(ValueError, match="inference"):
        LSTMRegressor(inference="tensorrt").fit(rng.normal(size=(8, 4)), rng.normal(size=8))


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_unfitted_raises_not_fitted(Est, rng, tmp_path):
    est = Est(inference="onnx")
    with pytest.raises(NotFittedError):
        est.predict(rng.normal(size=(2, 5)))
    with pytest.raises(NotFittedError):
        est.to_onnx(tmp_path / "m.onnx")


def test_clear_error_without_onnxruntime(rng, monkeypatch):
    est = GRURegressor(inference="onnx", **{**FAST, "max_epochs": 2})
    est.fit(rng.normal(size=(10, 5)), rng.normal(size=10))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"pip install 'skrnn\[onnx\]'"):
        est.predict(rng.normal(size=(2, 5)))
