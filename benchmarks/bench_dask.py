"""lrbook on Dask arrays: against dask-ml, and against lrbook's own in-memory fit.

Row 1: a lazily generated ``n x 20`` float64 problem (chunks of 250 000 rows, never
materialised), unpenalised logistic regression (the data are not separable, so the
optimum exists and both libraries minimise the same objective): lrbook's
``LogisticRegression(solver="newton", alpha=0)`` against dask-ml's
``LogisticRegression(solver="newton", fit_intercept=True)``, whose Newton solver uses
no penalty. Times are compared only if both reach the same mean log loss (relative
``1e-8``, evaluated by one formula, in one Dask pass each); peak traced memory
(tracemalloc, all threads) is reported for each. One round each (a full-size dask-ml
fit takes about a minute here).

Row 2: lrbook on a Dask array of data that fit in memory against lrbook on the NumPy
array (the cost of the chunked path), interleaved rounds.
"""

from __future__ import annotations

import time
import tracemalloc
import warnings
from typing import Any

import numpy as np
from _harness import Config, Row, interleave, median

LOSS_RTOL = 1e-8
#: both solvers stop at a tight tolerance, so that both reach the optimum
TOL = 1e-8


def _lazy_problem(n: int, d: int, seed: int, chunk: int) -> tuple[Any, Any]:
    import dask.array as da

    rng = da.random.default_rng(seed)
    X = rng.standard_normal((n, d), chunks=(chunk, d))
    w = np.linspace(-1.0, 1.0, d)
    y = (X @ w + 0.3 + rng.standard_normal(n, chunks=chunk) > 0).astype(np.int64)
    return X, y


def _mean_log_loss(coef: np.ndarray, intercept: float, X: Any, y: Any) -> float:
    import dask

    z = X @ np.ravel(coef) + intercept
    loss = da_logaddexp(z) - y * z
    return float(dask.compute(loss.mean())[0])


def da_logaddexp(z: Any) -> Any:
    import dask.array as da

    return da.logaddexp(0.0, z)


def _measure(fit: Any) -> tuple[float, float, Any]:
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        est = fit()
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return elapsed, peak / 1e6, est


def run(cfg: Config) -> list[Row]:
    from lrbook.models import LogisticRegression

    rows = []
    n = 1_000_000 if cfg.quick else 10_000_000
    X, y = _lazy_problem(n, 20, cfg.seed, 250_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dask-ml's own deprecation/convergence noise
        t_ours, mem_ours, ours = _measure(lambda: LogisticRegression(alpha=0.0, tol=TOL).fit(X, y))
        try:
            from dask_ml.linear_model import LogisticRegression as DaskMLLogistic
        except ImportError:
            DaskMLLogistic = None
        if DaskMLLogistic is not None:
            t_ref, mem_ref, ref = _measure(
                lambda: DaskMLLogistic(
                    solver="newton", fit_intercept=True, max_iter=100, tol=TOL
                ).fit(X, y)
            )
    name = f"logistic newton, lazy Dask {n:.0e} x 20".replace("e+0", "e")
    if DaskMLLogistic is None:
        rows.append(Row("dask", name, "ratio", 1.0, status="not run", note="dask-ml missing"))
    else:
        loss_ours = _mean_log_loss(ours.coef_, float(ours.intercept_[0]), X, y)
        loss_ref = _mean_log_loss(ref.coef_, float(np.ravel(ref.intercept_)[0]), X, y)
        same = abs(loss_ours - loss_ref) <= LOSS_RTOL * abs(loss_ref)
        row = Row(
            group="dask",
            name=name,
            metric="ratio",
            goal=1.0,
            lrbook_s=t_ours,
            reference_s=t_ref,
            reference="dask-ml LogisticRegression(newton)",
            reps=1,
            note=(
                f"peak traced memory lrbook {mem_ours:.0f} MB, dask-ml {mem_ref:.0f} MB "
                f"(X is {n * 20 * 8 / 1e6:.0f} MB); mean log loss {loss_ours:.10f} vs "
                f"{loss_ref:.10f}"
            ),
            extra={"memory_mb": {"lrbook": mem_ours, "dask-ml": mem_ref}},
        )
        if same:
            rows.append(row.evaluate())
        else:
            row.status = "LOSS MISMATCH"
            rows.append(row)

    # the chunked path on data that fit, against the in-memory fit of the same data
    import dask

    m = 200_000 if cfg.quick else 1_000_000
    Xd, yd = _lazy_problem(m, 20, cfg.seed + 1, 100_000)
    Xd, yd = Xd.persist(), yd.persist()  # in memory as chunks: only the fit is timed
    Xn, yn = dask.compute(Xd, yd)
    times = interleave(
        {
            "dask": lambda: LogisticRegression(alpha=1e-4).fit(Xd, yd),
            "numpy": lambda: LogisticRegression(alpha=1e-4).fit(Xn, yn),
        },
        cfg.reps,
        cfg.warmup,
    )
    rows.append(
        Row(
            group="dask",
            name=f"logistic newton {m:.0e} x 20, Dask vs NumPy input".replace("e+0", "e"),
            metric="report",
            goal=None,
            lrbook_s=median(times["dask"]),
            reference_s=median(times["numpy"]),
            reference="lrbook on the NumPy array",
            reps=cfg.reps,
            extra={"times": times},
        ).evaluate()
    )
    return rows
