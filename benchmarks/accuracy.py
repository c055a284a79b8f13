"""Dev accuracy benchmark: skrnn's *default* estimators on a wide set of tasks.

The project's rule is that defaults are chosen on a WIDE benchmark, never
tuned to one data set. This script runs every skrnn estimator with its
default hyperparameters (only ``random_state=seed`` is set) on:

* every classification and regression data set that ships inside the aeon
  and sktime wheels, on its official train/test split (univariate,
  multivariate and unequal-length sets; ``SETS`` below);
* small-data variants of the larger classification sets: the training set
  subsampled to 24 and 48 sequences (stratified, seeded, every class kept at
  least twice), the test set kept, named like ``OSULeaf[n=24]``;
* the synthetic long-memory tasks of ``skrnn.datasets`` (fixed seed);
* univariate forecasting series shipped with statsmodels, sktime and skrnn,
  one step ahead on the last ``test`` steps (``_FORECAST`` below).

Per skrnn row and seed it records the test score, the training score (can
the model separate the training set?), the fit wall time and a *chance*
flag. A seed is at chance when

* classification: test accuracy <= majority-class share of the test set + 0.02;
* regression / forecasting: test RMSE >= 0.98 x the RMSE of predicting the
  training mean of the target.

Baselines run in the same process: 1-NN DTW and MiniRocket (aeon) for
classification, the train mean and ridge on the flattened series for
regression, last value, seasonal naive and a classical model (SARIMA / AR /
ARIMA, statsmodels) for forecasting. Baselines are deterministic and some
are slow, so their rows are cached in the results JSON and reused unless
``--rerun-baselines`` is given. 1-NN DTW falls back to a Sakoe-Chiba window
of 10 % (row "1-NN DTW (window 10%)") when the full DTW would fill more than
``DTW_BUDGET`` cells (``n_train * n_test * T^2`` for equal lengths).

Run (from the repository root, one core)::

    taskset -c 1 .venv/bin/python benchmarks/accuracy.py                     # everything, 5 seeds
    taskset -c 1 .venv/bin/python benchmarks/accuracy.py --seeds 1 --only UnitTest GunPoint
    taskset -c 1 .venv/bin/python benchmarks/accuracy.py --shard 0/2 &      # two processes,
    taskset -c 0 .venv/bin/python benchmarks/accuracy.py --shard 1/2 &      # one results file
    .venv/bin/python benchmarks/accuracy.py --list                           # the jobs, no fits
    .venv/bin/python benchmarks/accuracy.py --summary                        # summary of --out
    .venv/bin/python benchmarks/accuracy.py --rst                            # docs table of --out
    .venv/bin/python benchmarks/accuracy.py --compare before.json after.json
    .venv/bin/python benchmarks/accuracy.py --selector-only  # = --models selector

Results go to ``--out`` (default ``benchmarks/results/dev.json``). Every job
merges its row into that file under a file lock (re-read, merge, atomic
write), so shards and partial runs combine into one file; a row is keyed by
(data set, model). Nothing is downloaded: the script disables network
connections before loading data, and a set that cannot be loaded offline is
skipped and reported. Needs the ``benchmarks`` extra (aeon, sktime,
statsmodels).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import socket
import sys
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
from _perf import machine  # benchmarks/ is on sys.path when a script here runs

import skrnn

RESULTS = Path(__file__).parent / "results"
DEFAULT_OUT = RESULTS / "dev.json"

#: n_train * n_test * T^2 above which full 1-NN DTW is replaced by a 10 % window
#: (aeon's DTW does about 2.5e8 cells/s on one core here: 5e10 is ~3 minutes).
DTW_BUDGET = 5e10
CHANCE_MARGIN = 0.02  # classification: accuracy <= majority share + this
CHANCE_RMSE = 0.98  # regression: RMSE >= this x RMSE of the train mean
SMALL_SIZES = (24, 48)  # small-data variants: training sequences kept
SMALL_MIN_TRAIN = 100  # ... of the classification sets with at least this many


# ================================================================ data sets
@dataclass(frozen=True)
class Spec:
    """One benchmark data set: where it comes from and how it is split."""

    name: str
    task: str  # "classification" | "regression" | "forecasting"
    group: str  # "official" | "small" | "synthetic" | "forecasting"
    source: str  # loader key (see _load_official / _FORECAST)
    n_small: int | None = None  # small-data variant: training size


# Classification / regression sets shipped in the aeon and sktime wheels
# (aeon/datasets/data, sktime/datasets/data); PLAID and Tecator only in sktime.
CLASSIFICATION = ["ACSF1", "ArrowHead", "BasicMotions", "Covid3Month_disc", "GunPoint",
                  "ItalyPowerDemand", "JapaneseVowels", "OSULeaf", "PickupGestureWiimoteZ",
                  "PLAID", "UnitTest"]
REGRESSION = ["CardanoSentiment", "Covid3Month", "Tecator"]
SYNTHETIC = {  # name -> (task, generator kwargs); 1000 train + 500 test, seed 0
    "AddingProblem[T=100]": ("regression", {"n_timesteps": 100}),
    "DelayedRecall[T=50]": ("classification", {"n_timesteps": 50}),
    "DelayedRecall[T=200]": ("classification", {"n_timesteps": 200}),
}
SYNTHETIC_SIZES = (1000, 500)

# Forecasting: one step ahead on the last `test` steps, the model refitted on
# nothing after the split (classical models: parameters fitted on the training
# part, then filtered through the test part).
# name -> (window, season or None, test steps, ARIMA order, seasonal order, log scale)
_FORECAST = {
    "airline": (12, 12, 24, (0, 1, 1), (0, 1, 1, 12), True),  # monthly 1949-60, "airline model"
    "sunspots": (22, 11, 50, (3, 0, 0), (0, 0, 0, 0), False),  # yearly 1700-2008, ~11-y cycle
    "lynx": (20, 10, 20, (2, 0, 0), (0, 0, 0, 0), True),  # yearly 1821-1934, ~10-y cycle
    "nile": (10, None, 20, (0, 1, 1), (0, 0, 0, 0), False),  # yearly flow 1871-1970, local level
    "shampoo": (6, 12, 12, (1, 1, 0), (0, 0, 0, 0), False),  # monthly, 3 years only
    "co2": (24, 12, 60, (0, 1, 1), (0, 1, 1, 12), False),  # Mauna Loa, weekly -> monthly mean
    "elnino": (24, 12, 60, (2, 0, 0), (0, 1, 1, 12), False),  # monthly SST 1950-2010
    "unemp": (12, 4, 20, (2, 0, 0), (0, 0, 0, 0), False),  # US unemployment, quarterly (macrodata)
    "pbs": (24, 12, 24, (0, 1, 1), (0, 1, 1, 12), False),  # PBS scripts, monthly 1991-2008
    # pbs up to its last sale (2005-04): the 38 zero months after it are the
    # product's discontinuation, where the last value is exact and no
    # forecast of an intermittent count series can beat it
    "pbs[active]": (24, 12, 24, (0, 1, 1), (0, 1, 1, 12), False),
    "uschange": (8, 4, 20, (2, 0, 0), (0, 0, 0, 0), False),  # US consumption change, quarterly
}

# Published accuracies on the official splits (UCR archive / Bagnall et al.).
PUBLISHED = {
    "OSULeaf": {"1-NN DTW": 0.591, "ROCKET": 0.941},
    "ACSF1": {"1-NN DTW": 0.640, "ROCKET": 0.886},
}


def all_specs() -> list[Spec]:
    specs = [Spec(n, "classification", "official", n) for n in CLASSIFICATION]
    specs += [Spec(n, "regression", "official", n) for n in REGRESSION]
    specs += [Spec(n, task, "synthetic", n) for n, (task, _) in SYNTHETIC.items()]
    specs += [Spec(n, "forecasting", "forecasting", n) for n in _FORECAST]
    return specs


def small_specs(skipped: dict) -> list[Spec]:
    """Small-data variants of the classification sets with >= SMALL_MIN_TRAIN cases."""
    out = []
    for name in CLASSIFICATION:
        if name in skipped:
            continue
        n_train = len(load(Spec(name, "classification", "official", name)).y)
        if n_train >= SMALL_MIN_TRAIN:
            out += [Spec(f"{name}[n={k}]", "classification", "small", name, k)
                    for k in SMALL_SIZES if k < n_train]
    return out


@dataclass
class Data:
    """A supervised split in aeon's layout (n_cases, n_channels, n_timepoints),
    a list of (n_channels, T_i) arrays when the lengths differ."""

    X: object
    y: np.ndarray
    Xt: object
    yt: np.ndarray


def _no_network():
    """Make any network connection fail: the benchmark must run offline."""

    def refuse(*args, **kwargs):
        raise OSError("network access disabled by benchmarks/accuracy.py")

    socket.socket.connect = refuse
    socket.create_connection = refuse


def _load_official(name, task) -> Data:
    if name == "PLAID":
        from sktime.datasets import load_plaid

        def split(s):
            X, y = load_plaid(split=s)
            return [np.asarray(x, dtype=float)[None] for x in X.iloc[:, 0]], np.asarray(y)

        (X, y), (Xt, yt) = split("train"), split("test")
    elif name == "Tecator":
        from sktime.datasets import load_tecator

        X, y = load_tecator(split="train", return_type="numpy3D")
        Xt, yt = load_tecator(split="test", return_type="numpy3D")
    else:
        from aeon.datasets import load_classification, load_regression

        loader = load_classification if task == "classification" else load_regression
        X, y = loader(name, split="train")
        Xt, yt = loader(name, split="test")
    if task != "classification":
        y, yt = np.asarray(y, float), np.asarray(yt, float)
    return Data(X, np.asarray(y), Xt, np.asarray(yt))


def _load_synthetic(name) -> Data:
    from skrnn.datasets import make_adding_problem, make_delayed_recall

    task, kwargs = SYNTHETIC[name]
    make = make_adding_problem if task == "regression" else make_delayed_recall
    n_train, n_test = SYNTHETIC_SIZES
    X, y = make(n_samples=n_train + n_test, random_state=0, **kwargs)
    X = np.ascontiguousarray(np.transpose(X, (0, 2, 1)))  # -> aeon layout
    return Data(X[:n_train], y[:n_train], X[n_train:], y[n_train:])


def stratified_subsample(y, n, seed=0) -> np.ndarray:
    """Indices of ``n`` training cases: every class at least twice, the rest
    allotted in proportion to the class shares (largest deficit first)."""
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    if n < 2 * len(classes):
        raise ValueError(f"n={n} cannot keep {len(classes)} classes twice")
    quota = np.minimum(2, counts)
    while quota.sum() < n:
        deficit = np.where(quota < counts, n * counts / counts.sum() - quota, -np.inf)
        quota[int(np.argmax(deficit))] += 1
    picks = [rng.choice(np.flatnonzero(y == c), q, replace=False) for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(picks))


@lru_cache(maxsize=None)
def load(spec: Spec) -> Data:
    if spec.group == "synthetic":
        return _load_synthetic(spec.name)
    data = _load_official(spec.source, spec.task)
    if spec.n_small is not None:
        idx = stratified_subsample(data.y, spec.n_small)
        X = data.X[idx] if isinstance(data.X, np.ndarray) else [data.X[i] for i in idx]
        data = Data(X, data.y[idx], data.Xt, data.yt)
    return data


@lru_cache(maxsize=None)
def load_series(name) -> np.ndarray:
    import statsmodels.api as sm

    if name.endswith("[active]"):
        series = load_series(name.removesuffix("[active]"))
        return series[: np.flatnonzero(series)[-1] + 1]

    if name == "airline":
        from skrnn.datasets import load_airline

        return np.asarray(load_airline().data, float)
    if name in ("lynx", "shampoo", "pbs"):
        from sktime.datasets import load_lynx, load_PBS_dataset, load_shampoo_sales

        loader = {"lynx": load_lynx, "shampoo": load_shampoo_sales, "pbs": load_PBS_dataset}
        return loader[name]().to_numpy(float)
    if name == "uschange":
        from sktime.datasets import load_uschange

        return load_uschange()[0].to_numpy(float)
    if name == "co2":
        weekly = sm.datasets.co2.load_pandas().data["co2"]
        return weekly.resample("MS").mean().interpolate().to_numpy(float)
    if name == "elnino":
        return sm.datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy(float).ravel()
    column = {"sunspots": ("sunspots", "SUNACTIVITY"), "nile": ("nile", "volume"),
              "unemp": ("macrodata", "unemp")}[name]
    return getattr(sm.datasets, column[0]).load_pandas().data[column[1]].to_numpy(float)


def forecast_data(name) -> tuple[Data, np.ndarray]:
    """Windows of the series (X[i] = window steps, y[i] = the next one), split
    so that the last ``test`` targets are the test set; also the series."""
    from skrnn.preprocessing import make_windows

    window, _, n_test, *_ = _FORECAST[name]
    series = load_series(name)
    X, y = make_windows(series, window=window)
    return Data(X[:-n_test], y[:-n_test], X[-n_test:], y[-n_test:]), series


def _to_sequences(X):
    """aeon layout (n_cases, n_channels, n_timepoints) -> skrnn layout."""
    if isinstance(X, np.ndarray):
        return np.ascontiguousarray(np.transpose(X, (0, 2, 1)))
    return [np.ascontiguousarray(np.asarray(x).T) for x in X]


def _lengths(X):
    return [x.shape[-1] for x in X]


def _pad(X, length):
    """Zero-pad unequal-length aeon cases to a common length."""
    if isinstance(X, np.ndarray):
        return X
    out = np.zeros((len(X), X[0].shape[0], length))
    for i, x in enumerate(X):
        out[i, :, : min(length, x.shape[1])] = x[:, :length]
    return out


# =================================================================== records
@dataclass
class SetInfo:
    """What a data set is: sizes, shape, the chance levels."""

    name: str
    task: str
    group: str
    metric: str  # "accuracy" (higher is better) | "RMSE"
    n_train: int
    n_test: int
    n_channels: int
    min_length: int
    max_length: int
    n_classes: int | None = None
    chance: float | None = None  # majority share (classification) / train-mean RMSE


@dataclass
class Row:
    """One (data set, model) result. Baselines have one score, skrnn rows one per seed."""

    dataset: str
    model: str
    kind: str  # "baseline" | "skrnn" | "published"
    scores: list = field(default_factory=list)
    train_scores: list = field(default_factory=list)
    fit_s: list = field(default_factory=list)
    chance: list = field(default_factory=list)  # per seed: test score at chance level
    epochs: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # per failed seed / baseline: the exception
    note: str = ""
    tag: str = ""

    @property
    def mean(self):
        return float(np.mean(self.scores)) if self.scores else None

    @property
    def std(self):
        return float(np.std(self.scores)) if self.scores else None

    def worst(self, higher):
        if not self.scores:
            return None
        return float(min(self.scores) if higher else max(self.scores))

    @property
    def median_fit(self):
        return float(np.median(self.fit_s)) if self.fit_s else None


def split(spec: Spec) -> tuple:
    """``(X, y, Xt, yt)`` of a set in skrnn's layout (forecasting: the windows)."""
    if spec.task == "forecasting":
        data = forecast_data(spec.name)[0]
        return data.X, data.y, data.Xt, data.yt
    data = load(spec)
    return _to_sequences(data.X), data.y, _to_sequences(data.Xt), data.yt


def set_info(spec: Spec, data: Data | None = None) -> SetInfo:
    """Sizes and chance levels of ``spec`` (of ``data`` in aeon's layout if given)."""
    if data is None:
        data = forecast_data(spec.name)[0] if spec.task == "forecasting" else load(spec)
    lengths = _lengths(data.X) + _lengths(data.Xt) if spec.task != "forecasting" else [
        data.X.shape[1]]
    channels = 1 if spec.task == "forecasting" else data.X[0].shape[0]
    info = SetInfo(spec.name, spec.task, spec.group,
                   "accuracy" if spec.task == "classification" else "RMSE",
                   len(data.y), len(data.yt), channels, min(lengths), max(lengths))
    if spec.task == "classification":
        _, counts = np.unique(data.yt, return_counts=True)
        info.n_classes = int(len(np.unique(data.y)))
        info.chance = float(counts.max() / counts.sum())
    else:
        info.chance = _rmse(np.full(len(data.yt), data.y.mean()), data.yt)
    return info


def _rmse(pred, y):
    return float(np.sqrt(np.mean((np.asarray(pred, float) - y) ** 2)))


def _score(task, pred, y):
    return float(np.mean(np.asarray(pred) == y)) if task == "classification" else _rmse(pred, y)


def _at_chance(info: SetInfo, score):
    if info.metric == "accuracy":
        return bool(score <= info.chance + CHANCE_MARGIN)
    return bool(score >= CHANCE_RMSE * info.chance)


# ================================================================= baselines
def _dtw_cost(data):
    """DTW cells of 1-NN on the test set: sum over (train, test) pairs of T_i * T_j."""
    return float(sum(_lengths(data.X))) * float(sum(_lengths(data.Xt)))


def _dtw(data, window=None):
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    params = {} if window is None else {"window": window}
    knn = KNeighborsTimeSeriesClassifier(distance="dtw", distance_params=params)
    return knn.fit(data.X, data.y).predict(data.Xt)


def classification_baselines(data) -> dict[str, Callable]:
    from aeon.classification.convolution_based import MiniRocketClassifier

    length = max(_lengths(data.X) + _lengths(data.Xt))
    dtw = ("1-NN DTW", lambda: _dtw(data)) if _dtw_cost(data) <= DTW_BUDGET else (
        "1-NN DTW (window 10%)", lambda: _dtw(data, 0.1))
    return {
        dtw[0]: dtw[1],
        "MiniRocket": lambda: MiniRocketClassifier(random_state=0)
        .fit(_pad(data.X, length), data.y).predict(_pad(data.Xt, length)),
    }


def regression_baselines(data) -> dict[str, Callable]:
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    length = max(_lengths(data.X) + _lengths(data.Xt))
    flat = _pad(data.X, length).reshape(len(data.X), -1)
    flat_t = _pad(data.Xt, length).reshape(len(data.Xt), -1)
    return {
        "train mean": lambda: np.full(len(data.yt), data.y.mean()),
        "ridge (flattened)": lambda: make_pipeline(
            StandardScaler(), RidgeCV(np.logspace(-3, 3, 13))).fit(flat, data.y).predict(flat_t),
    }


def _classical_label(name):
    _, _, _, order, seasonal, log = _FORECAST[name]
    label = f"SARIMA{order}{seasonal}" if seasonal[-1] else (
        f"AR({order[0]})" if order[1:] == (0, 0) else f"ARIMA{order}")
    return label + (" (log)" if log else "")


def _classical_one_step(name, series):
    """Fit on the training part, then one-step-ahead forecasts with fixed parameters."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    _, _, n_test, order, seasonal, log = _FORECAST[name]
    values = np.log(series) if log else series
    trend = "n" if order[1] or seasonal[1] else "c"
    fit = SARIMAX(values[:-n_test], order=order, seasonal_order=seasonal,
                  trend=trend).fit(disp=False)
    pred = fit.apply(values).get_prediction(start=len(values) - n_test).predicted_mean
    return np.exp(pred) if log else np.asarray(pred)


def forecasting_baselines(name, series) -> dict[str, Callable]:
    _, season, n_test, *_ = _FORECAST[name]
    out = {"last value": lambda: series[-n_test - 1 : -1]}
    if season:
        out[f"seasonal naive ({season})"] = lambda: series[-n_test - season : -season]
    out[_classical_label(name)] = lambda: _classical_one_step(name, series)
    return out


def baselines(spec: Spec) -> dict[str, Callable]:
    if spec.task == "forecasting":
        return forecasting_baselines(spec.name, forecast_data(spec.name)[1])
    data = load(spec)
    return (classification_baselines if spec.task == "classification"
            else regression_baselines)(data)


def baseline_labels(spec: Spec) -> list[str]:
    """The baseline rows of a set, without building them (cheap)."""
    if spec.task == "forecasting":
        season = _FORECAST[spec.name][1]
        return ["last value"] + ([f"seasonal naive ({season})"] if season else []) + [
            _classical_label(spec.name)]
    if spec.task == "regression":
        return ["train mean", "ridge (flattened)"]
    dtw = "1-NN DTW" if _dtw_cost(load(spec)) <= DTW_BUDGET else "1-NN DTW (window 10%)"
    return [dtw, "MiniRocket"]


# ============================================================== skrnn models
#: --models key -> (row label, tasks, constructor of seed); "default" rows
#: are the acceptance rows, the others opt-in or forecasting-only extras.
MODELS = {
    "gru": ("GRUClassifier", "classification", lambda s: skrnn.GRUClassifier(random_state=s)),
    "lstm": ("LSTMClassifier", "classification", lambda s: skrnn.LSTMClassifier(random_state=s)),
    "gru-reg": ("GRURegressor", "regression forecasting",
                lambda s: skrnn.GRURegressor(random_state=s)),
    "lstm-reg": ("LSTMRegressor", "regression forecasting",
                 lambda s: skrnn.LSTMRegressor(random_state=s)),
    # the documented setting for trending series
    "gru-seq": ("GRURegressor(scaling='sequence')", "forecasting",
                lambda s: skrnn.GRURegressor(scaling="sequence", random_state=s)),
    "lstm-seq": ("LSTMRegressor(scaling='sequence')", "forecasting",
                 lambda s: skrnn.LSTMRegressor(scaling="sequence", random_state=s)),
    # per-window anchoring forced on every series, without and with the highway
    "gru-last": ("GRURegressor(scaling='last', highway_window=0)", "forecasting",
                 lambda s: skrnn.GRURegressor(scaling="last", highway_window=0, random_state=s)),
    "lstm-last": ("LSTMRegressor(scaling='last', highway_window=0)", "forecasting",
                  lambda s: skrnn.LSTMRegressor(scaling="last", highway_window=0, random_state=s)),
    "gru-last-hw": ("GRURegressor(scaling='last')", "forecasting",
                    lambda s: skrnn.GRURegressor(scaling="last", random_state=s)),
    "lstm-last-hw": ("LSTMRegressor(scaling='last')", "forecasting",
                     lambda s: skrnn.LSTMRegressor(scaling="last", random_state=s)),
    # the selector "with a small budget": a handful of trials, bounded in time
    "selector": ("ArchitectureSelector(n_trials=8)", "classification regression forecasting",
                 lambda s: skrnn.ArchitectureSelector(n_trials=8, timeout=120, random_state=s)),
}
DEFAULT_MODELS = ["gru", "lstm", "gru-reg", "lstm-reg", "gru-seq", "lstm-seq"]
DEFAULT_LABELS = {"GRUClassifier", "LSTMClassifier", "GRURegressor", "LSTMRegressor"}


def fit_seeds(spec: Spec, info: SetInfo, label, make, seeds, tag) -> Row:
    """Fit ``make(seed)`` for each seed; a failing seed is recorded, not raised."""
    X, y, Xt, yt = split(spec)
    row = Row(spec.name, label, "skrnn", tag=tag)
    notes = []
    for seed in range(seeds):
        try:
            start = time.perf_counter()
            model = make(seed).fit(X, y)
            seconds = time.perf_counter() - start
            score = _score(spec.task, model.predict(Xt), yt)
            train = _score(spec.task, model.predict(X), y)
        except Exception as exc:  # noqa: BLE001 - a failed fit is a result
            row.errors.append(f"seed {seed}: {type(exc).__name__}: {exc}"[:300])
            traceback.print_exc()
            continue
        row.scores.append(score)
        row.train_scores.append(train)
        row.fit_s.append(seconds)
        row.chance.append(_at_chance(info, score))
        network = getattr(model, "best_estimator_", model)  # a selector's refitted winner
        row.epochs.append(int(network.n_iter_))
        if hasattr(model, "architecture_"):
            notes.append("/".join(model.architecture_))
        elif not notes:
            notes.append(f"patch {network.patch_size_}, {network.front_end}")
    row.note = "; ".join(notes)
    return row


def run_baseline(spec: Spec, info: SetInfo, label, tag) -> Row:
    row = Row(spec.name, label, "baseline", tag=tag)
    y = forecast_data(spec.name)[0].yt if spec.task == "forecasting" else load(spec).yt
    try:
        start = time.perf_counter()
        pred = baselines(spec)[label]()
        row.fit_s.append(time.perf_counter() - start)
        row.scores.append(_score(spec.task, pred, y))
        row.chance.append(_at_chance(info, row.scores[0]))
    except Exception as exc:  # noqa: BLE001
        row.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        traceback.print_exc()
    if label.startswith("1-NN DTW ("):
        row.note = f"full DTW skipped: {_dtw_cost(load(spec)):.1e} cells > {DTW_BUDGET:.0e}"
    return row


# ============================================================ results file
def _key(dataset, model):
    return f"{dataset} | {model}"


def read_results(path: Path) -> dict:
    if not path.exists():
        return {"tag": "", "machine": {}, "sets": {}, "rows": {}, "skipped": {}}
    return json.loads(path.read_text())


def rows_of(results) -> list[Row]:
    return [Row(**r) for r in results["rows"].values()]


def infos_of(results) -> dict[str, SetInfo]:
    return {k: SetInfo(**v) for k, v in results["sets"].items()}


def locked_update(path: Path, update: Callable[[dict], None], read=None):
    """Re-read ``path`` under a file lock, ``update(results)`` in place, write
    atomically: shards and partial runs combine into one file. ``read``
    (default :func:`read_results`) gives the contents of a missing file too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(str(path) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = (read or read_results)(path)
        update(results)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(results, indent=1))
        tmp.replace(path)


def merge_into(path: Path, *, rows=(), sets=(), skipped=None, tag=None, info=None):
    """Re-read ``path`` under a lock, merge in, write atomically (shard-safe)."""

    def update(results):
        if tag is not None:
            results["tag"] = tag
        if info is not None:
            results["machine"] = info
        results["skipped"].update(skipped or {})
        for s in sets:
            results["sets"][s.name] = asdict(s)
        for r in rows:
            results["rows"][_key(r.dataset, r.model)] = asdict(r)
        results["summary"] = summary(results)

    locked_update(path, update)


def import_baselines(source: Path, path: Path):
    """Copy ``source``'s baseline rows into ``path``: a run of new skrnn
    defaults (``--no-baselines``) reuses the deterministic baselines of an
    earlier run instead of recomputing 1-NN DTW."""
    theirs = read_results(source)
    rows = [Row(**r) for r in theirs["rows"].values() if r["kind"] in ("baseline", "published")]
    sets = [SetInfo(**s) for s in theirs["sets"].values()]
    merge_into(path, rows=rows, sets=sets)
    print(f"copied {len(rows)} baseline rows of {source} into {path}")


# ================================================================== summary
def _reference(rows, names):
    return next((r for r in rows if r.model in names and r.scores), None)


def summary(results) -> dict:
    """The acceptance questions, answered from the stored rows."""
    infos, rows = infos_of(results), rows_of(results)
    by_set = {}
    for r in rows:
        by_set.setdefault(r.dataset, []).append(r)
    out = {"reaches 1-NN DTW": {}, "chance fits": {}, "beats train mean": {},
           "forecasting": {}, "default fit s": {}}
    for name, set_rows in by_set.items():
        info = infos.get(name)
        if info is None:
            continue
        skrnn_rows = [r for r in set_rows if r.kind == "skrnn" and r.scores]
        out["default fit s"][name] = {r.model: round(r.median_fit, 2) for r in skrnn_rows
                                      if r.model in DEFAULT_LABELS}
        for r in skrnn_rows:
            group = out["chance fits"].setdefault(info.group, {})
            counts = group.setdefault(r.model, [0, 0])
            counts[0] += sum(r.chance)
            counts[1] += len(r.chance)
        if info.task == "classification":
            ref = _reference(set_rows, ("1-NN DTW", "1-NN DTW (window 10%)"))
            for r in skrnn_rows:
                if ref is not None:
                    cell = out["reaches 1-NN DTW"].setdefault(info.group, {}).setdefault(
                        r.model, [0, 0, []])
                    ok = r.mean >= ref.scores[0]
                    cell[0] += ok
                    cell[1] += 1
                    if not ok:
                        cell[2].append(name)
        elif info.task == "regression":
            for r in skrnn_rows:
                out["beats train mean"].setdefault(r.model, {})[name] = bool(r.mean < info.chance)
        else:
            refs = {r.model: r.scores[0] for r in set_rows if r.kind == "baseline" and r.scores}
            naive = {k: v for k, v in refs.items() if k == "last value" or k.startswith("seasonal")}
            for r in skrnn_rows:
                out["forecasting"].setdefault(r.model, {})[name] = {
                    k: bool(r.mean < v) for k, v in naive.items()}
    return out


def print_summary(results):
    s = results.get("summary") or summary(results)
    print("\n=== summary" + (f" ({results['tag']})" if results.get("tag") else ""))
    print("classification: sets where the mean over seeds reaches 1-NN DTW (>=)")
    for group, cells in s["reaches 1-NN DTW"].items():
        for model, (ok, n, missed) in cells.items():
            print(f"  {group:<10}{model:<36}{ok}/{n}   below: {', '.join(missed) or '-'}")
    print("fits at chance level (set, model, seed)")
    for group, cells in s["chance fits"].items():
        for model, (k, n) in cells.items():
            print(f"  {group:<12}{model:<36}{k}/{n}")
    print("regression: beats the train mean")
    for model, sets in s["beats train mean"].items():
        ok = [n for n, v in sets.items() if v]
        print(f"  {model:<36}{len(ok)}/{len(sets)}   fails: "
              f"{', '.join(n for n, v in sets.items() if not v) or '-'}")
    print("forecasting: beats last value / seasonal naive")
    for model, sets in s["forecasting"].items():
        for name, verdict in sets.items():
            print(f"  {model:<36}{name:<12}" + ", ".join(
                f"{'beats' if v else 'NOT'} {k}" for k, v in verdict.items()))
    print("default fit time, median over seeds (s)")
    for name, cells in s["default fit s"].items():
        print(f"  {name:<28}" + "  ".join(f"{m} {t:.1f}" for m, t in cells.items()))


def _fmt(v, spec=".3f"):
    return "-" if v is None else format(v, spec)


def _cells(info: SetInfo, r: Row) -> list[str]:
    """score (mean +- std), worst seed, train score, chance seeds, fit time, note."""
    higher = info.metric == "accuracy"
    score = _fmt(r.mean) + (f" ± {r.std:.3f}" if len(r.scores) > 1 else "")
    chance = f"{sum(r.chance)}/{len(r.chance)}" if r.kind == "skrnn" else ""
    train = _fmt(float(np.mean(r.train_scores))) if r.train_scores else ""
    note = "; ".join(x for x in [r.note, *(["FAILED: " + e for e in r.errors])] if x)
    return [score, _fmt(r.worst(higher)) if r.kind == "skrnn" else "", train, chance,
            _fmt(r.median_fit, ".1f"), note]


HEADER = ["score (mean ± std)", "worst", "train", "chance", "fit s", "notes"]


def _ordered(results):
    infos = infos_of(results)
    rows = rows_of(results)
    order = {s.name: i for i, s in enumerate(all_specs())}
    names = sorted(infos, key=lambda n: (order.get(n.split("[")[0], 1e9), n))
    for name in names:
        yield infos[name], [r for r in rows if r.dataset == name]


def print_table(results):
    print(f"\n{'data set':<30}{'model':<36}{'score (mean ± std)':>20}{'worst':>8}{'train':>8}"
          f"{'chance':>8}{'fit s':>8}  notes")
    for info, rows in _ordered(results):
        label = f"{info.name} ({info.metric})"
        for r in rows:
            c = _cells(info, r)
            print(f"{label:<30}{r.model:<36}{c[0]:>20}{c[1]:>8}{c[2]:>8}{c[3]:>8}{c[4]:>8}  {c[5]}")
            label = ""


def rst_table(results) -> str:
    """The results as a reStructuredText list-table (for the docs)."""
    lines = [".. list-table::", "   :header-rows: 1", "",
             "   * - data set", "     - model", *(f"     - {h}" for h in HEADER)]
    for info, rows in _ordered(results):
        name = (f"{info.name} ({info.metric}; {info.n_train}/{info.n_test}, "
                f"T {info.min_length}-{info.max_length}, {info.n_channels} ch)")
        for r in rows:
            lines += [f"   * - {name}", f"     - {r.model}", *(f"     - {c}" for c in _cells(info, r))]
            name = ""
    return "\n".join(line.rstrip() for line in lines)


def compare(path_a, path_b):
    """Side-by-side mean scores and fit times of two result files."""
    a, b = read_results(Path(path_a)), read_results(Path(path_b))
    ta, tb = a.get("tag") or "A", b.get("tag") or "B"
    rows_b = {_key(r.dataset, r.model): r for r in rows_of(b)}
    infos = {**infos_of(b), **infos_of(a)}
    print(f"{'data set':<30}{'model':<36}{ta:>10}{tb:>10}{'delta':>9}"
          f"{'fit ' + ta:>10}{'fit ' + tb:>10}  better")
    for r in rows_of(a):
        other = rows_b.get(_key(r.dataset, r.model))
        if r.kind != "skrnn" or other is None or r.mean is None or other.mean is None:
            continue
        higher = infos[r.dataset].metric == "accuracy"
        delta = other.mean - r.mean
        better = "=" if abs(delta) < 1e-9 else (tb if (delta > 0) == higher else ta)
        print(f"{r.dataset:<30}{r.model:<36}{r.mean:>10.3f}{other.mean:>10.3f}{delta:>+9.3f}"
              f"{r.median_fit:>10.1f}{other.median_fit:>10.1f}  {better}")


# =================================================================== runner
@dataclass(frozen=True)
class Job:
    spec: Spec
    model: str  # a baseline label or a MODELS key

    @property
    def is_baseline(self):
        return self.model not in MODELS


def build_jobs(specs, models, with_baselines) -> list[Job]:
    jobs = []
    for spec in specs:
        if with_baselines:
            jobs += [Job(spec, label) for label in baseline_labels(spec)]
        jobs += [Job(spec, m) for m in models if spec.task in MODELS[m][1].split()]
    return jobs


def loadable(specs) -> tuple[list[Spec], dict]:
    """The specs whose data load offline, and why the others do not."""
    ok, skipped = [], {}
    for spec in specs:
        try:
            forecast_data(spec.name) if spec.task == "forecasting" else load(spec)
            ok.append(spec)
        except Exception as exc:  # noqa: BLE001
            skipped[spec.name] = f"{type(exc).__name__}: {exc}"[:300]
            print(f"skipped {spec.name}: cannot be loaded offline ({skipped[spec.name]})")
    return ok, skipped


def infos_names(sets):
    return {s.name for s in sets}


def _matches(spec, only):
    return not only or spec.name in only or spec.source in only


def main(argv=None):
    p = argparse.ArgumentParser(description="skrnn dev accuracy benchmark",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="data sets to run (a base name also selects its small-data variants)")
    p.add_argument("--seeds", type=int, default=5, help="seeds per skrnn row (default 5)")
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=DEFAULT_MODELS,
                   help="skrnn rows to run (default: %(default)s)")
    p.add_argument("--selector-only", action="store_true",
                   help="only the ArchitectureSelector rows, merged into --out")
    p.add_argument("--no-baselines", action="store_true", help="skip the baseline rows")
    p.add_argument("--rerun-baselines", action="store_true",
                   help="recompute baselines even when --out has them")
    p.add_argument("--no-small", action="store_true", help="skip the small-data variants")
    p.add_argument("--shard", default="0/1", help="i/n: run every n-th job, from the i-th")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON (merged into)")
    p.add_argument("--tag", default="", help="label stored with the results, e.g. before/after")
    p.add_argument("--list", action="store_true", help="print the jobs and exit")
    p.add_argument("--summary", action="store_true", help="print table and summary of --out")
    p.add_argument("--rst", action="store_true", help="print --out as an rst list-table")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two result files")
    p.add_argument("--import-baselines", type=Path, metavar="A",
                   help="copy the baseline and published rows (and set infos) of A into --out")
    args = p.parse_args(argv)

    if args.compare:
        return compare(*args.compare)
    if args.import_baselines:
        return import_baselines(args.import_baselines, args.out)
    if args.rst:
        return print(rst_table(read_results(args.out)))
    if args.summary:
        results = read_results(args.out)
        print_table(results)
        return print_summary(results)
    if args.selector_only:
        args.models, args.no_baselines = ["selector"], True

    _no_network()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    shard, n_shards = map(int, args.shard.split("/"))
    specs, skipped = loadable([s for s in all_specs() if _matches(s, args.only)])
    if not args.no_small:
        specs += [s for s in small_specs(skipped) if _matches(s, args.only)]
    jobs = build_jobs(specs, args.models, not args.no_baselines)
    mine = jobs[shard::n_shards]
    if args.list:
        for j in mine:
            print(f"{j.spec.name:<30}{j.model}")
        return print(f"{len(mine)} of {len(jobs)} jobs ({len(specs)} data sets)")

    info = machine()
    print("machine:", ", ".join(f"{k}={v}" for k, v in info.items()))
    print(f"{len(mine)} of {len(jobs)} jobs, {len(specs)} data sets, {args.seeds} seed(s)")
    sets = [set_info(s) for s in specs]
    published = [Row(name, f"{label} (published)", "published", scores=[value])
                 for name, values in PUBLISHED.items() if name in infos_names(sets)
                 for label, value in values.items()]
    merge_into(args.out, rows=published, sets=sets, skipped=skipped, tag=args.tag, info=info)
    infos = {s.name: s for s in sets}
    cached = read_results(args.out)["rows"]
    for i, job in enumerate(mine, 1):
        spec, set_i = job.spec, infos[job.spec.name]
        start = time.perf_counter()
        if job.is_baseline:
            key = _key(spec.name, job.model)
            if key in cached and not args.rerun_baselines and not cached[key]["errors"]:
                print(f"[{i}/{len(mine)}] {spec.name} | {job.model}: cached")
                continue
            row = run_baseline(spec, set_i, job.model, args.tag)
        else:
            label, _, make = MODELS[job.model]
            row = fit_seeds(spec, set_i, label, make, args.seeds, args.tag)
        merge_into(args.out, rows=[row])
        c = _cells(set_i, row)
        print(f"[{i}/{len(mine)}] {spec.name} | {row.model}: {set_i.metric} {c[0]}, worst {c[1]}, "
              f"train {c[2]}, chance {c[3]}, fit {c[4]} s ({time.perf_counter() - start:.0f} s)"
              + (f"  {c[5]}" if c[5] else ""), flush=True)
    results = read_results(args.out)
    print_table(results)
    print_summary(results)


if __name__ == "__main__":
    sys.exit(main())
