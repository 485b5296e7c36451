"""Recompute glued values of book/preface.md (see tests/test_book.py)."""

from __future__ import annotations


def _bce_dz_neg() -> float:
    from lrbook import _kernels

    return float(_kernels.bce_dz(1.0, -1000.0))


def _version() -> str:
    import lrbook

    return lrbook.__version__


CHECKS = {
    "preface_bce_dz_neg": _bce_dz_neg,
    "preface_version": _version,
}
