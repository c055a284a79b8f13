"""The torch module behind every skrnn estimator, and the regression loss."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._params import CELLS, DEFAULTS

# A feature whose spread is below this is treated as constant (scale 1).
_MIN_SCALE = 1e-6
# Scalings that standardise each sequence by its own statistics.
_PER_SEQUENCE = ("sequence", "sequence_stats", "last")


class RecurrentNetwork(nn.Module):
    """Input scaling, a stacked GRU/LSTM, temporal pooling and a linear head.

    Parameters
    ----------
    cell : {"gru", "lstm"}
        Recurrent cell type.
    input_size : int
        Number of features per time step.
    output_size : int
        Number of outputs (regression targets or class logits).
    hidden_size : int
        Number of hidden units per direction and layer.
    num_layers : int
        Number of stacked recurrent layers.
    dropout : float
        Dropout between recurrent layers and before the head.
    bidirectional : bool
        Run a second recurrent stack backwards in time.
    pooling : {"last", "mean"}
        How the sequence of hidden states becomes one vector: the final hidden
        state of the top layer (for a bidirectional network, the forward
        state at the last step and the backward state at the first), or the
        mean of the top layer's outputs over the sequence's valid steps.
    scaling : {"global", "sequence", "sequence_stats", "last"} or None
        ``"global"`` standardises inputs with the buffers ``input_shift`` /
        ``input_scale`` (fitted on the training data by the estimator) and,
        for regression, maps outputs to target units with ``output_shift`` /
        ``output_scale``. ``"sequence"`` standardises each sequence with its
        own per-feature mean and standard deviation and, for regression,
        maps the output back with the statistics of input feature 0
        (reversible instance normalisation). ``"last"`` is the same with
        each sequence's last valid step in place of its mean, so that a
        regression output of 0 predicts the last value of feature 0 (the
        anchoring of NLinear). ``"sequence_stats"`` standardises like
        ``"sequence"`` and appends, at every step, each sequence's per-feature
        level and log scale in global units, ``(mean - input_shift) /
        input_scale`` and ``log(std / input_scale)``: ``2 * input_size`` more
        inputs, so the shape of a sequence of any amplitude is readable
        while its level and amplitude stay known. ``None`` does neither.
    regression : bool
        Whether outputs are regression targets (rescaled) or logits (not).
    patch_size : int
        Stride of the front end: the recurrent layers run ``ceil(T /
        patch_size)`` steps on a sequence of ``T`` steps. The default is 1:
        the estimators' ``"auto"`` depends on the training data, so they
        resolve it (``patch_size_``) and pass the int.
    front_end : {"conv", "fold"}
        How the (scaled) time steps become the recurrent layers' input.
        ``"conv"``: a learned :class:`ConvFrontEnd` (two convolutions with
        ``hidden_size`` channels, the first strided by ``patch_size``).
        ``"fold"``: every ``patch_size`` consecutive steps are concatenated
        into one step with ``patch_size * input_size`` features (with
        ``patch_size=1``: the raw steps).
    highway_window : int
        Steps of the linear "highway" (LSTNet's autoregressive term): a
        zero-initialised ``Linear(highway_window * input_size,
        output_size)`` over each sequence's last ``highway_window`` valid
        scaled steps (zeros before a shorter sequence's start), added to the
        head's output. ``0`` (the default; the estimators resolve their
        ``"auto"``) has none.

    Notes
    -----
    ``forward`` takes a padded batch ``X`` of shape ``(batch, time, features)``
    and the true ``lengths``; when lengths differ, the recurrent layers read
    the batch packed (or, for a forward-only LSTM, dense with its outputs
    read at the valid steps only), so a sequence's output never depends on
    the padding added for longer ones.

    The parameters the estimators share default to the estimators' defaults
    (:data:`skrnn._params.DEFAULTS`), except ``patch_size`` (1) and
    ``scaling`` (``"global"``), whose ``"auto"`` the estimators resolve from
    the training data.
    """

    def __init__(
        self,
        cell: str = DEFAULTS["cell"],
        input_size: int = 1,
        output_size: int = 1,
        hidden_size: int = DEFAULTS["hidden_size"],
        num_layers: int = DEFAULTS["num_layers"],
        dropout: float = DEFAULTS["dropout"],
        bidirectional: bool = DEFAULTS["bidirectional"],
        pooling: str = DEFAULTS["pooling"],
        scaling: str | None = "global",
        regression: bool = True,
        patch_size: int = 1,
        front_end: str = DEFAULTS["front_end"],
        highway_window: int = 0,
    ):
        super().__init__()
        self.cell = cell
        self.pooling = pooling
        self.scaling = scaling
        self.regression = regression
        self.patch_size = patch_size
        self.front_end = front_end
        self.num_directions = 2 if bidirectional else 1
        self.register_buffer("input_shift", torch.zeros(input_size))
        self.register_buffer("input_scale", torch.ones(input_size))
        self.register_buffer("output_shift", torch.zeros(output_size))
        self.register_buffer("output_scale", torch.ones(output_size))
        scaled_size = input_size * (3 if scaling == "sequence_stats" else 1)
        if front_end == "conv":
            self.conv = ConvFrontEnd(scaled_size, hidden_size, patch_size)
            rnn_input_size = hidden_size
        else:
            rnn_input_size = scaled_size * patch_size
        self.rnn = CELLS[cell](
            input_size=rnn_input_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            # torch only applies this between layers (and warns otherwise)
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
            batch_first=True,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size * self.num_directions, output_size)
        self.highway_window = highway_window
        if highway_window:
            self.highway = nn.Linear(highway_window * input_size, output_size)
            # zero: the fit starts from the recurrent model alone
            nn.init.zeros_(self.highway.weight)
            nn.init.zeros_(self.highway.bias)

    def set_scaling(self, input_shift, input_scale, output_shift=None, output_scale=None):
        """Set the global standardisation fitted on the training data."""
        self.input_shift.copy_(torch.as_tensor(input_shift, dtype=torch.float32))
        self.input_scale.copy_(torch.as_tensor(input_scale, dtype=torch.float32))
        if output_shift is not None:
            self.output_shift.copy_(torch.as_tensor(output_shift, dtype=torch.float32))
            self.output_scale.copy_(torch.as_tensor(output_scale, dtype=torch.float32))

    def forward(self, X: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        lengths, mask = _valid_steps(X, lengths)
        if self.scaling in _PER_SEQUENCE:
            shift, spread = _sequence_statistics(X, mask, lengths)
            # a constant feature is divided by 1, not by its (zero) spread
            scale = torch.where(spread > _MIN_SCALE * shift.abs().clamp_min(1.0), spread,
                                torch.ones_like(spread))
            if self.scaling == "last":
                shift = _last_steps(X, lengths, 1)  # (batch, features)
            X = (X - shift[:, None]) / scale[:, None]
        elif self.scaling == "global":
            X = (X - self.input_shift) / self.input_scale
        highway = (self.highway(_last_steps(X, lengths, self.highway_window))
                   if self.highway_window else None)
        if self.scaling == "sequence_stats":
            # level and log amplitude (a constant sequence: the smallest)
            stats = torch.cat([(shift - self.input_shift) / self.input_scale,
                               torch.log((spread / self.input_scale).clamp_min(_MIN_SCALE))],
                              dim=1)
            X = torch.cat([X, stats[:, None].expand(-1, X.shape[1], -1)], dim=2)
        if self.front_end == "conv":
            X, lengths, mask = self.conv(X, lengths, mask)
        elif self.patch_size > 1:
            X, lengths, mask = _patch(X, lengths, mask, self.patch_size)

        y = self.head(self.dropout(self._encode(X, lengths, mask)))
        if highway is not None:
            y = y + highway
        if not self.regression:
            return y
        if self.scaling in _PER_SEQUENCE:
            return y * scale[:, :1] + shift[:, :1]
        return y * self.output_scale + self.output_shift

    def _encode(self, X, lengths, mask):
        """Run the recurrent stack and pool its outputs to one vector per sequence."""
        if mask is not None and self.cell == "lstm" and self.num_directions == 1:
            # A forward-only recurrence never reads ahead, so over the padded
            # batch its outputs at valid steps are those of the packed run.
            # torch's packed LSTM on CPU steps op by op: 13-17x slower than
            # the dense oneDNN kernel (batch 8-32, hidden 64, 65-218 steps).
            # (FastGRU runs packed batches natively and keeps packing.)
            out, _ = self.rnn(X)
            if self.pooling == "last":
                return out[torch.arange(out.shape[0], device=out.device), lengths - 1]
            return (out * mask).sum(1) / lengths[:, None].to(out.dtype)
        if mask is not None:  # ragged batch: pack so padding is never read
            packed = pack_padded_sequence(X, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, state = self.rnn(packed)
        else:
            out, state = self.rnn(X)

        if self.pooling == "last":
            h_n = state[0] if isinstance(state, tuple) else state  # LSTM: (h, c)
            # h_n: (layers * directions, batch, hidden); keep the top layer
            return torch.cat(list(h_n[-self.num_directions :]), dim=1)
        if mask is None:
            return out.mean(1)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=X.shape[1])
        return (out * mask).sum(1) / lengths[:, None].to(out.dtype)


class ConvFrontEnd(nn.Module):
    """Two 1-d convolutions that turn scaled time steps into recurrent inputs.

    ``Conv1d(input_size -> channels, kernel=max(3, 2 * stride + 1),
    stride=stride) + ReLU + Conv1d(channels -> channels, 3) + ReLU``, both
    "same"-padded, so a sequence of ``T`` steps becomes ``ceil(T / stride)``
    steps of ``channels`` features. Unlike folding, the first kernel overlaps
    neighbouring patches (a pattern is seen whole wherever it falls) and the
    learned filters extract local shape features, which the recurrent layers
    then only have to combine over time.

    Parameters
    ----------
    input_size : int
        Features per input step.
    channels : int
        Output channels of both convolutions.
    stride : int
        Stride of the first convolution (the estimators' ``patch_size``).

    Notes
    -----
    Ragged batches: steps past a sequence's end are zeroed before each
    convolution, which is exactly the zero padding the convolution adds at
    the end of a sequence that fills the batch. So a sequence's valid outputs
    never depend on the other sequences of its batch. Only plain
    ``Conv1d``/``ReLU`` and mask products are used (ONNX-exportable).
    """

    def __init__(self, input_size: int, channels: int, stride: int):
        super().__init__()
        self.stride = stride
        kernel = max(3, 2 * stride + 1)  # odd, and overlapping both neighbours
        # padding kernel // 2 = stride (for stride >= 1) makes the output length
        # floor((T - 1) / stride) + 1 = ceil(T / stride)
        self.conv1 = nn.Conv1d(input_size, channels, kernel, stride=stride, padding=kernel // 2)
        self.conv2 = nn.Conv1d(channels, channels, 3, padding=1)
        self.activation = nn.ReLU()

    def forward(self, X, lengths=None, mask=None):
        """Map ``(batch, T, input_size)`` to ``(batch, ceil(T / stride), channels)``.

        Returns the new steps with their lengths and validity mask (both
        None when the batch holds no padding).
        """
        if mask is not None:
            X = X * mask
        h = self.activation(self.conv1(X.transpose(1, 2)))
        if lengths is not None:
            out_lengths = torch.div(lengths + self.stride - 1, self.stride, rounding_mode="floor")
            lengths, mask = _valid_steps(h.transpose(1, 2), out_lengths)
        if mask is not None:
            # conv2 reads one step past the end: it must see zeros there, as
            # it would for the same sequence alone
            h = h * mask.transpose(1, 2)
        h = self.activation(self.conv2(h))
        return h.transpose(1, 2), lengths, mask


def _valid_steps(X, lengths):
    """Lengths on X's device and a (batch, time, 1) validity mask, or None if all full."""
    if lengths is None or bool((lengths == X.shape[1]).all()):
        return None, None
    lengths = lengths.to(X.device)
    mask = torch.arange(X.shape[1], device=X.device)[None, :] < lengths[:, None]
    return lengths, mask.unsqueeze(-1)


def _patch(X, lengths, mask, size):
    """Fold every ``size`` consecutive steps into one step of ``size`` times the features.

    A sequence of T steps becomes ceil(T / size) steps; the last patch is
    completed with zeros (the standardised mean), and so is everything past a
    ragged sequence's end, so a patch never depends on the batch it is in.
    """
    batch, total, n_features = X.shape
    if mask is not None:
        X = X * mask
    # Pad unconditionally (a zero-width pad is a no-op): under ONNX export the
    # time length is symbolic, and a Python ``if extra:`` would bake in the
    # branch taken for the example input's length.
    extra = -total % size
    X = torch.nn.functional.pad(X, (0, 0, 0, extra))
    X = X.reshape(batch, (total + extra) // size, size * n_features)
    if lengths is None:
        return X, None, None
    lengths, mask = _valid_steps(X, torch.div(lengths + size - 1, size, rounding_mode="floor"))
    return X, lengths, mask


def _last_steps(X, lengths, window):
    """Each sequence's last ``window`` valid steps, flattened: ``(batch, window * features)``.

    Steps before a shorter sequence's start are zeros. Indices are gathered
    from the lengths, not sliced, so one exported graph serves every length.
    """
    batch, total, n_features = X.shape
    if lengths is None:
        lengths = torch.full((batch,), total, dtype=torch.long, device=X.device)
    index = lengths.to(X.device)[:, None] - window + torch.arange(window, device=X.device)[None]
    inside = (index >= 0).unsqueeze(-1).to(X.dtype)
    index = index.clamp(min=0).unsqueeze(-1).expand(batch, window, n_features)
    return (torch.gather(X, 1, index) * inside).reshape(batch, window * n_features)


def _sequence_statistics(X, mask, lengths):
    """Per-sequence, per-feature mean and standard deviation over valid steps (may be 0)."""
    if mask is None:
        mean = X.mean(1)
        std = X.std(1, unbiased=False)
    else:
        count = lengths[:, None].to(X.dtype)
        mean = (X * mask).sum(1) / count
        std = ((((X - mean[:, None]) * mask) ** 2).sum(1) / count).sqrt()
    return mean, std


#: The regression losses, named as scikit-learn's HistGradientBoostingRegressor names them.
REGRESSION_LOSSES = ("squared_error", "absolute_error", "huber", "quantile")
#: ``loss="huber"``: quadratic within this many target standard deviations, linear beyond.
HUBER_DELTA = 1.0


def elementwise_regression_loss(residual: torch.Tensor, loss: str, quantile: float | None = None,
                                delta: float = HUBER_DELTA) -> torch.Tensor:
    """The loss of each standardised residual ``(y_true - y_pred) / scale``.

    ``"squared_error"`` r², ``"absolute_error"`` |r|, ``"huber"`` r²/2 within
    ``delta`` and ``delta * (|r| - delta/2)`` beyond, ``"quantile"`` the pinball
    loss ``max(q * r, (q - 1) * r)``, minimised by the ``q``-quantile.
    """
    if loss == "squared_error":
        return residual ** 2
    if loss == "absolute_error":
        return residual.abs()
    if loss == "huber":
        absolute = residual.abs()
        return torch.where(absolute <= delta, 0.5 * residual ** 2, delta * (absolute - 0.5 * delta))
    if loss == "quantile":
        return torch.maximum(quantile * residual, (quantile - 1) * residual)
    raise ValueError(f"Unknown regression loss {loss!r}; expected one of {REGRESSION_LOSSES}.")


class StandardizedRegressionLoss(nn.Module):
    """A regression loss on residuals divided by each output's scale first.

    The network predicts in target units; dividing by the training standard
    deviation of each output keeps the loss (and the learning dynamics)
    independent of the units and balances outputs of different scales.

    Parameters
    ----------
    scale : sequence of float
        Standard deviation of each output on the training data.
    reduction : {"mean", "none"}, default="mean"
        ``"none"`` returns one loss per sequence (the mean over its outputs),
        for the estimators to weight.
    loss : {"squared_error", "absolute_error", "huber", "quantile"}, default="squared_error"
        See :func:`elementwise_regression_loss`.
    quantile : float or None, default=None
        The quantile of ``loss="quantile"``.
    """

    def __init__(self, scale=(1.0,), reduction="mean", loss="squared_error", quantile=None):
        super().__init__()
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        self.reduction = reduction
        self.loss = loss
        self.quantile = quantile

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        y_true = y_true.reshape(y_pred.shape)
        residual = (y_true - y_pred) / self.scale
        if self.loss == "squared_error":  # the historical expression, bit for bit
            losses = ((y_pred - y_true) / self.scale) ** 2
        else:
            losses = elementwise_regression_loss(residual, self.loss, self.quantile)
        return losses.mean() if self.reduction == "mean" else losses.mean(dim=1)


#: The squared-error loss under its earlier name.
StandardizedMSELoss = StandardizedRegressionLoss
