"""Loss functions, their gradients and Hessians, for the three models of the book.

Each function validates its arguments, then calls the one implementation of the
objectives (``lrbook._objectives``, which the estimators of :mod:`lrbook.models`
use too). That is assembled from the generated kernels in :mod:`lrbook.kernels`
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

from lrbook import _objectives as O
from lrbook._objectives import BLOCK_BYTES
from lrbook._validation import (
    MLP_KEYS as _MLP_KEYS,
)
from lrbook._validation import (
    as_float_array,
    check_alpha,
    check_binary_targets,
    check_bool,
    check_choice,
    check_class_targets,
    check_finite,
    check_int,
    check_linear_params,
    check_mlp_params,
    check_nonempty,
    check_random_state,
    check_weights,
    check_X,
)

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

BLOCK_BYTES = BLOCK_BYTES
"""Bytes of ``X`` processed per row block by the full-batch gradients (DESIGN decision 3).

About 2 MiB keeps the block, its logits and its residuals in the cache while
amortising the Python overhead of the kernel calls over thousands of rows (defined in
``lrbook._objectives``, the one implementation of the objectives).
"""

_REDUCTIONS = ("mean", "sum", "none")
_ACTIVATIONS = ("sigmoid", "tanh")


# --------------------------------------------------------------------------------------
# validation (once, at the public boundary; the checks themselves live in _validation)
# --------------------------------------------------------------------------------------
def _result_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 when every input is float32 (or float16), else float64."""
    return np.dtype(np.result_type(*arrays, np.float32))


def _linear_objective(
    params: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike | None,
    alpha: float,
    fit_intercept: bool,
    sample_weight: ArrayLike | None,
    multinomial: bool,
) -> tuple[O.LinearObjective, FloatArray]:
    """Validate the arguments of the linear-model functions; return the objective and params."""
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    alpha = check_alpha(alpha)
    Xa = check_X(X, check_finite_values=Y is None)  # with Y: checked block by block
    n, d = Xa.shape
    p = check_linear_params(params, d, fit_intercept, multinomial)
    dtype = _result_dtype(p, Xa)
    Xa, p = Xa.astype(dtype, copy=False), p.astype(dtype, copy=False)
    if Y is None:
        T = np.zeros((n, p.shape[1]) if multinomial else n, dtype=dtype)
    elif multinomial:
        T = check_class_targets(Y, n, p.shape[1], dtype, name="Y")
    else:
        T = check_binary_targets(Y, n, dtype)
    sw = check_weights(sample_weight, n, dtype)
    family = O.MULTINOMIAL if multinomial else O.BINARY
    return O.LinearObjective(Xa, T, sw, alpha, fit_intercept, family, check_logits=True), p


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
    check_choice(reduction, "reduction", _REDUCTIONS)
    z = as_float_array(logits, "logits")
    if z.ndim != 1:
        raise ValueError(
            f"logits must be a 1-D array of shape (n_samples,), got shape {z.shape}; "
            "flatten a column of logits with np.ravel(logits)"
        )
    check_nonempty(z, "logits")
    check_finite(z, "logits")
    z = z.astype(_result_dtype(z), copy=False)
    yy = check_binary_targets(y, z.shape[0], z.dtype)
    sw = check_weights(sample_weight, z.shape[0], z.dtype)
    return O.weighted_reduce(O.BINARY.loss(yy, z), sw, reduction)


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
    check_choice(reduction, "reduction", _REDUCTIONS)
    Z = as_float_array(logits, "logits")
    if Z.ndim != 2:
        raise ValueError(
            f"logits must be a 2-D array of shape (n_samples, n_classes), got shape {Z.shape}; "
            "for two classes with a single logit use binary_cross_entropy"
        )
    check_nonempty(Z, "logits")
    check_finite(Z, "logits")
    Z = Z.astype(_result_dtype(Z), copy=False)
    Y = check_class_targets(y, Z.shape[0], Z.shape[1], Z.dtype)
    sw = check_weights(sample_weight, Z.shape[0], Z.dtype)
    return O.weighted_reduce(O.MULTINOMIAL.loss(Y, Z), sw, reduction)


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
    obj, p = _linear_objective(params, X, y, alpha, fit_intercept, sample_weight, False)
    return obj.fun(p)


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
    obj, p = _linear_objective(params, X, None, alpha, fit_intercept, sample_weight, False)
    return obj.hess(p)


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
    obj, p = _linear_objective(params, X, Y, alpha, fit_intercept, sample_weight, True)
    return obj.fun(p)


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
    obj, p = _linear_objective(params, X, None, alpha, fit_intercept, sample_weight, True)
    return obj.hess(p)


# --------------------------------------------------------------------------------------
# one-hidden-layer network
# --------------------------------------------------------------------------------------
def mlp_init(
    n_features: int,
    hidden_units: int,
    n_outputs: int,
    random_state: int | np.random.Generator | np.random.RandomState | None = None,
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
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, default=None
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
    d = check_int(n_features, "n_features")
    h = check_int(hidden_units, "hidden_units")
    o = check_int(n_outputs, "n_outputs")
    rng = np.random.default_rng(check_random_state(random_state))
    a1 = math.sqrt(6.0 / (d + h))
    a2 = math.sqrt(6.0 / (h + o))
    return {
        "W1": rng.uniform(-a1, a1, size=(d, h)),
        "b1": np.zeros(h),
        "W2": rng.uniform(-a2, a2, size=(h, o)),
        "b2": np.zeros(o),
    }


def _mlp_prepare(
    params: Mapping[str, ArrayLike], X: ArrayLike
) -> tuple[dict[str, FloatArray], FloatArray]:
    Xa = check_X(X)
    P = check_mlp_params(params, Xa.shape[1])
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
    check_choice(activation, "activation", _ACTIVATIONS)
    P, Xa = _mlp_prepare(params, X)
    return O.mlp_forward(P["W1"], P["b1"], P["W2"], P["b2"], Xa, activation)


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
    check_choice(activation, "activation", _ACTIVATIONS)
    alpha = check_alpha(alpha)
    P, Xa = _mlp_prepare(params, X)
    n, o = Xa.shape[0], P["W2"].shape[1]
    if o == 1:
        T = check_binary_targets(Y, n, Xa.dtype, name="Y")[:, None]
    else:
        T = check_class_targets(Y, n, o, Xa.dtype, name="Y")
    sw = check_weights(sample_weight, n, Xa.dtype)
    obj = O.MLPObjective(Xa, T, sw, alpha, P["W1"].shape[1], activation)
    loss, vec = obj.fun(np.concatenate([P[k].ravel() for k in _MLP_KEYS]))
    return loss, {k: v.copy() for k, v in zip(_MLP_KEYS, obj.unpack(vec), strict=True)}


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
    P = check_mlp_params(params, None)
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
    v = as_float_array(vec, "vec")
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
