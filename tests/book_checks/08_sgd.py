"""Recompute glued values of book/08_sgd.md (deterministic values only; timings are not
registered)."""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import numpy as np
from book_exercises import exercise_checks


@cache
def _data() -> tuple[Any, Any]:
    from lrbook import datasets

    return datasets.load_breast_cancer(standardize=True, return_X_y=True)


def _sgd(fun_batch: Any, x0: np.ndarray, n: int, **kw: Any) -> Any:
    from sklearn.exceptions import ConvergenceWarning

    from lrbook import optim

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # a fixed budget of epochs, as in the chapter (no early stopping)
        return optim.sgd(fun_batch, x0, n, tol=0.0, n_iter_no_change=kw["max_iter"], **kw)


def _batch(alpha: float = 0.0) -> Any:
    from lrbook import losses

    X, y = _data()
    return lambda p, idx: losses.logistic_loss_grad(p, X[idx], y[idx], alpha=alpha)


def _full(p: np.ndarray, alpha: float = 0.0) -> float:
    from lrbook import losses

    X, y = _data()
    return float(losses.logistic_loss_grad(p, X, y, alpha=alpha)[0])


@cache
def _run32() -> Any:
    X, _ = _data()
    return _sgd(
        _batch(),
        np.zeros(31),
        X.shape[0],
        batch_size=32,
        learning_rate=0.1,
        max_iter=30,
        random_state=0,
    )


def _bs_loss(b: int) -> float:
    r = _sgd(
        _batch(), np.zeros(31), 569, batch_size=b, learning_rate=0.1, max_iter=15, random_state=0
    )
    return _full(r.x)


def _iris_train_mean(lr: float) -> float:
    from sklearn.model_selection import train_test_split

    from lrbook import datasets, losses

    iris = datasets.load_iris(classes=("versicolor", "virginica"))
    Xtr, Xte, ytr, _yte = train_test_split(
        iris.data, iris.target, test_size=30, stratify=iris.target, random_state=0
    )
    Xtr, Xte = datasets.standardize(Xtr, Xte)
    accs = []
    for seed in range(5):
        start = np.random.default_rng(seed).standard_normal(Xtr.shape[1] + 1)
        r = _sgd(
            lambda p, idx: losses.logistic_loss_grad(p, Xtr[idx], ytr[idx]),
            start,
            len(ytr),
            batch_size=1,
            learning_rate=lr,
            max_iter=10,
            random_state=seed,
        )
        accs.append(float(np.mean((r.x[0] + Xtr @ r.x[1:] > 0) == ytr)))
    return float(np.mean(accs))


@cache
def _sk_objectives() -> tuple[float, float, float]:
    from sklearn.linear_model import SGDClassifier

    from lrbook import losses, optim

    X, y = _data()
    alpha = 1.0 / X.shape[0]
    opt = optim.newton(
        lambda p: losses.logistic_loss_grad(p, X, y, alpha=alpha),
        lambda p: losses.logistic_hessian(p, X, alpha=alpha),
        np.zeros(31),
        tol=1e-10,
    )
    sk = SGDClassifier(
        loss="log_loss",
        penalty="l2",
        alpha=alpha,
        learning_rate="constant",
        eta0=0.01,
        max_iter=30,
        tol=None,
        shuffle=True,
        random_state=0,
    ).fit(X, y)
    p_sk = np.concatenate([sk.intercept_, sk.coef_.ravel()])
    r = _sgd(
        _batch(alpha),
        np.zeros(31),
        X.shape[0],
        batch_size=1,
        learning_rate=0.01,
        max_iter=30,
        random_state=0,
    )
    return float(opt.loss), _full(r.x, alpha), _full(p_sk, alpha)


def _math_eq_sgd_bce_gradient() -> object:
    """The glued equation eq-sgd-bce-gradient (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    return S.bce_derivation().math([11, 13, "grad_mean"])


CHECKS = {
    "eq-sgd-bce-gradient": _math_eq_sgd_bce_gradient,
    "sgd-iters-per-epoch": lambda: 18,
    "sgd-n-updates": lambda: len(_run32().batch_loss_history),
    "sgd-epoch-loss-last": lambda: float(_run32().loss_history[-1]),
    "sgd-full-loss-last": lambda: _full(_run32().x),
    "sgd-bs-loss-8": lambda: _bs_loss(8),
    "sgd-bs-loss-569": lambda: _bs_loss(569),
    "sgd-iris-train-mean-0.1": lambda: _iris_train_mean(0.1),
    "sgd-rows-factor": lambda: float((569 + 18 * 569) / 569),
    "sgd-sk-opt": lambda: _sk_objectives()[0],
    "sgd-sk-lrbook": lambda: _sk_objectives()[1],
    "sgd-sk-sklearn": lambda: _sk_objectives()[2],
    "sgd-bs-loss-1": lambda: _bs_loss(1),
}

# the implement-it-yourself exercise: solution passes, number of checks, wrong attempt
CHECKS.update(exercise_checks("08_sgd", "ch08", "my_sgd", "check_sgd"))
