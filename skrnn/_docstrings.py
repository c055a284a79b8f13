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
        Number of features per time step seen during fit.
    feature_names_in_ : ndarray of shape (n_timesteps,)
        Column names of a pandas DataFrame ``X`` seen during fit (defined only
        when ``X`` had string column names).
    patch_size_ : int
        Patch size used (``patch_size`` with ``"auto"`` resolved).
    n_iter_ : int
        Number of epochs trained (fewer than ``max_epochs`` after early
        stopping)."""


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
    parameters of that group, ``{fitted}`` the attributes every fitted
    estimator has.
    """
    sections = {group: parameter_docs(group) for group in GROUPS}
    obj.__doc__ = obj.__doc__.format(**sections, fitted=FITTED)
    return obj
