"""Scale-out through Optuna storage: worker processes share one study, and a
re-run resumes it."""

import os
import subprocess
import sys
import time

import numpy as np
import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState
from sklearn.base import clone

from skrnn import ArchitectureSelector

pytestmark = pytest.mark.slow  # studies in shared storages, several run by worker processes

SETTINGS = dict(
    max_epochs=2,
    search_space={"hidden_size": [4, 6], "num_layers": 1, "dropout": 0.0, "batch_size": 32},
)


def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 10))
    return X, X[:, -3:].sum(axis=1)


# Each worker imports everything, says it is ready, waits for the go signal so
# that the workers really run at the same time, then joins the shared study.
WORKER = """
import os, sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from skrnn import ArchitectureSelector
sys.path.insert(0, {tests!r})
from test_selection_storage import SETTINGS, data

folder = Path({folder!r})
(folder / f"ready-{{os.getpid()}}").touch()
while not (folder / "go").exists():
    time.sleep(0.01)
storage = JournalStorage(JournalFileBackend(str(folder / "study.log")))
X, y = data()
ArchitectureSelector(n_trials={n_trials}, storage=storage, study_name="shared", refit=False,
                     **SETTINGS).fit(X, y)
"""


def test_worker_processes_share_one_study(tmp_path):
    n_trials = 8
    code = WORKER.format(tests=os.path.dirname(__file__), folder=str(tmp_path), n_trials=n_trials)
    workers = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    deadline = time.time() + 120
    while len(list(tmp_path.glob("ready-*"))) < 2:
        assert time.time() < deadline and all(w.poll() is None for w in workers), [
            w.stderr.read() for w in workers if w.poll() is not None
        ]
        time.sleep(0.05)
    (tmp_path / "go").touch()
    for w in workers:
        assert w.wait(timeout=300) == 0, w.stderr.read()

    storage = JournalStorage(JournalFileBackend(str(tmp_path / "study.log")))
    study = optuna.load_study(study_name="shared", storage=storage)
    trials = study.get_trials()
    finished = [t for t in trials if t.state != TrialState.WAITING]
    # every trial recorded exactly once: unique ids, numbers 0..n-1
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    assert len({t._trial_id for t in trials}) == len(trials)
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in finished)
    # the budget is the study's total (a trial already started elsewhere may finish)
    assert n_trials <= len(finished) <= n_trials + 1
    workers_seen = {t.user_attrs["skrnn"]["worker"].rsplit(":", 1)[1] for t in finished}
    assert workers_seen == {str(w.pid) for w in workers}

    # A final fit on the same study runs nothing new and decides from all trials.
    X, y = data()
    sel = ArchitectureSelector(
        n_trials=n_trials, storage=storage, study_name="shared", **SETTINGS
    ).fit(X, y)
    assert len(sel.study_.trials) == len(trials)
    assert sorted(r.number for r in sel.report_.records) == [t.number for t in trials]
    # the winner is the best trial of its cell among the trials of both workers
    best = max(
        (
            t
            for t in finished
            if t.state == TrialState.COMPLETE and t.params["cell"] == sel.architecture_
        ),
        key=lambda t: t.value,
    )
    assert sel.report_.decision.trial == best.number and sel.best_score_ == best.value
    assert sum(c["trials"] for c in sel.report_.cells.values()) == len(finished)
    assert isinstance(clone(sel).get_params()["storage"], JournalStorage)


def test_rerun_resumes_the_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'selection.db'}"
    X, y = data()

    def fit(n_trials, **params):
        return ArchitectureSelector(
            n_trials=n_trials, storage=url, study_name="resume", **{**SETTINGS, **params}
        ).fit(X, y)

    first = fit(3)
    assert [t.params["cell"] for t in first.study_.trials] == ["gru"] * 3  # little budget
    before = [(t.number, t.params, t.value) for t in first.study_.trials]

    second = fit(9)  # ample budget now: the same study grows to 9 trials, both cells
    trials = second.study_.trials
    assert len(trials) == 9
    assert [(t.number, t.params, t.value) for t in trials[:3]] == before
    assert {t.params["cell"] for t in trials} == {"gru", "lstm"}

    third = fit(9)  # nothing left to run: same trials, same decision
    assert [(t.number, t.value) for t in third.study_.trials] == [
        (t.number, t.value) for t in trials
    ]
    assert third.best_params_ == second.best_params_

    with pytest.raises(ValueError, match="use another study_name"):
        fit(9, scoring="neg_mean_absolute_error")
