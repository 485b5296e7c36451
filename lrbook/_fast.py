"""The compiled SGD epoch of ``lrbook[fast]`` (numba): loaded on first use, never at import.

:class:`lrbook._sgd.LinearEpochs` calls :func:`binary_epoch` when numba is
installed. The epoch loop is compiled (``@njit(cache=True)``, one thread: no
thread pool runs beside OpenBLAS's): for every row of a minibatch the logit
``z = b + x . W``, then the residual from the scalar kernel
:func:`lrbook._fast_kernels.bce_dz` printed by :mod:`lrbook.codegen` from the same
derivation step as the NumPy kernel, the minibatch gradient and the update.
The epoch's margins ``(2y - 1) z`` are stored; the minibatch losses come from them once
per epoch with the NumPy kernel :func:`lrbook.kernels.bce_loss`, whose ``exp`` and
``log1p`` are NumPy's vectorised ones (faster than scalar calls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from lrbook._fast_kernels import bce_dz

if TYPE_CHECKING:
    from lrbook._sgd import EpochResult, LinearEpochs

__all__ = ["binary_epoch"]


@njit(cache=True)
def _binary_epoch(
    X, y, sw, perm, w, step, alpha, fi, batch_size, z, pens
):  # pragma: no cover - compiled
    """One epoch in place on ``w``; margins ``(2y - 1) z`` into ``z``, penalties into ``pens``; returns the
    last minibatch's gradient (penalty included).

    Each minibatch's rows are first gathered into a contiguous buffer (independent loads,
    which the processor overlaps: the random rows are the cost of the epoch), then the
    logits are computed with the rows innermost (no dependency chain) and the gradient
    with the features innermost.
    """
    n, d = X.shape
    p = w.shape[0]
    g = np.zeros(p)
    buf = np.empty((batch_size, d), dtype=X.dtype)
    yb = np.empty(batch_size)
    sb = np.ones(batch_size)
    zb = np.empty(batch_size)
    has_sw = sw.shape[0] == n
    n_batches = (n + batch_size - 1) // batch_size
    for b in range(n_batches):
        s = b * batch_size
        m = min(s + batch_size, n) - s
        for k in range(m):
            row = perm[s + k]
            yb[k] = y[row]
            if has_sw:
                sb[k] = sw[row]
            for j in range(d):
                buf[k, j] = X[row, j]
        b0 = w[0] if fi else 0.0
        for k in range(m):
            zb[k] = b0
        for j in range(d):
            wj = w[fi + j]
            for k in range(m):
                zb[k] += buf[k, j] * wj
        if alpha != 0.0:
            ss = 0.0
            for j in range(fi, p):
                ss += w[j] * w[j]
            pens[b] = 0.5 * alpha * ss
        g[:] = 0.0
        for k in range(m):
            z[s + k] = (2.0 * yb[k] - 1.0) * zb[k]  # the margin u = (2y - 1) z, for the losses
            r = bce_dz(yb[k], zb[k])  # sigma(z) - y: the scalar twin of the NumPy kernel
            if has_sw:
                r *= sb[k]
            if fi:
                g[0] += r
            for j in range(d):
                g[fi + j] += r * buf[k, j]
        for j in range(p):
            gj = g[j] / m
            if j >= fi:
                gj += alpha * w[j]
            g[j] = gj
            w[j] -= step * gj
    return g


def binary_epoch(
    epochs: LinearEpochs,
    x: NDArray[np.float64],
    perm: NDArray[np.intp],
    step: float,
    batch_size: int,
) -> EpochResult:
    """One compiled epoch of the binary model (see :meth:`lrbook._sgd.LinearEpochs.epoch`)."""
    X, T, sw, n = epochs.X, epochs.T, epochs.sw, epochs.n
    w = np.array(x, dtype=np.float64)  # a copy, updated in place by the loop
    z = np.empty(n, dtype=np.float64)
    pens = np.zeros(-(-n // batch_size))
    no_weights: Any = np.empty(0, dtype=np.float64)
    g = _binary_epoch(
        X,
        T,
        no_weights if sw is None else sw,
        perm,
        w,
        step,
        epochs.alpha,
        epochs.fi,
        batch_size,
        z,
        pens,
    )
    losses = epochs.margin_losses(z)  # NumPy's vectorised exp and log1p, once per epoch
    return w, epochs._batch_means(losses, perm, batch_size) + pens, g
