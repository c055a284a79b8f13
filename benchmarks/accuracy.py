"""Accuracy benchmark: skrnn's *default* estimators against classical baselines.

Real data sets that ship offline inside pip packages (aeon, sktime,
statsmodels, skrnn), each on its official train/test split. Every skrnn model
runs with its default hyperparameters (only ``random_state`` is set); the
baselines are computed in the same run.

Run::

    .venv/bin/python benchmarks/accuracy.py                 # everything
    .venv/bin/python benchmarks/accuracy.py --only OSULeaf  # one data set
    .venv/bin/python benchmarks/accuracy.py --seeds 3       # median over seeds

Needs the ``benchmarks`` extra (``pip install -e .[benchmarks]``: aeon,
sktime, statsmodels). Prints a table and writes
``benchmarks/results/accuracy.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np

import skrnn

RESULTS = Path(__file__).parent / "results"

# Published accuracies on the official splits (UCR archive / Bagnall et al.).
PUBLISHED = {
    "OSULeaf": {"1-NN DTW": 0.591, "ROCKET": 0.941},
    "ACSF1": {"1-NN DTW": 0.640, "ROCKET": 0.886},
}


# ----------------------------------------------------------------- data
def _to_sequences(X):
    """aeon layout (n_cases, n_channels, n_timepoints) -> skrnn layout."""
    if isinstance(X, np.ndarray):
        return np.ascontiguousarray(np.transpose(X, (0, 2, 1)))
    return [np.ascontiguousarray(np.asarray(x).T) for x in X]


def load_classification(name):
    if name == "PLAID":
        from sktime.datasets import load_plaid

        def split(s):
            X, y = load_plaid(split=s)
            return [np.asarray(x, dtype=float)[None] for x in X.iloc[:, 0]], np.asarray(y)

        (X, y), (Xt, yt) = split("train"), split("test")
    else:
        from aeon.datasets import load_classification as load

        X, y = load(name, split="train")
        Xt, yt = load(name, split="test")
    return X, np.asarray(y), Xt, np.asarray(yt)


def load_regression(name):
    if name == "Tecator":
        from sktime.datasets import load_tecator

        X, y = load_tecator(split="train", return_type="numpy3D")
        Xt, yt = load_tecator(split="test", return_type="numpy3D")
    else:
        from aeon.datasets import load_regression as load

        X, y = load(name, split="train")
        Xt, yt = load(name, split="test")
    return X, np.asarray(y, float), Xt, np.asarray(yt, float)


# ------------------------------------------------------------ baselines
def _pad(X, length):
    """Zero-pad unequal-length aeon cases to a common length (for MiniRocket)."""
    if isinstance(X, np.ndarray):
        return X
    out = np.zeros((len(X), X[0].shape[0], length))
    for i, x in enumerate(X):
        out[i, :, : min(length, x.shape[1])] = x[:, :length]
    return out


def classification_baselines(X, y, Xt):
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    length = max(x.shape[-1] for x in list(X) + list(Xt))
    yield "1-NN DTW", lambda: KNeighborsTimeSeriesClassifier(distance="dtw").fit(X, y).predict(Xt)
    yield "MiniRocket+ridge", lambda: (
        MiniRocketClassifier(random_state=0).fit(_pad(X, length), y).predict(_pad(Xt, length))
    )


def regression_baselines(X, y, Xt):
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    flat, flat_t = X.reshape(len(X), -1), Xt.reshape(len(Xt), -1)
    yield "train mean", lambda: np.full(len(Xt), y.mean())
    yield "ridge (flattened)", lambda: (
        make_pipeline(StandardScaler(), RidgeCV(np.logspace(-3, 3, 13))).fit(flat, y).predict(flat_t)
    )


# --------------------------------------------------------------- runner
def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _skrnn_models(task):
    if task == "classification":
        return {"GRUClassifier": skrnn.GRUClassifier, "LSTMClassifier": skrnn.LSTMClassifier}
    return {"GRURegressor": skrnn.GRURegressor, "LSTMRegressor": skrnn.LSTMRegressor}


def run_supervised(name, task, seeds):
    loader = load_classification if task == "classification" else load_regression
    X, y, Xt, yt = loader(name)

    def score(pred):
        if task == "classification":
            return float(np.mean(pred == yt))
        return float(np.sqrt(np.mean((pred - yt) ** 2)))

    rows = []
    baselines = classification_baselines if task == "classification" else regression_baselines
    for label, fn in baselines(X, y, Xt):
        pred, seconds = _timed(fn)
        rows.append({"model": label, "score": score(pred), "fit_s": seconds, "baseline": True})
    S, St = _to_sequences(X), _to_sequences(Xt)
    for label, Model in _skrnn_models(task).items():
        scores, times = [], []
        for seed in range(seeds):
            model, seconds = _timed(lambda: Model(random_state=seed).fit(S, y))
            scores.append(score(model.predict(St)))
            times.append(seconds)
        rows.append({
            "model": label,
            "score": float(np.median(scores)),
            "scores": scores,
            "fit_s": float(np.median(times)),
            "baseline": False,
            "epochs": int(model.n_iter_),
            "patch_size": int(model.patch_size_),
        })
    for label, value in PUBLISHED.get(name, {}).items():
        rows.append({"model": f"{label} (published)", "score": value, "fit_s": None, "baseline": True})
    return {
        "dataset": name,
        "task": task,
        "metric": "accuracy" if task == "classification" else "RMSE",
        "n_train": len(X),
        "n_test": len(Xt),
        "rows": rows,
    }


CLASSIFICATION = ["UnitTest", "PickupGestureWiimoteZ", "OSULeaf", "ACSF1", "PLAID"]
REGRESSION = ["CardanoSentiment", "Tecator"]


def _verdict(result):
    higher = result["metric"] == "accuracy"
    best_base = {r["model"]: r["score"] for r in result["rows"] if r["baseline"] and r["fit_s"] is not None}
    target = "1-NN DTW" if higher else "train mean"
    lines = []
    for r in result["rows"]:
        if r["baseline"] or target not in best_base:
            continue
        beats = r["score"] > best_base[target] if higher else r["score"] < best_base[target]
        lines.append(f"{r['model']} {'beats' if beats else 'does NOT beat'} {target}")
    return "; ".join(lines)


def print_table(results):
    print(f"\n{'data set':<24}{'model':<28}{'score':>9}{'fit s':>9}  notes")
    for res in results:
        for r in res["rows"]:
            fit = f"{r['fit_s']:.1f}" if r["fit_s"] is not None else "-"
            note = ""
            if "patch_size" in r:
                note = f"epochs {r['epochs']}, patch {r['patch_size']}"
                if len(r.get("scores", [])) > 1:
                    note += f", seeds {np.round(r['scores'], 3).tolist()}"
            print(f"{res['dataset'] + ' (' + res['metric'] + ')':<24}{r['model']:<28}"
                  f"{r['score']:>9.3f}{fit:>9}  {note}")
        print(f"{'':<24}-> {_verdict(res)}")


def machine():
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "skrnn": skrnn.__version__,
        "python": platform.python_version(),
    }


def main():
    parser = argparse.ArgumentParser(description="skrnn accuracy benchmark")
    parser.add_argument("--only", nargs="*", help="data set names to run")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per skrnn model (median)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    info = machine()
    print("machine:", ", ".join(f"{k}={v}" for k, v in info.items()))
    jobs = [(n, "classification") for n in CLASSIFICATION] + [(n, "regression") for n in REGRESSION]
    if args.only:
        jobs = [j for j in jobs if j[0] in args.only]
    results = []
    for name, task in jobs:
        res = run_supervised(name, task, args.seeds)
        results.append(res)
        print_table([res])
    print("\n=== summary")
    print_table(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "accuracy.json").write_text(json.dumps({"machine": info, "results": results}, indent=2))


if __name__ == "__main__":
    main()
