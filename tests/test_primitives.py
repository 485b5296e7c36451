"""Stable primitives: extreme inputs against mpmath, dtype, NaN, and algebraic properties.

pytest runs with ``filterwarnings = ["error"]``, so any RuntimeWarning (overflow in
``exp``, ``0 * inf``, ``inf - inf``) fails these tests.
"""

from __future__ import annotations

import doctest
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from mp_reference import EXTREME, assert_matches, mp_of, mp_sigmoid

from lrbook import _primitives as P


def mp_softplus(z: mpmath.mpf) -> mpmath.mpf:
    return mpmath.log1p(mpmath.exp(z))


def mp_log_sigmoid(z: mpmath.mpf) -> mpmath.mpf:
    return -mpmath.log1p(mpmath.exp(-z))


ELEMENTWISE = [
    ("sigmoid", P.sigmoid, mp_sigmoid),
    ("softplus", P.softplus, mp_softplus),
    ("log_sigmoid", P.log_sigmoid, mp_log_sigmoid),
]


@pytest.mark.parametrize(("name", "fn", "ref"), ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
@pytest.mark.parametrize("z", EXTREME)
def test_elementwise_extreme_scalar(name, fn, ref, z):
    got = fn(np.float64(z))
    assert np.asarray(got).dtype == np.float64
    assert_matches(float(got), ref(mp_of(z)))


@pytest.mark.parametrize(("name", "fn", "ref"), ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_extreme_array(name, fn, ref):
    z = np.array(EXTREME)
    got = fn(z)
    assert got.shape == z.shape
    for g, zi in zip(got, EXTREME, strict=True):
        assert_matches(float(g), ref(mp_of(zi)))
    finite_math = [not math.isinf(float(ref(mp_of(zi)))) for zi in EXTREME]
    assert np.all(np.isfinite(got[finite_math]))


@pytest.mark.parametrize(("name", "fn", "ref"), ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_nan_propagates(name, fn, ref):
    got = fn(np.array([np.nan, 0.0, np.nan]))
    assert np.isnan(got[0])
    assert np.isnan(got[2])
    assert not np.isnan(got[1])


@pytest.mark.parametrize(("name", "fn", "ref"), ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_float32_preserved(name, fn, ref):
    z = np.array([-1e3, -40, -37, -3.5, 0, 2.25, 37, 40, 1e3, -np.inf, np.inf], dtype=np.float32)
    got = fn(z)
    assert got.dtype == np.float32
    for g, zi in zip(got, z, strict=True):
        r = ref(mp_of(float(zi)))
        if math.isinf(float(r)):
            assert g == float(r)
        elif abs(r) < mpmath.mpf("1e-38"):  # below float32's normal range
            assert abs(float(g) - float(r)) <= 1e-38
        else:
            assert abs(mpmath.mpf(float(g)) - r) <= 1e-6 * abs(r)


def test_integer_input_promoted_to_float64():
    assert P.sigmoid(np.array([0, 1])).dtype == np.float64
    assert P.softmax(np.array([[1, 2]])).dtype == np.float64


def test_non_numeric_input_rejected():
    with pytest.raises(TypeError, match="dtype"):
        P.sigmoid(np.array(["a"]))


def test_sigmoid_in_unit_interval_and_symmetric():
    z = np.array(EXTREME)
    s = P.sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(P.sigmoid(-z) + s, 1.0, rtol=0, atol=1e-16)


# ------------------------------------------------------------------ rows: logsumexp & softmax
ROWS = [
    [1e300, -1e300, 0.0],
    [-1e300, -1e300],
    [1e300, 1e300],
    [1e3, 0.0, -1e3],
    [40.0, 0.0],
    [37.0, 0.0, -37.0],
    [-40.0, -40.0, -40.0],
    [0.0],
    [-math.inf, 0.0, 1.0],
    [-math.inf, -math.inf],
    [math.inf, 0.0],
    [math.inf, -math.inf, 3.0],
    [1e3, 1e3 - 1e-9, -1e3],
]


def mp_row(row):
    return [mp_of(v) for v in row]


def mp_logsumexp(row):
    return mpmath.log(mpmath.fsum(mpmath.exp(v) for v in mp_row(row)))


def mp_softmax(row):
    zs = mp_row(row)
    m = max(zs)
    e = [mpmath.exp(v - m) for v in zs]
    s = mpmath.fsum(e)
    return [v / s for v in e]


def mp_log_softmax(row):
    zs = mp_row(row)
    m = max(zs)
    log_sum = mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in zs))
    return [(v - m) - log_sum for v in zs]


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_logsumexp_extreme_rows(row):
    got = P.logsumexp(np.array(row))
    assert got.dtype == np.float64
    assert got.shape == ()
    assert_matches(float(got), mp_logsumexp(row))


# All -inf rows have no limit (softmax of (z, z) as z -> -inf is 1/2, of (z, 2z) it is (1, 0)).
DEFINED_ROWS = [r for r in ROWS if max(r) > -math.inf]


@pytest.mark.parametrize("row", DEFINED_ROWS, ids=str)
def test_softmax_extreme_rows(row):
    got = P.softmax(np.array(row))
    assert got.shape == (len(row),)
    for g, r in zip(got, mp_softmax(row), strict=True):
        assert_matches(float(g), r)
    assert math.isclose(float(np.sum(got)), 1.0, rel_tol=1e-15)


@pytest.mark.parametrize("row", DEFINED_ROWS, ids=str)
def test_log_softmax_extreme_rows(row):
    got = P.log_softmax(np.array(row))
    for g, r in zip(got, mp_log_softmax(row), strict=True):
        assert_matches(float(g), r)


def test_row_functions_on_a_matrix_and_axis():
    Z = np.array([[1e300, -1e300, 0.0], [40.0, 0.0, -40.0]])
    np.testing.assert_array_equal(P.logsumexp(Z), [P.logsumexp(Z[0]), P.logsumexp(Z[1])])
    np.testing.assert_array_equal(P.logsumexp(Z.T, axis=0), P.logsumexp(Z))
    assert P.logsumexp(Z, keepdims=True).shape == (2, 1)
    np.testing.assert_array_equal(P.softmax(Z.T, axis=0), P.softmax(Z).T)
    np.testing.assert_array_equal(P.log_softmax(Z.T, axis=0), P.log_softmax(Z).T)


def test_row_functions_nan_propagates():
    Z = np.array([[np.nan, 0.0, 1.0], [0.0, 1.0, 2.0]])
    assert np.isnan(P.logsumexp(Z)[0])
    assert np.isfinite(P.logsumexp(Z)[1])
    assert np.all(np.isnan(P.softmax(Z)[0]))
    assert np.all(np.isnan(P.log_softmax(Z)[0]))
    assert np.all(np.isfinite(P.softmax(Z)[1]))


def test_row_functions_float32_preserved():
    Z = np.array([[1e3, 0.0, -1e3], [40.0, 0.0, 1.0], [-np.inf, 0.0, 1.0]], dtype=np.float32)
    assert P.logsumexp(Z).dtype == np.float32
    assert np.all(np.isfinite(P.logsumexp(Z)))
    for fn in (P.softmax, P.log_softmax):
        out = fn(Z)
        assert out.dtype == np.float32
        assert np.all(np.isfinite(out[:, 1:]))
    assert float(P.log_softmax(Z)[1, 0]) < 0  # -4.2e-18 stays visible in float32 too
    np.testing.assert_allclose(P.softmax(Z).sum(axis=1), 1.0, rtol=1e-6)


def test_rowsum():
    np.testing.assert_array_equal(P.rowsum(np.arange(6.0).reshape(2, 3)), [3.0, 12.0])
    assert P.rowsum(np.ones((2, 2), dtype=np.float32)).dtype == np.float32


# ------------------------------------------------------------------ hypothesis properties
finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False)
moderate = st.floats(min_value=-700, max_value=700, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=finite)
)
def test_softmax_rows_sum_to_one(Z):
    S = P.softmax(Z)
    assert np.all((S >= 0) & (S <= 1))
    np.testing.assert_allclose(S.sum(axis=-1), 1.0, rtol=0, atol=1e-14)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), elements=moderate),
    st.floats(min_value=-1e3, max_value=1e3),
)
def test_softmax_shift_invariant(Z, c):
    # Shifting by c rounds each logit by up to ulp(|z| + |c|); softmax then moves by at most
    # that much times its own value, so 1e-12 absolute is generous.
    np.testing.assert_allclose(P.softmax(Z + c), P.softmax(Z), rtol=0, atol=1e-12)
    np.testing.assert_allclose(P.logsumexp(Z + c), P.logsumexp(Z) + c, rtol=1e-13, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=True))
def test_sigmoid_reflection(z):
    assert (
        abs(float(P.sigmoid(-z)) - (1.0 - float(P.sigmoid(z)))) <= 2.3e-16
    )  # two roundings of sigmoid


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_log_sigmoid_difference_is_identity(z):
    got = float(P.log_sigmoid(z)) - float(P.log_sigmoid(-z))
    assert math.isclose(got, z, rel_tol=1e-12, abs_tol=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=True))
def test_softplus_is_minus_log_sigmoid_of_minus_z(z):
    assert float(P.softplus(z)) == -float(P.log_sigmoid(-z))


def test_doctests_pass():
    result = doctest.testmod(P, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


# ------------------------------------------------------------------ axis contract
def test_scalars_and_0d_arrays_are_one_value():
    assert float(P.logsumexp(3.0)) == 3.0
    assert float(P.softmax(np.array(3.0))) == 1.0
    assert float(P.log_softmax(3.0)) == 0.0
    assert P.logsumexp(np.float32(3.0)).dtype == np.float32


@pytest.mark.parametrize("axis", [-1, 0, 1, (0, 2), (2, 0), None])
@pytest.mark.parametrize("keepdims", [False, True])
def test_one_axis_contract_like_scipy(axis, keepdims):
    import scipy.special as S

    z = np.random.default_rng(0).normal(size=(3, 4, 5)) * 10
    np.testing.assert_allclose(
        P.logsumexp(z, axis=axis, keepdims=keepdims),
        S.logsumexp(z, axis=axis, keepdims=keepdims),
        rtol=1e-13,
    )
    np.testing.assert_allclose(P.softmax(z, axis=axis), S.softmax(z, axis=axis), rtol=1e-12)
    np.testing.assert_allclose(
        P.log_softmax(z, axis=axis), S.log_softmax(z, axis=axis), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("fn", [P.logsumexp, P.softmax, P.log_softmax])
@pytest.mark.parametrize(
    ("axis", "exc"), [(3, ValueError), (1.0, TypeError), (True, TypeError), ((0, 0), ValueError)]
)
def test_bad_axis_is_refused_naming_it(fn, axis, exc):
    with pytest.raises(exc, match="axis"):
        fn(np.zeros((2, 3)), axis=axis)


# -- the cross-entropy kernels' primitives: shifted, rest, rowsum ------------------------------
@pytest.mark.parametrize("k", range(1, 11))
@pytest.mark.parametrize("order", ["C", "F"])
def test_short_row_reductions_are_numpys(k: int, order: str) -> None:
    rng = np.random.default_rng(k)
    x = rng.normal(size=(500, k)) * 10.0 ** rng.integers(-8, 8, size=(500, k))
    x[0] = -0.0
    x = np.asarray(x, order=order)
    np.testing.assert_array_equal(P.rowsum(x), np.sum(x, axis=-1))
    assert np.array_equal(np.signbit(P.rowsum(x)), np.signbit(np.sum(x, axis=-1)))
    np.testing.assert_array_equal(P._row_reduce(np.maximum, x), np.max(x, axis=-1, keepdims=True))


def test_shifted_rows_at_extremes_are_quiet() -> None:
    inf, nan = np.inf, np.nan
    Z = np.array(
        [[1e300, -1e300, 0.0], [inf, 0.0, inf], [-inf, -inf, -inf], [nan, 0.0, 1.0], [0, -inf, 2]]
    )
    with np.errstate(all="raise", under="ignore"):
        S = P.shifted(Z)
    np.testing.assert_array_equal(S[0], [0.0, -2e300, -1e300])
    np.testing.assert_array_equal(S[1], [0.0, -inf, 0.0])  # the limit: equal shares
    assert np.isnan(S[2]).all()  # -inf - (-inf): no softmax
    assert np.isnan(S[3]).all()
    np.testing.assert_array_equal(S[4], [-2.0, -inf, 0.0])
    assert P.shifted(Z[1:].astype(np.float32)).dtype == np.float32


def test_rest_keeps_a_tiny_rest_and_counts_ties() -> None:
    E = np.exp(P.shifted(np.array([[40.0, 0.0, 0.0], [3.0, 3.0, 0.0], [0.0, -1e-17, -50.0]])))
    r = P.rest(E)
    assert r.shape == (3, 1)
    assert r[0, 0] == 2 * np.exp(-40.0)  # rowsum(E) - 1 would give 0
    assert r[1, 0] == 1 + np.exp(-3.0)  # the second maximum counts
    assert r[2, 0] == 1 + np.exp(-50.0)  # exp(-1e-17) rounds to 1: counted like a tie
    assert np.isnan(P.rest(np.array([[1.0, np.nan]])))[0, 0]
    assert P.rest(E.astype(np.float32)).dtype == np.float32
