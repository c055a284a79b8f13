"""ArchitectureSelector(n_jobs=k): trials in k worker processes over a shared storage.

Real storages and real processes (forked at one thread per worker, else
from a forkserver). The multi-process tests are slow; the checks that must
happen in the parent before any worker starts are not.
"""

import contextlib
import multiprocessing
import os
import signal
import tempfile

import numpy as np
import optuna
import pytest
from optuna.storages import InMemoryStorage
from optuna.trial import TrialState
from skorch.callbacks import Callback

from skrnn import ArchitectureSelector
from skrnn._threads import available_cores
from skrnn.selection._workers import start_method

SPACE = {"hidden_size": [4, 6], "num_layers": 1, "dropout": 0.0, "batch_size": 32}


def tiny(**params):
    return ArchitectureSelector(**{"n_trials": 4, "max_epochs": 2, "search_space": SPACE,
                                   **params})


def data(n=60):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 10))
    return X, X[:, -3:].sum(axis=1)


def pids(sel):
    return {r.worker.rsplit(":", 1)[1] for r in sel.report_.records if r.state != "waiting"}


@contextlib.contextmanager
def fails_after(seconds):
    """Turn a hang (e.g. a deadlocked worker) into a failure after ``seconds``."""
    def alarm(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: a worker hangs")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def own_tempdir(tmp_path, monkeypatch):
    """Temporary files of this test (the selector's journal) in its own folder."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# ------------------------------------------------------------- in the parent
def test_bad_data_raises_in_the_parent_before_any_worker():
    X, y = data()
    X[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tiny(n_jobs=2).fit(X, y)
    assert multiprocessing.active_children() == []


def test_in_memory_storage_cannot_be_shared_by_workers():
    X, y = data()
    with pytest.raises(ValueError, match="in-memory"):
        tiny(n_jobs=2, storage=InMemoryStorage()).fit(X, y)
    assert multiprocessing.active_children() == []


def test_n_jobs_zero_is_an_error():
    X, y = data()
    with pytest.raises(ValueError, match="n_jobs=0"):
        tiny(n_jobs=0).fit(X, y)


def test_workers_fork_only_on_linux_at_one_thread():
    # fork is safe only when no worker starts an OpenMP team (see _workers)
    assert start_method(1, "linux") == "fork"
    for threads in (2, "auto", None):
        assert start_method(threads, "linux") == "forkserver"
    for platform in ("darwin", "win32"):
        assert start_method(1, platform) == "spawn"


# -------------------------------------------------------- worker processes
@pytest.mark.slow
def test_two_workers_run_every_trial_once(own_tempdir):
    X, y = data()
    sel = tiny(n_trials=6, n_jobs=2).fit(X, y)
    trials = sel.study_.trials
    assert sel.n_jobs_ == 2
    assert sorted(t.number for t in trials) == list(range(6))  # exactly n_trials
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    workers = pids(sel)
    assert len(workers) == 2 and str(os.getpid()) not in workers
    # each worker's share of the cores, recorded on every trial
    share = max(1, available_cores() // 2)
    assert {r.num_threads for r in sel.report_.records} == {share}
    # the temporary journal file is gone; the study was kept in memory
    assert list(own_tempdir.glob("skrnn-study-*")) == []
    assert isinstance(sel.study_._storage, InMemoryStorage)
    assert sel.predict(X[:2]).shape == (2,)


@pytest.mark.slow
def test_n_jobs_minus_one_uses_every_core(own_tempdir):
    X, y = data()
    cores = available_cores()
    sel = tiny(n_trials=cores, n_jobs=-1, refit=False).fit(X, y)
    assert sel.n_jobs_ == cores
    assert len(sel.study_.trials) == cores
    assert {r.num_threads for r in sel.report_.records} == {1}
    assert list(own_tempdir.glob("skrnn-study-*")) == []


@pytest.mark.slow
def test_user_sqlite_storage_is_shared_by_the_workers(tmp_path):
    url = f"sqlite:///{tmp_path / 'selection.db'}"
    X, y = data()
    sel = tiny(n_trials=4, n_jobs=2, storage=url, study_name="par",
               estimator_params={"num_threads": 1}).fit(X, y)
    study = optuna.load_study(study_name="par", storage=url)
    assert [t.number for t in study.trials] == [t.number for t in sel.study_.trials]
    assert len(study.trials) == 4
    assert len(pids(sel)) == 2
    assert {r.num_threads for r in sel.report_.records} == {1}
    # resume: nothing left to run, same decision
    again = tiny(n_trials=4, storage=url, study_name="par").fit(X, y)
    assert len(again.study_.trials) == 4 and again.best_params_ == sel.best_params_


@pytest.mark.slow
def test_workers_at_two_threads_start_from_a_forkserver(own_tempdir):
    # A forked child that runs a team of two OpenMP threads after its parent
    # ran one hangs: the parent has run two-thread fits before this search,
    # so a worker forked from it at two threads would never finish.
    import torch

    from skrnn import GRURegressor

    X, y = data()
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        x = torch.randn(256, 256)
        (x @ x).sum()  # a parallel region in this process
        GRURegressor(max_epochs=1, num_threads=2, hidden_size=64, batch_size=32).fit(X, y)
    finally:
        torch.set_num_threads(before)
    with fails_after(120):
        # no pruner: whether a fourth trial is pruned depends on how the
        # workers' trials interleave, and every trial must run to its end here
        sel = tiny(n_trials=4, n_jobs=2, refit=False, pruner=optuna.pruners.NopPruner(),
                   estimator_params={"num_threads": 2}).fit(X, y)
    assert len(sel.study_.trials) == 4
    assert all(t.state == TrialState.COMPLETE for t in sel.study_.trials)
    assert len(pids(sel)) == 2
    assert {r.num_threads for r in sel.report_.records} == {min(2, available_cores())}


class DieOnce(Callback):
    """The first worker to reach an epoch end dies there (once per folder;
    never in the parent, which runs the cost probe)."""

    def __init__(self, folder, parent=None):
        self.folder = folder
        self.parent = os.getpid() if parent is None else parent

    def on_epoch_end(self, net, **kwargs):
        if os.getpid() == self.parent:
            return
        marker = os.path.join(self.folder, "died")
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return
        os.close(fd)
        os._exit(3)


@pytest.mark.slow
def test_a_dead_worker_fails_its_trial_and_the_others_finish(tmp_path, own_tempdir):
    X, y = data()
    with pytest.warns(RuntimeWarning, match="exited with code 3"):
        sel = tiny(n_trials=5, n_jobs=2, refit=False, pruner=optuna.pruners.NopPruner(),
                   estimator_params={"callbacks": [DieOnce(str(tmp_path))]}).fit(X, y)
    trials = sel.study_.trials
    assert len(trials) == 5
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert [t.number for t in failed] == sel.recovered_trials_ and len(failed) == 1
    record = next(r for r in sel.report_.records if r.number == failed[0].number)
    assert "died" in record.note
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 4
    assert list(own_tempdir.glob("skrnn-study-*")) == []
