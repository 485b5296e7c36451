"""Check of a whole logistic-regression pipeline: initialise, propagate, optimise, predict, model."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lrbook import datasets
from lrbook._primitives import sigmoid
from lrbook.exercises._compare import as_float_array, close, match, show
from lrbook.exercises._core import CheckResult, Fail, call, run_battery
from lrbook.exercises._diagnoses import (
    LEARNING_RATE,
    MEAN_OR_SUM,
    OVERCONFIDENT,
    OVERFLOWS,
    ROWS_OR_COLUMNS,
    diagnoses_for,
)
from lrbook.losses import logistic_loss_grad

# Every key not listed here points to LEARNING_RATE.
_SECTIONS = {
    MEAN_OR_SUM: ("sum_not_mean",),
    (4, "The bias: a separate $b$ or a column of ones"): ("db_not_mean",),
    ROWS_OR_COLUMNS: ("column_shape",),
    OVERCONFIDENT: ("log_zero",),
    OVERFLOWS: ("overflow_exp",),
    (2, "Data on the sigmoid"): ("returns_probabilities", "threshold_on_logit", "inverted_labels"),
}

_EXTRA = {
    "not_pair": ("not a pair", "initialize(d) returns the pair (w, b)."),
    "b_not_scalar": ("b is not a single number", "the intercept b is one number: b = 0.0."),
    "integer_output": (
        "integer-dtype parameters",
        "np.zeros(d, dtype=int) makes integer weights that cannot hold the updates. "
        "Use float zeros: np.zeros(d).",
    ),
    "not_zeros": (
        "not initialised with zeros",
        "logistic regression is convex, so zeros are a fine start and make every run "
        "reproducible; the check compares with runs from zeros.",
    ),
    "not_triple": ("not (cost, dw, db)", "propagate returns the triple (cost, dw, db)."),
    "sum_not_mean": (
        "sum instead of mean (off by a factor n)",
        "the cost is the mean loss and its gradient carries a factor 1/n: did you take the mean?",
    ),
    "sign_error": (
        "sign error",
        "the cost is minus the mean log-likelihood (positive), and dw, db use the residual a - y.",
    ),
    "db_not_mean": (
        "db without 1/n",
        "db is the mean of the residuals a - y, like every entry of dw.",
    ),
    "extra_activation_derivative": (
        "an extra factor a (1 - a)",
        "with cross-entropy, dz = a - y: the slope of the sigmoid cancels.",
    ),
    "not_triple_opt": ("not (w, b, costs)", "optimize returns the triple (w, b, costs)."),
    "no_learning_rate": ("learning rate not applied", "the update is w <- w - learning_rate * dw."),
    "ascent": (
        "sign error: gradient ascent",
        "subtract the gradient: w <- w - learning_rate * dw.",
    ),
    "returns_start": (
        "the starting parameters are returned",
        "the updates never reach what you return.",
    ),
    "costs_length": (
        "one cost per step",
        "costs[k] is the cost before update k, so there are n_steps of them.",
    ),
    "returns_probabilities": (
        "probabilities instead of labels",
        "predict returns the labels 0 and 1: a label is 1 where sigma(z) >= 0.5.",
    ),
    "threshold_on_logit": (
        "the 0.5 cutoff applied to the logit",
        "the cutoff 0.5 is for the probability sigma(z); on the logit it is z >= 0.",
    ),
    "inverted_labels": (
        "labels inverted",
        "a probability of class 1 at or above 0.5 means label 1, not 0.",
    ),
    "missing_key": (
        "a key is missing",
        "model returns a dict with 'w', 'b', 'costs', 'train_accuracy' and 'test_accuracy'.",
    ),
    "accuracy_percent": (
        "accuracy in percent",
        "report accuracies as fractions in [0, 1], e.g. np.mean(pred == y).",
    ),
    "swapped_accuracy": (
        "train and test accuracy swapped",
        "train_accuracy is measured on X_train, test_accuracy on X_test.",
    ),
    "wrong_values": (
        "wrong values",
        "the result differs from logistic regression trained by gradient descent from zeros.",
    ),
}

PIPELINE_DIAGNOSES = diagnoses_for(LEARNING_RATE, _SECTIONS, _EXTRA)


def _reference_train(
    X: np.ndarray, y: np.ndarray, n_steps: int, lr: float
) -> tuple[np.ndarray, float, list[float]]:
    theta = np.zeros(X.shape[1] + 1)
    costs = []
    for _ in range(n_steps):
        cost, g = logistic_loss_grad(theta, X, y)
        costs.append(cost)
        theta = theta - lr * g
    return theta[1:], float(theta[0]), costs


def _predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    return (X @ w + b >= 0).astype(int)


def check_pipeline(
    initialize: Callable[[int], Any] | None = None,
    propagate: Callable[..., Any] | None = None,
    optimize: Callable[..., Any] | None = None,
    predict: Callable[..., Any] | None = None,
    model: Callable[..., Any] | None = None,
) -> CheckResult:
    """Check the steps of a logistic-regression pipeline written from scratch.

    Samples are rows (``X`` of shape (n, d)), the weights ``w`` have shape (d,) and the
    intercept ``b`` is a number. Give any of the steps; only those given are checked, in
    this order:

    - ``initialize(d) -> (w, b)``: float zeros of shape (d,) and ``0.0``;
    - ``propagate(w, b, X, y) -> (cost, dw, db)``: the mean binary cross-entropy and its
      gradient, also at logits beyond ``+-1000`` without warnings;
    - ``optimize(w, b, X, y, n_steps, learning_rate) -> (w, b, costs)``: ``n_steps``
      gradient-descent updates; ``costs[k]`` is the cost before update ``k``;
    - ``predict(w, b, X) -> labels``: 0/1 labels of shape (n,), 1 where
      ``sigma(X w + b) >= 0.5``;
    - ``model(X_train, y_train, X_test, y_test, n_steps, learning_rate) -> dict`` with keys
      ``"w"``, ``"b"``, ``"costs"``, ``"train_accuracy"`` and ``"test_accuracy"``
      (fractions in [0, 1]), trained from zeros.

    Each is compared with lrbook (:func:`lrbook.losses.logistic_loss_grad`, gradient
    descent from zeros) on two small blob data sets.

    Parameters
    ----------
    initialize, propagate, optimize, predict, model : callable, optional
        The reader's functions; at least one must be given.

    Returns
    -------
    CheckResult
        Its ``diagnosis`` names the likely mistake in the first step that failed; its
        ``notes`` list the steps that were not given.

    Raises
    ------
    ValueError
        If no step is given.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.exercises import check_pipeline
    >>> check_pipeline(initialize=lambda d: (np.zeros((d, 1)), 0.0)).diagnosis.key
    'column_shape'
    """
    given = {
        "initialize": initialize,
        "propagate": propagate,
        "optimize": optimize,
        "predict": predict,
        "model": model,
    }
    if all(f is None for f in given.values()):
        raise ValueError(
            "check_pipeline needs at least one step: pass e.g. "
            "check_pipeline(initialize=initialize, propagate=propagate)"
        )
    Xtr, ytr = datasets.make_blobs(60, separation=2.0, random_state=2)
    Xte, yte = datasets.make_blobs(30, separation=2.0, random_state=3)
    ytr, yte = ytr.astype(float), yte.astype(float)
    n, d = Xtr.shape
    steps: list[tuple[str, Callable[[], None]]] = []

    def check_initialize() -> None:
        assert initialize is not None
        out = call(initialize, (d,), f"d = {d}", ("d",))
        if not (isinstance(out, tuple | list) and len(out) == 2):
            raise Fail(f"initialize({d}) returned {type(out).__name__}", "not_pair")
        w = as_float_array(out[0], f"w of initialize({d})", (d,))
        if np.ndim(out[1]) != 0:
            raise Fail(f"b has shape {np.shape(out[1])}", "b_not_scalar")
        if not np.issubdtype(w.dtype, np.floating):
            raise Fail(f"w has dtype {w.dtype}", "integer_output")
        if np.any(w != 0) or float(out[1]) != 0.0:
            raise Fail(f"w = {show(w)}, b = {float(out[1]):g}", "not_zeros")

    def check_propagate() -> None:
        assert propagate is not None
        for w, b, where in (
            (np.array([0.5, -0.3]), 0.2, "w = [0.5, -0.3], b = 0.2"),
            (np.array([400.0, 400.0]), 0.0, "w = [400, 400] (logits beyond +-1000)"),
        ):
            out = call(
                propagate, (w.copy(), b, Xtr.copy(), ytr.copy()), where, ("w", "b", "X", "y")
            )
            if not (isinstance(out, tuple | list) and len(out) == 3):
                raise Fail(f"propagate returned {type(out).__name__}", "not_triple")
            cost_want, g = logistic_loss_grad(np.concatenate([[b], w]), Xtr, ytr)
            cost = np.asarray(out[0], dtype=float)
            if cost.size != 1 or not math.isfinite(float(cost.ravel()[0])):
                raise Fail(
                    f"at {where} the cost is {show(cost)}",
                    "log_zero" if cost.size == 1 else "wrong_shape",
                )
            c = float(cost.ravel()[0])
            if not math.isclose(c, cost_want, rel_tol=1e-8):
                found = match(c, {"sum_not_mean": n * cost_want, "sign_error": -cost_want})
                raise Fail(
                    f"at {where} the cost is {c:.10g}, expected {cost_want:.10g}",
                    found or "wrong_values",
                )
            dw = as_float_array(out[1], "dw", (d,))
            if not close(dw, g[1:], rtol=1e-8):
                a = sigmoid(Xtr @ w + b)
                found = match(
                    dw,
                    {
                        "sum_not_mean": n * g[1:],
                        "sign_error": -g[1:],
                        "extra_activation_derivative": Xtr.T @ ((a - ytr) * a * (1 - a)) / n,
                    },
                )
                raise Fail(
                    f"at {where} dw = {show(dw)}, expected {show(g[1:])}", found or "wrong_values"
                )
            db = np.asarray(out[2], dtype=float)
            if db.size != 1 or not math.isclose(
                float(db.ravel()[0]), g[0], rel_tol=1e-8, abs_tol=1e-14
            ):
                found = (
                    match(db.ravel(), {"db_not_mean": [n * g[0]], "sign_error": [-g[0]]})
                    if db.size == 1
                    else "b_not_scalar"
                )
                raise Fail(
                    f"at {where} db = {show(db)}, expected {g[0]:.10g}", found or "wrong_values"
                )

    def check_optimize() -> None:
        assert optimize is not None
        n_steps, lr = 20, 0.5
        where = f"n_steps={n_steps}, learning_rate={lr}, from zeros"
        out = call(
            optimize,
            (np.zeros(d), 0.0, Xtr.copy(), ytr.copy(), n_steps, lr),
            where,
            ("w", "b", "X", "y", "n_steps", "learning_rate"),
        )
        if not (isinstance(out, tuple | list) and len(out) == 3):
            raise Fail(f"optimize returned {type(out).__name__}", "not_triple_opt")
        w = as_float_array(out[0], "w", (d,))
        w_ref, b_ref, costs_ref = _reference_train(Xtr, ytr, n_steps, lr)
        got = np.concatenate([[float(np.asarray(out[1]).ravel()[0])], w])
        want = np.concatenate([[b_ref], w_ref])
        if not close(got, want, rtol=1e-8):
            cands = {
                "no_learning_rate": np.concatenate(_flip(_reference_train(Xtr, ytr, n_steps, 1.0))),
                "ascent": np.concatenate(_flip(_reference_train(Xtr, ytr, n_steps, -lr))),
                "returns_start": np.zeros(d + 1),
            }
            raise Fail(
                f"after {n_steps} steps [b, w] = {show(got)}, expected {show(want)}",
                match(got, cands) or "wrong_values",
            )
        costs = np.asarray(out[2], dtype=float).ravel()
        if costs.shape != (n_steps,):
            raise Fail(f"{costs.size} costs for {n_steps} steps", "costs_length")
        if not close(costs, costs_ref, rtol=1e-8):
            raise Fail(f"costs = {show(costs)}, expected {show(costs_ref)}", "wrong_values")

    def check_predict() -> None:
        assert predict is not None
        w, b = np.array([1.2, 0.8]), -0.3
        out = call(predict, (w.copy(), b, Xte.copy()), "w = [1.2, 0.8], b = -0.3", ("w", "b", "X"))
        labels = as_float_array(out, "predict(w, b, X)", (len(yte),))
        want = _predict(w, b, Xte)
        if not close(labels, want):
            z = Xte @ w + b
            cands = {
                "returns_probabilities": sigmoid(z),
                "threshold_on_logit": (z >= 0.5).astype(int),
                "inverted_labels": 1 - want,
            }
            key = match(labels, cands)
            if key is None and np.all((labels > 0) & (labels < 1)):
                key = "returns_probabilities"
            raise Fail(
                f"predict returned {show(labels)}, expected {show(want)}", key or "wrong_values"
            )

    def check_model() -> None:
        assert model is not None
        n_steps, lr = 100, 0.5
        out = call(
            model,
            (Xtr.copy(), ytr.copy(), Xte.copy(), yte.copy(), n_steps, lr),
            f"n_steps={n_steps}, learning_rate={lr}",
            ("X_train", "y_train", "X_test", "y_test", "n_steps", "learning_rate"),
        )
        if not isinstance(out, Mapping):
            raise Fail(f"model returned {type(out).__name__}, not a dict", "missing_key")
        keys = ("w", "b", "costs", "train_accuracy", "test_accuracy")
        missing = [k for k in keys if k not in out]
        if missing:
            raise Fail(f"the result has no {missing}", "missing_key")
        w_ref, b_ref, _ = _reference_train(Xtr, ytr, n_steps, lr)
        got = np.concatenate(
            [[float(np.asarray(out["b"]).ravel()[0])], as_float_array(out["w"], "w", (d,))]
        )
        if not close(got, np.concatenate([[b_ref], w_ref]), rtol=1e-8):
            raise Fail(
                f"[b, w] = {show(got)}, expected {show(np.concatenate([[b_ref], w_ref]))}",
                "wrong_values",
            )
        acc = {
            "train": float(np.mean(_predict(w_ref, b_ref, Xtr) == ytr)),
            "test": float(np.mean(_predict(w_ref, b_ref, Xte) == yte)),
        }
        got_acc = (float(out["train_accuracy"]), float(out["test_accuracy"]))
        want_acc = (acc["train"], acc["test"])
        if not close(got_acc, want_acc):
            key = match(
                got_acc,
                {
                    "accuracy_percent": [100 * a for a in want_acc],
                    "swapped_accuracy": want_acc[::-1],
                },
            )
            raise Fail(
                f"accuracies (train, test) = {got_acc}, expected {want_acc}", key or "wrong_values"
            )

    bodies = {
        "initialize": ("initialize(d): float zeros of shape (d,) and b = 0", check_initialize),
        "propagate": (
            "propagate: mean cost, dw and db, also at logits beyond +-1000",
            check_propagate,
        ),
        "optimize": ("optimize: n_steps of gradient descent, one cost per step", check_optimize),
        "predict": ("predict: 0/1 labels, 1 where sigma(z) >= 0.5", check_predict),
        "model": ("model: trained parameters and train/test accuracy", check_model),
    }
    for name, fn in given.items():
        if fn is not None:
            steps.append(bodies[name])
    missing = [name for name, fn in given.items() if fn is None]
    notes = [f"Not given, so not checked: {', '.join(missing)}."] if missing else []
    return run_battery("check_pipeline", steps, PIPELINE_DIAGNOSES, notes)


def _flip(trained: tuple[np.ndarray, float, list[float]]) -> tuple[np.ndarray, np.ndarray]:
    w, b, _ = trained
    return np.array([b]), w
