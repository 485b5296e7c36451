"""The compiled SGD epoch of ``lrbook[fast]`` (numba): loaded on first use, never at import.

:class:`lrbook._sgd.LinearEpochs` calls :func:`binary_epoch` when numba is
installed. The epoch loop is compiled (``@njit(cache=True)``, one thread: no
thread pool runs beside OpenBLAS's): for every row of a minibatch the logit
``z = b + x . W``, then its loss and residual from one ``exp`` with the scalar
kernel :func:`lrbook._fast_kernels.bce_loss_dz`, printed by :mod:`lrbook.codegen`
from the same derivation steps as the NumPy kernel, the minibatch gradient and the
update. Each minibatch's loss is summed in the loop, at the parameters it saw.
:func:`bce_losses` gives the per-row losses of the full-data loss in one compiled
pass (:meth:`lrbook._sgd.LinearEpochs.loss`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from lrbook._fast_kernels import bce_loss, bce_loss_dz

if TYPE_CHECKING:
    from lrbook._sgd import EpochResult, LinearEpochs

__all__ = ["bce_losses", "binary_epoch"]


@njit(cache=True)
def _binary_epoch(
    X, y, sw, perm, w, step, alpha, fi, batch_size, losses, pens
):  # pragma: no cover - compiled
    """One epoch in place on ``w``; each minibatch's weighted mean loss into ``losses`` (at
    the parameters it saw), its penalty into ``pens``; returns the last minibatch's
    gradient (penalty included).

    Each minibatch's rows are first gathered into a contiguous buffer (independent loads,
    which the processor overlaps: the random rows are the cost of the epoch), then the
    logits are computed with the rows innermost (no dependency chain), the loss and the
    residual of every row from one ``exp`` (the scalar kernel ``bce_loss_dz``), and the
    gradient with the features innermost.
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
        total = 0.0
        for k in range(m):
            # loss and sigma(z) - y from one exp: the scalar twin of the NumPy kernel
            loss, r = bce_loss_dz(yb[k], zb[k])
            if has_sw:
                loss *= sb[k]
                r *= sb[k]
            total += loss
            if fi:
                g[0] += r
            for j in range(d):
                g[fi + j] += r * buf[k, j]
        losses[b] = total / m
        for j in range(p):
            gj = g[j] / m
            if j >= fi:
                gj += alpha * w[j]
            g[j] = gj
            w[j] -= step * gj
    return g


@njit(cache=True, nogil=True)
def bce_losses(y, z, out):  # pragma: no cover - compiled
    """``out[i] = bce_loss(y[i], z[i])``: per-row losses in one pass, no temporaries."""
    for i in range(z.shape[0]):
        out[i] = bce_loss(y[i], z[i])
    return out


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
    n_batches = -(-n // batch_size)
    losses = np.empty(n_batches)
    pens = np.zeros(n_batches)
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
        losses,
        pens,
    )
    return w, losses + pens, g
