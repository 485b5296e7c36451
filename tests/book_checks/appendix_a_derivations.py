"""Recompute glued values of book/appendix_a_derivations.md (see tests/test_book.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _n_derivations() -> int:
    from lrbook import symbolic as S

    return len(S.all_derivations())


def _n_steps() -> int:
    from lrbook import symbolic as S

    return sum(len(d) for d in S.all_derivations())


def _n_kernels() -> int:
    from lrbook import symbolic as S

    return len(S.KERNELS)


def _math(name: str, steps: Any = None) -> Any:
    from lrbook import symbolic as S

    return S.get_derivation(name).math(steps)


CHECKS: dict[str, Callable[[], Any]] = {
    # glued equations compare through repr (a LatexMath's repr is its LaTeX)
    "eq-app-sigmoid-derivative": lambda: _math("sigmoid"),
    "eq-app-finite-differences": lambda: _math("finite_difference"),
    "eq-app-bernoulli": lambda: _math("bernoulli_nll"),
    "app-n-derivations": _n_derivations,
    "app-n-steps": _n_steps,
    "app-n-kernels": _n_kernels,
}
