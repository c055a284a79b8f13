"""ArchitectureSelector: GRU or LSTM for this data, budget and machine, explained."""

from __future__ import annotations

import contextlib
import copy
import os
import pickle
import shutil
import time
import warnings
from dataclasses import replace
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import optuna
from optuna.pruners import BasePruner, MedianPruner
from optuna.samplers import BaseSampler, PartialFixedSampler, TPESampler
from optuna.storages import BaseStorage
from optuna.study import StudyDirection
from optuna.trial import TrialState
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._tags import ClassifierTags, RegressorTags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from .._validation import (
    check_classification_labels,
    check_consistent_length,
    check_layout,
    check_regression_target,
    check_sequences,
)
from ._baseline import baseline_score
from ._cost import count_parameters, estimated_fit_seconds, predict_latency_ms, probe_cost
from ._criteria import profile_data, recommend, search_breadth_rule
from ._decision import decide
from ._noise import N_BOOTSTRAP
from ._objective import Objective, build_params, default_params, make_estimator, planned_epochs
from ._pruning import CellwisePruner, StopBeforeDeadline, time_left_fits_a_trial
from ._records import DEFAULT_ATTR, Measurements, record_from_trial
from ._report import RunSettings, SelectionReport
from ._scheme import choose_scheme
from ._shaping import NetworkSizer, shape_by_measurement, shape_space
from ._space import FURTHER_SEARCH_SPACE, SearchSpace, check_param_names
from ._storage import fail_orphaned_trials, resolve_storage
from ._types import CELL_NAMES, Constraints, RefitRecord
from ._workers import (
    WorkerJob,
    finish,
    open_journal,
    resolve_n_jobs,
    run_workers,
    shareable,
    temporary_journal,
    threads_per_worker,
    warn_died,
)
from .._compat import study_storage
from .._docstrings import fill_doc, predict_doc
from .._threads import available_cores

#: Trial states that count towards ``n_trials`` (a RUNNING trial may belong to
#: another process sharing the study).
_COUNTED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING)

#: Errors that fail one trial without stopping the study (torch errors such as
#: running out of memory are RuntimeErrors; a diverged fit scores NaN).
# Errors a trial may raise without stopping the search (it is recorded as
# FAILED); MemoryError included: one too-large configuration is not fatal.
_TRIAL_ERRORS = (RuntimeError, ValueError, ArithmeticError, MemoryError)

_STUDY_ATTR = "skrnn"


def _has_proba(selector) -> bool:
    task = getattr(selector, "task_", selector.task)
    return task != "regression"


class ArchitectureSelector(BaseEstimator):
    """Choose between GRU and LSTM, and their hyperparameters, for your data.

    ``fit`` follows the decision criteria of skrnn's design (sequence length,
    dataset size, resource constraints, experimentation budget), *measures*
    what each cell costs on this machine through the skrnn estimators, runs
    one Optuna study over ``cell`` and the cell's hyperparameters with
    per-epoch pruning, picks the winner by validated score -- the measured
    cheaper cell when the scores tie within their noise -- refits it on all
    the data, and explains the decision in :attr:`report_`.

    Parameters
    ----------
    task : {"auto", "regression", "classification"}, default="auto"
        ``"auto"``: classification if ``y`` holds strings, booleans, integers
        or other non-float labels; regression if ``y`` is float. Set it for
        float-coded classes or integer regression targets.
    n_trials : int or None, default=30
        Trials in the study **in total**: a study resumed from ``storage``
        only runs the trials still missing, and several processes sharing a
        study stop when it holds ``n_trials`` (trials already running
        elsewhere finish, so the total can exceed it by at most the number of
        processes minus one). ``None``: until ``timeout``.
    timeout : float or None, default=None
        Seconds this call of ``fit`` may search (the short cost measurement
        before and the refit after come on top). A trial still running when
        it runs out stops at its next epoch and counts as pruned, unless no
        trial has finished yet: the first result is always completed. Also
        informs the budget rule: when too few trials fit in it to compare
        both cells, only GRU is tried.
    max_params : int or None, default=None
        Most trainable parameters the chosen model may have.
    max_latency_ms : float or None, default=None
        Slowest acceptable ``predict`` on one sequence, in milliseconds,
        measured on this machine.
    max_fit_seconds : float or None, default=None
        Longest acceptable time to fit the chosen model on all the data for
        ``max_epochs`` epochs, estimated from measured seconds per epoch.
        The constraints shape the search space before the study: each cell's
        ``hidden_size`` and other size parameters are narrowed to the
        networks that meet them (``max_params`` counted exactly from the
        network, the others by cost probes), the folding front end is
        chosen when the default one cannot fit, and a cell is dropped only
        when its smallest network cannot; the report says how. A trial
        breaking any constraint is still *infeasible*: it is checked with a
        short probe before it trains, never trained, never chosen, and the
        report says why.
    scoring : str, callable or None, default=None
        A scikit-learn scorer name or ``scorer(estimator, X, y)``, greater is
        better. ``None``: the estimator's ``score`` (R² for regression,
        accuracy for classification). Also used by :meth:`score`.
    validation_fraction : float, default=0.2
        Share of the sequences held out to validate each trial when ``cv`` is
        None. Regression holds out the **last** ones (the most recent, for
        time-ordered windows); classification a random, class-stratified
        sample (classification data is often sorted by class, so a tail would
        be biased), seeded by ``random_state`` when it is an int and by 0
        otherwise, so that every worker of a shared study validates on the
        same sequences. The score's noise is its bootstrap standard error.
    cv : int, cross-validation generator, iterable or None, default=None
        Cross-validate each trial instead (e.g. ``TimeSeriesSplit(3)``); an
        int means (stratified) k-fold without shuffling. The score is the
        mean over folds and its noise the standard error of that mean.
        Pruning watches the first fold.
    search_space : dict or None, default=None
        Overrides of :data:`~skrnn.selection.DEFAULT_SEARCH_SPACE`
        (``hidden_size``, ``num_layers``, ``dropout``, ``lr``,
        ``batch_size``): ``{name: optuna distribution, list of choices, or a
        single fixed value}``, for any estimator hyperparameter.
        ``"cell": ["lstm"]`` restricts the cells. The parameters of
        :data:`~skrnn.selection.FURTHER_SEARCH_SPACE` (``front_end``,
        ``scaling``, ``pooling``) are searched too as far as the budget
        allows (the report says which), unless set here or in
        ``estimator_params``.
    estimator_params : dict or None, default=None
        Fixed parameters of every trial's estimator and of the refit, e.g.
        ``{"scaling": "sequence", "early_stopping": True}``. A parameter of
        the default search space given here is no longer searched.
    max_epochs : int or "auto", default="auto"
        Epoch budget of each fit (trials and refit); training may stop
        earlier (see the estimators' ``patience``) or be pruned. ``"auto"``:
        each fit plans its epochs as the estimators do by default (enough for
        ``min_steps`` optimizer steps, at least 100), so every trial trains
        like the default estimator; the report shows the typical trial's
        epochs. An int trades accuracy for more trials in a time budget.
    sampler : optuna.samplers.BaseSampler or None, default=None
        ``None``: ``TPESampler`` seeded by ``random_state``. A copy is used, so
        repeated fits start from the same sampler state.
    pruner : optuna.pruners.BasePruner or None, default=None
        ``None``: a median pruner applied within each cell
        (:class:`~skrnn.selection.CellwisePruner`), active once three trials
        of the cell completed and after the first fifth of ``max_epochs``.
        ``optuna.pruners.NopPruner()`` disables pruning.
    storage : str, optuna.storages.BaseStorage or None, default=None
        Where the study lives: ``None`` in memory (a fresh study per fit);
        an URL such as ``"sqlite:///selection.db"`` or
        ``"postgresql://user:pw@host/db"``, or a storage object such as
        ``JournalStorage(JournalFileBackend("selection.log"))``. Processes
        running ``fit`` with the same ``storage`` and ``study_name`` share
        the study; a re-run resumes it. A trial left RUNNING by a worker that
        died (killed, out of memory) is marked FAILED by the next ``fit``: on
        the same machine as soon as its process is gone (any storage); on
        other machines through Optuna's heartbeat, which URL storages get
        (failed 120 s after the last beat).
    study_name : str or None, default=None
        Name of the study in ``storage`` (``None``: a new unique name).
    n_jobs : int or None, default=None
        Trials run at once, each in a worker process: forked on Linux when
        each worker runs one thread, else started by a forkserver (Linux)
        or spawned, which imports the calling script, so guard it with
        ``if __name__ == "__main__":``. ``None`` or 1: in this process;
        ``-1``: one worker per core this process may use
        (``os.sched_getaffinity``), ``-2`` one fewer, and so on. The
        workers share the study through ``storage`` (which must not be in
        memory), or, when it is None, a temporary journal file deleted after
        the search (:attr:`study_` is then an in-memory copy). Each worker's
        estimators, and the cost probe, run at ``max(1, cores // n_jobs)``
        threads unless ``num_threads`` is in ``estimator_params``; the refit
        keeps the estimators' own policy. The data are checked here before
        any worker starts, then sent once to each worker (inherited when it
        is forked). ``n_trials`` stays exact over all workers; a worker that
        dies has its trial marked FAILED (:attr:`recovered_trials_`) and
        ``fit`` warns.
    refit : bool, default=True
        Refit the winner on all the data as :attr:`best_estimator_`.
        A worker process that only contributes trials can skip it.
    random_state : int, RandomState instance or None, default=0
        Seeds the sampler, every trial's estimator (from the trial number, so
        a trial is reproducible in any process), the cost probes and the
        bootstrap. With a shared ``storage`` each process seeds its sampler
        from ``random_state`` and its process id, so that workers explore
        different configurations. An int is also the ``random_state`` of the
        cells' default trials: when a default is kept, :attr:`best_estimator_`
        is exactly ``GRUClassifier(random_state=random_state).fit(X, y)``
        (or the task's and cell's counterpart, with ``estimator_params``).
    verbose : int, default=0
        ``0`` silent; ``1`` a line per trial and the decision; ``2`` also
        Optuna's progress bar.

    Attributes
    ----------
    architecture_ : {"gru", "lstm"}
        The chosen cell.
    best_estimator_ : GRURegressor, LSTMRegressor, GRUClassifier or LSTMClassifier
        The winner refitted on all the data (only with ``refit=True``).
    best_params_ : dict
        The winner's searched hyperparameters, ``cell`` included.
    best_score_ : float
        Validation score of the winning trial.
    study_ : optuna.study.Study
        The study; each trial's measurements (cell, seed, searched
        parameters, score standard error, seconds per epoch, latency, ...)
        are in ``trial.user_attrs["skrnn"]``, its worker in
        ``trial.user_attrs["skrnn_worker"]``; a cell's default trial has
        ``trial.user_attrs["skrnn_default"]``.
    recovered_trials_ : list of int
        Numbers of trials left RUNNING by dead workers that this ``fit``
        marked FAILED.
    n_jobs_ : int
        Worker processes the search used (``n_jobs`` resolved; 1: none, the
        trials ran in this process).
    report_ : SelectionReport
        The decision explained: ``print(report_)``, ``report_.to_dict()``,
        ``report_.plot()``.
    recommendation_ : Recommendation
        What the criteria recommended before the study.
    task_ : {"regression", "classification"}
        The task, as given or inferred.
    scorer_ : callable
        The scorer used for validation and :meth:`score`.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    n_features_in_ : int
        Features per time step seen during fit.

    See Also
    --------
    skrnn.RecurrentRegressor, skrnn.RecurrentClassifier : The estimators the
        selector tunes; search ``cell`` with any scikit-learn search instead
        for a plain comparison without cost awareness.

    Notes
    -----
    The defaults are always a contender: the first trial of each cell is its
    default estimator (``GRURegressor()``, ``LSTMClassifier()``, ... with the
    parameters fixed in ``estimator_params`` and ``search_space``), and the
    best of the cell's ``k`` searched configurations replaces it only when it
    scores better by more than ``default_bar(k)`` standard errors of their
    difference (1 for one configuration, 1.72 for four: a maximum of noisy
    scores overshoots).

    The decision rule. Each cell is represented by its best usable trial
    (or its default, as above).
    When the two best scores differ by more than the standard error of their
    difference, ``sqrt(se_gru**2 + se_lstm**2)``, the higher wins. Otherwise
    the data cannot tell them apart: the cell cheaper as measured here in
    what the user constrained (latency, fit time, parameters) wins; with no
    constraint, the cell the criteria favour (short sequences and limited
    data vote GRU), else the cell with the lower training time per epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import ArchitectureSelector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(80, 12))
    >>> y = X[:, -3:].sum(axis=1)
    >>> sel = ArchitectureSelector(n_trials=4, max_epochs=3,
    ...                            search_space={"hidden_size": [4, 8]}).fit(X, y)
    >>> sel.architecture_ in ("gru", "lstm")
    True
    >>> sel.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        "task": [StrOptions({"auto", "regression", "classification"})],
        "n_trials": [Interval(Integral, 1, None, closed="left"), None],
        "timeout": [Interval(Real, 0, None, closed="neither"), None],
        "max_params": [Interval(Integral, 1, None, closed="left"), None],
        "max_latency_ms": [Interval(Real, 0, None, closed="neither"), None],
        "max_fit_seconds": [Interval(Real, 0, None, closed="neither"), None],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "cv": ["cv_object", None],
        "search_space": [dict, None],
        "estimator_params": [dict, None],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "sampler": [BaseSampler, None],
        "pruner": [BasePruner, None],
        "storage": [str, BaseStorage, None],
        "study_name": [str, None],
        "n_jobs": [Integral, None],
        "refit": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        task="auto",
        n_trials=30,
        timeout=None,
        max_params=None,
        max_latency_ms=None,
        max_fit_seconds=None,
        scoring=None,
        validation_fraction=0.2,
        cv=None,
        search_space=None,
        estimator_params=None,
        max_epochs="auto",
        sampler=None,
        pruner=None,
        storage=None,
        study_name=None,
        n_jobs=None,
        refit=True,
        random_state=0,
        verbose=0,
    ):
        self.task = task
        self.n_trials = n_trials
        self.timeout = timeout
        self.max_params = max_params
        self.max_latency_ms = max_latency_ms
        self.max_fit_seconds = max_fit_seconds
        self.scoring = scoring
        self.validation_fraction = validation_fraction
        self.cv = cv
        self.search_space = search_space
        self.estimator_params = estimator_params
        self.max_epochs = max_epochs
        self.sampler = sampler
        self.pruner = pruner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.refit = refit
        self.random_state = random_state
        self.verbose = verbose

    # ================================================================ fit
    def fit(self, X, y, sample_weight=None):
        """Run the selection and refit the winner on all of ``X``, ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features), or list of array-like
            Training sequences, as for the skrnn estimators (a list may hold
            sequences of different lengths).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels or regression values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence: passed to every trial's fit, to the
            validation scores (a weighted score, e.g. weighted R² or
            accuracy, and its noise), to the baseline and to the refit. A
            zero weight is as if the sequence were not in the score. With a
            callable ``scoring``, it must accept ``sample_weight``.

        Returns
        -------
        self : object
            The fitted selector.
        """
        self._validate_params()
        if self.n_trials is None and self.timeout is None:
            raise ValueError("Set n_trials or timeout (or both): the search needs a budget.")
        sequences, y, task, classes = self._check_data(X, y)
        self.task_, self.n_features_in_ = task, sequences.n_features
        if classes is not None:
            self.classes_ = classes
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, np.empty(len(y)), dtype=np.float64, ensure_non_negative=True
            )
        classification = task == "classification"
        space, fixed = self._search_space(task)
        cores = available_cores()
        n_workers = resolve_n_jobs(self.n_jobs, cores)
        self.n_jobs_ = n_workers
        # Trials, and the cost probe, at each worker's share of the cores
        # (unless the user fixed num_threads); the refit keeps the user's.
        trial_fixed = fixed
        if n_workers > 1 and "num_threads" not in fixed:
            trial_fixed = {**fixed, "num_threads": threads_per_worker(cores, n_workers)}
        if n_workers > 1 and self.storage is not None:
            shareable(resolve_storage(self.storage))
        constraints = Constraints(self.max_params, self.max_latency_ms, self.max_fit_seconds)
        scheme = choose_scheme(
            len(y), y, classification=classification,
            validation_fraction=self.validation_fraction, cv=self.cv,
            seed=_split_seed(self.random_state),
        )
        self.scorer_ = check_scoring(make_estimator(task, "gru", fixed), self.scoring)
        baseline = baseline_score(
            self.scorer_, scheme.splits, y, classification=classification,
            sample_weight=sample_weight,
        )
        rng = check_random_state(self.random_state)
        seed = None if self.random_state is None else int(rng.randint(np.iinfo(np.int32).max))
        # Latencies are measured on one sequence of median length.
        X_one = _safe_indexing(X, [int(np.argsort(sequences.lengths)[len(y) // 2])])
        typical = self._typical_estimator(task, space, fixed)
        # Epochs of a typical trial, for the budget rule, the pruner and the report.
        epochs = planned_epochs(typical, len(scheme.splits[0][0]))

        # 1. The constraints shape the space; then the criteria, fed with
        # this machine's measured costs.
        n_outputs = len(classes) if classification else int(np.prod(np.shape(y)[1:]))
        shape = (task, fixed, trial_fixed, sequences, n_outputs, X, y, X_one, seed, constraints)
        space, shaping = self._shape(space, *shape)
        costs, reference, unavailable = self._measure(task, space, trial_fixed, X, y, X_one, seed)
        profile = profile_data(
            sequences.lengths,
            sequences.n_features,
            task,
            len(classes) if classification else None,
            patch_size=typical._resolve_patch_size(sequences),
        )
        self.recommendation_ = recommend(
            profile,
            constraints=constraints,
            costs=costs,
            n_trials=self.n_trials,
            timeout=self.timeout,
            max_epochs=epochs,
            n_fits=scheme.n_folds,
            candidates=space.cells,
            unavailable=unavailable,
            trial_seconds=self._trial_seconds(
                task, space, trial_fixed, X, y, X_one, seed,
                n_train=len(scheme.splits[0][0]), n_fits=scheme.n_folds,
                cells=[c for c in space.cells if c not in unavailable],
            ),
        )
        cells = self.recommendation_.cells
        if not cells:
            raise ValueError(
                "No cell can meet the constraints: "
                + " ".join(self.recommendation_.excluded.values())
            )
        # The budget rule also decides how many further parameters are searched.
        further = tuple(
            name for name in FURTHER_SEARCH_SPACE
            if name not in (self.search_space or {}) and name not in fixed
        )
        reason, searched = search_breadth_rule(
            self.recommendation_.affordable_trials, len(cells), further
        )
        if reason is not None:
            self.recommendation_ = replace(
                self.recommendation_, reasons=(*self.recommendation_.reasons, reason)
            )
        if searched:
            space, _ = self._search_space(task, further=searched)
            space, shaping = self._shape(space, *shape)

        # 2. The study (resumed if it exists in the storage).
        objective = Objective(
            task=task, space=space, fixed=trial_fixed, max_epochs=self.max_epochs, X=X, y=y,
            splits=scheme.splits, scorer=self.scorer_, constraints=constraints, X_one=X_one,
            seed=seed, default_seed=_integer_seed(self.random_state), sample_weight=sample_weight,
        )
        storage, folder = self.storage, None
        if n_workers > 1 and storage is None:
            # a temporary journal file the workers share, deleted after the search
            folder, path = temporary_journal()
            storage = open_journal(path)
        study, died = None, []
        try:
            with _optuna_logging(self.verbose):
                study, self.recovered_trials_ = self._study(
                    task, cells, seed, scheme.description, epochs, storage, space
                )
                search_seconds, died = self._optimize(
                    study, objective, space, cells, n_workers, seed
                )
        finally:
            if n_workers > 1 and study is not None:
                with _optuna_logging(self.verbose):
                    study, recovered = finish(study, folder)
                self.recovered_trials_ = [*self.recovered_trials_, *recovered]
                warn_died(died, recovered)
            elif folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        self.study_ = study

        # 3. The decision, from every trial of the study, and the refit.
        trials = self.study_.get_trials(deepcopy=False)
        records = [r for r in map(record_from_trial, trials) if r.state != "waiting"]
        decision = decide(records, constraints, task, self.recommendation_)
        winner = next(r for r in records if r.number == decision.trial)
        self.architecture_ = decision.cell
        self.best_params_ = {"cell": decision.cell, **space.fixed, **winner.params}
        self.best_score_ = winner.score
        final_model = None
        if self.refit:
            best = next(t for t in trials if t.number == winner.number)
            trial_seed = Measurements.from_attrs(best.user_attrs).random_state
            self.best_estimator_, final_model = self._refit(
                make_estimator(task, decision.cell, build_params(
                    task, decision.cell, winner.params, fixed,
                    max_epochs=self.max_epochs, random_state=trial_seed,
                )),
                X, y, sample_weight, X_one, winner.train_loss_share,
            )
        settings = RunSettings(
            scoring=_scoring_name(self.scoring, classification),
            validation=scheme.description,
            validation_reason=scheme.reason,
            noise=_noise_text(scheme.n_folds),
            n_trials=self.n_trials,
            timeout=self.timeout,
            max_epochs=epochs,
            constraints=constraints.to_dict(),
            baseline=baseline,
            n_counted=len(self.study_.get_trials(deepcopy=False, states=_COUNTED)),
            search_seconds=search_seconds,
            weighted=sample_weight is not None,
        )
        if settings.cut_short:
            warnings.warn(
                f"ArchitectureSelector: the search was cut short: the study holds "
                f"{settings.n_counted} of the {self.n_trials} trials asked for "
                f"(timeout={self.timeout}).",
                UserWarning,
                stacklevel=2,
            )
        self.report_ = SelectionReport(
            profile=profile,
            settings=settings,
            reference=reference,
            costs=costs,
            recommendation=self.recommendation_,
            records=records,
            decision=decision,
            best_params=self.best_params_,
            final_model=final_model,
            shaping=shaping,
        )
        if self.verbose:
            print(f"[ArchitectureSelector] chose {decision.cell.upper()}: {decision.reason}")
        return self

    # --------------------------------------------------------- fit helpers
    def _check_data(self, X, y):
        """The validated sequences and targets, the task and the classes (or None)."""
        sequences = check_sequences(X)
        task = self._resolve_task(y)
        classes = None
        if task == "classification":
            y = check_classification_labels(y)
            classes = np.unique(y)
            if len(classes) < 2:
                raise ValueError(f"y has a single class ({classes[0]!r}); need two or more.")
        else:
            y = check_regression_target(y)
        check_consistent_length(sequences, y)
        check_layout(self, X, reset=True)
        return sequences, y, task, classes

    def _typical_estimator(self, task, space, fixed):
        """A typical trial's estimator: its planned epochs and resolved
        ``patch_size`` are what the criteria and the pruner see."""
        typical = space.typical(default_params(task, "gru"))
        return make_estimator(task, "gru", build_params(
            task, "gru", typical, fixed, max_epochs=self.max_epochs, random_state=None,
        ))

    def _shape(self, space, task, fixed, trial_fixed, sequences, n_outputs, X, y, X_one, seed,
               constraints):
        """The space shaped by the constraints, and how (None without any).

        ``max_params`` narrows each cell's ranges to the networks that fit it
        (counted exactly, nothing trained; it raises only if none can), then
        the measured limits narrow them by cost probes.
        """
        defaults = default_params(task, "gru")
        space, shaping = shape_space(
            space, NetworkSizer(task, sequences, y, n_outputs, fixed), self.max_params, defaults
        )
        return shape_by_measurement(
            space, self._prober(task, trial_fixed, X, y, X_one, seed), constraints, defaults,
            fixed, shaping,
        )

    def _probe(self, task, cell, params, fixed, X, y, X_one, seed):
        """``(estimator, CellCost)`` of a configuration, or None if it cannot be fitted here."""
        estimator = make_estimator(task, cell, build_params(
            task, cell, params, fixed, max_epochs=self.max_epochs, random_state=seed,
        ))
        try:
            cost = probe_cost(estimator, X, y, X_one,
                              classification=task == "classification", random_state=seed)
        except _TRIAL_ERRORS:
            return None
        return estimator, cost

    def _prober(self, task, fixed, X, y, X_one, seed):
        """``probe(cell, params) -> (CellCost, epochs of a fit on all the data)``,
        or None for a configuration that cannot be fitted here."""

        def probe(cell, params):
            probed = self._probe(task, cell, params, fixed, X, y, X_one, seed)
            if probed is None:
                return None
            estimator, cost = probed
            return cost, planned_epochs(estimator, len(y))

        return probe

    def _trial_seconds(self, task, space, fixed, X, y, X_one, seed, *, n_train, n_fits, cells):
        """Expected seconds of one trial: the slower cell's default estimator
        (else its typical configuration, when the space excludes the default),
        probed and scaled to its planned optimizer steps, times the folds.

        The probe of ``_measure`` is of the cheapest configuration (largest
        batch, smallest network), right for "can any configuration meet a
        limit" but, scaled by epochs, about 3x too low for a default trial on
        small data (measured: "trials of up to 45 s" planned, 120 s taken).
        None when no cell could be probed.
        """
        defaults = default_params(task, "gru")
        seconds = []
        for cell in cells:
            default = space.allows_default(defaults) and space.cell_space(cell).default_fits
            searched = {} if default else space.typical(defaults, cell)
            probed = self._probe(task, cell, searched, fixed, X, y, X_one, seed)
            if probed is not None:
                seconds.append(estimated_fit_seconds(*probed, n_train) * n_fits)
        return max(seconds) if seconds else None

    def _measure(self, task, space, fixed, X, y, X_one, seed):
        """Each allowed cell's cost at the cheapest configuration of the space.

        Returns the costs, the configuration measured, and ``{cell: error}``
        for a cell that failed to fit (it is excluded; if every cell fails,
        the first error is raised: the configuration itself is at fault).
        """
        costs, unavailable, first_error, measured = {}, {}, None, {}
        for cell in space.cells:
            measured[cell] = cheapest = space.cheapest(cell)
            params = build_params(task, cell, cheapest, fixed,
                                  max_epochs=self.max_epochs, random_state=seed)
            try:
                costs[cell] = probe_cost(
                    make_estimator(task, cell, params),
                    X,
                    y,
                    X_one,
                    classification=task == "classification",
                    random_state=seed,
                )
            except _TRIAL_ERRORS as exc:
                unavailable[cell] = f"{type(exc).__name__}: {exc}"[:300]
                first_error = first_error or exc
        if not costs:
            raise first_error
        shown = ("hidden_size", "num_layers", "bidirectional", "front_end", "patch_size",
                 "batch_size")
        chosen = {cell: {**fixed, **measured[cell]} for cell in measured}
        reference = {}
        for k in shown:
            values = {cell: chosen[cell][k] for cell in chosen if k in chosen[cell]}
            if len(values) == len(chosen) and len(set(map(repr, values.values()))) == 1:
                reference[k] = next(iter(values.values()))
            elif values:  # the cells were measured at different values (a shaped space)
                reference[k] = ", ".join(f"{v} ({CELL_NAMES[c]})" for c, v in values.items())
        return costs, reference, unavailable

    def _refit(self, model, X, y, sample_weight, X_one, trial_loss_share=None) -> tuple:
        """Refit the winner on all the data (seeded like its trial): the model, its RefitRecord.

        The refit's training curve is checked against its trial's: a refit
        that learns nothing (the estimator's ConvergenceWarning: its training
        loss stayed at a constant prediction's), or whose best training loss
        ends far above the trial's (:func:`refit_fell_short`), is retried once
        with another seed, and the better of the two is kept; the report
        says so with the numbers.
        """
        start = time.perf_counter()
        seed = model.random_state
        attempts = []
        for attempt_seed in (seed, None if seed is None else seed + 1):
            candidate = clone(model).set_params(random_state=attempt_seed)
            failed = _fit_catching_convergence(candidate, X, y, sample_weight)
            attempts.append(_RefitAttempt(candidate, failed, candidate._training_loss_share(),
                                          attempt_seed))
            if attempts[-1].good(trial_loss_share):
                break
        # a fit that learnt something before one that did not, then the lower loss
        kept = min(attempts, key=lambda a: (a.failed is not None,
                                            np.inf if a.share is None else a.share))
        model, share = kept.model, kept.share
        warning = _refit_warning(attempts, kept.seed, seed, trial_loss_share)
        if kept.failed is not None:
            warnings.warn(f"ArchitectureSelector: {warning}", ConvergenceWarning, stacklevel=3)
        elif not kept.good(trial_loss_share):
            warnings.warn(f"ArchitectureSelector: {warning}", UserWarning, stacklevel=3)
        return model, RefitRecord(
            fit_seconds=time.perf_counter() - start,
            n_params=count_parameters(model),
            latency_ms=predict_latency_ms(model, X_one),
            attempts=len(attempts),
            train_loss_share=share,
            trial_train_loss_share=trial_loss_share,
            warning=warning,
        )

    def _resolve_task(self, y) -> str:
        if self.task != "auto":
            return self.task
        kind = np.asarray(y).dtype.kind
        return "regression" if kind in "fc" else "classification"

    def _search_space(self, task, further=()):
        """The search space (with the ``further`` parameters), and every parameter
        the user fixed (``estimator_params`` and the single values of ``search_space``)."""
        names = {"cell", *default_params(task, "gru")}
        fixed = dict(self.estimator_params or {})
        check_param_names(fixed, names, "estimator_params")
        both = set(fixed) & set(self.search_space or {})
        if both:
            raise ValueError(
                f"{sorted(both)} appear in both search_space and estimator_params; "
                "keep each parameter in one of them."
            )
        # A parameter fixed in estimator_params leaves the default search space.
        space = SearchSpace(self.search_space, names, exclude=fixed, further=further)
        return space, {**space.fixed, **fixed}

    def _sampler(self, cells, seed, shared: bool, worker=None):
        """A fresh sampler; ``worker``: the index of a worker process (its own seed)."""
        if self.sampler is not None:
            sampler = copy.deepcopy(self.sampler)
        elif worker is None:
            sampler = TPESampler(seed=_sampler_seed(seed, shared=shared))
        else:
            sampler = TPESampler(seed=_sampler_seed(seed, shared=True, worker=worker))
        if len(cells) == 1:
            # The cell stays a two-choice parameter in the study (so a resumed
            # study stays compatible); this run pins its value.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                sampler = PartialFixedSampler({"cell": cells[0]}, sampler)
        return sampler

    def _pruner(self, epochs):
        return (
            copy.deepcopy(self.pruner)
            if self.pruner is not None
            else CellwisePruner(
                MedianPruner(n_startup_trials=3, n_warmup_steps=max(1, epochs // 5))
            )
        )

    def _study(self, task, cells, seed, validation, epochs, storage, space):
        """The study, created or resumed, and the trials of dead workers it failed."""
        self._epochs = epochs
        study = optuna.create_study(
            storage=resolve_storage(storage),
            sampler=self._sampler(cells, seed, shared=storage is not None),
            pruner=self._pruner(epochs),
            study_name=self.study_name,
            direction="maximize",
            load_if_exists=True,
        )
        if study.direction != StudyDirection.MAXIMIZE:
            raise ValueError(
                f"Study {study.study_name!r} minimises; the selector maximises a score."
            )
        meta = {
            "task": task,
            "scoring": _scoring_name(self.scoring, task == "classification"),
            "validation": validation,
        }
        if space.signature():
            # Optuna cannot change a parameter's choices within a study
            meta["space"] = space.signature()
        recovered = fail_orphaned_trials(study)
        known = study.user_attrs.get(_STUDY_ATTR)
        if known is None:
            study.set_user_attr(_STUDY_ATTR, meta)
        elif known != meta:
            raise ValueError(
                f"Study {study.study_name!r} was run with {known}; this fit uses {meta}. Scores "
                "are only comparable within one setting: use another study_name."
            )
        return study, recovered

    def _optimize(self, study, objective, space, cells, n_workers=1, seed=None):
        """Run the trials still missing: the seconds it took, and the workers that died."""
        start = time.perf_counter()
        remaining = None
        if self.n_trials is not None:
            remaining = self.n_trials - len(study.get_trials(deepcopy=False, states=_COUNTED))
            if remaining <= 0:
                return time.perf_counter() - start, []
        # The defaults are always a contender: each cell to try gets one trial
        # that is exactly its default estimator (with the user's fixed
        # values), the most favoured cell first, unless the user's search
        # space excludes a default; once per study, so a resumed or shared
        # study does not queue it again.
        queued = {t.user_attrs.get(DEFAULT_ATTR) for t in study.get_trials(deepcopy=False)}
        defaults = default_params(objective.task, "gru")
        for cell in cells:
            # (a default that breaks max_params is left out: it could never be chosen)
            if (cell not in queued and space.allows_default(defaults)
                    and space.cell_space(cell).default_fits):
                study.enqueue_trial(
                    space.default_study_params(cell, defaults), user_attrs={DEFAULT_ATTR: cell}
                )
        # Then a warm start inside the space, where the default is not in it
        # (e.g. batch_size="auto", or a hidden_size the user left out): the
        # default where the space allows it, else the middle of the range.
        for cell in cells:
            typical = space.to_study_params(cell, space.typical(defaults, cell))
            if typical != space.default_study_params(cell, defaults):
                study.enqueue_trial(typical, skip_if_exists=True)
        # Optuna starts no trial after the timeout; no trial starts either
        # that the time left could not finish (judged by the shortest
        # finished trial), and the objective stops one still running then
        # (once the study has a result)
        deadline = None if self.timeout is None else time.time() + self.timeout
        objective = replace(objective, deadline=deadline)
        if n_workers > 1:
            # the user's storage (a URL: each worker opens its own connection),
            # else the temporary journal file
            storage = pickle.dumps(self.storage if self.storage is not None
                                   else study_storage(study))

            def job(index):
                return WorkerJob(
                    storage=storage, study_name=study.study_name, objective=objective,
                    sampler=self._sampler(cells, seed, shared=True, worker=index),
                    pruner=self._pruner(self._epochs), n_trials=self.n_trials,
                    deadline=deadline, catch=_TRIAL_ERRORS, counted_states=_COUNTED,
                    verbose=self.verbose,
                )

            n_workers = n_workers if remaining is None else min(n_workers, remaining)
            died = run_workers(n_workers, job, remaining, objective.fixed.get("num_threads"))
            if len(died) == n_workers:
                raise RuntimeError(
                    "ArchitectureSelector: every worker process died (" + "; ".join(died)
                    + "); their errors are on stderr. A script that fits with n_jobs > 1 "
                    "should start from `if __name__ == '__main__':` (workers that are not "
                    "forked import the script)."
                )
            return time.perf_counter() - start, died
        if not time_left_fits_a_trial(study, deadline):  # a resumed study, little time
            return time.perf_counter() - start, []
        callbacks = [StopBeforeDeadline(deadline)]
        if self.n_trials is not None:
            callbacks.append(_StopAtTotal(self.n_trials))
        if self.verbose:
            callbacks.append(_print_trial)
        study.optimize(
            objective,
            n_trials=remaining,
            timeout=self.timeout,
            n_jobs=1,
            catch=_TRIAL_ERRORS,
            callbacks=callbacks,
            show_progress_bar=self.verbose >= 2,
        )
        return time.perf_counter() - start, []

    # ========================================================== inference
    def _check_refitted(self):
        check_is_fitted(self, "study_")
        if not hasattr(self, "best_estimator_"):
            raise NotFittedError(
                "This ArchitectureSelector was fitted with refit=False, so it has no "
                "best_estimator_ to predict with; fit it with refit=True."
            )

    @predict_doc(
        "Predict with the refitted winner.",
        "y_pred : ndarray", "Regression values or class labels.",
    )
    def predict(self, X):
        self._check_refitted()
        return self.best_estimator_.predict(X)

    @available_if(_has_proba)
    @predict_doc(
        "Class probabilities from the refitted winner (classification only).",
        "proba : ndarray of shape (n_samples, n_classes)",
        "Probabilities in the order of :attr:`classes_`.",
    )
    def predict_proba(self, X):
        self._check_refitted()
        return self.best_estimator_.predict_proba(X)

    @fill_doc
    def score(self, X, y):
        """Score the refitted winner with :attr:`scorer_`.

        Parameters
        ----------
        {X}
        y : array-like
            True targets.

        Returns
        -------
        score : float
            ``scoring`` (default: R² or accuracy) of the winner on ``X``, ``y``.
        """
        self._check_refitted()
        return float(self.scorer_(self.best_estimator_, X, y))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        if self.task == "classification":
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags()
        elif self.task == "regression":
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
            tags.target_tags.multi_output = True
        return tags


# ------------------------------------------------------------------ helpers
class _StopAtTotal:
    """Stop this process once the study holds ``n_trials`` (all processes)."""

    def __init__(self, n_trials: int):
        self.n_trials = n_trials

    def __call__(self, study, trial):
        if len(study.get_trials(deepcopy=False, states=_COUNTED)) >= self.n_trials:
            study.stop()


#: A refit "falls short" of its trial when its best training loss, as a share
#: of a constant prediction's, exceeds REFIT_LOSS_FACTOR x the trial's plus
#: REFIT_LOSS_MARGIN. The refit sees all the data where the trial saw
#: (k-1)/k of it or less, so some rise is expected (a small set that a trial
#: fits to a share of 0.01 may be refitted to 0.03: not a failure); the
#: margin keeps such shares below the bar, the factor scales it for models
#: that fit less closely. A refit twice as far from a perfect fit as its
#: trial plus a tenth of a constant model is a different model.
REFIT_LOSS_FACTOR = 2.0
REFIT_LOSS_MARGIN = 0.1


def refit_fell_short(share, trial_share) -> bool:
    """Whether a refit's training-loss share is far above its trial's (see REFIT_LOSS_FACTOR)."""
    if share is None or trial_share is None:
        return False
    return share > REFIT_LOSS_FACTOR * trial_share + REFIT_LOSS_MARGIN


class _RefitAttempt(NamedTuple):
    """One fit of the winner on all the data."""

    model: object
    failed: object  # its ConvergenceWarning ("did not learn"), or None
    share: float | None  # best training loss / a constant prediction's
    seed: int | None

    def good(self, trial_share) -> bool:
        return self.failed is None and not refit_fell_short(self.share, trial_share)


def _integer_seed(random_state) -> int | None:
    """``random_state`` if it is an int (a seed every process can reuse), else None."""
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return None


def _refit_warning(attempts, kept_seed, seed, trial_share) -> str | None:
    """What the report says about the refit (None: nothing went wrong)."""
    def what(attempt):
        loss = ("" if attempt.share is None
                else f" (best training loss {attempt.share:.0%} of a constant prediction's)")
        if attempt.failed is not None:
            return "learnt nothing" + loss
        if refit_fell_short(attempt.share, trial_share):
            return "fell far short of its trial" + loss
        return "did not" + loss

    first = attempts[0]
    if first.good(trial_share):
        return None
    trial = "" if trial_share is None else f", against {trial_share:.0%} in the winning trial"
    second = attempts[1]  # the first fell short, so there was a retry
    text = (f"the refit on all the data with the trial's seed ({seed}) "
            f"{what(first)}{trial}; the retry with seed {second.seed} ")
    if second.good(trial_share):
        return text + f"{what(second)}, and is the model kept."
    return text + (f"{what(second)} too; the refit with seed {kept_seed} "
                   "is kept. Its score may be far from the trial's: refit again or choose "
                   "another configuration.")


def _fit_catching_convergence(model, X, y, sample_weight=None):
    """Fit ``model``; return its ConvergenceWarning ("did not learn") or None.

    Other warnings reach the caller as usual.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y, sample_weight=sample_weight)
    failed = None
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            failed = failed or w
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return failed


def _print_trial(study, trial):
    record = record_from_trial(trial)
    score = "" if record.score is None else f" score={record.score:.4g}"
    note = f" ({record.note})" if record.note else ""
    params = ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.params.items()
    )
    print(
        f"[ArchitectureSelector] trial {trial.number:>3} {str(record.cell).upper():<4} "
        f"{record.state}{score}{note} | {params}",
        flush=True,
    )


def _sampler_seed(seed, shared: bool, worker=None):
    if seed is None or not shared:
        return seed
    # Workers sharing a study must not all propose the same first trials: the
    # process id, and the index of a worker process started by this one.
    entropy = [seed, os.getpid()] + ([] if worker is None else [worker + 1])
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def _scoring_name(scoring, classification: bool) -> str:
    if scoring is None:
        return "accuracy" if classification else "r2"
    return scoring if isinstance(scoring, str) else getattr(scoring, "__name__", repr(scoring))


def _noise_text(n_folds: int) -> str:
    if n_folds > 1:
        return f"standard error of the mean score over the {n_folds} folds"
    return f"bootstrap standard error of the holdout score ({N_BOOTSTRAP} resamples)"


@contextlib.contextmanager
def _optuna_logging(verbose: int):
    """Optuna logs every trial at INFO; keep it quiet unless asked."""
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO if verbose >= 2 else optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)


def _split_seed(random_state) -> int:
    """Seed of the classification holdout: the same in every worker of a study."""
    return int(random_state) if isinstance(random_state, Integral) else 0
