"""Input validation: user arrays in, float32 sequences out.

Everything a user can pass as ``X`` or ``y`` goes through this module before it
reaches torch, so that bad input fails here with a message naming the problem
instead of deep inside an RNN kernel.  Nothing here modifies the caller's
arrays: every conversion either copies or only reads.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _get_feature_names

from .exceptions import ChannelsFirstWarning

_RESHAPE_HINT = (
    "Reshape your data either using array.reshape(-1, 1) if your data has a "
    "single feature or array.reshape(1, -1) if it contains a single sample "
    "(a single sequence)."
)

_LAYOUT = (
    "a 2-D array (n_samples, n_timesteps), a 3-D array "
    "(n_samples, n_timesteps, n_features) or a list of arrays of shape "
    "(n_timesteps_i,) or (n_timesteps_i, n_features)"
)


@dataclass(frozen=True)
class Sequences:
    """A validated batch of sequences, all float32.

    Attributes
    ----------
    data : ndarray of shape (n_samples, n_timesteps, n_features) or list of ndarray
        A dense 3-D array when every sequence has the same length, otherwise a
        list of 2-D arrays ``(n_timesteps_i, n_features)``.
    lengths : ndarray of shape (n_samples,), dtype int64
        Number of time steps of each sequence.
    n_features : int
        Number of features per time step.
    """

    data: np.ndarray | list
    lengths: np.ndarray
    n_features: int

    @property
    def n_samples(self) -> int:
        return len(self.lengths)

    @property
    def is_ragged(self) -> bool:
        return not isinstance(self.data, np.ndarray)

    def take(self, indices) -> Sequences:
        """Return the sequences at ``indices`` (a view where possible)."""
        indices = np.asarray(indices)
        if self.is_ragged:
            data = [self.data[i] for i in indices]
        else:
            data = self.data[indices]
        return Sequences(data, self.lengths[indices], self.n_features)


def _as_float32(array, name: str, context: str = "", dtype=np.float32) -> np.ndarray:
    """Convert a numeric array-like to float32 (or ``dtype``), refusing anything non-numeric."""
    if sp.issparse(array):
        raise TypeError(
            f"Sparse input is not supported: {name} must be a dense array. "
            "Convert it with .toarray() first."
        )
    try:
        arr = np.asarray(array)
    except ValueError as exc:  # e.g. inhomogeneous nested lists
        raise ValueError(f"{name} could not be read as an array{context}: {exc}") from None
    if np.iscomplexobj(arr):
        raise ValueError(f"Complex data not supported: {name}{context} is complex.")
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind in "USO":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"{name}{context} must be numeric; it contains values that are "
                    f"not numbers ({exc})."
                ) from None
        else:
            raise TypeError(
                f"{name}{context} must be numeric, got an array of dtype {arr.dtype}."
            )
    if arr.dtype.kind == "f":
        _check_finite(arr, name, context)
    if dtype == np.float32 and arr.dtype.kind in "iuf" and arr.dtype.itemsize > 4 and arr.size:
        if np.abs(arr).max() > np.finfo(np.float32).max:
            raise ValueError(
                f"{name}{context} contains values too large for float32 "
                f"(|value| > {np.finfo(np.float32).max:.3g})."
            )
    return arr.astype(dtype)  # always a copy: the user's array is never shared


def _check_finite(arr: np.ndarray, name: str, context: str):
    if arr.size and not np.isfinite(arr).all():
        kind = "NaN" if np.isnan(arr).any() else "infinity"
        raise ValueError(f"Input {name}{context} contains {kind}.")


def _is_sequence_list(X) -> bool:
    """True for a list/tuple (or object array) whose items are sequences."""
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1 and len(X) > 0 and all(
            hasattr(item, "__len__") and not isinstance(item, str) for item in X
        )
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    return all(
        hasattr(item, "__len__") and not isinstance(item, (str, bytes)) for item in X
    )


def check_sequences(X, *, name: str = "X", dtype=np.float32) -> Sequences:
    """Validate ``X`` and convert it to float32 sequences.

    Parameters
    ----------
    X : array-like or list of array-like
        2-D ``(n_samples, n_timesteps)``, 3-D ``(n_samples, n_timesteps,
        n_features)``, a pandas DataFrame (2-D), or a list of per-sequence arrays
        ``(n_timesteps_i,)`` / ``(n_timesteps_i, n_features)``.
    name : str, default="X"
        Name used in error messages.
    dtype : {np.float32, np.float64}, default=np.float32
        Floating dtype of the copy (the estimators compute in float32;
        transformers such as :class:`~skrnn.preprocessing.SequenceScaler`
        keep float64).

    Returns
    -------
    sequences : Sequences
        Validated copy of the data, of type ``dtype``.

    Raises
    ------
    ValueError
        On NaN/inf, wrong rank, empty input or sequences, or inconsistent
        feature counts.
    TypeError
        On non-numeric or sparse input.
    """
    if X is None:
        raise TypeError(f"{name} must be array-like, got None; expected {_LAYOUT}.")
    if sp.issparse(X):
        raise TypeError(f"Sparse input is not supported: {name} must be {_LAYOUT}.")
    if isinstance(X, (str, bytes, numbers.Number)):
        raise TypeError(
            f"{name} must be array-like, got {type(X).__name__}; expected {_LAYOUT}."
        )
    _check_not_empty(X, name)
    if _is_sequence_list(X) and not _is_rectangular_numeric(X):
        return _check_ragged(X, name, dtype)

    arr = _as_float32(X, name, dtype=dtype)
    if arr.ndim == 2:
        arr = arr[:, :, np.newaxis]
    elif arr.ndim != 3:
        hint = f" {_RESHAPE_HINT}" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must be {_LAYOUT}; got a {arr.ndim}-D array.{hint}")
    n_samples, n_steps, n_features = arr.shape
    if n_samples == 0:  # e.g. a list of empty lists
        raise ValueError(f"{name} is empty: 0 sequences (shape={arr.shape}); {_AT_LEAST_ONE}")
    if n_steps == 0:
        shape = np.shape(arr)[:2] if arr.shape[2] == 1 else arr.shape
        raise ValueError(
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of 1 is "
            f"required: {name} contains empty sequences (0 time steps)."
        )
    if n_features == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={arr.shape}) while a minimum of 1 "
            "is required."
        )
    lengths = np.full(n_samples, n_steps, dtype=np.int64)
    return Sequences(np.ascontiguousarray(arr), lengths, n_features)


_AT_LEAST_ONE = "at least 1 sequence is required."


def _check_not_empty(X, name: str):
    """Raise if ``X`` holds no sequence at all, whatever its container."""
    if isinstance(X, (list, tuple)):
        if len(X) == 0:
            kind = type(X).__name__
            raise ValueError(f"{name} is empty: 0 sequences (an empty {kind}); {_AT_LEAST_ONE}")
        return
    shape = getattr(X, "shape", None)  # ndarray, DataFrame, tensor...
    if shape is not None and len(shape) and shape[0] == 0:
        raise ValueError(
            f"{name} is empty: 0 sequences (shape={tuple(shape)}); {_AT_LEAST_ONE}"
        )


def _is_rectangular_numeric(X) -> bool:
    """True if a list of sequences has equal shapes, so it is a plain array."""
    try:
        shapes = {np.shape(item) for item in X}
    except (TypeError, ValueError):
        return False
    return len(shapes) == 1


def _check_ragged(X, name: str, dtype=np.float32) -> Sequences:
    """Validate a list of variable-length sequences."""
    seqs = []
    n_features = None
    for i, item in enumerate(X):
        arr = _as_float32(item, name, context=f"[{i}]", dtype=dtype)
        if arr.ndim == 1:
            arr = arr[:, np.newaxis]
        elif arr.ndim != 2:
            raise ValueError(
                f"{name}[{i}] has {arr.ndim} dimensions; each sequence must be "
                "(n_timesteps,) or (n_timesteps, n_features)."
            )
        if arr.shape[0] == 0:
            raise ValueError(f"{name}[{i}] is an empty sequence (0 time steps).")
        if n_features is None:
            n_features = arr.shape[1]
        elif arr.shape[1] != n_features:
            raise ValueError(
                f"Inconsistent number of features across sequences: {name}[0] has "
                f"{n_features} feature(s) per time step but {name}[{i}] has "
                f"{arr.shape[1]}."
            )
        seqs.append(arr)
    if n_features == 0:
        raise ValueError(f"{name} has sequences with 0 feature(s) per time step.")
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    return Sequences(seqs, lengths, n_features)


#: A 3-D array ``(n, a, b)`` with ``a <= CHANNELS_FIRST_MAX_STEPS`` and
#: ``b >= CHANNELS_FIRST_RATIO * a`` looks channels first: aeon / sktime's
#: ``(n_cases, n_channels, n_timepoints)`` (channels are usually 1-3, series
#: tens to thousands of points long). Read time-major, it is a handful of time
#: steps of many features, which recurrent data rarely is.
CHANNELS_FIRST_MAX_STEPS = 3
CHANNELS_FIRST_RATIO = 10


def warn_if_channels_first(X):
    """Warn when a 3-D array looks like aeon / sktime's channels-first layout.

    Called by ``fit`` only: the model is built from the fit data's layout, so
    one warning there is enough (predict checks the feature count anyway).

    Parameters
    ----------
    X : object
        The ``X`` given to ``fit``; only a 3-D :class:`numpy.ndarray` is
        inspected (lists and DataFrames carry no ambiguous axis order).
    """
    if not isinstance(X, np.ndarray) or X.ndim != 3:
        return
    n_steps, n_features = X.shape[1:]
    if 0 < n_steps <= CHANNELS_FIRST_MAX_STEPS and n_features >= CHANNELS_FIRST_RATIO * n_steps:
        warnings.warn(
            f"X has shape {X.shape}, read as (n_samples, n_timesteps, n_features): "
            f"{n_steps} time step(s) of {n_features} features each. If it is "
            "channels first, as in aeon / sktime (n_cases, n_channels, n_timepoints), "
            "convert it with skrnn.preprocessing.from_channels_first(X) first.",
            ChannelsFirstWarning,
            stacklevel=5,  # the caller of fit (through check_layout, _fit and fit or partial_fit)
        )


def check_timestep_columns(estimator, X, *, reset: bool):
    """Record or check the column labels of a 2-D DataFrame ``X``.

    scikit-learn's ``feature_names_in_`` names the ``n_features_in_``
    features. A 2-D DataFrame here is ``(n_samples, n_timesteps)`` of *one*
    feature: its columns are time steps, so they are not feature names and
    ``feature_names_in_`` is never set (``len(feature_names_in_) ==
    n_features_in_`` would not hold). The labels are kept privately, and
    predict refuses only what they can prove wrong: columns seen in fit in
    another order (the sequences would be reversed or shuffled). Other
    labels or fewer or more columns are accepted, since time-step labels are
    often positions or dates that legitimately change (shorter sequences,
    later windows).

    Parameters
    ----------
    estimator : estimator instance
        Gets ``_timestep_columns`` (ndarray or None) when ``reset``.
    X : object
        The input of ``fit`` (``reset=True``) or of an inference method.
    reset : bool
        True in ``fit``: record the labels (and drop a stale
        ``feature_names_in_``). False afterwards: check them.

    Raises
    ------
    ValueError
        If ``reset=False`` and columns seen in fit come in another order.
    """
    # Plain arrays and lists have no labels; skipping the dataframe detection
    # keeps a one-sequence predict cheap.
    columns = None if isinstance(X, (np.ndarray, list, tuple)) else _get_feature_names(X)
    if reset:
        vars(estimator).pop("feature_names_in_", None)  # e.g. from an older skrnn
        estimator._timestep_columns = columns
        return
    fitted = getattr(estimator, "_timestep_columns", None)
    if columns is None or fitted is None:
        return
    position = {label: i for i, label in enumerate(fitted)}
    seen = [position[label] for label in columns if label in position]
    if any(a > b for a, b in zip(seen, seen[1:])):
        raise ValueError(
            "The columns of X (time steps) are in another order than in fit: "
            f"fit saw {list(fitted)}, X has {list(columns)}. Reordering the columns "
            "would reorder each sequence; pass them in the order used in fit."
        )


def check_layout(estimator, X, *, reset: bool):
    """What ``validate_data`` does in scikit-learn, for sequence layouts.

    In ``fit`` (``reset=True``) warn if ``X`` looks channels first
    (:func:`warn_if_channels_first`); in both, record or check a 2-D
    DataFrame's time-step columns (:func:`check_timestep_columns`).

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted or used.
    X : object
        Its input, before :func:`check_sequences`.
    reset : bool
        True in ``fit``, False in inference methods.
    """
    if reset:
        warn_if_channels_first(X)
    check_timestep_columns(estimator, X, reset=reset)


def check_device(device):
    """Refuse a CUDA device on a machine without one, with a clear message.

    Without this, torch fails deep inside ``fit`` with an ``AssertionError``
    ("Torch not compiled with CUDA enabled") or a runtime error.

    Parameters
    ----------
    device : str or torch.device
        The estimator's ``device`` parameter.

    Raises
    ------
    ValueError
        If ``device`` is a CUDA device and CUDA is unavailable, or its index
        is not one of the visible GPUs.
    """
    import torch  # here, not at module level: this module is used without torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a valid torch device ({exc}).") from None
    if parsed.type != "cuda":
        return
    if not torch.cuda.is_available():
        raise ValueError(
            f"device={str(device)!r} was requested but torch.cuda.is_available() is False; "
            "use device='cpu'."
        )
    count = torch.cuda.device_count()
    if parsed.index is not None and parsed.index >= count:
        raise ValueError(
            f"device={str(device)!r} was requested but only {count} CUDA device(s) are "
            f"visible (cuda:0 to cuda:{count - 1})."
        )


def check_n_features(sequences: Sequences, n_features_in: int, estimator_name: str):
    """Raise if the per-step feature count differs from the one seen in fit."""
    if sequences.n_features != n_features_in:
        raise ValueError(
            f"X has {sequences.n_features} features per time step, but "
            f"{estimator_name} is expecting {n_features_in} features as input."
        )


def check_consistent_length(sequences: Sequences, y, name: str = "y"):
    n_y = len(y)
    if n_y != sequences.n_samples:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"X has {sequences.n_samples} sequences but {name} has {n_y} values."
        )


def check_regression_target(y) -> np.ndarray:
    """Validate a regression target: numeric, finite, shape (n,) or (n, k)."""
    if y is None:
        raise ValueError("requires y to be passed, but the target y is None.")
    arr = np.asarray(y)
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "c":
            raise ValueError("Complex data not supported: y is complex.")
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"y must be numeric for a regressor ({exc}).") from None
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_outputs); got {arr.ndim}-D."
        )
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError("y has 0 outputs (shape (n_samples, 0)).")
    arr = arr.astype(np.float64)
    _check_finite(arr, "y", "")
    if arr.size and np.abs(arr).max() > np.finfo(np.float32).max:
        raise ValueError("y contains values too large for float32.")
    return arr


def check_classification_labels(y) -> np.ndarray:
    """Validate classification labels: 1-D, binary or multiclass, no NaN."""
    if y is None:
        raise ValueError("requires y to be passed, but the target y is None.")
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        import warnings

        from sklearn.exceptions import DataConversionWarning

        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please "
            "change the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=3,
        )
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(
            f"y must be 1-D for a classifier (one label per sequence); got shape "
            f"{arr.shape}. Multi-output classification is not supported."
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError("Input y contains NaN or infinity.")
    check_classification_targets(arr)
    kind = type_of_target(arr)
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"Unknown label type: {kind!r}. Expected binary or multiclass labels.")
    return arr
