"""lrbook: logistic regression, softmax regression and backpropagation, derived and executed.

Every formula in this package is derived in :mod:`lrbook.symbolic` (SymPy),
printed into :mod:`lrbook.kernels` by :mod:`lrbook.codegen`, and used by the
trainers in :mod:`lrbook.optim` and the estimators in :mod:`lrbook.models`.
Importing ``lrbook`` does not import SymPy (nor matplotlib: use
``from lrbook import plotting`` for figures, and ``from lrbook import symbolic``
for the derivations).

Examples
--------
>>> import lrbook
>>> float(lrbook.sigmoid(0.0))
0.5
"""

from __future__ import annotations

from lrbook import datasets
from lrbook._primitives import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax, softplus
from lrbook.gradcheck import GradCheckResult, check_gradient, numerical_gradient, relative_error
from lrbook.losses import (
    binary_cross_entropy,
    cross_entropy,
    logistic_hessian,
    logistic_loss_grad,
    mlp_forward,
    mlp_init,
    mlp_loss_grad,
    mlp_params_to_vector,
    mlp_vector_to_params,
    softmax_hessian,
    softmax_loss_grad,
)

__version__ = "0.1.0"

# The estimators and trainers need scikit-learn (its estimator base classes and
# ConvergenceWarning), whose import costs several hundred milliseconds. They are
# loaded on first use (PEP 562) so that `import lrbook` stays fast.
_LAZY = {
    "LogisticRegression": "lrbook.models",
    "SoftmaxRegression": "lrbook.models",
    "MLPClassifier": "lrbook.models",
    "LinearRegression": "lrbook.models",
    "gradient_descent": "lrbook.optim",
    "sgd": "lrbook.optim",
    "newton": "lrbook.optim",
    "OptimizeResult": "lrbook.optim",
    "DivergenceError": "lrbook.optim",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lrbook' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DivergenceError",
    "GradCheckResult",
    "LinearRegression",
    "LogisticRegression",
    "MLPClassifier",
    "OptimizeResult",
    "SoftmaxRegression",
    "__version__",
    "binary_cross_entropy",
    "check_gradient",
    "cross_entropy",
    "datasets",
    "gradient_descent",
    "log_sigmoid",
    "log_softmax",
    "logistic_hessian",
    "logistic_loss_grad",
    "logsumexp",
    "mlp_forward",
    "mlp_init",
    "mlp_loss_grad",
    "mlp_params_to_vector",
    "mlp_vector_to_params",
    "newton",
    "numerical_gradient",
    "relative_error",
    "sgd",
    "sigmoid",
    "softmax",
    "softmax_hessian",
    "softmax_loss_grad",
    "softplus",
]
