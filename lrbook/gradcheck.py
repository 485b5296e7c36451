"""Finite-difference gradients: the sanity check on every analytic gradient.

A gradient derived by hand (or by SymPy) can be checked against the
definition of the derivative. The forward difference ``(f(x + h e_i) - f(x)) /
h`` has error ``O(h)``; the central difference ``(f(x + h e_i) - f(x - h e_i)) /
(2h)`` has error ``O(h²)`` and is the one to use for checks. Both perturb one
element at a time, so they cost ``n`` (forward: ``n + 1``) or ``2n`` function
evaluations for ``n`` parameters: fine for checking, far too slow for training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lrbook._validation import (
    as_float_array,
    check_choice,
    check_finite,
    check_function,
    check_real,
)

__all__ = ["GradCheckResult", "check_gradient", "numerical_gradient", "relative_error"]

Method = Literal["central", "forward"]


_METHODS = ("central", "forward")


def _check_step(eps: object) -> float:
    return check_real(
        eps,
        "eps",
        low=0,
        low_open=True,
        hint="1e-6 (central) or 1e-8 (forward) are good defaults in float64",
    )


def numerical_gradient(
    f: Callable[[NDArray[np.float64]], float],
    x: ArrayLike,
    eps: float = 1e-6,
    method: Method = "central",
) -> NDArray[np.float64]:
    """Finite-difference gradient of a scalar function, one element at a time.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for an array ``x`` of the shape given.
    x : array-like of any shape
        Point at which to differentiate (converted to float64; not modified).
    eps : float, default=1e-6
        Step ``h``.
    method : {"central", "forward"}, default="central"
        ``"central"``: ``(f(x+h) - f(x-h)) / 2h``, error ``O(h²)``;
        ``"forward"``: ``(f(x+h) - f(x)) / h``, error ``O(h)``.

    Returns
    -------
    ndarray of the same shape as ``x``, float64

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.gradcheck import numerical_gradient
    >>> g = numerical_gradient(lambda v: float(np.sum(v**3)), np.array([1.0, 2.0]))
    >>> np.round(g, 6)  # 3 x^2
    array([ 3., 12.])
    """
    check_function(f, "f")
    check_choice(method, "method", _METHODS)
    h = _check_step(eps)
    x0 = _as_point(x)  # a private copy: perturbed in place below
    grad = np.empty_like(x0)
    flat = x0.reshape(-1)
    gflat = grad.reshape(-1)
    f0 = float(f(x0)) if method == "forward" else 0.0
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = float(f(x0))
        if method == "central":
            flat[i] = old - h
            f_minus = float(f(x0))
            gflat[i] = (f_plus - f_minus) / (2.0 * h)
        else:
            gflat[i] = (f_plus - f0) / h
        flat[i] = old
    return grad


def _as_point(x: ArrayLike) -> NDArray[np.float64]:
    """A float64 copy of the point ``x`` (finite, real)."""
    arr = as_float_array(x, "x")
    check_finite(arr, "x")
    return np.array(arr, dtype=np.float64)


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """Symmetric relative error ``max|a - b| / max(|a| + |b|)``.

    The denominator is floored at the smallest normal float, so two zero arrays
    have error 0 rather than NaN.

    Parameters
    ----------
    a, b : array-like of the same shape

    Returns
    -------
    float
        0 for identical arrays, 1 when one of them is zero and the other is not.

    Examples
    --------
    >>> from lrbook.gradcheck import relative_error
    >>> relative_error([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> round(relative_error([1.0], [1.1]), 6)  # 0.1 / 2.1
    0.047619
    """
    aa = as_float_array(a, "a").astype(np.float64)
    bb = as_float_array(b, "b").astype(np.float64)
    if aa.shape != bb.shape:
        raise ValueError(
            f"a and b must have the same shape, got {aa.shape} and {bb.shape}; "
            "compare the analytic and numerical gradient of the same parameters"
        )
    if aa.size == 0:
        return 0.0
    num = float(np.max(np.abs(aa - bb)))
    den = float(np.max(np.abs(aa) + np.abs(bb)))
    return num / max(den, float(np.finfo(np.float64).tiny))


@dataclass
class GradCheckResult:
    """Outcome of :func:`check_gradient`.

    Attributes
    ----------
    passed : bool
        ``max_relative_error <= rtol``.
    max_relative_error : float
        :func:`relative_error` between ``analytic`` and ``numerical``.
    analytic, numerical : ndarray
        The two gradients, same shape as ``x``.
    method : str
        Finite-difference method used.
    eps : float
        Step used.
    rtol : float
        Threshold used.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.gradcheck import check_gradient
    >>> result = check_gradient(lambda v: float(v @ v), lambda v: 2 * v, np.ones(3))
    >>> result.passed
    True
    """

    passed: bool
    max_relative_error: float
    analytic: NDArray[np.float64] = field(repr=False)
    numerical: NDArray[np.float64] = field(repr=False)
    method: str = "central"
    eps: float = 1e-6
    rtol: float = 1e-6

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            # two short lines: the report fits a book column or a terminal without wrapping
            f"gradient check {verdict}: max relative error {self.max_relative_error:.3e}",
            f"  ({'<=' if self.passed else '>'} rtol {self.rtol:.0e}; {self.method} differences, "
            f"eps={self.eps:.0e}, {self.analytic.size} parameters)",
        ]
        if not self.passed:
            diff = np.abs(self.analytic - self.numerical).reshape(-1)
            worst = np.argsort(diff)[::-1][:3]
            for i in worst:
                idx = np.unravel_index(int(i), self.analytic.shape)
                lines.append(
                    f"  at {tuple(int(j) for j in idx)}: analytic {self.analytic[idx]: .6e}, "
                    f"numerical {self.numerical[idx]: .6e}"
                )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "green" if self.passed else "crimson"
        text = str(self).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<pre style="color:{colour}">{text}</pre>'


def check_gradient(
    f: Callable[[NDArray[np.float64]], float],
    grad: Callable[[NDArray[np.float64]], Any],
    x: ArrayLike,
    eps: float = 1e-6,
    method: Method = "central",
    rtol: float = 1e-6,
) -> GradCheckResult:
    """Compare an analytic gradient with finite differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    grad : callable
        ``grad(x) -> array`` of the same shape as ``x`` (the gradient under test).
    x : array-like of any shape
        Point of the check; use a random point, not zeros, so that no term of
        the gradient vanishes by accident.
    eps : float, default=1e-6
        Finite-difference step.
    method : {"central", "forward"}, default="central"
    rtol : float, default=1e-6
        Largest :func:`relative_error` that passes. Forward differences need a
        looser threshold (about ``1e-4``).

    Returns
    -------
    GradCheckResult

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.gradcheck import check_gradient
    >>> x = np.array([0.3, -1.2])
    >>> print(check_gradient(lambda v: float(np.sum(np.sin(v))), np.cos, x))  # doctest: +ELLIPSIS
    gradient check PASSED: max relative error ...
    >>> check_gradient(lambda v: float(np.sum(np.sin(v))), np.sin, x).passed  # wrong gradient
    False
    """
    check_function(f, "f")
    check_function(grad, "grad")
    check_choice(method, "method", _METHODS)
    h = _check_step(eps)
    tol = check_real(rtol, "rtol", low=0, hint="1e-6 suits central differences in float64")
    x0 = _as_point(x)
    analytic = np.array(grad(x0.copy()), dtype=np.float64)
    if analytic.shape != x0.shape:
        raise ValueError(
            f"grad(x) must return an array shaped like x {x0.shape}, got shape "
            f"{analytic.shape}; reshape the analytic gradient to the parameters' shape"
        )
    numerical = numerical_gradient(f, x0, eps=h, method=method)
    err = relative_error(analytic, numerical)
    return GradCheckResult(
        passed=bool(err <= tol),
        max_relative_error=err,
        analytic=analytic,
        numerical=numerical,
        method=method,
        eps=h,
        rtol=tol,
    )
