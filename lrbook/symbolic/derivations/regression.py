"""Linear regression by least squares: gradient, normal equation, convexity."""

from __future__ import annotations

import functools

import sympy as sp

from lrbook.symbolic.core import Derivation, chain, claim
from lrbook.symbolic.derivations._symbols import (
    grad,
    syms,
    y,
    z,
)
from lrbook.symbolic.functions import (
    Tex,
)

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
    n, d = 3, 2
    X = syms("x_{{{}{}}}", n, d)
    w = sp.ImmutableMatrix(syms("w_{}", d))
    v = sp.ImmutableMatrix(syms("v_{}", d))
    ys = sp.ImmutableMatrix(syms("y_{}", n))
    r = ys - X * w
    E_sum = sp.Add(*[(ys[i] - (X.row(i) * w)[0, 0]) ** 2 for i in range(n)])
    ell = Tex(r"\ell(y, z)")
    dell = Tex(r"\frac{\partial \ell}{\partial z}")
    E = Tex(r"E(\mathbf{w})")
    norm = Tex(r"\lVert \mathbf{y} - X\mathbf{w} \rVert^2")
    gE = Tex(r"\nabla E(\mathbf{w})")
    idx = Tex(r"-2\sum_{i=1}^{n} \left(y_i - \mathbf{x}_i^\top \mathbf{w}\right) \mathbf{x}_i")
    vec = Tex(r"-2X^\top(\mathbf{y} - X\mathbf{w})")
    normal = Tex(r"X^\top X\mathbf{w} - X^\top\mathbf{y}")
    half = Tex(r"\tfrac{1}{2}\nabla E(\mathbf{w})")
    H = Tex(r"\nabla^2 E")
    H2 = Tex(r"2X^\top X")
    quad = Tex(r"\mathbf{v}^\top \nabla^2 E\, \mathbf{v}")
    sq = Tex(r"2\lVert X\mathbf{v} \rVert^2")
    Xv = X * v
    defs = {
        ell: (y - z) ** 2,
        dell: sp.Derivative((y - z) ** 2, z),
        E: E_sum,
        norm: (r.T * r)[0, 0],
        gE: grad(E_sum, list(w)),
        idx: sp.ImmutableMatrix(
            [sp.Add(*[-2 * r[i] * X[i, j] for i in range(n)]) for j in range(d)]
        ),
        vec: -2 * X.T * r,
        normal: X.T * X * w - X.T * ys,
        half: grad(E_sum, list(w)) / 2,
        H: sp.ImmutableMatrix(d, d, lambda j, k: sp.Derivative(E_sum, w[j], w[k])),
        H2: 2 * X.T * X,
        quad: (v.T * sp.hessian(E_sum, list(w)) * v)[0, 0],
        sq: 2 * sp.Add(*[Xv[i] ** 2 for i in range(n)]),
    }
    steps = [
        claim("squared error of one sample with prediction $z$", ell, (y - z) ** 2, tag="sse_loss"),
        claim("its derivative", dell, sp.Mul(-2, y - z, evaluate=False), tag="sse_dz"),
        claim("sum of squared errors (here $n = 3$, two features)", E, norm),
        claim("gradient, index by index", gE, idx),
        chain("as matrix products", vec, tag="grad"),
        claim(
            r"normal equation: $\nabla E = 0 \iff X^\top X\mathbf{w} = X^\top\mathbf{y}$",
            normal,
            half,
        ),
        claim("Hessian", H, H2),
        claim("quadratic form", quad, sq),
        claim("positive semidefinite: the SSE is convex", sq, 0, rel=">="),
    ]
    return Derivation("linear_regression", "Linear regression by least squares", steps, defs=defs)
