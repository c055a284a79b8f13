"""Print the regression / forecasting rows of two accuracy.py result files side by side.

Usage::

    python benchmarks/forecast_table.py BEFORE.json AFTER.json [--rst]

One line per data set: the baselines (train mean, ridge, last value,
seasonal naive, (S)ARIMA) from AFTER, then the default GRU / LSTM regressors'
mean RMSE over seeds in BEFORE and AFTER, with the worst seed of AFTER.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

SETS = ["CardanoSentiment", "Covid3Month", "Tecator", "airline", "sunspots", "lynx", "nile",
        "shampoo", "co2", "elnino", "unemp", "pbs", "pbs[active]", "uschange"]
MODELS = ["GRURegressor", "LSTMRegressor"]


def _rows(path):
    return json.loads(Path(path).read_text())["rows"]


def _baselines(rows, name):
    found = [r for key, r in rows.items() if key.startswith(f"{name} | ") and r["kind"] == "baseline"]
    return {r["model"]: r["scores"][0] for r in found if r["scores"]}


def _mean(rows, name, model):
    row = rows.get(f"{name} | {model}")
    return (np.mean(row["scores"]), np.max(row["scores"])) if row and row["scores"] else (np.nan, np.nan)


def table(before, after):
    b, a = _rows(before), _rows(after)
    lines = []
    for name in SETS:
        base = _baselines(a, name) or _baselines(b, name)
        best = min(base, key=base.get)
        cells = [name, ", ".join(f"{k} {v:.3g}" for k, v in base.items()), f"{best}"]
        for model in MODELS:
            mb, _ = _mean(b, name, model)
            ma, worst = _mean(a, name, model)
            cells.append(f"{mb:.3g} -> {ma:.3g} (worst {worst:.3g})")
        lines.append(cells)
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rst", action="store_true", help="an rst list-table")
    args = parser.parse_args()
    lines = table(args.before, args.after)
    header = ["data set", "baselines (RMSE)", "best baseline", *(f"{m} before -> after" for m in MODELS)]
    if args.rst:
        print(".. list-table::\n   :header-rows: 1\n")
        for cells in [header, *lines]:
            print("   * - " + "\n     - ".join(cells))
        return
    for cells in [header, *lines]:
        print(" | ".join(cells))


if __name__ == "__main__":
    main()
