"""Regret benchmark of ``ArchitectureSelector`` (issue 12, item 6).

On the dev benchmark of ``benchmarks/accuracy.py`` (the same data sets,
splits, small-data variants and scores; imported from it), this script
measures the selector at several budgets against

* **the defaults**: ``GRU*`` and ``LSTM*`` with only ``random_state=seed``;
  the *better default* of a set is the one with the better mean test score;
* **an oracle**: a fixed grid of configurations per cell (``GRID`` below:
  ``hidden_size`` {16, 32, 64, 128} x ``lr`` {1e-3, 3e-3, 1e-2} x
  ``front_end`` {"conv", "fold"}, everything else default; 24 per cell, 48 per
  set), every one fitted on the training set and scored on the TEST set. The
  oracle is the grid configuration with the best mean test score over the
  seeds: a budget no honest selection can have (it looks at the test set).

Budgets (``BUDGETS``): ``ArchitectureSelector(n_trials=8 | 16 | 32,
random_state=seed)`` and the issue's acceptance setting ``n_trials=12,
timeout=120`` (key ``12t120``).

Per set and budget the summary reports the selector's test score, the better
default, the oracle and

* **regret** = oracle - selector, in accuracy points (x 100) for
  classification, in relative RMSE (``(selector - oracle) / oracle``, %) for
  regression and forecasting; negative when the selector beats the grid;
* **compute** = selector fit seconds (search + refit) / grid seconds (the sum
  of the fit times of the grid's configurations), both means over seeds;
* **meets** = selector >= better default - noise, where noise is the
  bootstrap std (``N_BOOT`` resamples of the test set, the same indices for
  every seed) of the seed-mean test score difference selector - better
  default. The seed std of that difference is stored too.

Summary lines: the median regret per budget, the share of sets meeting
"selector >= better default - noise" per budget, the median compute ratio.

Run (from the repository root, one core)::

    taskset -c 1 .venv/bin/python benchmarks/selection.py                  # everything, 3 seeds
    taskset -c 1 .venv/bin/python benchmarks/selection.py --only UnitTest --seeds 1 \\
        --budgets 8 --grid-limit 4                                          # smoke run
    taskset -c 1 .venv/bin/python benchmarks/selection.py --shard 0/2 &    # two processes,
    taskset -c 0 .venv/bin/python benchmarks/selection.py --shard 1/2 &    # one results file
    .venv/bin/python benchmarks/selection.py --list                         # the jobs, no fits
    .venv/bin/python benchmarks/selection.py --summary                      # summary of --out
    .venv/bin/python benchmarks/selection.py --rst                          # docs table of --out

A job is one (data set, entry) with all its seeds; an entry is a default, a
selector budget or one grid configuration. Results go to ``--out`` (default
``benchmarks/results/selection.json``), merged row by row under a file lock
(``accuracy.locked_update``), so shards and partial runs combine; rows already
in ``--out`` that hold every requested seed are skipped unless ``--rerun`` (so
``--seeds 1`` adds a one-seed grid next to two-seed selector rows). ``--grid-limit
N`` keeps the first N configurations of ``GRID`` (the order alternates the
cells, so N >= 2 has both): cheap smoke runs, not an oracle. Nothing is
downloaded (``accuracy._no_network``).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from itertools import product
from pathlib import Path

import numpy as np
from accuracy import (  # benchmarks/ is on sys.path when a script here runs
    SetInfo,
    Spec,
    _matches,
    _no_network,
    _score,
    all_specs,
    loadable,
    locked_update,
    set_info,
    small_specs,
    split,
)
from _perf import machine

import skrnn

RESULTS = Path(__file__).parent / "results"
DEFAULT_OUT = RESULTS / "selection.json"
N_BOOT = 500  # bootstrap resamples of the test set for the noise of a difference

#: budget key -> ArchitectureSelector keyword arguments (besides random_state)
BUDGETS = {
    "8": {"n_trials": 8},
    "16": {"n_trials": 16},
    "32": {"n_trials": 32},
    "12t120": {"n_trials": 12, "timeout": 120},  # the acceptance setting
}

#: The oracle grid, written once: per cell, every combination of these values,
#: everything else at its default. Ordered hidden_size, lr, front_end, cell
#: (innermost), so that a --grid-limit prefix alternates GRU and LSTM.
GRID_VALUES = {
    "hidden_size": (16, 32, 64, 128),
    "lr": (1e-3, 3e-3, 1e-2),
    "front_end": ("conv", "fold"),
}
CELLS = ("gru", "lstm")
GRID = [
    {"cell": cell, "hidden_size": h, "lr": lr, "front_end": fe}
    for h, lr, fe, cell in product(*GRID_VALUES.values(), CELLS)
]


def grid_label(config) -> str:
    return f"{config['cell']}/h{config['hidden_size']}/lr{config['lr']:g}/{config['front_end']}"


def _estimator(cell, task, **params):
    regress = task != "classification"
    cls = {("gru", False): skrnn.GRUClassifier, ("lstm", False): skrnn.LSTMClassifier,
           ("gru", True): skrnn.GRURegressor, ("lstm", True): skrnn.LSTMRegressor}
    return cls[cell, regress](**params)


# ================================================================== entries
@dataclass(frozen=True)
class Entry:
    """One thing fitted per seed: a default, a selector budget, a grid configuration."""

    kind: str  # "default" | "selector" | "grid"
    key: str  # cell ("gru"/"lstm"), budget key, or grid label

    @property
    def label(self) -> str:
        return f"{self.kind} {self.key}"

    def make(self, task, seed):
        if self.kind == "default":
            return _estimator(self.key, task, random_state=seed)
        if self.kind == "selector":
            return skrnn.ArchitectureSelector(**BUDGETS[self.key], random_state=seed)
        config = dict(next(c for c in GRID if grid_label(c) == self.key))
        return _estimator(config.pop("cell"), task, random_state=seed, **config)


def entries(budgets, grid) -> list[Entry]:
    return ([Entry("default", c) for c in CELLS] + [Entry("selector", b) for b in budgets]
            + [Entry("grid", grid_label(c)) for c in grid])


# =================================================================== records
@dataclass
class Row:
    """One (data set, entry) result, one value per seed."""

    dataset: str
    entry: str  # Entry.label, e.g. "default gru", "selector 8", "grid gru/h16/lr0.001/conv"
    kind: str
    seeds: list = field(default_factory=list)
    scores: list = field(default_factory=list)  # test accuracy / RMSE
    fit_s: list = field(default_factory=list)
    preds: list = field(default_factory=list)  # test predictions, for the bootstrap
    notes: list = field(default_factory=list)  # selector: the chosen architecture
    errors: list = field(default_factory=list)
    tag: str = ""

    @property
    def mean(self):
        return float(np.mean(self.scores)) if self.scores else None


def run_entry(spec: Spec, entry: Entry, seeds, data=None, tag="") -> Row:
    """Fit ``entry`` for each seed on ``data`` (default ``split(spec)``);
    a failing seed is recorded, not raised."""
    X, y, Xt, yt = split(spec) if data is None else data
    row = Row(spec.name, entry.label, entry.kind, tag=tag)
    for seed in seeds:
        try:
            start = time.perf_counter()
            model = entry.make(spec.task, seed).fit(X, y)
            seconds = time.perf_counter() - start
            pred = np.asarray(model.predict(Xt))
        except Exception as exc:  # noqa: BLE001 - a failed fit is a result
            row.errors.append(f"seed {seed}: {type(exc).__name__}: {exc}"[:300])
            traceback.print_exc()
            continue
        row.seeds.append(seed)
        row.scores.append(_score(spec.task, pred, yt))
        row.fit_s.append(seconds)
        row.preds.append(pred.tolist())
        if hasattr(model, "architecture_"):
            est = model.best_estimator_
            row.notes.append(f"{model.architecture_}/h{est.hidden_size}/lr{est.lr:g}/"
                             f"{est.front_end}")
    return row


# ================================================================= results
def _empty():
    return {"tag": "", "machine": {}, "grid": [], "sets": {}, "targets": {}, "rows": {},
            "skipped": {}}


def read_results(path: Path) -> dict:
    import json

    return json.loads(path.read_text()) if path.exists() else _empty()


def _key(dataset, entry):
    return f"{dataset} | {entry}"


def merge_into(path: Path, *, rows=(), sets=(), targets=None, skipped=None, tag=None, info=None,
               grid=None):
    """Merge rows / set infos / test targets into ``path`` under its lock;
    refresh the summary. The test targets are stored so that the noise (a
    bootstrap over the stored predictions) needs no data loading."""

    def update(results):
        if tag is not None:
            results["tag"] = tag
        if info is not None:
            results["machine"] = info
        if grid is not None:
            results["grid"] = grid
        results["skipped"].update(skipped or {})
        results["targets"].update({k: np.asarray(v).tolist() for k, v in (targets or {}).items()})
        for s in sets:
            results["sets"][s.name] = asdict(s)
        for r in rows:
            results["rows"][_key(r.dataset, r.entry)] = asdict(r)
        results["summary"] = summary(results)

    locked_update(path, update, read=read_results)


# ================================================================= regret
@dataclass
class Cell:
    """One (data set, budget) line of the report."""

    dataset: str
    metric: str  # "accuracy" | "RMSE"
    budget: str
    selector: float  # mean test score over seeds
    better_default: str  # "default gru" / "default lstm"
    default: float
    oracle_config: str  # "" when the run had no grid (--grid-limit 0)
    oracle: float | None
    regret: float | None  # accuracy points / relative RMSE %; None without a grid
    compute: float | None  # selector seconds / grid seconds
    noise: float  # bootstrap std of the seed-mean difference selector - better default
    seed_std: float | None  # seed std of that difference (>= 2 common seeds)
    meets: bool  # selector >= better default - noise (higher-is-better sense)
    grid_size: int
    seeds: int
    architectures: str = ""


def _higher(metric):
    return metric == "accuracy"


def _best(rows, higher):
    rows = [r for r in rows if r.scores]
    if not rows:
        return None
    return (max if higher else min)(rows, key=lambda r: r.mean)


def regret(metric, oracle, selector) -> float:
    """Oracle - selector: accuracy points, or relative RMSE in %."""
    if _higher(metric):
        return 100.0 * (oracle - selector)
    return 100.0 * (selector - oracle) / oracle


def _boot_noise(task, yt, a: Row, b: Row, seeds, n_boot=N_BOOT, rng_seed=0):
    """Bootstrap std and seed std of mean_seeds(score a - score b) on common seeds."""
    yt = np.asarray(yt)
    pa = [np.asarray(a.preds[a.seeds.index(s)]) for s in seeds]
    pb = [np.asarray(b.preds[b.seeds.index(s)]) for s in seeds]
    rng = np.random.default_rng(rng_seed)
    diffs = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(yt), len(yt))
        diffs.append(np.mean([_score(task, x[idx], yt[idx]) - _score(task, z[idx], yt[idx])
                              for x, z in zip(pa, pb)]))
    per_seed = [_score(task, x, yt) - _score(task, z, yt) for x, z in zip(pa, pb)]
    return float(np.std(diffs)), (float(np.std(per_seed, ddof=1)) if len(seeds) > 1 else None)


def set_cells(info: SetInfo, rows: list[Row], yt) -> list[Cell]:
    """The report lines of one set (one per selector budget with results)."""
    higher = _higher(info.metric)
    task = info.task
    default = _best([r for r in rows if r.kind == "default"], higher)
    grid = [r for r in rows if r.kind == "grid" and r.scores]
    oracle = _best(grid, higher)  # None without a grid: no regret, only the default bar
    if default is None:
        return []
    grid_s = float(sum(np.mean(r.fit_s) for r in grid))
    out = []
    for sel in (r for r in rows if r.kind == "selector" and r.scores):
        common = [s for s in sel.seeds if s in default.seeds]
        noise, seed_std = _boot_noise(task, yt, sel, default, common) if common else (0.0, None)
        sign = 1 if higher else -1
        diff = sign * (sel.mean - default.mean)
        out.append(Cell(
            info.name, info.metric, sel.entry.split(" ", 1)[1], sel.mean, default.entry,
            default.mean,
            oracle.entry.split(" ", 1)[1] if oracle else "", oracle.mean if oracle else None,
            regret(info.metric, oracle.mean, sel.mean) if oracle else None,
            float(np.mean(sel.fit_s)) / grid_s if grid_s > 0 else None,
            noise, seed_std, bool(diff >= -noise), len(grid), len(sel.scores),
            ", ".join(sorted(set(sel.notes)))))
    return out


def cells_of(results) -> list[Cell]:
    """All report lines of a results dict (its stored test targets give the noise)."""
    infos = {k: SetInfo(**v) for k, v in results["sets"].items()}
    rows = [Row(**r) for r in results["rows"].values()]
    out = []
    for name, info in infos.items():
        set_rows = [r for r in rows if r.dataset == name]
        if any(r.kind == "selector" for r in set_rows) and name in results["targets"]:
            out += set_cells(info, set_rows, results["targets"][name])
    return out


def summary(results) -> dict:
    """Median regret and compute ratio, share meeting the default bar, per budget."""
    try:
        cells = cells_of(results)
    except Exception as exc:  # noqa: BLE001 - a summary must not break a merge
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    out = {}
    for budget in BUDGETS:
        mine = [c for c in cells if c.budget == budget]
        if not mine:
            continue
        compute = [c.compute for c in mine if c.compute is not None]
        out[budget] = {
            "sets": len(mine),
            "median regret": _median([c.regret for c in mine if c.regret is not None]),
            "median regret classification (points)": _median(
                [c.regret for c in mine if c.metric == "accuracy" and c.regret is not None]),
            "median regret regression (% RMSE)": _median(
                [c.regret for c in mine if c.metric == "RMSE" and c.regret is not None]),
            "meets default - noise": [sum(c.meets for c in mine), len(mine)],
            "misses": [c.dataset for c in mine if not c.meets],
            "median compute": _median(compute),
        }
    return out


def _median(values):
    return float(np.median(values)) if values else None


def _fmt(v, spec=".3f"):
    return "-" if v is None else format(v, spec)


HEADER = ["data set", "budget", "selector", "better default", "oracle (grid)", "regret",
          "compute", "noise", "meets"]


def _line(c: Cell) -> list[str]:
    unit = " pts" if c.metric == "accuracy" else " %"
    return [f"{c.dataset} ({c.metric})", c.budget, _fmt(c.selector),
            f"{_fmt(c.default)} ({c.better_default.split()[1]})",
            f"{_fmt(c.oracle)} ({c.oracle_config})" if c.oracle is not None else "-",
            "-" if c.regret is None else f"{c.regret:+.1f}{unit}",
            _fmt(c.compute, ".2f"), _fmt(c.noise), "yes" if c.meets else "NO"]


def print_summary(results):
    cells = cells_of(results)
    widths = [34, 8, 9, 20, 38, 11, 8, 7, 6]
    print("".join(f"{h:<{w}}" for h, w in zip(HEADER, widths)))
    for c in cells:
        print("".join(f"{v:<{w}}" for v, w in zip(_line(c), widths)))
    s = summary(results)
    print("\n=== summary" + (f" ({results['tag']})" if results.get("tag") else ""))
    for budget, v in s.items():
        if budget == "error":
            print("summary failed:", v)
            continue
        ok, n = v["meets default - noise"]
        print(f"  budget {budget:<7} median regret {_fmt(v['median regret'], '+.2f')} "
              f"(classification {_fmt(v['median regret classification (points)'], '+.1f')} pts, "
              f"regression {_fmt(v['median regret regression (% RMSE)'], '+.1f')} %), "
              f"meets default - noise {ok}/{n}, median compute "
              f"{_fmt(v['median compute'], '.2f')}"
              + (f"; misses: {', '.join(v['misses'])}" if v["misses"] else ""))


def rst_table(results) -> str:
    """The report as a reStructuredText list-table (for the docs)."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - " + HEADER[0], *(f"     - {h}" for h in HEADER[1:])]
    for c in cells_of(results):
        v = _line(c)
        lines += ["   * - " + v[0], *(f"     - {x}" for x in v[1:])]
    return "\n".join(line.rstrip() for line in lines)


# =================================================================== runner
def build_jobs(specs, budgets, grid) -> list[tuple[Spec, Entry]]:
    return [(spec, e) for spec in specs for e in entries(budgets, grid)]


def main(argv=None):
    p = argparse.ArgumentParser(description="skrnn ArchitectureSelector regret benchmark",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="data sets to run (a base name also selects its small-data variants)")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..n-1 per entry (default 3)")
    p.add_argument("--budgets", nargs="+", choices=list(BUDGETS), default=list(BUDGETS),
                   help="selector budgets (default: all)")
    p.add_argument("--grid-limit", type=int, default=None, metavar="N",
                   help="only the first N grid configurations (smoke runs; 0: no oracle, only the default bar)")
    p.add_argument("--no-small", action="store_true", help="skip the small-data variants")
    p.add_argument("--shard", default="0/1", help="i/n: run every n-th job, from the i-th")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON (merged into)")
    p.add_argument("--tag", default="", help="label stored with the results")
    p.add_argument("--rerun", action="store_true", help="refit rows already in --out")
    p.add_argument("--list", action="store_true", help="print the jobs and exit")
    p.add_argument("--summary", action="store_true", help="print the report of --out")
    p.add_argument("--rst", action="store_true", help="print --out as an rst list-table")
    args = p.parse_args(argv)

    if args.rst:
        return print(rst_table(read_results(args.out)))
    if args.summary:
        return print_summary(read_results(args.out))

    _no_network()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    shard, n_shards = map(int, args.shard.split("/"))
    grid = GRID if args.grid_limit is None else GRID[: args.grid_limit]
    specs, skipped = loadable([s for s in all_specs() if _matches(s, args.only)])
    if not args.no_small:
        specs += [s for s in small_specs(skipped) if _matches(s, args.only)]
    jobs = build_jobs(specs, args.budgets, grid)
    mine = jobs[shard::n_shards]
    if args.list:
        for spec, e in mine:
            print(f"{spec.name:<30}{e.label}")
        return print(f"{len(mine)} of {len(jobs)} jobs ({len(specs)} data sets, "
                     f"grid of {len(grid)})")

    info = machine()
    print("machine:", ", ".join(f"{k}={v}" for k, v in info.items()))
    print(f"{len(mine)} of {len(jobs)} jobs, {len(specs)} data sets, {args.seeds} seed(s), "
          f"grid of {len(grid)}")
    merge_into(args.out, sets=[set_info(s) for s in specs], skipped=skipped, tag=args.tag,
               info=info, grid=[grid_label(c) for c in grid],
               targets={s.name: split(s)[3] for s in specs})
    seeds = list(range(args.seeds))
    cached = read_results(args.out)["rows"]
    for i, (spec, entry) in enumerate(mine, 1):
        old = cached.get(_key(spec.name, entry.label))
        if old and not args.rerun and not old["errors"] and set(seeds) <= set(old["seeds"]):
            print(f"[{i}/{len(mine)}] {spec.name} | {entry.label}: cached")
            continue
        start = time.perf_counter()
        row = run_entry(spec, entry, seeds, tag=args.tag)
        merge_into(args.out, rows=[row])
        print(f"[{i}/{len(mine)}] {spec.name} | {entry.label}: "
              f"{_fmt(row.mean)} ({time.perf_counter() - start:.0f} s)"
              + (f"  {'; '.join(sorted(set(row.notes)))}" if row.notes else "")
              + (f"  FAILED: {row.errors}" if row.errors else ""), flush=True)
    print()
    print_summary(read_results(args.out))


if __name__ == "__main__":
    sys.exit(main())
