"""The estimators' parameters, written once.

:data:`PARAMS` is the single table of the hyperparameters every skrnn
estimator takes. From it are generated the estimators' ``__init__``
(:func:`make_init`), their ``_parameter_constraints`` (:data:`CONSTRAINTS`)
and the "Parameters" sections of their docstrings (:func:`parameter_docs`);
:class:`~skrnn._module.RecurrentNetwork` takes its defaults from
:data:`DEFAULTS`.

This module sits below :mod:`skrnn._module` and :mod:`skrnn._base`, so the
option sets the parameters accept live here too.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, Options, StrOptions

from ._gru import FastGRU

# What each string option selects. FastGRU is nn.GRU with a compiled CPU
# kernel (same parameters and results).
CELLS = {"gru": FastGRU, "lstm": torch.nn.LSTM}
POOLINGS = ("last", "mean")
SCALINGS = ("global", "sequence", "sequence_stats", "last")
FRONT_ENDS = ("conv", "fold")
OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}
INFERENCE_BACKENDS = ("torch", "onnx")

# The groups of parameters, in their order in the Parameters section of a
# class docstring (see ``skrnn._docstrings.estimator_doc``).
GROUPS = ("cell", "network", "training", "runtime")

# The kinds of estimator; a parameter belongs to some or all of them.
TASKS = ("regressor", "classifier")


@dataclass(frozen=True)
class Param:
    """One estimator hyperparameter.

    Parameters
    ----------
    name : str
        Parameter (and attribute) name.
    default : object
        Default value. It must be immutable: scikit-learn's ``clone`` checks
        that ``__init__`` stores what it is given.
    constraints : tuple
        scikit-learn ``_param_validation`` constraints, checked in ``fit``.
    group : {"cell", "network", "training", "runtime"}
        Docstring section the parameter is documented in.
    doc : str
        numpydoc text: the type on the first line (without the default,
        which is added from ``default``), then the description. Indentation
        is removed, so it can be written indented in the table.
    tasks : tuple of {"regressor", "classifier"}, default=TASKS
        The estimators that take the parameter (``class_weight`` is for
        classifiers only); the others' ``__init__`` and docstrings leave it out.
    """

    name: str
    default: object
    constraints: tuple
    group: str
    doc: str
    tasks: tuple = TASKS

    def numpydoc(self) -> str:
        """The numpydoc entry: ``name : type, default=...`` and the description."""
        type_, _, description = textwrap.dedent(self.doc).strip().partition("\n")
        header = f"{self.name} : {type_}, default={_literal(self.default)}"
        return f"{header}\n{textwrap.indent(description, '    ')}"


def _literal(value) -> str:
    """``value`` as written in a docstring: ``"gru"``, ``3e-3``, ``None``."""
    if isinstance(value, str):
        return f'"{value}"'
    text = repr(value)
    if isinstance(value, float):
        # 3e-3 rather than 0.003, where exact and shorter
        short = f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e+")
        if float(short) == value and len(short) < len(text):
            text = short
    return text


_POSITIVE_INT = (Interval(Integral, 1, None, closed="left"),)

# THE TABLE. To add a parameter, add one Param here, in the position it
# should take in the signature and the docstring; ``fit`` then reads it as
# ``self.<name>``. Nothing else needs editing: __init__, validation and
# documentation follow. Keep the default immutable.
PARAMS = (
    # -- cell: the only positional parameter, absent where a class fixes it
    Param("cell", "gru", (StrOptions(set(CELLS)),), "cell", """
        {"gru", "lstm"}
        Recurrent cell. Exposed as a parameter so that a search can treat the
        architecture like any other hyperparameter.
        """),
    # -- network
    Param("hidden_size", 64, _POSITIVE_INT, "network", """
        int
        Hidden units per layer and direction.
        """),
    Param("num_layers", 1, _POSITIVE_INT, "network", """
        int
        Number of stacked recurrent layers.
        """),
    Param("dropout", 0.0, (Interval(Real, 0, 1, closed="left"),), "network", """
        float
        Dropout probability between recurrent layers and before the output
        layer.
        """),
    Param("bidirectional", False, ("boolean",), "network", """
        bool
        Also read each sequence backwards and concatenate both directions.
        """),
    Param("pooling", "mean", (StrOptions(set(POOLINGS)),), "network", """
        {"mean", "last"}
        How the hidden states become one vector per sequence: the mean of the
        top layer's outputs over the sequence's valid time steps (gradients
        reach every step directly, which trains faster and more reliably), or
        the final hidden state.
        """),
    Param("patch_size", "auto", _POSITIVE_INT + (StrOptions({"auto"}),), "network", """
        int or "auto"
        Stride of the front end (see ``front_end``): the recurrent layers run
        ``ceil(n_timesteps / patch_size)`` steps, so long sequences train much
        faster and gradients cross fewer steps. ``"auto"`` picks
        ``round(median training length / 100)`` (at least 1), so sequences of
        up to about 150 steps are read step by step. The fitted value is
        ``patch_size_``.
        """),
    Param("front_end", "conv", (StrOptions(set(FRONT_ENDS)),), "network", """
        {"conv", "fold"}
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
          weights); with ``patch_size=1`` the recurrent layers read the raw
          time steps.

        In a ragged batch, steps past a sequence's end are zeroed before
        each convolution, so a prediction never depends on the other
        sequences of the batch.
        """),
    Param("highway_window", "auto", (Interval(Integral, 0, None, closed="left"),
                                     StrOptions({"auto"})), "network", """
        int or "auto"
        A linear term over the last ``highway_window`` (scaled) time steps of
        every feature, added to the network's output: the autoregressive
        "highway" of LSTNet (Lai et al., 2018). Its weights start at zero, so
        training starts from the recurrent model alone and the linear part
        grows where it pays; the recurrent layers then model what a linear
        autoregression misses. ``0`` switches it off. ``"auto"``: regressors
        read whole sequences, up to 256 weights per output (the last
        ``min(longest training sequence, 256 // n_features)`` steps; with
        ``scaling="last"``, an autoregression on the changes from the last
        value: on the forecasting benchmarks it brought noisy and cyclic
        series near the ARIMA baselines, see the Benchmarks page);
        classifiers read whole sequences of up to 256 values (steps times
        features) and none when longer: a class is not told by a
        sequence's last steps. A sequence shorter than the window reads zeros
        (the scaled mean, or the last value) before its start. The fitted
        value is ``highway_window_``.
        """),
    # -- training
    Param("max_epochs", "auto", _POSITIVE_INT + (StrOptions({"auto"}),), "training", """
        int or "auto"
        Maximum number of passes over the training data. ``"auto"`` plans
        enough epochs for ``min_steps`` optimizer steps, and at least for the
        steps of 100 epochs in batches of 32 (so large data sets train as
        long as before); the resolved plan is ``training_plan_``.
        """),
    Param("batch_size", "auto", _POSITIVE_INT + (StrOptions({"auto"}),), "training", """
        int or "auto"
        Sequences per optimizer step. ``"auto"`` takes a sixteenth of the
        training sequences, at least 8 and at most 32: a small data set gets
        about 16 steps per epoch instead of one or two (batches of 32 gave a
        36-sequence set 24-64 steps in all, and it stayed at chance level),
        a large one keeps batches of 32.
        """),
    Param("min_steps", 1000, (Interval(Integral, 0, None, closed="left"),), "training", """
        int
        Optimizer steps before the plateau rule (see ``patience``) may end
        the fit, at most as many as ``max_epochs`` allows. On small data the
        loss sits on its initial plateau, a constant prediction, for hundreds
        of steps before it drops; with ``max_epochs="auto"`` every fit gets
        at least this many steps.
        """),
    Param("lr", 3e-3, (Interval(Real, 0, None, closed="neither"),), "training", """
        float
        Peak learning rate (see ``lr_schedule``).
        """),
    Param("lr_schedule", "cosine", (StrOptions({"cosine", "constant"}),), "training", """
        {"cosine", "constant"}
        Learning rate per optimizer step after the warm-up: ``"cosine"``
        decays it from ``lr`` to ``lr / 100`` along half a cosine over the
        planned steps (``training_plan_.total_steps``), so the last epochs
        refine the weights instead of jumping around (late loss spikes were
        seen at a constant rate); ``"constant"`` keeps ``lr``. The rate of
        each epoch is in ``net_.history[:, "lr"]``.
        """),
    Param("warmup_steps", "auto", (Interval(Integral, 0, None, closed="left"),
                                   StrOptions({"auto"})), "training", """
        int or "auto"
        Optimizer steps over which the learning rate rises linearly to
        ``lr``: Adam's first steps, made with poor moment estimates, are the
        least reliable. ``"auto"`` is 5 % of the planned steps, at most 100;
        0 disables the warm-up.
        """),
    Param("optimizer", "adam", (StrOptions(set(OPTIMIZERS)), callable), "training", """
        {"adam", "adamw", "sgd", "rmsprop"} or callable
        Optimizer name, or a ``torch.optim.Optimizer`` class (or a
        ``functools.partial`` of one, to set further options such as
        ``momentum``).
        """),
    Param("weight_decay", 0.0, (Interval(Real, 0, None, closed="left"),), "training", """
        float
        L2 penalty passed to the optimizer.
        """),
    Param("gradient_clip", 1.0, (Interval(Real, 0, None, closed="neither"), None), "training", """
        float or None
        Clip the global gradient norm to this value at each step (``None``
        disables clipping). Guards against exploding gradients through time.
        """),
    Param("early_stopping", "auto", ("boolean", StrOptions({"auto"})), "training", """
        bool or "auto"
        Hold out part of the training data (see ``validation_fraction``) and
        monitor the validation loss. When False, the monitored loss is the
        training loss of the weights at the end of each epoch (in eval mode,
        on at most 512 training sequences; ``net_.history[:,
        "train_end_loss"]``). Either way training stops on a plateau of the
        monitored loss (see ``patience``), and the weights of the epoch with
        the lowest monitored loss are restored (``best_epoch_``): a fit
        never returns weights worse than the best it has seen, even when the
        loss spikes in its last epochs. The value used is ``early_stopping_``.

        * ``"auto"``: True for regressors with at least
          ``AUTO_EARLY_STOPPING_MIN_SAMPLES`` (20) training sequences, False
          for classifiers and smaller sets. Measured on the forecasting and
          regression sets of the dev benchmark: a regressor trained for the
          full schedule fits the noise of small sets (Nile flow, lynx,
          quarterly US consumption: test errors 2-5x the last-value
          forecast, training error near zero) and the validation tail stops
          it near the best epoch; classifiers on small sets sit on their
          initial plateau for hundreds of steps, where a validation loss of a
          few sequences is mostly noise, so they monitor the training loss.
        """),
    Param("patience", 10, _POSITIVE_INT, "training", """
        int
        Epochs without an improvement of more than ``tol`` in the monitored
        loss before training stops, once ``min_steps`` optimizer steps are
        done.
        """),
    Param("tol", 1e-4, (Interval(Real, 0, None, closed="left"),), "training", """
        float
        Improvement of the monitored loss that counts as progress, as a share
        of the loss of a constant prediction on the training data (the
        entropy of the class shares for classifiers; for regressors the loss
        of the best constant under ``loss``: 1 for squared error on
        standardised targets, the mean absolute deviation from the median
        for absolute error, the pinball loss of the quantile itself for
        quantile loss): the same notion of progress on every data set.
        """),
    Param("validation_fraction", 0.1, (Interval(Real, 0, 1, closed="neither"), callable),
          "training", """
        float or callable
        Share of the training sequences held out for early stopping.
        Regressors hold out the *last* sequences (the most recent ones for
        time-ordered windows), so nothing is validated on the past after
        training on the future. Classifiers hold out a random, class-stratified
        share (seeded by ``random_state``), since classification data is often
        sorted by class. A callable ``split(dataset, y) -> (train, valid)``
        such as a ``skorch.dataset.ValidSplit`` is used as given.
        """),
    Param("shuffle", True, ("boolean",), "training", """
        bool
        Shuffle the training sequences at every epoch.
        """),
    Param("class_weight", None, (dict, StrOptions({"balanced"}), None), "training", """
        dict, "balanced" or None
        Weight of each class in the loss, as in scikit-learn's linear models:
        a dict ``{label: weight}`` (labels left out weigh 1), ``"balanced"``
        for ``n_samples / (n_classes * np.bincount(y))`` (counted with
        ``sample_weight`` when given), or None for equal weights. Multiplied
        with ``sample_weight`` in :meth:`fit`; see the Sample weights page of
        the user guide.
        """, tasks=("classifier",)),
    Param("loss", "squared_error", (StrOptions({"squared_error", "absolute_error", "huber",
                                                 "quantile"}),), "training", """
        {"squared_error", "absolute_error", "huber", "quantile"}
        The training loss, named as in scikit-learn's
        :class:`~sklearn.ensemble.HistGradientBoostingRegressor`, computed on
        residuals divided by each target's standard deviation
        (``target_scale_``): ``"squared_error"`` predicts the conditional
        mean; ``"absolute_error"`` the conditional median (robust to
        outlying targets); ``"huber"`` is quadratic for residuals within one
        standard deviation and linear beyond (a mean that outliers pull
        less); ``"quantile"`` is the pinball loss of ``quantile``, so
        ``predict`` estimates that conditional quantile (e.g. 0.1 and 0.9
        for a prediction band). With ``sample_weight`` each sequence's loss
        is weighted as for any loss.
        """, tasks=("regressor",)),
    Param("quantile", None, (Interval(Real, 0, 1, closed="neither"), None), "training", """
        float or None
        The quantile to predict with ``loss="quantile"``, in (0, 1); it must
        be given then, and left None with the other losses.
        """, tasks=("regressor",)),
    Param("scaling", "auto", (StrOptions({*SCALINGS, "auto"}), None), "training", """
        {"auto", "global", "sequence", "sequence_stats", "last"} or None
        How inputs (and regression targets) are standardised inside the
        network, so that raw data can be passed in and predictions come out in
        the original units. The value used is ``scaling_``.

        * ``"auto"``: ``"last"`` for a regressor whose targets continue input
          feature 0 (the last value of feature 0 predicts the first target
          better than its mean, and the target's spread is within a factor 2
          of the feature's, as with windows of one series), ``"global"``
          otherwise. For a classifier ``"sequence_stats"`` when the sequences'
          own standard deviations spread over more than a factor 10 (90th
          over 10th percentile, in any feature), ``"global"`` otherwise
          (z-normalised data, as in most UCR archives).

        * ``"global"``: each input feature by its mean and standard deviation
          over all time steps of the training data; regression targets by
          their training mean and standard deviation.
        * ``"sequence"``: each sequence by its *own* per-feature mean and
          standard deviation (reversible instance normalisation). For
          regression the output is mapped back with the statistics of input
          feature 0, i.e. the target is assumed to be in the units of the first
          input feature, as when forecasting a series from its recent
          windows. Handles trending or level-shifting series, where values
          at prediction time lie outside the training range.
        * ``"sequence_stats"``: like ``"sequence"``, and each sequence's
          per-feature mean and log standard deviation, in units of the
          global statistics, are appended to every step as
          ``2 * n_features`` more inputs. The shape of a small sequence is
          as readable as that of a large one, and the level and amplitude,
          which often carry the class, are kept. Measured (5 seeds, GRU):
          PLAID with 24 training sequences, whose currents span five orders
          of magnitude, 0.20 accuracy with ``"global"``, 0.40 with this;
          BasicMotions 1.00 either way (0.94 with ``"sequence"``).
        * ``"last"``: like ``"sequence"``, with each sequence's last value in
          place of its mean: the network predicts the change from the last
          value of feature 0, in units of the window's standard deviation,
          so that an untrained network already makes the naive forecast
          (NLinear's anchoring). Measured on ten forecasting series, it
          beats ``"sequence"`` on noisy level series (Nile, lynx,
          unemployment) and ties it on seasonal ones.
        * ``None``: no scaling.
        """),
    # -- runtime
    Param("random_state", None, ("random_state",), "runtime", """
        int, RandomState instance or None
        Seeds weight initialisation, dropout and shuffling. With an int, two
        fits on the same data give identical models on CPU. The global torch
        random state of the caller is left untouched.
        """),
    Param("device", "cpu", (str, torch.device), "runtime", """
        str or torch.device
        Where to train and predict, e.g. ``"cuda"``.
        """),
    Param("num_threads", "auto", (StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"),
                                  Options(Integral, {-1}), None), "runtime", """
        "auto", int or None
        CPU threads torch (and the GRU kernel) use during each call of
        ``fit``, ``predict``, ``predict_proba`` and ``score``; the caller's
        ``torch.get_num_threads()`` is restored when the call returns or
        raises. The count used by the last fit is ``n_threads_``.

        * ``"auto"``: one thread unless the work per time step (batch size x
          ``hidden_size`` x directions) is at least 4096 per thread *and*
          more than one core is free at the start of the call (other
          processes' runnable tasks are sampled for about 8 ms); never more
          threads than free cores. One thread is what small recurrent
          networks run fastest on, and it keeps a fit from slowing down
          many times over when another process takes a core (torch's
          waiting threads spin against it).
        * an int: that many threads, at most the cores this process may run
          on; ``-1`` for all of them.
        * ``None``: leave torch's global setting as it is (the behaviour of
          skrnn before this parameter).

        A thread count, not ``n_jobs``: scikit-learn's ``n_jobs`` runs
        independent jobs (folds, trials) in parallel, which composes with
        this (e.g. ``GridSearchCV(n_jobs=2)`` over estimators with
        ``num_threads=1`` on two cores). Same ``random_state``, different
        thread counts: the same fit up to float32 rounding. FastGRU's own
        recurrence splits the batch the same way at any count (bit-identical),
        but PyTorch's matrix products and its packed LSTM kernel may split
        their work by thread on some CPUs (measured: up to 7e-7 in the
        predictions after a fit); at one thread everything is bit-identical
        from run to run.
        """),
    Param("warm_start", False, ("boolean",), "runtime", """
        bool
        When True, a :meth:`fit` of an already fitted estimator continues
        from its weights and optimizer state instead of initialising a new
        network; it keeps the first fit's scaling statistics and classes,
        and runs a new ``training_plan_`` (learning-rate schedule and
        plateau rule) for the new data. See :meth:`partial_fit` for one
        epoch at a time, and the Incremental training page of the user
        guide.
        """),
    Param("verbose", 0, ("verbose",), "runtime", """
        int
        ``0`` is silent. ``1`` shows the progress of the fit: epoch i / N
        (``N`` planned, ``max_epochs="auto"`` resolved) with the monitored
        loss, the elapsed time and an estimate of the time left, as a
        progress bar when stdout is a terminal and as plain lines (about 20,
        no escape codes) when it goes to a file, a pipe or a notebook; the
        last line says whether the fit ran all epochs or stopped early.
        ``2`` or more prints skorch's table of per-epoch losses instead.
        """),
    Param("callbacks", None, (list, None), "runtime", """
        list of skorch callbacks or (name, callback) tuples
        Extra skorch callbacks, e.g. ``skorch.callbacks.Checkpoint``. They run
        after skrnn's own callbacks (clipping, learning-rate schedule, epoch-end
        loss, best weights) and before the plateau rule, so they also see the
        epoch on which training stops.
        """),
    Param("inference", "torch", (StrOptions(set(INFERENCE_BACKENDS)),), "runtime", """
        {"torch", "onnx"}
        What runs ``predict`` (and ``predict_proba``). ``"torch"`` runs the
        fitted network directly. ``"onnx"`` exports it once (on first use,
        in memory) and runs it with onnxruntime on the CPU, which is usually
        several times faster for small batches and real-time use; it needs
        ``pip install 'skrnn[onnx]'``. Both give the same predictions up to
        float32 rounding (about 1e-6); see :meth:`to_onnx`.
        """),
)

DEFAULTS = {p.name: p.default for p in PARAMS}
CONSTRAINTS = {p.name: list(p.constraints) for p in PARAMS}


def task_params(task: str | None) -> list[Param]:
    """The parameters of a ``task`` estimator (all of them for None)."""
    return [p for p in PARAMS if task is None or task in p.tasks]


def parameter_docs(group: str, task: str | None = None) -> str:
    """The numpydoc entries of one group, at column 0.

    Only the parameters of ``task`` estimators (all for None).
    """
    return "\n".join(p.numpydoc() for p in task_params(task) if p.group == group)


def make_init(cls: type, with_cell: bool, task: str | None = None):
    """Generate ``cls.__init__`` from :data:`PARAMS` (the parameters of ``task``).

    scikit-learn reads the hyperparameters from the signature of
    ``__init__``, so it has to be a real function with real parameters, not
    ``**kwargs``; like :mod:`dataclasses`, compile it from source. ``cell``
    is its only positional parameter (left out when the class fixes the
    cell), the rest are keyword-only. It only stores its arguments, as
    scikit-learn requires. Named after ``cls`` so that a misspelled keyword
    raises ``TypeError: GRUClassifier.__init__() got an unexpected keyword
    argument ...``.
    """
    params = [p for p in task_params(task) if with_cell or p.name != "cell"]
    positional = [p.name for p in params if p.name == "cell"]
    keyword = [p.name for p in params if p.name != "cell"]
    signature = ", ".join(
        ["self", *(f"{n}=_defaults[{n!r}]" for n in positional), "*",
         *(f"{n}=_defaults[{n!r}]" for n in keyword)]
    )
    body = "".join(f"\n    self.{p.name} = {p.name}" for p in params)
    namespace = {}
    exec(  # the source is built above from the table, never from user input
        f"def __init__({signature}):{body}",
        {"__name__": cls.__module__, "_defaults": DEFAULTS},
        namespace,
    )
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    if hasattr(init.__code__, "co_qualname"):  # Python >= 3.11 names errors by the code
        init.__code__ = init.__code__.replace(co_qualname=init.__qualname__)
    return init
