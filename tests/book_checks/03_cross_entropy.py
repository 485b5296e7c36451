"""Recompute glued values of book/03_cross_entropy.md (see tests/test_book.py)."""

from __future__ import annotations

from typing import Any

from book_exercises import exercise_checks


def _blob_logits() -> tuple[Any, Any]:
    from sklearn.linear_model import LogisticRegression

    from lrbook import datasets

    X, y = datasets.make_blobs(3000, separation=2.0, random_state=0)
    return LogisticRegression().fit(X, y).decision_function(X), y


def _bce_blobs() -> float:
    from lrbook.losses import binary_cross_entropy

    z, y = _blob_logits()
    return float(binary_cross_entropy(y, z))


def _loglik() -> float:
    import numpy as np

    import lrbook

    z, y = _blob_logits()
    return float(np.sum(np.where(y == 1, lrbook.log_sigmoid(z), lrbook.log_sigmoid(-z))))


def _bce(y: list[int], z: list[float]) -> float:
    from lrbook.losses import binary_cross_entropy

    return float(binary_cross_entropy(y, z))


def _logit_09() -> float:
    import numpy as np

    return float(np.log(0.9 / 0.1))


def _grad_bce_wrong() -> float:
    from lrbook import kernels

    return float(kernels.bce_dz(1.0, -10.0))


def _sklearn_extreme() -> float:
    from sklearn.metrics import log_loss

    import lrbook

    return float(log_loss([1, 1], [lrbook.sigmoid(-800.0), 0.5], labels=[0, 1]))


def _math_ch03_eq_bce() -> object:
    """The glued equation ch03_eq_bce (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    return S.bce_derivation().math([0, "bce_logit"])


def _math_ch03_eq_convexity() -> object:
    """The glued equation ch03_eq_convexity (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    return S.convexity_derivation().math([6, 7, 8, 9])


CHECKS = {
    "ch03_eq_bce": _math_ch03_eq_bce,
    "ch03_eq_convexity": _math_ch03_eq_convexity,
    "ch03_bce_blobs": _bce_blobs,
    "ch03_loglik": _loglik,
    "ch03_loss_at_09": lambda: _bce([1], [_logit_09()]),
    "ch03_loss_ratio": lambda: _bce([1], [-_logit_09()]) / _bce([1], [_logit_09()]),
    "ch03_loss_at_01": lambda: _bce([1], [-_logit_09()]),
    "ch03_bce_800": lambda: _bce([1], [-800.0]),
    "ch03_lrbook_extreme": lambda: _bce([1, 1], [-800.0, 0.0]),
    "ch03_grad_bce_wrong": _grad_bce_wrong,
    "ch03_sklearn_extreme": _sklearn_extreme,
}

# the implement-it-yourself exercise: solution passes, number of checks, wrong attempt
CHECKS.update(exercise_checks("03_cross_entropy", "ch03", "my_log_loss", "check_log_loss"))
