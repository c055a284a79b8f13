"""
Hyperparameter search over GRU and LSTM in a pipeline
=====================================================

skrnn estimators are scikit-learn estimators, so the usual model-selection
tools apply unchanged. This example tunes the cell (GRU or LSTM) and the
network size on the adding problem (:func:`~skrnn.datasets.make_adding_problem`:
the target is the sum of two marked values in a sequence), twice:

* :class:`~sklearn.model_selection.GridSearchCV` over every combination of a
  small grid;
* :class:`optuna_integration.OptunaSearchCV`, which samples cell, hidden size
  and learning rate from distributions and concentrates its trials where
  the scores are good.

The searched estimator is a whole pipeline: a
:class:`~skrnn.preprocessing.SequenceScaler` step scales the inputs, and a
:class:`~sklearn.compose.TransformedTargetRegressor` standardises the target
and maps predictions back. Because both are *fitted inside* each
cross-validation split, the statistics of a validation fold never reach the
model trained for it (the leakage that fitting a scaler on the whole data set
first would cause). The RNN's own scaling is switched off
(``scaling=None``): scaling happens once, in steps you can inspect.

Progress: ``verbose=1`` makes ``GridSearchCV`` say how many fits it runs
(``verbose=2`` or ``3``: one line per fit); Optuna reports each finished trial
through its logger, or, as here, through a callback that prints one line per
trial. The estimators themselves stay silent (``verbose=0``).

Set ``SKRNN_QUICK=1`` for a run of a few seconds (tiny data and searches).
"""

import os
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import optuna  # noqa: E402
from optuna.distributions import (  # noqa: E402
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna_integration import OptunaSearchCV  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.metrics import mean_squared_error  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skrnn import RecurrentRegressor  # noqa: E402
from skrnn.datasets import make_adding_problem  # noqa: E402
from skrnn.preprocessing import SequenceScaler  # noqa: E402

QUICK = os.environ.get("SKRNN_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKRNN_OUTPUT") or Path(__file__).parent / "output")
N_TRAIN, N_TEST, N_STEPS = (90, 60, 10) if QUICK else (600, 300, 20)
EPOCHS, N_FOLDS, N_TRIALS = (2, 2, 2) if QUICK else (30, 3, 8)
# OptunaSearchCV is marked experimental, and optuna-integration touches a
# deprecated optuna module: both warn on every search, to no use here.
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
warnings.filterwarnings("ignore", message=".*optuna.terminator", category=FutureWarning)

# %%
# Data and the pipeline
# ---------------------
X, y = make_adding_problem(N_TRAIN + N_TEST, N_STEPS, random_state=0)
X_train, y_train, X_test, y_test = X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]
print(f"{N_TRAIN} training and {N_TEST} test sequences of {N_STEPS} steps; "
      f"predicting 1.0 gives a test MSE of {np.mean((y_test - 1) ** 2):.3f}")

model = TransformedTargetRegressor(
    regressor=Pipeline([
        ("scale", SequenceScaler()),
        ("rnn", RecurrentRegressor(scaling=None, max_epochs=EPOCHS, random_state=0)),
    ]),
    transformer=StandardScaler(),
)
cv = KFold(n_splits=N_FOLDS, shuffle=True, random_state=0)
scoring = "neg_mean_squared_error"

# %%
# Grid search: every combination
# -------------------------------
# Parameters of nested steps are addressed with ``__``: the pipeline is
# ``regressor`` inside the target transformer, the RNN is its ``rnn`` step.
grid = {
    "regressor__rnn__cell": ["gru", "lstm"],
    "regressor__rnn__hidden_size": [8] if QUICK else [16, 48],
}
start = time.perf_counter()
grid_search = GridSearchCV(model, grid, cv=cv, scoring=scoring, verbose=1).fit(X_train, y_train)
grid_seconds = time.perf_counter() - start

# %%
# Optuna search: sampled trials
# -----------------------------
# ``random_state`` makes the sampler reproducible; the callback prints one
# line per finished trial (Optuna's own log lines are switched off).
distributions = {
    "regressor__rnn__cell": CategoricalDistribution(["gru", "lstm"]),
    "regressor__rnn__hidden_size": IntDistribution(8, 64, log=True),
    "regressor__rnn__lr": FloatDistribution(1e-3, 3e-2, log=True),
}


def report(study, trial):
    params = ", ".join(f"{k.rsplit('__', 1)[-1]}={v:.3g}" for k, v in trial.params.items()
                       if not isinstance(v, str))
    print(f"trial {trial.number}: {trial.params['regressor__rnn__cell']}, {params}: "
          f"CV MSE {-trial.value:.4f}")


optuna.logging.set_verbosity(optuna.logging.WARNING)
start = time.perf_counter()
optuna_search = OptunaSearchCV(
    model, distributions, cv=cv, n_trials=N_TRIALS, scoring=scoring, random_state=0,
    callbacks=[report],
).fit(X_train, y_train)
optuna_seconds = time.perf_counter() - start


def short(params):
    return ", ".join(f"{k.rsplit('__', 1)[-1]}={v:.3g}" if isinstance(v, float)
                     else f"{k.rsplit('__', 1)[-1]}={v}" for k, v in params.items())


print("\nsearch           fits  best CV MSE  test MSE    time  best parameters")
for name, search, seconds, n_fits in [
    ("GridSearchCV", grid_search, grid_seconds, len(grid_search.cv_results_["params"]) * N_FOLDS),
    ("OptunaSearchCV", optuna_search, optuna_seconds, len(optuna_search.trials_) * N_FOLDS),
]:
    test_mse = mean_squared_error(y_test, search.predict(X_test))
    print(f"{name:<16}{n_fits:>5}{-search.best_score_:>13.4f}{test_mse:>10.4f}"
          f"{seconds:>7.0f} s  {short(search.best_params_)}")

# %%
# Plot every candidate's cross-validated error
# --------------------------------------------
OUTPUT.mkdir(parents=True, exist_ok=True)
fig, (ax_grid, ax_optuna) = plt.subplots(1, 2, figsize=(12, 4))
results = grid_search.cv_results_
labels = [f"{p['regressor__rnn__cell']}, {p['regressor__rnn__hidden_size']}"
          for p in results["params"]]
colors = ["C0" if p["regressor__rnn__cell"] == "gru" else "C1" for p in results["params"]]
ax_grid.bar(labels, -results["mean_test_score"], yerr=results["std_test_score"], color=colors)
ax_grid.set(title="GridSearchCV: CV MSE per candidate", xlabel="cell, hidden size",
            ylabel="mean squared error")
trials = optuna_search.trials_
for cell, color in (("gru", "C0"), ("lstm", "C1")):
    done = [t for t in trials if t.params["regressor__rnn__cell"] == cell]
    ax_optuna.scatter([t.number for t in done], [-t.value for t in done], color=color,
                      label=cell.upper())
ax_optuna.set(title="OptunaSearchCV: CV MSE per trial", xlabel="trial",
              ylabel="mean squared error")
ax_optuna.legend()
fig.tight_layout()
path = OUTPUT / "pipeline_search.png"
fig.savefig(path, dpi=100)
print(f"\nplot written to {path}")
