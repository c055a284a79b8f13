"""SequenceScaler: known statistics, round trips, layouts, no leakage, sklearn checks."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import TimeSeriesSplit, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import GRURegressor, LSTMClassifier
from skrnn.preprocessing import SequenceScaler, make_windows


def test_statistics_over_all_time_steps_of_all_sequences(rng):
    X = rng.normal(loc=[3.0, -50.0], scale=[2.0, 10.0], size=(40, 25, 2))
    scaler = SequenceScaler().fit(X)
    np.testing.assert_allclose(scaler.mean_, X.reshape(-1, 2).mean(axis=0))
    np.testing.assert_allclose(scaler.scale_, X.reshape(-1, 2).std(axis=0))
    Z = scaler.transform(X)
    np.testing.assert_array_equal(SequenceScaler().fit_transform(X), Z)
    np.testing.assert_allclose(Z.reshape(-1, 2).mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.reshape(-1, 2).std(axis=0), 1)
    counts = (scaler.n_features_in_, scaler.n_samples_seen_, scaler.n_timesteps_seen_)
    assert counts == (2, 40, 1000)


def test_2d_input_is_one_feature_not_one_per_time_step(rng):
    X = rng.normal(5.0, 3.0, size=(30, 12))
    scaler = SequenceScaler().fit(X)
    assert scaler.mean_.shape == (1,) and scaler.n_features_in_ == 1
    np.testing.assert_allclose(scaler.transform(X), (X - X.mean()) / X.std())
    # unlike StandardScaler, which scales each time step (column) on its own
    assert not np.allclose(scaler.transform(X), StandardScaler().fit_transform(X))


def test_ragged_sequences_count_only_their_own_steps():
    X = [np.array([1.0, 2.0, 3.0]), np.array([5.0, 9.0])]
    scaler = SequenceScaler().fit(X)
    values = np.array([1.0, 2.0, 3.0, 5.0, 9.0])
    np.testing.assert_allclose(scaler.mean_, [values.mean()])
    np.testing.assert_allclose(scaler.scale_, [values.std()])
    out = scaler.transform(X)
    assert isinstance(out, list) and [o.shape for o in out] == [(3,), (2,)]
    np.testing.assert_allclose(np.concatenate(out), (values - values.mean()) / values.std())


@pytest.mark.parametrize(
    "make_X",
    [
        lambda rng: rng.normal(size=(6, 9)),
        lambda rng: rng.normal(size=(6, 9, 3)),
        lambda rng: [rng.normal(size=(T, 3)) for T in (4, 9, 2)],
        lambda rng: [rng.normal(size=T) for T in (4, 9, 2)],
        lambda rng: [rng.normal(size=(5, 2)) for _ in range(3)],  # equal-length list
    ],
    ids=["2d", "3d", "ragged-2d-items", "ragged-1d-items", "equal-list"],
)
def test_round_trip_keeps_layout_and_never_mutates(make_X, rng):
    X = make_X(rng)
    before = pickle.dumps(X)
    scaler = SequenceScaler().fit(X)
    Z = scaler.transform(X)
    back = scaler.inverse_transform(Z)
    assert pickle.dumps(X) == before  # input untouched
    # equal lengths come back as one array (as scikit-learn transformers do), ragged as a list
    ragged = len({np.shape(x) for x in X}) > 1
    assert isinstance(Z, list) if ragged else isinstance(Z, np.ndarray)
    for original, z, b in zip(X, Z, back, strict=True):
        assert np.shape(z) == np.shape(original) == np.shape(b)
        np.testing.assert_allclose(b, original, rtol=1e-12, atol=1e-12)
    # the output is new memory: changing it leaves X alone
    if isinstance(Z, np.ndarray):
        Z[...] = 0
    else:
        Z[0][...] = 0
    assert pickle.dumps(X) == before


def test_float32_stays_float32_and_ints_become_float64(rng):
    X32 = rng.normal(size=(4, 5, 2)).astype(np.float32)
    assert SequenceScaler().fit_transform(X32).dtype == np.float32
    Xint = rng.randint(0, 10, size=(4, 5))
    assert SequenceScaler().fit_transform(Xint).dtype == np.float64


def test_with_mean_and_with_std_switches(rng):
    X = rng.normal(4.0, 2.0, size=(10, 8, 1))
    only_std = SequenceScaler(with_mean=False).fit(X)
    np.testing.assert_allclose(only_std.transform(X), X / X.std())
    only_mean = SequenceScaler(with_std=False).fit(X)
    assert only_mean.scale_ is None
    np.testing.assert_allclose(only_mean.transform(X), X - X.mean())
    np.testing.assert_allclose(only_mean.inverse_transform(only_mean.transform(X)), X)


def test_constant_feature_is_centred_not_divided_by_zero():
    X = np.full((3, 4, 2), 7.0)
    X[..., 1] = np.arange(12.0).reshape(3, 4)
    scaler = SequenceScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    assert np.isfinite(scaler.transform(X)).all()
    np.testing.assert_array_equal(scaler.transform(X)[..., 0], 0.0)


def test_errors(rng):
    scaler = SequenceScaler()
    with pytest.raises(NotFittedError):
        scaler.transform(rng.normal(size=(3, 4)))
    scaler.fit(rng.normal(size=(3, 4, 2)))
    with pytest.raises(ValueError, match="3 features per time step.*expecting 2"):
        scaler.transform(rng.normal(size=(3, 4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        SequenceScaler().fit([np.array([1.0, np.nan])])
    with pytest.raises(ValueError, match="1-D"):
        SequenceScaler().fit(np.arange(5.0))


def test_dataframe_columns_are_time_steps(rng):
    frame = pd.DataFrame(rng.normal(size=(5, 3)), columns=["t0", "t1", "t2"])
    scaler = SequenceScaler().fit(frame)
    assert not hasattr(scaler, "feature_names_in_") and scaler.n_features_in_ == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an array, or other time-step labels, are fine
        np.testing.assert_allclose(scaler.transform(frame), scaler.transform(frame.to_numpy()))
        assert scaler.transform(frame[["t0", "t1"]]).shape == (5, 2)
    with pytest.raises(ValueError, match=r"columns of X \(time steps\) are in another order"):
        scaler.transform(frame[["t2", "t1", "t0"]])


class RecordingScaler(SequenceScaler):
    """Remembers every array it was fitted on."""

    seen = []

    def fit(self, X, y=None):
        RecordingScaler.seen.append(np.array(X, copy=True))
        return super().fit(X, y)


def test_in_a_pipeline_statistics_come_from_training_folds_only(rng):
    # a series whose test period lies far above the training period
    series = np.concatenate([rng.normal(0, 1, 60), rng.normal(100, 1, 30)])
    X, y = make_windows(series, window=5)
    RecordingScaler.seen.clear()
    pipe = Pipeline(
        [("scale", RecordingScaler()), ("rnn", GRURegressor(max_epochs=1, hidden_size=4))]
    )
    cv = TimeSeriesSplit(n_splits=3)
    result = cross_validate(pipe, X, y, cv=cv, return_estimator=True)
    folds = zip(cv.split(X), result["estimator"], RecordingScaler.seen, strict=True)
    for (train, _), fitted, seen in folds:
        np.testing.assert_array_equal(seen, X[train])  # fitted on the training fold only
        np.testing.assert_allclose(fitted.named_steps["scale"].mean_, [X[train].mean()])
    # the first fold never saw the level shift
    assert result["estimator"][0].named_steps["scale"].mean_[0] < 1


def test_pipeline_with_ragged_sequences_and_a_classifier(rng):
    lengths = rng.randint(3, 9, 30)
    X = [rng.normal(loc=100 * (i % 2), size=(int(T), 2)) for i, T in enumerate(lengths)]
    y = np.arange(30) % 2
    rnn = LSTMClassifier(max_epochs=2, random_state=0)
    pipe = Pipeline([("scale", SequenceScaler()), ("rnn", rnn)])
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (30,)
    assert pipe.named_steps["rnn"].n_features_in_ == 2


def test_target_scaling_with_transformed_target_regressor(rng):
    X = rng.normal(size=(50, 6, 1))
    y = 1e4 + 1e3 * X[:, :, 0].sum(axis=1)
    model = TransformedTargetRegressor(
        regressor=Pipeline(
            [("scale", SequenceScaler()), ("rnn", GRURegressor(scaling=None, max_epochs=2))]
        ),
        transformer=StandardScaler(),
    )
    model.fit(X[:40], y[:40])
    np.testing.assert_allclose(model.transformer_.mean_, [y[:40].mean()])  # training y only
    pred = model.predict(X[40:])
    assert pred.shape == (10,)
    # predictions come back in the target's units, not standardised ones
    assert abs(pred.mean() - y[:40].mean()) < 3 * y[:40].std()
    assert abs(pred.mean()) > 1e3


def test_clone_and_pickle(rng):
    X = rng.normal(size=(5, 4, 2))
    scaler = SequenceScaler(with_mean=False).fit(X)
    assert clone(scaler).get_params() == {"with_mean": False, "with_std": True}
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(scaler)).transform(X), scaler.transform(X)
    )


SEQUENCE_LENGTH_IS_NOT_A_FEATURE = (
    "a 2-D X is (n_samples, n_timesteps) of one feature; n_features_in_ counts "
    "features per time step, and sequences of another length are valid input"
)


@parametrize_with_checks(
    [SequenceScaler(), SequenceScaler(with_mean=False)],
    expected_failed_checks=lambda est: {
        "check_n_features_in": SEQUENCE_LENGTH_IS_NOT_A_FEATURE,
        "check_n_features_in_after_fitting": SEQUENCE_LENGTH_IS_NOT_A_FEATURE,
        "check_transformer_general": SEQUENCE_LENGTH_IS_NOT_A_FEATURE
        + " (it asserts transform(X[:, :-1]) raises; those are shorter sequences)",
        "check_dataframe_column_names_consistency": (
            "a 2-D DataFrame's columns are time steps, not feature names, so "
            "feature_names_in_ is not set (its length would not be n_features_in_ = 1) "
            "and fewer columns (shorter sequences) are valid at predict"
        ),
    },
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)
