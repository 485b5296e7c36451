"""Argument checks for the whole package: one meaning for each kind of argument.

Every public function and estimator of lrbook validates its arguments here, at the
public boundary, and nowhere else. Each check names the parameter, shows what came in
and says how to fix it (scikit-learn's style), and returns the value in the form the
caller uses (``check_learning_rate`` returns a float, ``check_int`` an int, ...).

The same kind of argument has the same rules everywhere: a boolean is never accepted
as a number, and a string is never parsed as one.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["check_callback", "check_int", "check_learning_rate", "check_lr_decay", "check_tol"]


def check_learning_rate(learning_rate: object) -> float:
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
        raise TypeError(
            f"learning_rate must be a positive finite number, got {learning_rate!r} "
            f"(type {type(learning_rate).__name__}); pass e.g. learning_rate=0.1"
        )
    lr = float(learning_rate)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(
            f"learning_rate must be a positive finite number, got learning_rate={learning_rate!r}; "
            "pass e.g. learning_rate=0.1"
        )
    return lr


def check_int(value: object, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r} "
            f"(type {type(value).__name__}); pass e.g. {name}={max(minimum, 100)}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {name}={value!r}")
    return int(value)


def check_tol(tol: object) -> float:
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
        raise TypeError(
            f"tol must be a non-negative number, got {tol!r} (type {type(tol).__name__})"
        )
    t = float(tol)
    if not (t >= 0 and math.isfinite(t)):
        raise ValueError(f"tol must be a finite number >= 0, got tol={tol!r}")
    return t


def check_lr_decay(lr_decay: object) -> float:
    if isinstance(lr_decay, bool) or not isinstance(lr_decay, numbers.Real):
        raise TypeError(f"lr_decay must be a number >= 0, got {lr_decay!r}")
    value = float(lr_decay)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"lr_decay must be a finite number >= 0, got lr_decay={lr_decay!r}")
    return value


def check_callback(callback: object) -> None:
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
