"""Feeding validated sequences to skorch: dataset, batch iterator, tail split.

skorch's default ``DataLoader`` calls ``__getitem__`` once per sample and then
collates; for sequence data that is both slow and unable to handle ragged
input.  Here a batch is cut from the stored tensors in one indexing operation,
and ragged sequences are padded *per batch* (to that batch's longest sequence),
so no padded copy of the whole data set is ever built.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence

from ._validation import Sequences


class SequenceDataset(torch.utils.data.Dataset):
    """Validated sequences and (optionally) targets, ready for batching.

    Parameters
    ----------
    sequences : Sequences
        Output of :func:`skrnn._validation.check_sequences`.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs), default=None
        Targets already in the dtype the loss expects (float32 for regression,
        int64 class indices for classification).
    sample_weight : ndarray of shape (n_samples,), default=None
        Weight of each sequence in the loss. Batches carry it as
        ``X["sample_weight"]``; the net takes it out before the module's
        forward and weights the per-sequence losses with it.
    """

    def __init__(self, sequences: Sequences, y: np.ndarray | None = None,
                 sample_weight: np.ndarray | None = None):
        self.sequences = sequences
        self.y = None if y is None else torch.as_tensor(y)
        self.sample_weight = (
            None if sample_weight is None
            else torch.as_tensor(np.asarray(sample_weight, dtype=np.float32))
        )
        if sequences.is_ragged:
            self._data = [torch.from_numpy(s) for s in sequences.data]
        else:
            self._data = torch.from_numpy(sequences.data)
        self._lengths = torch.from_numpy(sequences.lengths)

    def __len__(self) -> int:
        return self.sequences.n_samples

    def __getitem__(self, index):
        # Per-sample access, for generic torch tooling; skrnn itself batches.
        return self.batch(np.array([index]))

    def subset(self, indices) -> SequenceDataset:
        """Return a new dataset holding only ``indices`` (in that order)."""
        indices = np.asarray(indices, dtype=np.int64)
        idx = torch.from_numpy(indices)
        y = None if self.y is None else self.y[idx]
        weight = None if self.sample_weight is None else self.sample_weight[idx].numpy()
        return SequenceDataset(self.sequences.take(indices), y, weight)

    def batch(self, indices: np.ndarray):
        """Return ``({"X": padded, "lengths": lengths}, y)`` for ``indices``.

        Equal-length (dense) data gets no ``"lengths"``: the network would only
        compare them to the time axis to find nothing to pack, a cost paid on
        every batch. Weighted data adds ``"sample_weight"``.
        """
        idx = torch.from_numpy(np.asarray(indices, dtype=np.int64))
        y = None if self.y is None else self.y[idx]
        if isinstance(self._data, torch.Tensor):
            X = {"X": self._data[idx]}
        else:
            X = {"X": pad_sequence([self._data[i] for i in indices], batch_first=True),
                 "lengths": self._lengths[idx]}
        if self.sample_weight is not None:
            X["sample_weight"] = self.sample_weight[idx]
        return X, y


class SequenceBatches:
    """Iterable over mini-batches of a :class:`SequenceDataset`.

    Used as skorch's ``iterator_train`` / ``iterator_valid``: skorch calls it
    with the dataset and ``batch_size`` (plus any ``iterator_*__`` options).

    Parameters
    ----------
    dataset : SequenceDataset or torch.utils.data.Subset of one
    batch_size : int
    shuffle : bool, default=False
        Draw a fresh permutation of the samples at every pass.
    seed : int, default=None
        Seed of the shuffling generator; the generator advances across passes
        so each epoch sees a different, reproducible order.
    """

    def __init__(self, dataset, batch_size: int, shuffle: bool = False, seed=None):
        if isinstance(dataset, torch.utils.data.Subset):
            # A skorch split (e.g. ValidSplit) hands over Subsets; cut them out.
            dataset = dataset.dataset.subset(dataset.indices)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            yield self.dataset.batch(order[start : start + self.batch_size])


def batch_weight(X, n: int) -> float:
    """Total weight of a batch ``X`` of ``n`` sequences (``n`` when unweighted).

    What a batch's loss, the weighted mean over its sequences, counts for
    in an epoch's mean.
    """
    weight = X.get("sample_weight") if isinstance(X, dict) else None
    return n if weight is None else float(weight.sum())


def n_held_out(n: int, fraction: float) -> int:
    """How many of `n` samples a split of `fraction` holds out (at least 1, at most n - 1)."""
    if n < 2:
        raise ValueError(
            f"Cannot hold out a validation set from {n} sample(s); "
            "use early_stopping=False or pass more data."
        )
    return min(max(1, int(round(fraction * n))), n - 1)


class TailSplit:
    """Hold out the last ``fraction`` of the samples for validation.

    For time-ordered data the tail is the most recent part: validating on it
    measures what forecasting needs, and never trains on the future.  (skorch's
    default ``ValidSplit`` would hold out the *first*, oldest rows.)

    Parameters
    ----------
    fraction : float
        Share of samples, in (0, 1), that go to validation; at least one sample
        is held out and at least one is kept for training.
    """

    def __init__(self, fraction: float):
        self.fraction = fraction

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        cut = n - n_held_out(n, self.fraction)
        return dataset.subset(np.arange(cut)), dataset.subset(np.arange(cut, n))

    def __repr__(self) -> str:
        return f"TailSplit(fraction={self.fraction})"


class StratifiedSplit:
    """Hold out a random, class-stratified ``fraction`` of the samples.

    For classification the order of the samples usually carries no time
    (data sets are often sorted by class), so the tail would be a biased
    validation set; this is scikit-learn's ``MLPClassifier`` convention.
    Falls back to an unstratified random split when some class is too rare to
    be split.

    Parameters
    ----------
    fraction : float
        Share of samples, in (0, 1), that go to validation.
    seed : int
        Seed of the random split.
    """

    def __init__(self, fraction: float, seed: int = 0):
        self.fraction = fraction
        self.seed = seed

    def indices(self, n: int, y=None) -> tuple[np.ndarray, np.ndarray]:
        """Sorted train and validation indices for ``n`` samples labelled ``y``."""
        from sklearn.model_selection import train_test_split

        n_valid = n_held_out(n, self.fraction)
        labels = None if y is None else np.asarray(y)
        if labels is not None:
            counts = np.unique(labels, return_counts=True)[1]
            if counts.min() < 2 or n_valid < len(counts) or n - n_valid < len(counts):
                labels = None
        train, valid = train_test_split(
            np.arange(n), test_size=n_valid, stratify=labels, random_state=self.seed
        )
        return np.sort(train), np.sort(valid)

    def __call__(self, dataset, y=None, **fit_params):
        train, valid = self.indices(len(dataset), y)
        return dataset.subset(train), dataset.subset(valid)

    def __repr__(self) -> str:
        return f"StratifiedSplit(fraction={self.fraction}, seed={self.seed})"
