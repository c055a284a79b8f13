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


def fill_doc(obj):
    """Substitute the shared fragments into ``obj.__doc__``.

    ``{cell}``, ``{network}``, ``{training}`` and ``{runtime}`` become the
    parameters of that group, ``{fitted}`` the attributes every fitted
    estimator has.
    """
    sections = {group: parameter_docs(group) for group in GROUPS}
    obj.__doc__ = obj.__doc__.format(**sections, fitted=FITTED)
    return obj
