"""Loss functions, their gradients and Hessians, for the three models of the book.

Everything here is assembled from the generated kernels in :mod:`lrbook.kernels`
(derived in :mod:`lrbook.symbolic`), the stable primitives in
:mod:`lrbook._primitives` and matrix products: no formula is rewritten by hand.

Conventions
-----------
Parameters of the linear models put the intercept **first**, as if a column of
ones had been prepended to ``X``:

* logistic regression: ``params = [b, w_1, ..., w_d]`` of shape
  ``(n_features + 1,)`` when ``fit_intercept=True``, else ``w`` of shape
  ``(n_features,)``;
* softmax regression: ``params`` of shape ``(n_features + 1, n_classes)`` whose
  row 0 holds the intercepts and rows ``1..`` the weight matrix ``W``; without
  intercept just ``W`` of shape ``(n_features, n_classes)``.

``alpha`` is an L2 penalty on the *mean* loss, the intercept is not penalised::

    objective = sum_i s_i * loss_i / sum_i s_i + alpha / 2 * ||w||^2

with sample weights ``s_i`` (all ones by default, giving the plain mean).
scikit-learn's ``LogisticRegression(C=C)`` minimises ``C * sum(loss) +
||w||^2 / 2``, which has the same minimiser as ``alpha = 1 / (C * n_samples)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lrbook import kernels as K
from lrbook._primitives import sigmoid, softmax

__all__ = [
    "binary_cross_entropy",
    "cross_entropy",
    "logistic_hessian",
    "logistic_loss_grad",
    "mlp_forward",
    "mlp_init",
    "mlp_loss_grad",
    "mlp_params_to_vector",
    "mlp_vector_to_params",
    "softmax_hessian",
    "softmax_loss_grad",
]

Reduction = Literal["mean", "sum", "none"]
FloatArray = NDArray[np.floating[Any]]

#: Bytes of ``X`` processed per row block by the full-batch gradients (DESIGN decision 3).
#: About 1 MiB keeps the block, its logits and its residuals in the L2 cache while
#: amortising the Python overhead of the kernel calls over thousands of rows.
BLOCK_BYTES = 1 << 20

_MLP_KEYS = ("W1", "b1", "W2", "b2")


# --------------------------------------------------------------------------------------
# validation helpers (run once, at the public boundary)
# --------------------------------------------------------------------------------------
def _float_array(x: ArrayLike, name: str) -> FloatArray:
    """Return ``x`` as a float array (float32/float64 kept, ints and bools -> float64)."""
    if hasattr(x, "tocsr") or hasattr(x, "toarray"):
        raise TypeError(
            f"{name} is a sparse matrix ({type(x).__name__}); lrbook.losses needs a dense "
            f"array: pass {name}.toarray()"
        )
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
        return arr
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(
        f"{name} must be a real numeric array, got dtype {arr.dtype!s}; "
        f"convert it with np.asarray({name}, dtype=float)"
    )


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); remove or impute them "
            "(e.g. with sklearn.impute.SimpleImputer) before computing the loss"
        )


def _check_X(X: ArrayLike, name: str = "X", check_finite: bool = True) -> FloatArray:
    arr = _float_array(X, name)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), got an array of "
            f"shape {arr.shape}; reshape a single feature with {name}.reshape(-1, 1) or a "
            f"single sample with {name}.reshape(1, -1)"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has 0 samples (shape {arr.shape}); at least one is required")
    if check_finite:
        _check_finite(arr, name)
    return arr


def _raise_nonfinite_logits(X: FloatArray) -> None:
    """Called when a block's logits are not finite: name the culprit precisely.

    The blocked gradients skip a separate pass over ``X`` for NaN/inf (it would
    cost as much as the gradient itself); any NaN or inf in ``X`` makes the logits
    of its row non-finite (IEEE: ``inf * 0`` is NaN), so checking each block's
    logits, which are in cache anyway, catches them.
    """
    _check_finite(X, "X")
    raise ValueError(
        "the logits X @ w overflowed to infinity (X and params are finite but too large); "
        "standardise X (e.g. sklearn.preprocessing.StandardScaler) or use smaller params"
    )


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(
            f"reduction must be one of 'mean', 'sum' or 'none', got {reduction!r}; "
            "use 'none' for the per-sample losses"
        )


def _check_alpha(alpha: float) -> float:
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        raise TypeError(f"alpha must be a real number >= 0, got {alpha!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(
            f"alpha must be a finite number >= 0 (L2 strength on the mean loss), got {alpha!r}; "
            "scikit-learn's C corresponds to alpha = 1 / (C * n_samples)"
        )
    return value


def _show_values(arr: np.ndarray) -> str:
    vals = np.unique(arr[~np.isnan(arr)]) if arr.dtype.kind == "f" else np.unique(arr)
    shown = ", ".join(repr(v.item()) for v in vals[:5])
    more = ", ..." if vals.size > 5 else ""
    nan = " and NaN" if arr.dtype.kind == "f" and np.isnan(arr).any() else ""
    return f"[{shown}{more}]{nan}"


def _check_binary_y(y: ArrayLike, n: int, dtype: np.dtype, name: str = "y") -> FloatArray:
    arr = _float_array(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of 0/1 labels of shape (n_samples,), got shape "
            f"{arr.shape}; flatten it with np.ravel({name})"
        )
    if arr.shape[0] != n:
        raise ValueError(
            f"{name} has {arr.shape[0]} entries but there are {n} samples; pass one label per row"
        )
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(
            f"{name} must contain only 0 and 1, got values {_show_values(arr)}; encode the "
            f"classes first, e.g. y01 = (y == positive_class).astype(float)"
        )
    return arr.astype(dtype, copy=False)


def _check_class_targets(
    Y: ArrayLike, n: int, n_classes: int | None, dtype: np.dtype, name: str = "y"
) -> FloatArray:
    """Integer labels (n,) in [0, K) or one-hot / probability rows (n, K) -> (n, K) float."""
    arr = np.asarray(Y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold integer class labels or one-hot rows, got dtype {arr.dtype!s}; "
            "encode string labels first, e.g. with np.unique(y, return_inverse=True)"
        )
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(
            f"{name} must be integer labels of shape (n_samples,) or one-hot rows of shape "
            f"(n_samples, n_classes), got shape {arr.shape}"
        )
    if arr.shape[0] != n:
        raise ValueError(
            f"{name} has {arr.shape[0]} rows but there are {n} samples; pass one target per row"
        )
    if arr.ndim == 1:
        if n_classes is None:
            raise ValueError(
                f"{name} holds integer labels, so the number of classes is unknown here; "
                "pass one-hot rows of shape (n_samples, n_classes) instead"
            )
        ok = np.isfinite(arr) & (arr >= 0) & (arr < n_classes) & (arr == np.round(arr))
        if not np.all(ok):
            raise ValueError(
                f"{name} must contain integer labels in [0, {n_classes}) (one per class of "
                f"the logits), got values {_show_values(arr.astype(np.float64))}; "
                "encode labels as 0..K-1, e.g. with np.unique(y, return_inverse=True)"
            )
        onehot = np.zeros((n, n_classes), dtype=dtype)
        onehot[np.arange(n), arr.astype(np.intp)] = 1
        return onehot
    if n_classes is not None and arr.shape[1] != n_classes:
        raise ValueError(
            f"{name} has {arr.shape[1]} columns but the logits have {n_classes} classes; "
            "one-hot rows need one column per class"
        )
    farr = arr.astype(dtype, copy=False)
    _check_finite(farr, name)
    tol = 1e-6 if dtype == np.float32 else 1e-10
    if np.any(farr < 0) or not np.allclose(farr.sum(axis=1), 1.0, rtol=0, atol=tol):
        raise ValueError(
            f"{name} has shape {arr.shape} but its rows are not one-hot (entries >= 0 summing "
            "to 1); pass integer labels of shape (n_samples,) or a valid one-hot encoding"
        )
    return farr


def _check_sample_weight(
    sample_weight: ArrayLike | None, n: int, dtype: np.dtype
) -> FloatArray | None:
    if sample_weight is None:
        return None
    sw = _float_array(sample_weight, "sample_weight")
    if sw.ndim != 1 or sw.shape[0] != n:
        raise ValueError(
            f"sample_weight must be None or a 1-D array of shape ({n},), got shape {sw.shape}; "
            "pass one nonnegative weight per sample"
        )
    _check_finite(sw, "sample_weight")
    if np.any(sw < 0):
        raise ValueError(
            f"sample_weight must be nonnegative, got minimum {float(sw.min())!r}; "
            "drop the samples instead of giving them negative weight"
        )
    if not np.sum(sw) > 0:
        raise ValueError(
            "sample_weight sums to 0, so the weighted mean loss is undefined; "
            "give at least one sample a positive weight"
        )
    return sw.astype(dtype, copy=False)


def _result_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 when every input is float32, else float64."""
    return np.dtype(np.result_type(*arrays, np.float32))


def _reduce(values: FloatArray, sw: FloatArray | None, reduction: str) -> float | FloatArray:
    if sw is not None:
        values = values * sw
    if reduction == "none":
        return values
    total = float(np.sum(values, dtype=np.float64))
    if reduction == "sum":
        return total
    denom = float(values.shape[0]) if sw is None else float(np.sum(sw, dtype=np.float64))
    return total / denom


def _rows_per_block(n_features: int, itemsize: int) -> int:
    return max(1, BLOCK_BYTES // (max(n_features, 1) * itemsize))


def _split_params(
    params: ArrayLike, n_features: int, fit_intercept: bool, n_classes: int | None
) -> tuple[FloatArray, FloatArray | None, FloatArray]:
    """Validate ``params`` and return (params, intercept or None, weights)."""
    p = _float_array(params, "params")
    expected_rows = n_features + 1 if fit_intercept else n_features
    if n_classes is None:
        expected: tuple[int, ...] = (expected_rows,)
        layout = "[b, w_1, ..., w_d]" if fit_intercept else "[w_1, ..., w_d]"
    else:
        expected = (expected_rows, n_classes)
        layout = "row 0 = intercepts, rows 1.. = W" if fit_intercept else "W"
    if p.shape != expected:
        raise ValueError(
            f"params must have shape {expected} ({layout}; intercept first) for X with "
            f"{n_features} features and fit_intercept={fit_intercept}, got shape {p.shape}"
        )
    _check_finite(p, "params")
    if fit_intercept:
        return p, p[0], p[1:]
    return p, None, p


def _split_softmax_params(
    params: ArrayLike, n_features: int, fit_intercept: bool
) -> tuple[FloatArray, FloatArray | None, FloatArray]:
    """:func:`_split_params` for the softmax model: ``params`` must be 2-D (one column a class)."""
    p = _float_array(params, "params")
    if p.ndim != 2:
        raise ValueError(
            f"params must be a 2-D array of shape (n_features{' + 1' if fit_intercept else ''}, "
            f"n_classes) (intercepts in row 0), got shape {p.shape}"
        )
    return _split_params(p, n_features, fit_intercept, p.shape[1])


# --------------------------------------------------------------------------------------
# losses on logits
# --------------------------------------------------------------------------------------
def binary_cross_entropy(
    y: ArrayLike,
    logits: ArrayLike,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> float | FloatArray:
    """Binary cross-entropy computed from logits, ``-y log σ(z) - (1 - y) log σ(-z)``.

    Working from logits (never from probabilities) keeps the loss finite and
    accurate: ``log σ(-z)`` replaces ``log(1 - σ(z))``, which would be ``log 0``
    for ``z`` above about 37.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels in {0, 1}.
    logits : array-like of shape (n_samples,)
        Logits ``z = b + x·w`` (not probabilities).
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` gives the (weighted) mean ``sum(s*l)/sum(s)``, ``"sum"`` gives
        ``sum(s*l)``, ``"none"`` the per-sample values ``s*l``.
    sample_weight : array-like of shape (n_samples,), default=None
        Nonnegative sample weights ``s``; ``None`` means all ones.

    Returns
    -------
    float or ndarray of shape (n_samples,)
        The reduced loss, or per-sample losses for ``reduction="none"``.

    Raises
    ------
    ValueError
        On labels other than 0/1, mismatched lengths, non-finite logits or an
        unknown ``reduction``.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.losses import binary_cross_entropy
    >>> binary_cross_entropy([1, 0], [0.0, 0.0])  # log 2
    0.6931471805599453
    >>> binary_cross_entropy([1, 0], [1000.0, 1000.0], reduction="none")
    array([   0., 1000.])
    """
    _check_reduction(reduction)
    z = _float_array(logits, "logits")
    if z.ndim != 1:
        raise ValueError(
            f"logits must be a 1-D array of shape (n_samples,), got shape {z.shape}; "
            "flatten a column of logits with np.ravel(logits)"
        )
    _check_finite(z, "logits")
    yy = _check_binary_y(y, z.shape[0], z.dtype)
    sw = _check_sample_weight(sample_weight, z.shape[0], z.dtype)
    return _reduce(K.bce_loss(yy, z), sw, reduction)


def cross_entropy(
    y: ArrayLike,
    logits: ArrayLike,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> float | FloatArray:
    """Softmax cross-entropy from logits, ``logsumexp(z) - z_y`` per row.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Integer labels in ``[0, n_classes)``, or one-hot rows (rows of
        probabilities summing to one are accepted too).
    logits : array-like of shape (n_samples, n_classes)
        Unnormalised log-probabilities.
    reduction : {"mean", "sum", "none"}, default="mean"
        As in :func:`binary_cross_entropy`.
    sample_weight : array-like of shape (n_samples,), default=None
        Nonnegative sample weights; ``None`` means all ones.

    Returns
    -------
    float or ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        On labels outside ``[0, n_classes)``, wrong shapes, non-finite logits or
        an unknown ``reduction``.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.losses import cross_entropy
    >>> round(cross_entropy([0, 2], np.zeros((2, 3))), 12)  # log 3
    1.098612288668
    >>> cross_entropy(np.array([[0.0, 1.0]]), np.array([[0.0, 1000.0]]), reduction="none")
    array([0.])
    """
    _check_reduction(reduction)
    Z = _float_array(logits, "logits")
    if Z.ndim != 2:
        raise ValueError(
            f"logits must be a 2-D array of shape (n_samples, n_classes), got shape {Z.shape}; "
            "for two classes with a single logit use binary_cross_entropy"
        )
    _check_finite(Z, "logits")
    Y = _check_class_targets(y, Z.shape[0], Z.shape[1], Z.dtype)
    sw = _check_sample_weight(sample_weight, Z.shape[0], Z.dtype)
    return _reduce(K.ce_loss(Y, Z), sw, reduction)


# --------------------------------------------------------------------------------------
# logistic regression
# --------------------------------------------------------------------------------------
def logistic_loss_grad(
    params: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    alpha: float = 0.0,
    fit_intercept: bool = True,
    sample_weight: ArrayLike | None = None,
) -> tuple[float, FloatArray]:
    """Penalised mean logistic loss and its gradient, reading ``X`` once.

    The objective is ``sum_i s_i bce(y_i, z_i) / sum_i s_i + alpha/2 ||w||^2``
    with ``z = b + X w`` (intercept unpenalised). Its gradient is
    ``X1.T @ (s * (σ(z) - y)) / sum(s) + alpha * [0, w]`` where ``X1`` is
    ``X`` with a prepended column of ones. Rows are processed in blocks of
    about :data:`BLOCK_BYTES` bytes: each block's logits, residuals and
    contribution ``X_b.T @ r_b`` are computed while the block is in cache, so
    ``X`` travels from memory once instead of twice.

    Parameters
    ----------
    params : array-like of shape (n_features + 1,) or (n_features,)
        ``[b, w_1, ..., w_d]`` (intercept first) when ``fit_intercept=True``,
        else ``[w_1, ..., w_d]``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Labels in {0, 1}.
    alpha : float, default=0.0
        L2 strength on the mean loss; scikit-learn's ``C`` is
        ``alpha = 1 / (C * n_samples)``.
    fit_intercept : bool, default=True
        Whether ``params[0]`` is an intercept.
    sample_weight : array-like of shape (n_samples,), default=None
        Nonnegative weights; the loss is their weighted mean.

    Returns
    -------
    loss : float
    grad : ndarray, same shape as ``params``
        float32 when ``params`` and ``X`` are float32, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.losses import logistic_loss_grad
    >>> X = np.array([[1.0], [-1.0]])
    >>> loss, grad = logistic_loss_grad(np.zeros(2), X, np.array([1, 0]))
    >>> round(loss, 12), grad  # log 2; the intercept gradient comes first
    (0.69314718056, array([ 0. , -0.5]))
    """
    Xa = _check_X(X, check_finite=False)  # finiteness is checked block by block below
    n, d = Xa.shape
    p, b, w = _split_params(params, d, fit_intercept, None)
    dtype = _result_dtype(p, Xa)
    Xa = Xa.astype(dtype, copy=False)
    b = None if b is None else b.astype(dtype)
    w = w.astype(dtype, copy=False)
    yy = _check_binary_y(y, n, dtype)
    sw = _check_sample_weight(sample_weight, n, dtype)
    alpha = _check_alpha(alpha)

    grad_w = np.zeros(d, dtype=dtype)
    gb = np.empty(d, dtype=dtype)
    grad_b = 0.0
    total = 0.0
    step = _rows_per_block(d, dtype.itemsize)
    zbuf = np.empty(min(step, n), dtype=dtype)
    for start in range(0, n, step):
        Xb = Xa[start : start + step]
        yb = yy[start : start + step]
        zb = zbuf[: Xb.shape[0]]
        with np.errstate(over="ignore", invalid="ignore"):  # NaN/inf/overflow: raised below
            np.matmul(Xb, w, out=zb)
            if b is not None:
                zb += b
            # One cheap pass: a finite sum means finite logits; otherwise look closely
            # (the sum of finite logits can still overflow).
            if not np.isfinite(zb.sum()) and not np.isfinite(zb).all():
                _raise_nonfinite_logits(Xa)
        # loss and residual σ(z) - y in one pass (new arrays; exp(-|t|) computed once)
        lb, rb = K.bce_loss_dz(yb, zb)
        if sw is not None:
            swb = sw[start : start + step]
            rb *= swb
            lb *= swb
        np.matmul(Xb.T, rb, out=gb)
        grad_w += gb
        grad_b += float(rb.sum(dtype=np.float64))
        total += float(lb.sum(dtype=np.float64))

    denom = float(n) if sw is None else float(np.sum(sw, dtype=np.float64))
    grad_w /= denom
    loss = total / denom
    if alpha:
        grad_w += alpha * w
        loss += 0.5 * alpha * float(np.dot(w, w))
    if b is None:
        return loss, grad_w
    return loss, np.concatenate([np.array([grad_b / denom], dtype=dtype), grad_w])


def logistic_hessian(
    params: ArrayLike,
    X: ArrayLike,
    alpha: float = 0.0,
    fit_intercept: bool = True,
    sample_weight: ArrayLike | None = None,
) -> FloatArray:
    """Hessian of the objective of :func:`logistic_loss_grad`.

    ``H = X1.T diag(s * σ(z) σ(-z)) X1 / sum(s) + alpha * diag(0, 1, ..., 1)``
    (no penalty on the intercept); positive semidefinite, positive definite
    when ``alpha > 0`` and ``X1`` has full column rank. The weights
    ``σ(z)σ(-z) = σ(1 - σ)`` are the IRLS weights of Newton's method.

    Parameters
    ----------
    params : array-like of shape (n_features + 1,) or (n_features,)
        Intercept first, as in :func:`logistic_loss_grad`.
    X : array-like of shape (n_samples, n_features)
    alpha : float, default=0.0
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    ndarray of shape (p, p) with ``p = params.size``

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.losses import logistic_hessian
    >>> logistic_hessian(np.zeros(2), np.array([[1.0], [-1.0]]), alpha=0.5)
    array([[0.25, 0.  ],
           [0.  , 0.75]])
    """
    Xa = _check_X(X)
    n, d = Xa.shape
    p, b, w = _split_params(params, d, fit_intercept, None)
    dtype = _result_dtype(p, Xa)
    Xa = Xa.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    sw = _check_sample_weight(sample_weight, n, dtype)
    alpha = _check_alpha(alpha)

    z = Xa @ w
    if b is not None:
        z += b.astype(dtype)
    s = K.bce_d2z(z)
    if sw is not None:
        s = s * sw
    denom = float(n) if sw is None else float(np.sum(sw, dtype=np.float64))
    s = s / dtype.type(denom)
    Xs = Xa * s[:, None]
    H_ww = Xs.T @ Xa
    H_ww = 0.5 * (H_ww + H_ww.T)  # exactly symmetric (the product is only up to rounding)
    if alpha:
        H_ww[np.diag_indices(d)] += alpha
    if b is None:
        return H_ww
    H = np.empty((d + 1, d + 1), dtype=dtype)
    H[0, 0] = np.sum(s)
    H[0, 1:] = H[1:, 0] = np.sum(Xs, axis=0)
    H[1:, 1:] = H_ww
    return H


# --------------------------------------------------------------------------------------
# softmax regression
# --------------------------------------------------------------------------------------
def softmax_loss_grad(
    params: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike,
    alpha: float = 0.0,
    fit_intercept: bool = True,
    sample_weight: ArrayLike | None = None,
) -> tuple[float, FloatArray]:
    """Penalised mean softmax cross-entropy and its gradient (one pass over ``X``).

    With logits ``Z = b + X W`` the gradient is ``X1.T @ (s * (softmax(Z) - Y)) /
    sum(s) + alpha * [0; W]``.

    Parameters
    ----------
    params : array-like of shape (n_features + 1, n_classes) or (n_features, n_classes)
        Row 0 = intercepts, rows ``1..`` = ``W`` when ``fit_intercept=True``.
    X : array-like of shape (n_samples, n_features)
    Y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Integer labels in ``[0, n_classes)`` or one-hot rows.
    alpha : float, default=0.0
        L2 strength on the mean loss (intercepts unpenalised).
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    loss : float
    grad : ndarray, same shape as ``params``

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.losses import softmax_loss_grad
    >>> X = np.array([[1.0], [-1.0], [0.0]])
    >>> loss, grad = softmax_loss_grad(np.zeros((2, 3)), X, np.array([0, 1, 2]))
    >>> round(loss, 12)  # log 3
    1.098612288668
    >>> grad[1].round(4)  # row 0 (intercepts) is ~0: each class is predicted 1/3 of the time
    array([-0.3333,  0.3333,  0.    ])
    """
    Xa = _check_X(X, check_finite=False)  # checked block by block below
    n, d = Xa.shape
    p, b, W = _split_softmax_params(params, d, fit_intercept)
    dtype = _result_dtype(p, Xa)
    Xa = Xa.astype(dtype, copy=False)
    W = W.astype(dtype, copy=False)
    b = None if b is None else b.astype(dtype)
    Yh = _check_class_targets(Y, n, p.shape[1], dtype, name="Y")
    sw = _check_sample_weight(sample_weight, n, dtype)
    alpha = _check_alpha(alpha)

    grad_W = np.zeros_like(W)
    grad_b = np.zeros(W.shape[1], dtype=np.float64)
    total = 0.0
    step = _rows_per_block(d, dtype.itemsize)
    for start in range(0, n, step):
        Xb = Xa[start : start + step]
        Yb = Yh[start : start + step]
        with np.errstate(over="ignore", invalid="ignore"):  # NaN/inf/overflow: raised below
            Zb = Xb @ W
            if b is not None:
                Zb += b
        if not np.isfinite(Zb).all():
            _raise_nonfinite_logits(Xa)
        lb, Rb = K.ce_loss_dz(Yb, Zb)  # loss and softmax(Z) - Y; log_softmax computed once
        if sw is not None:
            swb = sw[start : start + step]
            Rb = Rb * swb[:, None]
            lb = lb * swb
        grad_W += Xb.T @ Rb
        grad_b += np.sum(Rb, axis=0, dtype=np.float64)
        total += float(np.sum(lb, dtype=np.float64))

    denom = float(n) if sw is None else float(np.sum(sw, dtype=np.float64))
    grad_W /= denom
    loss = total / denom
    if alpha:
        grad_W += alpha * W
        loss += 0.5 * alpha * float(np.sum(W * W, dtype=np.float64))
    if b is None:
        return loss, grad_W
    return loss, np.vstack([(grad_b / denom).astype(dtype)[None, :], grad_W])


def softmax_hessian(
    params: ArrayLike,
    X: ArrayLike,
    alpha: float = 0.0,
    fit_intercept: bool = True,
    sample_weight: ArrayLike | None = None,
) -> FloatArray:
    """Hessian of the objective of :func:`softmax_loss_grad` for C-order flattened params.

    Entry ``(i*K + k, j*K + l)`` is ``sum_n s_n x_ni x_nj p_nk (δ_kl - p_nl) /
    sum(s)`` plus ``alpha`` on the diagonal of the non-intercept rows, where
    ``x_n0 = 1`` is the prepended ones column and ``p_nk (δ_kl - p_nl)`` is the
    softmax Jacobian kernel. It is symmetric positive semidefinite and singular
    when ``alpha = 0`` (adding a constant to every class's logit changes nothing).

    Parameters
    ----------
    params : array-like of shape (n_features + 1, n_classes) or (n_features, n_classes)
    X : array-like of shape (n_samples, n_features)
    alpha : float, default=0.0
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    ndarray of shape (p * K, p * K)
        ``p`` rows of params, ``K`` classes; index ``i*K + k`` matches
        ``params.ravel()``.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.losses import softmax_hessian
    >>> softmax_hessian(np.zeros((1, 2)), np.array([[1.0], [-1.0]]), fit_intercept=False)
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    Xa = _check_X(X)
    n, d = Xa.shape
    p, b, W = _split_softmax_params(params, d, fit_intercept)
    dtype = _result_dtype(p, Xa)
    Xa = Xa.astype(dtype, copy=False)
    W = W.astype(dtype, copy=False)
    sw = _check_sample_weight(sample_weight, n, dtype)
    alpha = _check_alpha(alpha)
    n_classes = W.shape[1]

    Z = Xa @ W
    if b is not None:
        Z += b.astype(dtype)
    P = softmax(Z)
    eye = np.eye(n_classes, dtype=dtype)
    A = K.softmax_jacobian(P[:, :, None], P[:, None, :], eye[None, :, :])  # (n, K, K)
    s = np.ones(n, dtype=dtype) if sw is None else sw
    denom = float(n) if sw is None else float(np.sum(sw, dtype=np.float64))
    A = A * (s / dtype.type(denom))[:, None, None]
    X1 = np.hstack([np.ones((n, 1), dtype=dtype), Xa]) if b is not None else Xa
    rows = X1.shape[1]
    H = np.einsum("ni,nj,nkl->ikjl", X1, X1, A, optimize=True).reshape(
        rows * n_classes, rows * n_classes
    )
    H = 0.5 * (H + H.T)  # exactly symmetric (the products are only up to rounding)
    if alpha:
        first = n_classes if b is not None else 0
        idx = np.arange(first, rows * n_classes)
        H[idx, idx] += alpha
    return H.astype(dtype, copy=False)


# --------------------------------------------------------------------------------------
# one-hidden-layer network
# --------------------------------------------------------------------------------------
def _check_activation(activation: str) -> None:
    if activation not in ("sigmoid", "tanh"):
        raise ValueError(f"activation must be 'sigmoid' or 'tanh', got {activation!r}")


def _check_mlp_params(
    params: Mapping[str, ArrayLike], n_features: int | None
) -> dict[str, FloatArray]:
    if not isinstance(params, Mapping):
        raise TypeError(
            f"params must be a dict with keys {list(_MLP_KEYS)} (as returned by mlp_init), "
            f"got {type(params).__name__}"
        )
    missing = [k for k in _MLP_KEYS if k not in params]
    if missing:
        raise ValueError(
            f"params is missing {missing}; it needs keys {list(_MLP_KEYS)} as returned by mlp_init"
        )
    out = {k: _float_array(params[k], f"params[{k!r}]") for k in _MLP_KEYS}
    W1, W2 = out["W1"], out["W2"]
    if W1.ndim != 2 or W2.ndim != 2:
        raise ValueError(
            f"params['W1'] and params['W2'] must be 2-D, got shapes {W1.shape} and {W2.shape}"
        )
    d, h = W1.shape
    o = W2.shape[1]
    expected = {"W1": (d, h), "b1": (h,), "W2": (h, o), "b2": (o,)}
    for k in _MLP_KEYS:
        if out[k].shape != expected[k]:
            raise ValueError(
                f"params[{k!r}] must have shape {expected[k]} for W1 of shape {W1.shape} and "
                f"W2 with {o} outputs, got {out[k].shape}; create consistent parameters with "
                "mlp_init(n_features, hidden_units, n_outputs)"
            )
    if n_features is not None and d != n_features:
        raise ValueError(
            f"params['W1'] has {d} rows but X has {n_features} features; "
            f"initialise with mlp_init({n_features}, hidden_units, n_outputs)"
        )
    for k in _MLP_KEYS:
        _check_finite(out[k], f"params[{k!r}]")
    return out


def mlp_init(
    n_features: int,
    hidden_units: int,
    n_outputs: int,
    random_state: int | np.random.Generator | None = None,
) -> dict[str, FloatArray]:
    """Random initial parameters of a one-hidden-layer network (Glorot uniform).

    Weights are drawn from ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``
    so that activations neither vanish nor saturate at the start; biases are 0.
    Random weights (not zeros) break the symmetry between hidden units.

    Parameters
    ----------
    n_features : int
        Inputs ``d``.
    hidden_units : int
        Hidden units ``h``.
    n_outputs : int
        ``1`` for a sigmoid output (two classes), ``K >= 2`` for softmax.
    random_state : int, numpy.random.Generator or None, default=None
        Seed for :func:`numpy.random.default_rng`; the same seed gives the same weights.

    Returns
    -------
    dict
        ``{"W1": (d, h), "b1": (h,), "W2": (h, o), "b2": (o,)}``, float64.

    Examples
    --------
    >>> from lrbook.losses import mlp_init
    >>> params = mlp_init(2, 3, 1, random_state=0)
    >>> {k: v.shape for k, v in params.items()}
    {'W1': (2, 3), 'b1': (3,), 'W2': (3, 1), 'b2': (1,)}
    """
    for name, value in (
        ("n_features", n_features),
        ("hidden_units", hidden_units),
        ("n_outputs", n_outputs),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    rng = np.random.default_rng(random_state)
    a1 = math.sqrt(6.0 / (n_features + hidden_units))
    a2 = math.sqrt(6.0 / (hidden_units + n_outputs))
    return {
        "W1": rng.uniform(-a1, a1, size=(int(n_features), int(hidden_units))),
        "b1": np.zeros(int(hidden_units)),
        "W2": rng.uniform(-a2, a2, size=(int(hidden_units), int(n_outputs))),
        "b2": np.zeros(int(n_outputs)),
    }


def _forward(P: dict[str, FloatArray], X: FloatArray, activation: str) -> dict[str, FloatArray]:
    z1 = X @ P["W1"] + P["b1"]
    a1 = sigmoid(z1) if activation == "sigmoid" else np.tanh(z1)
    z2 = a1 @ P["W2"] + P["b2"]
    out = sigmoid(z2) if z2.shape[1] == 1 else softmax(z2)
    return {"z1": z1, "a1": a1, "z2": z2, "out": out}


def _mlp_prepare(
    params: Mapping[str, ArrayLike], X: ArrayLike
) -> tuple[dict[str, FloatArray], FloatArray]:
    Xa = _check_X(X)
    P = _check_mlp_params(params, Xa.shape[1])
    dtype = _result_dtype(Xa, *P.values())
    return {k: v.astype(dtype, copy=False) for k, v in P.items()}, Xa.astype(dtype, copy=False)


def mlp_forward(
    params: Mapping[str, ArrayLike], X: ArrayLike, activation: str = "sigmoid"
) -> dict[str, FloatArray]:
    """Forward pass of the one-hidden-layer network.

    ``z1 = X W1 + b1``, ``a1 = act(z1)``, ``z2 = a1 W2 + b2`` and ``out`` is
    ``σ(z2)`` (one output) or ``softmax(z2)`` (two or more).

    Parameters
    ----------
    params : dict
        ``{"W1": (d, h), "b1": (h,), "W2": (h, o), "b2": (o,)}``, see :func:`mlp_init`.
    X : array-like of shape (n_samples, n_features)
    activation : {"sigmoid", "tanh"}, default="sigmoid"
        Hidden-unit activation.

    Returns
    -------
    dict
        ``z1`` and ``a1`` of shape (n_samples, h), ``z2`` and ``out`` of shape
        (n_samples, o); ``out`` holds probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.losses import mlp_forward, mlp_init
    >>> cache = mlp_forward(mlp_init(2, 3, 1, random_state=0), np.zeros((4, 2)))
    >>> cache["out"].shape, float(cache["a1"][0, 0])
    ((4, 1), 0.5)
    """
    _check_activation(activation)
    P, Xa = _mlp_prepare(params, X)
    return _forward(P, Xa, activation)


def mlp_loss_grad(
    params: Mapping[str, ArrayLike],
    X: ArrayLike,
    Y: ArrayLike,
    alpha: float = 0.0,
    activation: str = "sigmoid",
    sample_weight: ArrayLike | None = None,
) -> tuple[float, dict[str, FloatArray]]:
    """Mean cross-entropy of the network and its gradient by backpropagation.

    One output unit: sigmoid + binary cross-entropy; ``o >= 2`` outputs:
    softmax + cross-entropy. Both give the output error ``δ2 = out - Y`` (the
    generated ``bce_dz`` / ``ce_dz`` kernels); the hidden error is
    ``δ1 = (δ2 W2.T) * act'(z1)`` written through the activation ``a1``
    (``mlp_delta_hidden`` for sigmoid, ``tanh_dz_from_output`` for tanh) and
    ``dL/dW = (activations below).T @ δ``. The penalty ``alpha/2 (||W1||² +
    ||W2||²)`` leaves the biases alone.

    Parameters
    ----------
    params : dict
        ``{"W1": (d, h), "b1": (h,), "W2": (h, o), "b2": (o,)}``.
    X : array-like of shape (n_samples, n_features)
    Y : array-like
        ``o == 1``: labels in {0, 1} of shape (n_samples,) or (n_samples, 1);
        ``o >= 2``: integer labels (n_samples,) in ``[0, o)`` or one-hot (n_samples, o).
    alpha : float, default=0.0
    activation : {"sigmoid", "tanh"}, default="sigmoid"
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    loss : float
    grads : dict
        Same keys and shapes as ``params``.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.losses import mlp_init, mlp_loss_grad
    >>> params = mlp_init(2, 3, 1, random_state=0)
    >>> params["W2"][:] = 0.0  # output logit 0 for every input
    >>> loss, grads = mlp_loss_grad(params, np.eye(2), np.array([0, 1]))
    >>> round(loss, 12), sorted(grads)
    (0.69314718056, ['W1', 'W2', 'b1', 'b2'])
    """
    _check_activation(activation)
    alpha = _check_alpha(alpha)
    P, Xa = _mlp_prepare(params, X)
    n = Xa.shape[0]
    dtype = Xa.dtype
    o = P["W2"].shape[1]
    sw = _check_sample_weight(sample_weight, n, dtype)
    cache = _forward(P, Xa, activation)
    a1, z2 = cache["a1"], cache["z2"]
    if o == 1:
        yy = _check_binary_y(Y, n, dtype, name="Y")[:, None]
        losses, delta2 = K.bce_loss_dz(yy, z2)
        losses = losses[:, 0]
    else:
        Yh = _check_class_targets(Y, n, o, dtype, name="Y")
        losses, delta2 = K.ce_loss_dz(Yh, z2)
    denom = float(n) if sw is None else float(np.sum(sw, dtype=np.float64))
    scale = np.full(n, 1.0 / denom, dtype=dtype) if sw is None else sw / dtype.type(denom)
    loss = float(np.sum(losses * scale, dtype=np.float64))
    delta2 = delta2 * scale[:, None]
    back = delta2 @ P["W2"].T
    if activation == "sigmoid":
        delta1 = K.mlp_delta_hidden(back, a1)
    else:
        delta1 = back * K.tanh_dz_from_output(a1)
    grads = {
        "W1": Xa.T @ delta1,
        "b1": np.sum(delta1, axis=0),
        "W2": a1.T @ delta2,
        "b2": np.sum(delta2, axis=0),
    }
    if alpha:
        grads["W1"] += alpha * P["W1"]
        grads["W2"] += alpha * P["W2"]
        loss += 0.5 * alpha * float(np.sum(P["W1"] ** 2) + np.sum(P["W2"] ** 2))
    return loss, grads


def mlp_params_to_vector(params: Mapping[str, ArrayLike]) -> FloatArray:
    """Concatenate network parameters into one vector (order W1, b1, W2, b2, C order).

    Parameters
    ----------
    params : dict
        As returned by :func:`mlp_init`.

    Returns
    -------
    ndarray of shape (d*h + h + h*o + o,)

    Examples
    --------
    >>> from lrbook.losses import mlp_init, mlp_params_to_vector
    >>> mlp_params_to_vector(mlp_init(2, 3, 1, random_state=0)).shape
    (13,)
    """
    P = _check_mlp_params(params, None)
    dtype = _result_dtype(*P.values())
    return np.concatenate([P[k].astype(dtype, copy=False).ravel() for k in _MLP_KEYS])


def mlp_vector_to_params(vec: ArrayLike, like: Mapping[str, ArrayLike]) -> dict[str, FloatArray]:
    """Inverse of :func:`mlp_params_to_vector`: split ``vec`` into arrays shaped like ``like``.

    Parameters
    ----------
    vec : array-like of shape (n_params,)
    like : dict
        Parameters whose shapes to copy (values are not used).

    Returns
    -------
    dict
        New arrays (copies) with keys W1, b1, W2, b2.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.losses import mlp_init, mlp_params_to_vector, mlp_vector_to_params
    >>> params = mlp_init(2, 3, 1, random_state=0)
    >>> back = mlp_vector_to_params(mlp_params_to_vector(params), params)
    >>> all(np.array_equal(back[k], params[k]) for k in params)
    True
    """
    v = _float_array(vec, "vec")
    shapes = {k: np.shape(like[k]) for k in _MLP_KEYS if k in like}
    if len(shapes) != len(_MLP_KEYS):
        raise ValueError(f"like must have keys {list(_MLP_KEYS)}, got {sorted(like)}")
    sizes = [math.prod(shapes[k]) for k in _MLP_KEYS]
    if v.ndim != 1 or v.size != sum(sizes):
        raise ValueError(
            f"vec must be a 1-D array of {sum(sizes)} values (W1, b1, W2, b2 of shapes "
            f"{[shapes[k] for k in _MLP_KEYS]}), got shape {v.shape}"
        )
    out: dict[str, FloatArray] = {}
    offset = 0
    for k, size in zip(_MLP_KEYS, sizes, strict=True):
        out[k] = v[offset : offset + size].reshape(shapes[k]).copy()
        offset += size
    return out
