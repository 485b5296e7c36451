"""Fused minibatch SGD epochs of the linear models: no per-minibatch overhead.

:func:`lrbook.optim.sgd` calls ``fun_batch(x, idx)`` once per minibatch: about
twenty NumPy calls of a microsecond each, for a minibatch of 32 rows whose
arithmetic takes less. When ``fun_batch`` is
:meth:`lrbook._objectives.LinearObjective.fun_batch`, the trainer runs the
epoch here instead, with the same result semantics:

* **the sign folded in**: with ``t = (1 - 2y) z`` the binary cross-entropy is
  ``bce_loss(0, t) = softplus(t)`` (the generated kernel; ``bce_loss(y, z) =
  bce_loss(0, (1 - 2y) z)`` for ``y`` in {0, 1}) and the gradient of a
  minibatch is ``X_b.T ((1 - 2y) sigma(t_b)) / m``: one gather (``take``),
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
taken in another order and ``sigma(t)`` is SciPy's ``expit``, one ufunc). With
:mod:`numba` installed (``pip install "lrbook[fast]"``) the binary epoch runs
compiled (:mod:`lrbook._fast`); ``LRBOOK_FAST=0`` in the environment keeps the
NumPy path.
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

#: Minibatches per chunk of the binary NumPy epoch's parameter history (rows of p numbers).
_HISTORY_ROWS = 4096

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
        bce_loss = K.bce_loss
        if self.use_fast:  # the compiled twin: one pass over the logits, no temporaries
            from lrbook._fast import bce_losses

            def bce_loss(y: FloatArray, z: FloatArray) -> FloatArray:
                return bce_losses(y, z, z)

        def block(s: int) -> float:
            e = s + step
            if A is not None:  # softmax
                losses = K.ce_loss(T[s:e], A[s:e].dot(x))
            else:
                z = X[s:e].dot(x[fi:])
                if fi:
                    z += x[0]
                losses = bce_loss(T[s:e], z)
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
        """The binary epoch on ``X`` itself (no copy of ``X``), seven NumPy calls per minibatch.

        The gather, the logits, the sign, the sigmoid, the scaling, the gradient
        product and the update; an eighth, the weight decay, with a penalty.

        * With ``t = (1 - 2y) z`` (the kernels' own variable) the residual is
          ``sigma(z) - y = (1 - 2y) sigma(t)`` (step ``bce_dz``) and the loss
          ``softplus(t)``; ``sigma`` is SciPy's ``expit`` ufunc (one call where
          ``1 / (1 + exp(-t))`` takes three), within a few ulp of :func:`lrbook.sigmoid`
          (tests/test_fast.py checks it; from ``t = -709.8`` down it gives 0 for a subnormal).
        * The minibatch is gathered into a buffer ``[1, X_b]`` whose first column
          stays 1: the intercept is in both products, no call of its own.
        * Each minibatch writes the parameters it makes into the next row of a
          history (a chunk of minibatches at a time), so the penalties
          ``alpha / 2 ||W||^2`` the minibatches saw are summed once per chunk.
        """
        from scipy.special import expit

        X, sw, n, fi = self.X, self.sw, self.n, self.fi
        p = X.shape[1] + fi
        dtype = np.result_type(X, x)
        t = np.empty(n, dtype=dtype)  # stored margins (1 - 2y) z of the epoch
        n_full = n // batch_size
        n_loop = n_full if n_full * batch_size < n else n_full - 1  # all but the last
        m_loop = n_loop * batch_size
        P = perm[:m_loop].reshape(n_loop, batch_size)
        U = t[:m_loop].reshape(n_loop, batch_size)
        assert self.sign is not None
        sign = -self.sign[perm]  # 1 - 2y in epoch order, and times the weights for the gradient
        signw = sign if sw is None else sign * sw[perm]
        S = sign[:m_loop].reshape(n_loop, batch_size)
        # (1 - 2y) times the weights times step / m, once per epoch: one call less per batch
        SWc = (signw[:m_loop] * (step / batch_size)).reshape(n_loop, batch_size)
        decay = self._decay(x, step)  # 1 - step alpha on W (weight decay), 1 on the intercept
        buf = np.ones((batch_size, p), dtype=X.dtype)  # [1, X_b]
        Xv = buf[:, fi:]
        chunk = max(1, min(n_loop, _HISTORY_ROWS))
        H = np.empty((chunk + 1, p), dtype=dtype)  # parameters seen by a chunk's minibatches
        H[0] = x
        squares: list[FloatArray] = []  # ||W||^2 seen by each minibatch
        take, multiply, subtract = X.take, np.multiply, np.subtract
        for c0 in range(0, n_loop, chunk):
            c1 = min(c0 + chunk, n_loop)
            for b in range(c0, c1):
                take(P[b], axis=0, out=Xv, mode="clip")  # perm is in range: nothing to clip
                w, w_next = H[b - c0], H[b - c0 + 1]
                tb = buf.dot(w, out=U[b])
                multiply(tb, S[b], out=tb)  # t = (1 - 2y) z
                r = expit(tb)  # sigma(t); exp(-t) overflows to inf -> exactly 0
                multiply(r, SWc[b], out=r)  # step / m (sigma(z) - y), times the weights
                if decay is None:
                    subtract(w, r.dot(buf), out=w_next)
                else:
                    multiply(w, decay, out=w_next)
                    subtract(w_next, r.dot(buf), out=w_next)  # w - step (grad + alpha W)
            if self.alpha:
                Ws = H[: c1 - c0, fi:]
                squares.append(np.einsum("ij,ij->i", Ws, Ws))
            H[0] = H[c1 - c0]
        w = H[0].copy()
        W = w[fi:]
        Wdot, reduce = W.dot, np.add.reduce
        s0 = m_loop
        idx = perm[s0:]
        Xb = X.take(idx, axis=0)
        tb = Xb.dot(W, out=t[s0:])
        if fi:
            tb += w[0]
        tb *= sign[s0:]
        if self.alpha:
            squares.append(np.array([Wdot(W)]))
        r = step / tb.shape[0] * expit(tb) * signw[s0:]
        w_before = w.copy()
        g = np.empty_like(w)
        g[fi:] = r.dot(Xb) / step
        if fi:
            g[0] = reduce(r) / step
            w[0] -= reduce(r)
        if decay is not None:
            w *= decay
        W -= r.dot(Xb)
        if self.alpha:
            g[fi:] += self.alpha * w_before[fi:]
        losses = self.margin_losses(t)
        pen = 0.5 * self.alpha * np.concatenate(squares) if self.alpha else 0.0
        return w, self._batch_means(losses, perm, batch_size) + pen, g

    def margin_losses(self, t: FloatArray) -> FloatArray:
        """Per-row losses ``bce_loss(0, t) = softplus(t)`` of the margins ``t = (1 - 2y) z``.

        Once per epoch, in cache-sized blocks shared by threads (NumPy's vectorised
        ``exp`` and ``log1p``; no full-length temporaries).
        """
        losses = np.empty_like(t)
        step = rows_per_block(1, t.dtype.itemsize)

        def block(s: int) -> None:
            losses[s : s + step] = K.bce_loss(0.0, t[s : s + step])

        with np.errstate(over="ignore", invalid="ignore"):
            map_blocks(block, range(0, t.shape[0], step))
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
