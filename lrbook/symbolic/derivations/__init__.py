"""The derivations of the book, one module per topic, and the registry :data:`DERIVATIONS`.

Each factory (``sigmoid_derivation()``...) builds its :class:`~lrbook.symbolic.Derivation`
once and caches it.  Symbols shared by several topics and by the kernel registry live in
:mod:`lrbook.symbolic.derivations._symbols`.
"""

from __future__ import annotations

from collections.abc import Callable

from lrbook.symbolic.core import Derivation
from lrbook.symbolic.derivations.activations import (
    opaque_functions_derivation,
    sigmoid_derivation,
    tanh_derivation,
)
from lrbook.symbolic.derivations.backprop import mlp_sigmoid_derivation, mlp_softmax_derivation
from lrbook.symbolic.derivations.binary import (
    bce_derivation,
    bernoulli_nll_derivation,
    convexity_derivation,
)
from lrbook.symbolic.derivations.finite_differences import finite_difference_derivation
from lrbook.symbolic.derivations.newton import fisher_information_derivation, newton_derivation
from lrbook.symbolic.derivations.regression import linear_regression_derivation
from lrbook.symbolic.derivations.softmax import softmax_derivation

__all__ = [
    "DERIVATIONS",
    "all_derivations",
    "bce_derivation",
    "bernoulli_nll_derivation",
    "convexity_derivation",
    "finite_difference_derivation",
    "fisher_information_derivation",
    "get_derivation",
    "linear_regression_derivation",
    "mlp_sigmoid_derivation",
    "mlp_softmax_derivation",
    "newton_derivation",
    "opaque_functions_derivation",
    "sigmoid_derivation",
    "softmax_derivation",
    "tanh_derivation",
]

DERIVATIONS: dict[str, Callable[[], Derivation]] = {
    "opaque_functions": opaque_functions_derivation,
    "sigmoid": sigmoid_derivation,
    "tanh": tanh_derivation,
    "bernoulli_nll": bernoulli_nll_derivation,
    "bce": bce_derivation,
    "convexity": convexity_derivation,
    "softmax": softmax_derivation,
    "linear_regression": linear_regression_derivation,
    "mlp_sigmoid": mlp_sigmoid_derivation,
    "mlp_softmax": mlp_softmax_derivation,
    "newton": newton_derivation,
    "fisher_information": fisher_information_derivation,
    "finite_difference": finite_difference_derivation,
}
"""Derivation name -> factory (each factory returns the same cached object)."""


def get_derivation(name: str) -> Derivation:
    """The derivation called ``name`` (a key of :data:`DERIVATIONS`).

    Examples
    --------
    >>> get_derivation("bce").title
    'Binary cross-entropy and its gradient'
    """
    try:
        return DERIVATIONS[name]()
    except KeyError:
        raise KeyError(
            f"unknown derivation {name!r}; choose one of {sorted(DERIVATIONS)}"
        ) from None


def all_derivations() -> list[Derivation]:
    """Every derivation, in the book's order.

    Examples
    --------
    >>> [d.name for d in all_derivations()][:3]
    ['opaque_functions', 'sigmoid', 'tanh']
    """
    return [factory() for factory in DERIVATIONS.values()]
