"""scikit-learn's estimator checks: the contract of compatibility.

A recurrent estimator counts ``n_features_in_`` as the number of features per
*time step*, and accepts sequences of any length at predict time. The checks
below assume the tabular meaning (``n_features_in_ == X.shape[1]`` and an
error when a 2-D array with another number of columns is predicted on, or
passed to a later ``partial_fit``), so
they are expected to fail; everything they assert about real features is
covered in ``test_data.py``. Fitting with sample weights equals fitting
on repeated sequences only up to float32 rounding, which the check's
tolerance does not allow (see ``test_weights.py``).
"""

import pytest
from sklearn.base import is_classifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import (
    GRUClassifier,
    GRURegressor,
    LSTMClassifier,
    LSTMRegressor,
    RecurrentClassifier,
    RecurrentRegressor,
)

pytestmark = pytest.mark.slow  # scikit-learn's estimator checks: hundreds of fits

SEQUENCE_LENGTH_IS_NOT_A_FEATURE = (
    "a 2-D X is (n_samples, n_timesteps) of one feature; n_features_in_ counts "
    "features per time step (1 here), not time steps"
)


def expected_failed_checks(estimator):
    failures = {
        "check_n_features_in": SEQUENCE_LENGTH_IS_NOT_A_FEATURE,
        "check_n_features_in_after_fitting": SEQUENCE_LENGTH_IS_NOT_A_FEATURE
        + "; predicting on sequences of another length is valid",
        "check_estimators_partial_fit_n_features": SEQUENCE_LENGTH_IS_NOT_A_FEATURE
        + "; X[:, :-1] of a 2-D X is shorter sequences of the same single feature, "
        "valid in a later partial_fit (a changed number of features per step raises, "
        "tested in test_incremental.py)",
        "check_dataframe_column_names_consistency": (
            "a 2-D DataFrame's columns are time steps, not feature names, so "
            "feature_names_in_ is not set (its length would not be n_features_in_ = 1) "
            "and fewer columns (shorter sequences) are valid at predict"
        ),
    }
    failures["check_sample_weight_equivalence_on_dense_data"] = (
        "weights equal repetition only up to float32 rounding: the weighted and "
        "the repeated fit are in one batch and take the same steps, but sum other "
        "terms in other GEMM shapes, and the rounding (1e-7 at the first step) "
        "grows to ~1e-5 (classifier) - 1e-3 (regressor) over the check's 100 "
        "epochs; the check asks rtol=1e-7 (equivalence to 1e-4 over 20 steps, "
        "zero weight as dropping included, is tested in test_weights.py)"
    )
    if not is_classifier(estimator):
        failures["check_methods_subset_invariance"] = (
            "float32 inference: a row's prediction can differ by 1 ulp (~1e-7) "
            "with the batch it is in, because BLAS blocks GEMMs by batch size; "
            "the check's tolerance is 1e-7 (invariance to 1e-5 is tested in "
            "test_data.py)"
        )
        failures["check_methods_sample_order_invariance"] = (
            "the same float32 rounding: reordering the rows changes which batch "
            "(and GEMM blocking) a row is predicted in; one prediction in 20 moves "
            "by ~1e-7 against the check's 1e-7 tolerance"
        )
    else:
        failures["check_classifiers_train"] = (
            "asserts predict(X.T) raises; X.T is a valid batch of 2 longer "
            "univariate sequences (its accuracy assertions pass, and are "
            "repeated in test_data.py)"
        )
    return failures


# The checks fit a few hundred times on tiny tabular data. As scikit-learn's
# own checks shorten max_iter, they run the defaults with the step budget of
# skrnn's earlier schedule (batches of 32, no minimum number of steps) and,
# like MLPRegressor's default, no early stopping: check_regressors_train asks
# for a training R^2 above 0.5 on 200 noisy tabular rows, i.e. memorisation,
# which early stopping on a held-out tail is there to prevent (the held-out
# R^2 of either setting is the same there). The default schedule and
# early_stopping="auto" are tested in test_schedule.py.
CHECKING = dict(batch_size=32, min_steps=0, early_stopping=False)


@parametrize_with_checks(
    [
        GRURegressor(**CHECKING),
        LSTMRegressor(**CHECKING),
        GRUClassifier(**CHECKING),
        LSTMClassifier(**CHECKING),
        RecurrentRegressor(cell="lstm", **CHECKING),
        RecurrentClassifier(cell="lstm", **CHECKING),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
