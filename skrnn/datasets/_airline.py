"""The bundled monthly airline passengers series."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
from sklearn.utils import Bunch


def load_airline(*, as_frame=False):
    """Load the monthly airline passengers series (1949-1960).

    144 monthly totals of international airline passengers (thousands), the
    series G of Box & Jenkins; public domain, shipped with skrnn.

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``data`` is a :class:`pandas.Series` indexed by a monthly
        :class:`pandas.PeriodIndex` (requires pandas).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With fields

        data : ndarray of shape (144,) or pandas.Series
            Passengers per month, float64, oldest first.
        dates : ndarray of shape (144,), dtype datetime64[M]
            The month of each value.
        feature_names : list of str
            ``["passengers"]``.
        DESCR : str
            Description of the data set.

    Examples
    --------
    >>> from skrnn.datasets import load_airline
    >>> airline = load_airline()
    >>> airline.data.shape
    (144,)
    >>> str(airline.dates[0]), float(airline.data[0])
    ('1949-01', 112.0)
    """
    root = resources.files("skrnn.datasets")
    with (root / "data" / "airline.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    dates = np.array([r[0] for r in rows], dtype="datetime64[M]")
    values = np.array([float(r[1]) for r in rows])
    descr = (root / "descr" / "airline.rst").read_text(encoding="utf-8")
    if as_frame:
        import pandas as pd

        values = pd.Series(
            values, index=pd.PeriodIndex(dates.astype(str), freq="M"), name="passengers"
        )
    return Bunch(data=values, dates=dates, feature_names=["passengers"], DESCR=descr)
