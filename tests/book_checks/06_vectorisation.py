"""Recompute glued values of book/06_vectorisation.md (deterministic values only; timings
and speed ratios vary from run to run and are not registered)."""

from __future__ import annotations

import numpy as np


def _loss() -> float:
    import lrbook
    from lrbook import losses

    rng = np.random.default_rng(0)
    m, d = 20_000, 20
    X = rng.standard_normal((m, d))
    w_true = rng.standard_normal(d)
    y = (rng.random(m) < lrbook.sigmoid(X @ w_true)).astype(float)
    w = 0.1 * rng.standard_normal(d)
    params = np.concatenate([[0.05], w])
    return float(losses.logistic_loss_grad(params, X, y)[0])


def _gradient_math() -> object:
    from lrbook import symbolic

    return symbolic.bce_derivation().math([11, 12, 13, "grad_mean"])


def _scalar_sigmoid_max_ulp() -> float:
    """Exercise 6.3: the scalar stable sigmoid against lrbook.sigmoid, in ulp."""
    import math

    import lrbook

    def scalar_sigmoid(t: float) -> float:
        e = math.exp(-abs(t))
        return (1.0 if t >= 0 else e) / (1.0 + e)

    ts = [-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0]
    ours = np.array([scalar_sigmoid(t) for t in ts])
    reference = lrbook.sigmoid(np.array(ts))
    return float((np.abs(ours - reference) / np.spacing(reference)).max())


CHECKS = {
    "eq-vec-bce-gradient": _gradient_math,  # compared through repr (its LaTeX)
    "vec-n": lambda: 20_000,
    "vec-d": lambda: 20,
    "vec-loss-loop": _loss,
    "vec-ex3-max-ulp": _scalar_sigmoid_max_ulp,
}
