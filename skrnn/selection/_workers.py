"""Trials in worker processes: ``ArchitectureSelector(n_jobs=k)``.

Threads of one process do not speed up CPU-bound training (each torch call
is itself threaded, and the Python parts hold the GIL), so ``n_jobs=k``
starts ``k`` worker processes that share the study through a storage every
process can open: the user's ``storage`` (an SQLite or PostgreSQL URL, a
journal file), else a temporary journal file the parent deletes after the
fit (the study is copied into memory first, as :attr:`study_`).

* How processes start (:func:`start_method`) decides what a worker costs
  before its first trial. A spawned process imports torch, skrnn and
  ``torch._dynamo`` (which torch's optimizers import at their first use) and
  pays its first fit's warm-up: 2-3 s, more than a small trial (measured,
  ``benchmarks/threads.py --only selector``: ``n_jobs=2`` ran 0.63x as
  fast as ``n_jobs=1`` on trials of 0.4 s). A forked worker starts warm, in
  milliseconds, and shares the parent's data copy-on-write. But fork is
  safe only where the workers run torch at **one thread**: GNU OpenMP
  (torch's intra-op pool) does not survive a fork once the parent has run
  a parallel region, and a child that starts a team of two threads hangs
  (seen here). So: ``"fork"`` on Linux when every trial runs at one
  thread (``n_jobs`` equal to the cores, the usual case); else, on Linux,
  ``"forkserver"``, whose server process preloads torch and skrnn once per
  session and never runs a parallel region itself; elsewhere ``"spawn"``.
* Each worker receives the objective -- the data included -- once, when it
  starts (inherited under fork, pickled otherwise), and then runs trial
  after trial from the storage. The storage always goes through pickle, so
  that a forked worker opens its own database connections instead of
  sharing the parent's.
* The budget is exact: a counter shared by the workers hands out the
  ``n_trials`` still missing, one trial at a time (another process sharing
  the study is seen through the storage, as without workers).
* A worker that dies (killed, out of memory, a crash in native code) leaves
  its trial RUNNING; the parent waits for the others, fails that trial (as a
  re-run would) and warns. An exception in a worker that is not one of a
  trial's errors stops the others and is raised again in the parent.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass
from multiprocessing.connection import wait

import optuna
from optuna.storages import InMemoryStorage

from ._pruning import time_left_fits_a_trial
from ._storage import fail_orphaned_trials, resolve_storage

#: Seconds a stopped worker gets to exit before it is killed.
_GRACE_S = 10


def resolve_n_jobs(n_jobs, cores: int) -> int:
    """Worker processes for ``n_jobs``: ``None`` 1, ``-1`` every core, ``-2`` all but one, ..."""
    if n_jobs is None:
        return 1
    if n_jobs == 0:
        raise ValueError("n_jobs=0 runs nothing: use None or 1 (in this process), k or -1.")
    if n_jobs < 0:
        return max(1, cores + 1 + n_jobs)
    return int(n_jobs)


def threads_per_worker(cores: int, n_jobs: int) -> int:
    """Each worker's share of the cores: ``max(1, cores // n_jobs)``."""
    return max(1, cores // n_jobs)


#: What a forkserver preloads: the modules every trial imports, and the one
#: torch's optimizers import lazily at their first use (1 s of a first fit).
_FORKSERVER_PRELOAD = (
    "torch", "torch._dynamo", "skrnn.regressor", "skrnn.classifier", "skrnn.selection._objective",
)


def start_method(worker_threads, platform: str = sys.platform) -> str:
    """How worker processes start: ``"fork"``, ``"forkserver"`` or ``"spawn"``.

    ``worker_threads`` is the ``num_threads`` every trial runs with (an int,
    ``"auto"`` or None). Fork only on Linux and only at exactly one thread
    (see the module docstring); macOS and Windows spawn, as Python does by
    default there.
    """
    if not platform.startswith("linux"):
        return "spawn"
    return "fork" if worker_threads == 1 else "forkserver"


def _context(method: str):
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # takes effect when this process starts its forkserver (once)
        context.set_forkserver_preload(list(_FORKSERVER_PRELOAD))
    return context


def temporary_journal() -> tuple[str, str]:
    """A new journal file in a new temporary folder: (folder, path)."""
    folder = tempfile.mkdtemp(prefix="skrnn-study-")
    return folder, os.path.join(folder, "study.log")


def open_journal(path: str):
    """A journal-file storage (``JournalFileBackend``, or the older ``JournalFileStorage``)."""
    from optuna.storages import JournalStorage

    try:
        from optuna.storages.journal import JournalFileBackend as Backend
    except ImportError:  # pragma: no cover - Optuna < 4.0
        from optuna.storages import JournalFileStorage as Backend
    return JournalStorage(Backend(path))


def shareable(storage):
    """``storage`` as it is sent to the workers; an error if processes cannot share it."""
    if isinstance(storage, InMemoryStorage):
        raise ValueError(
            "n_jobs > 1 runs trials in worker processes, which cannot share an in-memory "
            "storage: pass a storage URL or a journal file, or storage=None (a temporary "
            "journal file)."
        )
    try:
        pickle.dumps(storage)
    except Exception as exc:
        raise ValueError(
            f"n_jobs > 1 sends the storage to worker processes, but it cannot be pickled: {exc}"
        ) from exc
    return storage


def in_memory_copy(study: optuna.Study) -> optuna.Study:
    """The study copied into an in-memory storage (trials in order: same numbers)."""
    memory = InMemoryStorage()
    optuna.copy_study(
        from_study_name=study.study_name,
        from_storage=study._storage,
        to_storage=memory,
    )
    return optuna.load_study(
        study_name=study.study_name, storage=memory, sampler=study.sampler, pruner=study.pruner
    )


@dataclass
class WorkerJob:
    """What one worker needs, sent once when it starts.

    ``storage`` is a URL or a storage object, pickled (each worker unpickles
    its own copy); ``budget`` a shared counter of the trials still to hand
    out (None: until the deadline);
    ``make_sampler(index)`` gives a worker its sampler.
    """

    storage: bytes
    study_name: str
    objective: object
    sampler: object
    pruner: object
    n_trials: int | None
    deadline: float | None  # time.time() after which no trial starts
    catch: tuple
    counted_states: tuple
    verbose: int


def _claim(budget, study, job) -> bool:
    """Take one trial of the budget; False when none is left."""
    if not time_left_fits_a_trial(study, job.deadline):
        return False
    if budget is None:
        return True
    with budget.get_lock():
        if budget.value <= 0:
            return False
        if job.n_trials is not None:
            held = len(study.get_trials(deepcopy=False, states=job.counted_states))
            if held >= job.n_trials:  # another process sharing the study ran them
                budget.value = 0
                return False
        budget.value -= 1
        return True


def worker_main(job: WorkerJob, budget, conn) -> None:
    """Entry point of a worker process: run trials until the budget is spent."""
    try:
        from ._selector import _optuna_logging, _print_trial

        threads = getattr(job.objective, "fixed", {}).get("num_threads")
        if isinstance(threads, int) and threads > 0:
            import torch  # the worker's share also for what runs outside the estimators

            torch.set_num_threads(threads)
        with _optuna_logging(job.verbose):
            # a fresh copy: a forked worker must not use the parent's connections
            storage = resolve_storage(pickle.loads(job.storage))
            study = optuna.load_study(
                study_name=job.study_name, storage=storage, sampler=job.sampler, pruner=job.pruner
            )
            callbacks = [_print_trial] if job.verbose else []
            while _claim(budget, study, job):
                timeout = None if job.deadline is None else max(0.0, job.deadline - time.time())
                study.optimize(job.objective, n_trials=1, timeout=timeout, catch=job.catch,
                               callbacks=callbacks)
        conn.send(("ok", None, None))
    except BaseException as exc:  # sent to the parent, which raises it
        text = traceback.format_exc()
        try:
            conn.send(("error", exc, text))
        except Exception:  # the exception itself does not pickle
            conn.send(("error", None, text))
    finally:
        conn.close()


def run_workers(n_workers: int, make_job, remaining: int | None, worker_threads) -> list[str]:
    """Run ``n_workers`` processes until the budget is spent; the problems to report.

    ``make_job(index)`` gives each worker its :class:`WorkerJob` (its
    ``storage`` pickled); ``worker_threads`` is the trials' ``num_threads``
    (it chooses :func:`start_method`). Returns a message per worker that
    died; raises a worker's exception (after stopping the others).
    """
    method = start_method(worker_threads)
    context = _context(method)
    budget = None if remaining is None else context.Value("i", remaining)
    workers = []
    try:
        for index in range(n_workers):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=worker_main, args=(make_job(index), budget, send),
                name=f"skrnn-selection-worker-{index}", daemon=True,
            )
            with warnings.catch_warnings():
                # Python >= 3.12 warns on forking a process that runs threads:
                # the parent's are torch's idle OpenMP threads, which a child
                # at one thread never uses (see start_method)
                warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                        DeprecationWarning)
                process.start()
            send.close()
            workers.append((process, receive))
        return _wait(workers)
    finally:
        _stop(workers)


def _wait(workers) -> list[str]:
    died, pending = [], {p.sentinel: (p, conn) for p, conn in workers}
    error = None
    while pending:
        for sentinel in wait(list(pending)):
            process, conn = pending.pop(sentinel)
            process.join()
            message = None
            if conn.poll():
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    message = None
            if message is not None and message[0] == "error" and error is None:
                error = message
                _stop([pair for pair in pending.values()])
            elif message is None:
                died.append(f"worker process {process.pid} exited with code {process.exitcode} "
                            "during the search")
    if error is not None:
        _, exc, text = error
        if exc is not None:
            raise exc from RuntimeError(f"in a worker process:\n{text}")
        raise RuntimeError(f"a worker process failed:\n{text}")
    return died


def _stop(workers) -> None:
    for process, _ in workers:
        if process.is_alive():
            process.terminate()
    for process, conn in workers:
        process.join(_GRACE_S)
        if process.is_alive():
            process.kill()
            process.join()
        conn.close()


def finish(study, folder: str | None) -> tuple[optuna.Study, list[int]]:
    """After the workers: fail the trials of dead workers, and move a temporary
    study into memory (its journal file is deleted)."""
    recovered = fail_orphaned_trials(study)
    if folder is not None:
        try:
            study = in_memory_copy(study)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return study, recovered


def warn_died(died: list[str], recovered: list[int]) -> None:
    if died:
        warnings.warn(
            "ArchitectureSelector: " + "; ".join(died)
            + (f"; its trials {recovered} were marked FAILED" if recovered else ""),
            RuntimeWarning,
            stacklevel=3,
        )
