"""skrnn estimators inside scikit-learn's and Optuna's machinery, and skorch's."""

import functools
import pickle

import numpy as np
import optuna
import pytest
import torch
from optuna_integration import OptunaSearchCV
from skorch.callbacks import Callback
from skorch.dataset import ValidSplit
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from conftest import FAST, FIXED_CELL

from skrnn import (
    GRUClassifier,
    GRURegressor,
    LSTMClassifier,
    LSTMRegressor,
    RecurrentClassifier,
    RecurrentRegressor,
)



def test_pipeline_with_a_preprocessing_step(sum_regression):
    X, y = sum_regression
    flatten_to_univariate = FunctionTransformer(lambda X: X[:, :, 0])
    pipe = Pipeline([("select", flatten_to_univariate), ("rnn", GRURegressor(**FAST))])
    pipe.fit(X, y)
    assert pipe.predict(X).shape == y.shape
    assert pipe.named_steps["rnn"].n_features_in_ == 1


def test_grid_search_over_estimator_objects(sum_regression):
    X, y = sum_regression
    pipe = Pipeline([("model", GRURegressor())])
    search = GridSearchCV(
        pipe,
        param_grid={"model": [GRURegressor(**FAST), LSTMRegressor(**FAST)]},
        cv=KFold(2),
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert type(search.best_estimator_.named_steps["model"]) in (GRURegressor, LSTMRegressor)


def test_grid_search_over_cell_and_hidden_size(sine_classes):
    X, y = sine_classes
    search = GridSearchCV(
        RecurrentClassifier(max_epochs=2, random_state=0),
        param_grid={"cell": ["gru", "lstm"], "hidden_size": [4, 8]},
        cv=2,
    )
    search.fit(X, y)
    assert {p["cell"] for p in search.cv_results_["params"]} == {"gru", "lstm"}
    assert search.best_estimator_.net_.module_.rnn.hidden_size == search.best_params_["hidden_size"]


def test_soft_voting_averages_a_gru_and_an_lstm(sine_classes):
    # the documented way to average the two cells (benchmarks: "Averaging
    # the tied defaults")
    X, y = sine_classes
    members = [("gru", GRUClassifier(**FAST)), ("lstm", LSTMClassifier(**FAST))]
    vote = VotingClassifier(members, voting="soft").fit(X, y)
    alone = [clone(est).fit(X, y).predict_proba(X) for _, est in members]
    np.testing.assert_allclose(vote.predict_proba(X), np.mean(alone, axis=0), atol=1e-6)


@pytest.mark.slow
def test_cross_val_score_on_classifier(sine_classes):
    X, y = sine_classes
    scores = cross_val_score(GRUClassifier(random_state=0, max_epochs=30), X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.6  # chance is 1/3


@pytest.mark.slow
def test_optuna_search_over_cell_and_hidden_size(sum_regression):
    X, y = sum_regression
    search = OptunaSearchCV(
        RecurrentRegressor(max_epochs=3, random_state=0),
        {
            "cell": optuna.distributions.CategoricalDistribution(["gru", "lstm"]),
            "hidden_size": optuna.distributions.IntDistribution(4, 16, log=True),
        },
        n_trials=4,
        cv=2,
        random_state=0,
        verbose=0,
    )
    search.fit(X, y)
    assert len(search.trials_) == 4
    cells = {t.params["cell"] for t in search.trials_}
    assert cells <= {"gru", "lstm"}
    assert search.best_estimator_.cell == search.best_params_["cell"]


@pytest.mark.parametrize("Est", [GRURegressor, LSTMClassifier, RecurrentRegressor])
def test_clone_keeps_params_and_drops_fit(Est, sum_regression):
    X, y = sum_regression
    y = y if "Regressor" in Est.__name__ else y > 0
    est = Est(hidden_size=5, dropout=0.1, **{k: v for k, v in FAST.items() if k != "hidden_size"})
    est.fit(X, y)
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    assert not hasattr(twin, "net_")


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_pickle_round_trip_predicts_identically(Est, sum_regression, tmp_path):
    X, y = sum_regression
    y = y if "Regressor" in Est.__name__ else np.where(y > 0, "pos", "neg")
    est = Est(**FAST).fit(X, y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(est))
    loaded = pickle.loads(path.read_bytes())
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    if hasattr(est, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("Est", FIXED_CELL)
def test_same_random_state_same_model(Est, sum_regression):
    X, y = sum_regression
    y = y if "Regressor" in Est.__name__ else y > 0
    params = dict(max_epochs=4, hidden_size=8, dropout=0.2, random_state=3)
    a = Est(**params).fit(X, y)
    b = Est(**params).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    c = Est(**{**params, "random_state": 4}).fit(X, y)
    if "Regressor" in Est.__name__:
        assert not np.array_equal(a.predict(X), c.predict(X))


def test_random_state_instance_and_global_torch_rng_untouched(sum_regression):
    X, y = sum_regression
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    GRURegressor(**FAST).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected)
    # a RandomState instance is consumed like in scikit-learn
    rs = np.random.RandomState(0)
    GRURegressor(max_epochs=1, random_state=rs).fit(X, y)


def test_history_and_n_iter(sum_regression):
    X, y = sum_regression
    reg = GRURegressor(**FAST).fit(X, y)
    assert len(reg.net_.history) == reg.n_iter_ == 3
    assert np.isfinite(reg.net_.history[:, "train_loss"]).all()


@pytest.mark.slow
def test_early_stopping_holds_out_the_tail_and_restores_best(sum_regression):
    X, y = sum_regression
    seen = {}

    class RecordSplit(Callback):
        def on_train_begin(self, net, X=None, y=None, **kwargs):
            seen["train"], seen["valid"] = net.train_split(X)

    reg = GRURegressor(
        early_stopping=True,
        validation_fraction=0.25,
        patience=2,
        max_epochs=200,
        lr=0.05,  # large steps: the validation loss turns up quickly
        random_state=0,
        callbacks=[RecordSplit()],
    ).fit(X, y)
    n = len(X)
    n_valid = round(0.25 * n)
    np.testing.assert_array_equal(seen["valid"].sequences.data, X[n - n_valid :].astype(np.float32))
    np.testing.assert_array_equal(seen["train"].sequences.data, X[: n - n_valid].astype(np.float32))
    valid_loss = reg.net_.history[:, "valid_loss"]
    assert reg.n_iter_ < 200
    # restored weights are those of the best epoch: recompute its loss
    best = int(np.argmin(valid_loss))
    X_valid, y_valid = X[n - n_valid :], y[n - n_valid :]
    loss = np.mean(((reg.predict(X_valid) - y_valid) / reg.target_scale_) ** 2)
    assert loss == pytest.approx(valid_loss[best], rel=1e-4)


def test_any_skorch_split_can_be_passed(sine_classes):
    X, y = sine_classes
    clf = GRUClassifier(
        early_stopping=True, validation_fraction=ValidSplit(4, stratified=True), **FAST
    )
    clf.fit(X, y)
    assert "valid_acc" in clf.net_.history[-1]


def test_training_stops_on_a_plateau_without_validation(sum_regression):
    X, y = sum_regression
    # a vanishing learning rate makes no progress: stop after `patience` epochs
    reg = GRURegressor(lr=1e-9, patience=3, max_epochs=50, min_steps=0, batch_size=32,
                       random_state=0).fit(X, y)
    assert reg.n_iter_ <= 5


@pytest.mark.parametrize(
    "optimizer", ["adam", "adamw", "sgd", "rmsprop", functools.partial(torch.optim.SGD, momentum=0.9)]
)
def test_optimizers(optimizer, sum_regression):
    X, y = sum_regression
    reg = GRURegressor(optimizer=optimizer, weight_decay=1e-4, **FAST).fit(X, y)
    assert type(reg.net_.optimizer_).__name__ in {"Adam", "AdamW", "SGD", "RMSprop"}
    assert reg.net_.optimizer_.param_groups[0]["weight_decay"] == 1e-4


def test_gradient_clip_bounds_the_gradient_norm(sum_regression):
    X, y = sum_regression
    norms = []

    class GradNorm(Callback):
        def on_grad_computed(self, net, named_parameters, **kwargs):
            pass

        def on_batch_end(self, net, **kwargs):
            grads = [p.grad for p in net.module_.parameters() if p.grad is not None]
            norms.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))

    GRURegressor(gradient_clip=0.01, lr=1e-3, callbacks=[GradNorm()], **FAST).fit(X, y * 1e3)
    assert max(norms) <= 0.01 * (1 + 1e-5)


def test_verbose_prints_the_epoch_table(sum_regression, capsys):
    X, y = sum_regression
    GRURegressor(verbose=2, **FAST).fit(X, y)  # verbose=1 is the progress (test_progress.py)
    out = capsys.readouterr().out
    assert "train_loss" in out and "epoch" in out
    GRURegressor(verbose=0, **FAST).fit(X, y)
    assert capsys.readouterr().out == ""


def test_user_callbacks_run(sum_regression):
    X, y = sum_regression
    epochs = []

    class Count(Callback):
        def on_epoch_end(self, net, **kwargs):
            epochs.append(len(net.history))

    reg = LSTMRegressor(callbacks=[("count", Count())], **FAST).fit(X, y)
    assert epochs == [1, 2, 3]
    assert "count" in dict(reg.net_.callbacks_)


def test_set_params_then_refit_changes_the_network(sum_regression):
    X, y = sum_regression
    reg = RecurrentRegressor(**FAST).fit(X, y)
    reg.set_params(cell="lstm", hidden_size=6, num_layers=2, bidirectional=True).fit(X, y)
    rnn = reg.net_.module_.rnn
    assert (type(rnn).__name__, rnn.hidden_size, rnn.num_layers, rnn.bidirectional) == (
        "LSTM",
        6,
        2,
        True,
    )


def test_classifier_in_pipeline_with_string_labels(sine_classes):
    X, y = sine_classes
    labels = np.array(["low", "mid", "high"])[y]
    pipe = Pipeline([("rnn", LSTMClassifier(**FAST))]).fit(X, labels)
    assert set(pipe.predict(X)) <= {"low", "mid", "high"}
    assert pipe.predict_proba(X).shape == (len(X), 3)


def test_classifier_early_stopping_validates_on_a_stratified_sample():
    # labels sorted by class: a tail split would validate on one class only
    from conftest import make_sine_classes

    X, y = make_sine_classes(n=90)
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    seen = {}

    class RecordSplit(Callback):
        def on_train_begin(self, net, X=None, y=None, **kwargs):
            _, seen["valid"] = net.train_split(X, y)

    GRUClassifier(early_stopping=True, validation_fraction=0.2, callbacks=[RecordSplit()], **FAST).fit(X, y)
    valid_labels = seen["valid"].y.numpy()
    assert len(valid_labels) == 18
    expected = np.bincount(y) * 18 / 90  # proportional to the class sizes
    assert np.all(np.abs(np.bincount(valid_labels, minlength=3) - expected) <= 1)
