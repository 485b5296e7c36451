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
    StopReason,
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

    res = sgd(
        fun_batch,
        np.zeros(1),
        n,
        batch_size=bs,
        learning_rate=0.01,
        max_iter=3,
        random_state=1,
        tol=0.0,
    )
    # the first and the last call measure the full-data loss at x0 and at the result
    assert np.array_equal(calls[0], np.arange(n))
    assert np.array_equal(calls[-1], np.arange(n))
    calls = calls[1:-1]
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
    kw = dict(batch_size=16, learning_rate=0.5, max_iter=30, tol=0.0)
    r1 = sgd(fun, np.zeros(p), n, random_state=7, **kw)
    r2 = sgd(fun, np.zeros(p), n, random_state=7, **kw)
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
    r_sgd = sgd(fun, np.zeros(p), n, batch_size=10 * n, learning_rate=0.5, max_iter=20, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        r_gd = gradient_descent(fun, np.zeros(p), learning_rate=0.5, max_iter=20, tol=0.0)
    np.testing.assert_allclose(r_sgd.x, r_gd.x, rtol=1e-12)
    np.testing.assert_allclose(r_sgd.loss_history, r_gd.loss_history[:-1], rtol=1e-12)
    # the full-data losses at the start and at the returned point
    assert r_sgd.initial_loss == r_gd.loss_history[0]
    assert r_sgd.loss == pytest.approx(r_gd.loss_history[-1], rel=1e-12)


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


# ----------------------------------------------------------------------------- stop reason


def _scripted(losses, grads):
    """fun(x) returning the next scripted (loss, grad) on each call, whatever x is."""
    calls = iter(zip(losses, grads, strict=True))

    def fun(x):
        loss, grad = next(calls)
        return loss, np.full_like(x, grad)

    return fun


def test_stop_reason_is_a_value_and_the_message_is_derived_from_it():
    cases = [
        (
            gradient_descent(quadratic, np.zeros(2), learning_rate=0.2, tol=1e-6, max_iter=500),
            StopReason.GRADIENT_TOL,
        ),
        (newton(quadratic, quadratic_hess, np.zeros(2)), StopReason.GRADIENT_TOL),
        (
            gradient_descent(quadratic, np.zeros(2), learning_rate=0.01, callback=lambda i: True),
            StopReason.CALLBACK,
        ),
    ]
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        cases.append(
            (
                gradient_descent(quadratic, np.zeros(2), learning_rate=0.01, max_iter=2),
                StopReason.MAX_ITER,
            )
        )
    for res, status in cases:
        assert res.status is status
        assert res.converged is status.converged
    assert [s.converged for s in StopReason] == [
        s in (StopReason.GRADIENT_TOL, StopReason.NO_IMPROVEMENT) for s in StopReason
    ]
    res = cases[0][0]
    assert res.message == StopReason.GRADIENT_TOL.describe(tol=1e-6, grad_norm=res.grad_norm)
    assert "tol=1e-06" in res.message
    assert cases[3][0].message == "reached max_iter=2 without meeting tol=0.0001"


def test_newton_line_search_failure_is_its_own_status():
    # every step raises the loss by a rounding-level amount, with a gradient above tol
    def fun(x):
        return (1.0 if not x.any() else 1.0 + 1e-15), np.full_like(x, 1e-3)

    with pytest.warns(ConvergenceWarning, match="line search failed"):
        res = newton(fun, lambda x: np.eye(x.size), np.zeros(2), tol=1e-8)
    assert res.status is StopReason.LINE_SEARCH
    assert not res.converged
    assert res.n_iter == 0


# ----------------------------------------------------------------------------- honest GD


def test_gd_oscillating_step_is_divergence_not_a_fit():
    # f(x) = x^2 with learning_rate=1.05 > 2/L = 1: x -> -1.1 x, the loss grows 1.21x per
    # step, slowly enough that it takes ~40 steps to pass the explosion limit
    seen = []
    with pytest.raises(DivergenceError, match=r"stayed above.*10 iterations") as err:
        gradient_descent(
            lambda x: (float(x @ x), 2 * x),
            np.ones(1),
            learning_rate=1.05,
            max_iter=200,  # patience max(10, 200 // 20) = 10 iterations
            callback=seen.append,
        )
    assert "learning_rate=1.05" in str(err.value)
    assert "standardise" in str(err.value)
    assert len(seen) == 9  # caught at the 10th iterate above the start, long before 1000x


def test_gd_patience_above_the_start_grows_with_max_iter():
    # the same oscillation with max_iter=2000 gets a patience of 100 iterations, so the
    # explosion limit (1000x the start) catches it first
    with pytest.raises(DivergenceError, match="explod"):
        gradient_descent(
            lambda x: (float(x @ x), 2 * x), np.ones(1), learning_rate=1.05, max_iter=2000
        )


def test_gd_that_overshoots_for_a_while_and_then_settles_is_not_divergence():
    # raw original breast-cancer scores, step 0.001 on the summed loss: the loss spends
    # more than 10 iterations in a row above its start early on, then converges
    from lrbook import datasets, losses

    d = datasets.load_breast_cancer_original()
    n = d.data.shape[0]
    with pytest.warns(ConvergenceWarning, match="did not converge"):  # tol=0: a budget
        res = gradient_descent(
            lambda p: losses.logistic_loss_grad(p, d.data, d.target),
            np.zeros(d.data.shape[1] + 1),
            learning_rate=1e-3 * n,
            max_iter=2000,
            tol=0.0,
        )
    h = np.asarray(res.loss_history)
    above = h > h[0]
    longest = max(len(run) for run in "".join("1" if a else "0" for a in above).split("0"))
    assert longest > 10
    assert res.loss < 0.5 * h[0]


def test_gd_short_run_that_ends_above_its_start_raises():
    with pytest.raises(DivergenceError, match=r"last iterate \(1\.772\) is above its starting"):
        gradient_descent(
            lambda x: (float(x @ x), 2 * x), np.ones(1), learning_rate=1.05, max_iter=3
        )


def test_gd_isolated_overshoots_above_the_start_are_not_divergence():
    # 12 iterates above the start, but never 10 in a row: a step that overshoots and recovers
    losses = [1.0] + [1.5, 0.9] * 12 + [0.5]
    fun = _scripted(losses, [1.0] * len(losses))
    with pytest.warns(ConvergenceWarning, match="max_iter=25"):
        res = gradient_descent(fun, np.zeros(1), learning_rate=0.1, max_iter=25)
    assert res.loss == 0.5
    assert res.n_iter == 25


def test_gd_returns_the_best_evaluated_iterate_when_tol_is_not_met():
    fun = _scripted([1.0, 0.5, 0.2, 0.6, 0.7], [1.0, 1.0, 1.0, 1.0, 1.0])
    with pytest.warns(ConvergenceWarning):
        res = gradient_descent(fun, np.zeros(1), learning_rate=0.5, max_iter=4)
    assert res.n_iter == 4
    assert res.loss == 0.2
    np.testing.assert_array_equal(res.x, [-1.0])  # x_2 = x_0 - 2 * 0.5 * 1
    np.testing.assert_array_equal(res.loss_history, [1.0, 0.5, 0.2, 0.6, 0.7])
    assert res.initial_loss == 1.0


def test_gd_never_claims_convergence_at_a_point_above_its_start():
    # the gradient vanishes (tol met) at a point whose loss is above the start
    fun = _scripted([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(DivergenceError, match="above its starting value"):
        gradient_descent(fun, np.zeros(1), learning_rate=0.1)


def test_gd_nan_gradient_is_reported_as_a_nan_gradient():
    fun = _scripted([1.0, 1.0], [1.0, np.nan])
    with pytest.raises(DivergenceError, match="gradient became non-finite") as err:
        gradient_descent(fun, np.zeros(1), learning_rate=0.1)
    assert "exploded" not in str(err.value)
    with pytest.raises(ValueError, match=r"non-finite gradient .* at the starting point"):
        gradient_descent(_scripted([1.0], [np.nan]), np.zeros(1))


# ----------------------------------------------------------------------------- honest SGD


def _flat_batch(x, idx):
    return 1.0, np.zeros_like(x)


def test_sgd_tol_zero_is_a_fixed_budget_of_epochs():
    res = sgd(_flat_batch, np.zeros(2), 10, batch_size=5, max_iter=20, tol=0.0)  # no warning
    assert res.n_iter == 20
    assert res.status is StopReason.BUDGET
    assert not res.converged
    assert "fixed budget" in res.message


def test_sgd_flat_loss_with_positive_tol_stops_after_n_iter_no_change():
    res = sgd(_flat_batch, np.zeros(2), 10, batch_size=5, max_iter=20, n_iter_no_change=3)
    assert res.n_iter == 1 + 3  # the first epoch improves on the initial best (inf)
    assert res.status is StopReason.NO_IMPROVEMENT
    assert res.converged


def test_sgd_stopping_rule_compares_with_the_best_epoch_not_the_last():
    # epoch losses 5, 8, 7, 6, 5.5: each improves on the previous epoch but none on the best
    # (5), so the rule stops after epoch 1 + n_iter_no_change; comparing with the last epoch
    # would not stop within max_iter.
    epoch_losses = [5.0, 8.0, 7.0, 6.0, 5.5, 5.2, 5.1, 5.05]
    batch_calls = []

    def fun_batch(x, idx):
        if len(idx) == 4:  # the full-data loss at x0 and at the end
            return 9.0, np.zeros_like(x)
        batch_calls.append(idx)
        return epoch_losses[(len(batch_calls) - 1) // 2], np.zeros_like(x)

    res = sgd(fun_batch, np.zeros(1), 4, batch_size=2, max_iter=8, tol=0.1, n_iter_no_change=4)
    np.testing.assert_array_equal(res.loss_history, [5.0, 8.0, 7.0, 6.0, 5.5])
    assert res.status is StopReason.NO_IMPROVEMENT


def test_sgd_learning_rate_decay_uses_the_documented_step_per_epoch():
    # f(x) = x with gradient 1 on every row: each minibatch moves x by exactly -step
    lr, decay, n_batches = 0.5, 0.25, 3
    xs = []
    sgd(
        lambda x, idx: (float(x[0]), np.ones(1)),
        np.zeros(1),
        n_batches,
        batch_size=1,
        learning_rate=lr,
        lr_decay=decay,
        max_iter=5,
        tol=0.0,
        callback=lambda info: xs.append(info.x[0]),
    )
    steps = -np.diff(np.r_[0.0, xs]) / n_batches
    np.testing.assert_allclose(steps, [lr / (1 + decay * (e - 1)) for e in range(1, 6)], rtol=1e-14)


def test_sgd_oscillating_step_is_divergence():
    # full batches: the epoch loss is the loss at the start of the epoch
    with pytest.raises(DivergenceError, match=r"stayed above.*10 epochs.*learning_rate=1\.05"):
        sgd(
            lambda x, idx: (float(x @ x), 2 * x),
            np.ones(1),
            4,
            batch_size=4,
            learning_rate=1.05,
            max_iter=100,
            tol=0.0,
        )


def test_sgd_that_ends_above_its_start_raises_even_with_falling_epoch_losses():
    full_losses = iter([1.0, 3.0])  # full-data loss at x0, then at the returned point

    def fun_batch(x, idx):
        if len(idx) == 4:
            return next(full_losses), np.zeros_like(x)
        return 0.5, np.zeros_like(x)

    with pytest.raises(DivergenceError, match=r"full-data loss\) \(3\) is above its starting"):
        sgd(fun_batch, np.zeros(1), 4, batch_size=2, learning_rate=0.1, max_iter=10)


def test_sgd_that_ends_slightly_above_its_start_warns_and_is_not_converged():
    full_losses = iter([1.0, 1.05])  # within SGD's noise margin (10% of the start)

    def fun_batch(x, idx):
        if len(idx) == 4:
            return next(full_losses), np.zeros_like(x)
        return 0.5, np.zeros_like(x)

    with pytest.warns(ConvergenceWarning, match=r"above its starting value.*learning_rate=0\.1"):
        res = sgd(fun_batch, np.zeros(1), 4, batch_size=2, learning_rate=0.1, max_iter=10)
    assert res.status is StopReason.NO_IMPROVEMENT  # the stopping rule was met ...
    assert not res.converged  # ... but at a point worse than the start
    assert res.loss == 1.05


def test_sgd_restarted_at_the_optimum_is_not_divergence():
    # a constant step keeps SGD in a noisy neighbourhood: every epoch loss is a little above
    # the loss at the optimum it started from, which is noise, not divergence
    fun, hess, p, n = _logistic_problem()
    opt = newton(fun, hess, np.zeros(p), tol=1e-12)
    with pytest.warns(ConvergenceWarning, match="above its starting value"):
        res = sgd(
            fun, opt.x, n, batch_size=8, learning_rate=0.5, max_iter=20, tol=0.0, random_state=0
        )
    assert np.all(res.loss_history > opt.loss)
    assert res.n_iter == 20
    assert opt.loss < res.loss < 1.1 * opt.loss


def test_sgd_uses_fun_for_the_full_data_losses_when_given():
    d = np.arange(10.0)
    full_calls = []

    def fun(x):
        full_calls.append(x.copy())
        return float(np.mean((x - d) ** 2)), 2 * (x - d.mean())

    def fun_batch(x, idx):
        assert len(idx) <= 5  # never called on all the data
        r = x - d[idx]
        return float(np.mean(r**2)), np.array([2 * np.mean(r)])

    res = sgd(
        fun_batch, np.zeros(1), 10, batch_size=5, learning_rate=0.1, tol=0.0, max_iter=5, fun=fun
    )
    assert len(full_calls) == 2
    assert res.initial_loss == np.mean(d**2)
    assert res.loss == float(np.mean((res.x - d) ** 2))
    assert res.loss < res.initial_loss


def test_sgd_nan_gradient_is_reported_as_a_nan_gradient():
    def fun_batch(x, idx):
        return 1.0, np.full_like(x, np.nan if len(idx) < 4 else 0.0)

    with pytest.raises(DivergenceError, match=r"gradient became non-finite .* epoch 1"):
        sgd(fun_batch, np.zeros(1), 4, batch_size=2)


def test_sgd_huge_max_iter_does_not_allocate_its_history_up_front():
    res = sgd(
        _flat_batch,
        np.zeros(1),
        10,
        batch_size=3,
        max_iter=10**12,
        tol=0.0,
        callback=lambda i: i.epoch == 3,
    )
    assert res.n_iter == 3
    assert res.batch_loss_history is not None
    assert res.batch_loss_history.shape == (3 * 4,)


# ----------------------------------------------------------------------------- Newton


def test_newton_line_search_keeps_the_loss_decreasing_where_pure_newton_overshoots():
    # f(x) = sqrt(1 + x^2): pure Newton maps x -> -x^3. From just above 1 the full step
    # lands at a point whose loss is higher, but by less than the Armijo margin: a line
    # search with the sign of its condition flipped would accept it.
    def fun(x):
        r = np.sqrt(1 + x**2)
        return float(r.sum()), x / r

    def hess(x):
        return np.diag((1 + x**2) ** -1.5)

    for x0 in (1 + 1e-5, 2.0):
        res = newton(fun, hess, np.array([x0]), tol=1e-10)
        assert res.converged
        assert abs(res.x[0]) < 1e-9
        assert np.all(np.diff(res.loss_history) <= 0)
        assert res.loss_history[1] < res.loss_history[0]


def test_newton_concave_function_is_reported_as_not_convex():
    with pytest.raises(np.linalg.LinAlgError, match=r"not positive definite.*not convex"):
        newton(lambda x: (float(-x @ x), -2 * x), lambda x: -2 * np.eye(x.size), np.ones(2))
    H = np.array([[2.0, 3.0], [3.0, 2.0]])  # positive diagonal, eigenvalues -1 and 5
    with pytest.raises(np.linalg.LinAlgError, match=r"not convex.*") as err:
        newton(lambda x: (float(0.5 * x @ H @ x), H @ x), lambda x: H, np.ones(2))
    assert "rounding" not in str(err.value)


def _logistic_fun_hess(X, y, alpha):
    """Binary cross-entropy with intercept (column 0 of X1), penalty alpha/2 on the weights."""
    n = X.shape[0]
    X1 = np.column_stack([np.ones(n), X])
    pen = np.r_[0.0, np.ones(X.shape[1])]

    def fun(w):
        z = X1 @ w
        return float(np.mean(bce_loss(y, z)) + 0.5 * alpha * (pen * w) @ w), X1.T @ bce_dz(
            y, z
        ) / n + alpha * pen * w

    def hess(w):
        return (X1.T * bce_d2z(X1 @ w)) @ X1 / n + alpha * np.diag(pen)

    return fun, hess


def _breast_cancer_std(k=5):
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :k]
    return (X - X.mean(axis=0)) / X.std(axis=0), y.astype(float)


def test_newton_is_accurate_with_a_feature_of_scale_1e9(capfd):
    from sklearn.linear_model import LogisticRegression

    X, y = _breast_cancer_std()
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    scale = np.array([1e9, 1.0, 1.0, 1e-3, 1.0])
    fun, hess = _logistic_fun_hess(X * scale, y, 0.0)
    res = newton(fun, hess, np.zeros(6), tol=1e-6)
    assert res.converged
    # maximum likelihood is equivariant: scaling a feature divides its weight
    np.testing.assert_allclose(res.x[0], ref.intercept_[0], rtol=1e-6)
    np.testing.assert_allclose(res.x[1:] * scale, ref.coef_[0], rtol=1e-6)
    assert capfd.readouterr().err == ""


def test_newton_is_accurate_with_a_huge_penalty(capfd):
    X, y = _breast_cancer_std()
    fun, hess = _logistic_fun_hess(X, y, 1e14)
    res = newton(fun, hess, np.zeros(6), tol=1e-14)
    assert res.converged
    # the weights are crushed to ~0 and the intercept is the log-odds of the base rate
    p = y.mean()
    np.testing.assert_allclose(res.x[0], np.log(p / (1 - p)), rtol=1e-12)
    assert np.max(np.abs(res.x[1:])) < 1e-12
    assert capfd.readouterr().err == ""


def test_newton_with_an_overflowing_hessian_says_the_data_are_badly_scaled(capfd):
    X, y = _breast_cancer_std()
    X[0, 0] = 1e308
    fun, hess = _logistic_fun_hess(X, y, 1e-4)
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(ValueError, match=r"hess returned .* inf.*badly scaled.*standardise"),
    ):
        newton(fun, hess, np.zeros(6))
    assert capfd.readouterr().err == ""


# ----------------------------------------------------------------------------- callables


def _bad_grad(x):
    return float(x @ x), np.zeros(x.size + 1)


def _array_loss(x):
    return x * x, 2 * x


@pytest.mark.parametrize(
    ("fun", "exc", "match"),
    [
        (
            _bad_grad,
            ValueError,
            r"fun returned a gradient of shape \(3,\) for parameters of shape \(2,\)",
        ),
        (_array_loss, ValueError, r"fun must return a real scalar loss.*shape \(2,\)"),
        (lambda x: float(x @ x), TypeError, r"fun must return a tuple \(loss, grad\)"),
        (None, TypeError, "fun must be a callable"),
    ],
)
def test_trainers_check_what_fun_returns(fun, exc, match):
    with pytest.raises(exc, match=match):
        gradient_descent(fun, np.zeros(2))
    with pytest.raises(exc, match=match):
        newton(fun, quadratic_hess, np.zeros(2))
    batch = None if fun is None else (lambda x, idx: fun(x))
    with pytest.raises(exc, match=match.replace("fun ", "fun_batch ")):
        sgd(batch, np.zeros(2), 10)


@pytest.mark.parametrize(
    ("hess", "exc", "match"),
    [
        (lambda x: np.eye(3), ValueError, r"hess returned an array of shape \(3, 3\).*\(2, 2\)"),
        (lambda x: np.full((2, 2), np.nan), ValueError, "hess returned a Hessian with NaN"),
        (lambda x: np.array([[3.0, 1.0], [0.0, 2.0]]), ValueError, "not symmetric"),
        (None, TypeError, "hess must be a callable"),
    ],
)
def test_newton_checks_what_hess_returns(hess, exc, match):
    with pytest.raises(exc, match=match):
        newton(quadratic, hess, np.zeros(2))


@pytest.mark.parametrize("value", ["no", 1, None])
def test_boolean_arguments_must_be_booleans(value):
    with pytest.raises(TypeError, match="line_search must be True or False"):
        newton(quadratic, quadratic_hess, np.zeros(2), line_search=value)
    with pytest.raises(TypeError, match="progress must be True or False"):
        gradient_descent(quadratic, np.zeros(2), progress=value)


def test_newton_nan_gradient_after_the_start_is_reported_as_a_nan_gradient():
    def fun(x):
        return float(x @ x), (2 * x if x[0] == 1.0 else np.full_like(x, np.nan))

    with pytest.raises(DivergenceError, match=r"non-finite gradient \(NaN or inf\) at step 1"):
        newton(fun, lambda x: 2 * np.eye(x.size), np.ones(2))


# ----------------------------------------------------------------- Newton, combined callback


def test_newton_combined_callback_gives_the_same_iterates_with_one_call_per_step():
    fun, hess, p, _ = _logistic_problem()
    calls = []

    def fun_hess(w):
        calls.append(w)
        return (*fun(w), hess(w))

    separate = newton(fun, hess, np.zeros(p), tol=1e-12)
    combined = newton(fun_hess, True, np.zeros(p), tol=1e-12)
    np.testing.assert_array_equal(combined.x, separate.x)
    np.testing.assert_array_equal(combined.loss_history, separate.loss_history)
    # from zero every full Newton step is accepted here: one evaluation per point
    assert len(calls) == combined.n_iter + 1


def test_newton_combined_callback_must_return_three_values():
    fun, _, p, _ = _logistic_problem()
    with pytest.raises(ValueError, match=r"hess=True, fun must return \(loss, grad, hessian\)"):
        newton(fun, True, np.zeros(p))
