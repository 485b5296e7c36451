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

The loss, gradient and Hessian callables handed to :mod:`lrbook.optim` are
those of ``lrbook._objectives``, the one implementation that
:mod:`lrbook.losses` calls too (validated once here, at ``fit``, instead of on
every call).  The full-batch gradient reads ``X`` once, in cache-sized row
blocks; a minibatch gradient touches only the rows of its batch.

float32 input stays float32: ``X`` is not copied to float64, and the fitted
coefficients and the outputs of ``predict_proba`` and ``decision_function`` are
float32, as with scikit-learn's linear models (the optimiser itself iterates in
float64).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from lrbook import _objectives as O
from lrbook._dask import is_dask_collection, map_rows
from lrbook._validation import (
    Constraints,
    check_alpha,
    check_bool,
    check_choice,
    check_int,
    check_learning_rate,
    check_lr_decay,
    check_random_state,
    check_targets,
    check_tol,
    check_weights,
    encode_labels,
    validate_params,
)
from lrbook.optim import OptimizeResult, gradient_descent, newton, sgd

__all__ = ["LinearRegression", "LogisticRegression", "MLPClassifier", "SoftmaxRegression"]

FloatArray = NDArray[np.floating[Any]]
_FLOAT_DTYPES = [np.float64, np.float32]  # float32 kept, everything else -> float64

#: Hyperparameters shared by the classifiers, declared once (name -> check).
_NO_DASK = "MLPClassifier does not accept Dask arrays (LogisticRegression and SoftmaxRegression do, with solver='newton' or 'gd'); pass NumPy arrays."
_CLASSIFIER_CONSTRAINTS: Constraints = {
    "learning_rate": check_learning_rate,
    "max_iter": check_int,
    "batch_size": check_int,
    "alpha": check_alpha,
    "tol": check_tol,
    "n_iter_no_change": check_int,
    "lr_decay": check_lr_decay,
    "progress": check_bool,
    "random_state": check_random_state,
}


def _validate_X(estimator: BaseEstimator, X: ArrayLike, *, reset: bool) -> FloatArray:
    # accept_sparse=False: a sparse X raises scikit-learn's TypeError ("Sparse data was passed
    # for X, but dense data is required. Use '.toarray()' ...").
    return validate_data(estimator, X, reset=reset, dtype=_FLOAT_DTYPES)


def _run_solver(solver: str, objective: Any, x0: FloatArray, est: Any, rng: Any) -> OptimizeResult:
    """Hand ``objective`` to the trainer ``solver`` with the estimator's settings.

    ``objective`` is an ``_objectives`` objective, or the Dask one of ``lrbook._dask``,
    whose ``fun_hess`` gives loss, gradient and Hessian in one pass (Newton's
    ``hess=True``).
    """
    # Badly scaled data (values near 1e308) overflow the logits or the gradient to inf;
    # the optimisers check every loss, gradient and Hessian and say so in an error that
    # suggests standardising, so NumPy's RuntimeWarnings would only add noise before it.
    common = {"max_iter": est.max_iter, "tol": est.tol, "progress": est.progress}
    with np.errstate(over="ignore", invalid="ignore"):
        if solver == "gd":
            return gradient_descent(objective.fun, x0, learning_rate=est.learning_rate, **common)
        if solver == "sgd":
            return sgd(
                objective.fun_batch,
                x0,
                objective.X.shape[0],
                fun=objective.fun,  # the full loss at the start and the end: no copy of X
                batch_size=est.batch_size,
                learning_rate=est.learning_rate,
                n_iter_no_change=est.n_iter_no_change,
                lr_decay=est.lr_decay,
                random_state=rng,
                **common,
            )
        # In memory the Hessian reuses the logits of the last evaluation and a fused
        # loss+gradient+Hessian pass measured no faster (1.00x on 1e6 x 20, 1.10x slower for
        # softmax 2e5 x 20, K=5): the combined callback is for data read from chunks.
        if hasattr(objective, "fun_hess"):
            return newton(objective.fun_hess, True, x0, **common)
        return newton(objective.fun, objective.newton_hess, x0, **common)


# ============================================================================ classifiers


class _BaseClassifier(ClassifierMixin, BaseEstimator):
    """Shared validation and prediction code of the classifiers."""

    _solvers: tuple[str, ...] = ("gd", "sgd", "newton")

    def _validate_common(self) -> dict[str, Any]:
        """Check the hyperparameters; return their validated values by name."""
        check_choice(self.solver, "solver", self._solvers)
        return validate_params(self.get_params(), _CLASSIFIER_CONSTRAINTS)

    def _validate_fit_data(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None
    ) -> tuple[FloatArray, NDArray[np.intp], FloatArray | None]:
        Xa, ya = validate_data(self, X, y, dtype=_FLOAT_DTYPES)
        check_targets(ya)
        self.classes_, codes = encode_labels(ya)
        self._check_n_classes()
        sw = check_weights(sample_weight, Xa.shape[0], Xa.dtype)
        return Xa, codes.astype(np.intp), sw

    def _check_n_classes(self) -> int:
        n_classes = int(self.classes_.shape[0])
        if n_classes < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but the "
                f"data contains only one class: {self.classes_[0].item()!r}"
            )
        if not getattr(self, "_multinomial", True) and n_classes > 2:
            raise ValueError(
                "Only binary classification is supported. The type of the target is "
                f"multiclass: y has {n_classes} classes {list(self.classes_[:5])}. Use "
                "SoftmaxRegression for more than two classes."
            )
        return n_classes

    def _store_result(self, res: OptimizeResult) -> None:
        self.n_iter_ = res.n_iter
        self.loss_curve_ = res.loss_history
        self.batch_loss_curve_ = res.batch_loss_history
        self.converged_ = res.converged

    def _warn_separable(self) -> None:
        self.converged_ = False
        warnings.warn(
            "The training data are linearly separable and alpha=0: the unpenalised "
            "maximum-likelihood weights do not exist (the loss keeps decreasing as the "
            "weights grow without bound), so the returned coefficients depend on tol and "
            "max_iter. Use alpha > 0 (e.g. alpha=1/n_samples, scikit-learn's C=1).",
            ConvergenceWarning,
            stacklevel=4,
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
        if is_dask_collection(X):
            return self._lazy(self.predict_log_proba, X, len(self.classes_))
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
        if is_dask_collection(X):
            return self._lazy(self.predict_proba, X, len(self.classes_))
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
        if is_dask_collection(X):
            return self._lazy(self.predict, X, None, self.classes_.dtype)
        z = self._logits(X)
        if z.ndim == 1 or z.shape[1] == 1:
            return self.classes_[(np.ravel(z) > 0).astype(np.intp)]
        return self.classes_[np.argmax(z, axis=1)]

    def _lazy(
        self, method: Callable[[Any], Any], X: Any, n_outputs: int | None, dtype: Any = np.float64
    ) -> Any:
        """``method`` applied to every row chunk of the Dask array ``X``, lazily."""
        check_is_fitted(self)
        n_features = (self.n_features_in_, type(self).__name__)
        return map_rows(method, X, n_outputs=n_outputs, dtype=dtype, n_features=n_features)

    @staticmethod
    def _proba_from_logits(z: FloatArray) -> FloatArray:
        return O.family_of(1 if z.ndim == 1 else z.shape[1]).proba(z)

    @staticmethod
    def _log_proba_from_logits(z: FloatArray) -> FloatArray:
        return O.family_of(1 if z.ndim == 1 else z.shape[1]).log_proba(z)

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
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
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
        hp = self._validate_common()
        fit_intercept = check_bool(self.fit_intercept, "fit_intercept")
        if any(is_dask_collection(a) for a in (X, y, sample_weight)):
            from lrbook._dask import fit_linear_classifier

            return fit_linear_classifier(self, X, y, sample_weight, hp["alpha"], fit_intercept)
        X, codes, sw = self._validate_fit_data(X, y, sample_weight)
        n_classes = self._check_n_classes()
        family = O.MULTINOMIAL if self._multinomial else O.BINARY
        T = family.encode(codes, n_classes, X.dtype)
        x0 = np.zeros((X.shape[1] + fit_intercept, n_classes)[: T.ndim])
        Objective = O.LinearObjective
        if (
            self.solver == "newton"
            and family.redundant_last
            and X.shape[0] >= O.HESSIAN_FREE_MIN_ROWS
        ):
            Objective = O.TransposedSoftmaxObjective  # Newton-CG (measured faster there)
        objective = Objective(X, T, sw, hp["alpha"], fit_intercept, family)
        res = _run_solver(self.solver, objective, x0, self, hp["random_state"])
        self._set_params(res, fit_intercept, X.dtype)
        self._warn_if_separable(X, codes)
        return self

    def _warn_if_separable(self, X: FloatArray, codes: NDArray[np.intp]) -> None:
        """With alpha=0, a perfect training fit means no finite optimum exists: say so.

        The training logits are computed only then: with a penalty an optimum
        always exists, and the check would cost a pass over ``X``.
        """
        if self.alpha != 0:
            return
        scores = self._raw_logits(X)
        if scores.ndim == 1:
            margin = np.where(codes == 1, scores, -scores)
        else:
            true = scores[np.arange(codes.shape[0]), codes]
            other = scores.copy()
            other[np.arange(codes.shape[0]), codes] = -np.inf
            margin = true - other.max(axis=1)
        if np.all(margin > 0):
            self._warn_separable()

    def _set_params(self, res: OptimizeResult, fit_intercept: bool, dtype: Any) -> None:
        """``coef_``, ``intercept_`` and the fit record from the optimiser's result."""
        n_classes = self.classes_.shape[0]
        params = res.x.astype(dtype, copy=False)  # float32 data -> float32 coefficients
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
            self.intercept_ = np.array([params[0] if fit_intercept else 0.0], dtype=dtype)
        self._store_result(res)

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
        if is_dask_collection(X):
            wide = self._multinomial and len(self.classes_) > 2
            return self._lazy(self.decision_function, X, len(self.classes_) if wide else None)
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
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, default=None
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
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, default=None
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
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
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
        from lrbook.losses import mlp_init, mlp_params_to_vector

        if any(is_dask_collection(a) for a in (X, y, sample_weight)):
            raise TypeError(_NO_DASK)
        hp = self._validate_common()
        hidden = check_int(self.hidden_units, "hidden_units")
        check_choice(self.activation, "activation", tuple(O.ACTIVATIONS))
        X, codes, sw = self._validate_fit_data(X, y, sample_weight)
        n_classes = self.classes_.shape[0]
        n_out = 1 if n_classes == 2 else n_classes
        T = O.MULTINOMIAL.encode(codes, n_classes, X.dtype)
        if n_out == 1:
            T = T[:, 1:]  # one sigmoid output: the indicator of classes_[1]
        # One generator seeds the initial weights and then the SGD shuffles.
        rng = np.random.default_rng(hp["random_state"])
        x0 = mlp_params_to_vector(mlp_init(X.shape[1], hidden, n_out, random_state=rng))
        objective = O.MLPObjective(X, T, sw, hp["alpha"], hidden, self.activation)
        res = _run_solver(self.solver, objective, x0, self, rng)
        W1, b1, W2, b2 = (a.astype(X.dtype) for a in objective.unpack(res.x))
        self.coefs_ = [W1, W2]
        self.intercepts_ = [b1, b2]
        self.n_outputs_ = n_out
        self.out_activation_ = "logistic" if n_out == 1 else "softmax"
        self._store_result(res)
        return self

    def _logits(self, X: ArrayLike) -> FloatArray:
        check_is_fitted(self)
        Xv = _validate_X(self, X, reset=False)
        W1, W2 = self.coefs_
        b1, b2 = self.intercepts_
        return O.mlp_forward(W1, b1, W2, b2, Xv, self.activation)["z2"]


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
    converged_ : bool
        ``"gd"``: whether gradient descent met ``tol`` (see
        :func:`lrbook.optim.gradient_descent`); always True for the direct methods.
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

    _constraints: ClassVar[Constraints] = {
        "learning_rate": check_learning_rate,
        "max_iter": check_int,
        "tol": check_tol,
        "progress": check_bool,
    }

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
        method = check_choice(self.method, "method", ("lstsq", "normal", "gd"))
        fit_intercept = check_bool(self.fit_intercept, "fit_intercept")
        validate_params(self.get_params(), self._constraints)
        Xa, ya = validate_data(self, X, y, dtype=_FLOAT_DTYPES, y_numeric=True)
        in_dtype = Xa.dtype
        Xa, ya = Xa.astype(np.float64, copy=False), ya.astype(np.float64, copy=False)
        sw = check_weights(sample_weight, Xa.shape[0], Xa.dtype)
        n = Xa.shape[0]
        X1 = np.column_stack([np.ones(n), Xa]) if fit_intercept else Xa
        objective = O.LeastSquaresObjective(X1, ya, sw)
        self.rank_: int | None = None
        if method == "gd":
            res = gradient_descent(
                objective.fun,
                np.zeros(X1.shape[1]),
                learning_rate=self.learning_rate,
                max_iter=self.max_iter,
                tol=self.tol,
                progress=self.progress,
            )
            theta: FloatArray = res.x
            self.n_iter_ = res.n_iter
            self.loss_curve_ = res.loss_history
            self.converged_ = res.converged
        else:
            root = None if objective.sw is None else np.sqrt(objective.sw)
            A = X1 if root is None else X1 * root[:, None]
            t = ya if root is None else ya * root
            if method == "normal":
                theta = self._solve_normal(A, t)
            else:
                theta, _, rank, _ = np.linalg.lstsq(A, t, rcond=None)
                self.rank_ = int(rank)
            self.n_iter_ = 1  # one direct solve
            self.loss_curve_ = np.array([objective.fun(theta)[0]])
            self.converged_ = True  # a direct solve has no stopping rule to miss
        theta = theta.astype(in_dtype, copy=False)  # float32 data -> float32 coefficients
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
