"""Accuracy benchmark: skrnn's *default* estimators against classical baselines.

Real data sets that ship offline inside pip packages (aeon, sktime,
statsmodels, skrnn), each on its official train/test split (forecasting: the
last years of the series). Every skrnn model runs with its default
hyperparameters (only ``random_state`` is set); the baselines are computed in
the same run. Forecasting also reports ``scaling="sequence"``, the documented
setting for trending series, next to the defaults.

Run::

    .venv/bin/python benchmarks/accuracy.py                 # everything
    .venv/bin/python benchmarks/accuracy.py --only OSULeaf  # one data set
    .venv/bin/python benchmarks/accuracy.py --seeds 3       # median over seeds
    .venv/bin/python benchmarks/accuracy.py --selector-only # only ArchitectureSelector rows
    .venv/bin/python benchmarks/accuracy.py --only OSULeaf --merge  # update one entry

Timings are for one thread (``torch.set_num_threads(1)``); pin the process to
one core (``taskset -c 1``) for steady numbers.

Needs the ``benchmarks`` extra (``pip install -e .[benchmarks]``: aeon,
sktime, statsmodels). Prints a table and writes
``benchmarks/results/accuracy.json``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from _perf import machine  # benchmarks/ is on sys.path when a script here runs

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


#: The selector "with a small budget": a handful of trials, bounded in time.
SELECTOR = "ArchitectureSelector(n_trials=8)"


def _selector(seed):
    return skrnn.ArchitectureSelector(n_trials=8, timeout=120, random_state=seed)


def _skrnn_models(task, selector_only=False):
    """Row label -> ``make(seed)`` for the skrnn models of ``task``."""
    if task == "classification":
        models = {"GRUClassifier": skrnn.GRUClassifier, "LSTMClassifier": skrnn.LSTMClassifier}
    else:
        models = {"GRURegressor": skrnn.GRURegressor, "LSTMRegressor": skrnn.LSTMRegressor}
    models = {label: (lambda seed, M=M: M(random_state=seed)) for label, M in models.items()}
    models[SELECTOR] = _selector
    return {SELECTOR: _selector} if selector_only else models


def _fit_seeds(label, make, X, y, Xt, score, seeds):
    """Fit ``make(seed)`` for each seed; the row holds the median score and fit time."""
    scores, times, epochs, chosen = [], [], [], []
    for seed in range(seeds):
        model, seconds = _timed(lambda: make(seed).fit(X, y))
        scores.append(score(model.predict(Xt)))
        times.append(seconds)
        # a selector's fitted network is its refitted winner
        network = getattr(model, "best_estimator_", model)
        epochs.append(int(network.n_iter_))
        if hasattr(model, "architecture_"):
            chosen.append(model.architecture_)
    row = {
        "model": label,
        "score": float(np.median(scores)),
        "scores": scores,
        "fit_s": float(np.median(times)),
        "baseline": False,
        "epochs": int(np.median(epochs)),
        "patch_size": int(network.patch_size_),
        "front_end": network.front_end,
    }
    if chosen:
        row["architecture"] = chosen
    return row


def run_supervised(name, task, seeds, selector_only=False):
    loader = load_classification if task == "classification" else load_regression
    X, y, Xt, yt = loader(name)

    def score(pred):
        if task == "classification":
            return float(np.mean(pred == yt))
        return float(np.sqrt(np.mean((pred - yt) ** 2)))

    rows = []
    baselines = classification_baselines if task == "classification" else regression_baselines
    for label, fn in [] if selector_only else baselines(X, y, Xt):
        pred, seconds = _timed(fn)
        rows.append({"model": label, "score": score(pred), "fit_s": seconds, "baseline": True})
    S, St = _to_sequences(X), _to_sequences(Xt)
    for label, make in _skrnn_models(task, selector_only).items():
        rows.append(_fit_seeds(label, make, S, y, St, score, seeds))
    for label, value in {} if selector_only else PUBLISHED.get(name, {}).items():
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
FORECASTING = ["airline", "sunspots"]


# ---------------------------------------------------------- forecasting
# name -> (window, season, test steps, SARIMA order, seasonal order)
_FORECAST = {
    # monthly passengers 1949-1960: forecast 1959-1960 one month ahead
    "airline": (12, 12, 24, (0, 1, 1), (0, 1, 1, 12)),
    # yearly sunspot numbers 1700-2008: forecast 1959-2008 one year ahead;
    # the ~11-year cycle is irregular, so an AR(3) is the classical model
    "sunspots": (22, 11, 50, (3, 0, 0), (0, 0, 0, 0)),
}


def load_series(name):
    if name == "airline":
        from skrnn.datasets import load_airline

        return np.asarray(load_airline().data, float)
    import statsmodels.api as sm

    return sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(float)


def _sarima_one_step(series, n_test, order, seasonal):
    """Fit on the training part, then one-step-ahead forecasts with fixed parameters."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    # airline: the classical multiplicative model, on the log scale
    log = seasonal[-1] > 0
    values = np.log(series) if log else series
    trend = "n" if order[1] or seasonal[1] else "c"
    kw = dict(order=order, seasonal_order=seasonal, trend=trend)
    fit = SARIMAX(values[:-n_test], **kw).fit(disp=False)
    full = fit.apply(values)
    pred = full.get_prediction(start=len(values) - n_test).predicted_mean
    return np.exp(pred) if log else np.asarray(pred)


def run_forecasting(name, seeds, selector_only=False):
    from skrnn.preprocessing import make_windows

    window, season, n_test, order, seasonal = _FORECAST[name]
    series = load_series(name)
    X, y = make_windows(series, window=window)  # X[i] = window steps, y[i] = the next one
    X, Xt, y, yt = X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]

    def score(pred):
        return float(np.sqrt(np.mean((np.asarray(pred) - yt) ** 2)))

    rows = []
    baselines = {
        "last value": lambda: series[-n_test - 1 : -1],
        f"seasonal naive ({season})": lambda: series[-n_test - season : -season],
        "SARIMA" if seasonal[-1] else "AR(3)": lambda: _sarima_one_step(
            series, n_test, order, seasonal
        ),
    }
    for label, fn in {} if selector_only else baselines.items():
        pred, seconds = _timed(fn)
        rows.append({"model": label, "score": score(pred), "fit_s": seconds, "baseline": True,
                     "naive": label != "SARIMA" and not label.startswith("AR(")})
    models = {
        "GRURegressor": lambda seed: skrnn.GRURegressor(random_state=seed),
        "LSTMRegressor": lambda seed: skrnn.LSTMRegressor(random_state=seed),
        "GRURegressor(scaling='sequence')": lambda seed: skrnn.GRURegressor(
            scaling="sequence", random_state=seed),
        "LSTMRegressor(scaling='sequence')": lambda seed: skrnn.LSTMRegressor(
            scaling="sequence", random_state=seed),
        SELECTOR: _selector,
    }
    if selector_only:
        models = {SELECTOR: _selector}
    for label, make in models.items():
        rows.append(_fit_seeds(label, make, X, y, Xt, score, seeds))
    return {"dataset": name, "task": "forecasting", "metric": "RMSE", "n_train": len(X),
            "n_test": n_test, "rows": rows}


def _with_rows_of(result, path):
    """``result``'s rows merged into the stored entry of the same data set."""
    stored = {r["dataset"]: r for r in json.loads(path.read_text())["results"]}
    if result["dataset"] not in stored:
        raise SystemExit(f"--selector-only: {result['dataset']} has no entry in {path}; "
                         "run it without --selector-only first")
    entry = stored[result["dataset"]]
    new = {r["model"]: r for r in result["rows"]}
    entry["rows"] = [r for r in entry["rows"] if r["model"] not in new] + list(new.values())
    return entry


def _verdict(result):
    """Which skrnn rows beat the reference baselines: 1-NN DTW (classification),
    the train mean (regression), the naive and the best classical forecaster."""
    higher = result["metric"] == "accuracy"
    base = {r["model"]: r["score"] for r in result["rows"] if r["baseline"] and r["fit_s"] is not None}
    if result["task"] == "forecasting":
        naive_rows = {r["model"] for r in result["rows"] if r.get("naive")}
        naive = min((m for m in base if m in naive_rows), key=base.get)
        targets = sorted({naive, min(base, key=base.get)}, key=base.get, reverse=True)
    else:
        targets = ["1-NN DTW" if higher else "train mean"]
    lines = []
    for r in result["rows"]:
        if r["baseline"]:
            continue
        for target in (t for t in targets if t in base):
            beats = r["score"] > base[target] if higher else r["score"] < base[target]
            lines.append(f"{r['model']} {'beats' if beats else 'does NOT beat'} {target}")
    return "; ".join(lines)


def _note(row):
    """What a skrnn row adds to its score: epochs, patch size, choice, seeds."""
    if "patch_size" not in row:
        return ""
    note = f"epochs {row['epochs']}, patch {row['patch_size']}"
    if "architecture" in row:
        note += f", chose {'/'.join(row['architecture'])}"
    if len(row.get("scores", [])) > 1:
        note += ", seeds " + " / ".join(f"{v:.3f}" for v in row["scores"])
    return note


def print_table(results):
    print(f"\n{'data set':<34}{'model':<36}{'score':>9}{'fit s':>9}  notes")
    for res in results:
        for r in res["rows"]:
            fit = f"{r['fit_s']:.1f}" if r["fit_s"] is not None else "-"
            note = _note(r)
            print(f"{res['dataset'] + ' (' + res['metric'] + ')':<34}{r['model']:<36}"
                  f"{r['score']:>9.3f}{fit:>9}  {note}")
        print(f"{'':<34}-> {_verdict(res)}")


def rst_table(results):
    """The results as a reStructuredText list-table (for docs/user_guide/benchmarks.rst)."""
    lines = [".. list-table::", "   :header-rows: 1", "", "   * - data set", "     - model",
             "     - score", "     - fit time (s)", "     - notes"]
    for res in results:
        first = True
        for r in res["rows"]:
            note = _note(r)
            fit = f"{r['fit_s']:.1f}" if r["fit_s"] is not None else "--"
            name = f"{res['dataset']} ({res['metric']})" if first else ""
            lines += [f"   * - {name}", f"     - {r['model']}", f"     - {r['score']:.3f}",
                      f"     - {fit}", f"     - {note}"]
            first = False
    return "\n".join(line.rstrip() for line in lines)


def main():
    parser = argparse.ArgumentParser(description="skrnn accuracy benchmark")
    parser.add_argument("--only", nargs="*", help="data set names to run")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per skrnn model (median)")
    parser.add_argument("--merge", action="store_true",
                        help="replace only these data sets' entries in accuracy.json")
    parser.add_argument("--rst", action="store_true",
                        help="only print accuracy.json as a reStructuredText table")
    parser.add_argument("--selector-only", action="store_true",
                        help="run only the ArchitectureSelector rows and put them into the "
                             "existing entries of accuracy.json")
    args = parser.parse_args()
    args.merge = args.merge or args.selector_only  # the other data sets' entries stay
    if args.rst:
        print(rst_table(json.loads((RESULTS / "accuracy.json").read_text())["results"]))
        return
    warnings.filterwarnings("ignore", category=UserWarning)
    import torch

    torch.set_num_threads(1)
    info = machine()
    print("machine:", ", ".join(f"{k}={v}" for k, v in info.items()))
    jobs = [(n, "classification") for n in CLASSIFICATION] + [(n, "regression") for n in REGRESSION]
    jobs += [(n, "forecasting") for n in FORECASTING]
    if args.only:
        jobs = [j for j in jobs if j[0] in args.only]
    results = []
    for name, task in jobs:
        if task == "forecasting":
            res = run_forecasting(name, args.seeds, args.selector_only)
        else:
            res = run_supervised(name, task, args.seeds, args.selector_only)
        res["seeds"] = args.seeds
        if args.selector_only:
            res = _with_rows_of(res, RESULTS / "accuracy.json")
        results.append(res)
        print_table([res])
    path = RESULTS / "accuracy.json"
    if args.merge and path.exists():  # keep the other data sets' entries, in harness order
        done = {r["dataset"] for r in results}
        kept = [r for r in json.loads(path.read_text())["results"] if r["dataset"] not in done]
        order = CLASSIFICATION + REGRESSION + FORECASTING
        results = sorted(kept + results, key=lambda r: order.index(r["dataset"]))
    print("\n=== summary")
    print_table(results)
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps({"machine": info, "results": results}, indent=2))


if __name__ == "__main__":
    main()
