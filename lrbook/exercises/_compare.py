"""Comparing what the reader's function returned with what was expected."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from lrbook.exercises._core import Fail


def as_float_array(out: Any, what: str, expected_shape: tuple[int, ...]) -> np.ndarray:
    """``out`` as an array of the expected shape, or :class:`Fail` with a shape diagnosis."""
    if out is None:
        raise Fail(f"{what} returned None: did you forget the return statement?", "returns_none")
    try:
        arr = np.asarray(out)
    except Exception:
        raise Fail(f"{what} returned a {type(out).__name__}, not an array", "wrong_type") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise Fail(
            f"{what} returned a {type(out).__name__} of dtype {arr.dtype}, not numbers",
            "wrong_type",
        )
    if arr.shape != expected_shape:
        key = "wrong_shape"
        if arr.size == math.prod(expected_shape) and arr.shape != expected_shape:
            key = "column_shape" if arr.ndim == 2 and 1 in arr.shape else "transposed"
        if arr.shape == expected_shape[::-1] and arr.ndim == 2 and 1 not in arr.shape:
            key = "transposed"
        raise Fail(f"{what} returned shape {arr.shape}, expected shape {expected_shape}", key)
    return arr


def show(values: Any, digits: int = 6) -> str:
    """A short printed form of numbers for messages."""
    arr = np.asarray(values, dtype=float)
    with np.printoptions(precision=digits, suppress=False, threshold=8, edgeitems=3):
        return str(arr) if arr.ndim else f"{float(arr):.{digits}g}"


def close(got: Any, want: Any, rtol: float = 1e-7, atol: float = 1e-12) -> bool:
    """Whether two arrays agree (same shape, NaN never agrees)."""
    g = np.asarray(got, dtype=float)
    w = np.asarray(want, dtype=float)
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol))


def match(got: Any, candidates: Mapping[str, Any], rtol: float = 1e-6) -> str | None:
    """The key of the first candidate (a typical wrong answer) that ``got`` equals."""
    for key, value in candidates.items():
        if close(got, value, rtol=rtol, atol=1e-10):
            return key
    return None
