"""Backpropagation through one hidden layer (sigmoid and softmax outputs)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp

from lrbook.symbolic.core import Derivation, Step, claim
from lrbook.symbolic.derivations._symbols import a, back, bce_of, grad, syms, y
from lrbook.symbolic.functions import Expr, Tex, sigmoid, softmax
from lrbook.symbolic.general import General, size_symbols

__all__ = ["mlp_sigmoid_derivation", "mlp_softmax_derivation"]


def _define(defs: dict[Any, Expr], symbol: Any, value: Expr) -> None:
    """Add a definition, refusing to silently redefine a display symbol."""
    if symbol in defs:
        raise ValueError(f"display symbol {symbol} is defined twice; give it a distinct name")
    defs[symbol] = value


def _mlp_network(n_out: int, n_hidden: int = 3, n_in: int = 2) -> dict[str, Any]:
    x = syms("x_{}", n_in)
    W1 = syms("w^{{(1)}}_{{{}{}}}", n_in, n_hidden)
    b1 = syms("b^{{(1)}}_{}", n_hidden)
    W2 = syms("w^{{(2)}}_{{{}{}}}", n_hidden, n_out)
    b2 = syms("b^{{(2)}}_{}", n_out)
    z1 = [b1[h] + sp.Add(*[x[i] * W1[i, h] for i in range(n_in)]) for h in range(n_hidden)]
    u = syms("u_{}", n_hidden)  # hidden pre-activations as free variables
    return {"x": x, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "z1": z1, "u": u}


def _mlp_derivation(
    name: str,
    title: str,
    description: str,
    net: dict[str, Any],
    loss_of_hidden: Callable[[Sequence[Expr]], Expr],
    delta2: Sequence[Expr],
    delta2_step: Step,
    delta2_defs: Mapping[Any, Expr],
    extra_given: Mapping[Any, Expr],
) -> Derivation:
    """A one-hidden-layer derivation (sigmoid hidden units) from its output delta.

    ``delta2_step`` proves the output delta; ``delta2_defs`` define its display symbols.
    """
    x, W1, b1, W2, b2, z1, u = (net[k] for k in ("x", "W1", "b1", "W2", "b2", "z1", "u"))
    n_hidden = W1.shape[1]
    n_out = W2.shape[1]
    loss_u = loss_of_hidden(u)  # loss as a function of the hidden pre-activations
    loss_full = loss_of_hidden(z1)  # ... and of every weight
    a1 = [sigmoid(v) for v in z1]
    au = [sigmoid(v) for v in u]
    # delta2 is given as a function of the hidden pre-activations
    d2_u = [e.xreplace(dict(zip(z1, u, strict=True))) for e in delta2]
    backs_u = [sp.Add(*[W2[h, k] * d2_u[k] for k in range(n_out)]) for h in range(n_hidden)]
    delta1 = [
        sp.Add(*[W2[h, k] * delta2[k] for k in range(n_out)]) * a1[h] * (1 - a1[h])
        for h in range(n_hidden)
    ]
    d1 = Tex(r"\delta^{(1)}_h")
    # The gradients in general symbols (d inputs, h hidden units, K outputs): column
    # vectors x, a^(1), delta^(l) of one sample, proved at this network's sizes.
    d_, h_, k_ = size_symbols("d h K")
    sizes = {d_: W1.shape[0], h_: n_hidden, k_: n_out}
    x_g = sp.MatrixSymbol(r"\mathbf{x}", d_, 1)
    a1_g = sp.MatrixSymbol(r"\mathbf{a}^{(1)}", h_, 1)
    delta_g = {
        1: sp.MatrixSymbol(r"{\boldsymbol{\delta}^{(1)}}", h_, 1),
        2: sp.MatrixSymbol(r"{\boldsymbol{\delta}^{(2)}}", k_, 1),
    }
    # both layers follow one rule: weights' gradient = the input entering the layer times
    # the layer's delta^T; biases' gradient = its delta
    layers = (
        ("output", 2, "activation entering the layer", a1_g, a1, W2, b2, delta2),
        ("hidden", 1, "input", x_g, x, W1, b1, delta1),
    )
    defs: dict[Any, Expr] = {}
    gradient_steps = []
    for where, layer, inputs, below_g, below, W, b, delta in layers:
        dg = delta_g[layer]
        arrays = {below_g: sp.ImmutableMatrix(below), dg: sp.ImmutableMatrix(delta)}
        gW = Tex(rf"\frac{{\partial L}}{{\partial W^{{({layer})}}}}")
        gWv = General(sp.MatMul(below_g, dg.T), sizes, arrays)
        gb = Tex(rf"\frac{{\partial L}}{{\partial \mathbf{{b}}^{{({layer})}}}}")
        gbv = General(dg, sizes, arrays)
        _define(defs, gW, W.applyfunc(lambda w: sp.Derivative(loss_full, w)))
        _define(defs, gWv.symbol, gWv)
        bias_grad = [sp.Derivative(loss_full, v) for v in b]
        # a 1 x 1 instance is a number (General.instance), so is one output's bias gradient
        _define(defs, gb, bias_grad[0] if len(bias_grad) == 1 else sp.ImmutableMatrix(bias_grad))
        _define(defs, gbv.symbol, gbv)
        gradient_steps += [
            claim(
                f"{where}-layer weights: {inputs} times the delta",
                gW,
                gWv.symbol,
                given=extra_given,
                tag=f"grad_W{layer}",
            ),
            claim(
                f"{where}-layer biases: the delta",
                gb,
                gbv.symbol,
                given=extra_given,
                tag=f"grad_b{layer}",
            ),
        ]
    for symbol, value in delta2_defs.items():
        _define(defs, symbol, value)
    steps = [
        delta2_step,
        claim(
            r"hidden deltas: $\delta^{(1)}_h = (W^{(2)}\boldsymbol{\delta}^{(2)})_h\,"
            r" a^{(1)}_h(1 - a^{(1)}_h)$, with $a = a^{(1)}_h$",
            d1,
            back * a * (1 - a),
            given=tuple(
                {d1: sp.Derivative(loss_u, u[h]), back: backs_u[h], a: au[h], **extra_given}
                for h in range(n_hidden)
            ),
            tag="mlp_delta_hidden",
            note="back = delta_out @ W2.T; a = the hidden activation sigma(z1).",
        ),
        *gradient_steps,
    ]
    return Derivation(name, title, steps, defs=defs, description=description)


@functools.cache
def mlp_sigmoid_derivation() -> Derivation:
    r"""Backpropagation, one hidden layer: 2 inputs, 3 sigmoid hidden units, sigmoid output, BCE.

    Every weight's gradient is proved equal to SymPy's direct derivative of the
    composed loss.  Tags: ``delta2``, ``mlp_delta_hidden`` (kernel
    ``back*a*(1 - a)``), ``grad_W2``, ``grad_b2``, ``grad_W1``, ``grad_b1``.

    Examples
    --------
    >>> mlp_sigmoid_derivation().step("mlp_delta_hidden").rhs
    a*back*(1 - a)
    """
    net = _mlp_network(1)
    W2, b2 = net["W2"], net["b2"]

    def z2_of(hidden: Sequence[Expr]) -> Expr:
        return b2[0] + sp.Add(*[sigmoid(v) * W2[h, 0] for h, v in enumerate(hidden)])

    def loss_of_hidden(hidden: Sequence[Expr]) -> Expr:
        return bce_of(sigmoid(z2_of(hidden)), y)

    z2 = sp.Symbol("z^{(2)}", real=True)
    d2 = Tex(r"\frac{\partial L}{\partial z^{(2)}}")
    yhat_minus_y = Tex(r"\hat{y} - y")
    delta2 = [sigmoid(z2_of(net["z1"])) - y]
    step = claim(
        r"output delta $\delta^{(2)}$",
        d2,
        yhat_minus_y,
        tag="delta2",
    )
    return _mlp_derivation(
        "mlp_sigmoid",
        "Backpropagation with a sigmoid output",
        "x (2) -> sigmoid hidden layer (3) -> sigmoid output -> binary cross-entropy",
        net,
        loss_of_hidden,
        delta2,
        step,
        {d2: sp.Derivative(bce_of(sigmoid(z2), y), z2), yhat_minus_y: sigmoid(z2) - y},
        {},
    )


@functools.cache
def mlp_softmax_derivation() -> Derivation:
    r"""Backpropagation, one hidden layer: 2 inputs, 2 sigmoid hidden units, softmax output (K = 3), CE.

    Tags: ``delta2`` (``p - y`` for one-hot y), ``mlp_delta_hidden``,
    ``grad_W2``, ``grad_b2``, ``grad_W1``, ``grad_b1``.

    Examples
    --------
    >>> len(mlp_softmax_derivation())
    6
    """
    K = 3
    net = _mlp_network(K, n_hidden=2)
    W2, b2 = net["W2"], net["b2"]
    ys = syms("y_{}", K)
    one_hot = {ys[-1]: 1 - sp.Add(*ys[:-1])}

    def z2_of(hidden: Sequence[Expr]) -> list[Expr]:
        return [
            b2[k] + sp.Add(*[sigmoid(v) * W2[h, k] for h, v in enumerate(hidden)]) for k in range(K)
        ]

    def loss_of_hidden(hidden: Sequence[Expr]) -> Expr:
        zz = z2_of(hidden)
        return -sp.Add(*[ys[k] * sp.log(softmax(k + 1, *zz)) for k in range(K)])

    z2s = syms("z^{{(2)}}_{}", K)
    d2 = Tex(r"\frac{\partial L}{\partial \mathbf{z}^{(2)}}")
    p_minus_y = Tex(r"\mathbf{p} - \mathbf{y}")
    zz = z2_of(net["z1"])
    delta2 = [softmax(k + 1, *zz) - ys[k] for k in range(K)]
    ce2 = -sp.Add(*[ys[k] * sp.log(softmax(k + 1, *z2s)) for k in range(K)])
    step = claim(
        r"output delta $\boldsymbol{\delta}^{(2)}$, one-hot $\mathbf{y}$",
        d2,
        p_minus_y,
        given=one_hot,
        tag="delta2",
    )
    p_minus_y_value = sp.ImmutableMatrix([softmax(k + 1, *z2s) - ys[k] for k in range(K)])
    return _mlp_derivation(
        "mlp_softmax",
        "Backpropagation with a softmax output",
        "x (2) -> sigmoid hidden layer (2) -> softmax output (3) -> cross-entropy",
        net,
        loss_of_hidden,
        delta2,
        step,
        {d2: grad(ce2, z2s), p_minus_y: p_minus_y_value},
        one_hot,
    )
