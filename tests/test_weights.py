"""Sample weights and class weights: what each sequence counts for in the loss."""

import pickle

import numpy as np
import pytest
import sklearn
import torch
from sklearn.metrics import recall_score
from sklearn.model_selection import KFold, cross_validate

from skrnn import GRUClassifier, GRURegressor, LSTMClassifier, RecurrentRegressor
from skrnn._dataset import SequenceDataset
from skrnn._net import weighted_mean
from skrnn._schedule import EPOCH_END_LOSS
from skrnn._validation import check_sequences

from conftest import make_sine_classes, make_sum_regression

# Short fits: the equivalence tests compare two fits that differ only in
# float32 rounding (other GEMM shapes, sums in another order), and that
# rounding grows with every step; 20 steps keep it far below the tolerance.
SHORT = dict(hidden_size=16, early_stopping=False, max_epochs=20, min_steps=0, lr=1e-2, random_state=0)


def ragged(n=24, seed=0):
    """``n`` univariate sequences of 5 to 15 steps and a target depending on them."""
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=rng.randint(5, 16)) for _ in range(n)]
    return X, np.array([x.sum() for x in X])


def per_sequence_losses(net, X, y):
    """The criterion's losses of the batch ``X`` (reduction ``"none"``), in train order."""
    with torch.no_grad():
        y_pred = net.evaluation_step((X, y), training=False)
        return net.criterion_(y_pred, y.to(net.device))


# ------------------------------------------------------------ the batch loss
@pytest.mark.parametrize("data", ["dense", "ragged"])
def test_batch_loss_is_the_weighted_mean_of_the_sequence_losses(data):
    X, y = ragged() if data == "ragged" else make_sum_regression(n=24)
    w = np.random.RandomState(1).uniform(0, 3, len(y))
    reg = GRURegressor(**{**SHORT, "max_epochs": 2}).fit(X, y, sample_weight=w)
    net = reg.net_
    y_encoded = np.asarray(y, dtype=np.float32).reshape(-1, 1)
    dataset = SequenceDataset(check_sequences(X), y_encoded, w)
    Xb, yb = dataset.batch(np.arange(len(y)))
    assert set(Xb) >= {"X", "sample_weight"}
    losses = per_sequence_losses(net, Xb, yb)
    assert losses.shape == (len(y),)
    with torch.no_grad():
        loss = net.get_loss(net.evaluation_step((Xb, yb), training=False), yb, X=Xb)
    expected = float((losses.double() * torch.as_tensor(w)).sum() / w.sum())
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_a_batch_of_zero_weight_contributes_zero_not_nan():
    losses = torch.tensor([0.5, 2.0], requires_grad=True)
    loss = weighted_mean(losses, torch.zeros(2))
    loss.backward()
    assert loss.item() == 0.0
    assert torch.equal(losses.grad, torch.zeros(2))
    # only the ratios of the weights matter
    assert float(weighted_mean(losses, torch.tensor([1.0, 3.0]))) == pytest.approx(1.625)
    assert float(weighted_mean(losses, torch.tensor([10.0, 30.0]))) == pytest.approx(1.625)


def test_epoch_end_and_validation_losses_are_weighted_means():
    X, y = make_sine_classes(n=320, T=8, n_classes=2)
    w = np.random.RandomState(2).uniform(0, 2, len(y))
    valid = np.arange(280)  # more than one validation batch (256 sequences each)
    train = np.arange(280, 320)

    def split(dataset, y=None):
        return dataset.subset(train), dataset.subset(valid)

    clf = GRUClassifier(**{**SHORT, "max_epochs": 1, "early_stopping": True},
                        validation_fraction=split).fit(X, y, sample_weight=w)
    net = clf.net_  # one epoch: the module holds the weights that epoch was scored with
    dataset = SequenceDataset(check_sequences(X), y.astype(np.int64), w)

    def weighted_loss(indices):
        Xb, yb = dataset.batch(indices)
        losses = per_sequence_losses(net, Xb, yb).double()
        return float((losses * Xb["sample_weight"]).sum() / Xb["sample_weight"].sum())

    assert net.history[-1, "valid_loss"] == pytest.approx(weighted_loss(valid), rel=1e-5)
    assert net.history[-1, EPOCH_END_LOSS] == pytest.approx(weighted_loss(train), rel=1e-5)


@pytest.mark.parametrize("Est", [GRURegressor, LSTMClassifier])
def test_ragged_epoch_end_loss_is_the_weighted_mean_of_each_sequence_alone(Est):
    # 70 sequences of 5-15 steps: evaluated sorted by length in three
    # batches, each padded to its own longest sequence
    X, y = ragged(n=70, seed=3)
    if Est is LSTMClassifier:
        y = (y > np.median(y)).astype(int)
    w = np.random.RandomState(4).uniform(0, 2, len(y))
    est = Est(**{**SHORT, "max_epochs": 1}).fit(X, y, sample_weight=w)
    net = est.net_  # one epoch: the module holds the weights that epoch was scored with
    target = (np.asarray(y, dtype=np.float32).reshape(-1, 1) if Est is GRURegressor
              else np.searchsorted(est.classes_, y).astype(np.int64))
    dataset = SequenceDataset(check_sequences(X), target, w)
    alone = [float(per_sequence_losses(net, *dataset.batch(np.array([i])))) for i in range(70)]
    assert net.history[-1, EPOCH_END_LOSS] == pytest.approx(np.average(alone, weights=w),
                                                            rel=1e-5)


def test_a_fitted_model_does_not_carry_its_training_data():
    # the epoch-end loss holds its batches only while training
    sizes = []
    for n in (40, 400):
        X, y = ragged(n=n, seed=5)
        sizes.append(len(pickle.dumps(GRURegressor(**{**SHORT, "max_epochs": 1}).fit(X, y))))
    assert abs(sizes[1] - sizes[0]) < 2_000  # 360 more sequences are ~15 kB


# ---------------------------------------------- weights as dropping / repeating
def fit_pair(Est, X, y, w, X_ref, y_ref, **params):
    """Predictions on ``X`` of a fit weighted by ``w`` and of a fit on ``X_ref``."""
    # One batch holds every sequence (batch_size >= n) and shuffle=False, so
    # both fits take the same optimizer steps on the same loss.
    params = {**SHORT, "batch_size": max(len(y), len(y_ref)), "shuffle": False, **params}
    weighted = Est(**params).fit(X, y, sample_weight=w)
    reference = Est(**params).fit(X_ref, y_ref)
    method = "predict_proba" if hasattr(weighted, "predict_proba") else "predict"
    return getattr(weighted, method)(X), getattr(reference, method)(X)


@pytest.mark.parametrize("Est", [GRURegressor, LSTMClassifier])
@pytest.mark.parametrize("data", ["dense", "ragged"])
def test_zero_weight_equals_dropping_the_sequence(Est, data):
    """A weight of 0 gives the model of the fit without that sequence.

    It holds because nothing else differs between the two fits: every
    sequence is in one batch (``batch_size >= n``, ``shuffle=False``), whose
    loss ``sum(w_i l_i) / sum(w_i)`` is then the mean over the kept
    sequences, the zero-weight sequences' gradients are exactly 0, and the
    scaling statistics, target scale and constant loss (``tol``) are weighted
    too; the seed is the same and ``batch_size``, ``max_epochs`` and the
    lengths (``patch_size="auto"``) are fixed. The fits still differ in
    float32 rounding (other matrix shapes, sums over other terms), which
    grows over the steps, so the predictions are compared to 1e-4, not
    bit for bit.
    """
    X, y = ragged() if data == "ragged" else make_sine_classes(n=30, T=12)
    if Est is LSTMClassifier:
        y = make_sine_classes(n=len(y), T=2)[1]
    w = np.ones(len(y))
    w[[1, 4, 5, 17]] = 0.0
    keep = np.flatnonzero(w)
    X_kept = [X[i] for i in keep] if data == "ragged" else X[keep]
    weighted, reference = fit_pair(Est, X, y, w, X_kept, y[keep])
    np.testing.assert_allclose(weighted, reference, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("Est", [GRURegressor, GRUClassifier])
def test_integer_weights_equal_repetition(Est):
    """A weight of k gives the model of the fit with the sequence k times.

    Same setting as the zero-weight test (one batch, no shuffling), so the
    batch loss, weighted by ``k``, is the mean over the repeated data; again
    equal up to float32 rounding, which after 20 steps stays below 1e-4.
    With several batches per epoch the two fits would batch the sequences
    differently and only agree statistically.
    """
    X, y = make_sine_classes(n=20, T=12, n_classes=2)
    if Est is GRURegressor:
        y = X[:, -3:].sum(axis=1)
    w = np.random.RandomState(3).randint(0, 4, len(y))
    weighted, repeated = fit_pair(Est, X, y, w, X.repeat(w, axis=0), y.repeat(w))
    np.testing.assert_allclose(weighted, repeated, rtol=1e-4, atol=1e-5)


def test_weights_of_ones_are_scale_free():
    X, y = make_sum_regression(n=24)
    ones = GRURegressor(**SHORT).fit(X, y, sample_weight=np.ones(len(y))).predict(X)
    fives = GRURegressor(**SHORT).fit(X, y, sample_weight=np.full(len(y), 5.0)).predict(X)
    np.testing.assert_allclose(ones, fives, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------- class_weight
def test_balanced_class_weight_raises_minority_recall():
    # Overlapping classes, 1 in 8 of the minority: unweighted, the loss is
    # lowest when the doubtful sequences go to the majority class.
    X, y = make_sine_classes(n=400, T=10, n_classes=2, noise=2.5, seed=0)
    minority = np.flatnonzero(y == 1)[:50]
    keep = np.sort(np.concatenate([np.flatnonzero(y == 0)[:350], minority]))
    X, y = X[keep], y[keep]
    params = dict(hidden_size=16, max_epochs=15, min_steps=0, random_state=0)
    recalls = {
        cw: recall_score(y, GRUClassifier(class_weight=cw, **params).fit(X, y).predict(X))
        for cw in (None, "balanced")
    }
    assert recalls["balanced"] > recalls[None] + 0.2, recalls


def test_class_weight_multiplies_sample_weight():
    X, y = make_sine_classes(n=30, T=8, n_classes=2)
    w = np.random.RandomState(4).uniform(0.5, 2, len(y))
    as_param = GRUClassifier(class_weight={0: 3.0}, **SHORT).fit(X, y, sample_weight=w)
    by_hand = GRUClassifier(**SHORT).fit(X, y, sample_weight=w * np.where(y == 0, 3.0, 1.0))
    np.testing.assert_allclose(as_param.predict_proba(X), by_hand.predict_proba(X), rtol=1e-6)


def test_class_weight_with_an_unknown_label_names_it():
    X, y = make_sine_classes(n=20, T=8, n_classes=2)
    labels = np.where(y == 1, "up", "down")
    with pytest.raises(ValueError, match=r"class_weight has labels that are not in y: \['sideways'\]"):
        GRUClassifier(class_weight={"up": 2.0, "sideways": 1.0}, **SHORT).fit(X, labels)


def test_class_weight_must_be_non_negative():
    X, y = make_sine_classes(n=20, T=8, n_classes=2)
    with pytest.raises(ValueError, match="finite non-negative weights"):
        GRUClassifier(class_weight={0: -1.0}, **SHORT).fit(X, y)


def test_class_weight_is_a_classifier_parameter_only():
    assert "class_weight" in GRUClassifier().get_params()
    assert "class_weight" not in RecurrentRegressor().get_params()
    with pytest.raises(TypeError, match="class_weight"):
        GRURegressor(class_weight="balanced")


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "w, message",
    [
        (np.ones(19), r"sample_weight.shape == \(19,\), expected \(20,\)"),
        (np.ones((20, 2)), "Sample weights must be 1D"),
        (-np.ones(20), "Negative values in data passed to `sample_weight`"),
        (np.zeros(20), "Sample weights must contain at least one non-zero number"),
    ],
)
def test_invalid_sample_weight_is_refused_clearly(w, message):
    X, y = make_sum_regression(n=20)
    with pytest.raises(ValueError, match=message):
        GRURegressor(**SHORT).fit(X, y, sample_weight=w)


def test_weights_leaving_one_class_are_refused():
    X, y = make_sine_classes(n=20, T=8, n_classes=2)
    with pytest.raises(ValueError, match="only one class with non-zero weight"):
        GRUClassifier(**SHORT).fit(X, y, sample_weight=(y == 1).astype(float))


def test_the_users_weights_are_not_modified():
    X, y = make_sine_classes(n=20, T=8, n_classes=2)
    w = np.linspace(0.5, 2, len(y)).astype(np.float32)
    w_copy = w.copy()
    GRUClassifier(class_weight="balanced", **SHORT).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(w, w_copy)
    assert w.dtype == np.float32


def test_regressor_score_accepts_sample_weight():
    X, y = make_sum_regression(n=24)
    reg = GRURegressor(**SHORT).fit(X, y)
    w = np.ones(len(y))
    assert reg.score(X, y, sample_weight=w) == pytest.approx(reg.score(X, y))


# ------------------------------------------------------------ metadata routing
def test_sample_weight_is_routed_through_cross_validate():
    X, y = make_sum_regression(n=24)
    w = np.random.RandomState(5).uniform(0, 2, len(y))
    cv = KFold(2)
    with sklearn.config_context(enable_metadata_routing=True):
        est = GRURegressor(**SHORT).set_fit_request(sample_weight=True)
        est.set_score_request(sample_weight=False)
        result = cross_validate(est, X, y, cv=cv, params={"sample_weight": w},
                                return_estimator=True)
    for (train, _), fitted in zip(cv.split(X), result["estimator"], strict=True):
        direct = GRURegressor(**SHORT).fit(X[train], y[train], sample_weight=w[train])
        np.testing.assert_array_equal(fitted.predict(X), direct.predict(X))
