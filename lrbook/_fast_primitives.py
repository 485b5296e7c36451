"""Scalar twins of the stable primitives of :mod:`lrbook._primitives`, compiled by numba.

The scalar kernels printed by :mod:`lrbook.codegen` into :mod:`lrbook._fast_kernels`
call these for the opaque functions of the derivations (``sigmoid``, ``softplus``...),
exactly as the NumPy kernels call :mod:`lrbook._primitives`: the same formulas, one
number at a time. ``maximum`` and ``minimum`` propagate NaN like NumPy's (Python's
``max(0, nan)`` is 0). Imports numba: loaded only by the compiled path
(:mod:`lrbook._fast`), never by ``import lrbook``.
"""

from __future__ import annotations

from math import exp, log1p

from numba import njit

__all__ = ["log_sigmoid", "maximum", "minimum", "sigmoid", "softplus"]


@njit(cache=True)
def maximum(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``numpy.maximum`` of two numbers: NaN if either is NaN."""
    if a != a or b != b:
        return a + b
    return a if a >= b else b


@njit(cache=True)
def minimum(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``numpy.minimum`` of two numbers: NaN if either is NaN."""
    if a != a or b != b:
        return a + b
    return a if a <= b else b


@njit(cache=True)
def sigmoid(z: float) -> float:  # pragma: no cover - compiled
    """``1 / (1 + exp(-z))`` as :func:`lrbook._primitives.sigmoid` computes it."""
    e = exp(-abs(z))  # in (0, 1]: never overflows
    return (1.0 if z >= 0 else e) / (1.0 + e)


@njit(cache=True)
def softplus(z: float) -> float:  # pragma: no cover - compiled
    """``log(1 + exp(z))`` as :func:`lrbook._primitives.softplus` computes it."""
    return maximum(z, 0.0) + log1p(exp(-abs(z)))


@njit(cache=True)
def log_sigmoid(z: float) -> float:  # pragma: no cover - compiled
    """``-softplus(-z)`` as :func:`lrbook._primitives.log_sigmoid` computes it."""
    return minimum(z, 0.0) - log1p(exp(-abs(z)))
