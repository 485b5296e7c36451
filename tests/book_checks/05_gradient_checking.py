"""Recompute glued values of book/05_gradient_checking.md (deterministic values only).

Relative errors of a *correct* gradient (about 1e-10) are differences of nearly equal
numbers and move with the last bits of BLAS sums, so they are not registered; the wrong
gradients' errors, the data size and the gradient entry are.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from book_exercises import exercise_checks


@cache
def _setup() -> tuple[Any, Any, Any]:
    from lrbook import datasets

    X, y = datasets.load_breast_cancer(standardize=True, return_X_y=True)
    rng = np.random.default_rng(0)
    params = 0.1 * rng.standard_normal(X.shape[1] + 1)
    return X, y, params


def _f(p: np.ndarray) -> float:
    from lrbook import losses

    X, y, _ = _setup()
    return float(losses.logistic_loss_grad(p, X, y)[0])


def _g(p: np.ndarray) -> np.ndarray:
    from lrbook import losses

    X, y, _ = _setup()
    return losses.logistic_loss_grad(p, X, y)[1]


def _abs_grad() -> float:
    _, _, params = _setup()
    return float(abs(_g(params)[1]))


def _grad_sum(p: np.ndarray) -> np.ndarray:
    X, _, _ = _setup()
    return X.shape[0] * _g(p)


def _grad_extra_factor(p: np.ndarray) -> np.ndarray:
    import lrbook

    X, y, _ = _setup()
    a = lrbook.sigmoid(p[0] + X @ p[1:])
    r = (a - y) * a * (1 - a) / X.shape[0]
    return np.concatenate([[r.sum()], X.T @ r])


def _wrong_relerr(grad: Any) -> float:
    from lrbook import gradcheck

    _, _, params = _setup()
    return float(gradcheck.check_gradient(_f, grad, params).max_relative_error)


def _fd_math(steps: Any) -> Any:
    from lrbook import symbolic

    return symbolic.finite_difference_derivation().math(steps)


def _passed_both() -> str:
    from lrbook import gradcheck

    X, _, params = _setup()
    zero = gradcheck.check_gradient(_f, _g, np.zeros(X.shape[1] + 1))
    rand = gradcheck.check_gradient(_f, _g, params)
    return "passes" if (zero.passed and rand.passed) else "FAILS"


def _digits(precision: str, method: str) -> float:
    """Correct digits of the best step, median relative error over z in [0.5, 1.5]."""
    import lrbook

    dtype = np.dtype(precision).type
    z = np.arange(8, 25) / 16
    exact = lrbook.sigmoid(-z)

    def f(t: np.ndarray) -> np.ndarray:
        return lrbook.log_sigmoid(t.astype(dtype)).astype(float)

    best = np.inf
    for h in np.logspace(-0.5, -11, 43):
        lower, width = (z, h) if method == "forward" else (z - h, 2 * h)
        approx = (f(z + h) - f(lower)) / width
        best = min(best, float(np.median(np.abs(approx - exact) / exact)))
    return float(-np.log10(best))


CHECKS = {
    "gc-n": lambda: int(_setup()[0].shape[0]),
    "gc-d": lambda: int(_setup()[0].shape[1]),
    "gc-p": lambda: int(_setup()[0].shape[1] + 1),
    "gc-abs-grad": _abs_grad,
    "gc-wrong-sum": lambda: _wrong_relerr(_grad_sum),
    "gc-wrong-extra": lambda: _wrong_relerr(_grad_extra_factor),
    "gc-passed-both": _passed_both,
    # exercise 5.2: element-wise float32 / float64 arithmetic, no BLAS sums
    "gc-ex2-digits-float32-forward": lambda: _digits("float32", "forward"),
    "gc-ex2-digits-float32-central": lambda: _digits("float32", "central"),
    # glued equations compare through repr (a LatexMath's repr is its LaTeX)
    "eq-fd-quotients": lambda: _fd_math(["forward", "central"]),
    "eq-fd-taylor": lambda: _fd_math(["taylor", "taylor_minus"]),
    "eq-forward-error": lambda: _fd_math(["forward_insert", "forward_error"]),
    "eq-central-error": lambda: _fd_math(["central_error"]),
}

# the implement-it-yourself exercise: solution passes, number of checks, wrong attempt
CHECKS.update(
    exercise_checks(
        "05_gradient_checking", "ch05", "my_numerical_gradient", "check_numerical_gradient"
    )
)
