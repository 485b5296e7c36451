"""Symbols and helpers shared by several derivation modules and the kernel registry.

The kernel arguments (``y``, ``z``, ``a``, ``back``, ``Y``, ``Z``, ``p_j``, ``p_c``,
``delta_jc``) are the symbols of the steps the kernels are printed from, so they are
defined once, here.  Symbols used by one derivation only are defined in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from lrbook.symbolic.functions import CodeSymbol, Expr

__all__ = [
    "U",
    "Y",
    "Z",
    "a",
    "back",
    "bce_of",
    "delta_jc",
    "grad",
    "p_c",
    "p_j",
    "syms",
    "y",
    "z",
]

# one sample: logit z, label y, activation a (the output of sigma or tanh)
z, y, a = sp.symbols("z y a", real=True)
# backpropagation's kernel argument delta_out @ W2.T, shown as maths in the book
back = CodeSymbol("back", r"(W^{(2)} \boldsymbol{\delta}^{(2)})_j", real=True)
# softmax Jacobian entries: probabilities p_j, p_c and the Kronecker delta
p_j, p_c, delta_jc = sp.symbols("p_j p_c delta_jc", real=True)
# rows of (n, K) arrays in the vector-form kernels: labels Y, logits Z
Y, Z = sp.symbols("Y Z", real=True)
# keeps a factor as written in a displayed step (no automatic expansion or reordering)
U = sp.UnevaluatedExpr


def bce_of(yhat: Expr, label: Expr) -> Expr:
    """Textbook binary cross-entropy of a prediction ``yhat`` for label ``label``."""
    return -label * sp.log(yhat) - (1 - label) * sp.log(1 - yhat)


def syms(fmt: str, *shape: int) -> Any:
    """Real symbols named with ``fmt`` over 1-based indices; a list or a Matrix."""
    if len(shape) == 1:
        return [sp.Symbol(fmt.format(i + 1), real=True) for i in range(shape[0])]
    rows, cols = shape
    return sp.ImmutableMatrix(
        rows, cols, lambda i, j: sp.Symbol(fmt.format(i + 1, j + 1), real=True)
    )


def grad(f: Expr, variables: Sequence[Any]) -> Any:
    """Column of unevaluated partial derivatives of ``f`` (evaluated by the prover)."""
    return sp.ImmutableMatrix([sp.Derivative(f, v) for v in variables])
