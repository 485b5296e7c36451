"""lrbook.gradcheck: convergence orders, failure detection, relative error."""

from __future__ import annotations

import numpy as np
import pytest

from lrbook.gradcheck import GradCheckResult, check_gradient, numerical_gradient, relative_error

X0 = np.array([0.5, -0.3, 1.2])


def f_exp(v):
    return float(np.sum(np.exp(v)))


def max_error(method, eps):
    return float(np.max(np.abs(numerical_gradient(f_exp, X0, eps=eps, method=method) - np.exp(X0))))


def test_forward_difference_is_first_order():
    # error ~ eps/2 * f'' : shrinking eps tenfold shrinks the error tenfold
    e1, e2 = max_error("forward", 1e-2), max_error("forward", 1e-3)
    assert 8 < e1 / e2 < 12
    assert e1 == pytest.approx(0.5e-2 * np.exp(1.2), rel=0.05)


def test_central_difference_is_second_order():
    # error ~ eps^2/6 * f''' : shrinking eps tenfold shrinks the error a hundredfold
    e1, e2 = max_error("central", 1e-2), max_error("central", 1e-3)
    assert 80 < e1 / e2 < 120
    assert e1 == pytest.approx(1e-4 / 6 * np.exp(1.2), rel=0.05)


def test_numerical_gradient_any_shape_and_input_untouched():
    x = np.arange(6.0).reshape(2, 3) / 7
    before = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(v**2 * np.arange(1, 7).reshape(2, 3))), x)
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, 2 * x * np.arange(1, 7).reshape(2, 3), rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_of_a_scalar_and_int_input():
    g = numerical_gradient(lambda v: float(v**3), 2)
    assert g.shape == ()
    assert float(g) == pytest.approx(12.0, rel=1e-8)


def test_check_gradient_passes_for_the_right_gradient():
    res = check_gradient(f_exp, np.exp, X0)
    assert isinstance(res, GradCheckResult)
    assert res.passed
    assert res.max_relative_error < 1e-8
    assert res.method == "central"
    assert "PASSED" in str(res)
    assert "PASSED" in res._repr_html_()
    np.testing.assert_allclose(res.numerical, res.analytic, rtol=1e-8)


def test_check_gradient_catches_a_wrong_gradient():
    def wrong(v):
        g = np.exp(v)
        g[1] *= 1.01  # a 1 % error in one component
        return g

    res = check_gradient(f_exp, wrong, X0)
    assert res.passed is False
    assert res.max_relative_error > 1e-3
    text = str(res)
    assert "FAILED" in text
    assert "(1,)" in text  # the worst component is named


def test_check_gradient_forward_needs_looser_rtol():
    # same step, same function: the O(eps) forward error fails where the O(eps^2) one passes
    forward = check_gradient(f_exp, np.exp, X0, eps=1e-4, method="forward")
    assert not forward.passed
    assert forward.max_relative_error == pytest.approx(1e-4 / 4, rel=0.05)  # eps f''/2 / (2 f')
    assert check_gradient(f_exp, np.exp, X0, eps=1e-4, method="central").passed
    assert check_gradient(f_exp, np.exp, X0, eps=1e-4, method="forward", rtol=1e-4).passed


def test_check_gradient_rejects_wrong_shape():
    with pytest.raises(ValueError, match="grad"):
        check_gradient(f_exp, lambda v: np.exp(v)[:2], X0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"method": "backward"}, "method"), ({"eps": 0.0}, "eps"), ({"eps": np.nan}, "eps")],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        numerical_gradient(f_exp, X0, **kwargs)


def test_relative_error_basics():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([0.0, 3.0], [0.0, 0.0]) == 1.0
    assert relative_error([1.0], [1.1]) == relative_error([1.1], [1.0])
    assert relative_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1)
    assert relative_error([1e-30], [-1e-30]) == 1.0  # opposite signs: scale does not hide it
    assert relative_error(np.empty(0), np.empty(0)) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        relative_error([1.0, 2.0], [1.0])


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"rtol": np.nan}, ValueError),
        ({"rtol": -1e-6}, ValueError),
        ({"rtol": np.inf}, ValueError),
        ({"rtol": "1e-6"}, TypeError),
        ({"rtol": True}, TypeError),
        ({"eps": "a"}, TypeError),
        ({"eps": True}, TypeError),
    ],
)
def test_check_gradient_refuses_bad_tolerances_naming_them(kwargs, exc):
    name = next(iter(kwargs))
    with pytest.raises(exc, match=name):
        check_gradient(f_exp, np.exp, X0, **kwargs)


def test_numerical_gradient_names_eps():
    with pytest.raises(TypeError, match="eps='a'"):
        numerical_gradient(f_exp, X0, eps="a")


def test_check_gradient_fails_just_above_its_tolerance():
    # an analytic gradient off by a relative 4e-6 has relative error ~2e-6: it must fail at
    # rtol=1e-6 (and pass at 1e-5), so a check that passes at 10x its rtol is caught
    x = np.array([0.3, -0.7, 1.1])
    result = check_gradient(f_exp, lambda v: np.exp(v) * (1 + 4e-6), x, rtol=1e-6)
    assert 1.5e-6 < result.max_relative_error < 2.5e-6
    assert not result.passed
    assert check_gradient(f_exp, lambda v: np.exp(v) * (1 + 4e-6), x, rtol=1e-5).passed
