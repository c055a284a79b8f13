"""make_windows and forecast: known windows, known forecasts, no silent misuse."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import GRURegressor
from skrnn.preprocessing import forecast, make_windows


def test_univariate_windows_and_next_value():
    X, y = make_windows(np.arange(10.0), window=4)
    assert X.shape == (6, 4) and y.shape == (6,)
    np.testing.assert_array_equal(X[0], [0, 1, 2, 3])
    np.testing.assert_array_equal(X[-1], [5, 6, 7, 8])
    np.testing.assert_array_equal(y, np.arange(4.0, 10.0))


def test_multi_step_horizon_is_time_ordered():
    X, y = make_windows(np.arange(10.0), window=3, horizon=2)
    assert y.shape == (6, 2)
    np.testing.assert_array_equal(y, X[:, -1:] + [[1, 2]])


def test_windows_are_copies_and_the_series_is_untouched():
    series = np.arange(8.0)
    X, y = make_windows(series, window=3)
    X[:] = -1
    y[:] = -1
    np.testing.assert_array_equal(series, np.arange(8.0))


def test_step_keeps_the_most_recent_window():
    X, y = make_windows(np.arange(10.0), window=3, step=3)
    # windows end at the series' end: the last target is the last observation
    np.testing.assert_array_equal(y, [3.0, 6.0, 9.0])
    np.testing.assert_array_equal(X[:, 0], [0.0, 3.0, 6.0])
    _, y = make_windows(np.arange(11.0), window=3, step=3)
    assert y[-1] == 10.0 and y[0] == 4.0  # the oldest point (0) is dropped


def test_multivariate_series_targets_and_layout():
    t = np.arange(12.0)
    series = np.column_stack([t, 100 + t, 200 + t])  # (time, features)
    X, y = make_windows(series, window=4, horizon=2)
    assert X.shape == (7, 4, 3) and y.shape == (7, 6)
    cube = y.reshape(7, 2, 3)  # documented time-major layout
    np.testing.assert_array_equal(cube[:, 0], X[:, -1] + 1)
    np.testing.assert_array_equal(cube[:, 1], X[:, -1] + 2)
    _, y0 = make_windows(series, window=4, target=0)
    np.testing.assert_array_equal(y0, t[4:])
    _, y2 = make_windows(series, window=4, horizon=3, target=[2, 0])
    cube = y2.reshape(-1, 3, 2)
    np.testing.assert_array_equal(cube[:, :, 0], cube[:, :, 1] + 200)


def test_pandas_input_and_target_by_column_name():
    frame = pd.DataFrame({"load": np.arange(6.0), "temp": np.arange(6.0) * 10})
    X, y = make_windows(frame, window=2, target="temp")
    assert X.shape == (4, 2, 2)
    np.testing.assert_array_equal(y, [20.0, 30.0, 40.0, 50.0])
    X1, _ = make_windows(frame["load"], window=2)
    assert X1.shape == (4, 2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(series=np.arange(5.0), window=4, horizon=2), "too short.*at least 6"),
        (dict(series=np.zeros((2, 3, 4)), window=1), "1-D .* or 2-D"),
        (dict(series=np.zeros((9, 2)), window=2, target=2), "target must name columns"),
        (dict(series=np.zeros((9, 2)), window=2, target="x"), "not a column"),
        (dict(series=np.zeros(9), window=2, target=1), "None or 0"),
        (dict(series=np.zeros(9), window=0), "window"),
    ],
)
def test_make_windows_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(**kwargs)


def test_recursive_forecast_of_a_linear_trend_is_exact():
    series = 3.0 + 0.5 * np.arange(30)
    X, y = make_windows(series, window=5)
    model = LinearRegression().fit(X, y)
    np.testing.assert_allclose(
        forecast(model, series, steps=7, window=5), 3.0 + 0.5 * np.arange(30, 37), atol=1e-8
    )


def test_recursive_forecast_uses_horizon_blocks_and_only_the_last_window():
    series = np.sin(np.arange(60) / 3)
    X, y = make_windows(series, window=6, horizon=4)
    model = LinearRegression().fit(X, y)
    long_history = np.concatenate([np.full(50, 1e6), series])  # junk before the window
    got = forecast(model, long_history, steps=10, window=6)
    assert got.shape == (10,)
    # by hand: 3 predictions of 4 steps, each fed back
    values = list(series[-6:])
    for _ in range(3):
        values.extend(model.predict(np.array(values[-6:])[None])[0])
    np.testing.assert_allclose(got, values[6:16])
    # the model learned a sine exactly: the forecast continues it
    np.testing.assert_allclose(got, np.sin(np.arange(60, 70) / 3), atol=1e-6)


def test_direct_forecast_takes_the_first_steps_of_one_prediction():
    series = np.cos(np.arange(80) / 4)
    X, y = make_windows(series, window=8, horizon=5)
    model = LinearRegression().fit(X, y)
    got = forecast(model, series, steps=3, window=8, strategy="direct")
    np.testing.assert_allclose(got, model.predict(series[-8:][None])[0, :3])
    with pytest.raises(ValueError, match="horizon >= steps=6"):
        forecast(model, series, steps=6, window=8, strategy="direct")


class FlatWindows:
    """A tabular regressor on flattened (window x features) inputs."""

    def __init__(self, X, y):
        self.model = make_pipeline(StandardScaler(), LinearRegression())
        self.model.fit(X.reshape(len(X), -1), y)

    def predict(self, windows):
        return self.model.predict(windows.reshape(len(windows), -1))


def test_multivariate_recursive_and_direct():
    t = np.arange(40.0)
    series = np.column_stack([t, 2 * t])
    future = np.arange(40.0, 44.0)
    both = FlatWindows(*make_windows(series, window=3))  # predicts both features
    np.testing.assert_allclose(
        forecast(both, series, steps=4, window=3), np.column_stack([future, 2 * future]), atol=1e-6
    )
    first = FlatWindows(*make_windows(series, window=3, target=0, horizon=4))
    np.testing.assert_allclose(
        forecast(first, series, steps=4, window=3, strategy="direct"), future, atol=1e-6
    )


def test_recursive_refuses_a_model_that_does_not_predict_every_feature():
    series = np.random.RandomState(0).normal(size=(30, 2))

    class OneValue:
        def predict(self, windows):
            return np.zeros(len(windows))

    with pytest.raises(ValueError, match="must predict all 2 feature"):
        forecast(OneValue(), series, steps=2, window=4)


def test_forecast_input_errors_and_history_untouched():
    series = np.arange(10.0)
    model = LinearRegression().fit(*make_windows(series, window=3))
    with pytest.raises(ValueError, match="fewer than the window of 12"):
        forecast(model, series, steps=2, window=12)
    with pytest.raises(ValueError, match="steps"):
        forecast(model, series, steps=0, window=3)
    # window=None: the whole history is the window
    np.testing.assert_allclose(forecast(model, series[-3:], steps=2), [10.0, 11.0])
    np.testing.assert_array_equal(series, np.arange(10.0))


def test_forecast_with_a_skrnn_regressor_matches_manual_feedback():
    series = np.sin(np.arange(50) / 2) + np.arange(50) / 10
    X, y = make_windows(series, window=6)
    model = GRURegressor(max_epochs=3, hidden_size=8, random_state=0).fit(X, y)
    got = forecast(model, series, steps=3, window=6)
    window = list(series[-6:])
    for _ in range(3):
        window.append(model.predict(np.array(window[-6:])[None])[0])
    np.testing.assert_allclose(got, window[6:], rtol=1e-6)
