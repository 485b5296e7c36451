"""Standard errors, z tests and confidence intervals for an unpenalised logistic regression.

At the maximum-likelihood weights :math:`\\hat{\\mathbf w}` of a logistic
regression (intercept first, ``X1 = [1, X]``), the Hessian of the *summed*
negative log-likelihood is

.. math:: \\mathcal I(\\hat{\\mathbf w}) = X_1^\\top S X_1, \\qquad
   S = \\operatorname{diag}\\big(\\sigma(z_i)(1 - \\sigma(z_i))\\big).

It does not contain the labels, so the observed information equals the
expected (Fisher) information, and the large-sample covariance of
:math:`\\hat{\\mathbf w}` is its inverse (derived with SymPy in
:func:`lrbook.symbolic.fisher_information_derivation`).  From it:
standard errors, Wald z statistics, two-sided normal p-values and normal
confidence intervals, the numbers statsmodels' ``Logit`` reports.

The estimate must be a genuine, unpenalised optimum of the data given, so this
module refuses (:class:`InferenceError`, a ``ValueError``, with the reason) a
model that is not fitted, penalised (``alpha != 0``), multinomial, not
converged, fitted on other data, fitted on linearly separable data (no optimum
exists), or whose information matrix is singular or ill-conditioned.

Only NumPy and the standard library are used (``math.erfc`` for p-values,
``statistics.NormalDist`` for the interval's quantile); pandas is
imported only to return a DataFrame.

For example, on the course's data:

>>> from lrbook import LogisticRegression
>>> from lrbook.datasets import load_breast_cancer_original
>>> from lrbook.inference import standard_errors
>>> X, y = load_breast_cancer_original(return_X_y=True)
>>> model = LogisticRegression(alpha=0.0, tol=1e-10).fit(X, y)
>>> standard_errors(model, X, y).round(3)[:3]  # intercept, clump thickness, cell size
array([1.074, 0.135, 0.193])
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lrbook._primitives import sigmoid

__all__ = ["InferenceError", "SummaryTable", "covariance", "standard_errors", "summary"]

FloatArray = NDArray[np.float64]

# The information matrix is refused when its condition number exceeds this:
# beyond it the inverse has lost more than ~6 of float64's ~16 significant digits.
MAX_CONDITION = 1e10


class InferenceError(ValueError):
    """Standard errors do not exist or cannot be trusted for this model and data; says why.

    A ``ValueError``, so code that catches invalid arguments catches it too.

    Examples
    --------
    >>> issubclass(InferenceError, ValueError)
    True
    """


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------
def _check_model(model: Any) -> None:
    from sklearn.exceptions import NotFittedError

    from lrbook.models import LogisticRegression

    if not isinstance(model, LogisticRegression):
        kind = type(model).__name__
        hint = (
            " The multinomial model's information matrix is singular (softmax is unchanged "
            "when a constant is added to every class), so it needs a reference class; "
            "this module covers the binary model only."
            if kind == "SoftmaxRegression"
            else ""
        )
        raise InferenceError(f"model must be a fitted lrbook.LogisticRegression, got {kind}.{hint}")
    if not hasattr(model, "coef_"):
        raise NotFittedError(
            "This LogisticRegression instance is not fitted yet; call model.fit(X, y) "
            "with alpha=0 before asking for standard errors."
        )
    if model.alpha != 0:
        raise InferenceError(
            f"model is penalised (alpha={model.alpha!r}): the L2 penalty pulls the weights "
            "towards 0, so they are not maximum-likelihood estimates and the inverse Hessian "
            "is not their covariance. Refit with alpha=0 (tol=1e-8 or tighter)."
        )


def _check_data(
    model: Any, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 2 or Xa.shape[1] != model.n_features_in_:
        raise ValueError(
            f"X must have shape (n_samples, {model.n_features_in_}) like the training data, "
            f"got shape {Xa.shape}; pass the data the model was fitted on"
        )
    if not np.all(np.isfinite(Xa)):
        raise ValueError("X contains NaN or inf; pass the (cleaned) training data")
    ya = np.asarray(y).ravel()
    if ya.shape[0] != Xa.shape[0]:
        raise ValueError(
            f"y has {ya.shape[0]} labels but X has {Xa.shape[0]} rows; pass matching training data"
        )
    unknown = ~np.isin(ya, model.classes_)
    if unknown.any():
        raise ValueError(
            f"y contains labels {np.unique(ya[unknown])[:5].tolist()} the model was not fitted "
            f"on (its classes are {model.classes_.tolist()}); pass the training labels"
        )
    t = (ya == model.classes_[1]).astype(np.float64)
    if sample_weight is None:
        w = np.ones(Xa.shape[0])
    else:
        w = np.asarray(sample_weight, dtype=np.float64).ravel()
        if w.shape != (Xa.shape[0],):
            raise ValueError(
                f"sample_weight must have shape ({Xa.shape[0]},), got {w.shape}; "
                "one weight per row of X"
            )
        if not np.all(np.isfinite(w)) or (w < 0).any() or np.any(w != np.round(w)):
            raise ValueError(
                "sample_weight must hold whole numbers >= 0 (frequency weights: weight 2 "
                "means the row was observed twice), got values such as "
                f"{w[(w < 0) | (w != np.round(w))][:3].tolist()}; other weights rescale "
                "the information and would give wrong standard errors"
            )
    return Xa, t, w


def _design(model: Any, X: FloatArray) -> tuple[FloatArray, FloatArray]:
    if model.fit_intercept:
        X1 = np.hstack([np.ones((X.shape[0], 1)), X])
        params = np.concatenate([model.intercept_, model.coef_[0]])
    else:
        X1, params = X, model.coef_[0].astype(np.float64)
    return X1, params


def _information(
    model: Any, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None
) -> tuple[FloatArray, FloatArray]:
    """Validated ``(params, X1^T S X1)`` at the model's (checked) unpenalised optimum."""
    _check_model(model)
    Xa, t, w = _check_data(model, X, y, sample_weight)
    X1, params = _design(model, Xa)
    z = X1 @ params
    margin = (2 * t - 1) * z
    used = w > 0
    if np.all(margin[used] > 0):
        raise InferenceError(
            "the data are linearly separable: the fitted hyperplane classifies every "
            f"training point correctly (smallest margin {margin[used].min():.3g}), so the "
            "likelihood keeps growing as the weights grow and no maximum-likelihood "
            "estimate (hence no standard error) exists. Use fewer features, more data, "
            "or a penalised fit without p-values."
        )
    if not model.converged_:
        raise InferenceError(
            f"model did not converge (n_iter_={model.n_iter_}, tol={model.tol!r}): its weights "
            "may not be the optimum. Refit with solver='newton', a larger max_iter, or a tol the "
            "solver can reach in floating point (1e-8 is usually fine)."
        )
    p = sigmoid(z)
    grad = X1.T @ (w * (p - t)) / w.sum()  # gradient of the weighted mean loss
    limit = 10 * max(float(model.tol), 1e-8)
    if np.max(np.abs(grad)) > limit:
        raise InferenceError(
            f"the weights are not the optimum for this X and y: the mean-loss gradient there "
            f"has an entry of size {np.max(np.abs(grad)):.3g} > {limit:.3g}. Pass the data "
            "(and sample_weight) the model was fitted on, and fit with solver='newton'."
        )
    s = p * (1 - p) * w
    info = X1.T @ (s[:, None] * X1)
    eig = np.linalg.eigvalsh(info)
    if eig[0] <= 0 or eig[-1] / eig[0] > MAX_CONDITION:
        cond = np.inf if eig[0] <= 0 else eig[-1] / eig[0]
        raise InferenceError(
            f"the information matrix X1^T S X1 is singular or ill-conditioned (condition "
            f"number {cond:.3g} > {MAX_CONDITION:.0e}): some coefficients are not identified "
            "(collinear or constant features, or classes nearly separable). Remove "
            "redundant features."
        )
    return params, info


# ---------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------
def covariance(
    model: Any, X: ArrayLike, y: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> FloatArray:
    """Estimated covariance of the coefficients, ``(X1^T S X1)^{-1}``, intercept first.

    Parameters
    ----------
    model : lrbook.LogisticRegression
        Fitted with ``alpha=0`` to convergence (``solver="newton"``; the accuracy
        of the result follows the model's ``tol``).
    X : array-like of shape (n_samples, n_features)
        The training inputs.
    y : array-like of shape (n_samples,)
        The training labels.
    sample_weight : array-like of shape (n_samples,), default=None
        The frequency weights used in ``fit`` (whole numbers: weight ``k`` counts
        the row ``k`` times).

    Returns
    -------
    ndarray of shape (n_params, n_params)
        ``n_params = n_features + 1`` with an intercept (first), else ``n_features``.

    Raises
    ------
    InferenceError
        Penalised, multinomial, not converged, not the optimum of this data,
        separable data or a singular information matrix (the message says which).
    sklearn.exceptions.NotFittedError
        If the model is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook import LogisticRegression
    >>> from lrbook.inference import covariance
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 1, 0, 1])
    >>> m = LogisticRegression(alpha=0.0, tol=1e-12).fit(X, y)
    >>> C = covariance(m, X, y)
    >>> C.shape, bool(np.allclose(C, C.T))
    ((2, 2), True)
    """
    _, info = _information(model, X, y, sample_weight)
    return np.asarray(np.linalg.inv(info), dtype=np.float64)


def standard_errors(
    model: Any, X: ArrayLike, y: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> FloatArray:
    """Standard errors of the coefficients, ``sqrt(diag((X1^T S X1)^{-1}))``, intercept first.

    Parameters and refusals as in :func:`covariance`.

    Returns
    -------
    ndarray of shape (n_params,)

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook import LogisticRegression
    >>> from lrbook.inference import standard_errors
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 1, 0, 1])
    >>> m = LogisticRegression(alpha=0.0, tol=1e-12).fit(X, y)
    >>> standard_errors(m, X, y).round(4)
    array([1.9749, 1.0852])
    """
    return np.sqrt(np.diag(covariance(model, X, y, sample_weight=sample_weight)))


@dataclass
class SummaryTable:
    """A printable coefficient table (what :func:`summary` returns without pandas).

    Attributes
    ----------
    index : list of str
        Coefficient names (``"intercept"`` first).
    columns : list of str
        ``coef, std err, z, P>|z|`` and the interval's two bounds.
    values : ndarray of shape (n_params, 6)

    Examples
    --------
    >>> import numpy as np
    >>> values = np.array([[1.0, 0.5], [2.0, 0.25]])
    >>> t = SummaryTable(["intercept", "x1"], ["coef", "std err"], values)
    >>> t["std err"]
    array([0.5 , 0.25])
    >>> print(t)
                    coef    std err
    intercept          1        0.5
    x1                 2       0.25
    """

    index: list[str]
    columns: list[str]
    values: FloatArray

    def __getitem__(self, column: str) -> FloatArray:
        if column not in self.columns:
            raise KeyError(f"no column {column!r}; columns are {self.columns}")
        return self.values[:, self.columns.index(column)]

    def __str__(self) -> str:
        width = max(len(name) for name in self.index)
        head = " " * width + "".join(f"{c:>11}" for c in self.columns)
        rows = [
            f"{name:<{width}}" + "".join(f"{v:>11.4g}" for v in row)
            for name, row in zip(self.index, self.values, strict=True)
        ]
        return "\n".join([head, *rows])

    __repr__ = __str__


def summary(
    model: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    feature_names: Any = None,
    level: float = 0.95,
    as_frame: bool | None = None,
) -> Any:
    """Coefficient table: estimate, standard error, z, two-sided p-value, confidence interval.

    ``z = coef / se``; ``p = P(|Z| > |z|) = erfc(|z| / sqrt(2))`` for a standard
    normal ``Z``; the interval is ``coef -/+ q * se`` with ``q`` the normal
    ``(1 + level) / 2`` quantile (1.96 for 95%).  These are Wald statistics,
    justified for large samples; they match statsmodels' ``Logit`` summary.

    Parameters
    ----------
    model, X, y, sample_weight
        As in :func:`covariance`.
    feature_names : sequence of str, optional
        Names of the features (default: the model's ``feature_names_in_`` if it
        was fitted on a DataFrame, else ``x1, x2, ...``).
    level : float, default=0.95
        Confidence level of the interval, in (0, 1).
    as_frame : bool or None, default=None
        True: a pandas DataFrame; False: a :class:`SummaryTable`; None: a
        DataFrame if pandas is installed.

    Returns
    -------
    pandas.DataFrame or SummaryTable
        One row per coefficient (``"intercept"`` first), columns ``coef``,
        ``std err``, ``z``, ``P>|z|``, ``[0.025``, ``0.975]`` (bounds named by
        ``level``, as in statsmodels).

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook import LogisticRegression
    >>> from lrbook.inference import summary
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 1, 0, 1])
    >>> m = LogisticRegression(alpha=0.0, tol=1e-12).fit(X, y)
    >>> print(summary(m, X, y, feature_names=["dose"], as_frame=False))
                    coef    std err          z      P>|z|     [0.025     0.975]
    intercept     -1.362      1.975    -0.6898     0.4903     -5.233      2.508
    dose          0.9082      1.085     0.8369     0.4027     -1.219      3.035
    """
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < float(level) < 1:
        raise ValueError(f"level must be a number in (0, 1), got level={level!r}; e.g. 0.95")
    params, info = _information(model, X, y, sample_weight)
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    z = params / se
    p = np.array([math.erfc(abs(v) / math.sqrt(2.0)) for v in z])
    q = NormalDist().inv_cdf((1 + float(level)) / 2)
    values = np.column_stack([params, se, z, p, params - q * se, params + q * se])
    names = _names(model, feature_names)
    lo, hi = (1 - float(level)) / 2, (1 + float(level)) / 2
    columns = ["coef", "std err", "z", "P>|z|", f"[{lo:.3g}", f"{hi:.3g}]"]
    if as_frame is None:
        try:
            import pandas  # noqa: F401
        except ImportError:  # pragma: no cover - pandas is installed wherever the tests run
            as_frame = False
        else:
            as_frame = True
    if as_frame:
        import pandas as pd

        return pd.DataFrame(values, index=names, columns=columns)
    return SummaryTable(index=names, columns=columns, values=values)


def _names(model: Any, feature_names: Any) -> list[str]:
    d = int(model.n_features_in_)
    if feature_names is None:
        given = getattr(model, "feature_names_in_", None)
        names = [str(n) for n in given] if given is not None else [f"x{j + 1}" for j in range(d)]
    else:
        names = [str(n) for n in feature_names]
        if len(names) != d:
            raise ValueError(
                f"feature_names must have {d} entries (one per feature), got {len(names)}"
            )
    return (["intercept"] if model.fit_intercept else []) + names
