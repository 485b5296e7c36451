"""Generated kernels (lrbook.kernels): extreme logits vs mpmath, dtype, NaN, derivatives.

Every kernel is evaluated at the logits {-1e300, -1e3, -40, -37, 0, 37, 40, 1e3, 1e300, ±inf}
with labels in {0, 1} (or one-hot rows) under ``filterwarnings = error`` and compared with
the mathematical value computed by mpmath at 60 digits: 1e-12 relative, absolute below
1e-300, and the limit at ±inf.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from mp_reference import EXTREME, assert_matches, mp_of, mp_sigmoid

from lrbook import _primitives as P
from lrbook import kernels as K
from lrbook.gradcheck import numerical_gradient, relative_error


# ------------------------------------------------------------------ binary kernels
def ref_bce_loss(y, z):
    return mpmath.log1p(mpmath.exp(-z)) if y == 1 else mpmath.log1p(mpmath.exp(z))


def ref_bce_dz(y, z):
    return mp_sigmoid(z) - y


def ref_sse_loss(y, z):
    return (y - z) ** 2


def ref_sse_dz(y, z):
    return -2 * (y - z)


BINARY = {
    "bce_loss": (K.bce_loss, ref_bce_loss),
    "bce_dz": (K.bce_dz, ref_bce_dz),
    "sse_loss": (K.sse_loss, ref_sse_loss),
    "sse_dz": (K.sse_dz, ref_sse_dz),
}


def binary_cases():
    for name in BINARY:
        for y in (0.0, 1.0):
            for z in EXTREME:
                if name == "sse_loss" and abs(z) == 1e300:
                    continue  # (1e300)^2 is not representable in float64: overflow is correct
                yield pytest.param(name, y, z, id=f"{name}-y{y:g}-z{z:g}")


@pytest.mark.parametrize(("name", "y", "z"), list(binary_cases()))
def test_binary_kernel_extreme(name, y, z):
    fn, ref = BINARY[name]
    got = fn(np.array([y]), np.array([z]))
    assert got.dtype == np.float64
    assert got.shape == (1,)
    assert_matches(float(got[0]), ref(mpmath.mpf(y), mp_of(z)))


@pytest.mark.parametrize("z", EXTREME)
def test_bce_d2z_extreme(z):
    got = K.bce_d2z(np.array([z]))
    zz = mp_of(z)
    assert_matches(float(got[0]), mp_sigmoid(zz) * mp_sigmoid(-zz))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_kernel_float32_and_nan(name):
    fn, ref = BINARY[name]
    y = np.array([0, 1, 0, 1, 1, 0], dtype=np.float32)
    z = np.array([-40, -3.5, 0, 2.25, 17, 1e3], dtype=np.float32)
    got = fn(y, z)
    assert got.dtype == np.float32
    for g, yi, zi in zip(got, y, z, strict=True):
        r = ref(mpmath.mpf(float(yi)), mpmath.mpf(float(zi)))
        assert abs(mpmath.mpf(float(g)) - r) <= 1e-6 * abs(r) + 1e-7  # float32 absolute floor
    out = fn(np.array([0.0, 1.0]), np.array([np.nan, np.nan]))
    assert np.all(np.isnan(out))
    assert np.all(np.isnan(K.bce_d2z(np.array([np.nan]))))
    assert K.bce_d2z(z).dtype == np.float32


# ------------------------------------------------------------------ activation-derivative kernels
def act_cases():
    for z in EXTREME:
        yield pytest.param(z, id=f"z{z:g}")


@pytest.mark.parametrize("z", list(act_cases()))
def test_sigmoid_dz_from_output(z):
    a = float(P.sigmoid(z))  # the kernel's input is the activation, exactly as the network has it
    got = K.sigmoid_dz_from_output(np.array([a]))
    assert_matches(float(got[0]), mpmath.mpf(a) * (1 - mpmath.mpf(a)))


@pytest.mark.parametrize("z", list(act_cases()))
def test_tanh_dz_from_output(z):
    a = float(np.tanh(z))
    got = K.tanh_dz_from_output(np.array([a]))
    assert_matches(float(got[0]), 1 - mpmath.mpf(a) ** 2)


@pytest.mark.parametrize("back", [-2.5, 0.0, 0.75, 1e300])
@pytest.mark.parametrize("z", list(act_cases()))
def test_mlp_delta_hidden(z, back):
    a = float(P.sigmoid(z))
    got = K.mlp_delta_hidden(np.array([back]), np.array([a]))
    am = mpmath.mpf(a)
    assert_matches(float(got[0]), mpmath.mpf(back) * am * (1 - am))


def test_activation_kernels_float32_and_nan():
    a = np.array([0.0, 0.25, 0.5, 0.875, 1.0], dtype=np.float32)
    assert K.sigmoid_dz_from_output(a).dtype == np.float32
    assert K.tanh_dz_from_output(a).dtype == np.float32
    assert K.mlp_delta_hidden(np.float32(2.0) * a, a).dtype == np.float32
    np.testing.assert_array_equal(K.sigmoid_dz_from_output(a), a * (1 - a))
    nan = np.array([np.nan])
    assert np.isnan(K.sigmoid_dz_from_output(nan)[0])
    assert np.isnan(K.tanh_dz_from_output(nan)[0])
    assert np.isnan(K.mlp_delta_hidden(np.array([1.0]), nan)[0])


# ------------------------------------------------------------------ multiclass kernels
def rows_for(z: float) -> list[list[float]]:
    return [[z, 0.0], [z, 0.0, -z]]


def mp_log_softmax(row):
    zs = [mp_of(v) for v in row]
    m = max(zs)
    log_sum = mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in zs))
    return [(v - m) - log_sum for v in zs]


def mp_softmax(row):
    return [mpmath.exp(v) for v in mp_log_softmax(row)]


def ce_cases():
    for name in ("ce_loss", "ce_dz"):
        for z in EXTREME:
            for row in rows_for(z):
                for c in range(len(row)):
                    yield pytest.param(name, row, c, id=f"{name}-{row}-y{c}")


@pytest.mark.parametrize(("name", "row", "c"), list(ce_cases()))
def test_multiclass_kernel_extreme(name, row, c):
    Z = np.array([row])
    Y = np.zeros_like(Z)
    Y[0, c] = 1.0
    got = getattr(K, name)(Y, Z)
    log_p = mp_log_softmax(row)
    if name == "ce_loss":
        assert got.shape == (1,)
        assert_matches(float(got[0]), -log_p[c])
    else:
        assert got.shape == Z.shape
        for k, g in enumerate(got[0]):
            assert_matches(float(g), mpmath.exp(log_p[k]) - (1 if k == c else 0))


@pytest.mark.parametrize("z", EXTREME)
def test_softmax_jacobian_extreme(z):
    p = P.softmax(np.array([z, 0.0, -1.0]))
    J = K.softmax_jacobian(p[:, None], p[None, :], np.eye(3))
    assert J.shape == (3, 3)
    for j in range(3):
        for c in range(3):
            pj, pc = mpmath.mpf(float(p[j])), mpmath.mpf(float(p[c]))
            assert_matches(float(J[j, c]), pj * ((1 if j == c else 0) - pc))


def test_multiclass_kernels_float32_and_nan():
    Z = np.array([[1e3, 0, -1e3], [3, -1, 0.5]], dtype=np.float32)
    Y = np.array([[0, 1, 0], [0, 0, 1]], dtype=np.float32)
    assert K.ce_loss(Y, Z).dtype == np.float32
    assert K.ce_dz(Y, Z).dtype == np.float32
    p = P.softmax(Z[1])
    assert K.softmax_jacobian(p[:, None], p[None, :], np.eye(3, dtype=np.float32)).dtype == (
        np.float32
    )
    np.testing.assert_allclose(
        K.ce_loss(Y, Z), [1e3, 3 + np.log1p(np.exp(-4) + np.exp(-2.5)) - 0.5], rtol=1e-6
    )
    Zn = np.array([[np.nan, 0.0, 1.0]])
    assert np.isnan(K.ce_loss(Y[:1], Zn)[0])
    assert np.all(np.isnan(K.ce_dz(Y[:1], Zn)))


# ------------------------------------------------------------------ derivative relations
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernels_are_each_others_derivatives(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3.0, size=7)
    y = (rng.random(7) < 0.5).astype(float)
    for loss, dz in ((K.bce_loss, K.bce_dz), (K.sse_loss, K.sse_dz)):
        num = numerical_gradient(lambda v, loss=loss: float(np.sum(loss(y, v))), z)
        assert relative_error(dz(y, z), num) < 1e-6
    num = numerical_gradient(lambda v: float(np.sum(K.bce_dz(y, v))), z)
    assert relative_error(K.bce_d2z(z), num) < 1e-6
    num = numerical_gradient(lambda v: float(np.sum(P.sigmoid(v))), z)
    assert relative_error(K.sigmoid_dz_from_output(P.sigmoid(z)), num) < 1e-6
    num = numerical_gradient(lambda v: float(np.sum(np.tanh(v))), z)
    assert relative_error(K.tanh_dz_from_output(np.tanh(z)), num) < 1e-6

    Z = rng.normal(size=(4, 3))
    Y = np.eye(3)[rng.integers(0, 3, size=4)]
    num = numerical_gradient(lambda V: float(np.sum(K.ce_loss(Y, V))), Z)
    assert relative_error(K.ce_dz(Y, Z), num) < 1e-6
    zr = Z[0]
    p = P.softmax(zr)
    J = K.softmax_jacobian(p[:, None], p[None, :], np.eye(3))
    for j in range(3):
        num = numerical_gradient(lambda v, j=j: float(P.softmax(v)[j]), zr)
        assert relative_error(J[j], num) < 1e-6


# ------------------------------------------------------------------ one-exponential ce kernels
def old_ce_loss_dz(Y, Z):
    """The previous generated ``ce_loss_dz`` (three passes of exp/expm1), the reference."""
    L = P.log_softmax(Z)
    pos = Y > 0
    loss = np.sum(Y * np.where(pos, -L, 0), axis=-1)
    return loss, np.where(pos, np.expm1(L) + (1 - Y), np.exp(L))


def extreme_rows(dtype):
    big = float(np.finfo(dtype).max)
    values = [-big, -1e3, -40.0, -37.0, -1.0, 0.0, 1e-17, 37.0, 40.0, 1e3, big]
    values += [np.inf, -np.inf]
    rows = [[a, b, c] for a in values for b in values for c in values]
    rows += [[np.nan, 0, 1], [np.nan] * 3, [np.inf, np.nan, 0], [np.inf, np.inf, 0]]
    rows = np.array(rows, dtype=dtype)
    # every row with every one-hot label
    return np.tile(np.eye(3, dtype=dtype), (len(rows), 1)), np.repeat(rows, 3, axis=0)


def ulps_from(got, ref, dtype):
    """|got - ref| in units in the last place of ref (the smallest subnormal at 0)."""
    tiny = float(np.finfo(dtype).smallest_subnormal)
    unit = max(float(np.spacing(dtype(abs(float(ref))))), tiny)
    return float(abs(mpmath.mpf(float(got)) - ref)) / unit


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_exponential_ce_kernels_match_the_old_forms_at_extremes(dtype):
    Y, Z = extreme_rows(dtype)
    with np.errstate(all="raise", under="ignore"):  # quiet (the old form silenced itself)
        loss, dz = K.ce_loss_dz(Y, Z)
    with np.errstate(over="ignore"):  # -big - big in the old shift
        old_loss, old_dz = old_ce_loss_dz(Y, Z)
    assert loss.dtype == dz.dtype == dtype
    # the loss: log1p(rest) - (Z - max Z), the same operations as -(log_softmax): same bits
    np.testing.assert_array_equal(loss, old_loss)
    # the gradient: NaN where the old was, and the exact limits 0, 1, -1 (logits at
    # +-inf, exp underflowing to 0) bit for bit, signs of zero included
    np.testing.assert_array_equal(np.isnan(dz), np.isnan(old_dz))
    limits = np.isin(old_dz, [0.0, 1.0, -1.0])
    np.testing.assert_array_equal(dz[limits], old_dz[limits])
    assert np.array_equal(np.signbit(dz[limits]), np.signbit(old_dz[limits]))
    special = limits | np.isnan(old_dz)
    # elsewhere within 3 ulp of the value at the same shifted logits (mpmath); the old
    # form, exp(S - log1p(r)), is up to ~50 ulp off there (the rounding of S - log1p(r))
    S = P.shifted(Z)
    worst_new = worst_old = 0.0
    for i in np.flatnonzero(~special.all(axis=1)):
        s = [mpmath.mpf(float(v)) for v in S[i]]
        total = mpmath.fsum(mpmath.exp(v) for v in s)
        for k in range(3):
            if special[i, k]:
                continue
            ref = mpmath.exp(s[k]) / total - float(Y[i, k])
            worst_new = max(worst_new, ulps_from(dz[i, k], ref, dtype))
            worst_old = max(worst_old, ulps_from(old_dz[i, k], ref, dtype))
    assert worst_new <= 3.0
    assert worst_old > worst_new  # the one exponential is the more accurate form


def test_one_exponential_ce_gradient_of_the_target_at_the_maximum():
    # y = 1 at the row maximum: -r / (1 + r) with r = rest(E), no 1.0 - 1 cancellation
    Z = np.array([[40.0, 0.0, -40.0], [700.0, 0.0, 0.0], [0.0, -745.0, -1e3]])
    Y = np.array([[1.0, 0.0, 0.0]] * 3)
    _, dz = K.ce_loss_dz(Y, Z)
    for i, row in enumerate(Z):
        p = mp_softmax(row)
        assert_matches(float(dz[i, 0]), p[0] - 1)
    assert dz[2, 0] < 0  # -exp(-745) = -5e-324, not 0


@pytest.mark.parametrize("order", ["C", "F"])
def test_ce_loss_dz_on_column_major_views_equals_row_major(order):
    # TransposedSoftmaxObjective calls the kernel on (b, K) views of (K, b) arrays
    rng = np.random.default_rng(3)
    Z = rng.normal(scale=5, size=(300, 5))
    Y = np.eye(5)[rng.integers(0, 5, size=300)]
    Zv, Yv = (np.asarray(A, order=order) for A in (Z, Y))
    loss, dz = K.ce_loss_dz(Yv, Zv)
    want_loss, want_dz = K.ce_loss_dz(Y, Z)
    np.testing.assert_array_equal(loss, want_loss)
    np.testing.assert_array_equal(dz, want_dz)
    np.testing.assert_array_equal(loss, old_ce_loss_dz(Y, Z)[0])
