"""Support for the book's hidden cells: checked claims about results, and glued values.

The book's promise is that everything it tells the reader is machine-checked. Glued
numbers are recomputed by the book tests; the *sentences* that interpret them ("the loss
rises", "the two fits agree to six digits") are checked with :func:`claim` in a hidden
cell next to the sentence. A false claim stops the build with the claim's text and the
values it was judged on, so prose can no longer contradict the output printed beside it.

Reader-facing cells never use this module; it is plumbing, kept out of sight.

Examples
--------
>>> from lrbook.book import claim
>>> losses = [0.69, 0.41, 0.30]
>>> claim("the loss falls at every step", all(a > b for a, b in zip(losses, losses[1:])),
...       losses=losses)
>>> claim("the loss rises", losses[-1] > losses[0], first=losses[0], last=losses[-1])
Traceback (most recent call last):
...
lrbook.book.ClaimError: the book claims "the loss rises", but the results say otherwise: first=0.69, last=0.3
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Claim", "ClaimError", "claim", "claims_made", "glue"]


class ClaimError(AssertionError):
    """A sentence of the book is contradicted by the executed results."""


@dataclass(frozen=True)
class Claim:
    """One checked statement: its text and the values it was judged on."""

    statement: str
    values: dict[str, Any] = field(default_factory=dict)


_CLAIMS: list[Claim] = []


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.size > 8:
        return np.array2string(value, precision=4, threshold=8)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value) if isinstance(value, str) else str(value)


def claim(statement: str, holds: object, /, **values: Any) -> None:
    """Check a statement the prose makes about an executed result.

    Parameters
    ----------
    statement : str
        The claim as the reader reads it, e.g. ``"the loss rises at eta = 3"``.
    holds : bool
        The condition that makes the statement true, computed from the results.
        NumPy booleans are accepted; anything else (an array, None) is refused, so
        a claim cannot pass by accident.
    **values
        The numbers the condition was judged on; shown when the claim is false.

    Raises
    ------
    ClaimError
        If ``holds`` is false. The message quotes the statement and the values.
    TypeError
        If ``statement`` is not a non-empty string or ``holds`` is not a boolean.
    """
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError(f"statement must be a non-empty string, got {statement!r}")
    if not isinstance(holds, bool | np.bool_):
        raise TypeError(
            f"holds must be a boolean (the claim's condition), got {type(holds).__name__} "
            f"{holds!r} for the claim {statement!r}; reduce arrays with all() or any()"
        )
    if not holds:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in values.items())
        raise ClaimError(
            f'the book claims "{statement}", but the results say otherwise'
            + (f": {shown}" if shown else "")
        )
    _CLAIMS.append(Claim(statement, dict(values)))


def claims_made() -> list[Claim]:
    """The claims checked so far in this process (a notebook kernel: one page), in order."""
    return list(_CLAIMS)


def glue(name: str, value: Any) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`` / ``{glue:math}`` roles, not shown.

    NumPy scalars are converted to Python numbers first: the ``repr`` of ``np.float64``
    under NumPy 2 (``np.float64(0.5)``) breaks format specs such as ``{glue:text}`name:.3f```.
    """
    from myst_nb import glue as _glue  # only in the book's kernels

    if isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = int(value)
    _glue(name, value, display=False)
