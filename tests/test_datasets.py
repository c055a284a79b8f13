import numpy as np
import pandas as pd

from skrnn.datasets import load_airline


def test_load_airline_values_and_dates():
    airline = load_airline()
    assert airline.data.shape == (144,)
    assert airline.data.dtype == np.float64
    assert airline.data[0] == 112 and airline.data[-1] == 432
    assert airline.data.sum() == 40363  # Box & Jenkins series G
    assert str(airline.dates[0]) == "1949-01" and str(airline.dates[-1]) == "1960-12"
    assert (np.diff(airline.dates).astype(int) == 1).all()
    assert "Jenkins" in airline.DESCR


def test_load_airline_as_frame():
    series = load_airline(as_frame=True).data
    assert isinstance(series, pd.Series)
    assert series.index.freqstr.startswith("M")
    assert series["1960-07"] == 622
