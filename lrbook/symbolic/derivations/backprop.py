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
    # The instance's named quantities, display symbols defined by the derivation (its proofs
    # substitute the definitions): the printed instance reads a^(1)_h, not nested sigmoids.
    Z1 = [Tex(f"z^{{(1)}}_{{{h + 1}}}") for h in range(n_hidden)]
    A1 = [Tex(f"a^{{(1)}}_{{{h + 1}}}") for h in range(n_hidden)]
    # the output pre-activations, written with the named hidden activations
    Z2_of_A1 = [b2[k] + sp.Add(*[W2[h, k] * A1[h] for h in range(n_hidden)]) for k in range(n_out)]
    return {
        "x": x,
        "W1": W1,
        "b1": b1,
        "W2": W2,
        "b2": b2,
        "z1": z1,
        "u": u,
        "Z1": Z1,
        "A1": A1,
        "Z2_of_A1": Z2_of_A1,
    }


# one row of the forward pass written out at the instance: its label, the vector's display
# symbol, the entries' display symbols and their definitions
Forward = tuple[str, str, Sequence[Any], Sequence[Expr]]


def _forward_step(row: Forward, tag: str, defs: dict[Any, Expr]) -> Step:
    """Define a forward-pass quantity of the instance; the step shows its definition."""
    label, vector, symbols, values = row
    for symbol, value in zip(symbols, values, strict=True):
        _define(defs, symbol, value)
    if len(symbols) == 1:
        return claim(label, symbols[0], values[0], tag=tag)
    lhs = Tex(vector)
    _define(defs, lhs, sp.ImmutableMatrix(symbols))
    return claim(label, lhs, sp.ImmutableMatrix(values), tag=tag)


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
    output: tuple[Forward, Forward],
    delta2_shown: Sequence[Expr],
) -> Derivation:
    """A one-hidden-layer derivation (sigmoid hidden units) from its output delta.

    ``delta2_step`` proves the output delta; ``delta2_defs`` define its display symbols.
    ``output`` defines the instance's output pre-activations and prediction (display
    symbols); ``delta2_shown`` is the output delta written with them.
    """
    x, W1, b1, W2, b2, z1, u = (net[k] for k in ("x", "W1", "b1", "W2", "b2", "z1", "u"))
    Z1, A1 = net["Z1"], net["A1"]
    n_hidden = W1.shape[1]
    n_out = W2.shape[1]
    loss_u = loss_of_hidden(u)  # loss as a function of the hidden pre-activations
    loss_full = loss_of_hidden(z1)  # ... and of every weight
    au = [sigmoid(v) for v in u]
    # delta2 is given as a function of the hidden pre-activations
    d2_u = [e.xreplace(dict(zip(z1, u, strict=True))) for e in delta2]
    backs_u = [sp.Add(*[W2[h, k] * d2_u[k] for k in range(n_out)]) for h in range(n_hidden)]
    d1 = Tex(r"\delta^{(1)}_h")
    defs: dict[Any, Expr] = {}
    # the forward pass at the instance: what the named quantities of the printed instance
    # stand for (shown in the "how this was verified" note)
    forward: tuple[Forward, ...] = (
        (
            r"$\mathbf{z}^{(1)} = W^{(1)\top}\mathbf{x} + \mathbf{b}^{(1)}$",
            r"\mathbf{z}^{(1)}",
            Z1,
            z1,
        ),
        (
            r"$\mathbf{a}^{(1)} = \sigma(\mathbf{z}^{(1)})$",
            r"\mathbf{a}^{(1)}",
            A1,
            [sigmoid(v) for v in Z1],
        ),
        *output,
    )
    tags = ("forward_z1", "forward_a1", "forward_z2", "forward_output")
    forward_steps = [_forward_step(row, tag, defs) for row, tag in zip(forward, tags, strict=True)]
    # The gradients in general symbols (d inputs, h hidden units, K outputs): column
    # vectors x, a^(1), delta^(l) of one sample, proved at this network's sizes.
    d_, h_, k_ = size_symbols("d h K")
    sizes = {d_: W1.shape[0], h_: n_hidden, k_: n_out}
    x_g = sp.MatrixSymbol(r"\mathbf{x}", d_, 1)
    a1_g = sp.MatrixSymbol(r"\mathbf{a}^{(1)}", h_, 1)
    W2_g = sp.MatrixSymbol("W^{(2)}", h_, k_)
    delta_g = {
        1: sp.MatrixSymbol(r"{\boldsymbol{\delta}^{(1)}}", h_, 1),
        2: sp.MatrixSymbol(r"{\boldsymbol{\delta}^{(2)}}", k_, 1),
    }
    # the hidden delta as a textbook writes it: back through W^(2), times the sigmoid's
    # slope, element-wise; proved against the derivative of the loss with respect to the
    # free hidden pre-activations u (a^(1)_h = sigma(u_h) for this step)
    hidden = General(
        sp.HadamardProduct(
            sp.MatMul(W2_g, delta_g[2]),
            a1_g,
            sp.MatAdd(sp.OneMatrix(h_, 1), -a1_g, evaluate=False),
        ),
        sizes,
        {W2_g: W2, delta_g[2]: sp.ImmutableMatrix(delta2_shown), a1_g: sp.ImmutableMatrix(A1)},
    )
    d1_vec = Tex(r"\frac{\partial L}{\partial \mathbf{z}^{(1)}}")
    _define(defs, d1_vec, grad(loss_u, u))
    _define(defs, hidden.symbol, hidden)
    delta1 = list(hidden.instance())  # the hidden deltas of the instance, named quantities
    # both layers follow one rule: weights' gradient = the input entering the layer times
    # the layer's delta^T; biases' gradient = its delta
    layers = (
        ("output", 2, "activation entering the layer", a1_g, A1, W2, b2, delta2_shown),
        ("hidden", 1, "input", x_g, x, W1, b1, delta1),
    )
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
        *forward_steps,
        delta2_step,
        claim(
            r"hidden delta $\boldsymbol{\delta}^{(1)}$: back through $W^{(2)}$, times the"
            r" sigmoid's slope",
            d1_vec,
            hidden.symbol,
            given={**dict(zip(A1, au, strict=True)), **extra_given},
            tag="delta_hidden",
        ),
        claim(
            r"hidden deltas in the kernel's form, entry $h$, with $a = a^{(1)}_h$",
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
    composed loss.  Tags: ``forward_z1``, ``forward_a1``, ``forward_z2``,
    ``forward_output`` (the instance's forward pass: what its named quantities
    :math:`z^{(1)}_h`, :math:`a^{(1)}_h`, :math:`z^{(2)}`, :math:`\hat y` stand for),
    ``delta2``, ``delta_hidden`` (:math:`\boldsymbol\delta^{(1)} = (W^{(2)}
    \boldsymbol\delta^{(2)}) \odot \mathbf a^{(1)} \odot (\mathbf 1 - \mathbf a^{(1)})`
    in general symbols), ``mlp_delta_hidden`` (its entry ``h`` in the kernel's
    form ``back*a*(1 - a)``), ``grad_W2``, ``grad_b2``, ``grad_W1``, ``grad_b1``.

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
        r"output delta $\boldsymbol{\delta}^{(2)}$",
        d2,
        yhat_minus_y,
        tag="delta2",
    )
    # the instance's output, named: z^(2) and y-hat (display symbols)
    Z2, yhat = Tex("z^{(2)}"), Tex(r"\hat{y}")
    output: tuple[Forward, Forward] = (
        (
            r"$z^{(2)} = W^{(2)\top}\mathbf{a}^{(1)} + b^{(2)}$",
            "z^{(2)}",
            [Z2],
            net["Z2_of_A1"],
        ),
        (r"$\hat{y} = \sigma(z^{(2)})$", r"\hat{y}", [yhat], [sigmoid(Z2)]),
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
        output,
        [yhat - y],
    )


@functools.cache
def mlp_softmax_derivation() -> Derivation:
    r"""Backpropagation, one hidden layer: 2 inputs, 2 sigmoid hidden units, softmax output (K = 3), CE.

    Tags as :func:`mlp_sigmoid_derivation`, with ``delta2`` (``p - y`` for one-hot y)
    and the forward pass ending in :math:`\mathbf z^{(2)}`, :math:`\mathbf p`.

    Examples
    --------
    >>> len(mlp_softmax_derivation())
    11
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
    # the instance's output, named: z^(2)_k and p_k (display symbols)
    Z2 = [Tex(f"z^{{(2)}}_{{{k + 1}}}") for k in range(K)]
    Ps = [Tex(f"p_{{{k + 1}}}") for k in range(K)]
    output: tuple[Forward, Forward] = (
        (
            r"$\mathbf{z}^{(2)} = W^{(2)\top}\mathbf{a}^{(1)} + \mathbf{b}^{(2)}$",
            r"\mathbf{z}^{(2)}",
            Z2,
            net["Z2_of_A1"],
        ),
        (
            r"$\mathbf{p} = \operatorname{softmax}(\mathbf{z}^{(2)})$",
            r"\mathbf{p}",
            Ps,
            [softmax(k + 1, *Z2) for k in range(K)],
        ),
    )
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
        output,
        [Ps[k] - ys[k] for k in range(K)],
    )
