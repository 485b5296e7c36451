"""scikit-learn compatible estimators built on the derived kernels and the trainers.

* :class:`LogisticRegression`: binary logistic regression (GD, SGD or Newton/IRLS).
* :class:`SoftmaxRegression`: multinomial (softmax) regression, same solvers.
* :class:`MLPClassifier`: one hidden layer trained by backpropagation (GD or SGD).
* :class:`LinearRegression`: least squares by the normal equation, ``lstsq`` or GD.

All four subclass scikit-learn's ``BaseEstimator`` and use its validation
helpers, so they work in pipelines, grid searches and ``cross_val_score``, and
pass ``sklearn.utils.estimator_checks``.

The penalised objective of the classifiers is the (sample-weighted) *mean*
loss plus ``alpha / 2 * ||W||^2`` with unpenalised intercepts.
scikit-learn's ``LogisticRegression(C=C)`` minimises ``C * sum(loss) + ||w||^2 / 2``,
the same problem with ``alpha = 1 / (C * n_samples)``.

The loss, gradient and Hessian callables handed to :mod:`lrbook.optim` call
the generated kernels of :mod:`lrbook.kernels` directly (the public functions
of :mod:`lrbook.losses` compute the same quantities but validate their
arguments on every call, which would cost a pass over ``X`` per step).  The
full-batch gradient reads ``X`` once, in cache-sized row blocks; a minibatch
gradient touches only the rows of its batch.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from lrbook import kernels as K
from lrbook._primitives import log_sigmoid, log_softmax, sigmoid, softmax
from lrbook._validation import check_int, check_learning_rate, check_lr_decay, check_tol
from lrbook.optim import OptimizeResult, gradient_descent, newton, sgd

__all__ = ["LinearRegression", "LogisticRegression", "MLPClassifier", "SoftmaxRegression"]

FloatArray = NDArray[np.floating[Any]]

#: Bytes of ``X`` processed per block by the full-batch gradients (about L2-cache sized).
_BLOCK_BYTES = 1 << 20

#: Rows x columns x columns budget of one Hessian block product ``X_b.T @ (s_b * X_b)``.
#: OpenBLAS splits larger tall-skinny products over threads, which measured 5-10x slower
#: here for 20 columns (thread start-up per call, worse on a busy machine); blocks of this
#: size stay single-threaded and in cache, and sum to the same matrix.
_HESS_BLOCK_MNK = 1 << 19


# ============================================================================ validation


def _check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {name}={value!r}")
    return value


def _check_alpha(alpha: object) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(
            f"alpha must be a finite number >= 0, got {alpha!r} (type {type(alpha).__name__})"
        )
    a = float(alpha)
    if not (math.isfinite(a) and a >= 0):
        raise ValueError(
            f"alpha must be a finite number >= 0 (L2 strength on the mean loss), got alpha={alpha!r}; "
            "scikit-learn's C corresponds to alpha = 1 / (C * n_samples)"
        )
    return a


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {name}={value!r}")
    return bool(value)


def _check_random_state(random_state: object) -> None:
    ok = random_state is None or isinstance(random_state, np.random.Generator)
    ok = ok or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool))
    if not ok:
        raise TypeError(
            "random_state must be None, an int or a numpy.random.Generator, got "
            f"random_state={random_state!r}"
        )


def _validate_X(estimator: BaseEstimator, X: ArrayLike, *, reset: bool) -> FloatArray:
    # accept_sparse=False: a sparse X raises scikit-learn's TypeError ("Sparse data was passed
    # for X, but dense data is required. Use '.toarray()' ...").
    return validate_data(estimator, X, reset=reset, dtype=np.float64)


def _sample_weight(sample_weight: ArrayLike | None, X: FloatArray) -> FloatArray | None:
    """Validated weights rescaled to mean 1 (so a weighted mean is ``mean(sw * loss)``)."""
    if sample_weight is None:
        return None
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    # _check_sample_weight already rejects all-zero weights (allow_all_zero_weights=False).
    return sw * (sw.shape[0] / np.sum(sw))


_add_reduce = np.add.reduce  # ndarray.sum without the Python wrapper (same pairwise sum)


def _rows_per_block(n_columns: int) -> int:
    return max(1, _BLOCK_BYTES // (8 * max(n_columns, 1)))


# ============================================================================ loss callables
#
# Parameter layout (as in lrbook.losses): intercept first.  Binary: params (p,) with
# p = n_features + fit_intercept; softmax: params (p, K).  ``sw`` is None or weights with
# mean 1, so every objective below is ``mean(sw * loss) + alpha/2 ||W||^2``.


def _split(params: FloatArray, fit_intercept: bool) -> tuple[Any, FloatArray]:
    if fit_intercept:
        return params[0], params[1:]
    return 0.0, params


class _LinearObjective:
    """Mean BCE (``n_classes=None``) or softmax CE objective with L2 penalty on ``W``.

    ``fun`` is the full-batch loss and gradient (one blocked pass over ``X``,
    keeping the logits for ``hess``); ``fun_batch`` evaluates a minibatch;
    ``hess`` is the Newton/IRLS Hessian.
    """

    def __init__(
        self,
        X: FloatArray,
        T: FloatArray,
        sw: FloatArray | None,
        alpha: float,
        fit_intercept: bool,
        multinomial: bool,
    ) -> None:
        self.X, self.T, self.sw, self.alpha = X, T, sw, alpha
        self.fit_intercept, self.multinomial = fit_intercept, multinomial
        self.n, self.d = X.shape
        self.K = T.shape[1] if multinomial else 1
        self.step = _rows_per_block(self.d * self.K)
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
        W = params[fi:] if fi else params
        zb = Xb.dot(W) if zb is None else Xb.dot(W, out=zb)
        if fi:
            np.add(zb, params[0], out=zb)
        if self.multinomial:
            lb, rb = K.ce_loss_dz(Tb, zb)  # loss and softmax(Z) - Y, one log_softmax
            if swb is not None:
                rb *= swb[:, None]
        else:
            lb, rb = K.bce_loss_dz(Tb, zb)  # loss and sigmoid(z) - y, one exp
            if swb is not None:
                rb *= swb
        if swb is not None:
            lb *= swb
        grad = np.empty_like(params)
        Xb.T.dot(rb, out=grad[fi:])
        if fi:
            grad[0] = _add_reduce(rb, axis=0)
        return zb, float(_add_reduce(lb)), grad

    def _penalise(self, params: FloatArray, loss: float, grad: FloatArray) -> float:
        if self.alpha:
            W = params[self.fit_intercept :]
            grad[self.fit_intercept :] += self.alpha * W
            loss += 0.5 * self.alpha * float(np.vdot(W, W))
        return loss

    # -- full batch ---------------------------------------------------------------------
    def fun(self, params: FloatArray) -> tuple[float, FloatArray]:
        X, T, sw = self.X, self.T, self.sw
        z = np.empty((self.n, self.K) if self.multinomial else self.n)
        grad = np.zeros_like(params)
        total = 0.0
        for s in range(0, self.n, self.step):
            e = s + self.step
            _, lb, gb = self._block(params, X[s:e], T[s:e], None if sw is None else sw[s:e], z[s:e])
            total += lb
            grad += gb
        self._z, self._z_at = z, params.copy()
        grad /= self.n
        return self._penalise(params, total / self.n, grad), grad

    # -- minibatch ----------------------------------------------------------------------
    def fun_batch(self, params: FloatArray, idx: NDArray[np.intp]) -> tuple[float, FloatArray]:
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
        if self._z is None or self._z_at is None or not np.array_equal(params, self._z_at):
            self.fun(params)
        assert self._z is not None
        return self._hess_multinomial() if self.multinomial else self._hess_binary()

    def _hess_binary(self) -> FloatArray:
        assert self._z is not None
        d, fi = self.d, self.fit_intercept
        p = d + fi
        H = np.zeros((p, p))
        step = max(64, _HESS_BLOCK_MNK // (d * d + 1))
        for s in range(0, self.n, step):
            e = s + step
            Xb = self.X[s:e]
            wb = K.bce_d2z(self._z[s:e])  # IRLS weights sigma(z) sigma(-z)
            if self.sw is not None:
                wb *= self.sw[s:e]
            Xs = Xb * wb[:, None]
            H[fi:, fi:] += Xs.T @ Xb
            if fi:
                H[0, 0] += np.sum(wb)
                H[0, 1:] += Xb.T @ wb
        if fi:
            H[1:, 0] = H[0, 1:]
        H /= self.n
        H[np.arange(fi, p), np.arange(fi, p)] += self.alpha
        return H

    def _hess_multinomial(self) -> FloatArray:
        assert self._z is not None
        d, fi, Kc = self.d, self.fit_intercept, self.K
        p = d + fi
        H = np.zeros((p, p, Kc, Kc))  # H[i, j, k, l] = sum_n x_ni x_nj A_nkl
        eye = np.eye(Kc)
        # A_nkl is symmetric in k, l, and each row of the softmax Jacobian sums to zero
        # (sum_l p_k (delta_kl - p_l) = 0), so the blocks of the last class follow from the
        # others: Gram matrices only for pairs k <= l < K - 1 (10 instead of 15 for K = 5).
        last = Kc - 1
        pairs = [(k, c) for k in range(last) for c in range(k, last)]
        step = max(64, _HESS_BLOCK_MNK // (d * d + 1))
        for s in range(0, self.n, step):
            e = s + step
            Xb = self.X[s:e]
            P = softmax(self._z[s:e])
            A = K.softmax_jacobian(P[:, :, None], P[:, None, :], eye)  # (m, K, K)
            if self.sw is not None:
                A *= self.sw[s:e, None, None]
            for k, c in pairs:
                a = A[:, k, c]
                Xs = Xb * a[:, None]
                H[fi:, fi:, k, c] += Xs.T @ Xb  # one weighted Gram matrix per class pair
                if fi:
                    H[0, 0, k, c] += np.sum(a)
                    H[0, 1:, k, c] += Xb.T @ a
        for k, c in pairs:
            if fi:
                H[1:, 0, k, c] = H[0, 1:, k, c]
            H[:, :, c, k] = H[:, :, k, c]
        for k in range(last):
            H[:, :, k, last] = -H[:, :, k, :last].sum(axis=2)
            H[:, :, last, k] = H[:, :, k, last]
        H[:, :, last, last] = -H[:, :, last, :last].sum(axis=2)
        H /= self.n
        H = H.transpose(0, 2, 1, 3).reshape(p * Kc, p * Kc)
        diag = np.arange(fi * Kc, p * Kc)
        H[diag, diag] += self.alpha
        # Softmax is unchanged when the same constant is added to every class's logit, so
        # H is singular along "all ones over the classes" of each unpenalised row.  The
        # gradient has no component there; adding the projector onto those directions makes
        # H invertible without changing the Newton step anywhere else (the step then keeps
        # sum_k params[j, k] at its starting value 0).
        gauge_rows = range(p) if self.alpha == 0 else range(fi)
        for j in gauge_rows:
            H[j * Kc : (j + 1) * Kc, j * Kc : (j + 1) * Kc] += 1.0 / Kc
        return H


class _MLPObjective:
    """Mean cross-entropy of a one-hidden-layer network, parameters as one flat vector.

    The vector layout is that of :func:`lrbook.losses.mlp_params_to_vector`
    (W1, b1, W2, b2, C order); the forward and backward passes use the same
    generated kernels as :func:`lrbook.losses.mlp_loss_grad`.
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
        self.X, self.T, self.sw, self.alpha = X, T, sw, alpha
        self.d = X.shape[1]
        self.h = hidden_units
        self.o = T.shape[1]
        self.activation = activation
        d, h, o = self.d, self.h, self.o
        self.bounds = np.cumsum([0, d * h, h, h * o, o])

    def unpack(self, v: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
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
        z1 = X @ W1
        z1 += b1
        a1 = sigmoid(z1) if self.activation == "sigmoid" else np.tanh(z1)
        z2 = a1 @ W2
        z2 += b2
        if self.o == 1:
            losses, delta2 = K.bce_loss_dz(T, z2)
            losses = losses[:, 0]
        else:
            losses, delta2 = K.ce_loss_dz(T, z2)
        if sw is not None:
            losses = losses * sw
            delta2 = delta2 * sw[:, None]
        delta2 /= m
        back = delta2 @ W2.T
        if self.activation == "sigmoid":
            delta1 = K.mlp_delta_hidden(back, a1)
        else:
            delta1 = back * K.tanh_dz_from_output(a1)
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
        return self._evaluate(v, self.X, self.T, self.sw)

    def fun_batch(self, v: FloatArray, idx: NDArray[np.intp]) -> tuple[float, FloatArray]:
        return self._evaluate(
            v, self.X[idx], self.T[idx], None if self.sw is None else self.sw[idx]
        )


def _run_solver(
    solver: str,
    objective: _LinearObjective | _MLPObjective,
    x0: FloatArray,
    est: Any,
    rng: np.random.Generator | int | None,
) -> OptimizeResult:
    n = objective.X.shape[0]
    if solver == "gd":
        return gradient_descent(
            objective.fun,
            x0,
            learning_rate=est.learning_rate,
            max_iter=est.max_iter,
            tol=est.tol,
            progress=est.progress,
        )
    if solver == "sgd":
        return sgd(
            objective.fun_batch,
            x0,
            n,
            batch_size=est.batch_size,
            learning_rate=est.learning_rate,
            max_iter=est.max_iter,
            tol=est.tol,
            n_iter_no_change=est.n_iter_no_change,
            lr_decay=est.lr_decay,
            random_state=rng,
            progress=est.progress,
        )
    assert isinstance(objective, _LinearObjective)
    return newton(
        objective.fun, objective.hess, x0, max_iter=est.max_iter, tol=est.tol, progress=est.progress
    )


# ============================================================================ classifiers


class _BaseClassifier(ClassifierMixin, BaseEstimator):
    """Shared validation and prediction code of the classifiers."""

    _solvers: tuple[str, ...] = ("gd", "sgd", "newton")

    def _validate_common(self) -> None:
        _check_choice(self.solver, "solver", self._solvers)
        check_learning_rate(self.learning_rate)
        check_int(self.max_iter, "max_iter")
        check_int(self.batch_size, "batch_size")
        check_tol(self.tol)
        check_int(self.n_iter_no_change, "n_iter_no_change")
        check_lr_decay(self.lr_decay)
        _check_alpha(self.alpha)
        _check_bool(self.progress, "progress")
        _check_random_state(self.random_state)

    def _validate_fit_data(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None
    ) -> tuple[FloatArray, NDArray[np.intp], FloatArray | None]:
        Xa, ya = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(ya)
        self.classes_, codes = np.unique(ya, return_inverse=True)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but the "
                f"data contains only one class: {self.classes_[0].item()!r}"
            )
        sw = _sample_weight(sample_weight, Xa)
        return Xa, codes.astype(np.intp), sw

    def _store_result(self, res: OptimizeResult) -> None:
        self.n_iter_ = res.n_iter
        self.loss_curve_ = res.loss_history
        self.batch_loss_curve_ = res.batch_loss_history
        self.converged_ = res.converged

    def _warn_if_separable(self, scores: FloatArray, codes: NDArray[np.intp]) -> None:
        """With alpha=0, a perfect training fit means no finite optimum exists: say so."""
        if self.alpha != 0:
            return
        if scores.ndim == 1:
            margin = np.where(codes == 1, scores, -scores)
        else:
            true = scores[np.arange(codes.shape[0]), codes]
            other = scores.copy()
            other[np.arange(codes.shape[0]), codes] = -np.inf
            margin = true - other.max(axis=1)
        if np.all(margin > 0):
            self.converged_ = False
            warnings.warn(
                "The training data are linearly separable and alpha=0: the unpenalised "
                "maximum-likelihood weights do not exist (the loss keeps decreasing as the "
                "weights grow without bound), so the returned coefficients depend on tol and "
                "max_iter. Use alpha > 0 (e.g. alpha=1/n_samples, scikit-learn's C=1).",
                ConvergenceWarning,
                stacklevel=3,
            )

    def predict_log_proba(self, X: ArrayLike) -> FloatArray:
        """Log of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return self._log_proba_from_logits(self._logits(X))

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to one.
        """
        return self._proba_from_logits(self._logits(X))

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        z = self._logits(X)
        if z.ndim == 1 or z.shape[1] == 1:
            return self.classes_[(np.ravel(z) > 0).astype(np.intp)]
        return self.classes_[np.argmax(z, axis=1)]

    @staticmethod
    def _proba_from_logits(z: FloatArray) -> FloatArray:
        if z.ndim == 1 or z.shape[1] == 1:
            z = np.ravel(z)
            # 1 - sigmoid(z) is written sigmoid(-z): no cancellation for large z.
            return np.column_stack([sigmoid(-z), sigmoid(z)])
        return softmax(z, axis=1)

    @staticmethod
    def _log_proba_from_logits(z: FloatArray) -> FloatArray:
        if z.ndim == 1 or z.shape[1] == 1:
            z = np.ravel(z)
            return np.column_stack([log_sigmoid(-z), log_sigmoid(z)])
        return log_softmax(z, axis=1)

    def _logits(self, X: ArrayLike) -> FloatArray:
        raise NotImplementedError


class _LinearClassifier(_BaseClassifier):
    _multinomial = False

    def __init__(
        self,
        solver: str = "newton",
        *,
        learning_rate: float = 0.1,
        max_iter: int = 100,
        batch_size: int = 32,
        alpha: float = 1e-4,
        tol: float = 1e-4,
        n_iter_no_change: int = 5,
        lr_decay: float = 0.0,
        fit_intercept: bool = True,
        random_state: int | np.random.Generator | None = None,
        progress: bool = False,
    ) -> None:
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.alpha = alpha
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.lr_decay = lr_decay
        self.fit_intercept = fit_intercept
        self.random_state = random_state
        self.progress = progress

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Any:
        """Fit the model to training data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs (dense, finite, real).
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, strings, ...).
        sample_weight : array-like of shape (n_samples,), default=None
            Nonnegative weights; the loss is their weighted mean.

        Returns
        -------
        self
            The fitted estimator.

        Raises
        ------
        lrbook.optim.DivergenceError
            If GD/SGD diverge (learning rate too large for the data).

        Warns
        -----
        sklearn.exceptions.ConvergenceWarning
            If the solver did not meet ``tol`` within ``max_iter``, or ``alpha=0``
            and the classes are linearly separable (no finite optimum).
        """
        self._validate_common()
        fit_intercept = _check_bool(self.fit_intercept, "fit_intercept")
        X, codes, sw = self._validate_fit_data(X, y, sample_weight)
        n_classes = self.classes_.shape[0]
        if not self._multinomial and n_classes > 2:
            raise ValueError(
                "Only binary classification is supported. The type of the target is "
                f"multiclass: y has {n_classes} classes {list(self.classes_[:5])}. Use "
                "SoftmaxRegression for more than two classes."
            )
        if self._multinomial:
            T = np.zeros((X.shape[0], n_classes))
            T[np.arange(X.shape[0]), codes] = 1.0
            x0 = np.zeros((X.shape[1] + fit_intercept, n_classes))
        else:
            T = codes.astype(np.float64)
            x0 = np.zeros(X.shape[1] + fit_intercept)
        objective = _LinearObjective(
            X, T, sw, float(self.alpha), fit_intercept, multinomial=self._multinomial
        )
        res = _run_solver(self.solver, objective, x0, self, self.random_state)
        params = res.x
        if self._multinomial:
            W = params[fit_intercept:].T.copy()  # (K, d)
            b = params[0].copy() if fit_intercept else np.zeros(n_classes)
            # Softmax ignores a common shift of the logits: report the canonical
            # representative whose intercepts (and, with alpha=0, weights) sum to zero.
            b -= b.mean()
            if self.alpha == 0:
                W -= W.mean(axis=0)
            self.coef_, self.intercept_ = W, b
        else:
            self.coef_ = params[fit_intercept:][None, :].copy()
            self.intercept_ = np.array([params[0] if fit_intercept else 0.0])
        self._store_result(res)
        self._warn_if_separable(self._raw_logits(X), codes)
        return self

    def _raw_logits(self, X: FloatArray) -> FloatArray:
        if self._multinomial:
            return X @ self.coef_.T + self.intercept_
        return X @ self.coef_[0] + self.intercept_[0]

    def _logits(self, X: ArrayLike) -> FloatArray:
        check_is_fitted(self)
        return self._raw_logits(_validate_X(self, X, reset=False))

    def decision_function(self, X: ArrayLike) -> FloatArray:
        """Logits: ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
            Positive values (two classes) favour ``classes_[1]``.  For
            :class:`SoftmaxRegression` with two classes this is the logit
            difference ``z_1 - z_0`` (scikit-learn's binary convention).
        """
        z = self._logits(X)
        if z.ndim == 2 and z.shape[1] == 2:
            return z[:, 1] - z[:, 0]
        return z


_LINEAR_PARAMS_DOC = """
    Parameters
    ----------
    solver : {"newton", "gd", "sgd"}, default="newton"
        ``"newton"``: Newton's method / IRLS with a backtracking line search
        (a handful of iterations; ``learning_rate`` and ``batch_size`` unused).
        ``"gd"``: full-batch gradient descent.  ``"sgd"``: minibatch SGD,
        reshuffled every epoch.
    learning_rate : float, default=0.1
        Constant step size of ``"gd"`` and ``"sgd"``.  Standardise the features
        first: on unscaled data even 0.1 diverges (a
        :class:`~lrbook.optim.DivergenceError` names the value).
    max_iter : int, default=100
        Maximum number of iterations (``"gd"``, ``"newton"``) or epochs
        (``"sgd"``).
    batch_size : int, default=32
        Minibatch size of ``"sgd"`` (the last, smaller batch is used);
        ``1`` is per-sample SGD.
    alpha : float, default=1e-4
        L2 strength on the mean loss, intercept unpenalised; scikit-learn's
        ``C`` corresponds to ``alpha = 1 / (C * n_samples)``.  With ``alpha=0``
        on linearly separable data no optimum exists (a
        :class:`~sklearn.exceptions.ConvergenceWarning` says so).
    tol : float, default=1e-4
        ``"gd"`` and ``"newton"`` stop when the largest absolute entry of the
        full gradient is ``<= tol``; ``"sgd"`` stops when the epoch loss has not
        improved on the best so far by more than ``tol`` for
        ``n_iter_no_change`` epochs in a row.
    n_iter_no_change : int, default=5
        Patience of the ``"sgd"`` stopping rule.
    lr_decay : float, default=0.0
        ``"sgd"`` step-size schedule: epoch ``e = 1, 2, ...`` uses
        ``learning_rate / (1 + lr_decay * (e - 1))``.  A constant step only
        reaches a noisy neighbourhood of the optimum; a decaying one converges.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the ``"sgd"`` shuffles; the same seed gives bit-identical fits.
    progress : bool, default=False
        Show a tqdm progress bar on stderr.
"""


class LogisticRegression(_LinearClassifier):
    __doc__ = (
        """Binary logistic regression, ``P(y = classes_[1] | x) = sigmoid(x @ w + b)``.

    Minimises the (sample-weighted) mean binary cross-entropy plus
    ``alpha / 2 * ||w||^2``.  Labels can be of any type; ``classes_[1]`` (the
    larger label) is the positive class.  For more than two classes use
    :class:`SoftmaxRegression`.
"""
        + _LINEAR_PARAMS_DOC
        + """
    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features)
        Weights ``w`` (a row, as in scikit-learn).
    intercept_ : ndarray of shape (1,)
        Intercept ``b`` (0 when ``fit_intercept=False``).
    classes_ : ndarray of shape (2,)
        The two labels, sorted.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` had string column names.
    n_iter_ : int
        Iterations (``"gd"``, ``"newton"``) or epochs (``"sgd"``) run.
    loss_curve_ : ndarray
        Objective at every iterate starting with the initial one (``"gd"``,
        ``"newton"``, length ``n_iter_ + 1``), or the epoch losses (``"sgd"``,
        length ``n_iter_``).
    batch_loss_curve_ : ndarray or None
        ``"sgd"``: the loss of every minibatch; otherwise None.
    converged_ : bool
        Whether the stopping rule (``tol``) was met; False also when
        ``alpha=0`` and the training data turned out linearly separable.

    See Also
    --------
    SoftmaxRegression : more than two classes.
    sklearn.linear_model.LogisticRegression : the reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from lrbook.models import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegression(alpha=1 / len(X)).fit(X, y)  # scikit-learn's C=1
    >>> clf.coef_.shape, clf.n_iter_, round(clf.score(X, y), 3)
    ((1, 30), 7, 0.988)

    Gradient descent needs far more (cheaper) iterations to reach the same point:

    >>> gd = LogisticRegression(solver="gd", learning_rate=1.0, max_iter=5000, alpha=1 / len(X),
    ...                         tol=1e-5).fit(X, y)
    >>> gd.n_iter_, bool(abs(gd.coef_ - clf.coef_).max() < 1e-2)
    (1976, True)
    """
    )

    _multinomial = False

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


class SoftmaxRegression(_LinearClassifier):
    __doc__ = (
        """Multinomial (softmax) regression, ``P(y = k | x) = softmax(W x + b)_k``.

    Minimises the (sample-weighted) mean cross-entropy plus
    ``alpha / 2 * ||W||_F^2`` over all ``K`` classes (intercepts unpenalised),
    the multinomial model of scikit-learn's ``LogisticRegression``.  With two
    classes it fits the same probabilities as :class:`LogisticRegression` (with
    ``alpha`` halved, because the two class rows share the weight).

    The logits are unchanged when a constant is added to every class, so the
    fitted intercepts are reported centred (summing to zero); with ``alpha > 0``
    the rows of ``coef_`` sum to zero automatically at the optimum (with
    ``alpha=0`` they are centred too).
"""
        + _LINEAR_PARAMS_DOC
        + """
    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_features)
        One weight row per class.
    intercept_ : ndarray of shape (n_classes,)
        Class intercepts, summing to zero.
    classes_ : ndarray of shape (n_classes,)
        Labels, sorted.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` had string column names.
    n_iter_ : int
        Iterations (``"gd"``, ``"newton"``) or epochs (``"sgd"``).
    loss_curve_ : ndarray
        As in :class:`LogisticRegression`.
    batch_loss_curve_ : ndarray or None
        ``"sgd"``: the loss of every minibatch; otherwise None.
    converged_ : bool
        Whether the stopping rule (``tol``) was met.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from lrbook.models import SoftmaxRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SoftmaxRegression(alpha=1 / len(X)).fit(X, y)
    >>> clf.coef_.shape, round(clf.score(X, y), 3)
    ((3, 4), 0.973)
    >>> clf.predict_proba(X[:1]).round(3)
    array([[0.982, 0.018, 0.   ]])
    """
    )

    _multinomial = True


class MLPClassifier(_BaseClassifier):
    """Neural network with one hidden layer, trained by backpropagation.

    ``a1 = act(X W1 + b1)`` with ``act`` the sigmoid (or tanh), then one sigmoid
    output unit for two classes or ``n_classes`` softmax outputs for more.
    Minimises the (sample-weighted) mean cross-entropy plus
    ``alpha / 2 * (||W1||^2 + ||W2||^2)`` (biases unpenalised) by gradient
    descent or minibatch SGD.  Weights start from
    :func:`lrbook.losses.mlp_init` (Glorot uniform, seeded by ``random_state``),
    so different seeds can reach different local minima.

    Parameters
    ----------
    hidden_units : int, default=10
        Units in the hidden layer.
    activation : {"sigmoid", "tanh"}, default="sigmoid"
        Hidden-unit activation.
    solver : {"gd", "sgd"}, default="gd"
        Full-batch gradient descent or minibatch SGD.
    learning_rate : float, default=0.5
        Constant step size.
    max_iter : int, default=1000
        Maximum number of iterations (``"gd"``) or epochs (``"sgd"``).
    batch_size : int, default=32
        Minibatch size of ``"sgd"``.
    alpha : float, default=1e-4
        L2 strength on the weights.
    tol : float, default=1e-4
        ``"gd"`` stops when the largest absolute gradient entry is ``<= tol``
        (note that a plateau or saddle point, such as the symmetric start on
        XOR, can also have a small gradient); ``"sgd"`` when the epoch loss has
        not improved by more than ``tol`` for ``n_iter_no_change`` epochs.
    n_iter_no_change : int, default=5
        Patience of the ``"sgd"`` stopping rule.
    lr_decay : float, default=0.0
        ``"sgd"`` step-size schedule ``learning_rate / (1 + lr_decay * (e - 1))``
        in epoch ``e``.
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the initial weights and the SGD shuffles.
    progress : bool, default=False
        Show a tqdm progress bar on stderr.

    Attributes
    ----------
    coefs_ : list of two ndarrays
        ``[W1, W2]`` of shapes (n_features, hidden_units) and
        (hidden_units, n_outputs), as in scikit-learn's ``MLPClassifier``.
    intercepts_ : list of two ndarrays
        ``[b1, b2]`` of shapes (hidden_units,) and (n_outputs,).
    n_outputs_ : int
        1 (sigmoid output) for two classes, else ``n_classes`` (softmax).
    out_activation_ : str
        ``"logistic"`` or ``"softmax"``.
    classes_, n_features_in_, n_iter_, loss_curve_, batch_loss_curve_, converged_
        As in :class:`LogisticRegression`.

    Examples
    --------
    XOR is not linearly separable, but one hidden layer learns it:

    >>> import numpy as np
    >>> from lrbook.models import LogisticRegression, MLPClassifier
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = np.array([0, 1, 1, 0])
    >>> LogisticRegression().fit(X, y).score(X, y)
    0.5
    >>> mlp = MLPClassifier(hidden_units=4, learning_rate=2.0, max_iter=3000, tol=1e-3,
    ...                     alpha=0.0, random_state=0).fit(X, y)
    >>> mlp.predict(X), [w.shape for w in mlp.coefs_]
    (array([0, 1, 1, 0]), [(2, 4), (4, 1)])
    """

    _solvers = ("gd", "sgd")

    def __init__(
        self,
        hidden_units: int = 10,
        activation: str = "sigmoid",
        *,
        solver: str = "gd",
        learning_rate: float = 0.5,
        max_iter: int = 1000,
        batch_size: int = 32,
        alpha: float = 1e-4,
        tol: float = 1e-4,
        n_iter_no_change: int = 5,
        lr_decay: float = 0.0,
        random_state: int | np.random.Generator | None = None,
        progress: bool = False,
    ) -> None:
        self.hidden_units = hidden_units
        self.activation = activation
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.alpha = alpha
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.lr_decay = lr_decay
        self.random_state = random_state
        self.progress = progress

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Any:
        """Fit the network by backpropagation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Nonnegative weights; the loss is their weighted mean.

        Returns
        -------
        self
            The fitted estimator.
        """
        from lrbook.losses import mlp_init

        self._validate_common()
        check_int(self.hidden_units, "hidden_units")
        _check_choice(self.activation, "activation", ("sigmoid", "tanh"))
        X, codes, sw = self._validate_fit_data(X, y, sample_weight)
        n_classes = self.classes_.shape[0]
        n_out = 1 if n_classes == 2 else n_classes
        if n_out == 1:
            T = codes.astype(np.float64)[:, None]
        else:
            T = np.zeros((X.shape[0], n_classes))
            T[np.arange(X.shape[0]), codes] = 1.0
        # One generator seeds the initial weights and then the SGD shuffles.
        rng = np.random.default_rng(self.random_state)
        init = mlp_init(X.shape[1], int(self.hidden_units), n_out, random_state=rng)
        x0 = np.concatenate([init[k].ravel() for k in ("W1", "b1", "W2", "b2")])
        objective = _MLPObjective(
            X, T, sw, float(self.alpha), int(self.hidden_units), self.activation
        )
        res = _run_solver(self.solver, objective, x0, self, rng)
        W1, b1, W2, b2 = (a.copy() for a in objective.unpack(res.x))
        self.coefs_ = [W1, W2]
        self.intercepts_ = [b1, b2]
        self.n_outputs_ = n_out
        self.out_activation_ = "logistic" if n_out == 1 else "softmax"
        self._store_result(res)
        return self

    def _logits(self, X: ArrayLike) -> FloatArray:
        check_is_fitted(self)
        Xv = _validate_X(self, X, reset=False)
        z1 = Xv @ self.coefs_[0] + self.intercepts_[0]
        a1 = sigmoid(z1) if self.activation == "sigmoid" else np.tanh(z1)
        return a1 @ self.coefs_[1] + self.intercepts_[1]


# ============================================================================ regression


class LinearRegression(RegressorMixin, BaseEstimator):
    """Least-squares linear regression ``y ~ X @ coef_ + intercept_``.

    Parameters
    ----------
    method : {"lstsq", "normal", "gd"}, default="lstsq"
        ``"normal"``: solve the normal equation ``X1.T X1 theta = X1.T y`` (``X1``
        = ``X`` with a column of ones); raises ``numpy.linalg.LinAlgError`` (a
        ``ValueError``) when ``X1.T X1`` is singular, e.g. for duplicated or
        collinear columns or fewer samples than parameters.  ``"lstsq"``:
        :func:`numpy.linalg.lstsq` (SVD), which also handles rank-deficient
        ``X`` by returning the minimum-norm solution.  ``"gd"``: gradient
        descent on the mean squared error ``mean((y - X1 theta)^2)``.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    learning_rate : float, default=0.1
        Step size of ``"gd"`` (standardise ``X`` first).
    max_iter : int, default=1000
        Maximum iterations of ``"gd"``.
    tol : float, default=1e-6
        ``"gd"`` stops when the largest absolute gradient entry is ``<= tol``.
    progress : bool, default=False
        Progress bar for ``"gd"``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Weights.
    intercept_ : float
        Intercept (0.0 when ``fit_intercept=False``).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` had string column names.
    n_iter_ : int
        Gradient-descent iterations (1 for the direct methods: one solve).
    loss_curve_ : ndarray
        ``"gd"``: mean squared error at every iterate; direct methods: the
        final mean squared error only.
    rank_ : int
        Rank of ``X1`` (``"lstsq"`` only; otherwise None).

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.models import LinearRegression
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]])
    >>> y = 1.0 + X @ np.array([2.0, -3.0])
    >>> reg = LinearRegression(method="normal").fit(X, y)
    >>> reg.coef_.round(12), round(reg.intercept_, 12)
    (array([ 2., -3.]), 1.0)
    >>> X_dup = np.column_stack([X, X[:, 0]])  # rank-deficient: normal fails, lstsq works
    >>> LinearRegression(method="lstsq").fit(X_dup, y).coef_.round(12)
    array([ 1., -3.,  1.])
    """

    def __init__(
        self,
        method: str = "lstsq",
        *,
        fit_intercept: bool = True,
        learning_rate: float = 0.1,
        max_iter: int = 1000,
        tol: float = 1e-6,
        progress: bool = False,
    ) -> None:
        self.method = method
        self.fit_intercept = fit_intercept
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.progress = progress

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Any:
        """Fit by least squares.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Real targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Nonnegative weights (weighted least squares).

        Returns
        -------
        self
            The fitted estimator.
        """
        method = _check_choice(self.method, "method", ("lstsq", "normal", "gd"))
        fit_intercept = _check_bool(self.fit_intercept, "fit_intercept")
        check_learning_rate(self.learning_rate)
        check_int(self.max_iter, "max_iter")
        check_tol(self.tol)
        _check_bool(self.progress, "progress")
        Xa, ya = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        sw = _sample_weight(sample_weight, Xa)
        n = Xa.shape[0]
        X1 = np.column_stack([np.ones(n), Xa]) if fit_intercept else Xa
        self.rank_: int | None = None
        if method == "gd":
            res = gradient_descent(
                self._mse_fun(X1, ya, sw),
                np.zeros(X1.shape[1]),
                learning_rate=self.learning_rate,
                max_iter=self.max_iter,
                tol=self.tol,
                progress=self.progress,
            )
            theta: FloatArray = res.x
            self.n_iter_ = res.n_iter
            self.loss_curve_ = res.loss_history
        else:
            root = None if sw is None else np.sqrt(sw)
            A = X1 if root is None else X1 * root[:, None]
            t = ya if root is None else ya * root
            if method == "normal":
                theta = self._solve_normal(A, t)
            else:
                theta, _, rank, _ = np.linalg.lstsq(A, t, rcond=None)
                self.rank_ = int(rank)
            self.n_iter_ = 1  # one direct solve
            self.loss_curve_ = np.array([self._mse_fun(X1, ya, sw)(theta)[0]])
        if fit_intercept:
            self.intercept_, self.coef_ = float(theta[0]), theta[1:].copy()
        else:
            self.intercept_, self.coef_ = 0.0, theta.copy()
        return self

    @staticmethod
    def _solve_normal(A: FloatArray, t: FloatArray) -> FloatArray:
        gram = A.T @ A
        eig = np.linalg.eigvalsh(gram)
        # cond(X^T X) = cond(X)^2: beyond ~1/eps the solution is rounding noise.
        if eig[0] <= eig[-1] * gram.shape[0] * np.finfo(np.float64).eps:
            raise np.linalg.LinAlgError(
                f"X^T X is singular (smallest eigenvalue {eig[0]:.3g}, largest {eig[-1]:.3g}): "
                f"X (with the intercept column) has {A.shape[1]} columns but rank below that, "
                "e.g. duplicated or collinear features or fewer samples than parameters. The "
                "normal equation has no unique solution; use method='lstsq' (minimum-norm "
                "solution) instead."
            )
        return np.linalg.solve(gram, A.T @ t)

    @staticmethod
    def _mse_fun(
        X1: FloatArray, y: FloatArray, sw: FloatArray | None
    ) -> Callable[[FloatArray], tuple[float, FloatArray]]:
        n = X1.shape[0]

        def fun(theta: FloatArray) -> tuple[float, FloatArray]:
            z = X1 @ theta
            losses = K.sse_loss(y, z)
            dz = K.sse_dz(y, z)  # -2 (y - z)
            if sw is not None:
                losses = losses * sw
                dz = dz * sw
            return float(np.sum(losses)) / n, X1.T @ dz / n

        return fun

    def predict(self, X: ArrayLike) -> FloatArray:
        """Predicted targets ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        Xv = _validate_X(self, X, reset=False)
        return Xv @ self.coef_ + self.intercept_
