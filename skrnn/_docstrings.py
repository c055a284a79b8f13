"""Shared numpydoc fragments, so six estimator classes document one truth.

The parameter sections are generated from the table in :mod:`skrnn._params`;
only the fitted attributes are written here.
"""

from ._params import GROUPS, parameter_docs

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
    highway_window_ : int
        Steps of the linear highway used (``highway_window`` with ``"auto"``
        resolved; 0 for none).
    scaling_ : {"global", "sequence", "last"} or None
        Scaling used (``scaling`` with ``"auto"`` resolved).
    early_stopping_ : bool
        Whether a validation share was held out (``early_stopping`` with
        ``"auto"`` resolved).
    training_plan_ : TrainingPlan
        The schedule of the fit: ``batch_size``, ``max_epochs``,
        ``steps_per_epoch``, ``min_steps``, ``warmup_steps`` and
        ``total_steps`` (the horizon of the learning-rate schedule), with
        every ``"auto"`` resolved.
    n_iter_ : int
        Number of epochs trained (fewer than ``max_epochs`` when the plateau
        rule stopped the fit).
    n_steps_ : int
        Number of optimizer steps taken.
    best_epoch_ : int
        The epoch (1-based) whose weights the model holds: the one with the
        lowest monitored loss (see ``early_stopping``).
    n_threads_ : int
        CPU threads the fit ran with (``num_threads`` resolved)."""


# What the docstrings of the GRU* and LSTM* classes say about their cell.
_CELL_PITCH = {
    "gru": dict(
        title="Gated recurrent unit (GRU)",
        blurb="Two gates instead of the LSTM's three: about 25 % fewer "
        "parameters at the same hidden size.",
    ),
    "lstm": dict(
        title="Long short-term memory (LSTM)",
        blurb="A separate cell state can carry information over long sequences.",
    ),
}


def fixed_cell_doc(template: str, name: str, cell: str) -> str:
    """Fill ``template``'s ``{title}``, ``{blurb}``, ``{name}`` and ``{cell_name}``.

    For the class ``name`` whose cell is fixed to ``cell``; the result still
    goes through :func:`fill_doc`.
    """
    return template.format(name=name, cell_name=cell, **_CELL_PITCH[cell])


def fill_doc(obj):
    """Substitute the shared fragments into ``obj.__doc__``.

    ``{cell}``, ``{network}``, ``{training}`` and ``{runtime}`` become the
    parameters of that group that ``obj`` takes (its ``_task``), ``{fitted}``
    the attributes every fitted estimator has.
    """
    sections = {group: parameter_docs(group, obj._task) for group in GROUPS}
    obj.__doc__ = obj.__doc__.format(**sections, fitted=FITTED)
    return obj
