"""
Choosing GRU or LSTM with ArchitectureSelector
==============================================

:class:`~skrnn.ArchitectureSelector` decides between a GRU and an LSTM -- and
tunes the chosen cell -- for *your* data, budget and machine, and explains the
decision.

The task is the adding problem (:func:`~skrnn.datasets.make_adding_problem`):
each sequence of 150 steps carries a random value and a marker per step, and
the target is the sum of the two marked values, one of them in the first half
of the sequence. With ``pooling="last"`` the network must carry that value
across up to 150 steps: a long-memory task, where the textbook says an LSTM
"may do better".

The selector

1. profiles the data and applies the decision criteria (sequence length,
   dataset size, constraints, budget) to set a prior and the order of trials;
2. *measures* what each cell costs on this machine, through the estimators;
3. runs one Optuna study over the cell and its hyperparameters, pruning poor
   trials epoch by epoch within each cell;
4. picks the best validated score -- or, when GRU and LSTM tie within the
   noise of the validation score, the cell measured cheaper here -- and
   refits it on all the data.

The full run takes about a minute on a 2-core CPU. Set ``SKRNN_QUICK=1``
for a run of a few seconds (smaller data, fewer trials and epochs);
``SKRNN_OUTPUT`` chooses the folder of the plot.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import torch  # noqa: E402
from optuna.distributions import FloatDistribution, IntDistribution  # noqa: E402

from skrnn import ArchitectureSelector  # noqa: E402
from skrnn.datasets import make_adding_problem  # noqa: E402

QUICK = os.environ.get("SKRNN_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKRNN_OUTPUT") or Path(__file__).parent / "output")
torch.set_num_threads(1)  # tiny recurrent networks train fastest on one thread

# %%
# A long-memory task
# ------------------
# The last 200 sequences are kept aside to test the chosen model.
n_samples, n_timesteps = (400, 120) if QUICK else (1200, 150)
X, y = make_adding_problem(n_samples, n_timesteps, random_state=0)
X_train, y_train, X_test, y_test = X[:-200], y[:-200], X[-200:], y[-200:]

# %%
# Run the selection
# -----------------
# ``n_trials`` is the budget of the whole study. The search space narrows
# the defaults to what suits this small problem; ``estimator_params`` fixes
# what every trial shares.
selector = ArchitectureSelector(
    n_trials=4 if QUICK else 16,
    max_epochs=2 if QUICK else 15,
    search_space={
        "hidden_size": [8] if QUICK else IntDistribution(8, 32, log=True),
        "num_layers": 1,
        "dropout": 0.0,
        "lr": FloatDistribution(3e-3, 3e-2, log=True),
        "batch_size": [32, 64],
    },
    # "last": predict from the final state, so the first marked value must be
    # remembered; patch_size=1: read every step (the default "auto" would fold
    # the 150 steps into 75 recurrent steps, a shorter memory span).
    estimator_params={"pooling": "last", "patch_size": 1},
    random_state=0,
)
selector.fit(X_train, y_train)

# %%
# The decision, explained
# -----------------------
print(selector.report_)
print(
    f"\nR² of the chosen {selector.architecture_.upper()} on the 200 test sequences: "
    f"{selector.score(X_test, y_test):.3f}"
)

# %%
# Every trial, and score against measured cost
# --------------------------------------------
OUTPUT.mkdir(parents=True, exist_ok=True)
fig = selector.report_.plot()
path = OUTPUT / "architecture_selection.png"
fig.savefig(path, dpi=100)
print(f"\nplot written to {path}")
