"""The decision rule: the best validated score wins, unless it is within the noise.

Each cell is represented by its best usable trial (complete, feasible, finite
score). When the two best scores differ by less than
:data:`TIE_STANDARD_ERRORS` standard errors of their difference, the
validation data cannot tell the cells apart, and a tie-break decides (the
one-standard-error rule of Breiman et al.; see below).

Within each cell the same rule guards the defaults: trial 0 of a cell is the
cell's default estimator, and the cell's best searched configuration
represents the cell only when it beats that default beyond the noise;
otherwise the default does. The best of ``k`` searched configurations is a
maximum, and a maximum of ``k`` noisy scores overshoots (the winner's curse):
so its bar, :func:`default_bar`, grows with ``k`` such that a default no
searched configuration really beats is replaced as rarely as by one
comparison at one standard error (a Sidak correction).

When the cells tie, the cost the user constrained decides, as measured on
this machine; with no constraint, the decision criteria do (sequence length
and data size, :mod:`skrnn.selection._criteria`), and only when they are
split, the training time measured here.

The standard error of the difference is ``sqrt(se_gru**2 + se_lstm**2)``,
each ``se`` being the standard error of that trial's score (see
:mod:`skrnn.selection._noise`). It ignores the positive correlation of two
scores measured on the same validation data, so it overstates the noise
slightly: a difference the rule calls real is real.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist

from ._criteria import cheaper
from ._types import CELL_NAMES, CELLS, COSTS, AsDict, Constraints, Recommendation, estimator_name

#: Score differences within this many standard errors of the difference tie.
TIE_STANDARD_ERRORS = 1.0


def default_bar(n_searched: int) -> float:
    """Standard errors by which the best of ``n_searched`` configurations must beat the default.

    If no searched configuration is really better than the default, the
    chance that the best of ``k`` independent ones scores more than ``z``
    standard errors above it is ``1 - Phi(z)**k``. The bar keeps that chance
    at one comparison's at :data:`TIE_STANDARD_ERRORS` (0.16):
    ``z = Phi^-1(Phi(1) ** (1 / k))``.

    Examples
    --------
    >>> from skrnn.selection._decision import default_bar
    >>> [round(default_bar(k), 2) for k in (1, 2, 4, 10)]
    [1.0, 1.39, 1.72, 2.12]
    """
    normal = NormalDist()
    return normal.inv_cdf(normal.cdf(TIE_STANDARD_ERRORS) ** (1 / max(int(n_searched), 1)))


@dataclass(frozen=True)
class Decision(AsDict):
    """The chosen cell and why.

    Attributes
    ----------
    cell : {"gru", "lstm"}
        The winner.
    trial : int
        Number of the winning trial.
    reason : str
        Why, in sentences.
    tie : bool
        Whether the scores tied within the noise (the criteria or a cost decided).
    difference : float or None
        Best GRU score minus best LSTM score, when both cells have one.
    noise : float or None
        Standard error of that difference (None if unknown).
    cost_basis : str or None
        The measured cost that broke the tie (None when the criteria did).
    default : bool
        Whether the winning trial is the winning cell's default estimator.
    default_note : str or None
        How the winning cell's best searched configuration compared with its
        default (None when the cell has no usable default trial).

    Examples
    --------
    >>> from skrnn.selection._decision import decide
    >>> from skrnn.selection._records import TrialRecord
    >>> records = [
    ...     TrialRecord(0, "gru", "complete", score=0.90, score_se=0.01, seconds_per_epoch=0.4),
    ...     TrialRecord(1, "lstm", "complete", score=0.89, score_se=0.01, seconds_per_epoch=0.1),
    ... ]
    >>> decision = decide(records)
    >>> decision.cell, decision.tie, decision.cost_basis
    ('lstm', True, 'seconds_per_epoch')
    """

    cell: str
    trial: int
    reason: str
    tie: bool = False
    difference: float | None = None
    noise: float | None = None
    cost_basis: str | None = None
    default: bool = False
    default_note: str | None = None


#: The criteria that break a tie, and how the reason names them: the rules
#: about the data. The budget rule's vote only decides which cells are tried,
#: and a constrained cost breaks a tie as measured on the chosen models (see
#: :func:`tie_break_cost`), more precisely than the criteria's probe of the
#: cheapest configurations.
_DATA_RULES = {"sequence_length": "sequence length", "dataset_size": "data size"}


def _favoured_by_criteria(constraints, recommendation) -> tuple[str, str] | None:
    """``(cell, why)`` when no cost is constrained and the data rules prefer a cell."""
    if recommendation is None or (constraints is not None and constraints.active):
        return None
    votes = {c: [r for r in recommendation.reasons
                 if r.favours == c and r.rule in _DATA_RULES] for c in CELLS}
    if len(votes["gru"]) == len(votes["lstm"]):
        return None
    cell = max(CELLS, key=lambda c: len(votes[c]))
    rules = " and ".join(_DATA_RULES[r.rule] for r in votes[cell])
    return cell, f"{rules}; no constraint is set, so no measured cost decides"


def tie_break_cost(constraints: Constraints | None) -> str:
    """The measured cost that decides a tie.

    The cost the user constrained (latency first, then fit time, then
    parameters); with no constraint, the training time per epoch, the cost the
    GRU-vs-LSTM folklore is about.
    """
    constraints = constraints or Constraints()
    if constraints.max_latency_ms is not None:
        return "latency_ms"
    if constraints.max_fit_seconds is not None:
        return "seconds_per_epoch"
    if constraints.max_params is not None:
        return "n_params"
    return "seconds_per_epoch"


def best_per_cell(records) -> dict:
    """``{cell: best usable record}`` for the cells that have one."""
    best = {}
    for r in records:
        if r.usable and (r.cell not in best or r.score > best[r.cell].score):
            best[r.cell] = r
    return best


def _difference_noise(a, b) -> float | None:
    """Standard error of ``a.score - b.score`` (None if either is unknown)."""
    if a.score_se is None or b.score_se is None:
        return None
    return math.sqrt(a.score_se**2 + b.score_se**2)


def _beyond_noise(difference: float, noise: float | None,
                  standard_errors: float = TIE_STANDARD_ERRORS) -> bool:
    """Whether ``difference`` is more than ``standard_errors`` standard errors.

    A difference of exactly that many (up to float rounding: 1.0 - 0.95 is
    0.05000000000000004) is not more: on 20 validation sequences, one
    sequence more is often exactly one standard error.
    """
    if noise is None:
        return True
    bar = standard_errors * noise
    return abs(difference) > bar and not math.isclose(abs(difference), bar, rel_tol=1e-9)


def representatives(records, task: str | None = None) -> tuple[dict, dict]:
    """Each cell's representative trial: its default unless beaten beyond the noise.

    The best of the cell's ``k`` usable searched configurations must beat the
    default by more than :func:`default_bar` ``(k)`` standard errors of their
    difference.

    Parameters
    ----------
    records : list of TrialRecord
    task : {"regression", "classification"} or None
        Names the default estimator in the notes.

    Returns
    -------
    chosen : dict
        ``{cell: record}`` for the cells with a usable trial.
    notes : dict
        ``{cell: sentence}`` comparing the best searched configuration with the
        default, for the cells with a usable default trial.
    """
    best = best_per_cell(records)
    searched = best_per_cell([r for r in records if not r.default])
    chosen, notes = dict(best), {}
    for cell in best:
        default = best_per_cell([r for r in records if r.default and r.cell == cell]).get(cell)
        if default is None:
            continue
        name = estimator_name(task, cell)
        rival = searched.get(cell)
        if rival is None:
            chosen[cell], notes[cell] = default, f"kept the default {name}: no searched config"
            continue
        n_searched = sum(r.usable and not r.default and r.cell == cell for r in records)
        bar = default_bar(n_searched)
        difference = rival.score - default.score
        noise = _difference_noise(rival, default)
        if noise is None:
            ratio = "no known standard error"
        elif noise == 0:
            ratio = "a standard error of 0"
        else:
            ratio = f"{difference / noise:.1f}x its standard error"
        compared = (f"best of {n_searched} searched config{'s' * (n_searched > 1)} "
                    f"{difference:+.2g}, {ratio} (the bar: {bar:.2f}x)")
        if difference > 0 and _beyond_noise(difference, noise, bar):
            chosen[cell] = rival
            notes[cell] = f"the searched config beats the default {name}: {compared}"
        else:
            chosen[cell] = default
            notes[cell] = f"kept the default {name}: {compared}"
    return chosen, notes


def _fmt(score: float, se: float | None) -> str:
    return f"{score:.4g}" if se is None else f"{score:.4g} ± {se:.2g}"


def _significance(difference: float, noise: float | None) -> str:
    """The comparison as a ratio a reader can check."""
    if noise is None:
        return f"the difference {abs(difference):.2g} has no known standard error"
    if noise == 0:
        return f"the difference {abs(difference):.2g} has a standard error of 0"
    ratio = abs(difference) / noise
    verdict = "significant" if _beyond_noise(difference, noise) else "not significant"
    return (
        f"the difference {abs(difference):.2g} is {ratio:.1f}x its standard error "
        f"({noise:.2g}): {verdict}"
    )


def _why_unusable(records, cell: str) -> str:
    mine = [r for r in records if r.cell == cell]
    if not mine:
        return f"{CELL_NAMES[cell]} was not tried"
    counts = {}
    for r in mine:
        counts[r.state] = counts.get(r.state, 0) + 1
    detail = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    return f"none of the {len(mine)} {CELL_NAMES[cell]} trials finished usably ({detail})"


def decide(records, constraints: Constraints | None = None, task: str | None = None,
           recommendation: Recommendation | None = None) -> Decision:
    """Pick the cell, and its trial, from the trials of the study.

    Parameters
    ----------
    records : list of TrialRecord
        Every trial of the study.
    constraints : Constraints, default=None
        The user's limits: they choose the cost that breaks a tie.
    task : {"regression", "classification"}, default=None
        Names the default estimators in the decision.
    recommendation : Recommendation, default=None
        The criteria: with no constraint, their rules about the data
        (sequence length, data size) break a tie between the cells when they
        prefer one.

    Returns
    -------
    decision : Decision

    Raises
    ------
    ValueError
        If no trial is usable; the message says what happened to the trials.
    """
    best, notes = representatives(records, task)
    decision = _decide_cell(records, best, constraints, recommendation)
    winner = next(r for r in records if r.number == decision.trial)
    return replace(decision, default=winner.default, default_note=notes.get(decision.cell))


def _decide_cell(records, best: dict, constraints, recommendation=None) -> Decision:
    """The rule between the cells' representatives ``best``."""
    if not best:
        notes = sorted({r.note for r in records if r.note})
        states = ", ".join(
            f"{sum(r.state == s for r in records)} {s}"
            for s in ("infeasible", "pruned", "failed", "running")
            if any(r.state == s for r in records)
        )
        raise ValueError(
            f"No usable trial among {len(records)} ({states or 'none ran'}), so no cell "
            "can be chosen. " + (f"Reasons: {'; '.join(notes[:3])}." if notes else "")
        )
    if len(best) == 1:
        ((cell, winner),) = best.items()
        other = next(c for c in CELLS if c != cell)
        return Decision(
            cell=cell,
            trial=winner.number,
            reason=(
                f"{CELL_NAMES[cell]} is the only cell with usable trials "
                f"({_why_unusable(records, other)}); its best score is "
                f"{_fmt(winner.score, winner.score_se)}."
            ),
        )

    gru, lstm = best["gru"], best["lstm"]
    difference = gru.score - lstm.score
    noise = _difference_noise(gru, lstm)
    scores = (
        f"best GRU {_fmt(gru.score, gru.score_se)} (trial {gru.number}), "
        f"best LSTM {_fmt(lstm.score, lstm.score_se)} (trial {lstm.number})"
    )
    higher = gru if difference >= 0 else lstm
    if _beyond_noise(difference, noise):
        return Decision(
            cell=higher.cell,
            trial=higher.number,
            reason=(
                f"{CELL_NAMES[higher.cell]} has the better validated score: {scores}; "
                f"{_significance(difference, noise)}."
            ),
            difference=difference,
            noise=noise,
        )

    tie = f"GRU and LSTM tie within the noise: {scores}; {_significance(difference, noise)}."
    favoured = _favoured_by_criteria(constraints, recommendation)
    if favoured is not None:
        cell, why = favoured
        return Decision(
            cell=cell,
            trial=best[cell].number,
            reason=f"{tie} {CELL_NAMES[cell]} wins the tie because the decision criteria "
            f"favour it ({why}).",
            tie=True,
            difference=difference,
            noise=noise,
        )
    basis = tie_break_cost(constraints)
    for attr in dict.fromkeys([basis, "n_params"]):
        a, b = getattr(gru, attr), getattr(lstm, attr)
        if a is None or b is None or cheaper(a, b) == 0:
            continue
        winner = gru if cheaper(a, b) < 0 else lstm
        loser = lstm if winner is gru else gru
        label, fmt = COSTS[attr]
        return Decision(
            cell=winner.cell,
            trial=winner.number,
            reason=(
                f"{tie} "
                f"{CELL_NAMES[winner.cell]} wins the tie because it is cheaper as measured "
                f"here, by {label}: {fmt.format(getattr(winner, attr))} vs "
                f"{CELL_NAMES[loser.cell]}'s {fmt.format(getattr(loser, attr))}."
            ),
            tie=True,
            difference=difference,
            noise=noise,
            cost_basis=attr,
        )
    return Decision(
        cell=higher.cell,
        trial=higher.number,
        reason=(
            f"{tie} They cost about the same here, so the higher score decides: "
            f"{CELL_NAMES[higher.cell]}."
        ),
        tie=True,
        difference=difference,
        noise=noise,
    )
