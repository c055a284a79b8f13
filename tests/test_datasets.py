import numpy as np
import pandas as pd
import pytest

from skrnn.datasets import load_airline, make_adding_problem, make_delayed_recall


def test_load_airline_values_and_dates():
    airline = load_airline()
    assert airline.data.shape == (144,)
    assert airline.data.dtype == np.float64
    assert airline.data[0] == 112 and airline.data[-1] == 432
    assert airline.data.sum() == 40363  # Box & Jenkins series G
    assert str(airline.dates[0]) == "1949-01" and str(airline.dates[-1]) == "1960-12"
    assert (np.diff(airline.dates).astype(int) == 1).all()
    assert "Jenkins" in airline.DESCR


def test_load_airline_as_frame():
    series = load_airline(as_frame=True).data
    assert isinstance(series, pd.Series)
    assert series.index.freqstr.startswith("M")
    assert series["1960-07"] == 622


# --- synthetic tasks with known answers -------------------------------------


def test_adding_problem_structure():
    X, y = make_adding_problem(n_samples=300, n_timesteps=40, random_state=0)
    assert X.shape == (300, 40, 2) and y.shape == (300,)
    values, markers = X[:, :, 0], X[:, :, 1]
    assert values.min() >= 0 and values.max() < 1
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert (markers[:, :20].sum(axis=1) == 1).all()  # one marker in each half
    assert (markers[:, 20:].sum(axis=1) == 1).all()
    np.testing.assert_allclose(y, (values * markers).sum(axis=1))
    # the constant prediction 1 has mean squared error ~ 1/6
    assert abs(np.mean((y - 1) ** 2) - 1 / 6) < 0.03


def test_adding_problem_odd_length_and_reproducibility():
    X, _ = make_adding_problem(n_samples=200, n_timesteps=5, random_state=1)
    marked = X[:, :, 1].argmax(axis=1)
    assert set(marked) <= {0, 1}  # first half of 5 steps: 0..1
    a = make_adding_problem(10, 7, random_state=3)
    b = make_adding_problem(10, 7, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], make_adding_problem(10, 7, random_state=4)[0])


@pytest.mark.parametrize("delay", [0, 5, 11])
def test_delayed_recall_structure(delay):
    X, y = make_delayed_recall(
        n_samples=400, n_timesteps=12, n_symbols=3, delay=delay, random_state=0
    )
    assert X.shape == (400, 12, 4) and y.dtype == np.int64
    symbols = X[:, :, :3]
    assert (symbols.sum(axis=2) == 1).all()  # one symbol per step
    marker = X[:, :, 3]
    assert (marker.sum(axis=1) == 1).all()
    assert (marker[:, 12 - 1 - delay] == 1).all()
    np.testing.assert_array_equal(symbols[:, 12 - 1 - delay].argmax(axis=1), y)
    assert set(y) == {0, 1, 2}
    assert np.bincount(y).min() > 100  # roughly balanced: chance is 1/3


def test_delayed_recall_default_delay_is_the_longest():
    X, y = make_delayed_recall(n_samples=50, n_timesteps=9, random_state=0)
    assert (X[:, 0, -1] == 1).all()
    np.testing.assert_array_equal(X[:, 0, :-1].argmax(axis=1), y)


@pytest.mark.parametrize(
    "func, kwargs, match",
    [
        (make_adding_problem, dict(n_timesteps=1), "n_timesteps"),
        (make_adding_problem, dict(n_samples=0), "n_samples"),
        (make_delayed_recall, dict(n_timesteps=5, delay=5), "delay must be smaller"),
        (make_delayed_recall, dict(n_symbols=1), "n_symbols"),
    ],
)
def test_generator_parameter_errors(func, kwargs, match):
    with pytest.raises(ValueError, match=match):
        func(**kwargs)
