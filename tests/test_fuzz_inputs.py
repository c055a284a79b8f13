"""Property-based fuzzing of the input layer: hostile X and y never crash badly.

Whatever is passed, the outcome is either a correct fit and predict, or a
``ValueError`` / ``TypeError`` raised by skrnn's (or scikit-learn's) own
validation with a message — never an error from inside torch or numpy, and
never a modified input.
"""

import copy
import traceback
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from conftest import TINY

from skrnn import GRUClassifier, LSTMRegressor

OWN_CODE = ("/skrnn/", "/sklearn/utils/", "/sklearn/base.py")

DTYPES = st.sampled_from(
    [np.float16, np.float32, np.float64, np.int8, np.int64, np.uint64, bool, np.complex64, object]
)
FINITE = st.floats(-1e3, 1e3, allow_nan=False)
# mostly ordinary numbers, so that valid inputs (and full fits) occur often
ELEMENTS = st.one_of(
    FINITE,
    FINITE,
    FINITE,
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1e39, -1e300, 3.4e38]),
)


@st.composite
def arrays(draw):
    ndim = draw(st.sampled_from([0, 1, 2, 2, 3, 3, 4]))
    shape = tuple(draw(st.lists(SIZES, min_size=ndim, max_size=ndim)))
    dtype = draw(st.one_of(DTYPES, st.just(np.float64)))
    values = draw(hnp.arrays(np.float64, shape, elements=draw(VALUES)))
    if dtype is object:
        return values.astype(object)
    with np.errstate(all="ignore"):
        return values.astype(dtype) if np.dtype(dtype).kind in "fc" else np.nan_to_num(values).clip(
            -100, 100
        ).astype(dtype)


@st.composite
def ragged_lists(draw):
    n = draw(st.integers(0, 5))
    seqs = []
    for _ in range(n):
        T = draw(SIZES)
        d = draw(st.sampled_from([None, 2, 2, 2, 3]))  # mostly consistent features
        shape = (T,) if d is None else (T, d)
        seqs.append(draw(hnp.arrays(np.float64, shape, elements=draw(VALUES))))
    return seqs


# an array is clean (all finite) half of the time, else its values may be anything
VALUES = st.sampled_from([FINITE, ELEMENTS])
SIZES = st.one_of(st.integers(1, 6), st.integers(1, 6), st.just(0))
INPUTS = st.one_of(
    arrays(), arrays(), arrays(), ragged_lists(), ragged_lists(), st.sampled_from([None, "ab", 1.5])
)


def _assert_clear_error(exc):
    assert isinstance(exc, (ValueError, TypeError)), f"unexpected {type(exc).__name__}: {exc}"
    assert str(exc).strip(), "an error without a message"
    where = traceback.extract_tb(exc.__traceback__)[-1].filename
    assert any(part in where for part in OWN_CODE), f"raised from {Path(where).name}: {exc}"


def _snapshot(obj):
    return copy.deepcopy(obj)


def _same(a, b):
    if isinstance(a, np.ndarray):
        if not (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape):
            return False
        if a.dtype.kind == "O":  # element by element: NaN objects equal themselves here
            return all(_same(x, y) for x, y in zip(a.ravel(), b.ravel()))
        return np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


def _n_samples(X):
    try:
        return len(X) if not isinstance(X, str) else 1
    except TypeError:  # None, a float, a 0-d array
        return 1


def _run(Est, X, y):
    before = _snapshot(X)
    try:
        est = Est(**TINY).fit(X, y)
    except Exception as exc:  # noqa: BLE001 - the property is about *which* errors
        event(f"error: {type(exc).__name__}: {str(exc)[:40]}")
        _assert_clear_error(exc)
    else:
        event("fitted")
        pred = est.predict(X)
        assert len(pred) == len(y)
        if pred.dtype.kind == "f":
            assert np.isfinite(pred).all()
    assert _same(X, before), "the input was modified"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=INPUTS, data=st.data())
def test_regressor_input_fuzz(X, data):
    n = _n_samples(X)
    n_y = data.draw(st.sampled_from([n, n, n, max(n - 1, 0), n + 1]))
    y = data.draw(hnp.arrays(np.float64, (n_y,), elements=data.draw(VALUES)))
    _run(LSTMRegressor, X, y)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=INPUTS, data=st.data())
def test_classifier_input_fuzz(X, data):
    n = _n_samples(X)
    labels = data.draw(st.sampled_from([["a", "b"], [0, 1, 2], ["a", "b"], [1.5, np.nan], ["one"]]))
    y = np.array(data.draw(st.lists(st.sampled_from(labels), min_size=n, max_size=n)), dtype=object)
    _run(GRUClassifier, X, y)


@settings(max_examples=40, deadline=None)
@given(X=arrays())
def test_predict_input_fuzz(X):
    est = LSTMRegressor(**TINY).fit(np.random.RandomState(0).normal(size=(6, 4, 2)), np.arange(6.0))
    before = _snapshot(X)
    try:
        pred = est.predict(X)
    except Exception as exc:  # noqa: BLE001
        _assert_clear_error(exc)
    else:
        assert np.isfinite(pred).all() and len(pred) == len(X)
    assert _same(X, before)
