"""Fused minibatch SGD epochs of the linear models: no per-minibatch overhead.

:func:`lrbook.optim.sgd` calls ``fun_batch(x, idx)`` once per minibatch: about
twenty NumPy calls of a microsecond each, for a minibatch of 32 rows whose
arithmetic takes less. When ``fun_batch`` is
:meth:`lrbook._objectives.LinearObjective.fun_batch`, the trainer runs the
epoch here instead, with the same result semantics:

* **the sign folded in**: with ``u = (2y - 1) z`` the binary cross-entropy is
  ``bce_loss(1, u) = softplus(-u)`` (the generated kernel; ``bce_loss(y, z) =
  bce_loss(1, (2y - 1) z)`` for ``y`` in {0, 1}) and the gradient of a
  minibatch is ``-X_b.T ((2y - 1) sigma(-u_b)) / m``: one gather (``take``),
  two matrix-vector products and a few element-wise calls per minibatch, the
  signs (times the sample weights) permuted once per epoch. The softmax epoch
  folds the intercept into one copy ``[1, X]`` per fit;
* **batch losses once per epoch**: the logits of every minibatch (at the
  parameters the minibatch saw, before its update) are stored, and the loss
  kernel runs once over the epoch's logits; the per-minibatch losses are sums
  of slices (``np.add.reduceat``);
* **honest stopping**: a non-finite minibatch loss or parameter raises the
  same :class:`~lrbook.optim.DivergenceError` as the per-minibatch trainer (at
  the end of the epoch instead of at the minibatch: NaN and inf propagate
  through the remaining updates, so nothing is missed).

The shuffles are the trainer's (the same permutations for a ``random_state``);
the iterates equal the per-minibatch trainer's up to rounding (the sums are
taken in another order and ``sigma(-u) = 1 / (1 + exp(u))`` is computed in one
division). With :mod:`numba` installed (``pip install "lrbook[fast]"``) the
binary epoch runs compiled (:mod:`lrbook._fast`); ``LRBOOK_FAST=0`` in the
environment keeps the NumPy path.
"""

from __future__ import annotations

import importlib.util
import math
import os
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrbook import kernels as K
from lrbook._blocks import map_blocks
from lrbook._objectives import BINARY, LinearObjective, rows_per_block

FloatArray = NDArray[np.floating[Any]]

__all__ = ["EpochResult", "LinearEpochs", "fast_available", "linear_epochs"]

#: (parameters after the epoch, loss of each minibatch, gradient of the last minibatch)
EpochResult = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def fast_available() -> bool:
    """True when numba is installed and ``LRBOOK_FAST`` is not ``"0"`` (checked per fit).

    Never imports numba: only looks for it.
    """
    if os.environ.get("LRBOOK_FAST", "1") == "0":
        return False
    return importlib.util.find_spec("numba") is not None


def _fast_importable() -> bool:
    """Import the compiled path; if numba is installed but cannot be imported (e.g. built
    for another NumPy), warn once per fit and run the NumPy path."""
    try:
        from lrbook import _fast  # noqa: F401
    except ImportError as err:
        warnings.warn(
            f"numba is installed but lrbook's compiled path cannot be imported ({err}); "
            "using the NumPy path (set LRBOOK_FAST=0 to silence this)",
            RuntimeWarning,
            stacklevel=5,
        )
        return False
    return True


def linear_epochs(fun_batch: Any) -> LinearEpochs | None:
    """The fused epochs for ``fun_batch``, or None when it is not a linear model's minibatch.

    Only the bound method ``LinearObjective.fun_batch`` itself qualifies (not a
    subclass overriding it, nor an objective checking its logits for the
    functional API, which names a non-finite ``X`` precisely).
    """
    owner = getattr(fun_batch, "__self__", None)
    if type(owner) is not LinearObjective:
        return None
    if getattr(fun_batch, "__func__", None) is not LinearObjective.fun_batch:
        return None
    if owner.check_logits:
        return None
    return LinearEpochs(owner)


class LinearEpochs:
    """SGD epochs of one :class:`LinearObjective` (the folded copy is made once, here)."""

    def __init__(self, objective: LinearObjective) -> None:
        X, T = objective.X, objective.T
        self.binary = objective.family is BINARY
        self.fi = int(objective.fit_intercept)
        self.alpha = float(objective.alpha)
        self.sw = objective.sw
        self.n, d = X.shape
        p = d + self.fi
        self.T = T
        self.X = X
        self.use_fast = self.binary and fast_available() and _fast_importable()
        self.A: FloatArray | None = None
        self.sign = 2 * np.asarray(T, dtype=np.float64) - 1 if self.binary else None
        if not self.binary:
            # softmax: one copy per fit, [1, X] (the intercept folded into the products).
            # The binary epoch reads X itself: a signed copy [1, X] of a 1e6 x 20 X measured
            # as long as the calls it saves over an epoch (sign and intercept per minibatch).
            A = np.empty((self.n, p), dtype=X.dtype)
            A[:, self.fi :] = X
            if self.fi:
                A[:, 0] = 1
            self.A = A

    def loss(self, x: NDArray[np.float64]) -> float:
        """Full-data loss at ``x`` (penalty included), the loss of ``objective.fun`` up to
        rounding, without its gradient (the trainer needs the loss at the start and the end)."""
        if not np.any(x):
            # every logit is 0: each row's loss is log 2 (binary) or log K (softmax), and so
            # is their weighted mean (weights of mean one); the trainer's usual start
            return math.log(2.0 if x.ndim == 1 else x.shape[1])
        fi, A, X, T, sw = self.fi, self.A, self.X, self.T, self.sw
        step = rows_per_block(X.shape[1] * (1 if x.ndim == 1 else x.shape[1]), X.dtype.itemsize)

        def block(s: int) -> float:
            e = s + step
            if A is not None:  # softmax
                losses = K.ce_loss(T[s:e], A[s:e].dot(x))
            else:
                z = X[s:e].dot(x[fi:])
                if fi:
                    z += x[0]
                losses = K.bce_loss(T[s:e], z)
            if sw is not None:
                losses *= sw[s:e]
            return float(np.add.reduce(losses))

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            # cache-sized blocks shared by threads, summed in block order
            total = math.fsum(map_blocks(block, range(0, self.n, step))) / self.n
        return total + self._penalty(x[fi:])

    # ------------------------------------------------------------------ one epoch
    def epoch(
        self, x: NDArray[np.float64], perm: NDArray[np.intp], step: float, batch_size: int
    ) -> EpochResult:
        """One epoch over ``perm`` in minibatches of ``batch_size`` with step ``step``.

        Returns the new parameters (``x`` is not modified), the loss of every
        minibatch at the parameters it saw (penalty included) and the gradient
        of the last minibatch (penalty included), as the per-minibatch trainer
        computes them.
        """
        if self.use_fast:
            from lrbook import _fast

            return _fast.binary_epoch(self, x, perm, step, batch_size)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.binary:
                return self._binary_epoch(x, perm, step, batch_size)
            return self._softmax_epoch(x, perm, step, batch_size)

    def _decay(self, x: NDArray[np.float64], step: float) -> NDArray[np.float64] | None:
        """``1 - step * alpha`` on the penalised rows (weight decay), 1 on the intercept."""
        if not self.alpha:
            return None
        decay = np.full(x.shape[0], 1.0 - step * self.alpha)
        decay[: self.fi] = 1.0
        return decay if x.ndim == 1 else decay[:, None]

    def _penalty(self, W: NDArray[np.float64]) -> float:
        return 0.5 * self.alpha * float(np.vdot(W, W)) if self.alpha else 0.0

    def _binary_epoch(
        self, x: NDArray[np.float64], perm: NDArray[np.intp], step: float, batch_size: int
    ) -> EpochResult:
        """The binary epoch on ``X`` itself (no copy): sign, weight and intercept per minibatch."""
        X, sw, n, fi = self.X, self.sw, self.n, self.fi
        w = x.copy()
        W = w[fi:]
        u = np.empty(n, dtype=np.result_type(X, w))  # stored margins (2y - 1) z of the epoch
        decay = 1.0 - step * self.alpha if self.alpha else None  # weight decay of W
        n_full = n // batch_size
        P = perm[: n_full * batch_size].reshape(n_full, batch_size)
        U = u[: n_full * batch_size].reshape(n_full, batch_size)
        assert self.sign is not None
        sign = self.sign[perm]  # 2y - 1 in epoch order, and times the weights for the gradient
        signw = sign if sw is None else sign * sw[perm]
        S = sign[: n_full * batch_size].reshape(n_full, batch_size)
        c = step / batch_size
        # (2y - 1) times the weights times step / m, once per epoch: one call less per batch
        SWc = (signw[: n_full * batch_size] * c).reshape(n_full, batch_size)
        pens: list[float] = []
        take, exp, add, divide, multiply = X.take, np.exp, np.add, np.divide, np.multiply
        Wdot, reduce = W.dot, np.add.reduce
        n_loop = n_full if n_full * batch_size < n else n_full - 1  # all but the last
        for b in range(n_loop):
            Xb = take(P[b], axis=0)
            ub = Xb.dot(W, out=U[b])
            if fi:
                add(ub, w[0], out=ub)
            multiply(ub, S[b], out=ub)  # u = (2y - 1) z
            if decay is not None:
                pens.append(Wdot(W))
            r = exp(ub)  # sigma(-u) = 1 / (1 + exp(u)); exp overflows to inf -> exactly 0
            add(r, 1.0, out=r)
            divide(SWc[b], r, out=r)  # step / m * sigma(-u), times (2y - 1) and the weights
            if fi:
                w[0] += reduce(r)
            if decay is not None:
                multiply(W, decay, out=W)
            add(W, r.dot(Xb), out=W)  # w - step (grad of the mean loss + alpha W)
        s0 = n_loop * batch_size
        idx = perm[s0:]
        Xb = X.take(idx, axis=0)
        ub = Xb.dot(W, out=u[s0:])
        if fi:
            ub += w[0]
        ub *= sign[s0:]
        if decay is not None:
            pens.append(Wdot(W))
        r = step / ub.shape[0] / (1.0 + np.exp(ub)) * signw[s0:]
        w_before = w.copy()
        g = np.empty_like(w)
        g[fi:] = -r.dot(Xb) / step
        if fi:
            g[0] = -reduce(r) / step
            w[0] += reduce(r)
        if decay is not None:
            W *= decay
        W += r.dot(Xb)
        if self.alpha:
            g[fi:] += self.alpha * w_before[fi:]
        losses = self.margin_losses(u)
        pen = 0.5 * self.alpha * np.asarray(pens, dtype=np.float64) if pens else 0.0
        return w, self._batch_means(losses, perm, batch_size) + pen, g

    def margin_losses(self, u: FloatArray) -> FloatArray:
        """Per-row losses ``bce_loss(1, u) = softplus(-u)`` of the margins ``u = (2y - 1) z``.

        Once per epoch, in cache-sized blocks shared by threads (NumPy's vectorised
        ``exp`` and ``log1p``; no full-length temporaries).
        """
        losses = np.empty_like(u)
        step = rows_per_block(1, u.dtype.itemsize)

        def block(s: int) -> None:
            losses[s : s + step] = K.bce_loss(1.0, u[s : s + step])

        with np.errstate(over="ignore", invalid="ignore"):
            map_blocks(block, range(0, u.shape[0], step))
        return losses

    def _batch_means(
        self, losses: FloatArray, perm: NDArray[np.intp], batch_size: int
    ) -> NDArray[np.float64]:
        """Weighted mean of ``losses`` (in epoch order) over each minibatch."""
        if self.sw is not None:
            losses = losses * self.sw[perm]
        starts = np.arange(0, self.n, batch_size)
        sizes = np.diff(np.append(starts, self.n))
        return np.add.reduceat(losses, starts) / sizes

    def _softmax_epoch(
        self, x: NDArray[np.float64], perm: NDArray[np.intp], step: float, batch_size: int
    ) -> EpochResult:
        A, T, sw, n, fi = self.A, self.T, self.sw, self.n, self.fi
        assert A is not None
        w = x.copy()
        W = w[fi:]
        Kc = w.shape[1]
        Z = np.empty((n, Kc), dtype=np.result_type(A, w))  # stored logits of the epoch
        decay = self._decay(w, step)
        starts = range(0, n, batch_size)
        pen = np.zeros(len(starts))
        last = starts[-1]
        for b, s in enumerate(starts):
            e = s + batch_size
            idx = perm[s:e]
            Ab = A.take(idx, axis=0)
            Zb = np.dot(Ab, w, out=Z[s:e])
            m = Zb.shape[0]
            if s == last:
                w_before = w.copy()
            if decay is not None:
                pen[b] = self._penalty(W)
            R = K.ce_dz(T.take(idx, axis=0), Zb)  # softmax(Z) - Y, the generated kernel
            if sw is not None:
                R *= sw.take(idx)[:, None]
            R *= step / m
            if decay is not None:
                w *= decay
            w -= np.dot(Ab.T, R)
        g = np.dot(Ab.T, R) / step
        if self.alpha:
            g[fi:] += self.alpha * w_before[fi:]
        losses = K.ce_loss(T[perm], Z)
        return w, self._batch_means(losses, perm, batch_size) + pen, g
