"""Linear regression by least squares: gradient, normal equation, convexity."""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from lrbook.symbolic.core import Derivation, chain, claim
from lrbook.symbolic.derivations._symbols import (
    grad,
    syms,
    y,
    z,
)
from lrbook.symbolic.functions import Tex
from lrbook.symbolic.general import General, product, size_symbols, terms

__all__ = ["linear_regression_derivation"]


@functools.cache
def linear_regression_derivation() -> Derivation:
    r"""Least squares: gradient :math:`-2X^\top(\mathbf y - X\mathbf w)` and the normal equation.

    Tags: ``sse_loss`` (kernel ``(y - z)**2``), ``sse_dz`` (kernel ``-2 (y - z)``).

    Examples
    --------
    >>> linear_regression_derivation().step("sse_dz").rhs
    -2*(y - z)
    """
    N, D = 3, 2  # the instance the proofs use: three samples, two features
    X = syms("x_{{{}{}}}", N, D)
    w = sp.ImmutableMatrix(syms("w_{}", D))
    v = sp.ImmutableMatrix(syms("v_{}", D))
    ys = sp.ImmutableMatrix(syms("y_{}", N))
    E_sum = sp.Add(*[(ys[i] - (X.row(i) * w)[0, 0]) ** 2 for i in range(N)])
    ell = Tex(r"L(y, z)")
    dell = Tex(r"\frac{\partial L}{\partial z}")
    E = Tex(r"\mathrm{SSE}(\mathbf{w})")
    gE = Tex(r"\nabla \mathrm{SSE}(\mathbf{w})")
    half = Tex(r"\tfrac{1}{2}\nabla \mathrm{SSE}(\mathbf{w})")
    H = Tex(r"\nabla^2 \mathrm{SSE}")
    quad = Tex(r"\mathbf{v}^\top \nabla^2 \mathrm{SSE}\, \mathbf{v}")
    # the same quantities in general symbols: n samples, d features
    n, d = size_symbols("n d")
    i, j, k = sp.symbols("i j k", integer=True)
    x_ij, y_i, w_j = sp.IndexedBase("x"), sp.IndexedBase("y"), sp.IndexedBase("w")
    Xg, yg = sp.MatrixSymbol("X", n, d), sp.MatrixSymbol(r"\mathbf{y}", n, 1)
    wg, vg = sp.MatrixSymbol(r"\mathbf{w}", d, 1), sp.MatrixSymbol(r"\mathbf{v}", d, 1)
    at: dict[str, Any] = {
        "sizes": {n: N, d: D},
        "arrays": {x_ij: X, y_i: list(ys), w_j: list(w), Xg: X, yg: ys, wg: w, vg: v},
    }
    residual_i = terms(y_i[i], -sp.Sum(x_ij[i, k] * w_j[k], (k, 1, d)))
    residual = sp.MatAdd(yg, -Xg * wg, evaluate=False)
    by_index = General(sp.Sum(residual_i**2, (i, 1, n)), **at)
    as_norm = General(sp.MatMul(sp.Transpose(residual), residual, evaluate=False), **at)
    grad_index = General(
        product(-2, sp.Sum(product(residual_i, x_ij[i, j]), (i, 1, n))), entry=(j, d), **at
    )
    grad_vec = General(sp.MatMul(-2, Xg.T, residual, evaluate=False), **at)
    normal = General(sp.MatAdd(Xg.T * Xg * wg, -Xg.T * yg, evaluate=False), **at)
    hess = General(sp.MatMul(2, Xg.T, Xg, evaluate=False), **at)
    square = General(sp.MatMul(2, sp.Transpose(Xg * vg), Xg * vg, evaluate=False), **at)
    defs: dict[Any, Any] = {
        ell: (y - z) ** 2,
        dell: sp.Derivative((y - z) ** 2, z),
        E: E_sum,
        gE: grad(E_sum, list(w)),
        half: grad(E_sum, list(w)) / 2,
        H: sp.ImmutableMatrix(D, D, lambda a, b: sp.Derivative(E_sum, w[a], w[b])),
        quad: (v.T * sp.hessian(E_sum, list(w)) * v)[0, 0],
        **{g.symbol: g for g in (by_index, as_norm, grad_index, grad_vec, normal, hess, square)},
    }
    steps = [
        claim("squared error of one sample with prediction $z$", ell, (y - z) ** 2, tag="sse_loss"),
        claim("its derivative", dell, sp.Mul(-2, y - z, evaluate=False), tag="sse_dz"),
        claim("sum of squared errors over the $n$ samples", E, by_index.symbol, tag="sse"),
        chain("as a squared norm", as_norm.symbol),
        claim(r"gradient, entry $j$ (chain rule)", gE, grad_index.symbol),
        chain("as matrix products", grad_vec.symbol, tag="grad"),
        claim(
            r"normal equation: $\nabla \mathrm{SSE} = 0 \iff X^\top X\mathbf{w} = X^\top\mathbf{y}$",
            normal.symbol,
            half,
            tag="normal",
        ),
        claim("Hessian", H, hess.symbol, tag="hessian"),
        claim("quadratic form", quad, square.symbol),
        claim("positive semidefinite: the SSE is convex", square.symbol, 0, rel=">=", tag="psd"),
    ]
    return Derivation("linear_regression", "Linear regression by least squares", steps, defs=defs)
