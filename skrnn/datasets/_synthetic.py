"""Synthetic sequence tasks with a known answer."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state


def make_adding_problem(n_samples=1000, n_timesteps=150, *, random_state=None):
    """Generate the adding problem, a long-memory regression task.

    Each sequence has two features per time step: a value drawn uniformly from
    [0, 1], and a marker that is 1 at exactly two steps (one in each half of
    the sequence) and 0 elsewhere. The target is the sum of the two marked
    values, so a model must carry the first marked value across at least half
    the sequence (Hochreiter & Schmidhuber, 1997). Always predicting 1, the
    mean, gives a mean squared error of about 0.167 (R² = 0).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_timesteps : int, default=150
        Length of every sequence (at least 2).
    random_state : int, RandomState instance or None, default=None
        Seeds the values and the marker positions.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, 2)
        ``X[:, :, 0]`` the values, ``X[:, :, 1]`` the markers.
    y : ndarray of shape (n_samples,)
        Sum of the two marked values.

    Examples
    --------
    >>> from skrnn.datasets import make_adding_problem
    >>> X, y = make_adding_problem(n_samples=4, n_timesteps=200, random_state=0)
    >>> X.shape, y.shape
    ((4, 200, 2), (4,))
    >>> bool((X[:, :, 1].sum(axis=1) == 2).all())
    True
    """
    if n_timesteps < 2:
        raise ValueError(f"n_timesteps must be at least 2; got {n_timesteps}.")
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1; got {n_samples}.")
    rng = check_random_state(random_state)
    values = rng.uniform(0.0, 1.0, size=(n_samples, n_timesteps))
    half = n_timesteps // 2
    first = rng.randint(0, half, size=n_samples)
    second = rng.randint(half, n_timesteps, size=n_samples)
    markers = np.zeros((n_samples, n_timesteps))
    rows = np.arange(n_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1)
    y = values[rows, first] + values[rows, second]
    return X, y
