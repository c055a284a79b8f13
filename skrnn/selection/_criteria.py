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

import numpy as np

# The types live in _types; imported here for the rules and for callers.
from ._types import (  # noqa: F401
    CELL_NAMES,
    CELLS,
    AsDict,
    CellCost,
    Constraints,
    DataProfile,
    Reason,
    Recommendation,
)

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
    (``trial_seconds``: the expected duration of a trial).

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
            f"the timeout fits about {n_affordable:g} trials of about {trial_seconds:.3g} s each"
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


def search_breadth_rule(n_affordable: float, n_cells: int, candidates: tuple):
    """More budget -> more parameters searched.

    The trials of a cell, ``n_affordable / n_cells``, are shared by what it
    searches: the default space gets :data:`MIN_TRIALS_PER_CELL`, and each
    further parameter (``candidates``, the most influential first) as many
    again, so that each choice of a two-valued parameter is tried about
    twice. With 30 trials for two cells (15 each) that is two further
    parameters.

    Returns
    -------
    reason : Reason or None
        None when there is no candidate.
    searched : tuple of str
        The candidates the budget allows.
    """
    if not candidates or n_cells < 1:
        return None, ()
    per_cell = n_affordable / n_cells
    k = len(candidates) if math.isinf(per_cell) else max(
        0, min(len(candidates), int(per_cell // MIN_TRIALS_PER_CELL) - 1)
    )
    searched = tuple(candidates[:k])
    shown = "unlimited trials" if math.isinf(per_cell) else f"{per_cell:g} trials"
    budget = (f"{shown} per cell; {MIN_TRIALS_PER_CELL} for the default space and as many "
              "for each further parameter")
    if not searched:
        text = (f"The budget ({budget}) allows no further parameter: "
                f"{_names(candidates)} {_keep(candidates)} the estimators' default.")
    else:
        rest = candidates[k:]
        text = (f"The budget ({budget}) allows searching {_names(searched)} too"
                + (f"; {_names(rest)} {_keep(rest)} the estimators' default." if rest else "."))
    return Reason("search_space", None, text), searched


def _names(names) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _keep(names) -> str:
    return "keeps" if len(names) == 1 else "keep"


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
    trial_seconds: float | None = None,
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
    trial_seconds : float, default=None
        Expected duration of one trial (all its fits), which turns
        ``timeout`` into a number of trials. ``None``: the slower cell's
        ``seconds_per_epoch`` x ``max_epochs`` x ``n_fits`` (the cost of the
        cheapest configuration: a lower bound).

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
    if trial_seconds is None and costs:
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
