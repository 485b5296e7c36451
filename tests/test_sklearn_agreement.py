"""lrbook's estimators reach scikit-learn's optimum on the bundled real data.

scikit-learn's ``LogisticRegression(C=C)`` minimises ``C * sum(loss) + ||w||^2 / 2``,
which is ``n C`` times lrbook's ``mean(loss) + alpha/2 ||w||^2`` with
``alpha = 1 / (C n)``.  Before comparing coefficients, each test checks that both
solutions reach the same objective value (a loose solver tolerance stops visibly short).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

from lrbook.losses import logistic_loss_grad, softmax_loss_grad
from lrbook.models import LogisticRegression, SoftmaxRegression


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _sklearn_fit(X, y, C=1.0):
    return SkLogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)


def _binary_params(est):
    return np.r_[est.intercept_, est.coef_.ravel()]


def _softmax_params(est):
    # intercept row first (lrbook.losses layout); intercepts centred: softmax ignores a
    # common shift, and the penalty already makes the coefficients sum to zero over classes
    return np.vstack([est.intercept_ - est.intercept_.mean(), est.coef_.T])


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.fixture(scope="module")
def cancer_reference(cancer):
    X, y = cancer
    sk = _sklearn_fit(X, y)
    return sk, _binary_params(sk)


@pytest.fixture(scope="module")
def iris_reference(iris):
    X, y = iris
    sk = _sklearn_fit(X, y)
    return sk, _softmax_params(sk)


def test_newton_matches_sklearn_breast_cancer(cancer, cancer_reference):
    X, y = cancer
    sk, ref = cancer_reference
    alpha = 1 / len(X)
    ours = LogisticRegression(solver="newton", alpha=alpha, tol=1e-10).fit(X, y)
    f_ours = logistic_loss_grad(_binary_params(ours), X, y, alpha=alpha)[0]
    f_sk = logistic_loss_grad(ref, X, y, alpha=alpha)[0]
    assert f_ours == pytest.approx(f_sk, rel=1e-12)  # same optimum first ...
    assert _rel(_binary_params(ours), ref) < 1e-6  # ... then the same coefficients
    assert ours.converged_
    assert ours.n_iter_ <= 12
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-9)


def test_gd_matches_sklearn_breast_cancer(cancer, cancer_reference):
    X, y = cancer
    _, ref = cancer_reference
    ours = LogisticRegression(
        solver="gd", learning_rate=1.0, max_iter=5000, alpha=1 / len(X), tol=1e-6
    ).fit(X, y)
    assert ours.converged_
    assert _rel(_binary_params(ours), ref) < 1e-3
    assert np.all(np.diff(ours.loss_curve_) <= 1e-15)  # monotone at this step size


def test_sgd_matches_sklearn_breast_cancer(cancer, cancer_reference):
    X, y = cancer
    _, ref = cancer_reference
    sgd = LogisticRegression(
        solver="sgd",
        learning_rate=1.0,
        lr_decay=0.01,  # a constant step only reaches a noisy neighbourhood of the optimum
        batch_size=64,
        max_iter=3000,
        n_iter_no_change=3000,  # run every epoch
        alpha=1 / len(X),
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="3000 epochs"):
        sgd.fit(X, y)
    assert _rel(_binary_params(sgd), ref) < 1e-3
    assert sgd.batch_loss_curve_.shape == (3000 * 9,)  # 8 full batches + 1 partial per epoch


def test_newton_matches_sklearn_iris_two_classes(iris):
    X, y = iris
    mask = y > 0  # versicolor vs virginica: overlapping classes
    X2, y2 = X[mask], y[mask]
    sk = _sklearn_fit(X2, y2, C=10.0)
    ours = LogisticRegression(alpha=1 / (10.0 * len(X2)), tol=1e-10).fit(X2, y2)
    assert _rel(_binary_params(ours), _binary_params(sk)) < 1e-6
    np.testing.assert_array_equal(ours.classes_, [1, 2])


def test_softmax_newton_matches_sklearn_multinomial(iris, iris_reference):
    X, y = iris
    sk, ref = iris_reference
    alpha = 1 / len(X)
    ours = SoftmaxRegression(solver="newton", alpha=alpha, tol=1e-10).fit(X, y)
    f_ours = softmax_loss_grad(_softmax_params(ours), X, y, alpha=alpha)[0]
    f_sk = softmax_loss_grad(ref, X, y, alpha=alpha)[0]
    assert f_ours == pytest.approx(f_sk, rel=1e-12)
    # with the penalty on every class, both solutions have rows summing to zero over classes
    np.testing.assert_allclose(ours.coef_.sum(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(sk.coef_.sum(axis=0), 0, atol=1e-8)
    assert _rel(_softmax_params(ours), ref) < 1e-6
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-8)


def test_softmax_gd_and_sgd_match_sklearn_multinomial(iris, iris_reference):
    X, y = iris
    _, ref = iris_reference
    alpha = 1 / len(X)
    gd = SoftmaxRegression(
        solver="gd", learning_rate=2.0, max_iter=20000, alpha=alpha, tol=1e-6
    ).fit(X, y)
    assert gd.converged_
    assert _rel(_softmax_params(gd), ref) < 1e-3
    sgd = SoftmaxRegression(
        solver="sgd",
        learning_rate=1.0,
        lr_decay=0.01,
        batch_size=50,  # three equal minibatches per epoch
        max_iter=2000,
        n_iter_no_change=2000,
        alpha=alpha,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        sgd.fit(X, y)
    assert _rel(_softmax_params(sgd), ref) < 1e-3


def test_separable_breast_cancer_without_penalty_is_reported(cancer):
    X, y = cancer
    # Newton drives the loss towards 0 while the weights grow without bound ...
    with pytest.warns(ConvergenceWarning, match="linearly separable"):
        newton = LogisticRegression(solver="newton", alpha=0.0).fit(X, y)
    assert not newton.converged_
    assert newton.score(X, y) == 1.0
    assert np.abs(newton.coef_).max() > 100
    # ... and a tighter tolerance only makes them larger: there is no optimum to converge to.
    with pytest.warns(ConvergenceWarning, match="linearly separable"):
        tighter = LogisticRegression(solver="newton", alpha=0.0, tol=1e-10).fit(X, y)
    assert np.linalg.norm(tighter.coef_) > 2 * np.linalg.norm(newton.coef_)
    # Gradient descent never meets tol: the gradient shrinks only as fast as the loss.
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        gd = LogisticRegression(solver="gd", alpha=0.0, learning_rate=1.0, max_iter=300).fit(X, y)
    assert not gd.converged_
    assert gd.loss_curve_[-1] < gd.loss_curve_[len(gd.loss_curve_) // 2]  # still decreasing
    # With scikit-learn's C=1 penalty the same data have a unique, finite optimum.
    penalised = LogisticRegression(solver="newton", alpha=1 / len(X)).fit(X, y)
    assert penalised.converged_
