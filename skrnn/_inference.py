"""The lean inference path: validated sequences in, network outputs out.

``predict`` on one sequence is often called in a loop (real-time scoring), so
its fixed cost matters as much as the network's.  Going through skorch's
``predict_proba`` costs about as much as the forward pass of a small network
(a DataLoader-style iterator, callbacks' ``check_is_fitted`` calls, toggling
train/eval mode on every submodule, scikit-learn's feature-name check via
narwhals).  This module does only what inference needs:

1. check the input once (:func:`check_predict_input`): fitted, time-step
   columns in fit's order, same feature count, valid numbers;
2. cut it into bounded batches (:func:`iter_batches`), ragged batches padded
   to their own longest sequence with their lengths, exactly as in training;
3. run the module in eval mode under :func:`torch.inference_mode`
   (:func:`torch_output`).

The batches are the ones skorch used to make (same size, same order), so the
outputs are bit-for-bit those of ``net_.predict_proba``.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.exceptions import NotFittedError

from ._validation import Sequences, check_layout, check_n_features, check_sequences

_NOT_FITTED = (
    "This {name} instance is not fitted yet. Call 'fit' with appropriate "
    "arguments before using this estimator."
)


def check_fitted(estimator):
    """Raise :class:`~sklearn.exceptions.NotFittedError` unless ``estimator`` has ``net_``."""
    # ``check_is_fitted`` builds scikit-learn tags on every call; the attribute
    # lookup is the same test, with the same message, at a fraction of the cost.
    if "net_" not in vars(estimator):
        raise NotFittedError(_NOT_FITTED.format(name=type(estimator).__name__))


def check_predict_input(estimator, X) -> Sequences:
    """Validate ``X`` for a fitted estimator's inference and convert it.

    Parameters
    ----------
    estimator : RecurrentEstimatorBase
        The estimator; must have been fitted.
    X : array-like or list of array-like
        Sequences as accepted by :meth:`fit`.

    Returns
    -------
    sequences : Sequences
        A float32 copy of ``X`` (the caller's arrays are never shared).
    """
    check_fitted(estimator)
    check_layout(estimator, X, reset=False)
    sequences = check_sequences(X)
    check_n_features(sequences, estimator.n_features_in_, type(estimator).__name__)
    return sequences


def iter_batches(sequences: Sequences, batch_size: int):
    """Yield ``(X, lengths)`` batches of at most ``batch_size`` sequences, in order.

    ``X`` is a float32 array ``(batch, time, features)``; ``lengths`` is None
    when every sequence in the batch has the batch's full length (the network
    then skips packing, as it would for equal lengths anyway), else an int64
    array of the true lengths, with ``X`` zero-padded to the longest one.

    The same batches as training's ``SequenceBatches`` (unshuffled), cut from
    NumPy directly: going through ``SequenceDataset`` measured +70 us per
    one-sequence ``predict`` (tensor wrapping, index tensors), half the cost
    of a small network's forward pass.
    """
    n = sequences.n_samples
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        if not sequences.is_ragged:
            yield sequences.data[start:stop], None
            continue
        chunk = sequences.data[start:stop]
        lengths = sequences.lengths[start:stop]
        longest = int(lengths.max())
        if (lengths == longest).all():
            yield np.stack(chunk), None
            continue
        X = np.zeros((len(chunk), longest, sequences.n_features), dtype=np.float32)
        for i, seq in enumerate(chunk):
            X[i, : len(seq)] = seq
        yield X, lengths


def torch_output(module, sequences: Sequences, batch_size: int, device, probabilities: bool):
    """Run ``module`` on ``sequences`` in bounded batches; return a float32 array.

    Parameters
    ----------
    module : RecurrentNetwork
        The fitted network. It is put in eval mode (and left there, as skorch
        does) only if it is not already.
    sequences : Sequences
        Validated input.
    batch_size : int
        Largest number of sequences run at once: memory stays bounded for any
        number of input sequences.
    device : str or torch.device
        Where the module lives.
    probabilities : bool
        Apply a softmax to the output (classifiers' logits to probabilities).

    Returns
    -------
    output : ndarray of shape (n_samples, n_outputs), float32
    """
    if module.training:  # toggling recurses over all submodules: only when needed
        module.eval()
    device = torch.device(device)
    outputs = []
    with torch.inference_mode():
        for X, lengths in iter_batches(sequences, batch_size):
            X = torch.from_numpy(X).to(device)
            if lengths is not None:
                lengths = torch.from_numpy(lengths).to(device)
            y = module(X, lengths)
            if probabilities:
                y = torch.softmax(y, dim=-1)
            outputs.append(y.cpu().numpy())
    return outputs[0] if len(outputs) == 1 else np.concatenate(outputs)
