"""Checks of the reader's own implementations, with feedback on the likely mistake.

Write a piece of logistic regression yourself (the sigmoid, the loss, the gradient, a
training loop, ...) and pass your function to the matching ``check_*``. It runs a
battery of tests (shapes and dtypes, known values, identities, extreme inputs with
warnings treated as errors, agreement with lrbook's generated kernels and losses, finite
differences, short training runs) and returns a :class:`CheckResult`. Print it, or let
Jupyter display it: it lists what passed, the first thing that failed, the likely mistake
behind it (a :class:`Diagnosis`, e.g. "overflow in exp" or "sum instead of mean") with
why, and the section of the book to read. It never shows a reference solution.

Importing this module does not import SymPy, scikit-learn or matplotlib
(:func:`check_trainer` imports scikit-learn when it runs, for lrbook's own trainer).

Examples
--------
>>> import numpy as np
>>> from lrbook.exercises import check_sigmoid
>>> def my_sigmoid(z):
...     e = np.exp(-np.abs(z))
...     return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
>>> check_sigmoid(my_sigmoid).passed
True
"""

from __future__ import annotations

from lrbook.exercises._backprop import check_backprop
from lrbook.exercises._core import CheckResult, Step
from lrbook.exercises._diagnoses import Diagnosis
from lrbook.exercises._functions import check_log_loss, check_sigmoid, check_softmax
from lrbook.exercises._gradients import check_gradient, check_numerical_gradient
from lrbook.exercises._pipeline import check_pipeline
from lrbook.exercises._training import check_sgd, check_trainer

__all__ = [
    "CheckResult",
    "Diagnosis",
    "Step",
    "check_backprop",
    "check_gradient",
    "check_log_loss",
    "check_numerical_gradient",
    "check_pipeline",
    "check_sgd",
    "check_sigmoid",
    "check_softmax",
    "check_trainer",
]
