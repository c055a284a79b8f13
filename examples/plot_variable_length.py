"""
Variable-length sequences: pass the list, not a padded array
============================================================

Real sequences rarely share one length: sentences, sessions, gestures,
sensor recordings. skrnn estimators take a **list** of arrays ``(T_i,)`` or
``(T_i, n_features)`` directly. Inside, each mini-batch is padded to its
own longest sequence and *packed*, so the recurrent layers never read the
padding, mean pooling averages only real steps, a sequence's prediction does
not depend on what it is batched with, and nothing is truncated.

The common alternative is to pad everything to one length first
(:func:`~skrnn.preprocessing.pad_sequences`) and feed the padded array, so
the padding becomes data. This example compares both on noisy recordings of
10 to 60 steps, each around its own level; the target is that level. A
natural yardstick is the recording's average, whose error shrinks as
recordings get longer. The GRU fed the list matches it at every length; the
GRU fed the padded array first has to learn to tell the zeros from
readings, and stays behind.

Set ``SKRNN_QUICK=1`` for a run of a few seconds (less data, fewer epochs).
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skrnn import GRURegressor  # noqa: E402
from skrnn.preprocessing import pad_sequences  # noqa: E402

QUICK = os.environ.get("SKRNN_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKRNN_OUTPUT") or Path(__file__).parent / "output")
N_SAMPLES = 200 if QUICK else 1000
MIN_LEN, MAX_LEN, NOISE = 10, 60, 0.3

# %%
# A ragged data set: recordings of 10 to 60 steps
# -----------------------------------------------
# Each recording is a list item of shape ``(T_i, 1)``: its level plus noise.
rng = np.random.RandomState(0)
lengths = rng.randint(MIN_LEN, MAX_LEN + 1, size=N_SAMPLES)
y = rng.uniform(0, 1, size=N_SAMPLES)
X = [level + NOISE * rng.normal(size=(n, 1)) for level, n in zip(y, lengths, strict=True)]
n_train = int(0.75 * N_SAMPLES)
X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
print(f"{N_SAMPLES} recordings of {lengths.min()} to {lengths.max()} steps; "
      f"{n_train} for training, {N_SAMPLES - n_train} for testing")

# %%
# Fit on the list, and on the same data zero-padded to 60 steps
# -------------------------------------------------------------
# ``pad_sequences`` returns the padded array and the true lengths. Fed as an
# array, the zeros count as readings: the network has to learn to tell them
# from data, and a short recording is mostly padding.
params = dict(hidden_size=16, max_epochs=3 if QUICK else 20, random_state=0)
ragged = GRURegressor(**params).fit(X_train, y_train)
X_train_pad, _ = pad_sequences(X_train, maxlen=MAX_LEN)
X_test_pad, _ = pad_sequences(X_test, maxlen=MAX_LEN)
padded = GRURegressor(**params).fit(X_train_pad, y_train)

predictions = {
    "average of the recording": np.array([x.mean() for x in X_test]),
    "GRU on the ragged list": ragged.predict(X_test),
    "GRU on zero-padded array": padded.predict(X_test_pad),
}
print("\nRMSE of the level on the test recordings (levels lie in [0, 1))")
print(f"{'estimate':<28}{'RMSE':>8}")
for name, pred in predictions.items():
    print(f"{name:<28}{np.sqrt(np.mean((pred - y_test) ** 2)):>8.3f}")

# %%
# A prediction does not depend on its batch mates
# -----------------------------------------------
# Predicting each recording alone gives what predicting the whole ragged
# test set at once gives, because packing hides the padding that a batch
# adds to its shorter sequences.
alone = np.array([ragged.predict([x])[0] for x in X_test[:20]])
batched = predictions["GRU on the ragged list"][:20]
print(f"\nlargest |alone - batched| over 20 recordings: {np.abs(alone - batched).max():.1e}")

# %%
# Error by recording length
# -------------------------
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
ax.set(title="Test RMSE by recording length", xlabel="length (steps)", ylabel="RMSE")
ax.legend()
ax_hist.hist(lengths, bins=20, color="grey")
ax_hist.set(title="Recording lengths", xlabel="steps", ylabel="recordings")
fig.tight_layout()
path = OUTPUT / "variable_length.png"
fig.savefig(path, dpi=100)
print(f"\nplot written to {path}")
