"""ArchitectureSelector end to end: the cases whose answer is known, the report,
scikit-learn citizenship. Tiny networks and few epochs keep it fast."""

import json
import os
import pickle
import sys
import time

import matplotlib
import numpy as np
import optuna
import pytest
from optuna.trial import TrialState
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)
from skorch.callbacks import Callback

from skrnn import (
    ArchitectureSelector,
    GRUClassifier,
    GRURegressor,
    LSTMClassifier,
    LSTMRegressor,
    SelectionReport,
)
from skrnn._validation import check_sequences
from skrnn.datasets import make_adding_problem
from skrnn.selection._scheme import choose_scheme
from skrnn.selection._shaping import NetworkSizer

matplotlib.use("Agg")

TINY_SPACE = {"hidden_size": [4, 6], "num_layers": 1, "dropout": 0.0, "batch_size": 32}


def tiny(**params):
    """A selector small enough for a test: 2 epochs, 4-6 hidden units."""
    return ArchitectureSelector(
        **{"n_trials": 8, "max_epochs": 2, "search_space": TINY_SPACE, **params}
    )


def short_regression(n=120, T=12, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T))
    return X, X[:, -3:].sum(axis=1)


def short_classes(n=120, T=12, seed=0):
    X, y = short_regression(n, T, seed)
    return X, np.where(y > 0, "up", "down")


def cells_trained(selector):
    return [t.params["cell"] for t in selector.study_.trials if t.state != TrialState.WAITING]


@pytest.fixture(scope="module")
def fitted():
    """One fitted regression selector shared by the read-only tests."""
    X, y = short_regression()
    return tiny().fit(X, y), X, y


# ------------------------------------------------------ cases with a known answer
@pytest.mark.slow
def test_long_memory_task_with_ample_budget_tries_both_and_explains():
    # The adding problem: the target depends on a value seen ~60-120 steps back.
    X, y = make_adding_problem(1000, 120, random_state=0)
    sel = tiny(
        n_trials=8,
        max_epochs=1,
        search_space={**TINY_SPACE, "batch_size": 128},
        estimator_params={"pooling": "last"},
    ).fit(X, y)
    rec = sel.recommendation_
    assert rec.prior["lstm"] > rec.prior["gru"] and rec.cells == ("lstm", "gru")
    trained = cells_trained(sel)
    assert trained[0] == "lstm"  # the favoured cell goes first
    assert set(trained) == {"gru", "lstm"} and len(trained) == 8
    report = sel.report_
    assert all(report.cells[c]["complete"] >= 1 for c in ("gru", "lstm"))
    text = str(report)
    assert "Sequences are long (median 120 steps > 100)" in text
    assert "Ample budget" in text and "[favours LSTM]" in text
    assert "Decision: " + sel.architecture_.upper() in text
    assert report.decision.difference is not None  # both cells were compared


@pytest.mark.slow
def test_short_sequences_and_small_data_recommend_gru():
    X, y = short_regression(n=120, T=12)
    sel = tiny().fit(X, y)
    rec = sel.recommendation_
    assert rec.prior["gru"] > rec.prior["lstm"] and rec.cells[0] == "gru"
    favours = {r.rule: r.favours for r in rec.reasons}
    assert favours["sequence_length"] == "gru" and favours["dataset_size"] == "gru"
    assert cells_trained(sel)[0] == "gru"


def test_the_length_rule_sees_the_estimators_patching():
    X, y = short_regression(n=40, T=300)
    # patch_size="auto" (the estimators' default) folds 300 steps into 3 x 100
    sel = tiny(n_trials=1, max_epochs=1).fit(X, y)
    assert (sel.report_.profile.patch_size, sel.report_.profile.recurrent_steps) == (3, 100)
    assert "(patch_size=3: 100 recurrent steps)" in str(sel.report_)
    assert sel.recommendation_.reasons[0].favours == "gru"
    sel = tiny(n_trials=1, max_epochs=1, estimator_params={"patch_size": 1}).fit(X, y)
    assert sel.recommendation_.reasons[0].favours == "lstm"


def test_tiny_trial_budget_trains_only_gru():
    X, y = short_regression()
    sel = tiny(n_trials=3).fit(X, y)
    assert sel.recommendation_.cells == ("gru",)
    assert cells_trained(sel) == ["gru"] * 3
    assert sel.architecture_ == "gru" and isinstance(sel.best_estimator_, GRURegressor)
    assert "Little budget (3 trials" in str(sel.report_)
    assert sel.report_.cells["lstm"]["trials"] == 0


@pytest.mark.slow
def test_tiny_time_budget_trains_only_gru():
    X, y = short_regression(n=40)
    # 60 epochs per trial cannot fit 8 times into 0.2 s: only GRU, and the
    # timeout stops the search after the first trial
    sel = tiny(n_trials=None, timeout=0.2, max_epochs=60).fit(X, y)
    assert sel.recommendation_.cells == ("gru",)
    assert set(cells_trained(sel)) == {"gru"}
    assert "Little budget (" in str(sel.report_)


def test_max_params_excludes_lstm_before_the_study():
    X, y = short_regression()
    # one feature, 8 hidden units: GRU has 3*(8+64+16)+9 = 273 parameters, LSTM 361,
    # and the highway over the 12 steps 12+1 more (the folding front end adds
    # none; the default conv one would add 232)
    space = {**TINY_SPACE, "hidden_size": 8}
    sel = tiny(max_params=300, search_space=space, estimator_params={"front_end": "fold"}).fit(X, y)
    assert set(sel.recommendation_.excluded) == {"lstm"}
    assert set(cells_trained(sel)) == {"gru"}
    assert sel.report_.costs["gru"].n_params == 273 + 13
    assert sel.report_.costs["lstm"].n_params == 361 + 13
    assert "LSTM is excluded" in str(sel.report_)
    assert sum(p.numel() for p in sel.best_estimator_.net_.module_.parameters()) <= 300


def two_feature_classes(n=120, T=20, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 2)).astype(np.float32)
    return X, np.where(X[:, -3:, 0].sum(axis=1) > 0, "up", "down")


def network_parameters(estimator):
    return sum(p.numel() for p in estimator.net_.module_.parameters())


def refit_trial(sel, record, X, y):
    """The network a trial trained: its estimator rebuilt from the record and fitted."""
    params = {**sel.estimator_params, **record.params} if sel.estimator_params else record.params
    estimator = (GRUClassifier if record.cell == "gru" else LSTMClassifier)(
        **params, max_epochs=1, random_state=0
    )
    return estimator.fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("task, params", [
    ("regression", {}),  # conv front end, the highway over the steps
    ("regression", {"front_end": "fold", "patch_size": 3, "highway_window": 0}),
    ("classification", {"num_layers": 2, "bidirectional": True, "hidden_size": 5}),
    ("classification", {"front_end": "fold", "patch_size": 2, "pooling": "last"}),
    ("classification", {"scaling": "sequence_stats"}),  # twice as many inputs more
    ("classification", {"scaling": "auto", "spread": True}),  # ... resolved to it
])
def test_the_count_before_training_is_the_fitted_networks(task, params):
    # The shaping counts the module the estimator would build; it must be the
    # network fit builds, whatever the estimators add to it.
    X, y = short_regression(T=12) if task == "regression" else two_feature_classes()
    params = dict(params)
    if params.pop("spread", False):  # sequence scales over two orders of magnitude
        X = X * np.logspace(-1, 1, len(X))[:, None, None]
    cls = GRURegressor if task == "regression" else GRUClassifier
    config = {"hidden_size": 7, **params}
    fitted = cls(**config, max_epochs=1).fit(X, y)
    if "scaling" in config:
        assert fitted.scaling_ == "sequence_stats"
    sizer = NetworkSizer(task, check_sequences(X), y, 1 if task == "regression" else 2)
    assert sizer("gru", config) == network_parameters(fitted)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_max_params_shapes_the_space_instead_of_ending_the_search():
    # Two features, 2 classes: the default conv front end has 788 parameters at
    # the smallest hidden size of the default space (8), a folding GRU 388
    # (each with the classifiers' highway over the 20 x 2 inputs: 82).
    X, y = two_feature_classes()
    sel = ArchitectureSelector(max_params=500, n_trials=4, max_epochs=2).fit(X, y)
    records = [r for r in sel.report_.records if r.state in ("complete", "pruned")]
    assert len(records) == 4
    for record in records:
        assert record.params["front_end"] == "fold" and record.params["hidden_size"] <= 9
        assert record.n_params <= 500
        assert network_parameters(refit_trial(sel, record, X, y)) == record.n_params
    assert network_parameters(sel.best_estimator_) <= 500
    assert sel.best_params_["front_end"] == "fold"
    text = str(sel.report_)
    assert "Space        shaped by max_params=500:" in text
    assert "hidden_size limited to <= 9 by max_params=500" in text
    assert "front_end='fold' chosen by max_params=500" in text
    assert "num_layers limited to 1 by max_params=500" in text
    shaping = sel.report_.to_dict()["shaping"]
    assert shaping["constraint"] == "max_params=500"
    assert [c["cell"] for c in shaping["cells"]] == ["gru", "lstm"]
    json.dumps(sel.report_.to_dict())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_hidden_size_limit_is_the_largest_network_that_fits():
    # The limit comes from the networks themselves: hidden_size 10 fits in
    # 600 parameters, 11 does not (fitted estimators, counted after training).
    X, y = two_feature_classes()
    sizes = {
        h: network_parameters(
            GRUClassifier(hidden_size=h, front_end="fold", max_epochs=1).fit(X, y)
        )
        for h in (10, 11)
    }
    assert sizes[10] <= 600 < sizes[11]
    sel = ArchitectureSelector(max_params=sizes[10], n_trials=1, max_epochs=1).fit(X, y)
    gru = sel.report_.shaping.cells[0]
    assert f"hidden_size limited to <= 10 by max_params={sizes[10]:,}" in gru.limits[-1]
    assert f"hidden_size=10: {sizes[10]:,} parameters; 11: {sizes[11]:,}" in gru.limits[-1]


def test_a_combination_that_cannot_fit_is_infeasible_and_never_trained():
    X, y = short_regression()
    # fold front end, one feature, GRU hidden 4 (with the regressors' 13-weight
    # highway over the 12 steps): 102 parameters, 190 bidirectional, 222 with 2
    # layers, 526 with both: each option fits alone, not together; hidden 6
    # fits only with one layer in one direction (182).
    space = {**TINY_SPACE, "cell": ["gru"], "num_layers": [1, 2],
             "bidirectional": [False, True]}
    sel = tiny(n_trials=10, max_params=300, search_space=space,
               estimator_params={"front_end": "fold"}).fit(X, y)
    records = sel.report_.records
    both = [r for r in records if r.params["num_layers"] == 2 and r.params["bidirectional"]]
    assert both and all(r.state == "infeasible" for r in both)
    assert all("> max_params=300" in r.note and r.n_epochs is None for r in both)
    others = [r for r in records if r not in both]
    assert others and all(r.state in ("complete", "pruned") and r.n_params <= 300 for r in others)
    # hidden 6 is lowered to 4 where it does not fit
    assert all(r.params["hidden_size"] == 4 for r in others
               if r.params["num_layers"] == 2 or r.params["bidirectional"])
    assert sel.report_.cells["gru"]["infeasible"] == len(both)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_study_resumes_under_another_max_params(tmp_path):
    # the integer ranges a limit narrows may change within a study (Optuna
    # allows it); the trials of both runs are in the decision
    X, y = two_feature_classes()
    common = dict(n_trials=2, max_epochs=1, storage=f"sqlite:///{tmp_path}/s.db",
                  study_name="s", search_space={"cell": ["gru"]})
    ArchitectureSelector(max_params=500, **common).fit(X, y)
    sel = ArchitectureSelector(max_params=2000, **{**common, "n_trials": 3}).fit(X, y)
    assert len(sel.report_.records) == 3
    assert all(r.n_params <= 2000 for r in sel.report_.records)
    assert sel.report_.records[0].params["front_end"] == "fold"


def test_the_budget_adds_the_front_end_to_the_search():
    X, y = short_regression()
    # 8 trials for one cell: the default space and one further parameter
    space = {**TINY_SPACE, "cell": ["gru"]}
    sel = tiny(n_trials=8, max_epochs=1, search_space=space).fit(X, y)
    assert "allows searching front_end too; scaling and pooling keep" in str(sel.report_)
    assert {r.params["front_end"] for r in sel.report_.records} == {"conv", "fold"}
    assert "scaling" not in sel.report_.records[0].params
    # a parameter the user sets is not added; the next one is
    sel = tiny(n_trials=8, max_epochs=1, search_space=space,
               estimator_params={"front_end": "fold"}).fit(X, y)
    assert {r.params["scaling"] for r in sel.report_.records} >= {"auto"}
    assert sel.best_estimator_.front_end == "fold"


class SlowerWhenLarger(Callback):
    """Makes every training batch take 1 ms per hidden unit, so that the fit
    time grows with hidden_size well above the machine's noise."""

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            time.sleep(1e-3 * net.module_.rnn.hidden_size)


def test_a_measured_limit_shapes_the_hidden_size_too():
    X, y = short_regression()
    # 4 batches per epoch, 2 epochs: about 8 ms of fit per hidden unit, so
    # max_fit_seconds=0.1 leaves hidden sizes up to about 12 of 4..32
    space = {**TINY_SPACE, "cell": ["gru"],
             "hidden_size": optuna.distributions.IntDistribution(4, 32)}
    sel = tiny(n_trials=4, max_fit_seconds=0.1, search_space=space,
               estimator_params={"callbacks": [SlowerWhenLarger()]}).fit(X, y)
    (gru,) = [c for c in sel.report_.shaping.cells if c.cell == "gru"]
    (limit,) = gru.limits
    assert limit.startswith("hidden_size limited to <= ") and "by max_fit_seconds=0.1" in limit
    top = int(limit.split("<= ")[1].split()[0])
    assert 4 <= top <= 16
    assert "Space        shaped by max_fit_seconds=0.1:" in str(sel.report_)
    ran = [r for r in sel.report_.records if r.state != "infeasible"]
    assert ran and all(r.params["hidden_size"] <= top for r in ran)


def test_an_impossible_max_params_names_the_smallest_network():
    X, y = two_feature_classes()
    with pytest.raises(ValueError, match=(
        r"No cell can meet the constraints: max_params=10, but the smallest network the "
        r"search space allows has 388 parameters \(GRU: hidden_size=8, num_layers=1, "
        r"front_end='fold'; LSTM's smallest: 484\)"
    )):
        ArchitectureSelector(max_params=10, n_trials=2, max_epochs=1).fit(X, y)


def test_unsatisfiable_constraint_is_a_clear_error():
    X, y = short_regression()
    with pytest.raises(ValueError, match="No cell can meet the constraints.*max_latency_ms"):
        tiny(max_latency_ms=1e-6).fit(X, y)


class SlowGRU(Callback):
    """Makes every GRU training batch 0.1 s slower, as if GRU were slow here."""

    def on_batch_end(self, net, training=False, **kwargs):
        if training and net.module_.cell == "gru":
            time.sleep(0.1)


def test_tie_goes_to_the_cell_measured_cheaper_here():
    X, y = short_regression(n=60)
    # Every trial scores the same, so the cells tie and, with a fit-time limit
    # set, the measured cost decides. GRU's batches take 0.1 s longer than
    # LSTM's: the selector must see it and pick LSTM, whatever the textbook
    # (and the criteria's prior for short sequences) says about GRU.
    sel = tiny(
        n_trials=8,
        max_epochs=1,
        scoring=lambda est, X, y: 0.0,
        estimator_params={"callbacks": [SlowGRU()]},
        max_fit_seconds=1e6,
    ).fit(X, y)
    assert sel.architecture_ == "lstm"
    decision = sel.report_.decision
    assert decision.tie and decision.cost_basis == "seconds_per_epoch"
    assert "LSTM wins the tie because it is cheaper as measured here" in decision.reason
    assert "GRU is NOT the cheaper cell" in str(sel.report_)
    # the probe measured through the estimator, callbacks included: >= 0.1 s a batch
    assert sel.report_.costs["gru"].seconds_per_epoch >= 0.1 * 2


class PruneEveryLSTM(optuna.pruners.BasePruner):
    def prune(self, study, trial):
        return trial.params["cell"] == "lstm"


def test_per_epoch_scores_are_reported_and_pruning_works():
    X, y = short_regression()
    sel = tiny(max_epochs=3, pruner=PruneEveryLSTM()).fit(X, y)
    trials = [t for t in sel.study_.trials if t.state != TrialState.WAITING]
    for t in trials:
        if t.params["cell"] == "gru":
            assert t.state == TrialState.COMPLETE
            assert sorted(t.intermediate_values) == [0, 1, 2]  # one score per epoch
        else:
            assert t.state == TrialState.PRUNED and list(t.intermediate_values) == [0]
    assert sel.architecture_ == "gru"
    lstm = sel.report_.cells["lstm"]
    assert lstm["pruned"] == lstm["trials"] > 0
    assert "pruned after epoch 1" in {r.note for r in sel.report_.records}


class FailingLSTM(Callback):
    """Makes every LSTM fit fail, as running out of memory would."""

    def on_epoch_begin(self, net, **kwargs):
        if net.module_.cell == "lstm":
            raise RuntimeError("out of memory (simulated)")


@pytest.mark.slow
def test_a_cell_that_cannot_be_fitted_here_is_excluded():
    X, y = short_regression(n=60)
    sel = tiny(max_epochs=1, estimator_params={"callbacks": [FailingLSTM()]}).fit(X, y)
    assert set(sel.recommendation_.excluded) == {"lstm"}
    assert "could not be fitted here (RuntimeError: out of memory (simulated))" in str(sel.report_)
    assert set(cells_trained(sel)) == {"gru"} and sel.architecture_ == "gru"


def r2_unless_lstm(estimator, X, y):
    if isinstance(estimator, LSTMRegressor):
        raise RuntimeError("scoring failed (simulated)")
    return estimator.score(X, y)


def test_failed_trials_are_recorded_and_never_chosen():
    X, y = short_regression(n=60)
    sel = tiny(max_epochs=1, scoring=r2_unless_lstm).fit(X, y)
    lstm = [r for r in sel.report_.records if r.cell == "lstm"]
    assert lstm and all(r.state == "failed" for r in lstm)
    assert all(r.note == "RuntimeError: scoring failed (simulated)" for r in lstm)
    assert sel.architecture_ == "gru"
    assert f"{len(lstm)} failed" in sel.report_.decision.reason


@pytest.mark.slow
def test_cross_validation_classification_with_string_labels():
    X, y = short_classes()
    sel = tiny(
        n_trials=4,
        cv=KFold(2),
        scoring="neg_log_loss",
        search_space={**TINY_SPACE, "cell": ["lstm"]},
    ).fit(X, y)
    assert sel.task_ == "classification"
    np.testing.assert_array_equal(sel.classes_, ["down", "up"])
    assert set(sel.predict(X[:5])) <= {"down", "up"}
    assert sel.predict_proba(X[:5]).shape == (5, 2)
    complete = [t for t in sel.study_.trials if t.state == TrialState.COMPLETE]
    for t in complete:
        assert len(t.user_attrs["skrnn"]["fold_scores"]) == 2
        assert t.value == pytest.approx(np.mean(t.user_attrs["skrnn"]["fold_scores"]))
        assert t.user_attrs["skrnn"]["score_se"] > 0
    assert sel.best_score_ == max(t.value for t in complete)
    assert "2-fold cross-validation (KFold)" in str(sel.report_)
    assert sel.score(X, y) == pytest.approx(-_log_loss(sel, X, y))


def _log_loss(sel, X, y):
    from sklearn.metrics import log_loss

    return log_loss(y, sel.predict_proba(X), labels=sel.classes_)


def test_ragged_sequences_and_user_arrays_untouched():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(5, 15), 2)) for _ in range(80)]
    y = np.array([s[:, 0].sum() for s in X])
    copies = [s.copy() for s in X], y.copy()
    sel = tiny(n_trials=2).fit(X, y)
    profile = sel.report_.profile
    assert (profile.min_length, profile.max_length, profile.n_features) == (5, 14, 2)
    assert sel.predict(X[:3]).shape == (3,)
    for a, b in zip(X, copies[0], strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(y, copies[1])


def test_task_inference():
    X, y = short_regression(n=40)
    assert tiny(n_trials=1).fit(X, y.astype(np.float32)).task_ == "regression"
    assert tiny(n_trials=1).fit(X, (y > 0).astype(int)).task_ == "classification"
    sel = tiny(n_trials=1, task="classification").fit(X, (y > 0).astype(float))
    assert sel.task_ == "classification" and isinstance(sel.best_estimator_, GRUClassifier)
    assert not hasattr(tiny(task="regression"), "predict_proba")


def test_multi_output_regression():
    X, y = short_regression(n=60)
    Y = np.column_stack([y, X[:, 0]])
    sel = tiny(n_trials=2).fit(X, Y)
    assert sel.predict(X[:4]).shape == (4, 2)
    assert np.isfinite(sel.best_score_) and sel.report_.records[0].score_se > 0


def test_estimator_params_fix_what_the_default_space_would_search():
    X, y = short_regression(n=60)
    sel = ArchitectureSelector(
        n_trials=2,
        max_epochs=1,
        search_space={"hidden_size": [4]},
        estimator_params={"batch_size": 16, "scaling": None},
    ).fit(X, y)
    assert all(not k.endswith("batch_size") for t in sel.study_.trials for k in t.params)
    assert "batch_size" not in sel.best_params_ and "lr" in sel.best_params_
    assert (sel.best_estimator_.batch_size, sel.best_estimator_.scaling) == (16, None)


@pytest.mark.parametrize("n", [60, 400])  # k folds (small data), a holdout
def test_classification_validation_is_stratified_even_when_sorted_by_class(n):
    X, y = short_classes(n=n)
    order = np.argsort(y, kind="stable")  # all "down", then all "up"
    if n == 60:
        sel = tiny(n_trials=1).fit(X[order], y[order])
        assert "stratified" in str(sel.report_)
    scheme = choose_scheme(n, y[order], classification=True, validation_fraction=0.2,
                           cv=None, seed=0)
    for train, valid in scheme.splits:
        assert set(y[order][valid]) == {"down", "up"}
        assert len(np.intersect1d(train, valid)) == 0 and len(train) + len(valid) == n


# --------------------------------------------------------------------- report
def test_report_text_dict_and_plot(fitted):
    sel, X, y = fitted
    report = sel.report_
    assert isinstance(report, SelectionReport)
    text = str(report)
    for section in (
        "Data ",
        "Validation ",
        "Noise ",
        "Budget ",
        "Cost measured on this machine",
        "Rules that fired",
        "Trials",
        "Decision: ",
        "Refitted on all 120 sequences",
    ):
        assert section in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["decision"]["cell"] == sel.architecture_
    assert len(data["trials"]) == 8 == sum(c["trials"] for c in data["cells"].values())
    assert data["profile"]["median_length"] == 12
    assert data["best_params"] == sel.best_params_
    assert data["final_model"]["n_params"] > 0
    fig = report.plot()
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 2
    points = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert points >= sum(1 for r in report.records if r.usable)
    assert "ArchitectureSelector chose" in fig._suptitle.get_text()
    matplotlib.pyplot.close(fig)


def test_plot_without_matplotlib_says_how_to_install(fitted, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        fitted[0].report_.plot()


def test_verbose(capsys):
    X, y = short_regression(n=40)
    tiny(n_trials=2).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and "Trial" not in captured.err
    tiny(n_trials=2, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("[ArchitectureSelector] trial") == 2 and "chose GRU" in out


# ------------------------------------------------ scikit-learn citizenship
@pytest.mark.parametrize(
    "check",
    [
        check_parameters_default_constructible,
        check_no_attributes_set_in_init,
        check_get_params_invariance,
        check_set_params,
    ],
)
def test_sklearn_parameter_checks(check):
    check("ArchitectureSelector", ArchitectureSelector())


def test_clone_and_params(fitted):
    sel = fitted[0]
    twin = clone(sel)
    assert twin.get_params() == sel.get_params()
    assert not hasattr(twin, "study_")
    twin.set_params(n_trials=5, max_params=100)
    assert (twin.n_trials, twin.max_params) == (5, 100)


def test_in_a_pipeline_and_cross_val_score():
    X, y = short_regression(n=80)
    pipe = Pipeline(
        [("scale", FunctionTransformer(lambda X: X / 2)), ("select", tiny(n_trials=2))]
    )
    pipe.fit(X, y)
    assert pipe.predict(X).shape == y.shape
    assert pipe.named_steps["select"].n_features_in_ == 1
    scores = cross_val_score(tiny(n_trials=2), X, y, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_pickle_round_trip(fitted):
    sel, X, _ = fitted
    loaded = pickle.loads(pickle.dumps(sel))
    np.testing.assert_array_equal(loaded.predict(X), sel.predict(X))
    assert str(loaded.report_) == str(sel.report_)
    assert len(loaded.study_.trials) == len(sel.study_.trials)


def test_same_random_state_same_selection():
    X, y = short_regression(n=60)
    a, b = tiny(n_trials=4).fit(X, y), tiny(n_trials=4).fit(X, y)
    assert [t.params for t in a.study_.trials] == [t.params for t in b.study_.trials]
    assert [t.value for t in a.study_.trials] == [t.value for t in b.study_.trials]
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_refit_false_has_no_model_to_predict_with():
    X, y = short_regression(n=40)
    sel = tiny(n_trials=2, refit=False).fit(X, y)
    assert sel.architecture_ in ("gru", "lstm") and sel.report_.final_model is None
    with pytest.raises(NotFittedError, match="refit=False"):
        sel.predict(X)


def test_n_jobs_one_runs_the_trials_in_this_process():
    # n_jobs > 1 (worker processes) is tested in test_selection_parallel.py
    X, y = short_regression(n=60)
    sel = tiny(n_trials=2, n_jobs=1).fit(X, y)
    assert sel.n_jobs_ == 1
    assert {r.worker.rsplit(":", 1)[1] for r in sel.report_.records} == {str(os.getpid())}
    assert isinstance(sel.best_estimator_, (GRURegressor, LSTMRegressor))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"n_trials": 0}, InvalidParameterError, "n_trials"),
        ({"validation_fraction": 1.5}, InvalidParameterError, "validation_fraction"),
        ({"scoring": "nope"}, InvalidParameterError, "scoring"),
        ({"sampler": "tpe"}, InvalidParameterError, "sampler"),
        ({"n_trials": None, "timeout": None}, ValueError, "needs a budget"),
        ({"search_space": {"hiden_size": [4]}}, ValueError, "unknown parameter 'hiden_size'"),
        ({"estimator_params": {"cell": "gru"}}, ValueError, "search_space\\['cell'\\]"),
        ({"estimator_params": {"max_epochs": 3}}, ValueError, "selector's max_epochs"),
        ({"estimator_params": {"hidden_size": 3}}, ValueError, "in both search_space"),
        ({"estimator_params": {"weight_decay": -1.0}}, InvalidParameterError, "weight_decay"),
        ({"validation_fraction": 0.001}, ValueError, "leaves 0 for validation"),
    ],
)
def test_bad_parameters_are_clear_errors(params, error, match):
    X, y = short_regression(n=40)
    with pytest.raises(error, match=match):
        tiny(**params).fit(X, y)


def test_bad_data_and_unfitted():
    X, y = short_regression(n=40)
    with pytest.raises(NotFittedError):
        tiny().predict(X)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        tiny().fit(X, y[:-1])
    with pytest.raises(ValueError, match="single class"):
        tiny(task="classification").fit(X, np.zeros(40, dtype=int))
    with pytest.raises(ValueError, match="NaN"):
        tiny().fit(np.full_like(X, np.nan), y)


# ------------------------------------------------- the defaults are a contender
def _spy_estimators(monkeypatch):
    """Record the parameters of every trial's estimator."""
    from skrnn.selection import _objective

    made = []
    real = _objective.make_estimator

    def spy(task, cell, params):
        made.append(dict(params))
        return real(task, cell, params)

    monkeypatch.setattr(_objective, "make_estimator", spy)
    return made


@pytest.mark.slow
def test_trial_0_is_exactly_the_default_estimator(monkeypatch):
    made = _spy_estimators(monkeypatch)
    X, y = short_regression(n=300)
    sel = ArchitectureSelector(n_trials=1, search_space={"cell": ["gru"]}).fit(X, y)
    trial = sel.study_.trials[0]
    assert trial.user_attrs["skrnn_default"] == "gru" and trial.state == TrialState.COMPLETE
    expected = clone(GRURegressor()).get_params()
    assert {k: v for k, v in made[0].items() if k != "random_state"} == {
        k: v for k, v in expected.items() if k != "random_state"
    }
    assert made[0]["max_epochs"] == "auto"  # the default schedule, not a shortened copy
    assert sel.report_.decision.default


def test_trial_0_takes_the_users_fixed_values(monkeypatch):
    made = _spy_estimators(monkeypatch)
    X, y = short_regression(n=60)
    fixed = {"hidden_size": 4, "min_steps": 10}
    sel = ArchitectureSelector(
        n_trials=1, max_epochs=2, search_space={"cell": ["gru"], "num_layers": 1},
        estimator_params=fixed,
    ).fit(X, y)
    expected = clone(GRURegressor(**fixed, num_layers=1, max_epochs=2)).get_params()
    assert {k: v for k, v in made[0].items() if k != "random_state"} == {
        k: v for k, v in expected.items() if k != "random_state"
    }
    assert sel.study_.trials[0].user_attrs["skrnn_default"] == "gru"


def test_the_default_wins_when_nothing_beats_it_beyond_the_noise():
    # Searching patience without early stopping changes nothing in the fit: the
    # searched configurations differ from the default by their seed only, so
    # none is better beyond the noise and the default is kept.
    X, y = short_regression(n=120)
    defaults = GRURegressor().get_params()
    space = {"cell": ["gru"], "patience": [3, 10, 20]}
    space.update({k: defaults[k] for k in ("num_layers", "dropout", "lr", "batch_size")})
    sel = ArchitectureSelector(
        n_trials=4, max_epochs=2, search_space=space,
        estimator_params={"hidden_size": 4, "early_stopping": False},
    ).fit(X, y)
    records = {r.number: r for r in sel.report_.records}
    assert records[0].default and all(not records[n].default for n in (1, 2, 3))
    decision = sel.report_.decision
    assert decision.default and decision.trial == 0
    assert sel.best_params_["patience"] == GRURegressor().patience
    assert decision.default_note.startswith("kept the default GRURegressor: best of")
    assert "Kept the default GRURegressor: best of" in str(sel.report_)


def test_the_default_is_enqueued_once_per_study(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    X, y = short_regression(n=60)
    params = dict(
        max_epochs=1, search_space={"num_layers": 1, "dropout": 0.0, "batch_size": 32},
        estimator_params={"hidden_size": 4}, storage=storage, study_name="resumed",
    )
    ArchitectureSelector(n_trials=2, **params).fit(X, y)
    sel = ArchitectureSelector(n_trials=5, **params).fit(X, y)
    defaults = [t.user_attrs.get("skrnn_default") for t in sel.study_.trials]
    assert sorted(d for d in defaults if d) == sorted(sel.recommendation_.cells)
    assert len(sel.study_.trials) == 5


# ---------------------------------------------------------------- sample_weight
def test_zero_weights_equal_dropping_those_sequences_in_the_score():
    from sklearn.metrics import get_scorer

    from skrnn.selection._noise import score_with_noise

    X, y = short_regression(n=60)
    model = GRURegressor(hidden_size=4, max_epochs=2, random_state=0).fit(X, y)
    scorer = get_scorer("r2")
    w = np.ones(len(y))
    w[::3] = 0.0
    kept = w > 0
    weighted, se_w = score_with_noise(
        scorer, model, X, y, classification=False, random_state=0, sample_weight=w
    )
    dropped, _ = score_with_noise(scorer, model, X[kept], y[kept], classification=False,
                                  random_state=0)
    assert weighted == pytest.approx(dropped) and np.isfinite(se_w)


def test_weights_reach_the_trials_and_the_refit_through_metadata_routing(monkeypatch):
    import sklearn

    seen = []
    real_fit = GRUClassifier.fit

    def fit(self, X, y, sample_weight=None):
        seen.append(None if sample_weight is None else np.asarray(sample_weight))
        return real_fit(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(GRUClassifier, "fit", fit)
    X, y = short_classes(n=60)
    w = np.linspace(0.5, 2.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        sel = tiny(
            n_trials=2, max_epochs=1, search_space={**TINY_SPACE, "cell": ["gru"]},
            estimator_params={"class_weight": "balanced"},
        ).set_fit_request(sample_weight=True)
        pipe = Pipeline([("id", FunctionTransformer()), ("sel", sel)])
        pipe.fit(X, y, sample_weight=w)
    sel = pipe.named_steps["sel"]
    weighted = [s for s in seen if s is not None]  # the cost probes fit unweighted
    # each trial's fit on a training fold, with that fold's weights
    assert any(len(s) < len(y) and np.isin(s, w).all() for s in weighted)
    assert np.allclose(weighted[-1], w)  # the refit, on all the data
    assert sel.best_estimator_.class_weight == "balanced"
    assert "weighted by sample_weight" in str(sel.report_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_kept_default_is_exactly_the_default_estimator():
    # With an int random_state, a selection that keeps a cell's default
    # returns the model that cell's estimator fits with that random_state:
    # no second seed between the user and the default.
    X, y = short_regression(n=60)
    fixed = {"hidden_size": 4, "min_steps": 20}
    sel = ArchitectureSelector(
        n_trials=1, search_space={"cell": ["lstm"]}, estimator_params=fixed, random_state=3,
    ).fit(X, y)
    assert sel.report_.decision.default and sel.best_estimator_.random_state == 3
    default = LSTMRegressor(**fixed, random_state=3).fit(X, y)
    np.testing.assert_array_equal(sel.predict(X), default.predict(X))
