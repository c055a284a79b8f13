"""The decision report: what the data looked like, which rules fired, what the
trials measured, what was chosen and why -- as text, as a dict, as a figure."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._baseline import Baseline
from ._criteria import format_steps
from ._decision import Decision
from ._types import (
    CELL_NAMES,
    CELLS,
    COSTS,
    AsDict,
    DataProfile,
    Recommendation,
    RefitRecord,
    SpaceShaping,
)

_COLORS = {"gru": "tab:blue", "lstm": "tab:orange"}
_STATES = ("complete", "pruned", "infeasible", "failed")


def cell_summary(records, cell: str) -> dict:
    """Trial statistics of one cell; cost figures are those of its best trial.

    Returns
    -------
    summary : dict
        ``trials``, one count per state, ``running``, ``best_trial``,
        ``best_score``, ``best_score_se``, ``median_score``,
        ``seconds_per_epoch``, ``latency_ms``, ``n_params``.
    """
    mine = [r for r in records if r.cell == cell]
    usable = [r for r in mine if r.usable]
    best = max(usable, key=lambda r: r.score) if usable else None
    out = {"trials": len(mine)}
    for state in (*_STATES, "running"):
        out[state] = sum(r.state == state for r in mine)
    out.update(
        best_trial=None if best is None else best.number,
        best_score=None if best is None else best.score,
        best_score_se=None if best is None else best.score_se,
        median_score=float(np.median([r.score for r in usable])) if usable else None,
        **{cost: None if best is None else getattr(best, cost) for cost in COSTS},
    )
    return out


@dataclass(frozen=True)
class RunSettings(AsDict):
    """How the selection was run, as the report states it.

    Attributes
    ----------
    scoring : str
        Name of the score (greater is better).
    validation : str
        The validation scheme.
    validation_reason : str or None
        Why the scheme was chosen automatically (None if the user chose it).
    noise : str
        How the score's standard error is estimated.
    n_trials : int or None
        Trials asked for, in the whole study.
    timeout : float or None
        Seconds the search of this fit could take.
    max_epochs : int
        Epoch budget of each fit.
    constraints : dict
        The user's limits (None where unset).
    baseline : Baseline
        The validated score of a constant model on the same splits.
    n_counted : int
        Trials the study holds after this fit (complete, pruned, failed, running).
    search_seconds : float
        Time the search of this fit took.
    weighted : bool
        Whether ``sample_weight`` weighed the fits and the scores.
    """

    scoring: str
    validation: str
    validation_reason: str | None
    noise: str
    n_trials: int | None
    timeout: float | None
    max_epochs: int
    constraints: dict
    baseline: Baseline
    n_counted: int
    search_seconds: float
    weighted: bool = False

    @property
    def cut_short(self) -> bool:
        """Whether the study holds fewer trials than asked for."""
        return self.n_trials is not None and self.n_counted < self.n_trials


def _num(value, fmt: str = "{:.4g}", missing: str = "-") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return missing
    return fmt.format(value)


@dataclass
class SelectionReport:
    """Why :class:`ArchitectureSelector` chose the cell it chose.

    ``str(report)`` is a readable account; :meth:`to_dict` gives the same
    content as JSON-serialisable data; :meth:`plot` draws the trials. The
    selector builds it as its ``report_``.

    Parameters
    ----------
    profile : DataProfile
        The training data: sequences, lengths, features, task.
    settings : RunSettings
        Scoring, validation scheme, baseline, budget, epochs and constraints
        of the run.
    reference : dict
        The configuration at which :attr:`costs` were measured.
    costs : dict
        ``{cell: CellCost}`` measured on this machine before the study.
    recommendation : Recommendation
        The rules that fired, the prior per cell and the cells tried.
    records : list of TrialRecord
        Every trial of the study that ran or runs (those of other processes
        sharing it too); enqueued trials that never started are left out.
    decision : Decision
        The chosen cell and the reason.
    best_params : dict
        Hyperparameters of the winning trial.
    final_model : RefitRecord or None
        The model refitted on all the data: its cost, its training loss next
        to the winning trial's, and a warning when it learnt nothing or fell
        short of its trial (None without refit).
    shaping : SpaceShaping or None
        How ``max_params`` narrowed the search space (None without it).

    Attributes
    ----------
    cells : dict
        Per-cell trial statistics: ``{cell: {"trials", "complete", "pruned",
        "infeasible", "failed", "running", "best_trial", "best_score",
        "best_score_se", "median_score", "seconds_per_epoch", "latency_ms",
        "n_params"}}``, the cost figures being those of the cell's best trial.

    Examples
    --------
    >>> import json
    >>> import numpy as np
    >>> from skrnn import ArchitectureSelector
    >>> X = np.random.RandomState(0).normal(size=(60, 8))
    >>> sel = ArchitectureSelector(n_trials=2, max_epochs=2,
    ...                            search_space={"hidden_size": 4}).fit(X, X.sum(axis=1))
    >>> print(sel.report_)  # doctest: +ELLIPSIS
    GRU or LSTM? ArchitectureSelector report
    ...
    Decision: GRU
    ...
    >>> json.loads(json.dumps(sel.report_.to_dict()))["decision"]["cell"]
    'gru'
    """

    profile: DataProfile
    settings: RunSettings
    reference: dict
    costs: dict
    recommendation: Recommendation
    records: list
    decision: Decision
    best_params: dict
    final_model: RefitRecord | None = None
    shaping: SpaceShaping | None = None
    cells: dict = field(init=False)

    def __post_init__(self):
        self.cells = {cell: cell_summary(self.records, cell) for cell in CELLS}

    # ------------------------------------------------------------ as data
    def to_dict(self) -> dict:
        """The report as plain data (``json.dumps`` accepts it).

        Returns
        -------
        report : dict
            Keys ``profile``, ``settings``, ``reference``, ``costs``,
            ``recommendation``, ``cells``, ``trials``, ``decision``,
            ``best_params`` and ``final_model``; NaN becomes None.
        """
        return _plain(
            {
                "profile": self.profile.to_dict(),
                "settings": self.settings.to_dict(),
                "reference": self.reference,
                "costs": {c: cost.to_dict() for c, cost in self.costs.items()},
                "recommendation": self.recommendation.to_dict(),
                "cells": self.cells,
                "trials": [r.to_dict() for r in self.records],
                "decision": self.decision.to_dict(),
                "best_params": self.best_params,
                "final_model": None if self.final_model is None else self.final_model.to_dict(),
                "shaping": None if self.shaping is None else self.shaping.to_dict(),
            }
        )

    # ------------------------------------------------------------ as text
    def __str__(self) -> str:
        p, s = self.profile, self.settings
        task = p.task if p.n_classes is None else f"{p.task}, {p.n_classes} classes"
        if p.min_length == p.max_length:
            lengths = f"{p.max_length:g} steps each"
        else:
            lengths = f"{p.min_length:g} to {p.max_length:g} steps (median {p.median_length:g})"
        if p.patch_size > 1:
            lengths += (
                f" (patch_size={p.patch_size}: {format_steps(p.recurrent_steps)} recurrent steps)"
            )
        budget = "unlimited" if s.n_trials is None else f"{s.n_trials} trials in total"
        timeout = "none" if s.timeout is None else f"{s.timeout:g} s"
        constraints = ", ".join(f"{k}={v:g}" for k, v in s.constraints.items() if v is not None)
        lines = [
            "GRU or LSTM? ArchitectureSelector report",
            "=" * 40,
            f"Data         {p.n_sequences:,} sequences of {p.n_features} feature(s), "
            f"{lengths}; {task}",
            f"Validation   {s.validation}; score: {s.scoring} (higher is better"
            + ("; weighted by sample_weight)" if s.weighted else ")"),
            *([f"             ({s.validation_reason})"] if s.validation_reason else []),
            f"Noise        {s.noise}",
            f"Baseline     {s.baseline.name}: {_num(s.baseline.score)} (a model that learns "
            "nothing, validated the same way)",
            f"Budget       {budget} (timeout {timeout}), at most {s.max_epochs} epochs per fit",
            f"Constraints  {constraints or 'none'}",
            *self._shaping_lines(),
            "",
        ]
        if s.cut_short:
            lines[-1:] = [
                f"Search cut short: the study holds {s.n_counted} of the {s.n_trials} trials "
                f"asked for after {s.search_seconds:.3g} s"
                + (f" (timeout {s.timeout:g} s; no trial starts that the time left could not "
                   "finish, judged by the shortest finished trial)."
                   if s.timeout is not None else "."),
                "",
            ]
        if self.costs:
            ref = ", ".join(f"{k}={v}" for k, v in self.reference.items())
            lines += [f"Cost measured on this machine ({ref}):", _cost_table(self.costs), ""]
        lines.append("Rules that fired")
        for reason in self.recommendation.reasons:
            tag = f" [favours {CELL_NAMES[reason.favours]}]" if reason.favours else ""
            lines.append(f"  - {reason.text}{tag}")
        prior = ", ".join(f"{CELL_NAMES[c]} {v:.2f}" for c, v in self.recommendation.prior.items())
        tried = ", ".join(CELL_NAMES[c] for c in self.recommendation.cells)
        lines += [f"  Prior: {prior}; cells tried: {tried}", ""]
        lines += ["Trials (cost columns: each cell's best trial)", self._trial_table(), ""]
        lines += self._failure_lines() + self._worker_lines()
        running = sum(v["running"] for v in self.cells.values())
        if running:
            lines += [
                f"({running} trial(s) still running in other processes are not included.)",
                "",
            ]
        lines += [f"Decision: {CELL_NAMES[self.decision.cell]}", f"  {self.decision.reason}"]
        if self.decision.default_note:
            lines.append(f"  {self.decision.default_note[0].upper()}{self.decision.default_note[1:]}.")
        warning = self._baseline_warning()
        if warning:
            lines.append(f"  WARNING: {warning}")
        params = ", ".join(
            f"{k}={_num(v, '{:.3g}') if isinstance(v, float) else v}"
            for k, v in self.best_params.items()
            if k != "cell"
        )
        lines.append(f"  Best hyperparameters (trial {self.decision.trial}): {params}")
        if self.final_model:
            f = self.final_model
            lines.append(
                f"  Refitted on all {p.n_sequences:,} sequences in {f.fit_seconds:.3g} s: "
                f"{f.n_params:,} parameters, predict {f.latency_ms:.3g} ms per sequence."
            )
            if f.train_loss_share is not None:
                trial = f.trial_train_loss_share
                lines.append(
                    f"  Refit's best training loss: {f.train_loss_share:.1%} of a constant "
                    "prediction's" + ("" if trial is None else f" (winning trial: {trial:.1%})")
                    + "."
                )
            if f.warning:
                lines.append(f"  WARNING: {f.warning}")
        return "\n".join(lines)

    def _shaping_lines(self) -> list:
        """How the constraint shaped the search space (nothing if it did not)."""
        if self.shaping is None or not self.shaping.narrowed:
            return []
        return [f"Space        shaped by {self.shaping.constraint}:",
                *(f"  - {line}" for line in self.shaping.lines())]

    def _failure_lines(self) -> list:
        """Why trials failed (their error, or why a dead worker's trial was failed)."""
        reasons = {}
        for r in self.records:
            if r.state == "failed":
                reasons.setdefault(r.note, []).append(r.number)
        if not reasons:
            return []
        lines = ["Failed trials"]
        for note, numbers in reasons.items():
            shown = ", ".join(map(str, numbers[:8])) + (", ..." if len(numbers) > 8 else "")
            lines.append(f"  - trial(s) {shown}: {note}")
        return [*lines, ""]

    def _worker_lines(self) -> list:
        """Trials per worker process, when several processes shared the study."""
        counts = {}
        for r in self.records:
            if r.worker:
                counts[r.worker] = counts.get(r.worker, 0) + 1
        if len(counts) < 2:
            return []
        shown = ", ".join(f"{w} {n}" for w, n in sorted(counts.items()))
        return [f"Workers      {len(counts)} processes shared the study (trials: {shown})", ""]

    def _baseline_warning(self) -> str | None:
        """A line when the winner is not clearly better than a model that learns nothing."""
        base = self.settings.baseline.score
        best = self.cells[self.decision.cell]
        score, se = best["best_score"], best["best_score_se"] or 0.0
        if base is None or score is None or score - base > se:
            return None
        return (
            f"the best validated score {_num(score)} is not clearly above the "
            f"{self.settings.baseline.name} baseline {_num(base)} (difference "
            f"{score - base:.2g}, standard error {se:.2g}): the models may not have learnt "
            "anything the baseline does not know."
        )

    def __repr__(self) -> str:
        return f"SelectionReport(architecture={self.decision.cell!r}, trials={len(self.records)})"

    def _trial_table(self) -> str:
        header = (
            "cell",
            "trials",
            "complete",
            "pruned",
            "infeasible",
            "failed",
            "best score",
            "median",
            "s/epoch",
            "predict ms",
            "parameters",
        )
        rows = [header]
        for cell, c in self.cells.items():
            best = _num(c["best_score"])
            if c["best_score_se"] is not None:
                best += f" ± {c['best_score_se']:.2g}"
            rows.append(
                (
                    CELL_NAMES[cell],
                    str(c["trials"]),
                    *(str(c[s]) for s in _STATES),
                    best,
                    _num(c["median_score"]),
                    _num(c["seconds_per_epoch"], "{:.3g}"),
                    _num(c["latency_ms"], "{:.3g}"),
                    _num(c["n_params"], "{:,}"),
                )
            )
        return _table(rows)

    # ------------------------------------------------------------ as a figure
    def plot(self, figsize=(11, 4)):
        """Draw the trials: score per trial, and score against training cost.

        Parameters
        ----------
        figsize : tuple of float, default=(11, 4)
            Width and height of the figure in inches.

        Returns
        -------
        fig : matplotlib.figure.Figure
            Left: the validation score of every trial, by cell (hollow
            markers: last score of a pruned trial; stars: each cell's best).
            Right: score against measured seconds per epoch.

        Raises
        ------
        ImportError
            If matplotlib is not installed.
        """
        try:
            import matplotlib.pyplot as plt
            from matplotlib.ticker import MaxNLocator
        except ImportError as exc:
            raise ImportError(
                "SelectionReport.plot needs matplotlib: pip install matplotlib "
                "(or pip install skrnn[plot])."
            ) from exc
        fig, (ax_trials, ax_cost) = plt.subplots(1, 2, figsize=figsize)
        scoring = self.settings.scoring
        for cell in CELLS:
            mine = [r for r in self.records if r.cell == cell]
            if not mine:
                continue
            done = [r for r in mine if r.usable]
            pruned = [r for r in mine if r.state == "pruned" and r.last_score is not None]
            color, name = _COLORS[cell], CELL_NAMES[cell]
            ax_trials.scatter(
                [r.number for r in done],
                [r.score for r in done],
                color=color,
                label=f"{name} ({len(done)} complete)",
            )
            if pruned:
                ax_trials.scatter(
                    [r.number for r in pruned],
                    [r.last_score for r in pruned],
                    facecolors="none",
                    edgecolors=color,
                    label=f"{name} pruned (last score)",
                )
            timed = [r for r in done if r.seconds_per_epoch]
            ax_cost.scatter(
                [r.seconds_per_epoch for r in timed],
                [r.score for r in timed],
                color=color,
                label=name,
            )
            best = next((r for r in done if r.number == self.cells[cell]["best_trial"]), None)
            if best is not None:
                star = dict(marker="*", s=250, color=color, edgecolors="black", zorder=3)
                ax_trials.scatter(best.number, best.score, **star)
                if best.seconds_per_epoch:
                    ax_cost.scatter(best.seconds_per_epoch, best.score, **star)
        ax_trials.set(title="Validation score per trial", xlabel="trial", ylabel=scoring)
        ax_trials.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_cost.set(
            title="Score against measured training cost",
            xlabel="seconds per epoch",
            ylabel=scoring,
        )
        seconds = [r.seconds_per_epoch for r in self.records if r.usable and r.seconds_per_epoch]
        if seconds and max(seconds) > 10 * min(seconds):
            ax_cost.set_xscale("log")
        for ax in (ax_trials, ax_cost):
            _robust_ylim(ax, [r.score for r in self.records if r.usable])
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize="small")
        fig.suptitle(
            f"ArchitectureSelector chose {CELL_NAMES[self.decision.cell]}"
            + (" (tie broken by measured cost)" if self.decision.tie else "")
        )
        fig.tight_layout()
        return fig


def _robust_ylim(ax, scores):
    """Keep a few diverged trials from squashing the interesting range."""
    if len(scores) < 4:
        return
    q1, q3 = np.percentile(scores, [25, 75])
    floor = q1 - 5 * max(q3 - q1, 1e-12)
    if min(scores) < floor:
        top = max(scores)
        ax.set_ylim(floor, top + 0.05 * (top - floor))


def _cost_table(costs: dict) -> str:
    rows = [("cell", "parameters", "s/epoch", "predict ms")]
    for cell, cost in costs.items():
        rows.append(
            (
                CELL_NAMES[cell],
                f"{cost.n_params:,}",
                f"{cost.seconds_per_epoch:.3g}",
                f"{cost.latency_ms:.3g}",
            )
        )
    return _table(rows)


def _table(rows) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  "
        + "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def _plain(value):
    """Numpy scalars and tuples -> Python types, so json.dumps accepts the dict."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
