"""lrbook.exercises: reference implementations pass; each typical mistake gets its diagnosis.

Every wrong implementation below is a deliberately broken version of the piece a reader
writes, with the mistake named in its id; the test asserts that the check fails and
names exactly that mistake.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrbook
from lrbook import exercises as E
from lrbook.gradcheck import numerical_gradient
from lrbook.losses import logistic_loss_grad, mlp_loss_grad

ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------- reference implementations
def good_sigmoid(z: Any) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def good_log_loss(y: Any, z: Any) -> float:
    return float(np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def good_softmax(Z: Any) -> np.ndarray:
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def good_gradient(w: Any, X: Any, y: Any) -> np.ndarray:
    return X.T @ (good_sigmoid(X @ w) - y) / len(y)


def good_numerical(f: Callable[[np.ndarray], float], x: Any, h: float = 1e-6) -> np.ndarray:
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * h)
    return g


def _forward(params: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, ...]:
    z1 = X @ params["W1"] + params["b1"]
    a1 = good_sigmoid(z1)
    out = good_sigmoid(a1 @ params["W2"] + params["b2"])
    return z1, a1, out


def good_backprop(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    _, a1, out = _forward(params, X)
    d2 = (out - y[:, None]) / len(y)
    d1 = (d2 @ params["W2"].T) * a1 * (1 - a1)
    return {"W1": X.T @ d1, "b1": d1.sum(axis=0), "W2": a1.T @ d2, "b2": d2.sum(axis=0)}


def good_trainer(
    fun: Callable[..., Any], w0: Any, learning_rate: float, n_steps: int
) -> np.ndarray:
    w = np.array(w0, dtype=float)
    for _ in range(n_steps):
        _, g = fun(w)
        w = w - learning_rate * g
    return w


def good_sgd(fun_batch, w0, n_samples, batch_size, learning_rate, n_epochs, rng):  # type: ignore[no-untyped-def]
    w = np.array(w0, dtype=float)
    for _ in range(n_epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            w = w - learning_rate * fun_batch(w, perm[start : start + batch_size])[1]
    return w


def good_initialize(d: int) -> tuple[np.ndarray, float]:
    return np.zeros(d), 0.0


def good_propagate(w, b, X, y):  # type: ignore[no-untyped-def]
    z = X @ w + b
    cost = good_log_loss(y, z)
    r = good_sigmoid(z) - y
    return cost, X.T @ r / len(y), float(np.mean(r))


def good_optimize(w, b, X, y, n_steps, learning_rate):  # type: ignore[no-untyped-def]
    costs = []
    for _ in range(n_steps):
        cost, dw, db = good_propagate(w, b, X, y)
        costs.append(cost)
        w, b = w - learning_rate * dw, b - learning_rate * db
    return w, b, costs


def good_predict(w, b, X):  # type: ignore[no-untyped-def]
    return (good_sigmoid(X @ w + b) >= 0.5).astype(int)


def good_model(X_train, y_train, X_test, y_test, n_steps, learning_rate):  # type: ignore[no-untyped-def]
    w, b = good_initialize(X_train.shape[1])
    w, b, costs = good_optimize(w, b, X_train, y_train, n_steps, learning_rate)
    return {
        "w": w,
        "b": b,
        "costs": costs,
        "train_accuracy": float(np.mean(good_predict(w, b, X_train) == y_train)),
        "test_accuracy": float(np.mean(good_predict(w, b, X_test) == y_test)),
    }


PIPELINE = {
    "initialize": good_initialize,
    "propagate": good_propagate,
    "optimize": good_optimize,
    "predict": good_predict,
    "model": good_model,
}


def pipeline_with(**replace: Callable[..., Any]) -> E.CheckResult:
    return E.check_pipeline(**{**PIPELINE, **replace})


# ------------------------------------------------------------------ the references pass
REFERENCES = {
    "sigmoid": lambda: E.check_sigmoid(good_sigmoid),
    "lrbook.sigmoid": lambda: E.check_sigmoid(lrbook.sigmoid),
    "log_loss": lambda: E.check_log_loss(good_log_loss),
    "lrbook.binary_cross_entropy": lambda: E.check_log_loss(lrbook.binary_cross_entropy),
    "softmax": lambda: E.check_softmax(good_softmax),
    "lrbook.softmax": lambda: E.check_softmax(lrbook.softmax),
    "gradient": lambda: E.check_gradient(good_gradient),
    "lrbook.logistic_loss_grad": lambda: E.check_gradient(
        lambda w, X, y: logistic_loss_grad(w, X, y, fit_intercept=False)[1]
    ),
    "numerical_gradient": lambda: E.check_numerical_gradient(good_numerical),
    "lrbook.numerical_gradient": lambda: E.check_numerical_gradient(numerical_gradient),
    "backprop": lambda: E.check_backprop(good_backprop),
    "lrbook.mlp_loss_grad": lambda: E.check_backprop(mlp_loss_grad),
    "trainer": lambda: E.check_trainer(good_trainer),
    "sgd": lambda: E.check_sgd(good_sgd),
    "pipeline": lambda: E.check_pipeline(**PIPELINE),
}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_reference_implementation_passes(name: str) -> None:
    result = REFERENCES[name]()
    assert result.passed, result
    assert result.diagnosis is None
    assert all(step.passed for step in result.steps)
    assert "passed" in str(result)


# ------------------------------------------------------------------ wrong implementations
def _naive_sigmoid(z: Any) -> Any:
    return 1 / (1 + np.exp(-z))


def _integer_sigmoid(z: Any) -> np.ndarray:
    out = np.zeros_like(z)
    out[...] = good_sigmoid(z)
    return out


def _mutating_sigmoid(z: np.ndarray) -> np.ndarray:
    np.negative(z, out=z)  # z is now -z
    return good_sigmoid(-z)


def _ratio_sigmoid(z: Any) -> Any:
    with np.errstate(over="ignore"):
        e = np.exp(z)
        return e / (1 + e)


def _no_return(z: Any) -> None:
    good_sigmoid(z)


def _from_probabilities(y: Any, z: Any) -> float:
    p = good_sigmoid(z)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _clipped(y: Any, z: Any) -> float:
    p = np.clip(good_sigmoid(z), 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _naive_loss(y: Any, z: Any) -> float:
    return float(np.mean(y * np.log1p(np.exp(-z)) + (1 - y) * np.log1p(np.exp(z))))


def _per_sample(y: Any, z: Any) -> np.ndarray:
    return y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)


def _softmax_in_place(Z: np.ndarray) -> np.ndarray:
    Z -= Z.max(axis=1, keepdims=True)
    e = np.exp(Z)
    return e / e.sum(axis=1, keepdims=True)


def _softmax_integer(Z: Any) -> np.ndarray:
    out = np.zeros_like(Z)
    out[...] = good_softmax(Z)
    return out


def _softmax_no_keepdims(Z: Any) -> Any:
    e = np.exp(Z - Z.max(axis=1))
    return e / e.sum(axis=1)


def _gradient_mutates(w: Any, X: np.ndarray, y: Any) -> np.ndarray:
    X /= len(y)
    return X.T @ (good_sigmoid(X @ w * len(y)) - y)


def _forward_difference(f: Callable[[np.ndarray], float], x: Any) -> np.ndarray:
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = 1e-6
        g[i] = (f(x + e) - f(x)) / 1e-6
    return g


def _not_restored(f: Callable[[np.ndarray], float], x: Any) -> np.ndarray:
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += 1e-6
        up = f(x)
        x[i] -= 2e-6
        down = f(x)
        g[i] = (up - down) / 2e-6  # x[i] is left 1e-6 too low
    return g


def _integer_point(f: Callable[[np.ndarray], float], x: Any) -> np.ndarray:
    x = x.copy()
    g = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + 1e-6
        up = f(x)
        x[i] = old - 1e-6
        down = f(x)
        x[i] = old
        g[i] = (up - down) / 2e-6
    return g


def _only_1d(f: Callable[[np.ndarray], float], x: Any) -> np.ndarray:
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = 1e-6
        g[i] = (f(x + e) - f(x - e)) / 2e-6
    return g


def _mutating_numerical(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += 1e-6
        up = f(x)
        g[i] = (up - f(x - 2e-6 * (np.arange(x.size).reshape(x.shape) == i))) / 2e-6
    return g


def _backprop(variant: str) -> Callable[..., Any]:
    def fn(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> Any:
        z1, a1, out = _forward(params, X)
        n = len(y)
        d2 = (out - y[:, None]) / n
        if variant == "extra_output_derivative":
            d2 = d2 * out * (1 - out)
        if variant == "broadcast_y":
            d2 = (out - y) / n
        back = d2 @ params["W2"].T
        d1 = back * a1 * (1 - a1)
        if variant == "missing_activation_derivative":
            d1 = back
        if variant == "derivative_of_z":
            d1 = back * z1 * (1 - z1)
        grads = {"W1": X.T @ d1, "b1": d1.sum(axis=0), "W2": a1.T @ d2, "b2": d2.sum(axis=0)}
        if variant == "wrong_layer_activations":
            grads["W2"] = X.T @ d2
        if variant == "pre_activation":
            grads["W2"] = z1.T @ d2
        if variant == "sum_not_mean":
            grads = {k: v * n for k, v in grads.items()}
        if variant == "sign_error":
            grads = {k: -v for k, v in grads.items()}
        if variant == "bias_summed_all":
            grads["b1"] = np.sum(d1)
        if variant == "missing_key":
            del grads["b2"]
        if variant == "wrong_loss":
            return 1.0, grads
        if variant == "overflow_exp":
            a1n = _naive_sigmoid(X @ params["W1"] + params["b1"])
            grads["W2"] = a1n.T @ d2
        return grads

    return fn


def _trainer(variant: str) -> Callable[..., Any]:
    def fn(fun: Callable[..., Any], w0: Any, learning_rate: float, n_steps: int) -> Any:
        w = np.array(w0, dtype=float)
        loss = 0.0
        g0 = fun(w)[1]
        steps = n_steps + (1 if variant == "off_by_one" else 0)
        for _ in range(steps):
            loss, g = fun(w)
            if variant == "no_learning_rate":
                w = w - g
            elif variant == "ascent":
                w = w + learning_rate * g
            elif variant == "grad_outside_loop":
                w = w - learning_rate * g0
            elif variant == "loss_as_gradient":
                w = w - learning_rate * loss
            else:
                w = w - learning_rate * g
        if variant == "returns_loss":
            return loss
        if variant == "returns_tuple":
            return w, loss
        if variant == "returns_start":
            return w0
        return w

    return fn


def _trainer_mutates(
    fun: Callable[..., Any], w0: np.ndarray, learning_rate: float, n_steps: int
) -> np.ndarray:
    for _ in range(n_steps):
        w0 -= learning_rate * fun(w0)[1]
    return w0


def _trainer_integer(
    fun: Callable[..., Any], w0: np.ndarray, learning_rate: float, n_steps: int
) -> np.ndarray:
    w = w0.copy()
    for _ in range(n_steps):
        w -= learning_rate * fun(w)[1]
    return w


def _sgd(variant: str) -> Callable[..., Any]:
    def fn(fun_batch, w0, n_samples, batch_size, learning_rate, n_epochs, rng):  # type: ignore[no-untyped-def]
        w = np.array(w0, dtype=float)
        fixed = rng.permutation(n_samples)
        for _ in range(n_epochs):
            perm = rng.permutation(n_samples)
            if variant == "no_shuffle":
                perm = np.arange(n_samples)
            if variant == "shuffled_once":
                perm = fixed
            if variant == "ignores_rng":
                perm = np.random.default_rng().permutation(n_samples)
            step = 1 if variant == "batch_size_ignored" else batch_size
            stop = n_samples - n_samples % step if variant == "drops_last_batch" else n_samples
            for start in range(0, stop, step):
                idx = perm[start : start + step]
                if variant == "with_replacement":
                    idx = rng.integers(0, n_samples, size=len(idx))
                g = fun_batch(w, idx)[1]
                if variant == "no_learning_rate":
                    w = w - g
                elif variant == "ascent":
                    w = w + learning_rate * g
                else:
                    w = w - learning_rate * g
        return w

    return fn


def _propagate_sum(w, b, X, y):  # type: ignore[no-untyped-def]
    cost, dw, db = good_propagate(w, b, X, y)
    return cost * len(y), dw, db


def _propagate_db(w, b, X, y):  # type: ignore[no-untyped-def]
    cost, dw, db = good_propagate(w, b, X, y)
    return cost, dw, db * len(y)


def _propagate_from_p(w, b, X, y):  # type: ignore[no-untyped-def]
    _, dw, db = good_propagate(w, b, X, y)
    return _from_probabilities(y, X @ w + b), dw, db


def _optimize_no_rate(w, b, X, y, n_steps, learning_rate):  # type: ignore[no-untyped-def]
    return good_optimize(w, b, X, y, n_steps, 1.0)


def _optimize_costs(w, b, X, y, n_steps, learning_rate):  # type: ignore[no-untyped-def]
    w, b, costs = good_optimize(w, b, X, y, n_steps, learning_rate)
    return w, b, costs[::10]


def _model_percent(*args):  # type: ignore[no-untyped-def]
    out = good_model(*args)
    return {
        **out,
        "train_accuracy": 100 * out["train_accuracy"],
        "test_accuracy": 100 * out["test_accuracy"],
    }


def _model_swapped(*args):  # type: ignore[no-untyped-def]
    out = good_model(*args)
    return {**out, "train_accuracy": out["test_accuracy"], "test_accuracy": out["train_accuracy"]}


WRONG: dict[str, tuple[Callable[[], E.CheckResult], str]] = {
    # sigmoid
    "sigmoid-naive": (lambda: E.check_sigmoid(_naive_sigmoid), "overflow_exp"),
    "sigmoid-math.exp": (
        lambda: E.check_sigmoid(lambda z: 1 / (1 + math.exp(-z))),
        "not_vectorised",
    ),
    "sigmoid-zeros_like": (lambda: E.check_sigmoid(_integer_sigmoid), "integer_output"),
    "sigmoid-sign": (lambda: E.check_sigmoid(lambda z: good_sigmoid(-z)), "sign_flip"),
    "sigmoid-tanh": (
        lambda: E.check_sigmoid(lambda z: 0.5 * (1 + np.tanh(z / 2))),
        "negative_tail",
    ),
    "sigmoid-one-minus": (
        lambda: E.check_sigmoid(lambda z: np.where(z >= 0, good_sigmoid(z), 1 - good_sigmoid(-z))),
        "negative_tail",
    ),
    "sigmoid-mutates": (lambda: E.check_sigmoid(_mutating_sigmoid), "mutates_input"),
    "sigmoid-exp-ratio": (lambda: E.check_sigmoid(_ratio_sigmoid), "invalid_value"),
    "sigmoid-no-return": (lambda: E.check_sigmoid(_no_return), "returns_none"),
    "sigmoid-column": (
        lambda: E.check_sigmoid(lambda z: good_sigmoid(z).reshape(-1, 1)),
        "column_shape",
    ),
    "sigmoid-scaled": (lambda: E.check_sigmoid(lambda z: good_sigmoid(2 * z)), "wrong_values"),
    "sigmoid-stub": (lambda: E.check_sigmoid(_raise_not_implemented), "not_implemented"),
    # log loss
    "loss-from-probabilities": (lambda: E.check_log_loss(_from_probabilities), "log_zero"),
    "loss-naive-sigmoid": (lambda: E.check_log_loss(_naive_loss), "overflow_exp"),
    "loss-clipped": (lambda: E.check_log_loss(_clipped), "clipped"),
    "loss-sum": (
        lambda: E.check_log_loss(lambda y, z: len(y) * good_log_loss(y, z)),
        "sum_not_mean",
    ),
    "loss-sign": (lambda: E.check_log_loss(lambda y, z: -good_log_loss(y, z)), "sign_error"),
    "loss-flipped": (
        lambda: E.check_log_loss(lambda y, z: good_log_loss(1 - y, z)),
        "flipped_labels",
    ),
    "loss-log10": (
        lambda: E.check_log_loss(lambda y, z: good_log_loss(y, z) / math.log(10)),
        "log_base",
    ),
    "loss-squared": (
        lambda: E.check_log_loss(lambda y, z: float(np.mean((good_sigmoid(z) - y) ** 2))),
        "squared_error",
    ),
    "loss-per-sample": (lambda: E.check_log_loss(_per_sample), "per_sample"),
    # softmax
    "softmax-axis0": (
        lambda: E.check_softmax(lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=0)),
        "wrong_axis",
    ),
    "softmax-no-axis": (lambda: E.check_softmax(lambda Z: np.exp(Z) / np.exp(Z).sum()), "no_axis"),
    "softmax-no-keepdims": (lambda: E.check_softmax(_softmax_no_keepdims), "missing_keepdims"),
    "softmax-no-shift": (
        lambda: E.check_softmax(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)),
        "no_max_shift",
    ),
    "softmax-sign": (lambda: E.check_softmax(lambda Z: good_softmax(-Z)), "sign_error"),
    "softmax-unnormalised": (lambda: E.check_softmax(lambda Z: np.exp(Z)), "not_normalised"),
    "softmax-zeros_like": (lambda: E.check_softmax(_softmax_integer), "integer_output"),
    "softmax-in-place-shift": (lambda: E.check_softmax(_softmax_in_place), "mutates_input"),
    # gradient
    "gradient-sum": (
        lambda: E.check_gradient(lambda w, X, y: X.T @ (good_sigmoid(X @ w) - y)),
        "sum_not_mean",
    ),
    "gradient-sign": (
        lambda: E.check_gradient(lambda w, X, y: -good_gradient(w, X, y)),
        "sign_error",
    ),
    "gradient-no-sigmoid": (
        lambda: E.check_gradient(lambda w, X, y: X.T @ (X @ w - y) / len(y)),
        "no_sigmoid",
    ),
    "gradient-extra-derivative": (
        lambda: E.check_gradient(
            lambda w, X, y: (
                X.T
                @ ((good_sigmoid(X @ w) - y) * good_sigmoid(X @ w) * good_sigmoid(-(X @ w)))
                / len(y)
            )
        ),
        "extra_activation_derivative",
    ),
    "gradient-divided-by-d": (
        lambda: E.check_gradient(lambda w, X, y: X.T @ (good_sigmoid(X @ w) - y) / X.shape[1]),
        "divided_by_d",
    ),
    "gradient-column": (
        lambda: E.check_gradient(lambda w, X, y: good_gradient(w, X, y)[:, None]),
        "column_shape",
    ),
    "gradient-residuals": (
        lambda: E.check_gradient(lambda w, X, y: good_sigmoid(X @ w) - y),
        "residuals_only",
    ),
    "gradient-naive-sigmoid": (
        lambda: E.check_gradient(lambda w, X, y: X.T @ (_naive_sigmoid(X @ w) - y) / len(y)),
        "overflow_exp",
    ),
    "gradient-mutates-X": (lambda: E.check_gradient(_gradient_mutates), "mutates_input"),
    # numerical gradient
    "numerical-forward": (
        lambda: E.check_numerical_gradient(_forward_difference),
        "forward_difference",
    ),
    "numerical-denominator-h": (
        lambda: E.check_numerical_gradient(lambda f, x: 2 * good_numerical(f, x)),
        "half_denominator",
    ),
    "numerical-not-restored": (lambda: E.check_numerical_gradient(_not_restored), "not_restored"),
    "numerical-integer-point": (
        lambda: E.check_numerical_gradient(_integer_point),
        "integer_point",
    ),
    "numerical-only-1d": (lambda: E.check_numerical_gradient(_only_1d), "only_1d"),
    "numerical-tiny-step": (
        lambda: E.check_numerical_gradient(lambda f, x: good_numerical(f, x, h=1e-13)),
        "step_size",
    ),
    "numerical-mutates": (lambda: E.check_numerical_gradient(_mutating_numerical), "mutates_input"),
    # backprop
    **{
        f"backprop-{v}": ((lambda v=v: E.check_backprop(_backprop(v))), v)
        for v in (
            "missing_activation_derivative",
            "derivative_of_z",
            "wrong_layer_activations",
            "pre_activation",
            "extra_output_derivative",
            "sum_not_mean",
            "sign_error",
            "bias_summed_all",
            "missing_key",
            "broadcast_y",
            "wrong_loss",
            "overflow_exp",
        )
    },
    # trainer
    **{
        f"trainer-{v}": ((lambda v=v: E.check_trainer(_trainer(v))), v)
        for v in (
            "no_learning_rate",
            "ascent",
            "grad_outside_loop",
            "loss_as_gradient",
            "off_by_one",
            "returns_loss",
            "returns_tuple",
            "returns_start",
        )
    },
    "trainer-mutates-w0": (lambda: E.check_trainer(_trainer_mutates), "mutates_input"),
    "trainer-integer-w0": (lambda: E.check_trainer(_trainer_integer), "integer_inplace"),
    # sgd
    **{
        f"sgd-{v}": ((lambda v=v: E.check_sgd(_sgd(v))), v)
        for v in (
            "no_shuffle",
            "shuffled_once",
            "ignores_rng",
            "batch_size_ignored",
            "drops_last_batch",
            "with_replacement",
            "no_learning_rate",
            "ascent",
        )
    },
    # pipeline
    "pipeline-init-column": (
        lambda: pipeline_with(initialize=lambda d: (np.zeros((d, 1)), 0.0)),
        "column_shape",
    ),
    "pipeline-init-int": (
        lambda: pipeline_with(initialize=lambda d: (np.zeros(d, dtype=int), 0)),
        "integer_output",
    ),
    "pipeline-init-random": (
        lambda: pipeline_with(initialize=lambda d: (np.full(d, 0.01), 0.0)),
        "not_zeros",
    ),
    "pipeline-propagate-sum": (lambda: pipeline_with(propagate=_propagate_sum), "sum_not_mean"),
    "pipeline-propagate-db": (lambda: pipeline_with(propagate=_propagate_db), "db_not_mean"),
    "pipeline-propagate-probabilities": (
        lambda: pipeline_with(propagate=_propagate_from_p),
        "log_zero",
    ),
    "pipeline-optimize-no-rate": (
        lambda: pipeline_with(optimize=_optimize_no_rate),
        "no_learning_rate",
    ),
    "pipeline-optimize-costs": (lambda: pipeline_with(optimize=_optimize_costs), "costs_length"),
    "pipeline-predict-probabilities": (
        lambda: pipeline_with(predict=lambda w, b, X: good_sigmoid(X @ w + b)),
        "returns_probabilities",
    ),
    "pipeline-predict-logit-cutoff": (
        lambda: pipeline_with(predict=lambda w, b, X: (X @ w + b >= 0.5).astype(int)),
        "threshold_on_logit",
    ),
    "pipeline-predict-inverted": (
        lambda: pipeline_with(predict=lambda w, b, X: (good_sigmoid(X @ w + b) < 0.5).astype(int)),
        "inverted_labels",
    ),
    "pipeline-model-percent": (lambda: pipeline_with(model=_model_percent), "accuracy_percent"),
    "pipeline-model-swapped": (lambda: pipeline_with(model=_model_swapped), "swapped_accuracy"),
}


def _raise_not_implemented(z: Any) -> Any:
    raise NotImplementedError


@pytest.mark.parametrize("case", list(WRONG))
def test_typical_mistake_is_diagnosed_by_name(case: str) -> None:
    run, key = WRONG[case]
    result = run()
    assert not result.passed
    assert result.diagnosis is not None
    assert result.diagnosis.key == key, str(result)
    text = str(result)
    assert result.diagnosis.title in text
    assert result.diagnosis.hint in text
    assert "✗" in text


def test_each_check_diagnoses_at_least_five_named_mistakes() -> None:
    per_check: dict[str, set[str]] = {}
    for case, (_, key) in WRONG.items():
        per_check.setdefault(case.split("-")[0], set()).add(key)
    assert set(per_check) == {
        "sigmoid",
        "loss",
        "softmax",
        "gradient",
        "numerical",
        "backprop",
        "trainer",
        "sgd",
        "pipeline",
    }
    small = {name: keys for name, keys in per_check.items() if len(keys) < 5}
    assert not small, small


# ------------------------------------------------------------------ the feedback itself
def test_feedback_names_what_passed_the_failure_and_what_was_not_run() -> None:
    result = E.check_sigmoid(_naive_sigmoid)
    text = str(result)
    assert text.startswith("check_sigmoid: 6 of 7 checks passed, then one failed.")
    assert "✓ known values" in text
    assert "overflow encountered in exp" in result.failed_step.detail  # type: ignore[union-attr]
    assert "Likely cause: overflow in exp" in text
    assert 'chapter 2, section "The textbook formula overflows"' in text
    softmax = E.check_softmax(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
    assert "Not run yet (after the first failure): " in str(softmax)
    assert [s.passed for s in softmax.steps].count(None) == 2


def test_html_feedback_escapes_and_marks_steps() -> None:
    result = E.check_softmax(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
    html = result._repr_html_()
    assert html.startswith('<div class="lrbook-check"')
    assert "✗ shift invariance" in html
    assert "Likely cause: no max-shift" in html
    assert "&lt;= 0" in html  # "<= 0" in the explanation is escaped
    assert "<=" not in html.replace("&lt;=", "")


def test_feedback_never_shows_the_reference_code() -> None:
    for run, _ in WRONG.values():
        text = str(run())
        assert "def " not in text
        assert "lambda" not in text


def test_diagnosis_hints_name_existing_sections_of_the_book() -> None:
    headings: dict[int, set[str]] = {}
    for path in (ROOT / "book").glob("[0-9][0-9]_*.md"):
        chapter = int(path.name[:2])
        text = path.read_text(encoding="utf-8")
        headings[chapter] = {m.strip() for m in re.findall(r"^#{2,3} (.+)$", text, re.MULTILINE)}
    from lrbook.exercises import _backprop, _functions, _gradients, _pipeline, _training

    tables = [
        _functions.SIGMOID_DIAGNOSES,
        _functions.LOG_LOSS_DIAGNOSES,
        _functions.SOFTMAX_DIAGNOSES,
        _gradients.GRADIENT_DIAGNOSES,
        _gradients.NUMERICAL_DIAGNOSES,
        _backprop.BACKPROP_DIAGNOSES,
        _training.TRAINER_DIAGNOSES,
        _training.SGD_DIAGNOSES,
        _pipeline.PIPELINE_DIAGNOSES,
    ]
    missing = {
        d.section
        for table in tables
        for d in table.values()
        if d.section[1] not in headings.get(d.section[0], set())
    }
    assert not missing, f"hints point to sections that do not exist: {sorted(missing)}"


def test_check_pipeline_needs_at_least_one_step() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        E.check_pipeline()


def test_check_pipeline_reports_the_steps_not_given() -> None:
    result = E.check_pipeline(initialize=good_initialize, predict=good_predict)
    assert result.passed, result
    assert len(result.steps) == 2
    assert "Not given, so not checked: propagate, optimize, model." in str(result)


def test_backprop_accepts_loss_and_gradients_like_mlp_loss_grad() -> None:
    result = E.check_backprop(lambda p, X, y: (mlp_loss_grad(p, X, y)[0], good_backprop(p, X, y)))
    assert result.passed, result
    wrong_loss = E.check_backprop(lambda p, X, y: (0.5, good_backprop(p, X, y)))
    assert wrong_loss.diagnosis is not None
    assert wrong_loss.diagnosis.key == "wrong_loss"


def test_importing_exercises_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, lrbook, lrbook.exercises; "
        "heavy = [m for m in ('sympy', 'sklearn', 'matplotlib') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------- the book's own exercises
BOOK_EXERCISES = {
    "02_sigmoid": ("my_sigmoid", "check_sigmoid"),
    "03_cross_entropy": ("my_log_loss", "check_log_loss"),
    "04_chain_rule": ("my_gradient", "check_gradient"),
    "05_gradient_checking": ("my_numerical_gradient", "check_numerical_gradient"),
    "07_gradient_descent": ("my_gradient_descent", "check_trainer"),
    "08_sgd": ("my_sgd", "check_sgd"),
    "09_softmax": ("my_softmax", "check_softmax"),
    "10_backprop": ("my_backprop", "check_backprop"),
}


@pytest.mark.parametrize("page", list(BOOK_EXERCISES))
def test_book_solution_passes_and_its_wrong_attempt_is_diagnosed(page: str) -> None:
    from book_exercises import defined_function

    name, check = BOOK_EXERCISES[page]
    result = getattr(E, check)(defined_function(page, name))
    assert result.passed, result
    attempt = getattr(E, check)(defined_function(page, "first_attempt"))
    assert not attempt.passed
    assert attempt.diagnosis is not None
    stub = (ROOT / "book" / f"{page}.md").read_text(encoding="utf-8")
    assert f"{check}({name})" in stub  # the starter cell checks the reader's function
