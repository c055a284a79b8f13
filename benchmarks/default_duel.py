"""Should a small budget still compare both defaults? (issue 12, the budget rule)

When the budget is too small to tune both cells, the selector tries only GRU
(the guidance: with little time, start with GRUs). This script measures the
alternative: validate both default estimators with the selector's own scheme
(same folds, scorer and noise) and let its decision rule pick one.

For each data set (the dev sets of ``benchmarks/accuracy.py``, same splits)
and each seed, the selector runs once per cell. Each run is restricted to one
cell (``search_space={"cell": [cell]}``) and does one trial, that cell's
default estimator, with no refit. The two default trials then go to
``skrnn.selection._decision.decide``, the rule the selector applies to its
trials. The test score of the chosen default is read from the default rows of
a ``benchmarks/selection.py`` results file (``--against``; same splits and
seeds, so it is the same fit). The summary compares it with the GRU
default's, which is what the budget rule keeps.

Run (from the repository root, one process per core; about 10 minutes per
core for the 20 acceptance sets)::

    OMP_NUM_THREADS=1 taskset -c 0 .venv/bin/python benchmarks/default_duel.py \\
        --seeds 2 --shard 0/2 --only ItalyPowerDemand GunPoint ...
    .venv/bin/python benchmarks/default_duel.py --summary

Results: ``benchmarks/results/default_duel.json`` (merged per set and seed).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
from accuracy import (_matches, _no_network, all_specs, loadable, locked_update, small_specs,
                      split)

import skrnn
from skrnn.selection._decision import decide
from skrnn.selection._records import DEFAULT_ATTR, record_from_trial

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "default_duel.json"
AGAINST = RESULTS / "selection_12t120_v7.json"


def run(spec, seed) -> dict:
    """The decision between the two validated defaults, for one seed."""
    X, y, _, _ = split(spec)
    records, recommendation = [], None
    for number, cell in enumerate(("gru", "lstm")):
        sel = skrnn.ArchitectureSelector(
            n_trials=1, refit=False, random_state=seed, search_space={"cell": [cell]}
        ).fit(X, y)
        # (the study also holds the warm start queued after the default, not run)
        (trial,) = [t for t in sel.study_.get_trials(deepcopy=False)
                    if t.user_attrs.get(DEFAULT_ATTR) == cell]
        records.append(replace(record_from_trial(trial), number=number))
        recommendation = recommendation or sel.recommendation_
    task = "classification" if spec.task == "classification" else "regression"
    decision = decide(records, None, task, recommendation)
    return {
        "cell": decision.cell,
        "tie": decision.tie,
        "validation": {r.cell: [r.score, r.score_se] for r in records},
        "reason": decision.reason,
    }


def _read(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def _test_scores(against: dict, name: str, seed: int) -> dict | None:
    """``{cell: test score}`` of the two defaults, from a selection.py results file."""
    out = {}
    for cell in ("gru", "lstm"):
        row = against["rows"].get(f"{name} | default {cell}")
        if row is None or seed not in row["seeds"]:
            return None
        out[cell] = row["scores"][row["seeds"].index(seed)]
    return out


def summary(results: dict, against: dict) -> str:
    lines = [f"{'data set':<28}{'seed':>5}  {'choice':<12}{'GRU test':>10}{'chosen test':>13}"
             f"{'change':>10}"]
    changes = {"accuracy": [], "RMSE": []}
    switched = 0
    for key, r in sorted(results.items()):
        name, seed = key.rsplit("/", 1)
        test = _test_scores(against, name, int(seed))
        if test is None:
            continue
        metric = against["sets"][name]["metric"]
        chosen = test[r["cell"]]
        # accuracy points, or relative RMSE change in % (negative: better)
        change = (100 * (chosen - test["gru"]) if metric == "accuracy"
                  else 100 * (chosen - test["gru"]) / test["gru"])
        changes[metric].append(change)
        switched += r["cell"] != "gru"
        choice = r["cell"] + ("" if not r["tie"] else " (tie)")
        lines.append(f"{name:<28}{seed:>5}  {choice:<12}{test['gru']:>10.4g}{chosen:>13.4g}"
                     f"{change:>+10.2f}")
    n = sum(len(v) for v in changes.values())
    lines.append(f"\nthe rule picks the LSTM default in {switched} of {n} (set, seed) runs")
    for metric, values in changes.items():
        if values:
            unit = "accuracy points" if metric == "accuracy" else "% RMSE (negative: better)"
            lines.append(f"chosen - GRU default, {metric}: mean {np.mean(values):+.2f}, "
                         f"worst {min(values) if metric == 'accuracy' else max(values):+.2f} "
                         f"{unit}, over {len(values)} runs")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", metavar="NAME", help="data sets to run")
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--shard", default="0/1", help="i/n: run every n-th (set, seed), from the i-th")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--against", type=Path, default=AGAINST,
                   help="selection.py results holding the defaults' test scores")
    p.add_argument("--summary", action="store_true")
    args = p.parse_args(argv)
    against = json.loads(args.against.read_text())
    if args.summary:
        return print(summary(_read(args.out), against))
    _no_network()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    specs, skipped = loadable([s for s in all_specs() if _matches(s, args.only)])
    specs += [s for s in small_specs(skipped) if _matches(s, args.only)]
    shard, n_shards = map(int, args.shard.split("/"))
    jobs = [(spec, seed) for spec in specs for seed in range(args.seeds)][shard::n_shards]
    for spec, seed in jobs:
        result = run(spec, seed)
        locked_update(args.out, lambda results: results.update({f"{spec.name}/{seed}": result}),
                      read=_read)
        print(spec.name, seed, result["cell"], result["validation"], flush=True)
    print(summary(_read(args.out), against))


if __name__ == "__main__":
    sys.exit(main())
