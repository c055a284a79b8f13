"""Search faults: killed workers, failing trials, many concurrent workers.

Real processes on real storages (an SQLite file, a journal file, a
PostgreSQL server started for the session): a worker is SIGKILLed in the
middle of a trial and the study must stay readable and resume with every
completed trial kept and the interrupted one failed.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState
from skorch.callbacks import Callback

from skrnn import ArchitectureSelector
from skrnn._compat import trial_id
from skrnn.selection import _storage
from skrnn.selection._storage import FAILURE_ATTR, WORKER_ATTR

pytestmark = pytest.mark.slow  # worker processes, killed workers and a PostgreSQL server

KINDS = ["sqlite", "journal", "postgres"]

SETTINGS = dict(
    max_epochs=2,
    search_space={"hidden_size": [4, 6], "num_layers": 1, "dropout": 0.0, "batch_size": 32},
)


def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 10))
    return X, X[:, -3:].sum(axis=1)


def storage_kind(kind, request):
    """The kind as worker code passes it: a PostgreSQL storage is the server's URL."""
    return request.getfixturevalue("postgresql_url") if kind == "postgres" else kind


def open_storage(kind, folder):
    if kind.startswith("postgresql"):  # one server per session: tests use distinct study names
        return kind
    if kind == "sqlite":
        return f"sqlite:///{folder / 'study.db'}"
    return JournalStorage(JournalFileBackend(str(folder / "study.log")))


def completed_trials(name, storage):
    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:  # not created yet: the cost probes run first
        return 0
    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))


# Once the study holds two completed trials, the worker gets stuck (sleeps) at
# the end of an epoch of its next trial and says so with a marker file: the
# parent then kills it with SIGKILL, in the middle of that trial.
STUCK_WORKER = """
import sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)
from skorch.callbacks import Callback
sys.path.insert(0, {tests!r})
from test_selection_faults import SETTINGS, completed_trials, data, open_storage
from skrnn import ArchitectureSelector

folder = Path({folder!r})

class GetStuck(Callback):
    def on_epoch_end(self, net, **kwargs):
        if completed_trials("faults", open_storage({kind!r}, folder)) >= 2:
            (folder / "stuck").touch()
            time.sleep(600)

X, y = data()
ArchitectureSelector(n_trials=10, storage=open_storage({kind!r}, folder), study_name="faults",
                     refit=False, estimator_params={{"callbacks": [GetStuck()]}},
                     search_space=SETTINGS["search_space"], max_epochs=2,
                     pruner=__import__("optuna").pruners.NopPruner()).fit(X, y)
"""


@pytest.mark.parametrize("kind", KINDS)
def test_killed_worker_leaves_a_resumable_study(kind, tmp_path, request):
    kind = storage_kind(kind, request)
    code = STUCK_WORKER.format(tests=os.path.dirname(__file__), folder=str(tmp_path), kind=kind)
    worker = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while not (tmp_path / "stuck").exists():
        assert worker.poll() is None, worker.stderr.read()
        assert time.time() < deadline, "the worker never reached its third trial"
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    # The study is readable: the completed trials and one orphaned RUNNING trial.
    storage = open_storage(kind, tmp_path)
    study = optuna.load_study(study_name="faults", storage=storage)
    trials = study.get_trials()
    running = [t for t in trials if t.state == TrialState.RUNNING]
    complete = {t.number: t.value for t in trials if t.state == TrialState.COMPLETE}
    assert len(running) == 1 and len(complete) == 2
    assert running[0].user_attrs[WORKER_ATTR].endswith(f":{worker.pid}")

    # A re-run fails the orphan, keeps every completed trial, and completes the budget.
    X, y = data()
    sel = ArchitectureSelector(
        n_trials=10, storage=storage, study_name="faults", pruner=optuna.pruners.NopPruner(),
        **SETTINGS,
    ).fit(X, y)
    assert sel.recovered_trials_ == [running[0].number]
    after = {t.number: t for t in sel.study_.trials}
    orphan = after[running[0].number]
    assert orphan.state == TrialState.FAIL
    assert "died during the trial" in orphan.user_attrs[FAILURE_ATTR]
    for number, value in complete.items():
        assert after[number].state == TrialState.COMPLETE and after[number].value == value
    assert sum(t.state == TrialState.COMPLETE for t in after.values()) >= 9
    assert sel.report_.decision.trial != orphan.number
    # a second re-run finds nothing to recover
    again = ArchitectureSelector(n_trials=10, storage=storage, study_name="faults", **SETTINGS)
    assert again.fit(X, y).recovered_trials_ == []


def test_a_trial_that_raises_is_failed_and_the_search_goes_on(tmp_path):
    storage = open_storage("journal", tmp_path)
    raised = []

    class OutOfMemoryOnce(Callback):
        # the trial after the second completed one runs out of memory
        def on_epoch_end(self, net, **kwargs):
            if not raised and completed_trials("oom", storage) == 2:
                raised.append(True)
                raise MemoryError("simulated: cannot allocate 12 GiB")

    X, y = data()
    sel = ArchitectureSelector(
        n_trials=6,
        storage=storage,
        study_name="oom",
        estimator_params={"callbacks": [OutOfMemoryOnce()]},
        pruner=optuna.pruners.NopPruner(),
        **SETTINGS,
    ).fit(X, y)
    states = [t.state for t in sel.study_.trials]
    assert states.count(TrialState.FAIL) == 1 and states.count(TrialState.COMPLETE) == 5
    failed = next(t for t in sel.study_.trials if t.state == TrialState.FAIL)
    assert "MemoryError" in failed.user_attrs["skrnn"]["error"]
    assert "failed" in str(sel.report_)


# Four workers, started together on one storage.
WORKER = """
import os, sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)
sys.path.insert(0, {tests!r})
from test_selection_faults import SETTINGS, data, open_storage
from skrnn import ArchitectureSelector

folder = Path({folder!r})
(folder / f"ready-{{os.getpid()}}").touch()
while not (folder / "go").exists():
    time.sleep(0.01)
X, y = data()
ArchitectureSelector(n_trials={n_trials}, storage=open_storage({kind!r}, folder),
                     study_name="four", refit=False, **SETTINGS).fit(X, y)
"""


@pytest.mark.parametrize("kind", KINDS)
def test_four_concurrent_workers_record_every_trial_once(kind, tmp_path, request):
    kind = storage_kind(kind, request)
    n_trials, n_workers = 12, 4
    code = WORKER.format(
        tests=os.path.dirname(__file__), folder=str(tmp_path), n_trials=n_trials, kind=kind
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
        for _ in range(n_workers)
    ]
    deadline = time.time() + 240
    while len(list(tmp_path.glob("ready-*"))) < n_workers:
        assert time.time() < deadline and all(w.poll() is None for w in workers)
        time.sleep(0.05)
    (tmp_path / "go").touch()
    for w in workers:
        assert w.wait(timeout=600) == 0, w.stderr.read()

    study = optuna.load_study(study_name="four", storage=open_storage(kind, tmp_path))
    trials = study.get_trials()
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    assert len({trial_id(t) for t in trials}) == len(trials)
    finished = [t for t in trials if t.state != TrialState.WAITING]
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in finished)
    assert n_trials <= len(finished) <= n_trials + n_workers - 1
    # each trial names the one worker (of these four) that ran it, and the workers shared the work
    by_worker = {}
    for t in finished:
        by_worker.setdefault(t.user_attrs[WORKER_ATTR], []).append(t.number)
    pids = {str(w.pid) for w in workers}
    assert {worker.rpartition(":")[2] for worker in by_worker} <= pids
    assert len(by_worker) >= 2


# study.ask() on a heartbeat storage warns that heartbeats need optimize(): here
# the missing beats are the point.
@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_trial_of_a_lost_machine_is_failed_through_the_heartbeat(postgresql_url, monkeypatch):
    # Another machine's worker is not a process skrnn can look up; Optuna's
    # heartbeat fails its trial once it stops beating (shortened here).
    monkeypatch.setattr(_storage, "HEARTBEAT_INTERVAL_S", 1)
    monkeypatch.setattr(_storage, "GRACE_PERIOD_S", 1)
    X, y = data()

    def fit(n_trials):
        return ArchitectureSelector(n_trials=n_trials, storage=postgresql_url, refit=False,
                                    study_name="lost-machine", **SETTINGS).fit(X, y)

    fit(1)
    storage = _storage.resolve_storage(postgresql_url)
    lost = optuna.load_study(study_name="lost-machine", storage=storage).ask()
    storage.set_trial_user_attr(trial_id(lost), WORKER_ATTR, "elsewhere:1")
    storage.record_heartbeat(trial_id(lost))  # one beat, then the machine is gone
    time.sleep(2.5)

    sel = fit(3)
    assert sel.recovered_trials_ == []  # not a process of this host
    trials = {t.number: t for t in sel.study_.trials}
    assert trials[lost.number].state == TrialState.FAIL
    assert sum(t.state == TrialState.COMPLETE for t in trials.values()) == 2
    assert sel.report_.decision.trial != lost.number
