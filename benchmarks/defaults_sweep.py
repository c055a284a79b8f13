"""The evidence behind skrnn's defaults: candidate settings on real data.

Each candidate is a set of overrides of the current defaults; every data set
of ``accuracy.py`` is fitted with every candidate for several seeds (median
reported). Scores are accuracy (classification, higher is better) and RMSE
relative to the train-mean RMSE (regression, lower is better).

Run::

    .venv/bin/python benchmarks/defaults_sweep.py --cells lstm --seeds 2
    .venv/bin/python benchmarks/defaults_sweep.py --only OSULeaf --candidates default dropout

Writes ``benchmarks/results/defaults_sweep.json`` (appending per run). Runs
recorded before ``front_end`` existed are labelled ``fold`` / ``fold+...``:
their defaults were the folding front end.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import torch

import skrnn
from accuracy import (  # benchmarks/ is the working directory of these scripts
    CLASSIFICATION,
    REGRESSION,
    RESULTS,
    _to_sequences,
    load_classification,
    load_regression,
    machine,
)

CANDIDATES = {
    "default": {},
    "fold": {"front_end": "fold"},
    "conv_patch_1": {"patch_size": 1},
    "conv_lr_1e-3": {"lr": 1e-3},
    "conv_epochs_200": {"max_epochs": 200},
    "conv_last": {"pooling": "last"},
    "conv_es": {"early_stopping": True, "patience": 20},
    "conv_patch_50": {"patch_size": "target:50"},
    "conv_patch_200": {"patch_size": "target:200"},
    "early_stopping": {"early_stopping": True, "patience": 20},
    "dropout": {"dropout": 0.2},
    "bidirectional": {"bidirectional": True},
    "hidden_128": {"hidden_size": 128},
    "lr_1e-3": {"lr": 1e-3},
    "epochs_200": {"max_epochs": 200},
    "weight_decay": {"optimizer": "adamw", "weight_decay": 1e-2},
    "last_pooling": {"pooling": "last"},
    "scaling_sequence": {"scaling": "sequence"},
    "patch_50": {"patch_size": "target:50"},
    "patch_25": {"patch_size": "target:25"},
}


def _params(overrides, lengths):
    params = dict(overrides)
    if str(params.get("patch_size", "")).startswith("target:"):
        target = int(params["patch_size"].split(":")[1])
        params["patch_size"] = max(1, int(round(float(np.median(lengths)) / target)))
    return params


def evaluate(name, task, cell, overrides, seeds):
    loader = load_classification if task == "classification" else load_regression
    X, y, Xt, yt = loader(name)
    S, St = _to_sequences(X), _to_sequences(Xt)
    lengths = [len(s) for s in S]
    Model = skrnn.RecurrentClassifier if task == "classification" else skrnn.RecurrentRegressor
    scores, times = [], []
    for seed in range(seeds):
        start = time.perf_counter()
        model = Model(cell=cell, random_state=seed, **_params(overrides, lengths)).fit(S, y)
        times.append(time.perf_counter() - start)
        pred = model.predict(St)
        if task == "classification":
            scores.append(float(np.mean(pred == yt)))
        else:
            rmse = np.sqrt(np.mean((pred - yt) ** 2))
            scores.append(float(rmse / np.sqrt(np.mean((y.mean() - yt) ** 2))))
    return {"score": float(np.median(scores)), "scores": scores, "fit_s": float(np.median(times))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--candidates", nargs="*", default=list(CANDIDATES))
    parser.add_argument("--cells", nargs="*", default=["lstm", "gru"])
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)  # comparable timings; pin the process to one core too
    jobs = [(n, "classification") for n in CLASSIFICATION] + [(n, "regression") for n in REGRESSION]
    if args.only:
        jobs = [j for j in jobs if j[0] in args.only]
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "defaults_sweep.json"
    log = json.loads(path.read_text()) if path.exists() else {"machine": machine(), "runs": []}
    for cell in args.cells:
        for cand in args.candidates:
            for name, task in jobs:
                res = evaluate(name, task, cell, CANDIDATES[cand], args.seeds)
                res.update(dataset=name, task=task, cell=cell, candidate=cand)
                # re-read before writing: sweeps of other cells may run at the same time
                log = json.loads(path.read_text()) if path.exists() else log
                log["runs"].append(res)
                path.write_text(json.dumps(log, indent=1))
                print(f"{cell:5}{cand:16}{name:24}{res['score']:8.3f}  {res['fit_s']:7.1f}s  "
                      f"{np.round(res['scores'], 3).tolist()}", flush=True)


if __name__ == "__main__":
    main()
