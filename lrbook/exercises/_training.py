"""Checks of training code: a gradient-descent loop, minibatch SGD, and a whole pipeline."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lrbook import datasets
from lrbook.exercises._compare import as_float_array, close, match, show
from lrbook.exercises._core import CheckResult, Fail, call, run_battery
from lrbook.exercises._diagnoses import LEARNING_RATE, diagnoses_for
from lrbook.losses import logistic_hessian, logistic_loss_grad

_LOOP = {
    "returns_loss": (
        "returning the last loss instead of the parameters",
        "the trainer must return the trained parameters (an array shaped like w0), not "
        "a loss value.",
    ),
    "returns_tuple": (
        "returning several things",
        "return only the final parameters, an array shaped like w0.",
    ),
    "returns_start": (
        "the starting point is returned unchanged",
        "the updates never reach the array you return. Did you update a copy and return "
        "w0, or rebind a name inside a helper?",
    ),
    "no_learning_rate": (
        "learning rate not applied",
        "your steps have length grad, not learning_rate * grad: the learning rate is never used.",
    ),
    "ascent": (
        "sign error: gradient ascent",
        "you add the gradient; descent subtracts it: w <- w - learning_rate * grad.",
    ),
    "grad_outside_loop": (
        "gradient computed once, outside the loop",
        "every step needs the gradient at the current parameters: call fun(w) inside "
        "the loop, after each update.",
    ),
    "loss_as_gradient": (
        "loss and gradient swapped",
        "fun(w) returns (loss, grad) in that order; you stepped along the loss.",
    ),
    "off_by_one": (
        "wrong number of steps (off by one)",
        "n_steps updates are asked for: range(n_steps) runs exactly n_steps times.",
    ),
    "not_converged": (
        "does not reach the optimum",
        "on a convex problem gradient descent with a suitable step approaches the "
        "minimiser; check the update and the stopping logic.",
    ),
    "wrong_values": (
        "wrong values",
        "the parameters after the given number of steps differ from gradient descent's. "
        "Print w after each step on a small problem and compare by hand.",
    ),
}

TRAINER_DIAGNOSES = diagnoses_for(LEARNING_RATE, {}, _LOOP)


def _quadratic(center: np.ndarray) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    def fun(w: np.ndarray) -> tuple[float, np.ndarray]:
        r = np.asarray(w, dtype=float) - center
        return 0.5 * float(r @ r), r

    return fun


def _gd(
    fun: Callable[[np.ndarray], tuple[float, Any]],
    w0: np.ndarray,
    lr: float,
    n: int,
    variant: str = "ok",
) -> np.ndarray:
    w = np.array(w0, dtype=float)
    g0 = np.asarray(fun(w)[1])
    for _ in range(n):
        loss, g = fun(w)
        step = {
            "ok": lr * g,
            "no_learning_rate": g,
            "ascent": -lr * g,
            "grad_outside_loop": lr * g0,
            "loss_as_gradient": lr * loss,
        }[variant]
        w = w - step
    return w


def _gd_candidates(
    fun: Callable[[np.ndarray], tuple[float, Any]], w0: np.ndarray, lr: float, n: int
) -> dict[str, np.ndarray]:
    out = {
        v: _gd(fun, w0, lr, n, v)
        for v in ("no_learning_rate", "ascent", "grad_outside_loop", "loss_as_gradient")
    }
    out["returns_start"] = np.array(w0, dtype=float)
    out["off_by_one"] = _gd(fun, w0, lr, n - 1)
    out["off_by_one "] = _gd(fun, w0, lr, n + 1)  # the same diagnosis, one step too many
    return out


def _returned_params(out: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    if isinstance(out, tuple):
        raise Fail(f"{what} returned a tuple of {len(out)} items", "returns_tuple")
    if isinstance(out, float | np.floating) or (
        isinstance(out, np.ndarray) and out.ndim == 0 and shape != ()
    ):
        raise Fail(f"{what} returned the number {float(out):.6g}", "returns_loss")
    return as_float_array(out, what, shape)


def _diagnose_params(
    got: np.ndarray, want: np.ndarray, candidates: Mapping[str, np.ndarray], where: str
) -> None:
    if close(got, want, rtol=1e-8, atol=1e-10):
        return
    key = match(got, candidates)
    raise Fail(
        f"on {where} you return {show(got)}, expected {show(want)}", (key or "wrong_values").strip()
    )


def _blob_problem(n: int = 80, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    X, y = datasets.make_blobs(n, separation=1.5, random_state=seed)
    return X, y.astype(float)


def _optimum(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """The unpenalised maximum-likelihood parameters by Newton's method (intercept first)."""
    theta = np.zeros(X.shape[1] + 1)
    for _ in range(50):
        _, g = logistic_loss_grad(theta, X, y)
        theta = theta - np.linalg.solve(logistic_hessian(theta, X), g)
        if np.max(np.abs(g)) < 1e-13:
            break
    return theta, logistic_loss_grad(theta, X, y)[0]


def check_trainer(fn: Callable[..., Any]) -> CheckResult:
    """Check the reader's gradient-descent loop ``fn(fun, w0, learning_rate, n_steps)``.

    The battery: the result is the parameters (not the loss), shaped like ``w0``; exact
    iterates on two quadratics with known minimiser (so that a missing learning rate,
    ascent, a gradient computed only once, swapped loss and gradient and off-by-one step
    counts are told apart); an integer ``w0``; agreement with
    :func:`lrbook.optim.gradient_descent` on logistic regression after 50 steps; and a
    longer run that reaches the optimum found by Newton's method.

    Parameters
    ----------
    fn : callable
        ``fn(fun, w0, learning_rate, n_steps)``: starting from ``w0`` (not modified),
        make exactly ``n_steps`` updates ``w <- w - learning_rate * grad`` where
        ``loss, grad = fun(w)``; return the final ``w``.

    Returns
    -------
    CheckResult
        Its ``diagnosis`` names the likely mistake, e.g. gradient ascent.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.exercises import check_trainer
    >>> def no_rate(fun, w0, learning_rate, n_steps):
    ...     w = np.array(w0, dtype=float)
    ...     for _ in range(n_steps):
    ...         w = w - fun(w)[1]
    ...     return w
    >>> check_trainer(no_rate).diagnosis.key
    'no_learning_rate'
    """
    center = np.array([1.0, -2.0, 3.0])
    quad = _quadratic(center)
    names = ("fun", "w0", "learning_rate", "n_steps")

    def run(fun: Callable[..., Any], w0: np.ndarray, lr: float, n: int, where: str) -> np.ndarray:
        out = call(fn, (fun, w0.copy(), lr, n), where, names)
        return _returned_params(out, w0.shape, "fn(fun, w0, learning_rate, n_steps)")

    def returns_params() -> None:
        run(quad, np.zeros(3), 0.3, 4, "a quadratic, 4 steps")

    def quadratics() -> None:
        for w0, lr, n in ((np.zeros(3), 0.3, 4), (np.array([2.0, 0.0, -1.0]), 0.1, 7)):
            where = f"a quadratic with learning_rate={lr}, n_steps={n}"
            got = run(quad, w0, lr, n, where)
            _diagnose_params(got, _gd(quad, w0, lr, n), _gd_candidates(quad, w0, lr, n), where)

    def integer_start() -> None:
        w0 = np.zeros(3, dtype=int)
        got = run(quad, w0, 0.3, 4, "an integer w0 = np.zeros(3, dtype=int)")
        if not close(got, _gd(quad, w0, 0.3, 4), rtol=1e-8):
            raise Fail(f"from an integer w0 you return {show(got)}", "integer_inplace")

    X, y = _blob_problem()

    def logistic_fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return logistic_loss_grad(theta, X, y)

    def versus_lrbook() -> None:
        from sklearn.exceptions import ConvergenceWarning

        from lrbook.optim import gradient_descent

        w0 = np.zeros(3)
        got = run(logistic_fun, w0, 1.0, 50, "logistic regression, 50 steps")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # tol=0: runs all 50 steps
            want = gradient_descent(logistic_fun, w0, learning_rate=1.0, max_iter=50, tol=0.0).x
        _diagnose_params(
            got, want, _gd_candidates(logistic_fun, w0, 1.0, 50), "logistic regression"
        )

    def optimum() -> None:
        theta, best = _optimum(X, y)
        got = run(logistic_fun, np.zeros(3), 2.0, 500, "logistic regression, 500 steps")
        loss = logistic_loss_grad(got, X, y)[0]
        if not (loss - best < 1e-8):
            raise Fail(
                f"after 500 steps the loss is {loss:.10g}; the optimum is {best:.10g} at "
                f"{show(theta, 4)}",
                "not_converged",
            )

    return run_battery(
        "check_trainer",
        [
            ("returns the final parameters, shaped like w0", returns_params),
            ("exact iterates on two quadratics", quadratics),
            ("integer w0", integer_start),
            ("agrees with lrbook.optim.gradient_descent on logistic regression", versus_lrbook),
            ("500 steps reach the optimum (Newton's method) of logistic regression", optimum),
        ],
        TRAINER_DIAGNOSES,
    )


# ------------------------------------------------------------------------------ SGD
SGD_DIAGNOSES = diagnoses_for(
    (8, "One example is enough to point downhill"),
    {
        (8, "Why results vary between runs"): ("no_shuffle", "shuffled_once", "ignores_rng"),
        (8, "Batch size"): (
            "drops_last_batch",
            "batch_size_ignored",
            "full_batch",
            "with_replacement",
        ),
    },
    {
        **_LOOP,
        "drops_last_batch": (
            "the last, smaller minibatch is dropped",
            "when batch_size does not divide n_samples the samples at the end of the "
            "permutation are never used in that epoch. Slice perm[start:start + "
            "batch_size] for start in range(0, n_samples, batch_size).",
        ),
        "batch_size_ignored": (
            "one sample per update",
            "each update should use batch_size samples, not one.",
        ),
        "full_batch": (
            "one update per epoch with all samples",
            "that is full-batch gradient descent: cut the permutation into minibatches of "
            "batch_size and update after each.",
        ),
        "with_replacement": (
            "samples drawn with replacement",
            "within an epoch each sample must be used exactly once: draw a permutation "
            "(rng.permutation(n_samples)), not rng.integers or rng.choice with replacement.",
        ),
        "no_shuffle": (
            "no shuffling",
            "every epoch visits the samples in their stored order. Draw a new permutation "
            "at the start of every epoch.",
        ),
        "shuffled_once": (
            "shuffled only once",
            "every epoch uses the same order. Draw the permutation inside the epoch loop.",
        ),
        "ignores_rng": (
            "the given random generator is not used",
            "two runs with the same rng seed gave different results: use the rng argument "
            "(rng.permutation), not np.random's global state.",
        ),
        "stale_parameters": (
            "the gradient is evaluated at the wrong parameters",
            "each minibatch gradient must be computed at the current parameters, after the "
            "previous update.",
        ),
    },
)


def check_sgd(fn: Callable[..., Any]) -> CheckResult:
    """Check the reader's minibatch SGD ``fn(fun_batch, w0, n_samples, batch_size, learning_rate, n_epochs, rng)``.

    The battery: the result is the parameters, shaped like ``w0``; every epoch uses each
    sample exactly once in minibatches of ``batch_size`` (the last one smaller); a new
    order every epoch; the update ``w <- w - learning_rate * grad`` after every minibatch
    (replayed on the minibatches your code chose); the same ``rng`` seed gives the same
    result; an integer ``w0``; and 30 epochs on logistic regression get close to the
    optimum.

    Parameters
    ----------
    fn : callable
        ``fn(fun_batch, w0, n_samples, batch_size, learning_rate, n_epochs, rng)`` where
        ``loss, grad = fun_batch(w, idx)`` is the mean loss over the samples ``idx`` (an
        integer array) and ``rng`` a :class:`numpy.random.Generator` for the shuffles;
        returns the final ``w``. ``w0`` must not be modified.

    Returns
    -------
    CheckResult
        Its ``diagnosis`` names the likely mistake, e.g. no shuffling between epochs.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.exercises import check_sgd
    >>> def unshuffled(fun_batch, w0, n_samples, batch_size, learning_rate, n_epochs, rng):
    ...     w = np.array(w0, dtype=float)
    ...     for _ in range(n_epochs):
    ...         for start in range(0, n_samples, batch_size):
    ...             idx = np.arange(start, min(start + batch_size, n_samples))
    ...             w = w - learning_rate * fun_batch(w, idx)[1]
    ...     return w
    >>> check_sgd(unshuffled).diagnosis.key
    'no_shuffle'
    """
    data = np.random.default_rng(12).normal(size=(10, 2))
    n, b, epochs, lr = 10, 4, 3, 0.1
    names = ("fun_batch", "w0", "n_samples", "batch_size", "learning_rate", "n_epochs", "rng")

    def recorder() -> tuple[
        Callable[[np.ndarray, Any], tuple[float, np.ndarray]], list[tuple[np.ndarray, np.ndarray]]
    ]:
        calls: list[tuple[np.ndarray, np.ndarray]] = []

        def fun_batch(w: np.ndarray, idx: Any) -> tuple[float, np.ndarray]:
            i = np.asarray(idx).ravel().astype(int)
            calls.append((i.copy(), np.array(w, dtype=float)))
            r = np.asarray(w, dtype=float) - data[i].mean(axis=0)
            return 0.5 * float(r @ r), r

        return fun_batch, calls

    def run(
        seed: int, w0: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        fun_batch, calls = recorder()
        start = np.zeros(2) if w0 is None else w0
        where = f"n_samples={n}, batch_size={b}, n_epochs={epochs}"
        out = call(
            fn,
            (fun_batch, start.copy(), n, b, lr, epochs, np.random.default_rng(seed)),
            where,
            names,
        )
        return _returned_params(out, start.shape, "fn(...)"), calls

    def returns_params() -> None:
        run(0)

    def epochs_cover() -> None:
        _, calls = run(0)
        per_epoch = math.ceil(n / b)
        count = len(calls)
        if count != epochs * per_epoch:
            key = {
                epochs * (n // b): "drops_last_batch",
                epochs * n: "batch_size_ignored",
                epochs: "full_batch",
            }
            raise Fail(
                f"{count} minibatches in {epochs} epochs; expected {epochs * per_epoch} "
                f"(batches of {b}, {b}, {n - 2 * b})",
                key.get(count, "wrong_values"),
            )
        for e in range(epochs):
            idx = np.concatenate([c[0] for c in calls[e * per_epoch : (e + 1) * per_epoch]])
            if not np.array_equal(np.sort(idx), np.arange(n)):
                raise Fail(
                    f"epoch {e + 1} used the samples {sorted(idx.tolist())}", "with_replacement"
                )

    def shuffles() -> None:
        _, calls = run(0)
        per_epoch = math.ceil(n / b)
        orders = [
            np.concatenate([c[0] for c in calls[e * per_epoch : (e + 1) * per_epoch]])
            for e in range(epochs)
        ]
        if all(np.array_equal(o, orders[0]) for o in orders):
            key = "no_shuffle" if np.array_equal(orders[0], np.arange(n)) else "shuffled_once"
            raise Fail(f"every epoch visits the samples in the order {orders[0].tolist()}", key)

    def update_rule() -> None:
        got, calls = run(0)
        replay = {"ok": np.zeros(2), "no_learning_rate": np.zeros(2), "ascent": np.zeros(2)}
        for k, (idx, w_seen) in enumerate(calls):
            if not close(w_seen, replay["ok"], rtol=1e-10, atol=1e-12) and not any(
                close(w_seen, replay[v], rtol=1e-10, atol=1e-12)
                for v in ("no_learning_rate", "ascent")
            ):
                raise Fail(
                    f"minibatch {k + 1} was evaluated at w = {show(w_seen)}, expected {show(replay['ok'])}",
                    "stale_parameters",
                )
            for v, w in replay.items():
                g = w - data[idx].mean(axis=0)
                replay[v] = w - {"ok": lr, "no_learning_rate": 1.0, "ascent": -lr}[v] * g
        want = replay.pop("ok")
        replay["returns_start"] = np.zeros(2)
        _diagnose_params(got, want, replay, "the minibatches your code chose")

    def reproducible() -> None:
        first, _ = run(5)
        second, _ = run(5)
        if not np.array_equal(first, second):
            raise Fail(
                f"two runs with rng seed 5 returned {show(first)} and {show(second)}", "ignores_rng"
            )

    def integer_start() -> None:
        run(0, np.zeros(2, dtype=int))

    X, y = _blob_problem()

    def optimum() -> None:
        def fun_batch(theta: np.ndarray, idx: Any) -> tuple[float, np.ndarray]:
            i = np.asarray(idx).ravel().astype(int)
            return logistic_loss_grad(theta, X[i], y[i])

        _, best = _optimum(X, y)
        out = call(
            fn,
            (fun_batch, np.zeros(3), len(y), 8, 0.5, 30, np.random.default_rng(0)),
            "logistic regression, 30 epochs",
            names,
        )
        theta = _returned_params(out, (3,), "fn(...)")
        loss = logistic_loss_grad(theta, X, y)[0]
        if not (loss - best < 0.01):
            raise Fail(
                f"after 30 epochs the loss is {loss:.6g}; the optimum is {best:.6g}",
                "not_converged",
            )

    return run_battery(
        "check_sgd",
        [
            ("returns the final parameters, shaped like w0", returns_params),
            ("each epoch uses every sample once, in minibatches of batch_size", epochs_cover),
            ("a new order in every epoch", shuffles),
            ("w <- w - learning_rate * grad after every minibatch", update_rule),
            ("the same rng seed gives the same result", reproducible),
            ("integer w0", integer_start),
            ("30 epochs get close to the optimum of logistic regression", optimum),
        ],
        SGD_DIAGNOSES,
    )
