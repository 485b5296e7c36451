"""Backpropagation through one hidden layer (sigmoid and softmax outputs)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp

from lrbook.symbolic.core import Derivation, Step, claim
from lrbook.symbolic.derivations._symbols import a, back, bce_of, grad, syms, y
from lrbook.symbolic.functions import Expr, Tex, sigmoid, softmax
from lrbook.symbolic.general import Apply, General, size_symbols

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


def _forward_step(
    label: str,
    tag: str,
    symbols: Sequence[Any],
    values: Sequence[Expr],
    shown: General,
    defs: dict[Any, Expr],
    vector: str = "",
) -> Step:
    """One line of the forward pass: in general symbols, it names the instance's entries.

    ``symbols`` are the display symbols of the instance's entries (``a^{(1)}_1``...),
    defined as ``values``; the step claims that the vector they form (``vector``, or the
    one symbol) equals the general form ``shown`` at the instance.
    """
    for symbol, value in zip(symbols, values, strict=True):
        _define(defs, symbol, value)
    lhs = symbols[0]
    if len(symbols) > 1:
        lhs = Tex(vector)
        _define(defs, lhs, sp.ImmutableMatrix(symbols))
    _define(defs, shown.symbol, shown)
    return claim(label, lhs, shown.symbol, tag=tag)


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
    labels: Sequence[Expr],
) -> Derivation:
    """A one-hidden-layer derivation (sigmoid hidden units) from its output delta.

    ``delta2_step`` proves the output delta; ``delta2_defs`` define its display symbols.
    ``labels`` are the label symbols: ``[y]`` (one sigmoid output) or ``y_1 ... y_K``
    (a softmax output).
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
    d1 = Tex(r"\delta^{(1)}_j")
    defs: dict[Any, Expr] = {}
    # The forward pass and the gradients in general symbols (d inputs, h hidden units,
    # K outputs): column vectors x, z^(l), a^(1), delta^(l) of one sample, proved at this
    # network's sizes.  The instance names its pre-activations, activations and deltas
    # (display symbols defined here, substituted back by the proofs), so it prints
    # readably: a^(1)_1, not a sigmoid of weights nested in a sigmoid.
    d_, h_, k_ = size_symbols("d h K")
    sizes = {d_: W1.shape[0], h_: n_hidden, k_: n_out}
    x_g = sp.MatrixSymbol(r"\mathbf{x}", d_, 1)
    W1_g = sp.MatrixSymbol("{W^{(1)}}", d_, h_)
    b1_g = sp.MatrixSymbol(r"\mathbf{b}^{(1)}", h_, 1)
    z1_g = sp.MatrixSymbol(r"\mathbf{z}^{(1)}", h_, 1)
    a1_g = sp.MatrixSymbol(r"\mathbf{a}^{(1)}", h_, 1)
    W2_g = sp.MatrixSymbol("{W^{(2)}}", h_, k_)
    # one output has a bias b^(2), several a vector of biases (bold, as the book writes them)
    bias2 = r"\mathbf{b}^{(2)}" if n_out > 1 else "b^{(2)}"
    b2_g = sp.MatrixSymbol(bias2, k_, 1)
    delta_g = {
        1: sp.MatrixSymbol(r"{\boldsymbol{\delta}^{(1)}}", h_, 1),
        2: sp.MatrixSymbol(r"{\boldsymbol{\delta}^{(2)}}", k_, 1),
    }
    softmax_output = n_out > 1
    if softmax_output:
        Z2 = [Tex(f"z^{{(2)}}_{{{k + 1}}}") for k in range(n_out)]
        out = [Tex(f"p_{{{k + 1}}}") for k in range(n_out)]
        out_values = [softmax(k + 1, *Z2) for k in range(n_out)]
        # p_k = e^{z_k} / sum_c e^{z_c}, entry k of the softmax
        k, c = sp.symbols("k c", integer=True)
        z2_k = sp.IndexedBase("z^{(2)}")
        out_shown = General(
            sp.exp(z2_k[k]) / sp.Sum(sp.exp(z2_k[c]), (c, 1, k_)),
            sizes,
            {z2_k: Z2},
            entry=(k, k_),
        )
        out_label, out_vector = "output probabilities (softmax)", "p_k"
    else:
        Z2 = [Tex("z^{(2)}")]
        out = [Tex(r"\hat{y}")]
        out_values = [sigmoid(Z2[0])]
        z2_g = sp.MatrixSymbol("z^{(2)}", k_, 1)
        out_shown = General(Apply(sigmoid, z2_g), sizes, {z2_g: sp.ImmutableMatrix(Z2)})
        out_label, out_vector = "prediction", ""
    forward_steps = [
        _forward_step(
            "hidden pre-activations",
            "forward_z1",
            Z1,
            z1,
            General(
                sp.MatAdd(sp.MatMul(W1_g.T, x_g), b1_g),
                sizes,
                {W1_g: W1, x_g: sp.ImmutableMatrix(x), b1_g: sp.ImmutableMatrix(b1)},
            ),
            defs,
            r"\mathbf{z}^{(1)}",
        ),
        _forward_step(
            "hidden activations",
            "forward_a1",
            A1,
            [sigmoid(v) for v in Z1],
            General(Apply(sigmoid, z1_g), sizes, {z1_g: sp.ImmutableMatrix(Z1)}),
            defs,
            r"\mathbf{a}^{(1)}",
        ),
        _forward_step(
            "output pre-activations" if softmax_output else "output pre-activation",
            "forward_z2",
            Z2,
            net["Z2_of_A1"],
            General(
                sp.MatAdd(sp.MatMul(W2_g.T, a1_g), b2_g),
                sizes,
                {W2_g: W2, a1_g: sp.ImmutableMatrix(A1), b2_g: sp.ImmutableMatrix(b2)},
            ),
            defs,
            r"\mathbf{z}^{(2)}",
        ),
        _forward_step(out_label, "forward_output", out, out_values, out_shown, defs, out_vector),
    ]
    delta2_shown = [o - label for o, label in zip(out, labels, strict=True)]
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
    # the hidden deltas of the instance, named delta^(1)_h in the hidden layer's gradients
    delta1 = [Tex(f"\\delta^{{(1)}}_{{{h + 1}}}") for h in range(n_hidden)]
    for symbol, value in zip(delta1, hidden.instance(), strict=True):
        _define(defs, symbol, value)
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
        bias = bias2 if layer == 2 else r"\mathbf{b}^{(1)}"
        gb = Tex(rf"\frac{{\partial L}}{{\partial {bias}}}")
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
            r"hidden deltas in the kernel's form, entry $j$, with $a = a^{(1)}_j$",
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
    ``forward_output`` (the forward pass in general symbols; at the instance they define
    the named quantities :math:`z^{(1)}_h`, :math:`a^{(1)}_h`, :math:`z^{(2)}`,
    :math:`\hat y` that the instance of the other steps is printed with),
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
        [y],
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
        ys,
    )
