"""lrbook.losses: gradients vs finite differences, known values, reductions, sklearn parity,
Hessians, the blocked gradient, the network and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.metrics import log_loss

from lrbook import _objectives as O
from lrbook import kernels as K
from lrbook import losses as L
from lrbook._primitives import sigmoid, softmax
from lrbook.gradcheck import check_gradient, numerical_gradient, relative_error


def make_data(n, d, n_classes=2, seed=0, weighted=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, n_classes, size=n)
    if n_classes == 2:
        y[:2] = [0, 1]  # both classes present
    sw = rng.uniform(0.1, 3.0, size=n) if weighted else None
    return X, y, sw, rng


# ------------------------------------------------------------------ gradients vs central differences
@pytest.mark.parametrize(("n", "d"), [(7, 3), (30, 5), (50, 1)])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_logistic_gradient_matches_central_differences(n, d, fit_intercept, alpha, weighted):
    X, y, sw, rng = make_data(n, d, seed=n + d, weighted=weighted)
    params = rng.normal(size=d + fit_intercept)

    def f(p):
        return L.logistic_loss_grad(p, X, y, alpha, fit_intercept, sw)[0]

    def g(p):
        return L.logistic_loss_grad(p, X, y, alpha, fit_intercept, sw)[1]

    res = check_gradient(f, g, params, rtol=1e-6)
    assert res.passed, str(res)


@pytest.mark.parametrize(("n", "d", "k"), [(9, 3, 3), (25, 4, 4), (12, 2, 2)])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_gradient_matches_central_differences(n, d, k, fit_intercept, alpha, weighted):
    X, y, sw, rng = make_data(n, d, k, seed=n * k, weighted=weighted)
    params = rng.normal(size=(d + fit_intercept, k))

    def f(p):
        return L.softmax_loss_grad(p, X, y, alpha, fit_intercept, sw)[0]

    def g(p):
        return L.softmax_loss_grad(p, X, y, alpha, fit_intercept, sw)[1]

    res = check_gradient(f, g, params, rtol=1e-6)
    assert res.passed, str(res)


def test_softmax_labels_and_one_hot_agree():
    X, y, _, rng = make_data(15, 3, 4, seed=3)
    params = rng.normal(size=(4, 4))
    a = L.softmax_loss_grad(params, X, y)
    b = L.softmax_loss_grad(params, X, np.eye(4)[y])
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])


# ------------------------------------------------------------------ known values
def test_known_values():
    assert L.binary_cross_entropy([1], [0.0]) == pytest.approx(math.log(2), rel=1e-15)
    assert L.binary_cross_entropy([0, 1], [0.0, 0.0], reduction="sum") == pytest.approx(
        2 * math.log(2), rel=1e-15
    )
    # log(1 + e^-2) by hand
    assert L.binary_cross_entropy([1], [2.0]) == pytest.approx(math.log1p(math.exp(-2)), rel=1e-15)
    assert L.binary_cross_entropy([0], [1000.0]) == 1000.0
    assert L.binary_cross_entropy([1], [1000.0]) == 0.0
    assert L.cross_entropy([1], np.zeros((1, 5))) == pytest.approx(math.log(5), rel=1e-15)
    # two-class softmax with logits (z, 0) is the binary loss with logit z
    z = np.array([-3.0, 0.5, 7.0])
    Z = np.column_stack([z, np.zeros(3)])
    np.testing.assert_allclose(
        L.cross_entropy([0, 1, 0], Z, reduction="none"),
        L.binary_cross_entropy([1, 0, 1], z, reduction="none"),
        rtol=1e-12,  # logsumexp(Z) - z_y cancels for the dominant class (kernel ce_loss)
    )
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
    y = np.array([1, 0, 1])
    loss, grad = L.logistic_loss_grad(np.zeros(3), X, y)
    assert loss == pytest.approx(math.log(2), rel=1e-15)
    X1 = np.column_stack([np.ones(3), X])
    np.testing.assert_allclose(grad, X1.T @ (0.5 - y) / 3, rtol=1e-15)
    H = L.logistic_hessian(np.zeros(3), X)
    np.testing.assert_allclose(H, X1.T @ X1 * 0.25 / 3, rtol=1e-15)


def test_penalty_excludes_intercept():
    X, y, _, rng = make_data(20, 3, seed=1)
    params = rng.normal(size=4)
    l0, g0 = L.logistic_loss_grad(params, X, y)
    l1, g1 = L.logistic_loss_grad(params, X, y, alpha=0.5)
    assert l1 - l0 == pytest.approx(0.25 * float(params[1:] @ params[1:]), rel=1e-12)
    assert g1[0] == g0[0]
    np.testing.assert_allclose(g1[1:] - g0[1:], 0.5 * params[1:], rtol=1e-12)


# ------------------------------------------------------------------ reductions and weights
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_reductions(kind):
    rng = np.random.default_rng(5)
    n = 11
    if kind == "binary":
        fn, y, z = L.binary_cross_entropy, rng.integers(0, 2, n), rng.normal(scale=4, size=n)
    else:
        fn, y, z = L.cross_entropy, rng.integers(0, 3, n), rng.normal(scale=4, size=(n, 3))
    none = fn(y, z, reduction="none")
    assert none.shape == (n,)
    assert np.all(none >= 0)
    assert fn(y, z, reduction="sum") == pytest.approx(n * fn(y, z), rel=1e-14)
    assert fn(y, z, reduction="sum") == pytest.approx(float(np.sum(none)), rel=1e-14)
    w = rng.uniform(0, 2, n)
    assert fn(y, z, sample_weight=w) == pytest.approx(float(w @ none / w.sum()), rel=1e-14)
    np.testing.assert_allclose(fn(y, z, reduction="none", sample_weight=w), w * none)
    # integer weights = repeated samples
    reps = np.array([1, 2] * 5 + [3])
    rep_z = np.repeat(z, reps, axis=0)
    assert fn(y, z, sample_weight=reps) == pytest.approx(fn(np.repeat(y, reps), rep_z), rel=1e-14)


def test_weighted_logistic_equals_repeated_rows():
    X, y, _, rng = make_data(12, 2, seed=9)
    reps = rng.integers(1, 4, size=12)
    params = rng.normal(size=3)
    a = L.logistic_loss_grad(params, X, y, alpha=0.1, sample_weight=reps)
    b = L.logistic_loss_grad(params, np.repeat(X, reps, axis=0), np.repeat(y, reps), alpha=0.1)
    assert a[0] == pytest.approx(b[0], rel=1e-13)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-12)


# ------------------------------------------------------------------ parity with scikit-learn
def test_binary_cross_entropy_equals_sklearn_log_loss():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    z = rng.normal(scale=3, size=200)
    w = rng.uniform(0.5, 2, 200)
    assert L.binary_cross_entropy(y, z) == pytest.approx(log_loss(y, sigmoid(z)), rel=1e-12)
    assert L.binary_cross_entropy(y, z, sample_weight=w) == pytest.approx(
        log_loss(y, sigmoid(z), sample_weight=w), rel=1e-12
    )


def test_cross_entropy_equals_sklearn_log_loss():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 4, 100)
    Z = rng.normal(scale=3, size=(100, 4))
    assert L.cross_entropy(y, Z) == pytest.approx(
        log_loss(y, softmax(Z), labels=[0, 1, 2, 3]), rel=1e-12
    )


def test_alpha_corresponds_to_sklearn_C():
    data = load_breast_cancer()
    X = (data.data - data.data.mean(0)) / data.data.std(0)
    y = data.target
    C = 1.0
    sk = SkLogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    params = np.concatenate([sk.intercept_, sk.coef_.ravel()])
    _, grad = L.logistic_loss_grad(params, X, y, alpha=1.0 / (C * len(y)))
    assert np.max(np.abs(grad)) < 1e-7  # scikit-learn's optimum is ours


# ------------------------------------------------------------------ Hessians
def jacobian_of(grad, x):
    x = np.asarray(x, dtype=float)
    flat = x.ravel()
    rows = []
    for i in range(flat.size):
        rows.append(numerical_gradient(lambda v, i=i: float(grad(v).ravel()[i]), x).ravel())
    return np.array(rows)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_logistic_hessian(fit_intercept, alpha, weighted):
    X, y, sw, rng = make_data(25, 3, seed=2, weighted=weighted)
    params = rng.normal(size=3 + fit_intercept)
    H = L.logistic_hessian(params, X, alpha, fit_intercept, sw)
    assert H.shape == (params.size, params.size)
    num = jacobian_of(lambda p: L.logistic_loss_grad(p, X, y, alpha, fit_intercept, sw)[1], params)
    assert relative_error(H, num) < 1e-6
    np.testing.assert_array_equal(H, H.T)
    assert np.linalg.eigvalsh(H).min() > -1e-12
    if alpha:
        assert np.linalg.eigvalsh(H).min() > 0


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_hessian(fit_intercept, alpha, weighted):
    X, y, sw, rng = make_data(20, 2, 3, seed=4, weighted=weighted)
    params = rng.normal(size=(2 + fit_intercept, 3))
    H = L.softmax_hessian(params, X, alpha, fit_intercept, sw)
    p = params.size
    assert H.shape == (p, p)
    num = jacobian_of(lambda q: L.softmax_loss_grad(q, X, y, alpha, fit_intercept, sw)[1], params)
    assert relative_error(H, num) < 1e-6
    np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-15)
    eig = np.linalg.eigvalsh(H)
    assert eig.min() > -1e-12
    if alpha == 0:
        # adding the same vector to every class's parameters changes nothing: singular
        assert eig.min() < 1e-12


# ------------------------------------------------------------------ blocked gradient
def naive_grad(params, X, y):
    X1 = np.column_stack([np.ones(len(X)), X])
    return X1.T @ (sigmoid(X1 @ params) - y) / len(y)


def test_blocked_gradient_equals_naive_with_small_blocks(monkeypatch):
    X, y, _, rng = make_data(103, 3, seed=7)
    params = rng.normal(size=4)
    monkeypatch.setattr(O, "BLOCK_BYTES", 7 * 3 * 8)  # 7 rows per block, 103 = 14 * 7 + 5
    assert O.rows_per_block(3) == 7
    loss, grad = L.logistic_loss_grad(params, X, y)
    assert relative_error(grad, naive_grad(params, X, y)) < 1e-12
    z = np.column_stack([np.ones(103), X]) @ params
    assert loss == pytest.approx(float(np.mean(K.bce_loss(y, z))), rel=1e-12)
    Y = np.eye(3)[rng.integers(0, 3, 103)]
    P = rng.normal(size=(4, 3))
    got = L.softmax_loss_grad(P, X, Y)
    monkeypatch.setattr(O, "BLOCK_BYTES", 1 << 20)
    ref = L.softmax_loss_grad(P, X, Y)
    assert got[0] == pytest.approx(ref[0], rel=1e-12)
    assert relative_error(got[1], ref[1]) < 1e-12


def test_blocked_gradient_equals_naive_default_blocks():
    d = 2
    rows = O.rows_per_block(d)
    n = 2 * rows + 17  # three blocks, the last one partial
    X, y, _, rng = make_data(n, d, seed=8)
    params = rng.normal(size=d + 1)
    _, grad = L.logistic_loss_grad(params, X, y)
    assert relative_error(grad, naive_grad(params, X, y)) < 1e-12


def test_float32_is_kept():
    X, y, _, rng = make_data(40, 3, seed=11)
    X32 = X.astype(np.float32)
    p32 = rng.normal(size=4).astype(np.float32)
    loss, grad = L.logistic_loss_grad(p32, X32, y)
    assert grad.dtype == np.float32
    assert isinstance(loss, float)
    _, grad64 = L.logistic_loss_grad(p32.astype(np.float64), X, y)
    np.testing.assert_allclose(grad, grad64, rtol=1e-4, atol=1e-6)
    assert L.logistic_hessian(p32, X32).dtype == np.float32
    assert L.logistic_loss_grad(p32, X, y)[1].dtype == np.float64  # mixed -> float64
    P32 = rng.normal(size=(4, 3)).astype(np.float32)
    assert L.softmax_loss_grad(P32, X32, y % 3)[1].dtype == np.float32
    assert L.softmax_hessian(P32, X32).dtype == np.float32
    assert L.binary_cross_entropy(y, X32[:, 0], reduction="none").dtype == np.float32


def test_returns_fresh_arrays_and_does_not_modify_inputs():
    X, y, _, rng = make_data(10, 2, seed=12)
    params = rng.normal(size=3)
    before = (params.copy(), X.copy(), y.copy())
    L.logistic_loss_grad(params, X, y, alpha=0.1)
    L.logistic_hessian(params, X, alpha=0.1)
    for a, b in zip(before, (params, X, y), strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ one-hidden-layer network
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_mlp_gradient_matches_gradcheck(n_outputs, activation, alpha, weighted):
    n, d, h = 13, 3, 4
    X, y, sw, _ = make_data(n, d, max(n_outputs, 2), seed=21, weighted=weighted)
    params = L.mlp_init(d, h, n_outputs, random_state=3)
    params["b1"] = np.linspace(-0.5, 0.5, h)  # nonzero biases so their gradient is exercised
    params["b2"] = np.linspace(-0.2, 0.3, n_outputs)
    x0 = L.mlp_params_to_vector(params)

    def f(v):
        return L.mlp_loss_grad(L.mlp_vector_to_params(v, params), X, y, alpha, activation, sw)[0]

    def g(v):
        grads = L.mlp_loss_grad(L.mlp_vector_to_params(v, params), X, y, alpha, activation, sw)[1]
        return L.mlp_params_to_vector(grads)

    res = check_gradient(f, g, x0, rtol=1e-6)
    assert res.passed, str(res)


def test_mlp_forward_shapes_and_outputs():
    X, _, _, _ = make_data(6, 2, seed=0)
    p1 = L.mlp_init(2, 5, 1, random_state=0)
    c = L.mlp_forward(p1, X)
    assert c["z1"].shape == c["a1"].shape == (6, 5)
    assert c["z2"].shape == c["out"].shape == (6, 1)
    np.testing.assert_array_equal(c["out"], sigmoid(c["z2"]))
    p3 = L.mlp_init(2, 5, 3, random_state=0)
    c3 = L.mlp_forward(p3, X, activation="tanh")
    np.testing.assert_allclose(c3["out"].sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(c3["a1"], np.tanh(X @ p3["W1"] + p3["b1"]))
    # BCE of the network equals binary_cross_entropy on its output logit
    y = np.array([0, 1, 1, 0, 1, 0])
    loss, _ = L.mlp_loss_grad(p1, X, y)
    assert loss == pytest.approx(L.binary_cross_entropy(y, c["z2"][:, 0]), rel=1e-14)
    loss3, _ = L.mlp_loss_grad(p3, X, y * 2, activation="tanh")
    assert loss3 == pytest.approx(L.cross_entropy(y * 2, c3["z2"]), rel=1e-14)
    # Y as (n, 1) and labels / one-hot give the same result
    assert L.mlp_loss_grad(p1, X, y[:, None])[0] == loss
    assert L.mlp_loss_grad(p3, X, np.eye(3)[y * 2], activation="tanh")[0] == loss3


def test_mlp_init_seeded_and_glorot_scaled():
    a = L.mlp_init(4, 6, 2, random_state=7)
    b = L.mlp_init(4, 6, 2, random_state=7)
    c = L.mlp_init(4, 6, 2, random_state=8)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["W1"], c["W1"])
    assert np.all(np.abs(a["W1"]) <= math.sqrt(6 / 10))
    assert np.all(np.abs(a["W2"]) <= math.sqrt(6 / 8))
    assert np.all(a["b1"] == 0)
    assert np.all(a["b2"] == 0)
    assert L.mlp_init(2, 2, 1, random_state=np.random.default_rng(0))["W1"].shape == (2, 2)


def test_mlp_vector_round_trip():
    p = L.mlp_init(3, 4, 2, random_state=0)
    v = L.mlp_params_to_vector(p)
    assert v.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    back = L.mlp_vector_to_params(v, p)
    for k in p:
        np.testing.assert_array_equal(back[k], p[k])
    back["W1"][0, 0] = 99.0
    assert v[0] != 99.0  # copies, not views


# ------------------------------------------------------------------ bad input
X3 = np.zeros((3, 2))
Y3 = np.array([0, 1, 0])
P3 = np.zeros(3)
MLP = L.mlp_init(2, 3, 1, random_state=0)

BAD = [
    (
        "bce-reduction",
        lambda: L.binary_cross_entropy(Y3, np.zeros(3), reduction="avg"),
        ValueError,
        "reduction.*'avg'",
    ),
    (
        "bce-labels",
        lambda: L.binary_cross_entropy([0, 2, 1], np.zeros(3)),
        ValueError,
        r"y must contain only 0 and 1.*2",
    ),
    (
        "bce-nan-label",
        lambda: L.binary_cross_entropy([0, np.nan, 1], np.zeros(3)),
        ValueError,
        "y must contain only 0 and 1",
    ),
    (
        "bce-length",
        lambda: L.binary_cross_entropy([0, 1], np.zeros(3)),
        ValueError,
        "y has 2 entries.*3 samples",
    ),
    (
        "bce-ndim",
        lambda: L.binary_cross_entropy(Y3, np.zeros((3, 2))),
        ValueError,
        r"logits must be a 1-D.*\(3, 2\)",
    ),
    (
        "bce-nonfinite",
        lambda: L.binary_cross_entropy(Y3, [0.0, np.inf, 1.0]),
        ValueError,
        "logits contains 1 NaN or infinite",
    ),
    (
        "bce-strings",
        lambda: L.binary_cross_entropy(["a", "b", "a"], np.zeros(3)),
        TypeError,
        "y must be a real numeric",
    ),
    (
        "ce-labels",
        lambda: L.cross_entropy([0, 3, 1], np.zeros((3, 3))),
        ValueError,
        r"y must contain integer labels in \[0, 3\).*3",
    ),
    ("ce-negative", lambda: L.cross_entropy([0, -1, 1], np.zeros((3, 3))), ValueError, r"\[0, 3\)"),
    (
        "ce-fractional",
        lambda: L.cross_entropy([0, 0.5, 1], np.zeros((3, 3))),
        ValueError,
        r"integer labels",
    ),
    (
        "ce-onehot-cols",
        lambda: L.cross_entropy(np.eye(2)[[0, 1, 0]], np.zeros((3, 3))),
        ValueError,
        "y has 2 columns",
    ),
    (
        "ce-not-onehot",
        lambda: L.cross_entropy(np.ones((3, 3)), np.zeros((3, 3))),
        ValueError,
        "not one-hot",
    ),
    (
        "ce-logits-ndim",
        lambda: L.cross_entropy(Y3, np.zeros(3)),
        ValueError,
        "logits must be a 2-D",
    ),
    (
        "ce-reduction",
        lambda: L.cross_entropy(Y3, np.zeros((3, 2)), reduction=None),
        ValueError,
        "reduction",
    ),
    (
        "X-1d",
        lambda: L.logistic_loss_grad(P3, np.zeros(3), Y3),
        ValueError,
        r"X must be a 2-D.*\(3,\).*reshape",
    ),
    (
        "X-empty",
        lambda: L.logistic_loss_grad(P3, np.zeros((0, 2)), []),
        ValueError,
        "X has 0 samples",
    ),
    (
        "X-nan",
        lambda: L.logistic_loss_grad(P3, np.array([[0, 1], [np.nan, 0], [1, 1]]), Y3),
        ValueError,
        "X contains 1 NaN",
    ),
    (
        "X-complex",
        lambda: L.logistic_loss_grad(P3, X3 + 1j, Y3),
        TypeError,
        "X must be a real numeric array.*complex",
    ),
    (
        "X-sparse",
        lambda: L.logistic_loss_grad(P3, __import__("scipy.sparse").sparse.csr_matrix(X3), Y3),
        TypeError,
        "sparse",
    ),
    ("y-length", lambda: L.logistic_loss_grad(P3, X3, [0, 1]), ValueError, "y has 2 entries"),
    (
        "y-labels",
        lambda: L.logistic_loss_grad(P3, X3, [1, 2, 1]),
        ValueError,
        "y must contain only 0 and 1",
    ),
    (
        "params-shape",
        lambda: L.logistic_loss_grad(np.zeros(2), X3, Y3),
        ValueError,
        r"params must have shape \(3,\).*fit_intercept=True.*\(2,\)",
    ),
    (
        "params-noint",
        lambda: L.logistic_loss_grad(P3, X3, Y3, fit_intercept=False),
        ValueError,
        r"params must have shape \(2,\)",
    ),
    (
        "params-nan",
        lambda: L.logistic_loss_grad(np.array([0, np.nan, 0]), X3, Y3),
        ValueError,
        "params contains",
    ),
    (
        "alpha-neg",
        lambda: L.logistic_loss_grad(P3, X3, Y3, alpha=-1),
        ValueError,
        "alpha must be a finite number >= 0.*-1",
    ),
    ("alpha-nan", lambda: L.logistic_hessian(P3, X3, alpha=np.nan), ValueError, "alpha"),
    (
        "sw-shape",
        lambda: L.logistic_loss_grad(P3, X3, Y3, sample_weight=[1, 1]),
        ValueError,
        r"sample_weight must be None or a 1-D array of shape \(3,\)",
    ),
    (
        "sw-neg",
        lambda: L.logistic_loss_grad(P3, X3, Y3, sample_weight=[1, -1, 1]),
        ValueError,
        "sample_weight must be nonnegative",
    ),
    (
        "sw-zero",
        lambda: L.logistic_hessian(P3, X3, sample_weight=[0, 0, 0]),
        ValueError,
        "every sample_weight is zero",
    ),
    (
        "softmax-params-1d",
        lambda: L.softmax_loss_grad(P3, X3, Y3),
        ValueError,
        "params must be a 2-D",
    ),
    (
        "softmax-params-rows",
        lambda: L.softmax_loss_grad(np.zeros((2, 3)), X3, Y3),
        ValueError,
        r"params must have shape \(3, 3\)",
    ),
    (
        "softmax-Y-range",
        lambda: L.softmax_loss_grad(np.zeros((3, 2)), X3, [0, 1, 2]),
        ValueError,
        r"Y must contain integer labels in \[0, 2\)",
    ),
    (
        "softmax-hess-params",
        lambda: L.softmax_hessian(np.zeros((2, 2)), X3),
        ValueError,
        "params must have shape",
    ),
    (
        "mlp-activation",
        lambda: L.mlp_forward(MLP, X3, activation="relu"),
        ValueError,
        "activation must be.*'relu'",
    ),
    (
        "mlp-missing",
        lambda: L.mlp_loss_grad({"W1": MLP["W1"]}, X3, Y3),
        ValueError,
        "params is missing",
    ),
    ("mlp-not-dict", lambda: L.mlp_forward([1, 2], X3), TypeError, "params must be a dict"),
    (
        "mlp-b1-shape",
        lambda: L.mlp_forward({**MLP, "b1": np.zeros(4)}, X3),
        ValueError,
        r"params\['b1'\] must have shape \(3,\)",
    ),
    (
        "mlp-features",
        lambda: L.mlp_forward(MLP, np.zeros((3, 5))),
        ValueError,
        "params\\['W1'\\] has 2 rows but X has 5 features",
    ),
    (
        "mlp-Y-binary",
        lambda: L.mlp_loss_grad(MLP, X3, [0, 1, 2]),
        ValueError,
        "Y must contain only 0 and 1",
    ),
    (
        "mlp-Y-multi",
        lambda: L.mlp_loss_grad(L.mlp_init(2, 3, 3), X3, [0, 1, 3]),
        ValueError,
        r"Y must contain integer labels in \[0, 3\)",
    ),
    (
        "mlp-init-units",
        lambda: L.mlp_init(2, 0, 1),
        ValueError,
        "hidden_units must be an integer >= 1, got hidden_units=0",
    ),
    (
        "mlp-vector-size",
        lambda: L.mlp_vector_to_params(np.zeros(5), MLP),
        ValueError,
        "vec must be a 1-D array of 13",
    ),
]


@pytest.mark.parametrize(("case", "call", "exc", "match"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_parameter(case, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("zero_weight", [True, False])
def test_nonfinite_X_found_in_any_block(monkeypatch, bad, zero_weight):
    # the blocked gradients check each block's logits instead of a separate pass over X
    monkeypatch.setattr(O, "BLOCK_BYTES", 5 * 3 * 8)  # 5 rows per block
    X, y, _, rng = make_data(23, 3, seed=13)
    X[21, 1] = bad  # in the last, partial block
    params = rng.normal(size=4)
    if zero_weight:
        params[2] = 0.0  # inf * 0 is NaN: still caught
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite"):
        L.logistic_loss_grad(params, X, y)
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite"):
        L.softmax_loss_grad(np.column_stack([params, -params]), X, y)


def test_overflowing_logits_are_reported():
    X = np.full((3, 2), 1e300)
    with pytest.raises(ValueError, match=r"overflowed.*standardise X"):
        L.logistic_loss_grad(np.array([0.0, 1e300, 1e300]), X, Y3)


# ------------------------------------------------------------------ edge cases
@pytest.mark.parametrize(
    "call",
    [
        lambda: L.binary_cross_entropy([], []),
        lambda: L.cross_entropy(np.zeros(0, dtype=int), np.zeros((0, 3))),
    ],
)
def test_empty_input_is_a_value_error_naming_the_logits(call):
    with pytest.raises(ValueError, match="logits is empty"):
        call()


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"alpha": True}, TypeError, "alpha=True"),
        ({"alpha": "0.5"}, TypeError, "alpha='0.5'"),
        ({"alpha": np.nan}, ValueError, "alpha=nan"),
        ({"fit_intercept": "no"}, TypeError, "fit_intercept='no'"),
        ({"fit_intercept": 0}, TypeError, "fit_intercept=0"),
    ],
)
@pytest.mark.parametrize("fn", ["logistic_loss_grad", "logistic_hessian"])
def test_booleans_and_strings_are_never_numbers_or_flags(kwargs, exc, match, fn):
    X, y, _, _ = make_data(10, 2, seed=0)
    args = (np.zeros(3), X, y) if fn == "logistic_loss_grad" else (np.zeros(3), X)
    with pytest.raises(exc, match=match):
        getattr(L, fn)(*args, **kwargs)


def test_mlp_alpha_and_activation_are_checked_like_everywhere_else():
    params = L.mlp_init(2, 3, 1, random_state=0)
    X = np.zeros((4, 2))
    y = np.array([0, 1, 0, 1])
    with pytest.raises(TypeError, match="alpha=True"):
        L.mlp_loss_grad(params, X, y, alpha=True)
    with pytest.raises(ValueError, match="activation must be one of 'sigmoid', 'tanh'"):
        L.mlp_loss_grad(params, X, y, activation="relu")


def test_mlp_init_accepts_a_numpy_random_state():
    a = L.mlp_init(2, 3, 1, random_state=np.random.RandomState(0))
    b = L.mlp_init(2, 3, 1, random_state=np.random.RandomState(0))
    np.testing.assert_array_equal(a["W1"], b["W1"])
    assert not np.array_equal(
        a["W1"], L.mlp_init(2, 3, 1, random_state=np.random.RandomState(1))["W1"]
    )


def test_mean_loss_with_weights_whose_sum_overflows():
    y = np.array([0, 1, 1])
    z = np.array([0.5, -1.0, 2.0])
    huge = L.binary_cross_entropy(y, z, sample_weight=np.full(3, 1e308))
    assert huge == pytest.approx(L.binary_cross_entropy(y, z), rel=1e-12)
