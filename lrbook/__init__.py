"""lrbook: logistic regression, softmax regression and backpropagation, derived and executed.

Every formula in this package is derived in :mod:`lrbook.symbolic` (SymPy),
printed into :mod:`lrbook._kernels` by :mod:`lrbook.codegen`, and used by the
trainers in :mod:`lrbook.optim` and the estimators in :mod:`lrbook.models`.
Importing ``lrbook`` does not import SymPy.
"""

from __future__ import annotations

from lrbook._primitives import log_sigmoid, log_softmax, logsumexp, sigmoid, softmax, softplus

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "softmax",
    "softplus",
]
