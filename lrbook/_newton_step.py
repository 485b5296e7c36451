"""Newton's method, one step: the checked Hessian and the scaled, safeguarded solve.

Private helpers of :func:`lrbook.optim.newton` (kept apart so that ``optim`` stays a
readable size): checks of what ``hess`` returns, the Jacobi-scaled Cholesky /
least-squares solve with its diagnoses (not convex, separable, badly scaled), the
Hessian-free alternative (:class:`HessianOperator`, solved by preconditioned
conjugate gradients: Newton-CG), and the adapter for a combined
``fun(x) -> (loss, grad, H)`` callback.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

LossGrad = Callable[[NDArray[np.float64]], tuple[float, NDArray[Any]]]


_SEPARABLE_HINT = (
    "The Hessian is singular or not positive definite. For logistic or softmax regression "
    "without a penalty (alpha=0) this happens when the classes are linearly separable: the "
    "weights then grow without bound and no finite optimum exists. Use alpha > 0."
)
_SCALING_HINT = (
    "The features are probably badly scaled (values of very different magnitudes, e.g. "
    "1e-3 next to 1e300): standardise them (lrbook.datasets.standardize)."
)


def check_hessian(value: object, p: int, step: int) -> NDArray[np.float64]:
    """The Hessian returned by ``hess``: a finite, symmetric ``(p, p)`` array."""
    hessian = np.asarray(value, dtype=np.float64)
    if hessian.shape != (p, p):
        raise ValueError(
            f"hess returned an array of shape {hessian.shape}, but the parameters have {p} "
            f"entries: the Hessian must have shape ({p}, {p}) (x flattened in C order)"
        )
    if not np.all(np.isfinite(hessian)):
        raise ValueError(
            f"hess returned a Hessian with NaN or inf entries at step {step} although the loss "
            f"and gradient are finite. {_SCALING_HINT}"
        )
    asymmetry = np.max(np.abs(hessian - hessian.T))
    if asymmetry > 1e-8 * np.max(np.abs(hessian)):
        raise ValueError(
            f"hess returned a Hessian that is not symmetric at step {step} (largest "
            f"|H - H.T| = {asymmetry:.3g}): a matrix of second derivatives is symmetric"
        )
    return hessian


def _not_convex(step: int, evidence: str) -> np.linalg.LinAlgError:
    return np.linalg.LinAlgError(
        f"The Hessian is not positive definite at step {step} ({evidence}): the function "
        "is not convex here, and "
        "Newton's step would go uphill. Newton's method needs a convex objective (the "
        "logistic and softmax losses are); use gradient descent for non-convex ones."
    )


def newton_direction(
    hessian: NDArray[np.float64], g: NDArray[np.float64], step: int
) -> NDArray[np.float64]:
    """Solve ``H d = g`` in the basis scaled by ``D = sqrt(diag(H))`` (Jacobi preconditioning).

    ``D^-1 H D^-1`` has a unit diagonal: its conditioning reflects correlations, not feature
    scales (a feature of scale 1e9, or alpha=1e14 next to an unpenalised intercept).  Cholesky,
    or least squares when it is (nearly) singular but positive semidefinite; negative
    curvature is refused.
    """
    diag = np.diag(hessian)
    if np.any(diag < 0):
        raise _not_convex(step, f"a negative diagonal entry, {diag.min():.3g}")
    scale = np.sqrt(np.where(diag > 0, diag, 1.0))
    scaled = hessian / scale[:, None] / scale[None, :]
    gs = g / scale
    if not (np.all(np.isfinite(scaled)) and np.all(np.isfinite(gs))):
        raise np.linalg.LinAlgError(f"The Newton system overflowed at step {step}. {_SCALING_HINT}")
    p = hessian.shape[0]
    try:
        chol = np.linalg.cholesky(scaled)
        pivots = np.diag(chol)
        # A pivot at rounding level means H is numerically singular (Cholesky can still
        # succeed on it): the solve would put a huge, arbitrary component along its null
        # space, so use least squares instead.
        if pivots.min() > np.sqrt(p * np.finfo(np.float64).eps) * pivots.max():
            # Two triangular solves written as general solves: H is tiny (p x p) next to X.
            d = np.linalg.solve(chol.T, np.linalg.solve(chol, gs)) / scale
            if np.all(np.isfinite(d)):
                return d
    except np.linalg.LinAlgError:
        pass
    eigenvalues = np.linalg.eigvalsh(scaled)
    if eigenvalues[0] < -np.sqrt(np.finfo(np.float64).eps) * max(eigenvalues[-1], 1.0):
        raise _not_convex(
            step, f"scaled to a unit diagonal, its smallest eigenvalue is {eigenvalues[0]:.3g}"
        )
    # Minimum-norm least-squares step (in the scaled basis): well defined for a singular
    # positive semidefinite H (e.g. duplicated features without a penalty).
    d = np.asarray(np.linalg.lstsq(scaled, gs, rcond=None)[0], dtype=np.float64) / scale
    if not np.all(np.isfinite(d)):
        raise np.linalg.LinAlgError(_SEPARABLE_HINT)
    return d


@dataclass(frozen=True)
class HessianOperator:
    """The Hessian at one point as the product ``v -> H v`` (Newton-CG), not a matrix.

    ``hess(x)`` may return one instead of an array: :func:`lrbook.optim.newton`
    then finds its step by preconditioned conjugate gradients
    (:func:`cg_direction`), which needs a few products per step instead of the
    ``(p, p)`` matrix. For softmax regression a product costs two reads of the
    data, against ``K (K - 1) / 2`` weighted Gram matrices for the matrix.

    Attributes
    ----------
    matvec : callable
        ``matvec(v) -> H v`` for flat (C-order) vectors of length ``size``.
    precondition : callable
        ``precondition(r) -> M^-1 r`` for a symmetric positive definite ``M``
        approximating ``H`` (any such ``M`` gives the same step; a good one gives
        it in fewer products).
    size : int
        Number of parameters.
    """

    matvec: Callable[[NDArray[Any]], NDArray[Any]]
    precondition: Callable[[NDArray[Any]], NDArray[Any]]
    size: int


#: Conjugate-gradient products allowed per Newton step, as a multiple of the size
#: (exact arithmetic needs at most ``size``; rounding can need a few more).
_CG_MAX_FACTOR = 2


def cg_direction(
    op: HessianOperator, g: NDArray[np.float64], step: int, tol: float = 0.0
) -> tuple[NDArray[np.float64], int]:
    """Inexact Newton step: solve ``H d = g`` by preconditioned conjugate gradients.

    Stops when the residual norm is ``<= max(eta ||g||, tol / 2)`` with the forcing
    term ``eta = min(0.5, sqrt(||g||))`` (superlinear convergence of the outer Newton
    iteration, as scipy's and scikit-learn's ``newton-cg``). The gradient after the
    step is the residual up to second-order terms, so solving below ``tol / 2`` (the
    outer stopping rule's ``max |grad| <= tol``) would be wasted work. A direction of zero
    or negative curvature at the first product is refused with the diagnoses of
    the direct solve (not convex; singular along the gradient, e.g. separable
    classes); later it ends the solve with the last iterate (a descent direction).

    Returns
    -------
    d : ndarray
        The step, ``g @ d > 0``.
    n_products : int
        Hessian-vector products used.
    """
    if op.size != g.size:
        raise ValueError(
            f"hess returned an operator of size {op.size}, but the parameters have {g.size} entries"
        )
    gnorm = float(np.linalg.norm(g))
    target = max(min(0.5, math.sqrt(gnorm)) * gnorm, 0.5 * tol)
    d = np.zeros_like(g)
    r = g.copy()  # residual g - H d
    z = op.precondition(r)
    p = z.copy()
    rz = float(r @ z)
    if not (math.isfinite(rz) and rz > 0):
        raise np.linalg.LinAlgError(f"The Newton system overflowed at step {step}. {_SCALING_HINT}")
    n_products = 0
    for _ in range(_CG_MAX_FACTOR * g.size + 10):
        hp = op.matvec(p)
        n_products += 1
        curvature = float(p @ hp)
        if not math.isfinite(curvature):
            raise np.linalg.LinAlgError(
                f"The Newton system overflowed at step {step}. {_SCALING_HINT}"
            )
        if curvature <= 0:
            if n_products == 1:
                if curvature < 0:
                    raise _not_convex(step, "a direction of negative curvature")
                raise np.linalg.LinAlgError(_SEPARABLE_HINT)
            break
        a = rz / curvature
        d += a * p
        r -= a * hp
        if float(np.linalg.norm(r)) <= target:
            break
        z = op.precondition(r)
        rz_new = float(r @ z)
        p *= rz_new / rz
        p += z
        rz = rz_new
    if not np.all(np.isfinite(d)):
        raise np.linalg.LinAlgError(_SEPARABLE_HINT)
    return d, n_products


def split_combined(
    fun: Callable[[NDArray[np.float64]], Any],
) -> tuple[LossGrad, Callable[[NDArray[np.float64]], NDArray[Any]]]:
    """``fun(x) -> (loss, grad, H)`` as the pair ``fun(x) -> (loss, grad)``, ``hess(x) -> H``.

    ``hess`` returns the Hessian kept from the last ``fun`` call when it was made at
    the same array (Newton asks for the Hessian at the point it just accepted), and
    calls ``fun`` again otherwise.
    """
    last: dict[str, Any] = {}

    def loss_grad(x: NDArray[np.float64]) -> tuple[float, NDArray[Any]]:
        out = fun(x)
        if not isinstance(out, tuple) or len(out) != 3:
            got = f"a tuple of length {len(out)}" if isinstance(out, tuple) else type(out).__name__
            raise ValueError(
                f"with hess=True, fun must return (loss, grad, hessian), got {got}; pass the "
                "Hessian as a separate callable hess(x) otherwise"
            )
        last["x"], last["H"] = x, out[2]
        return out[0], out[1]

    def hessian(x: NDArray[np.float64]) -> NDArray[Any]:
        if last.get("x") is not x:
            loss_grad(x)  # not the point just evaluated: one more pass
        H: NDArray[Any] = last["H"]
        return H

    return loss_grad, hessian
