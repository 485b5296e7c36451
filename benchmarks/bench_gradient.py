"""Full-batch logistic gradient against the memory limit (DESIGN decision 3).

lrbook side: ``lrbook.losses.logistic_loss_grad(params, X, y)`` (loss and
gradient, blocked single pass over ``X``).  Reference sides: the bare two
matrix-vector products ``X @ w`` then ``X.T @ r`` (two reads of ``X``, the
naive gradient without even its elementwise work), and ``X @ w`` alone (one
read of ``X``: the memory-bandwidth floor of any full-batch gradient); ``X.sum()``
is timed too, the unit of the table's "1 read" column.
"""

from __future__ import annotations

import numpy as np
from _harness import Config, Row, interleave, median

GOAL_VS_TWO_PASSES = 0.75


def _shapes(cfg: Config) -> list[tuple[int, int]]:
    if cfg.quick:
        return [(100_000, 20), (10_000, 200)]
    return [(1_000_000, 20), (100_000, 200)]


def run(cfg: Config) -> list[Row]:
    from lrbook.losses import logistic_loss_grad

    rows: list[Row] = []
    reps = max(cfg.reps, 15)  # each call is well under a second: more rounds are cheap
    for n, d in _shapes(cfg):
        rng = np.random.default_rng(cfg.seed)
        X = rng.standard_normal((n, d))
        y = (rng.random(n) < 0.5).astype(np.float64)
        params = 0.1 * rng.standard_normal(d + 1)
        w = params[1:].copy()
        r = rng.standard_normal(n)

        def lrbook_grad(X=X, y=y, params=params) -> object:
            return logistic_loss_grad(params, X, y)

        def two_passes(X=X, w=w, r=r) -> object:
            X @ w
            return X.T @ r

        def one_pass(X=X, w=w) -> object:
            return X @ w

        times = interleave(
            {"lrbook": lrbook_grad, "two": two_passes, "one": one_pass, "sum": X.sum},
            reps,
            cfg.warmup,
        )
        one_read = median(times["sum"])  # X.sum(): one read of X, no arithmetic to speak of
        shape = f"{n:.0e} x {d}".replace("e+0", "e")
        mb = X.nbytes / 2**20
        rows.append(
            Row(
                group="gradient",
                name=f"gradient {shape}",
                metric="ratio",
                goal=GOAL_VS_TWO_PASSES,
                lrbook_s=median(times["lrbook"]),
                reference_s=median(times["two"]),
                reference="X @ w; X.T @ r",
                reps=reps,
                note=f"X is {mb:.0f} MiB float64",
                extra={"times": times, "n": n, "d": d, "one_read_s": one_read},
            ).evaluate()
        )
        rows.append(
            Row(
                group="gradient",
                name=f"gradient {shape} vs one pass",
                metric="report",
                goal=None,
                lrbook_s=median(times["lrbook"]),
                reference_s=median(times["one"]),
                reference="X @ w",
                reps=reps,
                note="1.0x = one read of X (memory limit)",
                extra={"n": n, "d": d, "one_read_s": one_read},
            ).evaluate()
        )
    return rows
