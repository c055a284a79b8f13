"""
Classifying variable-length gestures (PickupGestureWiimoteZ)
============================================================

A real sequence-classification data set that ships offline inside a pip
package: aeon's ``PickupGestureWiimoteZ`` -- the Z-axis acceleration of a
Wii remote while a person performs one of 10 gestures ("pick-up", "shake",
...), recorded at natural speed, so the sequences have different lengths
(29 to 361 time steps). 50 training and 50 test gestures, 5 of each class
in each split.

aeon stores collections channels first, as a list of ``(n_channels,
n_timepoints_i)`` arrays; :func:`~skrnn.preprocessing.from_channels_first`
turns that into skrnn's ``(n_timepoints_i, n_channels)`` layout, and the
estimators take the ragged list as it is (padded per batch and packed, never
truncated). :class:`~skrnn.GRUClassifier` and :class:`~skrnn.LSTMClassifier`
are fitted on the training split and scored on the test split; chance is 10 %.

Needs ``aeon`` (``pip install skrnn[examples]``); the data is read from
aeon's installed files, with no download. Set ``SKRNN_QUICK=1`` for a run of
a few seconds (fewer epochs, so a much lower accuracy).
"""

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from aeon.datasets import load_classification  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score  # noqa: E402

from skrnn import GRUClassifier, LSTMClassifier  # noqa: E402
from skrnn.preprocessing import from_channels_first  # noqa: E402

QUICK = os.environ.get("SKRNN_QUICK") == "1"
OUTPUT = Path(os.environ.get("SKRNN_OUTPUT") or Path(__file__).parent / "output")

# %%
# Load the bundled data and convert the layout
# --------------------------------------------
# ``load_classification`` finds the data set among the files aeon installs
# (its ``datasets/data`` folder), so nothing is downloaded.
X_train, y_train = load_classification("PickupGestureWiimoteZ", split="train")
X_test, y_test = load_classification("PickupGestureWiimoteZ", split="test")
print(f"aeon layout: a list of {len(X_train)} arrays, the first of shape {X_train[0].shape}")
X_train, X_test = from_channels_first(X_train), from_channels_first(X_test)
lengths = np.array([len(x) for x in X_train + X_test])
print(f"skrnn layout: the first of shape {X_train[0].shape}; "
      f"lengths {lengths.min()} to {lengths.max()} steps; classes "
      f"{', '.join(sorted(set(y_train), key=int))}")

# %%
# Fit a GRU and an LSTM classifier on the ragged training list
# ------------------------------------------------------------
# Small batches (there are only 50 training sequences), a patience of 20
# epochs (the loss of so small a data set plateaus before it drops), and mean
# pooling over time, the default, which averages the hidden states over each
# gesture's own steps.
params = dict(hidden_size=64, batch_size=8, lr=5e-3, max_epochs=120, patience=20,
              random_state=0)
if QUICK:
    params.update(hidden_size=16, max_epochs=4)
scores, models = {}, {}
for Model in (GRUClassifier, LSTMClassifier):
    start = time.perf_counter()
    model = Model(**params).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    accuracy = accuracy_score(y_test, model.predict(X_test))
    scores[Model.__name__] = (accuracy, seconds)
    models[Model.__name__] = model

print("\ntest accuracy on 50 gestures, 10 classes (chance 0.10)")
print(f"{'model':<16}{'accuracy':>10}{'epochs':>8}{'fit time':>10}")
for name, (accuracy, seconds) in scores.items():
    print(f"{name:<16}{accuracy:>10.2f}{models[name].n_iter_:>8}{seconds:>8.1f} s")

# %%
# Confusion matrix of the better model, and the training curves
# -------------------------------------------------------------
best = max(scores, key=lambda name: scores[name][0])
OUTPUT.mkdir(parents=True, exist_ok=True)
fig, (ax_cm, ax_loss) = plt.subplots(1, 2, figsize=(12, 5))
labels = sorted(set(y_train), key=int)
ConfusionMatrixDisplay.from_predictions(
    y_test, models[best].predict(X_test), labels=labels, ax=ax_cm, colorbar=False
)
ax_cm.set_title(f"{best}: test accuracy {scores[best][0]:.2f}")
for name, model in models.items():
    ax_loss.plot(model.net_.history[:, "train_loss"], label=name)
ax_loss.set(title="Training loss", xlabel="epoch", ylabel="cross-entropy", yscale="log")
ax_loss.legend()
fig.tight_layout()
path = OUTPUT / "gesture_confusion_matrix.png"
fig.savefig(path, dpi=100)
print(f"\nplot written to {path}")
