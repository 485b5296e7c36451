"""Newton's method: the logistic and softmax Hessians and why they are positive semidefinite."""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from lrbook.symbolic.core import Derivation, claim
from lrbook.symbolic.derivations._symbols import (
    bce_of,
    delta_jc,
    p_c,
    p_j,
    syms,
    z,
)
from lrbook.symbolic.functions import (
    Expr,
    Tex,
    sigmoid,
    softmax,
)

__all__ = ["newton_derivation"]


@functools.cache
def newton_derivation() -> Derivation:
    r"""Newton's method: the logistic Hessian :math:`X^\top S X`, its PSD-ness, the softmax blocks.

    Tags: ``hessian``, ``psd``, ``softmax_blocks``.

    Examples
    --------
    >>> newton_derivation().step("psd").rel
    '>='
    """
    n, d = 3, 2
    X = syms("x_{{{}{}}}", n, d)
    w = syms("w_{}", d)
    v = syms("v_{}", d)
    ys = syms("y_{}", n)
    zv = [(X.row(i) * sp.ImmutableMatrix(w))[0, 0] for i in range(n)]
    s = [sigmoid(zi) * (1 - sigmoid(zi)) for zi in zv]
    loss = sp.Add(*[bce_of(sigmoid(zv[i]), ys[i]) for i in range(n)])
    H = Tex(r"\nabla^2 L")
    XSX = Tex(r"X^\top S X")
    quad = Tex(r"\mathbf{v}^\top \nabla^2 L\, \mathbf{v}")
    sumsq = Tex(r"\sum_{i=1}^{n} s_i \left(\mathbf{x}_i^\top \mathbf{v}\right)^2")
    s_nonneg = [sp.Symbol(f"s_{i + 1}", nonnegative=True) for i in range(n)]
    # the same sum over nonnegative s_i: a distinct symbol that prints the same (^{2})
    sumsq_s = Tex(r"\sum_{i=1}^{n} s_i \left(\mathbf{x}_i^\top \mathbf{v}\right)^{2}")
    Xv = [sp.Add(*[X[i, j] * v[j] for j in range(d)]) for i in range(n)]
    defs: dict[Any, Expr] = {
        H: sp.ImmutableMatrix(d, d, lambda j, k: sp.Derivative(loss, w[j], w[k])),
        XSX: X.T * sp.diag(*s) * X,
        quad: sp.Add(
            *[v[j] * sp.Derivative(loss, w[j], w[k]) * v[k] for j in range(d) for k in range(d)]
        ),
        sumsq: sp.Add(*[s[i] * Xv[i] ** 2 for i in range(n)]),
        sumsq_s: sp.Add(*[s_nonneg[i] * Xv[i] ** 2 for i in range(n)]),
    }
    # softmax: n = 2 samples, d = 2 features, K = 3 classes, no intercept
    ns, K = 2, 3
    Xs = syms("x_{{{}{}}}", ns, d)
    W = syms("w_{{{}{}}}", d, K)
    Yn = syms("y_{{{}{}}}", ns, K)
    Zn = Xs * W
    Pn = sp.ImmutableMatrix(ns, K, lambda i, k: softmax(k + 1, *Zn.row(i)))
    ce = -sp.Add(*[Yn[i, k] * sp.log(Pn[i, k]) for i in range(ns) for k in range(K)])
    rows_one_hot = {Yn[i, K - 1]: 1 - sp.Add(*[Yn[i, k] for k in range(K - 1)]) for i in range(ns)}
    block = Tex(r"H_{jc} = \frac{\partial^2 L}{\partial \mathbf{w}_j \partial \mathbf{w}_c^\top}")
    block_v = Tex(
        r"\sum_{i=1}^{n} p_{ij}\left(\delta_{jc} - p_{ic}\right) \mathbf{x}_i \mathbf{x}_i^\top"
    )
    block_cases = []
    for j in range(K):
        for c in range(K):
            direct = sp.ImmutableMatrix(
                d, d, lambda a_, b_, j=j, c=c: sp.Derivative(ce, W[a_, j], W[b_, c])
            )
            kernel = sp.zeros(d, d)
            for i in range(ns):
                weight = (p_j * (delta_jc - p_c)).xreplace(
                    {p_j: Pn[i, j], p_c: Pn[i, c], delta_jc: sp.KroneckerDelta(j, c)}
                )
                xi = Xs.row(i).T
                kernel += weight * xi * xi.T
            block_cases.append({block: direct, block_v: sp.ImmutableMatrix(kernel), **rows_one_hot})
    steps = [
        claim(
            r"Hessian of the logistic loss, $S = \operatorname{diag}(\sigma(z_i)(1 - \sigma(z_i)))$",
            H,
            XSX,
            tag="hessian",
        ),
        claim("quadratic form", quad, sumsq),
        claim(r"Hessian weights are never negative", sigmoid(z) * (1 - sigmoid(z)), 0, rel=">="),
        claim(
            r"every $s_i \geq 0$, so $\nabla^2 L$ is positive semidefinite",
            sumsq_s,
            0,
            rel=">=",
            tag="psd",
        ),
        claim(
            r"softmax Hessian, block $(j, c)$ for every $j, c$",
            block,
            block_v,
            given=tuple(block_cases),
            tag="softmax_blocks",
        ),
    ]
    return Derivation("newton", "Newton's method: Hessians", steps, defs=defs)
