"""Finite differences: the truncation errors of the forward and central quotients."""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from lrbook.symbolic.core import Derivation, chain, claim
from lrbook.symbolic.functions import (
    Expr,
    Tex,
)

__all__ = ["finite_difference_derivation"]


@functools.cache
def finite_difference_derivation() -> Derivation:
    r"""Truncation errors of the forward and central difference quotients (Taylor's theorem).

    For a smooth :math:`f` and a step :math:`h > 0`, the forward difference
    :math:`D_h^{+} f(x) = (f(x + h) - f(x)) / h` is off by
    :math:`h f''(x) / 2 + O(h^2)`; in the central difference
    :math:`D_h^{\pm} f(x) = (f(x + h) - f(x - h)) / (2h)` the even Taylor terms
    cancel and the error is :math:`h^2 f'''(x) / 6 + O(h^4)`.  Steps with an
    :math:`O(h^k)` term are proved with SymPy's ``series``: the difference of the
    two sides, expanded in :math:`h`, has no term below :math:`h^k`.
    Tags: ``taylor``, ``forward``, ``forward_error``, ``central``, ``central_error``.

    Examples
    --------
    >>> d = finite_difference_derivation()
    >>> str(d.verify()).splitlines()[0]
    'finite_difference: 6 steps verified'
    >>> print(d.step_latex("central_error"))
    D_h^{\pm} f(x) - f'(x) = \frac{h^{2} f'''(x)}{6} + O\left(h^{4}\right)
    """
    x = sp.Symbol("x", real=True)
    h = sp.Symbol("h", positive=True)
    f = sp.Function("f", real=True)
    derivs = [Tex("f" + "'" * k + "(x)") for k in range(1, 4)]
    d1, d2, d3 = derivs
    fwd, cen = Tex(r"D_h^{+} f(x)"), Tex(r"D_h^{\pm} f(x)")
    fwd_err, cen_err = Tex(r"D_h^{+} f(x) - f'(x)"), Tex(r"D_h^{\pm} f(x) - f'(x)")
    fwd_def = (f(x + h) - f(x)) / h
    cen_def = (f(x + h) - f(x - h)) / (2 * h)
    defs: dict[Any, Expr] = {dk: sp.Derivative(f(x), (x, k)) for k, dk in enumerate(derivs, 1)}
    defs.update(
        {
            fwd: fwd_def,
            cen: cen_def,
            fwd_err: fwd_def - sp.Derivative(f(x), x),
            cen_err: cen_def - sp.Derivative(f(x), x),
        }
    )
    big_o = sp.Order
    steps = [
        claim(
            "Taylor's theorem at $x$",
            f(x + h),
            f(x) + h * d1 + h**2 / 2 * d2 + h**3 / 6 * d3 + big_o(h**4),
            tag="taylor",
        ),
        claim("the forward difference", fwd, fwd_def, tag="forward"),
        claim(
            "insert the Taylor series: $f(x)$ cancels, $h f'(x) / h$ cancels $f'(x)$",
            fwd_err,
            h / 2 * d2 + h**2 / 6 * d3 + big_o(h**3),
        ),
        chain("the error is of order $h$", h / 2 * d2 + big_o(h**2), tag="forward_error"),
        claim("the central difference", cen, cen_def, tag="central"),
        claim(
            "the even terms of $f(x + h)$ and $f(x - h)$ cancel",
            cen_err,
            h**2 / 6 * d3 + big_o(h**4),
            tag="central_error",
        ),
    ]
    return Derivation(
        "finite_difference",
        "Finite differences: truncation error",
        steps,
        defs=defs,
        raw_only=True,
        description="Taylor expansions of the forward and central difference quotients.",
    )
