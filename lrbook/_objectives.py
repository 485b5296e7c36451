"""The training objectives: the one place where lrbook computes a loss.

Loss, gradient and Hessian of the three models of the book, assembled from the
generated kernels of :mod:`lrbook.kernels`, the stable primitives and matrix
products. :mod:`lrbook.losses` validates its arguments and calls these; the
estimators of :mod:`lrbook.models` validate theirs and hand these to
:mod:`lrbook.optim`. Arguments arriving here are already valid.

* :class:`Family` pairs a loss with its link (scikit-learn's idea): the fused
  loss-and-residual kernel, the per-row Hessian weights, the probabilities and
  the target encoding of binary (sigmoid) and multinomial (softmax) models.
* :class:`LinearObjective`: mean (sample-weighted) loss of a linear model plus
  ``alpha / 2 * ||W||^2`` (intercept first and unpenalised), its gradient over
  the full batch (rows in cache-sized blocks, ``X`` read once) or a minibatch,
  and its Hessian (blocked Gram matrices).
* :class:`MLPObjective`: the one-hidden-layer network by backpropagation.

Sample weights are rescaled to mean one and every mean is ``sum / n``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrbook import kernels as K
from lrbook._blocks import map_blocks
from lrbook._newton_step import HessianOperator
from lrbook._primitives import log_sigmoid, log_softmax, sigmoid, softmax
from lrbook._validation import check_finite, weights_mean_one

FloatArray = NDArray[np.floating[Any]]

#: Bytes of ``X`` processed per row block by the full-batch gradients (DESIGN decision 3).
#: About 2 MiB keeps the block, its logits and its residuals in the cache (L2 of the
#: BLAS threads, else L3) while amortising the Python overhead of the kernel calls over
#: thousands of rows. Measured (issue 16, one BLAS thread, CPU time, medians of 7
#: interleaved rounds) against the bare pair ``X @ w; X.T @ r``: 1e5 x 200 at 0.5, 1, 2,
#: 4 MiB gave 1.35x, 1.22x, 1.08x, 1.09x; 1e6 x 20 gave 2.59x, 2.44x, 2.33x, 2.39x.
BLOCK_BYTES = 1 << 21

#: Rows x columns x columns budget of one Hessian block product ``X_b.T @ (s_b * X_b)``.
#: OpenBLAS splits larger tall-skinny products over threads, which measured 5-10x slower
#: here for 20 columns (thread start-up per call, worse on a busy machine); blocks of this
#: size stay single-threaded and in cache, and sum to the same matrix.
HESS_BLOCK_MNK = 1 << 19

_add_reduce = np.add.reduce  # ndarray.sum without the Python wrapper (same pairwise sum)


def rows_per_block(n_columns: int, itemsize: int = 8) -> int:
    """Rows of a gradient block of about :data:`BLOCK_BYTES` bytes."""
    return max(1, BLOCK_BYTES // (itemsize * max(n_columns, 1)))


def hess_rows_per_block(n_features: int) -> int:
    """Rows of a Hessian block (see :data:`HESS_BLOCK_MNK`)."""
    return max(64, HESS_BLOCK_MNK // (n_features * n_features + 1))


# ============================================================================ families
def _binary_hess_weights(z: FloatArray) -> FloatArray:
    return K.bce_d2z(z)[:, None, None]  # IRLS weights sigma(z) sigma(-z), as (m, 1, 1)


def _softmax_hess_weights(z: FloatArray) -> FloatArray:
    P = softmax(z)
    eye = np.eye(z.shape[1], dtype=z.dtype)
    return K.softmax_jacobian(P[:, :, None], P[:, None, :], eye)  # (m, K, K)


def _binary_proba(z: FloatArray) -> FloatArray:
    z = np.ravel(z)
    # 1 - sigmoid(z) is written sigmoid(-z): no cancellation for large z.
    return np.column_stack([sigmoid(-z), sigmoid(z)])


def _binary_log_proba(z: FloatArray) -> FloatArray:
    z = np.ravel(z)
    return np.column_stack([log_sigmoid(-z), log_sigmoid(z)])


def _binary_encode(codes: NDArray[np.intp], n_classes: int, dtype: Any) -> FloatArray:
    return codes.astype(dtype)


def _onehot(codes: NDArray[np.intp], n_classes: int, dtype: Any) -> FloatArray:
    T = np.zeros((codes.shape[0], n_classes), dtype=dtype)
    T[np.arange(codes.shape[0]), codes] = 1
    return T


@dataclass(frozen=True)
class Family:
    """A loss paired with its link: everything that differs between binary and softmax.

    Attributes
    ----------
    name : str
    loss : callable
        ``loss(T, Z)`` -> per-row loss.
    loss_dz : callable
        ``loss_dz(T, Z)`` -> (per-row loss, ``dloss/dZ`` = probabilities - targets),
        one fused kernel.
    hess_weights : callable
        ``hess_weights(Z)`` -> per-row Hessian weights of shape (m, K, K) in the logits.
    redundant_last : bool
        Each row of the weights sums to zero (softmax): the last class's blocks of
        the Hessian follow from the others.
    proba, log_proba : callable
        Logits -> class probabilities (log-probabilities) of shape (m, n_classes).
    encode : callable
        ``encode(codes, n_classes, dtype)`` -> targets ``T`` (0/1 vector or one-hot rows).
    """

    name: str
    loss: Callable[[Any, Any], Any]
    loss_dz: Callable[[Any, Any], tuple[Any, Any]]
    hess_weights: Callable[[FloatArray], FloatArray]
    redundant_last: bool
    proba: Callable[[FloatArray], FloatArray]
    log_proba: Callable[[FloatArray], FloatArray]
    encode: Callable[[NDArray[np.intp], int, Any], FloatArray]


BINARY = Family(
    "binary",
    loss=K.bce_loss,
    loss_dz=K.bce_loss_dz,  # loss and sigmoid(z) - y, one exp
    hess_weights=_binary_hess_weights,
    redundant_last=False,
    proba=_binary_proba,
    log_proba=_binary_log_proba,
    encode=_binary_encode,
)

MULTINOMIAL = Family(
    "multinomial",
    loss=K.ce_loss,
    loss_dz=K.ce_loss_dz,  # loss and softmax(Z) - Y, one exp
    hess_weights=_softmax_hess_weights,
    redundant_last=True,
    proba=lambda Z: softmax(Z, axis=1),
    log_proba=lambda Z: log_softmax(Z, axis=1),
    encode=_onehot,
)


def family_of(n_outputs: int) -> Family:
    """:data:`BINARY` for one logit per row, :data:`MULTINOMIAL` for two or more."""
    return BINARY if n_outputs == 1 else MULTINOMIAL


def weighted_reduce(
    values: FloatArray, sw: FloatArray | None, reduction: str
) -> float | FloatArray:
    """``"none"``: ``s * values``; ``"sum"``: their sum; ``"mean"``: ``sum(s * values) / sum(s)``."""
    if reduction == "mean" and sw is not None:
        sw = weights_mean_one(sw)  # the mean is scale-free; this keeps the sum finite
    if sw is not None:
        values = values * sw
    if reduction == "none":
        return values
    total = float(np.sum(values, dtype=np.float64))
    if reduction == "sum":
        return total
    return total / values.shape[0]


def _raise_nonfinite_logits(X: FloatArray) -> None:
    """Called when a block's logits are not finite: name the culprit precisely.

    The blocked gradients skip a separate pass over ``X`` for NaN/inf (it would
    cost as much as the gradient itself); any NaN or inf in ``X`` makes the logits
    of its row non-finite (IEEE: ``inf * 0`` is NaN), so checking each block's
    logits, which are in cache anyway, catches them.
    """
    check_finite(X, "X")
    raise ValueError(
        "the logits X @ w overflowed to infinity (X and params are finite but too large); "
        "standardise X (e.g. sklearn.preprocessing.StandardScaler) or use smaller params"
    )


# ============================================================================ linear models
class LinearObjective:
    """Mean loss of a linear model with L2 penalty on ``W``; intercept first, unpenalised.

    ``params`` has shape ``(p,)`` (binary) or ``(p, K)`` (softmax) with
    ``p = n_features + fit_intercept``. ``fun`` is the full-batch loss and
    gradient (one blocked pass over ``X``, keeping the logits for ``hess``);
    ``fun_batch`` evaluates a minibatch; ``hess`` is the Newton/IRLS Hessian
    for C-order flattened params.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    T : ndarray of shape (n,) or (n, K)
        Targets as :attr:`Family.encode` gives them.
    sw : ndarray of shape (n,) or None
        Valid sample weights (rescaled here to mean one).
    alpha : float
    fit_intercept : bool
    family : Family
    check_logits : bool, default=False
        Raise a ValueError naming ``X`` when a block's logits are not finite
        (the functional API); the estimators let the optimiser see the NaN loss.
    """

    def __init__(
        self,
        X: FloatArray,
        T: FloatArray,
        sw: FloatArray | None,
        alpha: float,
        fit_intercept: bool,
        family: Family,
        check_logits: bool = False,
    ) -> None:
        self.X, self.T, self.alpha = X, T, alpha
        self.sw = None if sw is None else weights_mean_one(sw)
        self.fit_intercept, self.family, self.check_logits = fit_intercept, family, check_logits
        self.n, self.d = X.shape
        self.K = T.shape[1] if T.ndim == 2 else 1
        self.step = rows_per_block(self.d * self.K, X.dtype.itemsize)
        self._z: FloatArray | None = None  # logits at the last full-batch evaluation
        self._z_at: FloatArray | None = None

    # -- one block of rows ----------------------------------------------------------------
    def _block(
        self,
        params: FloatArray,
        Xb: FloatArray,
        Tb: FloatArray,
        swb: FloatArray | None,
        zb: FloatArray | None = None,
    ) -> tuple[FloatArray, float, FloatArray]:
        """Logits, summed loss and summed (unpenalised) gradient of a block of rows.

        The logits are written into ``zb`` when given (a slice of the full-batch
        logits kept for the Hessian). Called once per minibatch by SGD, so it
        avoids every NumPy call it can: the kernels return new arrays, which are
        weighted in place.
        """
        # Every call counts for batch_size=32 (tens of thousands per epoch): ndarray.dot and
        # np.add.reduce do the same BLAS/pairwise arithmetic as matmul and .sum() with less
        # dispatch overhead (same numbers), and one fused kernel gives loss and residual.
        fi = self.fit_intercept
        if self.check_logits:
            with np.errstate(over="ignore", invalid="ignore"):  # NaN/inf/overflow: see below
                zb = self._logits(params, Xb, zb)
                # One cheap pass: a finite sum means finite logits; otherwise look closely
                # (the sum of finite logits can still overflow).
                if not np.isfinite(zb.sum()) and not np.isfinite(zb).all():
                    _raise_nonfinite_logits(self.X)
        else:
            zb = self._logits(params, Xb, zb)
        lb, rb = self.family.loss_dz(Tb, zb)
        if swb is not None:
            rb *= swb if rb.ndim == 1 else swb[:, None]
            lb *= swb
        grad = np.empty(params.shape, dtype=params.dtype)  # C order: out= needs it
        Xb.T.dot(rb, out=grad[fi:])
        if fi:
            grad[0] = _add_reduce(rb, axis=0)
        return zb, float(_add_reduce(lb)), grad

    def _logits(self, params: FloatArray, Xb: FloatArray, zb: FloatArray | None) -> FloatArray:
        W = params[self.fit_intercept :] if self.fit_intercept else params
        zb = Xb.dot(W) if zb is None else Xb.dot(W, out=zb)
        if self.fit_intercept:
            np.add(zb, params[0], out=zb)
        return zb

    def _penalise(self, params: FloatArray, loss: float, grad: FloatArray) -> float:
        return penalise(params, loss, grad, self.alpha, self.fit_intercept)

    # -- full batch ---------------------------------------------------------------------
    def fun(self, params: FloatArray) -> tuple[float, FloatArray]:
        """Full-batch loss and gradient, rows in blocks of :attr:`step`."""
        X, T, sw, step = self.X, self.T, self.sw, self.step
        zdtype = np.result_type(X, params)
        z = np.empty((self.n, self.K) if T.ndim == 2 else self.n, dtype=zdtype)

        def block(s: int) -> tuple[float, FloatArray]:
            e = s + step
            _, lb, gb = self._block(params, X[s:e], T[s:e], None if sw is None else sw[s:e], z[s:e])
            return lb, gb

        grad = np.zeros(params.shape, dtype=params.dtype)
        total = 0.0
        for lb, gb in map_blocks(block, range(0, self.n, step)):  # summed in block order
            total += lb
            grad += gb
        self._z, self._z_at = z, params.copy()
        grad /= self.n
        return self._penalise(params, total / self.n, grad), grad

    # -- minibatch ----------------------------------------------------------------------
    def fun_batch(self, params: FloatArray, idx: NDArray[np.intp]) -> tuple[float, FloatArray]:
        """Loss and gradient of the rows ``idx`` (their weighted mean)."""
        sw = self.sw
        # take(axis=0) gathers the same rows as X[idx] with a third of the overhead
        _, total, grad = self._block(
            params,
            self.X.take(idx, axis=0),
            self.T.take(idx, axis=0),
            None if sw is None else sw.take(idx),
        )
        m = idx.shape[0]
        grad /= m
        return self._penalise(params, total / m, grad), grad

    # -- Hessian ------------------------------------------------------------------------
    def hess(self, params: FloatArray) -> FloatArray:
        """Hessian for C-order flattened params, symmetric (exactly), of shape (p*K, p*K)."""
        # A badly scaled X (values near 1e308) overflows the Gram products to inf: the
        # optimiser reports such a Hessian as badly scaled data, so no RuntimeWarning here.
        with np.errstate(over="ignore", invalid="ignore"):
            return self._hess(params)

    def _hess(self, params: FloatArray) -> FloatArray:
        if self._z is None or self._z_at is None or not np.array_equal(params, self._z_at):
            self.fun(params)
        assert self._z is not None
        H, pairs = self._hess_start(params)
        step, z = hess_rows_per_block(self.d), self._z

        def block(s: int) -> FloatArray:
            e = s + step
            Hb = np.zeros_like(H)
            self._hess_add(
                Hb, pairs, self.X[s:e], z[s:e], None if self.sw is None else self.sw[s:e]
            )
            return Hb

        for Hb in map_blocks(block, range(0, self.n, step)):  # summed in block order
            H += Hb
        return self._hess_finish(H, pairs)

    # H[i, j, k, l] = sum_n x_ni x_nj A_nkl.  A_nkl is symmetric in k, l; for softmax each row
    # of the Jacobian sums to zero (sum_l p_k (delta_kl - p_l) = 0), so the blocks of the last
    # class follow from the others: Gram matrices only for pairs k <= l < K - 1 (10 instead
    # of 15 for K = 5).
    def _hess_start(self, params: FloatArray) -> tuple[FloatArray, list[tuple[int, int]]]:
        p, Kc = self.d + self.fit_intercept, self.K
        last = Kc - 1 if self.family.redundant_last else Kc
        pairs = [(k, c) for k in range(last) for c in range(k, last)]
        return np.zeros((p, p, Kc, Kc), dtype=np.result_type(self.X, params)), pairs

    def _hess_add(
        self,
        H: FloatArray,
        pairs: list[tuple[int, int]],
        Xb: FloatArray,
        zb: FloatArray,
        swb: FloatArray | None,
    ) -> None:
        """Add one block of rows' weighted Gram matrices to ``H`` (shape (p, p, K, K))."""
        fi = self.fit_intercept
        A = self.family.hess_weights(zb)
        if swb is not None:
            A = A * swb[:, None, None]
        for k, c in pairs:
            a = A[:, k, c]
            if k == c:  # weights p (1 - p) >= 0: (sqrt(a) X)^T (sqrt(a) X), a symmetric
                Xs = Xb * np.sqrt(a)[:, None]  # product (BLAS syrk), about half the work
                H[fi:, fi:, k, c] += Xs.T @ Xs
            else:
                Xs = Xb * a[:, None]
                H[fi:, fi:, k, c] += Xs.T @ Xb  # one weighted Gram matrix per class pair
            if fi:
                H[0, 0, k, c] += np.sum(a)
                H[0, 1:, k, c] += Xb.T @ a

    def _hess_finish(self, H: FloatArray, pairs: list[tuple[int, int]]) -> FloatArray:
        """Symmetric fill, the last class's blocks, the mean and the ridge term."""
        fi, Kc = self.fit_intercept, self.K
        p = self.d + fi
        last = Kc - 1 if self.family.redundant_last else Kc
        for k, c in pairs:
            if fi:
                H[1:, 0, k, c] = H[0, 1:, k, c]
            H[:, :, c, k] = H[:, :, k, c]
        if last < Kc:
            for k in range(last):
                H[:, :, k, last] = -H[:, :, k, :last].sum(axis=2)
                H[:, :, last, k] = H[:, :, k, last]
            H[:, :, last, last] = -H[:, :, last, :last].sum(axis=2)
        H /= self.n
        H = H.transpose(0, 2, 1, 3).reshape(p * Kc, p * Kc)
        H = 0.5 * (H + H.T)  # exactly symmetric (the Gram products are only up to rounding)
        return add_ridge(H, self.alpha, fi, Kc)

    def newton_hess(self, params: FloatArray) -> FloatArray:
        """:meth:`hess` made invertible along the softmax gauge directions, for Newton.

        Softmax is unchanged when the same constant is added to every class's logit,
        so the Hessian is singular along "all ones over the classes" of each
        unpenalised row. The gradient has no component there; adding the projector
        onto those directions makes the Hessian invertible without changing the
        Newton step anywhere else (the step then keeps ``sum_k params[j, k]`` at its
        starting value 0). For binary models this is :meth:`hess`.
        """
        H = self.hess(params)
        if not self.family.redundant_last:
            return H
        return fix_gauge(H, self.alpha, self.fit_intercept, self.K)


#: Softmax Newton uses Hessian-vector products (:class:`TransposedSoftmaxObjective`) from
#: this many rows on: there assembling the ``K (K - 1) / 2`` weighted Gram matrices of the
#: exact Hessian costs more than the few products conjugate gradients need (measured on
#: 2e5 x 20, K = 5: 66% of the fit went into the Hessian). Smaller fits keep the exact
#: Hessian and its direct, fully diagnosed solve.
HESSIAN_FREE_MIN_ROWS = 20_000


class TransposedSoftmaxObjective(LinearObjective):
    """Softmax objective for Newton-CG: ``[1; X^T]`` kept once, Hessian as products.

    The same objective, gradient and stopping quantities as :class:`LinearObjective`
    (float64), laid out for speed: the features are copied once per fit into
    ``Xt1 = [1; X^T]`` of shape ``(p, n)`` and the logits are ``Z = params.T @ Xt1`` of
    shape ``(K, n)``, so every element-wise pass of the kernels runs along ``n``
    contiguous values instead of ``K`` (the generated kernels receive the transposed
    views ``Z.T``, ``Y.T``: same code, same numbers). Evaluations run over blocks of
    columns (``Xt1`` read once, each block's temporaries in cache) and keep the
    probabilities for :meth:`newton_hess`, which returns a
    :class:`~lrbook._newton_step.HessianOperator`: ``v -> H v`` costs one blocked
    read of ``Xt1`` (two small matrix products per block),

    ``H v = Xt1 S^T / n + alpha v``, ``S = P * (U - sum_k P U)``, ``U = v^T Xt1``,

    (per row the softmax Jacobian ``diag(p) - p p^T`` applied to the directional
    logits ``u``), plus the gauge projector of :meth:`LinearObjective.newton_hess`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fi, n = self.fit_intercept, self.n
        Xt1 = np.empty((self.d + fi, n), dtype=np.float64)
        if fi:
            Xt1[0] = 1.0
        Xt1[fi:] = self.X.T
        self.Xt1 = Xt1
        self.Yt = np.ascontiguousarray(self.T.T, dtype=np.float64)  # (K, n) one-hot
        # columns per block: about BLOCK_BYTES of Xt1, at least a few thousand
        self.cols = max(2048, BLOCK_BYTES // (8 * Xt1.shape[0]))
        self._Zt = np.empty((self.K, n))  # logits (kept for the dense hess())
        self._P = np.empty((self.K, n))  # probabilities at _P_at, for the products
        self._P_at: FloatArray | None = None
        self._gram_eig: tuple[FloatArray, FloatArray] | None = None

    def _blocks(self) -> range:
        return range(0, self.n, self.cols)

    def fun(self, params: FloatArray) -> tuple[float, FloatArray]:
        """Full-batch loss and gradient: ``Xt1`` read once, in blocks of columns.

        Each block's logits, kernel temporaries and residuals stay in cache (fresh
        full-size temporaries measured slower: every new array costs page faults).
        """
        Xt1, Yt, Zt, P, sw = self.Xt1, self.Yt, self._Zt, self._P, self.sw
        self._P_at = None  # P is overwritten block by block
        W, cols = params.T, self.cols

        def block(s: int) -> tuple[float, FloatArray]:
            e = s + cols
            Xb = Xt1[:, s:e]
            Zb = W @ Xb  # (K, b)
            Zt[:, s:e] = Zb
            if self.check_logits and not np.isfinite(Zb).all():
                _raise_nonfinite_logits(self.X)
            Yb = Yt[:, s:e]
            lb, Rb = self.family.loss_dz(Yb.T, Zb.T)  # (b,), (b, K) column-major
            np.add(Rb.T, Yb, out=P[:, s:e])  # softmax(Z) = (P - Y) + Y: for the products
            if sw is not None:
                Rb *= sw[s:e, None]
                lb *= sw[s:e]
            return float(_add_reduce(lb)), Xb @ Rb

        grad = np.zeros(params.shape, dtype=np.float64)
        total = 0.0
        for lb, gb in map_blocks(block, self._blocks()):  # summed in block order
            total += lb
            grad += gb
        grad /= self.n
        self._z, self._z_at = Zt.T, params.copy()  # the dense hess() still works
        self._P_at = self._z_at
        return self._penalise(params, total / self.n, grad), grad

    def _probabilities(self, params: FloatArray) -> FloatArray:
        if self._P_at is None or not np.array_equal(params, self._P_at):
            self.fun(params)  # keeps the probabilities of the point it evaluates
        return self._P

    def hessp(self, params: FloatArray, v: FloatArray) -> FloatArray:
        """``H v`` of the mean loss plus ridge, ``v`` shaped like ``params`` (no gauge term)."""
        P, Xt1, sw = self._probabilities(params), self.Xt1, self.sw
        V, cols = v.T, self.cols

        def block(s: int) -> FloatArray:
            e = s + cols
            Xb, Pb = Xt1[:, s:e], P[:, s:e]
            U = V @ Xb  # (K, b) directional logits
            U -= np.einsum("kn,kn->n", Pb, U)
            U *= Pb
            if sw is not None:
                U *= sw[s:e]
            return Xb @ U.T

        out = np.zeros(v.shape, dtype=np.float64)
        for ob in map_blocks(block, self._blocks()):  # summed in block order
            out += ob
        out /= self.n
        fi = self.fit_intercept
        if self.alpha:
            out[fi:] += self.alpha * v[fi:]
        return out

    def newton_hess(self, params: FloatArray) -> HessianOperator:  # type: ignore[override]
        """The Hessian at ``params`` as products, made invertible along the gauge directions."""
        P = self._probabilities(params)
        shape, fi = params.shape, self.fit_intercept
        gauge_rows = slice(None) if self.alpha == 0 else slice(0, int(fi))

        def matvec(v: FloatArray) -> FloatArray:
            V = v.reshape(shape)
            out = self.hessp(params, V)
            # the projector onto "all ones over the classes" on each unpenalised row
            out[gauge_rows] += V[gauge_rows].mean(axis=1, keepdims=True)
            return out.ravel()

        return HessianOperator(matvec, self._preconditioner(P), params.size)

    def _preconditioner(self, P: FloatArray) -> Any:
        """``r -> M^-1 r`` for ``M = G (x) A + alpha I``: the Hessian if features and
        probabilities were independent.

        ``G = Xt1 Xt1^T / n`` (computed once per fit) and ``A`` the mean softmax
        Jacobian ``mean_i (diag(p_i) - p_i p_i^T)`` plus the gauge projector
        ``11^T / K`` (positive definite). Both are diagonalised, so applying
        ``M^-1`` costs two ``p x p`` and two ``K x K`` products: features of any
        scale and the coupling of the classes are undone before the Hessian-vector
        products start.
        """
        if self._gram_eig is None:
            G = self.Xt1 @ self.Xt1.T
            G /= self.n
            self._gram_eig = np.linalg.eigh(G)
        lam, Q = self._gram_eig
        Pw = P if self.sw is None else P * np.sqrt(self.sw)
        A = np.diag(np.einsum("kn->k", P if self.sw is None else P * self.sw)) - Pw @ Pw.T
        A /= self.n
        A += 1.0 / self.K
        sig, R = np.linalg.eigh(A)
        denom = np.multiply.outer(np.maximum(lam, 0.0), np.maximum(sig, 0.0))
        denom += self.alpha
        # a singular G (collinear features, alpha = 0): keep M^-1 bounded
        denom = np.maximum(denom, 1e-12 * denom.max() + np.finfo(np.float64).tiny)
        shape = (self.Xt1.shape[0], self.K)

        def precondition(r: FloatArray) -> FloatArray:
            V = Q.T @ r.reshape(shape) @ R
            V /= denom
            return (Q @ V @ R.T).ravel()

        return precondition


def penalise(
    params: FloatArray, loss: float, grad: FloatArray, alpha: float, fit_intercept: bool
) -> float:
    """``loss + alpha/2 ||W||^2``; adds ``alpha W`` to ``grad`` in place (intercept unpenalised)."""
    if alpha:
        W = params[fit_intercept:]
        grad[fit_intercept:] += alpha * W
        loss += 0.5 * alpha * float(np.vdot(W, W))
    return loss


def add_ridge(H: FloatArray, alpha: float, fit_intercept: bool, n_outputs: int) -> FloatArray:
    """``H`` plus ``alpha`` on the diagonal of the penalised (non-intercept) parameters.

    ``H`` is the Hessian of the mean loss for C-order flattened params of shape
    ``(p, n_outputs)`` (or ``(p,)``); the intercept row is never penalised.
    """
    diag = np.arange(fit_intercept * n_outputs, H.shape[0])
    H[diag, diag] += alpha
    return H


def fix_gauge(H: FloatArray, alpha: float, fit_intercept: bool, n_classes: int) -> FloatArray:
    """Softmax Hessian made invertible along the gauge directions (see ``newton_hess``).

    Adds ``1/K`` times the all-ones ``K x K`` block on each unpenalised row (every row
    when ``alpha == 0``, else the intercept row): the projector onto directions in
    which the softmax loss is constant, so the Newton step elsewhere is unchanged.
    """
    Kc = n_classes
    n_rows = H.shape[0] // Kc
    for j in range(n_rows if alpha == 0 else int(fit_intercept)):
        H[j * Kc : (j + 1) * Kc, j * Kc : (j + 1) * Kc] += 1.0 / Kc
    return H


# ============================================================================ network
#: Hidden activation -> (activation, hidden error from ``back = delta2 @ W2.T`` and ``a1``).
ACTIVATIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]] = {
    "sigmoid": (sigmoid, lambda back, a1: K.mlp_delta_hidden(back, a1)),
    "tanh": (np.tanh, lambda back, a1: back * K.tanh_dz_from_output(a1)),
}


def mlp_forward(
    W1: FloatArray, b1: FloatArray, W2: FloatArray, b2: FloatArray, X: FloatArray, activation: str
) -> dict[str, FloatArray]:
    """``z1 = X W1 + b1``, ``a1 = act(z1)``, ``z2 = a1 W2 + b2``, ``out`` = probabilities."""
    z1 = X @ W1
    z1 += b1
    a1 = ACTIVATIONS[activation][0](z1)
    z2 = a1 @ W2
    z2 += b2
    out = sigmoid(z2) if z2.shape[1] == 1 else softmax(z2)
    return {"z1": z1, "a1": a1, "z2": z2, "out": out}


class MLPObjective:
    """Mean cross-entropy of a one-hidden-layer network, parameters as one flat vector.

    The vector layout is that of :func:`lrbook.losses.mlp_params_to_vector`
    (W1, b1, W2, b2, C order). One output unit: sigmoid + binary cross-entropy;
    ``o >= 2``: softmax + cross-entropy (the :class:`Family` of the output). The
    penalty ``alpha / 2 (||W1||^2 + ||W2||^2)`` leaves the biases alone.
    """

    def __init__(
        self,
        X: FloatArray,
        T: FloatArray,
        sw: FloatArray | None,
        alpha: float,
        hidden_units: int,
        activation: str,
    ) -> None:
        self.X, self.T, self.alpha = X, T, alpha
        self.sw = None if sw is None else weights_mean_one(sw)
        self.d = X.shape[1]
        self.h = hidden_units
        self.o = T.shape[1]
        self.family = family_of(self.o)
        self.activation = activation
        d, h, o = self.d, self.h, self.o
        self.bounds = np.cumsum([0, d * h, h, h * o, o])

    def unpack(self, v: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Views ``W1, b1, W2, b2`` into the flat vector ``v``."""
        c = self.bounds
        return (
            v[c[0] : c[1]].reshape(self.d, self.h),
            v[c[1] : c[2]],
            v[c[2] : c[3]].reshape(self.h, self.o),
            v[c[3] : c[4]],
        )

    def _evaluate(
        self, v: FloatArray, X: FloatArray, T: FloatArray, sw: FloatArray | None
    ) -> tuple[float, FloatArray]:
        W1, b1, W2, b2 = self.unpack(v)
        m = X.shape[0]
        cache = mlp_forward(W1, b1, W2, b2, X, self.activation)
        a1 = cache["a1"]
        losses, delta2 = self.family.loss_dz(T, cache["z2"])
        if losses.ndim == 2:
            losses = losses[:, 0]
        if sw is not None:
            losses = losses * sw
            delta2 = delta2 * sw[:, None]
        delta2 /= m
        delta1 = ACTIVATIONS[self.activation][1](delta2 @ W2.T, a1)
        grad = np.empty_like(v)
        gW1, gb1, gW2, gb2 = self.unpack(grad)
        np.matmul(X.T, delta1, out=gW1)
        np.sum(delta1, axis=0, out=gb1)
        np.matmul(a1.T, delta2, out=gW2)
        np.sum(delta2, axis=0, out=gb2)
        loss = float(np.sum(losses)) / m
        if self.alpha:
            gW1 += self.alpha * W1
            gW2 += self.alpha * W2
            loss += 0.5 * self.alpha * (float(np.vdot(W1, W1)) + float(np.vdot(W2, W2)))
        return loss, grad

    def fun(self, v: FloatArray) -> tuple[float, FloatArray]:
        """Full-batch loss and gradient."""
        return self._evaluate(v, self.X, self.T, self.sw)

    def fun_batch(self, v: FloatArray, idx: NDArray[np.intp]) -> tuple[float, FloatArray]:
        """Loss and gradient of the rows ``idx``."""
        return self._evaluate(
            v, self.X[idx], self.T[idx], None if self.sw is None else self.sw[idx]
        )


# ============================================================================ least squares
class LeastSquaresObjective:
    """Mean (sample-weighted) squared error ``mean(s * (y - X1 theta)^2)`` and its gradient.

    ``X1`` already holds the intercept column when there is one.
    """

    def __init__(self, X1: FloatArray, y: FloatArray, sw: FloatArray | None) -> None:
        self.X1, self.y = X1, y
        self.sw = None if sw is None else weights_mean_one(sw)

    def fun(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """Loss and gradient at ``theta``."""
        n = self.X1.shape[0]
        z = self.X1 @ theta
        losses = K.sse_loss(self.y, z)
        dz = K.sse_dz(self.y, z)  # -2 (y - z)
        if self.sw is not None:
            losses = losses * self.sw
            dz = dz * self.sw
        return float(np.sum(losses)) / n, self.X1.T @ dz / n
