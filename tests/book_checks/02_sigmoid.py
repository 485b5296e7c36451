"""Recompute glued values of book/02_sigmoid.md (deterministic values only)."""

from __future__ import annotations

import numpy as np
from book_exercises import exercise_checks


def _max_slope() -> float:
    import lrbook
    from lrbook import kernels

    grid = np.linspace(-8.0, 8.0, 33)
    return float(kernels.sigmoid_dz_from_output(lrbook.sigmoid(grid)).max())


def _blob_scores() -> tuple[np.ndarray, np.ndarray]:
    from lrbook import datasets

    X, y = datasets.make_blobs(40, separation=2.0, random_state=0)
    return X @ np.array([1.5, 1.5]) + 0.0, y


def _n_wrong() -> int:
    import lrbook

    scores, y = _blob_scores()
    return int(np.sum((lrbook.sigmoid(scores) >= 0.5).astype(int) != y))


def _n_wrong_by_class() -> tuple[int, int]:
    """Misclassified positives (negative score) and negatives (score >= 0)."""
    scores, y = _blob_scores()
    return int(np.sum((y == 1) & (scores < 0))), int(np.sum((y == 0) & (scores >= 0)))


def _tanh_relerr_30() -> float:
    import lrbook

    tanh_form = 0.5 * (1.0 + np.tanh(0.5 * -30.0))
    return float(abs(tanh_form - lrbook.sigmoid(-30.0)) / lrbook.sigmoid(-30.0))


def _naive_warning() -> str:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        1.0 / (1.0 + np.exp(-np.array([-1000.0])))
    return str(caught[0].message)


def _sigma_2() -> float:
    import lrbook

    return float(lrbook.sigmoid(2.0))


def _log_sigmoid_40() -> float:
    import lrbook

    return float(lrbook.log_sigmoid(-40.0))


def _math_ch02_eq_dsigmoid() -> object:
    """The glued equation ch02_eq_dsigmoid (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    d = S.sigmoid_derivation()
    return d.math(list(range(d.index("sigma_prime") + 1)))


CHECKS = {
    "ch02_exp_limit64": lambda: float(np.log(np.finfo(np.float64).max)),
    "ch02_exp_limit32": lambda: float(np.log(np.finfo(np.float32).max)),
    "ch02_eq_dsigmoid": _math_ch02_eq_dsigmoid,
    "ch02_sigma_2": _sigma_2,
    "ch02_max_slope": _max_slope,
    "ch02_n_points": lambda: 40,
    "ch02_n_wrong": _n_wrong,
    "ch02_n_wrong_neg": lambda: _n_wrong_by_class()[0],
    "ch02_n_wrong_pos": lambda: _n_wrong_by_class()[1],
    "ch02_naive_warning": _naive_warning,
    "ch02_tanh_relerr_30": _tanh_relerr_30,
    "ch02_log_sigmoid_40": _log_sigmoid_40,
}

# the implement-it-yourself exercise: solution passes, number of checks, wrong attempt
CHECKS.update(exercise_checks("02_sigmoid", "ch02", "my_sigmoid", "check_sigmoid"))
