"""Would averaging the GRU and LSTM defaults beat choosing one? (issue 12, item 3)

When the selector's two cells tie within the validation noise it keeps the
cheaper one. The alternative measured here: refit both and average them
(class probabilities for classification, predictions for regression). Per
data set (the dev sets of ``benchmarks/accuracy.py``, same splits) and seed,
the script fits the default ``GRU*`` and ``LSTM*`` estimators
(``random_state=seed`` only) and scores each and their average on the test
set. The summary compares, per set, the seed means of

* the average, against the better default (hindsight: the test set picks it)
  and against GRU, the cell a tie keeps when the GRU is the cheaper;
* and says on how many sets the average beats both.

Run (from the repository root, one core; about 10 minutes for the sets below)::

    taskset -c 1 .venv/bin/python benchmarks/tie_ensemble.py --seeds 2 \\
        --only Covid3Month_disc GunPoint ItalyPowerDemand sunspots nile ...
    .venv/bin/python benchmarks/tie_ensemble.py --summary

Results: ``benchmarks/results/tie_ensemble.json`` (merged per set and seed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from accuracy import _matches, _no_network, _score, all_specs, loadable, small_specs, split

import skrnn

OUT = Path(__file__).parent / "results" / "tie_ensemble.json"
ESTIMATORS = {
    ("gru", "classification"): skrnn.GRUClassifier,
    ("lstm", "classification"): skrnn.LSTMClassifier,
    ("gru", "regression"): skrnn.GRURegressor,
    ("lstm", "regression"): skrnn.LSTMRegressor,
}


def run(spec, seed) -> dict:
    """Test scores of the two defaults and of their average, for one seed."""
    X, y, Xt, yt = split(spec)
    classification = spec.task == "classification"
    task = "classification" if classification else "regression"  # forecasting: windows
    outputs, seconds, classes = {}, {}, None
    for cell in ("gru", "lstm"):
        start = time.perf_counter()
        model = ESTIMATORS[cell, task](random_state=seed).fit(X, y)
        seconds[cell] = time.perf_counter() - start
        outputs[cell] = model.predict_proba(Xt) if classification else model.predict(Xt)
        classes = getattr(model, "classes_", None)
    outputs["average"] = (outputs["gru"] + outputs["lstm"]) / 2

    def predictions(output):  # probabilities -> labels
        return classes[np.argmax(output, axis=1)] if classification else output

    scores = {name: _score(spec.task, predictions(out), yt) for name, out in outputs.items()}
    return {"metric": "accuracy" if classification else "RMSE", "scores": scores,
            "fit_s": seconds}


def summary(results: dict) -> str:
    by_set = {}
    for key, r in results.items():
        by_set.setdefault(key.rsplit("/", 1)[0], []).append(r)
    lines = [f"{'data set':<26}{'metric':<9}{'GRU':>9}{'LSTM':>9}{'average':>9}"
             f"{'avg - better':>14}{'avg - GRU':>11}"]
    wins = 0
    gains = {"accuracy": [], "RMSE": []}
    for name, rows in by_set.items():
        metric = rows[0]["metric"]
        sign = 1 if metric == "accuracy" else -1
        mean = {k: float(np.mean([r["scores"][k] for r in rows])) for k in ("gru", "lstm", "average")}
        better = max(mean["gru"], mean["lstm"]) if sign > 0 else min(mean["gru"], mean["lstm"])
        vs_better = mean["average"] - better
        vs_gru = mean["average"] - mean["gru"]
        wins += sign * vs_better > 0
        # accuracy points, or relative RMSE change in % (negative: the average is better)
        gains[metric].append(100 * vs_gru if sign > 0 else 100 * vs_gru / mean["gru"])
        lines.append(f"{name:<26}{metric:<9}{mean['gru']:>9.4g}{mean['lstm']:>9.4g}"
                     f"{mean['average']:>9.4g}{vs_better:>+14.3g}{vs_gru:>+11.3g}")
    lines.append(f"\nthe average beats both defaults on {wins} of {len(by_set)} sets")
    for metric, values in gains.items():
        if values:
            unit = "accuracy points" if metric == "accuracy" else "% RMSE"
            lines.append(f"average - GRU, mean over the {len(values)} {metric} sets: "
                         f"{np.mean(values):+.2f} {unit}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", metavar="NAME", help="data sets to run")
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--summary", action="store_true")
    args = p.parse_args(argv)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    if args.summary:
        return print(summary(results))
    _no_network()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    specs, skipped = loadable([s for s in all_specs() if _matches(s, args.only)])
    specs += [s for s in small_specs(skipped) if _matches(s, args.only)]
    for spec in specs:
        for seed in range(args.seeds):
            results[f"{spec.name}/{seed}"] = run(spec, seed)
            print(spec.name, seed, results[f"{spec.name}/{seed}"]["scores"], flush=True)
            args.out.write_text(json.dumps(results, indent=1))
    print(summary(results))


if __name__ == "__main__":
    sys.exit(main())
