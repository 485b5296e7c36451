"""Functional trainers: full-batch gradient descent, minibatch SGD and Newton/IRLS.

The trainers know nothing about logistic regression: they take callables that
return a loss and its gradient (and, for Newton, the Hessian) and move a
parameter array downhill.  The models in :mod:`lrbook.models` build those
callables from the derived kernels in :mod:`lrbook.losses`.

Stopping rules (``tol``)
------------------------
* :func:`gradient_descent` and :func:`newton` stop when the largest absolute
  entry of the full gradient (its infinity-norm) is ``<= tol``.  The same rule
  for both makes their results comparable: a smaller ``tol`` means a point
  closer to a stationary point, whichever solver produced it.
* :func:`sgd` never sees the full gradient (computing it would cost a pass over
  the data).  It uses the rule of scikit-learn's ``SGDClassifier``: the *epoch
  loss* (mean of that epoch's minibatch losses) counts as "no improvement" when
  it is not lower than the best epoch loss so far minus ``tol``; after
  ``n_iter_no_change`` such epochs in a row it stops and reports convergence.

Reaching ``max_iter`` without meeting ``tol`` emits scikit-learn's
:class:`~sklearn.exceptions.ConvergenceWarning`.  A loss or parameters that
become non-finite, or a loss that climbs far above its starting value (more
than ``1000 * (|L0| + 1)`` above the starting loss ``L0``; a convex loss trained
with a suitable step never rises above its start), raise :class:`DivergenceError`
naming the learning rate.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.exceptions import ConvergenceWarning

from lrbook._validation import (
    check_callback,
    check_int,
    check_learning_rate,
    check_lr_decay,
    check_tol,
)

__all__ = [
    "DivergenceError",
    "IterationInfo",
    "OptimizeResult",
    "gradient_descent",
    "newton",
    "sgd",
]

#: A loss that rises more than ``_DIVERGENCE_FACTOR * (|L0| + 1)`` above its
#: starting value ``L0`` is treated as divergence.
_DIVERGENCE_FACTOR = 1e3

LossGrad = Callable[[NDArray[np.float64]], tuple[float, NDArray[Any]]]
BatchLossGrad = Callable[[NDArray[np.float64], NDArray[np.intp]], tuple[float, NDArray[Any]]]
Callback = Callable[["IterationInfo"], Any]


class DivergenceError(FloatingPointError):
    """Training diverged: the loss or the parameters became non-finite or exploded.

    Raised by the trainers (and so by the estimators' ``fit``) instead of
    returning NaN weights.  The message names the learning rate in use and
    suggests a smaller one.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.optim import DivergenceError, gradient_descent
    >>> def quadratic(x):  # f(x) = 50 x^2 is 100-smooth: steps above 0.02 diverge
    ...     return float(50 * x @ x), 100 * x
    >>> try:
    ...     gradient_descent(quadratic, np.ones(1), learning_rate=0.1)
    ... except DivergenceError as err:
    ...     print("learning_rate=0.1" in str(err))
    True
    """


@dataclass
class IterationInfo:
    """What a ``callback`` receives after each iteration (GD, Newton) or epoch (SGD).

    Attributes
    ----------
    epoch : int
        Number of completed iterations / epochs (1 after the first update).
    x : ndarray
        A copy of the current parameters.
    loss : float
        Loss at ``x`` (GD, Newton) or the epoch loss, i.e. the mean of the
        epoch's minibatch losses (SGD).
    grad_norm : float
        Infinity-norm of the full gradient at ``x`` (GD, Newton); NaN for SGD,
        which never computes the full gradient.
    """

    epoch: int
    x: NDArray[np.float64]
    loss: float
    grad_norm: float


@dataclass
class OptimizeResult:
    """Outcome of a trainer.

    Attributes
    ----------
    x : ndarray
        Final parameters (same shape as ``x0``).
    loss : float
        Loss at ``x`` (GD, Newton) or the last epoch loss (SGD).
    n_iter : int
        Number of parameter updates (GD, Newton) or completed epochs (SGD).
    converged : bool
        Whether the stopping rule was met (see the module docstring).
    loss_history : ndarray
        GD and Newton: the loss at every iterate ``x_0, x_1, ..., x_{n_iter}``
        (length ``n_iter + 1``, starting with the initial loss).  SGD: one epoch
        loss per epoch (length ``n_iter``).
    batch_loss_history : ndarray or None
        SGD only: the loss of every minibatch, in order (length
        ``n_iter * n_batches``), measured before that minibatch's update.
    grad_norm : float
        Infinity-norm of the gradient at ``x`` (GD, Newton); for SGD the norm of
        the last minibatch gradient.
    message : str
        Why the trainer stopped.
    """

    x: NDArray[np.float64]
    loss: float
    n_iter: int
    converged: bool
    loss_history: NDArray[np.float64]
    batch_loss_history: NDArray[np.float64] | None
    grad_norm: float
    message: str = ""


def _start(x0: ArrayLike) -> NDArray[np.float64]:
    x = np.array(x0, dtype=np.float64)  # always a copy: the caller's array is never modified
    if x.size == 0:
        raise ValueError(f"x0 must contain at least one parameter, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 contains NaN or inf; start from finite parameters")
    return x


def _first_loss(value: object, what: str) -> float:
    loss = float(value)  # type: ignore[arg-type]
    if not math.isfinite(loss):
        raise ValueError(
            f"{what} returned a non-finite loss ({loss!r}) at the starting point x0; "
            "check the data for NaN/inf and the starting parameters"
        )
    return loss


def _divergence_limit(loss0: float) -> float:
    return loss0 + _DIVERGENCE_FACTOR * (abs(loss0) + 1.0)


def _diverged(
    method: str, step: int, loss: float, loss0: float, learning_rate: float
) -> DivergenceError:
    what = "became non-finite" if not math.isfinite(loss) else "exploded"
    return DivergenceError(
        f"{method} diverged at step {step}: the loss {what} ({loss:.4g}, starting loss "
        f"{loss0:.4g}) with learning_rate={learning_rate!r}. The step is too large for this "
        f"problem: try a smaller learning rate such as learning_rate={learning_rate / 10:g}, "
        "and standardise the features (unscaled features need much smaller steps)."
    )


@contextmanager
def _progress_bar(progress: bool, total: int, desc: str) -> Iterator[Any]:
    """A tqdm bar writing to stderr when ``progress`` is true, otherwise a no-op object."""
    if not progress:
        yield None
        return
    from tqdm.auto import tqdm  # imported lazily: only when a bar is asked for

    bar = tqdm(total=total, desc=desc, unit="epoch", leave=False)
    try:
        yield bar
    finally:
        bar.close()


def _warn_not_converged(text: str) -> None:
    warnings.warn(text, ConvergenceWarning, stacklevel=3)


# --------------------------------------------------------------------------- trainers


def gradient_descent(
    fun: LossGrad,
    x0: ArrayLike,
    *,
    learning_rate: float = 0.1,
    max_iter: int = 100,
    tol: float = 1e-4,
    callback: Callback | None = None,
    progress: bool = False,
) -> OptimizeResult:
    """Full-batch gradient descent ``x <- x - learning_rate * grad f(x)``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (loss, grad)`` with ``grad`` shaped like ``x``.
    x0 : array-like of any shape
        Starting parameters (copied, never modified).
    learning_rate : float, default=0.1
        Step size, positive and finite.
    max_iter : int, default=100
        Maximum number of updates (epochs).
    tol : float, default=1e-4
        Stop when ``max(|grad|) <= tol``.
    callback : callable, default=None
        Called as ``callback(info)`` with an :class:`IterationInfo` after every
        update.  If it returns ``True`` training stops (``converged=False``,
        no warning).
    progress : bool, default=False
        Show a tqdm progress bar on stderr.

    Returns
    -------
    OptimizeResult
        ``loss_history`` holds the loss at ``x_0 ... x_{n_iter}``.

    Raises
    ------
    DivergenceError
        If the loss or gradient becomes non-finite or the loss explodes.

    Warns
    -----
    ConvergenceWarning
        If ``max_iter`` updates were made without reaching ``tol``.

    Examples
    --------
    Minimise ``f(x) = ||x - 3||^2``; each step halves the distance to the optimum:

    >>> import numpy as np
    >>> from lrbook.optim import gradient_descent
    >>> res = gradient_descent(lambda x: (float((x - 3) @ (x - 3)), 2 * (x - 3)),
    ...                        np.zeros(2), learning_rate=0.25, tol=1e-10)
    >>> res.x, res.converged, res.n_iter
    (array([3., 3.]), True, 36)
    """
    lr = check_learning_rate(learning_rate)
    max_iter = check_int(max_iter, "max_iter")
    tol = check_tol(tol)
    check_callback(callback)
    x = _start(x0)

    loss, grad = fun(x)
    loss = _first_loss(loss, "fun")
    loss0, limit = loss, _divergence_limit(loss)
    history = [loss]
    n_iter, converged, message = 0, False, ""
    with _progress_bar(progress, max_iter, "gradient descent") as bar:
        while True:
            gnorm = float(np.max(np.abs(grad)))
            if not math.isfinite(gnorm):
                raise _diverged("gradient descent", n_iter, math.nan, loss0, lr)
            if gnorm <= tol:
                converged, message = True, f"gradient inf-norm {gnorm:.3g} <= tol={tol:g}"
                break
            if n_iter == max_iter:
                message = f"reached max_iter={max_iter}"
                break
            x -= lr * grad
            n_iter += 1
            loss, grad = fun(x)
            loss = float(loss)
            if not (loss <= limit):  # also catches NaN
                raise _diverged("gradient descent", n_iter, loss, loss0, lr)
            history.append(loss)
            if bar is not None:
                bar.update()
                bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
            if callback is not None and callback(
                IterationInfo(n_iter, x.copy(), loss, float(np.max(np.abs(grad))))
            ):
                message = "stopped by callback"
                gnorm = float(np.max(np.abs(grad)))
                break
    if not converged and message.startswith("reached"):
        _warn_not_converged(
            f"Gradient descent did not converge in max_iter={max_iter} iterations: the gradient "
            f"inf-norm is {gnorm:.3g} > tol={tol:g}. Increase max_iter, tune learning_rate "
            f"(now {lr:g}) or standardise the features."
        )
    return OptimizeResult(
        x=x,
        loss=loss,
        n_iter=n_iter,
        converged=converged,
        loss_history=np.asarray(history),
        batch_loss_history=None,
        grad_norm=gnorm,
        message=message,
    )


def sgd(
    fun_batch: BatchLossGrad,
    x0: ArrayLike,
    n_samples: int,
    *,
    batch_size: int = 32,
    learning_rate: float = 0.1,
    max_iter: int = 100,
    tol: float = 1e-4,
    n_iter_no_change: int = 5,
    lr_decay: float = 0.0,
    random_state: int | np.random.Generator | None = None,
    callback: Callback | None = None,
    progress: bool = False,
) -> OptimizeResult:
    """Minibatch stochastic gradient descent with a fresh shuffle every epoch.

    Each epoch draws a permutation of ``range(n_samples)`` from
    ``np.random.default_rng(random_state)``, cuts it into consecutive
    minibatches of ``batch_size`` indices (the last, smaller batch is used, not
    dropped) and updates ``x <- x - learning_rate * grad`` after each one.
    ``batch_size=1`` is the per-sample SGD of the classic derivations.

    Parameters
    ----------
    fun_batch : callable
        ``fun_batch(x, idx) -> (loss, grad)``: mean loss and its gradient over
        the rows ``idx`` (an integer array), vectorised over the batch.
    x0 : array-like of any shape
        Starting parameters (copied).
    n_samples : int
        Number of rows to draw minibatches from.
    batch_size : int, default=32
        Minibatch size; values above ``n_samples`` mean full batches.
    learning_rate : float, default=0.1
        Constant step size.
    max_iter : int, default=100
        Maximum number of epochs.
    tol : float, default=1e-4
        An epoch whose loss is not below ``best_loss - tol`` counts as no
        improvement (``best_loss`` = lowest epoch loss so far).
    n_iter_no_change : int, default=5
        Stop (converged) after this many epochs without improvement in a row.
    lr_decay : float, default=0.0
        Step-size schedule: epoch ``e = 1, 2, ...`` uses
        ``learning_rate / (1 + lr_decay * (e - 1))``.  With a constant step
        (``lr_decay=0``) SGD only reaches a noisy neighbourhood of the optimum
        whose size shrinks with the step; a decaying step (``sum lr = inf``,
        ``sum lr^2 < inf``) lets it converge.
    random_state : int, Generator or None, default=None
        Seed for the shuffles; the same seed gives bit-identical results.
    callback : callable, default=None
        Called after every epoch with an :class:`IterationInfo`; returning
        ``True`` stops training.
    progress : bool, default=False
        Show a tqdm progress bar (one tick per epoch) on stderr.

    Returns
    -------
    OptimizeResult
        ``loss_history`` has one epoch loss per epoch (mean of that epoch's
        minibatch losses); ``batch_loss_history`` has every minibatch loss.

    Raises
    ------
    DivergenceError
        If a minibatch loss or the parameters become non-finite, or the epoch
        loss explodes.

    Warns
    -----
    ConvergenceWarning
        If ``max_iter`` epochs ran without meeting the stopping rule.

    Examples
    --------
    Estimate the mean of some data by minimising ``mean((x - d_i)^2)``:

    >>> import numpy as np
    >>> from lrbook.optim import sgd
    >>> d = np.arange(10.0)
    >>> def fun_batch(x, idx):
    ...     r = x - d[idx]
    ...     return float(np.mean(r**2)), np.array([2 * np.mean(r)])
    >>> res = sgd(fun_batch, np.zeros(1), n_samples=10, batch_size=10,
    ...           learning_rate=0.5, max_iter=50, random_state=0)
    >>> res.x, res.converged
    (array([4.5]), True)
    """
    n_samples = check_int(n_samples, "n_samples")
    batch_size = min(check_int(batch_size, "batch_size"), n_samples)
    lr = check_learning_rate(learning_rate)
    max_iter = check_int(max_iter, "max_iter")
    tol = check_tol(tol)
    n_iter_no_change = check_int(n_iter_no_change, "n_iter_no_change")
    lr_decay = check_lr_decay(lr_decay)
    check_callback(callback)
    x = _start(x0)
    rng = np.random.default_rng(random_state)

    n_batches = -(-n_samples // batch_size)  # ceil: the last partial batch counts
    starts = range(0, n_samples, batch_size)
    epoch_losses: list[float] = []
    batch_losses = np.empty(max_iter * n_batches)
    best, no_improvement = math.inf, 0
    loss0 = limit = math.nan
    converged, message, n_epochs = False, "", 0
    epoch_loss, gnorm = math.nan, math.nan
    with _progress_bar(progress, max_iter, "SGD") as bar:
        for epoch in range(1, max_iter + 1):
            perm = rng.permutation(n_samples)
            if epoch == 1:
                # Reference loss at x0 for the explosion test, on one large minibatch.
                loss0 = _first_loss(fun_batch(x, perm[: max(batch_size, 1024)])[0], "fun_batch")
                limit = _divergence_limit(loss0)
            offset = (epoch - 1) * n_batches
            step = lr / (1.0 + lr_decay * (epoch - 1))
            for b, start in enumerate(starts):
                loss, grad = fun_batch(x, perm[start : start + batch_size])
                batch_losses[offset + b] = loss
                x -= step * grad
            n_epochs = epoch
            epoch_loss = float(np.mean(batch_losses[offset : offset + n_batches]))
            gnorm = float(np.max(np.abs(grad)))
            if not (epoch_loss <= limit) or not np.all(np.isfinite(x)):
                raise _diverged("SGD", epoch, epoch_loss, loss0, lr)
            epoch_losses.append(epoch_loss)
            if bar is not None:
                bar.update()
                bar.set_postfix(loss=f"{epoch_loss:.4g}", refresh=False)
            if callback is not None and callback(
                IterationInfo(epoch, x.copy(), epoch_loss, math.nan)
            ):
                message = "stopped by callback"
                break
            if epoch_loss > best - tol:
                no_improvement += 1
            else:
                no_improvement = 0
            best = min(best, epoch_loss)
            if no_improvement >= n_iter_no_change:
                converged = True
                message = (
                    f"epoch loss did not improve by more than tol={tol:g} "
                    f"for {n_iter_no_change} epochs"
                )
                break
        else:
            message = f"reached max_iter={max_iter}"
    if message.startswith("reached"):
        _warn_not_converged(
            f"SGD did not converge in max_iter={max_iter} epochs: the epoch loss was still "
            f"improving by more than tol={tol:g}. Increase max_iter or tol, or tune learning_rate "
            f"(now {lr:g})."
        )
    return OptimizeResult(
        x=x,
        loss=epoch_loss,
        n_iter=n_epochs,
        converged=converged,
        loss_history=np.asarray(epoch_losses),
        batch_loss_history=batch_losses[: n_epochs * n_batches].copy(),
        grad_norm=gnorm,
        message=message,
    )


_SEPARABLE_HINT = (
    "The Hessian is singular or not positive definite. For logistic or softmax regression "
    "without a penalty (alpha=0) this happens when the classes are linearly separable: the "
    "weights then grow without bound and no finite optimum exists. Use alpha > 0."
)


def _newton_direction(hessian: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
    """Solve ``H d = g`` by Cholesky; fall back to least squares when H is (near) singular."""
    try:
        chol = np.linalg.cholesky(hessian)
        pivots = np.diag(chol)
        # A pivot at rounding level means H is numerically singular (Cholesky can still
        # succeed on it): the solve would put a huge, arbitrary component along its null
        # space, so use least squares instead.
        if pivots.min() > np.sqrt(hessian.shape[0] * np.finfo(np.float64).eps) * pivots.max():
            # Two triangular solves written as general solves: H is tiny (p x p) next to X.
            d = np.linalg.solve(chol.T, np.linalg.solve(chol, g))
            if np.all(np.isfinite(d)):
                return d
    except np.linalg.LinAlgError:
        pass
    # Minimum-norm least-squares step: well defined for a singular positive semidefinite H
    # (e.g. duplicated features without a penalty).
    d = np.asarray(np.linalg.lstsq(hessian, g, rcond=None)[0], dtype=np.float64)
    if not np.all(np.isfinite(d)):
        raise np.linalg.LinAlgError(_SEPARABLE_HINT)
    return d


def newton(
    fun: LossGrad,
    hess: Callable[[NDArray[np.float64]], NDArray[Any]],
    x0: ArrayLike,
    *,
    max_iter: int = 100,
    tol: float = 1e-8,
    line_search: bool = True,
    callback: Callback | None = None,
    progress: bool = False,
) -> OptimizeResult:
    """Newton's method (IRLS for logistic regression) with a backtracking line search.

    Each iteration solves ``H d = g`` (Cholesky of the ``(p, p)`` Hessian, with a
    least-squares fallback when it is singular) and moves ``x <- x - t d``, where
    ``t`` starts at 1 and is halved until the loss decreases enough (Armijo
    condition ``f(x - t d) <= f(x) - 1e-4 t g.d``).  Near the optimum ``t = 1``
    is always accepted and convergence is quadratic.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (loss, grad)`` with ``grad`` shaped like ``x``.
    hess : callable
        ``hess(x) -> H`` of shape ``(x.size, x.size)``, for ``x`` flattened in C
        order.
    x0 : array-like of any shape
        Starting parameters (copied).
    max_iter : int, default=100
        Maximum number of Newton steps.
    tol : float, default=1e-8
        Stop when ``max(|grad|) <= tol`` (the same rule as
        :func:`gradient_descent`).
    line_search : bool, default=True
        Backtrack on the step length; ``False`` takes pure Newton steps.
    callback : callable, default=None
        Called after every step with an :class:`IterationInfo`; returning
        ``True`` stops.
    progress : bool, default=False
        Show a tqdm progress bar on stderr.

    Returns
    -------
    OptimizeResult
        ``loss_history`` holds the loss at ``x_0 ... x_{n_iter}``.

    Raises
    ------
    numpy.linalg.LinAlgError
        If no Newton step can be computed (the message explains separability).
    DivergenceError
        If the loss becomes non-finite.

    Warns
    -----
    ConvergenceWarning
        If ``max_iter`` steps were taken without reaching ``tol``, or the line
        search could not decrease the loss any further before reaching ``tol``.

    Examples
    --------
    One step solves a quadratic exactly:

    >>> import numpy as np
    >>> from lrbook.optim import newton
    >>> A = np.array([[3.0, 1.0], [1.0, 2.0]]); b = np.array([1.0, -1.0])
    >>> res = newton(lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b), lambda x: A, np.zeros(2))
    >>> res.n_iter, bool(np.allclose(A @ res.x, b))
    (1, True)
    """
    max_iter = check_int(max_iter, "max_iter")
    tol = check_tol(tol)
    check_callback(callback)
    x = _start(x0)
    shape = x.shape

    loss, grad = fun(x)
    loss = _first_loss(loss, "fun")
    loss0 = loss
    history = [loss]
    n_iter, converged, message = 0, False, ""
    with _progress_bar(progress, max_iter, "Newton") as bar:
        while True:
            gnorm = float(np.max(np.abs(grad)))
            if not math.isfinite(gnorm):
                raise DivergenceError(
                    f"Newton's method produced a non-finite gradient at step {n_iter} "
                    f"(loss {loss:.4g}, starting loss {loss0:.4g}). {_SEPARABLE_HINT}"
                )
            if gnorm <= tol:
                converged, message = True, f"gradient inf-norm {gnorm:.3g} <= tol={tol:g}"
                break
            if n_iter == max_iter:
                message = f"reached max_iter={max_iter}"
                break
            g = np.ravel(grad)
            d = _newton_direction(np.asarray(hess(x), dtype=np.float64), g)
            slope = float(g @ d)  # > 0 for a descent direction
            d = d.reshape(shape)
            step = 1.0
            while True:
                x_new = x - step * d
                loss_new, grad_new = fun(x_new)
                loss_new = float(loss_new)
                if not line_search or loss_new <= loss - 1e-4 * step * slope:
                    break
                step *= 0.5
                if step < 1e-10:
                    break
            if not line_search and not math.isfinite(loss_new):
                raise DivergenceError(
                    f"Newton's method diverged at step {n_iter + 1}: the loss became "
                    f"{loss_new!r}. Use line_search=True."
                )
            if line_search and step < 1e-10:
                message = (
                    "line search failed: no step decreases the loss (the gradient is at the "
                    "level of rounding error)"
                )
                break
            x, loss, grad = x_new, loss_new, grad_new
            n_iter += 1
            history.append(loss)
            if bar is not None:
                bar.update()
                bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
            if callback is not None and callback(
                IterationInfo(n_iter, x.copy(), loss, float(np.max(np.abs(grad))))
            ):
                gnorm = float(np.max(np.abs(grad)))
                message = "stopped by callback"
                break
    if not converged and not message.startswith("stopped"):
        _warn_not_converged(
            f"Newton's method did not converge ({message}): the gradient inf-norm is "
            f"{gnorm:.3g} > tol={tol:g} after {n_iter} steps. Increase max_iter or tol; "
            "if alpha=0, check whether the classes are linearly separable (then no finite "
            "optimum exists)."
        )
    return OptimizeResult(
        x=x,
        loss=loss,
        n_iter=n_iter,
        converged=converged,
        loss_history=np.asarray(history),
        batch_loss_history=None,
        grad_norm=gnorm,
        message=message,
    )
