"""Shared fixtures and constants: fast fit settings, the estimator lists, small data sets."""

import os
import subprocess

# scikit-learn's check_array_api_input skips itself unless SciPy's array API
# mode is on; it must be set before SciPy is first imported. With it, the
# estimator checks exercise NumPy input through the array API path too.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from skrnn import (  # noqa: E402
    GRUClassifier,
    GRURegressor,
    LSTMClassifier,
    LSTMRegressor,
    RecurrentClassifier,
    RecurrentRegressor,
)

# Each pytest-xdist worker is its own process; several workers each spinning
# up all cores' worth of torch threads oversubscribe the CPU badly (measured:
# 30x slower estimator checks). One thread per worker is fastest.
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)


#: Settings of a quick fit: ``Est(**FAST)``; a test needing other values says
#: so at the call site, e.g. ``Est(**{**FAST, "max_epochs": 2})``.
FAST = dict(max_epochs=3, batch_size=32, hidden_size=8, random_state=0)
#: The smallest fit, for tests that fit very many estimators (fuzzing).
TINY = dict(max_epochs=1, hidden_size=2, batch_size=8, random_state=0)

#: The estimators with a fixed cell, those with a ``cell`` parameter, all six.
FIXED_CELL = [GRURegressor, LSTMRegressor, GRUClassifier, LSTMClassifier]
WITH_CELL = [RecurrentRegressor, RecurrentClassifier]
ALL_ESTIMATORS = WITH_CELL + FIXED_CELL
REGRESSORS = [GRURegressor, LSTMRegressor]
CLASSIFIERS = [GRUClassifier, LSTMClassifier]


@pytest.fixture
def rng():
    return np.random.RandomState(0)


def make_sine_classes(n=150, T=30, n_classes=3, noise=0.3, seed=0):
    """Noisy sines whose frequency is the class: learnable, not trivial."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, n_classes, n)
    t = np.arange(T)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    X = np.sin(2 * np.pi * (y[:, None] + 1) * t[None] / T + phase)
    return X + noise * rng.normal(size=(n, T)), y


def make_sum_regression(n=160, T=12, d=2, seed=0):
    """y = sum over time of feature 0, plus the last value of feature 1."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, d))
    y = X[:, :, 0].sum(axis=1) + X[:, -1, 1]
    return X, y


@pytest.fixture
def sine_classes():
    return make_sine_classes()


@pytest.fixture
def sum_regression():
    return make_sum_regression()


@pytest.fixture(scope="session")
def postgresql_url():
    """URL of a database on a PostgreSQL server of this test process, stopped at the end.

    Started on first use, so only the tests that need it pay for it (about a
    second). A server that does not start fails the test, with its log.
    """
    from _postgres import PostgresServer, ServerError

    server = PostgresServer()
    try:
        server.start()
    except (ServerError, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        pytest.fail(f"PostgreSQL server did not start: {exc}", pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()
