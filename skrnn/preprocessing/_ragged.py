"""Ragged sequences <-> one padded array with the true lengths."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._validation import check_sequences


@validate_params(
    {
        "sequences": ["array-like"],
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"}), None],
        "value": [Real],
    },
    prefer_skip_nested_validation=True,
)
def pad_sequences(sequences, *, maxlen=None, padding="post", truncating=None, value=0.0):
    """Pad sequences of different lengths into one array, and return their lengths.

    skrnn estimators take ragged lists directly (they pad per batch and pack,
    so padding never changes a prediction); use this function to hand the
    data to code that needs one rectangular array, and keep ``lengths`` to
    get the sequences back with :func:`unpad_sequences`.

    Parameters
    ----------
    sequences : list of array-like of shape (n_timesteps_i,) or \
            (n_timesteps_i, n_features)
        The sequences; a 2-D or 3-D array is accepted as equal-length ones.
    maxlen : int, default=None
        Length of the padded array; ``None`` pads to the longest sequence.
    padding : {"pre", "post"}, default="post"
        Add the padding after (``"post"``) or before (``"pre"``) each
        sequence.
    truncating : {"pre", "post"} or None, default=None
        What to do with sequences longer than ``maxlen``: drop their first
        (``"pre"``) or last (``"post"``) steps. ``None`` never truncates and
        raises instead, so no data is dropped unless you say so.
    value : float, default=0.0
        The padding value.

    Returns
    -------
    X : ndarray of shape (n_samples, maxlen) or (n_samples, maxlen, n_features)
        2-D when every sequence is 1-D, else 3-D. float32 input stays
        float32; anything else becomes float64.
    lengths : ndarray of shape (n_samples,), dtype int64
        Number of real (non-padding) time steps in each row of ``X``.

    Raises
    ------
    ValueError
        If a sequence is longer than ``maxlen`` and ``truncating`` is None,
        or on the usual invalid input (NaN, inconsistent feature counts,
        empty sequences).

    See Also
    --------
    unpad_sequences : The inverse: padded array and lengths back to a list.

    Examples
    --------
    >>> from skrnn.preprocessing import pad_sequences
    >>> X, lengths = pad_sequences([[1, 2, 3], [4, 5]])
    >>> X
    array([[1., 2., 3.],
           [4., 5., 0.]])
    >>> lengths
    array([3, 2])
    """
    first = sequences[0] if len(sequences) else None
    dtype = np.float32 if getattr(first, "dtype", None) == np.float32 else np.float64
    checked = check_sequences(sequences, name="sequences", dtype=dtype)
    longest = int(checked.lengths.max())
    maxlen = longest if maxlen is None else maxlen
    if longest > maxlen and truncating is None:
        raise ValueError(
            f"A sequence has {longest} time steps, more than maxlen={maxlen}. Pass "
            "truncating='pre' or 'post' to drop steps, or a larger maxlen."
        )
    data = checked.data if checked.is_ragged else list(checked.data)
    X = np.full((len(data), maxlen, checked.n_features), value, dtype=dtype)
    lengths = np.minimum(checked.lengths, maxlen)
    for row, (seq, n) in enumerate(zip(data, lengths, strict=True)):
        kept = seq[-n:] if truncating == "pre" else seq[:n]
        if padding == "post":
            X[row, :n] = kept
        else:
            X[row, maxlen - n :] = kept
    if all(np.ndim(s) == 1 for s in sequences):  # rows of a 2-D array too
        X = X[:, :, 0]
    return X, lengths


@validate_params(
    {
        "X": ["array-like"],
        "lengths": ["array-like"],
        "padding": [StrOptions({"pre", "post"})],
    },
    prefer_skip_nested_validation=True,
)
def unpad_sequences(X, lengths, *, padding="post"):
    """Cut a padded array back into a list of sequences of their true lengths.

    The inverse of :func:`pad_sequences`, and the way to feed data that comes
    padded (with its lengths) to skrnn estimators without the model seeing
    the padding.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps) or \
            (n_samples, n_timesteps, n_features)
        Padded sequences.
    lengths : array-like of int, shape (n_samples,)
        Number of real time steps in each row, between 1 and ``n_timesteps``.
    padding : {"pre", "post"}, default="post"
        Whether the padding is after (``"post"``) or before (``"pre"``) the
        real steps.

    Returns
    -------
    sequences : list of ndarray of shape (lengths[i],) or (lengths[i], n_features)
        Copies of the real steps of each row.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.preprocessing import unpad_sequences
    >>> unpad_sequences(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]]), [3, 2])
    [array([1., 2., 3.]), array([4., 5.])]
    """
    X = np.asarray(X)
    lengths = np.asarray(lengths)
    if X.ndim not in (2, 3):
        raise ValueError(f"X must be 2-D or 3-D padded sequences; got a {X.ndim}-D array.")
    if lengths.shape != (len(X),) or lengths.dtype.kind not in "iu":
        raise ValueError(
            f"lengths must hold one integer per row of X ({len(X)}); got shape "
            f"{lengths.shape} and dtype {lengths.dtype}."
        )
    if len(lengths) and (lengths.min() < 1 or lengths.max() > X.shape[1]):
        raise ValueError(f"lengths must lie between 1 and n_timesteps={X.shape[1]}.")
    if padding == "post":
        return [row[:n].copy() for row, n in zip(X, lengths, strict=True)]
    return [row[len(row) - n :].copy() for row, n in zip(X, lengths, strict=True)]
