"""The private third-party attributes skrnn._compat relies on, on the installed versions.

Each test fails when the library changes under skrnn: the attribute is gone,
renamed, or no longer behaves as skrnn assumes.
"""

import inspect

import numpy as np
import optuna
import pytest
import torch
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.storages import BaseStorage
from skorch import NeuralNet, NeuralNetRegressor

from skrnn import _compat
from skrnn._net import SequenceNetClassifier, SequenceNetRegressor, _SkipRedundantModeSwitch


def test_skorch_set_training_is_the_per_batch_mode_hook(monkeypatch):
    hook = getattr(NeuralNet, _compat.SKORCH_SET_TRAINING)
    assert list(inspect.signature(hook).parameters) == ["self", "training"]
    assert inspect.signature(hook).parameters["training"].default is True
    for net in (SequenceNetRegressor, SequenceNetClassifier):
        # skrnn's mixin overrides it
        assert _compat.SKORCH_SET_TRAINING in vars(_SkipRedundantModeSwitch)
        assert issubclass(net, _SkipRedundantModeSwitch)

    calls = []
    monkeypatch.setattr(
        NeuralNetRegressor, _compat.SKORCH_SET_TRAINING,
        lambda self, training=True: calls.append(training),
    )
    net = NeuralNetRegressor(torch.nn.Linear(2, 1), max_epochs=1, batch_size=4, train_split=None)
    net.initialize()
    X, y = np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32)
    net.train_step((torch.as_tensor(X), torch.as_tensor(y)))
    net.evaluation_step((torch.as_tensor(X), torch.as_tensor(y)), training=False)
    assert calls == [True, False]


def test_tensor_version_counts_in_place_changes():
    t = torch.zeros(3)
    before = _compat.tensor_version(t)
    assert isinstance(before, int)
    t.add_(1)
    assert _compat.tensor_version(t) > before
    after = _compat.tensor_version(t)
    _ = t + 1  # out of place: unchanged
    assert _compat.tensor_version(t) == after


@pytest.mark.parametrize(
    "dist, inside, outside",
    [
        (FloatDistribution(1e-4, 1e-2, log=True), 1e-3, 1.0),
        (IntDistribution(1, 3), 2, 4),
        (IntDistribution(8, 64, step=8), 16, 12),
        (CategoricalDistribution(["gru", "lstm"]), "lstm", "rnn"),
    ],
)
def test_distribution_contains(dist, inside, outside):
    assert callable(dist._contains)
    assert _compat.distribution_contains(dist, inside) is True
    assert _compat.distribution_contains(dist, outside) is False


def test_study_storage_is_a_base_storage():
    study = optuna.create_study()
    storage = _compat.study_storage(study)
    assert isinstance(storage, BaseStorage)
    trial = study.ask()  # a Trial, as skrnn's heartbeat test uses
    assert storage.get_trial(_compat.trial_id(trial)).number == trial.number


def test_frozen_trial_id_addresses_the_storage():
    study = optuna.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    storage = _compat.study_storage(study)
    for frozen in study.get_trials(deepcopy=False):
        assert isinstance(_compat.trial_id(frozen), int)
        assert storage.get_trial(_compat.trial_id(frozen)).number == frozen.number
