"""The prover behind :meth:`lrbook.symbolic.Derivation.verify`: is ``left rel right`` true?

:func:`prove_relation` returns how a relation was proved, ``None`` when SymPy could
not prove it, or ``"disproved"`` when it is clearly false (numerically nonzero at a
point, a wrong coefficient in a Taylor series, mismatched matrix shapes).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import sympy as sp

from lrbook.symbolic.functions import Expr, raw

__all__ = ["prove_relation"]


def _normalize_exp(e: Expr) -> Expr:
    """Split exp(a + b) into exp(a) exp(b) so that polynomial algebra sees shared generators."""
    e = e.replace(sp.exp, lambda arg: sp.exp(sp.expand(arg)))
    return sp.expand_power_exp(e)


def _numeric_value(e: Expr, point: Mapping[Any, Expr]) -> complex | None:
    try:
        v = e.xreplace(dict(point))  # opaque functions of Floats evaluate themselves
        if not v.is_number:
            v = raw(v)
        if v.free_symbols or v.has(sp.Derivative) or not v.is_number:
            return None
        c = complex(v.evalf(30))
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    if c != c or abs(c) == float("inf"):
        return None
    return c


def _numerically_nonzero(e: Expr) -> bool:
    """A disproof: the expression is clearly nonzero at some point (never a proof of zero)."""
    syms = sorted(e.free_symbols, key=sp.default_sort_key)
    rng = random.Random(20240611)
    for _ in range(3):
        point = {s: sp.Float(rng.randint(-1200, 1200) / 1000, 30) for s in syms}
        v = _numeric_value(e, point)
        if v is not None and abs(v) > 1e-12:
            return True
    return False


def _is_zero(e: Expr, depth: int = 0) -> str | None:
    """Return how ``e == 0`` was proved, or None."""
    if e == 0:
        return "identical"
    if e.is_number and e.is_zero:
        return "evaluates to 0"
    for how, transform in (
        ("cancel", lambda x: sp.cancel(sp.together(_normalize_exp(x)))),
        ("expand_log + cancel", lambda x: sp.cancel(_normalize_exp(sp.expand_log(x, force=True)))),
    ):
        try:
            if transform(e) == 0:
                return how
        except (sp.PolynomialError, TypeError, ValueError):  # pragma: no cover
            pass
    # Logarithms: a smooth function on a connected domain with zero gradient that
    # vanishes at one point vanishes everywhere.
    if depth < 3 and e.has(sp.log):
        syms = sorted(e.free_symbols, key=sp.default_sort_key)
        if all(_is_zero(sp.diff(e, s), depth + 1) for s in syms):
            at0 = e.subs(dict.fromkeys(syms, 0))
            if _is_zero(at0, depth + 1) if not at0.has(sp.zoo, sp.nan) else False:
                return "zero gradient and zero at the origin"
    if depth == 0:
        if sp.simplify(e) == 0:
            return "simplify"
        if e.equals(0) is True:
            return "equals(0)"
    return None


def _is_matrix(*exprs: Expr) -> bool:
    return any(isinstance(e, sp.MatrixBase) for e in exprs)


def _prove_asymptotic(diff: Expr) -> str | None:
    """Prove ``diff = O(h**k)`` (``diff`` carries its ``Order`` term) by a Taylor series.

    SymPy expands the part without the ``Order`` term in powers of ``h`` up to
    (not including) ``h**k``; every coefficient must vanish.
    """
    order = diff.getO()
    if (
        order is None
        or len(order.variables) != 1
        or any(p != 0 for p in order.point)
        or not order.expr.is_Pow
        or not order.expr.exp.is_Integer
    ):
        return None  # only O(h**k) as h -> 0
    (h,) = order.variables
    k = int(order.expr.exp)
    rest = diff.removeO()
    try:
        series = sp.series(rest, h, 0, k).removeO().doit()
    except (NotImplementedError, ValueError, TypeError):  # pragma: no cover
        return None
    if sp.expand(sp.simplify(series)) == 0:
        return f"Taylor series in {h} to order {h}**{k}"
    return "disproved"


def prove_relation(left: Expr, right: Expr, rel: str, *, opaque: bool) -> str | None:
    """Prove ``left rel right``; None if not proved, "disproved" if clearly false."""
    if rel == "==" and (left - right).has(sp.Order) if not _is_matrix(left, right) else False:
        return _prove_asymptotic(left - right)
    lmat, rmat = isinstance(left, sp.MatrixBase), isinstance(right, sp.MatrixBase)
    if lmat or rmat:
        if not (lmat and rmat) or left.shape != right.shape or rel != "==":
            return "disproved"
        hows = [prove_relation(a, b, rel, opaque=opaque) for a, b in zip(left, right, strict=True)]
        if "disproved" in hows:
            return "disproved"
        if any(h is None for h in hows):
            return None
        return sorted(set(hows), key=hows.index)[-1]
    diff = left - right
    if rel == "==":
        if _numerically_nonzero(diff):
            return "disproved"
        if opaque:
            if sp.expand(diff) == 0 or sp.cancel(sp.together(diff)) == 0:
                return "algebra of the opaque functions"
            return None
        return _is_zero(diff)
    if opaque:
        return None
    check = {
        ">=": "is_nonnegative",
        ">": "is_positive",
        "<=": "is_nonpositive",
        "<": "is_negative",
    }[rel]
    for transform in (lambda x: x, sp.factor, lambda x: sp.factor(sp.cancel(x)), sp.simplify):
        if getattr(transform(diff), check) is True:
            return f"sign ({check.removeprefix('is_')})"
    return None
