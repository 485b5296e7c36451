"""Tests for lrbook._objectives: the one implementation of every loss, gradient and Hessian.

lrbook.losses and lrbook.models both call these objectives, so these are the tests
that used to be parity tests between the two.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lrbook import _objectives as O
from lrbook import losses
from lrbook._primitives import log_softmax, sigmoid
from lrbook.gradcheck import check_gradient, numerical_gradient, relative_error
from lrbook.models import LogisticRegression, MLPClassifier, SoftmaxRegression


def _problem(multinomial, fit_intercept, weighted, n=200, d=3, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    codes = rng.integers(0, 3 if multinomial else 2, size=n)
    family = O.MULTINOMIAL if multinomial else O.BINARY
    T = family.encode(codes, 3 if multinomial else 2, np.float64)
    sw = rng.uniform(0.2, 3.0, size=n) if weighted else None
    p = d + fit_intercept
    params = rng.normal(size=(p, 3) if multinomial else p)
    return X, T, sw, params, family


def _naive_loss(X, T, sw, params, fit_intercept, alpha, multinomial):
    """The objective written out directly (no blocks, no kernels) as the reference."""
    X1 = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
    Z = X1 @ params
    if multinomial:
        per = -np.sum(T * log_softmax(Z), axis=1)
    else:
        per = -(T * np.log(sigmoid(Z)) + (1 - T) * np.log(sigmoid(-Z)))
    s = np.ones(len(X)) if sw is None else sw
    W = params[fit_intercept:]
    return float(np.sum(s * per) / np.sum(s) + 0.5 * alpha * np.sum(W * W))


@pytest.mark.parametrize("multinomial", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_linear_objective_loss_gradient_and_hessian(multinomial, fit_intercept, weighted):
    X, T, sw, params, family = _problem(multinomial, fit_intercept, weighted)
    obj = O.LinearObjective(X, T, sw, 0.1, fit_intercept, family)
    loss, grad = obj.fun(params)
    ref = _naive_loss(X, T, sw, params, fit_intercept, 0.1, multinomial)
    assert loss == pytest.approx(ref, rel=1e-12)

    def f(v):
        return obj.fun(v.reshape(params.shape))[0]

    result = check_gradient(
        f, lambda v: obj.fun(v.reshape(params.shape))[1].ravel(), params.ravel()
    )
    assert result.passed, str(result)
    assert grad.shape == params.shape
    H = obj.hess(params)
    H_fd = numerical_gradient(lambda v: obj.fun(v.reshape(params.shape))[1].ravel()[0], params)
    assert relative_error(H[0], H_fd.ravel()) < 1e-6
    rows = np.stack(
        [
            numerical_gradient(
                lambda v, i=i: obj.fun(v.reshape(params.shape))[1].ravel()[i], params
            ).ravel()
            for i in range(params.size)
        ]
    )
    assert relative_error(H, rows) < 1e-6
    np.testing.assert_array_equal(H, H.T)


@pytest.mark.parametrize("multinomial", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_small_blocks_give_the_one_block_numbers(monkeypatch, multinomial, weighted):
    # 200 rows in blocks of 7 (gradient) and 64 (Hessian, its minimum): an overlapping
    # block, a skipped block or a Hessian block assigned instead of added changes the result
    X, T, sw, params, family = _problem(multinomial, True, weighted)
    one = O.LinearObjective(X, T, sw, 0.1, True, family)
    loss1, grad1 = one.fun(params)
    H1 = one.hess(params)
    K = 3 if multinomial else 1
    monkeypatch.setattr(O, "BLOCK_BYTES", 7 * X.shape[1] * K * 8)
    monkeypatch.setattr(O, "HESS_BLOCK_MNK", 1)
    small = O.LinearObjective(X, T, sw, 0.1, True, family)
    assert small.step == 7
    assert O.hess_rows_per_block(X.shape[1]) == 64
    loss2, grad2 = small.fun(params)
    assert loss2 == pytest.approx(loss1, rel=1e-13)
    np.testing.assert_allclose(grad2, grad1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(small.hess(params), H1, rtol=1e-12, atol=1e-15)
    assert loss2 == pytest.approx(_naive_loss(X, T, sw, params, True, 0.1, multinomial), rel=1e-12)


def test_minibatch_is_the_weighted_mean_of_its_rows():
    X, T, sw, params, family = _problem(False, True, True)
    obj = O.LinearObjective(X, T, sw, 0.1, True, family)
    idx = np.array([3, 1, 7, 150])
    loss, _ = obj.fun_batch(params, idx)
    per = losses.binary_cross_entropy(T[idx], params[0] + X[idx] @ params[1:], reduction="none")
    # weights are rescaled to mean one over all the data, not per batch (unbiased estimate)
    s = sw * (len(sw) / sw.sum())
    penalty = 0.05 * params[1:] @ params[1:]
    assert loss == pytest.approx(np.mean(s[idx] * per) + penalty, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_newton_hessian_adds_the_gauge_projector_only(alpha):
    X, T, sw, params, family = _problem(True, True, False)
    obj = O.LinearObjective(X, T, sw, alpha, True, family)
    diff = obj.newton_hess(params) - obj.hess(params)
    gauge = np.zeros_like(diff)
    rows = range(params.shape[0]) if alpha == 0 else range(1)
    for j in rows:
        gauge[3 * j : 3 * j + 3, 3 * j : 3 * j + 3] = 1 / 3
    np.testing.assert_allclose(diff, gauge, atol=1e-15)
    binary = O.LinearObjective(X, T[:, 1], sw, alpha, True, O.BINARY)
    np.testing.assert_array_equal(binary.newton_hess(params[:, 0]), binary.hess(params[:, 0]))


@pytest.mark.parametrize("n_out", [1, 3])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_mlp_objective_gradient_matches_finite_differences(n_out, activation):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(25, 3))
    codes = rng.integers(0, max(n_out, 2), size=25)
    T = O.MULTINOMIAL.encode(codes, max(n_out, 2), np.float64)[:, -n_out:]
    sw = rng.uniform(0.5, 2.0, size=25)
    obj = O.MLPObjective(X, T, sw, 0.03, 4, activation)
    v = losses.mlp_params_to_vector(losses.mlp_init(3, 4, n_out, random_state=0))
    v[12:16] = rng.normal(size=4)  # nonzero hidden biases
    result = check_gradient(lambda x: obj.fun(x)[0], lambda x: obj.fun(x)[1], v)
    assert result.passed, str(result)


def test_sample_weights_whose_sum_overflows_are_rescaled():
    X, T, _, params, family = _problem(False, True, False)
    plain = O.LinearObjective(X, T, None, 0.1, True, family).fun(params)
    huge = O.LinearObjective(X, T, np.full(len(X), 1e308), 0.1, True, family).fun(params)
    assert huge[0] == pytest.approx(plain[0], rel=1e-12)
    np.testing.assert_allclose(huge[1], plain[1], rtol=1e-12)


def _every_loss(family_name, X, y):
    """The first loss each public entry point computes, for one family of models."""
    mlp = {"hidden_units": 2, "max_iter": 1, "random_state": 0, "alpha": 0.0}
    init = losses.mlp_init(X.shape[1], 2, 1 if family_name == "BINARY" else 3, random_state=0)
    if family_name == "BINARY":
        return [
            losses.logistic_loss_grad(np.zeros(3), X, y)[0],
            losses.binary_cross_entropy(y, X[:, 0]),
            losses.mlp_loss_grad(init, X, y)[0],
            LogisticRegression(solver="gd", max_iter=1).fit(X, y).loss_curve_[0],
            MLPClassifier(**mlp).fit(X, y).loss_curve_[0],
        ]
    return [
        losses.softmax_loss_grad(np.ones((3, 3)), X, y)[0],
        losses.cross_entropy(y, X @ np.ones((2, 3))),
        losses.mlp_loss_grad(init, X, y)[0],
        SoftmaxRegression(solver="gd", max_iter=1).fit(X, y).loss_curve_[0],
        MLPClassifier(**mlp).fit(X, y).loss_curve_[0],
    ]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("family_name", ["BINARY", "MULTINOMIAL"])
def test_patching_the_objective_changes_losses_and_models(monkeypatch, family_name):
    # every loss of a family goes through its record: doubling its kernels doubles them all,
    # in lrbook.losses and in lrbook.models alike
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int) + (family_name == "MULTINOMIAL") * (X[:, 1] > 0)
    before = _every_loss(family_name, X, y)
    original = getattr(O, family_name)
    doubled = dataclasses.replace(
        original,
        loss=lambda T, Z: 2 * original.loss(T, Z),
        loss_dz=lambda T, Z: tuple(2 * a for a in original.loss_dz(T, Z)),
    )
    monkeypatch.setattr(O, family_name, doubled)
    after = _every_loss(family_name, X, y)
    np.testing.assert_allclose(after, 2 * np.array(before), rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Est", [LogisticRegression, SoftmaxRegression])
@pytest.mark.parametrize("solver", ["newton", "gd"])
def test_estimators_fit_the_same_with_small_blocks(monkeypatch, Est, solver):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(size=300) > 0).astype(int) + (X[:, 3] > 1)
    if Est is LogisticRegression:
        y = (y > 0).astype(int)
    sw = rng.uniform(0.5, 2.0, size=300)
    kw = {"solver": solver, "alpha": 0.01, "max_iter": 50 if solver == "newton" else 300}
    ref = Est(**kw).fit(X, y, sample_weight=sw)
    monkeypatch.setattr(O, "BLOCK_BYTES", 11 * 4 * 8)  # 11 (or 3) rows per gradient block
    monkeypatch.setattr(O, "HESS_BLOCK_MNK", 1)  # 64 rows per Hessian block: 5 blocks
    small = Est(**kw).fit(X, y, sample_weight=sw)
    assert small.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(small.loss_curve_, ref.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(small.coef_, ref.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_estimator_minimises_the_objective_with_its_alpha():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    mlp = MLPClassifier(hidden_units=3, alpha=0.5, max_iter=5, tol=1e-12, random_state=0)
    mlp.fit(X, y)
    params = {
        "W1": mlp.coefs_[0],
        "b1": mlp.intercepts_[0],
        "W2": mlp.coefs_[1],
        "b2": mlp.intercepts_[1],
    }
    loss = losses.mlp_loss_grad(params, X, y, alpha=0.5)[0]
    assert mlp.loss_curve_[-1] == pytest.approx(loss, rel=1e-12)
