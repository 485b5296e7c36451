"""Recompute glued values of book/12_original_data.md (see tests/test_book.py).

The two values of the course's first experiment are checked against their *derived*
closed forms, not against a re-run: the summed loss at w = 0 must be n log 2 and the
gradient's intercept entry n/2 minus the number of positives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def _data() -> tuple[Any, Any]:
    from lrbook import datasets

    return datasets.load_breast_cancer_original(return_X_y=True)


def _n_log_2() -> float:
    X, _ = _data()
    return X.shape[0] * math.log(2)


def _n_half_minus_positives() -> float:
    X, y = _data()
    return X.shape[0] / 2 - int(y.sum())


def _intercept(which: str) -> float:
    import numpy as np
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    import lrbook

    X, y = _data()
    C, n = 1e4, X.shape[0]
    if which == "lrbook":
        return float(
            lrbook.LogisticRegression(alpha=1 / (C * n), tol=1e-10).fit(X, y).intercept_[0]
        )
    model = SkLogisticRegression(C=C, max_iter=10_000).fit(X, y)
    return float(np.ravel(model.intercept_)[0])


def _optimum_loss() -> float:
    import lrbook

    X, y = _data()
    return float(lrbook.LogisticRegression(alpha=0.0, tol=1e-10).fit(X, y).loss_curve_[-1])


def _bare_nuclei(column: str) -> float:
    import lrbook
    from lrbook import datasets, inference

    d = datasets.load_breast_cancer_original()
    model = lrbook.LogisticRegression(alpha=0.0, tol=1e-10).fit(d.data, d.target)
    table = inference.summary(model, d.data, d.target, feature_names=d.feature_names)
    return float(table.loc["bare_nuclei", column])


def _fisher_math() -> Any:
    from lrbook.symbolic import fisher_information_derivation

    return fisher_information_derivation().math()


def _n_missing() -> int:
    from lrbook import datasets

    return int(datasets.load_breast_cancer_original().n_missing)


def _capstone() -> Any:
    """Run the capstone solution cell of the chapter's current source (all five steps)."""
    import re
    from pathlib import Path

    import numpy as np

    from lrbook.exercises import check_pipeline

    source = (Path(__file__).resolve().parents[2] / "book" / "12_original_data.md").read_text(
        encoding="utf-8"
    )
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", source, re.DOTALL)
    (cell,) = [c for c in cells if "def model(" in c and "capstone = check_pipeline" in c]
    namespace: dict[str, Any] = {"np": np, "check_pipeline": check_pipeline}
    exec(compile(cell, "book/12_original_data.md:capstone", "exec"), namespace)
    return namespace["capstone"]


CHECKS: dict[str, Callable[[], Any]] = {
    # the capstone solution passes its check (a solution that stops passing fails here)
    "ch12_impl_passed": lambda: _capstone().passed,
    "ch12_impl_n_checks": lambda: len(_capstone().steps),
    "oc-n": lambda: int(_data()[0].shape[0]),
    "oc-missing": _n_missing,
    "oc-pos": lambda: int(_data()[1].sum()),
    "oc-loss0": _n_log_2,  # the summed loss at w = 0 IS n log 2
    "oc-nlog2": _n_log_2,
    "oc-grad0-b": _n_half_minus_positives,  # the intercept entry IS n/2 - positives
    "oc-fopt": _optimum_loss,
    "oc-b-ours": lambda: _intercept("lrbook"),
    "oc-b-default": lambda: _intercept("sklearn-default"),
    "oc-bn-coef": lambda: _bare_nuclei("coef"),
    "oc-bn-se": lambda: _bare_nuclei("std err"),
    "eq-fisher": _fisher_math,  # compared through repr (its LaTeX)
}

TOLERANCES: dict[str, tuple[float, float]] = {
    "oc-loss0": (1e-14, 0.0),
    "oc-grad0-b": (1e-14, 0.0),
    "oc-fopt": (1e-9, 1e-12),
    "oc-b-ours": (1e-7, 0.0),
    "oc-bn-coef": (1e-7, 0.0),
    "oc-bn-se": (1e-7, 0.0),
}
