"""The decision criteria: data profile, constraints and budget -> a recommendation.

Pure functions over plain numbers, with no torch import, so that every rule of
DESIGN.md §2 is unit-testable and each threshold is documented in one place.
The source guidance (``shared/seeds/``) is qualitative; the thresholds below
turn it into numbers, and each rule explains itself in a sentence.

The recommendation is a *prior*, not the answer: it decides which cells are
worth trying and in which order, and excludes cells that cannot meet a hard
constraint. The answer comes from the validated scores of the Optuna study
(see :mod:`skrnn.selection._decision`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

CELLS = ("gru", "lstm")

#: Sequences whose median length is above this many steps count as long. The
#: source: "short to medium sequences (< 100 steps) -> GRUs often suffice; long
#: sequences (> 100 steps) -> LSTMs may perform better" (a separate cell state
#: carries information across many steps). A median of exactly 100 is medium.
LONG_SEQUENCE_STEPS = 100

#: Fewer training sequences than this count as limited data, where GRU's fewer
#: parameters may generalise better. Why 1000: a 20 % holdout of 1000
#: sequences has 200; the standard error of an accuracy near 0.5 on 200
#: sequences is sqrt(0.25 / 200) ~ 0.035, larger than the typical GRU/LSTM
#: difference, so below this size the data cannot separate the cells reliably
#: and the smaller model is the safer prior. Above it, "both work".
SMALL_DATASET_SEQUENCES = 1000

#: Trials each cell needs before its best score says something about the cell
#: rather than about a lucky draw of the other hyperparameters (the learning
#: rate alone spans two decades). Comparing both cells needs twice this many.
MIN_TRIALS_PER_CELL = 4

#: A measured cost counts as lower only if it is at least this much lower
#: (relative): timings on a shared machine jitter by several percent.
CHEAPER_MARGIN = 0.10

#: How the report writes each cell.
CELL_NAMES = {"gru": "GRU", "lstm": "LSTM"}


class AsDict:
    """Mixin for the dataclasses here: ``to_dict()``, JSON-ready values."""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DataProfile(AsDict):
    """What the criteria need to know about the training data.

    Attributes
    ----------
    n_sequences : int
        Number of training sequences.
    n_features : int
        Features per time step.
    min_length, median_length, max_length : float
        Statistics of the sequence lengths (time steps).
    task : {"regression", "classification"}
    n_classes : int or None
        Number of classes for classification.
    patch_size : int
        Time steps the estimators fold into one recurrent step (their
        ``patch_size``, ``"auto"`` resolved).
    recurrent_steps : float
        Steps the recurrent layers run on a median-length sequence,
        ``median_length / patch_size``: the span the cell's memory must cover
        (a property).

    Examples
    --------
    >>> from skrnn.selection import profile_data
    >>> profile = profile_data([50, 150, 120], n_features=1, task="regression", patch_size=2)
    >>> profile.max_length, profile.recurrent_steps
    (150, 60.0)
    """

    n_sequences: int
    n_features: int
    min_length: float
    median_length: float
    max_length: float
    task: str
    n_classes: int | None = None
    patch_size: int = 1

    @property
    def recurrent_steps(self) -> float:
        return self.median_length / self.patch_size

    def to_dict(self) -> dict:
        return {**asdict(self), "recurrent_steps": self.recurrent_steps}


def profile_data(
    lengths, n_features: int, task: str, n_classes: int | None = None, patch_size: int = 1
):
    """Summarise the training data for the criteria.

    Parameters
    ----------
    lengths : array-like of int
        Length (time steps) of every training sequence.
    n_features : int
        Features per time step.
    task : {"regression", "classification"}
    n_classes : int, default=None
        Number of classes (classification only).
    patch_size : int, default=1
        Time steps folded into one recurrent step by the estimators.

    Returns
    -------
    profile : DataProfile
        Counts and length statistics.

    Examples
    --------
    >>> from skrnn.selection import profile_data
    >>> profile_data([12, 30, 150], n_features=2, task="regression").median_length
    30.0
    """
    lengths = np.asarray(lengths)
    return DataProfile(
        n_sequences=int(len(lengths)),
        n_features=int(n_features),
        min_length=int(lengths.min()),
        median_length=float(np.median(lengths)),
        max_length=int(lengths.max()),
        task=task,
        n_classes=None if n_classes is None else int(n_classes),
        patch_size=int(patch_size),
    )


@dataclass(frozen=True)
class CellCost(AsDict):
    """Cost of one cell measured on this machine through the estimator.

    Attributes
    ----------
    n_params : int
        Trainable parameters of the network.
    seconds_per_epoch : float
        Training time of one epoch over the data it was measured for.
    latency_ms : float
        Time of ``predict`` on a single sequence, in milliseconds.

    Examples
    --------
    >>> from skrnn.selection import CellCost
    >>> CellCost(n_params=297, seconds_per_epoch=0.4, latency_ms=1.9).to_dict()["n_params"]
    297
    """

    n_params: int
    seconds_per_epoch: float
    latency_ms: float


@dataclass(frozen=True)
class Constraints(AsDict):
    """Hard limits a chosen model must respect (``None``: no limit).

    Attributes
    ----------
    max_params : int or None
        Most trainable parameters allowed.
    max_latency_ms : float or None
        Slowest acceptable single-sequence ``predict``, in milliseconds.
    max_fit_seconds : float or None
        Longest acceptable time to fit the model on all the data for the
        full epoch budget, estimated as seconds per epoch times epochs.

    Examples
    --------
    >>> from skrnn.selection import CellCost, Constraints
    >>> cost = CellCost(n_params=3489, seconds_per_epoch=1.0, latency_ms=2.0)
    >>> Constraints(max_params=1000, max_latency_ms=5.0).violations(cost, n_epochs=15)
    ['3,489 parameters > max_params=1,000']
    """

    max_params: int | None = None
    max_latency_ms: float | None = None
    max_fit_seconds: float | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in asdict(self).values())

    def violations(self, cost: CellCost, n_epochs: int) -> list[str]:
        """Sentences naming every limit ``cost`` breaks (empty if feasible).

        Parameters
        ----------
        cost : CellCost
            Measured cost, ``seconds_per_epoch`` on all the training data.
        n_epochs : int
            Epoch budget of one fit, for ``max_fit_seconds``.
        """
        out = []
        if self.max_params is not None and cost.n_params > self.max_params:
            out.append(f"{cost.n_params:,} parameters > max_params={self.max_params:,}")
        if self.max_latency_ms is not None and cost.latency_ms > self.max_latency_ms:
            limit = self.max_latency_ms
            out.append(f"predict latency {cost.latency_ms:.3g} ms > max_latency_ms={limit:g}")
        fit_seconds = cost.seconds_per_epoch * n_epochs
        if self.max_fit_seconds is not None and fit_seconds > self.max_fit_seconds:
            out.append(
                f"estimated fit time {fit_seconds:.3g} s ({n_epochs} epochs) > "
                f"max_fit_seconds={self.max_fit_seconds:g}"
            )
        return out


@dataclass(frozen=True)
class Reason(AsDict):
    """One rule that fired.

    Attributes
    ----------
    rule : str
        ``"sequence_length"``, ``"dataset_size"``, ``"resources"``,
        ``"measured_cost"``, ``"budget"`` or ``"user"``.
    favours : {"gru", "lstm"} or None
        The cell the rule votes for, if any.
    text : str
        The reason, as a sentence.
    """

    rule: str
    favours: str | None
    text: str


@dataclass(frozen=True)
class Recommendation:
    """What the criteria recommend before any trial runs.

    Attributes
    ----------
    prior : dict
        Belief per cell that it is the better choice: the Laplace-smoothed
        share of the rules' votes, ``(1 + votes) / (n_cells + all votes)``;
        0 for an excluded cell.
    cells : tuple of str
        Cells to try, the most favoured first (GRU first on a tie, where the
        source says to start).
    reasons : tuple of Reason
        Every rule that fired, in the order of DESIGN.md §2.
    excluded : dict
        Cells that cannot meet a constraint even in their cheapest configuration,
        with the reason.
    affordable_trials : float
        Trials the budget allows (``inf`` when unlimited).

    Examples
    --------
    >>> from skrnn.selection import profile_data, recommend
    >>> rec = recommend(profile_data([20] * 300, 1, "classification"), n_trials=30)
    >>> rec.cells, rec.try_both
    (('gru', 'lstm'), True)
    """

    prior: dict
    cells: tuple
    reasons: tuple
    excluded: dict = field(default_factory=dict)
    affordable_trials: float = math.inf

    @property
    def try_both(self) -> bool:
        return len(self.cells) == 2

    def to_dict(self) -> dict:
        return {
            "prior": dict(self.prior),
            "cells": list(self.cells),
            "try_both": self.try_both,
            "reasons": [r.to_dict() for r in self.reasons],
            "excluded": dict(self.excluded),
            "affordable_trials": (
                None if math.isinf(self.affordable_trials) else self.affordable_trials
            ),
        }


# ----------------------------------------------------------------- the rules
def format_steps(x: float) -> str:
    """83.333 -> '83.3', 100.0 -> '100', 1500.0 -> '1,500'."""
    return f"{x:,.1f}".rstrip("0").rstrip(".")


def sequence_length_rule(profile: DataProfile) -> Reason:
    """Short/medium sequences -> GRU usually suffices; long -> LSTM may do better.

    What counts is how many steps the recurrent layers run: with a
    ``patch_size`` above 1 the estimators fold that many time steps into one.
    """
    steps = profile.recurrent_steps
    if profile.patch_size > 1:
        length = (
            f"median {profile.median_length:g} steps, folded by patch_size="
            f"{profile.patch_size} into {format_steps(steps)} recurrent steps"
        )
    else:
        length = f"median {format_steps(steps)} steps"
    if steps > LONG_SEQUENCE_STEPS:
        return Reason(
            "sequence_length",
            "lstm",
            f"Sequences are long ({length} > {LONG_SEQUENCE_STEPS}): LSTM may do better, "
            "its separate cell state carries information across many steps.",
        )
    return Reason(
        "sequence_length",
        "gru",
        f"Sequences are short to medium ({length} <= {LONG_SEQUENCE_STEPS}): GRU usually "
        "suffices.",
    )


def dataset_size_rule(profile: DataProfile) -> Reason:
    """Limited data -> GRU may generalise better; abundant -> both work."""
    n = profile.n_sequences
    if n < SMALL_DATASET_SEQUENCES:
        return Reason(
            "dataset_size",
            "gru",
            f"Limited data ({n:,} sequences < {SMALL_DATASET_SEQUENCES:,}): GRU's "
            "fewer parameters may generalise better.",
        )
    return Reason(
        "dataset_size",
        None,
        f"Abundant data ({n:,} sequences >= {SMALL_DATASET_SEQUENCES:,}): both "
        "cells can work well.",
    )


def cheaper(a: float, b: float) -> int:
    """``-1`` if ``a`` is lower than ``b`` by the margin, ``1`` if higher, else 0."""
    if a < b * (1 - CHEAPER_MARGIN):
        return -1
    if b < a * (1 - CHEAPER_MARGIN):
        return 1
    return 0


def measured_cost_note(costs: dict | None) -> Reason | None:
    """What the measurements say about training speed here, against the textbook."""
    if not costs or set(costs) != set(CELLS):
        return None
    gru, lstm = costs["gru"], costs["lstm"]
    verdict = cheaper(gru.seconds_per_epoch, lstm.seconds_per_epoch)
    speed = (
        f"GRU {gru.seconds_per_epoch:.3g} s/epoch vs LSTM {lstm.seconds_per_epoch:.3g} s/epoch, "
        f"predict {gru.latency_ms:.3g} ms vs {lstm.latency_ms:.3g} ms"
    )
    if verdict < 0:
        text = f"Measured here, GRU trains faster, as the textbook expects ({speed})."
    elif verdict > 0:
        text = (
            "Measured here, GRU is NOT the cheaper cell: it takes "
            f"{gru.seconds_per_epoch / lstm.seconds_per_epoch:.1f}x LSTM's training time "
            f"({speed}), contrary to the textbook's ~25 % saving "
            "(which cell is cheaper depends on this machine's kernels and on the "
            "model's size: fixed per-batch costs dominate small models)."
        )
    else:
        text = f"Measured here, both cells train at about the same speed ({speed})."
    return Reason("measured_cost", None, text)


_CONSTRAINED = (
    ("max_params", "n_params", "parameters", "{:,.0f}"),
    ("max_latency_ms", "latency_ms", "predict latency", "{:.3g} ms"),
    ("max_fit_seconds", "seconds_per_epoch", "training time", "{:.3g} s/epoch"),
)


def resource_rule(constraints: Constraints, costs: dict | None, n_epochs: int):
    """Constrained -> the cell measured cheaper on what is constrained.

    The source says "constrained -> GRU"; DESIGN.md adds "if it really is
    cheaper here". So the vote goes to whichever cell the measurements show
    cheaper on each constrained quantity, and a cell whose *cheapest*
    configuration already breaks a limit is excluded.

    Returns
    -------
    reasons : list of Reason
    excluded : dict
        ``{cell: sentence}`` for cells that cannot be feasible.
    """
    if not constraints.active or not costs:
        return [], {}
    reasons, excluded = [], {}
    for cell, cost in costs.items():
        broken = constraints.violations(cost, n_epochs)
        if broken:
            excluded[cell] = (
                f"{CELL_NAMES[cell]} is excluded: even its cheapest configuration breaks the "
                f"constraints ({'; '.join(broken)})."
            )
    if set(costs) == set(CELLS):
        for limit, attr, label, fmt in _CONSTRAINED:
            if getattr(constraints, limit) is None:
                continue
            gru, lstm = getattr(costs["gru"], attr), getattr(costs["lstm"], attr)
            verdict = cheaper(gru, lstm)
            values = f"GRU {fmt.format(gru)} vs LSTM {fmt.format(lstm)}"
            if verdict == 0:
                reasons.append(
                    Reason(
                        "resources", None, f"{limit} is set; both cells measure alike ({values})."
                    )
                )
                continue
            winner = "gru" if verdict < 0 else "lstm"
            textbook = "" if winner == "gru" else ", contrary to the textbook expectation"
            reasons.append(
                Reason(
                    "resources",
                    winner,
                    f"{limit} is set and {CELL_NAMES[winner]} has the lower {label} measured "
                    f"here ({values}){textbook}.",
                )
            )
    reasons.extend(Reason("resources", None, text) for text in excluded.values())
    return reasons, excluded


def affordable_trials(n_trials: int | None, timeout: float | None, trial_seconds: float | None):
    """How many trials the budget allows: ``n_trials``, capped by ``timeout``."""
    limit = math.inf if n_trials is None else float(n_trials)
    if timeout is not None and trial_seconds:
        limit = min(limit, math.floor(timeout / trial_seconds))
    return limit


def budget_rule(
    n_affordable: float,
    candidates: tuple,
    trial_seconds: float | None = None,
    costs: dict | None = None,
    by_timeout: bool = False,
):
    """Little budget -> only GRU; ample -> test both.

    ``by_timeout`` says the timeout, not ``n_trials``, set ``n_affordable``
    (``trial_seconds`` trials' worst-case duration).

    Returns
    -------
    reason : Reason
    cells : tuple of str
        The candidates the budget allows.
    """
    needed = 2 * MIN_TRIALS_PER_CELL
    shown = "unlimited trials" if math.isinf(n_affordable) else f"{n_affordable:g} trials"
    if len(candidates) < 2:
        only = " and ".join(CELL_NAMES[c] for c in candidates) or "no cell"
        text = f"Only {only} can be tried, so the whole budget ({shown}) goes to it."
        return Reason("budget", None, text), tuple(candidates)
    if n_affordable >= needed:
        text = f"Ample budget ({shown} >= {needed}): both cells can be tuned and compared."
        return Reason("budget", None, text), tuple(candidates)
    if by_timeout:
        budget = (
            f"the timeout fits about {n_affordable:g} trials of up to {trial_seconds:.3g} s each"
        )
    else:
        budget = f"{n_affordable:g} trials"
    text = (
        f"Little budget ({budget}, fewer than the {needed} needed to tune "
        f"{MIN_TRIALS_PER_CELL} per cell): too few to compare both cells, so only GRU is "
        "tried, where the guidance says to start when time is short."
    )
    if costs and set(costs) == set(CELLS):
        if cheaper(costs["gru"].seconds_per_epoch, costs["lstm"].seconds_per_epoch) > 0:
            text += (
                " Note that GRU is not the faster cell on this machine; pass "
                "search_space={'cell': ['lstm']} to try LSTM instead."
            )
    return Reason("budget", "gru", text), ("gru",)


def recommend(
    profile: DataProfile,
    *,
    constraints: Constraints | None = None,
    costs: dict | None = None,
    n_trials: int | None = None,
    timeout: float | None = None,
    max_epochs: int = 1,
    n_fits: int = 1,
    candidates: tuple = CELLS,
    unavailable: dict | None = None,
) -> Recommendation:
    """Apply every criterion of DESIGN.md §2.

    Parameters
    ----------
    profile : DataProfile
        The training data.
    constraints : Constraints, default=None
        Hard limits on the chosen model.
    costs : dict, default=None
        ``{cell: CellCost}`` measured at the cheapest configuration of the
        search space, ``seconds_per_epoch`` on all the training data.
    n_trials, timeout : int and float, default=None
        The experimentation budget (trials, seconds).
    max_epochs : int, default=1
        Epoch budget of one fit (for ``max_fit_seconds``).
    n_fits : int, default=1
        Fits per trial (cross-validation folds); with ``max_epochs`` it
        turns ``timeout`` into a number of trials.
    candidates : tuple of str, default=("gru", "lstm")
        Cells the user allows.
    unavailable : dict, default=None
        ``{cell: error}`` for cells that could not even be fitted for a few
        batches here (e.g. out of memory): excluded.

    Returns
    -------
    recommendation : Recommendation
        The prior per cell, the cells to try and every reason.

    Examples
    --------
    >>> from skrnn.selection import profile_data, recommend
    >>> profile = profile_data([400] * 5000, n_features=1, task="regression")
    >>> rec = recommend(profile, n_trials=30)
    >>> rec.cells, round(rec.prior["lstm"], 2)
    (('lstm', 'gru'), 0.67)
    >>> print(rec.reasons[0].text)  # doctest: +NORMALIZE_WHITESPACE
    Sequences are long (median 400 steps > 100): LSTM may do better, its
    separate cell state carries information across many steps.
    >>> recommend(profile, n_trials=5).cells  # too few trials to compare
    ('gru',)
    """
    constraints = constraints or Constraints()
    reasons = [sequence_length_rule(profile), dataset_size_rule(profile)]
    resource_reasons, excluded = resource_rule(constraints, costs, max_epochs)
    reasons.extend(resource_reasons)
    note = measured_cost_note(costs)
    if note is not None:
        reasons.append(note)
    for cell, error in (unavailable or {}).items():
        excluded[cell] = f"{CELL_NAMES[cell]} is excluded: it could not be fitted here ({error})."
        reasons.append(Reason("measured_cost", None, excluded[cell]))

    allowed = tuple(c for c in candidates if c not in excluded)
    trial_seconds = None
    if costs:
        trial_seconds = max(c.seconds_per_epoch for c in costs.values()) * max_epochs * n_fits
    n_affordable = affordable_trials(n_trials, timeout, trial_seconds)
    by_timeout = n_trials is None or n_affordable < n_trials
    budget_reason, cells = budget_rule(n_affordable, allowed, trial_seconds, costs, by_timeout)
    reasons.append(budget_reason)
    if tuple(candidates) != CELLS:
        reasons.append(
            Reason("user", None, f"search_space restricts the cells to {list(candidates)}.")
        )

    votes = {c: 0 for c in CELLS}
    for reason in reasons:
        if reason.favours is not None:
            votes[reason.favours] += 1
    total = sum(votes.values())
    prior = {
        c: 0.0 if c not in allowed else (1 + votes[c]) / (len(allowed) + total) for c in CELLS
    }
    norm = sum(prior.values()) or 1.0
    prior = {c: p / norm for c, p in prior.items()}
    ordered = tuple(sorted(cells, key=lambda c: (-prior[c], CELLS.index(c))))
    return Recommendation(
        prior=prior,
        cells=ordered,
        reasons=tuple(reasons),
        excluded=excluded,
        affordable_trials=n_affordable,
    )
