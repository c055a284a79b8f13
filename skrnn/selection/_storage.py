"""Storages shared by worker processes: safe concurrency, recovery from dead workers.

SQLite files given as a URL get transactions that take the write lock when
they begin (``BEGIN IMMEDIATE``). With SQLite's default deferred
transactions, two workers can both read a queued (WAITING) trial as free and
both start it: the same trial would run twice.

A worker process killed in the middle of a trial (SIGKILL, out-of-memory
killer, a lost machine) leaves that trial RUNNING in the storage forever. Two
mechanisms turn such trials into FAILED ones so that a re-run resumes
cleanly:

* on this machine, each trial records the host and process id of its worker;
  a trial still RUNNING whose process no longer exists is failed by the next
  ``fit`` (any storage, including journal files);
* across machines, storages given as a database URL get Optuna's heartbeat:
  a RUNNING trial whose worker stopped beating for ``GRACE_PERIOD_S`` is
  failed by Optuna itself when the next trial starts.
"""

from __future__ import annotations

import os
import socket
import time
import warnings

import optuna
from optuna.trial import TrialState

from .._compat import study_storage, trial_id
from ._records import FAILURE_ATTR, WORKER_ATTR

#: Heartbeat of database storages given as a URL (seconds).
HEARTBEAT_INTERVAL_S = 30
#: A database-backed trial without heartbeat for this long is failed (seconds).
GRACE_PERIOD_S = 120
#: How long an SQLite writer waits for the lock before giving up (seconds).
SQLITE_TIMEOUT_S = 60
_SCHEMA_ATTEMPTS = 10


def worker_id() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def resolve_storage(storage):
    """An Optuna storage object; database URLs get a heartbeat, SQLite safe locking."""
    if not (isinstance(storage, str) and "://" in storage):
        return storage
    from sqlalchemy.exc import DBAPIError

    sqlite = storage.startswith("sqlite")
    for attempt in range(_SCHEMA_ATTEMPTS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                rdb = optuna.storages.RDBStorage(
                    storage,
                    engine_kwargs=(
                        {"connect_args": {"timeout": SQLITE_TIMEOUT_S}} if sqlite else None
                    ),
                    heartbeat_interval=HEARTBEAT_INTERVAL_S,
                    grace_period=GRACE_PERIOD_S,
                )
            break
        except DBAPIError:
            # Workers starting together race to create the schema of a new
            # database (tables, alembic version row); the losers retry and
            # then find it in place.
            if attempt == _SCHEMA_ATTEMPTS - 1:
                raise
            time.sleep(0.1 * (attempt + 1))
    if sqlite:
        _lock_on_begin(rdb.engine)
    return rdb


def _lock_on_begin(engine):
    """Make every SQLite transaction ``BEGIN IMMEDIATE`` (SQLAlchemy's recipe)."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    engine.dispose()  # connections opened before the listeners are dropped


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def fail_orphaned_trials(study: optuna.Study) -> list[int]:
    """Fail the RUNNING trials of dead worker processes on this host.

    Returns
    -------
    numbers : list of int
        Numbers of the trials that were failed.
    """
    host = socket.gethostname()
    storage = study_storage(study)
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = trial.user_attrs.get(WORKER_ATTR, "")
        worker_host, _, pid = worker.rpartition(":")
        if worker_host != host or not pid.isdigit() or _process_exists(int(pid)):
            continue
        reason = f"worker process {pid} on {host} died during the trial"
        storage.set_trial_user_attr(trial_id(trial), FAILURE_ATTR, reason)
        storage.set_trial_state_values(trial_id(trial), state=TrialState.FAIL)
        failed.append(trial.number)
    return failed
