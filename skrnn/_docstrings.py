"""Shared numpydoc fragments, so six estimator classes document one truth."""

CELL = """\
cell : {"gru", "lstm"}, default="gru"
        Recurrent cell. Exposed as a parameter so that a search can treat the
        architecture like any other hyperparameter."""

NETWORK = """\
hidden_size : int, default=64
        Hidden units per layer and direction.
    num_layers : int, default=1
        Number of stacked recurrent layers.
    dropout : float, default=0.0
        Dropout probability between recurrent layers and before the output
        layer.
    bidirectional : bool, default=False
        Also read each sequence backwards and concatenate both directions.
    pooling : {"mean", "last"}, default="mean"
        How the hidden states become one vector per sequence: the mean of the
        top layer's outputs over the sequence's valid time steps (gradients
        reach every step directly, which trains faster and more reliably), or
        the final hidden state.
    patch_size : int or "auto", default="auto"
        Stride of the front end (see ``front_end``): the recurrent layers run
        ``ceil(n_timesteps / patch_size)`` steps, so long sequences train much
        faster and gradients cross fewer steps. ``"auto"`` picks
        ``round(median training length / 100)`` (at least 1), so sequences of
        up to about 150 steps are read step by step. The fitted value is
        ``patch_size_``.
    front_end : {"conv", "fold"} or None, default="conv"
        What turns the (scaled) time steps into the recurrent layers' input.

        * ``"conv"``: two learned 1-d convolutions with ``hidden_size``
          channels (kernel ``max(3, 2 * patch_size + 1)`` with stride
          ``patch_size``, then kernel 3), each followed by a ReLU. They
          extract local shape features, which the recurrent layers only have
          to combine over time; on the classification benchmarks this is
          much more accurate than feeding raw steps (see the Benchmarks page
          of the user guide).
        * ``"fold"``: concatenate every ``patch_size`` consecutive steps
          into one step with ``patch_size`` times the features (no extra
          weights).
        * ``None``: same as ``"fold"``; with ``patch_size=1`` the recurrent
          layers read the raw time steps.

        In a ragged batch, steps past a sequence's end are zeroed before
        each convolution, so a prediction never depends on the other
        sequences of the batch."""

TRAINING = """\
max_epochs : int, default=100
        Maximum number of passes over the training data.
    batch_size : int, default=32
        Sequences per gradient step.
    lr : float, default=3e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or callable, default="adam"
        Optimizer name, or a ``torch.optim.Optimizer`` class (or a
        ``functools.partial`` of one, to set further options such as
        ``momentum``).
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    gradient_clip : float or None, default=1.0
        Clip the global gradient norm to this value at each step (``None``
        disables clipping). Guards against exploding gradients through time.
    early_stopping : bool, default=False
        Hold out part of the training data (see ``validation_fraction``), stop
        when the validation loss has not improved for ``patience`` epochs, and
        restore the weights of the best epoch. When False, training stops when
        the *training* loss has not improved for ``patience`` epochs.
    patience : int, default=10
        Epochs without an improvement of more than ``tol`` (relative) in the
        monitored loss before training stops.
    tol : float, default=1e-4
        Relative improvement of the monitored loss that counts as progress.
    validation_fraction : float or callable, default=0.1
        Share of the training sequences held out for early stopping.
        Regressors hold out the *last* sequences (the most recent ones for
        time-ordered windows), so nothing is validated on the past after
        training on the future. Classifiers hold out a random, class-stratified
        share (seeded by ``random_state``), since classification data is often
        sorted by class. A callable ``split(dataset, y) -> (train, valid)``
        such as a ``skorch.dataset.ValidSplit`` is used as given.
    shuffle : bool, default=True
        Shuffle the training sequences at every epoch.
    scaling : {"global", "sequence"} or None, default="global"
        How inputs (and regression targets) are standardised inside the
        network, so that raw data can be passed in and predictions come out in
        the original units.

        * ``"global"``: each input feature by its mean and standard deviation
          over all time steps of the training data; regression targets by
          their training mean and standard deviation.
        * ``"sequence"``: each sequence by its *own* per-feature mean and
          standard deviation (reversible instance normalisation). For
          regression the output is mapped back with the statistics of input
          feature 0, i.e. the target is assumed to be in the units of the first
          input feature, as when forecasting a series from its recent
          windows. The right choice for trending or level-shifting series,
          where values at prediction time lie outside the training range.
        * ``None``: no scaling."""

RUNTIME = """\
random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout and shuffling. With an int, two
        fits on the same data give identical models on CPU. The global torch
        random state of the caller is left untouched.
    device : str or torch.device, default="cpu"
        Where to train and predict, e.g. ``"cuda"``.
    verbose : int, default=0
        ``0`` is silent; ``1`` prints skorch's table of per-epoch losses.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks, e.g. ``skorch.callbacks.Checkpoint``. They are
        added after skrnn's own early-stopping and clipping callbacks.
    inference : {"torch", "onnx"}, default="torch"
        What runs ``predict`` (and ``predict_proba``). ``"torch"`` runs the
        fitted network directly. ``"onnx"`` exports it once (on first use,
        in memory) and runs it with onnxruntime on the CPU, which is usually
        several times faster for small batches and real-time use; it needs
        ``pip install 'skrnn[onnx]'``. Both give the same predictions up to
        float32 rounding (about 1e-6); see :meth:`to_onnx`."""

FITTED = """\
net_ : skorch.NeuralNet
        The fitted skorch net; ``net_.history`` holds per-epoch losses and
        ``net_.module_`` the :class:`torch.nn.Module`.
    n_features_in_ : int
        Number of features per time step seen during fit. There is no
        ``feature_names_in_``: a 2-D DataFrame's columns are time steps, not
        features; predict accepts other column labels and counts (other
        lengths), and refuses only fit's columns in another order.
    patch_size_ : int
        Patch size used (``patch_size`` with ``"auto"`` resolved).
    n_iter_ : int
        Number of epochs trained (fewer than ``max_epochs`` after early
        stopping)."""


def fill_doc(obj):
    """Substitute the shared fragments into ``obj.__doc__``."""
    obj.__doc__ = obj.__doc__.format(
        cell=CELL, network=NETWORK, training=TRAINING, runtime=RUNTIME, fitted=FITTED
    )
    return obj
