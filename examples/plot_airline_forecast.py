"""
Forecasting airline passengers with GRU and LSTM
================================================

The main skrnn demo. The monthly airline passengers series (1949-1960, bundled
with skrnn) is cut into windows of 12 months, each labelled with the month
that follows (:func:`~skrnn.preprocessing.make_windows`).
:class:`~skrnn.GRURegressor` and :class:`~skrnn.LSTMRegressor`
are fitted on the windows up to December 1958 and forecast the last 24 months
(1959-1960), next to the seasonal-naive baseline ("same month last year"):

* **one step ahead**: each month is forecast from the 12 observed months
  before it;
* **24 steps ahead**: from December 1958 on, each forecast is fed back as
  input for the next month, with no observed value from the test period
  (:func:`~skrnn.preprocessing.forecast` with ``strategy="recursive"``).

The series trends upward, so the test months lie above everything seen in
training. The default ``scaling="auto"`` sees that the windows are windows of
one series (the last month of a window already explains most of the month
after it) and standardises every window by its own mean and standard
deviation, mapping the forecast back (``scaling_ == "sequence"``, reversible
instance normalisation): the network learns the *shape* of the seasonal
pattern, not the level, and so extrapolates the trend.

Set ``SKRNN_QUICK=1`` for a run of a few seconds (fewer epochs).
"""

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skrnn import GRURegressor, LSTMRegressor  # noqa: E402
from skrnn.datasets import load_airline  # noqa: E402
from skrnn.preprocessing import forecast, make_windows  # noqa: E402

QUICK = os.environ.get("SKRNN_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKRNN_OUTPUT") or Path(__file__).parent / "output")
WINDOW, SEASON, N_TEST = 12, 12, 24

# %%
# Windows of 12 months, labelled with the next month
# ---------------------------------------------------
airline = load_airline()
series, dates = airline.data, airline.dates
X, y = make_windows(series, window=WINDOW)  # X[i] = 12 months, y[i] = the next one
X_train, y_train = X[:-N_TEST], y[:-N_TEST]
X_test, y_test = X[-N_TEST:], y[-N_TEST:]
print(f"{len(X_train)} training windows up to {dates[-N_TEST - 1]}, "
      f"forecasting {dates[-N_TEST]} .. {dates[-1]}")


def rmse(pred):
    return float(np.sqrt(np.mean((pred - y_test) ** 2)))



# %%
# Seasonal-naive baseline: the same month one year earlier
# --------------------------------------------------------
train_series = series[:-N_TEST]
naive_one_step = series[-N_TEST - SEASON : -SEASON]
naive_multi = np.tile(train_series[-SEASON:], N_TEST // SEASON)
results = {"seasonal naive": (rmse(naive_one_step), rmse(naive_multi), 0.0)}
forecasts = {"seasonal naive": naive_multi}

# %%
# Fit GRU and LSTM with their default hyperparameters
# ----------------------------------------------------
models = {}
for Model in (GRURegressor, LSTMRegressor):
    model = Model(random_state=0, **({"max_epochs": 15} if QUICK else {}))
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    multi = forecast(model, train_series, N_TEST, window=WINDOW, strategy="recursive")
    results[Model.__name__] = (rmse(model.predict(X_test)), rmse(multi), seconds)
    forecasts[Model.__name__] = multi
    models[Model.__name__] = model

print(f"\nRMSE over the last {N_TEST} months (thousands of passengers)")
print(f"{'model':<16}{'one step':>10}{'24 steps':>10}{'fit time':>10}")
for name, (one, multi, seconds) in results.items():
    fit = f"{seconds:.1f} s" if seconds else "-"
    print(f"{name:<16}{one:>10.1f}{multi:>10.1f}{fit:>10}")

# %%
# Plot the forecasts and the training curves
# ------------------------------------------
OUTPUT.mkdir(parents=True, exist_ok=True)
fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [2, 1]})
months = dates.astype("datetime64[D]")
ax.plot(months, series, color="black", label="observed")
for name, values in forecasts.items():
    ax.plot(months[-N_TEST:], values, label=f"{name} (24 steps)")
ax.axvline(months[-N_TEST], color="grey", linestyle=":")
ax.set(title="Airline passengers: 24-month forecast", ylabel="passengers (thousands)")
ax.legend()
for name, model in models.items():
    ax_loss.plot(model.net_.history[:, "train_end_loss"], label=name)
ax_loss.set(title="Training loss", xlabel="epoch", ylabel="standardised MSE", yscale="log")
ax_loss.legend()
fig.tight_layout()
path = OUTPUT / "airline_forecast.png"
fig.savefig(path, dpi=100)
print(f"\nplot written to {path}")
