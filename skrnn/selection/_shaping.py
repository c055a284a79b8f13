"""Constraints shape the search space instead of ending the search.

``max_params`` is a property of the network alone, so it is known exactly
before anything trains: the module an estimator would build is built (never
trained) and its parameters counted (:class:`NetworkSizer`). For each cell,
every combination of the searched *size parameters*
(:data:`SIZE_PARAMS`) is examined and the largest ``hidden_size`` that fits
found by bisection (the count grows with ``hidden_size``). Then

* each size parameter keeps the values some fitting network uses, and
  ``hidden_size`` is limited to the largest that fits; a trial whose
  ``hidden_size`` is too large for its other size parameters (the narrowed
  ranges are their union) is lowered to the largest that fits them
  (:meth:`CellSpace.fit`);
* an estimator option the user left alone (:data:`FAMILY`: the front end)
  is switched from its default only when the default cannot fit at all;
* a cell is dropped only when even its smallest network breaks the limit,
  and when every cell is, the error names the smallest network there is.

The constraints that must be *measured* (``max_latency_ms``,
``max_fit_seconds``) shape the space by cost probes
(:func:`shape_by_measurement`): the front end and the largest
``hidden_size`` at each cell's cheapest configuration. Timings are noisy,
so every trial is still probed before it trains, and a trial that breaks a
limit is recorded as infeasible, never trained.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any

from optuna.distributions import CategoricalDistribution, IntDistribution

from .._module import RecurrentNetwork
from .._params import FRONT_ENDS
from ._objective import build_params, make_estimator
from ._space import CellSpace, SearchSpace
from ._types import CELL_NAMES, CellShaping, Constraints, SpaceShaping, describe_params

#: Estimator parameters that change the network's parameter count, besides
#: ``hidden_size`` (which is bisected): every combination of their searched
#: values is examined.
SIZE_PARAMS = ("num_layers", "bidirectional", "front_end", "patch_size")

#: Options a constraint may switch to, for a size parameter the user neither
#: searches nor fixes; the estimator's default is kept whenever it can fit.
FAMILY = {"front_end": FRONT_ENDS}


def trainable_parameters(module) -> int:
    """Trainable parameters of a torch module."""
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


@dataclass(frozen=True)
class NetworkSizer:
    """The exact parameter count of a configuration on this data.

    The estimator is configured as a trial would be and its network module
    built from the estimator's own :meth:`_module_params` (the keyword
    arguments its ``fit`` builds the network from), then counted; nothing is
    trained.

    Attributes
    ----------
    task : {"regression", "classification"}
    sequences : Sequences
        The training sequences (they resolve ``patch_size="auto"``,
        ``highway_window="auto"`` and, with ``y``, ``scaling="auto"``).
    y : array-like
        The training targets.
    n_outputs : int
        Regression targets or classes.
    fixed : dict
        The user's fixed estimator parameters.
    """

    task: str
    sequences: Any
    y: Any
    n_outputs: int
    fixed: dict = field(default_factory=dict)

    def __call__(self, cell: str, params: dict) -> int:
        """Parameters of ``cell``'s network with the searched ``params``."""
        estimator = make_estimator(
            self.task,
            cell,
            build_params(self.task, cell, params, self.fixed, max_epochs=1, random_state=None),
        )
        module = RecurrentNetwork(
            **estimator._module_params(
                self.sequences.n_features,
                self.n_outputs,
                estimator._resolve_patch_size(self.sequences),
                estimator._resolve_highway_window(self.sequences),
                # "sequence_stats" reads more inputs
                estimator._resolve_scaling(self.sequences, self.y),
            )
        )
        return trainable_parameters(module)


def shape_space(space: SearchSpace, sizer: NetworkSizer, max_params: int | None,
                defaults: dict) -> tuple[SearchSpace, SpaceShaping | None]:
    """Narrow every cell's part of ``space`` to the networks within ``max_params``.

    Parameters
    ----------
    space : SearchSpace
        The user's search space.
    sizer : NetworkSizer
        Counts a configuration's parameters (it knows the user's fixed values).
    max_params : int or None
        The limit; ``None`` leaves ``space`` as it is.
    defaults : dict
        The estimators' default parameters.

    Returns
    -------
    space : SearchSpace
        The shaped space (cells that cannot fit keep their space, with the
        smallest network's options, so that their cost probe shows it).
    shaping : SpaceShaping or None
        What changed, for the report (None without ``max_params``).

    Raises
    ------
    ValueError
        When no cell has a network within ``max_params``, naming the smallest.
    """
    if max_params is None:
        return space, None
    cells, shapes = {}, []
    for cell in space.cells:
        cell_space, shape = _shape_cell(space, cell, sizer, max_params, defaults)
        cells[cell] = cell_space
        shapes.append(shape)
    if all(s.excluded for s in shapes):
        best = min(shapes, key=lambda s: s.smallest_params)
        others = "; ".join(
            f"{CELL_NAMES[s.cell]}'s smallest: {s.smallest_params:,}"
            for s in shapes if s is not best
        )
        raise ValueError(
            f"No cell can meet the constraints: max_params={max_params:,}, but the smallest "
            f"network the search space allows has {best.smallest_params:,} parameters "
            f"({CELL_NAMES[best.cell]}: {describe_params(best.smallest)}"
            + (f"; {others}" if others else "")
            + "). Raise max_params, or let search_space reach smaller networks (e.g. "
            "'hidden_size': IntDistribution(2, 8))."
        )
    return space.shaped(cells), SpaceShaping(f"max_params={max_params:,}", tuple(shapes))


#: The constraints only a measurement tells: ``(name, CellCost attribute, unit)``.
MEASURED = ("max_latency_ms", "max_fit_seconds")


def shape_by_measurement(space: SearchSpace, probe, constraints, defaults: dict,
                         user_fixed: dict, shaping: SpaceShaping | None):
    """Narrow each cell's ``hidden_size`` (and front end) to what meets the
    measured limits, ``max_latency_ms`` and ``max_fit_seconds``.

    At the cell's cheapest configuration: if it breaks a limit with the
    default front end the user left alone, the folding one is tried; then,
    if the largest ``hidden_size`` breaks a limit, the largest that does not
    is found by bisection. Each step is a cost probe (a few training
    batches); timings are noisy, so every trial is still probed before it
    trains.

    Parameters
    ----------
    space : SearchSpace
        The space, already shaped by ``max_params``.
    probe : callable
        ``probe(cell, params) -> (CellCost, n_epochs)`` or ``None`` when the
        configuration cannot even be fitted; ``n_epochs`` is the epochs of a
        fit on all the data (what ``max_fit_seconds`` bounds).
    constraints : Constraints
    defaults : dict
        The estimators' default parameters.
    user_fixed : dict
        The user's fixed parameters (a parameter fixed there is never changed).
    shaping : SpaceShaping or None
        What ``max_params`` changed; the measured limits are added to it.

    Returns
    -------
    space : SearchSpace
    shaping : SpaceShaping or None
    """
    limits = {name: getattr(constraints, name) for name in MEASURED}
    limits = {name: value for name, value in limits.items() if value is not None}
    if not limits:
        return space, shaping
    only = Constraints(**limits)
    by = ", ".join(f"{name}={value:g}" for name, value in limits.items())
    excluded = {c.cell for c in shaping.cells if c.excluded} if shaping else set()
    cells, notes = {}, {}
    for cell in space.cells:
        if cell in excluded:
            continue
        cell_space = space.cell_space(cell)
        cheapest = space.cheapest(cell)

        def breaks(params, cell=cell):
            measured = probe(cell, params)
            if measured is None:
                return ["it could not be fitted"], None
            cost, n_epochs = measured
            return only.violations(cost, n_epochs), (cost, n_epochs)

        broken, _ = breaks(cheapest)
        fixed, notes[cell] = dict(cell_space.fixed), []
        front_end = cheapest.get("front_end", defaults["front_end"])
        if (broken and "front_end" not in cell_space.distributions
                and "front_end" not in user_fixed and front_end != "fold"):
            folded = {**cheapest, "front_end": "fold"}
            if not breaks(folded)[0]:
                notes[cell].append(
                    f"front_end='fold' chosen by {by} (with front_end={front_end!r} the "
                    f"cheapest configuration breaks it: {'; '.join(broken)})"
                )
                fixed["front_end"], cheapest, broken = "fold", folded, []
        if broken:  # the cost rule excludes the cell, with the numbers
            continue
        dists = dict(cell_space.distributions)
        largest = dict(cell_space.largest)
        # An integer range only: a measured limit is noisy, and narrowing a list
        # of choices would tie a shared or resumed study to one measurement.
        if isinstance(dists.get("hidden_size"), IntDistribution):
            values = _values(dists["hidden_size"])
            seen = {}

            def fits(h, cheapest=cheapest, breaks=breaks, seen=seen):
                seen[h] = breaks({**cheapest, "hidden_size": h})
                return not seen[h][0]

            top = values[-1] if fits(values[-1]) else _largest_fitting(values, fits)
            if top is not None and top < values[-1]:
                kept = values[: values.index(top) + 1]
                dists["hidden_size"] = _narrow(dists["hidden_size"], kept)
                largest = {k: None if v is None else min(v, top) for k, v in largest.items()}
                above = min(h for h in seen if h > top)
                notes[cell].append(
                    f"hidden_size limited to <= {top} by {by} (measured at the cheapest "
                    f"other settings: hidden_size={top}: {_measured(seen[top][1], limits)}; "
                    f"{above}: {_measured(seen[above][1], limits)})"
                )
        if notes[cell]:
            cells[cell] = replace(cell_space, distributions=dists, fixed=fixed, largest=largest,
                                  size_names=cell_space.size_names if largest else ())
    if not cells:
        return space, shaping
    previous = {c.cell: c for c in shaping.cells} if shaping else {}
    shapes = tuple(
        replace(previous[cell], limits=(*previous[cell].limits, *notes.get(cell, ())))
        if cell in previous
        else CellShaping(cell, tuple(notes.get(cell, ())))
        for cell in space.cells
    )
    by_all = by if shaping is None else f"{shaping.constraint}, {by}"
    return space.shaped(cells), SpaceShaping(by_all, shapes)


def _measured(measured, limits) -> str:
    if measured is None:
        return "could not be fitted"
    cost, n_epochs = measured
    out = []
    if "max_latency_ms" in limits:
        out.append(f"predict {cost.latency_ms:.3g} ms")
    if "max_fit_seconds" in limits:
        out.append(f"fit {cost.seconds_per_epoch * n_epochs:.3g} s")
    return ", ".join(out)


def _shape_cell(space, cell, sizer, max_params, defaults):
    dists = dict(space.distributions_of(cell))
    fixed = {**space.fixed, **sizer.fixed}
    searched_hidden = "hidden_size" in dists
    hidden_values = (
        _values(dists["hidden_size"]) if searched_hidden
        else [fixed.get("hidden_size", defaults["hidden_size"])]
    )
    varied = {name: _values(dists[name]) for name in SIZE_PARAMS if name in dists}
    family = {
        name: (defaults[name], *(o for o in options if o != defaults[name]))
        for name, options in FAMILY.items()
        if name not in dists and name not in fixed
    }
    names = (*varied, *family)

    def size(combo, hidden):
        return sizer(cell, {**dict(zip(names, combo)), "hidden_size": hidden})

    # For every combination: its smallest size, and the largest hidden size that fits.
    smallest, largest = {}, {}
    for combo in itertools.product(*varied.values(), *family.values()):
        smallest[combo] = size(combo, hidden_values[0])
        largest[combo] = _largest_fitting(
            hidden_values, lambda h, combo=combo: size(combo, h) <= max_params
        )

    # The family's options: the default unless it cannot fit at all.
    chosen_family, limits = {}, []
    for k, name in enumerate(names[len(varied):], start=len(varied)):
        fitting = [o for o in family[name] if any(
            largest[c] is not None and c[k] == o and _agrees(c, names, chosen_family)
            for c in largest
        )]
        if not fitting:
            break
        chosen_family[name] = fitting[0]
        if fitting[0] != family[name][0]:
            least = min(n for c, n in smallest.items() if c[k] == family[name][0])
            limits.append(
                f"{name}={fitting[0]!r} chosen by max_params={max_params:,} (with the default "
                f"{name}={family[name][0]!r}, even the smallest network has {least:,} parameters)"
            )
    feasible = [c for c in largest if largest[c] is not None and _agrees(c, names, chosen_family)]
    least_combo = min(smallest, key=smallest.get)
    least = {"hidden_size": hidden_values[0], **dict(zip(names, least_combo))}
    if not feasible:
        fixed_family = {n: least[n] for n in family}
        shape = CellShaping(cell, (), least, smallest[least_combo], excluded=True)
        return CellSpace(dists, fixed=fixed_family, default_fits=False), shape

    narrowed = dict(dists)
    for k, name in enumerate(varied):
        kept = sorted({c[k] for c in feasible}, key=lambda v: _values(dists[name]).index(v))
        narrowed[name] = _narrow(dists[name], kept)
        if narrowed[name] != dists[name]:
            dropped = [v for v in varied[name] if v not in kept]
            least_dropped = min(n for c, n in smallest.items() if c[k] in dropped)
            limits.append(
                f"{name} limited to {_shown(narrowed[name])} by max_params={max_params:,} "
                f"({name}={dropped[0]!r}: at least {least_dropped:,} parameters)"
            )
    table = {}
    if searched_hidden:
        top = max(largest[c] for c in feasible)
        narrowed["hidden_size"] = _narrow(
            dists["hidden_size"], [h for h in hidden_values if h <= top]
        )
        if top < hidden_values[-1]:
            best = next(c for c in feasible if largest[c] == top)
            above = hidden_values[hidden_values.index(top) + 1]
            limits.append(
                f"hidden_size limited to <= {top} by max_params={max_params:,} "
                f"(hidden_size={top}: {size(best, top):,} parameters; "
                f"{above}: {size(best, above):,})"
            )
        # the largest fitting hidden size of every combination the narrowed ranges hold
        kept_values = [_values(narrowed[name]) for name in varied]
        for values in itertools.product(*kept_values):
            combo = (*values, *(chosen_family[n] for n in family))
            table[values] = largest.get(combo)
    default_fits = sizer(cell, {}) <= max_params
    shape = CellShaping(cell, tuple(limits), least, smallest[least_combo])
    cell_space = CellSpace(
        narrowed,
        fixed=chosen_family if chosen_family != {n: o[0] for n, o in family.items()} else {},
        size_names=tuple(varied) if table else (),
        largest=table,
        default_fits=default_fits,
    )
    return cell_space, shape


def _agrees(combo, names, chosen) -> bool:
    return all(combo[names.index(n)] == v for n, v in chosen.items())


def _largest_fitting(values, fits):
    """The largest of the sorted ``values`` that ``fits``, by bisection (what
    fits stays below a threshold); None if even the first does not."""
    if not fits(values[0]):
        return None
    low, high = 0, len(values) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if fits(values[mid]):
            low = mid
        else:
            high = mid - 1
    return values[low]


def _values(dist) -> list:
    """Every value of a discrete distribution, in order (numeric choices sorted)."""
    if isinstance(dist, CategoricalDistribution):
        choices = list(dist.choices)
        if all(isinstance(c, (int, float)) for c in choices):
            return sorted(choices)
        return choices
    if isinstance(dist, IntDistribution):
        return list(range(dist.low, dist.high + 1, dist.step))
    raise TypeError(f"a size parameter must be an integer or a list of choices; got {dist!r}")


def _narrow(dist, kept):
    """``dist`` restricted to the values ``kept`` (an int range keeps its hull)."""
    if isinstance(dist, CategoricalDistribution):
        return CategoricalDistribution(tuple(c for c in dist.choices if c in kept))
    return IntDistribution(min(kept), max(kept), log=dist.log, step=dist.step)


def _shown(dist) -> str:
    if isinstance(dist, CategoricalDistribution):
        return repr(list(dist.choices)) if len(dist.choices) > 1 else repr(dist.choices[0])
    return str(dist.low) if dist.low == dist.high else f"{dist.low}..{dist.high}"
