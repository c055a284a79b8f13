"""Preparing data for the recurrent estimators.

* :func:`make_windows` and :func:`forecast`: from a time series to a
  supervised data set, and from a fitted regressor back to forecasts;
* :class:`SequenceScaler`: per-feature standardisation of sequence data,
  as a pipeline step;
* :func:`pad_sequences` / :func:`unpad_sequences`: ragged lists to one
  padded array (with lengths) and back;
* :func:`from_channels_first` / :func:`to_channels_first`: the aeon /
  sktime ``(n_cases, n_channels, n_timepoints)`` layout to skrnn's and back.
"""

from ._forecast import forecast
from ._layout import from_channels_first, to_channels_first
from ._ragged import pad_sequences, unpad_sequences
from ._scaler import SequenceScaler
from ._windows import make_windows

__all__ = [
    "SequenceScaler",
    "forecast",
    "from_channels_first",
    "make_windows",
    "pad_sequences",
    "to_channels_first",
    "unpad_sequences",
]
