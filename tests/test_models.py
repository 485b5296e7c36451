"""Tests for lrbook.models: behaviour, bad input and determinism."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.preprocessing import StandardScaler

from lrbook import losses
from lrbook.datasets import make_moons, make_xor
from lrbook.gradcheck import check_gradient
from lrbook.models import (
    LinearRegression,
    LogisticRegression,
    MLPClassifier,
    SoftmaxRegression,
)
from lrbook.optim import DivergenceError

CLASSIFIERS = [LogisticRegression, SoftmaxRegression, MLPClassifier]
ALL = [*CLASSIFIERS, LinearRegression]


def _data(n=60, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ np.arange(1.0, d + 1) + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _quiet(est):
    """Settings that converge quickly on the small data above."""
    if isinstance(est, MLPClassifier):
        return est.set_params(max_iter=50, tol=1.0)
    return est


# ============================================================================ bad input


@pytest.mark.parametrize("Est", ALL)
@pytest.mark.parametrize(
    ("bad", "match"), [(np.nan, "Input X contains NaN"), (np.inf, "Input X contains infinity")]
)
def test_nan_inf_in_X(Est, bad, match):
    X, y = _data()
    X[3, 1] = bad
    with pytest.raises(ValueError, match=match):
        Est().fit(X, y)


@pytest.mark.parametrize("Est", ALL)
@pytest.mark.parametrize(
    ("bad", "match"), [(np.nan, "Input y contains NaN"), (np.inf, "Input y contains infinity")]
)
def test_nan_inf_in_y(Est, bad, match):
    X, y = _data()
    y = y.astype(float)
    y[2] = bad
    with pytest.raises(ValueError, match=match):
        Est().fit(X, y)


@pytest.mark.parametrize("Est", ALL)
def test_one_dimensional_X(Est):
    X, y = _data()
    with pytest.raises(ValueError, match=r"(?s)Expected 2D array, got 1D array.*Reshape your data"):
        Est().fit(X[:, 0], y)


@pytest.mark.parametrize("Est", ALL)
def test_mismatched_lengths(Est):
    X, y = _data()
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[60, 59\]"):
        Est().fit(X, y[:-1])


@pytest.mark.parametrize("Est", ALL)
def test_zero_samples(Est):
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        Est().fit(np.empty((0, 3)), np.empty(0))


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_one_class_only(Est):
    X, _ = _data()
    with pytest.raises(ValueError, match=r"at least 2 classes.*only one class: 'a'"):
        Est().fit(X, np.full(len(X), "a"))


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_continuous_targets(Est):
    X, _ = _data()
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        Est().fit(X, np.linspace(0, 1, len(X)))


def test_logistic_regression_rejects_three_classes():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=r"Only binary classification.*SoftmaxRegression"):
        LogisticRegression().fit(X, y)


@pytest.mark.parametrize("Est", ALL)
@pytest.mark.parametrize(
    ("value", "exc"),
    [
        (0.0, ValueError),
        (-0.1, ValueError),
        (np.nan, ValueError),
        (np.inf, ValueError),
        ("fast", TypeError),
    ],
)
def test_bad_learning_rate(Est, value, exc):
    X, y = _data()
    with pytest.raises(exc, match="learning_rate"):
        Est(learning_rate=value).fit(X, y)


@pytest.mark.parametrize("Est", CLASSIFIERS)
@pytest.mark.parametrize(
    ("value", "exc"), [(0, ValueError), (-4, ValueError), (2.5, TypeError), ("32", TypeError)]
)
def test_bad_batch_size(Est, value, exc):
    X, y = _data()
    with pytest.raises(exc, match=r"batch_size must be an integer >= 1"):
        Est(batch_size=value).fit(X, y)


@pytest.mark.parametrize("Est", ALL)
@pytest.mark.parametrize(("value", "exc"), [(0, ValueError), (-1, ValueError), (10.0, TypeError)])
def test_bad_max_iter(Est, value, exc):
    X, y = _data()
    with pytest.raises(exc, match="max_iter"):
        Est(max_iter=value).fit(X, y)


@pytest.mark.parametrize(
    ("est", "match"),
    [
        (
            LogisticRegression(solver="lbfgs"),
            r"solver must be one of 'gd', 'sgd', 'newton', got solver='lbfgs'",
        ),
        (SoftmaxRegression(solver=None), "solver must be one of"),
        (MLPClassifier(solver="newton"), r"solver must be one of 'gd', 'sgd', got solver='newton'"),
        (MLPClassifier(activation="relu"), "activation must be one of 'sigmoid', 'tanh'"),
        (LinearRegression(method="qr"), "method must be one of 'lstsq', 'normal', 'gd'"),
        (LogisticRegression(alpha=-1.0), "alpha must be a finite number >= 0"),
        (LogisticRegression(tol=-1.0), "tol must be a finite number >= 0"),
        (MLPClassifier(hidden_units=0), "hidden_units must be an integer >= 1"),
        (SoftmaxRegression(lr_decay=-1.0), "lr_decay must be a finite number >= 0"),
        (LogisticRegression(n_iter_no_change=0), "n_iter_no_change must be an integer >= 1"),
    ],
)
def test_bad_hyperparameters(est, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


@pytest.mark.parametrize("Est", ALL)
def test_bad_type_hyperparameters(Est):
    X, y = _data()
    with pytest.raises(TypeError, match="progress must be True or False"):
        Est(progress="yes").fit(X, y)


@pytest.mark.parametrize("Est", ALL)
def test_sparse_input_is_a_clear_type_error(Est):
    X, y = _data()
    with pytest.raises(TypeError, match=r"Sparse data was passed for X.*toarray"):
        Est().fit(sp.csr_matrix(X), y)
    fitted = _quiet(Est()).fit(X, y)
    with pytest.raises(TypeError, match="Sparse data was passed for X"):
        fitted.predict(sp.csr_matrix(X))


@pytest.mark.parametrize("Est", ALL)
def test_object_and_complex_dtype(Est):
    X, y = _data()
    X_obj = X.astype(object)
    X_obj[0, 0] = "a string"
    with pytest.raises(ValueError, match="could not convert string to float"):
        Est().fit(X_obj, y)
    with pytest.raises(ValueError, match="Complex data not supported"):
        Est().fit(X + 1j, y)


@pytest.mark.parametrize("Est", ALL)
def test_wrong_number_of_features_at_predict(Est):
    X, y = _data(d=3)
    est = _quiet(Est()).fit(X, y)
    with pytest.raises(ValueError, match=rf"X has 2 features, but {Est.__name__} is expecting 3"):
        est.predict(X[:, :2])


@pytest.mark.parametrize("Est", ALL)
def test_predict_before_fit(Est):
    X, _ = _data()
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        if hasattr(Est, method):
            with pytest.raises(NotFittedError):
                getattr(Est(), method)(X)


@pytest.mark.parametrize("Est", ALL)
def test_all_zero_and_negative_sample_weights(Est):
    X, y = _data()
    with pytest.raises(ValueError, match="every sample_weight is zero"):
        Est().fit(X, y, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match=r"sample_weight must be nonnegative, got minimum"):
        Est().fit(X, y, sample_weight=-np.ones(len(X)))


# ============================================================================ labels, probabilities


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_any_label_type(Est):
    X, y01 = _data()
    reference = _quiet(Est(random_state=0)).fit(X, y01)
    for labels in (np.array([2, 4]), np.array(["benign", "malignant"])):
        y = labels[y01]
        est = _quiet(Est(random_state=0)).fit(X, y)
        np.testing.assert_array_equal(est.classes_, labels)
        np.testing.assert_array_equal(est.predict(X), labels[reference.predict(X)])
        np.testing.assert_array_equal(est.predict_proba(X), reference.predict_proba(X))


def test_uci_breast_cancer_coding_2_and_4():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y24 = np.where(y == 1, 2, 4)  # benign = 2, malignant = 4 as in the original UCI file
    est = LogisticRegression(alpha=1 / len(X)).fit(X, y24)
    np.testing.assert_array_equal(est.classes_, [2, 4])
    assert est.score(X, y24) > 0.98


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_probabilities_and_log_probabilities(Est):
    X, y = load_iris(return_X_y=True)
    if Est is LogisticRegression:
        X, y = X[y > 0], y[y > 0]
    est = _quiet(Est(random_state=0)).fit(X, y)
    X_far = 1e3 * X  # huge logits: some probabilities round to exactly 0
    proba = est.predict_proba(X_far)
    log_proba = est.predict_log_proba(X_far)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all(np.isfinite(log_proba))  # log_softmax / log_sigmoid, never log(0)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(np.exp(log_proba), proba, atol=1e-15)
        ok = proba > 0
        np.testing.assert_allclose(log_proba[ok], np.log(proba[ok]), rtol=1e-12)
    np.testing.assert_array_equal(est.classes_[np.argmax(proba, axis=1)], est.predict(X_far))


def test_decision_function_shapes():
    X, y = _data()
    assert LogisticRegression().fit(X, y).decision_function(X).shape == (len(X),)
    soft2 = SoftmaxRegression().fit(X, y)
    z = soft2.decision_function(X)
    assert z.shape == (len(X),)  # binary convention: z_1 - z_0
    np.testing.assert_allclose(soft2.predict_proba(X)[:, 1], 1 / (1 + np.exp(-z)))
    Xi, yi = load_iris(return_X_y=True)
    assert SoftmaxRegression().fit(Xi, yi).decision_function(Xi).shape == (150, 3)


def test_fitted_attributes():
    X, y = load_iris(return_X_y=True)
    soft = SoftmaxRegression(alpha=0.01).fit(X, y)
    assert soft.coef_.shape == (3, 4)
    assert soft.intercept_.shape == (3,)
    assert soft.n_features_in_ == 4
    # the reported (centred) parameters are the optimiser's: same loss, zero gradient
    params = np.vstack([soft.intercept_, soft.coef_.T])
    loss, grad = losses.softmax_loss_grad(params, X, y, alpha=0.01)
    assert loss == pytest.approx(soft.loss_curve_[-1], rel=1e-12)
    assert np.abs(grad).max() <= soft.tol
    assert abs(soft.intercept_.sum()) < 1e-12
    assert len(soft.loss_curve_) == soft.n_iter_ + 1
    assert soft.batch_loss_curve_ is None
    binary = LogisticRegression(fit_intercept=False).fit(*_data())
    assert binary.coef_.shape == (1, 3)
    np.testing.assert_array_equal(binary.intercept_, [0.0])
    mlp = MLPClassifier(hidden_units=5, max_iter=20, tol=1.0, random_state=0).fit(X, y)
    assert [w.shape for w in mlp.coefs_] == [(4, 5), (5, 3)]
    assert [b.shape for b in mlp.intercepts_] == [(5,), (3,)]
    assert (mlp.n_outputs_, mlp.out_activation_) == (3, "softmax")


def test_softmax_with_two_classes_equals_logistic_with_half_alpha():
    X, y = _data()
    soft = SoftmaxRegression(alpha=0.02, tol=1e-10).fit(X, y)
    logi = LogisticRegression(alpha=0.01, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(soft.predict_proba(X), logi.predict_proba(X), atol=1e-10)
    np.testing.assert_allclose(soft.coef_[1] - soft.coef_[0], logi.coef_[0], rtol=1e-8)


@pytest.mark.parametrize("Est", [LogisticRegression, SoftmaxRegression])
@pytest.mark.parametrize("solver", ["newton", "gd", "sgd"])
def test_solvers_agree(Est, solver):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if Est is LogisticRegression:
        X, y = X[y > 0], y[y > 0]
    ref = Est(alpha=0.05, tol=1e-10).fit(X, y)
    kw = dict(alpha=0.05, learning_rate=1.0, random_state=0, max_iter=5000, tol=1e-6)
    if solver == "sgd":
        kw.update(batch_size=len(X), tol=1e-12, n_iter_no_change=3)  # full batches
    est = Est(solver=solver, **kw).fit(X, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-3)


# ============================================================================ determinism


@pytest.mark.parametrize(
    "est",
    [
        # raw iris: at learning_rate=0.1 SGD ends worse than its start (DivergenceError)
        LogisticRegression(solver="sgd", max_iter=20, tol=0.1, learning_rate=0.01),
        SoftmaxRegression(solver="sgd", max_iter=20, tol=0.1),
        MLPClassifier(solver="sgd", max_iter=20, tol=0.1),
        MLPClassifier(solver="gd", max_iter=20, tol=1.0),
    ],
)
def test_same_random_state_bit_identical(est):
    X, y = load_iris(return_X_y=True)
    if isinstance(est, LogisticRegression):
        X, y = X[y > 0], y[y > 0]
    a = clone(est).set_params(random_state=3).fit(X, y)
    b = clone(est).set_params(random_state=3).fit(X, y)
    c = clone(est).set_params(random_state=4).fit(X, y)
    coef = (lambda e: e.coefs_[0]) if isinstance(est, MLPClassifier) else (lambda e: e.coef_)
    assert np.array_equal(coef(a), coef(b))
    assert np.array_equal(a.loss_curve_, b.loss_curve_)
    assert not np.array_equal(coef(a), coef(c))


# ============================================================================ MLP


def test_mlp_learns_xor_where_logistic_regression_cannot():
    X, y = make_xor(400, noise=0.03, random_state=0)  # noise 0.1 blurs ~5% across the axes
    lin = LogisticRegression().fit(X, y)
    assert lin.score(X, y) < 0.75
    mlp = MLPClassifier(hidden_units=8, learning_rate=2.0, max_iter=3000, tol=1e-3, random_state=0)
    mlp.fit(X, y)
    assert mlp.score(X, y) >= 0.97


def test_mlp_learns_moons_with_sgd():
    X, y = make_moons(300, noise=0.1, random_state=0)
    mlp = MLPClassifier(
        hidden_units=10,
        activation="tanh",
        solver="sgd",
        learning_rate=0.5,
        batch_size=16,
        max_iter=500,
        tol=1e-5,
        random_state=0,
    )
    mlp.fit(X, y)
    assert mlp.score(X, y) >= 0.97
    assert mlp.batch_loss_curve_ is not None
    assert len(mlp.batch_loss_curve_) == mlp.n_iter_ * 19  # 18 batches of 16 + one of 12


def test_mlp_fitted_gradient_via_gradcheck():
    X, y = make_xor(100, random_state=1)
    mlp = MLPClassifier(hidden_units=4, max_iter=10, tol=1.0, random_state=0).fit(X, y)
    params = {
        "W1": mlp.coefs_[0],
        "b1": mlp.intercepts_[0],
        "W2": mlp.coefs_[1],
        "b2": mlp.intercepts_[1],
    }
    v = losses.mlp_params_to_vector(params)

    def f(x):
        return losses.mlp_loss_grad(losses.mlp_vector_to_params(x, params), X, y, alpha=1e-4)[0]

    def g(x):
        grads = losses.mlp_loss_grad(losses.mlp_vector_to_params(x, params), X, y, alpha=1e-4)[1]
        return losses.mlp_params_to_vector(grads)

    assert check_gradient(f, g, v, rtol=1e-6).passed


# ============================================================================ linear objectives


@pytest.mark.parametrize("Est", [LogisticRegression, SoftmaxRegression])
def test_integer_sample_weights_equal_repeated_rows(Est):
    X, y = _data()
    sw = np.random.default_rng(0).integers(0, 3, size=len(X))
    a = Est(tol=1e-10).fit(X, y, sample_weight=sw)
    b = Est(tol=1e-10).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9)


# ============================================================================ divergence


def test_divergence_on_unscaled_breast_cancer_names_learning_rate():
    X, y = load_breast_cancer(return_X_y=True)  # features up to ~4000: unscaled
    with pytest.raises(DivergenceError, match=r"learning_rate=0\.1.*smaller.*standardise"):
        LogisticRegression(solver="gd", learning_rate=0.1).fit(X, y)
    with pytest.raises(DivergenceError, match=r"learning_rate=0\.1"):
        LogisticRegression(solver="sgd", learning_rate=0.1, random_state=0).fit(X, y)
    with pytest.raises(DivergenceError, match=r"learning_rate=0\.1"):
        LinearRegression(method="gd", learning_rate=0.1).fit(X, y.astype(float))
    # standardised, the same learning rate is fine
    Xs = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert LogisticRegression(solver="gd", learning_rate=0.1).fit(Xs, y).score(Xs, y) > 0.95


def test_progress_bar(capsys):
    X, y = _data()
    LogisticRegression(solver="newton", progress=True).fit(X, y)
    assert "Newton" in capsys.readouterr().err
    LogisticRegression(solver="newton").fit(X, y)
    assert capsys.readouterr().err == ""


# ============================================================================ linear regression


@pytest.mark.parametrize("method", ["normal", "lstsq", "gd"])
def test_linear_regression_recovers_known_weights(method):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    w = np.array([1.5, -2.0, 0.0, 3.0])
    y = 0.7 + X @ w
    reg = LinearRegression(method=method, learning_rate=0.2, max_iter=5000, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(reg.coef_, w, atol=1e-10)
    assert reg.intercept_ == pytest.approx(0.7, abs=1e-10)
    assert reg.score(X, y) == pytest.approx(1.0)
    assert reg.loss_curve_[-1] < 1e-18
    if method == "gd":
        assert reg.n_iter_ > 1
        assert np.all(np.diff(reg.loss_curve_) <= 0)


def test_linear_regression_rank_deficient():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])  # third column = sum of the first two
    y = 1.0 + X[:, 0] - X[:, 1]
    with pytest.raises(np.linalg.LinAlgError, match=r"X\^T X is singular.*method='lstsq'"):
        LinearRegression(method="normal").fit(X, y)
    reg = LinearRegression(method="lstsq").fit(X, y)
    assert reg.rank_ == 3  # intercept + 2 independent columns
    np.testing.assert_allclose(reg.predict(X), y, atol=1e-12)
    # minimum-norm solution: no weight on the redundant direction (1, 1, -1)
    assert reg.coef_ @ np.array([1.0, 1.0, -1.0]) == pytest.approx(0.0, abs=1e-12)


def test_linear_regression_weights_and_no_intercept():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(20, 2))
    y = X @ np.array([1.0, 2.0]) + rng.normal(size=20)
    sw = rng.integers(1, 4, size=20)
    for method in ("normal", "lstsq"):
        a = LinearRegression(method=method, fit_intercept=False).fit(X, y, sample_weight=sw)
        b = LinearRegression(method=method, fit_intercept=False).fit(
            np.repeat(X, sw, axis=0), np.repeat(y, sw)
        )
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10)
        assert a.intercept_ == 0.0


# ============================================================================ edge cases


@pytest.mark.parametrize("Est", ALL)
@pytest.mark.parametrize(
    ("param", "value", "exc"),
    [
        ("fit_intercept", "no", TypeError),
        ("fit_intercept", 1, TypeError),
        ("alpha", True, TypeError),
        ("alpha", "0.5", TypeError),
        ("alpha", np.nan, ValueError),
        ("progress", "yes", TypeError),
        ("random_state", "0", TypeError),
        ("random_state", 1.5, TypeError),
    ],
)
def test_bad_hyperparameters_are_refused_naming_them(Est, param, value, exc):
    est = Est()
    if param not in est.get_params():
        pytest.skip(f"{Est.__name__} has no {param}")
    X, y = _data()
    with pytest.raises(exc, match=param):
        est.set_params(**{param: value}).fit(X, y)


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_random_state_accepts_a_numpy_random_state(Est):
    X, y = _data()
    kw = {"solver": "sgd", "max_iter": 5, "tol": 0.0} if Est is not MLPClassifier else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = _quiet(Est(**kw, random_state=np.random.RandomState(3))).fit(X, y)
        b = _quiet(Est(**kw, random_state=np.random.RandomState(3))).fit(X, y)
    if Est is not MLPClassifier:
        assert a.score(X, y) > 0.8
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = _quiet(Est(**kw, random_state=np.random.RandomState(4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        c.fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))  # the seed is used


@pytest.mark.parametrize("Est", ALL)
def test_float32_input_stays_float32(Est):
    X, y = _data()
    X32 = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        kw = {"random_state": 0} if Est is MLPClassifier else {}
        est = _quiet(Est(**kw)).fit(X32, y)
        ref = _quiet(Est(**kw)).fit(X, y)
    coefs = est.coefs_ if Est is MLPClassifier else [est.coef_]
    assert all(c.dtype == np.float32 for c in coefs)
    if Est is LinearRegression:
        assert est.predict(X32).dtype == np.float32
        np.testing.assert_allclose(est.predict(X32), ref.predict(X), rtol=1e-4, atol=1e-4)
    else:
        assert est.predict_proba(X32).dtype == np.float32
        np.testing.assert_allclose(est.predict_proba(X32), ref.predict_proba(X), atol=1e-3)


@pytest.mark.parametrize("Est", ALL)
def test_sample_weights_whose_sum_overflows_fit_like_equal_weights(Est):
    X, y = _data()
    huge = np.full(len(X), 1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        kw = {"random_state": 0} if Est is MLPClassifier else {}
        a = _quiet(Est(**kw)).fit(X, y, sample_weight=huge)
        b = _quiet(Est(**kw)).fit(X, y)
    coef_a = a.coefs_[1] if Est is MLPClassifier else a.coef_
    coef_b = b.coefs_[1] if Est is MLPClassifier else b.coef_
    assert np.abs(coef_a).max() > 0.1  # not the zero model
    np.testing.assert_allclose(coef_a, coef_b, rtol=1e-8, atol=1e-10)


def test_linear_regression_gd_uses_sample_weight():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = X @ [1.0, -1.0] + np.where(X[:, 0] > 0, 3.0, 0.0) + 0.1 * rng.normal(size=80)
    sw = np.where(X[:, 0] > 0, 5.0, 0.2)
    gd = LinearRegression(method="gd", learning_rate=0.2, max_iter=5000, tol=1e-10)
    gd.fit(X, y, sample_weight=sw)
    exact = LinearRegression(method="lstsq").fit(X, y, sample_weight=sw)
    unweighted = LinearRegression(method="lstsq").fit(X, y)
    np.testing.assert_allclose(gd.coef_, exact.coef_, rtol=1e-6)
    assert np.abs(exact.coef_ - unweighted.coef_).max() > 0.1  # the weights matter here


@pytest.mark.parametrize("Est", [LogisticRegression, SoftmaxRegression])
def test_separability_check_reads_X_only_without_penalty(Est, monkeypatch):
    # With alpha > 0 an optimum always exists: fit must not spend a pass over X on the
    # separability check (issue 16). With alpha = 0 it does, and warns on separable data.
    calls = []
    original = Est._raw_logits

    def counting(self, X):
        calls.append(X.shape)
        return original(self, X)

    monkeypatch.setattr(Est, "_raw_logits", counting)
    X, y = _data()
    Est(alpha=1e-3).fit(X, y)
    assert calls == []
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    with pytest.warns(ConvergenceWarning, match="linearly separable"):
        Est(alpha=0.0, max_iter=5).fit(X, [0, 0, 1, 1])
    assert calls == [(4, 1)]


@pytest.mark.parametrize(
    "y",
    [
        np.arange(1000) % 2,
        (np.arange(500) % 256 - 128).astype(np.int8),
        (np.arange(300) % 256).astype(np.uint8),
        np.array([10**12, 5, 10**12]),  # a wide range: sorted, not counted
        np.array([2**63 + 3, 2**63 + 1], dtype=np.uint64),
        np.array([1.5, 0.5, 1.5]),
        np.array(["b", "a", "b"]),
        np.array([True, False]),
    ],
)
def test_label_encoding_is_np_unique(y):
    from lrbook._validation import encode_labels

    classes, codes = encode_labels(y)
    ref_classes, ref_codes = np.unique(y, return_inverse=True)
    assert classes.dtype == ref_classes.dtype
    assert codes.dtype == np.intp
    np.testing.assert_array_equal(classes, ref_classes)
    np.testing.assert_array_equal(codes, ref_codes.reshape(-1))


@pytest.mark.parametrize(
    "y",
    [
        np.arange(1000) % 2,
        np.arange(1000) % 7,
        (np.arange(500) % 256 - 128).astype(np.int8),
        np.array([2**63 + 3, 2**63 + 1], dtype=np.uint64),
        np.array([5]),
        np.array([True, False, True]),
    ],
)
def test_integer_targets_skip_only_what_sklearn_would_accept(y):
    # check_targets skips scikit-learn's type_of_target for 1-D integer and boolean y:
    # sound only if scikit-learn calls every such y binary or multiclass
    from sklearn.utils.multiclass import type_of_target

    from lrbook._validation import check_targets

    assert type_of_target(y) in ("binary", "multiclass")
    check_targets(y)


@pytest.mark.parametrize(
    ("y", "kind"),
    [
        (np.array([0.5, 1.0, 0.0]), "continuous"),
        (np.array([1, "a", 2.5], dtype=object), "unknown"),
    ],
)
def test_other_targets_still_go_to_sklearn(y, kind):
    from sklearn.utils.multiclass import type_of_target

    from lrbook._validation import check_targets

    assert type_of_target(y) == kind
    with pytest.raises(ValueError, match=f"Unknown label type: {kind}"):
        check_targets(y)
