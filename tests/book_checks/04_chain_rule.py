"""Recompute glued values of book/04_chain_rule.md (see tests/test_book.py)."""

from __future__ import annotations

from typing import Any

from book_exercises import exercise_checks


def _blobs() -> tuple[Any, Any]:
    from lrbook import datasets

    return datasets.make_blobs(200, separation=2.0, random_state=0)


def _loss_grad() -> tuple[float, Any]:
    import numpy as np

    from lrbook.losses import logistic_loss_grad

    X, y = _blobs()
    return logistic_loss_grad(np.array([-0.3, 0.8, 0.4]), X, y)


def _one_example_dz() -> float:
    from lrbook import kernels

    return float(kernels.bce_dz(1.0, 0.8 * 1.5 + 0.4 * -0.5 - 0.3))


def _one_example_a() -> float:
    import lrbook

    return float(lrbook.sigmoid(0.8 * 1.5 + 0.4 * -0.5 - 0.3))


def _math_ch04_eq_grad_sum() -> object:
    """The glued equation ch04_eq_grad_sum (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    return S.bce_derivation().math(["grad_sum"])


def _math_ch04_eq_grad_ones() -> object:
    """The glued equation ch04_eq_grad_ones (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    return S.bce_derivation().math(["grad_ones_column"])


def _sum_mean_runs() -> dict[str, Any]:
    """Exercise 4.2: 50 steps from zero with the mean and the sum gradient, eta = 1."""
    import numpy as np

    from lrbook.losses import logistic_loss_grad

    X, y = _blobs()
    n = len(y)

    def run(use_sum: bool) -> Any:
        theta, losses = np.zeros(3), []
        for _ in range(50):
            loss, g = logistic_loss_grad(theta, X, y)
            losses.append(loss)
            theta = theta - (g * n if use_sum else g)
        losses.append(logistic_loss_grad(theta, X, y)[0])
        return np.array(losses)

    mean_run, sum_run = run(False), run(True)
    return {
        "ch04_ex_start_loss": float(sum_run[0]),
        "ch04_ex_sum_first": float(sum_run[1]),
        "ch04_ex_sum_min": float(sum_run[1:].min()),
        "ch04_ex_sum_last": float(sum_run[-1]),
        "ch04_ex_sum_factor": float(sum_run[-1] / sum_run[0]),
        "ch04_ex_mean_last": float(mean_run[-1]),
    }


def _math_ch04_eq_grad_mean() -> object:
    """The glued equation ch04_eq_grad_mean (compared through its repr, the LaTeX)."""
    from lrbook import symbolic as S

    d = S.bce_derivation()
    return d.math([d.index("grad_mean") - 1, "grad_mean", "grad_intercept"])


def _math_ch04_eq_grad_mean_instance() -> object:
    """The instance of ch04_eq_grad_mean in its 'How this was verified' box."""
    from lrbook import symbolic as S

    d = S.bce_derivation()
    steps = [d.index("grad_mean") - 1, "grad_mean", "grad_intercept"]
    return d.math(steps, form="instance")


def _math_ch04_logits_instance() -> object:
    """What the instance's logits z_i stand for (printed from the same General)."""
    from lrbook import symbolic as S

    d = S.bce_derivation()
    return S.LatexMath(d.generals[d.step("grad_mean").rhs].names_latex())


CHECKS = {
    "ch04_eq_grad_mean_instance": _math_ch04_eq_grad_mean_instance,
    "ch04_logits_instance": _math_ch04_logits_instance,
    "ch04_eq_grad_sum": _math_ch04_eq_grad_sum,
    "ch04_eq_grad_ones": _math_ch04_eq_grad_ones,
    "ch04_a": _one_example_a,
    "ch04_dz": _one_example_dz,
    "ch04_dw1": lambda: 1.5 * _one_example_dz(),
    "ch04_J": lambda: float(_loss_grad()[0]),
    "ch04_grad_b": lambda: float(_loss_grad()[1][0]),
    "ch04_grad_at_start": lambda: float(abs(_loss_grad()[1]).max()),
    "ch04_m": lambda: 200,
    "ch04_eq_grad_mean": _math_ch04_eq_grad_mean,
}
for _key in _sum_mean_runs():
    CHECKS[_key] = lambda key=_key: _sum_mean_runs()[key]


# the implement-it-yourself exercise: solution passes, number of checks, wrong attempt
CHECKS.update(exercise_checks("04_chain_rule", "ch04", "my_gradient", "check_gradient"))
