"""Recompute glued values of book/09_softmax.md (see tests/test_book.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from book_exercises import exercise_checks


def _iris_petal() -> tuple[Any, Any]:
    from lrbook import datasets

    X, y = datasets.load_iris(features=("petal_length", "petal_width"), return_X_y=True)
    return datasets.standardize(X), y


def _fit_softmax() -> Any:
    from lrbook import models

    X2, y = _iris_petal()
    alpha = 1.0 / (1.0 * X2.shape[0])
    return models.SoftmaxRegression(solver="newton", alpha=alpha, tol=1e-10, max_iter=100).fit(
        X2, y
    )


def _train_acc() -> float:
    X2, y = _iris_petal()
    return float(_fit_softmax().score(X2, y))


def _gradcheck_err() -> float:
    import numpy as np

    from lrbook import datasets, gradcheck, losses

    X, y = datasets.load_iris(return_X_y=True)
    Xs = datasets.standardize(X)
    params0 = np.random.default_rng(0).normal(size=(X.shape[1] + 1, 3))
    check = gradcheck.check_gradient(
        lambda p: losses.softmax_loss_grad(p, Xs, y)[0],
        lambda p: losses.softmax_loss_grad(p, Xs, y)[1],
        params0,
    )
    return float(check.max_relative_error)


def _lse_big() -> float:
    import numpy as np

    import lrbook

    return float(lrbook.logsumexp(np.array([1000.0, 999.0, 998.0])))


def _obj_lrbook() -> float:
    import numpy as np

    from lrbook import losses

    X2, y = _iris_petal()
    m = _fit_softmax()
    params = np.vstack([m.intercept_, m.coef_.T])
    return float(losses.softmax_loss_grad(params, X2, y, alpha=1.0 / X2.shape[0])[0])


def _ce_dz_dominant() -> float:
    import numpy as np

    from lrbook import kernels

    z = np.array([[50.0, 0.0, 0.0]])
    y = np.array([[1.0, 0.0, 0.0]])
    return float(kernels.ce_dz(y, z)[0, 0])


def _ce_dz_math() -> Any:
    from lrbook import symbolic

    d = symbolic.softmax_derivation()
    return d.math(list(range(d.index("dL_dp") + 1, d.index("ce_dz") + 1)))


def _four_features(which: str) -> float:
    import warnings

    import numpy as np

    import lrbook
    from lrbook import datasets, losses, models

    X, y = datasets.load_iris(return_X_y=True)
    X4 = datasets.standardize(X)
    n, K = X4.shape[0], 3
    Y = np.zeros((n, K))
    Y[np.arange(n), y] = 1.0
    alpha = 1e-3
    if which == "newton":
        m = models.SoftmaxRegression(solver="newton", alpha=alpha, tol=1e-10).fit(X4, y)
        params = np.vstack([m.intercept_, m.coef_.T])
        return float(losses.softmax_loss_grad(params, X4, Y, alpha=alpha)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = lrbook.sgd(
            lambda p, idx: losses.softmax_loss_grad(p, X4[idx], Y[idx], alpha=alpha),
            np.zeros((5, K)),
            n,
            batch_size=16,
            learning_rate=0.5,
            max_iter=100,
            tol=0.0,
            n_iter_no_change=100,
            random_state=0,
        )
    return float(losses.softmax_loss_grad(res.x, X4, Y, alpha=alpha if which == "sgd" else 0.0)[0])


CHECKS: dict[str, Callable[[], Any]] = {
    "sgd4-obj": lambda: _four_features("sgd"),
    "sgd4-ce": lambda: _four_features("sgd-ce"),
    "newton4-obj": lambda: _four_features("newton"),
    "eq-ce-dz": _ce_dz_math,  # compared through repr (its LaTeX)
    "ce-dz-dominant": _ce_dz_dominant,
    "iris-n": lambda: 150,
    "iris-K": lambda: 3,
    "lse-big": _lse_big,
    "softmax-gradcheck-err": _gradcheck_err,
    "iris2-train-acc": _train_acc,
    "softmax-obj-lr": _obj_lrbook,
}

# the implement-it-yourself exercise: solution passes, number of checks, wrong attempt
CHECKS.update(exercise_checks("09_softmax", "ch09", "my_softmax", "check_softmax"))
