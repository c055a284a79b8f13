"""How many threads a fit or a prediction uses (the ``num_threads`` parameter).

Why this module exists: torch defaults to one intra-op thread per core, and
its OpenMP threads *spin* while they wait for work. Measured on a 2-core
machine (``benchmarks/threads.py``): with one other process busy on one core,
a default 3-epoch fit at two threads took 13.7x (GRU) / 17.6x (LSTM) its idle
time, because every parallel region waits for the thread that shares its core
with the other process; at one thread the fit was unaffected. And the small
recurrent networks skrnn is mostly used for gain little from a second thread
anyway. So the estimators choose a thread count per call:

* :func:`resolve_num_threads` turns the ``num_threads`` parameter into a
  count: ``"auto"`` gives 1 thread unless the work per time step is large
  *and* more than one core is free right now (:func:`free_cores`);
* :func:`torch_threads` applies it for the duration of one call and restores
  the caller's ``torch.get_num_threads()`` afterwards, also when the call
  raises.

The count is never more than the cores this process may run on
(``os.sched_getaffinity``), so nothing is oversubscribed.
"""

from __future__ import annotations

import contextlib
import os
import time

import torch

# "auto" uses more than one thread only when one time step of the recurrent
# layers handles at least this many (sequence x hidden unit) values per
# thread: below it a second thread costs more in hand-offs than it saves
# (measured with benchmarks/threads.py: batch 128 x hidden 64 on 2 cores is
# where two threads start to pay for an LSTM).
AUTO_MIN_WORK_PER_THREAD = 64 * 64

# A core counts as free when, on average over the samples below, fewer than
# this share of a runnable task of another process is queued for it.
_BUSY_SHARE = 0.5
_SAMPLES = 8
_SAMPLE_INTERVAL = 0.001  # seconds; 8 samples cost about 8 ms per fit


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, else ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _runnable_tasks() -> int | None:
    """Runnable tasks on the machine right now (``/proc/loadavg``), None if unknown."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return int(f.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None


def free_cores(cores: int | None = None) -> int:
    """Cores not busy with other work right now, between 1 and ``cores``.

    Samples the number of runnable tasks (``/proc/loadavg``, which is
    instantaneous, unlike the 1-minute load average that takes a minute to
    notice a new busy process) a few times over about 8 ms, subtracts the
    sampling thread itself, and counts a core as busy per runnable task. Where
    ``/proc/loadavg`` does not exist (not Linux), falls back on
    ``os.getloadavg()`` where available, else assumes every core is free.
    """
    cores = available_cores() if cores is None else cores
    counts = []
    for i in range(_SAMPLES):
        n = _runnable_tasks()
        if n is None:
            break
        counts.append(n - 1)  # this thread is runnable while it reads
        if i + 1 < _SAMPLES:
            time.sleep(_SAMPLE_INTERVAL)
    if counts:
        busy = sum(counts) / len(counts)
    else:
        try:
            busy = os.getloadavg()[0]
        except (AttributeError, OSError):  # pragma: no cover
            busy = 0.0
    return max(1, min(cores, int(cores - busy + _BUSY_SHARE)))


def resolve_num_threads(num_threads, work_per_step: int) -> int:
    """The thread count for one call.

    Parameters
    ----------
    num_threads : "auto", int or None
        The estimator parameter. An int is used as given, capped at
        :func:`available_cores`; ``-1`` means all of them. None means "leave
        torch's setting alone" and returns ``torch.get_num_threads()``.
    work_per_step : int
        Sequences per batch times hidden units (times directions) of the
        call: how much one time step of the recurrent layers computes.
    """
    cores = available_cores()
    if num_threads is None:
        return torch.get_num_threads()
    if num_threads == "auto":
        by_size = work_per_step // AUTO_MIN_WORK_PER_THREAD
        if min(cores, by_size) <= 1:
            return 1  # small problem: no need to look at the machine
        return max(1, min(by_size, free_cores(cores)))
    if num_threads == -1:
        return cores
    return max(1, min(int(num_threads), cores))


@contextlib.contextmanager
def torch_threads(n: int):
    """Run the body with ``torch.set_num_threads(n)``; restore the caller's count after.

    Restored also when the body raises. Inter-op threads are not touched
    (torch allows setting them only once per process, and a fit or predict
    runs no inter-op parallel work).
    """
    before = torch.get_num_threads()
    if n != before:
        torch.set_num_threads(n)
    try:
        yield n
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
