"""Recompute glued values of book/11_newton_regularisation.md (see tests/test_book.py).

Timings (the race table) are not recomputed; iteration counts and losses are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _bc() -> tuple[Any, Any]:
    from lrbook import datasets

    return datasets.load_breast_cancer(standardize=True, return_X_y=True)


def _fstar() -> float:
    import numpy as np

    from lrbook import losses, optim

    X, y = _bc()
    alpha = 1.0 / X.shape[0]
    ref = optim.newton(
        lambda p: losses.logistic_loss_grad(p, X, y, alpha=alpha),
        lambda p: losses.logistic_hessian(p, X, alpha=alpha),
        np.zeros(X.shape[1] + 1),
        tol=1e-12,
        max_iter=50,
    )
    return float(ref.loss)


def _iterations_to_target(which: str) -> int:
    import numpy as np

    from lrbook import losses, optim

    X, y = _bc()
    n, d = X.shape
    alpha = 1.0 / n

    def fun(p: Any) -> Any:
        return losses.logistic_loss_grad(p, X, y, alpha=alpha)

    def hess(p: Any) -> Any:
        return losses.logistic_hessian(p, X, alpha=alpha)

    target = _fstar() + 1e-4
    hit: list[int] = []

    def cb(info: Any) -> bool:
        if fun(info.x)[0] <= target:
            hit.append(info.epoch)
            return True
        return False

    x0 = np.zeros(d + 1)
    if which == "gd":
        X1 = np.hstack([np.ones((n, 1)), X])
        lr = 1.0 / (np.linalg.eigvalsh(X1.T @ X1 / n).max() / 4 + alpha)
        optim.gradient_descent(fun, x0, learning_rate=lr, max_iter=20_000, tol=0.0, callback=cb)
    elif which == "sgd":
        optim.sgd(
            lambda p, idx: losses.logistic_loss_grad(p, X[idx], y[idx], alpha=alpha),
            x0,
            n,
            batch_size=32,
            learning_rate=0.1,
            max_iter=2_000,
            tol=0.0,
            n_iter_no_change=2_000,
            random_state=0,
            callback=cb,
        )
    else:
        optim.newton(fun, hess, x0, max_iter=50, tol=0.0, callback=cb)
    return hit[0]


def _split() -> tuple[Any, Any, Any, Any]:
    from lrbook import datasets

    X, y = datasets.load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    X_tr, X_te = datasets.standardize(X_tr, X_te)
    return X_tr, X_te, y_tr, y_te


def _weak(which: str) -> float:
    from lrbook import models

    X_tr, X_te, y_tr, y_te = _split()
    m = models.LogisticRegression(
        solver="newton", alpha=1.0 / (1e4 * X_tr.shape[0]), tol=1e-8, max_iter=200
    ).fit(X_tr, y_tr)
    return float(m.score(X_tr, y_tr) if which == "train" else m.score(X_te, y_te))


def _hessian_math() -> Any:
    from lrbook import symbolic

    return symbolic.newton_derivation().math(["hessian", 1, 2, "psd"])


def _validation_curve() -> tuple[Any, list[float], list[float]]:
    import numpy as np

    from lrbook import losses, models

    X_tr, X_te, y_tr, y_te = _split()
    alphas = np.logspace(-5, 1, 13)
    train, test = [], []
    for a in alphas:
        m = models.LogisticRegression(alpha=a, tol=1e-8, max_iter=200).fit(X_tr, y_tr)
        p = np.concatenate([m.intercept_, m.coef_[0]])
        train.append(float(losses.logistic_loss_grad(p, X_tr, y_tr)[0]))
        test.append(float(losses.logistic_loss_grad(p, X_te, y_te)[0]))
    return alphas, train, test


def _learning_curve_last_gap() -> float:
    import numpy as np

    from lrbook import losses, models

    alphas, _, test = _validation_curve()
    best = float(alphas[int(np.argmin(test))])
    X_tr, X_te, y_tr, y_te = _split()
    m = models.LogisticRegression(alpha=best, tol=1e-8, max_iter=200).fit(X_tr, y_tr)
    p = np.concatenate([m.intercept_, m.coef_[0]])
    return float(
        losses.logistic_loss_grad(p, X_te, y_te)[0] - losses.logistic_loss_grad(p, X_tr, y_tr)[0]
    )


CHECKS: dict[str, Callable[[], Any]] = {
    "vc-best-alpha": lambda: float(
        _validation_curve()[0][_validation_curve()[2].index(min(_validation_curve()[2]))]
    ),
    "vc-small-test": lambda: _validation_curve()[2][0],
    "vc-large-train": lambda: _validation_curve()[1][-1],
    "lc-last-gap": _learning_curve_last_gap,
    "eq-logistic-hessian": _hessian_math,  # compared through repr (its LaTeX)
    "race-fstar": _fstar,
    "race-gd-iter": lambda: _iterations_to_target("gd"),
    "race-sgd-iter": lambda: _iterations_to_target("sgd"),
    "race-newton-iter": lambda: _iterations_to_target("newton"),
    "split-n-train": lambda: int(_split()[0].shape[0]),
    "weak-train-acc": lambda: _weak("train"),
    "weak-test-acc": lambda: _weak("test"),
}

# the last learning-curve fit sees the training rows in a shuffled order: same optimum,
# reached to tol=1e-8, so the gap agrees to about that accuracy rather than bit for bit
TOLERANCES: dict[str, tuple[float, float]] = {"lc-last-gap": (1e-6, 1e-9)}
