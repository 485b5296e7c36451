"""Recompute glued values of book/01_linear_regression.md (see tests/test_book.py)."""

from __future__ import annotations

from typing import Any


def _noisy() -> tuple[Any, Any, Any, Any]:
    from lrbook import datasets
    from lrbook.models import LinearRegression

    Xn, yn, coef = datasets.make_linear(50, weights=(1.0,), bias=0.5, noise=0.5, random_state=1)
    return Xn, yn, coef, LinearRegression(method="normal").fit(Xn, yn)


def _noisy_b() -> float:
    return float(_noisy()[3].intercept_)


def _noisy_w() -> float:
    return float(_noisy()[3].coef_[0])


def _noisy_mse() -> float:
    import numpy as np

    Xn, yn, _, model = _noisy()
    return float(np.mean((yn - model.predict(Xn)) ** 2))


def _true_mse() -> float:
    import numpy as np

    Xn, yn, coef, _ = _noisy()
    return float(np.mean((yn - Xn @ coef[1:] - coef[0]) ** 2))


def _math_ch01_eq_gradient() -> object:
    """The glued equation ch01_eq_gradient (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    return S.linear_regression_derivation().math([4, "grad"])


CHECKS = {
    "ch01_eq_gradient": _math_ch01_eq_gradient,
    "ch01_noisy_b": _noisy_b,
    "ch01_noisy_w": _noisy_w,
    "ch01_noisy_mse": _noisy_mse,
    "ch01_true_mse": _true_mse,
}
