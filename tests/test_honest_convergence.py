"""Honest convergence on raw (unstandardised) data: every estimator, every solver.

A practitioner who forgets to standardise must never get a model that is worse than its
starting point without a word. For each estimator and solver, fitted on the raw breast
cancer data (the raw wine data for the 3-class softmax model) at default settings and at
two modest learning rates, the fit must either

- raise an error, or warn, with a message that names the learning rate or the scaling of
  the features, or
- end with a training loss no worse than the loss at its starting point;

and it must never report ``converged_=True`` with a training loss above the start.

Only public estimator behaviour is used: ``fit``, ``predict_proba`` / ``predict``,
``coef_`` / ``coefs_``, ``converged_`` and ``loss_curve_`` (whose first entry is the
objective at the initial iterate for the ``"gd"`` solver).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, mean_squared_error

import lrbook
from lrbook import LinearRegression, LogisticRegression, MLPClassifier, SoftmaxRegression

NAMES_LR_OR_SCALING = re.compile(r"learning.rate|standardi[sz]|scal(e|ing)", re.IGNORECASE)
LEARNING_RATES = [None, 1e-3, 1e-5]  # None: the estimator's default


def _data(name):
    loader = {"breast_cancer": load_breast_cancer, "wine": load_wine}[name]
    return loader(return_X_y=True)


def _training_loss(est, X, y):
    """The objective the estimator minimises, at its fitted parameters."""
    if isinstance(est, LinearRegression):
        return mean_squared_error(y, est.predict(X))
    weights = est.coefs_ if isinstance(est, MLPClassifier) else [est.coef_]
    penalty = 0.5 * est.alpha * sum(float(np.vdot(w, w)) for w in weights)
    return log_loss(y, est.predict_proba(X), labels=est.classes_) + penalty


def _start_loss(est, X, y):
    """The objective at the starting point: the first entry of a one-step GD fit's curve.

    The starting point does not depend on the solver (zeros for the linear models, the
    ``random_state`` draw for the network), so this is also the start of an SGD fit.
    """
    params = {"max_iter": 1, "learning_rate": 1e-12}
    if not isinstance(est, LinearRegression):
        params["solver"] = "gd"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return float(clone(est).set_params(**params).fit(X, y).loss_curve_[0])


def _cases():
    """(estimator, data set) for every estimator and solver, at each learning rate."""
    families = [
        (LogisticRegression, "breast_cancer", ("gd", "sgd", "newton")),
        (SoftmaxRegression, "wine", ("gd", "sgd", "newton")),
        (MLPClassifier, "breast_cancer", ("gd", "sgd")),
    ]
    for cls, data, solvers in families:
        for solver in solvers:
            for lr in LEARNING_RATES if solver != "newton" else [None]:
                kw = {} if lr is None else {"learning_rate": lr}
                est = cls(solver=solver, random_state=0, **kw)
                yield pytest.param(est, data, id=f"{cls.__name__}-{solver}-lr={lr}")
    for lr in LEARNING_RATES:
        kw = {} if lr is None else {"learning_rate": lr}
        yield pytest.param(
            LinearRegression(method="gd", **kw), "breast_cancer", id=f"linear-gd-lr={lr}"
        )


@pytest.mark.parametrize(("estimator", "data"), list(_cases()))
def test_raw_data_fit_is_flagged_or_no_worse_than_its_start(estimator, data):
    X, y = _data(data)
    est = clone(estimator)
    start = _start_loss(est, X, y)
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X, y)
        except (FloatingPointError, ValueError) as err:  # DivergenceError, LinAlgError
            error = str(err)
    if error is not None:
        assert NAMES_LR_OR_SCALING.search(error), error
        return
    assert all(issubclass(w.category, ConvergenceWarning) for w in caught), [
        str(w.message) for w in caught
    ]
    flagged = any(NAMES_LR_OR_SCALING.search(str(w.message)) for w in caught)
    final = _training_loss(est, X, y)
    no_worse = final <= start * (1 + 1e-9)
    assert flagged or no_worse, f"training loss {final:.4g} above the start {start:.4g}"
    if getattr(est, "converged_", False):
        assert no_worse, f"converged_=True with a training loss {final:.4g} > start {start:.4g}"


def test_the_start_loss_of_the_linear_classifiers_is_the_uniform_prediction():
    # a check of the helper above: the zero start predicts 1/K for every class
    X, y = _data("breast_cancer")
    assert _start_loss(LogisticRegression(), X, y) == pytest.approx(np.log(2), rel=1e-12)
    X, y = _data("wine")
    assert _start_loss(SoftmaxRegression(), X, y) == pytest.approx(np.log(3), rel=1e-12)


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: lrbook.LogisticRegression(), ValueError),
        (lambda: lrbook.SoftmaxRegression(), ValueError),
        (lambda: lrbook.LogisticRegression(solver="gd"), lrbook.DivergenceError),
        (lambda: lrbook.LogisticRegression(solver="sgd", random_state=0), lrbook.DivergenceError),
    ],
)
def test_a_value_near_the_float_limit_is_an_error_naming_the_cause_not_a_runtime_warning(
    make, error
) -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X = X.copy()
    X[0, 0] = 1e308  # warnings are errors here: an overflow warning would fail the test
    with pytest.raises(error, match="standardis"):
        make().fit(X, y)


def test_linear_regression_reports_whether_gradient_descent_converged() -> None:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 2))
    y = X @ np.array([1.0, -2.0]) + 0.5
    assert lrbook.LinearRegression(method="gd", max_iter=5000, tol=1e-10).fit(X, y).converged_
    with pytest.warns(ConvergenceWarning):
        short = lrbook.LinearRegression(method="gd", max_iter=2, tol=1e-10).fit(X, y)
    assert short.converged_ is False
    assert lrbook.LinearRegression(method="normal").fit(X, y).converged_
