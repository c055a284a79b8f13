"""The docstrings of the estimators, built so that each fact is written once.

* :func:`estimator_doc` writes the class docstring of the six estimators,
  all from one template, :data:`ESTIMATOR_TEMPLATE`;
  ``RecurrentEstimatorBase.__init_subclass__`` gives it to each estimator
  class that writes no docstring of its own. Its parts come from:

  - the parameter table in :mod:`skrnn._params` (the Parameters section);
  - :data:`FITTED`, the attributes every fitted estimator has;
  - the :class:`TaskDoc` of the estimator's module (``regressor.py``,
    ``classifier.py``): what one task's docstrings say about that task, such
    as its own fitted attributes and its example;
  - :data:`_CELL_PITCH`, what the GRU* and LSTM* classes say about their cell.

* :func:`predict_doc` writes the docstring of a method of ``X`` alone
  (``predict``...); :func:`fill_doc` puts shared entries
  (:data:`METHOD_FRAGMENTS`) in place of ``{name}`` lines of other methods'
  docstrings.

Fragments are written at column 0; :func:`substitute` indents each to the
column of the ``{name}`` line it replaces.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

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

# Lines are wrapped to this width, counting the indentation of the docstring.
_WIDTH = 79

# The type of ``X`` wherever the estimators take sequences.
_X_TYPE = (
    "X : array-like of shape (n_samples, n_timesteps) or "
    "(n_samples, n_timesteps, n_features), or list of array-like"
)

#: The ``X`` entry of the methods that run a fitted estimator on sequences
#: (``predict``, ``predict_proba``, ``score``...).
X_SEQUENCES = f"""\
{_X_TYPE}
    Sequences, laid out as in :meth:`fit`; lengths may differ from
    those seen in fit."""

#: What :func:`fill_doc` puts in place of a ``{name}`` line of a method's
#: docstring.
METHOD_FRAGMENTS = {
    "X": X_SEQUENCES,
    # partial_fit's
    "X_continued": f"""\
{_X_TYPE}
    Training sequences, as in :meth:`fit`; ``n_features`` must be the
    first call's.""",
    "returns_one_more_epoch": """\
Returns
-------
self : object
    The estimator, trained one more epoch.""",
}


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


@dataclass(frozen=True)
class TaskDoc:
    """What the docstrings of one task's three estimators say about the task.

    Each module of estimators (``regressor.py``, ``classifier.py``) writes
    one, as the ``_task_doc`` of its estimators; :func:`estimator_doc`
    builds the rest of their class docstrings.

    Attributes
    ----------
    output : str
        What the linear layer on the last hidden state gives, completing
        the sentence "... feeds a linear layer ...". The Recurrent* class
        says it.
    attributes : str
        The Attributes entries, at column 0, with a ``{fitted}`` line where
        the attributes every estimator has (:data:`FITTED`) stand.
    counterpart : str
        The See Also entry of the Recurrent* class for the other task.
    example : str
        The Examples section, at column 0, for the class ``{name}``. The
        class that takes ``cell`` is built with ``cell="lstm"``: write
        ``{cell_argument}`` as the first argument, which is ``cell="lstm", ``
        there and empty for the others.
    """

    output: str
    attributes: str
    counterpart: str
    example: str


#: The class docstring of every estimator; :func:`estimator_doc` fills it.
ESTIMATOR_TEMPLATE = """\
{title}

{intro}

Parameters
----------
{parameters}

Attributes
----------
{attributes}

See Also
--------
{see_also}

Examples
--------
{example}"""


def estimator_doc(cls: type, task: TaskDoc) -> str:
    """The class docstring of the estimator ``cls``, from :data:`ESTIMATOR_TEMPLATE`.

    ``cls`` is a Recurrent* class (``cell`` a parameter) or, with a class
    attribute ``cell``, a GRU* or LSTM* one; ``cls._task`` names its task
    (``"regressor"`` or ``"classifier"``), whose documentation is ``task``.
    """
    kind = cls._task
    family = kind.capitalize()  # the classes are Recurrent<family>, GRU<family>...
    cell = getattr(cls, "cell", None)
    groups = [g for g in GROUPS if cell is None or g != "cell"]
    if cell is None:
        title = f"Recurrent (GRU or LSTM) network {kind} on sequences."
        intro = [
            "Each input sequence is read by a stack of recurrent layers; the "
            "last hidden state (or the mean over time, see ``pooling``) feeds a "
            f"linear layer {task.output} Trained with skorch; ``fit`` builds "
            "the skorch net as ``net_``.",
            f"Use :class:`GRU{family}` or :class:`LSTM{family}` for a fixed "
            "cell; use this class to search over ``cell`` like any other "
            "hyperparameter.",
        ]
        see_also = (f"GRU{family}, LSTM{family} : The same estimator with the cell fixed.\n"
                    f"{task.counterpart}")
        cell_argument = 'cell="lstm", '
    else:
        pitch = _CELL_PITCH[cell]
        title = f"{pitch['title']} {kind} on sequences."
        intro = [f'A :class:`Recurrent{family}` with ``cell="{cell}"`` fixed. {pitch["blurb"]}']
        see_also = f"Recurrent{family} : The same estimator with the cell as a parameter."
        cell_argument = ""
    doc = substitute(
        ESTIMATOR_TEMPLATE,
        title=title,
        intro="\n\n".join(
            textwrap.fill(p, _WIDTH - 4, break_on_hyphens=False) for p in intro),
        parameters="\n".join(parameter_docs(g, kind) for g in groups),
        attributes=substitute(task.attributes, fitted=FITTED),
        see_also=see_also,
        example=task.example.replace("{name}", cls.__name__).replace(
            "{cell_argument}", cell_argument),
    )
    return _in_body(doc, "    ")


#: The docstring of a method whose one parameter is ``X``; :func:`predict_doc`
#: fills it.
PREDICT_TEMPLATE = """\
{summary}

Parameters
----------
{X}

Returns
-------
{returns}"""


def predict_doc(summary: str, returns: str, description: str):
    """Method decorator: the docstring of a method of ``X`` alone (``predict``...).

    From :data:`PREDICT_TEMPLATE`: the ``summary`` line, ``X`` as
    :data:`X_SEQUENCES`, and the Returns entry ``returns`` (``"name : type"``)
    with its ``description``, a sentence (wrapped here).
    """

    def document(method):
        wrapped = textwrap.fill(description, _WIDTH - 12)  # described at 12 spaces
        entry = f"{returns}\n{textwrap.indent(wrapped, '    ')}"
        doc = substitute(PREDICT_TEMPLATE, summary=summary, X=X_SEQUENCES, returns=entry)
        method.__doc__ = _in_body(doc, "        ")
        return method

    return document


def fill_doc(method):
    """Method decorator: put :data:`METHOD_FRAGMENTS` in place of ``{name}`` lines.

    For methods with more parameters than ``X``; :func:`predict_doc` writes
    the whole docstring of those with ``X`` alone.
    """
    method.__doc__ = substitute(method.__doc__, **METHOD_FRAGMENTS)
    return method


def _in_body(doc: str, indent: str) -> str:
    """``doc`` (at column 0) as it would stand in a body at ``indent``.

    Every line but the first indented, and the closing quotes' indentation at
    the end, as in a docstring written in the source.
    """
    return textwrap.indent(doc, indent).removeprefix(indent) + "\n" + indent


def substitute(template: str, **fragments: str) -> str:
    """``template`` with each line ``{name}`` replaced by ``fragments[name]``.

    Each line of the fragment is indented as the ``{name}`` line was, so a
    fragment written at column 0 fits a docstring at any depth; an unknown
    ``{name}`` line raises ``KeyError``. Other text (braces included) is
    left as it is.
    """

    def replace(match):
        return textwrap.indent(fragments[match["name"]], match["indent"])

    return re.sub(r"^(?P<indent>[ \t]*)\{(?P<name>\w+)\}[ \t]*$", replace, template,
                  flags=re.MULTILINE)
