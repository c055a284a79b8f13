"""Recurrent classifiers: RecurrentClassifier, GRUClassifier, LSTMClassifier."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._base import AUTO_HIGHWAY_WEIGHTS, RecurrentEstimatorBase
from ._dataset import StratifiedSplit
from ._docstrings import TaskDoc, fill_doc, predict_doc
from ._net import SequenceNetClassifier
from ._validation import check_classification_labels

#: ``scaling="auto"``: a classifier standardises each sequence by its own
#: statistics and passes them on as inputs (``"sequence_stats"``) when the
#: per-sequence standard deviations of a feature spread over more than this
#: factor (90th over 10th percentile), i.e. an order of magnitude.
SCALE_SPREAD_RATIO = 10.0


def sequence_scale_spread(sequences) -> float:
    """Largest ratio over features of the 90th to the 10th percentile of per-sequence std.

    1 for data whose sequences are z-normalised (most UCR archives), large
    when a global standardisation would leave many sequences nearly flat
    (seen: 5e3-2e5 on PLAID's electrical currents, 180-300 on Covid3Month's
    case counts, 56 on BasicMotions' sensors).

    Parameters
    ----------
    sequences : Sequences
        The validated training sequences (``skrnn._validation``).

    Returns
    -------
    float
        The ratio; ``inf`` when more than a tenth of the sequences are
        constant in a feature that varies in others.
    """
    std = np.array([s[:length].std(axis=0) for s, length in zip(
        sequences.data, sequences.lengths, strict=True)], dtype=np.float64)
    low, high = np.quantile(std, [0.1, 0.9], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 = inf; a constant feature: 1
        ratio = np.where(high > 0, high / low, 1.0)
    return float(ratio.max())


#: What the docstrings of the three classifiers say about classification; the
#: rest of each is built by :func:`~skrnn._docstrings.estimator_doc`.
_CLASSIFICATION_DOC = TaskDoc(
    output="giving one logit per class, trained with cross-entropy. Labels "
    "may be any hashable values (strings included); binary and multiclass.",
    attributes="""\
classes_ : ndarray of shape (n_classes,)
    Class labels, sorted.
{fitted}""",
    counterpart="RecurrentRegressor : The regression counterpart.",
    example="""\
>>> import numpy as np
>>> from skrnn import {name}
>>> rng = np.random.RandomState(0)
>>> X = rng.normal(size=(64, 10))              # 64 univariate sequences of 10 steps
>>> y = np.where(X.mean(axis=1) > 0, "up", "down")
>>> clf = {name}({cell_argument}max_epochs=5, random_state=0).fit(X, y)
>>> clf.classes_
array(['down', 'up'], dtype='<U4')
>>> clf.predict_proba(X[:2]).shape
(2, 2)""",
)


class _ClassifierCore(ClassifierMixin, RecurrentEstimatorBase):
    """Label handling shared by the recurrent classifiers."""

    _net_class = SequenceNetClassifier
    _criterion = nn.CrossEntropyLoss
    _probabilities = True  # softmax over the logits, as skorch's predict_proba
    _task = "classifier"
    _task_doc = _CLASSIFICATION_DOC

    def _auto_highway_window(self, sequences):
        # A class is not told by the last steps: the highway reads whole
        # sequences or nothing. Measured (3 seeds): whole sequences within
        # AUTO_HIGHWAY_WEIGHTS gained on ArrowHead (LSTM 0.59 -> 0.72),
        # ItalyPowerDemand, BasicMotions and GunPoint (GRU); the last 256 of
        # longer ones lost (ACSF1[n=24] 0.57 -> 0.50, OSULeaf[n=48] 0.55 -> 0.48).
        steps = int(np.max(sequences.lengths))
        return steps if steps * sequences.n_features <= AUTO_HIGHWAY_WEIGHTS else 0

    def _encode_target(self, y, sample_weight=None, classes=None):
        y = check_classification_labels(y)
        if classes is not None:
            self.classes_ = np.unique(check_classification_labels(np.asarray(classes)))
            encoded = self._encode_known(y)
        else:
            self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                "The number of classes has to be greater than one; got 1 class "
                f"({self.classes_[0]!r}) in {'classes' if classes is not None else 'y'}."
            )
        return encoded.astype(np.int64), len(self.classes_)

    def _encode_known(self, y) -> np.ndarray:
        """Indices of ``y`` in ``classes_``; an error naming labels not among them."""
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if len(unknown):
            raise ValueError(
                f"y contains labels not in classes_ {self.classes_.tolist()}: "
                f"{unknown[:10].tolist()}. partial_fit (and a warm-started fit) knows the "
                "classes of its first call; pass every class there with classes=..."
            )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _encode_more_target(self, y):
        return self._encode_known(check_classification_labels(y))

    @fill_doc
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing from the current weights.

        As scikit-learn's ``partial_fit``: the first call needs ``classes``,
        every label that any call will bring, since the network's output
        layer has one unit per class. It builds the network as :meth:`fit`
        does (scaling statistics and ``training_plan_`` from this first
        batch of data) and trains it for one epoch; every later call trains
        the same network, optimizer and learning-rate schedule for one more
        epoch (one pass over its data). See the Incremental training page of
        the user guide for what is kept between calls.

        Parameters
        ----------
        {X_continued}
        y : array-like of shape (n_samples,)
            Labels, all among ``classes``. One call may hold only some of them.
        classes : array-like of shape (n_classes,), default=None
            All the class labels; required on the first call, ignored after
            (it may be passed again, if it is the same set).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence, as in :meth:`fit`; multiplied by
            ``class_weight`` (a ``"balanced"`` weight is counted on each call's
            labels).

        {returns_one_more_epoch}

        Raises
        ------
        ValueError
            If ``classes`` is missing on the first call or differs later, if
            ``y`` holds a label not in ``classes_``, or if the number of
            features changes.
        """
        first = not hasattr(self, "net_")
        if first and classes is None:
            raise ValueError(
                f"classes must be passed on the first call to {type(self).__name__}"
                ".partial_fit: every label any call will bring, e.g. "
                "classes=np.unique(y_all)."
            )
        if not first and classes is not None:
            given = np.unique(check_classification_labels(np.asarray(classes)))
            if not np.array_equal(given, self.classes_):
                raise ValueError(
                    f"classes={given.tolist()} differs from the classes of the first "
                    f"partial_fit call, {self.classes_.tolist()}."
                )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _loss_weights(self, y_encoded, sample_weight, incremental=False):
        # sample_weight times the weight of each sequence's class
        if self.class_weight is not None:
            weights = self._class_weights(y_encoded, sample_weight)
            base = 1.0 if sample_weight is None else sample_weight
            sample_weight = weights[y_encoded] * base
        if sample_weight is not None and not incremental:  # a chunk may hold one class
            present = np.flatnonzero(np.bincount(y_encoded, weights=sample_weight) > 0)
            if len(present) < 2:
                raise ValueError(
                    "The weights leave only one class with non-zero weight "
                    f"({self.classes_[present].tolist()}); a classifier needs at least "
                    "two classes of positive total weight."
                )
        return sample_weight

    def _class_weights(self, y_encoded, sample_weight) -> np.ndarray:
        """``class_weight`` as one weight per entry of ``classes_``."""
        if isinstance(self.class_weight, dict):
            known = set(self.classes_.tolist())
            unknown = [label for label in self.class_weight if label not in known]
            if unknown:
                raise ValueError(
                    f"class_weight has labels that are not in y: {unknown}; "
                    f"the classes are {self.classes_.tolist()}."
                )
            weights = np.array([float(self.class_weight.get(label, 1.0))
                                for label in self.classes_.tolist()])
            if not np.all(np.isfinite(weights) & (weights >= 0)):
                raise ValueError(
                    f"class_weight must map labels to finite non-negative weights; "
                    f"got {self.class_weight!r}."
                )
            return weights
        # "balanced": n_samples / (n_classes * count), counted with the sample weights
        counts = np.bincount(y_encoded, weights=sample_weight, minlength=len(self.classes_))
        present = counts > 0
        weights = np.zeros(len(counts))
        weights[present] = counts.sum() / (present.sum() * counts[present])
        return weights

    def _net_params(self, n_outputs):
        # The net sees class indices; telling it the classes lets skorch's
        # accuracy scoring work on a dataset without a y attribute.
        return {"classes": list(range(n_outputs)), "module__regression": False}

    def _constant_loss(self, y_encoded, sample_weight=None):
        # cross-entropy of predicting the (weighted) class frequencies: their entropy
        share = np.bincount(y_encoded, weights=sample_weight)
        share = share / share.sum()
        share = share[share > 0]
        return float(-(share * np.log(share)).sum())

    def _validation_split(self, fraction, seed):
        return StratifiedSplit(fraction, seed)

    def _auto_scaling(self, sequences, y, sample_weight=None):
        # Global standardisation leaves a sequence 100x smaller than others
        # nearly flat; standardising each one alone loses its level and
        # amplitude, which often carry the class (GRU, 2 seeds: BasicMotions
        # 1.00 global, 0.94 "sequence"; Covid3Month_disc 0.66, 0.58). Keeping
        # both measured better where scales spread (5 seeds, GRU/LSTM:
        # PLAID[n=24] 0.20/0.23 global, 0.40/0.41 "sequence_stats";
        # Covid3Month_disc 0.66 -> 0.69) and worse where they do not
        # (UnitTest, 2 seeds: 0.91 -> 0.80-0.89), hence the threshold.
        spread = sequence_scale_spread(sequences)
        return "sequence_stats" if spread > SCALE_SPREAD_RATIO else "global"

    @predict_doc(
        "Class probabilities of each sequence.",
        "proba : ndarray of shape (n_samples, n_classes)",
        "Probabilities in the order of ``classes_``; each row sums to 1.",
    )
    def predict_proba(self, X):
        proba = self._network_output(X).astype(np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    @predict_doc(
        "Logarithm of :meth:`predict_proba`.",
        "log_proba : ndarray of shape (n_samples, n_classes)",
        "Natural logarithm of the probabilities, in the order of ``classes_``.",
    )
    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @predict_doc(
        "Predict the class label of each sequence.",
        "y_pred : ndarray of shape (n_samples,)",
        "Labels from ``classes_`` (strings stay strings).",
    )
    def predict(self, X):
        proba = self.predict_proba(X)  # checks that the model is fitted
        return self.classes_[np.argmax(proba, axis=1)]

    @fill_doc
    def score(self, X, y, sample_weight=None):
        """Mean accuracy on ``X`` against the labels ``y``.

        Parameters
        ----------
        {X}
        y : array-like of shape (n_samples,)
            True labels; all must be among ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Accuracy of ``predict(X)``.

        Raises
        ------
        ValueError
            If ``y`` holds labels not seen during fit.
        """
        check_is_fitted(self, "net_")
        y = np.asarray(y)
        unseen = np.setdiff1d(np.unique(y), self.classes_) if y.size else []
        if len(unseen):
            raise ValueError(
                f"y contains labels not seen during fit: {unseen[:10].tolist()}; "
                f"the classifier knows {self.classes_.tolist()}."
            )
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


# The estimators. RecurrentEstimatorBase.__init_subclass__ gives each its
# ``__init__`` (from the parameter table, skrnn._params) and its docstring
# (skrnn._docstrings.estimator_doc with _CLASSIFICATION_DOC).


class RecurrentClassifier(_ClassifierCore): ...  # the cell is a parameter


class GRUClassifier(_ClassifierCore, cell="gru"): ...


class LSTMClassifier(_ClassifierCore, cell="lstm"): ...
