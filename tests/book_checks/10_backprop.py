"""Recompute glued values of book/10_backprop.md (see tests/test_book.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from book_exercises import exercise_checks

from lrbook.book import scientific


def _xor() -> tuple[Any, Any]:
    from lrbook import datasets

    return datasets.make_xor(200, noise=0.1, random_state=0)


def _net() -> Any:
    from lrbook import models

    X, y = _xor()
    return models.MLPClassifier(
        hidden_units=4, solver="gd", learning_rate=2.0, max_iter=5000, tol=1e-3, random_state=0
    ).fit(X, y)


def _acc_lr() -> float:
    from lrbook import models

    X, y = _xor()
    return float(models.LogisticRegression(solver="newton", alpha=1e-3).fit(X, y).score(X, y))


def _acc_net() -> float:
    X, y = _xor()
    return float(_net().score(X, y))


def _gradcheck_err() -> float:
    from lrbook import gradcheck, losses

    X, y = _xor()
    params = losses.mlp_init(2, 4, 1, random_state=0)

    def loss_of(theta: Any) -> float:
        return losses.mlp_loss_grad(losses.mlp_vector_to_params(theta, params), X, y)[0]

    def grad_of(theta: Any) -> Any:
        g = losses.mlp_loss_grad(losses.mlp_vector_to_params(theta, params), X, y)[1]
        return losses.mlp_params_to_vector(g)

    theta0 = losses.mlp_params_to_vector(params)
    return float(gradcheck.check_gradient(loss_of, grad_of, theta0).max_relative_error)


# the steps ch10 shows (the forward pass and the kernel's form are in the derivation too)
MLP_STEPS = ["delta2", "delta_hidden", "grad_W2", "grad_b2", "grad_W1", "grad_b1"]
MLP_FORWARD = ["forward_z1", "forward_a1", "forward_z2", "forward_output"]


def _mlp(name: str, steps: list[str], form: str = "general") -> object:
    """A glued equation of the backprop derivations (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    return getattr(S, f"mlp_{name}_derivation")().math(steps, form=form)


def _symmetric_start(which: str) -> float:
    import numpy as np

    from lrbook import datasets, losses

    X, y = datasets.make_xor(200, noise=0.1, random_state=0)
    h = 4
    rng = np.random.default_rng(2)
    if which == "sym":
        p = {
            "W1": np.tile(rng.normal(size=(2, 1)), (1, h)),
            "b1": np.zeros(h),
            "W2": np.full((h, 1), 0.1),
            "b2": np.zeros(1),
        }
    else:
        p = losses.mlp_init(2, h, 1, random_state=0)
    for _ in range(3000):
        loss, grads = losses.mlp_loss_grad(p, X, y)
        for k in p:
            p[k] = p[k] - 2.0 * grads[k]
    return float(loss)


def _width_curve() -> tuple[list[int], list[float]]:
    import warnings

    from lrbook import datasets, models

    X, y = datasets.make_moons(400, noise=0.35, random_state=1)
    widths = [1, 2, 4, 16, 64]
    acc = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for h in widths:
            m = models.MLPClassifier(
                hidden_units=h,
                activation="tanh",
                solver="gd",
                learning_rate=0.5,
                max_iter=10_000,
                tol=1e-7,
                alpha=0.0,
                random_state=0,
            ).fit(X[:50], y[:50])
            acc.append(float(m.score(X[50:], y[50:])))
    return widths, acc


def _acc_rule() -> float:
    """Accuracy of the rule that made the XOR labels (opposite signs) on the noisy points."""
    import numpy as np

    X, y = _xor()
    return float(np.mean((X[:, 0] * X[:, 1] < 0) == (y == 1)))


def _moons_net(hidden: int, tol: float) -> Any:
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from lrbook import datasets, models

    X, y = datasets.make_moons(200, noise=0.1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed budget, on purpose
        return models.MLPClassifier(
            hidden_units=hidden,
            solver="gd",
            learning_rate=2.0,
            max_iter=8000,
            tol=tol,
            random_state=0,
        ).fit(X, y)


def _moons_line_acc() -> float:
    from lrbook import datasets, models

    X, y = datasets.make_moons(200, noise=0.1, random_state=0)
    return float(models.LogisticRegression(solver="newton", alpha=1e-3).fit(X, y).score(X, y))


def _width_best() -> int:
    widths, acc = _width_curve()
    return widths[acc.index(max(acc))]


CHECKS: dict[str, Callable[[], Any]] = {
    "sym-loss": lambda: _symmetric_start("sym"),
    "rand-loss": lambda: _symmetric_start("random"),
    "width-best": _width_best,
    "width-max-val": lambda: _width_curve()[1][-1],
    "eq-mlp-deltas": lambda: _mlp("sigmoid", MLP_STEPS),
    "eq-mlp-deltas-instance": lambda: _mlp("sigmoid", MLP_STEPS, "instance"),
    "eq-mlp-forward-instance": lambda: _mlp("sigmoid", MLP_FORWARD, "instance"),
    "eq-mlp-softmax-deltas": lambda: _mlp("softmax", MLP_STEPS),
    "eq-mlp-softmax-deltas-instance": lambda: _mlp("softmax", MLP_STEPS, "instance"),
    "eq-mlp-softmax-forward-instance": lambda: _mlp("softmax", MLP_FORWARD, "instance"),
    "mlp-n-params": lambda: 17,
    "xor-acc-lr": _acc_lr,
    "xor-acc-net": _acc_net,
    "xor-net-iter": lambda: int(_net().n_iter_),
    "mlp-gradcheck-err": lambda: scientific(_gradcheck_err()),
    "xor-acc-rule": _acc_rule,
    "moons-acc-line": _moons_line_acc,
    "moons-loose-iter": lambda: int(_moons_net(8, 1e-3).n_iter_),
    "moons-eight-loss": lambda: float(_moons_net(8, 1e-6).loss_curve_[-1]),
}

# the implement-it-yourself exercise: solution passes, number of checks, wrong attempt
CHECKS.update(exercise_checks("10_backprop", "ch10", "my_backprop", "check_backprop"))
