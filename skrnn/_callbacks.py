"""skorch callbacks that skrnn adds to every net."""

from __future__ import annotations

import math

import torch
from skorch.callbacks import Callback

from ._dataset import batch_weight
from .exceptions import TrainingDivergedError


class WeightedEpochLoss(Callback):
    """Make the epoch's ``train_loss`` and ``valid_loss`` weighted means over sequences.

    skorch averages the batch losses of an epoch weighted by the batch
    sizes it records as ``train_batch_size`` / ``valid_batch_size``. A batch
    loss is the weighted mean over its sequences, so recording the batch's
    total weight instead makes the epoch loss ``sum(w_i * l_i) / sum(w_i)``
    over all sequences, however they are batched. A batch of zero weight
    (loss 0) is recorded with the smallest positive weight, so that an epoch
    of zero weight gives 0 rather than a division by zero. Only added to
    weighted fits.
    """

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        X, y = batch
        weight = max(batch_weight(X, len(y)), torch.finfo(torch.float64).tiny)
        net.history.record_batch(("train" if training else "valid") + "_batch_size", weight)


class FiniteLossGuard(Callback):
    """Stop training with a clear error as soon as a loss is NaN or infinite.

    Without it, a diverging run (too large a learning rate, unscaled data)
    ends "successfully" with NaN weights, and every prediction is NaN.
    """

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        # ``loss.item()`` (the net has just called it too) and a float check
        # cost a fraction of ``torch.isfinite(loss).all()`` on every batch.
        if loss is None:
            return
        value = loss.item()
        if math.isfinite(value):
            return
        epoch = len(net.history)
        n_batch = len(net.history[-1]["batches"])
        phase = "training" if training else "validation"
        kind = "NaN" if math.isnan(value) else "infinite"
        raise TrainingDivergedError(
            f"Training diverged: the {phase} loss became {kind} at epoch {epoch}, "
            f"batch {n_batch}; the model was not fitted. Lower the learning rate "
            f"(lr={net.lr:g}), keep gradient clipping on (gradient_clip), or check "
            "the scale of X and y (scaling=None disables standardisation).",
            epoch=epoch,
            batch=n_batch,
        )


def format_seconds(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``: short durations for a progress line."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class EpochProgress(Callback):
    """``verbose=1``: epoch i / N with the monitored loss, elapsed time and ETA.

    On a terminal (``file.isatty()``) a tqdm progress bar over the epochs;
    otherwise (a file, a pipe, a notebook or CI log) plain lines without
    escape codes, about 20 per fit (the first and last epoch included, and at
    least one every 30 s). ``N`` is the number of epochs planned for this
    call (``max_epochs`` with ``"auto"`` resolved, 1 for ``partial_fit``);
    when the plateau rule ends the fit sooner, the last line says so.

    Parameters
    ----------
    monitor : str
        History key of the loss shown.
    name : str
        Estimator name, at the start of each line.
    file : file object or None, default=None
        Where to write; None is ``sys.stdout`` at the start of training.
    """

    #: plain mode: at most about this many lines per fit, and one every LINE_SECONDS
    LINES, LINE_SECONDS = 20, 30.0

    def __init__(self, monitor: str, name: str, file=None):
        self.monitor = monitor
        self.name = name
        self.file = file
        self.epochs = None  # set by the estimator before each call

    def on_train_begin(self, net, **kwargs):
        import sys
        import time

        self.out_ = self.file if self.file is not None else sys.stdout
        self.total_ = int(self.epochs or net.max_epochs)
        self.first_ = len(net.history)  # epochs of earlier calls (partial_fit, warm start)
        self.start_ = self.last_line_ = time.perf_counter()
        self.bar_ = None
        isatty = getattr(self.out_, "isatty", None)
        if callable(isatty) and isatty():
            try:
                from tqdm import tqdm
            except ImportError:  # plain lines then
                tqdm = None
            if tqdm is not None:
                self.bar_ = tqdm(total=self.total_, desc=self.name, unit="epoch",
                                 file=self.out_, leave=True, dynamic_ncols=True)

    def on_epoch_end(self, net, **kwargs):
        import time

        done = len(net.history) - self.first_
        loss = net.history[-1].get(self.monitor)
        if self.bar_ is not None:
            if loss is not None:
                self.bar_.set_postfix_str(f"{self.monitor}={loss:.4g}", refresh=False)
            self.bar_.update(1)
            return
        now = time.perf_counter()
        every = max(1, -(-self.total_ // self.LINES))
        if done in (1, self.total_) or done % every == 0 or now - self.last_line_ >= self.LINE_SECONDS:
            elapsed = now - self.start_
            eta = elapsed / done * (self.total_ - done)
            loss_text = f"  {self.monitor} {loss:.4g}" if loss is not None else ""
            self._line(f"epoch {done}/{self.total_}{loss_text}  elapsed {format_seconds(elapsed)}"
                       f"  ETA {format_seconds(eta)}")
            self.last_line_ = now

    def on_train_end(self, net, **kwargs):
        import time

        done = len(net.history) - self.first_
        elapsed = format_seconds(time.perf_counter() - self.start_)
        callbacks = dict(net.callbacks_)
        best = getattr(callbacks.get("best_weights"), "best_epoch_", None)
        best_text = f"; weights of epoch {best} kept" if best else ""
        if self.first_:  # partial_fit or a warm start: epochs counted since the first call
            best_text += f" ({len(net.history)} epochs in all)"
        if done >= self.total_:
            text = f"done: {done}/{self.total_} epochs in {elapsed}{best_text}"
        elif getattr(callbacks.get("plateau_stopping"), "stopped_", False):
            patience = callbacks["plateau_stopping"].patience
            text = (f"stopped early at epoch {done}/{self.total_} in {elapsed}: no improvement "
                    f"of {self.monitor} for {patience} epochs{best_text}")
        else:
            text = f"interrupted at epoch {done}/{self.total_} after {elapsed}{best_text}"
        if self.bar_ is not None:
            self.bar_.close()
            self.bar_ = None
        self._line(text)

    def _line(self, text: str):
        self.out_.write(f"[{self.name}] {text}\n")
        self.out_.flush()

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("out_", "bar_"):  # a stream and a bar do not pickle
            state.pop(key, None)
        return state
