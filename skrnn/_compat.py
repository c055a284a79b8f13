"""Every use of a private attribute of torch, skorch or Optuna, in one place.

Each item names what it relies on and why no public API does the job;
tests/test_compat.py fails when an installed version changes under it.
Nothing here imports torch, skorch or Optuna: the callers already have.
"""

from __future__ import annotations

#: skorch's ``NeuralNet._set_training(training=True)``, called by
#: ``train_step_single`` and ``evaluation_step`` before every batch to put
#: the modules and criteria in train or eval mode. ``skrnn._net`` overrides
#: it under this name to skip the walk when the mode has not changed (no
#: public hook exists; the walk was 10-25 % of ``fit`` for small networks).
SKORCH_SET_TRAINING = "_set_training"


def tensor_version(tensor) -> int:
    """torch's in-place version counter of ``tensor`` (``Tensor._version``).

    Incremented by every in-place change; the ONNX session cache compares it
    to tell changed weights from unchanged ones without hashing them.
    """
    return tensor._version


def distribution_contains(dist, value) -> bool:
    """Whether Optuna's ``dist`` can sample ``value`` (in its external form).

    Relies on ``BaseDistribution._contains(internal_repr)``, the check Optuna
    itself applies; there is no public equivalent. Values of the wrong type
    are not contained.
    """
    try:
        return bool(dist._contains(dist.to_internal_repr(value)))
    except (ValueError, TypeError):
        return False


def study_storage(study):
    """The ``BaseStorage`` a ``Study`` object reads and writes (``Study._storage``).

    Needed to change the state of a trial other than the one being run
    (failing the orphans of dead workers); ``Study`` has no public accessor.
    """
    return study._storage


def trial_id(trial) -> int:
    """The storage id of a ``Trial`` or ``FrozenTrial`` (their ``_trial_id``).

    Storage methods take this id, not the trial's ``number``; neither class
    exposes it publicly.
    """
    return trial._trial_id
