"""Checks of gradients: logistic regression, finite differences, backpropagation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lrbook._primitives import sigmoid
from lrbook.exercises._compare import as_float_array, close, match, show
from lrbook.exercises._core import CheckResult, Fail, call, run_battery
from lrbook.exercises._diagnoses import (
    MEAN_OR_SUM,
    ONE_AT_A_TIME,
    OVERFLOWS,
    ROWS_OR_COLUMNS,
    diagnoses_for,
)
from lrbook.gradcheck import numerical_gradient, relative_error
from lrbook.losses import binary_cross_entropy, logistic_loss_grad

_SUM = (
    "sum instead of mean (off by a factor n)",
    "your gradient is n times the expected one: did you take the mean? The cost is the "
    "mean loss, so its gradient carries a factor 1/n.",
)
_SIGN = (
    "sign error: the gradient points uphill",
    "your gradient is the negative of the expected one. With the residual sigma(z) - y "
    "(prediction minus label) the gradient points uphill and descent subtracts it.",
)

GRADIENT_DIAGNOSES = diagnoses_for(
    (4, "One sample, two features: the computation graph"),
    {
        MEAN_OR_SUM: ("sum_not_mean",),
        ROWS_OR_COLUMNS: ("column_shape", "transposed"),
        OVERFLOWS: ("overflow_exp", "invalid_value"),
        ONE_AT_A_TIME: ("not_vectorised",),
    },
    {
        "sum_not_mean": _SUM,
        "sign_error": _SIGN,
        "sum_and_sign": (
            "sum instead of mean, and the sign flipped",
            "your gradient is -n times the expected one: take the mean and use the residual "
            "sigma(z) - y.",
        ),
        "no_sigmoid": (
            "the sigmoid is missing",
            "your gradient is X^T (Xw - y) / n, the squared-error gradient of linear "
            "regression. The residual of logistic regression is sigma(Xw) - y.",
        ),
        "extra_activation_derivative": (
            "an extra factor sigma'(z) = a (1 - a)",
            "with the cross-entropy, dL/da times da/dz simplifies to dz = a - y: the slope "
            "of the sigmoid cancels. Multiplying by a (1 - a) again is the gradient of a "
            "different loss.",
        ),
        "divided_by_d": (
            "divided by the number of features",
            "the mean is over the n samples (rows of X), not over the d features.",
        ),
        "residuals_only": (
            "the residuals, not the gradient",
            "you returned one number per sample. The gradient has one entry per weight: "
            "multiply the residuals by X^T.",
        ),
        "wrong_values": (
            "wrong values",
            "the gradient differs from X^T (sigma(Xw) - y) / n. Check it at w = 0, where "
            "sigma(Xw) = 1/2.",
        ),
    },
)


def _logistic_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(7, 3))
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    w = rng.normal(size=3)
    return X, y, w


def _ref_grad(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return logistic_loss_grad(w, X, y, fit_intercept=False)[1]


def check_gradient(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Check the reader's gradient ``fn(w, X, y)`` of the mean binary cross-entropy.

    The model is logistic regression without intercept, ``z = X w``; the cost is
    ``mean(bce(y, z))`` and its gradient ``X^T (sigma(Xw) - y) / n``. The battery: shape
    ``(d,)``, the known value at ``w = 0``, agreement with
    :func:`lrbook.losses.logistic_loss_grad` (``fit_intercept=False``), finite differences
    of the mean loss (:func:`lrbook.gradcheck.numerical_gradient`), integer labels, and
    logits ``+-40`` and ``+-1000`` without warnings.

    Parameters
    ----------
    fn : callable
        ``fn(w, X, y)`` with ``w`` of shape (d,), ``X`` of shape (n, d) and labels ``y``
        in {0, 1} of shape (n,); returns the gradient, shape (d,).

    Returns
    -------
    CheckResult
        Its ``diagnosis`` names the likely mistake, e.g. a missing factor 1/n.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook import sigmoid
    >>> from lrbook.exercises import check_gradient
    >>> def summed(w, X, y):
    ...     return X.T @ (sigmoid(X @ w) - y)
    >>> check_gradient(summed).diagnosis.key
    'sum_not_mean'
    """
    X, y, w = _logistic_data()
    n, d = X.shape
    names = ("w", "X", "y")

    def grad_of(w_: np.ndarray, X_: np.ndarray, y_: np.ndarray, where: str) -> np.ndarray:
        out = call(fn, (w_.copy(), X_.copy(), y_.copy()), where, names)
        try:
            return as_float_array(out, "fn(w, X, y)", (X_.shape[1],))
        except Fail as fail:
            if np.shape(out) in ((X_.shape[0],), (X_.shape[0], 1)):
                raise Fail(fail.detail, "residuals_only") from None
            raise

    def diagnose(got: np.ndarray, w_: np.ndarray, where: str) -> None:
        want = _ref_grad(w_, X, y)
        if close(got, want, rtol=1e-8, atol=1e-12):
            return
        a = sigmoid(X @ w_)
        key = match(
            got,
            {
                "sum_not_mean": n * want,
                "sign_error": -want,
                "sum_and_sign": -n * want,
                "no_sigmoid": X.T @ (X @ w_ - y) / n,
                "extra_activation_derivative": X.T @ ((a - y) * a * (1 - a)) / n,
                "divided_by_d": want * n / d,
            },
        )
        raise Fail(
            f"at {where} you return {show(got)}, expected {show(want)}", key or "wrong_values"
        )

    def shape() -> None:
        grad_of(w, X, y, "a random w with X of shape (7, 3)")

    def at_zero() -> None:
        zero = np.zeros(d)
        diagnose(grad_of(zero, X, y, "w = 0"), zero, "w = 0")

    def reference() -> None:
        diagnose(grad_of(w, X, y, "a random w"), w, "a random w")

    def finite_differences() -> None:
        got = grad_of(w, X, y, "a random w")
        numeric = numerical_gradient(lambda v: float(binary_cross_entropy(y, X @ v)), w)
        err = relative_error(got, numeric)
        if err > 1e-6:
            raise Fail(f"relative error {err:.2e} against central differences", "wrong_values")

    def integer_labels() -> None:
        got = grad_of(w, X, y.astype(int), "integer labels y")
        if not close(got, _ref_grad(w, X, y), rtol=1e-8):
            raise Fail(f"with integer labels you return {show(got)}", "wrong_values")

    def extreme() -> None:
        Xe = np.array([[-1000.0, 1.0], [1000.0, -1.0], [-40.0, 0.5], [40.0, 0.0]])
        ye = np.array([1.0, 0.0, 0.0, 1.0])
        we = np.array([1.0, 0.0])
        got = grad_of(we, Xe, ye, "logits z = [-1000, 1000, -40, 40]")
        want = _ref_grad(we, Xe, ye)
        if not np.all(np.isfinite(got)) or not close(got, want, rtol=1e-8):
            raise Fail(
                f"at logits +-1000 you return {show(got)}, expected {show(want)}", "invalid_value"
            )

    return run_battery(
        "check_gradient",
        [
            ("returns a vector of shape (d,)", shape),
            ("known value at w = 0: X^T (1/2 - y) / n", at_zero),
            ("agrees with lrbook.losses.logistic_loss_grad", reference),
            ("agrees with finite differences of the mean loss", finite_differences),
            ("integer labels give the same gradient", integer_labels),
            ("logits +-40 and +-1000 without warnings", extreme),
        ],
        GRADIENT_DIAGNOSES,
    )


# ------------------------------------------------------------------ numerical gradient
NUMERICAL_DIAGNOSES = diagnoses_for(
    (5, "Difference quotients"),
    {(5, "Error versus step size on real data"): ("step_size",)},
    {
        "forward_difference": (
            "forward instead of central difference",
            "on f(x) = sum(x^2), where the central difference is exact, every entry of your "
            "result is off by the same amount: the O(h) error of (f(x + h) - f(x)) / h. "
            "Use (f(x + h e_i) - f(x - h e_i)) / (2h), whose error is O(h^2).",
        ),
        "half_denominator": (
            "denominator h instead of 2h",
            "your result is twice the derivative: the central difference spans 2h.",
        ),
        "not_restored": (
            "x_i not restored after perturbing it",
            "your first entry is right and later ones are not: after computing entry i, "
            "put x_i back to its original value before moving on.",
        ),
        "integer_point": (
            "integer point: the step is truncated",
            "for an integer x, x.copy() stays integer and x[i] += h is truncated back to "
            "x[i], so both evaluations are equal. Convert first: np.array(x, dtype=float).",
        ),
        "only_1d": (
            "works only for 1-D x",
            "loop over every element of an array of any shape, e.g. with "
            "np.ndindex(x.shape), and return an array shaped like x.",
        ),
        "step_size": (
            "step too small or too large",
            "the error is neither the rounding level nor a clean pattern: a tiny step (below "
            "about 1e-8) drowns in rounding error, a large one (above about 1e-3) in "
            "truncation error. Around 1e-6 is a good central step in float64.",
        ),
        "wrong_values": (
            "wrong values",
            "the result differs from the derivative of f(x) = sum(x^2) (which is 2x).",
        ),
    },
)


def check_numerical_gradient(
    fn: Callable[[Callable[[np.ndarray], float], np.ndarray], Any],
) -> CheckResult:
    """Check the reader's central-difference gradient ``fn(f, x)``.

    The battery: the shape of ``x`` kept (1-D and 2-D), the exact result on
    ``sum(x^2)`` (central differences are exact on quadratics, so a forward difference
    shows up as a constant offset), a cubic against its analytic gradient (error
    ``O(h^2)``), integer points, and that ``x`` is restored.

    Parameters
    ----------
    fn : callable
        ``fn(f, x)`` with a scalar function ``f`` and a float array ``x`` of any shape;
        returns the gradient of ``f`` at ``x``, same shape as ``x``, by central
        differences with a step of your choice.

    Returns
    -------
    CheckResult
        Its ``diagnosis`` names the likely mistake, e.g. a forward instead of a central difference.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.exercises import check_numerical_gradient
    >>> def forward(f, x):
    ...     g = np.zeros_like(x)
    ...     for i in range(x.size):
    ...         e = np.zeros_like(x)
    ...         e.flat[i] = 1e-6
    ...         g.flat[i] = (f(x + e) - f(x)) / 1e-6
    ...     return g
    >>> check_numerical_gradient(forward).diagnosis.key
    'forward_difference'
    """
    x1 = np.array([0.5, -1.5, 2.0, 3.0])
    x2 = np.array([[0.3, -0.7, 1.1], [2.0, -2.0, 0.0]])

    def square(v: np.ndarray) -> float:
        return float(np.sum(v * v))

    def cubic(v: np.ndarray) -> float:
        return float(np.sum(v**3) + np.prod(v.flat[:2]))

    def grad_of(f: Callable[[np.ndarray], float], x: np.ndarray, where: str) -> np.ndarray:
        out = call(fn, (f, x.copy()), where, ("f", "x"))
        try:
            return as_float_array(out, "fn(f, x)", x.shape)
        except Fail as fail:
            if x.ndim == 2:
                raise Fail(fail.detail, "only_1d") from None
            raise

    def one_d() -> None:
        grad_of(square, x1, "f = sum(x^2), x of shape (4,)")

    def one_coordinate() -> None:
        points: list[np.ndarray] = []

        def recorded(v: np.ndarray) -> float:
            points.append(np.array(v, dtype=float))
            return square(v)

        grad_of(recorded, x1, "f = sum(x^2)")
        for p in points:
            moved = int(np.sum(p.ravel() != x1))
            if moved > 1:
                raise Fail(
                    f"f was evaluated at {show(p, 8)}, which differs from x = {show(x1)} in "
                    f"{moved} coordinates",
                    "not_restored",
                )

    def quadratic() -> None:
        got = grad_of(square, x1, "f = sum(x^2)")
        want = 2 * x1
        if close(got, want, rtol=1e-7, atol=1e-7):
            return
        diff = got - want
        key = match(got, {"half_denominator": 2 * want})
        if key is None and np.allclose(diff, diff[0], rtol=1e-3, atol=1e-9) and diff[0] > 0:
            key = "forward_difference"
        if key is None and abs(diff[0]) < 1e-6 and np.any(np.abs(diff[1:]) > 1e-4):
            key = "not_restored"
        if key is None and np.max(np.abs(diff)) < 1e-2:
            key = "step_size"
        raise Fail(
            f"for f = sum(x^2) at x = {show(x1)} you return {show(got)}, expected 2x",
            key or "wrong_values",
        )

    def integer_point() -> None:
        xi = np.array([1, -2, 3])
        got = grad_of(square, xi, "an integer x = [1, -2, 3]")
        if not close(got, 2.0 * xi, rtol=1e-6, atol=1e-6):
            raise Fail(f"at the integer x = [1, -2, 3] you return {show(got)}", "integer_point")

    def two_d() -> None:
        got = grad_of(square, x2, "x of shape (2, 3)")
        if not close(got, 2 * x2, rtol=1e-7, atol=1e-7):
            raise Fail(f"for x of shape (2, 3) you return {show(got)}", "only_1d")

    def cubic_accuracy() -> None:
        got = grad_of(cubic, x1, "f = sum(x^3) + x_0 x_1")
        want = 3 * x1**2
        want[0] += x1[1]
        want[1] += x1[0]
        err = relative_error(got, want)
        if err > 1e-7:
            raise Fail(
                f"relative error {err:.2e} for a cubic (central differences reach 1e-9)",
                "step_size",
            )

    return run_battery(
        "check_numerical_gradient",
        [
            ("returns an array shaped like x", one_d),
            ("each evaluation of f moves one coordinate of x", one_coordinate),
            (
                "exact on f(x) = sum(x^2), where central differences have no truncation error",
                quadratic,
            ),
            ("integer x", integer_point),
            ("x of shape (2, 3)", two_d),
            ("O(h^2) accuracy on a cubic", cubic_accuracy),
        ],
        NUMERICAL_DIAGNOSES,
    )
