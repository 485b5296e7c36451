"""Tests for lrbook.inference (standard errors, summary) and the Fisher-information derivation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from lrbook import LogisticRegression, SoftmaxRegression, inference
from lrbook.datasets import load_breast_cancer, load_breast_cancer_original, load_iris

sm = pytest.importorskip("statsmodels.api")


def _original():
    return load_breast_cancer_original(return_X_y=True)


def _iris_versicolor_virginica():
    return load_iris(classes=("versicolor", "virginica"), return_X_y=True)


def _statsmodels_reference(X, y, fit_intercept=True):
    design = sm.add_constant(X, has_constant="add") if fit_intercept else X
    res = sm.Logit(y, design).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    return res


DATASETS = {
    "original_breast_cancer": _original,
    "iris_versicolor_virginica": _iris_versicolor_virginica,
}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_summary_matches_statsmodels_logit(name):
    X, y = DATASETS[name]()
    model = LogisticRegression(alpha=0.0, tol=1e-8).fit(X, y)
    table = inference.summary(model, X, y)
    ref = _statsmodels_reference(X, y)
    lo, hi = ref.conf_int(alpha=0.05).T
    np.testing.assert_allclose(table["coef"], ref.params, rtol=0, atol=1e-6)
    np.testing.assert_allclose(table["std err"], ref.bse, rtol=0, atol=1e-6)
    np.testing.assert_allclose(table["z"], ref.tvalues, rtol=0, atol=1e-6)
    np.testing.assert_allclose(table["P>|z|"], ref.pvalues, rtol=0, atol=1e-6)
    np.testing.assert_allclose(table["[0.025"], lo, rtol=0, atol=1e-6)
    np.testing.assert_allclose(table["0.975]"], hi, rtol=0, atol=1e-6)
    # relative: the iris intercept's variance is ~660
    np.testing.assert_allclose(
        inference.covariance(model, X, y), ref.cov_params(), rtol=1e-7, atol=1e-9
    )
    np.testing.assert_allclose(inference.standard_errors(model, X, y), ref.bse, atol=1e-6)


def test_standard_errors_without_intercept_match_statsmodels():
    X, y = _original()
    X = X - X.mean(axis=0)  # centred, so a model through the origin is sensible
    model = LogisticRegression(alpha=0.0, tol=1e-8, fit_intercept=False).fit(X, y)
    ref = _statsmodels_reference(X, y, fit_intercept=False)
    se = inference.standard_errors(model, X, y)
    assert se.shape == (9,)
    np.testing.assert_allclose(se, ref.bse, rtol=0, atol=1e-6)
    assert inference.summary(model, X, y).index[0] == "x1"


def test_frequency_weights_equal_repeated_rows():
    X, y = _original()
    weights = np.resize([1, 2, 3, 0], len(y))
    model = LogisticRegression(alpha=0.0, tol=1e-8).fit(X, y, sample_weight=weights)
    se = inference.standard_errors(model, X, y, sample_weight=weights)
    rep = np.repeat(np.arange(len(y)), weights)
    ref = _statsmodels_reference(X[rep], y[rep])
    np.testing.assert_allclose(se, ref.bse, rtol=0, atol=1e-6)


def test_summary_table_without_pandas_has_the_same_numbers():
    X, y = _original()
    d = load_breast_cancer_original()
    model = LogisticRegression(alpha=0.0, tol=1e-8).fit(X, y)
    frame = inference.summary(model, X, y, feature_names=d.feature_names)
    table = inference.summary(model, X, y, feature_names=d.feature_names, as_frame=False)
    assert isinstance(table, inference.SummaryTable)
    assert table.index == list(frame.index)
    assert table.index[:2] == ["intercept", "clump_thickness"]
    np.testing.assert_array_equal(table.values, frame.to_numpy())
    text = str(table)
    assert "P>|z|" in text
    assert "bare_nuclei" in text
    with pytest.raises(KeyError, match="no column 'se'"):
        table["se"]


def test_summary_level_changes_interval_and_names():
    X, y = _original()
    model = LogisticRegression(alpha=0.0, tol=1e-8).fit(X, y)
    t90 = inference.summary(model, X, y, level=0.9)
    t95 = inference.summary(model, X, y)
    assert list(t90.columns[-2:]) == ["[0.05", "0.95]"]
    assert (t90["0.95]"] < t95["0.975]"]).all()
    with pytest.raises(ValueError, match=r"level must be a number in \(0, 1\), got level=95"):
        inference.summary(model, X, y, level=95)


# ------------------------------------------------------------------------- refusals
def test_refuses_a_penalised_model():
    X, y = _original()
    model = LogisticRegression(alpha=1e-3).fit(X, y)
    with pytest.raises(inference.InferenceError, match=r"penalised \(alpha=0.001\).*alpha=0"):
        inference.summary(model, X, y)


def test_refuses_an_unfitted_model():
    X, y = _original()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        inference.standard_errors(LogisticRegression(alpha=0.0), X, y)


def test_refuses_separable_data():
    X, y = load_breast_cancer(standardize=True, return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="linearly separable"):
        model = LogisticRegression(alpha=0.0).fit(X, y)
    with pytest.raises(
        inference.InferenceError, match=r"linearly separable.*no maximum-likelihood"
    ):
        inference.summary(model, X, y)


def test_refuses_a_model_that_did_not_converge():
    X, y = _original()
    with pytest.warns(ConvergenceWarning):
        model = LogisticRegression(alpha=0.0, max_iter=1).fit(X, y)
    with pytest.raises(inference.InferenceError, match=r"did not converge \(n_iter_=1"):
        inference.standard_errors(model, X, y)


def test_refuses_a_singular_information_matrix():
    X, y = _original()
    X = np.hstack([X, X[:, :1]])  # a duplicated column: its two weights are not identified
    model = LogisticRegression(alpha=0.0, tol=1e-8).fit(X, y)
    with pytest.raises(inference.InferenceError, match="singular or ill-conditioned"):
        inference.standard_errors(model, X, y)


def test_refuses_data_the_model_was_not_fitted_on():
    X, y = _original()
    model = LogisticRegression(alpha=0.0, tol=1e-8).fit(X, y)
    with pytest.raises(inference.InferenceError, match="not the optimum for this X and y"):
        inference.standard_errors(model, X + 1.0, y)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 9\)"):
        inference.standard_errors(model, X[:, :3], y)


def test_refuses_a_multinomial_model():
    X, y = load_iris(return_X_y=True)
    model = SoftmaxRegression(alpha=0.0, tol=1e-6, max_iter=200).fit(X, y)
    with pytest.raises(inference.InferenceError, match=r"got SoftmaxRegression.*binary model only"):
        inference.summary(model, X, y)


def test_refuses_weights_that_are_not_counts():
    X, y = _original()
    w = np.full(len(y), 0.5)
    model = LogisticRegression(alpha=0.0, tol=1e-8).fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight must hold whole numbers"):
        inference.standard_errors(model, X, y, sample_weight=w)


# ------------------------------------------------------------ the Fisher derivation
def test_fisher_information_derivation_verifies_every_step():
    pytest.importorskip("sympy")
    from lrbook.symbolic import fisher_information_derivation

    d = fisher_information_derivation()
    report = d.verify()
    assert report.ok
    assert report.name == "fisher_information"
    assert len(report.methods) == len(d.steps) == 11
    labels = [label for label, _ in report.methods]
    assert any("Hessian of" in lab for lab in labels)
    assert any("information equality" in lab for lab in labels)
    assert any("Fisher" in lab for lab in labels)
    assert all(how for _, how in report.methods)
    assert "11 steps verified" in str(report)
    tex = d.latex()
    assert r"X^\top S X" in tex
    assert r"\left(X^\top S X\right)^{-1}" in tex


def test_fisher_information_derivation_rejects_a_wrong_covariance():
    sympy = pytest.importorskip("sympy")
    from lrbook.symbolic import DerivationError, Tex, fisher_information_derivation

    d = fisher_information_derivation()
    # the score's covariance is X^T S X, not twice it
    bad = d.replace_step("score_covariance", rhs=2 * Tex(r"X^\top S X"))
    with pytest.raises(DerivationError, match="step 3"):
        bad.verify()
    # the Hessian does depend on the weights: claiming it is zero fails
    bad = d.replace_step("hessian", rhs=sympy.zeros(2, 2))
    with pytest.raises(DerivationError, match="step 0"):
        bad.verify()
