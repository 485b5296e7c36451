"""Tests for lrbook.optim: gradient descent, minibatch SGD and Newton's method."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from lrbook.kernels import bce_d2z, bce_dz, bce_loss
from lrbook.optim import (
    DivergenceError,
    IterationInfo,
    OptimizeResult,
    gradient_descent,
    newton,
    sgd,
)

# ----------------------------------------------------------------------------- problems

A = np.array([[3.0, 1.0], [1.0, 2.0]])
B = np.array([1.0, -1.0])
X_STAR = np.linalg.solve(A, B)


def quadratic(x):
    """f(x) = x'Ax/2 - b'x, minimum at A^{-1} b; L-smooth with L = max eig(A) ~ 3.6."""
    return float(0.5 * x @ A @ x - B @ x), A @ x - B


def quadratic_hess(x):
    return A


def _logistic_problem(n=200, d=3, seed=0, alpha=0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w_true = np.array([1.5, -2.0, 0.5])[:d]
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w_true + 0.3)))).astype(float)
    X1 = np.column_stack([np.ones(n), X])
    pen = np.r_[0.0, np.ones(d)]

    def fun(w, idx=None):
        Xb, yb = (X1, y) if idx is None else (X1[idx], y[idx])
        z = Xb @ w
        loss = float(np.mean(bce_loss(yb, z))) + 0.5 * alpha * float(w[1:] @ w[1:])
        return loss, Xb.T @ bce_dz(yb, z) / len(yb) + alpha * pen * w

    def hess(w):
        s = bce_d2z(X1 @ w)
        return (X1.T * s) @ X1 / n + alpha * np.diag(pen)

    return fun, hess, d + 1, n


# ----------------------------------------------------------------------------- gradient descent


def test_gd_quadratic_converges_with_documented_rule():
    seen: list[IterationInfo] = []
    res = gradient_descent(
        quadratic, np.zeros(2), learning_rate=0.2, tol=1e-8, max_iter=1000, callback=seen.append
    )
    assert isinstance(res, OptimizeResult)
    assert res.converged
    np.testing.assert_allclose(res.x, X_STAR, atol=1e-7)
    # stopping rule: stop at the first iterate whose gradient inf-norm is <= tol
    assert res.grad_norm <= 1e-8
    assert seen[-2].grad_norm > 1e-8
    assert len(res.loss_history) == res.n_iter + 1 == len(seen) + 1
    assert np.all(np.diff(res.loss_history) <= 1e-15)  # step below 2/L: monotone decrease
    assert [info.epoch for info in seen] == list(range(1, res.n_iter + 1))
    assert res.loss == res.loss_history[-1]


def test_gd_does_not_modify_x0():
    x0 = np.zeros(2)
    gradient_descent(quadratic, x0, learning_rate=0.2, tol=1e-6, max_iter=500)
    assert np.all(x0 == 0)


def test_gd_convergence_warning_when_max_iter_reached():
    with pytest.warns(ConvergenceWarning, match=r"max_iter=3"):
        res = gradient_descent(quadratic, np.zeros(2), learning_rate=0.01, max_iter=3)
    assert not res.converged
    assert res.n_iter == 3
    assert len(res.loss_history) == 4


def test_gd_divergence_error_names_learning_rate():
    with pytest.raises(DivergenceError, match=r"learning_rate=1\.0.*smaller.*learning_rate=0\.1"):
        gradient_descent(quadratic, np.ones(2), learning_rate=1.0, max_iter=1000)


def test_gd_divergence_on_nan_loss():
    def fun(x):
        return (float("nan") if x[0] > 0.5 else float(x @ x)), -np.ones_like(x)

    with pytest.raises(DivergenceError, match="non-finite"):
        gradient_descent(fun, np.zeros(1), learning_rate=1.0, max_iter=5)
    assert issubclass(DivergenceError, FloatingPointError)


def test_gd_callback_can_stop_early_without_warning():
    res = gradient_descent(
        quadratic,
        np.zeros(2),
        learning_rate=0.01,
        max_iter=100,
        callback=lambda info: info.epoch >= 3,
    )
    assert res.n_iter == 3
    assert not res.converged
    assert res.message == "stopped by callback"


def test_gd_logistic_matches_newton():
    fun, hess, p, _ = _logistic_problem()
    r_gd = gradient_descent(fun, np.zeros(p), learning_rate=1.0, max_iter=5000, tol=1e-9)
    r_nt = newton(fun, hess, np.zeros(p), tol=1e-12)
    assert r_gd.converged
    assert r_nt.converged
    np.testing.assert_allclose(r_gd.x, r_nt.x, rtol=1e-7, atol=1e-8)


def test_progress_bar_writes_to_stderr(capsys):
    gradient_descent(quadratic, np.zeros(2), learning_rate=0.2, max_iter=500, progress=True)
    assert "gradient descent" in capsys.readouterr().err
    gradient_descent(quadratic, np.zeros(2), learning_rate=0.2, max_iter=500, progress=False)
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- SGD


def test_sgd_reshuffles_every_epoch_and_uses_last_partial_batch():
    n, bs = 23, 5
    calls: list[np.ndarray] = []
    d = np.arange(float(n))

    def fun_batch(x, idx):
        calls.append(idx.copy())
        r = x - d[idx]
        return float(np.mean(r**2)), np.array([2 * np.mean(r)])

    with pytest.warns(ConvergenceWarning):
        res = sgd(
            fun_batch, np.zeros(1), n, batch_size=bs, learning_rate=0.01, max_iter=3, random_state=1
        )
    calls = calls[1:]  # the first call measures the reference loss at x0
    n_batches = math.ceil(n / bs)
    assert len(calls) == 3 * n_batches
    assert [len(c) for c in calls[:n_batches]] == [5, 5, 5, 5, 3]  # last partial batch used
    epochs = [np.concatenate(calls[e * n_batches : (e + 1) * n_batches]) for e in range(3)]
    for perm in epochs:
        assert sorted(perm) == list(range(n))  # every sample exactly once per epoch
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[1], epochs[2])
    assert res.batch_loss_history is not None
    assert res.batch_loss_history.shape == (3 * n_batches,)
    # epoch loss = mean of that epoch's minibatch losses
    np.testing.assert_allclose(
        res.loss_history, res.batch_loss_history.reshape(3, n_batches).mean(axis=1)
    )


def test_sgd_same_seed_bit_identical_different_seed_differs():
    fun, _, p, n = _logistic_problem()
    kw = dict(batch_size=16, learning_rate=0.5, max_iter=30, tol=0.0, n_iter_no_change=1000)
    with pytest.warns(ConvergenceWarning):
        r1 = sgd(fun, np.zeros(p), n, random_state=7, **kw)
    with pytest.warns(ConvergenceWarning):
        r2 = sgd(fun, np.zeros(p), n, random_state=7, **kw)
    with pytest.warns(ConvergenceWarning):
        r3 = sgd(fun, np.zeros(p), n, random_state=8, **kw)
    assert np.array_equal(r1.x, r2.x)
    assert np.array_equal(r1.loss_history, r2.loss_history)
    assert np.array_equal(r1.batch_loss_history, r2.batch_loss_history)
    assert not np.array_equal(r1.x, r3.x)


def test_sgd_stopping_rule_no_improvement_epochs():
    fun, _, p, n = _logistic_problem()
    res = sgd(
        fun,
        np.zeros(p),
        n,
        batch_size=n,
        learning_rate=1.0,
        max_iter=10_000,
        tol=1e-6,
        n_iter_no_change=3,
    )
    assert res.converged
    h = res.loss_history
    # the last 3 epochs did not beat the best earlier loss by more than tol
    for k in range(len(h) - 3, len(h)):
        assert h[k] > h[:k].min() - 1e-6
    assert h[-4] <= h[:-4].min() - 1e-6  # ... and the epoch before them did improve
    assert res.n_iter < 10_000


def test_sgd_full_batch_equals_gradient_descent():
    fun, _, p, n = _logistic_problem()
    with pytest.warns(ConvergenceWarning):
        r_sgd = sgd(
            fun,
            np.zeros(p),
            n,
            batch_size=10 * n,
            learning_rate=0.5,
            max_iter=20,
            tol=0.0,
            n_iter_no_change=100,
        )
    with pytest.warns(ConvergenceWarning):
        r_gd = gradient_descent(fun, np.zeros(p), learning_rate=0.5, max_iter=20, tol=0.0)
    np.testing.assert_allclose(r_sgd.x, r_gd.x, rtol=1e-12)
    np.testing.assert_allclose(r_sgd.loss_history, r_gd.loss_history[:-1], rtol=1e-12)


def test_sgd_batch_size_one_reaches_logistic_optimum_roughly():
    fun, hess, p, n = _logistic_problem()
    opt = newton(fun, hess, np.zeros(p), tol=1e-12).x
    res = sgd(fun, np.zeros(p), n, batch_size=1, learning_rate=0.01, max_iter=200, random_state=0)
    np.testing.assert_allclose(res.x, opt, atol=0.05)


def test_sgd_callback_and_progress(capsys):
    fun, _, p, n = _logistic_problem()
    seen: list[IterationInfo] = []

    def cb(info):
        seen.append(info)
        return info.epoch == 4

    res = sgd(
        fun,
        np.zeros(p),
        n,
        batch_size=32,
        learning_rate=0.1,
        max_iter=50,
        random_state=0,
        callback=cb,
        progress=True,
    )
    assert [i.epoch for i in seen] == [1, 2, 3, 4]
    assert res.n_iter == 4
    assert res.message == "stopped by callback"
    assert math.isnan(seen[0].grad_norm)
    np.testing.assert_array_equal(seen[-1].x, res.x)
    assert "SGD" in capsys.readouterr().err


def test_sgd_divergence_error_names_learning_rate():
    def fun_batch(x, idx):
        return float(50 * x @ x), 100 * x

    with pytest.raises(DivergenceError, match=r"learning_rate=0\.5"):
        sgd(
            fun_batch, np.ones(2), 10, batch_size=2, learning_rate=0.5, max_iter=100, random_state=0
        )


# ----------------------------------------------------------------------------- Newton


def test_newton_quadratic_one_step():
    res = newton(quadratic, quadratic_hess, np.zeros(2))
    assert res.n_iter == 1
    assert res.converged
    np.testing.assert_allclose(res.x, X_STAR, rtol=1e-14)


def test_newton_logistic_quadratic_convergence():
    fun, hess, p, _ = _logistic_problem()
    seen: list[IterationInfo] = []
    res = newton(fun, hess, np.zeros(p), tol=1e-12, callback=seen.append)
    assert res.converged
    assert res.n_iter <= 8
    norms = [info.grad_norm for info in seen]
    # quadratic convergence near the optimum: the error roughly squares each step
    assert norms[-1] < 1e-12
    assert norms[-2] < 1e-4
    assert len(res.loss_history) == res.n_iter + 1


def test_newton_line_search_rescues_divergent_pure_newton():
    # f(x) = sqrt(1 + x^2): pure Newton from |x0| > 1 diverges (x -> -x^3).
    def fun(x):
        with np.errstate(over="ignore", invalid="ignore"):  # pure Newton overflows on purpose
            r = np.sqrt(1 + x**2)
            return float(r.sum()), x / r

    def hess(x):
        with np.errstate(over="ignore"):
            return np.diag((1 + x**2) ** -1.5)

    res = newton(fun, hess, np.array([2.0]), tol=1e-10)
    assert res.converged
    assert abs(res.x[0]) < 1e-9
    with pytest.raises(DivergenceError):
        newton(fun, hess, np.array([2.0]), line_search=False, max_iter=20)


def test_newton_singular_hessian_uses_least_squares():
    # a duplicated column makes the Hessian singular without a penalty
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 2))
    X1 = np.column_stack([np.ones(100), X, X[:, 0]])
    y = (rng.random(100) < 1 / (1 + np.exp(-X[:, 0] + X[:, 1]))).astype(float)

    def fun(w):
        z = X1 @ w
        return float(np.mean(bce_loss(y, z))), X1.T @ bce_dz(y, z) / 100

    def hess(w):
        return (X1.T * bce_d2z(X1 @ w)) @ X1 / 100

    res = newton(fun, hess, np.zeros(4), tol=1e-10)
    assert res.converged
    assert res.x[1] == pytest.approx(res.x[3], rel=1e-4)  # the tied weights share evenly


def test_newton_convergence_warning():
    fun, hess, p, _ = _logistic_problem()
    with pytest.warns(ConvergenceWarning, match=r"max_iter=1"):
        res = newton(fun, hess, np.zeros(p), max_iter=1, tol=1e-14)
    assert not res.converged
    assert res.n_iter == 1


def test_newton_progress(capsys):
    newton(quadratic, quadratic_hess, np.zeros(2), progress=True)
    assert "Newton" in capsys.readouterr().err


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("value", "exc"),
    [
        (0, ValueError),
        (-0.1, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        ("0.1", TypeError),
        (True, TypeError),
        (None, TypeError),
    ],
)
def test_bad_learning_rate(value, exc):
    with pytest.raises(exc, match="learning_rate"):
        gradient_descent(quadratic, np.zeros(2), learning_rate=value)
    with pytest.raises(exc, match="learning_rate"):
        sgd(lambda x, i: quadratic(x), np.zeros(2), 10, learning_rate=value)


@pytest.mark.parametrize(
    ("value", "exc"),
    [(0, ValueError), (-3, ValueError), (1.5, TypeError), (10.0, TypeError), (False, TypeError)],
)
def test_bad_max_iter(value, exc):
    for call in (
        lambda: gradient_descent(quadratic, np.zeros(2), max_iter=value),
        lambda: sgd(lambda x, i: quadratic(x), np.zeros(2), 10, max_iter=value),
        lambda: newton(quadratic, quadratic_hess, np.zeros(2), max_iter=value),
    ):
        with pytest.raises(exc, match="max_iter"):
            call()


@pytest.mark.parametrize(
    ("value", "exc"), [(0, ValueError), (-1, ValueError), (2.0, TypeError), ("32", TypeError)]
)
def test_bad_batch_size(value, exc):
    with pytest.raises(exc, match="batch_size"):
        sgd(lambda x, i: quadratic(x), np.zeros(2), 10, batch_size=value)


@pytest.mark.parametrize(
    ("value", "exc"), [(-1e-3, ValueError), (float("nan"), ValueError), ("1e-4", TypeError)]
)
def test_bad_tol(value, exc):
    with pytest.raises(exc, match="tol"):
        gradient_descent(quadratic, np.zeros(2), tol=value)
    with pytest.raises(exc, match="tol"):
        newton(quadratic, quadratic_hess, np.zeros(2), tol=value)


def test_bad_start_and_callback():
    with pytest.raises(ValueError, match="x0"):
        gradient_descent(quadratic, np.array([np.nan, 0.0]))
    with pytest.raises(ValueError, match="non-finite loss"):
        gradient_descent(lambda x: (np.inf, x), np.zeros(2))
    with pytest.raises(TypeError, match="callback"):
        gradient_descent(quadratic, np.zeros(2), callback=3)
    with pytest.raises(ValueError, match="n_samples"):
        sgd(lambda x, i: quadratic(x), np.zeros(2), 0)
