"""Threads: GRU vs LSTM at the default thread policy, fits next to a busy process, warm-up.

Issue 13. The measurements, each comparison side by side in one process,
interleaved, as medians (``_perf.interleaved``):

* **cells**: fit time of ``GRURegressor`` / ``LSTMRegressor`` through the
  public estimators (hidden 64, batch 128, 8 features, T = 50 and 200,
  2 epochs) at the default ``num_threads="auto"``, and at 1 and 2 threads
  for reference; the GRU/LSTM ratio of each. Target: <= 0.8 at the default.
* **busy**: the same fits (3 epochs) with a busy-loop subprocess running
  (pinned to core 0 with ``--pin``, else free to move) against the same fit
  with no such process, for the default policy and for a forced
  ``num_threads=2`` (what torch's default did before). Also a fully default
  estimator (batch ``"auto"``). Target: busy/idle <= 1.5 at the default.
* **bound**: the cells' fits at torch's default thread count, 2 and 10
  epochs, and the GRU fit again with FastGRU's compiled recurrence replaced
  by a no-op (outputs zero-filled): the GRU/LSTM ratio a recurrence that
  costs nothing would give through the estimators.
* **warm-up**: first and second fit in a fresh Python process.
* **selector**: ``ArchitectureSelector`` trials per minute at ``n_jobs`` 1,
  2 and -1 (worker processes, each at ``cores // n_jobs`` threads), for
  ``n_trials=8`` on a small problem (120 sequences of 20 steps, 4
  features, hidden 8-16, 3 epochs, no pruning), ``refit=False``: per minute
  of search (``report_.settings.search_seconds``, worker start-up included)
  and per minute of the whole ``fit`` (the cost probe on top). Target:
  n_jobs=2 at >= 1.6x n_jobs=1 on an idle 2-core machine.

Run::

    python benchmarks/threads.py            # about 5 minutes on 2 cores
    python benchmarks/threads.py --quick    # T=50 only, fewer repeats
    python benchmarks/threads.py --only selector --repeats 1
    python benchmarks/threads.py --only bound   # the zero-cost-recurrence bound

Prints the tables and writes ``benchmarks/results/threads.json``. On a
shared machine "idle" means "without *our* busy process": say how loaded
the machine was (the load average is recorded before and after).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _perf import interleaved, machine  # noqa: E402

from skrnn import GRURegressor, LSTMRegressor  # noqa: E402

CELLS = {"gru": GRURegressor, "lstm": LSTMRegressor}
HIDDEN, BATCH, FEATURES, N = 64, 128, 8, 256
BUSY_LOOP = "import os, sys\nif len(sys.argv) > 1: os.sched_setaffinity(0, {int(sys.argv[1])})\nwhile True: pass\n"


def data(T: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, T, FEATURES)).astype(np.float32)
    return X, X[:, -5:, 0].sum(axis=1)


def fitter(cell: str, T: int, epochs: int, num_threads="auto", batch_size=BATCH):
    X, y = data(T)
    record = {}

    def fit():
        est = CELLS[cell](hidden_size=HIDDEN, batch_size=batch_size, max_epochs=epochs,
                          min_steps=0, random_state=0, num_threads=num_threads).fit(X, y)
        record["n_threads_"] = est.n_threads_

    return fit, record


def bench_cells(Ts, repeats: int) -> list[dict]:
    rows = []
    for T in Ts:
        for policy in ("auto", 1, 2):
            fits = {cell: fitter(cell, T, 2, policy) for cell in CELLS}
            times = interleaved({c: f for c, (f, _) in fits.items()}, repeats)
            row = {"T": T, "num_threads": policy,
                   "gru_s": times["gru"], "lstm_s": times["lstm"],
                   "gru_lstm": times["gru"] / times["lstm"],
                   "n_threads_": {c: r["n_threads_"] for c, (_, r) in fits.items()}}
            rows.append(row)
            print(f"  cells T={T} num_threads={policy!s:>4}: GRU {row['gru_s']:.3f}s "
                  f"LSTM {row['lstm_s']:.3f}s GRU/LSTM {row['gru_lstm']:.2f} "
                  f"(resolved {row['n_threads_']})", flush=True)
    return rows


class Busy:
    """A busy-loop subprocess for the duration of a ``with`` block."""

    def __init__(self, core: int | None):
        self.core = core

    def __enter__(self):
        args = [] if self.core is None else [str(self.core)]
        self.proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP, *args])
        time.sleep(0.3)  # let it start spinning
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def bench_busy(T: int, repeats: int, pin: bool) -> list[dict]:
    rows = []
    core = 0 if pin else None
    cases = [("gru", "auto", BATCH), ("lstm", "auto", BATCH), ("gru", 2, BATCH),
             ("lstm", 2, BATCH), ("gru", "auto", "auto"), ("lstm", "auto", "auto")]
    for cell, policy, batch in cases:
        fit, record = fitter(cell, T, 3, policy, batch)
        fit()  # warm-up
        wall = {"idle": [], "busy": []}
        cpu = {"idle": [], "busy": []}
        threads = {"idle": set(), "busy": set()}

        def timed(state):
            t0, c0 = time.perf_counter(), time.process_time()
            fit()
            wall[state].append(time.perf_counter() - t0)
            cpu[state].append(time.process_time() - c0)
            threads[state].add(record["n_threads_"])

        for _ in range(repeats):
            timed("idle")
            with Busy(core):
                timed("busy")
        row = {"cell": cell, "T": T, "num_threads": policy, "batch_size": batch,
               "pinned": pin, "idle_s": float(np.median(wall["idle"])),
               "busy_s": float(np.median(wall["busy"])),
               # CPU seconds our process burnt: threads spinning against the
               # busy core show here, a fair share of a loaded machine does not
               "idle_cpu_s": float(np.median(cpu["idle"])),
               "busy_cpu_s": float(np.median(cpu["busy"])),
               "n_threads_": {k: sorted(v) for k, v in threads.items()}}
        row["busy_idle"] = row["busy_s"] / row["idle_s"]
        row["busy_idle_cpu"] = row["busy_cpu_s"] / row["idle_cpu_s"]
        rows.append(row)
        print(f"  busy {cell} T={T} num_threads={policy!s:>4} batch={batch!s:>4}: "
              f"idle {row['idle_s']:.3f}s busy {row['busy_s']:.3f}s "
              f"ratio {row['busy_idle']:.2f} (CPU time ratio {row['busy_idle_cpu']:.2f}, "
              f"threads {row['n_threads_']})", flush=True)
    return rows


WARMUP_SCRIPT = """
import time, json, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import numpy as np
from skrnn import {cls}
t1 = time.perf_counter()
rng = np.random.default_rng(0)
X = rng.normal(size=(256, 50, 8)).astype(np.float32); y = X[:, -5:, 0].sum(1)
times = []
for _ in range(2):
    s = time.perf_counter()
    {cls}(hidden_size=64, batch_size=128, max_epochs=2, min_steps=0, random_state=0).fit(X, y)
    times.append(time.perf_counter() - s)
print(json.dumps({{"import_s": t1 - t0, "first_fit_s": times[0], "second_fit_s": times[1]}}))
"""


def bench_warmup(repeats: int) -> list[dict]:
    rows = []
    for cell, cls in CELLS.items():
        runs = []
        for _ in range(repeats):
            out = subprocess.run([sys.executable, "-c", WARMUP_SCRIPT.format(cls=cls.__name__)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        row = {"cell": cell, **{k: float(np.median([r[k] for r in runs])) for k in runs[0]}}
        row["first_over_second"] = row["first_fit_s"] / row["second_fit_s"]
        rows.append(row)
        print(f"  warm-up {cell}: import {row['import_s']:.2f}s, first fit "
              f"{row['first_fit_s']:.3f}s, second {row['second_fit_s']:.3f}s "
              f"({row['first_over_second']:.2f}x)", flush=True)
    return rows


def bench_selector(repeats: int) -> list[dict]:
    import optuna

    from skrnn import ArchitectureSelector

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 20, 4)).astype(np.float32)
    y = X[:, -3:, 0].sum(axis=1)
    rows = []
    for n_jobs in (1, 2, -1):
        search, wall, threads = [], [], set()
        for _ in range(repeats):
            sel = ArchitectureSelector(
                n_trials=8, n_jobs=n_jobs, max_epochs=3, refit=False,
                pruner=optuna.pruners.NopPruner(),
                search_space={"hidden_size": [8, 16], "num_layers": 1, "dropout": 0.0,
                              "batch_size": 32},
            )
            t0 = time.perf_counter()
            sel.fit(X, y)
            wall.append(time.perf_counter() - t0)
            search.append(sel.report_.settings.search_seconds)
            threads |= {r.num_threads for r in sel.report_.records}
        row = {"n_jobs": n_jobs, "workers": sel.n_jobs_, "num_threads": sorted(threads),
               "n_trials": len(sel.study_.trials),
               "search_s": float(np.median(search)), "fit_s": float(np.median(wall))}
        row["trials_per_min_search"] = 60 * row["n_trials"] / row["search_s"]
        row["trials_per_min_fit"] = 60 * row["n_trials"] / row["fit_s"]
        row["loadavg"] = os.getloadavg()
        rows.append(row)
        print(f"  selector n_jobs={n_jobs:>2} ({row['workers']} worker(s), threads "
              f"{row['num_threads']}): search {row['search_s']:.1f}s = "
              f"{row['trials_per_min_search']:.1f} trials/min, fit {row['fit_s']:.1f}s = "
              f"{row['trials_per_min_fit']:.1f} trials/min (load {row['loadavg'][0]:.2f})",
              flush=True)
    base = rows[0]["trials_per_min_search"]
    for row in rows:
        row["speedup_search"] = row["trials_per_min_search"] / base
        row["speedup_fit"] = row["trials_per_min_fit"] / rows[0]["trials_per_min_fit"]
    print("  selector speed-up over n_jobs=1: " + ", ".join(
        f"n_jobs={r['n_jobs']}: {r['speedup_search']:.2f}x search, {r['speedup_fit']:.2f}x fit"
        for r in rows), flush=True)
    return rows


class _NoRecurrence:
    """Stands in for FastGRU's compiled kernel: zero-fills its outputs, computes nothing."""

    @staticmethod
    def forward(*args, lo=None, hi=None):
        for out in args[6:]:  # out, scratch (and hprev, save when training)
            out[...] = 0

    @staticmethod
    def backward(*args, lo=None, hi=None):
        args[7][...] = 0  # dG_x
        args[8][...] = 0  # dG_h


@contextlib.contextmanager
def zero_cost_recurrence():
    """FastGRU runs :class:`_NoRecurrence` in place of its kernel inside the block."""
    import skrnn._gru._fast_gru as fast_gru

    kernel, fast_gru._kernel = fast_gru._kernel, _NoRecurrence
    try:
        yield
    finally:
        fast_gru._kernel = kernel


def bench_bound(Ts, repeats: int, epochs_list=(2, 10)) -> list[dict]:
    import torch

    threads = torch.get_num_threads()
    rows = []
    for T in Ts:
        for epochs in epochs_list:
            fits = {cell: fitter(cell, T, epochs, threads)[0] for cell in CELLS}
            times = interleaved(fits, repeats)
            with zero_cost_recurrence():
                no_recurrence = interleaved({"gru": fits["gru"]}, repeats)["gru"]
            row = {"T": T, "epochs": epochs, "num_threads": threads, "gru_s": times["gru"],
                   "lstm_s": times["lstm"], "gru_no_recurrence_s": no_recurrence,
                   "gru_lstm": times["gru"] / times["lstm"],
                   "bound_gru_lstm": no_recurrence / times["lstm"]}
            rows.append(row)
            print(f"  bound T={T} epochs={epochs} threads={threads}: GRU/LSTM "
                  f"{row['gru_lstm']:.2f}, with a zero-cost recurrence "
                  f"{row['bound_gru_lstm']:.2f}", flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="T=50 only, fewer repeats")
    parser.add_argument("--repeats", type=int, help="rounds per comparison (default 5, quick 3)")
    parser.add_argument("--pin", action="store_true", help="pin the busy process to core 0")
    parser.add_argument("--only", choices=("cells", "bound", "busy", "warmup", "selector"),
                        action="append")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "threads.json"))
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    repeats = args.repeats or (3 if args.quick else 5)
    Ts = (50,) if args.quick else (50, 200)
    only = set(args.only or ("cells", "bound", "busy", "warmup", "selector"))
    info = machine()
    info["loadavg_before"] = os.getloadavg()
    print(f"machine: {info['cpu']}, {info['cores']} cores (affinity {info['affinity']}), "
          f"torch {info['torch']} default threads {info['torch_threads']}, "
          f"load average {info['loadavg_before']}", flush=True)
    result = {"machine": info, "config": {"hidden": HIDDEN, "batch": BATCH,
                                          "features": FEATURES, "n_samples": N}}
    if "cells" in only:
        result["cells"] = bench_cells(Ts, repeats)
    if "bound" in only:
        result["bound"] = bench_bound(Ts, repeats)
    if "busy" in only:
        result["busy"] = bench_busy(50, repeats, args.pin)
    if "warmup" in only:
        result["warmup"] = bench_warmup(repeats)
    if "selector" in only:
        result["selector"] = bench_selector(1 if args.quick else min(repeats, 2))
    info["loadavg_after"] = os.getloadavg()
    print(f"load average after: {info['loadavg_after']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.only and out.exists():  # keep the sections not run this time
        kept = json.loads(out.read_text())
        result = {**kept, **{k: v for k, v in result.items() if k != "machine"},
                  "machine_" + "_".join(sorted(only)): info}
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
