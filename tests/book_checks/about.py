"""Recompute glued values of book/about.md (see tests/test_book.py)."""

from __future__ import annotations


def _bce_dz_neg() -> float:
    from lrbook import kernels

    return float(kernels.bce_dz(1.0, -1000.0))


def _version() -> str:
    import lrbook

    return lrbook.__version__


def _bce_gradient_math() -> object:
    from lrbook import symbolic

    d = symbolic.bce_derivation()
    return d.math(list(range(d.index("dL_dyhat") + 2, d.index("bce_dz") + 1)))


CHECKS = {
    "about_eq_bce_gradient": _bce_gradient_math,  # compared through repr (its LaTeX)
    "about_bce_dz_neg": _bce_dz_neg,
    "about_version": _version,
}
