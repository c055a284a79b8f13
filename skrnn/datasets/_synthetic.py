"""Synthetic sequence tasks with known answers: short- vs long-memory behaviour.

Both tasks hide the answer in a few time steps of long, noisy sequences, so
a model must find those steps and carry what it saw there to the end of the
sequence. Their difficulty is set by the number of time steps (and the
delay): the classic probes of how well a recurrent cell remembers.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_timesteps": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_adding_problem(n_samples=1000, n_timesteps=150, *, random_state=None):
    """Generate the adding problem: sum the two marked values of a sequence.

    Each sequence has two channels. Channel 0 holds values drawn uniformly
    from [0, 1); channel 1 is a marker, 0 everywhere except for exactly two
    time steps, one drawn uniformly from the first half of the sequence and
    one from the second half. The target is the sum of the two marked
    values. Predicting the constant 1 gives a mean squared error of about
    1/6 (0.167); a model that has learned the task does much better. The
    first marked value must be remembered over at least ``n_timesteps / 2``
    steps, so longer sequences need longer memory (Hochreiter & Schmidhuber,
    1997; Le, Jaitly & Hinton, 2015).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_timesteps : int, default=150
        Length of every sequence (at least 2).
    random_state : int, RandomState instance or None, default=None
        Seed of the values and marker positions.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, 2)
        Channel 0: the values; channel 1: the 0/1 markers.
    y : ndarray of shape (n_samples,)
        The sum of the two marked values, in [0, 2).

    See Also
    --------
    make_delayed_recall : A classification task with a tunable memory span.

    References
    ----------
    .. [1] S. Hochreiter and J. Schmidhuber, "Long short-term memory",
       Neural Computation 9(8), 1997.
    .. [2] Q. V. Le, N. Jaitly and G. E. Hinton, "A simple way to initialize
       recurrent networks of rectified linear units", arXiv:1504.00941, 2015.

    Examples
    --------
    >>> from skrnn.datasets import make_adding_problem
    >>> X, y = make_adding_problem(n_samples=5, n_timesteps=20, random_state=0)
    >>> X.shape, y.shape
    ((5, 20, 2), (5,))
    >>> bool((X[:, :, 1].sum(axis=1) == 2).all())
    True
    """
    rng = check_random_state(random_state)
    values = rng.uniform(0.0, 1.0, size=(n_samples, n_timesteps))
    half = n_timesteps // 2
    rows = np.arange(n_samples)
    first = rng.randint(0, half, size=n_samples)
    second = rng.randint(half, n_timesteps, size=n_samples)
    markers = np.zeros((n_samples, n_timesteps))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1)
    y = values[rows, first] + values[rows, second]
    return X, y


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_timesteps": [Interval(Integral, 1, None, closed="left")],
        "n_symbols": [Interval(Integral, 2, None, closed="left")],
        "delay": [Interval(Integral, 0, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_delayed_recall(
    n_samples=1000, n_timesteps=100, *, n_symbols=4, delay=None, random_state=None
):
    """Generate a delayed-recall task: name the symbol shown ``delay`` steps before the end.

    At every time step one of ``n_symbols`` symbols is shown (one-hot,
    drawn uniformly), so all steps look alike. A marker channel flags one
    step, ``delay`` steps before the last one; the class of the sequence is
    the symbol shown at that step. A model must notice the marked symbol and
    keep it in memory, unchanged, through ``delay`` steps of distracting
    symbols: with the sequence length fixed, ``delay`` moves the task from
    short memory (``delay=0``: the answer is at the last step) to long
    memory (``delay=n_timesteps - 1``: it is at the first step). Without
    memory, accuracy stays at chance, ``1 / n_symbols``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_timesteps : int, default=100
        Length of every sequence.
    n_symbols : int, default=4
        Number of symbols, i.e. of classes (at least 2).
    delay : int, default=None
        Steps between the marked step and the last step, in
        ``[0, n_timesteps - 1]``; ``None`` means ``n_timesteps - 1`` (the
        marked step is the first: the longest memory).
    random_state : int, RandomState instance or None, default=None
        Seed of the symbols.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_symbols + 1)
        Channels ``0 .. n_symbols - 1``: the one-hot symbol of each step;
        channel ``n_symbols``: the marker, 1 at step
        ``n_timesteps - 1 - delay`` and 0 elsewhere.
    y : ndarray of shape (n_samples,), dtype int64
        The marked symbol, in ``[0, n_symbols)``.

    See Also
    --------
    make_adding_problem : A regression task over two marked values.

    Examples
    --------
    >>> from skrnn.datasets import make_delayed_recall
    >>> X, y = make_delayed_recall(n_samples=3, n_timesteps=10, delay=4, random_state=0)
    >>> X.shape
    (3, 10, 5)
    >>> bool((X[:, 10 - 1 - 4, :4].argmax(axis=1) == y).all())
    True
    """
    delay = n_timesteps - 1 if delay is None else delay
    if delay >= n_timesteps:
        raise ValueError(
            f"delay must be smaller than n_timesteps={n_timesteps}; got delay={delay}."
        )
    rng = check_random_state(random_state)
    symbols = rng.randint(0, n_symbols, size=(n_samples, n_timesteps))
    X = np.zeros((n_samples, n_timesteps, n_symbols + 1))
    X[..., :n_symbols] = np.eye(n_symbols)[symbols]
    marked = n_timesteps - 1 - delay
    X[:, marked, n_symbols] = 1.0
    return X, symbols[:, marked].astype(np.int64)
