"""Validation by data size, the constant-model baseline, and what the report says of them."""

import datetime
import time
import warnings

import numpy as np
import optuna
import pytest
from conftest import make_sine_classes, make_sum_regression
from optuna.trial import TrialState
from skorch.callbacks import Callback
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring

from skrnn import ArchitectureSelector, GRUClassifier
from skrnn.selection._baseline import baseline_score
from skrnn.selection._decision import decide
from skrnn.selection._pruning import StopAtDeadline, StopBeforeDeadline, time_left_fits_a_trial
from skrnn.selection._records import TrialRecord
from skrnn.selection._scheme import AUTO_FOLDS, MIN_HOLDOUT, choose_scheme
from skrnn.selection._selector import refit_fell_short

QUICK = dict(n_trials=2, max_epochs=2, search_space={"hidden_size": 4, "num_layers": 1,
                                                      "dropout": 0.0, "batch_size": 32})


# ---------------------------------------------------------------- scheme
def test_small_data_switches_to_k_fold():
    y = np.tile([0, 1], 50)  # 100 sequences: a 20 % holdout would be 20 < 50
    scheme = choose_scheme(100, y, classification=True, validation_fraction=0.2, cv=None,
                           seed=0)
    assert scheme.n_folds == AUTO_FOLDS and "stratified" in scheme.description
    assert f"fewer than {MIN_HOLDOUT}" in scheme.reason
    valid = np.sort(np.concatenate([v for _, v in scheme.splits]))
    np.testing.assert_array_equal(valid, np.arange(100))  # every sequence validated once


def test_enough_data_keeps_the_holdout():
    scheme = choose_scheme(400, np.arange(400.0), classification=False,
                           validation_fraction=0.2, cv=None, seed=0)
    assert scheme.n_folds == 1 and scheme.reason is None
    np.testing.assert_array_equal(scheme.splits[0][1], np.arange(320, 400))  # the tail


def test_regression_folds_are_contiguous_blocks():
    scheme = choose_scheme(60, np.arange(60.0), classification=False,
                           validation_fraction=0.2, cv=None, seed=0)
    assert "contiguous" in scheme.description
    for _, valid in scheme.splits:
        np.testing.assert_array_equal(valid, np.arange(valid[0], valid[-1] + 1))


def test_a_class_with_one_sequence_keeps_the_holdout():
    y = np.array([0] * 30 + [1])
    scheme = choose_scheme(31, y, classification=True, validation_fraction=0.2, cv=None,
                           seed=0)
    assert scheme.n_folds == 1


def test_the_users_cv_is_used_as_given():
    scheme = choose_scheme(40, np.arange(40.0), classification=False,
                           validation_fraction=0.2, cv=3, seed=0)
    assert scheme.n_folds == 3 and scheme.reason is None


# -------------------------------------------------------------- baseline
def test_baseline_is_the_majority_class_on_the_same_splits():
    y = np.array([0] * 30 + [1] * 10)
    scheme = choose_scheme(40, y, classification=True, validation_fraction=0.2, cv=None,
                           seed=0)
    scorer = check_scoring(GRUClassifier())
    base = baseline_score(scorer, scheme.splits, y, classification=True)
    assert base.name == "majority class" and base.score == pytest.approx(0.75)


# ---------------------------------------------------------------- report
@pytest.mark.slow  # a whole selection with cross-validation
def test_report_states_scheme_baseline_and_flags_a_model_at_baseline():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 10)), np.tile(["a", "b"], 30)  # labels unrelated to X
    with pytest.warns(ConvergenceWarning):
        sel = ArchitectureSelector(**QUICK, random_state=0).fit(X, y)
    text = str(sel.report_)
    assert "5-fold cross-validation (stratified), chosen automatically" in text
    assert "a 20% holdout would be 12 sequences" in text
    assert "Baseline     majority class: 0.5" in text
    assert "not clearly above the majority class baseline" in text
    assert sel.report_.to_dict()["settings"]["baseline"]["score"] == pytest.approx(0.5)


@pytest.mark.slow  # a whole selection with cross-validation
def test_a_timeout_that_cuts_the_search_short_is_reported():
    X, y = make_sine_classes(n=60, T=20)
    with pytest.warns(UserWarning, match="cut short: the study holds 1 of the 50 trials"):
        sel = ArchitectureSelector(**{**QUICK, "n_trials": 50}, timeout=1e-3,
                                   random_state=0).fit(X, y)
    assert "Search cut short: the study holds 1 of the 50 trials" in str(sel.report_)
    assert sel.report_.settings.cut_short


def test_stop_at_deadline_ends_a_fit_at_the_next_epoch():
    X, y = make_sine_classes(n=40, T=10)
    clf = GRUClassifier(hidden_size=4, max_epochs=50, random_state=0,
                        callbacks=[("deadline", StopAtDeadline(time.time() - 1))])
    with pytest.raises(optuna.TrialPruned, match="stopped at the timeout after epoch 1"):
        clf.fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_trial_running_at_the_timeout_is_stopped_once_the_study_has_a_result(tmp_path):
    # Optuna checks its timeout only between trials. Resumed, the study holds
    # a result, so the trial running when the timeout runs out stops at its
    # next epoch instead of training its 300 epochs to the end.
    X, y = make_sine_classes(n=60, T=20)
    params = dict(QUICK, max_epochs=300, storage=f"sqlite:///{tmp_path / 's.db'}",
                  study_name="deadline", random_state=0,
                  search_space={**QUICK["search_space"], "cell": ["gru"]})
    # (the first result is quick, so that the time left fits a trial like it)
    first = ArchitectureSelector(**{**params, "n_trials": 1, "max_epochs": 1}).fit(X, y)
    assert first.study_.trials[0].state == TrialState.COMPLETE  # no deadline: never stopped
    shortest = first.study_.trials[0].duration.total_seconds()
    with pytest.warns(UserWarning, match="cut short"):
        sel = ArchitectureSelector(**{**params, "n_trials": 3},
                                   timeout=max(0.3, 2 * shortest)).fit(X, y)
    stopped = sel.study_.trials[1]
    assert stopped.state == TrialState.PRUNED
    assert {r.number: r for r in sel.report_.records}[1].n_epochs < 300
    assert len(sel.study_.trials) == 2  # and no trial starts after it


def _study_with_a_trial_of(seconds):
    """A study holding one complete trial that took ``seconds``."""
    trial = optuna.trial.create_trial(params={}, distributions={}, value=0.5)
    trial.datetime_complete = datetime.datetime.now()
    trial.datetime_start = trial.datetime_complete - datetime.timedelta(seconds=seconds)
    study = optuna.create_study(direction="maximize")
    study.add_trial(trial)
    return study


def test_no_trial_starts_that_the_time_left_cannot_finish():
    empty = optuna.create_study()
    assert time_left_fits_a_trial(empty, time.time() + 0.01)  # the first result always runs
    assert not time_left_fits_a_trial(empty, time.time() - 1)
    slow = _study_with_a_trial_of(10.0)
    assert slow.trials[0].duration.total_seconds() == pytest.approx(10.0)
    assert time_left_fits_a_trial(slow, None)
    assert not time_left_fits_a_trial(slow, time.time() + 5)
    assert time_left_fits_a_trial(slow, time.time() + 15)
    # as an Optuna callback: trials of 0.2 s under 0.5 s of time; Optuna alone
    # would start a third at 0.4 s, which the timeout would then cut
    study = optuna.create_study()
    study.optimize(lambda trial: time.sleep(0.2) or 0.0, n_trials=10, timeout=0.5,
                   callbacks=[StopBeforeDeadline(time.time() + 0.5)])
    assert len(study.trials) == 2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_resumed_study_with_too_little_time_left_starts_no_trial(tmp_path):
    X, y = make_sine_classes(n=60, T=20)
    params = dict(QUICK, storage=f"sqlite:///{tmp_path / 's.db'}", study_name="left",
                  random_state=0, search_space={**QUICK["search_space"], "cell": ["gru"]})
    first = ArchitectureSelector(**{**params, "n_trials": 1, "max_epochs": 30}).fit(X, y)
    took = first.study_.trials[0].duration.total_seconds()
    with pytest.warns(UserWarning, match="cut short"):
        sel = ArchitectureSelector(**{**params, "n_trials": 3}, timeout=took / 4).fit(X, y)
    assert len(sel.study_.trials) == 1  # nothing started, nothing thrown away
    assert "no trial starts that the time left could not finish" in str(sel.report_)


def test_the_noise_comparison_is_a_ratio():
    records = [
        TrialRecord(0, "gru", "complete", score=0.70, score_se=0.1, seconds_per_epoch=1.0),
        TrialRecord(1, "lstm", "complete", score=0.50, score_se=0.1, seconds_per_epoch=2.0),
    ]
    decision = decide(records)
    assert "the difference 0.2 is 1.4x its standard error (0.14): significant" in decision.reason
    records[1] = TrialRecord(1, "lstm", "complete", score=0.60, score_se=0.1,
                             seconds_per_epoch=0.5)
    decision = decide(records)
    assert decision.tie and "0.7x its standard error (0.14): not significant" in decision.reason


@pytest.mark.slow  # a whole selection with cross-validation
def test_a_refit_that_learns_nothing_is_retried_and_reported():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 10)), np.tile([0.0, 1.0], 30) + 0 * rng.normal(size=60)
    with pytest.warns(ConvergenceWarning, match="seed .* learnt nothing .* learnt nothing"):
        sel = ArchitectureSelector(**QUICK, random_state=0).fit(X, y)
    assert sel.report_.final_model.attempts == 2
    assert "WARNING: the refit on all the data with the trial's seed" in str(sel.report_)


class StopFullFits(Callback):
    """Ends fits on at least ``n_train`` sequences (the refit on all the data,
    not a trial's fit on its folds) after 3 epochs; only the first
    ``times`` such fits (None: all)."""

    def __init__(self, n_train, times=None):
        self.n_train, self.times = n_train, times

    def on_epoch_end(self, net, dataset_train=None, **kwargs):
        if dataset_train is None or len(dataset_train) < self.n_train or len(net.history) < 3:
            return
        if self.times is not None:
            if _STOPPED[0] >= self.times:
                return
            _STOPPED[0] += 1
        raise KeyboardInterrupt  # skorch ends training there


_STOPPED = [0]  # module-level: the estimators' callbacks are deep copies


def _refit_search(callback):
    # 160 sequences: 5-fold trials train on 128 (115 after the early-stopping
    # split), the refit on 160 (144): StopFullFits(130) stops only the refit
    X, y = make_sum_regression(n=160, T=12, d=2)
    return ArchitectureSelector(
        n_trials=2, max_epochs=30, random_state=0,
        search_space={"hidden_size": 8, "num_layers": 1, "dropout": 0.0, "batch_size": 32},
        estimator_params={"callbacks": [callback]},
    ).fit(X, y)


@pytest.mark.slow  # a whole selection with cross-validation
def test_a_refit_that_falls_short_of_its_trial_is_retried_with_another_seed():
    _STOPPED[0] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the retry succeeded: nothing to warn about
        sel = _refit_search(StopFullFits(130, times=1))
    final = sel.report_.final_model
    assert _STOPPED[0] == 1 and final.attempts == 2
    trial, kept = final.trial_train_loss_share, final.train_loss_share
    assert not refit_fell_short(kept, trial) and kept < 0.5
    text = str(sel.report_)
    assert "fell far short of its trial" in text and "and is the model kept" in text
    assert f"the retry with seed {sel.best_estimator_.random_state} did not" in text
    assert f"Refit's best training loss: {kept:.1%} of a constant prediction's" in text


@pytest.mark.slow
def test_a_refit_that_falls_short_twice_is_kept_with_a_warning():
    with pytest.warns(UserWarning, match="fell far short of its trial .* too"):
        sel = _refit_search(StopFullFits(130))
    final = sel.report_.final_model
    assert final.attempts == 2
    assert refit_fell_short(final.train_loss_share, final.trial_train_loss_share)
    assert "WARNING: the refit on all the data" in str(sel.report_)


def test_the_refit_bar_leaves_room_for_more_data():
    assert not refit_fell_short(0.03, 0.01)  # a close fit refitted a little less closely
    assert not refit_fell_short(0.5, 0.2)
    assert refit_fell_short(0.77, 0.03)
    assert not refit_fell_short(None, 0.03) and not refit_fell_short(0.5, None)


def test_one_standard_error_exactly_is_not_beyond_the_noise():
    # 1.0 - 0.95 is 0.05000000000000004: a searched config one validation
    # sequence (of 20) above the default, by exactly one standard error, ties
    records = [
        TrialRecord(0, "lstm", "complete", score=0.95, score_se=0.05, default=True),
        TrialRecord(1, "lstm", "complete", score=1.0, score_se=0.0),
    ]
    decision = decide(records)
    assert decision.trial == 0 and decision.default
    assert decision.default_note.startswith("kept the default")
    records[0] = TrialRecord(0, "lstm", "complete", score=0.95, score_se=0.04, default=True)
    assert decide(records).trial == 1  # 1.25 standard errors
