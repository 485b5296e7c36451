"""Check of backpropagation through a network with one hidden layer."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lrbook import kernels
from lrbook.exercises._compare import as_float_array, close, match, show
from lrbook.exercises._core import CheckResult, Fail, call, run_battery
from lrbook.exercises._diagnoses import MEAN_OR_SUM, OVERFLOWS, diagnoses_for
from lrbook.exercises._gradients import _SIGN, _SUM
from lrbook.gradcheck import numerical_gradient, relative_error
from lrbook.losses import mlp_forward, mlp_loss_grad

# ------------------------------------------------------------------------ backprop
_BACKPROP_KEYS = ("W1", "b1", "W2", "b2")

BACKPROP_DIAGNOSES = diagnoses_for(
    (10, "Deltas, backwards"),
    {OVERFLOWS: ("overflow_exp", "invalid_value"), MEAN_OR_SUM: ("sum_not_mean",)},
    {
        "not_a_dict": (
            "not a dict of gradients",
            "return a dict with keys 'W1', 'b1', 'W2', 'b2' (or the pair (loss, grads) as "
            "lrbook.losses.mlp_loss_grad does).",
        ),
        "missing_key": (
            "a gradient is missing",
            "the dict needs one gradient per parameter: 'W1', 'b1', 'W2' and 'b2'.",
        ),
        "broadcast_y": (
            "out - y broadcast to (n, n)",
            "the output has shape (n, 1) and y has shape (n,), so out - y is an (n, n) "
            "matrix. Make them match: y[:, None], or y.reshape(-1, 1).",
        ),
        "bias_summed_all": (
            "bias gradient summed over all axes",
            "np.sum(delta) adds every entry. The bias gradient has one entry per unit: sum "
            "over the samples only, np.sum(delta, axis=0).",
        ),
        "missing_activation_derivative": (
            "forgot the derivative of the hidden activation",
            "the hidden delta is (delta2 W2^T) * sigma'(z1), and sigma'(z1) = a1 (1 - a1). "
            "Without that factor the hidden layer is treated as linear.",
        ),
        "derivative_of_z": (
            "a (1 - a) applied to z1 instead of a1",
            "sigma'(z1) = a1 (1 - a1) is written with the activations a1 = sigma(z1); "
            "z1 (1 - z1) is not a derivative of anything here.",
        ),
        "wrong_layer_activations": (
            "using the wrong layer's activations",
            "the gradient of a weight matrix is (activations *entering* that layer)^T times "
            "its delta: X^T delta1 for W1 and a1^T delta2 for W2.",
        ),
        "pre_activation": (
            "pre-activations z1 instead of activations a1",
            "W2 multiplies a1 = sigma(z1), so dW2 = a1^T delta2, not z1^T delta2.",
        ),
        "extra_output_derivative": (
            "an extra factor sigma'(z2) at the output",
            "with sigmoid output and cross-entropy the output delta is simply out - y: the "
            "slope of the output sigmoid cancels (as dz = a - y in chapter 4).",
        ),
        "sum_not_mean": _SUM,
        "sign_error": _SIGN,
        "wrong_loss": (
            "wrong loss value",
            "the loss you return differs from the mean binary cross-entropy of the network.",
        ),
        "wrong_values": (
            "wrong values",
            "the gradient differs from backpropagation's. Check one layer at a time against "
            "finite differences (lrbook.gradcheck.numerical_gradient).",
        ),
    },
)


def _mlp_data(
    d: int, h: int, n: int, seed: int
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.normal(size=(d, h)),
        "b1": rng.normal(size=h) * 0.5,
        "W2": rng.normal(size=(h, 1)),
        "b2": rng.normal(size=1) * 0.5,
    }
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < 0.5).astype(float)
    y[:2] = [0.0, 1.0]
    return params, X, y


def _mlp_candidates(
    P: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray
) -> dict[str, dict[str, np.ndarray]]:
    """The correct gradients and typical wrong ones, per parameter."""
    n = X.shape[0]
    c = mlp_forward(P, X)
    z1, a1, out = c["z1"], c["a1"], c["out"]
    d2 = (out - y[:, None]) / n
    d2_extra = d2 * out * (1 - out)
    back = d2 @ P["W2"].T
    d1 = kernels.mlp_delta_hidden(back, a1)
    return {
        "W2": {
            "ok": a1.T @ d2,
            "wrong_layer_activations": X.T @ d2,
            "pre_activation": z1.T @ d2,
            "extra_output_derivative": a1.T @ d2_extra,
        },
        "b2": {"ok": d2.sum(axis=0), "extra_output_derivative": d2_extra.sum(axis=0)},
        "W1": {
            "ok": X.T @ d1,
            "missing_activation_derivative": X.T @ back,
            "derivative_of_z": X.T @ (back * z1 * (1 - z1)),
            "wrong_layer_activations": a1.T @ d1,
            "extra_output_derivative": X.T @ kernels.mlp_delta_hidden(d2_extra @ P["W2"].T, a1),
        },
        "b1": {
            "ok": d1.sum(axis=0),
            "missing_activation_derivative": back.sum(axis=0),
            "derivative_of_z": (back * z1 * (1 - z1)).sum(axis=0),
            "extra_output_derivative": kernels.mlp_delta_hidden(d2_extra @ P["W2"].T, a1).sum(
                axis=0
            ),
        },
    }


def check_backprop(
    fn: Callable[[dict[str, np.ndarray], np.ndarray, np.ndarray], Any],
) -> CheckResult:
    """Check the reader's backpropagation for a network with one hidden layer.

    The network is that of :func:`lrbook.losses.mlp_loss_grad` with sigmoid hidden units
    and one sigmoid output: ``z1 = X W1 + b1``, ``a1 = sigma(z1)``, ``z2 = a1 W2 + b2``,
    ``out = sigma(z2)``, cost = mean binary cross-entropy. The battery: keys and shapes
    (with ``d != h``), the output layer and then the hidden layer against
    :func:`lrbook.losses.mlp_loss_grad` (with ``d == h``, so that gradients built from
    the wrong layer's activations have the right shape and are diagnosed by value),
    finite differences of the loss over all parameters, and hidden logits beyond
    ``+-1000`` without warnings.

    Parameters
    ----------
    fn : callable
        ``fn(params, X, y)`` with ``params = {"W1": (d, h), "b1": (h,), "W2": (h, 1),
        "b2": (1,)}`` (as :func:`lrbook.losses.mlp_init` makes them), ``X`` of shape
        (n, d) and labels ``y`` in {0, 1} of shape (n,); returns a dict of gradients with
        the same keys and shapes. Returning ``(loss, grads)`` like ``mlp_loss_grad`` is
        accepted too (the loss is then checked as well).

    Returns
    -------
    CheckResult
        Its ``diagnosis`` names the likely mistake, e.g. a forgotten sigma'(z1) in the hidden delta.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.exercises import check_backprop
    >>> from lrbook.losses import mlp_loss_grad
    >>> check_backprop(lambda params, X, y: mlp_loss_grad(params, X, y)[1]).passed
    True
    """
    names = ("params", "X", "y")

    def grads_of(
        P: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, where: str
    ) -> dict[str, np.ndarray]:
        try:
            out = call(fn, ({k: v.copy() for k, v in P.items()}, X.copy(), y.copy()), where, names)
        except Fail as fail:
            if fail.key == "shape_mismatch" and _works_with_column_y(P, X, y):
                raise Fail(
                    fail.detail + "\nwith y as a column of shape (n, 1) the gradients are right",
                    "broadcast_y",
                ) from None
            raise
        loss = None
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], Mapping):
            loss, out = out
        if not isinstance(out, Mapping):
            raise Fail(f"on {where} fn returned a {type(out).__name__}", "not_a_dict")
        missing = [k for k in _BACKPROP_KEYS if k not in out]
        if missing:
            raise Fail(
                f"on {where} the gradients have no {missing} (keys: {sorted(out)})", "missing_key"
            )
        n = X.shape[0]
        grads = {}
        for k in _BACKPROP_KEYS:
            want_shape = P[k].shape
            got_shape = np.shape(out[k])
            if got_shape != want_shape:
                if k in ("W2", "b2") and n in got_shape[1:] and n != P["W2"].shape[0]:
                    raise Fail(
                        f"grads[{k!r}] has shape {got_shape}, expected {want_shape}", "broadcast_y"
                    )
                if k in ("b1", "b2") and got_shape == ():
                    raise Fail(
                        f"grads[{k!r}] is one number, expected shape {want_shape}",
                        "bias_summed_all",
                    )
            grads[k] = as_float_array(out[k], f"grads[{k!r}]", want_shape)
        if loss is not None:
            want = mlp_loss_grad(P, X, y)[0]
            if not math.isclose(float(loss), want, rel_tol=1e-8):
                raise Fail(
                    f"on {where} the loss is {float(loss):.10g}, expected {want:.10g}", "wrong_loss"
                )
        return grads

    def compare(
        keys: tuple[str, ...], P: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, where: str
    ) -> None:
        grads = grads_of(P, X, y, where)
        cands = _mlp_candidates(P, X, y)
        n = X.shape[0]
        for k in keys:
            want = cands[k]["ok"]
            if close(grads[k], want, rtol=1e-7, atol=1e-12):
                continue
            options = {name: v for name, v in cands[k].items() if name != "ok"}
            options.update({"sum_not_mean": n * want, "sign_error": -want})
            key = match(grads[k], options)
            raise Fail(
                f"on {where} grads[{k!r}] = {show(grads[k], 4)}, expected {show(want, 4)}",
                key or "wrong_values",
            )

    def _works_with_column_y(P: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> bool:
        try:
            out = call(fn, ({k: v.copy() for k, v in P.items()}, X.copy(), y[:, None]), "", names)
        except Fail:
            return False
        if isinstance(out, tuple) and len(out) == 2:
            out = out[1]
        ref = mlp_loss_grad(P, X, y)[1]
        return isinstance(out, Mapping) and all(
            k in out and close(out[k], ref[k], rtol=1e-7) for k in ref
        )

    P_rect, X_rect, y_rect = _mlp_data(3, 4, 6, seed=10)
    P_sq, X_sq, y_sq = _mlp_data(3, 3, 5, seed=11)

    def shapes() -> None:
        grads_of(P_sq, X_sq, y_sq, "d = h = 3, n = 5")

    def output_layer() -> None:
        compare(("W2", "b2"), P_sq, X_sq, y_sq, "d = h = 3, n = 5")

    def hidden_layer() -> None:
        compare(("W1", "b1"), P_sq, X_sq, y_sq, "d = h = 3, n = 5")

    def rectangular() -> None:
        compare(_BACKPROP_KEYS, P_rect, X_rect, y_rect, "d = 3, h = 4, n = 6")

    def finite_differences() -> None:
        grads = grads_of(P_rect, X_rect, y_rect, "d = 3, h = 4, n = 6")
        keys = list(_BACKPROP_KEYS)
        sizes = [P_rect[k].size for k in keys]
        vec = np.concatenate([P_rect[k].ravel() for k in keys])

        def loss(v: np.ndarray) -> float:
            parts = np.split(v, np.cumsum(sizes)[:-1])
            Q = {k: p.reshape(P_rect[k].shape) for k, p in zip(keys, parts, strict=True)}
            return mlp_loss_grad(Q, X_rect, y_rect)[0]

        numeric = numerical_gradient(loss, vec)
        analytic = np.concatenate([grads[k].ravel() for k in keys])
        err = relative_error(analytic, numeric)
        if err > 1e-6:
            raise Fail(f"relative error {err:.2e} against central differences", "wrong_values")

    def extreme() -> None:
        P = {k: v.copy() for k, v in P_rect.items()}
        P["W1"] = P["W1"] * 600.0
        compare(_BACKPROP_KEYS, P, X_rect, y_rect, "weights W1 * 600 (hidden logits beyond +-1000)")

    return run_battery(
        "check_backprop",
        [
            ("returns gradients W1, b1, W2, b2 shaped like the parameters", shapes),
            ("output layer: dW2 and db2 agree with lrbook.losses.mlp_loss_grad", output_layer),
            ("hidden layer: dW1 and db1 agree with lrbook.losses.mlp_loss_grad", hidden_layer),
            ("all gradients agree when d != h", rectangular),
            ("agrees with finite differences of the loss", finite_differences),
            ("hidden logits beyond +-1000 without warnings", extreme),
        ],
        BACKPROP_DIAGNOSES,
    )
