"""Hand-written, numerically stable primitives.

These are the only formulas in lrbook that are *not* generated from
:mod:`lrbook.symbolic`: they are the stable implementations that the code
generator maps SymPy's opaque functions to (``sigmoid``, ``log_sigmoid``,
``softplus``, ``logsumexp``, ``softmax``, ``log_softmax``).  Each function keeps
its input's floating dtype (float32 in, float32 out), never overflows, never
warns, and passes NaN through as NaN.

Why not the textbook formulas?

* ``1 / (1 + exp(-z))`` overflows in ``exp`` for ``z < -709`` (float64) and
  raises a RuntimeWarning, even though the answer (0) is representable.
* ``log(1 + exp(z))`` overflows for ``z > 709``; ``log1p(exp(z))`` does too.
* ``1 - sigmoid(z)`` cancels catastrophically for large ``z``: use
  ``sigmoid(-z)`` instead.
* ``(1 + tanh(z/2)) / 2`` is 0 already at ``z = -40``, so its logarithm is
  ``-inf`` where the true value is about ``-40``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lrbook._validation import as_float_array, check_axis, check_bool

__all__ = ["log_sigmoid", "log_softmax", "logsumexp", "sigmoid", "softmax", "softplus"]


def _float_array(x: ArrayLike) -> NDArray[np.floating]:
    return as_float_array(x, "z")


def _along(
    z: NDArray[np.floating],
    axis: int | tuple[int, ...] | None,
    fn: Callable[[NDArray[np.floating]], NDArray[np.floating]],
    *,
    reduce: bool = False,
    keepdims: bool = False,
) -> NDArray[np.floating]:
    """Apply ``fn`` (which works along the last axis) along ``axis`` of ``z``.

    The one axis contract of the reductions here, as NumPy's: ``axis`` is an int, a
    tuple of ints or None (every axis); a 0-d input is one value. The axes are moved
    to the end and merged into one (no copy for the common ``axis=-1``). With
    ``reduce``, ``fn`` returns the last axis reduced to length one (``keepdims``
    then says whether the reduced axes stay).
    """
    if axis == -1 and type(axis) is int and z.ndim and not reduce:
        return fn(z)  # the common case (the kernels' class axis), without any bookkeeping
    axes = check_axis(axis, z.ndim)
    if z.ndim == 0:
        return fn(z.reshape(1)).reshape(())
    rest = [a for a in range(z.ndim) if a not in axes]
    if list(axes) == [z.ndim - 1]:
        moved = z
    else:
        moved = np.transpose(z, [*rest, *axes]).reshape([z.shape[a] for a in rest] + [-1])
    out = fn(moved)
    if reduce:
        kept = [1 if a in axes else z.shape[a] for a in range(z.ndim)]
        out = out.reshape(kept)
        return out if keepdims else out.reshape([z.shape[a] for a in rest])
    if moved is z:
        return out
    out = out.reshape([z.shape[a] for a in rest] + [z.shape[a] for a in axes])
    return np.transpose(out, np.argsort([*rest, *axes]))


def _exp_minus_abs(z: NDArray[np.floating]) -> NDArray[np.floating]:
    """``exp(-|z|)`` in a new array of ``z``'s dtype, computed in place (no temporaries).

    The result is in ``(0, 1]`` (0 by underflow, never overflow) and NaN stays
    NaN. Always an ndarray, also for 0-d input, so callers may update it in place.
    """
    e = np.abs(z, out=np.empty_like(z))
    np.negative(e, out=e)
    np.exp(e, out=e)
    return e


def sigmoid(z: ArrayLike) -> NDArray[np.floating]:
    """Logistic sigmoid ``1 / (1 + exp(-z))``, stable for every finite and infinite ``z``.

    Parameters
    ----------
    z : array-like of any shape
        Logits.

    Returns
    -------
    ndarray of the same shape and floating dtype as ``z``
        Values in ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook import sigmoid
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    z = _float_array(z)
    # exp(-|z|) is in (0, 1]: it can underflow to 0 (harmless) but never overflow.
    e = _exp_minus_abs(z)
    # z >= 0: 1 / (1 + e^-z);  z < 0: e^z / (1 + e^z).  Both have denominators in [1, 2].
    out = np.where(z >= 0, 1.0, e)  # numerator; a Python float keeps z's dtype (NEP 50)
    e += 1.0
    out /= e
    return out


def softplus(z: ArrayLike) -> NDArray[np.floating]:
    """Softplus ``log(1 + exp(z))``, stable for every ``z``.

    Uses ``max(z, 0) + log1p(exp(-|z|))``: the exponential never exceeds 1.

    Parameters
    ----------
    z : array-like of any shape

    Returns
    -------
    ndarray of the same shape and floating dtype as ``z``

    Examples
    --------
    >>> from lrbook import softplus
    >>> float(softplus(1000.0))
    1000.0
    >>> float(softplus(-1000.0))
    0.0
    """
    z = _float_array(z)
    e = _exp_minus_abs(z)
    np.log1p(e, out=e)  # in [0, log 2]: inf - inf never happens; NaN propagates quietly
    out = np.maximum(z, 0.0)
    out += e
    return out


def log_sigmoid(z: ArrayLike) -> NDArray[np.floating]:
    """Logarithm of the sigmoid, ``log(sigmoid(z)) = -softplus(-z)``, stable for every ``z``.

    ``log(1 - sigmoid(z))`` is ``log_sigmoid(-z)``: use that instead of
    subtracting from one, which loses all precision for large ``z``.

    Parameters
    ----------
    z : array-like of any shape

    Returns
    -------
    ndarray of the same shape and floating dtype as ``z``
        Values in ``(-inf, 0]``.

    Examples
    --------
    >>> from lrbook import log_sigmoid
    >>> float(log_sigmoid(-1000.0))
    -1000.0
    """
    z = _float_array(z)
    e = _exp_minus_abs(z)
    np.log1p(e, out=e)
    out = np.minimum(z, 0.0)
    out -= e
    return out


def logsumexp(
    z: ArrayLike, axis: int | tuple[int, ...] | None = -1, keepdims: bool = False
) -> NDArray[np.floating]:
    """``log(sum(exp(z), axis))`` computed with the max-shift, so ``exp`` never overflows.

    ``logsumexp(z) = m + log(sum(exp(z - m)))`` with ``m = max(z)``; the shift is
    exact because softmax is shift invariant (see
    :func:`lrbook.symbolic.softmax_derivation`).

    Parameters
    ----------
    z : array-like of shape (..., K)
    axis : int, tuple of ints or None, default=-1
        Axis or axes to reduce (None: every axis), as in NumPy's reductions; a 0-d
        ``z`` is one value.
    keepdims : bool, default=False
        Keep the reduced axis with length one.

    Returns
    -------
    ndarray
        ``z`` reduced over ``axis``, same floating dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook import logsumexp
    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # 1000 + log 2, no overflow
    1000.6931471805599
    """
    z = _float_array(z)
    return _along(z, axis, _logsumexp_last, reduce=True, keepdims=check_bool(keepdims, "keepdims"))


def _logsumexp_last(z: NDArray[np.floating]) -> NDArray[np.floating]:
    m = np.max(z, axis=-1, keepdims=True)
    if np.isfinite(m).all():
        # Common case: every row has a finite max, so the shifted sum is in [1, K].
        e = np.subtract(z, m)
        np.exp(e, out=e)
        out = np.sum(e, axis=-1, keepdims=True)
        np.log(out, out=out)
        out += m
    else:
        # A row whose max is +-inf (or NaN) cannot be shifted by it: shift by 0 instead.
        m = np.where(np.isfinite(m), m, 0).astype(z.dtype, copy=False)
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf for -inf rows
            out = np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)) + m
    return out.astype(z.dtype, copy=False)


def _shift_rows(z: NDArray[np.floating]) -> tuple[NDArray[np.floating], np.ndarray]:
    """Return ``(z - max(z), max(z))`` along the last axis, safe for infinite rows.

    A row whose maximum is ``+inf`` is replaced by its limit: 0 on the ``+inf``
    entries and ``-inf`` elsewhere (softmax tends to ``1/count`` on the ``+inf``
    entries and 0 on the rest). Rows whose maximum is ``-inf`` or NaN are not
    shifted, so an all ``-inf`` row stays ``-inf`` and NaN stays NaN.
    """
    m = np.max(z, axis=-1, keepdims=True)
    if np.isfinite(m).all():  # common case: a plain shift by the (finite) row maxima
        return np.subtract(z, m), m
    shift = np.where(np.isfinite(m), m, 0).astype(z.dtype, copy=False)
    with np.errstate(invalid="ignore"):
        shifted = np.where(np.isposinf(m), np.where(z == m, 0.0, -np.inf), z - shift)
    return shifted.astype(z.dtype, copy=False), m


def log_softmax(z: ArrayLike, axis: int | tuple[int, ...] | None = -1) -> NDArray[np.floating]:
    """Log-probabilities ``z - logsumexp(z)``, accurate even when they are tiny.

    Computed as ``(z - m) - log1p(sum_{j != argmax} exp(z_j - m))``: leaving
    the largest term (exactly 1) out of the sum lets ``log1p`` keep
    probabilities near one to full relative precision (``log_softmax([40, 0])[0]``
    is ``-4.25e-18``, not 0 as ``z - logsumexp(z)`` would give).

    Parameters
    ----------
    z : array-like of shape (..., K)
    axis : int, tuple of ints or None, default=-1
        Axis or axes that make up one distribution (None: all of ``z``); a 0-d ``z``
        is one value.

    Returns
    -------
    ndarray of the same shape and dtype as ``z``

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook import log_softmax
    >>> log_softmax(np.array([0.0, 1000.0]))
    array([-1000.,     0.])
    >>> float(log_softmax(np.array([40.0, 0.0]))[0])
    -4.248354255291589e-18
    """
    return _along(_float_array(z), axis, _log_softmax_last)


def _log_softmax_last(z: NDArray[np.floating]) -> NDArray[np.floating]:
    shifted, m = _shift_rows(z)
    if np.isfinite(m).all():
        # Common case (every row max finite): the max entry of each row is exactly 0 after
        # the shift, its exp exactly 1; log1p of the sum of the others.
        e = np.exp(shifted)
        np.put_along_axis(e, np.argmax(shifted, axis=-1, keepdims=True), 0, axis=-1)
        log_sum = np.sum(e, axis=-1, keepdims=True)
        np.log1p(log_sum, out=log_sum)
        shifted -= log_sum
        return shifted
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.exp(shifted)
        rest = e.copy()
        np.put_along_axis(rest, np.argmax(shifted, axis=-1, keepdims=True), 0, axis=-1)
        # NaN rows (argmax would drop the NaN) and all -inf rows keep the plain log of the sum.
        plain = np.isnan(m) | np.isneginf(m)
        log_sum = np.where(
            plain,
            np.log(np.sum(e, axis=-1, keepdims=True)),
            np.log1p(np.sum(rest, axis=-1, keepdims=True)),
        )
        return (shifted - log_sum).astype(z.dtype, copy=False)


def softmax(z: ArrayLike, axis: int | tuple[int, ...] | None = -1) -> NDArray[np.floating]:
    """Softmax ``exp(z) / sum(exp(z))`` with the max-shift; rows sum to one.

    A row containing ``+inf`` gives its limit (equal shares on the ``+inf``
    entries, 0 elsewhere) instead of ``inf / inf``.

    Parameters
    ----------
    z : array-like of shape (..., K)
    axis : int, tuple of ints or None, default=-1
        Axis or axes that make up one distribution (None: all of ``z``); a 0-d ``z``
        is one value.

    Returns
    -------
    ndarray of the same shape and dtype as ``z``

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook import softmax
    >>> softmax(np.array([1000.0, 1000.0]))
    array([0.5, 0.5])
    >>> softmax(np.array([np.inf, 0.0]))
    array([1., 0.])
    """
    return _along(_float_array(z), axis, _softmax_last)


def _softmax_last(z: NDArray[np.floating]) -> NDArray[np.floating]:
    shifted, m = _shift_rows(z)
    if np.isfinite(m).all():  # common case: each row sum is in [1, K], no 0/0
        np.exp(shifted, out=shifted)
        shifted /= np.sum(shifted, axis=-1, keepdims=True)
        return shifted
    with np.errstate(invalid="ignore"):  # 0/0 only for all -inf rows (no limit exists)
        e = np.exp(shifted)
        return (e / np.sum(e, axis=-1, keepdims=True)).astype(z.dtype, copy=False)


#: Rows shorter than this are reduced column by column (see :func:`_row_reduce`).
_SHORT_ROW = 8


def _row_reduce(ufunc: np.ufunc, x: NDArray[Any]) -> NDArray[Any]:
    """``ufunc.reduce`` over the last axis, keeping it (length one); fast for short rows.

    NumPy reduces a short contiguous last axis one row at a time, which costs more
    than the arithmetic (an ``(n, 5)`` sum about 8x a column pass).  Rows shorter than
    :data:`_SHORT_ROW` are reduced column by column, in order: for ``np.add`` the same
    operations in the same order as ``np.sum`` (which starts from 0 and adds the
    entries one after the other below 8 of them), so the same bits.
    """
    k = x.shape[-1]
    if x.ndim < 2 or not 1 <= k < _SHORT_ROW:
        return ufunc.reduce(x, axis=-1, keepdims=True)
    first = x[..., :1]
    out = np.add(first, 0.0) if ufunc is np.add else first.copy()
    for j in range(1, k):
        ufunc(out, x[..., j : j + 1], out=out)
    return out


def rowsum(x: ArrayLike) -> NDArray[np.floating]:
    """Sum over the last axis (the class axis); the printer's target for ``rowsum`` in kernels.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook._primitives import rowsum
    >>> rowsum(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([3., 7.])
    """
    x = as_float_array(x, "x")
    if x.ndim < 2:
        return np.sum(x, axis=-1)
    return _row_reduce(np.add, x)[..., 0]


def shifted(z: ArrayLike) -> NDArray[np.floating]:
    """Logits minus their row maximum, ``z - max(z)`` over the last axis; kernels only.

    The printer's target for ``shifted`` in the cross-entropy kernels: the largest
    entry of each row becomes exactly 0, so ``exp`` of the result never overflows
    and its largest entry is exactly 1 (which ``rest`` relies on).  A row whose
    maximum is ``+inf`` gives its limit, 0 on the ``+inf`` entries and ``-inf``
    elsewhere (softmax tends to equal shares of the ``+inf`` entries); an all
    ``-inf`` row gives NaN (``-inf - (-inf)``: its softmax has no value) and a row
    with a NaN gives NaN, quietly.

    Parameters
    ----------
    z : array-like of shape (..., K)

    Returns
    -------
    ndarray of the same shape and floating dtype as ``z``

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook._primitives import shifted
    >>> shifted(np.array([[1000.0, 999.0], [np.inf, 0.0]]))
    array([[  0.,  -1.],
           [  0., -inf]])
    """
    z = _float_array(z)
    m = _row_reduce(np.maximum, z)
    if np.isfinite(m).all():  # common case: a plain shift by the (finite) row maxima
        with np.errstate(over="ignore"):  # -big - big: -inf, whose exp is the 0 it should be
            return np.subtract(z, m)
    # -inf - (-inf), inf - inf: NaN, as intended (the +inf rows take the limit instead)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.where(np.isposinf(m), np.where(z == m, 0.0, -np.inf), z - m)
    return out.astype(z.dtype, copy=False)


def rest(e: ArrayLike) -> NDArray[np.floating]:
    """``rowsum(e) - 1`` for rows whose largest entry is exactly 1, without cancellation.

    The printer's target for ``rest`` in the cross-entropy kernels, where
    ``e = exp(shifted(Z))``: the sum of the entries of each row other than one
    largest entry (the 1), so a tiny rest keeps full relative precision where
    ``sum(e) - 1`` would round it to 0.  Entries equal to 1 are left out and the
    count of them less one added back (two logits tied for the maximum: the rest
    includes the second 1).  A row with a NaN gives NaN.

    Parameters
    ----------
    e : array-like of shape (..., K)
        Rows with entries in ``[0, 1]`` and largest entry 1.

    Returns
    -------
    ndarray of shape (..., 1), the floating dtype of ``e``
        The last axis kept (length one), so that it broadcasts against the rows.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook._primitives import rest
    >>> rest(np.exp(np.array([[0.0, -40.0], [0.0, 0.0]])))
    array([[4.24835426e-18],
           [1.00000000e+00]])
    """
    e = as_float_array(e, "e")
    ones = e == 1
    out = _row_reduce(np.add, e - ones)
    out += _row_reduce(np.add, ones) - 1  # 0 unless the maximum is tied
    return out
