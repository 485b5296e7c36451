"""One epoch of minibatch SGD against scikit-learn's SGDClassifier.

lrbook side: ``LogisticRegression(solver="sgd", batch_size=32, max_iter=1)``
(one reshuffled pass in minibatches of 32).  Reference:
``SGDClassifier(loss="log_loss", max_iter=1, tol=None)`` (one reshuffled
per-sample pass, compiled).  Both use ``alpha = 1e-4`` (the same L2
convention on the mean loss).  Both warn that one epoch did not converge; the
warning is silenced here, it is the point of the row.  The objectives reached
are recorded for information only: the two algorithms differ (minibatch
constant step vs per-sample "optimal" schedule), so they are not expected to
agree.
"""

from __future__ import annotations

import warnings

from _harness import Config, Row, interleave, median
from bench_fit import _synthetic_binary, logistic_objective
from sklearn.exceptions import ConvergenceWarning

ALPHA = 1e-4


def run(cfg: Config) -> list[Row]:
    from sklearn.linear_model import SGDClassifier

    from lrbook.models import LogisticRegression

    n = 100_000 if cfg.quick else 1_000_000
    X, y = _synthetic_binary(n, 20, cfg.seed)
    fitted: dict[str, object] = {}

    def lrbook_epoch() -> object:
        est = LogisticRegression(
            solver="sgd", batch_size=32, max_iter=1, alpha=ALPHA, learning_rate=0.1, random_state=0
        ).fit(X, y)
        fitted["lrbook"] = est
        return est

    def sklearn_epoch() -> object:
        est = SGDClassifier(
            loss="log_loss", alpha=ALPHA, max_iter=1, tol=None, shuffle=True, random_state=0
        ).fit(X, y)
        fitted["sklearn"] = est
        return est

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        times = interleave({"lrbook": lrbook_epoch, "sklearn": sklearn_epoch}, cfg.reps, cfg.warmup)

    objective = {
        k: logistic_objective(est.coef_, float(est.intercept_[0]), X, y, ALPHA)
        for k, est in fitted.items()
    }
    return [
        Row(
            group="sgd",
            name=f"SGD epoch {n:.0e} x 20, batch 32".replace("e+0", "e"),
            metric="ratio",
            goal=1.0,
            lrbook_s=median(times["lrbook"]),
            reference_s=median(times["sklearn"]),
            reference="SGDClassifier(log_loss) 1 epoch",
            reps=cfg.reps,
            note="objective after 1 epoch: "
            + ", ".join(f"{k} {v:.4f}" for k, v in objective.items()),
            extra={"times": times, "objective": objective, "alpha": ALPHA},
        ).evaluate()
    ]
