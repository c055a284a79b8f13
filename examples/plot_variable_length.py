"""
Variable-length sequences: pass the list, not a padded array
============================================================

Real sequences rarely share one length: sentences, sessions, gestures,
patient stays. skrnn estimators take a **list** of arrays ``(T_i,)`` or
``(T_i, n_features)`` directly. Inside, each mini-batch is padded to its
own longest sequence and *packed*, so the recurrent layers never read the
padding: a sequence's prediction does not depend on what it is batched with,
and nothing is truncated.

The common alternative is to pad everything to one length first
(:func:`~skrnn.preprocessing.pad_sequences`) and treat the padding as data.
This example compares both on the adding problem
(:func:`~skrnn.datasets.make_adding_problem`) with lengths from 10 to 60
steps: the target is the sum of the two marked values, wherever they are.

Set ``SKRNN_QUICK=1`` for a run of a few seconds (less data, fewer epochs).
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skrnn import GRURegressor  # noqa: E402
from skrnn.datasets import make_adding_problem  # noqa: E402
from skrnn.preprocessing import pad_sequences  # noqa: E402

QUICK = os.environ.get("SKRNN_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKRNN_OUTPUT", Path(__file__).parent / "output"))
N_SAMPLES = 300 if QUICK else 1500
MIN_LEN, MAX_LEN = 10, 60

# %%
# A ragged data set: adding problems of 10 to 60 steps
# ----------------------------------------------------
# One call of the generator per length; the list keeps every sequence at its
# own length, ``(T_i, 2)``: a value channel and a marker channel.
rng = np.random.RandomState(0)
lengths = rng.randint(MIN_LEN, MAX_LEN + 1, size=N_SAMPLES)
X, y = [None] * N_SAMPLES, np.empty(N_SAMPLES)
for length in np.unique(lengths):
    rows = np.flatnonzero(lengths == length)
    X_len, y_len = make_adding_problem(len(rows), int(length), random_state=rng)
    for row, x, target in zip(rows, X_len, y_len, strict=True):
        X[row], y[row] = x, target
n_train = int(0.8 * N_SAMPLES)
X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
print(f"{N_SAMPLES} sequences of {lengths.min()} to {lengths.max()} steps, "
      f"{X[0].shape[1]} features; {n_train} for training")

# %%
# Fit on the list, and on the same data zero-padded to 60 steps
# -------------------------------------------------------------
# ``pad_sequences`` returns the padded array and the true lengths. Fed as an
# array, the padding is indistinguishable from data: the network must learn
# to see through up to 50 steps of zeros after the sequence.
params = dict(hidden_size=32, max_epochs=4 if QUICK else 60, random_state=0)
ragged = GRURegressor(**params).fit(X_train, y_train)
X_train_pad, _ = pad_sequences(X_train, maxlen=MAX_LEN)
X_test_pad, _ = pad_sequences(X_test, maxlen=MAX_LEN)
padded = GRURegressor(**params).fit(X_train_pad, y_train)

predictions = {
    "constant 1.0": np.ones_like(y_test),
    "ragged list": ragged.predict(X_test),
    "zero-padded": padded.predict(X_test_pad),
}
print("\nRMSE on the test sequences (the sum of two values in [0, 1))")
print(f"{'input':<16}{'RMSE':>8}")
for name, pred in predictions.items():
    print(f"{name:<16}{np.sqrt(np.mean((pred - y_test) ** 2)):>8.3f}")

# %%
# A prediction does not depend on its batch mates
# -----------------------------------------------
# Predicting each sequence alone gives what predicting the whole ragged test
# set at once gives (up to float32 rounding), because packing hides the
# padding that the batch adds to shorter sequences.
alone = np.array([ragged.predict([x])[0] for x in X_test[:20]])
print(f"\nlargest |alone - batched| over 20 sequences: "
      f"{np.abs(alone - predictions['ragged list'][:20]).max():.1e}")

# %%
# Error by sequence length
# ------------------------
OUTPUT.mkdir(parents=True, exist_ok=True)
test_lengths = lengths[n_train:]
edges = np.linspace(MIN_LEN, MAX_LEN + 1, 6)
centres = (edges[:-1] + edges[1:]) / 2
fig, (ax, ax_hist) = plt.subplots(1, 2, figsize=(11, 4))
for name, pred in predictions.items():
    rmse = [
        np.sqrt(np.mean((pred - y_test)[(test_lengths >= lo) & (test_lengths < hi)] ** 2))
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
    ]
    ax.plot(centres, rmse, marker="o", label=name)
ax.set(title="Test RMSE by sequence length", xlabel="sequence length (steps)", ylabel="RMSE")
ax.legend()
ax_hist.hist(lengths, bins=20, color="grey")
ax_hist.set(title="Sequence lengths", xlabel="steps", ylabel="sequences")
fig.tight_layout()
path = OUTPUT / "variable_length.png"
fig.savefig(path, dpi=100)
print(f"\nplot written to {path}")
