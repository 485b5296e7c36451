"""Verified derivations: the single source of every formula in lrbook.

Each topic of the book (the sigmoid's derivative, the cross-entropy gradient,
convexity, softmax, linear regression, backpropagation, Newton's method) is a
:class:`Derivation`: an ordered list of :class:`Step` objects, each an equation
(or inequality) between SymPy expressions.  :meth:`Derivation.verify` proves
every step with SymPy, and :meth:`Derivation.latex` renders the same objects
for the book.

Stable by construction
----------------------
Derivations are written with *opaque* SymPy functions (:class:`sigmoid`,
:class:`log_sigmoid`, :class:`softplus`, :class:`logsumexp`, :class:`softmax`,
:class:`log_softmax`, :class:`rowsum`).  Their ``fdiff`` gives the derivative
in terms of opaque functions again, and ``rewrite(exp)`` gives the textbook
exponential form (``1/(1 + exp(-z))``, ``log(1 + exp(z))``...).  Proofs rewrite
to that raw form, so every step is checked against the textbook definition;
the code generator (:mod:`lrbook.codegen`) prints the opaque form, which maps to
the stable NumPy primitives in :mod:`lrbook._primitives`.

:data:`KERNELS` names, for each generated kernel in :mod:`lrbook.kernels`, the
derivation step whose right-hand side *is* the kernel.

The package has four parts: :mod:`~lrbook.symbolic.functions` (the opaque
functions and their rewrites), :mod:`~lrbook.symbolic.core` (steps, derivations,
rendering) with :mod:`~lrbook.symbolic.prover`, :mod:`~lrbook.symbolic.derivations`
(one module per topic) and :mod:`~lrbook.symbolic.kernels` (the kernel registry).
Every public name is importable from ``lrbook.symbolic`` itself.

This package imports SymPy; ``import lrbook`` never imports it.

Examples
--------
>>> from lrbook.symbolic import sigmoid_derivation
>>> d = sigmoid_derivation()
>>> len(d.verify().methods) == len(d)
True
>>> d.step("sigmoid_dz_from_output").rhs
a*(1 - a)
"""

from __future__ import annotations

from lrbook.symbolic.core import (
    Derivation,
    DerivationError,
    LatexMath,
    Step,
    VerificationReport,
    chain,
    claim,
)
from lrbook.symbolic.derivations import (
    DERIVATIONS,
    all_derivations,
    bce_derivation,
    bernoulli_nll_derivation,
    convexity_derivation,
    finite_difference_derivation,
    fisher_information_derivation,
    get_derivation,
    linear_regression_derivation,
    mlp_sigmoid_derivation,
    mlp_softmax_derivation,
    newton_derivation,
    opaque_functions_derivation,
    sigmoid_derivation,
    softmax_derivation,
    tanh_derivation,
)

# The kernel arguments, for experiments with the steps they come from
# (``d.replace_step("bce_dz", rhs=y - sigmoid(z))``); not in ``__all__``.
from lrbook.symbolic.derivations._symbols import Y, Z, a, back, delta_jc, p_c, p_j, y, z  # noqa: F401

# Public, but outside __all__ until book/appendix_b_api.md documents it.
from lrbook.symbolic.functions import (
    Tex,
    expand_components,
    expm1,
    log_sigmoid,
    log_softmax,
    logsumexp,
    raw,
    rowsum,
    sigmoid,
    softmax,
    softplus,
)
from lrbook.symbolic.kernels import KERNELS, Kernel, kernel_reference

__all__ = [
    "DERIVATIONS",
    "KERNELS",
    "Derivation",
    "DerivationError",
    "Kernel",
    "LatexMath",
    "Step",
    "Tex",
    "VerificationReport",
    "all_derivations",
    "bce_derivation",
    "bernoulli_nll_derivation",
    "chain",
    "claim",
    "convexity_derivation",
    "expand_components",
    "expm1",
    "finite_difference_derivation",
    "fisher_information_derivation",
    "get_derivation",
    "kernel_reference",
    "linear_regression_derivation",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "mlp_sigmoid_derivation",
    "mlp_softmax_derivation",
    "newton_derivation",
    "opaque_functions_derivation",
    "raw",
    "rowsum",
    "sigmoid",
    "sigmoid_derivation",
    "softmax",
    "softmax_derivation",
    "softplus",
    "tanh_derivation",
]
