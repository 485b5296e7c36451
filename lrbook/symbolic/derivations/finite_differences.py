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
from lrbook.symbolic.general import General, terms

__all__ = ["finite_difference_derivation"]


@functools.cache
def finite_difference_derivation() -> Derivation:
    r"""Truncation errors of the forward and central difference quotients (Taylor's theorem).

    For a smooth :math:`f` and a step :math:`h > 0`, the forward difference
    :math:`D_h^{+} f(x) = (f(x + h) - f(x)) / h` is off by
    :math:`h f''(x) / 2 + O(h^2)`; in the central difference
    :math:`D_h^{\pm} f(x) = (f(x + h) - f(x - h)) / (2h)` the even Taylor terms
    cancel and the error is :math:`h^2 f'''(x) / 6 + O(h^4)`.

    The steps are written in general symbols (an undefined smooth :math:`f`, so
    no small instance is needed): the two Taylor expansions come first, then the
    two quotients and the error of each.  Steps with an :math:`O(h^k)` term are
    proved with SymPy's ``series``: the difference of the two sides, expanded in
    :math:`h`, has no term below :math:`h^k`.
    Tags: ``taylor``, ``taylor_minus``, ``forward``, ``central``,
    ``forward_insert``, ``forward_error``, ``central_error``.

    Examples
    --------
    >>> d = finite_difference_derivation()
    >>> str(d.verify()).splitlines()[0]
    'finite_difference: 7 steps verified'
    >>> print(d.step_latex("central_error"))
    D_h^{\pm} f(x) - f'(x) = \frac{h^{2} f'''(x)}{6} + O\left(h^{4}\right)
    """
    x = sp.Symbol("x", real=True)
    h = sp.Symbol("h", positive=True)
    f = sp.Function("f", real=True)
    derivs = [Tex("f" + "'" * k + "(x)") for k in range(1, 4)] + [Tex("f^{(4)}(x)")]
    d1, d2, d3, d4 = derivs
    defs: dict[Any, Any] = {dk: sp.Derivative(f(x), (x, k)) for k, dk in enumerate(derivs, 1)}

    def shown(expr: Expr) -> Tex:
        """``expr`` displayed in the order written (``x + h``, Taylor terms by power)."""
        g = General(expr)
        defs[g.symbol] = g
        return g.symbol

    f_plus, f_minus = f(terms(x, h)), f(terms(x, -h))
    fwd, cen = Tex(r"D_h^{+} f(x)"), Tex(r"D_h^{\pm} f(x)")
    fwd_err, cen_err = Tex(r"D_h^{+} f(x) - f'(x)"), Tex(r"D_h^{\pm} f(x) - f'(x)")
    fwd_def = terms(f_plus, -f(x)) / h
    cen_def = terms(f_plus, -f_minus) / (2 * h)
    defs.update(
        {
            fwd: fwd_def,
            cen: cen_def,
            fwd_err: fwd_def - sp.Derivative(f(x), x),
            cen_err: cen_def - sp.Derivative(f(x), x),
        }
    )
    big_o = sp.Order

    def taylor(step: Expr) -> Expr:
        """``f(x + step)`` up to the fourth-derivative term, in textbook order."""
        return terms(
            f(x),
            step * d1,
            step**2 / 2 * d2,
            step**3 / 6 * d3,
            step**4 / 24 * d4,
            big_o(h**5),
        )

    steps = [
        claim("Taylor's theorem at $x$", shown(f_plus), shown(taylor(h)), tag="taylor"),
        claim(
            "the same with the step $-h$",
            shown(f_minus),
            shown(taylor(-h)),
            tag="taylor_minus",
        ),
        claim("the forward difference", fwd, shown(fwd_def), tag="forward"),
        claim("the central difference", cen, shown(cen_def), tag="central"),
        claim(
            "insert the expansion of $f(x + h)$: $f(x)$ and $f'(x)$ cancel",
            fwd_err,
            shown(terms(h / 2 * d2, h**2 / 6 * d3, big_o(h**3))),
            tag="forward_insert",
        ),
        chain(
            "the error is of order $h$",
            shown(terms(h / 2 * d2, big_o(h**2))),
            tag="forward_error",
        ),
        claim(
            "insert both expansions: the even terms cancel",
            cen_err,
            shown(terms(h**2 / 6 * d3, big_o(h**4))),
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
