"""Bad input fails early with a message that names the problem."""

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from conftest import CLASSIFIERS, FAST, FIXED_CELL, REGRESSORS
from sklearn.exceptions import NotFittedError

from skrnn import GRURegressor



def _y(Est, n, rng):
    return rng.normal(size=n) if "Regressor" in Est.__name__ else rng.randint(0, 2, n)


@pytest.mark.parametrize("Est", FIXED_CELL)
@pytest.mark.parametrize(
    "bad, error, message",
    [
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), ValueError, "NaN"),
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X), ValueError, "infinity"),
        (lambda X: X * 1e300, ValueError, "too large for float32"),
        (lambda X: X[:, 0, 0], ValueError, "Reshape your data"),
        (lambda X: X[..., None], ValueError, "4-D"),
        (lambda X: X[:0], ValueError, r"X is empty: 0 sequences \(shape=\(0, 5, 2\)\)"),
        (lambda X: X[:, :0], ValueError, "empty sequences"),
        (lambda X: X[:, :, :0], ValueError, "0 feature"),
        (lambda X: X.astype(str).astype(object) + "x", TypeError, "numeric"),
        (lambda X: X + 1j, ValueError, "Complex data not supported"),
        (lambda X: sp.csr_matrix(X[:, :, 0]), TypeError, "Sparse input is not supported"),
        (lambda X: None, TypeError, "None"),
        (lambda X: "abc", TypeError, "array-like"),
    ],
)
def test_bad_X_in_fit(Est, bad, error, message, rng):
    X = rng.normal(size=(10, 5, 2))
    with pytest.raises(error, match=message):
        Est(**FAST).fit(bad(X), _y(Est, 10, rng))


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_ragged_list_problems(Est, rng):
    y = _y(Est, 3, rng)
    with pytest.raises(ValueError, match=r"Inconsistent number of features.*X\[2\] has 3"):
        Est(**FAST).fit([rng.normal(size=(4, 2)), rng.normal(size=(6, 2)), rng.normal(size=(5, 3))], y)
    with pytest.raises(ValueError, match=r"X\[1\] is an empty sequence"):
        Est(**FAST).fit([rng.normal(size=4), np.array([]), rng.normal(size=3)], y)
    with pytest.raises(ValueError, match=r"X\[0\].*NaN"):
        Est(**FAST).fit([np.array([1.0, np.nan]), rng.normal(size=5), rng.normal(size=3)], y)
    with pytest.raises(ValueError, match=r"X\[1\] has 3 dimensions"):
        Est(**FAST).fit([rng.normal(size=4), rng.normal(size=(4, 1, 1)), rng.normal(size=3)], y)


@pytest.mark.parametrize(
    "X, shown",
    [
        (np.empty((0, 5)), r"\(shape=\(0, 5\)\)"),
        (np.empty(0), r"\(shape=\(0,\)\)"),
        ([], r"\(an empty list\)"),
        ((), r"\(an empty tuple\)"),
        (pd.DataFrame(np.empty((0, 4)), columns=list("abcd")), r"\(shape=\(0, 4\)\)"),
        (pd.DataFrame(), r"\(shape=\(0, 0\)\)"),
    ],
)
def test_empty_X_says_it_is_empty(X, shown, rng):
    with pytest.raises(ValueError, match=rf"X is empty: 0 sequences {shown}; at least 1"):
        GRURegressor(**FAST).fit(X, [])
    est = GRURegressor(**{**FAST, "max_epochs": 2, "hidden_size": 4})
    est.fit(rng.normal(size=(10, 5)), rng.normal(size=10))
    with pytest.raises(ValueError, match="X is empty: 0 sequences"):
        est.predict(X)


@pytest.mark.parametrize("device", ["cuda", "cuda:1", torch.device("cuda")])
def test_cuda_device_without_cuda(device, rng, monkeypatch):
    # a machine without CUDA, also where the tests run with a GPU
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    expected = f"device='{device}' was requested but torch.cuda.is_available() is False; use device='cpu'"
    with pytest.raises(ValueError, match=re.escape(expected)):
        GRURegressor(device=device, **FAST).fit(rng.normal(size=(10, 5)), rng.normal(size=10))


def test_invalid_device_string(rng):
    with pytest.raises(ValueError, match="device='gpu0' is not a valid torch device"):
        GRURegressor(device="gpu0", **FAST).fit(rng.normal(size=(10, 5)), rng.normal(size=10))


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_length_mismatch(Est, rng):
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Est(**FAST).fit(rng.normal(size=(10, 5)), _y(Est, 9, rng))


@pytest.mark.parametrize("Est", REGRESSORS)
@pytest.mark.parametrize(
    "y, error, message",
    [
        (np.r_[np.nan, np.ones(9)], ValueError, "NaN"),
        (np.r_[np.inf, np.ones(9)], ValueError, "infinity"),
        (np.ones((10, 2, 2)), ValueError, "3-D"),
        (np.array(["a"] * 10), TypeError, "numeric"),
        (None, ValueError, "requires y"),
    ],
)
def test_bad_regression_target(Est, y, error, message, rng):
    with pytest.raises(error, match=message):
        Est(**FAST).fit(rng.normal(size=(10, 5)), y)


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_bad_classification_target(Est, rng):
    X = rng.normal(size=(10, 5))
    with pytest.raises(ValueError, match="greater than one"):
        Est(**FAST).fit(X, ["a"] * 10)
    with pytest.raises(ValueError, match="Unknown label type"):
        Est(**FAST).fit(X, rng.normal(size=10))
    with pytest.raises(ValueError, match="Multi-output"):
        Est(**FAST).fit(X, rng.randint(0, 2, (10, 2)))
    with pytest.raises(ValueError, match="NaN"):
        Est(**FAST).fit(X, np.r_[np.nan, np.zeros(4), np.ones(5)])


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_predict_before_fit(Est, rng):
    X = rng.normal(size=(4, 5))
    est = Est()
    with pytest.raises(NotFittedError):
        est.predict(X)
    with pytest.raises(NotFittedError):
        est.score(X, _y(Est, 4, rng))


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_wrong_feature_count_at_predict(Est, rng):
    est = Est(**{**FAST, "max_epochs": 2, "hidden_size": 4})
    est.fit(rng.normal(size=(10, 5, 2)), _y(Est, 10, rng))
    with pytest.raises(ValueError, match="X has 3 features per time step.*expecting 2"):
        est.predict(rng.normal(size=(4, 5, 3)))
    with pytest.raises(ValueError, match="X has 1 features per time step"):
        est.predict(rng.normal(size=(4, 5)))


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_unseen_labels_in_score(Est, rng):
    X = rng.normal(size=(10, 5))
    clf = Est(**{**FAST, "max_epochs": 2, "hidden_size": 4}).fit(X, ["a", "b"] * 5)
    with pytest.raises(ValueError, match=r"labels not seen during fit: \['z'\]"):
        clf.score(X, ["a", "z"] * 5)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(cell="rnn"), "cell"),
        (dict(hidden_size=0), "hidden_size"),
        (dict(dropout=1.0), "dropout"),
        (dict(lr=-1.0), "lr"),
        (dict(optimizer="adamax"), "optimizer"),
        (dict(validation_fraction=1.5), "validation_fraction"),
        (dict(pooling="max"), "pooling"),
        (dict(scaling="minmax"), "scaling"),
        (dict(gradient_clip=0.0), "gradient_clip"),
    ],
)
def test_invalid_hyperparameters(params, message, rng):
    from skrnn import RecurrentRegressor

    with pytest.raises(ValueError, match=f"'{message}' parameter"):
        RecurrentRegressor(**params).fit(rng.normal(size=(10, 5)), rng.normal(size=10))


def test_early_stopping_needs_two_samples(rng):
    with pytest.raises(ValueError, match="validation set"):
        GRURegressor(early_stopping=True, **FAST).fit(rng.normal(size=(1, 5)), [1.0])
