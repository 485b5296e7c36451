"""Softmax Newton-CG (issue 16): the transposed layout and the Hessian-vector products.

The same objective and stopping rule as the exact-Hessian Newton: the two paths are
compared on the same data, and the operator on the dense Hessian it replaces.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from lrbook import _objectives as O
from lrbook._newton_step import HessianOperator, cg_direction
from lrbook.models import SoftmaxRegression
from lrbook.optim import StopReason, newton


def _data(n=400, d=4, k=3, seed=0, scale=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((d, k))
    Z = X @ W
    if scale is not None:
        X = X * scale
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    y = (rng.random((n, 1)) > np.cumsum(P, axis=1)).sum(axis=1).clip(0, k - 1)
    return X, y


def _objectives(X, y, sw=None, alpha=0.01, fit_intercept=True):
    k = int(y.max()) + 1
    T = O.MULTINOMIAL.encode(y, k, np.float64)
    args = (X, T, sw, alpha, fit_intercept, O.MULTINOMIAL)
    return O.LinearObjective(*args), O.TransposedSoftmaxObjective(*args)


@pytest.mark.parametrize("alpha", [0.0, 0.01])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_transposed_objective_matches_and_hessian_products_match_dense(
    alpha, fit_intercept, weighted
):
    X, y = _data()
    rng = np.random.default_rng(1)
    sw = rng.random(X.shape[0]) * 2 if weighted else None
    dense, cg = _objectives(X, y, sw, alpha, fit_intercept)
    params = 0.3 * rng.standard_normal((X.shape[1] + fit_intercept, 3))
    (l0, g0), (l1, g1) = dense.fun(params), cg.fun(params)
    assert l1 == pytest.approx(l0, rel=1e-14)
    np.testing.assert_allclose(g1, g0, rtol=1e-12, atol=1e-15)
    H = dense.newton_hess(params)
    op = cg.newton_hess(params)
    assert isinstance(op, HessianOperator)
    assert op.size == params.size
    for _ in range(3):
        v = rng.standard_normal(params.size)
        np.testing.assert_allclose(op.matvec(v), H @ v, rtol=1e-11, atol=1e-13)
        # the preconditioner is symmetric positive definite
        r = op.precondition(v)
        assert v @ r > 0
        u = rng.standard_normal(params.size)
        assert u @ op.precondition(v) == pytest.approx(v @ op.precondition(u), rel=1e-9)


@pytest.mark.parametrize(
    ("alpha", "scale", "weighted"),
    [
        (1e-3, None, False),
        (1e-3, None, True),
        (0.0, None, False),
        (1e-3, np.array([1.0, 1e4, 1e-3, 1.0]), False),  # badly scaled features
    ],
)
def test_newton_cg_fit_equals_exact_newton_fit(monkeypatch, alpha, scale, weighted):
    X, y = _data(scale=scale)
    sw = np.random.default_rng(2).random(X.shape[0]) + 0.5 if weighted else None
    exact = SoftmaxRegression(alpha=alpha, tol=1e-10).fit(X, y, sample_weight=sw)
    monkeypatch.setattr(O, "HESSIAN_FREE_MIN_ROWS", 0)
    seen = []
    orig = O.TransposedSoftmaxObjective.newton_hess
    monkeypatch.setattr(
        O.TransposedSoftmaxObjective,
        "newton_hess",
        lambda self, p: seen.append(1) or orig(self, p),
    )
    fast = SoftmaxRegression(alpha=alpha, tol=1e-10).fit(X, y, sample_weight=sw)
    assert seen, "the Newton-CG path did not run"
    assert fast.converged_
    assert exact.converged_
    np.testing.assert_allclose(fast.coef_, exact.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fast.intercept_, exact.intercept_, rtol=1e-7, atol=1e-9)
    assert fast.coef_.dtype == np.float64
    assert abs(fast.loss_curve_[-1] - exact.loss_curve_[-1]) <= 1e-13 * exact.loss_curve_[-1]


def test_newton_cg_reports_max_iter_honestly(monkeypatch):
    monkeypatch.setattr(O, "HESSIAN_FREE_MIN_ROWS", 0)
    X, y = _data()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        est = SoftmaxRegression(alpha=1e-3, tol=1e-12, max_iter=1).fit(X, y)
    assert not est.converged_
    assert est.n_iter_ == 1


def test_estimator_picks_newton_cg_for_newton_on_many_rows_only(monkeypatch):
    built = []

    def init(self, *args, **kwargs):
        built.append(args[0].shape[0])
        O.LinearObjective.__init__(self, *args, **kwargs)

    monkeypatch.setattr(O.TransposedSoftmaxObjective, "__init__", init)
    monkeypatch.setattr(O, "HESSIAN_FREE_MIN_ROWS", 300)
    X, y = _data()
    for solver in ("gd", "sgd", "newton"):
        SoftmaxRegression(solver=solver, max_iter=200, tol=1.0).fit(X[:299], y[:299])
    assert built == []
    SoftmaxRegression(solver="gd", max_iter=200, tol=1.0).fit(X, y)
    assert built == []
    with pytest.raises(AttributeError):  # the stub above builds no Xt1
        SoftmaxRegression(max_iter=1).fit(X, y)
    assert built == [400]


def test_cg_direction_solves_and_refuses_negative_curvature():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    H = A @ A.T + 6 * np.eye(6)
    g = rng.standard_normal(6) * 1e-6  # small gradient: the forcing term asks for accuracy
    op = HessianOperator(lambda v: H @ v, lambda r: r / np.diag(H), 6)
    d, k = cg_direction(op, g, 0)
    assert k <= 12
    assert g @ d > 0
    np.testing.assert_allclose(H @ d, g, rtol=0, atol=1e-3 * np.linalg.norm(g))
    neg = HessianOperator(lambda v: -v, lambda r: r, 6)
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        cg_direction(neg, g, 0)
    zero = HessianOperator(lambda v: 0 * v, lambda r: r, 6)
    with pytest.raises(np.linalg.LinAlgError, match="separable"):
        cg_direction(zero, g, 0)


def test_newton_with_an_operator_minimises_a_quadratic():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    res = newton(
        lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b),
        lambda x: HessianOperator(lambda v: A @ v, lambda r: r, 2),
        np.zeros(2),
        tol=1e-12,
    )
    assert res.status is StopReason.GRADIENT_TOL
    np.testing.assert_allclose(A @ res.x, b, atol=1e-12)
