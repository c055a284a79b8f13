"""The data contract: every accepted layout of X and y, and what comes back."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import CLASSIFIERS, FAST, REGRESSORS, make_sum_regression
from sklearn.metrics import accuracy_score

from skrnn import GRURegressor, LSTMClassifier, RecurrentClassifier, RecurrentRegressor



@pytest.mark.parametrize("Est", REGRESSORS)
def test_2d_3d_and_list_inputs_give_the_same_model(Est, rng):
    X2 = rng.normal(size=(40, 9))
    y = X2.sum(axis=1)
    pred_2d = Est(**FAST).fit(X2, y).predict(X2)
    pred_3d = Est(**FAST).fit(X2[:, :, None], y).predict(X2[:, :, None])
    pred_list = Est(**FAST).fit(list(X2), y).predict(list(X2))
    np.testing.assert_allclose(pred_2d, pred_3d, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(pred_2d, pred_list, rtol=1e-6, atol=1e-6)


def test_pandas_dataframe_columns_are_time_steps(rng):
    X = pd.DataFrame(rng.normal(size=(30, 6)), columns=[f"lag_{i}" for i in range(6)])
    y = pd.Series(X.sum(axis=1))
    reg = GRURegressor(**FAST).fit(X, y)
    # one feature, so no feature names: scikit-learn wants one name per feature
    assert reg.n_features_in_ == 1 and not hasattr(reg, "feature_names_in_")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(reg.predict(X), reg.predict(X.to_numpy()), rtol=1e-6)
        # shorter sequences, as README promises, and labels that are other dates
        assert reg.predict(X.iloc[:, :4]).shape == (30,)
        assert reg.predict(X.iloc[:, 2:]).shape == (30,)
        relabelled = X.set_axis(pd.date_range("2024-01-01", periods=6), axis=1)
        np.testing.assert_allclose(reg.predict(relabelled), reg.predict(X), rtol=1e-6)
    # the labels prove these are fit's time steps in another order
    with pytest.raises(ValueError, match=r"columns of X \(time steps\) are in another order"):
        reg.predict(X[X.columns[::-1]])
    with pytest.raises(ValueError, match="another order"):
        reg.predict(X[["lag_3", "lag_1"]])
    # a refit on an array forgets the columns
    reg.fit(X.to_numpy(), y)
    assert reg.predict(X[X.columns[::-1]]).shape == (30,)


@pytest.mark.parametrize("shape, warns", [
    ((8, 1, 40), True),   # aeon univariate: 1 channel, 40 points
    ((8, 3, 30), True),
    ((8, 3, 29), False),  # less than 10x: plausibly 3 steps of 29 features
    ((8, 4, 400), False),  # 4 steps is past the rule's 3
    ((8, 40, 1), False),
])
def test_channels_first_arrays_warn_in_fit_only(shape, warns, rng):
    from skrnn.exceptions import ChannelsFirstWarning

    X = rng.normal(size=shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg = GRURegressor(max_epochs=1, hidden_size=4, random_state=0).fit(X, X.sum(axis=(1, 2)))
        reg.predict(X)
    found = [w for w in caught if issubclass(w.category, ChannelsFirstWarning)]
    assert len(found) == (1 if warns else 0)
    if warns:
        message = str(found[0].message)
        assert "skrnn.preprocessing.from_channels_first" in message and str(shape) in message
        assert found[0].filename == __file__  # points at the caller's fit


@pytest.mark.parametrize("Est", REGRESSORS)
def test_ragged_sequences_fit_and_predict(Est, rng):
    lengths = rng.randint(3, 15, size=50)
    X = [rng.normal(size=(T, 2)) for T in lengths]
    y = np.array([x[:, 0].sum() for x in X])
    reg = Est(**FAST).fit(X, y)
    assert reg.n_features_in_ == 2
    assert reg.predict(X).shape == (50,)


@pytest.mark.parametrize("Est", REGRESSORS + CLASSIFIERS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["mean", "last"])
@pytest.mark.parametrize("patch_size", [1, 3])
@pytest.mark.parametrize("front_end", ["conv", "fold"])
def test_prediction_does_not_depend_on_longer_batch_mates(
    Est, bidirectional, pooling, patch_size, front_end, rng
):
    X = [rng.normal(size=(T, 3)) for T in (4, 7, 20, 33)]
    y = [0, 1, 0, 1] if Est in CLASSIFIERS else [0.0, 1.0, 2.0, 3.0]
    params = dict(
        bidirectional=bidirectional, pooling=pooling, patch_size=patch_size, front_end=front_end
    )
    est = Est(num_layers=2, **params, **FAST).fit(X, y)
    method = est.predict_proba if Est in CLASSIFIERS else est.predict
    together = method(X)
    for i, seq in enumerate(X):
        alone = method([seq])
        np.testing.assert_allclose(together[i], alone[0], rtol=1e-5, atol=1e-6)
    # a padded copy (trailing zeros) in a 3-D array is *not* the same sequence
    padded = np.zeros((1, 33, 3))
    padded[0, :4] = X[0]
    assert not np.allclose(method(padded)[0], together[0])


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_last_scaling_anchors_predictions_at_each_sequences_last_value(cell, rng):
    # with the head zeroed the network makes the naive forecast, whatever the
    # level, spread and length of each sequence; ragged batches included
    X = [50 + 10 * rng.normal(size=(T, 2)) for T in (3, 8, 8, 15)]
    reg = RecurrentRegressor(cell=cell, scaling="last", **FAST).fit(X, rng.normal(size=4))
    for layer in (reg.net_.module_.head, reg.net_.module_.highway):  # both linear outputs
        torch.nn.init.zeros_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    last = np.array([seq[-1, 0] for seq in X])
    np.testing.assert_allclose(reg.predict(X), last, rtol=1e-5)
    np.testing.assert_allclose(reg.predict(np.stack(X[1:3])), last[1:3], rtol=1e-5)
    # "sequence" anchors at the window mean instead
    reg.set_params(scaling="sequence")
    reg.net_.module_.scaling = "sequence"
    np.testing.assert_allclose(reg.predict(X), [seq[:, 0].mean() for seq in X], rtol=1e-5)


@pytest.mark.parametrize("lengths, expected", [((12,) * 5, 1), ((427,) * 5, 4), ((90, 260, 300), 3)])
def test_auto_patch_size_targets_about_100_recurrent_steps(lengths, expected, rng):
    X = [rng.normal(size=T) for T in lengths]
    reg = GRURegressor(front_end="fold", **FAST).fit(X, rng.normal(size=len(X)))
    assert reg.patch_size_ == expected
    assert reg.net_.module_.rnn.input_size == expected  # one feature per step, folded


def test_patches_fold_consecutive_steps(rng):
    # with patch_size=T the network reads the whole sequence as one step; a
    # change at any step changes the prediction
    X = rng.normal(size=(20, 6))
    reg = GRURegressor(patch_size=6, front_end="fold", **FAST).fit(X, X.sum(axis=1))
    assert reg.net_.module_.rnn.input_size == 6
    X2 = X.copy()
    X2[:, 5] += 1.0
    assert not np.allclose(reg.predict(X), reg.predict(X2))


def test_predict_on_other_sequence_lengths_than_fit(rng):
    reg = GRURegressor(**FAST).fit(rng.normal(size=(30, 10)), rng.normal(size=30))
    assert reg.predict(rng.normal(size=(5, 25))).shape == (5,)
    assert reg.predict(rng.normal(size=(5, 3, 1))).shape == (5,)


@pytest.mark.parametrize("y_shape", [(40,), (40, 1), (40, 3)])
def test_regressor_output_shape_follows_y(y_shape, rng):
    X = rng.normal(size=(40, 8, 2))
    y = rng.normal(size=y_shape)
    reg = RecurrentRegressor(**FAST).fit(X, y)
    assert reg.predict(X).shape == y_shape
    assert reg.n_outputs_ == (1 if len(y_shape) == 1 else y_shape[1])


@pytest.mark.slow
def test_multi_step_horizon_learns_each_output():
    # y[:, k] = sum of the window plus k: each output has its own offset
    X, base = make_sum_regression(n=200)
    y = np.stack([base + 5 * k for k in range(3)], axis=1)
    reg = GRURegressor(random_state=0, max_epochs=60).fit(X, y)
    pred = reg.predict(X)
    assert reg.score(X, y) > 0.9
    np.testing.assert_allclose(np.diff(pred, axis=1).mean(axis=0), [5, 5], atol=1.0)


@pytest.mark.parametrize("Est", CLASSIFIERS)
@pytest.mark.parametrize("labels", [["cat", "dog"], ["a", "b", "c"], [-1, 7, 3], [True, False]])
def test_classifier_labels_and_probabilities(Est, labels, rng):
    X = rng.normal(size=(30, 6))
    y = np.array(labels)[rng.randint(0, len(labels), size=30)]
    clf = Est(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
    proba = clf.predict_proba(X)
    assert proba.shape == (30, len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    pred = clf.predict(X)
    assert set(pred) <= set(np.unique(y))
    assert pred.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba)


@pytest.mark.slow
@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_classifier_learns_sine_frequencies(Est, sine_classes):
    X, y = sine_classes
    clf = Est(random_state=0).fit(X[:100], y[:100])
    # three balanced classes: chance is about 1/3
    assert accuracy_score(y[100:], clf.predict(X[100:])) > 0.85


@pytest.mark.slow
@pytest.mark.parametrize("Est", REGRESSORS)
def test_regressor_learns_sum_over_time(Est, sum_regression):
    X, y = sum_regression
    reg = Est(random_state=0).fit(X[:120], y[:120])
    assert reg.score(X[120:], y[120:]) > 0.8


@pytest.mark.slow
def test_classifier_accuracy_on_sklearn_blobs_as_sequences():
    # the accuracy half of sklearn's check_classifiers_train (expected to fail
    # on its other half, see test_sklearn_compat.py)
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler

    X, y = make_blobs(n_samples=300, random_state=0)
    X = StandardScaler().fit_transform(X)
    for Est in CLASSIFIERS:
        clf = Est(random_state=0).fit(X, y)
        assert accuracy_score(y, clf.predict(X)) > 0.83


@pytest.mark.parametrize(
    "dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, bool, object]
)
def test_numeric_dtypes_are_accepted(dtype, rng):
    X = (rng.normal(size=(20, 5)) * 3).astype(dtype)
    y = rng.normal(size=20)
    assert GRURegressor(**FAST).fit(X, y).predict(X).dtype == np.float64


def test_inputs_are_never_modified(rng):
    X = rng.normal(size=(30, 7, 2))
    X_list = [rng.normal(size=(T, 2)) for T in rng.randint(2, 9, size=30)]
    y = rng.normal(size=30)
    labels = np.array(["a", "b"] * 15)
    copies = [X.copy(), [x.copy() for x in X_list], y.copy(), labels.copy()]
    GRURegressor(**FAST).fit(X, y).predict(X)
    LSTMClassifier(**FAST).fit(X_list, labels).predict(X_list)
    np.testing.assert_array_equal(X, copies[0])
    for a, b in zip(X_list, copies[1]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(y, copies[2])
    np.testing.assert_array_equal(labels, copies[3])


@pytest.mark.slow
def test_sequence_scaling_extrapolates_a_trend():
    # trending series: values at test time lie above everything seen in fit
    t = np.arange(300, dtype=float)
    series = 0.5 * t + 5 * np.sin(2 * np.pi * t / 12)
    W = 24
    X = np.stack([series[i : i + W] for i in range(len(series) - W)])
    y = series[W:]
    X_train, y_train, X_test, y_test = X[:200], y[:200], X[200:], y[200:]
    rmse = {}
    for scaling in ("global", "sequence", "last"):
        # the recurrent model alone: the linear highway can extrapolate a trend itself
        reg = GRURegressor(scaling=scaling, highway_window=0, random_state=0)
        reg.fit(X_train, y_train)
        rmse[scaling] = np.sqrt(np.mean((reg.predict(X_test) - y_test) ** 2))
    assert max(rmse["sequence"], rmse["last"]) < 2.0 < rmse["global"]
    # ... which it does: with the default highway, global scaling extrapolates too
    reg = GRURegressor(scaling="global", random_state=0).fit(X_train, y_train)
    assert np.sqrt(np.mean((reg.predict(X_test) - y_test) ** 2)) < 2.0


def test_scaling_none_and_constant_features(rng):
    X = np.concatenate([rng.normal(size=(30, 5, 1)), np.full((30, 5, 1), 7.0)], axis=2)
    y = X[:, :, 0].sum(axis=1)
    for scaling in (None, "global", "sequence", "sequence_stats", "last"):
        pred = GRURegressor(scaling=scaling, **FAST).fit(X, y).predict(X)
        assert np.isfinite(pred).all()


def test_recurrent_estimators_take_the_cell_as_parameter(rng):
    X, y = rng.normal(size=(20, 5)), rng.normal(size=20)
    for Est in (RecurrentRegressor, RecurrentClassifier):
        target = y if Est is RecurrentRegressor else y > 0
        for cell, rnn_type in (("gru", "FastGRU"), ("lstm", "LSTM")):
            est = Est(cell=cell, **FAST).fit(X, target)
            assert type(est.net_.module_.rnn).__name__ == rnn_type
    assert "cell" not in GRURegressor().get_params()
    assert type(LSTMClassifier(**FAST).fit(X, y > 0).net_.module_.rnn).__name__ == "LSTM"



def _spread_amplitudes(rng, n, T=20):
    """n ramps, rising for class 1 and falling for class 0, of amplitudes from 1e-3 to 1e2."""
    y = np.arange(n) % 2
    amplitude = np.logspace(-3, 2, n)[rng.permutation(n)]
    ramp = np.linspace(-1, 1, T)
    X = (np.where(y[:, None] == 1, ramp, -ramp) + 0.3 * rng.normal(size=(n, T))) * amplitude[:, None]
    return X, y, amplitude


def test_auto_scaling_of_classifiers_reads_shapes_at_every_amplitude(rng):
    # amplitudes spread over five orders of magnitude: "auto" standardises
    # each sequence and keeps its statistics as inputs; global scaling
    # leaves the small sequences flat
    X, y, _ = _spread_amplitudes(rng, 96)
    X_test, y_test, amplitude = _spread_amplitudes(rng, 200)
    small = amplitude < 1e-1
    params = dict(hidden_size=16, max_epochs=30, batch_size=16, random_state=0)
    auto = LSTMClassifier(**params).fit(X, y)
    assert auto.scaling_ == "sequence_stats"
    assert accuracy_score(y_test[small], auto.predict(X_test[small])) >= 0.9
    flat = LSTMClassifier(scaling="global", **params).fit(X, y)
    assert accuracy_score(y_test[small], flat.predict(X_test[small])) <= 0.75
    # z-normalised sequences keep the global scaling
    z = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    assert LSTMClassifier(max_epochs=1).fit(z, y).scaling_ == "global"


def test_sequence_stats_keeps_the_amplitude_that_sequence_scaling_drops(rng):
    # the class is the amplitude alone: per-sequence standardisation removes
    # it, the appended statistics keep it
    def data(n):
        y = np.arange(n) % 2
        return rng.normal(size=(n, 20)) * np.where(y == 1, 10.0, 0.1)[:, None], y
    (X, y), (X_test, y_test) = data(64), data(200)
    params = dict(hidden_size=16, max_epochs=20, batch_size=16, random_state=0)
    stats = LSTMClassifier(scaling="sequence_stats", **params).fit(X, y)
    assert stats.score(X_test, y_test) >= 0.95
    shape_only = LSTMClassifier(scaling="sequence", **params).fit(X, y)
    assert shape_only.score(X_test, y_test) <= 0.7
