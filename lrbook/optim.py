"""Functional trainers: full-batch gradient descent, minibatch SGD and Newton/IRLS.

The trainers know nothing about logistic regression: they take callables that
return a loss and its gradient (and, for Newton, the Hessian) and move a
parameter array downhill.  The models in :mod:`lrbook.models` build those
callables from the derived kernels in :mod:`lrbook.losses`.

Stopping rules (``tol``)
------------------------
* :func:`gradient_descent` and :func:`newton` stop when the largest absolute
  entry of the full gradient (its infinity-norm) is ``<= tol``: a smaller
  ``tol`` means a point closer to a stationary point, whichever solver ran.
* :func:`sgd` never sees the full gradient.  It uses the rule of
  scikit-learn's ``SGDClassifier``: after ``n_iter_no_change`` epochs in a row
  whose *epoch loss* (the mean of the epoch's minibatch losses) is not below
  the best one so far minus ``tol``, it stops; ``tol=0`` means a fixed budget
  of ``max_iter`` epochs.

Why a trainer stopped is a value, :class:`StopReason` (``result.status``); the
``result.message`` text is derived from it.  Reaching ``max_iter`` without
meeting ``tol`` warns (scikit-learn's ``ConvergenceWarning``).

Honest results: ``converged=True`` only when the stopping rule was met and the
loss at the returned parameters was evaluated and is not above the starting
loss ``L0``; the returned parameters always have a known loss (see
:class:`OptimizeResult`).  GD and SGD raise :class:`DivergenceError`, naming
the learning rate and suggesting standardised features, when the loss or the
parameters become non-finite, when the loss exceeds ``L0 + 1000 (|L0| + 1)``,
stays above ``L0`` for 10 iterations / epochs in a row, or max_iter / 20 if more (an oscillating step),
or ends above ``L0``: a convex loss trained with a suitable step never rises
above its start.  For SGD, whose losses are noisy, "above" means above
``L0 + 0.1 |L0|``; an SGD run that ends between ``L0`` and that bound warns.
"""

from __future__ import annotations

import enum
import math
import numbers
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.exceptions import ConvergenceWarning

from lrbook._newton_step import (
    HessianOperator,
    cg_direction,
    check_hessian,
    newton_direction,
    split_combined,
)
from lrbook._validation import (
    check_bool,
    check_callback,
    check_function,
    check_int,
    check_learning_rate,
    check_lr_decay,
    check_tol,
)

__all__ = [
    "DivergenceError",
    "IterationInfo",
    "OptimizeResult",
    "StopReason",
    "gradient_descent",
    "newton",
    "sgd",
]

#: A loss that rises more than ``_DIVERGENCE_FACTOR * (|L0| + 1)`` above its
#: starting value ``L0`` is treated as divergence.
_DIVERGENCE_FACTOR = 1e3
#: A loss above its starting value for this many iterations (GD) or epochs
#: (SGD) in a row, or for a twentieth of ``max_iter`` if that is more, is treated as
#: divergence: the step oscillates or climbs. (A logistic loss can overshoot for a
#: while and still settle, as the sigmoid saturates and the curvature falls: on the
#: raw original breast-cancer data a step of 0.7 spends 29 of its first 300 iterations
#: above the start and then converges, so a long run gets a longer patience; a run
#: that ends above its start is refused whatever the patience.)
_ABOVE_START_PATIENCE = 10
#: SGD's losses are noisy: "above the start" means above ``L0 + 0.1 |L0|`` for it.
_SGD_MARGIN = 0.1

LossGrad = Callable[[NDArray[np.float64]], tuple[float, NDArray[Any]]]
BatchLossGrad = Callable[[NDArray[np.float64], NDArray[np.intp]], tuple[float, NDArray[Any]]]
Callback = Callable[["IterationInfo"], Any]


class DivergenceError(FloatingPointError):
    """Training diverged: the loss or the parameters became non-finite, exploded,
    or stayed above the starting loss.

    Raised by the trainers (and so by the estimators' ``fit``) instead of
    returning NaN weights or a model worse than its start.  The message names
    the learning rate in use and suggests a smaller one.

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


class StopReason(enum.Enum):
    """Why a trainer stopped: the value of ``OptimizeResult.status``.

    ``GRADIENT_TOL`` (GD, Newton: the gradient inf-norm reached ``tol``) and
    ``NO_IMPROVEMENT`` (SGD: ``n_iter_no_change`` epochs without improvement)
    are convergence; ``MAX_ITER`` (the iteration limit), ``BUDGET`` (SGD with
    ``tol=0``: the fixed budget of epochs, no early stopping), ``CALLBACK``
    (the callback returned ``True``) and ``LINE_SEARCH`` (Newton: no step
    length decreases the loss) are not.

    Examples
    --------
    >>> from lrbook.optim import StopReason
    >>> StopReason.GRADIENT_TOL.converged, StopReason.BUDGET.converged
    (True, False)
    >>> StopReason.MAX_ITER.describe(max_iter=50, tol=1e-4)
    'reached max_iter=50 without meeting tol=0.0001'
    """

    # each value is the template of the human message
    GRADIENT_TOL = "gradient inf-norm {grad_norm:.3g} <= tol={tol:g}"
    NO_IMPROVEMENT = (
        "epoch loss did not improve by more than tol={tol:g} for {n_iter_no_change} epochs"
    )
    MAX_ITER = "reached max_iter={max_iter} without meeting tol={tol:g}"
    BUDGET = "ran the fixed budget of max_iter={max_iter} epochs (tol=0: no early stop)"
    CALLBACK = "stopped by callback"
    LINE_SEARCH = (
        "line search failed: no step length down to 1e-10 decreases the loss, so the loss "
        "differences are at the level of rounding error (gradient inf-norm {grad_norm:.3g})"
    )

    @property
    def converged(self) -> bool:
        """Whether this reason means the stopping rule was met."""
        return self in (StopReason.GRADIENT_TOL, StopReason.NO_IMPROVEMENT)

    def describe(self, **details: Any) -> str:
        """The human message, with numbers from ``details`` (``tol``, ``max_iter``, ...)."""
        return str(self.value).format(**details)


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
        Returned parameters (same shape as ``x0``), always a point whose loss
        was evaluated: GD returns the iterate with the lowest loss (the last
        iterate when ``tol`` was met; ties go to the later iterate), SGD the
        last iterate, Newton the last iterate.
    loss : float
        Loss at ``x``; for SGD the full-data loss, evaluated once at the end.
    n_iter : int
        Number of parameter updates (GD, Newton) or completed epochs (SGD).
    converged : bool
        ``status.converged`` and ``loss <= initial_loss``: the stopping rule
        was met at ``x``, a point no worse than the start.
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
        Why the trainer stopped, in words (derived from ``status``).
    status : StopReason
        Why the trainer stopped, as a value: branch on this, never on ``message``.
    initial_loss : float
        Loss at ``x0`` (for SGD the full-data loss).
    """

    x: NDArray[np.float64]
    loss: float
    n_iter: int
    converged: bool
    loss_history: NDArray[np.float64]
    batch_loss_history: NDArray[np.float64] | None
    grad_norm: float
    message: str = ""
    status: StopReason = StopReason.MAX_ITER
    initial_loss: float = math.nan


# --------------------------------------------------------------------------- checks
# --------------------------------------------------------------------------- evaluation


def _start(
    x0: ArrayLike, max_iter: object, tol: object, callback: object, progress: object
) -> tuple[NDArray[np.float64], int, float, bool]:
    """The arguments every trainer shares, checked; ``x0`` as a float64 copy."""
    max_iter, tol = check_int(max_iter, "max_iter"), check_tol(tol)
    check_callback(callback)
    progress = check_bool(progress, "progress")
    x = np.array(x0, dtype=np.float64)  # always a copy: the caller's array is never modified
    if x.size == 0:
        raise ValueError(f"x0 must contain at least one parameter, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 contains NaN or inf; start from finite parameters")
    return x, max_iter, tol, progress


def _evaluate(
    fun: Callable[..., Any], name: str, x: NDArray[np.float64], *args: Any, first: bool = False
) -> tuple[float, NDArray[Any]]:
    """Call ``fun(x, *args)`` and check that it returned ``(scalar loss, gradient like x)``;
    at the start (``first``) both must be finite."""
    out = fun(x, *args)
    if not (isinstance(out, tuple | list) and len(out) == 2):
        raise TypeError(
            f"{name} must return a tuple (loss, grad), got {type(out).__name__} {out!r:.80}"
        )
    loss, grad = out
    if np.ndim(loss) != 0 or not isinstance(np.asarray(loss).item(), numbers.Real):
        raise ValueError(
            f"{name} must return a real scalar loss, got {loss!r:.80} (shape {np.shape(loss)}); "
            "return e.g. float(np.mean(losses))"
        )
    if np.shape(grad) != x.shape:
        raise ValueError(
            f"{name} returned a gradient of shape {np.shape(grad)} for parameters of shape "
            f"{x.shape}: the gradient must have the shape of x"
        )
    loss, grad = float(loss), np.asarray(grad, dtype=np.float64)
    if first and not math.isfinite(loss):
        raise ValueError(
            f"{name} returned a non-finite loss ({loss!r}) at the starting point x0; "
            "check the data for NaN/inf and the starting parameters"
        )
    if first and not np.all(np.isfinite(grad)):
        raise ValueError(
            f"{name} returned a non-finite gradient (NaN or inf) at the starting point x0, "
            f"where the loss is finite ({loss:.4g}); check the gradient computation and the "
            "data (features of very different magnitudes overflow: standardise them)"
        )
    return loss, grad


class _Guard:
    """The divergence checks of GD and SGD, against the starting loss ``loss0``."""

    def __init__(
        self,
        method: str,
        loss0: float,
        unit: str,
        learning_rate: float,
        margin: float = 0.0,
        max_iter: int = 0,
    ) -> None:
        self.method, self.loss0, self.unit = method, loss0, unit
        self.high = loss0 + margin * abs(loss0)  # a loss above this is "above the start"
        self.advice = (
            f"with learning_rate={learning_rate!r}. The step is too large for this problem: "
            f"try a smaller learning rate such as learning_rate={learning_rate / 10:g}, and "
            "standardise the features (unscaled features need much smaller steps)."
        )
        if math.isnan(learning_rate):  # Newton without line search
            self.advice = "with pure Newton steps (line_search=False). Use line_search=True."
        self.limit = loss0 + _DIVERGENCE_FACTOR * (abs(loss0) + 1.0)
        self.above = 0  # iterations / epochs in a row with a loss above loss0
        self.patience = max(_ABOVE_START_PATIENCE, max_iter // 20)

    def error(self, what: str) -> DivergenceError:
        return DivergenceError(
            f"{self.method} diverged: {what} (starting loss {self.loss0:.4g}) {self.advice}"
        )

    def check_gradient(self, step: int, loss: float, grad: NDArray[Any]) -> None:
        if not np.all(np.isfinite(grad)):
            raise self.error(
                f"the gradient became non-finite (NaN or inf) at {self.unit} {step}, where the "
                f"loss is {loss:.4g}"
            )

    def check(self, step: int, loss: float) -> None:
        """Raise if ``loss`` (at ``step``) is non-finite, exploded, or stays above the start."""
        if not math.isfinite(loss):
            raise self.error(f"the loss became non-finite ({loss!r}) at {self.unit} {step}")
        if loss > self.limit:
            raise self.error(f"the loss exploded to {loss:.4g} at {self.unit} {step}")
        self.above = self.above + 1 if loss > self.high else 0
        if self.above >= self.patience:
            raise self.error(
                f"the loss stayed above its starting value for {self.above} {self.unit}s in a "
                f"row ({loss:.4g} at {self.unit} {step}): the steps overshoot"
            )

    def check_end(self, loss: float, where: str, status: StopReason) -> None:
        """Raise if the run ends non-finite or above the start (a model worse than ``x0``),
        unless the callback stopped it; warn if it ends within SGD's noise margin above."""
        if not math.isfinite(loss):
            raise self.error(f"the loss at the {where} is non-finite ({loss!r})")
        what = f"the loss at the {where} ({loss:.4g}) is above its starting value"
        if loss > self.high and status is not StopReason.CALLBACK:
            raise self.error(what)
        if loss > self.loss0 and status is not StopReason.CALLBACK:
            _warn_not_converged(f"{self.method}: {what} ({self.loss0:.4g}) {self.advice}")


@contextmanager
def _progress_bar(progress: bool, total: int, desc: str) -> Iterator[Callable[[float], None]]:
    """``tick(loss)``: advances a tqdm bar on stderr when ``progress`` is true, else a no-op."""
    if not progress:
        yield lambda loss: None
        return
    from tqdm.auto import tqdm  # imported lazily: only when a bar is asked for

    bar = tqdm(total=total, desc=desc, unit="epoch", leave=False)

    def tick(loss: float) -> None:
        bar.update()
        bar.set_postfix(loss=f"{loss:.4g}", refresh=False)

    try:
        yield tick
    finally:
        bar.close()


def _warn_not_converged(text: str) -> None:
    warnings.warn(text, ConvergenceWarning, stacklevel=3)


def _result(
    status: StopReason,
    point: tuple[NDArray[np.float64], float, float],
    n_iter: int,
    history: list[float],
    batch_history: list[NDArray[np.float64]] | None,
    initial_loss: float,
    **details: Any,
) -> OptimizeResult:
    x, loss, gnorm = point
    return OptimizeResult(
        x=x,
        loss=loss,
        n_iter=n_iter,
        converged=status.converged and loss <= initial_loss,
        loss_history=np.asarray(history),
        batch_loss_history=None if batch_history is None else np.concatenate(batch_history),
        grad_norm=gnorm,
        message=status.describe(grad_norm=gnorm, **details),
        status=status,
        initial_loss=initial_loss,
    )


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
        ``fun(x) -> (loss, grad)``: a real scalar loss and a gradient shaped
        like ``x`` (checked at every evaluation).
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
        ``x`` is the last iterate when ``tol`` was met, otherwise the iterate
        with the lowest loss; ``loss_history`` holds the loss at
        ``x_0 ... x_{n_iter}``.

    Raises
    ------
    DivergenceError
        If the loss or gradient becomes non-finite, the loss explodes, stays
        above the starting loss for max(10, max_iter // 20) iterations in a row, or ends above it.
    ValueError
        If ``fun`` returns something other than a scalar loss and a gradient
        shaped like ``x``, or a non-finite loss or gradient at ``x0``.

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
    >>> res.x, res.converged, res.n_iter, res.status.name
    (array([3., 3.]), True, 36, 'GRADIENT_TOL')
    """
    check_function(fun, "fun", "fun(x) -> (loss, grad)")
    lr = check_learning_rate(learning_rate)
    x, max_iter, tol, progress = _start(x0, max_iter, tol, callback, progress)
    loss, grad = _evaluate(fun, "fun", x, first=True)
    guard = _Guard("gradient descent", loss, "iteration", lr, max_iter=max_iter)
    gnorm = float(np.max(np.abs(grad)))
    history = [loss]
    best = (x, loss, gnorm)  # x is never modified in place: no copies needed
    n_iter = 0
    with _progress_bar(progress, max_iter, "gradient descent") as tick:
        while True:
            if gnorm <= tol or n_iter == max_iter:
                status = StopReason.GRADIENT_TOL if gnorm <= tol else StopReason.MAX_ITER
                break
            x = x - lr * grad
            n_iter += 1
            loss, grad = _evaluate(fun, "fun", x)
            guard.check(n_iter, loss)
            guard.check_gradient(n_iter, loss, grad)
            gnorm = float(np.max(np.abs(grad)))
            history.append(loss)
            if loss <= best[1]:
                best = (x, loss, gnorm)
            tick(loss)
            if callback is not None and callback(IterationInfo(n_iter, x.copy(), loss, gnorm)):
                status = StopReason.CALLBACK
                break
    guard.check_end(loss, "last iterate", status)
    if status is StopReason.MAX_ITER:
        _warn_not_converged(
            f"Gradient descent did not converge in max_iter={max_iter} iterations: the gradient "
            f"inf-norm is {gnorm:.3g} > tol={tol:g}. Increase max_iter, tune learning_rate "
            f"(now {lr:g}) or standardise the features."
        )
    point = (x, loss, gnorm) if status is StopReason.GRADIENT_TOL else best
    return _result(status, point, n_iter, history, None, guard.loss0, tol=tol, max_iter=max_iter)


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
    fun: LossGrad | None = None,
) -> OptimizeResult:
    """Minibatch stochastic gradient descent with a fresh shuffle every epoch.

    Each epoch draws a permutation of ``range(n_samples)`` from
    ``np.random.default_rng(random_state)``, cuts it into consecutive
    minibatches of ``batch_size`` indices (the last, smaller batch is used, not
    dropped) and updates ``x <- x - step * grad`` after each one.
    ``batch_size=1`` is the per-sample SGD of the classic derivations.  The
    full-data loss is evaluated at ``x0`` and at the end only, to judge the
    result against its start.

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
        Step size of the first epoch.
    max_iter : int, default=100
        Maximum number of epochs.
    tol : float, default=1e-4
        An epoch whose loss is not below ``best_loss - tol`` counts as no
        improvement (``best_loss`` = lowest epoch loss so far).  ``tol=0``
        disables early stopping: exactly ``max_iter`` epochs are run (a fixed
        budget; ``status`` is ``StopReason.BUDGET`` and nothing is warned).
    n_iter_no_change : int, default=5
        Stop (converged) after this many epochs without improvement in a row.
    lr_decay : float, default=0.0
        Step-size schedule: epoch ``e = 1, 2, ...`` uses
        ``learning_rate / (1 + lr_decay * (e - 1))``.  A constant step only
        reaches a noisy neighbourhood of the optimum; a decaying one converges.
    random_state : int, Generator or None, default=None
        Seed for the shuffles; the same seed gives bit-identical results.
    callback : callable, default=None
        Called after every epoch with an :class:`IterationInfo`; returning
        ``True`` stops training.
    progress : bool, default=False
        Show a tqdm progress bar (one tick per epoch) on stderr.
    fun : callable, default=None
        ``fun(x) -> (loss, grad)`` on all the data, used only for the two
        full-data losses (the gradient is ignored).  By default
        ``fun_batch(x, np.arange(n_samples))``.

    Returns
    -------
    OptimizeResult
        ``x`` is the last iterate and ``loss`` its full-data loss;
        ``loss_history`` has one epoch loss per epoch (mean of that epoch's
        minibatch losses); ``batch_loss_history`` has every minibatch loss.

    Raises
    ------
    DivergenceError
        If a minibatch loss or gradient becomes non-finite, the epoch loss
        explodes or stays above the starting loss (+10%) for max(10, max_iter // 20) epochs in a
        row, or the full-data loss at the end is above the start (+10%).
    ValueError
        If ``fun_batch`` returns something other than a scalar loss and a
        gradient shaped like ``x``.

    Warns
    -----
    ConvergenceWarning
        If ``max_iter`` epochs ran with ``tol > 0`` without meeting the
        stopping rule, or the final loss is above the start by less than 10%.

    Notes
    -----
    When ``fun_batch`` is a linear model's own minibatch function (the estimators'
    ``solver="sgd"``), whole epochs run fused (``lrbook._sgd``; compiled by numba
    with ``lrbook[fast]``, unless ``LRBOOK_FAST=0``): the same shuffles, minibatch
    losses, stopping rule and divergence checks (a non-finite minibatch is reported
    at the end of its epoch), with iterates equal to this loop's up to rounding.

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
    >>> res.x, res.converged, res.status.name
    (array([4.5]), True, 'NO_IMPROVEMENT')
    """
    check_function(fun_batch, "fun_batch", "fun_batch(x, idx) -> (loss, grad)")
    if fun is not None:
        check_function(fun, "fun", "fun(x) -> (loss, grad), or None")
    n_samples = check_int(n_samples, "n_samples")
    batch_size = min(check_int(batch_size, "batch_size"), n_samples)
    lr = check_learning_rate(learning_rate)
    n_iter_no_change = check_int(n_iter_no_change, "n_iter_no_change")
    lr_decay = check_lr_decay(lr_decay)
    x, max_iter, tol, progress = _start(x0, max_iter, tol, callback, progress)
    rng = np.random.default_rng(random_state)

    # A linear model's minibatches run as fused epochs (lrbook._sgd): same shuffles, same
    # losses and checks, without the per-minibatch calls (the iterates agree up to rounding).
    fused = _fused_epochs(fun_batch, x.shape)

    def full_loss(v: NDArray[np.float64], first: bool = False) -> float:
        if fused is not None:
            return _evaluate(lambda p: (fused.loss(p), p), "fun", v, first=first)[0]
        if fun is not None:
            return _evaluate(fun, "fun", v, first=first)[0]
        return _evaluate(fun_batch, "fun_batch", v, np.arange(n_samples), first=first)[0]

    guard = _Guard("SGD", full_loss(x, first=True), "epoch", lr, _SGD_MARGIN, max_iter)
    n_batches = -(-n_samples // batch_size)  # ceil: the last partial batch counts
    starts = range(0, n_samples, batch_size)
    epoch_losses: list[float] = []
    batch_losses: list[NDArray[np.float64]] = []  # grown per epoch: max_iter may be huge
    best, no_improvement, n_epochs = math.inf, 0, 0
    gnorm = math.nan
    status = StopReason.MAX_ITER if tol > 0 else StopReason.BUDGET
    with _progress_bar(progress, max_iter, "SGD") as tick:
        for epoch in range(1, max_iter + 1):
            perm = rng.permutation(n_samples)
            step = lr / (1.0 + lr_decay * (epoch - 1))
            if fused is not None:
                x, losses, grad = fused.epoch(x, perm, step, batch_size)
                _check_fused_epoch(guard, epoch, x, losses, grad)
            else:
                losses = np.empty(n_batches)
                for b, start in enumerate(starts):
                    loss, grad = _evaluate(
                        fun_batch, "fun_batch", x, perm[start : start + batch_size]
                    )
                    if not math.isfinite(loss):
                        raise guard.error(f"a minibatch loss became non-finite in epoch {epoch}")
                    guard.check_gradient(epoch, loss, grad)
                    losses[b] = loss
                    x = x - step * grad
            n_epochs = epoch
            batch_losses.append(losses)
            epoch_loss = float(np.mean(losses))
            gnorm = float(np.max(np.abs(grad)))
            guard.check(epoch, epoch_loss)
            epoch_losses.append(epoch_loss)
            tick(epoch_loss)
            if callback is not None and callback(
                IterationInfo(epoch, x.copy(), epoch_loss, math.nan)
            ):
                status = StopReason.CALLBACK
                break
            if tol > 0:
                no_improvement = no_improvement + 1 if epoch_loss > best - tol else 0
                best = min(best, epoch_loss)
                if no_improvement >= n_iter_no_change:
                    status = StopReason.NO_IMPROVEMENT
                    break
    loss = full_loss(x)
    guard.check_end(loss, "last iterate (full-data loss)", status)
    if status is StopReason.MAX_ITER:
        _warn_not_converged(
            f"SGD did not converge in max_iter={max_iter} epochs: the epoch loss was still "
            f"improving by more than tol={tol:g}. Increase max_iter or tol, or tune learning_rate "
            f"(now {lr:g})."
        )
    details = {"tol": tol, "max_iter": max_iter, "n_iter_no_change": n_iter_no_change}
    return _result(
        status, (x, loss, gnorm), n_epochs, epoch_losses, batch_losses, guard.loss0, **details
    )


def _direction(h: object, g: NDArray[Any], step: int, tol: float) -> NDArray[np.float64]:
    """Newton direction from what ``hess`` returned: a matrix, or a product operator."""
    if isinstance(h, HessianOperator):
        return cg_direction(h, g, step, tol)[0]
    return newton_direction(check_hessian(h, g.size, step), g, step)


def _fused_epochs(fun_batch: BatchLossGrad, shape: tuple[int, ...]) -> Any:
    """``lrbook._sgd.LinearEpochs`` when ``fun_batch`` is a linear model's minibatch
    (parameters of the objective's shape), else None (the per-minibatch loop)."""
    if getattr(fun_batch, "__self__", None) is None:  # not a bound method: no import at all
        return None
    from lrbook._sgd import linear_epochs

    fused = linear_epochs(fun_batch)
    if fused is None or shape != (fused.X.shape[1] + fused.fi, *fused.T.shape[1:]):
        return None
    return fused


def _check_fused_epoch(
    guard: _Guard, epoch: int, x: NDArray[np.float64], losses: NDArray[Any], grad: NDArray[Any]
) -> None:
    """The per-minibatch checks of :func:`sgd`, after a fused epoch: NaN and inf propagate
    through the updates, so a non-finite loss or gradient anywhere shows here."""
    if not np.all(np.isfinite(losses)):
        raise guard.error(f"a minibatch loss became non-finite in epoch {epoch}")
    if not np.all(np.isfinite(x)):
        raise guard.error(
            f"the gradient became non-finite (NaN or inf) at epoch {epoch}, where the "
            f"minibatch losses are finite (last {losses[-1]:.4g})"
        )
    guard.check_gradient(epoch, float(losses[-1]), grad)


def newton(
    fun: LossGrad | Callable[[NDArray[np.float64]], tuple[float, NDArray[Any], NDArray[Any]]],
    hess: Callable[[NDArray[np.float64]], NDArray[Any]] | Literal[True],
    x0: ArrayLike,
    *,
    max_iter: int = 100,
    tol: float = 1e-8,
    line_search: bool = True,
    callback: Callback | None = None,
    progress: bool = False,
) -> OptimizeResult:
    """Newton's method (IRLS for logistic regression) with a backtracking line search.

    Each iteration solves ``H d = g`` in the diagonally scaled basis
    ``D^-1 H D^-1``, ``D = sqrt(diag(H))`` (Cholesky, or least squares when it is
    singular), accurate even for features of very different scales, and moves
    ``x <- x - t d``, where ``t`` starts at 1 and is halved until the loss
    decreases enough (Armijo condition ``f(x - t d) <= f(x) - 1e-4 t g.d``).
    Near the optimum ``t = 1`` is always accepted and convergence is quadratic.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (loss, grad)``: a real scalar loss and a gradient shaped
        like ``x``.
    hess : callable or True
        ``hess(x) -> H``: a finite symmetric array of shape
        ``(x.size, x.size)``, for ``x`` flattened in C order. ``True`` means
        that ``fun(x)`` returns ``(loss, grad, H)`` in one call (scipy's
        ``jac=True`` convention): one pass over the data per trial point instead
        of two, which matters when the data are read from disk or a cluster
        (:mod:`lrbook` on Dask arrays). The Hessian at a rejected trial point is
        then computed and discarded.
        ``hess(x)`` may also return a ``HessianOperator`` of
        ``lrbook._newton_step`` (Hessian-vector products, as lrbook's
        softmax regression on many rows does): the step is then solved by
        preconditioned conjugate gradients (Newton-CG) to a relative residual
        ``min(0.5, sqrt(||g||))`` (or to ``tol / 2``); the stopping rule is the same.
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
        ``x`` is the last iterate; ``loss_history`` holds the loss at
        ``x_0 ... x_{n_iter}`` (decreasing, with the line search).

    Raises
    ------
    numpy.linalg.LinAlgError
        If no Newton step can be computed: the Hessian is not positive
        definite (a non-convex function), or singular along the gradient (the
        message explains separability), or the system overflows.
    ValueError
        If ``fun`` or ``hess`` return values of the wrong kind or shape, a
        NaN/inf or non-symmetric Hessian.
    DivergenceError
        If the gradient becomes non-finite, or (without line search) the loss
        becomes non-finite or ends above the starting loss.

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
    >>> res.n_iter, bool(np.allclose(A @ res.x, b)), res.status.name
    (1, True, 'GRADIENT_TOL')
    """
    if hess is True:
        check_function(fun, "fun", "fun(x) -> (loss, grad, hessian) (hess=True)")
        fun, hess = split_combined(fun)
    check_function(fun, "fun", "fun(x) -> (loss, grad)")
    check_function(hess, "hess", "hess(x) -> (p, p) array, or True")
    line_search = check_bool(line_search, "line_search")
    x, max_iter, tol, progress = _start(x0, max_iter, tol, callback, progress)
    shape = x.shape

    loss, grad = _evaluate(fun, "fun", x, first=True)
    loss0 = loss
    guard = _Guard("Newton's method", loss, "step", math.nan)
    gnorm = float(np.max(np.abs(grad)))
    history = [loss]
    n_iter = 0
    with _progress_bar(progress, max_iter, "Newton") as tick:
        while True:
            if not math.isfinite(gnorm):
                raise DivergenceError(
                    f"Newton's method: fun returned a non-finite gradient (NaN or inf) at step "
                    f"{n_iter}, where the loss is {loss:.4g}: check the gradient computation, "
                    "and standardise features that span many orders of magnitude"
                )
            if gnorm <= tol or n_iter == max_iter:
                status = StopReason.GRADIENT_TOL if gnorm <= tol else StopReason.MAX_ITER
                break
            g = np.ravel(grad)
            d = _direction(hess(x), g, n_iter, tol)
            slope = float(g @ d)  # > 0 for a descent direction
            d = d.reshape(shape)
            step = 1.0
            while True:
                x_new = x - step * d
                loss_new, grad_new = _evaluate(fun, "fun", x_new)
                if not line_search or loss_new <= loss - 1e-4 * step * slope:
                    break
                step *= 0.5
                if step < 1e-10:
                    break
            if not line_search:
                guard.check(n_iter + 1, loss_new)
            if line_search and step < 1e-10:
                status = StopReason.LINE_SEARCH
                break
            x, loss, grad = x_new, loss_new, grad_new
            gnorm = float(np.max(np.abs(grad)))
            n_iter += 1
            history.append(loss)
            tick(loss)
            if callback is not None and callback(IterationInfo(n_iter, x.copy(), loss, gnorm)):
                status = StopReason.CALLBACK
                break
    if not line_search:
        guard.check_end(loss, "last iterate", status)
    if status in (StopReason.MAX_ITER, StopReason.LINE_SEARCH):
        reason = status.describe(max_iter=max_iter, tol=tol, grad_norm=gnorm)
        _warn_not_converged(
            f"Newton's method did not converge ({reason}): the gradient inf-norm is "
            f"{gnorm:.3g} > tol={tol:g} after {n_iter} steps. Increase "
            "max_iter or tol; if alpha=0, check whether the classes are linearly separable "
            "(then no finite optimum exists)."
        )
    return _result(
        status, (x, loss, gnorm), n_iter, history, None, loss0, tol=tol, max_iter=max_iter
    )
