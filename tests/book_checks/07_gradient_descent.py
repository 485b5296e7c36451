"""Recompute glued values of book/07_gradient_descent.md (deterministic values only).

The condition number of the *raw* features (about 1e12) depends on an eigenvalue near the
rounding level and is not registered.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import numpy as np
from book_exercises import exercise_checks


@cache
def _data() -> tuple[Any, Any, Any]:
    from lrbook import datasets

    data = datasets.load_breast_cancer()
    X_std = datasets.load_breast_cancer(standardize=True).data
    return data.data, data.target, X_std


def _objective(X: np.ndarray, alpha: float = 0.0) -> Any:
    from lrbook import losses

    y = _data()[1]
    return lambda p: losses.logistic_loss_grad(p, X, y, alpha=alpha)


def _gd(X: np.ndarray, lr: float, max_iter: int, alpha: float = 0.0, **kw: Any) -> Any:
    from sklearn.exceptions import ConvergenceWarning

    from lrbook import optim

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return optim.gradient_descent(
            _objective(X, alpha),
            np.zeros(X.shape[1] + 1),
            learning_rate=lr,
            max_iter=max_iter,
            **kw,
        )


def _one_step_loss(X: np.ndarray, lr: float) -> float:
    """The loss after a single gradient step of size ``lr`` from zero."""
    f = _objective(X)
    w0 = np.zeros(X.shape[1] + 1)
    return float(f(w0 - lr * f(w0)[1])[0])


def _lam_max_std() -> float:
    X = _data()[2]
    X1 = np.hstack([np.ones((X.shape[0], 1)), X])
    return float(np.linalg.eigvalsh(X1.T @ X1 / (4 * X.shape[0]))[-1])


def _kappa_std() -> float:
    X = _data()[2]
    X1 = np.hstack([np.ones((X.shape[0], 1)), X])
    eig = np.linalg.eigvalsh(X1.T @ X1 / (4 * X.shape[0]))
    return float(eig[-1] / eig[0])


def _divergence_message() -> str:
    from lrbook import optim

    X_raw = _data()[0]
    try:
        optim.gradient_descent(
            _objective(X_raw), np.zeros(X_raw.shape[1] + 1), learning_rate=0.1, max_iter=200
        )
    except optim.DivergenceError as err:
        return str(err)
    return "no divergence"


def _two_feature() -> Any:
    from lrbook import losses, optim

    X2 = _data()[2][:, [0, 1]]
    y = _data()[1]
    return optim.gradient_descent(
        lambda p: losses.logistic_loss_grad(p, X2, y, fit_intercept=False),
        np.array([3.0, 3.5]),
        learning_rate=1.0,
        max_iter=10_000,
        tol=1e-8,
    )


@cache
def _sklearn_loss() -> float:
    from sklearn.linear_model import LogisticRegression

    X_raw, y, X_std = _data()
    alpha = 1.0 / X_raw.shape[0]
    sk = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X_std, y)
    p = np.concatenate([sk.intercept_, sk.coef_.ravel()])
    return float(_objective(X_std, alpha)(p)[0])


@cache
def _norms() -> tuple[np.ndarray, np.ndarray]:
    norms: list[float] = []
    res = _gd(
        _data()[2],
        0.5,
        10_000,
        tol=1e-6,
        callback=lambda info: norms.append(float(np.linalg.norm(info.x[1:]))),
    )
    return np.array(norms), res.loss_history


def _estimator_loss() -> float:
    from lrbook.models import LogisticRegression

    X_std, y = _data()[2], _data()[1]
    alpha = 1.0 / X_std.shape[0]
    m = LogisticRegression(
        solver="gd", learning_rate=0.5, alpha=alpha, tol=1e-8, max_iter=50_000
    ).fit(X_std, y)
    p = np.concatenate([m.intercept_, m.coef_.ravel()])
    return float(_objective(X_std, alpha)(p)[0])


def _math_eq_gd_convexity() -> object:
    """The glued equation eq-gd-convexity (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    return S.convexity_derivation().math([6, 7, 8, 9])


def _math_eq_gd_hessian() -> object:
    """The glued equation eq-gd-hessian (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    return S.newton_derivation().math(["hessian", "psd"])


CHECKS = {
    "eq-gd-convexity": _math_eq_gd_convexity,
    "eq-gd-hessian": _math_eq_gd_hessian,
    "gd-n": lambda: 569,
    "gd-d": lambda: 30,
    "gd-raw-max": lambda: float(_data()[0].max()),
    "gd-std-loss-200": lambda: float(_gd(_data()[2], 0.5, 200).loss),
    "gd-divergence-message": _divergence_message,
    "gd-lr-max-std": lambda: 2 / _lam_max_std(),
    "gd-kappa-std": _kappa_std,
    "gd-sweep-final-0.003": lambda: float(_gd(_data()[2], 0.003, 100).loss_history[-1]),
    "gd-sweep-first-1000": lambda: _one_step_loss(_data()[2], 1000.0),
    "gd-sweep-first-3": lambda: _one_step_loss(_data()[2], 3.0),
    "gd-raw-one-step": lambda: _one_step_loss(_data()[0], 0.1),
    "gd-2d-iters": lambda: int(_two_feature().n_iter),
    "gd-2d-loss": lambda: float(_two_feature().loss),
    "gd-sk-loss": _sklearn_loss,
    "gd-lr-loss": _estimator_loss,
    "gd-norm-10": lambda: float(_norms()[0][9]),
    "gd-norm-10000": lambda: float(_norms()[0][9999]),
    "gd-free-loss-1000": lambda: float(_norms()[1][1000]),
}

# the implement-it-yourself exercise: solution passes, number of checks, wrong attempt
CHECKS.update(
    exercise_checks("07_gradient_descent", "ch07", "my_gradient_descent", "check_trainer")
)
