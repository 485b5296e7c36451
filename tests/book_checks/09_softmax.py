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
    return d.math(list(range(d.index("dL_dp") + 1, d.index("ce_dz"))))


def _sgd_run(epochs: int = 100, lr_decay: float = 0.0) -> Any:
    import numpy as np

    import lrbook
    from lrbook import datasets, losses

    X, y = datasets.load_iris(return_X_y=True)
    X4 = datasets.standardize(X)
    n, K = X4.shape[0], 3
    Y = np.zeros((n, K))
    Y[np.arange(n), y] = 1.0
    # a fixed budget (tol=0.0: no early stopping, nothing warned), as in the chapter
    return lrbook.sgd(
        lambda p, idx: losses.softmax_loss_grad(p, X4[idx], Y[idx], alpha=1e-3),
        np.zeros((5, K)),
        n,
        batch_size=16,
        learning_rate=0.5,
        lr_decay=lr_decay,
        max_iter=epochs,
        tol=0.0,
        random_state=0,
    )


def _objective4(params: Any, alpha: float = 1e-3) -> float:
    import numpy as np

    from lrbook import datasets, losses

    X, y = datasets.load_iris(return_X_y=True)
    X4 = datasets.standardize(X)
    Y = np.eye(3)[y]
    return float(losses.softmax_loss_grad(params, X4, Y, alpha=alpha)[0])


def _newton4() -> Any:
    from lrbook import datasets, models

    X, y = datasets.load_iris(return_X_y=True)
    return models.SoftmaxRegression(solver="newton", alpha=1e-3, tol=1e-10).fit(
        datasets.standardize(X), y
    )


def _four_features(which: str) -> float:
    import numpy as np

    if which == "newton":
        m = _newton4()
        return _objective4(np.vstack([m.intercept_, m.coef_.T]))
    return _objective4(_sgd_run().x, 1e-3 if which == "sgd" else 0.0)


def _sgd_accuracy() -> float:
    import numpy as np

    from lrbook import datasets

    X, y = datasets.load_iris(return_X_y=True)
    X4_1 = np.hstack([np.ones((X.shape[0], 1)), datasets.standardize(X)])
    return float(np.mean(np.argmax(X4_1 @ _sgd_run().x, axis=1) == y))


def _decay_gap(epochs: int, lr_decay: float) -> Any:
    from lrbook.book import scientific

    gap = _objective4(_sgd_run(epochs, lr_decay).x) - _four_features("newton")
    shown = scientific(gap, 2)
    try:  # between 0.01 and 1000 the glued text is a plain number, compared as one
        return float(repr(shown))
    except ValueError:
        return shown


def _norm_growth() -> Any:
    import numpy as np

    from lrbook import models

    X2, y = _iris_petal()
    norms = [
        np.linalg.norm(
            models.SoftmaxRegression(solver="newton", alpha=1.0 / (C * 150), tol=1e-10)
            .fit(X2, y)
            .coef_
        )
        for C in 10.0 ** np.arange(-2, 7)
    ]
    return np.diff(norms)[4:]


def _n_errors() -> int:
    X2, y = _iris_petal()
    return int((_fit_softmax().predict(X2) != y).sum())


CHECKS: dict[str, Callable[[], Any]] = {
    "sgd4-obj": lambda: _four_features("sgd"),
    "sgd4-ce": lambda: _four_features("sgd-ce"),
    "newton4-obj": lambda: _four_features("newton"),
    "newton4-iter": lambda: int(_newton4().n_iter_),
    "sgd4-acc": _sgd_accuracy,
    "decay-gap-const-100": lambda: _decay_gap(100, 0.0),
    "decay-gap-decay-100": lambda: _decay_gap(100, 0.1),
    "decay-gap-const-300": lambda: _decay_gap(300, 0.0),
    "decay-gap-decay-300": lambda: _decay_gap(300, 0.1),
    "penalty-growth-min": lambda: float(_norm_growth().min()),
    "penalty-growth-max": lambda: float(_norm_growth().max()),
    "eq-ce-dz": _ce_dz_math,  # compared through repr (its LaTeX)
    "ce-dz-dominant": _ce_dz_dominant,
    "iris-n": lambda: 150,
    "iris-d": lambda: 4,
    "iris-K": lambda: 3,
    "lse-big": _lse_big,
    "softmax-gradcheck-err": _gradcheck_err,
    "iris2-train-acc": _train_acc,
    "iris2-n-iter": lambda: int(_fit_softmax().n_iter_),
    "iris2-n-errors": _n_errors,
    "softmax-obj-lr": _obj_lrbook,
}

# the implement-it-yourself exercise: solution passes, number of checks, wrong attempt
CHECKS.update(exercise_checks("09_softmax", "ch09", "my_softmax", "check_softmax"))
